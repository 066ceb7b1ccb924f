"""Shared look of every optiviz figure: screen vs slide mode, export settings, log colouring.

Pure plotly + numpy (no JAX, no Streamlit).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.json import to_json_plotly


@dataclass(frozen=True)
class Style:
    """Sizes for one presentation mode."""

    font: int
    title_font: int
    line: float
    head: float
    width: int | None
    height: int
    template: str


def _trimmed_template(base: str) -> str:
    """Register plotly's ``base`` template without the parts optiviz never draws (maps,
    polar and ternary axes, trace types it does not use); returns the new name.

    Applying a template validates and copies all of it: the trimmed one takes about
    half the time of the full ``plotly_white``, and every figure looks the same."""
    name = f"optiviz_{base}"
    if name not in pio.templates:
        full = pio.templates[base].to_plotly_json()
        layout = {k: v for k, v in full["layout"].items() if k not in _UNUSED_LAYOUT}
        data = {k: v for k, v in full["data"].items() if k in _USED_TRACES}
        pio.templates[name] = go.layout.Template(layout=layout, data=data)
    return name


_UNUSED_LAYOUT = ("geo", "mapbox", "polar", "ternary")
_USED_TRACES = ("bar", "histogram", "contour", "heatmap", "surface", "scatter3d")

SCREEN = Style(
    font=13,
    title_font=16,
    line=2.5,
    head=11,
    width=None,
    height=560,
    template=_trimmed_template("plotly_white"),
)
#: Slide mode: big type, thick lines, white background. On the page a chart is as wide
#: as the page and 460 px high, so that with slide mode's compact header it sits above
#: the fold of a 1280×720 projector; its camera icon and the slide image save it at 16:9
#: (:data:`EXPORT_SIZE`).
SLIDE = Style(
    font=20,
    title_font=26,
    line=5.0,
    head=18,
    width=None,
    height=460,
    template=_trimmed_template("simple_white"),
)
#: what the camera icon saves (pixels, before its 2x scale): 16:9
EXPORT_SIZE = (1600, 900)

#: Surface colours: pale and neutral, so the optimizers' colours carry the picture.
SURFACE_SCALE = [
    [0.0, "#ffffff"],
    [0.25, "#e8eef4"],
    [0.5, "#cfd9e3"],
    [0.75, "#b3c0cd"],
    [1.0, "#97a4b2"],
]


#: In 3D the shading needs a wider range of tones to show the shape.
SURFACE_SCALE_3D = [
    [0.0, "#f4f7fa"],
    [0.35, "#c9d5e0"],
    [0.7, "#8fa2b5"],
    [1.0, "#5d7084"],
]


def style_for(slide: bool) -> Style:
    return SLIDE if slide else SCREEN


#: Each optimizer's colour: Okabe–Ito hues, apart for colour-blind viewers (the tests
#: simulate three kinds of colour blindness on them).
OPTIMIZER_COLORS = {
    "sgd": "#56B4E9",
    "momentum": "#CC79A7",
    "nesterov": "#D55E00",
    "adagrad": "#5E5E5E",
    "rmsprop": "#009E73",
    "adam": "#0072B2",
    "nadam": "#E69F00",
    "adamax": "#1A1A1A",
}
#: colours for optimizers added to the registry without one here (Tol's muted scheme)
SPARE_COLORS = ("#882255", "#44AA99", "#999933", "#AA4499", "#117733", "#332288")


def optimizer_color(name: str) -> str:
    """The colour every chart draws optimizer ``name`` (a Keras name) in."""
    if name in OPTIMIZER_COLORS:
        return OPTIMIZER_COLORS[name]
    from optiviz.engine.optimizers import OPTIMIZERS

    extra = [n for n in OPTIMIZERS if n not in OPTIMIZER_COLORS]
    return SPARE_COLORS[extra.index(name) % len(SPARE_COLORS) if name in extra else 0]


def run_colors(result: Any) -> list[str]:
    """Each run's colour in a race (copies of one optimizer share it; see ``run_dash``)."""
    return [optimizer_color(name) for name in result.optimizers]


def colorbar_title(text: str) -> dict:
    """A colour bar's title, above the bar with a line's gap (plotly set it on the bar)."""
    return {"text": f"{text}<br>&nbsp;", "side": "top"}


