"""The live class's charts: the class's answers as they arrive, and the chart a point
question is answered on. Data in, figure out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from . import race
from .style import legend_below, style_for

RIGHT = "#1a9850"  # the right answer, once revealed
OTHER = "#7f8c9a"
ANSWER = "#3b6fd4"  # answers before the reveal: one colour, no hint
#: from this many clicked points on, the teacher's chart shades where they pile up
DENSITY_FROM = 5


def choice_counts(choices: Sequence[str], answers: Sequence[Any]) -> list[int]:
    """How many answers chose each choice (answers that are not a choice are left out)."""
    count = Counter(a for a in answers if isinstance(a, str))
    return [count.get(c, 0) for c in choices]


def answers_bar(
    choices: Sequence[str], answers: Sequence[Any], *, right: str | None = None, slide: bool = False
) -> go.Figure:
    """The class's answers, one bar per choice. Before the reveal (``right`` None) every
    bar has one colour; after it the right choice is green."""
    s = style_for(slide)
    counts = choice_counts(choices, answers)
    total = sum(counts)
    colors = [ANSWER if right is None else (RIGHT if c == right else OTHER) for c in choices]
    labels = [f"{n} ({n / total:.0%})" if total else "0" for n in counts]
    names = [f"✓ {c}" if c == right else c for c in choices]
    fig = go.Figure(
        go.Bar(
            x=counts, y=names, orientation="h", marker_color=colors, text=labels,
            textposition="auto", hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(
        template=s.template,
        font={"size": s.font},
        height=max(180, 46 * len(choices) + 70),
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
        title={"text": f"{total} answer{'s' if total != 1 else ''}", "x": 0},
        showlegend=False,
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(rangemode="tozero", dtick=max(1, int(np.ceil(max([*counts, 1]) / 6))))
    return fig


def point_question(
    grid: Any,
    surface: Any,
    start: tuple[float, float],
    *,
    answers: Sequence[Sequence[float]] = (),
    mine: Sequence[float] | None = None,
    truth: Sequence[float] | None = None,
    radius: float = 0.0,
    slide: bool = False,
) -> go.Figure:
    """The surface to click on: where the runs start (white ring), the class's clicks
    (blue dots), this student's own click (a cross), and after the reveal the true point
    with the circle of answers that count as right."""
    s = style_for(slide)
    fig = go.Figure([race.surface_contour(grid, surface, slide), race.click_grid(grid)])
    fig.data[1].hovertemplate = "(%{x:.2f}, %{y:.2f})<br>click: my answer<extra></extra>"
    fig.data[1].name = "click to answer"
    fig.add_traces(race.minima_traces(surface, slide))
    fig.add_trace(
        go.Scatter(
            x=[start[0]], y=[start[1]], mode="markers", name="start",
            marker={"size": s.head * 1.3, "color": "white", "line": {"color": "black", "width": 2}},
            hovertemplate="start (%{x:.2f}, %{y:.2f})<extra></extra>",
        )
    )  # fmt: skip
    pts = np.asarray([p for p in answers if len(p) == 2], float).reshape(-1, 2)
    if len(pts) >= DENSITY_FROM:  # where the class's clicks pile up, as a 2D histogram
        (x0, x1), (y0, y1) = surface.domain
        fig.add_trace(
            go.Histogram2dContour(
                x=pts[:, 0], y=pts[:, 1], name="clicks per area", showscale=False,
                xbins={"start": x0, "end": x1, "size": (x1 - x0) / 16},
                ybins={"start": y0, "end": y1, "size": (y1 - y0) / 16},
                colorscale=[[0, "rgba(59,111,212,0)"], [1, "rgba(59,111,212,0.55)"]],
                contours={"coloring": "fill", "showlines": False}, ncontours=6,
                hoverinfo="skip", showlegend=True,
            )
        )  # fmt: skip
    if len(pts):
        fig.add_trace(
            go.Scatter(
                x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"the class ({len(pts)})",
                marker={"size": 9, "color": ANSWER, "opacity": 0.75,
                        "line": {"color": "white", "width": 1}},
                hoverinfo="skip",
            )
        )  # fmt: skip
    if mine is not None:
        fig.add_trace(
            go.Scatter(
                x=[mine[0]], y=[mine[1]], mode="markers", name="my answer",
                marker={"symbol": "x", "size": 16, "color": "black",
                        "line": {"color": "white", "width": 2}},
                hovertemplate="my answer (%{x:.2f}, %{y:.2f})<extra></extra>",
            )
        )  # fmt: skip
    if truth is not None:
        t = np.linspace(0, 2 * np.pi, 73)
        fig.add_trace(
            go.Scatter(
                x=truth[0] + radius * np.cos(t), y=truth[1] + radius * np.sin(t),
                mode="lines", line={"color": RIGHT, "width": 3}, name="counts as right",
                hoverinfo="skip",
            )
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=[truth[0]], y=[truth[1]], mode="markers", name="where it really is",
                marker={"symbol": "star", "size": 20, "color": RIGHT,
                        "line": {"color": "black", "width": 1.5}},
                hovertemplate="the answer (%{x:.2f}, %{y:.2f})<extra></extra>",
            )
        )  # fmt: skip
    race._axes(fig, surface)
    fig.update_layout(
        template=s.template,
        font={"size": s.font},
        height=460,
        margin={"l": 10, "r": 10, "t": 10},
        clickmode="event+select",
        dragmode=False,
    )
    return legend_below(fig, slide)


def within(points: Sequence[Sequence[float]], truth: Sequence[float], radius: float) -> int:
    """How many clicked points lie within ``radius`` of the true point."""
    pts = np.asarray([p for p in points if len(p) == 2], float).reshape(-1, 2)
    return int((np.hypot(pts[:, 0] - truth[0], pts[:, 1] - truth[1]) <= radius).sum())
