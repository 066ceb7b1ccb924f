"""Figures of the first neurons: a McCulloch–Pitts unit, a perceptron learning, XOR.

Data in, Figure out. ``run`` is anything with the fields of
``optiviz.engine.teaching.perceptron.PerceptronRun``; ``net`` anything with those of
``XorMLP``. Nothing here trains; the figures only draw lines ``w·x + b = 0``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import (
    apply_style,
    fmt_number,
    legend_below,
    place_controls,
    play_controls,
    style_for,
)

#: class colours (Okabe–Ito blue / orange, told apart by shape too)
POSITIVE = "#0072B2"
NEGATIVE = "#E69F00"
WRONG = "#D55E00"
LINE = "#222222"
REFERENCE = "#009E73"
REGION = "rgba(0, 114, 178, 0.10)"
INHIBIT = "#CC3311"

Box = tuple[tuple[float, float], tuple[float, float]]


# --------------------------------------------------------------------------- geometry


def half_plane(w: Sequence[float], b: float, box: Box) -> np.ndarray:
    """The polygon {p in box : w·p + b ≥ 0} (Sutherland–Hodgman against one line).

    Returns its corners (k, 2), closed (first corner repeated), or an empty array.
    """
    (x0, x1), (y0, y1) = box
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
    w = np.asarray(w, np.float64)
    side = corners @ w + b
    out: list[np.ndarray] = []
    for k in range(4):
        p, q = corners[k], corners[(k + 1) % 4]
        sp, sq = side[k], side[(k + 1) % 4]
        if sp >= 0:
            out.append(p)
        if (sp > 0 > sq) or (sp < 0 < sq):  # strictly across: a corner on the line is kept once
            t = sp / (sp - sq)
            out.append(p + t * (q - p))
    if len(out) < 3:
        return np.zeros((0, 2))
    return np.vstack([*out, out[0]])


def line_in_box(w: Sequence[float], b: float, box: Box) -> np.ndarray:
    """The two ends of the segment of w·p + b = 0 inside ``box`` (empty if it misses
    the box or w = 0, when there is no line at all)."""
    w = np.asarray(w, np.float64)
    if not np.isfinite(w).all() or not np.isfinite(b) or np.allclose(w, 0):
        return np.zeros((0, 2))
    (x0, x1), (y0, y1) = box
    pts = []
    if abs(w[1]) > 1e-12:
        for x in (x0, x1):
            y = -(w[0] * x + b) / w[1]
            if y0 - 1e-9 <= y <= y1 + 1e-9:
                pts.append((x, y))
    if abs(w[0]) > 1e-12:
        for y in (y0, y1):
            x = -(w[1] * y + b) / w[0]
            if x0 - 1e-9 <= x <= x1 + 1e-9:
                pts.append((x, y))
    pts = np.unique(np.round(np.array(pts, np.float64), 12), axis=0) if pts else np.zeros((0, 2))
    if len(pts) < 2:
        return np.zeros((0, 2))
    d = pts @ np.array([-w[1], w[0]])
    return pts[[int(np.argmin(d)), int(np.argmax(d))]]


def data_box(X: np.ndarray, margin: float = 0.15) -> Box:
    """A plotting box around the points with ``margin`` of their span on each side."""
    X = np.asarray(X, np.float64)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.maximum(hi - lo, 1.0) * margin
    return ((lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]))


def line_equation(w: Sequence[float], b: float, names: tuple[str, str] = ("x₁", "x₂")) -> str:
    """``1.2·x₁ − 0.5·x₂ + 3 = 0`` with short numbers."""
    w = np.asarray(w, np.float64)
    parts = [f"{fmt_number(float(w[0])).replace('-', '−')}·{names[0]}"]
    for v, s in ((float(w[1]), f"·{names[1]}"), (float(b), "")):
        parts.append(f"{'−' if v < 0 else '+'} {fmt_number(abs(v))}{s}")
    return " ".join(parts) + " = 0"


# --------------------------------------------------------------------------- McCulloch–Pitts


#: where the unit sits, in data units
_UNIT = (0.6, 0.5)


def mcp_figure(
    inputs: Sequence[int],
    inhibitory: Sequence[bool],
    threshold: int,
    output: int,
    *,
    slide: bool = False,
    title: str | None = None,
) -> go.Figure:
    """A McCulloch–Pitts unit: input cells (filled when on), excitatory arrows,
    inhibitory connections ending in a bar, the unit with its threshold θ and the output."""
    s = style_for(slide)
    n = len(inputs)
    ys = np.linspace(0.85, 0.15, n) if n > 1 else np.array([0.5])
    fig = go.Figure()
    ux, uy = _UNIT
    r_in, r_unit = (26, 70) if slide else (18, 48)  # pixels
    # 1 data unit is about 250 px on screen (740 in slide mode): the radii in data units
    k = (1.0 / 740) if slide else (1.0 / 250)
    excited = sum(int(v) for v, inh in zip(inputs, inhibitory, strict=True) if not inh)
    vetoed = any(int(v) and inh for v, inh in zip(inputs, inhibitory, strict=True))
    for i, (v, inh, y) in enumerate(zip(inputs, inhibitory, ys, strict=True)):
        _mcp_input(fig, i, bool(v), inh, y, (r_in, r_unit, k), s)
    _disc(fig, ux, uy, r_unit, POSITIVE if output else "#f2f2f2", 3)
    fig.add_annotation(
        x=ux,
        y=uy,
        text=f"θ = {threshold}",
        showarrow=False,
        font={"size": s.font * 1.3, "color": "white" if output else LINE},
    )
    _arrow(fig, (ux + r_unit * k, uy), (1.02, uy), s.line * 1.4, LINE)
    fig.add_annotation(
        x=1.05,
        y=uy,
        xanchor="left",
        text=f"<b>{int(output)}</b>",
        showarrow=False,
        font={"size": s.font * 2, "color": POSITIVE if output else LINE},
    )
    sign = "≥" if excited >= threshold else "<"
    rule = f"active excitatory inputs: {excited} {sign} θ = {threshold} → output {int(output)}"
    if vetoed:
        rule = "an inhibitory input is on: the unit stays silent → output 0"
    fig.add_annotation(x=ux, y=-0.02, text=rule, showarrow=False, font={"size": s.font})
    apply_style(fig, slide, title)
    fig.update_shapes(opacity=1)  # the slide template fades shapes by default
    fig.update_xaxes(visible=False, range=[-0.45, 1.25], fixedrange=True)
    fig.update_yaxes(
        visible=False, range=[-0.08, 1.0], scaleanchor="x", scaleratio=1, fixedrange=True
    )
    # (in slide mode a little under the slide height: the unit sits beside its controls,
    # below the page's tabs, and must end above a projector's fold)
    if slide:
        fig.update_layout(height=400)
    else:
        fig.update_layout(height=360, width=None)
    return fig


def _disc(fig: go.Figure, x: float, y: float, r: int, fill: str, width: float) -> None:
    """A circle ``r`` pixels wide around (x, y)."""
    fig.add_shape(
        type="circle", xsizemode="pixel", ysizemode="pixel", xanchor=x, yanchor=y,
        x0=-r, x1=r, y0=-r, y1=r, fillcolor=fill, line={"color": LINE, "width": width},
    )  # fmt: skip


def _arrow(fig: go.Figure, tail: tuple, head: tuple, width: float, colour: str,
           **kw: Any) -> None:  # fmt: skip
    """An arrow in data coordinates from ``tail`` to ``head``."""
    fig.add_annotation(
        x=head[0], y=head[1], ax=tail[0], ay=tail[1], xref="x", yref="y", axref="x",
        ayref="y", showarrow=True, arrowhead=2, arrowwidth=width, arrowcolor=colour,
        text="", **kw,
    )  # fmt: skip


def _mcp_input(fig: go.Figure, i: int, on: bool, inh: bool, y: float, sizes: tuple,
               s: Any) -> None:  # fmt: skip
    """Input ``i``: its cell, its name, and its connection to the unit (an arrow, or a
    line ending in a bar for an inhibitory one)."""
    r_in, r_unit, k = sizes
    ux, uy = _UNIT
    colour = INHIBIT if inh else LINE
    d = np.array([ux - 0.1, uy - y])
    d /= np.linalg.norm(d)
    x0, y0 = 0.1 + d[0] * r_in * k, y + d[1] * r_in * k
    x1, y1 = ux - d[0] * r_unit * k * 1.05, uy - d[1] * r_unit * k * 1.05
    width = s.line * (1.6 if on else 0.9)
    if inh:  # a bar across the end: the classic symbol of an inhibitory synapse
        fig.add_shape(
            type="line", x0=x0, y0=y0, x1=x1, y1=y1, line={"color": colour, "width": width}
        )
        fig.add_shape(
            type="line",
            x0=x1 + d[1] * 0.05,
            y0=y1 - d[0] * 0.05,
            x1=x1 - d[1] * 0.05,
            y1=y1 + d[0] * 0.05,
            line={"color": colour, "width": s.line * 1.6},
        )
    else:
        _arrow(fig, (x0, y0), (x1, y1), width, colour, arrowsize=1.2)
    _disc(fig, 0.1, y, r_in, POSITIVE if on else "white", 2)
    fig.add_annotation(
        x=0.1,
        y=y,
        text=f"<b>{int(on)}</b>",
        showarrow=False,
        font={"size": s.font * 1.2, "color": "white" if on else LINE},
    )
    fig.add_annotation(
        x=0.1,
        y=y,
        xshift=-(r_in + 6),
        xanchor="right",
        text=f"x{_sub(i + 1)}" + (" (inhibitory)" if inh else ""),
        showarrow=False,
        font={"size": s.font, "color": colour},
    )


def _sub(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


# --------------------------------------------------------------------------- perceptron


def frame_updates(n_steps: int, most: int = 150) -> np.ndarray:
    """Which update rows become frames: all of them, or ``most`` evenly spread (first and
    last included)."""
    k = min(int(most), int(n_steps))
    return np.unique(np.round(np.linspace(0, n_steps - 1, k)).astype(int))


def _wrong(run: Any, k: int) -> np.ndarray:
    w, b = run.steps_w[k], run.steps_b[k]
    y_hat = (np.asarray(run.X) @ w + b >= 0).astype(int)
    return np.flatnonzero(y_hat != run.y)


def _xs(values: np.ndarray) -> list[float | None]:
    """Coordinates for an animation frame; an empty set becomes one missing point, because
    plotly.js keeps a trace's old points when a frame gives it an empty array."""
    out = np.asarray(values, np.float64).tolist()
    return out or [None]


