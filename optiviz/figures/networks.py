"""Figures of trained networks: decision boundaries over time, Keras's history plot,
gradient norms per layer and epoch, weight histograms and heatmaps, the layer list.

Data in, Figure out. ``result`` is anything with the fields of
``optiviz.engine.networks.training.TrainResult``; ``colors`` gives one colour per run
(the optimizers' fixed colours, usually). Nothing here trains a network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import (
    animated,
    apply_style,
    colorbar_title,
    fmt_number,
    legend_below,
    panel_columns,
    play_controls,
    style_for,
    typed,
)

#: Okabe–Ito colours for classes (distinct for colour-blind viewers too)
CLASS_COLORS = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#999999",
    "#7F3C8D",
)


def _mix(hex_color: str, amount: float) -> str:
    """``hex_color`` blended with white (amount 0 = white, 1 = the colour)."""
    rgb = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    out = [round(255 + (c - 255) * amount) for c in rgb]
    return f"rgb({out[0]},{out[1]},{out[2]})"


def _grid_shape(n: int, max_cols: int, slide: bool = True) -> tuple[int, int]:
    """Rows and columns for ``n`` panels: up to ``max_cols`` a row on a slide, two on a
    screen (:func:`~.style.panel_columns`: a phone's panels stay usable)."""
    cols = min(max(1, n), max_cols, panel_columns(n, slide, max_cols))
    return math.ceil(n / cols), cols


def _field(result: Any, run: int, snap: int) -> np.ndarray:
    """What the boundary heatmap shows on the GRID × GRID grid, as uint8: P(class 1)
    in whole percent for two classes, else the predicted class.

    Whole percent is finer than the eye reads a colour or the hover prints it, and one
    byte a cell instead of float32's four made the playground's boundary animation
    (51 frames × a heatmap per run) ~4x lighter to send to every student."""
    out = np.asarray(result.boundary[run, snap], np.float32)
    n = len(result.grid_x)
    if _regression(result):  # the predicted value itself (float32)
        return np.nan_to_num(out[:, 0]).reshape(n, n)
    if out.shape[-1] == 1:
        z = np.rint(np.nan_to_num(out[:, 0], nan=0.5).clip(0, 1) * 100)
    else:
        z = np.argmax(out, axis=-1)
    return z.astype(np.uint8).reshape(n, n)


def _regression(result: Any) -> bool:
    """True for a network that predicts a number (one linear output)."""
    return getattr(getattr(result, "arch", None), "output", "") == "linear"


#: a regression's values: low red, 0 white, high blue (the kernels' scale, reversed so
#: that high reads as blue like the weights)
VALUE_SCALE = "RdBu"


def boundary_animation(
    result: Any,
    *,
    X: np.ndarray,
    y: np.ndarray,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    class_names: Sequence[str] = (),
    feature_names: Sequence[str] = ("x₁", "x₂"),
    runs: Sequence[int] | None = None,
    slide: bool = False,
    max_cols: int = 4,
    title: str | None = None,
    titles: Sequence[str] | None = None,
) -> go.Figure:
    """One panel per run: the network's decision function on the plane, animated
    over training (the slider is the epoch), with the data on top.

    Two classes: the colour is P(class 1) from the first class's colour through
    white (0.5, the boundary) to the second's. More classes: each cell takes the
    colour of the predicted class. Regression: the predicted value, on one diverging
    scale with the data's values (0 white). Training points are filled, validation
    points hollow. ``titles``: the panels' titles, one per run (default: the labels).
    """
    if _regression(result):
        return _value_animation(
            result, X=X, y=y, X_val=X_val, y_val=y_val, feature_names=feature_names,
            runs=runs, slide=slide, max_cols=max_cols, title=title, titles=titles,
        )  # fmt: skip
    s = style_for(slide)
    fig, runs, rows, cols = _panels(result, runs, max_cols, titles, slide)
    n_classes = max(2, int(result.boundary.shape[-1])) if result.boundary.shape[-1] > 1 else 2
    colors = [CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(n_classes)]
    last = len(result.snapshot_epochs) - 1
    names = list(class_names) or [f"class {k}" for k in range(n_classes)]
    parts = ((X, y), (X_val, y_val))
    heat_idx = []
    for p, run in enumerate(runs):
        r, c = divmod(p, cols)
        heat_idx.append(len(fig.data))
        fig.add_trace(_field_heatmap(result, run, last, colors), row=r + 1, col=c + 1)
        for trace in _points(parts, colors, names, slide, legend=p == 0):
            fig.add_trace(trace, row=r + 1, col=c + 1)
    apply_style(fig, slide, title, template=False)
    _panel_layout(fig, len(runs), rows, cols, feature_names, s, slide)
    epochs = [int(e) for e in result.snapshot_epochs]
    frames = [
        {
            "data": [
                {"type": "heatmap", "z": typed(_field(result, run, j), np.uint8)} for run in runs
            ],
            "traces": heat_idx,
            "name": str(j),
        }
        for j in range(len(epochs))
    ]
    controls = play_controls(
        [str(j) for j in range(len(epochs))],
        "epoch ",
        s.font,
        redraw=True,
        labels=[str(e) for e in epochs],
    )
    return animated(fig, frames, controls, slide)


def _panels(
    result: Any, runs: Sequence[int] | None, max_cols: int, titles=None, slide: bool = True
) -> tuple:
    """One square panel per run, titled with its label (or ``titles[run]``):
    ``(fig, runs, rows, cols)``."""
    runs = list(range(result.boundary.shape[0])) if runs is None else list(runs)
    rows, cols = _grid_shape(len(runs), max_cols, slide)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[(titles or result.labels)[i] for i in runs],
        horizontal_spacing=0.04,
        vertical_spacing=0.1 if rows > 1 else 0.05,
    )
    return fig, runs, rows, cols


