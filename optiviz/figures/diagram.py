"""The network drawn as a diagram (issue #26, after TensorFlow Playground): inputs,
hidden units and outputs as small maps of what each computes over the plane, links
coloured by the sign of their weight and as thick as its size, animated over training.

Results in, figure out: the maps and weights come from ``TrainResult.unit_maps`` and
``link_weights`` (recorded in the training kernel at the snapshots), the inputs' maps are
the input features over the plane, the outputs' maps the decision function.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.colors
import plotly.graph_objects as go

from .style import animated, apply_style, play_controls, style_for, typed

#: shown units per layer (the engine records the maps of the first MAP_UNITS)
SHOWN = 16
#: links: positive blue, negative red (the kernels' heatmaps' RdBu ends)
POSITIVE, NEGATIVE = "#2166ac", "#b2182b"
#: link widths for |w| below 1/3, below 2/3 and above 2/3 of the largest |w| shown
WIDTHS = (0.7, 1.8, 3.4)
#: the units' maps: 0 (code 127.5) white, positive blue, negative red (plotly's RdBu,
#: written out: the figure skips plotly's validation, and plotly.js's own "RdBu" runs
#: the other way)
MAP_SCALE = [[round(x, 2), c] for x, c in plotly.colors.get_colorscale("RdBu")]


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


class Geometry(NamedTuple):
    """Every drawn link's ends (node centres: the maps, drawn later, cover the ends
    whatever the chart's width makes of the boxes), in the order of the flattened
    kernels (layer, then input unit, then output unit)."""

    xa: np.ndarray
    ya: np.ndarray
    xb: np.ndarray
    yb: np.ndarray


def _geometry(columns: list[list[Node]]) -> Geometry:
    def centres(col: list[Node]) -> tuple[np.ndarray, np.ndarray]:
        return (np.array([(n.x0 + n.x1) / 2 for n in col]),
                np.array([(n.y0 + n.y1) / 2 for n in col]))  # fmt: skip

    parts = []
    for a, b in itertools.pairwise(columns):
        (xa, ya), (xb, yb) = centres(a), centres(b)
        parts.append((np.repeat(xa, len(b)), np.repeat(ya, len(b)),
                      np.tile(xb, len(a)), np.tile(yb, len(a))))  # fmt: skip
    return Geometry(*(np.concatenate(p) for p in zip(*parts, strict=True)))


def _links(geo: Geometry, weights: np.ndarray, counts: Sequence[int]) -> tuple[list, np.ndarray]:
    """The six link traces' (x, y) for one snapshot (sign × width bin, segments split by
    NaN) and every drawn link's weight, in the geometry's order."""
    w = np.concatenate(
        [np.ravel(weights[c][: counts[c], : counts[c + 1]]) for c in range(len(counts) - 1)]
    )
    top = float(np.abs(w).max()) or 1.0
    kind = np.minimum((np.abs(w) / top * 3).astype(int), 2) + 3 * (w < 0)
    nan = np.full(len(w), np.nan)
    parts = []
    for k in range(6):
        sel = kind == k
        x = np.column_stack([geo.xa[sel], geo.xb[sel], nan[sel]]).ravel()
        y = np.column_stack([geo.ya[sel], geo.yb[sel], nan[sel]]).ravel()
        parts.append((x, y))
    return parts, w


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
    px = float(np.clip(420 / max(counts), 30, 64)) * (1.25 if slide else 1.0)
    height = max(320.0, (px * 1.45) * max(counts) + 150)
    width = 1100.0
    columns = _layout(counts, width, height, px)
    snaps = np.arange(len(result.map_snapshots))  # the snapshots the maps are kept at
    # styled while it has one pair of axes (styling every node's axes costs ~0.1 s),
    # then built as plain dicts, past plotly's validation
    base = go.Figure(layout={
        "height": height, "showlegend": False,
        "xaxis": {"range": [0, 1], "visible": False, "fixedrange": True, "domain": [0, 1]},
        "yaxis": {"range": [0, 1], "visible": False, "fixedrange": True, "domain": [0, 1]},
    })  # fmt: skip
    apply_style(base, slide, title, template=False)
    layout = base.to_dict()["layout"]
    # the style's height holds too few rows, its margin no room for two-line headings
    layout["height"] = max(height, s.height)
    layout["margin"] = {"l": 10, "r": 10, "t": 170 if slide else 110, "b": 90}
    data: list[dict] = [
        {
            "type": "scatter",
            "x": [0, 1],
            "y": [0, 1],
            "mode": "markers",
            "marker": {"opacity": 0},
            "hoverinfo": "skip",
            "showlegend": False,
        }
    ]
    geo = _geometry(columns)
    link_idx = _add_links(data, geo, result, run, snaps[-1], counts)
    node_idx = _add_nodes(data, layout, columns, result, run, snaps[-1], input_maps, input_labels)
    layout["annotations"] = _annotations(columns, hidden, shown, arch, input_labels, s)
    frames = [
        {"data": _frame(columns, geo, result, run, j, counts), "traces": [*link_idx, *node_idx],
         "name": str(j)}
        for j in snaps
    ]  # fmt: skip
    spec = {"data": data, "layout": layout}
    fig = go.Figure(spec, skip_invalid=True, _validate=False)
    epochs = [str(int(result.snapshot_epochs[result.map_snapshots[j]])) for j in snaps]
    controls = play_controls([str(j) for j in snaps], "epoch ", s.font, redraw=True,
                             labels=epochs)  # fmt: skip
    return animated(fig, frames, controls, slide, spec=spec)


def _add_links(data: list, geo, result, run, snap, counts) -> list[int]:
    first = len(data)
    parts, w = _links(geo, result.link_weights[run, snap], counts)
    for k, (x, y) in enumerate(parts):
        data.append({
            "type": "scatter", "x": typed(x), "y": typed(y), "mode": "lines",
            "hoverinfo": "skip", "showlegend": False, "opacity": 0.75,
            "line": {"color": POSITIVE if k < 3 else NEGATIVE, "width": WIDTHS[k % 3]},
        })  # fmt: skip
    data.append({
        "type": "scatter", "x": typed((geo.xa + geo.xb) / 2), "y": typed((geo.ya + geo.yb) / 2),
        "mode": "markers", "marker": {"size": 7, "opacity": 0}, "customdata": typed(w),
        "hovertemplate": "weight %{customdata:.4g}<extra></extra>", "showlegend": False,
    })  # fmt: skip
    return list(range(first, len(data)))


def _node_axes(layout: dict, node: Node, k: int) -> tuple[str, str]:
    """Axes of their own for node ``k`` (its map), placed on the node's box, square."""
    name = str(k + 2)
    layout[f"xaxis{name}"] = {"domain": [node.x0, node.x1], "visible": False,
                              "fixedrange": True, "anchor": f"y{name}",
                              "constrain": "domain"}  # fmt: skip
    layout[f"yaxis{name}"] = {"domain": [node.y0, node.y1], "visible": False,
                              "fixedrange": True, "anchor": f"x{name}",
                              "scaleanchor": f"x{name}", "constrain": "domain"}  # fmt: skip
    return f"x{name}", f"y{name}"


