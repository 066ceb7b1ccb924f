"""The dying-ReLU experiment: how many hidden units stop for good as the learning rate grows.

A ReLU unit computes ``a = max(0, z)`` with ``z = x·w + b``. If one update pushes
its weights so that ``z ≤ 0`` for *every* input, the unit outputs 0 everywhere
and ReLU's derivative is 0 there too: no gradient reaches ``w`` or ``b`` again,
so nothing can bring the unit back. It is "dead". Large learning rates make such
jumps likely (one big step can throw ``b`` far negative).

The experiment trains the same small MLP (:data:`HIDDEN` units on the two-moons
set) once per learning rate of a log grid, for each of ReLU, leaky ReLU and ELU,
and records after every epoch the share of hidden units whose ``z ≤ 0`` on every
training example (``TrainResult.dead``; the set is trained full-batch, so "every
example of the last batch" is the whole training set).

For leaky ReLU and ELU the same count measures units that are *switched off*,
not dead: their derivative below 0 is ``α`` (leaky) or ``α·eᶻ`` (ELU), so a
gradient still flows and the unit can come back. The curves show how rarely
they even get there.

Each activation is one network shape, so :func:`dying_relu` compiles once per
activation; the learning rates, the optimizer, the seed and the activation's
parameter (slope, α) are arrays of the compiled function, so changing any of
them never recompiles (:data:`optiviz.engine.networks.training.TRACES` counts traces).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .. import checks
from ..optimizers import get_optimizer
from .activations import get_activation
from .datasets import Dataset, make_dataset
from .training import Run, train

#: the three activations the experiment compares
DYING_ACTIVATIONS: tuple[str, ...] = ("relu", "leaky_relu", "elu")
#: the default network: three hidden layers of 16 units (48 units in all)
HIDDEN: tuple[int, ...] = (16, 16, 16)
DATASET = "moons"
#: points in the set (80 % train, full-batch)
N_POINTS = 400
#: epochs per run (one of the training engine's epoch buckets, so no padding)
EPOCHS = 100
#: learning rates per grid; fixed, because the number of runs is part of the shape
N_RATES = 8
DEFAULT_LR_RANGE = (1e-3, 0.3)


class DyingCurve(NamedTuple):
    """One activation trained at every learning rate of a grid.

    Attributes:
        activation: Keras name (``"relu"``, ``"leaky_relu"``, ``"elu"``).
        param: the activation's parameter used (slope or α), ``None`` for ReLU.
        learning_rates: shape (n_rates,).
        dead: share of dead units per layer, (n_rates, epochs, hidden layers).
        accuracy: training accuracy per epoch, (n_rates, epochs).
        val_accuracy: validation accuracy per epoch, (n_rates, epochs).
        final_accuracy: validation accuracy of the final model, (n_rates,).
        diverged_epoch: epoch at which a run's loss stopped being finite, 0 if never.
        epochs_run: real epochs per run (a diverged run stops early), (n_rates,).
    """

    activation: str
    param: float | None
    learning_rates: np.ndarray
    dead: np.ndarray
    accuracy: np.ndarray
    val_accuracy: np.ndarray
    final_accuracy: np.ndarray
    diverged_epoch: np.ndarray
    epochs_run: np.ndarray

    @property
    def dead_share(self) -> np.ndarray:
        """Share of all hidden units that are dead, per (rate, epoch).

        Every layer has the same width here, so this is the mean over layers; in
        general it is weighted by units per layer (see :func:`dead_share`)."""
        return self.dead.mean(axis=-1)

    @property
    def final_dead(self) -> np.ndarray:
        """Dead share after the last epoch a run trained, per rate."""
        return self.dead_share[:, -1]

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_epoch > 0


def learning_rate_grid(low: float, high: float, n: int = N_RATES) -> np.ndarray:
    """``n`` learning rates evenly spaced on a log axis from ``low`` to ``high``.

    Raises:
        ValueError: unless ``0 < low < high`` and both are finite.
    """
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)) or not 0 < low < high:
        raise ValueError(f"the learning-rate range needs 0 < low < high, got {low:g} … {high:g}")
    return np.logspace(math.log10(low), math.log10(high), int(n))


@functools.cache
def default_dataset(seed: int = 0) -> Dataset:
    """The two-moons set the experiment trains on (cached: same arrays every call)."""
    return make_dataset(DATASET, n=N_POINTS, seed=seed)


def dying_relu(
    activation: str,
    learning_rates: Sequence[float] | np.ndarray,
    *,
    optimizer: str = "adam",
    param: float | None = None,
    seed: int = 0,
    hidden: Sequence[int] = HIDDEN,
    epochs: int = EPOCHS,
    dataset: Dataset | None = None,
) -> DyingCurve:
    """Train one MLP per learning rate with ``activation`` and record its dead units.

    Every run starts from the same initial weights (one ``seed``) and trains
    ``epochs`` full-batch epochs with ``optimizer`` (Keras defaults apart from the
    learning rate); only the learning rate differs.

    Args:
        activation: a ReLU-family Keras name, e.g. ``"relu"``, ``"leaky_relu"``, ``"elu"``.
        learning_rates: one run per value (keep the count fixed to avoid recompiling).
        optimizer: Keras name of the optimizer (``"adam"``, ``"sgd"``, ...).
        param: leaky ReLU's ``negative_slope`` or ELU's ``alpha`` (default: Keras's).
        seed: initial weights of every run.
        hidden: units per hidden layer.
        epochs: epochs per run.
        dataset: defaults to :func:`default_dataset`.

    Raises:
        ValueError: for an unknown activation/optimizer, a non-ReLU-family activation
            (its dead share would be meaningless), a parameter outside the
            activation's range or a non-positive learning rate.
    """
    act = get_activation(activation)
    if act.family != "relu":
        raise ValueError(
            f"{act.display} has no dead units to count; choose a ReLU-family activation"
        )
    opt = get_optimizer(optimizer)
    if act.param is None:
        param = None
    elif param is not None:
        param = checks.number(act.param, param, *act.param_range)
    lrs = np.asarray(learning_rates, np.float64).ravel()
    if lrs.size == 0 or not np.all(np.isfinite(lrs)) or np.any(lrs <= 0):
        raise ValueError("learning rates must be positive numbers")
    runs = [
        Run(
            optimizer=opt.name,
            hparams={"learning_rate": float(lr)},
            seed=int(seed),
            label=f"learning_rate={lr:.3g}",
            activation_param=param,
        )
        for lr in lrs
    ]
    result = train(
        dataset if dataset is not None else default_dataset(),
        hidden=tuple(hidden),
        activation=act.name,
        runs=runs,
        epochs=epochs,
        snapshots=False,  # (curves and final numbers only)
    )
    return DyingCurve(
        activation=act.name,
        param=None if act.param is None else (act.param_default if param is None else param),
        learning_rates=lrs,
        dead=np.asarray(result.dead, np.float64),
        accuracy=np.asarray(result.history["accuracy"], np.float64),
        val_accuracy=np.asarray(result.history["val_accuracy"], np.float64),
        final_accuracy=np.asarray(result.final_accuracy, np.float64),
        diverged_epoch=np.asarray(result.diverged_epoch, np.int64),
        epochs_run=np.asarray(result.epochs_run, np.int64),
    )


def dead_share(dead: np.ndarray, hidden: Sequence[int]) -> np.ndarray:
    """Share of all hidden units that are dead, from per-layer shares (last axis),
    each layer weighted by its number of units."""
    w = np.asarray(hidden, np.float64)
    return np.asarray(dead, np.float64) @ (w / w.sum())
