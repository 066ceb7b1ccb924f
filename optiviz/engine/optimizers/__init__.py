"""The eight optimizers of the course: one module per rule, one :class:`Optimizer` spec
per optimizer, and this registry.

Every optimizer is a pair ``init(params, hp) -> state`` and
``update(grad, state, params, hp) -> (new_params, new_state)`` over an explicit
``NamedTuple`` state, in the style of optax and ``jax.example_libraries.optimizers``.
``hp`` maps each Keras 3 hyperparameter name (``learning_rate``, ``momentum``,
``rho``, ``beta_1``, ...) to a scalar array, so new values never force JAX to
recompile.

The arithmetic is Keras 3's, operation for operation (see
``keras/src/optimizers/*.py``), so a trajectory computed here matches
``keras.optimizers.X(...)`` on the JAX backend to float32 rounding. Where the
course's slide writes the rule differently from what Keras computes (Nesterov's
look-ahead, where epsilon sits in Adam), each optimizer carries both: ``latex``
is the slide's form and ``keras_note`` says what Keras does instead. The tests
pin the relation.

Hyperparameters reach the update rules as float32 numbers. Keras keeps the
Python float and forms a few complements from it in double precision
(``1 - beta_2`` in Adam, ``1 - beta_1`` in Adam and AdaMax, ``1 - rho`` in
RMSProp); for a β that float32 cannot hold exactly (0.9999) the engine's 1 − β
then differs in the 4th-5th digit (β₂ = 0.9999: Adam's first step by 8e-5,
relative). With float32-exact values the two agree to rounding.

The course calls the first moment / velocity ``m`` and the second moment /
accumulator ``s``; :func:`moments` returns those two for every optimizer, with
zeros where a rule has no such quantity.

To add an optimizer, write one module like ``adamax.py`` (its state, ``init``,
``update``, ``step_lines`` and ``SPEC``) and add the spec to :data:`SPECS`: every page,
figure, kernel and code export reads the registry (ARCHITECTURE.md walks through it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np

from . import adagrad, adam, adamax, momentum, nadam, rmsprop, sgd
from .spec import HP, Array, HParam, Optimizer, Step, clip_factor, tex_vector

__all__ = ["CLASSIC", "HP", "OPTIMIZERS", "SPECS", "HParam", "Optimizer", "Step", "clip_factor",
           "get_optimizer", "initial_moments", "kernel_defaults", "moments", "register", "step_equations"]  # fmt: skip

#: every optimizer, in the order the pages list them (and the kernels index them)
SPECS: tuple[Optimizer, ...] = (
    sgd.SPEC,
    momentum.SPEC,
    momentum.NESTEROV,
    adagrad.SPEC,
    rmsprop.SPEC,
    adam.SPEC,
    nadam.SPEC,
    adamax.SPEC,
)
OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in SPECS}


def register(spec: Optimizer) -> Optimizer:
    """Add an optimizer from outside this package (a plugin, a test). Call it before
    optiviz's kernels are first imported: their compiled code switches over the registry
    as it was then, and the compiled-code store files kernels under the registry's names
    (``_store.fingerprint``), so a kernel built for other optimizers is never reused."""
    if spec.name in OPTIMIZERS:
        raise ValueError(f"an optimizer named {spec.name!r} exists already")
    OPTIMIZERS[spec.name] = spec
    return spec


def kernel_defaults() -> dict[str, float]:
    """Every name a compiled kernel's ``hp`` row holds, over all optimizers (their
    hyperparameters and derived values), each with a harmless default for the runs of
    optimizers that do not read it."""
    out: dict[str, float] = {}
    for opt in OPTIMIZERS.values():
        for name, value in opt.with_derived({h.name: h.keras_default for h in opt.hparams}).items():
            out.setdefault(name, float(value))
    return out


#: The five optimizers of the course's classic animation, in its order.
CLASSIC = ("sgd", "momentum", "adagrad", "rmsprop", "adam")


def get_optimizer(name: str | Optimizer) -> Optimizer:
    """Look an optimizer up by name (``"adam"``), display name (``"Adam"``) or pass one through."""
    if isinstance(name, Optimizer):
        return name
    key = str(name).strip().lower()
    aliases = {"gd": "sgd", "nag": "nesterov", "rmsprop": "rmsprop"}
    key = aliases.get(key, key)
    if key in OPTIMIZERS:
        return OPTIMIZERS[key]
    raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")


def moments(optimizer: Optimizer, state: Any, like: Array) -> tuple[Array, Array]:
    """The course's ``m`` (velocity / first moment) and ``s`` (second moment /
    accumulator) of a state, zeros where the rule has none."""
    m, s = optimizer.moments(state)
    z = jnp.zeros_like(like)
    return (z if m is None else m), (z if s is None else s)


def initial_moments(optimizer: str | Optimizer, hp: HP, like: Array) -> tuple[Array, Array]:
    """``m`` and ``s`` before the first step (zeros, except where a rule starts its
    accumulator elsewhere: AdaGrad's ``initial_accumulator_value``)."""
    opt = get_optimizer(optimizer)
    values = {k: jnp.asarray(v, jnp.float32) for k, v in opt.with_derived(hp).items()}
    state = opt.init(jnp.zeros_like(jnp.asarray(like, jnp.float32)), values)
    m, s = moments(opt, state, jnp.asarray(like, jnp.float32))
    return np.asarray(m), np.asarray(s)


def step_equations(
    optimizer: str,
    hp: Mapping[str, float],
    step: int,
    theta: np.ndarray,
    grad: np.ndarray,
    m_prev: np.ndarray,
    s_prev: np.ndarray,
    m: np.ndarray,
    s: np.ndarray,
    update: np.ndarray,
) -> list[str]:
    """LaTeX lines for step ``step`` (0-based) of ``optimizer``, for the race's step
    inspector: the step's inputs, the rule in the form Keras computes with this step's
    numbers (the optimizer's ``step_latex``), and the step taken. Vectors are (x, y)
    pairs; ``m``/``s`` are the course's moments after the step."""
    t = step + 1
    new = theta + update
    lines = [
        rf"t = {t},\quad \theta = {tex_vector(theta)},\quad \nabla J(\theta) = {tex_vector(grad)}"
    ]
    record = Step(hp, t, theta, grad, m_prev, s_prev, m, s, new)
    lines += get_optimizer(optimizer).step_latex(record)
    lines.append(rf"\text{{step taken}} = {tex_vector(update)}")
    return lines
