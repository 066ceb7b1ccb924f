"""Pieces of the backpropagation page: URL settings, weight inputs, stage stepping, the
arithmetic of each stage written out with the numbers substituted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from optiviz.engine.teaching.backprop import (
    ACTIVATIONS,
    LIMIT,
    STAGES,
    Net221,
    Trace,
    backprop,
    df_np,
    jax_gradients,
)
from optiviz.figures.backprop import network_figure, num

from . import facts
from .cache import shared_figure
from .controls import SLIDE, table
from .url_state import Param, draw

PAGE = "backprop"

#: the example and weights a first visit shows (inputs, target, then w_ij, b_j, v_j, b_o)
DEFAULTS: dict[str, float] = {
    "x1": 1.0,
    "x2": 0.5,
    "y": 1.0,
    "w11": 0.15,
    "w12": 0.25,
    "w21": 0.20,
    "w22": 0.30,
    "b1": 0.35,
    "b2": 0.35,
    "v1": 0.40,
    "v2": 0.45,
    "bo": 0.60,
}
WEIGHTS = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "bo")
DERIVATIVE = {
    "sigmoid": r"\sigma(Z)\,(1 - \sigma(Z))",
    "tanh": r"1 - \tanh^2(Z)",
    "relu": r"1 \text{ if } Z > 0 \text{ else } 0",
    "linear": r"1",
}


#: each number's label, in the order the sidebar shows them (two to a row)
LABELS = {
    "x1": "x₁", "x2": "x₂", "y": "target y",
    "w11": "w₁₁", "w12": "w₁₂", "w21": "w₂₁", "w22": "w₂₂",
    "b1": "b₁", "b2": "b₂", "v1": "v₁", "v2": "v₂", "bo": "output bias b_o",
}  # fmt: skip


#: the example on one row; the weights two to a row (hidden unit 1 left, 2 right)
ROWS = {"x1": "example", "x2": "example", "y": "example", "w11": "w1", "w12": "w1",
        "w21": "w2", "w22": "w2", "b1": "b", "b2": "b", "v1": "v", "v2": "v"}  # fmt: skip


def schema() -> list[Param]:
    """Every setting of the page, declared once: the example, the nine weights, η, f, the
    stage, slide mode, each with bounds that keep every number finite."""
    numbers = [
        Param(k, DEFAULTS[k], low=-LIMIT, high=LIMIT, widget="number", label=label,
              step=0.05, num_format="%.4g", row=ROWS.get(k, ""),
              section="The example" if k in ("x1", "x2", "y") else "Weights")
        for k, label in LABELS.items()
    ]  # fmt: skip
    return [
        *numbers,
        Param("eta", 0.5, low=0.0, high=LIMIT, widget="number", label="Learning rate η",
              step=0.1, num_format="%.4g", section="Training"),
        Param("act", "sigmoid", kind="choice", choices=ACTIVATIONS, widget="select",
              label="Activation f (both layers)", section="Training"),
        Param("stage", STAGES[0], kind="choice", choices=STAGES),
        SLIDE,
    ]  # fmt: skip


def _weight_tools() -> None:
    st.caption("w_ij: input i → hidden j; b_j: hidden biases; v_j: hidden j → output.")
    with st.container(horizontal=True):  # buttons as wide as their labels, wrapping
        st.button("Random weights", on_click=_random_weights, key="bp_random")
        st.button("Reset", on_click=_reset, key="bp_reset")


def sidebar() -> None:
    """The example, the weights, η and f, each with bounds that keep every number finite."""
    with st.sidebar:
        draw(
            schema(),
            after={"bo": _weight_tools},
            before={"slide": st.divider},
            heading=st.subheader,
        )


def _random_weights() -> None:
    rng = np.random.default_rng()
    for k in WEIGHTS:
        st.session_state[k] = round(float(rng.uniform(-1, 1)), 2)
    st.session_state["stage"] = STAGES[0]


def _reset() -> None:
    for k, v in DEFAULTS.items():
        st.session_state[k] = v
    st.session_state["eta"] = 0.5
    st.session_state["act"] = "sigmoid"
    st.session_state["stage"] = STAGES[0]


def _move(delta: int) -> None:
    i = STAGES.index(st.session_state.get("stage", STAGES[0]))
    st.session_state["stage"] = STAGES[max(0, min(len(STAGES) - 1, i + delta))]


def _apply_step(trace: Trace) -> None:
    """Take the new weights as the current ones (clipped to the inputs' bounds) and start over."""
    new = trace.new
    values = [*new.W_h[0], *new.W_h[1], *new.b_h, *new.w_o, new.b_o]
    order = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "bo")
    for k, v in zip(order, values, strict=True):
        st.session_state[k] = float(np.clip(float(f"{v:.6g}"), -LIMIT, LIMIT))
    st.session_state["stage"] = STAGES[1]
    st.session_state["bp_applied"] = (trace.loss, trace.new_loss)