def _value_animation(result, *, X, y, X_val, y_val, feature_names, runs, slide, max_cols,
                     title, titles=None) -> go.Figure:  # fmt: skip
    """:func:`boundary_animation` for a regression network: per run the value it
    predicts over the plane, animated over training, with the data coloured by value on
    the same scale."""
    s = style_for(slide)
    fig, runs, rows, cols = _panels(result, runs, max_cols, titles, slide)
    values = [np.asarray(v, np.float64) for v in (y, y_val) if v is not None and len(v)]
    top = float(max(np.abs(v).max() for v in values)) if values else 1.0
    scale = {"colorscale": VALUE_SCALE, "cmin": -top, "cmax": top}
    last = len(result.snapshot_epochs) - 1
    heat_idx = []
    for p, run in enumerate(runs):
        r, c = divmod(p, cols)
        heat_idx.append(len(fig.data))
        fig.add_trace(
            go.Heatmap(x=result.grid_x, y=result.grid_y, z=_field(result, run, last),
                       zmin=-top, zmax=top, colorscale=VALUE_SCALE, showscale=p == 0,
                       colorbar={"title": {"text": "value"}, "len": 0.8},
                       hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>predicted %{z:.3f}"
                       "<extra></extra>"),
            row=r + 1, col=c + 1,
        )  # fmt: skip
        for part, (Xs, ys) in enumerate(((X, y), (X_val, y_val))):
            if Xs is None or len(Xs) == 0:
                continue
            fig.add_trace(
                go.Scatter(
                    x=np.asarray(Xs)[:, 0], y=np.asarray(Xs)[:, 1], mode="markers",
                    name="validation (hollow)" if part else "training (filled)",
                    legendgroup=str(part), showlegend=p == 0,
                    marker={"color": "white" if part else np.asarray(ys), **scale,
                            "size": (9 if slide else 6) + (1 if part else 0),
                            "line": {"color": np.asarray(ys) if part else "#222",
                                     "width": 1.6 if part else 0.4, **scale}},
                    hovertemplate="target %{text:.3f}<extra></extra>", text=np.asarray(ys),
                ),
                row=r + 1, col=c + 1,
            )  # fmt: skip
    apply_style(fig, slide, title, template=False)
    _panel_layout(fig, len(runs), rows, cols, feature_names, s, slide)
    epochs = [int(e) for e in result.snapshot_epochs]
    frames = [
        {"data": [{"type": "heatmap", "z": typed(_field(result, run, j))} for run in runs],
         "traces": heat_idx, "name": str(j)}
        for j in range(len(epochs))
    ]  # fmt: skip
    controls = play_controls([str(j) for j in range(len(epochs))], "epoch ", s.font,
                             redraw=True, labels=[str(e) for e in epochs])  # fmt: skip
    return animated(fig, frames, controls, slide)


