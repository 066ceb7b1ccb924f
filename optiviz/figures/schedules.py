"""Figures of learning-rate schedules and of the learning-rate range test.

Data in, Figure out: the rates are computed by ``optiviz.engine.networks.schedules`` and
``optiviz.engine.networks.lr_range``; nothing here trains or evaluates anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .style import apply_style, fmt_number, legend_below, style_for

#: one fixed colour per schedule (Okabe–Ito, distinct for colour-blind viewers)
SCHEDULE_COLORS: dict[str, str] = {
    "constant": "#5E5E5E",
    "piecewise": "#E69F00",
    "exponential": "#56B4E9",
    "power": "#009E73",
    "performance": "#CC79A7",
    "onecycle": "#D55E00",
}
_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def lr_curves(
    curves: Mapping[str, np.ndarray],
    *,
    labels: Mapping[str, str] | None = None,
    first_epoch: int = 0,
    slide: bool = False,
    title: str | None = None,
    xlabel: str = "epoch t",
) -> go.Figure:
    """The learning rate of every epoch, one line per schedule, on a log axis.

    Args:
        curves: schedule name → the rate of each epoch (positive numbers).
        labels: schedule name → legend text (default: the name).
        first_epoch: the x value of the first entry (0 for the formulas' t,
            1 for Keras's epoch numbering in a training history).
    """
    s = style_for(slide)
    fig = go.Figure()
    for j, (name, lr) in enumerate(curves.items()):
        lr = np.asarray(lr, np.float64)
        x = np.arange(first_epoch, first_epoch + lr.size)
        label = (labels or {}).get(name, name)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.where(lr > 0, lr, np.nan),
                mode="lines",
                name=label,
                line={
                    "color": SCHEDULE_COLORS.get(name, "#333333"),
                    "width": s.line,
                    "dash": _DASHES[j % len(_DASHES)] if name == "constant" else "solid",
                    "shape": "hv" if name in ("piecewise", "performance") else "linear",
                },
                hovertemplate=f"{label}<br>epoch %{{x}}<br>η %{{y:.3g}}<extra></extra>",
            )
        )
    fig.update_yaxes(type="log", title_text="learning rate η", exponentformat="power")
    fig.update_xaxes(title_text=xlabel)
    apply_style(fig, slide, title)
    if not slide:
        fig.update_layout(height=440)
    return legend_below(fig, slide)


def lr_range_figure(result: Any, *, slide: bool = False, title: str | None = None) -> go.Figure:
    """Loss against the learning rate of a range test (log x).

    ``result`` has the fields of ``optiviz.engine.networks.lr_range.LRRangeResult``: the
    raw mini-batch losses (faint), their smoothed curve (bold), and vertical lines
    at the suggested rate (one tenth of the minimum's), the steepest descent and
    the minimum; the region past the explosion is shaded.
    """
    s = style_for(slide)
    lrs = np.asarray(result.learning_rates, np.float64)
    raw = np.asarray(result.losses, np.float64)
    sm = np.asarray(result.smoothed, np.float64)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=lrs,
            y=raw,
            mode="lines",
            name="mini-batch loss",
            line={"color": "rgba(0,114,178,0.35)", "width": max(1.0, s.line * 0.4)},
            hovertemplate="η %{x:.3g}<br>loss %{y:.4g}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=lrs,
            y=sm,
            mode="lines",
            name="smoothed (moving average)",
            line={"color": "#0072B2", "width": s.line},
            hovertemplate="η %{x:.3g}<br>smoothed loss %{y:.4g}<extra></extra>",
        )
    )
    marks: Sequence[tuple[float, str, str, str]] = (
        (result.suggested, f"suggested η = {fmt_number(result.suggested)}", "#009E73", "solid"),
        (result.steepest, f"steepest fall at η = {fmt_number(result.steepest)}", "#E69F00", "dot"),
        (result.best_lr, f"lowest loss at η = {fmt_number(result.best_lr)}", "#5E5E5E", "dash"),
    )
    top = float(np.max(sm)) if sm.size else 1.0
    if sm.size:
        top = max(float(sm[0]), float(np.min(sm)) * 4.0) * 1.15
    for x, text, color, dash in marks:
        fig.add_trace(
            go.Scatter(
                x=[x, x],
                y=[0, top],
                mode="lines",
                name=text,
                line={"color": color, "width": s.line * 0.8, "dash": dash},
                hoverinfo="skip",
            )
        )
    if result.exploded_at is not None:
        fig.add_vrect(
            x0=result.exploded_at,
            x1=result.lr_max,
            fillcolor="#D55E00",
            opacity=0.12,
            line_width=0,
            annotation_text="loss exploded",
            annotation_position="top left",
        )
    fig.update_xaxes(
        type="log",
        title_text="learning rate η (grows every step)",
        range=[np.log10(result.lr_min), np.log10(result.lr_max)],
        exponentformat="power",
    )
    fig.update_yaxes(title_text="training loss", range=[0, top])
    apply_style(fig, slide, title)
    if not slide:
        fig.update_layout(height=460)
    return legend_below(fig, slide)