def stepper(trace: Trace | None) -> int:
    """Back / next buttons and a stage slider; returns the stage's index."""
    c1, c2, c3, c4 = st.columns([1.4, 1.4, 5, 2])  # room for "◀ Back" at slide size
    stage = STAGES.index(st.session_state["stage"])
    first, last = stage == 0, stage == len(STAGES) - 1
    c1.button("◀ Back", key="bp_back", on_click=_move, args=(-1,), width="stretch", disabled=first)
    c2.button("Next ▶", key="bp_next", on_click=_move, args=(1,), width="stretch", disabled=last)
    c3.select_slider("Stage", STAGES, key="stage", label_visibility="collapsed")
    if trace is not None and stage == len(STAGES) - 1:
        c4.button(
            "Apply the step ↻",
            key="bp_apply",
            on_click=_apply_step,
            args=(trace,),
            help="Use the new weights and run the forward pass again.",
            width="stretch",
        )
    applied = st.session_state.pop("bp_applied", None)
    if applied:
        st.success(f"Step applied. Loss on this example: {num(applied[0])} → {num(applied[1])}.")
    return stage


def current_trace() -> Trace:
    """Run the forward pass, backward pass and update on the settings in the session.

    Raises ValueError (shown by the page) if a number is out of bounds.
    """
    ss = st.session_state
    net = Net221.of(
        [[ss["w11"], ss["w12"]], [ss["w21"], ss["w22"]]],
        [ss["b1"], ss["b2"]],
        [ss["v1"], ss["v2"]],
        ss["bo"],
    )
    return backprop([ss["x1"], ss["x2"]], ss["y"], net, eta=float(ss["eta"]), activation=ss["act"])


def record_facts(t: Trace) -> None:
    """The scene's facts: ``backprop.loss_falls`` (does one step lower this example's
    loss?) and ``backprop.larger_gradients`` (which layer's weights get the largest
    gradient in size: the output weights v or the hidden weights w)."""
    facts.record("backprop.loss_falls", facts.yes_no(t.new_loss < t.loss))
    out = float(np.max(np.abs(t.dw_o)))
    hidden = float(np.max(np.abs(t.dW_h)))
    facts.record(
        "backprop.larger_gradients", "output weights v" if out >= hidden else "hidden weights w"
    )


def figure(trace: Trace, stage: int, slide: bool) -> go.Figure:
    """The network with the numbers of ``stage`` written on it (shared by every session:
    the trace is a function of the example, the weights, η and f in the session)."""
    ss = st.session_state
    inputs = [float(ss[k]) for k in (*DEFAULTS, "eta")] + [str(ss["act"])]
    key = repr(("backprop", inputs, int(stage), slide))
    return shared_figure(key, lambda: network_figure(trace, stage, slide=slide))


def _n(v: float) -> str:
    """A number for LaTeX, in brackets when negative."""
    text = num(v).replace("−", "-")
    if "e" in text:
        mant, exp = text.split("e")
        text = rf"{mant}\times 10^{{{int(exp)}}}"
    return f"({text})" if float(v) < 0 else text


