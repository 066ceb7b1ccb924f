"""Charts of a trained network's loss landscape (issue #22): the slice as a contour map
with every run's path walking over it (animated, the race page's look), the same slice
as a 3D surface, the honesty readout (how far each path point lies off the plane, and
its true loss beside the plane's), the 1D interpolations, and sharpness against the
stability threshold.

Results in (``engine.networks.landscape``'s :class:`Slice`, arrays), figures out. The
loss is drawn as log10: a landscape spans decades; where it overflowed (NaN) the map
has a gap and the colour bar says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .race import surface_picture
from .style import (
    SURFACE_SCALE,
    animated,
    apply_style,
    colorbar_title,
    legend_below,
    play_controls,
    style_for,
)


def _log(values: np.ndarray) -> np.ndarray:
    """log10 of a loss, NaN where it overflowed (a gap in the map)."""
    v = np.asarray(values, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log10(np.maximum(v, 1e-12))
    return np.where(np.isfinite(v), out, np.nan).astype(np.float32)


def _axis_titles(s: Any) -> tuple[str, str]:
    if s.directions == "pca":
        e = s.explained
        return (f"α: 1st principal direction ({e[0]:.0%} of the path's variance)",
                f"β: 2nd principal direction ({e[1]:.0%})")  # fmt: skip
    return "α: direction 1 (× filter norms)", "β: direction 2 (× filter norms)"


def slice_map(s: Any, labels: Sequence[str], colors: Sequence[str], slide: bool) -> go.Figure:
    """The slice as a map of log10(loss) in contour bands, each run's projected path on it;
    ▶ Play walks the paths snapshot by snapshot. The runs' paths leave the plane by
    ``s.off_plane``: :func:`honesty` shows how much."""
    st = style_for(slide)
    z = _log(s.loss)
    fig = go.Figure()
    # the map as a picture under the paths (a layout image), as the race draws its
    # surface: plotly.js takes other traces off the page while it animates scatters
    surface = SimpleNamespace(log_scale=False, min_value=None)
    image, bar = surface_picture((s.alpha, s.beta, z), surface)
    bar["marker"]["colorbar"]["title"] = colorbar_title("log₁₀ loss")
    fig.add_layout_image(image)
    fig.add_trace(go.Scatter(**{k: v for k, v in bar.items() if k != "type"}))
    n = s.paths.shape[1]
    inside = (np.abs(s.paths) <= max(abs(s.alpha[0]), abs(s.alpha[-1])) * 1.5).all(axis=-1)
    for r, (label, color) in enumerate(zip(labels, colors, strict=True)):
        p = np.where(inside[r][:, None], s.paths[r], np.nan)
        fig.add_trace(go.Scatter(
            x=p[:, 0], y=p[:, 1], mode="lines+markers", name=label,
            line={"color": color, "width": 3}, marker={"size": 5, "color": color},
            customdata=np.stack([s.epochs, s.off_plane_share[r]], axis=1),
            hovertemplate=f"{label}, epoch %{{customdata[0]}}: (%{{x:.2f}}, %{{y:.2f}}), "
            "%{customdata[1]:.0%} of its distance off the plane<extra></extra>",
        ))  # fmt: skip
        fig.add_trace(go.Scatter(
            x=p[-1:, 0], y=p[-1:, 1], mode="markers", showlegend=False, hoverinfo="skip",
            marker={"size": 13, "color": color, "line": {"width": 2, "color": "white"}},
        ))  # fmt: skip
    mark = "θ* (the run's final weights)"
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name=mark,
                             marker={"symbol": "x", "size": 12, "color": "black"}))  # fmt: skip
    x_title, y_title = _axis_titles(s)
    apply_style(fig, slide, template=False)
    fig.update_layout(xaxis_title=x_title, yaxis_title=y_title, height=st.height + 80,
                      margin={"t": 30, "b": 170})  # fmt: skip
    fig.update_xaxes(range=[s.alpha[0], s.alpha[-1]])
    fig.update_yaxes(range=[s.beta[0], s.beta[-1]])
    legend_below(fig, slide)
    frames = []
    traces = list(range(1, 1 + 2 * len(labels)))
    for j in range(n):
        data = []
        for r in range(len(labels)):
            p = np.where(inside[r][: j + 1, None], s.paths[r, : j + 1], np.nan)
            data.append({"type": "scatter", "x": p[:, 0].tolist(), "y": p[:, 1].tolist()})
            data.append({"type": "scatter", "x": p[-1:, 0].tolist(), "y": p[-1:, 1].tolist()})
        frames.append({"data": data, "traces": traces, "name": str(j)})
    controls = play_controls([str(j) for j in range(n)], "epoch ", st.font,
                             labels=[str(int(e)) for e in s.epochs])  # fmt: skip
    return animated(fig, frames, controls, slide)


def slice_surface(s: Any, labels: Sequence[str], colors: Sequence[str], slide: bool) -> go.Figure:
    """The slice as a 3D surface of log10(loss) with each path drawn at the loss the plane
    shows under it."""
    fig = go.Figure(go.Surface(
        x=s.alpha, y=s.beta, z=_log(s.loss), colorscale=SURFACE_SCALE, showscale=False,
        opacity=0.92, hovertemplate="α %{x:.2f}, β %{y:.2f}: log₁₀ loss %{z:.3f}<extra></extra>",
    ))  # fmt: skip
    lim = max(abs(s.alpha[0]), abs(s.alpha[-1]))
    for r, (label, color) in enumerate(zip(labels, colors, strict=True)):
        ok = (np.abs(s.paths[r]) <= lim).all(axis=-1)
        fig.add_trace(go.Scatter3d(
            x=s.paths[r, ok, 0], y=s.paths[r, ok, 1], z=_log(s.plane_loss[r, ok]) + 0.01,
            mode="lines+markers", name=label, line={"color": color, "width": 6},
            marker={"size": 3, "color": color},
        ))  # fmt: skip
    apply_style(fig, slide)
    fig.update_layout(scene={"xaxis_title": "α", "yaxis_title": "β", "zaxis_title": "log₁₀ loss",
                             "camera": {"eye": {"x": 1.5, "y": -1.5, "z": 1.1}}},
                      margin={"t": 30, "b": 30, "l": 0, "r": 0})  # fmt: skip
    legend_below(fig, slide)
    return fig


def honesty(s: Any, labels: Sequence[str], colors: Sequence[str], slide: bool) -> go.Figure:
    """How far the picture can be trusted along each path: left, each point's distance
    from the plane as a share of its distance from θ*; right, its true loss (solid)
    beside the loss the plane shows where it is projected (dotted)."""
    titles = ("distance off the plane (share of ‖θ_t − θ*‖)",
              "true loss (solid) vs the plane's (dotted)")  # fmt: skip
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=titles)
    for r, (label, color) in enumerate(zip(labels, colors, strict=True)):
        fig.add_trace(go.Scatter(x=s.epochs, y=s.off_plane_share[r], name=label, mode="lines",
                                 line={"color": color}, legendgroup=label), 1, 1)  # fmt: skip
        fig.add_trace(go.Scatter(x=s.epochs, y=_finite(s.true_loss[r]), name=label, mode="lines",
                                 line={"color": color}, legendgroup=label, showlegend=False),
                      1, 2)  # fmt: skip
        fig.add_trace(go.Scatter(x=s.epochs, y=_finite(s.plane_loss[r]), mode="lines",
                                 name=f"{label} (plane)", line={"color": color, "dash": "dot"},
                                 legendgroup=label, showlegend=False), 1, 2)  # fmt: skip
    apply_style(fig, slide)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05], row=1, col=1)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_xaxes(title_text="epoch")
    legend_below(fig, slide)
    return fig


def _finite(v: np.ndarray) -> list[float | None]:
    return [float(x) if np.isfinite(x) else None for x in np.asarray(v, np.float64)]


def interpolations(t: np.ndarray, lines: dict[str, tuple[np.ndarray, str]], slide: bool,
                   end_label: str = "t = 1") -> go.Figure:  # fmt: skip
    """Losses along straight lines in weight space, t = 0 at the start and 1 at the end."""
    fig = go.Figure()
    for name, (values, color) in lines.items():
        fig.add_trace(go.Scatter(x=t, y=_finite(values), name=name, mode="lines",
                                 line={"color": color, "width": 3}))  # fmt: skip
    for x in (0, 1):
        fig.add_vline(x=x, line={"color": "#888", "dash": "dot", "width": 1})
    apply_style(fig, slide)
    fig.update_layout(xaxis_title="t (0: start, 1: end)", yaxis_title="training loss",
                      yaxis_type="log")  # fmt: skip
    legend_below(fig, slide)
    return fig


def sharpness_chart(
    epochs: np.ndarray,
    values: np.ndarray,
    thresholds: Sequence[float | None],
    labels: Sequence[str],
    colors: Sequence[str],
    slide: bool,
) -> go.Figure:
    """Each run's sharpness along training, and the stability threshold of each run whose
    optimizer has one (dashed, in its colour)."""
    fig = go.Figure()
    for r, (label, color) in enumerate(zip(labels, colors, strict=True)):
        fig.add_trace(go.Scatter(x=epochs, y=_finite(values[r]), name=label,
                                 mode="lines+markers", line={"color": color, "width": 3},
                                 marker={"size": 4}))  # fmt: skip
        if thresholds[r] is not None:
            fig.add_trace(go.Scatter(
                x=[epochs[0], epochs[-1]], y=[thresholds[r]] * 2, mode="lines",
                name=f"{label}: stability line", line={"color": color, "dash": "dash"},
            ))  # fmt: skip
    apply_style(fig, slide)
    fig.update_layout(xaxis_title="epoch", yaxis_title="sharpness (top Hessian eigenvalue)")
    legend_below(fig, slide)
    return fig
