"""Train small MLPs: every optimizer side by side, in one jitted call.

:func:`train` builds one *run* per (optimizer setting, seed) — or takes an
explicit list of runs — and trains them all in a single compiled function:
``lax.scan`` over epochs and mini-batches, ``vmap`` over runs. Everything a
student can change without changing the network's shape enters as an array
(learning rates and the other hyperparameters, which optimizer a run uses, the
initializer, dropout rate, L1/L2 strength, clipping thresholds, the schedule and
its parameters, early-stopping patience, the number of epochs), so moving a
slider never recompiles. The epoch count is rounded up to one of
:data:`EPOCH_BUCKETS`; epochs past a run's own count leave it unchanged.

Runs with different optimizers share one kernel: each step computes the update
of every optimizer the kernel was built for (the functions of
:mod:`optiviz.engine.optimizers`, the same ones the 2D race uses) and keeps the
run's own. For small networks the kernel is built for all eight, so switching
optimizers never recompiles either.

The numbers follow Keras 3's ``model.fit``: the same initial weights for every
run of a seed, mini-batches reshuffled every epoch (the last one smaller), the
``loss``/``accuracy`` of an epoch averaged over its batches as they were
trained, ``val_loss``/``val_accuracy`` measured after the epoch in inference
mode, the learning-rate schedule applied per epoch (``LearningRateScheduler``),
``EarlyStopping(monitor="val_loss")`` and ``ReduceLROnPlateau`` semantics.

What happens inside the network is recorded too (see :class:`TrainResult`):
per layer and epoch the gradient norms, weight norms, update/weight ratios and
activation statistics; at the start and at :data:`N_CHECKPOINTS` checkpoints the
decision function on a grid (2D data) and histograms of activations and of the
back-propagated gradients ∂L/∂z.

No NaN leaves the engine: a run whose loss, weights or recorded statistics
(activations that overflow while the clipped loss stays finite, gradient norms)
stop being finite is frozen at its last good epoch and flagged
(``diverged_epoch``).
"""

from __future__ import annotations

import functools
import math
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import schedules as sch
from ._jaxsetup import COMPILER_OPTIONS
from .activations import ACTIVATIONS, get_activation
from .datasets import Dataset, make_dataset
from .initializers import INITIALIZER_NAMES, get_initializer
from .mlp import (
    Architecture,
    build,
    count_params,
    forward,
    init_bn_state,
    init_params_host,
    initial_vector,
    penalty,
    per_example_loss,
    predict_class,
)
from .optimizers import OPTIMIZERS, get_optimizer

Array = Any

EPOCH_BUCKETS: tuple[int, ...] = (
    10, 20, 30, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000,
)  # fmt: skip
MAX_EPOCHS = EPOCH_BUCKETS[-1]
N_CHECKPOINTS = 50
HIST_BINS = 30
PROBE = 256  # examples used for histograms
GRID = 40  # decision-function grid is GRID × GRID
#: kernels are built for all eight optimizers while the network has at most this many
#: parameters (switching optimizers then never recompiles); bigger ones get only theirs
ALL_KINDS_MAX_PARAMS = 20_000
MAX_RUNS = 64
_NEVER = 2**30

#: How many times a training kernel has been traced, by a short description.
TRACES: Counter[str] = Counter()

# The union of every optimizer's hyperparameters, with a harmless default for runs of
# optimizers that do not read it.
_HP_DEFAULTS: dict[str, float] = {}
for _opt in OPTIMIZERS.values():
    for _name, _value in _opt.with_derived({h.name: h.keras_default for h in _opt.hparams}).items():
        _HP_DEFAULTS.setdefault(_name, float(_value))
HP_NAMES: tuple[str, ...] = tuple(_HP_DEFAULTS)


# ------------------------------------------------------------------ run settings
@dataclass(frozen=True)
class Run:
    """One network to train: an optimizer setting plus everything per-run."""

    optimizer: str = "adam"
    hparams: Mapping[str, float] = field(default_factory=dict)
    seed: int = 0
    label: str = ""
    initializer: str = "glorot_uniform"
    init_stddev: float = 0.05
    activation_param: float | None = None
    dropout: float = 0.0
    l1: float = 0.0
    l2: float = 0.0
    clipvalue: float | None = None
    clipnorm: float | None = None
    global_clipnorm: float | None = None
    schedule: str = "constant"
    schedule_params: Mapping[str, float] = field(default_factory=dict)
    early_stopping: bool = False
    patience: int = 10
    restore_best_weights: bool = True
    epochs: int | None = None
    #: per Dense layer, the epoch from which it trains (0: always; None: all 0)
    trainable_from: tuple[int, ...] | None = None


_RUN_FIELDS = set(Run.__dataclass_fields__)


def _bucket_epochs(epochs: int) -> int:
    return next(b for b in EPOCH_BUCKETS if b >= epochs)


def _check_number(name: str, value: Any, low: float, high: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v) or not low <= v <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return v


