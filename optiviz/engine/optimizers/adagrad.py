"""AdaGrad (Keras ``Adagrad``): per-coordinate steps that shrink with every
squared gradient seen."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from .spec import EPS, HP, Array, HParam, Optimizer, Step, lr_knob, race_lr_adaptive
from .spec import tex_number as n
from .spec import tex_vector as v


class AdagradState(NamedTuple):
    """``s`` accumulates squared gradients (Keras: ``accumulators``, start 0.1)."""

    s: Array
    t: Array


def adagrad_init(params: Array, hp: HP) -> AdagradState:
    return AdagradState(
        jnp.full_like(params, hp["initial_accumulator_value"]), jnp.zeros((), jnp.int32)
    )


def adagrad_update(
    g: Array, state: AdagradState, params: Array, hp: HP
) -> tuple[Array, AdagradState]:
    r"""s ← s + g⊗g;  θ ← θ − η g ⊘ √(s + ε)."""
    s = state.s + jnp.square(g)
    step = (hp["learning_rate"] * g) / jnp.sqrt(s + hp["epsilon"])
    return params - step, AdagradState(s, state.t + 1)


def step_lines(s: Step) -> list[str]:
    lr, eps = s.hp["learning_rate"], s.hp["epsilon"]
    return [
        rf"\mathbf{{s}} \leftarrow {v(s.s_prev)} + \nabla J\otimes\nabla J = {v(s.s)}",
        rf"\theta \leftarrow \theta - {n(lr)}\,\nabla J \oslash "
        rf"\sqrt{{\mathbf{{s}} + {n(eps)}}} = {v(s.new)}",
    ]


SPEC = Optimizer(
    name="adagrad",
    display="AdaGrad",
    hparams=(
        lr_knob(0.001),
        HParam(
            "initial_accumulator_value",
            0.1,
            0.1,
            0.0,
            10.0,
            help="Starting value of s. Keras starts at 0.1, which damps the very first steps.",
        ),
        EPS,
    ),
    init=adagrad_init,
    update=adagrad_update,
    moments=lambda st: (None, st.s),
    latex=r"\mathbf{s} \leftarrow \mathbf{s} + \nabla_\theta J(\theta)\otimes\nabla_\theta J(\theta)"
    r"\\ \theta \leftarrow \theta - \eta\,\nabla_\theta J(\theta) \oslash \sqrt{\mathbf{s}+\epsilon}",
    keras_class="Adagrad",
    step_latex=step_lines,
    race_lr=race_lr_adaptive(0.25),
    playground_lr=0.1,
    sweep_param="initial_accumulator_value",
    keras_note="Keras starts the accumulator s at initial_accumulator_value = 0.1, not 0.",
    summary="Per-coordinate step sizes that shrink with every squared gradient seen.",
)