def _output_map(result: Any, run: int, snap: int, unit: int) -> tuple[np.ndarray, dict]:
    """An output unit's map: the probability (0-100 %) of its class on the boundary
    chart's colours (white at 50 %), or the predicted value (white at 0)."""
    from .networks import CLASS_COLORS, _mix, _regression

    n = len(result.grid_x)
    snap = int(result.map_snapshots[snap])  # the maps' snapshot, as one of the boundary's
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


def _unit_map(result: Any, run: int, snap: int, layer: int, unit: int) -> dict:
    z = result.unit_maps[run, snap, layer, :, unit].reshape(20, 20)
    return typed(z, np.uint8)


def _add_nodes(data, layout, columns, result, run, snap, grid, input_labels) -> list[int]:
    """Every node's map (inputs static, hidden units and outputs animated); the indices
    of the animated traces."""
    animated_idx = []
    k = 0
    for c, col in enumerate(columns):
        for node in col:
            xa, ya = _node_axes(layout, node, k)
            k += 1
            trace = {"type": "heatmap", "xaxis": xa, "yaxis": ya, "showscale": False,
                     "colorscale": MAP_SCALE, "zmin": 0, "zmax": 255}  # fmt: skip
            if c == 0:
                z = _codes(grid[..., node.index : node.index + 1])[..., 0]
                trace |= {
                    "z": typed(z, np.uint8),
                    "hovertemplate": f"input {input_labels[node.index]}<extra></extra>",
                }
            elif c == len(columns) - 1:
                z, rng = _output_map(result, run, snap, node.index)
                what = "predicted %{z:.3f}" if z.dtype == np.float32 else "P(class) %{z} %"
                trace |= {"z": typed(z, z.dtype), **rng,
                          "hovertemplate": f"{what}<extra></extra>"}  # fmt: skip
            else:
                trace |= {
                    "z": _unit_map(result, run, snap, c - 1, node.index),
                    "hovertemplate": f"layer {c}, unit {node.index + 1}<extra></extra>",
                }
            if c:
                animated_idx.append(len(data))
            data.append(trace)
    return animated_idx


def _frame(columns, geo, result, run, snap, counts) -> list[dict]:
    """One snapshot's updates: the link traces and their weights, then the hidden and
    output maps."""
    parts, w = _links(geo, result.link_weights[run, snap], counts)
    out: list[dict] = [{"type": "scatter", "x": typed(x), "y": typed(y)} for x, y in parts]
    out.append({"type": "scatter", "customdata": typed(w)})
    for c, col in enumerate(columns[1:], start=1):
        for node in col:
            if c == len(columns) - 1:
                z, _ = _output_map(result, run, snap, node.index)
                out.append({"type": "heatmap", "z": typed(z, z.dtype)})
            else:
                out.append(
                    {"type": "heatmap", "z": _unit_map(result, run, snap, c - 1, node.index)}
                )
    return out


def _annotations(columns, hidden, shown, arch, input_labels, s) -> list[dict]:
    """Column titles, the inputs' names, and how many units of a wide layer are not drawn."""
    font = {"size": s.font * 0.8}
    note = {"xref": "paper", "yref": "paper", "showarrow": False}
    names = ["inputs", *[f"hidden {i + 1}<br>{n} units" for i, n in enumerate(hidden)],
             "output" if arch.n_out == 1 else f"outputs<br>{arch.n_out} classes"]  # fmt: skip
    out = [{**note, "x": (col[0].x0 + col[0].x1) / 2, "y": 1.0, "text": name,
            "yanchor": "bottom", "font": font}
           for col, name in zip(columns, names, strict=True)]  # fmt: skip
    out += [{**note, "x": node.x0, "y": (node.y0 + node.y1) / 2, "text": label,
             "xanchor": "right", "font": font}
            for node, label in zip(columns[0], input_labels, strict=True)]  # fmt: skip
    for c, (n, m) in enumerate(zip(hidden, shown, strict=True), start=1):
        if n > m:
            node = columns[c][-1]
            out.append({**note, "x": (node.x0 + node.x1) / 2, "y": node.y0, "yanchor": "top",
                        "text": f"+{n - m} more", "font": {"size": s.font * 0.7}})  # fmt: skip
    return out
