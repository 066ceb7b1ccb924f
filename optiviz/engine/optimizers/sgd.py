"""Plain gradient descent (Keras ``SGD(momentum=0)``)."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from .spec import HP, Array, Optimizer, Step, lr_knob, none_moments, race_lr_gradient
from .spec import tex_number as n
from .spec import tex_vector as v


class SGDState(NamedTuple):
    """Plain gradient descent keeps no state besides the step counter."""

    t: Array


def sgd_init(params: Array, hp: HP) -> SGDState:
    return SGDState(jnp.zeros((), jnp.int32))


def sgd_update(g: Array, state: SGDState, params: Array, hp: HP) -> tuple[Array, SGDState]:
    r"""θ ← θ − η ∇J(θ)  (Keras ``SGD(momentum=0)``)."""
    return params - g * hp["learning_rate"], SGDState(state.t + 1)


def step_lines(s: Step) -> list[str]:
    lr = s.hp["learning_rate"]
    return [rf"\theta \leftarrow \theta - {n(lr)}\,\nabla J = {v(s.new)}"]


SPEC = Optimizer(
    name="sgd",
    display="GD",
    hparams=(lr_knob(0.01),),
    init=sgd_init,
    update=sgd_update,
    moments=none_moments,
    latex=r"\theta \leftarrow \theta - \eta\,\nabla_\theta J(\theta)",
    keras_class="SGD",
    step_latex=step_lines,
    race_lr=race_lr_gradient,
    playground_lr=0.3,
    summary="Plain gradient descent: step straight downhill, size η·|gradient|.",
)
