"""Figures of the regularization page: the generalisation gap and the dropout caution.

Data in, Figure out: the numbers come from training results and from re-scoring
the trained networks (``optiviz.engine.networks.transfer.evaluate``); nothing is computed
here but the picture.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import apply_style, legend_below, style_for

#: one colour per regularizer (Okabe–Ito), the plain network in grey
REG_COLORS: dict[str, str] = {
    "plain": "#5E5E5E",
    "l1": "#E69F00",
    "l2": "#56B4E9",
    "dropout": "#009E73",
    "early_stopping": "#CC79A7",
    "batch_norm": "#D55E00",
}


def gap_figure(
    labels: Sequence[str],
    train_values: Sequence[float],
    val_values: Sequence[float],
    colors: Sequence[str],
    *,
    metric: str = "accuracy",
    slide: bool = False,
    title: str | None = None,
) -> go.Figure:
    """Per run, its score on the training data next to its score on the validation
    data (both measured after training, in inference mode); the text on each pair
    is the gap between them — how much the network's training score overstates
    what it does on data it has not seen."""
    s = style_for(slide)
    tr = np.asarray(train_values, np.float64)
    va = np.asarray(val_values, np.float64)
    gap = tr - va if metric == "accuracy" else va - tr
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=list(labels),
            y=tr,
            name=f"training {metric}",
            marker={"color": list(colors), "line": {"color": "#222", "width": 1}},
            hovertemplate="%{x}<br>training %{y:.3f}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=list(labels),
            y=va,
            name=f"validation {metric}",
            marker={
                "color": "white",
                "line": {"color": list(colors), "width": 3},
                "pattern": {"shape": "/", "fgcolor": list(colors), "size": 8},
            },
            text=[f"gap {g:+.3f}" for g in gap],
            textposition="outside",
            textfont={"size": s.font},
            hovertemplate="%{x}<br>validation %{y:.3f}<extra></extra>",
        )
    )
    top = float(np.nanmax(np.concatenate([tr, va]))) if tr.size else 1.0
    fig.update_yaxes(
        title_text=metric,
        range=[0.5 if metric == "accuracy" else 0.0, min(1.08, top * 1.12) if metric ==
               "accuracy" else top * 1.2],
    )  # fmt: skip
    fig.update_layout(barmode="group", bargap=0.25)
    apply_style(fig, slide, title)
    if not slide:
        fig.update_layout(height=420)
    legend_below(fig, slide)
    return fig


def dropout_caution(
    reported: np.ndarray,
    val_loss: np.ndarray,
    recomputed: float,
    recomputed_val: float,
    *,
    color: str = REG_COLORS["dropout"],
    slide: bool = False,
    title: str | None = None,
) -> go.Figure:
    """The dropout run's loss curves as Keras reports them — the training loss
    averaged over each epoch's batches *with dropout on*, and the validation loss
    (dropout off) — and, at the last epoch, the training loss measured again with
    dropout off. The gap between the two training numbers is the caution."""
    s = style_for(slide)
    reported = np.asarray(reported, np.float64)
    val_loss = np.asarray(val_loss, np.float64)
    ep = np.arange(1, reported.size + 1)
    fig = make_subplots(rows=1, cols=1)
    fig.add_trace(
        go.Scatter(
            x=ep,
            y=reported,
            mode="lines",
            name="training loss as reported (dropout on)",
            line={"color": color, "width": s.line},
            hovertemplate="epoch %{x}<br>loss %{y:.4g}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=ep,
            y=val_loss,
            mode="lines",
            name="validation loss (dropout off)",
            line={"color": color, "width": s.line, "dash": "dash"},
            hovertemplate="epoch %{x}<br>val_loss %{y:.4g}<extra></extra>",
        )
    )
    last = int(ep[-1]) if ep.size else 1
    fig.add_trace(
        go.Scatter(
            x=[last, last],
            y=[recomputed, recomputed_val],
            mode="markers+text",
            name="after training, dropout off",
            marker={"symbol": ["star", "diamond"], "size": 16 if slide else 13, "color": "#222"},
            text=[f"train {recomputed:.3f}", f"val {recomputed_val:.3f}"],
            textposition=["bottom left", "top left"],
            textfont={"size": s.font},
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(title_text="loss", type="log")
    apply_style(fig, slide, title)
    if not slide:
        fig.update_layout(height=420)
    return legend_below(fig, slide)
