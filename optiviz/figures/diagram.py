"""The network drawn as a diagram (issue #26, after TensorFlow Playground): inputs,
hidden units and outputs as small maps of what each computes over the plane, links
coloured by the sign of their weight and as thick as its size, animated over training.

Results in, figure out: the maps and weights come from ``TrainResult.unit_maps`` and
``link_weights`` (recorded in the training kernel at the snapshots), the inputs' maps are
the input features over the plane, the outputs' maps the decision function.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go

from .style import animated, apply_style, play_controls, style_for, typed

#: shown units per layer (the engine records the maps of the first MAP_UNITS)
SHOWN = 16
#: links: positive blue, negative red (the kernels' heatmaps' RdBu ends)
POSITIVE, NEGATIVE = "#2166ac", "#b2182b"
#: link widths for |w| below 1/3, below 2/3 and above 2/3 of the largest |w| shown
WIDTHS = (0.7, 1.8, 3.4)
#: the units' maps: 0 (code 127.5) white, positive blue, negative red
MAP_SCALE = "RdBu"
#: most frames a diagram animates (more snapshots are thinned), to stay light to send
MAX_FRAMES = 26


class Node(NamedTuple):
    column: int
    index: int
    x0: float
    x1: float
    y0: float
    y1: float


def _layout(counts: Sequence[int], width: float, height: float, px: float) -> list[list[Node]]:
    """Node boxes in paper coordinates: one column per layer, nodes centred in it."""
    n_cols, tallest = len(counts), max(counts)
    hw, hh = px / 2 / width, px / 2 / height
    gap = 1.0 / tallest
    columns = []
    for c, m in enumerate(counts):
        cx = (c + 0.5) / n_cols
        top = 0.5 + m * gap / 2
        columns.append(
            [
                Node(c, j, cx - hw, cx + hw, top - (j + 0.5) * gap - hh, top - (j + 0.5) * gap + hh)
                for j in range(m)
            ]
        )
    return columns


def _codes(values: np.ndarray) -> np.ndarray:
    """Values as the units' byte codes: 127.5 · (1 + v / max|v|), per map."""
    top = np.maximum(np.abs(values).max(axis=(0, 1), keepdims=True), 1e-30)
    return np.clip(np.rint((values / top + 1.0) * 127.5), 0, 255).astype(np.uint8)


def _links(columns, weights: np.ndarray, counts: Sequence[int]) -> tuple[list, np.ndarray]:
    """The six link traces' (x, y) for one snapshot (sign × width bin, segments split by
    NaN) and every link's weight at its midpoint, in drawing order."""
    segs: list[list[float]] = [[] for _ in range(6)]
    ys: list[list[float]] = [[] for _ in range(6)]
    mids = []
    pairs = range(len(counts) - 1)
    top = max(float(np.abs(weights[c][: counts[c], : counts[c + 1]]).max()) for c in pairs)
    top = top or 1.0
    for c in range(len(counts) - 1):
        for a in columns[c]:
            for b in columns[c + 1]:
                w = float(weights[c][a.index, b.index])
                k = min(int(abs(w) / top * 3), 2) + (3 if w < 0 else 0)
                ya, yb = (a.y0 + a.y1) / 2, (b.y0 + b.y1) / 2
                # centre to centre: the maps, drawn later, cover the ends whatever the
                # chart's width makes of the boxes
                xa, xb = (a.x0 + a.x1) / 2, (b.x0 + b.x1) / 2
                segs[k] += [xa, xb, np.nan]
                ys[k] += [ya, yb, np.nan]
                mids.append(((xa + xb) / 2, (ya + yb) / 2, w))
    return [(np.array(x), np.array(y)) for x, y in zip(segs, ys, strict=True)], np.array(mids)


