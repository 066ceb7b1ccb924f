"""Figures of an optimizer race: animated contour, 3D surface, loss curves, step inspector.

Data in, Figure out. ``grid`` is ``(xs, ys, Z)`` as returned by
``Surface.grid``; ``result`` is a race result (anything with the fields of
``optiviz.engine.RaceResult``). Nothing here computes a trajectory.
"""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from .style import (
    SURFACE_SCALE,
    SURFACE_SCALE_3D,
    animated,
    apply_style,
    colorbar_title,
    fmt_number,
    json_text,
    legend_below,
    log_levels,
    log_ticks,
    optimizer_color,
    play_controls,
    style_for,
    typed,
)

Grid = tuple[np.ndarray, np.ndarray, np.ndarray]

GLOBAL_COLOR = "#F5C400"
#: the colourbar sits just right of the plot; the legend goes beyond it (LEGEND_X)
_COLORBAR = {"x": 1.0, "xanchor": "left", "thickness": 14, "len": 0.9}
LEGEND_X = 1.16
#: screen mode: the race's plot is at most this many pixels high (a square: on a phone
#: the width is less, and the plot is as wide as the phone)
RACE_PLOT = 380
LOCAL_COLOR = "#444444"


def frame_steps(steps: int, frames: int = 120) -> np.ndarray:
    """The steps shown as animation frames: at most ``frames``, first and last included."""
    k = min(int(frames), int(steps) + 1)
    return np.unique(np.round(np.linspace(0, steps, k)).astype(int))


def _f32(a: Any) -> np.ndarray:
    return np.asarray(a, np.float32)


_BAND_EDGE = (np.array([90, 100, 115]), 0.35)  # the contour lines' colour and opacity


def surface_contour(grid: Grid, surface: Any, slide: bool = False) -> go.Contour:
    """The loss surface as filled contours, on a log scale where the surface asks for it."""
    xs, ys, z = grid
    values, colorbar = _surface_values(grid, surface)
    return go.Contour(
        x=_f32(xs),
        y=_f32(ys),
        z=_f32(values),
        customdata=_f32(z),
        colorbar=colorbar,
        hovertemplate="x=%{x:.3f}<br>y=%{y:.3f}<br>loss=%{customdata:.4g}<extra></extra>",
        colorscale=SURFACE_SCALE,
        line={"color": "rgba({},{},{},{})".format(*_BAND_EDGE[0], _BAND_EDGE[1]), "width": 0.6},
        ncontours=28,
        name="loss",
        showlegend=False,
    )


#: the race's loss surface is a picture this many pixels on its longer side (sharp at
#: the page's size and in a 2x slide export of the plot area)
SURFACE_PIXELS = 1024
#: colour bands of the surface picture (plotly's contours were asked for 28)
SURFACE_BANDS = 28