def _field_heatmap(result: Any, run: int, snap: int, colors: list[str]) -> go.Heatmap:
    """A run's decision function at one snapshot: P(class 1) in percent on a scale
    through white at 50 (two classes), else the predicted class's colour."""
    n_classes = len(colors)
    if n_classes == 2:
        scale = [
            [0.0, _mix(colors[0], 0.75)],
            [0.5, "rgb(255,255,255)"],
            [1.0, _mix(colors[1], 0.75)],
        ]
        zmin, zmax = 0, 100  # percent
    else:
        scale = []
        for k in range(n_classes):
            c = _mix(colors[k], 0.45)
            scale += [[k / n_classes, c], [(k + 1) / n_classes, c]]
        zmin, zmax = -0.5, n_classes - 0.5
    return go.Heatmap(
        x=result.grid_x,
        y=result.grid_y,
        z=_field(result, run, snap),
        zmin=zmin,
        zmax=zmax,
        colorscale=scale,
        showscale=False,
        hovertemplate=(
            "x₁ %{x:.2f}, x₂ %{y:.2f}<br>P(class 1) %{z} %<extra></extra>"
            if n_classes == 2
            else "x₁ %{x:.2f}, x₂ %{y:.2f}<br>predicted class %{z}<extra></extra>"
        ),
    )


def _points(parts, colors: list[str], names: list[str], slide: bool, legend: bool) -> list:
    """The data on a panel: per class, training points filled and validation hollow."""
    out = []
    for k in range(len(colors)):
        for part, (Xs, ys) in enumerate(parts):
            if Xs is None or len(Xs) == 0:
                continue
            sel = np.asarray(ys) == k
            if not sel.any():
                continue
            out.append(
                go.Scatter(
                    x=np.asarray(Xs)[sel, 0],
                    y=np.asarray(Xs)[sel, 1],
                    mode="markers",
                    name=f"{names[k]} ({'validation' if part else 'training'})",
                    legendgroup=f"{k}-{part}",
                    showlegend=legend,
                    marker={
                        "color": "white" if part else colors[k],
                        "size": (9 if slide else 5) + (1 if part else 0),
                        "line": {
                            "color": colors[k] if part else "#222",
                            "width": 1.2 if part else 0.4,
                        },
                        "symbol": "circle",
                    },
                    hoverinfo="skip",
                )
            )
    return out


def _panel_layout(fig, n: int, rows: int, cols: int, feature_names, s, slide: bool) -> None:
    """Square panels of one plane, y ticks once per row; the legend above them on a
    slide, under them (with the controls and colour bar) on a screen."""
    if slide:
        fig.update_layout(
            height=s.height,
            margin={"b": 110},
            legend={"orientation": "h", "y": 1.02 + 0.04 * rows, "yanchor": "bottom", "x": 0},
        )
    fig.update_xaxes(showgrid=False, zeroline=False, constrain="domain")
    fig.update_yaxes(showgrid=False, zeroline=False, scaleanchor="x", constrain="domain")
    for p in range(n):
        axis = "" if p == 0 else str(p + 1)
        fig.layout[f"yaxis{axis}"].scaleanchor = f"x{axis}"
        # every panel shows the same plane: its y ticks once per row (a second panel's
        # were drawn over the first panel's map)
        fig.layout[f"yaxis{axis}"].showticklabels = p % cols == 0
    fig.update_xaxes(title_text=feature_names[0], row=rows, col=1)
    fig.update_yaxes(title_text=feature_names[1], row=rows, col=1)
    if not slide:  # two panels a row, ~380 px wide each on a wide screen, at the plane's
        # aspect (a phone's are ~170 px wide: they take less of the height)
        maps = [t for t in fig.data if t.type == "heatmap" and t.x is not None]
        x, y = (np.asarray(maps[0].x), np.asarray(maps[0].y)) if maps else ((0, 1), (0, 1))
        aspect = float(np.ptp(y) / np.ptp(x)) if np.ptp(x) > 0 else 1.0
        row = float(np.clip(360 * aspect + 50, 180, 400))
        legend_below(fig, slide, controls=True, plot_height=row * rows)


