"""RMSProp (Keras ``RMSprop``): AdaGrad with a fading memory."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

from .spec import EPS, HP, Array, HParam, Optimizer, Step, lr_knob, race_lr_adaptive
from .spec import tex_number as n
from .spec import tex_vector as v


class RMSpropState(NamedTuple):
    """``s``: decaying mean of g² (Keras ``velocities``); ``mom``: Keras's optional
    momentum buffer; ``mg``: decaying mean of g for ``centered=True``."""

    s: Array
    mom: Array
    mg: Array
    t: Array


def rmsprop_init(params: Array, hp: HP) -> RMSpropState:
    z = jnp.zeros_like(params)
    return RMSpropState(z, z, z, jnp.zeros((), jnp.int32))


def rmsprop_update(
    g: Array, state: RMSpropState, params: Array, hp: HP
) -> tuple[Array, RMSpropState]:
    r"""s ← ρs + (1−ρ) g⊗g;  θ ← θ − η g ⊘ √(s + ε).

    Keras extras, off by default: ``centered`` subtracts the squared running
    mean of g from s; ``momentum`` > 0 accumulates the increments first.
    """
    rho, lr, eps = hp["rho"], hp["learning_rate"], hp["epsilon"]
    one_minus_rho = hp["one_minus_rho"]  # 1 − ρ, formed in double precision as Keras does
    s = rho * state.s + one_minus_rho * jnp.square(g)
    mg = rho * state.mg + one_minus_rho * g
    centered = hp["centered"] > 0.5
    denominator = jnp.where(centered, s - jnp.square(mg) + eps, s + eps)
    increment = (lr * g) / jnp.sqrt(denominator)
    mom = hp["momentum"] * state.mom + increment
    use_momentum = hp["momentum"] > 0
    step = jnp.where(use_momentum, mom, increment)
    return params - step, RMSpropState(
        s, jnp.where(use_momentum, mom, state.mom), jnp.where(centered, mg, state.mg), state.t + 1
    )


def step_lines(s: Step) -> list[str]:
    rho, lr, eps = s.hp["rho"], s.hp["learning_rate"], s.hp["epsilon"]
    return [
        rf"\mathbf{{s}} \leftarrow {n(rho)}\,{v(s.s_prev)} + {n(1 - rho)}\,\nabla J\otimes"
        rf"\nabla J = {v(s.s)}",
        rf"\theta \leftarrow \theta - {n(lr)}\,\nabla J \oslash "
        rf"\sqrt{{\mathbf{{s}} + {n(eps)}}} = {v(s.new)}",
    ]


SPEC = Optimizer(
    name="rmsprop",
    display="RMSProp",
    hparams=(
        lr_knob(0.001),
        HParam(
            "rho",
            0.9,
            0.9,
            0.0,
            0.9999,
            help="ρ (the slide's β): decay rate of the running mean of squared gradients.",
        ),
        HParam(
            "momentum",
            0.0,
            0.0,
            0.0,
            0.999,
            help="Keras's optional momentum on top of RMSProp's scaled steps (0 = off).",
        ),
        EPS,
        HParam(
            "centered",
            0.0,
            0.0,
            0.0,
            1.0,
            boolean=True,
            help="Divide by an estimate of the gradient's variance instead of its raw "
            "second moment.",
        ),
    ),
    init=rmsprop_init,
    update=rmsprop_update,
    moments=lambda st: (None, st.s),
    latex=r"\mathbf{s} \leftarrow \beta\mathbf{s} + (1-\beta)\,\nabla_\theta J(\theta)\otimes\nabla_\theta J(\theta)"
    r"\\ \theta \leftarrow \theta - \eta\,\nabla_\theta J(\theta) \oslash \sqrt{\mathbf{s}+\epsilon}",
    keras_class="RMSprop",
    step_latex=step_lines,
    race_lr=race_lr_adaptive(0.02),
    playground_lr=0.01,
    sweep_param="rho",
    derived=(("one_minus_rho", lambda h: 1 - h["rho"]),),
    keras_note="Keras names the decay rate rho (the slide's β).",
    summary="AdaGrad with a memory that fades: only recent squared gradients count.",
)
