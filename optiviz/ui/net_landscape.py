"""The playground's Landscape tab (issue #22): the loss of the network on screen as a
surface around a run's final weights, every optimizer's path on it with how far the
picture can be trusted, the straight lines between weights, and the sharpness against
the optimizer's stability threshold.

Its settings (directions, grid, span, seed) are the playground's declared ``ls_*``
settings, drawn in the tab rather than the sidebar; the slices, interpolations and
sharpness are cached per scene and shared by every session that shows it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import streamlit as st

from optiviz.engine.networks import landscape as ls
from optiviz.figures import net_landscape as nl
from optiviz.figures.style import export_config

from .cache import shared_figure
from .networks import pick_run
from .url_state import Param, draw

SECTION = "Landscape"
#: the directions, as the map's caption names them
DIRECTION_WORDS = {
    "filter": "two random filter-normalized directions",
    "shared": "two random filter-normalized directions shared by every run",
    "pca": "the trajectory's two principal directions",
}
GRIDS = (25, 51, 101)
#: one sentence on what each choice of directions means
DIRECTION_HELP = {
    "pca": "The two directions along which the chosen run's weights moved most during "
    "training: its own path lies nearly in this plane, other runs' may not.",
    "shared": "Two random directions, each neuron's weights scaled to its size in the chosen "
    "run's final network (filter normalization); the same draw whichever run you pick.",
    "filter": "As shared, but a fresh random draw for each run.",
}


def params() -> list[Param]:
    """The tab's settings (the playground's schema holds them; the tab draws them)."""
    row = {"section": SECTION, "row": "landscape"}
    return [
        Param("ls_dir", "pca", kind="choice", choices=tuple(DIRECTION_HELP), widget="select",
              label="Directions", fmt=lambda k: {"shared": "random, shared", "filter":
              "random, per run", "pca": "PCA of the path"}[k],
              help=" ".join(f"{k}: {v}" for k, v in DIRECTION_HELP.items()), width=1.3, **row),
        Param("ls_grid", 51, kind="int", low=GRIDS[0], high=GRIDS[-1], options=GRIDS,
              widget="select_slider", label="Grid", fmt=str, **row),
        Param("ls_span", 1.25, low=0.1, high=5.0, widget="slider", step=0.1, label="Span ±",
              help="α and β run from −span to +span (for PCA: in units of the path's extent).",
              **row),
        Param("ls_key", 0, kind="int", low=0, high=9999, widget="number", label="Draw",
              help="The random directions' seed.", width=0.7, **row),
    ]  # fmt: skip


@st.cache_resource(max_entries=24, ttl=3600, show_spinner=False)
def _slice(key: str, _result: Any, run: int, directions: str, grid: int, span: float,
           seed: int) -> ls.Slice:  # fmt: skip
    return ls.loss_slice(_result, run, directions, grid, span, seed)


@st.cache_resource(max_entries=24, ttl=3600, show_spinner=False)
def _lines(key: str, _result: Any, run: int) -> dict[str, np.ndarray]:
    out = {"start": ls.interpolation(_result, run)}
    for other in range(_result.n_runs):
        if other != run:
            out[str(other)] = ls.interpolation(_result, run, to=other)
    return out


@st.cache_resource(max_entries=24, ttl=3600, show_spinner=False)
def _sharpness(key: str, _result: Any) -> np.ndarray:
    return ls.sharpness(_result) if _result.sharpness is None else _result.sharpness


def tab(result: Any, key: Hashable, colors: Sequence[str], slide: bool) -> None:
    """The whole tab for the scene ``key`` (its settings)."""
    if result.weights is None:
        st.info("This result did not record its weights along training.")
        return
    run = pick_run(result, "ls_run")
    draw(params(), heading=lambda _: None)
    ss = st.session_state
    what = (ss["ls_dir"], int(ss["ls_grid"]), float(ss["ls_span"]), int(ss["ls_key"]))
    base = repr(("landscape", key, run, *what))
    try:
        s = _slice(base, result, run, *what)
    except ValueError as err:
        st.warning(f"No landscape for this setting: {err}")
        return
    labels = list(result.labels)
    fig = shared_figure(repr((base, "map", slide)), lambda: nl.slice_map(s, labels, colors, slide))
    st.plotly_chart(fig, key="ls_map", config=export_config("optiviz-landscape", slide))
    st.caption(_map_caption(result, s, what[0]))
    with st.expander("The same slice as a 3D surface"):
        fig3 = shared_figure(repr((base, "3d", slide)),
                             lambda: nl.slice_surface(s, labels, colors, slide))  # fmt: skip
        st.plotly_chart(fig3, key="ls_3d", config=export_config("optiviz-landscape-3d", slide))
    st.subheader("Can the picture be trusted?")
    fig_h = shared_figure(repr((base, "honesty", slide)),
                          lambda: nl.honesty(s, labels, colors, slide))  # fmt: skip
    st.plotly_chart(fig_h, key="ls_honesty", config=export_config("optiviz-honesty", slide))
    st.caption(honesty_caption(s, labels))
    _interpolation_part(result, key, run, colors, slide)
    _sharpness_part(result, key, colors, slide)


def _map_caption(result: Any, s: ls.Slice, directions: str) -> str:
    n = len(s.alpha)
    text = (
        f"The training loss (log scale) on a {n} × {n} grid of the plane through "
        f"{result.labels[s.run]}'s final weights θ* (×), spanned by "
        f"{DIRECTION_WORDS[directions]}; every run's path is projected onto it "
        "(the large dot: where it ended). The loss is measured as `model.evaluate` on the "
        "training data does: dropout off, batch norm's moving statistics, L1/L2 "
        "penalties included. ▶ Play walks the paths."
    )
    if s.rows_used < s.rows_total:
        text += f" To stay quick it is computed on the first {s.rows_used} of the "
        text += f"{s.rows_total} training rows."
    if result.arch.batch_norm:
        text += " With batch norm every point uses the final moving statistics."
    return text


def honesty_caption(s: ls.Slice, labels: Sequence[str]) -> str:
    """One sentence per run on how far its path leaves the plane (claims from ``s``)."""
    parts = []
    for r, label in enumerate(labels):
        share = s.off_plane_share[r][:-1] if len(s.epochs) > 1 else s.off_plane_share[r]
        worst = float(np.max(share)) if len(share) else 0.0
        gap = np.abs(np.log10(np.maximum(s.plane_loss[r], 1e-12))
                     - np.log10(np.maximum(s.true_loss[r], 1e-12)))  # fmt: skip
        ratio = float(10 ** np.nanmax(gap)) if np.isfinite(gap).any() else float("nan")
        where = "in the plane" if worst < 0.05 else f"up to {worst:.0%} off the plane"
        parts.append(f"**{label}**'s path lies {where}; the plane's loss is within ×{ratio:.3g} "
                     "of its true loss at every point")  # fmt: skip
    return ("; ".join(parts) + ". A path far off the plane is drawn where it projects, "
            "not where it is: read the map with its distance in mind.")  # fmt: skip


def _interpolation_part(result, key, run, colors, slide) -> None:
    st.subheader("Straight lines in weight space")
    lines_data = _lines(repr(("lines", key, run)), result, run)
    label = result.labels[run]
    lines = {f"{label}: initial → final weights": (lines_data["start"], colors[run])}
    for other in range(result.n_runs):
        if other != run:
            name = f"{label}'s final → {result.labels[other]}'s final"
            lines[name] = (lines_data[str(other)], colors[other])
    fig = shared_figure(repr(("lines-fig", key, run, slide)),
                        lambda: nl.interpolations(ls.INTERP, lines, slide))  # fmt: skip
    st.plotly_chart(fig, key="ls_lines", config=export_config("optiviz-interpolation", slide))
    st.caption(line_caption(ls.INTERP, lines_data, result, run))


def line_caption(t: np.ndarray, lines: dict[str, np.ndarray], result: Any, run: int) -> str:
    """What the lines show, said from their numbers: whether the start-to-end line falls
    all the way, and whether a barrier separates two runs' minima."""
    inside = (t >= 0) & (t <= 1)
    start = lines["start"][inside]
    rises = bool(np.any(np.diff(start) > 1e-3 * np.nanmax(np.abs(start))))
    text = ("Goodfellow et al. (2015) found the loss usually falls all the way along the "
            "straight line from the initial to the final weights. Here it "
            + ("rises somewhere on the way." if rises else "falls all the way."))  # fmt: skip
    for other in range(result.n_runs):
        if other == run:
            continue
        between = lines[str(other)][inside]
        ends = max(between[0], between[-1])
        barrier = float(np.nanmax(between) - ends)
        name = result.labels[other]
        text += (f" Between {result.labels[run]}'s and {name}'s minima the loss rises by "
                 f"{barrier:.3g} above the higher end: a barrier." if barrier > 0.01 * ends
                 else f" {result.labels[run]}'s and {name}'s minima are joined with no "
                 "barrier along the line.")  # fmt: skip
    return text


