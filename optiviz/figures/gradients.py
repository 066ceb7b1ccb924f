"""Figures of the gradients lab: what a deep MLP does to its signals, layer by layer.

Each function takes the engine's results (numpy arrays in a
:class:`~optiviz.engine.networks.gradients.LabResult` or ``MatrixResult``, read by
attribute) and returns a plotly Figure. Values that overflowed float32 arrive
as 0 with a flag; they are drawn as "exploded (overflow)" labels, never as NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import apply_style, colorbar_title, fmt_number, legend_below, style_for

OVERFLOW = "exploded (overflow)"
#: colours of the per-layer quantities (Okabe–Ito blue and vermillion, colour-blind safe)
Z_COLOR = "#0072B2"
W_COLOR = "#D55E00"
TRAIN_COLOR = "#009E73"
LABEL_COLORS = {
    "vanishing": "#0072B2",
    "healthy": "#009E73",
    "exploding": "#D55E00",
    OVERFLOW: "#7f0000",
    "no gradient": "#888888",
}
#: the matrix's colours: blue (vanishing) – white (healthy) – red (exploding), in decades
RATIO_SCALE = [
    [0.0, "#08306b"],
    [0.35, "#6baed6"],
    [0.5, "#f7f7f7"],
    [0.65, "#fc9272"],
    [1.0, "#67000d"],
]
RATIO_CLIP = 12.0


def _layers(n: int) -> np.ndarray:
    return np.arange(1, n + 1)


def _row_share(counts: np.ndarray) -> np.ndarray:
    total = counts.sum(axis=1, keepdims=True)
    return np.where(total > 0, counts / np.maximum(total, 1.0), 0.0)


def _decade_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    ticks = list(range(int(np.ceil(lo)), int(np.floor(hi)) + 1))
    if len(ticks) > 8:
        ticks = ticks[:: int(np.ceil(len(ticks) / 8))]
    return [float(t) for t in ticks], [f"1e{t}" for t in ticks]


def histograms(r: Any, *, slide: bool = False) -> go.Figure:
    """The Glorot & Bengio (2010) picture as two heatmaps, one row per layer:
    left the distribution of the activations (one shared value axis), right the
    distribution of the back-propagated gradients ∂L/∂z on a log axis (decades),
    so that vanishing shows as the rows drifting left towards layer 1 and exploding
    as them drifting right. Each row is normalised to its own total."""
    s = style_for(slide)
    depth = int(r.depth)
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.09,
        subplot_titles=("activations a = f(z)", "back-propagated gradients |∂L/∂z|"),
    )
    lo, hi = (float(v) for v in r.act_range)
    x_act = lo + (np.arange(r.act_counts.shape[1]) + 0.5) * (hi - lo) / r.act_counts.shape[1]
    glo, ghi = (float(v) for v in r.grad_range)
    x_grad = glo + (np.arange(r.grad_counts.shape[1]) + 0.5) * (ghi - glo) / r.grad_counts.shape[1]
    act_over = np.asarray(r.act_overflow, bool)
    grad_over = np.asarray(r.z_overflow, bool) | act_over
    panels = []
    for x, counts, over in ((x_act, r.act_counts, act_over), (x_grad, r.grad_counts, grad_over)):
        share = _row_share(np.asarray(counts, float))
        share[over] = 0.0
        panels.append((x, share, over))
    top = max(0.05, max(float(p[1].max()) for p in panels))
    for col, (x, share, over), name in zip(
        (1, 2), panels, ("activation", "log10|∂L/∂z|"), strict=True
    ):
        fig.add_trace(
            go.Heatmap(
                x=x,
                y=_layers(depth),
                z=share,
                colorscale="Viridis",
                zmin=0,
                zmax=top,
                showscale=col == 2,
                colorbar={"title": colorbar_title("share of<br>the layer"), "len": 0.8},
                hovertemplate=f"layer %{{y}}<br>{name} %{{x:.3g}}<br>share %{{z:.1%}}"
                "<extra></extra>",
            ),
            row=1,
            col=col,
        )
        for first, last in _blocks(np.flatnonzero(over) + 1):
            _overflow_badge(
                fig,
                f"layer{'s' if last > first else ''} {_ranges([first, last])}: {OVERFLOW}",
                s,
                y=(first + last) / 2,
                xref=f"x{'' if col == 1 else 2} domain",
                yref=f"y{'' if col == 1 else 2}",
            )
    ticks, labels = _decade_ticks(glo, ghi)
    fig.update_xaxes(title_text="value", row=1, col=1)
    fig.update_xaxes(title_text="|∂L/∂z|", tickvals=ticks, ticktext=labels, row=1, col=2)
    fig.update_yaxes(title_text="layer (1 = next to the input)", row=1, col=1)
    fig.update_yaxes(title_text="layer", row=1, col=2)
    title = f"{r.activation} + {_init_label(r)}, depth {depth}: distributions at initialization"
    apply_style(fig, slide, title)
    fig.update_annotations(font_size=s.font)
    return legend_below(fig, slide)


def _init_label(r: Any) -> str:
    if r.initializer == "random_normal":
        return f"random_normal(σ={float(r.stddev):g})"
    return str(r.initializer)


def _log_trace(
    fig: go.Figure, x: np.ndarray, y: np.ndarray, over: np.ndarray, **kw: Any
) -> list[int]:
    """Add a line of positive values on a log axis, leaving out overflowed and zero
    points (gaps, not NaN); returns the x positions left out because they overflowed."""
    y = np.asarray(y, float)
    keep = ~over & (y > 0)
    fig.add_trace(go.Scatter(x=x[keep], y=y[keep], mode="lines+markers", **kw))
    return [int(v) for v in x[over]]


def norms(r: Any, *, slide: bool = False) -> go.Figure:
    """Per-layer gradient norms at initialization on a log axis: ‖∂L/∂z_l‖ (what
    back-propagation multiplies layer after layer) and ‖∂L/∂W_l‖ (what the
    optimizer receives). A flat line is healthy; a slope is vanishing (rising
    towards the output) or exploding (rising towards the input)."""
    s = style_for(slide)
    depth = int(r.depth)
    fig = go.Figure()
    x = _layers(depth)
    z_over = np.asarray(r.z_overflow, bool)
    w_over = np.asarray(r.w_overflow, bool)[:depth]
    lost = _log_trace(
        fig,
        x,
        r.z_norm,
        z_over,
        name="‖∂L/∂z‖ back-propagated",
        line={"color": Z_COLOR, "width": s.line},
    )
    lost += _log_trace(
        fig,
        x,
        np.asarray(r.w_norm)[:depth],
        w_over,
        name="‖∂L/∂W‖ weight gradient",
        line={"color": W_COLOR, "width": s.line, "dash": "dash"},
    )
    fig.update_yaxes(type="log", title_text="gradient norm (log)", exponentformat="power")
    fig.update_xaxes(title_text="layer (1 = next to the input)", range=[0.5, depth + 0.5])
    label = r.label
    ratio = f" (ratio first/last = {fmt_number(r.ratio)})" if r.ratio > 0 else ""
    if lost:
        _overflow_badge(
            fig, f"{OVERFLOW}: float32 ran out of range in layer(s) {_ranges(sorted(set(lost)))}", s
        )
    if not len(fig.data[0].x) and not len(fig.data[1].x):
        fig.update_yaxes(type="linear", range=[0, 1], showticklabels=False)
    apply_style(fig, slide, f"Gradient norm per layer at initialization: {label}{ratio}")
    return legend_below(fig, slide)


def _blocks(values: np.ndarray) -> list[tuple[int, int]]:
    """Runs of consecutive integers as (first, last) pairs."""
    out: list[tuple[int, int]] = []
    for v in (int(v) for v in values):
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def _ranges(values: list[int]) -> str:
    if not values:
        return ""
    parts, start, prev = [], values[0], values[0]
    for v in [*values[1:], None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
        if v is not None:
            start = prev = v
    return ", ".join(parts)


def _overflow_badge(
    fig: go.Figure, text: str, s: Any, x: float = 0.5, y: float = 0.5,
    xref: str = "paper", yref: str = "paper",
) -> None:  # fmt: skip
    """White text on the overflow colour: where numbers ran out of float32's range."""
    fig.add_annotation(
        x=x,
        y=y,
        xref=xref,
        yref=yref,
        text=text,
        showarrow=False,
        font={"color": "white", "size": s.font},
        bgcolor=LABEL_COLORS[OVERFLOW],
    )


