"""Thousands of runs at once, summaries only: hyperparameter maps, basins of attraction,
and a fair comparison of tuned optimizers.

All three are grids of runs of the same compiled summary kernel
(:func:`optiviz.engine.plane.trajectories.run_batch`): hyperparameters and start
points are arrays, so a new grid of values never recompiles, and only final
positions, losses and step counts come back (never whole paths).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ..optimizers import Optimizer, get_optimizer
from .outcomes import REACH_FACTOR, race_outcomes
from .presets import race_hparams
from .surfaces import Surface
from .trajectories import RaceResult, as_surface, default_eps, race, run_batch

#: minimum_index codes besides an index into the surface's minima
NONE, DIVERGED = -1, -2


def default_learning_rates(n: int = 64) -> np.ndarray:
    """Log-spaced learning rates from 1e-4 to 10."""
    return np.logspace(-4, 1, n)


def default_values(param: str, n: int = 64) -> np.ndarray:
    """A sensible grid for the second hyperparameter of a map."""
    if param in ("momentum", "beta_1", "rho"):
        return np.linspace(0.0, 0.99, n)
    if param == "beta_2":
        return 1.0 - np.logspace(-1, -4, n)
    if param == "epsilon":
        return np.logspace(-10, 0, n)
    if param == "initial_accumulator_value":
        return np.logspace(-3, 1, n)
    raise ValueError(f"no default grid for {param!r}; pass values=")


def classify(surface: Surface, final: np.ndarray, diverged: np.ndarray, eps: float) -> np.ndarray:
    """Which minimum each final point sits in: its index, NONE (-1) or DIVERGED (-2)."""
    minima = surface.minima_array
    out = np.full(final.shape[:-1], NONE, np.int32)
    if len(minima):
        d = np.linalg.norm(final[..., None, :] - minima, axis=-1)
        j = d.argmin(axis=-1)
        close = np.take_along_axis(d, j[..., None], axis=-1)[..., 0] <= REACH_FACTOR * eps
        out = np.where(close, j, NONE).astype(np.int32)
    return np.where(diverged, DIVERGED, out).astype(np.int32)


# ------------------------------------------------------------ hyperparameter map
class SweepResult(NamedTuple):
    """A grid of runs over learning rate × one more hyperparameter, from one start.

    ``final_loss``, ``steps_to_eps`` (first step within ε of the minimum the run
    ends in; −1 if it never got there or did not stay),
    ``diverged``, ``diverged_at`` and ``minimum_index`` are shaped
    (len(learning_rates), len(values)).
    """

    surface: Surface
    optimizer: str
    param: str | None
    learning_rates: np.ndarray
    values: np.ndarray
    start: tuple[float, float]
    steps: int
    eps: float
    base: dict[str, float]
    final_loss: np.ndarray
    steps_to_eps: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    minimum_index: np.ndarray


def sweep(
    surface: str | Surface,
    optimizer: str | Optimizer,
    *,
    start: Sequence[float] | None = None,
    learning_rates: Iterable[float] | None = None,
    param: str | None = "auto",
    values: Iterable[float] | None = None,
    steps: int = 500,
    eps: float | None = None,
    base: Mapping[str, float] | None = None,
) -> SweepResult:
    """Run ``optimizer`` for every (learning rate, ``param`` value) pair.

    Args:
      surface: name, :class:`Surface` or formula.
      optimizer: name or :class:`Optimizer`.
      start: start point (default: the surface's suggested start).
      learning_rates: the rows (default 64 log-spaced from 1e-4 to 10).
      param: the second hyperparameter: "auto" picks one per optimizer (see
        spec's ``sweep_param``; GD has none), None sweeps the learning rate alone (one column).
      values: the columns (default: a grid suited to ``param``).
      steps: updates per run.
      eps: distance that counts as reaching a minimum.
      base: values of the other hyperparameters (default Keras's).
    """
    surf = as_surface(surface)
    opt = get_optimizer(optimizer)
    lrs = np.asarray(
        default_learning_rates() if learning_rates is None else list(learning_rates), float
    )
    param = opt.sweep_param if param == "auto" else param
    if param is not None and param not in opt.hparam_names:
        raise ValueError(f"{opt.display} has no hyperparameter {param!r}")
    if param == "learning_rate":
        raise ValueError("learning_rate is always the map's rows; choose another param")
    if param is None and values is not None:
        raise ValueError(f"values= needs a second hyperparameter ({opt.display} sweeps none here)")
    vals = (
        np.array([np.nan])
        if param is None
        else np.asarray(default_values(param) if values is None else list(values), float)
    )
    if lrs.ndim != 1 or vals.ndim != 1 or not len(lrs) or not len(vals):
        raise ValueError("learning_rates and values must be non-empty lists of numbers")
    if not np.all(np.isfinite(lrs)) or (param is not None and not np.all(np.isfinite(vals))):
        raise ValueError("learning_rates and values must be finite")
    p0 = surf.start if start is None else (float(start[0]), float(start[1]))
    e = default_eps(surf) if eps is None else float(eps)
    settings = opt.resolve(base)
    names = opt.hparam_names
    hp = np.tile(np.array([settings[k] for k in names], float), (len(lrs) * len(vals), 1))
    hp[:, names.index("learning_rate")] = np.repeat(lrs, len(vals))
    if param is not None:
        hp[:, names.index(param)] = np.tile(vals, len(lrs))
    out = run_batch(surf, opt, hp, p0, steps, eps=e)
    shape = (len(lrs), len(vals))
    diverged = out["diverged_at"] >= 0
    where = classify(surf, out["final_position"], diverged, e)
    # A run counts as having reached a minimum only if it also ends there: passing
    # through ε of one and bouncing on would otherwise look fast.
    settled = (out["hit_step"] >= 0) & (out["hit_index"] == where)
    steps_to_eps = np.where(settled, out["hit_step"], -1).astype(np.int32)
    return SweepResult(
        surface=surf,
        optimizer=opt.name,
        param=param,
        learning_rates=lrs,
        values=vals,
        start=p0,
        steps=int(steps),
        eps=e,
        base=settings,
        final_loss=out["final_loss"].reshape(shape),
        steps_to_eps=steps_to_eps.reshape(shape),
        diverged=diverged.reshape(shape),
        diverged_at=out["diverged_at"].reshape(shape),
        minimum_index=where.reshape(shape),
    )


# ------------------------------------------------------------------- basins
class BasinsResult(NamedTuple):
    """Where runs end, for a grid of start points, per optimizer.

    ``minimum_index`` is (n_optimizers, grid, grid) with [k, i, j] the run of
    optimizer k started at (xs[j], ys[i]): an index into ``surface.minima``,
    −1 (no known minimum reached) or −2 (diverged). ``share_global`` is the
    share of starts that end in a global minimum, per optimizer.
    """

    surface: Surface
    optimizers: tuple[str, ...]
    hparams: tuple[dict[str, float], ...]
    xs: np.ndarray
    ys: np.ndarray
    steps: int
    eps: float
    minimum_index: np.ndarray
    share_global: np.ndarray


def basins(
    surface: str | Surface,
    optimizers: Iterable[str | Optimizer] | Mapping[str, Mapping[str, float] | None],
    *,
    grid: int = 200,
    steps: int = 300,
    eps: float | None = None,
) -> BasinsResult:
    """For every start on a grid×grid lattice over the domain, which minimum each
    optimizer ends in. Hyperparameters default to the race's (see ``presets``)."""
    surf = as_surface(surface)
    if isinstance(optimizers, Mapping):
        items = [(get_optimizer(k), v or {}) for k, v in optimizers.items()]
    else:
        items = [(get_optimizer(o), {}) for o in optimizers]
    if not items:
        raise ValueError("choose at least one optimizer")
    grid = int(grid)
    if not 2 <= grid <= 400:
        raise ValueError("grid must be between 2 and 400")
    (x0, x1), (y0, y1) = surf.domain
    xs = np.linspace(x0, x1, grid)
    ys = np.linspace(y0, y1, grid)
    X, Y = np.meshgrid(xs, ys)
    starts = np.stack([X.ravel(), Y.ravel()], axis=1)
    e = default_eps(surf) if eps is None else float(eps)
    global_ids = [i for i, m in enumerate(surf.minima) if m.is_global]
    index, share, used = [], [], []
    for opt, given in items:
        hp = opt.resolve(race_hparams(surf, opt) | dict(given))
        out = run_batch(surf, opt, [hp], starts, steps, eps=e, hits=False)
        idx = classify(surf, out["final_position"], out["diverged_at"] >= 0, e)
        index.append(idx.reshape(grid, grid))
        share.append(float(np.isin(idx, global_ids).mean()) if global_ids else 0.0)
        used.append(hp)
    return BasinsResult(
        surface=surf,
        optimizers=tuple(o.name for o, _ in items),
        hparams=tuple(used),
        xs=xs,
        ys=ys,
        steps=int(steps),
        eps=e,
        minimum_index=np.stack(index),
        share_global=np.array(share),
    )


# ---------------------------------------------------------- fair comparison
class FairResult(NamedTuple):
    """Each optimizer's learning rate tuned on the surface, then raced from one start.

    ``tuned_lr[k]`` is the rate of ``learning_rates`` that ended in the global minimum
    and reached ε of it in the fewest steps (ties, and optimizers that never do, by
    lowest final loss); ``steps_to_eps`` and ``final_loss`` are those of the tuned run
    (−1: it did not end in the global minimum).
    """

    surface: Surface
    optimizers: tuple[str, ...]
    learning_rates: np.ndarray
    tuned_lr: np.ndarray
    steps_to_eps: np.ndarray
    final_loss: np.ndarray
    race: RaceResult


def best_rate(steps_to_eps: np.ndarray, final_loss: np.ndarray, diverged: np.ndarray) -> int:
    """Index of the best run: fewest steps to ε; else (or on ties) the lowest final loss.
    If every run diverged, the first (smallest) rate is returned and will show as diverged."""
    loss = np.where(diverged, np.inf, final_loss)
    reached = (steps_to_eps >= 0) & ~diverged
    if reached.any():
        steps = np.where(reached, steps_to_eps, np.iinfo(np.int32).max)
        fewest = steps == steps.min()
        return int(np.argmin(np.where(fewest, loss, np.inf)))
    return int(np.argmin(loss))


FAIR_RATES = np.logspace(-4, 1, 41)


def tune_learning_rate(
    surface: str | Surface,
    optimizer: str | Optimizer,
    *,
    start: Sequence[float] | None = None,
    steps: int = 300,
    learning_rates: Iterable[float] | None = None,
    eps: float | None = None,
) -> float:
    """The learning rate of the grid (default 41 from 1e-4 to 10) with which ``optimizer``
    settles in a minimum in the fewest steps from ``start`` (see :func:`best_rate`)."""
    lrs = np.asarray(FAIR_RATES if learning_rates is None else list(learning_rates), float)
    s = sweep(surface, optimizer, start=start, learning_rates=lrs, param=None, steps=steps, eps=eps)
    # fastest to the *global* minimum: a run that ends in a local one has not succeeded
    # (on the two wells GD settled fastest, in the shallow well)
    steps_to = np.where(ends_global(s.surface, s.minimum_index), s.steps_to_eps, -1)
    return float(lrs[best_rate(steps_to[:, 0], s.final_loss[:, 0], s.diverged[:, 0])])


def ends_global(surface: Surface, minimum_index: np.ndarray) -> np.ndarray:
    """Which runs end in a global minimum of ``surface`` (``minimum_index`` as
    :func:`classify` gives it)."""
    glob = [i for i, m in enumerate(surface.minima) if m.is_global]
    return np.isin(minimum_index, glob)


def compare_tuned(
    surface: str | Surface,
    tuned: Mapping[str, float],
    *,
    start: Sequence[float] | None = None,
    steps: int = 300,
    learning_rates: Iterable[float] | None = None,
    eps: float | None = None,
) -> FairResult:
    """Race optimizers at their tuned learning rates (name → rate) from one start."""
    surf = as_surface(surface)
    p0 = surf.start if start is None else (float(start[0]), float(start[1]))
    r = race(
        surf,
        [(n, {"learning_rate": lr}) for n, lr in tuned.items()],
        start=p0,
        steps=steps,
        eps=eps,
    )
    settled = [
        o.steps_to_eps if o.reached == "global" and o.steps_to_eps is not None else -1
        for o in race_outcomes(r)
    ]
    return FairResult(
        surface=surf,
        optimizers=tuple(tuned),
        learning_rates=np.asarray(
            FAIR_RATES if learning_rates is None else list(learning_rates), float
        ),
        tuned_lr=np.array(list(tuned.values())),
        steps_to_eps=np.array(settled, np.int32),
        final_loss=r.loss[:, -1].copy(),
        race=r,
    )


def fair_comparison(
    surface: str | Surface,
    optimizers: Iterable[str | Optimizer],
    *,
    start: Sequence[float] | None = None,
    steps: int = 300,
    learning_rates: Iterable[float] | None = None,
    eps: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> FairResult:
    """Tune every optimizer's learning rate on the same start and step budget, then race.

    ``progress`` (optional) is called with the finished fraction after each optimizer.
    """
    surf = as_surface(surface)
    opts = [get_optimizer(o) for o in optimizers]
    if not opts:
        raise ValueError("choose at least one optimizer")
    lrs = np.asarray(FAIR_RATES if learning_rates is None else list(learning_rates), float)
    tuned: dict[str, float] = {}
    for opt in opts:
        tuned[opt.name] = tune_learning_rate(
            surf, opt, start=start, steps=steps, learning_rates=lrs, eps=eps
        )
        if progress:
            progress(len(tuned) / (len(opts) + 1))
    out = compare_tuned(surf, tuned, start=start, steps=steps, learning_rates=lrs, eps=eps)
    if progress:
        progress(1.0)
    return out
