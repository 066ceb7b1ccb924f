r"""The learning-rate range test: one short run whose learning rate grows every step.

Leslie Smith's recipe (also in Géron's *Hands-On Machine Learning*, ch. 11): start
with a tiny learning rate and multiply it by the same factor after every
mini-batch, so that over ``steps`` steps it sweeps ``lr_min … lr_max``
exponentially,

.. math::  \eta_i = \eta_{\min} \left(\frac{\eta_{\max}}{\eta_{\min}}\right)^{i/(n-1)},
           \qquad i = 0, \dots, n-1,

and record the mini-batch loss at each step. Plotted against η on a log axis the
loss first barely moves (η too small to matter), then falls (η useful), then
turns and shoots up (η too big: each step overshoots). A good learning rate lies
in the falling part, below the turn.

Two common ways to read a rate off the curve; both use the *smoothed* loss (an
exponential moving average with bias correction, β = 0.98, as in fastai), since
single mini-batch losses are noisy:

* ``suggested`` — one tenth of the rate where the smoothed loss is lowest (the
  "turning point"); Géron's rule of thumb, and the one the app offers.
* ``steepest`` — the rate where the smoothed loss falls fastest per decade of η.

The run stops counting once the smoothed loss exceeds 4 × its minimum or stops
being finite (the "explosion"); later steps are not returned.

Everything is the training engine's own pieces: the network is
:mod:`optiviz.engine.networks.padded` (``forward``, ``per_example_loss``, in a
width bucket's frame) and each step is the optimizer's ``update`` from
:mod:`optiviz.engine.optimizers` with the step's learning rate put into its
hyperparameters. Compile once: the
learning rates, hyperparameters, seed and batches enter as arrays, and every
optimizer's update is computed and the chosen one kept (as the training kernel
does), so only a new network shape, batch size or step count compiles again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import checks
from .._store import Stored
from ..kernels import compiled, register_warmup
from ..optimizers import OPTIMIZERS, get_optimizer, kernel_defaults
from . import padded
from .activations import get_activation
from .datasets import Dataset, make_dataset
from .initializers import get_initializer
from .mlp import build, init_params_host
from .training import ROWS, row_bucket

#: step counts offered (each one compiles once per network shape)
STEP_CHOICES: tuple[int, ...] = (100, 200, 300)
MAX_STEPS = max(STEP_CHOICES)
LR_LIMITS = (1e-7, 100.0)
SMOOTHING = 0.98
#: the run is over once the smoothed loss exceeds this multiple of its minimum
EXPLODE_FACTOR = 4.0
#: steps ignored at the start when looking for the steepest descent (the EMA settles)
SKIP_START = 5

#: How many times a range-test kernel has been traced, by network shape.
TRACES: Counter[str] = Counter()

_KINDS = tuple(OPTIMIZERS)
_HP_DEFAULTS = kernel_defaults()


@dataclass(frozen=True)
class LRRangeResult:
    """One range test. Arrays hold the steps before the explosion (``n_steps`` of them).

    Attributes:
        learning_rates: η of each step.
        losses: the mini-batch loss measured at each step, before its update.
        smoothed: the bias-corrected moving average of ``losses`` (β = 0.98).
        suggested: one tenth of the rate at the lowest smoothed loss.
        steepest: the rate where the smoothed loss falls fastest per decade of η.
        best_lr: the rate at the lowest smoothed loss.
        exploded_at: η at which the loss blew up (4 × its minimum, or not finite);
            ``None`` if it never did within the sweep.
        lr_min, lr_max, steps: the sweep asked for.
        optimizer: the optimizer's name.
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggested: float
    steepest: float
    best_lr: float
    exploded_at: float | None
    lr_min: float
    lr_max: float
    steps: int
    optimizer: str

    @property
    def n_steps(self) -> int:
        return int(self.learning_rates.size)


def sweep_rates(lr_min: float, lr_max: float, steps: int) -> np.ndarray:
    """η_i = lr_min · (lr_max / lr_min)^(i / (steps − 1)): equal ratios between steps."""
    return np.geomspace(lr_min, lr_max, steps).astype(np.float32)


def smooth(losses: np.ndarray, beta: float = SMOOTHING) -> np.ndarray:
    """Exponential moving average with bias correction: avg_i / (1 − β^(i+1))."""
    out = np.empty(len(losses), np.float64)
    avg = 0.0
    for i, v in enumerate(np.asarray(losses, np.float64)):
        avg = beta * avg + (1.0 - beta) * v
        out[i] = avg / (1.0 - beta ** (i + 1))
    return out


class Bucket(NamedTuple):
    """What a range-test kernel is compiled for: the width bucket of the network
    (``optiviz.engine.networks.padded``) and the rows of one step (``training.ROWS``)."""

    width: int
    rows: int