def _stats_axes(fig: go.Figure, means: np.ndarray, stds: np.ndarray | None) -> None:
    """Axes that show at least −1…1 for the means and 0.1…10 for the stds (the targets
    0 and 1 dashed), wider where the values are."""
    lo_m = min(-1.0, float(means.min()) if means.size else 0.0)
    hi_m = max(1.0, float(means.max()) if means.size else 0.0)
    fig.update_yaxes(range=[lo_m - 0.05, hi_m + 0.05], row=1, col=1)
    every = np.concatenate([stds, *(t.y for t in fig.data[2:])]) if stds is not None else np.ones(1)
    logs = np.log10(np.asarray(every, float)[np.asarray(every, float) > 0])
    lo_s = min(-1.0, float(logs.min()) if logs.size else 0.0)
    hi_s = max(1.0, float(logs.max()) if logs.size else 0.0)
    fig.update_yaxes(range=[lo_s - 0.1, hi_s + 0.1], row=1, col=2)
    fig.add_hline(y=0, line={"color": "#999", "dash": "dash"}, row=1, col=1)
    fig.add_hline(y=1, line={"color": "#999", "dash": "dash"}, row=1, col=2)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2)


def activation_stats(r: Any, *, slide: bool = False) -> go.Figure:
    """Mean and standard deviation of each layer's activations at initialization
    (and the std after the short training run). Self-normalising networks
    (SELU + lecun_normal) keep them near 0 and 1 at every depth."""
    s = style_for(slide)
    depth = int(r.depth)
    x = _layers(depth)
    over = np.asarray(r.act_overflow, bool)
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=("mean of the activations", "standard deviation (log)"),
    )
    keep = ~over
    fig.add_trace(
        go.Scatter(
            x=x[keep],
            y=np.asarray(r.act_mean)[keep],
            mode="lines+markers",
            name="mean at initialization",
            line={"color": Z_COLOR, "width": s.line},
        ),
        row=1,
        col=1,
    )
    std = np.asarray(r.act_std, float)
    ok = keep & (std > 0)
    fig.add_trace(
        go.Scatter(
            x=x[ok],
            y=std[ok],
            mode="lines+markers",
            name="std at initialization",
            line={"color": W_COLOR, "width": s.line},
        ),
        row=1,
        col=2,
    )
    valid = np.asarray(r.train_valid, bool)
    if valid.any():
        last = int(np.flatnonzero(valid)[-1])
        final = np.asarray(r.train_act_std)[last]
        ok_f = final > 0
        fig.add_trace(
            go.Scatter(
                x=x[ok_f],
                y=final[ok_f],
                mode="lines",
                name=f"std after epoch {last + 1}",
                line={"color": TRAIN_COLOR, "width": s.line, "dash": "dot"},
            ),
            row=1,
            col=2,
        )
    _stats_axes(fig, np.asarray(r.act_mean, float)[keep], std[ok] if ok.any() else None)
    for c in (1, 2):
        fig.update_xaxes(title_text="layer", range=[0.5, depth + 0.5], row=1, col=c)
    if over.any():
        _overflow_badge(fig, f"{OVERFLOW} from layer {int(np.flatnonzero(over)[0]) + 1}", s)
    apply_style(
        fig, slide, f"Do the activations stay normalised? {r.activation} + {_init_label(r)}"
    )
    fig.update_annotations(font_size=s.font)
    return legend_below(fig, slide)


