"""Train small MLPs: every optimizer side by side, with no compilation per shape.

:func:`train` builds one *run* per (optimizer setting, seed) — or takes an
explicit list of runs — and trains them side by side (``vmap`` over runs). The
kernels are compiled per :class:`Bucket` — a width bucket of
:mod:`optiviz.engine.networks.padded` and a run count — and serve every network, data
set, batch size and epoch count inside it:

* the network's shape (depth, units, activations, batch norm, dropout, output and
  loss) is a traced :class:`~optiviz.engine.networks.padded.Frame`;
* row counts (a mini-batch, the validation set, a full-batch epoch) select one
  branch of a ``lax.switch`` over :data:`ROWS`, the data stored in one array of
  :data:`MAX_ROWS` rows;
* training runs in calls of one checkpoint interval each (at most
  :data:`MAX_CHUNK` epochs, a loop bound), with a snapshot after each call;
* every hyperparameter, the optimizer of each run, the initializer, dropout rate,
  L1/L2 strength, clipping, the schedule and early stopping are arrays.

Each step computes the update of all eight optimizers (the functions of
:mod:`optiviz.engine.optimizers`, the same ones the 2D race uses) and keeps the
run's own, so switching optimizers never recompiles either. :func:`buckets` lists
what a server compiles at start (see :mod:`optiviz.engine.kernels`).

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

import dataclasses
import functools
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import checks
from .._jaxsetup import COMPILER_OPTIONS
from .._store import Stored
from ..kernels import compiled, register_warmup
from ..optimizers import OPTIMIZERS, clip_factor, get_optimizer, kernel_defaults
from . import features as feat
from . import padded
from . import schedules as sch
from .activations import get_activation
from .datasets import Dataset, make_dataset
from .initializers import INITIALIZER_NAMES, get_initializer
from .mlp import Architecture, build, init_params_host

Array = Any

EPOCH_BUCKETS: tuple[int, ...] = (
    10, 20, 30, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000,
)  # fmt: skip
MAX_EPOCHS = EPOCH_BUCKETS[-1]
N_CHECKPOINTS = 50
HIST_BINS = 30
PROBE = 256  # examples used for histograms
GRID = 40  # decision-function grid is GRID × GRID
#: each hidden unit's map over the plane: MAP × MAP cells (every other grid point), for
#: the first MAP_UNITS units of a layer, one byte a cell (see TrainResult.unit_maps)
MAP = GRID // 2
MAP_UNITS = 16
MAP_CELLS = (np.arange(0, GRID, 2)[:, None] * GRID + np.arange(0, GRID, 2)[None, :]).ravel()
#: the maps are kept at most at this many snapshots, evenly spread, the last included
#: (what the diagram animates; half of the 52 halves what a cached scene holds)
MAP_SNAPSHOTS = 26


def map_snapshots(n: int, limit: int = MAP_SNAPSHOTS) -> np.ndarray:
    """Which of ``n`` snapshots keep their unit maps and link weights (at most
    ``limit``, evenly spread, the first and the last among them)."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


#: the recorded weights a result keeps per run, in float32 numbers (256 KB): every
#: snapshot of a network of up to ~1,300 weights, fewer for a larger one (a classroom's
#: cached scenes hold them: at 1 MB a run, a 4 x 64 network's three runs kept 3 MB)
WEIGHT_BUDGET = 1 << 16


