"""Activation functions as Keras 3 defines them, each with its derivative.

An activation is applied elementwise to a layer's weighted sums ``z = xW + b``.
Every entry here is the function Keras 3 runs for ``Dense(..., activation=name)``
on the JAX backend (``keras/src/activations/activations.py``), so a network built
from these gives Keras's numbers. Two take a parameter: ``leaky_relu`` its
``negative_slope`` (Keras's activation default 0.2, the course's value; note the
*layer* ``keras.layers.LeakyReLU`` defaults to 0.3) and ``elu`` its ``alpha``.

Each activation also says how it fails, which the gradients pages measure:

* ``saturating`` (sigmoid, tanh): for large |z| the derivative is almost 0, so
  gradients passing through many such layers shrink (vanishing gradients);
* ``relu`` family: a unit whose z is negative for every input outputs 0 and gets
  no gradient through the ReLU ("dead"); leaky ReLU and ELU keep a small slope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Array = Any


@dataclass(frozen=True)
class Activation:
    """One activation: the function, its knob, its failure mode and its formula."""

    name: str
    display: str
    fn: Callable[[Array, Array], Array]  # (z, param) -> a; param ignored when unused
    latex: str
    family: str  # "linear", "saturating", "relu" or "smooth"
    param: str | None = None  # Keras keyword of the knob, if any
    param_default: float = 0.0
    param_range: tuple[float, float] = (0.0, 0.0)
    summary: str = ""
    #: output range, for plots and histograms (None where unbounded)
    bounds: tuple[float | None, float | None] = (None, None)

    def __call__(self, z: Array, param: Array | float | None = None) -> Array:
        return self.fn(z, self.param_default if param is None else param)


def _sigmoid(z: Array, p: Array) -> Array:
    return jax.nn.sigmoid(z)


def _tanh(z: Array, p: Array) -> Array:
    return jnp.tanh(z)


def _relu(z: Array, p: Array) -> Array:
    return jax.nn.relu(z)


def _leaky(z: Array, p: Array) -> Array:
    return jnp.where(z >= 0, z, p * z)


def _elu(z: Array, p: Array) -> Array:
    return jnp.where(z > 0, z, p * jnp.expm1(jnp.where(z > 0, 0.0, z)))


def _selu(z: Array, p: Array) -> Array:
    return jax.nn.selu(z)


def _softplus(z: Array, p: Array) -> Array:
    return jax.nn.softplus(z)


def _gelu(z: Array, p: Array) -> Array:
    return jax.nn.gelu(z, approximate=False)


def _swish(z: Array, p: Array) -> Array:
    return jax.nn.silu(z)


def _linear(z: Array, p: Array) -> Array:
    return z


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "linear",
            "Linear",
            _linear,
            r"f(z) = z",
            "linear",
            summary="No non-linearity: a stack of linear layers is still one linear map.",
        ),
        Activation(
            "sigmoid",
            "Sigmoid",
            _sigmoid,
            r"\sigma(z) = \dfrac{1}{1 + e^{-z}}",
            "saturating",
            summary="Squashes z into (0, 1); its slope is at most 0.25 and almost 0 for |z| > 5.",
            bounds=(0.0, 1.0),
        ),
        Activation(
            "tanh",
            "Tanh",
            _tanh,
            r"\tanh(z) = 2\sigma(2z) - 1",
            "saturating",
            summary="Like the sigmoid but centred on 0, output in (−1, 1); slope 1 at z = 0.",
            bounds=(-1.0, 1.0),
        ),
        Activation(
            "relu",
            "ReLU",
            _relu,
            r"\mathrm{ReLU}(z) = \max(0, z)",
            "relu",
            summary="Zero for negative z, identity above: no saturation for z > 0, "
            "but units can die.",
            bounds=(0.0, None),
        ),
        Activation(
            "leaky_relu",
            "Leaky ReLU",
            _leaky,
            r"\mathrm{LeakyReLU}_\alpha(z) = \max(\alpha z, z)",
            "relu",
            param="negative_slope",
            param_default=0.2,
            param_range=(0.0, 1.0),
            summary="ReLU with a small slope α below 0, so a unit never stops learning.",
        ),
        Activation(
            "elu",
            "ELU",
            _elu,
            r"\mathrm{ELU}_\alpha(z) = \begin{cases} \alpha(e^z - 1) & z < 0 \\ "
            r"z & z \ge 0 \end{cases}",
            "relu",
            param="alpha",
            param_default=1.0,
            param_range=(0.0, 5.0),
            summary="Smooth below 0, approaching −α: mean output nearer 0, no dead units.",
        ),
        Activation(
            "selu",
            "SELU",
            _selu,
            r"\mathrm{SELU}(z) = \lambda\,\mathrm{ELU}_{\alpha}(z),"
            r"\ \lambda \approx 1.0507,\ \alpha \approx 1.6733",
            "relu",
            summary="Scaled ELU: with lecun_normal weights a plain stack keeps mean 0 and "
            "variance 1 in every layer (self-normalising).",
        ),
        Activation(
            "softplus",
            "Softplus",
            _softplus,
            r"\mathrm{softplus}(z) = \log(1 + e^z)",
            "smooth",
            summary="A smooth ReLU; its slope is the sigmoid, so it saturates for negative z.",
            bounds=(0.0, None),
        ),
        Activation(
            "gelu",
            "GELU",
            _gelu,
            r"\mathrm{GELU}(z) = z\,\Phi(z)",
            "smooth",
            summary="z weighted by the normal CDF Φ(z) (Keras's exact form, not the tanh "
            "approximation); dips slightly below 0.",
        ),
        Activation(
            "swish",
            "Swish",
            _swish,
            r"\mathrm{swish}(z) = z\,\sigma(z)",
            "smooth",
            summary="z times its sigmoid (also called SiLU): smooth, non-monotonic near 0.",
        ),
    )
}


def get_activation(name: str | Activation) -> Activation:
    """Look an activation up by its Keras name."""
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}"
        ) from None


def apply(name: str, z: Array, param: Array | float | None = None) -> Array:
    """f(z) for the activation called ``name``."""
    return get_activation(name)(z, param)


def derivative(name: str, z: Array, param: Array | float | None = None) -> Array:
    """f′(z), elementwise, by automatic differentiation of the same function."""
    act = get_activation(name)
    p = act.param_default if param is None else param
    z = jnp.asarray(z, jnp.float32)
    return jax.vmap(jax.grad(lambda s: act.fn(s, p)))(z.ravel()).reshape(z.shape)


_curves_jit = jax.jit(
    lambda z, p, idx: jax.lax.switch(
        idx,
        [
            (lambda fn: lambda z, p: (fn(z, p), jax.vmap(jax.grad(lambda s: fn(s, p)))(z)))(a.fn)
            for a in ACTIVATIONS.values()
        ],
        z,
        p,
    )
)


def curves(name: str, z: Array, param: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(f(z), f′(z)) as numpy arrays over a 1-D grid ``z``; one compiled function
    serves every activation and parameter value."""
    act = get_activation(name)
    p = jnp.float32(act.param_default if param is None else param)
    idx = list(ACTIVATIONS).index(act.name)
    y, dy = _curves_jit(jnp.asarray(z, jnp.float32).ravel(), p, idx)
    return np.asarray(y), np.asarray(dy)
