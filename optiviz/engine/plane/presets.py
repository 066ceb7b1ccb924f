"""Starting hyperparameters for a race on a given surface.

Keras's defaults (``learning_rate=0.001`` for the adaptive methods) are tuned
for networks with millions of weights; on a 2D surface they crawl. A race
starts from rates that make each surface's story visible in a few hundred
steps; every other hyperparameter keeps its Keras default.
"""

from __future__ import annotations

from ..optimizers import Optimizer, get_optimizer
from .surfaces import Surface


def race_learning_rate(surface: Surface, optimizer: str | Optimizer) -> float:
    """The learning rate a race on ``surface`` starts ``optimizer`` with: its spec's
    ``race_lr``. GD, Momentum and Nesterov take steps proportional to the gradient, so
    they get a per-surface rate (0.01 unless the surface is steep); the adaptive methods
    take steps of roughly ``learning_rate`` per coordinate, so theirs scales with the
    surface's size (AdaGrad's steps shrink, so it starts larger)."""
    return get_optimizer(optimizer).race_lr(surface.name, surface.scale)


def race_hparams(surface: Surface, optimizer: str | Optimizer) -> dict[str, float]:
    """Keras defaults with the race's learning rate."""
    opt = get_optimizer(optimizer)
    return opt.defaults() | {"learning_rate": race_learning_rate(surface, opt)}