def training(r: Any, *, slide: bool = False) -> go.Figure:
    """The short SGD run: left, layer × epoch heatmap of log10‖∂L/∂W‖ (before any
    clipping); right, the loss and the largest per-layer step actually taken
    (after clipping). A run that overflowed is marked where it diverged."""
    s = style_for(slide)
    valid = np.asarray(r.train_valid, bool)
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.2,
        subplot_titles=("‖∂L/∂W‖ per layer and epoch", "loss and largest step"),
        specs=[[{}, {"secondary_y": True}]],
    )
    _gradient_heatmap(fig, r, valid, s)
    _loss_and_steps(fig, r, valid, s)
    title = "Training for a few epochs (full-batch SGD)"
    if r.diverged_epoch:
        title += f": {OVERFLOW} at epoch {r.diverged_epoch}"
        _overflow_badge(fig, f"diverged at epoch {r.diverged_epoch}: {OVERFLOW}", s, x=0.8)
    apply_style(fig, slide, title)
    fig.update_annotations(font_size=s.font)
    return legend_below(fig, slide)


def _gradient_heatmap(fig: go.Figure, r: Any, valid: np.ndarray, s: Any) -> None:
    """Left: log10‖∂L/∂W‖ per layer and epoch, gaps where the run had overflowed."""
    epochs = np.arange(1, len(valid) + 1)
    w = np.asarray(r.train_w_norm, float)[:, : int(r.depth)]
    logw = np.where(w > 0, np.log10(np.maximum(w, 1e-38)), 0.0)
    shown = valid[:, None] & (w > 0)
    zmin = float(logw[shown].min()) if shown.any() else -1.0
    zmax = float(logw[shown].max()) if shown.any() else 1.0
    z = [
        [float(v) if ok else None for v, ok in zip(row, keep, strict=True)]
        for row, keep in zip(logw.T, shown.T, strict=True)
    ]
    ticks, labels = _decade_ticks(zmin, zmax)
    if shown.any():
        fig.add_trace(
            go.Heatmap(
                x=epochs,
                y=_layers(int(r.depth)),
                z=z,
                zmin=zmin,
                zmax=max(zmax, zmin + 1e-6),
                colorscale="Magma",
                colorbar={
                    "title": colorbar_title("‖∂L/∂W‖"),
                    "tickvals": ticks,
                    "ticktext": labels,
                    "x": 0.41,
                    "len": 0.8,
                },
                hovertemplate="epoch %{x}, layer %{y}<br>log10‖∂L/∂W‖ %{z:.2f}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    else:  # (a heatmap of nothing but gaps is drawn by plotly.js as an image NaN wide)
        x0, x1 = fig.layout.xaxis.domain
        fig.add_annotation(
            text="no finite gradient:<br>the run overflowed in its first epoch",
            xref="paper",
            yref="paper",
            x=(x0 + x1) / 2,
            y=0.5,
            showarrow=False,
            font={"size": s.font},
        )
    fig.update_yaxes(title_text="layer", row=1, col=1)
    fig.update_xaxes(title_text="epoch", row=1, col=1)


def _decades(values: np.ndarray) -> list[float]:
    """A log-axis range at least two decades wide around the positive values."""
    v = np.log10(values[values > 0]) if np.any(values > 0) else np.zeros(1)
    mid = (float(v.min()) + float(v.max())) / 2
    half = max(1.0, (float(v.max()) - float(v.min())) / 2 + 0.2)
    return [mid - half, mid + half]


def _loss_and_steps(fig: go.Figure, r: Any, valid: np.ndarray, s: Any) -> None:
    """Right: the loss, the largest step taken and, with clipping, the cap on it."""
    epochs = np.arange(1, len(valid) + 1)
    loss = np.asarray(r.train_loss, float)
    fig.add_trace(
        go.Scatter(
            x=epochs[valid],
            y=loss[valid],
            mode="lines+markers",
            name="loss",
            line={"color": Z_COLOR, "width": s.line},
        ),
        row=1,
        col=2,
    )
    step = np.asarray(r.train_update_norm, float).max(axis=1)
    ok = valid & (step > 0)
    fig.add_trace(
        go.Scatter(
            x=epochs[ok],
            y=step[ok],
            mode="lines+markers",
            name="largest step ‖ΔW‖",
            line={"color": W_COLOR, "width": s.line, "dash": "dash"},
        ),
        row=1,
        col=2,
        secondary_y=True,
    )
    if r.clipnorm is not None and r.learning_rate > 0:
        fig.add_trace(
            go.Scatter(
                x=[epochs[0], epochs[-1]],
                y=[r.clipnorm * r.learning_rate] * 2,
                mode="lines",
                name="cap: learning_rate × clipnorm",
                line={"color": "#666", "dash": "dot", "width": s.line / 2},
            ),
            row=1,
            col=2,
            secondary_y=True,
        )
    fig.update_xaxes(title_text="epoch", range=[0.5, len(valid) + 0.5], row=1, col=2)
    cap = [r.clipnorm * r.learning_rate] if r.clipnorm is not None else []
    logs = {"type": "log", "exponentformat": "power", "row": 1, "col": 2}
    fig.update_yaxes(
        title_text="loss (log)", range=_decades(loss[valid]), secondary_y=False, **logs
    )
    fig.update_yaxes(
        title_text="step (log)",
        range=_decades(np.concatenate([step[ok], cap])),
        showgrid=False,
        secondary_y=True,
        **logs,
    )


def matrix(m: Any, *, slide: bool = False) -> go.Figure:
    """Every activation × every initializer: colour = log10 of ‖∂L/∂z₁‖ / ‖∂L/∂z_last‖
    (blue vanishing, white healthy, red exploding), text = the verdict. Cells whose
    numbers overflowed or whose gradient is exactly 0 are grey with their label."""
    s = style_for(slide)
    ratio = np.asarray(m.ratio, float)
    labels = np.asarray(m.labels, dtype=object)
    defined = ratio > 0
    logr = np.where(defined, np.log10(np.where(defined, ratio, 1.0)), 0.0)
    logr = np.clip(logr, -RATIO_CLIP, RATIO_CLIP)
    text = [
        [
            f"{labels[a, i]}<br>{fmt_number(ratio[a, i])}" if defined[a, i] else str(labels[a, i])
            for i in range(ratio.shape[1])
        ]
        for a in range(ratio.shape[0])
    ]
    fig = go.Figure(
        go.Heatmap(
            x=list(m.initializers),
            y=list(m.activations),
            z=logr,
            zmin=-RATIO_CLIP,
            zmax=RATIO_CLIP,
            colorscale=RATIO_SCALE,
            text=text,
            colorbar={
                "title": colorbar_title("first / last"),
                "tickvals": [-12, -8, -4, -1, 0, 1, 4, 8, 12],
                "ticktext": ["1e-12", "1e-8", "1e-4", "0.1", "1", "10", "1e4", "1e8", "1e12"],
            },
            hovertemplate="%{y} + %{x}<br>%{text}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    special = ~defined
    if special.any():
        grey = np.where(special, 1.0, None)
        fig.add_trace(
            go.Heatmap(
                x=list(m.initializers),
                y=list(m.activations),
                z=grey.tolist(),
                colorscale=[[0, "#bdbdbd"], [1, "#bdbdbd"]],
                showscale=False,
                text=text,
                hovertemplate="%{y} + %{x}<br>%{text}<extra></extra>",
                xgap=1,
                ygap=1,
            )
        )
    for a, act in enumerate(m.activations):
        for i, init in enumerate(m.initializers):
            dark = defined[a, i] and abs(logr[a, i]) > 0.4 * RATIO_CLIP
            fig.add_annotation(
                x=init,
                y=act,
                text=text[a][i],
                showarrow=False,
                font={"size": max(9, s.font - 4), "color": "white" if dark else "#222"},
            )
    fig.update_yaxes(autorange="reversed", title_text="activation")
    fig.update_xaxes(title_text="initializer", side="bottom")
    sigma = f", random_normal σ = {float(m.stddev):g}"
    bn = ", with batch norm" if m.batch_norm else ""
    apply_style(
        fig,
        slide,
        f"Gradient ratio first / last layer, depth {m.depth} × width {m.width}{sigma}{bn}",
    )
    return legend_below(fig, slide)