def _stop_marks(result: Any, i: int) -> list[tuple[int, str]]:
    marks = []
    if int(result.diverged_epoch[i]) > 0:
        marks.append((int(result.diverged_epoch[i]), "diverged"))
    if int(result.stopped_epoch[i]) > 0:
        marks.append((int(result.stopped_epoch[i]), "early stop"))
    return marks


def history_figure(
    result: Any,
    colors: Sequence[str],
    *,
    runs: Sequence[int] | None = None,
    slide: bool = False,
    log_loss: bool = True,
    title: str | None = None,
) -> go.Figure:
    """Keras's history plot: loss and the metric (accuracy, or the mean absolute error
    of a regression network) per epoch, training solid and validation dashed, one
    colour per run; with an auxiliary output a third panel gives each output's own
    loss (main thick, auxiliary thin). A run that stopped early or diverged ends there,
    with a marker saying which."""
    s = style_for(slide)
    runs = list(range(len(result.labels))) if runs is None else list(runs)
    metric = metric_key(result.history)
    panels = [("loss", "Loss"), (metric, METRIC_TITLES[metric])]
    if "aux_output_loss" in result.history:
        panels.append(("main_output_loss", "Each output's loss (main, auxiliary)"))
    fig = make_subplots(
        rows=1, cols=len(panels), subplot_titles=[t for _, t in panels], horizontal_spacing=0.1
    )
    has_val = bool(getattr(result, "dataset", None) is None or result.dataset.n_val > 0)
    for i in runs:
        n = max(int(result.epochs_run[i]), 1)
        ep = np.arange(1, n + 1)
        for col, key in _history_traces(panels):
            for val in (False, True) if has_val else (False,):
                k = f"val_{key}" if val else key
                v = np.asarray(result.history[k][i, :n], np.float64)
                fig.add_trace(
                    go.Scatter(
                        x=ep,
                        y=v,
                        mode="lines",
                        name=f"{result.labels[i]} {'validation' if val else 'training'}",
                        legendgroup=str(i),
                        showlegend=col == 1,
                        line={
                            "color": colors[i],
                            "width": s.line * (0.4 if key.startswith("aux") else 0.8),
                            "dash": "dash" if val else "solid",
                        },
                        hovertemplate=f"{result.labels[i]}<br>epoch %{{x}}<br>{k} %{{y:.4g}}"
                        "<extra></extra>",
                    ),
                    row=1,
                    col=col,
                )
        for epoch, what in _stop_marks(result, i):
            k = min(epoch, n) - 1
            fig.add_trace(
                go.Scatter(
                    x=[k + 1],
                    y=[float(result.history["loss"][i, k])],
                    mode="markers+text",
                    text=[what],
                    textposition="top center",
                    marker={
                        "symbol": "x" if what == "diverged" else "line-ns-open",
                        "size": 14,
                        "color": colors[i],
                        "line": {"width": 3, "color": colors[i]},
                    },
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=1,
                col=1,
            )
    if log_loss:
        fig.update_yaxes(type="log", row=1, col=1)
    if metric == "accuracy":
        fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    else:
        fig.update_yaxes(rangemode="tozero", row=1, col=2)
    fig.update_xaxes(title_text="epoch")
    apply_style(fig, slide, title)
    if not slide:
        fig.update_layout(height=460)
    return legend_below(fig, slide)


#: the history's metric key (Keras's name) and its panel's title
METRIC_TITLES = {
    "accuracy": "Accuracy",
    "mae": "Mean absolute error",
    "main_output_mae": "Mean absolute error (main output)",
}


def metric_key(history: Any) -> str:
    """Which metric a history holds: ``accuracy`` (a classifier), ``mae`` (regression)
    or ``main_output_mae`` (regression with an auxiliary output), as Keras names them."""
    return next(k for k in METRIC_TITLES if k in history)


def _history_traces(panels: Sequence[tuple[str, str]]) -> list[tuple[int, str]]:
    """(panel column, history key) of every curve; the outputs' panel has two."""
    out = [(col, key) for col, (key, _) in enumerate(panels[:2], start=1)]
    if len(panels) > 2:
        out += [(3, "main_output_loss"), (3, "aux_output_loss")]
    return out


def layer_names(n_dense: int) -> list[str]:
    """'dense 1', …, the last one called 'output'."""
    return [f"dense {i + 1}" for i in range(n_dense - 1)] + ["output"]


def _safe_log10(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, np.float64)
    tiny = np.finfo(np.float32).tiny
    return np.log10(np.clip(np.nan_to_num(a, nan=tiny, posinf=1e38), tiny, 1e38))


def grad_norm_heatmaps(
    result: Any,
    *,
    runs: Sequence[int] | None = None,
    slide: bool = False,
    max_cols: int = 4,
    title: str | None = None,
) -> go.Figure:
    """Per run, a layer × epoch map of the kernel's gradient norm ‖∂L/∂W‖ on a log
    colour scale shared by all panels: vanishing gradients show as a dark band at
    the first layers, exploding ones as a bright one."""
    style_for(slide)
    runs = list(range(len(result.labels))) if runs is None else list(runs)
    rows, cols = _grid_shape(len(runs), max_cols, slide)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[result.labels[i] for i in runs],
        horizontal_spacing=0.05,
        vertical_spacing=0.14 if rows > 1 else 0.1,
        # the layer names once per row: repeated on every panel they were drawn over the
        # panel to their left
        shared_yaxes=True,
    )
    logs = [_safe_log10(result.grad_norms[i, : max(int(result.epochs_run[i]), 1)]) for i in runs]
    lo = min(float(v.min()) for v in logs)
    hi = max(float(v.max()) for v in logs)
    if hi - lo < 1e-6:
        hi = lo + 1
    ticks = list(range(math.ceil(lo), math.floor(hi) + 1)) or [round(lo)]
    names = layer_names(result.grad_norms.shape[-1])
    for p, (i, z) in enumerate(zip(runs, logs, strict=True)):
        r, c = divmod(p, cols)
        fig.add_trace(
            go.Heatmap(
                z=z.T,
                x=np.arange(1, z.shape[0] + 1),
                y=names,
                zmin=lo,
                zmax=hi,
                colorscale="Viridis",
                showscale=p == 0,
                colorbar={
                    "title": colorbar_title("‖∂L/∂W‖"),
                    "tickvals": ticks,
                    "ticktext": [fmt_number(10.0**t) for t in ticks],
                    "thickness": 14,
                },
                customdata=np.asarray(result.grad_norms[i, : z.shape[0]], np.float64).T,
                hovertemplate="%{y}, epoch %{x}<br>‖∂L/∂W‖ = %{customdata:.3g}<extra></extra>",
            ),
            row=r + 1,
            col=c + 1,
        )
    fig.update_xaxes(title_text="epoch", row=rows)
    apply_style(fig, slide, title)
    if not slide:
        fig.update_layout(height=max(300, 260 * rows + 80))
    return legend_below(fig, slide)


