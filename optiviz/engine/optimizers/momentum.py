"""Momentum and Nesterov momentum (Keras ``SGD(momentum=β[, nesterov=True])``):
one state, two rules."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from .spec import HP, MOMENTUM, Array, Optimizer, Step, lr_knob, race_lr_gradient
from .spec import tex_number as n
from .spec import tex_vector as v


class MomentumState(NamedTuple):
    """``m`` is the momentum vector (Keras: ``momentums``); it already holds −η·g terms."""

    m: Array
    t: Array


def momentum_init(params: Array, hp: HP) -> MomentumState:
    return MomentumState(jnp.zeros_like(params), jnp.zeros((), jnp.int32))


def momentum_update(
    g: Array, state: MomentumState, params: Array, hp: HP
) -> tuple[Array, MomentumState]:
    r"""m ← βm − η∇J(θ);  θ ← θ + m  (Keras ``SGD(momentum=β)``)."""
    m = state.m * hp["momentum"] - g * hp["learning_rate"]
    return params + m, MomentumState(m, state.t + 1)


def nesterov_update(
    g: Array, state: MomentumState, params: Array, hp: HP
) -> tuple[Array, MomentumState]:
    r"""Keras ``SGD(momentum=β, nesterov=True)``.

    The slide evaluates the gradient ahead, at φ + βm. Keras stores the
    look-ahead point itself, θ = φ + βm, so the gradient it receives is already
    the look-ahead gradient and the rule becomes
    m ← βm − η∇J(θ);  θ ← θ + βm − η∇J(θ).
    """
    beta, lr = hp["momentum"], hp["learning_rate"]
    m = state.m * beta - g * lr
    return params + (m * beta - g * lr), MomentumState(m, state.t + 1)


def _velocity(s: Step) -> str:
    beta, lr = s.hp["momentum"], s.hp["learning_rate"]
    return rf"\mathbf{{m}} \leftarrow {n(beta)}\,{v(s.m_prev)} - {n(lr)}\,{v(s.grad)} = {v(s.m)}"


def step_lines(s: Step) -> list[str]:
    return [_velocity(s), rf"\theta \leftarrow \theta + \mathbf{{m}} = {v(s.new)}"]


def nesterov_step_lines(s: Step) -> list[str]:
    beta, lr = s.hp["momentum"], s.hp["learning_rate"]
    move = rf"\theta + {n(beta)}\,\mathbf{{m}} - {n(lr)}\,\nabla J"
    return [_velocity(s), rf"\theta \leftarrow {move} = {v(s.new)}"]


SPEC = Optimizer(
    name="momentum",
    display="Momentum",
    hparams=(lr_knob(0.01), MOMENTUM),
    init=momentum_init,
    update=momentum_update,
    moments=lambda st: (st.m, None),
    latex=r"\mathbf{m} \leftarrow \beta\mathbf{m} - \eta\,\nabla_\theta J(\theta)"
    r"\\ \theta \leftarrow \theta + \mathbf{m}",
    keras_class="SGD",
    step_latex=step_lines,
    race_lr=race_lr_gradient,
    playground_lr=0.1,
    sweep_param="momentum",
    summary="A heavy ball: the gradient accelerates a velocity m, and m moves θ.",
)


NESTEROV = Optimizer(
    name="nesterov",
    display="Nesterov",
    hparams=(lr_knob(0.01), MOMENTUM),
    init=momentum_init,
    update=nesterov_update,
    moments=lambda st: (st.m, None),
    latex=r"\mathbf{m} \leftarrow \beta\mathbf{m} - \eta\,\nabla_\theta J(\theta + \beta\mathbf{m})"
    r"\\ \theta \leftarrow \theta + \mathbf{m}",
    keras_class="SGD",
    step_latex=nesterov_step_lines,
    race_lr=race_lr_gradient,
    playground_lr=0.1,
    sweep_param="momentum",
    keras_fixed=(("nesterov", True),),
    keras_note=(
        "Keras never evaluates the gradient at a second point: the variable it stores "
        "is already the look-ahead point θ + βm, so it applies "
        r"m ← βm − η∇J, then θ ← θ + βm − η∇J. The trajectory shown is that stored "
        "variable, exactly as Keras reports it."
    ),
    summary="Momentum that looks before it leaps: the gradient is taken where the "
    "velocity is about to carry θ.",
)