def network_diagram(
    result: Any,
    run: int = 0,
    *,
    input_maps: np.ndarray,
    input_labels: Sequence[str] = ("x₁", "x₂"),
    slide: bool = False,
    title: str | None = None,
) -> go.Figure:
    """Run ``run`` of a 2D result as a network diagram, animated over its snapshots.

    ``input_maps``: each input feature over the plane on the maps' grid (every other
    point of ``result.grid_x`` × ``grid_y``; rows along y), ``(20, 20, inputs)``;
    ``input_labels`` how to write them. Each map is scaled to its own largest |value|
    (white 0, blue positive, red negative); the outputs' maps are the decision function
    (probability of the class, or the predicted value)."""
    s = style_for(slide)
    arch = result.arch_of(run) if hasattr(result, "arch_of") else result.arch
    hidden = list(arch.hidden)
    shown = [min(n, SHOWN) for n in hidden]
    n_out = 1 if arch.output in ("sigmoid", "linear") else arch.n_out
    counts = [input_maps.shape[-1], *shown, n_out]
    px = float(np.clip(420 / max(counts), 30, 64))
    height = max(320.0, (px * 1.45) * max(counts) + 150)
    width = 1100.0
    columns = _layout(counts, width, height, px)
    snaps = np.arange(len(result.snapshot_epochs))
    if len(snaps) > MAX_FRAMES:
        snaps = np.unique(np.linspace(0, len(snaps) - 1, MAX_FRAMES).round().astype(int))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="markers", marker={"opacity": 0},
                             hoverinfo="skip", showlegend=False))  # fmt: skip
    link_idx = _add_links(fig, columns, result, run, snaps[-1], counts)
    node_idx = _add_nodes(fig, columns, result, run, snaps[-1], input_maps, input_labels)
    frames = [
        {"data": _frame(columns, result, run, j, counts), "traces": [*link_idx, *node_idx],
         "name": str(j)}
        for j in snaps
    ]  # fmt: skip
    _annotate(fig, columns, hidden, shown, arch, input_labels, s)
    fig.update_layout(
        height=height,
        xaxis={"range": [0, 1], "visible": False, "fixedrange": True, "domain": [0, 1]},
        yaxis={"range": [0, 1], "visible": False, "fixedrange": True, "domain": [0, 1]},
        showlegend=False,
        margin={"l": 10, "r": 10, "t": 60, "b": 90},
    )
    apply_style(fig, slide, title, template=False)
    epochs = [str(int(result.snapshot_epochs[j])) for j in snaps]
    controls = play_controls([str(j) for j in snaps], "epoch ", s.font, redraw=True,
                             labels=epochs)  # fmt: skip
    return animated(fig, frames, controls, slide)


def _add_links(fig, columns, result, run, snap, counts) -> list[int]:
    first = len(fig.data)
    (parts, mids) = _links(columns, result.link_weights[run, snap], counts)
    for k, (x, y) in enumerate(parts):
        fig.add_trace(go.Scatter(
            x=x, y=y, mode="lines", hoverinfo="skip", showlegend=False,
            line={"color": POSITIVE if k < 3 else NEGATIVE, "width": WIDTHS[k % 3]},
            opacity=0.75,
        ))  # fmt: skip
    fig.add_trace(go.Scatter(
        x=mids[:, 0], y=mids[:, 1], mode="markers", marker={"size": 7, "opacity": 0},
        text=[f"weight {w:.4g}" for w in mids[:, 2]], hovertemplate="%{text}<extra></extra>",
        showlegend=False,
    ))  # fmt: skip
    return list(range(first, len(fig.data)))


def _node_axes(fig, node: Node, k: int) -> tuple[str, str]:
    """Axes of their own for node ``k`` (its map), placed on the node's box."""
    name = str(k + 2)
    fig.layout[f"xaxis{name}"] = {"domain": [node.x0, node.x1], "visible": False,
                                  "fixedrange": True, "anchor": f"y{name}",
                                  "constrain": "domain"}  # fmt: skip
    fig.layout[f"yaxis{name}"] = {"domain": [node.y0, node.y1], "visible": False,
                                  "fixedrange": True, "anchor": f"x{name}",
                                  "scaleanchor": f"x{name}", "constrain": "domain"}  # fmt: skip
    return f"x{name}", f"y{name}"


def _output_map(result: Any, run: int, snap: int, unit: int) -> tuple[np.ndarray, dict]:
    """An output unit's map: the probability (0-100 %) of its class on the boundary
    chart's colours (white at 50 %), or the predicted value (white at 0)."""
    from .networks import CLASS_COLORS, _mix, _regression

    n = len(result.grid_x)
    out = np.asarray(result.boundary[run, snap], np.float32)[:, unit].reshape(n, n)[::2, ::2]
    if _regression(result):
        top = float(np.abs(out).max()) or 1.0
        return out.astype(np.float32), {"zmin": -top, "zmax": top, "colorscale": MAP_SCALE}
    binary = result.boundary.shape[-1] == 1
    low = _mix(CLASS_COLORS[0], 0.75) if binary else "rgb(255,255,255)"
    high = _mix(CLASS_COLORS[1 if binary else unit % len(CLASS_COLORS)], 0.75)
    z = np.rint(np.nan_to_num(out, nan=0.5).clip(0, 1) * 100).astype(np.uint8)
    scale = [[0.0, low], [0.5, "rgb(255,255,255)"], [1.0, high]] if binary else [
        [0.0, "rgb(255,255,255)"], [1.0, high]]  # fmt: skip
    return z, {"zmin": 0, "zmax": 100, "colorscale": scale}