def layer_lines(
    values: np.ndarray,
    *,
    epochs_run: int | None = None,
    ylabel: str = "‖∂L/∂W‖",
    log: bool = True,
    names: Sequence[str] | None = None,
    slide: bool = False,
    title: str | None = None,
) -> go.Figure:
    """One line per layer over the epochs (``values`` shaped (epochs, layers)),
    first layer dark, last layer light, on a log axis by default."""
    s = style_for(slide)
    v = np.asarray(values, np.float64)
    n = v.shape[0] if epochs_run is None else max(int(epochs_run), 1)
    v = v[:n]
    layers = v.shape[1]
    names = list(names) if names else layer_names(layers)
    fig = go.Figure()
    for j in range(layers):
        shade = j / max(layers - 1, 1)
        color = f"rgb({int(20 + 200 * shade)},{int(40 + 150 * shade)},{int(120 + 80 * shade)})"
        y = v[:, j]
        if log:
            y = np.clip(np.nan_to_num(y, nan=1e-38, posinf=1e38), 1e-38, 1e38)
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, n + 1),
                y=y,
                mode="lines",
                name=names[j],
                line={"color": color, "width": s.line * 0.7},
            )
        )
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(title_text=ylabel, type="log" if log else "linear", exponentformat="power")
    apply_style(fig, slide, title)
    if not slide:
        fig.update_layout(height=420)
    return legend_below(fig, slide)