def _resolve_run(run: Run, n_dense: int, n_hidden: int, epochs: int) -> dict[str, Any]:
    """Validate one run and turn it into the kernel's per-run numbers."""
    opt = get_optimizer(run.optimizer)
    values = opt.resolve(run.hparams)
    for h in opt.hparams:
        low = 0.0 if h.name == "learning_rate" else h.low
        _check_number(f"{opt.display} {h.name}", values[h.name], low, max(h.high, 1e9))
    hp = dict(_HP_DEFAULTS)
    hp.update(opt.with_derived(values))
    init = get_initializer(run.initializer)
    dropout = _check_number("dropout rate", run.dropout, 0.0, 0.95)
    l1 = _check_number("L1 strength", run.l1, 0.0, 10.0)
    l2 = _check_number("L2 strength", run.l2, 0.0, 10.0)
    clips = {}
    for name in ("clipvalue", "clipnorm", "global_clipnorm"):
        v = getattr(run, name)
        clips[name] = np.inf if v is None else _check_number(name, v, 1e-6, 1e6)
    if sum(np.isfinite(v) for v in clips.values()) > 1:
        raise ValueError(
            "choose one kind of gradient clipping: Keras applies only one of "
            "clipnorm, global_clipnorm and clipvalue"
        )
    n_epochs = epochs if run.epochs is None else int(run.epochs)
    if not 1 <= n_epochs <= MAX_EPOCHS:
        raise ValueError(f"epochs must be between 1 and {MAX_EPOCHS}, got {n_epochs}")
    patience = int(_check_number("patience", run.patience, 0, MAX_EPOCHS))
    frm = run.trainable_from or (0,) * n_dense
    if len(frm) != n_dense:
        raise ValueError(f"trainable_from needs one entry per Dense layer ({n_dense})")
    return {
        "optimizer": opt.name,
        "hp": hp,
        "seed": int(run.seed),
        "init_idx": INITIALIZER_NAMES.index(init.name),
        "init_stddev": _check_number("initializer stddev", run.init_stddev, 0.0, 100.0),
        "act_param": run.activation_param,
        "dropout": dropout,
        "l1": l1,
        "l2": l2,
        **clips,
        "sched": sch.schedule_arrays(run.schedule, run.schedule_params),
        "n_epochs": n_epochs,
        "es": bool(run.early_stopping),
        "patience": patience,
        "restore": bool(run.restore_best_weights),
        "trainable_from": tuple(_NEVER if f is None else int(f) for f in frm),
    }