def _scale_colors(scale: list, t: np.ndarray) -> np.ndarray:
    """RGB (0-255) of a plotly colourscale (hex stops) at positions ``t`` in [0, 1]."""
    pos = np.array([p for p, _ in scale], np.float64)
    rgb = np.array([[int(c[k : k + 2], 16) for k in (1, 3, 5)] for _, c in scale], np.float64)
    return np.stack([np.interp(t, pos, rgb[:, k]) for k in range(3)], axis=1)


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``raw``."""
    power = 10.0 ** np.floor(np.log10(raw))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9)))


def _surface_values(grid: Grid, surface: Any) -> tuple[np.ndarray, dict]:
    """What the surface is coloured by (the loss, or log10 of loss − min) and its colourbar."""
    z = np.asarray(grid[2], np.float64)
    if surface.log_scale:
        levels, shift = log_levels(z, surface.min_value)
        tickvals, ticktext = log_ticks(levels, shift)
        bar = {
            "title": colorbar_title("loss − min<br>(log)"),
            "tickvals": tickvals,
            "ticktext": ticktext,
        }
        return np.asarray(levels, np.float64), {**bar, **_COLORBAR}
    return z, {"title": colorbar_title("loss"), **_COLORBAR}


def _resample(xs: np.ndarray, ys: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, tuple]:
    """The grid's values at the picture's pixel centres (top row first, at most
    ``SURFACE_PIXELS`` a side, the domain's aspect), interpolated bilinearly; and each
    pixel's grid cell (column and row indices of its lower-left corner)."""
    wx, wy = float(xs[-1] - xs[0]), float(ys[-1] - ys[0])
    w = max(2, round(SURFACE_PIXELS * min(1.0, wx / wy)))
    h = max(2, round(SURFACE_PIXELS * min(1.0, wy / wx)))
    fi = np.interp(xs[0] + (np.arange(w) + 0.5) / w * wx, xs, np.arange(len(xs)))
    fj = np.interp(ys[-1] - (np.arange(h) + 0.5) / h * wy, ys, np.arange(len(ys)))
    i0 = np.minimum(fi.astype(int), len(xs) - 2)
    j0 = np.minimum(fj.astype(int), len(ys) - 2)
    ti, tj = (fi - i0)[None, :], (fj - j0)[:, None]
    top = v[j0][:, i0] * (1 - ti) + v[j0][:, i0 + 1] * ti
    bottom = v[j0 + 1][:, i0] * (1 - ti) + v[j0 + 1][:, i0 + 1] * ti
    return top * (1 - tj) + bottom * tj, (i0, j0)


def surface_picture(grid: Grid, surface: Any) -> tuple[dict, dict]:
    """The loss surface as a picture under the race (a layout image), and an invisible
    trace that carries its colourbar.

    plotly.js animates scatter traces in place and takes every other trace of the plot
    off the page when an animation (▶ Play, or the step slider) starts without a full
    redraw; with a full redraw per frame the animation crawled (~6 frames/s in headless
    Chromium). A layout image is not a trace, so the surface stays. The picture is
    what the contour trace drew: bands of ``SURFACE_SCALE`` a round number wide (at most
    ``SURFACE_BANDS``), their edges as thin lines, from the grid interpolated
    bilinearly. Values that are not finite are left transparent."""
    xs, ys = np.asarray(grid[0], np.float64), np.asarray(grid[1], np.float64)
    values, colorbar = _surface_values(grid, surface)
    finite = np.isfinite(values)
    lo, hi = (float(values[finite].min()), float(values[finite].max())) if finite.any() else (0, 1)
    hi = hi if hi > lo else lo + 1.0
    wx, wy = float(xs[-1] - xs[0]), float(ys[-1] - ys[0])
    field, (i0, j0) = _resample(xs, ys, np.where(finite, values, lo))
    # bands a round number wide, as plotly chooses contour levels (at most SURFACE_BANDS)
    step = _nice_step((hi - lo) / SURFACE_BANDS)
    start = np.floor(lo / step) * step
    n = max(1, int(np.ceil((hi - start) / step - 1e-9)))
    band = np.clip(((field - start) / step).astype(int), 0, n - 1)
    # a palette picture: the bands' colours, the same blended with the line colour for
    # the pixels on a band's edge, and one transparent entry
    colors = _scale_colors(SURFACE_SCALE, (np.arange(n) + 0.5) / n)
    line, alpha = _BAND_EDGE
    palette = np.vstack([colors, colors * (1 - alpha) + line * alpha, [[255, 255, 255]]])
    edge = np.zeros(band.shape, bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    index = band + n * edge
    index[~finite[j0][:, i0] | ~finite[j0 + 1][:, i0 + 1]] = 2 * n
    picture = Image.fromarray(index.astype(np.uint8), "P")
    picture.putpalette(palette.round().astype(np.uint8).ravel().tolist())
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", transparency=2 * n)
    image = {
        "source": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(),
        "xref": "x",
        "yref": "y",
        "x": float(xs[0]),
        "y": float(ys[-1]),
        "sizex": wx,
        "sizey": wy,
        "xanchor": "left",
        "yanchor": "top",
        "sizing": "stretch",
        "layer": "below",
    }
    hexes = ["#" + "".join(f"{round(u):02x}" for u in c) for c in colors]
    steps = [[(k + e) / n, c] for k, c in enumerate(hexes) for e in (0, 1)]
    bar = {
        "type": "scatter",
        "x": [None],
        "y": [None],
        "mode": "markers",
        "name": "loss",
        "showlegend": False,
        "hoverinfo": "skip",
        "marker": {
            "color": [lo],
            "cmin": start,
            "cmax": start + n * step,
            "colorscale": steps,
            "showscale": True,
            "colorbar": colorbar,
        },
    }
    return image, bar


def minima_traces(surface: Any, slide: bool = False) -> list[go.Scatter]:
    """Global minima as gold stars, local minima as open diamonds."""
    s = style_for(slide)
    out = []
    for is_global, name, symbol, color in (
        (True, "global minimum", "star", GLOBAL_COLOR),
        (False, "local minimum", "diamond-open", LOCAL_COLOR),
    ):
        pts = [m for m in surface.minima if m.is_global == is_global]
        if not pts:
            continue
        out.append(
            go.Scatter(
                x=[m.x for m in pts],
                y=[m.y for m in pts],
                mode="markers",
                name=name.replace("minimum", "minima") if len(pts) > 1 else name,
                marker={
                    "symbol": symbol,
                    "size": s.head * 1.6,
                    "color": color,
                    "line": {"color": "black", "width": 1.5},
                },
                hovertemplate=name + " (%{x:.3f}, %{y:.3f})<extra></extra>",
            )
        )
    return out


def click_grid(grid: Grid, n: int = 41) -> go.Scatter:
    """Invisible points over the domain: hovering one tells the loss there, clicking it
    reports its position (sets the start)."""
    xs, ys, z = grid
    gx = np.linspace(float(xs[0]), float(xs[-1]), n)
    gy = np.linspace(float(ys[0]), float(ys[-1]), n)
    X, Y = np.meshgrid(gx, gy)
    # the loss at the points, interpolated along each axis of the grid
    z = np.asarray(z, np.float64)
    along_x = np.stack([np.interp(gx, xs, row) for row in z])
    loss = np.stack([np.interp(gy, ys, col) for col in along_x.T], axis=1)
    return go.Scatter(
        x=_f32(X.ravel()),
        y=_f32(Y.ravel()),
        customdata=_f32(loss.ravel()),
        mode="markers",
        marker={"size": 14, "color": "rgba(0,0,0,0)"},
        # hover must stay on: plotly reports clicks only on hoverable points
        hovertemplate="(%{x:.2f}, %{y:.2f})<br>loss %{customdata:.4g}<br>click to start here"
        "<extra></extra>",
        showlegend=False,
        name="click to set the start",
    )


def quiver_trace(
    xs: np.ndarray, ys: np.ndarray, u: np.ndarray, v: np.ndarray, slide: bool = False
) -> go.Scatter:
    """Arrows of the downhill direction −∇J on a coarse grid (direction only: sizes span decades).

    ``xs``, ``ys`` are 1-D grid coordinates; ``u``, ``v`` the −gradient components, shape (ny, nx).
    """
    X, Y = np.meshgrid(xs, ys)
    norm = np.hypot(u, v)
    ok = np.isfinite(norm) & (norm > 0)
    cell = 0.42 * min(abs(xs[1] - xs[0]), abs(ys[1] - ys[0]))
    dx = np.where(ok, u / np.where(ok, norm, 1), 0) * cell
    dy = np.where(ok, v / np.where(ok, norm, 1), 0) * cell
    px, py = [], []
    for x0, y0, ex, ey, good in zip(
        X.ravel(), Y.ravel(), dx.ravel(), dy.ravel(), ok.ravel(), strict=True
    ):
        if not good:
            continue
        x1, y1 = x0 + ex, y0 + ey
        # shaft plus a two-stroke head
        hx, hy = -0.35 * ex, -0.35 * ey
        px += [x0, x1, None, x1, x1 + hx - 0.25 * hy, None, x1, x1 + hx + 0.25 * hy, None]
        py += [y0, y1, None, y1, y1 + hy + 0.25 * hx, None, y1, y1 + hy - 0.25 * hx, None]
    return go.Scatter(
        x=px,
        y=py,
        mode="lines",
        line={"color": "rgba(60,60,60,0.45)", "width": 1.2 if not slide else 2},
        name="downhill (−∇J)",
        hoverinfo="skip",
    )


_DASHES = ("solid", "dash", "dot", "dashdot")


def run_color(result: Any, i: int) -> str:
    """Colour of run ``i``: its optimizer's."""
    return optimizer_color(result.optimizers[i])


def run_dash(result: Any, i: int) -> str:
    """Line style of run ``i``: solid, and dashed / dotted for the second, third… run of
    the same optimizer (they share its colour)."""
    k = sum(1 for name in result.optimizers[:i] if name == result.optimizers[i])
    return _DASHES[k % len(_DASHES)]


def _run_name(result: Any, i: int) -> str:
    div = int(result.diverged_at[i])
    return f"{result.labels[i]} — diverged at step {div}" if div >= 0 else result.labels[i]


#: how far (as a share of the surface's wider side) a drawn trail may stray from the
#: path: ~0.5 px on a 500 px plot
TRAIL_TOLERANCE = 1e-3


def trail_tolerance(surface: Any) -> float:
    """The largest distance, in the surface's units, between a drawn trail and its path."""
    (x0, x1), (y0, y1) = surface.domain
    return TRAIL_TOLERANCE * max(x1 - x0, y1 - y0)


def kept_points(path: np.ndarray, tol: float) -> np.ndarray:
    """Indices of the points of ``path`` (shape ``(n, 2)``) a trail needs to follow it to
    within ``tol``: every point of the path lies within ``tol`` of the polyline through
    the kept ones (Ramer–Douglas–Peucker, every open segment split in the same pass, at
    each peak of the distance).

    Thinning by a fixed stride does not do this: a run that zigzags from one side of a
    valley to the other on every step, sampled every second step, shows only one side
    and looks smooth, the very picture of a too-large learning rate gone. Here the
    corners of a zigzag are kept while its swing is visible, and a smooth stretch needs
    few points (a smaller figure than a fixed stride)."""
    pts = np.nan_to_num(np.asarray(path, np.float64))
    n = len(pts)
    if n <= 2:
        return np.arange(n)
    keep = np.zeros(n, bool)
    keep[[0, -1]] = True
    index = np.arange(n)
    while True:
        k = np.flatnonzero(keep)
        seg = np.minimum(np.searchsorted(k, index, side="right") - 1, len(k) - 2)
        a, b = pts[k[seg]], pts[k[seg + 1]]
        # distance from each point to its segment's chord (the chord, not the whole line:
        # a run that turns back past the chord's end is caught too)
        ab = b - a
        length2 = np.einsum("ij,ij->i", ab, ab)
        t = np.clip(np.einsum("ij,ij->i", pts - a, ab) / np.where(length2 > 0, length2, 1.0), 0, 1)
        d = np.hypot(*(pts - a - t[:, None] * ab).T)
        d[keep] = 0.0
        worst = np.maximum.reduceat(d, k[:-1])
        split = worst > tol
        if not split.any():
            return k
        # every peak of the distance in a segment that strays too far joins the kept
        # ones (the farthest point is one): a zigzag's corners all join in one pass, where
        # one point per segment and pass would take a pass per corner
        peak = (d >= np.r_[0.0, d[:-1]]) & (d >= np.r_[d[1:], 0.0])
        keep |= split[seg] & (d > tol) & peak


def _trail_points(path: np.ndarray, kept: np.ndarray, step: int) -> np.ndarray:
    """The trail drawn at ``step``: the kept points up to it, then the step's own point."""
    return np.concatenate([path[kept[kept <= step]], path[step : step + 1]])


def _trail_and_head(result: Any, i: int, step: int, kept: np.ndarray, slide: bool) -> tuple:
    """Run ``i``'s trail (the path up to ``step`` through its ``kept`` points) and head, as
    trace dicts (plain data: see :func:`race_animation`)."""
    s = style_for(slide)
    path = result.path[i]
    pts = _trail_points(path, kept, step)
    diverged = 0 <= int(result.diverged_at[i]) <= step
    trail = {
        "type": "scatter",
        "x": typed(pts[:, 0]),
        "y": typed(pts[:, 1]),
        "mode": "lines",
        "line": {"color": run_color(result, i), "width": s.line, "dash": run_dash(result, i)},
        "name": _run_name(result, i),
        "legendgroup": str(i),
        "hoverinfo": "skip",
    }
    head = {
        "type": "scatter",
        "x": [float(path[step, 0])],
        "y": [float(path[step, 1])],
        "mode": "markers",
        "marker": {
            "color": run_color(result, i),
            "size": s.head * (1.3 if diverged else 1.0),
            "symbol": "x" if diverged else "circle",
            "line": {"color": "black", "width": 1.2},
        },
        "name": result.labels[i],
        "legendgroup": str(i),
        "showlegend": False,
        "customdata": [[step, float(result.loss[i, step])]],
        "hovertemplate": result.labels[i]
        + "<br>step %{customdata[0]}<br>(%{x:.4f}, %{y:.4f})<br>loss %{customdata[1]:.5g}"
        + "<extra></extra>",
    }
    return trail, head


def _fingerprint(a: Any) -> tuple:
    """A cheap identity for an array argument (shape and a few sums), for the base cache."""
    if a is None:
        return ()
    parts = a if isinstance(a, tuple | list) else (a,)
    out = []
    for p in parts:
        arr = np.asarray(p, np.float64)
        fin = arr[np.isfinite(arr)]
        out.append((arr.shape, float(fin.sum()), float(np.abs(fin).sum()), fin.size))
    return tuple(out)


def _static_base(
    grid: Grid, surface: Any, slide: bool, quiver: tuple | None, clickable: bool, title: str,
    memo: Any = None, entries: tuple[int, ...] = (),
) -> dict:  # fmt: skip
    """What a race animation draws under the runs (contour, click grid, arrows, minima) and
    its layout, built and validated by plotly, as a dict; kept in ``memo`` (if given) per
    scene setting. ``entries``: the lengths of the legend's names that the runs bring
    (the legend's rows under the plot, and so the layout, depend on them)."""
    key = (surface.key, slide, clickable, title, _fingerprint(grid), _fingerprint(quiver),
           entries)  # fmt: skip
    kept = None if memo is None else memo.get(key)
    if kept is not None:
        return kept
    image, colorbar = surface_picture(grid, surface)
    static: list[Any] = [colorbar]
    if clickable:
        static.append(click_grid(grid))
    if quiver is not None:
        static.append(quiver_trace(*quiver, slide=slide))
    static += minima_traces(surface, slide)
    fig = go.Figure(data=static)
    fig.update_layout(images=[image], hovermode="closest", clickmode="event+select")
    apply_style(fig, slide, title, template=False)
    _axes(fig, surface)
    if slide:  # a projector is wide and its 460 px high: the legend beside the plot
        fig.update_layout(
            legend={"orientation": "v", "x": LEGEND_X, "y": 1.0, "xanchor": "left"},
            margin={"b": 120},
        )
    else:  # any screen, a phone's too: the plot the chart's width, all else under it
        # (the legend's entries that come with the runs: names as long as theirs)
        names = [t.name for t in fig.data if t.showlegend is not False and t.name]
        names += ["x" * n for n in entries]
        legend_below(fig, slide, controls=True, names=names, plot_height=RACE_PLOT)
    base = go.Figure.to_dict(fig)
    if memo is not None:
        memo.put(key, base)
    return base


def _axes(fig: go.Figure, surface: Any) -> None:
    (x0, x1), (y0, y1) = surface.domain
    # no grid or zero lines: they would be drawn over the surface picture
    fig.update_xaxes(
        range=[x0, x1], title_text="x", constrain="domain", showgrid=False, zeroline=False
    )
    fig.update_yaxes(
        range=[y0, y1],
        title_text="y",
        scaleanchor="x",
        scaleratio=1,
        constrain="domain",
        showgrid=False,
        zeroline=False,
    )


#: a run's frames: the JSON text of its (trail, head) pair at each shown step, and the
#: indices of the path points its trails go through (:func:`kept_points`)
RunFrames = tuple[list[str], np.ndarray]


def _run_frames(result: Any, shown: np.ndarray, tol: float, memo: Any = None) -> list[RunFrames]:
    """Each run's animation frames, (trail, head) per shown step: only what changes
    between frames (positions, hover numbers, a diverged head's symbol), as the JSON
    text of each (trail, head) pair (Streamlit sends a figure as JSON text; the race's
    text is joined from these parts instead of encoding ~1 MB per new scene).

    Kept in ``memo`` (if given) per run, by the run's own numbers: a student who moves
    one optimizer's slider changes one run, and the other runs (the same for a whole
    classroom) are not made again."""
    path = np.asarray(result.path, np.float32)
    loss = np.asarray(result.loss, np.float32)
    frame_key = shown.tobytes() + b"|" + np.float64(tol).tobytes()
    keys = []
    for i in range(path.shape[0]):
        h = hashlib.blake2b(frame_key, digest_size=20)
        h.update(path[i].tobytes())
        h.update(loss[i, shown].tobytes())
        h.update(int(result.diverged_at[i]).to_bytes(8, "little", signed=True))
        keys.append(h.digest())
    pieces = [None if memo is None else memo.get(k) for k in keys]
    for i, (k, p) in enumerate(zip(keys, pieces, strict=True)):
        if p is None:
            pieces[i] = _make_frames(path[i], loss[i], int(result.diverged_at[i]), shown, tol)
            if memo is not None:
                memo.put(k, pieces[i])
    return pieces


def _make_frames(
    path: np.ndarray, loss: np.ndarray, div_at: int, shown: np.ndarray, tol: float
) -> RunFrames:
    """One run's frames as JSON text: each trail as :func:`_trail_points` draws it, the
    heads written out as plain Python numbers. (The dicts are made to be encoded and
    dropped: kept, they were thousands of small objects per run.)"""
    kept = kept_points(path, tol)
    heads = path[shown].tolist()  # (frames, 2)
    losses = loss[shown].tolist()
    texts: list[str] = []
    for j, step in enumerate(shown.tolist()):
        pts = _trail_points(path, kept, step).T.copy()  # (2, points), each row contiguous
        x, y = heads[j]
        diverged = 0 <= div_at <= step
        trail = {"type": "scatter", "x": typed(pts[0]), "y": typed(pts[1])}
        head = {  # one point: a plain list is cheaper than a typed array
            "type": "scatter",
            "x": [x],
            "y": [y],
            "customdata": [[step, losses[j]]],
            "marker": {"symbol": "x" if diverged else "circle"},
        }
        texts.append(json_text((trail, head))[1:-1])
    return texts, kept


def race_animation(
    grid: Grid,
    result: Any,
    *,
    frames: int = 80,
    slide: bool = False,
    quiver: tuple | None = None,
    clickable: bool = True,
    title: str | None = None,
    memo: tuple[Any, Any] | None = None,
) -> go.Figure:
    """The hero figure: every optimizer's trail and head moving over the contour.

    Play buttons at three speeds, a pause button and a scrub slider over the
    steps. The figure opens on the last frame, so a still export shows the
    whole race. The figure comes back finished (:func:`~.style.animated`): read its
    frames and controls through ``fig.to_dict()``. Each trail follows its path to
    within :func:`trail_tolerance` (:func:`kept_points`).

    ``memo``: two stores (``get(key)``, ``put(key, value)``) that keep, between calls,
    the picture under the runs per scene setting and each run's frames; the app passes
    ones every session shares (:data:`optiviz.ui.cache.RACE_MEMO`). None: made afresh.
    """
    bases, frame_memo = memo or (None, None)
    surface = result.surface
    steps = int(result.steps)
    shown = frame_steps(steps, frames)
    s = style_for(slide)
    # Validated once per surface setting and cached; the runs' traces, the frames and the
    # controls are plain dicts (plotly's validation of 16 traces and 80 frames was most
    # of the time of a new scene: every slider move in a classroom).
    entries = tuple(len(str(n)) for n in ("start", *result.labels))
    base = _static_base(grid, surface, slide, quiver, clickable, title or surface.title, bases,
                        entries)  # fmt: skip
    start = {
        "type": "scatter",
        "x": [float(result.start[0])],
        "y": [float(result.start[1])],
        "mode": "markers",
        "name": "start",
        "marker": {
            "symbol": "circle-open",
            "size": s.head * 1.5,
            "color": "black",
            "line": {"width": 2},
        },
        "hovertemplate": "start (%{x:.3f}, %{y:.3f})<extra></extra>",
    }
    n_static = len(base["data"]) + 1
    n = len(result.labels)
    moving = list(range(n_static, n_static + 2 * n))
    last = int(shown[-1])
    pieces = _run_frames(result, shown, trail_tolerance(surface), frame_memo)  # per run, frame
    runs = [t for i in range(n) for t in _trail_and_head(result, i, last, pieces[i][1], slide)]
    spec = {"data": [*base["data"], start, *runs], "layout": dict(base["layout"])}
    fig = go.Figure(spec, _validate=False)
    names = [str(k) for k in shown.tolist()]
    traces = json_text(moving)
    frames_json = ",".join(
        f'{{"data":[{",".join(texts[j] for texts, _ in pieces)}],"traces":{traces},'
        f'"name":"{name}"}}'
        for j, name in enumerate(names)
    )
    controls = play_controls(names, "step ", s.font)
    return animated(fig, None, controls, slide, spec=spec, frames_json=f"[{frames_json}]")


def surface_3d(grid: Grid, result: Any, *, slide: bool = False) -> go.Figure:
    """The surface as a 3D sheet with every run's path drawn on it."""
    xs, ys, z = grid
    surface = result.surface
    s = style_for(slide)
    zs = np.asarray(z, np.float64)
    display = log_levels(zs, surface.min_value)[0] if surface.log_scale else zs
    # the log of a surface plunges to -inf at its minimum: cut the last percent of depth
    lo, hi = float(np.nanpercentile(display, 1)), float(np.nanmax(display))
    display = np.clip(display, lo, hi)
    fig = go.Figure(
        go.Surface(
            x=_f32(xs),
            y=_f32(ys),
            z=_f32(display),
            colorscale=SURFACE_SCALE_3D,
            showscale=False,
            opacity=0.8,
            lighting={"ambient": 0.7, "diffuse": 0.6, "specular": 0.05},
            name="loss",
            hovertemplate="x=%{x:.3f}<br>y=%{y:.3f}<extra></extra>",
        )
    )
    (x0, x1), (y0, y1) = surface.domain
    lift = 0.03 * (hi - lo)  # paths float just above the sheet, so it never hides them
    for i in range(len(result.labels)):
        path = result.path[i]
        loss = result.loss[i].astype(np.float64)
        zp = (
            log_levels(np.concatenate([zs.ravel(), loss]), surface.min_value)[0][zs.size :]
            if surface.log_scale
            else loss
        )
        inside = (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
        zp = np.clip(zp, lo, hi) + lift
        fig.add_trace(
            go.Scatter3d(
                x=_f32(np.where(inside, path[:, 0], np.nan)),
                y=_f32(np.where(inside, path[:, 1], np.nan)),
                z=_f32(zp),
                mode="lines",
                line={
                    "color": run_color(result, i),
                    "width": s.line * 2,
                    "dash": run_dash(result, i),
                },
                name=_run_name(result, i),
            )
        )
    fig.update_layout(
        scene={
            "xaxis": {"title": {"text": "x"}, "range": [x0, x1]},
            "yaxis": {"title": {"text": "y"}, "range": [y0, y1]},
            "zaxis": {"title": {"text": "log loss" if surface.log_scale else "loss"}},
            "aspectmode": "manual",
            "aspectratio": {"x": 1, "y": (y1 - y0) / (x1 - x0), "z": 0.6},
            "camera": {"eye": {"x": 0.9, "y": -1.3, "z": 1.5}},  # high enough to see into valleys
        },
    )
    return apply_style(fig, slide, f"{surface.title}: 3D view")


def _loss_gap(loss: np.ndarray, floor: float | None) -> tuple[np.ndarray, str]:
    """The loss above the surface's known global minimum, and the axis's title."""
    if floor is not None and floor != 0:
        return loss - floor, f"loss above the global minimum ({fmt_number(floor)})"
    if floor == 0:
        return loss, "loss (global minimum 0)"
    return loss, "loss"


def progress_curves(result: Any, distance: np.ndarray, *, slide: bool = False) -> go.Figure:
    """Loss above the best known minimum (log axis) and distance to the nearest minimum."""
    s = style_for(slide)
    surface = result.surface
    loss = np.asarray(result.loss, np.float64)
    gap, loss_title = _loss_gap(loss, surface.min_value)
    log_loss = bool(np.all(gap > 0))
    has_min = bool(len(surface.minima))
    fig = make_subplots(
        rows=1,
        cols=2 if has_min else 1,
        subplot_titles=(loss_title, "distance to the nearest minimum")
        if has_min
        else (loss_title,),
        horizontal_spacing=0.1,
    )
    steps = np.arange(loss.shape[1])
    for i, label in enumerate(result.labels):
        div = int(result.diverged_at[i])
        end = div if div >= 0 else len(steps)
        common = {
            "line": {"color": run_color(result, i), "width": s.line, "dash": run_dash(result, i)},
            "legendgroup": str(i),
        }
        y = np.maximum(gap[i, :end], 1e-12) if log_loss else gap[i, :end]
        fig.add_trace(
            go.Scatter(x=steps[:end], y=_f32(y), name=_run_name(result, i), mode="lines", **common),
            row=1,
            col=1,
        )
        if div >= 0:
            fig.add_trace(
                go.Scatter(
                    x=[max(div - 1, 0)],
                    y=[float(y[-1]) if len(y) else 0.0],
                    mode="markers+text",
                    marker={"symbol": "x", "size": s.head * 1.3, "color": run_color(result, i)},
                    text=["diverged"],
                    textposition="top center",
                    showlegend=False,
                    legendgroup=str(i),
                    hovertemplate=f"{label} diverged at step {div}<extra></extra>",
                ),
                row=1,
                col=1,
            )
        if has_min:
            fig.add_trace(
                go.Scatter(
                    x=steps[:end],
                    y=_f32(np.maximum(distance[i, :end], 1e-9)),
                    mode="lines",
                    showlegend=False,
                    name=label,
                    **common,
                ),
                row=1,
                col=2,
            )
    fig.update_xaxes(title_text="step")
    if log_loss:
        fig.update_yaxes(type="log", row=1, col=1)
    if has_min:
        fig.update_yaxes(type="log", row=1, col=2)
        fig.add_hline(
            y=float(result.eps),
            line={"dash": "dot", "color": "#777"},
            annotation_text="ε",
            row=1,
            col=2,
        )
    apply_style(fig, slide, "How fast each optimizer gets there")
    fig.update_layout(height=style_for(slide).height * 0.75, hovermode="x unified")
    return legend_below(fig, slide)


def _step_vectors(result: Any, run: int, step: int) -> list[tuple[str, np.ndarray, str]]:
    """The arrows of one step: −η∇J, the velocity (momentum methods), the step taken."""
    lr = float(result.hparams[run].get("learning_rate", 0.0))
    g = result.grad[run, step].astype(np.float64)
    vecs = [("−η∇J (what plain GD would do)", -lr * g, "#D55E00")]
    if result.optimizers[run] in ("momentum", "nesterov"):
        vecs.append(("m (velocity)", result.m[run, step].astype(np.float64), "#CC79A7"))
    vecs.append(("step taken", result.update[run, step].astype(np.float64), "#000000"))
    return vecs


def inspector_figure(
    grid: Grid,
    result: Any,
    run: int,
    step: int,
    *,
    slide: bool = False,
    arrow_scale: float | None = None,
) -> tuple[go.Figure, float]:
    """One step of one run, magnified: −η∇J (plain GD's step), the velocity m (if any) and
    the step actually taken, as arrows from the current point.

    Returns the figure and the factor the arrows were scaled by (so the page can say so).
    """
    surface = result.surface
    s = style_for(slide)
    path = result.path[run]
    step = int(np.clip(step, 0, result.steps - 1))
    p = path[step]
    vecs = _step_vectors(result, run, step)
    (x0, x1), (y0, y1) = surface.domain
    target = 0.18 * max(x1 - x0, y1 - y0)
    longest = max((float(np.hypot(*v)) for _, v, _ in vecs), default=0.0)
    if arrow_scale is None:  # magnify arrows too small to see in the zoomed window
        arrow_scale = 1.0 if longest == 0 or longest >= 0.25 * target else 0.5 * target / longest
    fig = go.Figure([surface_contour(grid, surface, slide)])
    fig.add_trace(
        go.Scatter(
            x=_f32(path[: step + 1, 0]),
            y=_f32(path[: step + 1, 1]),
            mode="lines+markers",
            line={"color": run_color(result, run), "width": s.line},
            marker={"size": 4},
            name=f"{result.labels[run]}, steps 0–{step}",
        )
    )
    fig.add_traces(minima_traces(surface, slide))
    for label, v, color in vecs:
        end = p + arrow_scale * v
        fig.add_annotation(
            x=float(end[0]),
            y=float(end[1]),
            ax=float(p[0]),
            ay=float(p[1]),
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=3,
            arrowsize=1.2,
            # the velocity is drawn wider: for Momentum it coincides with the step taken
            arrowwidth=s.line * (2.2 if label.startswith("m (") else 1.0),
            arrowcolor=color,
            text="",
        )
        # legend entry for the arrow
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="lines", line={"color": color, "width": s.line}, name=label
            )
        )
    scale_note = f" (arrows ×{fmt_number(arrow_scale)})" if arrow_scale != 1.0 else ""
    apply_style(fig, slide, f"{result.labels[run]} at step {step}{scale_note}")
    _axes(fig, surface)
    # magnify: a window around the current point, large enough for every arrow
    reach = max(
        [0.15 * max(x1 - x0, y1 - y0)]
        + [1.4 * arrow_scale * float(np.hypot(*v)) for _, v, _ in vecs]
    )
    fig.update_xaxes(range=[float(p[0]) - reach, float(p[0]) + reach])
    fig.update_yaxes(range=[float(p[1]) - reach, float(p[1]) + reach])
    return legend_below(fig, slide), arrow_scale
