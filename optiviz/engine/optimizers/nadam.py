"""Nadam (Keras ``Nadam``): Adam with Nesterov's look-ahead on the first moment."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from .adam import moment_lines
from .spec import BETA_1, BETA_2, EPS, HP, Array, Optimizer, Step, lr_knob, power, race_lr_adaptive
from .spec import tex_number as n
from .spec import tex_vector as v


class NadamState(NamedTuple):
    """Adam's moments plus ``u_product`` = Π μ_k, the product of the momentum
    schedule μ_k = β₁(1 − ½·0.96ᵏ) (Keras ``_u_product``)."""

    m: Array
    s: Array
    u_product: Array
    t: Array


def nadam_init(params: Array, hp: HP) -> NadamState:
    z = jnp.zeros_like(params)
    return NadamState(z, z, jnp.ones((), params.dtype), jnp.zeros((), jnp.int32))


def nadam_update(g: Array, state: NadamState, params: Array, hp: HP) -> tuple[Array, NadamState]:
    r"""Adam with a Nesterov look-ahead on the first moment (Dozat 2016, Keras form).

    μ_t = β₁(1 − ½·0.96ᵗ);  m̂ = μ_{t+1} m / (1 − Π_{k≤t+1} μ_k) + (1−μ_t) g / (1 − Π_{k≤t} μ_k);
    ŝ = s / (1−β₂ᵗ);  θ ← θ − η m̂ ⊘ (√ŝ + ε).
    """
    b1, b2 = hp["beta_1"], hp["beta_2"]
    t = state.t + 1
    dtype = params.dtype
    local_step = t.astype(dtype)
    next_step = (t + 1).astype(dtype)
    decay = jnp.asarray(0.96, dtype)
    u_product = state.u_product * b1 * (1.0 - 0.5 * power(decay, local_step))
    u_t = b1 * (1.0 - 0.5 * power(decay, local_step))
    u_t_1 = b1 * (1.0 - 0.5 * power(decay, next_step))
    u_product_t_1 = u_product * u_t_1
    m = state.m + (g - state.m) * (1 - b1)
    s = state.s + (jnp.square(g) - state.s) * (1 - b2)
    m_hat = (u_t_1 * m) / (1 - u_product_t_1) + ((1 - u_t) * g) / (1 - u_product)
    s_hat = s / (1 - power(b2, local_step))
    new = params - (m_hat * hp["learning_rate"]) / (jnp.sqrt(s_hat) + hp["epsilon"])
    return new, NadamState(m, s, u_product, t)


def step_lines(s: Step) -> list[str]:
    b2, lr, t = s.hp["beta_2"], s.hp["learning_rate"], s.t
    s_hat = np.asarray(s.s) / (1 - b2**t)
    return [
        *moment_lines(s),
        rf"\hat{{\mathbf{{s}}}} = \frac{{\mathbf{{s}}}}{{1-{n(b2)}^{{{t}}}}} = {v(s_hat)}",
        rf"\theta \leftarrow \theta - {n(lr)}\,\hat{{\mathbf{{m}}}} \oslash "
        rf"(\sqrt{{\hat{{\mathbf{{s}}}}}} + \epsilon) = {v(s.new)}",
    ]


SPEC = Optimizer(
    name="nadam",
    display="Nadam",
    hparams=(lr_knob(0.001), BETA_1, BETA_2, EPS),
    init=nadam_init,
    update=nadam_update,
    moments=lambda st: (st.m, st.s),
    latex=r"\mu_t = \beta_1\left(1-\tfrac12\,0.96^{\,t}\right)"
    r"\\ \mathbf{m} \leftarrow \beta_1\mathbf{m} + (1-\beta_1)\,\nabla_\theta J,"
    r"\quad \mathbf{s} \leftarrow \beta_2\mathbf{s} + (1-\beta_2)\,\nabla_\theta J\otimes\nabla_\theta J,"
    r"\quad \hat{\mathbf{s}} = \frac{\mathbf{s}}{1-\beta_2^{\,t}}"
    r"\\ \hat{\mathbf{m}} = \frac{\mu_{t+1}\,\mathbf{m}}{1-\prod_{k\le t+1}\mu_k}"
    r" + \frac{(1-\mu_t)\,\nabla_\theta J(\theta)}{1-\prod_{k\le t}\mu_k}"
    r"\\ \theta \leftarrow \theta - \eta\,\hat{\mathbf{m}} \oslash \left(\sqrt{\hat{\mathbf{s}}}+\epsilon\right)",
    keras_class="Nadam",
    step_latex=step_lines,
    race_lr=race_lr_adaptive(0.02),
    playground_lr=0.02,
    sweep_param="beta_1",
    keras_note="Keras uses Dozat's momentum schedule μ_t = β₁(1 − ½·0.96ᵗ); "
    "optax's nadam does not, so the two differ.",
    summary="Adam with Nesterov's look-ahead applied to the first moment.",
)
