"""The playground's canvas for the student's own points (TensorFlow Playground's
"add your own data", which its users asked for): a click adds a point of the chosen
class or value at the nearest spot of a 0.1 grid, a click on a point removes it; Undo
and Clear; up to :data:`~optiviz.ui.playground.LINK_POINTS` points travel in the link,
and a larger drawing says so and offers its CSV (which the CSV choice reads back).

The points are the ``pts`` setting (a declared :class:`~optiviz.ui.url_state.Param`);
the pen (which class or value a click adds) is a choice of the moment, not part of the
scene, so it is drawn here.
"""

from __future__ import annotations

import functools

import streamlit as st

from optiviz.engine.networks.datasets import (
    DRAW_BOX,
    DRAW_MAX_CLASSES,
    DRAW_MAX_POINTS,
    DRAW_MIN_POINTS,
    DRAW_STEP,
)
from optiviz.figures.drawing import canvas_figure

from .playground import LINK_POINTS

KEY = "pts"


def _points() -> list[list[float]]:
    return [list(p) for p in st.session_state.get(KEY) or []]


def _clicked(chart_key: str, regression: bool) -> None:
    """A click on the canvas: a point at an empty spot, or away with the point there
    (the spot under a point is under the click too, so the place decides, not the trace)."""
    event = st.session_state.get(chart_key)
    chosen = (event or {}).get("selection", {}).get("points", [])
    pts = _points()
    for hit in chosen:
        at = (round(float(hit["x"]), 2), round(float(hit["y"]), 2))
        here = [p for p in pts if (round(p[0], 2), round(p[1], 2)) == at]
        if here:
            pts = [p for p in pts if p not in here]
        elif len(pts) < DRAW_MAX_POINTS:
            pen = float(st.session_state.get("pen_value" if regression else "pen_class", 0))
            pts.append([*at, round(pen, 2)])
    st.session_state[KEY] = pts


def _undo() -> None:
    st.session_state[KEY] = _points()[:-1]


def _clear() -> None:
    st.session_state[KEY] = []


def _csv(points: list[list[float]], regression: bool) -> str:
    head = "x1,x2,value" if regression else "x1,x2,label"
    rows = [f"{x:g},{y:g},{v:g}" if regression else f"{x:g},{y:g},{int(v)}" for x, y, v in points]
    return "\n".join([head, *rows]) + "\n"


def canvas(regression: bool, slide: bool) -> None:
    """The canvas, the pen and the drawing's buttons, in an expander above the charts."""
    pts = _points()
    with st.expander(f"✏️ Your points ({len(pts)})", expanded=True):
        left, right = st.columns([3, 2])
        # a new chart after every change, so a click on the same spot counts again
        chart_key = f"canvas_{len(pts)}_{hash(tuple(map(tuple, pts))) & 0xFFFF}"
        left.plotly_chart(
            canvas_figure(pts, regression, slide, DRAW_BOX, DRAW_STEP),
            key=chart_key,
            on_select=functools.partial(_clicked, chart_key, regression),
            selection_mode="points",
            config={"displayModeBar": False},
        )
        with right:
            _pen(regression)
            c1, c2 = st.columns(2)
            c1.button("Undo", on_click=_undo, disabled=not pts, width="stretch")
            c2.button("Clear", on_click=_clear, disabled=not pts, width="stretch")
            _counts(pts, regression)


def _pen(regression: bool) -> None:
    if regression:
        st.slider("A click adds the value", -1.0, 1.0, 0.5, 0.05, key="pen_value",
                  help="Blue above 0, red below, as the predicted values are drawn.")  # fmt: skip
    else:
        st.radio("A click adds", tuple(range(DRAW_MAX_CLASSES)), key="pen_class",
                 format_func=lambda c: f"class {c}", horizontal=True)  # fmt: skip


def _counts(pts: list[list[float]], regression: bool) -> None:
    if len(pts) < DRAW_MIN_POINTS:
        st.caption(f"{len(pts)} points: draw at least {DRAW_MIN_POINTS} to train.")
    else:
        st.caption(f"{len(pts)} points (at most {DRAW_MAX_POINTS}); validation takes its share.")
    if len(pts) > LINK_POINTS:
        st.warning(
            f"The link carries at most {LINK_POINTS} drawn points: this drawing stays in "
            "this browser tab only. Keep it as a CSV file (and open it with “Your CSV file…”)."
        )
    if pts:
        st.download_button(
            "Download the points (CSV)", _csv(pts, regression), "optiviz-points.csv",
            mime="text/csv", width="stretch",
        )  # fmt: skip
