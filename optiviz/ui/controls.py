"""Widget blocks shared by several pages."""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st

from . import transport
from .url_state import Param


def start_params(surface: Any, **common: Any) -> list[Param]:
    """The start point's two settings, keys ``x0`` and ``y0`` (number boxes side by side),
    starting at the surface's suggested start. It may lie up to one domain-width outside
    the plotted square."""
    (x0, x1), (y0, y1) = surface.domain
    return [
        Param(key, float(start), low=2 * lo - hi, high=2 * hi - lo, widget="number",
              label=label, step=0.1, num_format="%.3f", row="start", **common)
        for key, label, start, lo, hi in zip(
            ("x0", "y0"), ("x₀", "y₀"), surface.start, (x0, y0), (x1, y1), strict=True
        )
    ]  # fmt: skip


#: Slide mode's page: less space above the content, a smaller title, larger text.
SLIDE_CSS = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 1.5rem;}
[data-testid="stMainBlockContainer"] h1 {font-size: 1.9rem; padding: 0 0 0.3rem 0;}
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] li {font-size: 1.25rem;}
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p {font-size: 1.1rem;}
[data-testid="stMetricValue"] {font-size: 2rem;}
[data-testid="stMetricLabel"] p {font-size: 1.1rem;}
[data-testid="stMetricLabel"] * {white-space: normal !important; overflow: visible !important;}
[data-testid="stTab"] p {font-size: 1.15rem;}
[data-testid="stTable"] th, [data-testid="stTable"] td {font-size: 1.15rem;}
</style>"""


#: Every page on a phone: a chart fills the screen's width (plotly's plot spans the chart,
#: its legend and colour bars sit under it), so the page's side padding shrinks to a
#: sliver there; a wide formula or table scrolls inside its own box, never the page.
PHONE_CSS = """<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] {padding-left: 0.5rem; padding-right: 0.5rem;}
  .katex-display {overflow-x: auto; overflow-y: hidden;}
}
</style>"""


def is_slide() -> bool:
    """Slide mode, known before a page restores its settings: from the toggle once the
    session has one, else from the link (``slide=1``)."""
    if "slide" in st.session_state:
        return bool(st.session_state["slide"])
    return str(st.query_params.get("slide", "0")).lower() in ("1", "true")


def page_intro(title: str, caption: str) -> None:
    """The page's title and its one-paragraph introduction. In slide mode the title is
    smaller, the introduction is left to the teacher and the page's text grows, so the
    main chart sits above the fold of a 1280×720 projector. It also installs the
    figures' transport (:func:`optiviz.ui.transport.install`) for pages run alone."""
    transport.install()
    st.html(PHONE_CSS)
    if is_slide():
        st.html(SLIDE_CSS)
        st.title(title)
    else:
        st.title(title)
        st.caption(caption)


def table(data: Any, *, width: str | int = "stretch") -> None:
    """A table without its index. ``st.dataframe`` draws on a canvas whose text no style
    sheet reaches, so in slide mode the table is an HTML ``st.table`` instead, whose cells
    grow with the rest of the page's text (slide mode's style sheet)."""
    if is_slide():
        st.table(data, hide_index=True, width=width)
    else:
        st.dataframe(data, hide_index=True, width=width)


#: slide mode, a setting of every page (``slide=1`` in a link)
SLIDE = Param("slide", False, kind="bool", widget="toggle", label="Slide mode",
              help="Big fonts, thick lines, white background, 16:9.")  # fmt: skip


def slide_toggle() -> None:
    """The sidebar's slide-mode switch (key ``slide``), the same on every page."""
    from .url_state import draw

    draw([SLIDE])


def lazy_tabs(labels: list[str], key: str, keep: tuple[str, ...] = ()) -> list:
    """Tabs whose hidden panels do not run: only the open tab's content is computed.

    Building and sending every panel on each rerun cost a classroom server most of its
    time (the race page drew four figures to show one). Switching tabs reruns the page;
    ``tab.open`` says which panel to fill. The open tab is kept in ``st.session_state[key]``
    (a test opens a tab by setting it before a run).

    ``keep`` names the keys of widgets inside the tabs: Streamlit forgets a widget's value
    in a run that does not draw it, so these are carried over while their tab is closed
    (coming back to a tab finds its settings as they were)."""
    for k in keep:
        if k in st.session_state:
            st.session_state[k] = st.session_state[k]
    if st.session_state.get(key) not in labels:
        st.session_state.pop(key, None)
    return list(st.tabs(labels, key=key, on_change="rerun"))


def schedule_params(
    key: Any, *, defaults: Any = None, lazy: bool = True, **common: Any
) -> list[Param]:
    """The settings of every learning-rate schedule's parameters, as number boxes:
    ``key(schedule, name)`` is each one's URL key, ``defaults`` a page's own starting
    values by that key, ``lazy`` as :attr:`Param.lazy`, ``common`` the fields they share
    (section, ``when``...). A
    ``when`` given as a callable of the schedule's name is bound to each schedule."""
    from optiviz.engine.networks.schedules import SCHEDULES

    when = common.pop("when", None)
    out = []
    for name, info in SCHEDULES.items():
        for p in info.params:
            k = key(name, p.name)
            default = (defaults or {}).get(k, p.default)
            out.append(
                Param(k, int(default) if p.integer else float(default),
                      kind="int" if p.integer else "float", low=p.low, high=p.high,
                      lazy=lazy, widget="number", label=p.name, help=p.help,
                      num_format=None if p.integer else "%.4g",
                      when=None if when is None else functools.partial(when, name), **common)
            )  # fmt: skip
    return out