def weight_histograms(
    params: Any,
    *,
    initial: Any = None,
    bins: int = 40,
    slide: bool = False,
    title: str | None = None,
) -> go.Figure:
    """One histogram per Dense layer of its kernel weights: now (filled) and, if
    given, at initialization (outline) — how far training moved them."""
    style_for(slide)
    n = len(params)
    rows, cols = _grid_shape(n, 4, slide)
    names = layer_names(n)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, horizontal_spacing=0.06)
    for j, layer in enumerate(params):
        r, c = divmod(j, cols)
        w = np.nan_to_num(np.asarray(layer["w"], np.float64).ravel())
        series = [("after training", w, 0.75)]
        if initial is not None:
            series.insert(
                0,
                (
                    "at initialization",
                    np.nan_to_num(np.asarray(initial[j]["w"], np.float64).ravel()),
                    0.0,
                ),
            )
        lo = min(float(x.min()) for _, x, _ in series)
        hi = max(float(x.max()) for _, x, _ in series)
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, bins + 1)
        centers = (edges[:-1] + edges[1:]) / 2
        for name, x, fill in series:
            counts, _ = np.histogram(x, edges)
            fig.add_trace(
                go.Bar(
                    x=centers,
                    y=counts,
                    width=(hi - lo) / bins,
                    name=name,
                    legendgroup=name,
                    showlegend=j == 0,
                    marker={
                        "color": f"rgba(0,114,178,{fill})",
                        "line": {"color": "#0072B2" if fill else "#555", "width": 1.2},
                    },
                ),
                row=r + 1,
                col=c + 1,
            )
    fig.update_layout(barmode="overlay", bargap=0)
    apply_style(fig, slide, title)
    if not slide:
        fig.update_layout(height=max(320, 260 * rows + 80))
    return legend_below(fig, slide)


def final_table(result: Any) -> list[dict[str, Any]]:
    """Rows for a results table: per run its final metrics and how it ended."""
    rows = []
    for i, label in enumerate(result.labels):
        n = max(int(result.epochs_run[i]), 1)
        h = {k: float(v[i, n - 1]) for k, v in result.history.items()}
        if int(result.diverged_epoch[i]) > 0:
            status = f"diverged at epoch {int(result.diverged_epoch[i])}"
        elif int(result.stopped_epoch[i]) > 0:
            status = (
                f"early stop at epoch {int(result.stopped_epoch[i])} "
                f"(best: {int(result.best_epoch[i])})"
            )
        else:
            status = f"{n} epochs"
        metric = metric_key(h)
        rows.append(
            {
                "run": label,
                "loss": h["loss"],
                metric: h[metric],
                "val_loss": h["val_loss"],
                f"val_{metric}": h[f"val_{metric}"],
                f"final model val. {'accuracy' if metric == 'accuracy' else 'MAE'}": float(
                    result.final_accuracy[i]
                ),
                "ended": status,
            }
        )
    return rows