def apply_style(
    fig: go.Figure, slide: bool, title: str | None = None, *, template: bool = True
) -> go.Figure:
    """Fonts, background and size for screen or slide mode.

    ``template=False`` leaves the plot template out, for a figure that :func:`animated`
    finishes (it adds the template to the dict form without validating it again)."""
    s = style_for(slide)
    if template:
        fig.update_layout(template=s.template)
    fig.update_layout(
        font={"size": s.font, "family": "Helvetica, Arial, sans-serif"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=s.height,
        # (y axes grow the left margin to their ticks and title: automargin; nothing sits
        # beside the plot on a screen, so a phone gives the plot its whole width)
        margin={
            "l": 60 if slide else 2,
            "r": 30 if slide else 8,
            "t": 70 if title else 30,
            "b": 60,
            "pad": 8 if slide else 0,
        },
        # a finger dragging over a chart scrolls the page: on a phone a chart fills the
        # screen's width, and a drag that zoomed or panned left no place to scroll from.
        # Taps still show the hover readout and click; zoom and pan are a modebar click away
        dragmode=False,
        # (a race's legend has up to 13 entries: at slide size they must fit 460 px)
        legend={"font": {"size": s.font - 4 if slide else s.font}},
    )
    if s.width:
        fig.update_layout(width=s.width)
    if title:
        fig.update_layout(title={"text": title, "font": {"size": s.title_font}, "x": 0.01})
    # Streamlit's chart theme sets tick and axis-title sizes of its own; say ours outright,
    # so slide mode's ticks and subplot titles grow with the rest
    fig.update_xaxes(tickfont_size=s.font, title_font_size=s.font)
    fig.update_yaxes(tickfont_size=s.font, title_font_size=s.font)
    if not slide:  # the y title close to its ticks (plotly left ~40 px between them)
        fig.update_yaxes(title_standoff=4)
    fig.for_each_annotation(lambda a: _subplot_title_font(a, s.font))
    return fig


#: the narrowest chart a screen-mode figure is laid out for: a phone held upright (390 px)
#: less the page's padding. A legend's rows are counted at this width, so they fit a phone;
#: on a wider screen the legend takes fewer rows and leaves a little room under it.
PHONE_WIDTH = 350
#: a horizontal colour bar's thickness, pixels
BAR_THICKNESS = 12


def controls_band(font: float) -> float:
    """Pixels that an animation's controls take under the x axis in screen mode: the
    buttons on one row, the step slider (its label above it) on the next."""
    return 2 * font + 16 + 1.4 * font + 40


def colorbar_band(font: float) -> float:
    """Pixels that a horizontal colour bar takes: the bar, its tick labels, its title
    under them (plotly drew a title on top of a flat bar over the bar)."""
    return 1.5 * font + BAR_THICKNESS + 1.5 * font + 14


def axis_band(font: float, titled: bool) -> float:
    """Pixels under the plot that an x axis's ticks (and title, if ``titled``) take."""
    return 1.5 * font * (2 if titled else 1) + 10


def legend_below(
    fig: go.Figure,
    slide: bool,
    *,
    controls: bool = False,
    names: list[str] | None = None,
    plot_height: float | None = None,
    **legend: Any,
) -> go.Figure:
    """Everything that explains the plot goes under it: a horizontal legend and (in
    screen mode) every colour bar, laid flat, so the plot takes the chart's whole width on
    any screen (the server cannot know it: a legend and colour bar beside the plot left a
    phone's race ~90 px of plot).

    From the top, under the x axis's ticks and title: the animation's controls (with
    ``controls=True``; :func:`animated` places them there), the colour bar, then the
    legend. The bottom margin is made tall enough for all of them in pixels, the
    legend's rows counted at a phone's width in screen mode (:data:`PHONE_WIDTH`, from its
    entries' text) and at a projector's in slide mode, where colour bars stay upright
    beside the plot (a projector is wide, and a slide's 460 px of height are scarce).
    A legend placed at a fraction of the plot's height sat on the axis title once slide
    mode's type grew, and moved when an export changed the figure's height. Call it
    once the figure's traces, axis titles and height are in; ``names``: the legend's
    entries, if traces added later will make it (default: the figure's own);
    ``plot_height`` (screen mode): make the figure as tall as this many pixels of plot
    and what is above and under it; ``legend`` adds settings (``groupclick``,
    ``traceorder``, ...)."""
    s = style_for(slide)
    layout = fig.layout
    if names is None:
        names = _legend_names(fig)
    titled = any(ax.title.text for ax in fig.select_xaxes())
    font = layout.legend.font.size or s.font
    # (on a page the chart is as wide as the page's column: ~820 px on a 1280-px
    # projector with the sidebar open; assume a little less, so rows are not undercounted)
    width = layout.width or (800 if slide else PHONE_WIDTH)
    bars = [] if slide else _colorbars(fig)
    bottom = legend_margin(
        s.font, font, titled, names, width, colorbar=bool(bars), controls=controls and not slide
    )
    if slide:  # as before: the legend sits on the figure's bottom edge
        below = {"orientation": "h", "x": 0, "yref": "container", "y": 0, "yanchor": "bottom"}
        fig.update_layout(legend=below | legend, margin={"b": bottom})
        return fig
    height = layout.height or s.height
    if plot_height is None:  # the plot keeps its height: what goes under it adds to the figure
        height = int(height + max(0, bottom - (layout.margin.b or 60)))
    else:
        height = int(plot_height + (layout.margin.t or 0) + bottom)
    fig.update_layout(height=height)
    top = axis_band(s.font, titled) + (controls_band(s.font) if controls else 0)
    for bar in bars:
        text = bar.title.text or ""
        bar.update(
            orientation="h", x=0.5, xanchor="center", xref="paper", len=1, lenmode="fraction",
            thickness=BAR_THICKNESS, yref="container", y=(bottom - top) / height,
            yanchor="top", title={"text": _flat(text), "side": "bottom"},
        )  # fmt: skip
    if bars:
        top += colorbar_band(s.font)
    below = {
        "orientation": "h",
        "xref": "container",
        "x": 0,
        "xanchor": "left",
        "yref": "container",
        "y": max(0.0, (bottom - top) / height),
        "yanchor": "top",
    }
    fig.update_layout(legend=below | legend, margin={"b": bottom})
    return fig


def panel_columns(n: int, slide: bool, most: int = 4) -> int:
    """How many of ``n`` panels sit side by side: at most 2 on a screen (a phone shows
    two panels of ~170 px; four were thumbnails), up to ``most`` on a wide slide."""
    return max(1, min(n, most if slide else 2))


def _legend_names(fig: go.Figure) -> list:
    """The legend's entries (traces' and shapes'); those of a legend group with more
    than one, as a list (plotly stacks a group's entries: :func:`legend_rows`)."""
    entries = [(t.legendgroup, t.name) for t in fig.data if t.showlegend is not False and t.name]
    # (shapes can have legend entries too: the activations' shaded saturation bands)
    entries += [(sh.legendgroup, sh.name) for sh in fig.layout.shapes if sh.showlegend and sh.name]
    sizes: dict = {}
    for group, _ in entries:
        sizes[group] = sizes.get(group, 0) + 1
    out: list = []
    seen: dict = {}
    for group, name in entries:
        if group and sizes[group] > 1:
            if group not in seen:
                seen[group] = []
                out.append(seen[group])
            seen[group].append(name)
        else:
            out.append(name)
    return out


def _flat(text: str) -> str:
    """A colour bar's title on one line (:func:`colorbar_title` wrote it for a bar
    standing beside the plot)."""
    return re.sub(r"\s*<br>\s*", " ", text.replace("<br>&nbsp;", "")).strip()


def _colorbars(fig: go.Figure) -> list:
    """The colour bars a figure shows: its traces' (heatmaps, contours, surfaces show
    one unless told not to; markers only when asked) and its colour axes'."""
    out = []
    for t in fig.data:
        if t.type in ("heatmap", "contour", "histogram2d", "histogram2dcontour", "surface"):
            if t.showscale is not False:
                out.append(t.colorbar)
        elif getattr(t, "marker", None) is not None and getattr(t.marker, "showscale", None):
            out.append(t.marker.colorbar)
    for name in fig.layout:
        if name.startswith("coloraxis") and fig.layout[name].showscale is not False:
            out.append(fig.layout[name].colorbar)
    return out


def legend_rows(names: list, font: float, width: float) -> int:
    """How many rows a horizontal legend of ``names`` takes, wrapped to ``width``
    pixels (a symbol and gap of 40 px an entry, then ~0.55 em a character). An item
    that is a list is a legend group: plotly stacks its entries in a block as wide as
    its widest, and lays the blocks side by side (one row more for the gap between
    rows of blocks)."""
    rows, used, tallest = 0, 0.0, 0
    for name in names:
        group = name if isinstance(name, list) else [name]
        entry = max(40 + 0.55 * font * len(str(n)) for n in group)
        if used and used + entry > width - 20:
            rows, used, tallest = rows + tallest, 0.0, 0
        used += entry
        tallest = max(tallest, len(group))
    rows += tallest
    blocks = sum(isinstance(n, list) for n in names)
    return rows + (1 if blocks > 1 and rows > tallest else 0)


def legend_margin(
    axis_font: float,
    legend_font: float,
    titled: bool,
    names: list[str],
    width: float,
    *,
    colorbar: bool = False,
    controls: bool = False,
) -> int:
    """The bottom margin, in pixels, that holds an x axis's ticks (and title, if
    ``titled``), an animation's controls (``controls``), a horizontal colour bar
    (``colorbar``) and under them a horizontal legend of ``names`` wrapped to ``width``
    (a symbol and gap of 40 px an entry, then ~0.55 em a character)."""
    rows = legend_rows(names, legend_font, width)
    band = axis_band(axis_font, titled)
    band += controls_band(axis_font) if controls else 0
    band += colorbar_band(axis_font) if colorbar else 0
    # (a row is as tall as its largest symbol: a race's star made rows of ~2.3 em)
    return int(band + rows * (1.6 * legend_font + 8) + 12)


def _subplot_title_font(a: Any, size: int) -> None:
    """Subplot titles (plotly writes them at 16 px, in paper coordinates) and annotations
    with no size of their own take the mode's size; labels sized on purpose keep theirs."""
    if a.font.size is None or (a.xref == "paper" and a.yref == "paper" and a.font.size == 16):
        a.update(font_size=size)


#: plotly.js's typed-array names of the NumPy dtypes :func:`typed` sends
_TYPED = {np.dtype(np.float32): "f4", np.dtype(np.uint8): "u1"}


def typed(a: Any, dtype: Any = np.float32) -> dict:
    """An array as plotly.js's typed-array spec (base64; float32, or uint8 for small
    integers), encoded here once.

    plotly writes the same spec, but routes every array through generic checks first:
    too slow for the thousands of arrays of an animation's frames."""
    arr = np.ascontiguousarray(a, dtype)
    spec = {"dtype": _TYPED[arr.dtype], "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in arr.shape)
    return spec


def animated(
    fig: go.Figure,
    frames: list[dict] | None,
    controls: dict,
    slide: bool,
    spec: dict | None = None,
    frames_json: str | None = None,
) -> go.Figure:
    """Finish an animation: ``fig`` holds the first picture (styled with
    ``apply_style(..., template=False)``), ``frames`` are plain frame dicts (``data`` of
    :func:`typed` arrays, ``traces``, ``name``) and ``controls`` the layout entries of
    :func:`play_controls`.

    Frames and controls go straight into the figure's dict form, past plotly's
    validation and copying (for 80 frames × 16 traces those took most of the time of a
    new scene). The figure comes back :func:`frozen`: ``to_dict()``, ``to_json()``,
    ``show()`` and ``write_html()`` see the frames; ``fig.frames`` stays empty.

    ``spec``: the plain ``{"data": [...], "layout": {...}}`` that ``fig`` was built from
    with ``_validate=False``, if the caller has it: it is stored as it is (shallow
    copies), which saves ``to_dict()``'s deep copy of every trace.

    ``frames_json``: instead of ``frames``, their JSON text, if the caller made it from
    parts it keeps (:func:`json_text`). The figure keeps only this text: its JSON is the
    rest's plus this text, and ``to_dict()`` parses the frames from it when asked. (A
    race's frames as dicts were ~3,000 small objects, and a server caching 64 scenes
    while a classroom keeps replacing them fragmented Python's memory with them.)"""
    if spec is None:
        stored = go.Figure.to_dict(fig)
    else:
        stored = {"data": list(spec["data"]), "layout": dict(spec["layout"])}
    if frames_json is None:
        stored["frames"] = frames
    layout = stored.setdefault("layout", {})
    layout.update(controls)
    if not slide:
        place_controls(layout)
    layout.setdefault("template", _template_dict(style_for(slide).template))
    return _freeze(fig, stored, frames_json)


def place_controls(layout: dict) -> None:
    """Screen mode: an animation's ▶ buttons on a row under the x axis and its step
    slider on the next, the page's whole width (side by side they overlapped on a
    phone), in the band :func:`legend_below` keeps for them (``controls=True``)."""
    menus, sliders = layout.get("updatemenus") or [], layout.get("sliders") or []
    margin = layout.get("margin") or {}
    height = layout.get("height") or SCREEN.height
    plot = height - margin.get("t", 30) - margin.get("b", 60)
    if not (menus or sliders) or plot <= 0:
        return
    font = (layout.get("font") or {}).get("size") or SCREEN.font
    titled = any(
        ((layout[k] or {}).get("title") or {}).get("text")
        for k in layout
        if k.startswith("xaxis") and isinstance(layout[k], dict)
    )
    top = axis_band(font, titled)
    buttons = 2 * font + 16
    layout["updatemenus"] = [{**m, "x": 0.0, "y": -top / plot} for m in menus]
    layout["sliders"] = [
        {**sl, "x": 0.0, "len": 1.0, "y": -(top + buttons) / plot} for sl in sliders
    ]


_TEMPLATES: dict[str, dict] = {}


def _template_dict(name: str) -> dict:
    """A registered template's dict form, made once (shared, never changed)."""
    if name not in _TEMPLATES:
        _TEMPLATES[name] = pio.templates[name].to_plotly_json()
    return _TEMPLATES[name]


def is_frozen(fig: Any) -> bool:
    """Whether ``fig`` is a figure made by :func:`frozen`, :func:`frozen_light` or
    :func:`animated`."""
    return isinstance(fig, go.Figure) and "to_dict" in vars(fig)


def frozen(fig: go.Figure) -> go.Figure:
    """Declare ``fig`` finished: its dict form is computed now, once, and handed out after.

    Streamlit turns a figure into a dict (a deep copy of every trace and frame) each time
    it is drawn. A cached figure is drawn for every session that shows it, and for an
    animation that copy is costly. ``to_dict()`` of a frozen figure returns
    the stored dict with fresh top-level and layout dicts (callers that drop keys, such as
    the GIF export, do not touch the store). Do not change a frozen figure afterwards.
    """
    if is_frozen(fig):  # an animation
        return fig
    return _freeze(fig, go.Figure.to_dict(fig))


def frozen_light(fig: go.Figure) -> go.Figure:
    """:func:`frozen`, keeping only the figure's dict form: an empty ``go.Figure`` whose
    ``to_dict()`` (and so ``to_json()``, ``to_html()``, image export and Streamlit's draw)
    gives the picture. plotly's tree of validated objects behind a figure is kept out:
    it was most of what a cached small figure held (a curves figure with 101 kB of JSON
    held ~380 kB in all, a 9 kB one ~150 kB). Read the figure through ``to_dict()``:
    its ``data`` and ``layout`` attributes are empty."""
    if is_frozen(fig):
        return fig
    return _freeze(go.Figure(), go.Figure.to_dict(fig))


class FrozenDict(dict):
    """The dict form of a frozen figure: it knows the figure's stored dict and keeps the
    JSON text made from it (see :mod:`optiviz.ui.transport`)."""

    cell: dict


#: frozen figures are numbered: a number is never reused in a process (an object's
#: ``id`` is, once a cache has dropped the object), so it can name the picture on screen
_SERIALS = itertools.count(1)


def _freeze(fig: go.Figure, stored: dict, frames_json: str | None = None) -> go.Figure:
    cell = {"stored": stored, "json": None, "encoded": 0, "frames_json": frames_json}

    def to_dict(frames: bool = True) -> dict:
        """The figure's dict form; ``frames=False`` leaves out frames kept as text
        (what Streamlit draws: :mod:`optiviz.ui.transport` joins their text)."""
        out = FrozenDict(stored)
        out.cell = cell
        if "layout" in out:
            out["layout"] = dict(out["layout"])
        if frames and frames_json is not None:
            out["frames"] = json.loads(frames_json)
        return out

    object.__setattr__(fig, "to_dict", to_dict)
    object.__setattr__(fig, "serial", next(_SERIALS))
    return fig


def _unchanged(d: dict, stored: dict) -> bool:
    """``d`` (from a frozen figure's ``to_dict``) still says what ``stored`` says."""
    return d.keys() == stored.keys() and all(
        d[k] is stored[k] or (k == "layout" and d[k] == stored[k]) for k in d
    )


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    if c < 0x10000:
        return f"\\u{c:04x}"
    c -= 0x10000  # outside the BMP: JSON writes a surrogate pair
    return f"\\u{0xD800 + (c >> 10):04x}\\u{0xDC00 + (c & 0x3FF):04x}"


def ascii_json(text: str) -> str:
    """JSON text with every non-ASCII character written as a ``\\u`` escape.

    plotly's orjson engine keeps characters such as "−", "∇" or "▶" as they are, and one
    of them makes Python store the whole text at 2 bytes a character: a race figure's
    ~440 kB of JSON became an 886 kB string, and every copy Streamlit makes of it
    (the chart's message, its id, the bytes sent) followed. Escaped, the text is ASCII,
    1 byte a character, and its UTF-8 form is the text itself."""
    return text if text.isascii() else _NON_ASCII.sub(_escape, text)


def json_text(obj: Any) -> str:
    """``obj`` as plotly's JSON text (its encoder and escaping), for parts of a figure
    that are encoded once and joined later (``animated(..., frames_json=...)``)."""
    return ascii_json(to_json_plotly(obj))


def export_config(filename: str, slide: bool, fmt: str = "png") -> dict:
    """plotly modebar config: the camera button saves a high-resolution image, 16:9 in
    either mode (``slide`` is kept for the callers: both modes save the same size)."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": fmt,
            "filename": filename,
            "width": EXPORT_SIZE[0],
            "height": EXPORT_SIZE[1],
            "scale": 2,
        },
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def log_levels(z: np.ndarray, floor: float | None = None) -> tuple[np.ndarray, float]:
    """log10(z − floor + δ) for colouring a surface whose values span decades.

    Returns the transformed array and the offset δ; use :func:`log_ticks` for
    colourbar labels in the original units.
    """
    z = np.asarray(z, np.float64)
    lo = float(np.nanmin(z)) if floor is None else min(float(floor), float(np.nanmin(z)))
    span = float(np.nanmax(z)) - lo
    delta = max(span * 1e-6, 1e-12)
    return np.log10(z - lo + delta), lo - delta


def log_ticks(levels: np.ndarray, shift: float) -> tuple[list[float], list[str]]:
    """Tick positions (log units) and labels for a log colourbar, labelled in
    "loss above its minimum" (10ᵗ): round numbers, whatever the minimum is."""
    lo, hi = float(np.nanmin(levels)), float(np.nanmax(levels))
    ticks = list(range(int(np.ceil(lo)), int(np.floor(hi)) + 1))
    if len(ticks) > 8:
        ticks = ticks[:: int(np.ceil(len(ticks) / 8))]
    return [float(t) for t in ticks], [fmt_number(10.0**t) for t in ticks]


def fmt_number(v: float) -> str:
    """Short human format: 0.0123, 1.2e+05, 3."""
    if v == 0 or not np.isfinite(v):
        return "0" if v == 0 else str(v)
    a = abs(v)
    if 1e-3 <= a < 1e4:
        return f"{v:.3g}"
    return f"{v:.2g}"


def play_controls(
    names: list[str],
    prefix: str,
    font: int,
    *,
    redraw: bool = False,
    labels: list[str] | None = None,
) -> dict:
    """Layout entries for an animation: ▶ Play / Slow / Fast / ❚❚ Pause buttons and a
    slider over the frames ``names`` (starting on the last one). ``redraw`` must be
    True when the frames change heatmaps or contours (plotly only morphs scatters)."""

    def speed(ms: int) -> dict:
        return {
            "frame": {"duration": ms, "redraw": redraw},
            "transition": {"duration": 0},
            "fromcurrent": False,
            "mode": "immediate",
        }

    still = {"frame": {"duration": 0, "redraw": redraw}, "mode": "immediate"}
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": -0.1,
                "xanchor": "left",
                "yanchor": "top",
                "showactive": False,
                "pad": {"r": 8, "t": 8},
                "buttons": [
                    {"label": "▶ Play", "method": "animate", "args": [None, speed(70)]},
                    {"label": "Slow", "method": "animate", "args": [None, speed(180)]},
                    {"label": "Fast", "method": "animate", "args": [None, speed(25)]},
                    {
                        "label": "❚❚ Pause",
                        "method": "animate",
                        "args": [[None], {**still, "frame": {"duration": 0, "redraw": False}}],
                    },
                ],
            }
        ],
        "sliders": [
            {
                "active": len(names) - 1,
                "x": 0.4,
                "len": 0.6,
                "y": -0.1,
                "yanchor": "top",
                # the label sits at the slider's right end, clear of the buttons
                "currentvalue": {
                    "prefix": prefix,
                    "font": {"size": font, "color": "#444444"},
                    "xanchor": "right",
                },
                # no tick labels: plotly labels every k-th frame from the first, so the
                # last label read "292" on a 300-step race; the current value names the frame
                "font": {"color": "rgba(0,0,0,0)"},
                "pad": {"t": 8},
                "steps": [
                    {"label": lab, "method": "animate", "args": [[name], still]}
                    for name, lab in zip(names, labels or names, strict=True)
                ],
            }
        ],
    }