def perceptron_animation(
    run: Any,
    *,
    box: Box | None = None,
    class_names: tuple[str, str] = ("class 0", "class 1"),
    axis_names: tuple[str, str] = ("x₁", "x₂"),
    reference: tuple[np.ndarray, float, str] | None = None,
    query: tuple[float, float] | None = None,
    frames: int = 150,
    marker_scale: float = 1.0,
    slide: bool = False,
    title: str | None = None,
) -> go.Figure:
    """The perceptron's line after each update, with the points it gets wrong ringed.

    One frame per weight update (the rule only changes w after a mistake); the
    frame title says the epoch, which example caused the update and how many points
    the new line misclassifies. The shaded side is where the perceptron says 1.
    ``reference`` = (w, b, label) draws a fixed dashed line (scikit-learn's);
    ``query`` marks a point to classify. Opens on the last frame.
    """
    s = style_for(slide)
    X = np.asarray(run.X, np.float64)
    y = np.asarray(run.y)
    box = box or data_box(X)
    shown = frame_updates(len(run.steps_w), frames)
    marker = s.head * 0.9 * marker_scale
    static = _static_traces(X, y, box, class_names, reference, query, marker, s)
    last = int(shown[-1])
    traces = []
    for data, extra in zip(_moving(run, X, box, last), _moving_styles(marker, s), strict=True):
        mode = "markers" if "marker" in extra else "lines"
        traces.append(go.Scatter(mode=mode, hoverinfo="skip", **{**data, **extra}))
    fig = go.Figure(data=[*static, *traces])
    ids = list(range(len(static), len(static) + 4))
    fig._frame_objs = tuple(
        go.Frame(
            data=_moving(run, X, box, int(k)),
            traces=ids,
            name=str(int(k)),
            layout={"title": {"text": _frame_title(run, int(k), title)}},
            _validate=False,
        )
        for k in shown
    )
    labels = [f"{int(k)} (epoch {int(run.steps_epoch[k])})" for k in shown]
    fig.update_layout(
        **play_controls([str(int(k)) for k in shown], "update ", s.font, labels=labels)
    )
    apply_style(fig, slide, _frame_title(run, last, title))
    fig.update_layout(title={"font": {"size": s.font}})
    if slide:
        fig.update_layout(
            margin={"b": 120}, legend={"orientation": "v", "x": 1.01, "y": 1.0, "xanchor": "left"}
        )
    fig.update_xaxes(title=axis_names[0], range=list(box[0]), showgrid=False, zeroline=False)
    fig.update_yaxes(title=axis_names[1], range=list(box[1]), showgrid=False, zeroline=False)
    if not slide:  # legend, then the controls, under the plot (as animated() places them)
        legend_below(fig, slide, controls=True)
        layout = fig.layout.to_plotly_json()
        place_controls(layout)
        fig.update_layout(updatemenus=layout["updatemenus"], sliders=layout["sliders"])
    return fig


