"""Backpropagation by hand on a 2-2-1 network and one training example.

The network (course notation; ``w_ij`` joins input i to hidden unit j)::

    Z_hj = w_1j x_1 + w_2j x_2 + b_hj        H_j = f(Z_hj)          (j = 1, 2)
    Z_o  = v_1 H_1 + v_2 H_2 + b_o           O   = f(Z_o)
    L    = ½ (O − y)²

Backpropagation walks the chain rule from the loss back to every weight. With the
½ in the loss, ∂L/∂O = O − y, so the course's errors are exactly the partial
derivatives of L with respect to the weighted sums:

    E_o  = ∂L/∂Z_o  = (O − y) · f′(Z_o)
    E_hj = ∂L/∂Z_hj = E_o · v_j · f′(Z_hj)

and each weight's gradient is the error at its head times the activation at its tail:

    ∂L/∂v_j = E_o · H_j     ∂L/∂b_o = E_o     ∂L/∂w_ij = E_hj · x_i     ∂L/∂b_hj = E_hj

One gradient-descent step then moves every weight by −η times its gradient.

:func:`backprop` does all of this in float64 NumPy, one formula per line, so the
page can show every intermediate number; :func:`jax_gradients` differentiates the
same loss with ``jax.grad`` and is the oracle the tests compare against.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "ACTIVATIONS",
    "STAGES",
    "Net221",
    "Trace",
    "backprop",
    "jax_gradients",
    "loss_jax",
]

#: activations the page offers: f and f′ in NumPy (overflow-safe) and in JAX
ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")

#: the stages the page steps through, in order
STAGES = (
    "inputs",
    "hidden",
    "output",
    "loss",
    "output error",
    "hidden errors",
    "gradients",
    "update",
)

#: weights and inputs are kept inside ±LIMIT so every number stays finite
LIMIT = 100.0


class Net221(NamedTuple):
    """The weights of a 2-2-1 network.

    Attributes:
        W_h: (2, 2), ``W_h[i, j]`` = w_ij from input i to hidden unit j.
        b_h: (2,), the hidden biases.
        w_o: (2,), v_j from hidden unit j to the output.
        b_o: the output bias.
    """

    W_h: np.ndarray
    b_h: np.ndarray
    w_o: np.ndarray
    b_o: float

    @classmethod
    def of(cls, W_h: object, b_h: object, w_o: object, b_o: float) -> Net221:
        return cls(
            np.array(W_h, np.float64).reshape(2, 2),
            np.array(b_h, np.float64).reshape(2),
            np.array(w_o, np.float64).reshape(2),
            float(b_o),
        )


class Trace(NamedTuple):
    """Every number of one forward pass, backward pass and update.

    Attributes:
        x (2,), y: the example. net: the weights before the step. eta: η. activation: f's name.
        z_h, h (2,): hidden weighted sums and activations. z_o, o: the output's.
        loss: ½(O − y)².
        e_o: output error E_o. e_h (2,): hidden errors E_h.
        dW_h (2, 2), db_h (2,), dw_o (2,), db_o: ∂L/∂ each weight.
        new: the weights after ``w ← w − η ∂L/∂w``.
        new_loss: the loss of the same example with the new weights.
    """

    x: np.ndarray
    y: float
    net: Net221
    eta: float
    activation: str
    z_h: np.ndarray
    h: np.ndarray
    z_o: float
    o: float
    loss: float
    e_o: float
    e_h: np.ndarray
    dW_h: np.ndarray
    db_h: np.ndarray
    dw_o: np.ndarray
    db_o: float
    new: Net221
    new_loss: float


def f_np(z: np.ndarray, activation: str) -> np.ndarray:
    """f(z) in NumPy; sigmoid as ½(1 + tanh(z/2)) so huge |z| cannot overflow."""
    z = np.asarray(z, np.float64)
    if activation == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    if activation == "tanh":
        return np.tanh(z)
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "linear":
        return z
    raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}.")


def df_np(z: np.ndarray, activation: str) -> np.ndarray:
    """f′(z): σ(1 − σ), 1 − tanh², 1 for z > 0 else 0 (as JAX takes it at 0), or 1."""
    z = np.asarray(z, np.float64)
    if activation == "sigmoid":
        s = f_np(z, "sigmoid")
        return s * (1.0 - s)
    if activation == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if activation == "relu":
        return (z > 0).astype(np.float64)
    if activation == "linear":
        return np.ones_like(z)
    raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}.")


def _check(x: np.ndarray, y: float, net: Net221, eta: float) -> None:
    numbers = np.concatenate([x, [y], net.W_h.ravel(), net.b_h, net.w_o, [net.b_o]])
    if not np.isfinite(numbers).all() or np.abs(numbers).max() > LIMIT:
        raise ValueError(f"inputs, target and weights must be finite and within ±{LIMIT:g}.")
    if not (np.isfinite(eta) and 0 <= eta <= LIMIT):
        raise ValueError(f"η must lie in [0, {LIMIT:g}].")


def _forward(x: np.ndarray, net: Net221, act: str) -> tuple[np.ndarray, ...]:
    z_h = x @ net.W_h + net.b_h
    h = f_np(z_h, act)
    z_o = float(h @ net.w_o + net.b_o)
    return z_h, h, np.float64(z_o), f_np(z_o, act)


def backprop(
    x: object, y: float, net: Net221, *, eta: float = 0.5, activation: str = "sigmoid"
) -> Trace:
    """One forward pass, one backward pass and one gradient-descent step, every number kept.

    Args:
        x: the two inputs.
        y: the target.
        net: the weights (see :class:`Net221`).
        eta: the learning rate η ≥ 0 (η = 0 computes the gradients and changes nothing).
        activation: f for both layers, one of :data:`ACTIVATIONS`.

    Raises:
        ValueError: for an unknown activation, or numbers outside ±:data:`LIMIT`
            (inside it every intermediate value is finite in float64).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}.")
    x = np.array(x, np.float64).reshape(2)
    y, eta = float(y), float(eta)
    _check(x, y, net, eta)
    # forward pass
    z_h, h, z_o, o = _forward(x, net, activation)
    loss = 0.5 * float(o - y) ** 2
    # reverse pass: errors are ∂L/∂Z, gradients are error × incoming activation
    e_o = float((o - y) * df_np(z_o, activation))
    e_h = e_o * net.w_o * df_np(z_h, activation)
    dw_o = e_o * h
    db_o = e_o
    dW_h = np.outer(x, e_h)  # dW_h[i, j] = x_i · E_hj
    db_h = e_h.copy()
    # gradient-descent step
    new = Net221(
        net.W_h - eta * dW_h, net.b_h - eta * db_h, net.w_o - eta * dw_o, net.b_o - eta * db_o
    )
    o_new = _forward(x, new, activation)[3]
    return Trace(
        x=x,
        y=y,
        net=net,
        eta=eta,
        activation=activation,
        z_h=z_h,
        h=h,
        z_o=float(z_o),
        o=float(o),
        loss=loss,
        e_o=e_o,
        e_h=e_h,
        dW_h=dW_h,
        db_h=db_h,
        dw_o=dw_o,
        db_o=float(db_o),
        new=new,
        new_loss=0.5 * float(o_new - y) ** 2,
    )