def weight_snapshots(n: int, n_weights: int) -> np.ndarray:
    """Which of ``n`` snapshots keep a network's weights (``TrainResult.weights``)."""
    return map_snapshots(n, max(2, WEIGHT_BUDGET // max(n_weights, 1)))


MAX_RUNS = 64
_NEVER = 2**30

#: How many times a training kernel has been traced, by a short description.
TRACES: Counter[str] = Counter()

_HP_DEFAULTS = kernel_defaults()
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


class Resolved(NamedTuple):
    """One run's settings, validated, as the numbers the kernel takes (host side)."""

    optimizer: str
    hp: dict[str, float]
    seed: int
    init_idx: int
    init_stddev: float
    act_param: Any
    dropout: float
    l1: float
    l2: float
    clipvalue: float
    clipnorm: float
    global_clipnorm: float
    sched: dict[str, Any]
    n_epochs: int
    es: bool
    patience: int
    restore: bool
    trainable_from: tuple[int, ...]


class RunArrays(NamedTuple):
    """Every run's settings as arrays with runs on the first axis: what the kernels
    take (one row each under ``vmap``)."""

    theta0: Array
    train_key: Array
    kind: Array
    hp: dict[str, Array]
    act_params: Array
    n_epochs: Array
    #: the epochs a schedule spans (1cycle's length): the first ``fit``'s, also when a
    #: later call trains further, as the same callback would in Keras
    horizon: Array
    trainable_from: Array
    es: Array
    patience: Array
    restore: Array
    sched: dict[str, Array]
    dropout: Array
    l1: Array
    l2: Array
    clipvalue: Array
    clipnorm: Array
    global_clipnorm: Array


def _resolve_run(run: Run, n_dense: int, n_hidden: int, epochs: int) -> Resolved:
    """Validate one run and turn it into the kernel's per-run numbers."""
    opt = get_optimizer(run.optimizer)
    values = opt.resolve(run.hparams)
    for h in opt.hparams:
        low = 0.0 if h.name == "learning_rate" else h.low
        checks.number(f"{opt.display} {h.name}", values[h.name], low, max(h.high, 1e9))
    hp = dict(_HP_DEFAULTS)
    hp.update(opt.with_derived(values))
    init = get_initializer(run.initializer)
    dropout = checks.number("dropout rate", run.dropout, 0.0, 0.95)
    l1 = checks.number("L1 strength", run.l1, 0.0, 10.0)
    l2 = checks.number("L2 strength", run.l2, 0.0, 10.0)
    clips = {}
    for name in ("clipvalue", "clipnorm", "global_clipnorm"):
        v = getattr(run, name)
        clips[name] = np.inf if v is None else checks.number(name, v, 1e-6, 1e6)
    if sum(np.isfinite(v) for v in clips.values()) > 1:
        raise ValueError(
            "choose one kind of gradient clipping: Keras applies only one of "
            "clipnorm, global_clipnorm and clipvalue"
        )
    n_epochs = epochs if run.epochs is None else int(run.epochs)
    if not 1 <= n_epochs <= MAX_EPOCHS:
        raise ValueError(f"epochs must be between 1 and {MAX_EPOCHS}, got {n_epochs}")
    patience = checks.whole("patience", run.patience, 0, MAX_EPOCHS)
    frm = run.trainable_from or (0,) * n_dense
    if len(frm) != n_dense:
        raise ValueError(f"trainable_from needs one entry per Dense layer ({n_dense})")
    return Resolved(
        optimizer=opt.name,
        hp=hp,
        seed=int(run.seed),
        init_idx=INITIALIZER_NAMES.index(init.name),
        init_stddev=checks.number("initializer stddev", run.init_stddev, 0.0, 100.0),
        act_param=run.activation_param,
        dropout=dropout,
        l1=l1,
        l2=l2,
        **clips,
        sched=sch.schedule_arrays(run.schedule, run.schedule_params),
        n_epochs=n_epochs,
        es=bool(run.early_stopping),
        patience=patience,
        restore=bool(run.restore_best_weights),
        trainable_from=tuple(_NEVER if f is None else int(f) for f in frm),
    )


# ------------------------------------------------------------------ the buckets
#: Row counts a training step is compiled for: a mini-batch (or a full-batch epoch)
#: of ``n`` rows is computed at the smallest size here that holds it, its extra rows
#: masked. Passes that only go forward (validation, the final evaluation) walk the
#: rows in tiles of :data:`TILE` in a loop instead, so they need no bucket.
ROWS: tuple[int, ...] = (32, 256, 1024, 4096, 20480)
TILE = 256
#: sizes the per-epoch shuffle sorts (a ``switch`` inside the kernel: sorting is cheap
#: to compile, and sorting 20,480 keys for 800 examples is not cheap to run)
SHUFFLE_SIZES: tuple[int, ...] = (256, 1024, 4096, 20480)
#: The largest training set (a CSV of 20,000 rows): training and validation rows are
#: stored together in one array of this many rows.
MAX_ROWS = ROWS[-1]
#: Runs trained side by side, in one vmapped kernel: a call with one run pads it with a
#: copy (whose results are dropped), more runs train in groups of two, one group after
#: another. (Wider kernels trained no faster on a 2-core CPU, and each kernel costs
#: memory.)
RUN_BUCKETS: tuple[int, ...] = (2,)
#: Epochs one kernel call trains at most: training runs in calls of one checkpoint
#: interval each (``bucket // N_CHECKPOINTS`` epochs), so the epoch count is a loop
#: bound and never a shape.
MAX_CHUNK = MAX_EPOCHS // N_CHECKPOINTS
#: The decision function is drawn with at most this many output columns.
MAX_OUT = 10


def row_bucket(n: int, sizes: tuple[int, ...] = ROWS) -> int:
    """Index in ``sizes`` of the smallest size that holds ``n`` rows."""
    for i, size in enumerate(sizes):
        if n <= size:
            return i
    raise ValueError(f"at most {sizes[-1]} rows fit, got {n}")


def run_bucket(n: int) -> int:
    """The run count a kernel is compiled for, for ``n`` runs (groups of the largest
    bucket beyond it)."""
    return next((b for b in RUN_BUCKETS if n <= b), RUN_BUCKETS[-1])


class Bucket(NamedTuple):
    """What a training kernel is compiled for: the width bucket, the run count and the
    rows of one training step (0 for the kernels that need no row count)."""

    width: int
    runs: int
    rows: int = 0


def buckets() -> tuple[Bucket, ...]:
    """Every training bucket (the snapshot kernel is ``rows=0``)."""
    return tuple(Bucket(p, r, n) for p in padded.WIDTHS for r in RUN_BUCKETS for n in (0, *ROWS))


# ---------------------------------------------------------------- the statistics
def _bins(values: Array, real: Array, symmetric: bool) -> tuple[Array, Array]:
    """The bin (of HIST_BINS equal bins spanning the real values) of every value, and
    the (lo, hi) span. :func:`_bin_counts` counts the real ones."""
    if symmetric:
        hi = jnp.max(jnp.where(real, jnp.abs(values), 0.0))
        lo = -hi
    else:
        lo = jnp.min(jnp.where(real, values, jnp.inf))
        hi = jnp.max(jnp.where(real, values, -jnp.inf))
        lo, hi = jnp.where(jnp.any(real), lo, 0.0), jnp.where(jnp.any(real), hi, 0.0)
    width = jnp.maximum(hi - lo, 1e-30)
    idx = jnp.floor((values - lo) / width * HIST_BINS).astype(jnp.int32)
    return jnp.clip(idx, 0, HIST_BINS - 1), jnp.stack([lo, hi])


def _bin_counts(idx: Array, weight: Array) -> Array:
    """Histogram counts ``(*lead, HIST_BINS)`` of bin indices ``(*lead, n)``, each
    index counted with its ``weight`` (0 for padding). One flat scatter-add for every
    histogram at once (a scatter inside ``vmap`` builds a multi-dimensional index per
    value, several times slower)."""
    lead = idx.shape[:-1]
    m = math.prod(lead)
    offset = jnp.arange(m, dtype=jnp.int32)[:, None] * HIST_BINS
    flat = (idx.reshape(m, -1) + offset).ravel()
    w = jnp.broadcast_to(weight, idx.shape).reshape(-1).astype(jnp.float32)
    counts = jnp.zeros(m * HIST_BINS, jnp.float32).at[flat].add(w, mode="promise_in_bounds")
    return counts.reshape(*lead, HIST_BINS)


def _layer_stats(arch: Architecture, acts: list[Array], mask: Array) -> Array:
    """Per hidden layer of ``arch``: mean and std of the activations over the real rows
    (``mask``), share saturated, share of dead units; shape ``(n_hidden, 4)``. The
    unpadded form of :func:`optiviz.engine.networks.padded.layer_stats`, which the kernels use."""
    mask = jnp.asarray(mask, jnp.float32)
    p = padded.width_bucket(arch)
    fr = padded.frame(arch, p)
    stack = jnp.zeros((padded.SLOTS, mask.shape[0], p))
    for i, a in enumerate(acts):
        a = jnp.asarray(a, jnp.float32)
        stack = stack.at[i, :, : a.shape[1]].set(jnp.where(mask[:, None] > 0, a, 0.0))
    fr = fr._replace(**{k: jnp.asarray(v) for k, v in fr._asdict().items()})
    return padded.layer_stats(fr, stack, mask)[: len(arch.hidden)]


def _record_fields() -> tuple[tuple[str, tuple[int, ...]], ...]:
    """What the training kernel records per run and epoch, packed into one vector (one
    select, one finiteness check and one store per epoch instead of one per entry).
    Per-layer entries have one value per slot; the host keeps the real layers."""
    s = padded.SLOTS
    return (
        *((k, ()) for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr")),
        # a regression network's main and auxiliary outputs' squared errors
        ("parts", (2,)),
        ("val_parts", (2,)),
        *((k, (s,)) for k in ("grad_kernel", "grad_bias", "weight_norm", "update_ratio")),
        ("act_stats", (padded.MAX_HIDDEN, 4)),
    )


FIELDS = _record_fields()
N_FIELDS = sum(math.prod(shape) for _, shape in FIELDS)


def _pack_record(rec: Mapping[str, Array]) -> Array:
    return jnp.concatenate([jnp.ravel(rec[k]) for k, _ in FIELDS])


def _unpack_records(flat: np.ndarray) -> dict[str, np.ndarray]:
    """Host side of :func:`_pack_record`: ``(..., n)`` -> ``{name: (..., *shape)}``."""
    out, start = {}, 0
    for name, shape in FIELDS:
        size = math.prod(shape)
        out[name] = flat[..., start : start + size].reshape(*flat.shape[:-1], *shape)
        start += size
    return out


def shuffle(key: Array, n: Array, size: int) -> Array:
    """``jax.random.permutation(key, n)`` for a traced ``n`` ≤ ``size``, padded to
    ``size`` with the indices ``n, n+1, ...``: the same sort of random 32-bit keys as
    JAX's (one round below :data:`_TWO_ROUNDS` elements, two above), computed over
    ``size`` slots whose padded keys sort last. Random bits are drawn per position
    (``jax_threefry_partitionable``), so the real prefix gets the bits an unpadded
    draw would."""
    k = jax.random.wrap_key_data(key)
    pos = jnp.arange(size, dtype=jnp.int32)
    real = pos < n
    top = jnp.uint32(0xFFFFFFFF)

    def one_round(k: Array, x: Array) -> tuple[Array, Array]:
        k, sub = jax.random.split(k)
        bits = jax.random.bits(sub, (size,), jnp.uint32)
        _, x = jax.lax.sort_key_val(jnp.where(real, bits, top), x)
        return k, x

    k1, once = one_round(k, pos)
    _, twice = one_round(k1, once)
    return jnp.where(n >= _TWO_ROUNDS, twice, jnp.where(n > 1, once, pos))


def _padded_shuffle(size: int) -> Callable[[Array, Array], Array]:
    """:func:`shuffle` over ``size`` slots, continued by ``size, size+1, ...`` up to
    MAX_ROWS (the sort costs what the training set's size bucket costs)."""

    def fn(key: Array, n: Array) -> Array:
        rest = jnp.arange(size, MAX_ROWS, dtype=jnp.int32)
        return jnp.concatenate([shuffle(key, n, size), rest])

    return fn


def _rounds(n: int) -> int:
    """JAX's round count for a permutation of ``n`` (``random._shuffle``)."""
    return int(np.ceil(3 * np.log(max(1, n)) / np.log(np.iinfo(np.uint32).max)))


#: the first size JAX shuffles in two rounds (1626); every size up to MAX_ROWS takes
#: at most two
_TWO_ROUNDS = next(n for n in range(1, 1 << 16) if _rounds(n) >= 2)
assert _rounds(MAX_ROWS) == 2


# -------------------------------------------------------------------- the kernel
class Data(NamedTuple):
    """One call's data, the same for every run: padded to MAX_ROWS × P."""

    X: Array  # (MAX_ROWS, P): training rows, then validation rows
    y: Array  # float32 (MAX_ROWS,): class indices, or regression targets
    n_train: Array  # int32 ()
    n_val: Array  # int32 ()
    batch_size: Array  # int32 ()
    n_batches: Array  # int32 ()
    shuffle_size: Array  # int32 (): SHUFFLE_SIZES index of the training set
    real: Array  # float32 (n_params,): the weights of the real network
    frame: padded.Frame


class TrainState(NamedTuple):
    """Where one run stands between two kernel calls."""

    theta: Array
    opt: tuple  # every optimizer's state (the run reads its own)
    bn: dict
    plateau: sch.PlateauState
    best: Array  # early stopping: lowest val_loss so far
    best_epoch: Array
    wait: Array
    stopped: Array
    stopped_epoch: Array
    best_theta: Array
    best_bn: dict
    rec: Array  # the last good epoch's record
    diverged: Array
    diverged_epoch: Array
    epochs_run: Array


def _rows_of(data: Data, start: Array, count: Array, size: int) -> tuple[Array, Array, Array]:
    """``size`` rows of the stored data from ``start``, the first ``count`` real."""
    pos = jnp.arange(size)
    real = pos < count
    idx = jnp.where(real, start + pos, 0)
    return data.X[idx], data.y[idx], real.astype(jnp.float32)


class _Kernels:
    """The kernels of one bucket, as methods sharing the bucket's frame: ``init(theta0,
    runs) -> states``, ``chunk(data, runs, states, e0, k, finish) -> (states, history,
    final)`` and ``snapshot(...)``; the others are their steps."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket
        self.layout = padded.Layout(bucket.width)
        self.opts = list(OPTIMIZERS.values())
        self.shufflers = [_padded_shuffle(size) for size in SHUFFLE_SIZES]

    def loss_fn(self, theta, bn, x, y, rows, key, r, fr, train, stats):
        out, new_bn, _, st = padded.forward(
            fr,
            self.layout,
            theta,
            bn,
            x,
            rows,
            act_params=r.act_params,
            train=train,
            dropout_rate=r.dropout,
            key=key,
            stats=stats,
        )
        per = padded.per_example_loss(fr, out, y)
        n = jnp.maximum(jnp.sum(rows), 1.0)
        loss = jnp.sum(per * rows) / n + padded.penalty(self.layout, theta, r.l1, r.l2)
        return loss, (new_bn, out, jax.lax.stop_gradient(st))

    def clip(self, g: Array, r: Mapping[str, Array]) -> Array:
        """Keras 3's gradient clipping: ``clipnorm`` per variable, ``global_clipnorm``
        over all of them, ``clipvalue`` elementwise (a threshold of inf is off)."""
        norms = jnp.sqrt(self.layout.variable_sums(jnp.square(g)))
        g = g * self.layout.per_variable(clip_factor(norms, r.clipnorm))
        g = g * clip_factor(jnp.sqrt(jnp.sum(jnp.square(g))), r.global_clipnorm)
        return jnp.clip(g, -r.clipvalue, r.clipvalue)

    def optimizer_step(self, g, states, theta, hp, kind, mask, present):
        """The update of every optimizer some run of the group uses (``present``, the
        same for the whole group, so a ``cond`` skips the others); the run keeps its
        own (``kind``), and only the weights ``mask`` marks move (real and trainable)."""

        def update(j, o):
            return jax.lax.cond(
                present[j],
                lambda: o.update(g, states[j], theta, hp),
                lambda: (theta, states[j]),
            )

        outs = [update(j, o) for j, o in enumerate(self.opts)]
        q = outs[0][0]
        for j in range(1, len(outs)):
            q = jnp.where(kind == j, outs[j][0], q)
        return jnp.where(mask > 0, q, theta), tuple(out[1] for out in outs)

    def gradient(self, theta, bn, order, b, data, key, r, stats_prev, last):
        """Loss, gradient and statistics of one batch of at most ``self.bucket.rows`` rows."""
        size = self.bucket.rows
        fr = data.frame
        pos = b * data.batch_size + jnp.arange(size)
        real = (jnp.arange(size) < data.batch_size) & (pos < data.n_train)
        idx = order[jnp.where(real, pos, 0)]
        x, y, rows = data.X[idx], data.y[idx], real.astype(jnp.float32)
        # the epoch reports the activation statistics of its last batch (computed in
        # the forward pass, for the real layers only)
        (loss, (new_bn, out, st)), g = jax.value_and_grad(self.loss_fn, has_aux=True)(
            theta, bn, x, y, rows, key, r, fr, True, last
        )
        correct = jnp.sum(padded.metric(fr, out, y) * rows)
        parts = jnp.sum(jnp.stack(padded.regression_parts(out, y)) * rows, axis=-1)
        stats = jnp.where(last, st, stats_prev)
        return loss, g, new_bn, (correct, parts), stats

    def evaluate(self, theta, bn, data, r):
        """Validation loss, metric and outputs' errors in inference mode (on the
        training rows when there is no validation set), walking the rows in tiles of
        TILE (:func:`padded.score`)."""
        has_val = data.n_val > 0
        start = jnp.where(has_val, data.n_train, 0)
        count = jnp.where(has_val, data.n_val, data.n_train)

        return padded.score(
            data.frame, self.layout, theta, bn, data.X, data.y, start, count,
            act_params=r.act_params, l1=r.l1, l2=r.l2, tile=TILE,
        )  # fmt: skip

    def init(self, theta0, r):
        hp = r.hp
        bn = {k: jnp.asarray(v) for k, v in padded.init_bn(self.bucket.width).items()}
        return TrainState(
            theta=theta0,
            opt=tuple(o.init(theta0, hp) for o in self.opts),
            bn=bn,
            plateau=sch.plateau_init(),
            best=jnp.asarray(jnp.inf, jnp.float32),
            best_epoch=jnp.zeros((), jnp.int32),
            wait=jnp.zeros((), jnp.int32),
            stopped=jnp.zeros((), bool),
            stopped_epoch=jnp.zeros((), jnp.int32),
            best_theta=theta0,
            best_bn=bn,
            rec=jnp.zeros(N_FIELDS),
            diverged=jnp.zeros((), bool),
            diverged_epoch=jnp.zeros((), jnp.int32),
            epochs_run=jnp.zeros((), jnp.int32),
        )

    def epoch(self, data: Data, r: Mapping[str, Any], st: TrainState, e: Array, group) -> tuple:
        """One epoch of one run, as Keras's ``fit`` runs it; returns the new state and
        the epoch's record. ``group``: (optimizers present, any run clips), the same
        for every run of the call."""
        present, clipping = group
        hp = r.hp
        active = (e < r.n_epochs) & ~st.stopped & ~st.diverged
        lr = hp["learning_rate"] * sch.lr_factor(r.sched, e, r.horizon) * st.plateau.factor
        hp_e = {**hp, "learning_rate": lr}
        mask = data.real * self.layout.per_slot((e >= r.trainable_from).astype(jnp.float32))
        key_e = padded.fold(r.train_key, e)
        order = jax.lax.cond(
            data.n_batches > 1,
            lambda: jax.lax.switch(data.shuffle_size, self.shufflers, key_e, data.n_train),
            lambda: jnp.arange(MAX_ROWS, dtype=jnp.int32),
        )
        zeros = jnp.zeros(padded.SLOTS)
        sums0 = {
            "loss": jnp.zeros(()),
            "correct": jnp.zeros(()),
            "parts": jnp.zeros(2),
            "gk": zeros,
            "gb": zeros,
            "ratio": zeros,
            "stats": jnp.zeros((padded.MAX_HIDDEN, 4)),
        }

        def batch(b, carry):
            theta, opt, bn, sums = carry
            key_b = padded.fold(key_e, b + 1)
            last = b == data.n_batches - 1
            loss, g, new_bn, (correct, parts), stats = self.gradient(
                theta, bn, order, b, data, key_b, r, sums["stats"], last
            )
            g = jax.lax.cond(clipping, lambda g: self.clip(g, r), lambda g: g, g)
            new_theta, new_opt = self.optimizer_step(g, opt, theta, hp_e, r.kind, mask, present)
            count = jnp.minimum(data.batch_size, data.n_train - b * data.batch_size)
            # gradient, step and weight norms per variable, summed in one pass
            norms = jnp.sqrt(
                self.layout.variable_sums(jnp.square(jnp.stack([g, new_theta - theta, theta])))
            )
            g_norms, step, w = norms[0], norms[1][0], norms[2][0]
            sums = {
                "loss": sums["loss"] + loss * count,
                "correct": sums["correct"] + correct,
                "parts": sums["parts"] + parts,
                "gk": sums["gk"] + g_norms[0],
                # the bias, or BN's β where BN replaces it
                "gb": sums["gb"] + jnp.sqrt(jnp.square(g_norms[1]) + jnp.square(g_norms[3])),
                "ratio": sums["ratio"] + step / jnp.maximum(w, 1e-12),
                "stats": stats,
            }
            return new_theta, new_opt, new_bn, sums

        theta, opt, bn, sums = jax.lax.fori_loop(
            0, data.n_batches, batch, (st.theta, st.opt, st.bn, sums0)
        )
        n_batches = data.n_batches.astype(jnp.float32)
        loss = sums["loss"] / data.n_train
        acc = sums["correct"] / data.n_train
        parts = sums["parts"] / data.n_train
        val_loss, val_acc, val_parts = jax.lax.cond(
            data.n_val > 0, lambda: self.evaluate(theta, bn, data, r), lambda: (loss, acc, parts)
        )
        rec = _pack_record(
            {
                "loss": loss,
                "accuracy": acc,
                "val_loss": val_loss,
                "val_accuracy": val_acc,
                "lr": lr,
                "parts": parts,
                "val_parts": val_parts,
                "grad_kernel": sums["gk"] / n_batches,
                "grad_bias": sums["gb"] / n_batches,
                "weight_norm": jnp.sqrt(self.layout.variable_sums(jnp.square(theta)))[0],
                "update_ratio": sums["ratio"] / n_batches,
                "act_stats": sums["stats"],
            }
        )
        return _end_of_epoch(st, r, e, active, rec, theta, opt, bn, val_loss, hp)

    def chunk(self, data, runs, states, e0, k, finish):
        """``k`` epochs from epoch ``e0`` for every run; with ``finish``, also the final
        weights (the best ones where early stopping restores them) and their
        validation loss and accuracy."""
        b = self.bucket
        TRACES[f"train width={b.width} runs={b.runs} rows={b.rows}"] += 1

        def one_run(r, st):
            def body(j, carry):
                st, hist = carry
                st, rec = self.epoch(data, r, st, e0 + j, group)
                return st, hist.at[j].set(rec)

            hist = jnp.zeros((MAX_CHUNK, N_FIELDS))
            st, hist = jax.lax.fori_loop(0, k, body, (st, hist))

            def final():
                restore = r.es & r.restore & (st.best_epoch > 0)
                theta = jnp.where(restore, st.best_theta, st.theta)
                bn = jax.tree.map(lambda a, b: jnp.where(restore, a, b), st.best_bn, st.bn)
                loss, acc, _ = self.evaluate(theta, bn, data, r)
                return theta, bn, loss, acc

            def not_yet():
                return st.theta, st.bn, jnp.zeros(()), jnp.zeros(())

            return st, hist, jax.lax.cond(finish, final, not_yet)

        # what the whole group shares: the optimizers its runs use, whether any clips
        present = jnp.zeros(len(self.opts), bool).at[runs.kind].set(True)
        limits = (runs.clipvalue, runs.clipnorm, runs.global_clipnorm)
        group = (present, jnp.any(jnp.stack([jnp.isfinite(v) for v in limits])))
        return jax.vmap(one_run, in_axes=(0, 0))(runs, states)

    def snapshot(self, data, grid, theta, bn, runs):
        """Per run: the decision function on ``grid`` and histograms of the activations
        and of ∂L/∂z on the first PROBE training rows."""
        TRACES[f"snapshot width={self.bucket.width} runs={self.bucket.runs}"] += 1
        fr = data.frame
        x, y, rows = _rows_of(data, 0, jnp.minimum(data.n_train, PROBE), PROBE)
        has_grid = jnp.any(grid != 0)

        def one(theta, bn, r):
            ap = r.act_params
            every = jnp.ones(grid.shape[0])

            def on_grid():
                out, _, acts = padded.forward(
                    fr, self.layout, theta, bn, grid, every, act_params=ap
                )
                return out, jnp.stack(acts)[:, MAP_CELLS, :MAP_UNITS]

            def no_grid():
                maps = jnp.zeros((padded.MAX_HIDDEN, MAP * MAP, MAP_UNITS))
                return jnp.zeros((grid.shape[0], self.bucket.width)), maps

            out, maps = jax.lax.cond(has_grid, on_grid, no_grid)
            maps = jnp.nan_to_num(maps)
            dz0 = jnp.zeros((padded.SLOTS, PROBE, self.bucket.width))

            def probe_loss(dz):
                out, _, acts = padded.forward(
                    fr, self.layout, theta, bn, x, rows, act_params=ap, train=True, dz=dz
                )
                per = padded.per_example_loss(fr, out, y)
                return jnp.sum(per * rows) / jnp.maximum(jnp.sum(rows), 1.0), acts

            dzs, acts = jax.grad(probe_loss, has_aux=True)(dz0)
            acts = jnp.concatenate([jnp.stack(acts), jnp.zeros_like(dzs[:1])])
            cells = (rows[None, :, None] > 0) & (fr.unit_mask[:, None, :] > 0)
            hidden = jnp.arange(padded.SLOTS) < fr.depth
            act_real = cells & hidden[:, None, None]
            grad_real = cells & (jnp.arange(padded.SLOTS) <= fr.depth)[:, None, None]
            flat = lambda a: a.reshape(padded.SLOTS, -1)  # noqa: E731
            a_idx, a_rng = jax.vmap(functools.partial(_bins, symmetric=False))(
                flat(acts), flat(act_real)
            )
            g_idx, g_rng = jax.vmap(functools.partial(_bins, symmetric=True))(
                flat(dzs), flat(grad_real)
            )
            scale = jnp.max(jnp.abs(maps), axis=1)  # per layer and unit
            codes = (maps / jnp.maximum(scale[:, None, :], 1e-30) + 1.0) * 127.5
            snap = {
                "boundary": out[:, :MAX_OUT],
                "unit_maps": jnp.clip(jnp.round(codes), 0, 255).astype(jnp.uint8),
                "unit_scale": scale,
                "link_weights": self.layout.split(theta)[0][:, :MAP_UNITS, :MAP_UNITS],
                "act_range": a_rng[: padded.MAX_HIDDEN],
                "grad_range": g_rng,
                "act_counts": _bin_counts(a_idx, flat(act_real))[: padded.MAX_HIDDEN],
                "grad_counts": _bin_counts(g_idx, flat(grad_real)),
            }
            # the last good weights of a run that diverged may still overflow on the
            # probe batch: NaN becomes 0 and ±inf the largest float32
            return jax.tree.map(jnp.nan_to_num, snap)

        return jax.vmap(one)(theta, bn, runs)


def _make_train(bucket: Bucket) -> Callable[..., Any]:
    """The compiled kernels of one bucket (see :class:`_Kernels`)."""
    k = _Kernels(bucket)

    def jit(fn: Callable[..., Any], name: str) -> Stored:
        return Stored(jax.jit(fn, compiler_options=COMPILER_OPTIONS), f"training {bucket} {name}")

    return {
        "init": jit(jax.vmap(k.init), "init"),
        "chunk": jit(k.chunk, "chunk"),
        "snapshot": jit(k.snapshot, "snapshot"),
    }


def _end_of_epoch(st, r, e, active, rec, theta, opt, bn, val_loss, hp) -> tuple[TrainState, Array]:
    """Divergence, early stopping and ``ReduceLROnPlateau`` after one epoch."""
    # diverged: the loss, the weights or anything recorded about the epoch (an
    # activation, a gradient norm) stopped being finite
    finite = jnp.all(jnp.isfinite(rec)) & jnp.all(jnp.isfinite(theta))
    ok = active & finite
    newly_diverged = active & ~finite
    # early stopping, as Keras: wait += 1, an improvement resets it, stop at patience
    improved = val_loss < st.best
    wait = jnp.where(improved, 0, st.wait + 1)
    stop = r.es & ~improved & (wait >= r.patience) & (e > 0)
    keep_best = ok & improved
    rec = jnp.where(ok, rec, st.rec)
    # A run that is not ``ok`` never trains again (running out of epochs, stopping and
    # diverging are for good): its weights and BN statistics stay the last good ones.
    new = TrainState(
        theta=jnp.where(ok, theta, st.theta),
        opt=opt,
        bn=jax.tree.map(lambda u, v: jnp.where(ok, u, v), bn, st.bn),
        plateau=sch.plateau_update(st.plateau, val_loss, r.sched, hp["learning_rate"]),
        best=jnp.where(keep_best, val_loss, st.best),
        best_epoch=jnp.where(keep_best, e + 1, st.best_epoch),
        wait=jnp.where(ok, wait, st.wait),
        stopped=st.stopped | (ok & stop),
        stopped_epoch=jnp.where(ok & stop, e + 1, st.stopped_epoch),
        best_theta=jnp.where(keep_best, theta, st.best_theta),
        best_bn=jax.tree.map(lambda a, b: jnp.where(keep_best, a, b), bn, st.best_bn),
        rec=rec,
        diverged=st.diverged | newly_diverged,
        diverged_epoch=jnp.where(newly_diverged, e + 1, st.diverged_epoch),
        epochs_run=st.epochs_run + ok.astype(jnp.int32),
    )
    return new, rec


def _kernels(width: int, runs: int, rows: int) -> dict[str, Callable[..., Any]]:
    """The step kernel for ``rows``-row batches and the snapshot kernel of a bucket."""
    step = compiled("training", Bucket(width, runs, rows), _make_train)
    snap = compiled("training", Bucket(width, runs, 0), _make_train)
    return {"init": step["init"], "chunk": step["chunk"], "snapshot": snap["snapshot"]}


# ------------------------------------------------------------------- the result
@dataclass
class TrainResult:
    """What a training call returns, as numpy arrays with runs on the first axis.

    ``history[k]`` has shape (n_runs, epochs) for Keras's keys: loss, the metric
    (accuracy, or mae for regression), their ``val_`` twins and lr (with an auxiliary
    output ``main_output_*`` and ``aux_output_loss``, see :func:`metric_name`).
    Epochs after a run stopped (early stopping, divergence, or its own shorter epoch
    count) repeat its last values; ``epochs_run`` says how many are real.
    ``grad_norms`` (kernel), ``bias_grad_norms``, ``weight_norms`` and ``update_ratios``
    have shape (n_runs, epochs, n_dense_layers);
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
    #: each run's network where runs of several calls were joined and differ (batch
    #: norm on in one of them); None: every run's is ``arch``
    run_archs: list[Architecture] | None = None
    #: which snapshots (indices into ``snapshot_epochs``) the maps below are kept at
    map_snapshots: np.ndarray | None = None
    #: what each hidden unit computes over the plane (2D data) at ``map_snapshots``: uint8
    #: (runs, map snapshots, hidden layers, MAP*MAP, MAP_UNITS), the unit's activation as
    #: 127.5 · (1 + a / unit_scale) (so 127.5 is 0), rows of the MAP × MAP map along y;
    #: ``unit_scale`` (runs, map snapshots, layers, MAP_UNITS) is each map's largest |a|;
    #: None for data without a plane
    unit_maps: np.ndarray | None = None
    unit_scale: np.ndarray | None = None
    #: the kernels between the units the maps show, at ``map_snapshots``: float32 (runs,
    #: map snapshots, Dense layers, MAP_UNITS, MAP_UNITS) (rows: inputs; None without a plane)
    link_weights: np.ndarray | None = None
    #: the input features computed from 2D data's coordinates (None: the coordinates)
    features: tuple[str, ...] | None = None
    #: the mini-batch size trained with (the training set's size for a full batch)
    batch_size: int | None = None
    #: the epochs the first call trained (a schedule's length, see :func:`train_further`)
    horizon: int | None = None
    #: where each run stands, to train further (:data:`RESUME_KEYS`, runs first; the
    #: padded weights and batch-norm statistics, its own optimizer's state flattened);
    #: None for results joined from several calls
    resume: dict[str, np.ndarray] | None = None
    #: every real weight at ``weight_snapshots`` (indices into ``snapshot_epochs``):
    #: float32 (runs, kept snapshots, weights), the flat vector in the padded frame's
    #: order (:meth:`~.padded.Layout.real_mask`); all snapshots for a network of up to
    #: WEIGHT_BUDGET // 51 weights, fewer (evenly spread, the first and last kept) above
    weights: np.ndarray | None = None
    weight_snapshots: np.ndarray | None = None
    #: the training loss's sharpness (the Hessian's top eigenvalue) at
    #: ``weight_snapshots`` (``train(sharpness=True)``, :func:`.landscape.sharpness`)
    sharpness: np.ndarray | None = None

    @property
    def n_runs(self) -> int:
        return len(self.labels)

    def arch_of(self, run: int) -> Architecture:
        """The network of run ``run``."""
        return self.arch if self.run_archs is None else self.run_archs[run]

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_epoch > 0


def metric_name(arch: Architecture) -> str:
    """The history key of the network's metric, as Keras names it: ``accuracy`` for a
    classifier, ``mae`` for regression, ``main_output_mae`` with an auxiliary output."""
    if arch.output != "linear":
        return "accuracy"
    return "main_output_mae" if arch.aux_weight else "mae"


def _history(arch: Architecture, h: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The history as Keras's ``fit`` returns it: ``loss``, the metric, their ``val_``
    twins and ``lr``; with an auxiliary output also each output's own loss (unweighted)."""
    metric = metric_name(arch)
    out = {
        "loss": h["loss"],
        metric: h["accuracy"],
        "val_loss": h["val_loss"],
        f"val_{metric}": h["val_accuracy"],
        "lr": h["lr"],
    }
    if arch.aux_weight:
        for pre, key in (("", "parts"), ("val_", "val_parts")):
            out[f"{pre}main_output_loss"] = h[key][..., 0]
            out[f"{pre}aux_output_loss"] = h[key][..., 1]
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


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
    snapshots: bool = True,
    wide: bool | Sequence[int] = False,
    deep: Sequence[int] | None = None,
    aux_weight: float = 0.0,
    features: Sequence[str] | None = None,
    sharpness: bool = False,
    **options: Any,
) -> TrainResult:
    """Train one small MLP per run, all in one compiled call.

    Args:
        dataset: a :class:`~optiviz.engine.networks.datasets.Dataset` or a dataset name.
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
        wide, deep, aux_weight: Wide & Deep (the course's Functional API example):
            ``wide=True`` (or column indices) sends inputs straight to the output layer
            beside the last hidden layer; ``deep``: the columns the hidden layers read;
            ``aux_weight > 0``: an auxiliary output on the last hidden layer (regression),
            weighted as ``compile(loss_weights=(1 - w, w))``.
        features: 2D data's inputs computed from its coordinates (``x1``, ``x1^2``,
            ``x1*x2``, ``sin(x1)``, … :mod:`.features`); ``hidden=()``: no hidden layer.
        sharpness: also the training loss's sharpness (the Hessian's top eigenvalue) at
            the snapshots whose weights are kept (:func:`.landscape.sharpness`).
        snapshots: the decision function and the activation and gradient histograms at
            :data:`N_CHECKPOINTS` epochs (what the playground animates). ``False`` takes
            them at the first and last epoch only, and trains in calls of up to
            :data:`MAX_CHUNK` epochs: a page that shows only curves trains ~2-3x faster.
        **options: defaults for every run — any :class:`Run` field (``dropout``,
            ``l1``, ``l2``, ``clipnorm``, ``clipvalue``, ``global_clipnorm``,
            ``schedule``, ``schedule_params``, ``early_stopping``, ``patience``,
            ``restore_best_weights``, ``activation_param``, ``init_stddev``), plus
            ``progress``: a callable given the fraction done (0..1) during training.

    Returns:
        A :class:`TrainResult`.
    """
    progress = _run_options(options)
    seeds = [int(s) for s in (seed if isinstance(seed, Sequence) else [seed])]
    plane, ds, names = _datasets(dataset, seeds[0], features)
    epochs = checks.whole("epochs", epochs, 1, MAX_EPOCHS)
    run_list = _run_list(optimizers, runs, seeds, {"initializer": initializer, **options})
    paths = {"wide": wide, "deep": deep, "aux_weight": aux_weight}
    arch = _network(ds, run_list, hidden, activation, loss, batch_norm, paths)
    resolved = [_resolve_run(r, arch.n_dense, len(arch.hidden), epochs) for r in run_list]
    max_epochs = max(r.n_epochs for r in resolved)
    bs = ds.n_train if batch_size is None else checks.whole("batch size", batch_size, 1)
    bs = min(bs, ds.n_train)
    p, rows = _shape_for(arch, bs)
    layout = padded.Layout(p)
    theta0 = _initial_thetas(arch, p, layout, resolved, init_params)
    data = _data(ds, arch, p, bs)
    gx, gy, grid_in = _grid_input(plane, names, p)
    runs_in = _runs_in(arch, resolved, theta0)

    plan = _plan(max_epochs, snapshots)
    out = _train_all(Bucket(p, run_bucket(len(resolved)), rows), data, grid_in, runs_in,
                     len(resolved), plan, max_epochs, progress)  # fmt: skip
    result = _result(arch, layout, run_list, resolved, out, plan, max_epochs, gx, gy, ds, theta0)
    result.features = names
    result.batch_size = bs
    result.horizon = max_epochs
    if sharpness:
        from .landscape import sharpness as top_eigenvalues  # (it imports this module)

        result.sharpness = top_eigenvalues(result)
    return result


def train_further(result: TrainResult, epochs: int, *, progress: Any = None) -> TrainResult:
    """Train every run of ``result`` for ``epochs`` more epochs from where it stopped.

    As a second ``model.fit(..., epochs=result.epochs + epochs,
    initial_epoch=result.epochs)`` on the same Keras model: the weights (the restored
    best ones where early stopping restored them), batch-norm statistics, the
    optimizer's state (moments, iteration count) and a learning rate that
    ``ReduceLROnPlateau`` lowered carry over; a schedule keeps the first call's length
    (it is the same callback); early stopping and the plateau's patience start afresh
    (Keras resets them in ``on_train_begin``), so a run that stopped early trains
    again. A run that diverged stays where it was. No kernel is compiled for it: the
    same kernels train from a given state.

    Returns:
        The whole training as one :class:`TrainResult` (it can train further again):
        the history over every epoch, the snapshots of both calls (the later ones at
        the new call's own checkpoints; at most ``2 · N_CHECKPOINTS + 1`` are kept,
        evenly thinned), ``params`` the new final weights, ``init_params`` the first
        call's, ``epochs`` the total.

    Raises:
        ValueError: ``result`` joins runs of several calls, or its runs have epoch
        counts of their own, or the total would pass :data:`MAX_EPOCHS`.
    """
    if result.resume is None or result.batch_size is None or result.run_archs is not None:
        raise ValueError("this result joins runs of several trainings: it cannot train further")
    if any(r.epochs not in (None, result.epochs) for r in result.runs):
        raise ValueError("runs with epoch counts of their own cannot train further together")
    more = checks.whole("more epochs", epochs, 1, max(1, MAX_EPOCHS - result.epochs))
    if result.epochs + more > MAX_EPOCHS:
        raise ValueError(f"training stops at {MAX_EPOCHS} epochs in all")
    total = result.epochs + more
    arch = result.arch
    resolved = [
        _resolve_run(dataclasses.replace(r, epochs=None), arch.n_dense, len(arch.hidden), total)
        for r in result.runs
    ]
    p, rows = _shape_for(arch, result.batch_size)
    theta = result.resume["theta"]
    runs_in = _runs_in(arch, resolved, theta, horizon=result.horizon)
    data = _data(result.dataset, arch, p, result.batch_size)
    grid_in = _grid_at(result.grid_x, result.grid_y, result.features, p)
    plan = _plan(more)
    start = {**result.resume, "epoch": result.epochs}
    out = _train_all(Bucket(p, run_bucket(len(resolved)), rows), data, grid_in, runs_in,
                     len(resolved), plan, total, progress, start)  # fmt: skip
    layout = padded.Layout(p)
    later = _result(arch, layout, result.runs, resolved, out, plan, more,
                    result.grid_x, result.grid_y, result.dataset, theta)  # fmt: skip
    return _thin(_joined(result, later), 2 * N_CHECKPOINTS + 1)


def _joined(first: TrainResult, later: TrainResult) -> TrainResult:
    """One result for a training and the call that trained it further: epochs one
    after another, the later call's first snapshot (the earlier's last) dropped."""
    e1 = first.epochs

    def cat(name: str, skip: int = 0) -> np.ndarray:
        return np.concatenate([getattr(first, name), getattr(later, name)[:, skip:]], axis=1)

    epochwise = ("grad_norms", "bias_grad_norms", "weight_norms", "update_ratios",
                 "activation_mean", "activation_std", "saturated", "dead")  # fmt: skip
    snapwise = ("boundary", "act_hist", "act_range", "grad_hist", "grad_range")
    out: dict[str, Any] = {k: cat(k) for k in epochwise}
    out.update({k: cat(k, 1) for k in snapwise})
    out["history"] = {
        k: np.concatenate([first.history[k], later.history[k]], axis=1) for k in first.history
    }
    out["snapshot_epochs"] = np.concatenate([first.snapshot_epochs, e1 + later.snapshot_epochs[1:]])
    if first.map_snapshots is not None:
        maps = ("unit_maps", "unit_scale", "link_weights")
        out.update(_join_kept(first, later, "map_snapshots", maps, MAP_SNAPSHOTS))
    if first.weights is not None and later.weights is not None:
        limit = len(weight_snapshots(1 << 30, first.weights.shape[2]))
        out.update(_join_kept(first, later, "weight_snapshots", ("weights",), limit))
    return dataclasses.replace(
        later, **out, epochs=e1 + later.epochs, init_params=first.init_params,
        features=first.features, batch_size=first.batch_size, horizon=first.horizon,
    )  # fmt: skip


def _join_kept(first, later, index: str, names: tuple[str, ...], limit: int) -> dict[str, Any]:
    """Arrays kept at some snapshots only (``index``: which), joined as :func:`_joined`
    joins the snapshots, at most ``limit`` of them kept, evenly spread."""
    n1 = len(first.snapshot_epochs)
    tail = getattr(later, index) > 0
    at = np.concatenate([getattr(first, index), n1 - 1 + getattr(later, index)[tail]])
    keep = map_snapshots(len(at), limit)
    out = {index: at[keep].astype(np.int32)}
    for k in names:
        both = np.concatenate([getattr(first, k), getattr(later, k)[:, tail]], axis=1)
        out[k] = np.ascontiguousarray(both[:, keep])
    return out


def _thin(result: TrainResult, limit: int) -> TrainResult:
    """At most ``limit`` snapshots: the ones the unit maps are kept at, the first and
    the last, and others evenly spread (a training continued many times)."""
    n = len(result.snapshot_epochs)
    if n <= limit:
        return result
    maps = [] if result.map_snapshots is None else list(result.map_snapshots)
    spread = np.linspace(0, n - 1, limit - len(maps)).round().astype(int)
    keep = np.array(sorted(set(spread) | set(maps)))
    out = {k: getattr(result, k)[:, keep] for k in
           ("boundary", "act_hist", "act_range", "grad_hist", "grad_range")}  # fmt: skip
    out["snapshot_epochs"] = result.snapshot_epochs[keep]
    if maps:
        out["map_snapshots"] = np.searchsorted(keep, maps).astype(np.int32)
    if result.weights is not None:  # the weights at the snapshots still kept
        kept = np.isin(result.weight_snapshots, keep)
        out["weight_snapshots"] = np.searchsorted(keep, result.weight_snapshots[kept])
        out["weights"] = np.ascontiguousarray(result.weights[:, kept])
    return dataclasses.replace(result, **out)


def run_settings(result: TrainResult) -> tuple[int, RunArrays]:
    """The frame width a result's network trained in and every run's kernel settings
    (activation parameters, penalties, ...), as :func:`train` built them."""
    arch = result.arch
    resolved = [
        _resolve_run(dataclasses.replace(r, epochs=None), arch.n_dense, len(arch.hidden),
                     result.epochs)
        for r in result.runs
    ]  # fmt: skip
    p = padded.width_bucket(arch)
    theta0 = np.zeros((len(resolved), padded.Layout(p).size), np.float32)
    return p, _runs_in(arch, resolved, theta0)


def _run_options(options: dict[str, Any]) -> Any:
    """Take ``progress`` out of ``train``'s options (returned); the rest must be Run fields."""
    progress = options.pop("progress", None)
    unknown = set(options) - _RUN_FIELDS
    if unknown:
        raise ValueError(f"unknown option(s): {', '.join(sorted(unknown))}")
    return progress


def _datasets(dataset: Any, seed: int, features: Any) -> tuple[Dataset, Dataset, Any]:
    """The data as given (its plane) and as the network reads it (its input features),
    and the features' names (None: the columns as they are)."""
    plane = _as_dataset(dataset, seed)
    names = None if features is None else feat.check(features)
    ds = plane if names is None else feat.transform(plane, names)
    if ds.n_train < 1:
        raise ValueError("the dataset has no training examples")
    return plane, ds, names


def _grid_input(plane: Dataset, names: Any, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The plane's grid axes and the network's input at its points, padded to ``p``."""
    gx, gy, _ = _grid(plane)
    return gx, gy, _grid_at(gx, gy, names, p)


def _grid_at(gx: np.ndarray, gy: np.ndarray, names: Any, p: int) -> np.ndarray:
    """The network's input at the points of the grid ``gx`` × ``gy`` (rows along y),
    its input features computed, padded to ``p`` columns (zeros without a plane)."""
    grid_in = np.zeros((GRID * GRID, p), np.float32)
    if len(gx):
        xx, yy = np.meshgrid(gx, gy)
        grid = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)
        grid = grid if names is None else feat.apply(grid, names)
        grid_in[: len(grid), : grid.shape[1]] = grid
    return grid_in


def _train_all(bucket, data, grid, runs_in, n_runs, plan, max_epochs, progress, start=None):
    """Train every run, a bucket's run count at a time, and join the groups' results
    (``start``: :func:`train_further`'s per-run starting points and epoch)."""
    if progress is not None:
        progress(0.0)
    group = bucket.runs
    parts = []
    for lo in range(0, n_runs, group):
        part = _take(runs_in, lo, group)
        begin = None
        if start is not None:
            begin = {
                **_take({k: start[k] for k in RESUME_KEYS}, lo, group),
                "epoch": start["epoch"],
            }
        parts.append(
            _train_group(
                bucket, data, grid, part, plan, max_epochs, progress, lo / n_runs,
                min(group, n_runs - lo) / n_runs, begin,
            )
        )  # fmt: skip
    out = {
        k: np.concatenate(
            [part[k][: min(group, n_runs - i * group)] for i, part in enumerate(parts)]
        )
        for k in parts[0]
    }
    if progress is not None:
        progress(1.0)
    return out


def _run_list(optimizers: Any, runs: Any, seeds: list[int], base: dict) -> list[Run]:
    """The runs of a call: one per (optimizer setting, seed), or the explicit ones."""
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
    return run_list


def _paths(ds: Dataset, wide: Any, deep: Any, aux_weight: Any) -> dict[str, Any]:
    """``train``'s Wide & Deep arguments as :func:`build` takes them, checked."""

    def columns(name: str, value: Any) -> tuple[int, ...]:
        cols = tuple(value)
        n = ds.n_features
        picked = [checks.whole(f"each column of {name}", c, 0, n - 1) for c in cols]
        if not picked or len(set(picked)) != len(picked):
            raise ValueError(f"{name} must list distinct input columns (0 to {n - 1})")
        return tuple(picked)

    aux = checks.number("aux_weight", aux_weight, 0.0, 0.99)
    if aux and not ds.regression:
        raise ValueError("an auxiliary output needs a regression dataset (e.g. 'diabetes')")
    if isinstance(wide, bool):
        wide = tuple(range(ds.n_features)) if wide else None
    return {
        "wide": None if wide is None else columns("wide", wide),
        "deep": None if deep is None else columns("deep", deep),
        "aux_weight": aux,
    }


def _network(ds, run_list, hidden, activation, loss, batch_norm, paths) -> Architecture:
    """The network the runs share, checked against what a frame holds."""
    arch = build(
        ds.n_features,
        ds.n_classes,
        tuple(hidden),
        activation if isinstance(activation, str) else tuple(activation),
        loss=loss,
        batch_norm=batch_norm,
        dropout=any(float(r.dropout) > 0 for r in run_list),
        **_paths(ds, **paths),
    )
    if not padded.fits(arch):
        deepest = padded.MAX_HIDDEN - (arch.wide is not None)
        raise ValueError(
            f"networks of up to {deepest} hidden layers with at most "
            f"{padded.WIDTHS[-1]} units (and inputs, and classes) each can train here; "
            f"got layers of {arch.sizes}"
        )
    if arch.functional and any(r.clipnorm is not None for r in run_list):
        raise ValueError(
            "clipnorm clips each of Keras's weight variables on its own, and a Wide & Deep "
            "network's output kernels are grouped differently here than in Keras; use "
            "global_clipnorm or clipvalue"
        )
    if ds.n_train + ds.n_val > MAX_ROWS:
        raise ValueError(
            f"at most {MAX_ROWS:,} examples can train here, got {ds.n_train + ds.n_val:,}"
        )
    return arch


def _initial_thetas(arch, p, layout, resolved, init_params) -> np.ndarray:
    """Every run's first weights as flat vectors: drawn from its seed and initializer,
    or the given ``init_params`` for all (checked against the network's shapes)."""
    if init_params is None:
        return np.stack(
            [
                _initial(arch, p, r.seed, INITIALIZER_NAMES[r.init_idx], r.init_stddev)
                for r in resolved
            ]
        )
    given = [np.asarray(a, np.float32) for a in jax.tree.leaves(tuple(init_params))]
    expected = jax.tree.leaves(init_params_host(arch, 0, "zeros"))
    if [g.shape for g in given] != [t.shape for t in expected]:
        raise ValueError(
            "init_params do not fit the network: expected shapes "
            f"{[t.shape for t in expected]}, got {[g.shape for g in given]}"
        )
    return np.broadcast_to(layout.pad(arch, init_params), (len(resolved), layout.size))


def _shape_for(arch: Architecture, batch_size: int) -> tuple[int, int]:
    """The frame a network trains in: its width bucket and the rows of a step."""
    return padded.width_bucket(arch), ROWS[row_bucket(batch_size)]


class Plan(NamedTuple):
    """How a training is cut into kernel calls: ``calls`` calls of ``per`` epochs each,
    with a snapshot after each call when ``snapshots`` (else after the last only)."""

    calls: int
    per: int
    snapshots: bool = True


def _plan(max_epochs: int, snapshots: bool = True) -> Plan:
    """With snapshots, calls of one checkpoint interval, a snapshot after each; the
    epoch bucket fixes the interval, so the snapshot epochs are those of every run
    length in the bucket. Without, calls of :data:`MAX_CHUNK` epochs (each call and
    each snapshot costs a little beyond its epochs)."""
    if not snapshots:
        return Plan(-(-max_epochs // MAX_CHUNK), MAX_CHUNK, False)
    bucket = _bucket_epochs(max_epochs)
    checkpoints = min(N_CHECKPOINTS, bucket)
    return Plan(checkpoints, bucket // checkpoints, True)


def _train_group(bucket, data, grid, runs, plan, max_epochs, progress, done, share, start=None):
    """Train one group of runs (at most the bucket's run count) and fetch its results.
    ``start``: where an earlier call left the runs (:func:`train_further`), trained on
    from epoch ``start["epoch"]``; None: from the initial weights, from epoch 0."""
    k = _kernels(*bucket)
    checkpoints, per, between = plan
    real = np.flatnonzero(np.asarray(data.real))  # the real weights, recorded per snapshot
    data, grid, runs = jax.device_put((data, grid, runs))
    states = k["init"](runs.theta0, runs)
    e_first = 0
    if start is not None:
        states, e_first = _resumed(states, start, runs.kind), start["epoch"]
    snaps = [k["snapshot"](data, grid, states.theta, states.bn, runs)]
    weights = [np.asarray(states.theta)[:, real]]
    history = []
    final = None
    for c in range(checkpoints):
        e0 = e_first + c * per
        if e0 >= max_epochs:
            break
        n = min(per, max_epochs - e0)
        finish = e0 + n >= max_epochs
        states, hist, final_c = k["chunk"](
            data, runs, states, np.int32(e0), np.int32(n), np.bool_(finish)
        )
        history.append((hist, n))
        if finish:
            final = final_c
        elif between and e0 + n < max_epochs:
            snaps.append(k["snapshot"](data, grid, states.theta, states.bn, runs))
            weights.append(np.asarray(states.theta)[:, real])
        if progress is not None:
            progress(done + share * 0.95 * (e0 + n - e_first) / (max_epochs - e_first))
    theta_f, bn_f = final[0], final[1]
    snaps.append(k["snapshot"](data, grid, theta_f, bn_f, runs))
    weights.append(np.asarray(theta_f)[:, real])
    history, snaps, states, final = jax.device_get((history, snaps, states, final))
    out = {
        "history": np.concatenate([h[:, :n] for h, n in history], axis=1),
        "theta": np.asarray(final[0]),
        "bn_mean": np.asarray(final[1]["mean"]),
        "bn_var": np.asarray(final[1]["var"]),
        "final_loss": np.asarray(final[2]),
        "final_accuracy": np.asarray(final[3]),
        "diverged_epoch": np.asarray(states.diverged_epoch),
        "epochs_run": np.asarray(states.epochs_run),
        "stopped_epoch": np.asarray(states.stopped_epoch),
        "best_epoch": np.asarray(states.best_epoch),
        **_resume_parts(states, np.asarray(runs.kind)),
        "weights": np.stack(weights, axis=1),
    }
    for name in snaps[0]:
        out[name] = np.stack([s[name] for s in snaps], axis=1)
    return out


# --------------------------------------------------------------- training further
#: the per-run arrays a result keeps to train further (``TrainResult.resume``)
RESUME_KEYS = ("theta", "bn_mean", "bn_var", "opt", "lr_factor", "rec", "diverged_epoch",
               "epochs_run")  # fmt: skip


def _resume_parts(states: TrainState, kind: np.ndarray) -> dict[str, np.ndarray]:
    """What a run needs to train further besides its final weights: its own
    optimizer's state (every leaf of it, flattened into one float32 row; the other
    optimizers' states are never read by the run), the learning rate's plateau
    factor and the last good epoch's record."""
    rows = []
    for i, j in enumerate(kind):
        leaves = jax.tree.leaves(states.opt[j])
        rows.append(np.concatenate([np.ravel(leaf[i]).astype(np.float32) for leaf in leaves]))
    # the widest optimizer state of the bucket, so every group's rows line up
    width = max(sum(leaf[0].size for leaf in jax.tree.leaves(o)) for o in states.opt)
    opt = np.zeros((len(rows), width), np.float32)
    for i, r in enumerate(rows):
        opt[i, : len(r)] = r
    return {
        "resume_opt": opt,
        "resume_lr_factor": np.asarray(states.plateau.factor),
        "resume_rec": np.asarray(states.rec),
    }


def _resumed(fresh: TrainState, start: Mapping[str, Any], kind: Array) -> TrainState:
    """The state a run trains further from, as Keras's second ``fit`` starts: the
    weights the first left (the best ones where early stopping restored them), the
    optimizer's state and the learning rate kept; the callbacks' memories (early
    stopping's best loss and patience, the plateau's) reset, as Keras's
    ``on_train_begin`` does. ``fresh``: the init kernel's state at those weights (the
    structure, and every value a new fit starts with); runs that diverged stay out."""
    st = jax.device_get(fresh)
    kind = np.asarray(jax.device_get(kind))
    opt = [jax.tree.map(np.array, o) for o in st.opt]
    for i, j in enumerate(kind):
        leaves, tree = jax.tree.flatten(opt[j])
        pos = 0
        for leaf in leaves:
            n = leaf[i].size
            leaf[i] = start["opt"][i, pos : pos + n].reshape(leaf[i].shape).astype(leaf.dtype)
            pos += n
        opt[j] = jax.tree.unflatten(tree, leaves)
    bn = {"mean": start["bn_mean"], "var": start["bn_var"]}
    diverged_epoch = np.asarray(start["diverged_epoch"], np.int32)
    return jax.device_put(
        st._replace(
            opt=tuple(opt),
            bn=bn,
            best_bn=bn,
            plateau=st.plateau._replace(factor=np.asarray(start["lr_factor"], np.float32)),
            rec=np.asarray(start["rec"], np.float32),
            diverged=diverged_epoch > 0,
            diverged_epoch=diverged_epoch,
            epochs_run=np.asarray(start["epochs_run"], np.int32),
        )
    )


def _take(tree: Any, lo: int, n: int) -> Any:
    """Rows ``lo .. lo + n`` of every per-run array, padded with copies of row ``lo``
    to ``n`` rows (a kernel's run count; the copies' results are dropped)."""

    def rows(a: np.ndarray) -> np.ndarray:
        part = a[lo : lo + n]
        if len(part) < n:
            part = np.concatenate([part, np.repeat(part[:1], n - len(part), axis=0)])
        return part

    return jax.tree.map(rows, tree)


@functools.lru_cache(maxsize=256)
def _initial(arch: Architecture, p: int, seed: int, initializer: str, stddev: float) -> np.ndarray:
    """The padded flat vector of the weights ``train(..., seed=seed)`` starts from."""
    vec = padded.Layout(p).pad(arch, init_params_host(arch, seed, initializer, stddev))
    vec.setflags(write=False)
    return vec


def _data(ds: Dataset, arch: Architecture, p: int, bs: int) -> Data:
    """The dataset in the kernels' fixed shape: training rows then validation rows."""
    n, nv = ds.n_train, ds.n_val
    X = np.zeros((MAX_ROWS, p), np.float32)
    y = np.zeros(MAX_ROWS, np.float32)
    X[:n, : ds.n_features] = ds.X_train
    X[n : n + nv, : ds.n_features] = ds.X_val
    y[:n] = ds.y_train
    y[n : n + nv] = ds.y_val
    return Data(
        X=X,
        y=y,
        n_train=np.int32(n),
        n_val=np.int32(nv),
        batch_size=np.int32(bs),
        n_batches=np.int32(-(-n // bs)),
        shuffle_size=np.int32(row_bucket(n, SHUFFLE_SIZES)),
        real=padded.Layout(p).real_mask(arch),
        frame=padded.frame(arch, p),
    )


def _runs_in(
    arch: Architecture, resolved: list[Resolved], theta0: np.ndarray, horizon: int | None = None
) -> RunArrays:
    """Every run's settings as arrays with runs on the first axis (``horizon``: the
    schedule's length where it is not the run's epoch count)."""
    act_defaults = [get_activation(a).param_default for a in arch.activations]
    depth = len(arch.hidden)

    def act_params(r: dict[str, Any]) -> list[float]:
        p = r.act_param
        if p is None:
            values = act_defaults
        elif isinstance(p, (int, float)):
            values = [float(p)] * depth
        else:
            values = [float(v) for v in p]
        return [*values, *[0.0] * (padded.SLOTS - depth)]

    def slots(values: tuple[int, ...]) -> list[int]:
        out = [*values, *[_NEVER] * (padded.SLOTS - len(values))]
        if arch.wide is not None:  # the wide kernel is part of the output layer
            out[padded.SLOTS - 1] = values[depth]
        return out

    per_run = {
        k: np.array([getattr(r, k) for r in resolved], np.float32)
        for k in ("dropout", "l1", "l2", "clipvalue", "clipnorm", "global_clipnorm")
    }
    return RunArrays(
        theta0=np.asarray(theta0, np.float32),
        train_key=np.stack([_key(r.seed, 1) for r in resolved]),
        kind=np.array([list(OPTIMIZERS).index(r.optimizer) for r in resolved], np.int32),
        hp={k: np.array([r.hp[k] for r in resolved], np.float32) for k in HP_NAMES},
        act_params=np.array([act_params(r) for r in resolved], np.float32),
        n_epochs=np.array([r.n_epochs for r in resolved], np.int32),
        horizon=np.array([horizon or r.n_epochs for r in resolved], np.int32),
        trainable_from=np.array([slots(r.trainable_from) for r in resolved], np.int32),
        es=np.array([r.es for r in resolved], bool),
        patience=np.array([r.patience for r in resolved], np.int32),
        restore=np.array([r.restore for r in resolved], bool),
        sched={k: np.stack([np.asarray(r.sched[k]) for r in resolved]) for k in resolved[0].sched},
        **per_run,
    )


def _maps(out: dict, n_hidden: int, n_dense: int, plane: bool) -> dict[str, Any]:
    """The unit maps and link weights a result keeps: at :func:`map_snapshots` of its
    snapshots, for the network's layers; nothing without a plane."""
    if not plane:
        return {}
    keep = map_snapshots(out["unit_maps"].shape[1])
    return {
        "map_snapshots": keep.astype(np.int32),
        "unit_maps": np.ascontiguousarray(out["unit_maps"][:, keep, :n_hidden]),
        "unit_scale": np.ascontiguousarray(out["unit_scale"][:, keep, :n_hidden]),
        "link_weights": np.ascontiguousarray(out["link_weights"][:, keep, :n_dense]),
    }


def _result(arch, layout, run_list, resolved, out, plan, max_epochs, gx, gy, ds, theta0):
    h = _unpack_records(out["history"])
    n_hidden, n_dense = len(arch.hidden), arch.n_dense
    calls, per, between = plan
    snap_epochs = np.concatenate([[0], (np.arange(calls) + 1) * per]) if between else np.zeros(1)
    snap_epochs = np.concatenate([snap_epochs[snap_epochs < max_epochs], [max_epochs]])
    stats = h["act_stats"][:, :, :n_hidden]
    n_runs = len(run_list)
    bn = [
        padded.unpad_bn(arch, {"mean": out["bn_mean"][i], "var": out["bn_var"][i]})
        for i in range(n_runs)
    ]
    boundary = out["boundary"][:, :, : len(gx) * len(gy), : arch.n_out]
    return TrainResult(
        arch=arch,
        labels=[r.label or get_optimizer(r.optimizer).display for r in run_list],
        optimizers=[r.optimizer for r in resolved],
        runs=list(run_list),
        epochs=max_epochs,
        history=_history(arch, h),
        grad_norms=h["grad_kernel"][..., :n_dense],
        bias_grad_norms=h["grad_bias"][..., :n_dense],
        weight_norms=h["weight_norm"][..., :n_dense],
        update_ratios=h["update_ratio"][..., :n_dense],
        activation_mean=stats[..., 0],
        activation_std=stats[..., 1],
        saturated=stats[..., 2],
        dead=stats[..., 3],
        snapshot_epochs=snap_epochs.astype(np.int32),
        boundary=np.ascontiguousarray(boundary),
        grid_x=gx,
        grid_y=gy,
        act_hist=out["act_counts"][:, :, :n_hidden],
        act_range=out["act_range"][:, :, :n_hidden],
        grad_hist=out["grad_counts"][:, :, :n_dense],
        grad_range=out["grad_range"][:, :, :n_dense],
        params=[layout.unpad(arch, t) for t in out["theta"]],
        init_params=[layout.unpad(arch, t) for t in theta0],
        bn_state=bn,
        epochs_run=out["epochs_run"],
        stopped_epoch=out["stopped_epoch"],
        best_epoch=out["best_epoch"],
        diverged_epoch=out["diverged_epoch"],
        final_loss=out["final_loss"],
        final_accuracy=out["final_accuracy"],
        dataset=ds,
        resume={
            "theta": out["theta"],
            "bn_mean": out["bn_mean"],
            "bn_var": out["bn_var"],
            "opt": out["resume_opt"],
            "lr_factor": out["resume_lr_factor"],
            "rec": out["resume_rec"],
            "diverged_epoch": out["diverged_epoch"],
            "epochs_run": out["epochs_run"],
        },
        **_maps(out, n_hidden, n_dense, len(gx) > 0),
        **_weights(out),
    )


def _weights(out: dict) -> dict[str, np.ndarray]:
    """The recorded weights a result keeps (within WEIGHT_BUDGET per run)."""
    keep = weight_snapshots(out["weights"].shape[1], out["weights"].shape[2])
    return {
        "weight_snapshots": keep.astype(np.int32),
        "weights": np.ascontiguousarray(out["weights"][:, keep]),
    }


#: the buckets the pages' opening scenes train in (2D data, widths up to 16: full batch,
#: mini-batches of up to 32 and of up to 256, and their snapshots)
CORE: tuple[Bucket, ...] = tuple(Bucket(16, 2, n) for n in (0, 1024, 256, 32))


def _warm_up(everything: bool) -> Iterator[str]:
    """Compile (or load) the core training buckets, or every one: each kernel called
    once on a small network's data, without training an epoch."""
    ds = make_dataset("xor", n=40, seed=0)
    for b in buckets() if everything else CORE:
        arch = build(2, 2, (4,), "relu")
        data = _data(ds, arch, b.width, 8)
        runs = _runs_in(
            arch,
            [_resolve_run(Run(), arch.n_dense, 1, 1)] * b.runs,
            np.zeros((b.runs, padded.Layout(b.width).size), np.float32),
        )
        k = _kernels(b.width, b.runs, b.rows or ROWS[0])
        states = k["init"](runs.theta0, runs)
        if b.rows:
            out = k["chunk"](data, runs, states, np.int32(0), np.int32(0), np.bool_(False))
        else:
            grid = np.zeros((GRID * GRID, b.width), np.float32)
            out = k["snapshot"](data, grid, states.theta, states.bn, runs)
        jax.block_until_ready(out)
        yield f"width={b.width} runs={b.runs} rows={b.rows or 'snapshot'}"


register_warmup("training", _warm_up)


def summary(model: TrainResult | Architecture, run: int = 0) -> Any:
    """Keras's ``model.summary()`` table for a trained result's run or an architecture
    (a :class:`~optiviz.engine.networks.mlp.ModelSummary`; ``print()`` it for the text form).
    The run's activation parameter says whether its activations are layers of their own."""
    from .mlp import summary as _summary

    if isinstance(model, TrainResult):
        return _summary(model.arch_of(run), model.runs[run].activation_param)
    return _summary(model)