def _sharpness_part(result, key, colors, slide) -> None:
    st.subheader("Sharpness and the edge of stability")
    values = _sharpness(repr(("sharpness", key)), result)
    epochs = result.snapshot_epochs[result.weight_snapshots]
    edges = [ls.stability(result, r, values[r]) for r in range(result.n_runs)]
    labels = list(result.labels)
    fig = shared_figure(
        repr(("sharpness-fig", key, slide)),
        lambda: nl.sharpness_chart(epochs, values, [e.threshold for e in edges], labels,
                                   colors, slide),
    )  # fmt: skip
    st.plotly_chart(fig, key="ls_sharpness", config=export_config("optiviz-sharpness", slide))
    st.caption(
        "Sharpness is the largest eigenvalue of the training loss's Hessian (computed from "
        "Hessian-vector products, Lanczos). Plain gradient descent with step η is stable "
        "on a quadratic only while the sharpness stays below 2/η (the landscape page's "
        "bowl shows it); Cohen et al. (2021) found that networks trained with GD become "
        "sharper until they reach that line and then hover at it. "
        f"The rule used here: the median of the last {ls.EDGE_LAST} values within "
        f"{ls.EDGE_BAND:.0%} of the line."
    )
    for label, edge in zip(labels, edges, strict=True):
        st.markdown(f"**{label}**: {edge.sentence}")