# --------------------------------------------------------------------------- the JAX oracle


def _f_jax(z: jax.Array, activation: str) -> jax.Array:
    return {
        "sigmoid": jax.nn.sigmoid,
        "tanh": jnp.tanh,
        "relu": jax.nn.relu,
        "linear": lambda t: t,
    }[activation](z)


def loss_jax(params: tuple, x: jax.Array, y: jax.Array, activation: str) -> jax.Array:
    """The same loss ½(O − y)² written for ``jax.grad``; ``params = (W_h, b_h, w_o, b_o)``."""
    W_h, b_h, w_o, b_o = params
    h = _f_jax(x @ W_h + b_h, activation)
    o = _f_jax(h @ w_o + b_o, activation)
    return 0.5 * (o - y) ** 2


_grad = jax.jit(jax.grad(loss_jax), static_argnums=3)


def jax_gradients(x: object, y: float, net: Net221, activation: str = "sigmoid") -> Net221:
    """∂L/∂(W_h, b_h, w_o, b_o) by automatic differentiation (float32), as a :class:`Net221`."""
    params = tuple(jnp.asarray(p, jnp.float32) for p in net)
    g = _grad(params, jnp.asarray(x, jnp.float32), jnp.float32(y), activation)
    return Net221.of(*(np.asarray(a, np.float64) for a in g))