def _make_kernel(bucket: Bucket) -> Any:
    """One run of at most ``max(STEP_CHOICES)`` steps (the step count is a loop bound)
    of any network that fits the bucket's frame."""
    opts = [OPTIMIZERS[k] for k in _KINDS]
    layout = padded.Layout(bucket.width)

    def loss_fn(theta, fr, x, y, rows, act):
        out, _, _ = padded.forward(
            fr, layout, theta, padded.init_bn(bucket.width), x, rows, act_params=act
        )
        per = padded.per_example_loss(fr, out, y)
        return jnp.sum(per * rows) / jnp.maximum(jnp.sum(rows), 1.0)

    def run(fr, real, xb, yb, rows, n_steps, lrs, hp, kind, theta0, act):
        TRACES[f"width={bucket.width} rows={bucket.rows}"] += 1
        states0 = tuple(o.init(theta0, hp) for o in opts)

        def step(i, carry):
            theta, states, ok, losses = carry
            loss, g = jax.value_and_grad(loss_fn)(theta, fr, xb[i], yb[i], rows, act)
            hp_i = {**hp, "learning_rate": lrs[i]}
            outs = [o.update(g, s, theta, hp_i) for o, s in zip(opts, states, strict=True)]
            new = outs[0][0]
            for j in range(1, len(outs)):
                new = jnp.where(kind == j, outs[j][0], new)
            new = jnp.where(real > 0, new, theta)
            ok = ok & jnp.isfinite(loss) & jnp.all(jnp.isfinite(new))
            theta = jnp.where(ok, new, theta)
            new_states = tuple(out[1] for out in outs)
            return theta, new_states, ok, losses.at[i].set(jnp.where(ok, loss, jnp.inf))

        losses = jnp.full(MAX_STEPS, jnp.inf)
        carry = (theta0, states0, jnp.asarray(True), losses)
        return jax.lax.fori_loop(0, n_steps, step, carry)[3]

    return Stored(jax.jit(run), f"lr_range {bucket}")


def _kernel(width: int, rows: int) -> Any:
    return compiled("lr_range", Bucket(width, rows), _make_kernel)