def _add_nodes(fig, columns, result, run, snap, grid, input_labels) -> list[int]:
    """Every node's map (inputs static, hidden units and outputs animated); the indices
    of the animated traces."""
    animated_idx = []
    k = 0
    for c, col in enumerate(columns):
        for node in col:
            xa, ya = _node_axes(fig, node, k)
            k += 1
            common = {"xaxis": xa, "yaxis": ya, "showscale": False, "colorscale": MAP_SCALE}
            if c == 0:
                z = _codes(grid[..., node.index : node.index + 1])[..., 0]
                fig.add_trace(go.Heatmap(z=z, zmin=0, zmax=255, **common,
                                         hovertemplate=f"input {input_labels[node.index]}"
                                         "<extra></extra>"))  # fmt: skip
                continue
            animated_idx.append(len(fig.data))
            if c == len(columns) - 1:
                z, rng = _output_map(result, run, snap, node.index)
                what = "predicted %{z:.3f}" if z.dtype == np.float32 else "P(class) %{z} %"
                fig.add_trace(go.Heatmap(z=z, **{**common, **rng},
                                         hovertemplate=f"{what}<extra></extra>"))  # fmt: skip
            else:
                z = result.unit_maps[run, snap, c - 1, :, node.index].reshape(20, 20)
                fig.add_trace(go.Heatmap(
                    z=z, zmin=0, zmax=255, **common,
                    hovertemplate=f"layer {c}, unit {node.index + 1}<extra></extra>",
                ))  # fmt: skip
    return animated_idx


def _frame(columns, result, run, snap, counts) -> list[dict]:
    """One snapshot's updates: the link traces, then the hidden and output maps."""
    parts, mids = _links(columns, result.link_weights[run, snap], counts)
    out: list[dict] = [{"type": "scatter", "x": typed(x), "y": typed(y)} for x, y in parts]
    out.append({"type": "scatter", "x": typed(mids[:, 0]), "y": typed(mids[:, 1]),
                "text": [f"weight {w:.4g}" for w in mids[:, 2]]})  # fmt: skip
    for c, col in enumerate(columns[1:], start=1):
        for node in col:
            if c == len(columns) - 1:
                z, _ = _output_map(result, run, snap, node.index)
                out.append({"type": "heatmap", "z": typed(z, z.dtype)})
            else:
                z = result.unit_maps[run, snap, c - 1, :, node.index].reshape(20, 20)
                out.append({"type": "heatmap", "z": typed(z, np.uint8)})
    return out


def _annotate(fig, columns, hidden, shown, arch, input_labels, s) -> None:
    """Column titles, and how many units of a wide layer are not drawn."""
    names = ["inputs", *[f"hidden {i + 1}: {n} units" for i, n in enumerate(hidden)],
             "output" if arch.n_out == 1 else f"outputs ({arch.n_out} classes)"]  # fmt: skip
    for col, name in zip(columns, names, strict=True):
        x = (col[0].x0 + col[0].x1) / 2
        fig.add_annotation(x=x, y=1.0, xref="paper", yref="paper", text=name, showarrow=False,
                           yanchor="bottom", font={"size": s.font * 0.8})  # fmt: skip
    for node, label in zip(columns[0], input_labels, strict=True):
        fig.add_annotation(x=node.x0, y=(node.y0 + node.y1) / 2, xref="paper", yref="paper",
                           text=label, showarrow=False, xanchor="right",
                           font={"size": s.font * 0.8})  # fmt: skip
    for c, (n, m) in enumerate(zip(hidden, shown, strict=True), start=1):
        if n > m:
            node = columns[c][-1]
            fig.add_annotation(x=(node.x0 + node.x1) / 2, y=node.y0, xref="paper",
                               yref="paper", text=f"+{n - m} more", showarrow=False,
                               yanchor="top", font={"size": s.font * 0.7})  # fmt: skip
