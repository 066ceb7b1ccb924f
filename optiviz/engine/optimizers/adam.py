"""Adam (Keras ``Adam``): momentum and RMSProp together, bias-corrected."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from .spec import (
    BETA_1,
    BETA_2,
    EPS,
    HP,
    ONE_MINUS_BETAS,
    Array,
    HParam,
    Optimizer,
    Step,
    lr_knob,
    power,
    race_lr_adaptive,
)
from .spec import tex_number as n
from .spec import tex_vector as v


class AdamState(NamedTuple):
    """``m``: first moment (Keras ``momentums``); ``s``: second moment
    (Keras ``velocities``); ``s_max``: running max of s for ``amsgrad``."""

    m: Array
    s: Array
    s_max: Array
    t: Array


def adam_init(params: Array, hp: HP) -> AdamState:
    z = jnp.zeros_like(params)
    return AdamState(z, z, z, jnp.zeros((), jnp.int32))


def adam_update(g: Array, state: AdamState, params: Array, hp: HP) -> tuple[Array, AdamState]:
    r"""Keras folds both bias corrections into the step size:

    α_t = η √(1−β₂ᵗ) / (1−β₁ᵗ);  m ← m + (g−m)(1−β₁);  s ← s + (g²−s)(1−β₂);
    θ ← θ − α_t m ⊘ (√s + ε).
    """
    b1, b2 = hp["beta_1"], hp["beta_2"]
    t = state.t + 1
    tf = t.astype(params.dtype)
    alpha = hp["learning_rate"] * jnp.sqrt(1 - power(b2, tf)) / (1 - power(b1, tf))
    # 1 − β₁ and 1 − β₂ are formed in double precision before rounding, as Keras does
    m = state.m + (g - state.m) * hp["one_minus_beta_1"]
    s = state.s + (jnp.square(g) - state.s) * hp["one_minus_beta_2"]
    s_max = jnp.maximum(state.s_max, s)
    s_used = jnp.where(hp["amsgrad"] > 0.5, s_max, s)
    new = params - (m * alpha) / (jnp.sqrt(s_used) + hp["epsilon"])
    return new, AdamState(m, s, s_max, t)


def moment_lines(s: Step) -> list[str]:
    """m and s as Keras updates them (shared with Nadam)."""
    b1, b2 = s.hp["beta_1"], s.hp["beta_2"]
    return [
        rf"\mathbf{{m}} \leftarrow {v(s.m_prev)} + (\nabla J - \mathbf{{m}})\,{n(1 - b1)}"
        rf" = {v(s.m)}",
        rf"\mathbf{{s}} \leftarrow {v(s.s_prev)} + (\nabla J\otimes\nabla J - \mathbf{{s}})"
        rf"\,{n(1 - b2)} = {v(s.s)}",
    ]


def step_lines(s: Step) -> list[str]:
    b1, b2, lr, t = s.hp["beta_1"], s.hp["beta_2"], s.hp["learning_rate"], s.t
    alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
    return [
        *moment_lines(s),
        rf"\eta_t = {n(lr)}\,\frac{{\sqrt{{1-{n(b2)}^{{{t}}}}}}}{{1-{n(b1)}^{{{t}}}}}"
        rf" = {n(alpha)}",
        rf"\theta \leftarrow \theta - \eta_t\,\mathbf{{m}} \oslash "
        rf"(\sqrt{{\mathbf{{s}}}} + \epsilon) = {v(s.new)}",
    ]


SPEC = Optimizer(
    name="adam",
    display="Adam",
    hparams=(
        lr_knob(0.001),
        BETA_1,
        BETA_2,
        EPS,
        HParam(
            "amsgrad",
            0.0,
            0.0,
            0.0,
            1.0,
            boolean=True,
            help="Use the largest s seen so far, so the step size never grows back.",
        ),
    ),
    init=adam_init,
    update=adam_update,
    moments=lambda st: (st.m, st.s),
    latex=r"\mathbf{m} \leftarrow \beta_1\mathbf{m} - (1-\beta_1)\,\nabla_\theta J(\theta)"
    r"\\ \mathbf{s} \leftarrow \beta_2\mathbf{s} + (1-\beta_2)\,\nabla_\theta J(\theta)\otimes\nabla_\theta J(\theta)"
    r"\\ \hat{\mathbf{m}} \leftarrow \frac{\mathbf{m}}{1-\beta_1^{\,t}}"
    r"\\ \hat{\mathbf{s}} \leftarrow \frac{\mathbf{s}}{1-\beta_2^{\,t}}"
    r"\\ \theta \leftarrow \theta + \eta\,\hat{\mathbf{m}} \oslash \sqrt{\hat{\mathbf{s}}+\epsilon}",
    keras_class="Adam",
    step_latex=step_lines,
    race_lr=race_lr_adaptive(0.02),
    playground_lr=0.02,
    sweep_param="beta_1",
    derived=ONE_MINUS_BETAS,
    keras_note=(
        "Keras keeps m as a mean of +g (the slide stores −g), folds both bias "
        r"corrections into the step size η·√(1−β₂ᵗ)/(1−β₁ᵗ), and adds ε outside the "
        "square root of the uncorrected s: θ ← θ − η_t m ⊘ (√s + ε)."
    ),
    summary="Momentum and RMSProp together, with both running means bias-corrected.",
)
