"""A ninth optimizer, written the way ``optiviz/engine/optimizers/*.py`` write theirs:
Keras 3's Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms").
``tests/engine/test_new_optimizer.py`` registers it in a fresh process and checks that every
part of optiviz picks it up with no other edit."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from optiviz.engine.optimizers.spec import (
    BETA_1,
    HP,
    Array,
    HParam,
    Optimizer,
    Step,
    lr_knob,
    race_lr_adaptive,
)
from optiviz.engine.optimizers.spec import tex_number as n
from optiviz.engine.optimizers.spec import tex_vector as v


class LionState(NamedTuple):
    """``m``: the momentum (Keras ``momentums``)."""

    m: Array
    t: Array


def lion_init(params: Array, hp: HP) -> LionState:
    return LionState(jnp.zeros_like(params), jnp.zeros((), jnp.int32))


def lion_update(g: Array, state: LionState, params: Array, hp: HP) -> tuple[Array, LionState]:
    r"""θ ← θ − η sign(β₁m + (1−β₁)g);  m ← β₂m + (1−β₂)g  (Keras ``Lion``)."""
    b1, b2 = hp["beta_1"], hp["beta_2"]
    direction = jnp.sign(state.m * b1 + g * (1.0 - b1))
    m = state.m * b2 + g * (1.0 - b2)
    return params - hp["learning_rate"] * direction, LionState(m, state.t + 1)


def step_lines(s: Step) -> list[str]:
    b1, b2, lr = s.hp["beta_1"], s.hp["beta_2"], s.hp["learning_rate"]
    return [
        rf"\theta \leftarrow \theta - {n(lr)}\,\mathrm{{sign}}({n(b1)}\,{v(s.m_prev)}"
        rf" + {n(1 - b1)}\,\nabla J) = {v(s.new)}",
        rf"\mathbf{{m}} \leftarrow {n(b2)}\,{v(s.m_prev)} + {n(1 - b2)}\,\nabla J = {v(s.m)}",
    ]


SPEC = Optimizer(
    name="lion",
    display="Lion",
    hparams=(
        lr_knob(0.001),
        BETA_1,
        HParam("beta_2", 0.99, 0.99, 0.0, 0.9999, help="β₂: decay rate of the momentum kept."),
    ),
    init=lion_init,
    update=lion_update,
    moments=lambda st: (st.m, None),
    latex=r"\theta \leftarrow \theta - \eta\,\mathrm{sign}(\beta_1\mathbf{m} + (1-\beta_1)\nabla J)"
    r"\\ \mathbf{m} \leftarrow \beta_2\mathbf{m} + (1-\beta_2)\nabla J",
    step_latex=step_lines,
    keras_class="Lion",
    race_lr=race_lr_adaptive(0.02),
    playground_lr=0.01,
    sweep_param="beta_1",
    summary="Steps of exactly η per coordinate, in the direction of a blend of momentum "
    "and gradient.",
)
