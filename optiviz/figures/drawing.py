"""The canvas a student draws their own points on (the playground's "Your points").

A faint grid of clickable spots covers the drawing square (a click selects the nearest
spot: the page adds a point there), and the points drawn so far sit on top, coloured
by class, or by value on the boundary's red–white–blue scale (a click on one removes
it). Built with :func:`apply_style` like every chart, so slide mode enlarges it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from .networks import CLASS_COLORS, VALUE_SCALE
from .style import apply_style

Box = tuple[tuple[float, float], tuple[float, float]]


def grid_spots(box: Box, step: float) -> tuple[np.ndarray, np.ndarray]:
    """The clickable spots: every ``step`` across ``box`` (the engine's drawing square)."""
    (x0, x1), (y0, y1) = box
    xs = np.round(np.arange(x0, x1 + step / 2, step), 2)
    ys = np.round(np.arange(y0, y1 + step / 2, step), 2)
    xx, yy = np.meshgrid(xs, ys)
    return xx.ravel(), yy.ravel()


def canvas_figure(
    points: Sequence[Sequence[float]], regression: bool, slide: bool, box: Box, step: float
) -> go.Figure:
    """The drawing canvas on ``box`` with spots every ``step`` and ``points`` ((x1, x2,
    class or value) each) on it."""
    gx, gy = grid_spots(box, step)
    fig = go.Figure(
        go.Scatter(
            x=gx, y=gy, mode="markers", name="empty spot", showlegend=False,
            marker={"size": 5, "color": "rgba(120,120,120,0.18)"},
            hovertemplate="click: add a point at (%{x:.1f}, %{y:.1f})<extra></extra>",
        )
    )  # fmt: skip
    pts = np.asarray(points, float).reshape(-1, 3)
    common = {"mode": "markers", "hovertemplate": "(%{x:.1f}, %{y:.1f}): click to remove"}
    if regression:
        fig.add_trace(
            go.Scatter(
                x=pts[:, 0], y=pts[:, 1], name="your points", showlegend=False,
                marker={"size": 13, "color": pts[:, 2], "colorscale": VALUE_SCALE, "cmin": -1,
                        "cmax": 1, "line": {"width": 1, "color": "#333"},
                        "colorbar": {"title": {"text": "value"}, "len": 0.8}},
                customdata=pts[:, 2], **{**common, "hovertemplate": common["hovertemplate"]
                                         + " (value %{customdata:.2f})<extra></extra>"},
            )
        )  # fmt: skip
    else:
        for c in range(3):
            mine = pts[pts[:, 2] == c]
            fig.add_trace(
                go.Scatter(
                    x=mine[:, 0], y=mine[:, 1], name=f"class {c}",
                    marker={"size": 13, "color": CLASS_COLORS[c],
                            "line": {"width": 1, "color": "#333"}},
                    **{**common, "hovertemplate": common["hovertemplate"]
                       + f" (class {c})<extra></extra>"},
                )
            )  # fmt: skip
    (x0, x1), (y0, y1) = box
    apply_style(fig, slide)
    pad = step
    fig.update_xaxes(range=[x0 - pad, x1 + pad], title_text="x1", zeroline=False, fixedrange=True)
    fig.update_yaxes(
        range=[y0 - pad, y1 + pad], title_text="x2", zeroline=False, fixedrange=True,
        scaleanchor="x", scaleratio=1,
    )  # fmt: skip
    fig.update_layout(
        hovermode="closest", dragmode=False, clickmode="event+select",
        legend={"orientation": "h", "y": 1.08, "x": 0},
        margin={"t": 40},
    )  # fmt: skip
    return fig