def _batches(n: int, steps: int, batch: int, seed: int) -> np.ndarray:
    """Row indices of each step's mini-batch: epochs of fresh shuffles, one after another."""
    rng = np.random.default_rng(seed)
    per_epoch = max(n // batch, 1)
    rows = []
    while len(rows) < steps:
        order = rng.permutation(n) if n >= batch else rng.integers(0, n, batch * per_epoch)
        rows += [order[i * batch : (i + 1) * batch] for i in range(per_epoch)]
    return np.stack(rows[:steps])


def _read(
    lrs: np.ndarray, losses: np.ndarray
) -> tuple[int, int | None, np.ndarray, float, float, float]:
    """How many steps count, the step where the loss exploded (or None), the
    smoothed loss and the three rates read off it (best, steepest, suggested)."""
    finite = np.isfinite(losses)
    n = int(np.argmin(finite)) if not finite.all() else len(losses)
    exploded = None if finite.all() else n
    sm = smooth(losses[:n]) if n else np.zeros(0)
    if n:
        running_min = np.minimum.accumulate(sm)
        over = np.flatnonzero(sm > EXPLODE_FACTOR * running_min)
        if over.size:
            exploded = int(over[0])
            n = exploded + 1  # keep the step that crossed the line
            sm = sm[:n]
    if n == 0:
        lr0 = float(lrs[0])
        return 0, 0, sm, lr0, lr0, lr0 / 10.0
    best = int(np.argmin(sm))
    lo = min(SKIP_START, max(best - 1, 0))
    if best - lo >= 2:
        slope = np.gradient(sm[lo : best + 1], np.log10(lrs[lo : best + 1].astype(np.float64)))
        steep = lo + int(np.argmin(slope))
    else:
        steep = best
    return n, exploded, sm, float(lrs[best]), float(lrs[steep]), float(lrs[best]) / 10.0


def _batch_arrays(dataset: Dataset, steps: int, batch: int, seed: int, size: int, p: int):
    """The sweep's mini-batches, one per step, padded to the kernel's frame: inputs
    ``(MAX_STEPS, size, p)`` and labels ``(MAX_STEPS, size)``."""
    rows = _batches(dataset.n_train, steps, batch, seed)
    xb = np.zeros((MAX_STEPS, size, p), np.float32)
    yb = np.zeros((MAX_STEPS, size), np.int32)
    xb[:steps, :batch, : dataset.n_features] = np.asarray(dataset.X_train, np.float32)[rows]
    yb[:steps, :batch] = np.asarray(dataset.y_train, np.int32)[rows]
    return xb, yb


def _check_sweep(lr_min: float, lr_max: float, steps: int, dataset: Dataset) -> None:
    if not lr_min < lr_max:
        raise ValueError(f"lr_min ({lr_min:g}) must be below lr_max ({lr_max:g})")
    if steps not in STEP_CHOICES:
        raise ValueError(f"steps must be one of {', '.join(map(str, STEP_CHOICES))}, got {steps}")
    if dataset.n_train < 1:
        raise ValueError("the dataset has no training examples")


def lr_range_test(
    dataset: Dataset,
    *,
    hidden: tuple[int, ...] = (16, 16),
    activation: str = "relu",
    initializer: str = "glorot_uniform",
    optimizer: str = "sgd",
    hparams: Mapping[str, float] | None = None,
    lr_min: float = 1e-5,
    lr_max: float = 10.0,
    steps: int = 200,
    batch_size: int = 32,
    seed: int = 0,
) -> LRRangeResult:
    """Sweep the learning rate exponentially over one short run and record the loss.

    Args:
        dataset: its training part is used (mini-batches reshuffled every epoch).
        hidden, activation, initializer: the network, as in
            :func:`optiviz.engine.networks.training.train`; the seed's initial weights are
            the ones ``train(..., seed=seed)`` starts from.
        optimizer, hparams: the optimizer and its other hyperparameters (a
            ``learning_rate`` given here is ignored: the sweep sets it).
        lr_min, lr_max: the first and the last learning rate (``lr_min < lr_max``).
        steps: number of mini-batch steps, one of :data:`STEP_CHOICES`.
        batch_size: examples per step.
        seed: initial weights and the order of the mini-batches.

    Returns:
        An :class:`LRRangeResult`.

    Raises:
        ValueError: an unknown optimizer or an invalid number, with a readable message.
    """
    opt = get_optimizer(optimizer)
    values = opt.resolve({k: v for k, v in (hparams or {}).items() if k != "learning_rate"})
    lo, hi = LR_LIMITS
    lr_min = checks.number("lr_min", lr_min, lo, hi)
    lr_max = checks.number("lr_max", lr_max, lo, hi)
    _check_sweep(lr_min, lr_max, steps, dataset)
    batch = int(min(max(int(batch_size), 1), dataset.n_train))
    arch = build(dataset.n_features, dataset.n_classes, tuple(hidden), activation)
    init = get_initializer(initializer)
    hp = dict(_HP_DEFAULTS)
    hp.update(opt.with_derived(values))
    hp_in = {k: np.asarray(v, np.float32) for k, v in hp.items()}
    lrs = sweep_rates(float(lr_min), float(lr_max), steps)
    if not padded.fits(arch):
        raise ValueError(f"layers of at most {padded.WIDTHS[-1]} units fit, got {arch.sizes}")
    p = padded.width_bucket(arch)
    size = ROWS[row_bucket(batch)]
    xb, yb = _batch_arrays(dataset, steps, batch, seed, size, p)
    act = np.zeros(padded.SLOTS, np.float32)
    act[: len(arch.hidden)] = [get_activation(a).param_default for a in arch.activations]
    losses = _kernel(p, size)(
        padded.frame(arch, p),
        padded.Layout(p).real_mask(arch),
        xb,
        yb,
        (np.arange(size) < batch).astype(np.float32),
        np.int32(steps),
        np.pad(lrs, (0, MAX_STEPS - steps), constant_values=lrs[-1]),
        hp_in,
        np.int32(_KINDS.index(opt.name)),
        # train(seed=seed)'s first weights
        padded.Layout(p).pad(arch, init_params_host(arch, int(seed), init.name)),
        act,
    )
    losses = np.asarray(jax.device_get(losses), np.float64)[:steps]
    n, exploded, sm, best, steep, suggested = _read(lrs, losses)
    return LRRangeResult(
        learning_rates=lrs[:n].astype(np.float64),
        losses=losses[:n],
        smoothed=sm,
        suggested=suggested,
        steepest=steep,
        best_lr=best,
        exploded_at=None if exploded is None else float(lrs[exploded]),
        lr_min=float(lr_min),
        lr_max=float(lr_max),
        steps=int(steps),
        optimizer=opt.name,
    )


def _warm_up(everything: bool) -> Iterator[str]:
    """Compile (or load) the range test at the schedules page's batch of 32, for its
    network's width bucket or for every one (other batch sizes, from the library,
    compile when asked)."""
    ds = make_dataset("moons", n=100, seed=0)
    for p in padded.WIDTHS if everything else padded.WIDTHS[:1]:
        lr_range_test(ds, hidden=(p,), steps=STEP_CHOICES[0], batch_size=32)
        yield f"width={p} rows=32"


register_warmup("lr_range", _warm_up)
