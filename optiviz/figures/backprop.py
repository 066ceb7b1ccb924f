"""Backpropagation drawn on the network itself: a 2-2-1 graph with every number on it.

Data in, Figure out. ``trace`` is anything with the fields of
``optiviz.engine.teaching.backprop.Trace``; ``stage`` counts how far the story has got
(0 = only the inputs and weights … 7 = the weights after one step), in the order
of ``STAGE_TITLES``. Numbers of earlier stages stay on the picture; the current
stage's nodes and edges are outlined in its colour.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from .style import apply_style, style_for

FORWARD = "#0072B2"
BACKWARD = "#D55E00"
UPDATE = "#009E73"
INK = "#222222"
MUTED = "#9aa5b1"

STAGE_TITLES = (
    "1 · The example and the weights",
    "2 · Forward: the hidden layer",
    "3 · Forward: the output",
    "4 · The loss",
    "5 · Backward: the output error E_o",
    "6 · Backward: the hidden errors E_h",
    "7 · Backward: every weight's gradient",
    "8 · Gradient-descent step",
)

#: node positions on the canvas (data units)
POS = {
    "x1": (0.0, 0.8),
    "x2": (0.0, 0.2),
    "h1": (1.6, 0.8),
    "h2": (1.6, 0.2),
    "o": (3.0, 0.5),
    "loss": (3.95, 0.5),
}


def num(v: float) -> str:
    """At most 4 significant digits, with a true minus sign; "overflow" if not finite."""
    v = float(v)
    if not math.isfinite(v):
        return "overflow"
    if v == 0:
        return "0"
    text = f"{v:.4g}" if 1e-4 <= abs(v) < 1e5 else f"{v:.3g}"
    return text.replace("-", "−")


def _sub(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _edge_label(name: str, w: float, grad: float, new: float, stage: int) -> str:
    lines = [f"{name} = {num(w)}"]
    if stage >= 6:
        lines.append(f"<span style='color:{BACKWARD}'>∂L/∂{name} = {num(grad)}</span>")
    if stage >= 7:
        lines.append(f"<span style='color:{UPDATE}'>→ {num(new)}</span>")
    return "<br>".join(lines)


#: pixels: a unit's radius (slide mode's chart is no taller than the screen)
RADIUS = 50


def network_figure(trace: Any, stage: int, *, slide: bool = False) -> go.Figure:
    """The 2-2-1 network with the numbers of every stage up to ``stage`` written on it.

    Nodes: inputs x₁, x₂; hidden units (weighted sum Z, activation H, later the
    error E); the output (Z_o, O, E_o); a box with the target, the loss and, after
    the step, the new loss. Edges carry their weight, then ∂L/∂w, then the new
    weight. Biases are written under their unit.
    """
    stage = max(0, min(int(stage), len(STAGE_TITLES) - 1))
    s = style_for(slide)
    fig = go.Figure()
    _edges(fig, trace, stage, s)
    _units(fig, trace, stage, s)
    _biases(fig, trace, stage, s.font, slide)
    _loss_box(fig, trace, stage, s.font)
    apply_style(fig, slide, STAGE_TITLES[stage])
    fig.update_shapes(opacity=1)  # the slide template fades shapes by default
    fig.update_xaxes(visible=False, range=[-0.45, 4.65], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.25, 1.15], fixedrange=True)
    fig.update_layout(showlegend=False, margin={"l": 20, "r": 20, "b": 20})
    return fig


def _edges(fig: go.Figure, t: Any, stage: int, s: Any) -> None:
    """Every weight's line with its label, coloured by what the stage does with it, and
    the dotted line from the output to the loss."""
    edges = [
        (f"x{i + 1}", f"h{j + 1}", f"w{_sub(i + 1)}{_sub(j + 1)}",
         t.net.W_h[i, j], t.dW_h[i, j], t.new.W_h[i, j],
         0.62 if i != j else 0.5)  # crossing edges: past the crossing, clear of x
        for i in range(2) for j in range(2)
    ] + [
        (f"h{j + 1}", "o", f"v{_sub(j + 1)}", t.net.w_o[j], t.dw_o[j], t.new.w_o[j], 0.5)
        for j in range(2)
    ]  # fmt: skip
    for a, b, name, w, g, new, frac in edges:
        (xa, ya), (xb, yb) = POS[a], POS[b]
        active = (stage == 1 and b.startswith("h")) or (stage == 2 and b == "o")
        active_back = (stage == 5 and b == "o") or (stage in (6, 7))
        colour = FORWARD if active else (BACKWARD if active_back and stage < 7 else INK)
        if stage == 7:
            colour = UPDATE
        fig.add_shape(
            type="line", x0=xa, y0=ya, x1=xb, y1=yb, layer="below",
            line={"color": colour, "width": s.line * (1.3 if active or active_back else 0.8)},
        )  # fmt: skip
        fig.add_annotation(
            x=xa + frac * (xb - xa),
            y=ya + frac * (yb - ya),
            text=_edge_label(name, w, g, new, stage),
            showarrow=False,
            font={"size": s.font, "color": INK},
            bgcolor="rgba(255,255,255,0.92)",
            bordercolor=colour,
            borderwidth=1,
            borderpad=2,
        )
    fig.add_shape(
        type="line", x0=POS["o"][0], y0=0.5, x1=POS["loss"][0], y1=0.5, layer="below",
        line={"color": INK if stage >= 3 else MUTED, "width": s.line * 0.8, "dash": "dot"},
    )  # fmt: skip


def _node(fig: go.Figure, key: str, title: str, body: list[str], colour: str, lit: bool,
          s: Any) -> None:  # fmt: skip
    """One unit: a circle, its numbers inside, its name above."""
    x, y = POS[key]
    fig.add_shape(
        type="circle", xref="x", yref="y", xsizemode="pixel", ysizemode="pixel",
        xanchor=x, yanchor=y, x0=-RADIUS, x1=RADIUS, y0=-RADIUS, y1=RADIUS,
        fillcolor="white",
        line={"color": colour if lit else INK, "width": s.line * (1.6 if lit else 0.8)},
    )  # fmt: skip
    font = {"size": s.font, "color": INK}
    fig.add_annotation(x=x, y=y, text="<br>".join(body), showarrow=False, font=font)
    fig.add_annotation(
        x=x, y=y, yshift=RADIUS + 12, text=f"<b>{title}</b>", showarrow=False, font=font
    )


def _units(fig: go.Figure, t: Any, stage: int, s: Any) -> None:
    """The inputs, the hidden units and the output, with what the stage has computed."""
    for i in range(2):
        _node(fig, f"x{i + 1}", f"x{_sub(i + 1)}", [f"<b>{num(t.x[i])}</b>"], FORWARD,
              stage == 0, s)  # fmt: skip
    for j in range(2):
        body = []
        if stage >= 1:
            body += [f"Z = {num(t.z_h[j])}", f"H = <b>{num(t.h[j])}</b>"]
        if stage >= 5:
            body.append(f"<span style='color:{BACKWARD}'>E = {num(t.e_h[j])}</span>")
        lit_colour = BACKWARD if stage == 5 else FORWARD
        _node(fig, f"h{j + 1}", f"h{_sub(j + 1)}", body or ["?"], lit_colour, stage in (1, 5), s)
    body = []
    if stage >= 2:
        body += [f"Z = {num(t.z_o)}", f"O = <b>{num(t.o)}</b>"]
    if stage >= 4:
        body.append(f"<span style='color:{BACKWARD}'>E = {num(t.e_o)}</span>")
    _node(fig, "o", "output", body or ["?"], BACKWARD if stage == 4 else FORWARD,
          stage in (2, 4), s)  # fmt: skip


def _biases(fig: go.Figure, t: Any, stage: int, font: float, slide: bool) -> None:
    """Each bias, written under its unit."""
    for key, name, j in (("h1", "b₁", 0), ("h2", "b₂", 1), ("o", "b_o", None)):
        b = t.net.b_h[j] if j is not None else t.net.b_o
        g = t.db_h[j] if j is not None else t.db_o
        new = t.new.b_h[j] if j is not None else t.new.b_o
        x, y = POS[key]
        fig.add_annotation(
            x=x,
            y=y,
            yshift=-(RADIUS + 10),
            yanchor="top",
            text=_edge_label(name, b, g, new, stage),
            showarrow=False,
            # (a step smaller than the weights', but not below slide text's 18 px)
            font={"size": max(font * 0.85, 18) if slide else font * 0.85, "color": INK},
        )


def _loss_box(fig: go.Figure, t: Any, stage: int, font: float) -> None:
    """The target, the loss and, after the step, the new loss."""
    lines = [f"target y = <b>{num(t.y)}</b>"]
    if stage >= 3:
        lines.append(f"L = ½(O − y)² = <b>{num(t.loss)}</b>")
    if stage >= 7:
        lines.append(
            f"<span style='color:{UPDATE}'>after the step: L = <b>{num(t.new_loss)}</b></span>"
        )
    fig.add_annotation(
        x=POS["loss"][0],
        y=0.5,
        text="<br>".join(lines),
        showarrow=False,
        align="left",
        font={"size": font, "color": INK},
        bgcolor="#f7f7f7",
        bordercolor=FORWARD if stage == 3 else (UPDATE if stage == 7 else INK),
        borderwidth=2 if stage in (3, 7) else 1,
        borderpad=8,
    )
