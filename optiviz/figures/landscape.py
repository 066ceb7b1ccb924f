"""Figures of many runs at once: hyperparameter maps, basins of attraction, a fair comparison.

Data in (``SweepResult``, ``BasinsResult``, ``FairResult`` from
``optiviz.engine.plane.sweeps``), Figure out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .race import GLOBAL_COLOR, minima_traces
from .style import (
    apply_style,
    colorbar_title,
    fmt_number,
    legend_below,
    panel_columns,
    style_for,
)

DIVERGED_COLOR = "#3B0A0A"
#: on maps, diverged cells are neutral grey: viridis has no grey, while its dark end
#: (the lowest losses) would be mistaken for a dark "diverged" colour
MAP_DIVERGED_COLOR = "#A6A6A6"
NONE_COLOR = "#FFFFFF"
#: local minima take these, in order (global ones share GLOBAL_COLOR)
LOCAL_COLORS = ("#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#0072B2", "#999999", "#E69F00")
LOG_PARAMS = ("epsilon", "initial_accumulator_value")


def _param_axis(param: str | None, values: np.ndarray) -> tuple[np.ndarray, str, str]:
    if param is None:
        return np.array([0.0]), "", "linear"
    return values, param, "log" if param in LOG_PARAMS else "linear"


MAP_LOCAL_COLOR = "#F4C7A1"  # a light orange: settled, but in a local minimum
THEORY_GD = "lr = 2/L"
THEORY_MOMENTUM = "lr·L = 2(1 + β)"


def theory_line(result: Any) -> str | None:
    """The stability boundary a map can show: GD (any optimizer with lr alone on the
    axis) diverges past lr = 2/L, heavy-ball momentum past lr·L = 2(1 + β), on surfaces
    whose largest curvature L is known (the quadratic bowls); None elsewhere (Adam's
    steps do not follow this rule)."""
    if not result.surface.hessian_max:
        return None
    if result.optimizer == "sgd" and result.param is None:
        return THEORY_GD
    if result.optimizer in ("momentum", "nesterov") and result.param == "momentum":
        return THEORY_MOMENTUM
    return None


def _legend_square(color: str, name: str) -> go.Scatter:
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker={
            "symbol": "square",
            "size": 14,
            "color": color,
            "line": {"color": "#888", "width": 1},
        },
        name=name,
    )


def hyperparameter_map(
    result: Any, metric: str = "final_loss", *, slide: bool = False
) -> go.Figure:
    """Learning rate (rows, log axis) × a second hyperparameter (columns), coloured by
    final loss above the best known minimum or by steps to reach ε; diverged cells dark.

    On quadratic bowls the stability boundary theory predicts is drawn on top:
    GD diverges for lr > 2/L, heavy-ball momentum for lr·L > 2(1 + β).
    """
    s = style_for(slide)
    xs, xtitle, xtype = _param_axis(result.param, result.values)
    lrs = result.learning_rates
    div = result.diverged
    z, local, ztitle, colorscale = _map_values(result, metric)
    z = np.where(div, np.nan, z)
    custom = np.stack(
        [
            np.broadcast_to(lrs[:, None], z.shape),
            np.broadcast_to(np.nan_to_num(result.values)[None, :], z.shape),
            result.final_loss,
            result.steps_to_eps,
            result.diverged_at,
        ],
        axis=-1,
    )
    hover = (
        "learning_rate %{customdata[0]:.3g}"
        + (f"<br>{result.param} %{{customdata[1]:.4g}}" if result.param else "")
        + "<br>final loss %{customdata[2]:.4g}<br>steps to ε %{customdata[3]}"
        + "<br>diverged at %{customdata[4]} (−1: never)<extra></extra>"
    )
    fig = go.Figure(
        go.Heatmap(
            x=xs,
            y=lrs,
            z=z,
            colorscale=colorscale,
            colorbar={"title": colorbar_title(ztitle)},
            customdata=custom,
            hovertemplate=hover,
            name=ztitle,
        )
    )
    for cells, color, name in (
        (div, MAP_DIVERGED_COLOR, "diverged"),
        (local, MAP_LOCAL_COLOR, "ended in a local minimum"),
    ):
        if not cells.any():
            continue
        fig.add_trace(
            go.Heatmap(
                x=xs,
                y=lrs,
                z=np.where(cells, 1.0, np.nan),
                colorscale=[[0, color], [1, color]],
                showscale=False,
                customdata=custom,
                hovertemplate=hover,
                name=name,
            )
        )
        fig.add_trace(_legend_square(color, name))  # a legend entry for these cells
    if metric == "steps_to_eps" and np.isnan(z).any() and not (div | local).all():
        fig.add_trace(_legend_square(NONE_COLOR, "no minimum within ε at the end"))
    _theory_boundary(fig, result, xs, s)
    fig.update_yaxes(
        type="log", title_text="learning_rate", range=[np.log10(lrs[0]), np.log10(lrs[-1])]
    )
    fig.update_xaxes(title_text=xtitle, type=xtype, showticklabels=result.param is not None)
    what = ztitle.split("<br>")[0]
    title = f"{result.optimizer}: {what} after {result.steps} steps on {result.surface.title}"
    apply_style(fig, slide, title)
    fig.update_layout(clickmode="event+select")
    return legend_below(fig, slide)


def _map_values(result: Any, metric: str) -> tuple[np.ndarray, np.ndarray, str, str]:
    """What colours the map: (values, local-minimum cells, colour bar title, scale)."""
    surface = result.surface
    local = np.zeros(result.diverged.shape, bool)
    if metric == "steps_to_eps":
        # only runs that end in a global minimum are coloured by their steps; one that
        # settles in a local minimum is its own colour, one that ends in none stays white
        glob = np.isin(
            result.minimum_index, [i for i, m in enumerate(surface.minima) if m.is_global]
        )
        z = np.where(glob & (result.steps_to_eps >= 0), result.steps_to_eps, np.nan).astype(float)
        local = (result.minimum_index >= 0) & ~glob & ~result.diverged
        return z, local, "steps to ε of<br>the global minimum", "Viridis_r"
    floor = surface.min_value if surface.min_value is not None else float(np.min(result.final_loss))
    z = np.log10(np.maximum(result.final_loss - floor, 1e-12))
    return z, local, "final loss − min<br>(log₁₀)", "Viridis"


def _theory_boundary(fig: go.Figure, result: Any, xs: np.ndarray, s: Any) -> None:
    """On a quadratic bowl, where theory says divergence starts: lr = 2/L for GD,
    lr·L = 2(1 + β) for momentum."""
    line = theory_line(result)
    if not line:
        return
    L = result.surface.hessian_max
    if line == THEORY_GD:
        fig.add_trace(
            go.Scatter(
                x=[xs[0], xs[-1]] if len(xs) > 1 else [xs[0] - 0.5, xs[0] + 0.5],
                y=[2.0 / L, 2.0 / L],
                mode="lines",
                line={"color": "#E69F00", "width": s.line, "dash": "dash"},
                name=f"theory: lr = 2/L = {fmt_number(2.0 / L)}",
            )
        )
    else:
        beta = np.linspace(float(xs[0]), float(xs[-1]), 100)
        fig.add_trace(
            go.Scatter(
                x=beta,
                y=2.0 * (1.0 + beta) / L,
                mode="lines",
                line={"color": "#E69F00", "width": s.line, "dash": "dash"},
                name="theory: lr·L = 2(1 + β)",
            )
        )


def _click_grid(
    X: np.ndarray, Y: np.ndarray, symbol: str, name: str, hover: str, **kw: Any
) -> go.Scatter:
    """Invisible points to click: plotly outlines the clicked one (its selected style),
    with no rerun."""
    return go.Scatter(
        x=X.ravel(),
        y=Y.ravel(),
        mode="markers",
        marker={"size": 7, "color": "rgba(0,0,0,0)", "symbol": symbol},
        selected={"marker": {"color": "#000000", "size": 15}},
        unselected={"marker": {"opacity": 0}},
        hovertemplate=f"{hover}<extra></extra>",
        showlegend=False,
        name=name,
        **kw,
    )


def map_click_grid(result: Any) -> go.Scatter:
    """Invisible points at the cell centres: a click reports (value, learning rate)."""
    xs, _, _ = _param_axis(result.param, result.values)
    X, Y = np.meshgrid(xs, result.learning_rates)
    name = "click to race this setting"
    return _click_grid(X, Y, "square-open", name, name)


#: at most this many clickable start points per side of a basins panel (a click picks
#: the nearest; a 200×200 panel would otherwise carry 40,000 invisible points)
CLICK_SIDE = 40


def basins_click_grid(result: Any, panel: int) -> go.Scatter:
    """Invisible start points over one basins panel: a click reports (x, y) and, in
    ``customdata``, the panel's optimizer index."""
    step = max(1, -(-len(result.xs) // CLICK_SIDE))
    X, Y = np.meshgrid(result.xs[::step], result.ys[::step])
    hover = "start (%{x:.2f}, %{y:.2f}): click to race from here"
    grid = _click_grid(X, Y, "circle-open", "click to race from here", hover)
    return grid.update(customdata=np.full(X.size, panel))


def basin_colors(surface: Any) -> list[str]:
    """A colour per minimum: gold for global minima, distinct colours for local ones."""
    out, k = [], 0
    for m in surface.minima:
        if m.is_global:
            out.append(GLOBAL_COLOR)
        else:
            out.append(LOCAL_COLORS[k % len(LOCAL_COLORS)])
            k += 1
    return out


def basins_figure(
    result: Any, labels: list[str] | None = None, *, slide: bool = False
) -> go.Figure:
    """One panel per optimizer: each start coloured by where its run ended (the minimum's
    colour, white for no known minimum, dark for diverged)."""
    surface = result.surface
    n = len(result.optimizers)
    labels = labels or list(result.optimizers)
    cols = panel_columns(n, slide)
    rows = -(-n // cols)
    # beside each other (3 or 4 a row) a subtitle has a quarter of the width: short form
    said = "of starts reach the global minimum" if cols <= 2 else "→ global minimum"
    titles = [
        f"<b>{label}</b><br>{100 * share:.0f}% {said}"
        for label, share in zip(labels, result.share_global, strict=True)
    ]
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.05, vertical_spacing=0.12
    )
    colors = basin_colors(surface)
    # codes: -2 diverged, -1 none, 0.. minima -> shift by 2 for a discrete scale
    palette = [DIVERGED_COLOR, NONE_COLOR, *colors]
    k = len(palette)
    scale = []
    for i, c in enumerate(palette):
        scale += [[i / k, c], [(i + 1) / k, c]]
    for idx in range(n):
        r, c = idx // cols + 1, idx % cols + 1
        z = result.minimum_index[idx] + 2
        fig.add_trace(
            go.Heatmap(
                x=result.xs,
                y=result.ys,
                z=z,
                zmin=-0.5,
                zmax=k - 0.5,
                colorscale=scale,
                showscale=False,
                hovertemplate="start (%{x:.2f}, %{y:.2f})<extra></extra>",
                name=labels[idx],
            ),
            row=r,
            col=c,
        )
        for t in minima_traces(surface, slide):
            t.showlegend = idx == 0
            t.marker.size = style_for(slide).head
            fig.add_trace(t, row=r, col=c)
        fig.add_trace(basins_click_grid(result, idx), row=r, col=c)
    for name, color in (("no known minimum", NONE_COLOR), ("diverged", DIVERGED_COLOR)):
        fig.add_trace(_legend_square(color, name))
    (x0, x1), (y0, y1) = surface.domain
    for k in range(1, n + 1):  # each panel: the domain, at true aspect ratio
        suffix = "" if k == 1 else str(k)
        fig.layout[f"xaxis{suffix}"].update(range=[x0, x1], showgrid=False, constrain="domain")
        fig.layout[f"yaxis{suffix}"].update(
            range=[y0, y1], showgrid=False, scaleanchor=f"x{suffix}", constrain="domain"
        )
    apply_style(
        fig,
        slide,
        f"Basins of attraction on {surface.title}: where each start ends, {result.steps} steps",
    )
    # size the figure to the panels' true aspect ratio (width as on a wide page)
    # (a screen's two panels a row: ~320 px each, beside each other on a wide page)
    width = style_for(slide).width or (1200 if slide else 640)
    panel = width / cols * (y1 - y0) / (x1 - x0)
    height = int(np.clip(rows * (panel + 110) + 150, 350, 1600))
    fig.update_layout(height=height, margin={"t": 130})
    return legend_below(fig, slide)


def fair_figure(
    result: Any, labels: list[str], colors: list[str], *, slide: bool = False
) -> go.Figure:
    """Steps to reach ε of a minimum for each tuned optimizer (a bar per optimizer)."""
    s = style_for(slide)
    steps = np.where(result.steps_to_eps >= 0, result.steps_to_eps, np.nan)
    text = [
        f"lr {fmt_number(lr)}" + ("" if st >= 0 else " · not reached")
        for lr, st in zip(result.tuned_lr, result.steps_to_eps, strict=True)
    ]
    budget = result.race.steps
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=np.where(np.isnan(steps), budget, steps),
            marker={
                "color": colors,
                "pattern": {"shape": ["" if st >= 0 else "/" for st in result.steps_to_eps]},
            },
            text=text,
            textposition="outside",
            customdata=np.stack([result.tuned_lr, result.final_loss], axis=-1),
            hovertemplate="%{x}<br>tuned learning_rate %{customdata[0]:.3g}<br>"
            "final loss %{customdata[1]:.4g}<extra></extra>",
        )
    )
    fig.add_hline(
        y=budget,
        line={"dash": "dot", "color": "#777", "width": s.line / 2},
        annotation_text="step budget",
    )
    fig.update_yaxes(title_text="steps to reach ε of a minimum", range=[0, budget * 1.15])
    apply_style(fig, slide, "Each optimizer with its best learning rate: steps to the minimum")
    fig.update_layout(showlegend=False)
    return fig
