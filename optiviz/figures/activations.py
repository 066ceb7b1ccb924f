"""Figures of activation functions: the curves with their slopes, and the dying-ReLU experiment.

Data in, Figure out (plotly + numpy only). The curves come as :class:`Curve`
(f and f′ sampled on a grid, computed by ``optiviz.engine.networks.activations.curves``);
the experiment as :class:`DyingLine` (numbers from
``optiviz.engine.networks.activation_lab.dying_relu``).

Where a curve is *flat* its gradient cannot move the weights below it, and the
figure shades those stretches of z:

* ``"saturating"`` — |f′(z)| below :data:`FLAT_SHARE` of its peak (sigmoid, tanh:
  both tails, where the unit is saturated);
* ``"zero"`` — f′(z) exactly 0 (ReLU for z < 0; leaky ReLU with slope 0; ELU with α = 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import apply_style, fmt_number, legend_below, style_for

#: a stretch of z is "saturated" where |f′| is below this share of its peak
FLAT_SHARE = 0.1
#: Fixed colour per activation on every page (Okabe–Ito and Tol's colour-blind-safe sets)
ACTIVATION_COLORS: dict[str, str] = {
    "linear": "#000000",
    "sigmoid": "#0072B2",
    "tanh": "#56B4E9",
    "relu": "#D55E00",
    "leaky_relu": "#009E73",
    "elu": "#CC79A7",
    "selu": "#882255",
    "softplus": "#E69F00",
    "gelu": "#332288",
    "swish": "#117733",
}
DIVERGED_COLOR = "#3B0A0A"
PICKED_COLOR = "#7F7F7F"


class Curve(NamedTuple):
    """One activation sampled on a grid of z."""

    name: str
    display: str
    z: np.ndarray
    f: np.ndarray
    df: np.ndarray
    rule: str | None = None  # "saturating", "zero" or None (no shading)
    color: str | None = None


class DyingLine(NamedTuple):
    """One activation across the learning-rate grid of the dying-ReLU experiment.

    ``dead`` is the share of all hidden units that are dead, per (rate, epoch);
    ``accuracy`` the training accuracy per (rate, epoch); ``final_accuracy`` the
    validation accuracy of each final model; ``diverged_epoch`` 0 where a run never
    diverged.
    """

    name: str
    display: str
    learning_rates: np.ndarray
    dead: np.ndarray
    accuracy: np.ndarray
    final_accuracy: np.ndarray
    diverged_epoch: np.ndarray
    color: str | None = None


def color_of(name: str) -> str:
    return ACTIVATION_COLORS.get(name, "#444444")


def flat_intervals(z: np.ndarray, df: np.ndarray, rule: str | None) -> list[tuple[float, float]]:
    """The stretches [z₀, z₁] of the grid where the curve counts as flat under ``rule``.

    ``"saturating"``: |f′| < FLAT_SHARE · max |f′|; ``"zero"``: f′ = 0 (to float
    precision); ``None``: no stretch. Each run of flat grid points becomes one
    interval (its ends are the outermost flat grid points).
    """
    z = np.asarray(z, np.float64)
    g = np.abs(np.nan_to_num(np.asarray(df, np.float64)))
    peak = float(g.max()) if g.size else 0.0
    if rule == "saturating" and peak > 0:
        mask = g < FLAT_SHARE * peak
    elif rule == "zero":
        mask = g <= 1e-7 * max(peak, 1.0)
    else:
        return []
    out = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start >= 2:  # a single grid point is not a region
            out.append((float(z[start]), float(z[stop - 1])))
    return out


def _finite(a: np.ndarray) -> np.ndarray:
    return np.nan_to_num(np.asarray(a, np.float64), nan=0.0, posinf=1e6, neginf=-1e6)


def _flat_label(c: Curve) -> str:
    if c.rule == "zero":
        return f"{c.display}: f′ = 0"
    return f"{c.display}: |f′| < {FLAT_SHARE:.0%} of peak"


def activation_curves(
    curves: Sequence[Curve],
    *,
    derivative: str = "panel",
    shade: bool = True,
    slide: bool = False,
) -> go.Figure:
    """Each activation f(z) (solid) and its derivative f′(z).

    Args:
        curves: the activations to draw, each sampled on the same z grid.
        derivative: ``"panel"`` puts f′ in a second panel below f (shared z axis);
            ``"dashed"`` draws it dashed on the same axes.
        shade: shade each curve's flat stretches of z (see :func:`flat_intervals`)
            behind the derivative, in the curve's colour, with a legend entry each.
        slide: big fonts, 16:9.
    """
    s = style_for(slide)
    panels = derivative != "dashed"
    if panels:
        fig = make_subplots(
            rows=2,
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.08,
            row_heights=[0.55, 0.45],
            subplot_titles=("activation f(z)", "derivative f′(z)"),
        )
    else:
        fig = go.Figure()
    cell_f = {"row": 1, "col": 1} if panels else {}
    cell_d = {"row": 2, "col": 1} if panels else {}
    lows, highs = [], []
    for c in curves:
        f = _add_curve(fig, c, panels, shade, s, cell_f, cell_d)
        lows.append(float(f.min()) if f.size else 0.0)
        highs.append(float(f.max()) if f.size else 1.0)
    if lows:
        # keep sigmoid-sized curves readable next to an unbounded ReLU: clip the f axis
        lo, hi = max(min(lows), -3.0), min(max(highs), 4.0)
        pad = 0.08 * (hi - lo or 1.0)
        fig.update_yaxes(range=[lo - pad, hi + pad], zeroline=True, **cell_f)
    fig.update_xaxes(zeroline=True, zerolinecolor="#BBBBBB")
    fig.update_yaxes(zeroline=True, zerolinecolor="#BBBBBB")
    fig.update_xaxes(title_text="z (the unit's weighted sum)", **cell_d)
    if not panels:
        fig.update_yaxes(title_text="f(z) solid, f′(z) dashed")
    apply_style(fig, slide)
    fig.update_layout(hovermode="closest")
    if panels:
        fig.update_annotations(font_size=s.font)
    return legend_below(fig, slide, groupclick="togglegroup")


def _add_curve(fig, c: Curve, panels: bool, shade: bool, s, cell_f: dict, cell_d: dict):
    """One activation: f solid, f′ dashed (in its own panel or on f's axes) and, with
    ``shade``, its flat stretches behind the slope. Returns the finite f values."""
    color = c.color or color_of(c.name)
    z, f, df = _finite(c.z), _finite(c.f), _finite(c.df)
    fig.add_trace(
        go.Scatter(
            x=z,
            y=f,
            name=c.display,
            legendgroup=c.name,
            line={"color": color, "width": s.line},
            hovertemplate=f"{c.display}<br>z = %{{x:.2f}}<br>f(z) = %{{y:.3f}}<extra></extra>",
        ),
        **cell_f,
    )
    fig.add_trace(
        go.Scatter(
            x=z,
            y=df,
            name=f"{c.display} f′",
            legendgroup=c.name,
            showlegend=not panels,
            line={"color": color, "width": s.line * (0.8 if panels else 0.7), "dash": "dash"},
            hovertemplate=f"{c.display}<br>z = %{{x:.2f}}<br>f′(z) = %{{y:.3f}}<extra></extra>",
        ),
        **cell_d,
    )
    if shade:
        for i, (z0, z1) in enumerate(flat_intervals(z, df, c.rule)):
            fig.add_shape(
                type="rect",
                xref="x",
                # on the slope's own axes: that is where "flat" is read off
                yref="y2 domain" if panels else "y domain",
                x0=z0,
                x1=z1,
                y0=0,
                y1=1,
                fillcolor=color,
                opacity=0.10,
                line={"width": 0},
                layer="below",
                name=_flat_label(c),
                legendgroup=c.name,
                showlegend=i == 0,
            )
    return f


def dead_vs_learning_rate(
    lines: Sequence[DyingLine],
    *,
    picked: float | None = None,
    slide: bool = False,
) -> go.Figure:
    """Left: share of dead hidden units after training vs learning rate (log axis), one
    line per activation. Right: validation accuracy of the same runs, the cost.

    Runs that diverged are left out of the lines and marked ✕ at the top of each
    panel with the epoch they blew up at. ``picked`` draws a vertical guide at the
    learning rate inspected below.
    """
    s = style_for(slide)
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=("dead units after training", "validation accuracy"),
    )
    for ln in lines:
        color = ln.color or color_of(ln.name)
        lrs = np.asarray(ln.learning_rates, np.float64)
        div = np.asarray(ln.diverged_epoch) > 0
        ok = ~div
        final_dead = _finite(ln.dead)[:, -1]
        acc = _finite(ln.final_accuracy)
        for col, y, fmt in ((1, final_dead, ".0%"), (2, acc, ".1%")):
            fig.add_trace(
                go.Scatter(
                    x=lrs[ok],
                    y=y[ok],
                    mode="lines+markers",
                    name=ln.display,
                    legendgroup=ln.name,
                    showlegend=col == 1,
                    line={"color": color, "width": s.line},
                    marker={"size": s.head * 0.8, "color": color},
                    hovertemplate=(
                        f"{ln.display}<br>learning_rate %{{x:.3g}}<br>%{{y:{fmt}}}<extra></extra>"
                    ),
                ),
                row=1,
                col=col,
            )
            if div.any():
                fig.add_trace(
                    go.Scatter(
                        x=lrs[div],
                        y=np.full(int(div.sum()), 1.04),
                        mode="markers",
                        name=f"{ln.display}: diverged",
                        legendgroup=ln.name,
                        showlegend=col == 1,
                        marker={"symbol": "x", "size": s.head, "color": color},
                        customdata=np.asarray(ln.diverged_epoch)[div],
                        hovertemplate=(
                            f"{ln.display} diverged<br>learning_rate %{{x:.3g}}"
                            "<br>at epoch %{customdata}<extra></extra>"
                        ),
                    ),
                    row=1,
                    col=col,
                )
    for col in (1, 2):
        fig.update_xaxes(type="log", title_text="learning_rate", row=1, col=col)
    fig.update_yaxes(range=[-0.03, 1.08], tickformat=".0%", row=1, col=1)
    fig.update_yaxes(range=[0.3, 1.08], tickformat=".0%", row=1, col=2)
    if picked is not None and picked > 0:
        for col in (1, 2):
            fig.add_vline(
                x=float(picked),
                line={"color": PICKED_COLOR, "dash": "dot", "width": 1.5},
                row=1,
                col=col,
            )
    apply_style(fig, slide)
    fig.update_layout(height=int(s.height * (0.8 if not slide else 1.0)))
    fig.update_annotations(font_size=s.font)
    return legend_below(fig, slide, groupclick="togglegroup")


def dead_over_epochs(lines: Sequence[DyingLine], index: int, *, slide: bool = False) -> go.Figure:
    """For the learning rate at ``index`` of the grid: the share of dead units after
    each epoch (left) and the training accuracy after each epoch (right), one line
    per activation. A run that diverged ends at that epoch, marked ✕."""
    s = style_for(slide)
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=("dead units during training", "training accuracy"),
    )
    lr = None
    for ln in lines:
        color = ln.color or color_of(ln.name)
        lr = float(ln.learning_rates[index])
        dead = _finite(ln.dead)[index]
        acc = _finite(ln.accuracy)[index]
        stop = int(ln.diverged_epoch[index])
        n = stop if stop > 0 else len(dead)
        epochs = np.arange(1, len(dead) + 1)[:n]
        for col, y, fmt in ((1, dead[:n], ".0%"), (2, acc[:n], ".1%")):
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=y,
                    mode="lines",
                    name=ln.display,
                    legendgroup=ln.name,
                    showlegend=col == 1,
                    line={"color": color, "width": s.line},
                    hovertemplate=f"{ln.display}<br>epoch %{{x}}<br>%{{y:{fmt}}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
            if stop > 0 and n > 0:
                fig.add_trace(
                    go.Scatter(
                        x=[epochs[-1]],
                        y=[y[-1]],
                        mode="markers",
                        name=f"{ln.display}: diverged at epoch {stop}",
                        legendgroup=ln.name,
                        showlegend=col == 1,
                        marker={"symbol": "x", "size": s.head * 1.2, "color": DIVERGED_COLOR},
                        hoverinfo="name",
                    ),
                    row=1,
                    col=col,
                )
    for col in (1, 2):
        fig.update_xaxes(title_text="epoch", row=1, col=col)
    fig.update_yaxes(range=[-0.03, 1.03], tickformat=".0%", row=1, col=1)
    fig.update_yaxes(range=[0.3, 1.03], tickformat=".0%", row=1, col=2)
    title = f"learning_rate = {fmt_number(lr)}" if lr is not None else None
    apply_style(fig, slide, title=title)
    fig.update_layout(height=int(s.height * (0.8 if not slide else 1.0)))
    fig.update_annotations(font_size=s.font)
    return legend_below(fig, slide, groupclick="togglegroup")
