"""AdaMax (Keras ``Adamax``): Adam with a decaying maximum of |g| in place of s."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from .adam import moment_lines
from .spec import (
    BETA_1,
    BETA_2,
    EPS,
    HP,
    ONE_MINUS_BETAS,
    Array,
    Optimizer,
    Step,
    lr_knob,
    power,
    race_lr_adaptive,
)
from .spec import tex_number as n
from .spec import tex_vector as v


class AdamaxState(NamedTuple):
    """``m``: first moment; ``u``: exponentially weighted infinity norm (Keras ``norm``)."""

    m: Array
    u: Array
    t: Array


def adamax_init(params: Array, hp: HP) -> AdamaxState:
    z = jnp.zeros_like(params)
    return AdamaxState(z, z, jnp.zeros((), jnp.int32))


def adamax_update(g: Array, state: AdamaxState, params: Array, hp: HP) -> tuple[Array, AdamaxState]:
    r"""m ← m + (g−m)(1−β₁);  u ← max(β₂u, |g|);  θ ← θ − η m / ((1−β₁ᵗ)(u + ε))."""
    b1 = hp["beta_1"]
    t = state.t + 1
    b1_power = power(b1, t.astype(params.dtype))
    m = state.m + (g - state.m) * hp["one_minus_beta_1"]  # 1 − β₁ formed in double, as Keras
    u = jnp.maximum(hp["beta_2"] * state.u, jnp.abs(g))
    new = params - (hp["learning_rate"] * m) / ((1 - b1_power) * (u + hp["epsilon"]))
    return new, AdamaxState(m, u, t)


def step_lines(s: Step) -> list[str]:
    b1, b2, lr, t = s.hp["beta_1"], s.hp["beta_2"], s.hp["learning_rate"], s.t
    return [
        moment_lines(s)[0],  # m as Adam updates it
        rf"\mathbf{{u}} \leftarrow \max({n(b2)}\,\mathbf{{u}},\ |\nabla J|) = {v(s.s)}",
        rf"\theta \leftarrow \theta - \frac{{{n(lr)}}}{{1-{n(b1)}^{{{t}}}}}\,"
        rf"\mathbf{{m}} \oslash (\mathbf{{u}} + \epsilon) = {v(s.new)}",
    ]


SPEC = Optimizer(
    name="adamax",
    display="AdaMax",
    hparams=(lr_knob(0.001), BETA_1, BETA_2, EPS),
    init=adamax_init,
    update=adamax_update,
    moments=lambda st: (st.m, st.u),
    latex=r"\mathbf{m} \leftarrow \beta_1\mathbf{m} + (1-\beta_1)\,\nabla_\theta J(\theta)"
    r"\\ \mathbf{u} \leftarrow \max\!\left(\beta_2\mathbf{u},\ |\nabla_\theta J(\theta)|\right)"
    r"\\ \theta \leftarrow \theta - \frac{\eta}{1-\beta_1^{\,t}}\;\mathbf{m} \oslash (\mathbf{u}+\epsilon)",
    keras_class="Adamax",
    step_latex=step_lines,
    race_lr=race_lr_adaptive(0.02),
    playground_lr=0.04,
    sweep_param="beta_1",
    derived=ONE_MINUS_BETAS[:1],
    summary="Adam with the infinity norm: s is replaced by a decaying maximum of |g|.",
)