def explain(t: Trace, stage: int) -> None:
    """The arithmetic of the current stage, with the trace's numbers put in."""
    f = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\operatorname{ReLU}", "linear": "f"}[
        t.activation
    ]
    if stage == 0:
        st.markdown(
            "One example (x₁, x₂) with its target y, and the nine weights of a 2-2-1 network. "
            "Press **Next ▶** to push the example through the network."
        )
    elif stage == 1:
        for j in range(2):
            st.latex(
                rf"Z_{{h{j + 1}}} = w_{{1{j + 1}}}x_1 + w_{{2{j + 1}}}x_2 + b_{j + 1}"
                rf" = {_n(t.net.W_h[0, j])}\cdot{_n(t.x[0])} + {_n(t.net.W_h[1, j])}\cdot"
                rf"{_n(t.x[1])} + {_n(t.net.b_h[j])} = {_n(t.z_h[j])},\quad "
                rf"H_{j + 1} = {f}(Z_{{h{j + 1}}}) = {_n(t.h[j])}"
            )
    elif stage == 2:
        st.latex(
            rf"Z_o = v_1H_1 + v_2H_2 + b_o = {_n(t.net.w_o[0])}\cdot{_n(t.h[0])} + "
            rf"{_n(t.net.w_o[1])}\cdot{_n(t.h[1])} + {_n(t.net.b_o)} = {_n(t.z_o)},\quad "
            rf"O = {f}(Z_o) = {_n(t.o)}"
        )
    elif stage == 3:
        st.latex(rf"L = \tfrac12(O - y)^2 = \tfrac12({_n(t.o)} - {_n(t.y)})^2 = {_n(t.loss)}")
        st.caption(
            "The loss is ½(O − y)², the squared error with a ½ in front so that its derivative "
            "with respect to O is simply O − y."
        )
    elif stage == 4:
        st.latex(
            rf"E_o = \frac{{\partial L}}{{\partial Z_o}} = (O - y)\cdot f'(Z_o) = "
            rf"({_n(t.o)} - {_n(t.y)})\cdot {_n(_df(t, t.z_o))} = {_n(t.e_o)}"
        )
        st.latex(rf"f'(Z) = {DERIVATIVE[t.activation]}")
    elif stage == 5:
        for j in range(2):
            st.latex(
                rf"E_{{h{j + 1}}} = E_o\cdot v_{j + 1}\cdot f'(Z_{{h{j + 1}}}) = {_n(t.e_o)}"
                rf"\cdot{_n(t.net.w_o[j])}\cdot{_n(_df(t, t.z_h[j]))} = {_n(t.e_h[j])}"
            )
        st.caption("Each hidden unit gets its share of the output error through its weight v_j.")
    elif stage == 6:
        st.latex(
            r"\frac{\partial L}{\partial v_j} = E_o H_j,\quad"
            r"\frac{\partial L}{\partial b_o} = E_o,\quad"
            r"\frac{\partial L}{\partial w_{ij}} = E_{hj}\,x_i,\quad"
            r"\frac{\partial L}{\partial b_j} = E_{hj}"
        )
        st.caption(
            "A weight's gradient is the error at the unit it feeds times the value that "
            "travels along it. The numbers are on the picture, in orange."
        )
        _autodiff_check(t)
    else:
        st.latex(
            rf"w \leftarrow w - \eta\,\frac{{\partial L}}{{\partial w}},\qquad \eta = {_n(t.eta)}"
        )
        table(update_table(t), width="content")
        if t.eta == 0:
            st.info("η = 0: the gradients are computed but the weights do not move.")


def _df(t: Trace, z: float) -> float:
    return float(df_np(z, t.activation))


def _autodiff_check(t: Trace) -> None:
    """jax.grad of the same loss, compared with the hand-made gradients."""
    try:
        g = jax_gradients(t.x, t.y, t.net, t.activation)
    except Exception as err:  # a check must never break the page
        st.caption(f"(jax.grad check unavailable: {err})")
        return
    ours = np.concatenate([t.dW_h.ravel(), t.db_h, t.dw_o, [t.db_o]])
    theirs = np.concatenate([g.W_h.ravel(), g.b_h, g.w_o, [g.b_o]])
    scale = max(1.0, float(np.abs(ours).max()))
    gap = float(np.abs(ours - theirs).max()) / scale
    st.caption(
        f"Check: `jax.grad` of the same loss gives the same nine gradients "
        f"(largest difference {gap:.1e}, relative; JAX works in float32)."
    )


def update_table(t: Trace) -> pd.DataFrame:
    """Old weight, gradient and new weight of all nine parameters."""
    names = ["w₁₁", "w₁₂", "w₂₁", "w₂₂", "b₁", "b₂", "v₁", "v₂", "b_o"]
    old = [*t.net.W_h.ravel(), *t.net.b_h, *t.net.w_o, t.net.b_o]
    grad = [*t.dW_h.ravel(), *t.db_h, *t.dw_o, t.db_o]
    new = [*t.new.W_h.ravel(), *t.new.b_h, *t.new.w_o, t.new.b_o]
    return pd.DataFrame(
        {
            "weight": names,
            "before": [num(v) for v in old],
            "∂L/∂w": [num(v) for v in grad],
            "after": [num(v) for v in new],
        }
    )