# -------------------------------------------------------------------- the kernel
@dataclass(frozen=True)
class _Spec:
    arch: Architecture
    kinds: tuple[str, ...]
    n_train: int
    batch_size: int
    n_val: int
    epochs: int  # bucket
    n_grid: int

    @property
    def n_batches(self) -> int:
        return -(-self.n_train // self.batch_size)

    @property
    def checkpoints(self) -> int:
        return min(N_CHECKPOINTS, self.epochs)

    @property
    def probe(self) -> int:
        return min(PROBE, self.n_train)


def _bins(values: Array, symmetric: bool) -> tuple[Array, Array]:
    """The bin (of HIST_BINS equal bins spanning the values) of every value, and the
    (lo, hi) span. :func:`_bin_counts` counts them once every snapshot has its bins."""
    v = values.ravel()
    if symmetric:
        hi = jnp.max(jnp.abs(v))
        lo = -hi
    else:
        lo, hi = jnp.min(v), jnp.max(v)
    width = jnp.maximum(hi - lo, 1e-30)
    idx = jnp.floor((v - lo) / width * HIST_BINS).astype(jnp.int32)
    return jnp.clip(idx, 0, HIST_BINS - 1), jnp.stack([lo, hi])


def _bin_counts(idx: Array) -> Array:
    """Histogram counts, shape ``(*lead, HIST_BINS)``, of bin indices ``(*lead, n)``.

    One flat scatter-add over every histogram at once: a scatter inside ``vmap``
    builds a multi-dimensional index per value, which cost the snapshot kernel
    ~3x more than the counting itself."""
    lead = idx.shape[:-1]
    m = math.prod(lead)
    offset = jnp.arange(m, dtype=jnp.int32)[:, None] * HIST_BINS
    flat = (idx.reshape(m, -1) + offset).ravel()
    counts = jnp.zeros(m * HIST_BINS, jnp.float32).at[flat].add(1.0, mode="promise_in_bounds")
    return counts.reshape(*lead, HIST_BINS)


def _layer_stats(arch: Architecture, acts: list[Array], mask: Array, padded: bool = True) -> Array:
    """Per hidden layer: mean and std of the activations, share saturated (sigmoid,
    tanh: derivative below 10 % of its peak), share of dead units (ReLU family: z ≤ 0
    for every example of the batch). Shape (n_hidden, 4).

    ``padded=False`` promises every row of the batch is real (``mask`` all ones), which
    saves the selects. Two passes over each activation: plain sums of a and |a|, then
    the scaled squared deviations. (Plain sums: a single two-output reduction of the
    sum and the largest |a|, and per-unit sums as a product with the mask, both ran
    ~2x slower in XLA's CPU code; M1 spent a sixth of its epoch loop in them.)"""
    rows = []
    real = mask[:, None] > 0
    n = jnp.maximum(jnp.sum(mask), 1.0)
    for name, a in zip(arch.activations, acts, strict=True):
        family = ACTIVATIONS[name].family
        size = n * a.shape[1]
        # padded rows are selected away, not multiplied by 0 (inf · 0 would be NaN)
        am = jnp.where(real, a, 0.0) if padded else a
        mean = jnp.sum(am) / size
        # deviations scaled by the mean |activation| (|a - mean| is at most 2·size times
        # it): exploding but finite activations give a finite std, not an overflowing a²
        mean_abs = jnp.sum(jnp.abs(am)) / size
        scale = jnp.where(mean_abs > 0, mean_abs, 1.0)
        unit = (am - mean) / scale
        if padded:
            unit = jnp.where(real, unit, 0.0)
        std = scale * jnp.sqrt(jnp.sum(jnp.square(unit)) / size)
        if name == "sigmoid":
            hit = a * (1 - a) < 0.025
        elif name == "tanh":
            hit = 1 - jnp.square(a) < 0.1
        else:
            hit = None
        if hit is not None and padded:
            hit = hit & real
        sat = jnp.zeros(()) if hit is None else jnp.sum(hit) / size
        if family == "relu":
            # a unit fires on some real row of the batch: in the ReLU family a > 0
            # exactly where z > 0 (reading a, which the next layer reads anyway, spares
            # XLA a copy of the comparison z > 0 that the backward pass also uses)
            fires = jnp.any(am > 0, axis=0)
            dead = jnp.mean((~fires).astype(jnp.float32))
        else:
            dead = jnp.zeros(())
        rows.append(jnp.stack([mean, std, sat, dead]))
    if not rows:
        return jnp.zeros((0, 4))
    return jnp.stack(rows)


def _record_fields(arch: Architecture) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """What the training kernel records per run and epoch, packed into one vector (one
    select, one finiteness check and one store per epoch instead of one per entry)."""
    L = arch.n_dense
    return (
        *((k, ()) for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr")),
        *((k, (L,)) for k in ("grad_kernel", "grad_bias", "weight_norm", "update_ratio")),
        ("act_stats", (len(arch.hidden), 4)),
    )


def _pack_record(rec: Mapping[str, Array], fields: Sequence[tuple[str, Any]]) -> Array:
    return jnp.concatenate([jnp.ravel(rec[k]) for k, _ in fields])


def _unpack_records(flat: np.ndarray, fields: Sequence[tuple[str, Any]]) -> dict[str, np.ndarray]:
    """Host side of :func:`_pack_record`: ``(..., n)`` -> ``{name: (..., *shape)}``."""
    out, start = {}, 0
    for name, shape in fields:
        size = math.prod(shape)
        out[name] = flat[..., start : start + size].reshape(*flat.shape[:-1], *shape)
        start += size
    return out


class _Layout(NamedTuple):
    """How a network's flat parameter vector maps onto its layers."""

    leaf_of: np.ndarray  # the leaf of every vector element
    bounds: tuple[tuple[int, int], ...]  # per leaf, its [start, end) in the vector
    layers: list[tuple[int, int]]  # per Dense layer, its kernel's and bias's (or BN β's) leaf
    layer_of_leaf: np.ndarray  # the Dense layer of every leaf
    template: Any  # the params tuple, zeros

    def leaf_sums(self, v: Array) -> Array:
        """Sum of ``v`` over each leaf's elements, along its last axis (static slices:
        no scatter). Stack the vectors to sum first: each slice is then one kernel."""
        return jnp.stack([jnp.sum(v[..., a:b], axis=-1) for a, b in self.bounds], axis=-1)

    def unravel(self, flat: Array) -> Any:
        """The params tuple of one flat vector (JAX or NumPy)."""
        leaves, treedef = jax.tree.flatten(self.template)
        # a split (not slices): its derivative is one concatenation, where slices would
        # each pad their gradient to the whole vector and add them up
        xp = np if isinstance(flat, np.ndarray) else jnp
        parts = xp.split(flat, [b for _, b in self.bounds[:-1]])
        return jax.tree.unflatten(
            treedef, [p.reshape(t.shape) for p, t in zip(parts, leaves, strict=True)]
        )

    def unravel_np(self, flat: np.ndarray) -> list[Any]:
        """Split host arrays ``(n, n_params)`` into one params tuple per row."""
        return [self.unravel(row) for row in np.asarray(flat)]


@functools.lru_cache(maxsize=64)
def _layout(arch: Architecture) -> _Layout:
    template = init_params_host(arch, 0, "zeros")
    leaf_of = []
    bounds = []
    layers = []
    layer_of_leaf = []
    leaf = start = 0
    for i, layer in enumerate(template):
        ids = {}
        for name in sorted(layer):  # the order jax flattens a dict in
            ids[name] = leaf
            leaf_of.append(np.full(layer[name].size, leaf, np.int32))
            bounds.append((start, start + layer[name].size))
            start += layer[name].size
            layer_of_leaf.append(i)
            leaf += 1
        layers.append((ids["w"], ids["b"] if "b" in ids else ids["beta"]))
    return _Layout(
        np.concatenate(leaf_of),
        tuple(bounds),
        layers,
        np.array(layer_of_leaf, np.int32),
        template,
    )


def _make_kernel(spec: _Spec) -> Callable[..., Any]:
    """The training function for one network shape: ``(data, runs) -> outputs``.

    Inside, the parameters are one flat vector, so each optimizer's update is a
    handful of vector operations however many layers there are (and the kernel
    compiles in a fraction of the time a per-layer update would take)."""
    arch = spec.arch
    kinds = spec.kinds
    opts = [OPTIMIZERS[k] for k in kinds]
    n_hidden = len(arch.hidden)
    nb, bs = spec.n_batches, spec.batch_size
    C = spec.checkpoints
    K = spec.epochs // C
    layout = _layout(arch)
    unravel, leaf_of, layer_of_leaf = layout.unravel, layout.leaf_of, layout.layer_of_leaf
    leaf_sums = layout.leaf_sums
    kernel_leaves = np.array([kw for kw, _ in layout.layers])
    fields = _record_fields(arch)
    bias_leaves = np.array([kb for _, kb in layout.layers])

    def clip(g: Array, r: Mapping[str, Array]) -> Array:
        """Keras 3's gradient clipping: ``clipnorm`` per variable, ``global_clipnorm``
        over all of them, ``clipvalue`` elementwise (a threshold of inf is off)."""
        norms = jnp.sqrt(leaf_sums(jnp.square(g)))
        c = r["clipnorm"]
        scale = jnp.where(norms > c, c / jnp.maximum(norms, 1e-30), 1.0)
        g = g * scale[leaf_of]
        total = jnp.sqrt(jnp.sum(jnp.square(g)))
        gc = r["global_clipnorm"]
        g = g * jnp.where(total > gc, gc / jnp.maximum(total, 1e-30), 1.0)
        return jnp.clip(g, -r["clipvalue"], r["clipvalue"])

    def opt_update(g, states, theta, hp, kind, mask):
        outs = [o.update(g, states[j], theta, hp) for j, o in enumerate(opts)]
        q = outs[0][0]
        for j in range(1, len(outs)):
            q = jnp.where(kind == j, outs[j][0], q)
        keep = lambda new, old: jnp.where(mask, new, old) if jnp.ndim(old) else new  # noqa: E731
        new_states = tuple(
            jax.tree.map(keep, out[1], old) for out, old in zip(outs, states, strict=True)
        )
        return jnp.where(mask, q, theta), new_states

    def loss_fn(theta, bn, x, y, mask, key, r, train):
        params = unravel(theta)
        out, new_bn, _, acts = forward(
            arch,
            params,
            bn,
            x,
            act_params=r["act_params"],
            train=train,
            dropout_rate=r["dropout"],
            key=key,
            mask=mask,
        )
        per = per_example_loss(arch, out, y)
        n = jnp.maximum(jnp.sum(mask), 1.0)
        loss = jnp.sum(per * mask) / n + penalty(params, r["l1"], r["l2"])
        return loss, (new_bn, out, acts)

    def evaluate(theta, bn, x, y, r):
        mask = jnp.ones(x.shape[0])
        loss, (_, out, _) = loss_fn(theta, bn, x, y, mask, None, r, False)
        acc = jnp.mean((predict_class(arch, out) == y).astype(jnp.float32))
        return loss, acc

    def one_run(data, r):
        theta0 = r["theta0"]
        zero = r["n_epochs"] * 0  # an integer 0 per run (XLA folds it away)

        def per_run(tree):
            """The same values, marked as per-run for ``vmap``: a scan whose initial
            carry already varies by run is batched once, not twice (the second pass,
            at three nested scans, was ~0.4 s of every first call's tracing)."""
            return jax.tree.map(
                lambda a: a | (zero != 0) if a.dtype == bool else a + zero.astype(a.dtype), tree
            )

        bn = init_bn_state(arch)
        hp = dict(r["hp"])
        states0 = tuple(o.init(theta0, hp) for o in opts)
        kind = r["kind"]
        X, y = data["X"], data["y"]
        n_epochs = r["n_epochs"]
        L = arch.n_dense

        def train_epoch(carry, e):
            theta, states, bn, plateau, es, last = carry
            active = (e < n_epochs) & ~es["stopped"] & ~last["diverged"]
            lr = hp["learning_rate"] * sch.lr_factor(r["sched"], e, n_epochs) * plateau.factor
            hp_e = {**hp, "learning_rate": lr}
            mask = (e >= r["trainable_from"])[layer_of_leaf][leaf_of]
            key_e = jax.random.fold_in(r["train_key"], e)
            if nb > 1:
                order = jax.random.permutation(key_e, spec.n_train)
            else:
                order = jnp.arange(spec.n_train)
            pad = nb * bs - spec.n_train
            order = jnp.concatenate([order, jnp.zeros(pad, order.dtype)]).reshape(nb, bs)
            rowmask = (jnp.arange(nb * bs) < spec.n_train).astype(jnp.float32).reshape(nb, bs)

            def last_batch_stats(b, acts, m, previous):
                """The epoch reports the activation statistics of its last batch: the
                other batches skip them (a ``cond`` on the batch index, which ``vmap``
                leaves a branch, as the index is the same for every run)."""
                stats = functools.partial(_layer_stats, arch, padded=pad > 0)
                if nb == 1:
                    return stats(acts, m)
                return jax.lax.cond(b == nb - 1, lambda: stats(acts, m), lambda: previous)

            def batch(c, b):
                theta, states, bn, sums = c
                idx, m = order[b], rowmask[b]
                kb = jax.random.fold_in(key_e, b + 1)
                (loss, (new_bn, out, acts)), g = jax.value_and_grad(loss_fn, has_aux=True)(
                    theta, bn, X[idx], y[idx], m, kb, r, True
                )
                g = clip(g, r)
                new_theta, new_states = opt_update(g, states, theta, hp_e, kind, mask)
                cnt = jnp.sum(m)
                correct = jnp.sum((predict_class(arch, out) == y[idx]) * m)
                # gradient, step and weight norms per leaf, summed in one pass
                g_norms, step, w = jnp.sqrt(
                    leaf_sums(jnp.square(jnp.stack([g, new_theta - theta, theta])))
                )
                step, w = step[kernel_leaves], w[kernel_leaves]
                sums = {
                    "loss": sums["loss"] + loss * cnt,
                    "correct": sums["correct"] + correct,
                    "gk": sums["gk"] + g_norms[kernel_leaves],
                    "gb": sums["gb"] + g_norms[bias_leaves],
                    "ratio": sums["ratio"] + step / jnp.maximum(w, 1e-12),
                    "stats": last_batch_stats(b, acts, m, sums["stats"]),
                }
                return (new_theta, new_states, new_bn, sums), None

            sums0 = {
                "loss": jnp.zeros(()),
                "correct": jnp.zeros(()),
                "gk": jnp.zeros(L),
                "gb": jnp.zeros(L),
                "ratio": jnp.zeros(L),
                "stats": jnp.zeros((n_hidden, 4)),
            }
            sums0 = per_run(sums0)
            (t2, s2, bn2, sums), _ = jax.lax.scan(batch, (theta, states, bn, sums0), jnp.arange(nb))
            loss = sums["loss"] / spec.n_train
            acc = sums["correct"] / spec.n_train
            if spec.n_val:
                val_loss, val_acc = evaluate(t2, bn2, data["Xv"], data["yv"], r)
            else:
                val_loss, val_acc = loss, acc

            rec = _pack_record(
                {
                    "loss": loss,
                    "accuracy": acc,
                    "val_loss": val_loss,
                    "val_accuracy": val_acc,
                    "lr": lr,
                    "grad_kernel": sums["gk"] / nb,
                    "grad_bias": sums["gb"] / nb,
                    "weight_norm": jnp.sqrt(leaf_sums(jnp.square(t2)))[kernel_leaves],
                    "update_ratio": sums["ratio"] / nb,
                    "act_stats": sums["stats"],
                },
                fields,
            )
            # diverged: the loss, the weights or anything recorded about the epoch (an
            # activation, a gradient norm) stopped being finite
            finite = jnp.all(jnp.isfinite(rec)) & jnp.all(jnp.isfinite(t2))
            ok = active & finite
            newly_diverged = active & ~finite
            sel = lambda a, b: jax.tree.map(lambda u, v: jnp.where(ok, u, v), a, b)  # noqa: E731

            # early stopping, as Keras: wait += 1, an improvement resets it, stop at patience
            improved = val_loss < es["best"]
            wait = jnp.where(improved, 0, es["wait"] + 1)
            stop = r["es"] & ~improved & (wait >= r["patience"]) & (e > 0)
            keep_best = ok & improved
            es2 = {
                "best": jnp.where(keep_best, val_loss, es["best"]),
                "best_epoch": jnp.where(keep_best, e + 1, es["best_epoch"]),
                "wait": jnp.where(ok, wait, es["wait"]),
                "stopped": es["stopped"] | (ok & stop),
                "stopped_epoch": jnp.where(ok & stop, e + 1, es["stopped_epoch"]),
                "theta": jnp.where(keep_best, t2, es["theta"]),
                "bn": jax.tree.map(lambda a, b: jnp.where(keep_best, a, b), bn2, es["bn"]),
            }
            plateau2 = sch.plateau_update(plateau, val_loss, r["sched"], hp["learning_rate"])

            rec = jnp.where(ok, rec, last["rec"])
            last2 = {
                "rec": rec,
                "diverged": last["diverged"] | newly_diverged,
                "diverged_epoch": jnp.where(newly_diverged, e + 1, last["diverged_epoch"]),
                "epochs_run": last["epochs_run"] + ok.astype(jnp.int32),
            }
            # A run that is not ``ok`` never trains again (running out of epochs, stopping
            # and diverging are for good): its weights and BN statistics are the last good
            # ones, while its optimizer and plateau states, never read again, need no select.
            carry2 = (sel(t2, theta), s2, sel(bn2, bn), plateau2, es2, last2)
            return carry2, rec

        def checkpoint(carry, c):
            carry, recs = jax.lax.scan(train_epoch, carry, c * K + jnp.arange(K))
            return carry, (recs, (carry[0], carry[2]))

        rec0 = jnp.zeros(sum(math.prod(shape) for _, shape in fields))
        es0 = {
            "best": jnp.asarray(jnp.inf),
            "best_epoch": jnp.zeros((), jnp.int32),
            "wait": jnp.zeros((), jnp.int32),
            "stopped": jnp.zeros((), bool),
            "stopped_epoch": jnp.zeros((), jnp.int32),
            "theta": theta0,
            "bn": bn,
        }
        last0 = {
            "rec": rec0,
            "diverged": jnp.zeros((), bool),
            "diverged_epoch": jnp.zeros((), jnp.int32),
            "epochs_run": jnp.zeros((), jnp.int32),
        }
        carry0 = per_run((theta0, states0, bn, sch.plateau_init(), es0, last0))
        carry, (recs, (ck_theta, ck_bn)) = jax.lax.scan(checkpoint, carry0, jnp.arange(C))
        theta_f, _, bn_f, _, es, last = carry
        restore = r["es"] & r["restore"] & (es["best_epoch"] > 0)
        theta_f = jnp.where(restore, es["theta"], theta_f)
        bn_f = jax.tree.map(lambda a, b: jnp.where(restore, a, b), es["bn"], bn_f)
        stack = lambda a, s, f: jnp.concatenate([a[None], s, f[None]])  # noqa: E731
        recs = recs.reshape(C * K, recs.shape[-1])
        if spec.n_val:
            fl, fa = evaluate(theta_f, bn_f, data["Xv"], data["yv"], r)
        else:
            fl, fa = evaluate(theta_f, bn_f, X, y, r)
        return {
            "history": recs,
            "snap_theta": stack(theta0, ck_theta, theta_f),
            "snap_bn": jax.tree.map(stack, bn, ck_bn, bn_f),
            "theta": theta_f,
            "bn_state": bn_f,
            "diverged_epoch": last["diverged_epoch"],
            "epochs_run": last["epochs_run"],
            "stopped_epoch": es["stopped_epoch"],
            "best_epoch": es["best_epoch"],
            "final_loss": fl,
            "final_accuracy": fa,
        }

    def kernel(data, runs):
        TRACES[_describe(spec)] += 1
        return jax.vmap(one_run, in_axes=(None, 0))(data, runs)

    return jax.jit(kernel, compiler_options=COMPILER_OPTIONS)


@dataclass(frozen=True)
class _SnapSpec:
    arch: Architecture
    n_grid: int
    probe: int


def _make_snapshot_kernel(spec: _SnapSpec) -> Callable[..., Any]:
    """Decision function on the grid and histograms of activations and of ∂L/∂z on a
    probe batch, for every (run, snapshot) pair in one call."""
    arch = spec.arch
    n_hidden = len(arch.hidden)
    P = spec.probe

    def snapshot(data, params, bn, r):
        if spec.n_grid:
            out, *_ = forward(arch, params, bn, data["grid"], act_params=r["act_params"])
        else:
            out = jnp.zeros((0, arch.n_out))
        xp, yp = data["X"][:P], data["y"][:P]
        dz0 = tuple(jnp.zeros((P, s)) for s in arch.sizes[1:])

        def probe_loss(dz):
            out, _, _, acts = forward(
                arch, params, bn, xp, act_params=r["act_params"], train=True, dz=dz
            )
            return jnp.mean(per_example_loss(arch, out, yp)), acts

        dzs, acts = jax.grad(probe_loss, has_aux=True)(dz0)
        h_act = [_bins(a, False) for a in acts]
        h_grad = [_bins(g, True) for g in dzs]

        def ranges(hs):
            return jnp.stack([h[1] for h in hs]) if hs else jnp.zeros((0, 2))

        snap = {
            "boundary": out.astype(jnp.float32),
            "act_range": ranges(h_act),
            "grad_range": ranges(h_grad),
        }
        # The last good weights of a run that diverged may still overflow on the probe
        # batch (training checks the batches it trained on, not this one): NaN becomes 0
        # and ±inf the largest float32, so no NaN leaves the engine.
        snap = jax.tree.map(jnp.nan_to_num, snap)
        snap["act_bins"] = tuple(h[0] for h in h_act)
        snap["grad_bins"] = tuple(h[0] for h in h_grad)
        return snap

    unravel = _layout(arch).unravel

    def kernel(data, theta, bn, r):
        TRACES[f"snapshot {arch.sizes} n_hidden={n_hidden}"] += 1
        params = jax.vmap(jax.vmap(unravel))(theta)
        per_snap = jax.vmap(snapshot, in_axes=(None, 0, 0, None))
        out = jax.vmap(per_snap, in_axes=(None, 0, 0, 0))(data, params, bn, r)
        for kind in ("act", "grad"):
            counts = [_bin_counts(idx) for idx in out.pop(f"{kind}_bins")]
            out[f"{kind}_counts"] = (
                jnp.stack(counts, axis=2)
                if counts
                else jnp.zeros((*theta.shape[:2], 0, HIST_BINS), jnp.float32)
            )
        return out

    return jax.jit(kernel, compiler_options=COMPILER_OPTIONS)


def _describe(spec: _Spec) -> str:
    return (
        f"{spec.arch.sizes} {'/'.join(spec.arch.activations)} bn={spec.arch.batch_norm} "
        f"drop={spec.arch.dropout} kinds={len(spec.kinds)} n={spec.n_train} "
        f"bs={spec.batch_size} val={spec.n_val} epochs={spec.epochs}"
    )


_KERNELS: dict[Any, Callable[..., Any]] = {}
_KERNEL_LOCK = threading.Lock()


def _kernel(spec: _Spec | _SnapSpec) -> Callable[..., Any]:
    with _KERNEL_LOCK:
        fn = _KERNELS.get(spec)
        if fn is None:
            make = _make_kernel if isinstance(spec, _Spec) else _make_snapshot_kernel
            fn = _KERNELS[spec] = make(spec)
        return fn


# ------------------------------------------------------------------- the result
@dataclass
class TrainResult:
    """What a training call returns, as numpy arrays with runs on the first axis.

    ``history[k]`` for k in loss, accuracy, val_loss, val_accuracy, lr has shape
    (n_runs, epochs). Epochs after a run stopped (early stopping, divergence, or
    its own shorter epoch count) repeat its last values; ``epochs_run`` says how
    many are real. ``grad_norms`` (kernel), ``bias_grad_norms``, ``weight_norms``
    and ``update_ratios`` have shape (n_runs, epochs, n_dense_layers);
    ``activation_mean``/``_std``/``saturated``/``dead`` (n_runs, epochs, n_hidden).
    Snapshots are taken at ``snapshot_epochs`` (0 = initialization; the last one
    is the final model, after restoring the best weights if early stopping did):
    ``boundary`` (n_runs, n_snap, GRID*GRID, n_out) for 2D data on ``grid_x`` ×
    ``grid_y``, and histograms ``act_hist``/``grad_hist`` (counts, shape
    (n_runs, n_snap, layers, HIST_BINS)) with their ``*_range`` (lo, hi).
    ``params`` and ``init_params`` hold each run's final and initial weights (a
    tuple with one dict per Dense layer).
    """

    arch: Architecture
    labels: list[str]
    optimizers: list[str]
    runs: list[Run]
    epochs: int
    history: dict[str, np.ndarray]
    grad_norms: np.ndarray
    bias_grad_norms: np.ndarray
    weight_norms: np.ndarray
    update_ratios: np.ndarray
    activation_mean: np.ndarray
    activation_std: np.ndarray
    saturated: np.ndarray
    dead: np.ndarray
    snapshot_epochs: np.ndarray
    boundary: np.ndarray
    grid_x: np.ndarray
    grid_y: np.ndarray
    act_hist: np.ndarray
    act_range: np.ndarray
    grad_hist: np.ndarray
    grad_range: np.ndarray
    params: list[Any]
    init_params: list[Any]
    bn_state: list[Any]
    epochs_run: np.ndarray
    stopped_epoch: np.ndarray
    best_epoch: np.ndarray
    diverged_epoch: np.ndarray
    final_loss: np.ndarray
    final_accuracy: np.ndarray
    dataset: Dataset | None = None

    @property
    def n_runs(self) -> int:
        return len(self.labels)

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_epoch > 0


HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "lr")


@functools.lru_cache(maxsize=1024)
def _key(seed: int, stream: int) -> np.ndarray:
    """A ``jax.random`` key (two uint32 words) for one stream of a seed, made on the
    host from NumPy's ``SeedSequence`` (an eager ``fold_in`` compiles two kernels on
    the first call). Stream 1 shuffles the mini-batches and drops units out."""
    key = np.random.SeedSequence([int(seed), int(stream)]).generate_state(2, np.uint32)
    key.setflags(write=False)
    return key


def _as_dataset(dataset: Dataset | str, seed: int) -> Dataset:
    if isinstance(dataset, Dataset):
        return dataset
    return make_dataset(str(dataset), seed=seed)


def _grid(ds: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not ds.is_2d or ds.domain is None:
        return np.zeros(0, np.float32), np.zeros(0, np.float32), np.zeros((0, 2), np.float32)
    (x0, x1), (y0, y1) = ds.domain
    gx = np.linspace(x0, x1, GRID, dtype=np.float32)
    gy = np.linspace(y0, y1, GRID, dtype=np.float32)
    xx, yy = np.meshgrid(gx, gy)
    return gx, gy, np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)


def _runs_from(optimizers: Any, seeds: Sequence[int], base: Mapping[str, Any]) -> list[Run]:
    if isinstance(optimizers, str):
        optimizers = {optimizers: {}}
    pairs = list(optimizers.items()) if isinstance(optimizers, Mapping) else list(optimizers)
    if not pairs:
        raise ValueError("choose at least one optimizer")
    runs = []
    for seed in seeds:
        for item in pairs:
            name, hparams = (item, {}) if isinstance(item, str) else item
            label = get_optimizer(name).display
            if len(seeds) > 1:
                label = f"{label} (seed {seed})"
            runs.append(
                Run(optimizer=name, hparams=dict(hparams or {}), seed=seed, label=label, **base)
            )
    return runs


def train(
    dataset: Dataset | str,
    *,
    hidden: Sequence[int] = (16, 16),
    activation: str | Sequence[str] = "relu",
    initializer: str = "glorot_uniform",
    optimizers: Any = None,
    epochs: int = 100,
    batch_size: int | None = None,
    seed: int | Sequence[int] = 0,
    runs: Sequence[Run | Mapping[str, Any]] | None = None,
    loss: str | None = None,
    batch_norm: bool = False,
    init_params: Any = None,
    **options: Any,
) -> TrainResult:
    """Train one small MLP per run, all in one compiled call.

    Args:
        dataset: a :class:`~optiviz.engine.datasets.Dataset` or a dataset name.
        hidden: units per hidden layer, e.g. ``(16, 16)``.
        activation: one activation for every hidden layer, or one per layer.
        initializer: Keras name of the kernel initializer (``"he_normal"``, ...).
        optimizers: ``{"adam": {"learning_rate": 0.01}, "sgd": {...}}`` or a list of
            ``(name, hparams)`` pairs (the same optimizer may appear twice).
        epochs: epochs per run (at most :data:`MAX_EPOCHS`).
        batch_size: mini-batch size; ``None`` trains on the full batch.
        seed: one seed, or several (every optimizer is trained once per seed); the
            seed fixes the initial weights, the shuffling and dropout.
        runs: instead of ``optimizers``/``seed``, an explicit list of :class:`Run`
            (or dicts of its fields) — e.g. one per learning-rate schedule.
        loss: ``"mse"`` to replace the cross-entropy the task implies.
        batch_norm: BatchNormalization between each hidden Dense and its activation.
        init_params: start every run from these weights instead of drawing them.
        **options: defaults for every run — any :class:`Run` field (``dropout``,
            ``l1``, ``l2``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``,
            ``schedule``, ``schedule_params``, ``early_stopping``, ``patience``,
            ``restore_best_weights``, ``activation_param``, ``init_stddev``), plus
            ``progress``: a callable given the fraction done (0..1) during training.

    Returns:
        A :class:`TrainResult`.
    """
    progress = options.pop("progress", None)
    unknown = set(options) - _RUN_FIELDS
    if unknown:
        raise ValueError(f"unknown option(s): {', '.join(sorted(unknown))}")
    seeds = [int(s) for s in (seed if isinstance(seed, Sequence) else [seed])]
    ds = _as_dataset(dataset, seeds[0])
    if ds.n_train < 1:
        raise ValueError("the dataset has no training examples")
    epochs = int(_check_number("epochs", epochs, 1, MAX_EPOCHS))
    base = {"initializer": initializer, **options}
    if runs is None:
        run_list = _runs_from(optimizers or {"adam": {"learning_rate": 0.01}}, seeds, base)
    else:
        run_list = [r if isinstance(r, Run) else Run(**{**base, **dict(r)}) for r in runs]
        run_list = [
            r if r.label else Run(**{**r.__dict__, "label": get_optimizer(r.optimizer).display})
            for r in run_list
        ]
    if not 1 <= len(run_list) <= MAX_RUNS:
        raise ValueError(f"between 1 and {MAX_RUNS} runs can train at once, got {len(run_list)}")

    dropout_on = any(float(r.dropout) > 0 for r in run_list)
    arch = build(
        ds.n_features,
        ds.n_classes,
        tuple(hidden),
        activation if isinstance(activation, str) else tuple(activation),
        loss=loss,
        batch_norm=batch_norm,
        dropout=dropout_on,
    )
    resolved = [_resolve_run(r, arch.n_dense, len(arch.hidden), epochs) for r in run_list]
    max_epochs = max(r["n_epochs"] for r in resolved)
    bucket = _bucket_epochs(max_epochs)
    bs = ds.n_train if batch_size is None else int(_check_number("batch size", batch_size, 1, 1e9))
    bs = min(bs, ds.n_train)

    trainable, _ = count_params(arch)
    used = sorted({r["optimizer"] for r in resolved}, key=list(OPTIMIZERS).index)
    kinds = tuple(OPTIMIZERS) if trainable <= ALL_KINDS_MAX_PARAMS else tuple(used)
    gx, gy, grid = _grid(ds)
    spec = _Spec(
        arch=arch,
        kinds=kinds,
        n_train=ds.n_train,
        batch_size=bs,
        n_val=ds.n_val,
        epochs=bucket,
        n_grid=len(grid),
    )

    # per-run arrays
    act_defaults = [get_activation(a).param_default for a in arch.activations]

    def act_params(r: dict[str, Any]) -> list[float]:
        p = r["act_param"]
        if p is None:
            return act_defaults
        if isinstance(p, (int, float)):
            return [float(p)] * len(arch.hidden)
        return [float(v) for v in p]

    if init_params is None:
        theta0 = np.stack(
            [
                initial_vector(arch, r["seed"], INITIALIZER_NAMES[r["init_idx"]], r["init_stddev"])
                for r in resolved
            ]
        )
    else:
        given = [np.asarray(a, np.float32) for a in jax.tree.leaves(tuple(init_params))]
        expected = jax.tree.leaves(_layout(arch).template)
        if [g.shape for g in given] != [t.shape for t in expected]:
            raise ValueError(
                "init_params do not fit the network: expected shapes "
                f"{[t.shape for t in expected]}, got {[g.shape for g in given]}"
            )
        flat = np.concatenate([g.ravel() for g in given])
        theta0 = np.broadcast_to(flat, (len(resolved), flat.size))
    runs_in = {
        "theta0": theta0,
        "train_key": np.stack([_key(r["seed"], 1) for r in resolved]),
        "kind": np.array([kinds.index(r["optimizer"]) for r in resolved], np.int32),
        "hp": {k: np.array([r["hp"][k] for r in resolved], np.float32) for k in HP_NAMES},
        "act_params": np.array([act_params(r) for r in resolved], np.float32).reshape(
            len(resolved), len(arch.hidden)
        ),
        "n_epochs": np.array([r["n_epochs"] for r in resolved], np.int32),
        "trainable_from": np.array([r["trainable_from"] for r in resolved], np.int32),
        "es": np.array([r["es"] for r in resolved], bool),
        "patience": np.array([r["patience"] for r in resolved], np.int32),
        "restore": np.array([r["restore"] for r in resolved], bool),
        "sched": {
            k: np.stack([np.asarray(r["sched"][k]) for r in resolved]) for k in resolved[0]["sched"]
        },
    }
    for k in ("dropout", "l1", "l2", "clipvalue", "clipnorm", "global_clipnorm"):
        runs_in[k] = np.array([r[k] for r in resolved], np.float32)
    data = {
        "X": np.asarray(ds.X_train, np.float32),
        "y": np.asarray(ds.y_train, np.int32),
        "Xv": np.asarray(ds.X_val, np.float32),
        "yv": np.asarray(ds.y_val, np.int32),
        "grid": grid,
    }
    if progress is not None:
        progress(0.0)
    snap_in = {k: runs_in[k] for k in ("act_params",)}
    snap_data = {k: data[k] for k in ("X", "y", "grid")}
    snap_spec = _SnapSpec(arch, len(grid), spec.probe)
    out = _kernel(spec)(data, runs_in)
    snap_theta = out.pop("snap_theta")
    out["snapshots"] = _kernel(snap_spec)(snap_data, snap_theta, out.pop("snap_bn"), snap_in)
    theta_f = out.pop("theta")
    out = jax.device_get(out)
    out["history"] = _unpack_records(out["history"], _record_fields(arch))
    layout = _layout(arch)
    out["params"] = layout.unravel_np(theta_f)
    out["init_params"] = layout.unravel_np(theta0)
    if progress is not None:
        progress(1.0)
    return _result(spec, run_list, resolved, out, max_epochs, gx, gy, ds)


def _result(spec, run_list, resolved, out, max_epochs, gx, gy, ds) -> TrainResult:
    h = out["history"]
    E = max_epochs
    C, K = spec.checkpoints, spec.epochs // spec.checkpoints
    snap_epochs = np.concatenate([[0], (np.arange(C) + 1) * K])
    keep = np.flatnonzero(snap_epochs <= E)
    snaps = out["snapshots"]
    # snapshots: [init, C checkpoints, final]; keep those within the trained epochs + final
    idx = np.concatenate([keep, [C + 1]])
    epochs_kept = np.concatenate([snap_epochs[keep], [E]])
    if len(epochs_kept) >= 2 and epochs_kept[-2] == E:
        idx = np.delete(idx, -2)
        epochs_kept = np.delete(epochs_kept, -2)
    stats = h["act_stats"][:, :E]
    n_runs = len(run_list)
    params, initial = out["params"], out["init_params"]
    bn = [jax.tree.map(lambda a, i=i: np.asarray(a[i]), out["bn_state"]) for i in range(n_runs)]
    return TrainResult(
        arch=spec.arch,
        labels=[r.label or get_optimizer(r.optimizer).display for r in run_list],
        optimizers=[r["optimizer"] for r in resolved],
        runs=list(run_list),
        epochs=E,
        history={k: np.asarray(h[k][:, :E]) for k in HISTORY_KEYS},
        grad_norms=h["grad_kernel"][:, :E],
        bias_grad_norms=h["grad_bias"][:, :E],
        weight_norms=h["weight_norm"][:, :E],
        update_ratios=h["update_ratio"][:, :E],
        activation_mean=stats[..., 0],
        activation_std=stats[..., 1],
        saturated=stats[..., 2],
        dead=stats[..., 3],
        snapshot_epochs=epochs_kept.astype(np.int32),
        boundary=snaps["boundary"][:, idx],
        grid_x=gx,
        grid_y=gy,
        act_hist=snaps["act_counts"][:, idx],
        act_range=snaps["act_range"][:, idx],
        grad_hist=snaps["grad_counts"][:, idx],
        grad_range=snaps["grad_range"][:, idx],
        params=params,
        init_params=initial,
        bn_state=bn,
        epochs_run=np.asarray(out["epochs_run"]),
        stopped_epoch=np.asarray(out["stopped_epoch"]),
        best_epoch=np.asarray(out["best_epoch"]),
        diverged_epoch=np.asarray(out["diverged_epoch"]),
        final_loss=np.asarray(out["final_loss"]),
        final_accuracy=np.asarray(out["final_accuracy"]),
        dataset=ds,
    )


def summary(model: TrainResult | Architecture) -> Any:
    """Keras's ``model.summary()`` table for a trained result or an architecture
    (a :class:`~optiviz.engine.mlp.ModelSummary`; ``print()`` it for the text form)."""
    from .mlp import summary as _summary

    return _summary(model.arch if isinstance(model, TrainResult) else model)