def _static_traces(X, y, box, class_names, reference, query, marker, s) -> list:
    """What every frame shares: the two classes, scikit-learn's line, the query point."""
    static: list[go.BaseTraceType] = []
    for label, colour, symbol in ((0, NEGATIVE, "diamond"), (1, POSITIVE, "circle")):
        pts = X[y == label]
        static.append(
            go.Scatter(
                x=pts[:, 0],
                y=pts[:, 1],
                mode="markers",
                name=class_names[label],
                marker={"color": colour, "symbol": symbol, "size": marker, "opacity": 0.85},
                hovertemplate=f"{class_names[label]}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            )
        )
    if reference is not None:
        seg = line_in_box(reference[0], reference[1], box)
        static.append(
            go.Scatter(
                x=seg[:, 0],
                y=seg[:, 1],
                mode="lines",
                name=reference[2],
                line={"color": REFERENCE, "width": s.line, "dash": "dash"},
                hoverinfo="skip",
            )
        )
    if query is not None:
        static.append(
            go.Scatter(
                x=[query[0]],
                y=[query[1]],
                mode="markers",
                name=f"query ({fmt_number(query[0])}, {fmt_number(query[1])})",
                marker={"symbol": "star", "size": marker * 2, "color": "black"},
            )
        )
    return static


def _moving(run: Any, X: np.ndarray, box: Box, k: int) -> list[dict]:
    """Update ``k``'s four moving traces: the predicted-1 side, the line, the points it
    gets wrong, the example that caused the update."""
    w, b = run.steps_w[k], float(run.steps_b[k])
    poly = half_plane(w, b, box)
    seg = line_in_box(w, b, box)
    wrong = _wrong(run, k)
    idx = int(run.steps_index[k])
    here = X[idx : idx + 1] if idx >= 0 else np.zeros((0, 2))
    return [
        {"type": "scatter", "x": _xs(poly[:, 0]), "y": _xs(poly[:, 1])},
        {"type": "scatter", "x": _xs(seg[:, 0]), "y": _xs(seg[:, 1])},
        {"type": "scatter", "x": _xs(X[wrong, 0]), "y": _xs(X[wrong, 1])},
        {"type": "scatter", "x": _xs(here[:, 0]), "y": _xs(here[:, 1])},
    ]


def _moving_styles(marker: float, s: Any) -> list[dict]:
    """How the four moving traces look (and their legend names)."""
    return [
        {"fill": "toself", "fillcolor": REGION, "line": {"width": 0}, "name": "predicted 1"},
        {"line": {"color": LINE, "width": s.line * 1.2}, "name": "perceptron's line"},
        {
            "marker": {
                "symbol": "circle-open",
                "size": marker * 2.1,
                "color": WRONG,
                "line": {"width": 3},
            },
            "name": "misclassified",
        },
        {
            "marker": {
                "symbol": "x-thin-open",
                "size": marker * 2.4,
                "color": "black",
                "line": {"width": 3},
            },
            "name": "example that caused this update",
        },
    ]


def _frame_title(run: Any, k: int, title: str | None) -> str:
    """Update ``k``: its epoch and example, the mistakes left, the line's equation."""
    e, idx = int(run.steps_epoch[k]), int(run.steps_index[k])
    wrong = len(_wrong(run, k))
    head = "start" if k == 0 else f"epoch {e}, update {k} (example #{idx})"
    eq = line_equation(run.steps_w[k], float(run.steps_b[k]))
    if np.allclose(run.steps_w[k], 0):
        eq = "w = 0: no line yet"
    return f"{title + ' — ' if title else ''}{head} · {wrong} misclassified · {eq}"


def errors_per_epoch(
    errors: Sequence[int],
    *,
    note: str | None = None,
    slide: bool = False,
    title: str = "Mistakes per epoch",
) -> go.Figure:
    """Bars of how many examples the perceptron got wrong (and corrected) each epoch."""
    errors = np.asarray(errors)
    epochs = np.arange(1, len(errors) + 1)
    fig = go.Figure(
        go.Bar(
            x=epochs,
            y=errors,
            marker={"color": np.where(errors == 0, REFERENCE, WRONG).tolist()},
            hovertemplate="epoch %{x}: %{y} mistakes<extra></extra>",
            name="mistakes",
        )
    )
    apply_style(fig, slide, f"{title}<br><sup>{note}</sup>" if note else title)
    fig.update_xaxes(title="epoch", dtick=max(1, len(errors) // 20))
    fig.update_yaxes(title="examples misclassified", rangemode="tozero")
    if not slide:
        fig.update_layout(height=300)
    return fig


# ------------------------------------------------------------------ XOR with a hidden layer


def xor_mlp_figure(
    net: Any,
    grid: tuple[np.ndarray, np.ndarray, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    *,
    slide: bool = False,
    title: str | None = None,
) -> go.Figure:
    """Two views of a trained 2-2-1 network on XOR.

    Left, the input plane: the network's probability of class 1 as a background
    (``grid = (xs, ys, P)`` with ``P[j, i]`` at ``(xs[i], ys[j])``), each hidden unit's
    line ``w_j·x + b_j = 0`` and the four points. Right, the same points in the
    hidden units' coordinates (h₁, h₂) (``net.hidden``), where the output unit's
    single line ``v·h + c = 0`` separates them.
    """
    s = style_for(slide)
    xs, ys, _ = grid
    X = np.asarray(X, np.float64)
    y = np.asarray(y)
    H = np.asarray(net.hidden, np.float64)
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(
            "Input space: two hidden lines",
            "Hidden space (h₁, h₂): one output line",
        ),
        horizontal_spacing=0.12,
    )
    in_box: Box = ((float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1])))
    _input_space(fig, net, grid, in_box, s)
    lo = float(min(H.min(), 0.0)) - 0.15
    hi = float(max(H.max(), 1.0)) + 0.15
    _hidden_space(fig, net, ((lo, hi), (lo, hi)), s)
    _xor_points(fig, X, y, H, s)
    apply_style(fig, slide, title)
    fig.update_xaxes(title_text="x₁", range=list(in_box[0]), row=1, col=1)
    fig.update_yaxes(title_text="x₂", range=list(in_box[1]), row=1, col=1)
    fig.update_xaxes(title_text="h₁", range=[lo, hi], row=1, col=2)
    fig.update_yaxes(title_text="h₂", range=[lo, hi], row=1, col=2)
    return legend_below(fig, slide)


def _input_space(fig: go.Figure, net: Any, grid: tuple, in_box: Box, s: Any) -> None:
    """Left: the network's P(1) over the input plane and each hidden unit's line."""
    xs, ys, P = grid
    fig.add_trace(
        go.Heatmap(
            x=xs,
            y=ys,
            z=P,
            zmin=0,
            zmax=1,
            colorscale=[[0, "#fbeed2"], [0.5, "#ffffff"], [1, "#cfe3f2"]],
            showscale=False,
            hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>P(1) = %{z:.2f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    cut = 0.5 if net.activation == "sigmoid" else 0.0
    for j, dash in ((0, "dot"), (1, "dashdot")):
        seg = line_in_box(net.W_h[:, j], float(net.b_h[j]), in_box)
        fig.add_trace(
            go.Scatter(
                x=seg[:, 0],
                y=seg[:, 1],
                mode="lines",
                name=f"hidden unit h{_sub(j + 1)}: h{_sub(j + 1)} = {cut:g}",
                line={"color": LINE, "width": s.line, "dash": dash},
            ),
            row=1,
            col=1,
        )


def _hidden_space(fig: go.Figure, net: Any, h_box: Box, s: Any) -> None:
    """Right: the side where the output unit says 1, and its one line."""
    poly = half_plane(net.w_o, float(net.b_o), h_box)
    fig.add_trace(
        go.Scatter(
            x=poly[:, 0],
            y=poly[:, 1],
            fill="toself",
            fillcolor=REGION,
            line={"width": 0},
            mode="lines",
            name="output says 1",
            hoverinfo="skip",
        ),
        row=1,
        col=2,
    )
    seg = line_in_box(net.w_o, float(net.b_o), h_box)
    fig.add_trace(
        go.Scatter(
            x=seg[:, 0],
            y=seg[:, 1],
            mode="lines",
            name="output unit's line",
            line={"color": LINE, "width": s.line * 1.2},
        ),
        row=1,
        col=2,
    )


def _xor_points(fig: go.Figure, X: np.ndarray, y: np.ndarray, H: np.ndarray, s: Any) -> None:
    """The four points in both spaces, labelled with their inputs."""
    for label, colour, symbol in ((0, NEGATIVE, "diamond"), (1, POSITIVE, "circle")):
        keep = y == label
        text = [f"({int(a)}, {int(b)})" for a, b in X[keep]]
        for col, pts in ((1, X[keep]), (2, H[keep])):
            fig.add_trace(
                go.Scatter(
                    x=pts[:, 0],
                    y=pts[:, 1],
                    mode="markers+text",
                    text=text,
                    # (0,0) and (1,1) often land on one spot in hidden space: split labels
                    textposition=["top center", "bottom center"],
                    textfont={"size": s.font},
                    name=f"XOR = {label}",
                    legendgroup=f"xor{label}",
                    showlegend=col == 1,
                    marker={
                        "color": colour,
                        "symbol": symbol,
                        "size": s.head * 1.6,
                        "line": {"color": "black", "width": 1},
                    },
                    hovertemplate="%{text} → (%{x:.3f}, %{y:.3f})<extra></extra>",
                ),
                row=1,
                col=col,
            )