def _shape(a: Any) -> str:
    shape = np.shape(a)
    return f"({shape[0]},)" if len(shape) == 1 else str(tuple(shape))


def layer_list(rows: Sequence[dict[str, Any]], params: Any, bn_state: Any = ()) -> list[dict]:
    """The model's layers as ``model.layers`` and ``get_weights()`` show them: per row of
    Keras's summary (``rows``, :func:`optiviz.engine.networks.mlp.summary`) its index, name,
    type, output shape, the shapes of its weight arrays and their range."""
    dense, norms = iter(params), iter(bn_state or ())
    out = []
    for i, row in enumerate(rows):
        name, kind = row["layer"].rstrip(")").split(" (")
        arrays: list[tuple[str, np.ndarray]] = []
        if kind == "Dense":
            layer = next(dense)
            arrays = [("kernel", layer["w"])] + ([("bias", layer["b"])] if "b" in layer else [])
            held = layer
        elif kind == "BatchNormalization":
            stats = next(norms)
            arrays = [
                ("gamma", held["gamma"]),
                ("beta", held["beta"]),
                ("moving_mean", stats["mean"]),
                ("moving_variance", stats["var"]),
            ]
        values = np.concatenate([np.ravel(a) for _, a in arrays]) if arrays else None
        out.append(
            {
                "#": i,
                "name": name,
                "type": kind,
                "output shape": row["output_shape"],
                "get_weights()": ", ".join(f"{n} {_shape(a)}" for n, a in arrays) or "—",
                "values": "—"
                if values is None
                else f"{fmt_number(float(values.min()))} … {fmt_number(float(values.max()))}",
                "params": row["params"],
            }
        )
    return out


#: the kernels' diverging scale: negative weights red, positive blue (plotly's RdBu)
WEIGHT_SCALE = "RdBu"


def _whole_step(n: int) -> int:
    """A tick step that numbers units with whole numbers, about 6 ticks an axis."""
    return max(1, math.ceil(n / 6))


def weight_heatmaps(
    params: Any,
    *,
    slide: bool = False,
    title: str | None = None,
    names: Sequence[str] | None = None,
) -> go.Figure:
    """Every Dense layer's kernel as a heatmap, rows its inputs and columns its units,
    on one diverging scale centred at 0 for all layers (so colours compare across
    layers); the subplot titles give each kernel's shape, the hover each weight."""
    style_for(slide)
    kernels = [np.nan_to_num(np.asarray(layer["w"], np.float64)) for layer in params]
    n = len(kernels)
    rows, cols = _grid_shape(n, 3, slide)
    names = [
        f"{name} — kernel {k.shape}"
        for name, k in zip(names or layer_names(n), kernels, strict=True)
    ]
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=names, horizontal_spacing=0.08, vertical_spacing=0.16
    )
    top = max(float(np.abs(k).max()) for k in kernels) or 1.0
    for j, k in enumerate(kernels):
        r, c = divmod(j, cols)
        source = "input" if j == 0 else "unit"
        fig.add_trace(
            go.Heatmap(
                z=k,
                x=np.arange(1, k.shape[1] + 1),
                y=np.arange(1, k.shape[0] + 1),
                zmin=-top,
                zmax=top,
                zmid=0.0,
                colorscale=WEIGHT_SCALE,
                showscale=j == 0,
                colorbar={"title": colorbar_title("weight"), "len": 0.9},
                hovertemplate=(
                    f"from {source} %{{y}} to unit %{{x}}<br>w = %{{z:.4f}}<extra></extra>"
                ),
            ),
            row=r + 1,
            col=c + 1,
        )
        fig.update_xaxes(title_text="unit", dtick=_whole_step(k.shape[1]), row=r + 1, col=c + 1)
        fig.update_yaxes(
            title_text=source,
            autorange="reversed",
            dtick=_whole_step(k.shape[0]),
            row=r + 1,
            col=c + 1,
        )
    apply_style(fig, slide, title)
    if not slide:
        fig.update_layout(height=max(340, 300 * rows + 80))
    return legend_below(fig, slide)
