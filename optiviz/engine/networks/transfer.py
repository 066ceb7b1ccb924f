"""Reusing trained networks: fewer training rows, transplanted layers, re-scoring.

Transfer learning in the course's recipe (Géron, ch. 11, "Reusing Pretrained
Layers"): network A was trained on task A; network B for a related task B keeps
A's hidden layers, gets a fresh output layer of the size task B needs, and at
first trains only that new layer (the reused ones are *frozen*). With plenty of
data B could learn everything itself; the trick pays off when task B has few
labelled examples. The pieces here:

* :func:`subsample` — the same dataset with only ``n`` training rows (the
  validation part untouched, so scores stay comparable);
* :func:`reuse_hidden` — A's hidden layers plus B's fresh output layer, ready to
  be passed as ``init_params`` to :func:`optiviz.engine.networks.training.train`, whose
  per-run ``trainable_from`` then freezes or unfreezes layers;
* :func:`fresh_params` — a network's initial weights for a seed (the weights
  ``train(..., seed=seed)`` would draw);
* :func:`evaluate` — loss and accuracy of trained weights on any data, in
  inference mode (dropout off, batch norm on its moving averages): what Keras's
  ``model.evaluate`` reports;
* :func:`concat_results` — two training results side by side, as if trained
  in one call (for pages that train two network variants);
* :data:`PAIRS` — the transfer page's two task pairs (A then B), and
  :func:`train_a`, :func:`four_ways` and :func:`by_size`, what the page trains.

Which pair shows reuse helping is measured, not assumed (``tests/engine/test_claims.py``):
on the *rings* pair (A: is a point farther than 0.5 from the centre? B: farther than
0.7?) A's frozen hidden layers plus a new output reach ~83 % with 8 labelled points
where a network from scratch reaches ~70 % (means of 5 seeds), and scratch catches up
at 32-64 points. On the *digits* pair (0-4, then 5-9) reuse never wins: 8x8 pixels
are nearly linearly separable already, so a small network learns 5-9 from scratch
about as fast as it re-weighs A's features, which were shaped to tell 0-4 apart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import jax
import numpy as np

from .._store import Stored
from ..kernels import compiled, register_warmup
from . import padded
from .activations import get_activation
from .datasets import Dataset, make_dataset
from .initializers import get_initializer
from .mlp import Architecture, init_params_host, layer_params
from .training import MAX_ROWS, TILE, Run, TrainResult, train

Params = tuple[dict[str, Any], ...]


def subsample(ds: Dataset, n: int, *, seed: int = 0) -> Dataset:
    """``ds`` with only ``n`` of its training rows, drawn class by class.

    Every class keeps ``n // k`` rows (the first ``n % k`` classes one more), so a
    tiny training set still shows every class; the validation part is unchanged.
    ``n`` at least the current size returns ``ds`` itself.

    Raises:
        ValueError: ``n`` smaller than the number of classes.
    """
    n = int(n)
    k = ds.n_classes
    if n < k:
        raise ValueError(f"keep at least one training example per class ({k}), got {n}")
    if n >= ds.n_train:
        return ds
    rng = np.random.default_rng(seed)
    y = np.asarray(ds.y_train)
    picked = []
    short = 0
    for c in range(k):
        rows = rng.permutation(np.flatnonzero(y == c))
        want = n // k + (1 if c < n % k else 0) + short
        picked.append(rows[:want])
        short = max(want - len(rows), 0)
    rows = rng.permutation(np.concatenate(picked))
    X_train = np.asarray(ds.X_train)[rows].copy()
    y_train = y[rows].copy()
    X_train.flags.writeable = False
    y_train.flags.writeable = False
    return dataclasses.replace(ds, X_train=X_train, y_train=y_train)


def fresh_params(
    arch: Architecture, *, seed: int = 0, initializer: str = "glorot_uniform"
) -> Params:
    """Initial weights of ``arch`` for ``seed``: the draw ``train(..., seed=seed)`` makes."""
    return init_params_host(arch, int(seed), get_initializer(initializer).name)


def reuse_hidden(trained: Sequence[dict[str, Any]], fresh: Sequence[dict[str, Any]]) -> Params:
    """Network B's starting weights: every hidden layer from ``trained`` (network A),
    the output layer from ``fresh`` (B's own initial weights).

    Keras: ``Sequential(model_A.layers[:-1])`` then ``.add(Dense(n_B, ...))``.

    Raises:
        ValueError: the two networks' hidden layers do not have the same shapes.
    """
    if len(trained) != len(fresh):
        raise ValueError("network A and network B need the same number of layers")
    for i, (a, b) in enumerate(zip(trained[:-1], fresh[:-1], strict=True)):
        if {k: np.shape(v) for k, v in a.items()} != {k: np.shape(v) for k, v in b.items()}:
            raise ValueError(f"hidden layer {i + 1} of A and B have different shapes")
    layers = [{k: np.asarray(v) for k, v in layer.items()} for layer in trained[:-1]]
    layers.append({k: np.asarray(v) for k, v in fresh[-1].items()})
    return tuple(layers)


def _make_score(width: int) -> Any:
    """Loss, metric and per-output errors of any network of a width bucket on at most
    MAX_ROWS stored rows, walked in tiles (the row count is a loop bound, not a shape)."""
    layout = padded.Layout(width)

    def score(fr, theta, bn, X, y, n, act, l1, l2):
        return padded.score(
            fr, layout, theta, bn, X, y, 0, n, act_params=act, l1=l1, l2=l2, tile=TILE
        )

    return Stored(jax.jit(score), f"transfer.score {width}")


def evaluate(
    arch: Architecture,
    params: Sequence[dict[str, Any]],
    X: np.ndarray,
    y: np.ndarray,
    *,
    bn_state: Sequence[dict[str, Any]] = (),
    act_params: float | Sequence[float | None] | None = None,
    l1: float = 0.0,
    l2: float = 0.0,
) -> tuple[float, float]:
    """(loss, accuracy) of the network on ``(X, y)`` in inference mode (the mean
    absolute error in place of the accuracy for a regression network).

    The loss includes the L1/L2 penalty ``l1·Σ|w| + l2·Σw²`` as Keras's reported
    loss does (pass the run's strengths to compare with its history); dropout is
    off and batch normalization uses its moving averages, as in ``model.evaluate``.
    """
    if len(X) == 0:
        return float("nan"), float("nan")
    if len(X) > MAX_ROWS:
        raise ValueError(f"at most {MAX_ROWS:,} examples can be scored at once, got {len(X):,}")
    p = padded.width_bucket(arch)
    act = np.zeros(padded.SLOTS, np.float32)
    act[: len(arch.hidden)] = [
        get_activation(a).param_default if v is None else float(v)
        for a, v in zip(arch.activations, layer_params(arch, act_params), strict=True)
    ]
    Xp = np.zeros((MAX_ROWS, p), np.float32)
    yp = np.zeros(MAX_ROWS, np.float32)
    Xp[: len(X), : arch.n_in] = X
    yp[: len(y)] = y
    loss, acc, _ = compiled("transfer.score", p, _make_score)(
        padded.frame(arch, p),
        padded.Layout(p).pad(arch, params),
        padded.pad_bn(arch, bn_state, p),
        Xp,
        yp,
        np.int32(len(X)),
        act,
        np.float32(l1),
        np.float32(l2),
    )
    return float(loss), float(acc)


#: TrainResult fields with one entry per run on the first axis
_PER_RUN = (
    "grad_norms",
    "bias_grad_norms",
    "weight_norms",
    "update_ratios",
    "activation_mean",
    "activation_std",
    "saturated",
    "dead",
    "boundary",
    "act_hist",
    "act_range",
    "grad_hist",
    "grad_range",
    "epochs_run",
    "stopped_epoch",
    "best_epoch",
    "diverged_epoch",
    "final_loss",
    "final_accuracy",
    "unit_maps",
    "unit_scale",
    "link_weights",
    "weights",
    "sharpness",
)
_LISTS = ("labels", "optimizers", "runs", "params", "bn_state")
#: per-run fields whose size is the network's (weights of a network with batch norm
#: outnumber those of one without)
_OWN_SIZE = ("weights", "sharpness")


def select_runs(result: Any, runs: Sequence[int]) -> Any:
    """The runs ``runs`` of a :class:`~optiviz.engine.networks.training.TrainResult`, as a result
    of their own (what training them alone gives: runs never influence each other)."""
    idx = list(runs)
    out = {k: getattr(result, k)[idx] for k in _PER_RUN if getattr(result, k) is not None}
    for k in _LISTS:
        items = getattr(result, k)
        out[k] = [items[i] for i in idx]
    out["history"] = {k: v[idx] for k, v in result.history.items()}
    if result.resume is not None:
        out["resume"] = {k: v[idx] for k, v in result.resume.items()}
    archs = [result.arch_of(i) for i in idx]
    out["arch"] = archs[0] if idx else result.arch
    out["run_archs"] = None if all(a == out["arch"] for a in archs) else archs
    return dataclasses.replace(result, **out)


def concat_results(first: Any, *more: Any) -> Any:
    """Several :class:`~.training.TrainResult` as one, runs one after another.

    The results must come from the same data, epoch count and number of hidden
    layers (their snapshots then fall on the same epochs); ``arch`` is ``first``'s, and
    where runs' networks differ (batch norm) ``run_archs`` holds each run's own.

    Raises:
        ValueError: results that cannot be laid side by side.
    """
    for r in more:
        if r.epochs != first.epochs or not np.array_equal(r.snapshot_epochs, first.snapshot_epochs):
            raise ValueError("results trained for different numbers of epochs cannot be merged")
        if (
            len(r.arch.hidden) != len(first.arch.hidden)
            or r.boundary.shape[1:] != (first.boundary.shape[1:])
        ):
            raise ValueError("results of different network depths or data cannot be merged")
    out = {
        k: np.concatenate([getattr(r, k) for r in (first, *more)])
        for k in _PER_RUN
        if k not in _OWN_SIZE and getattr(first, k) is not None
    }
    # each network's own weights: joined only where the networks are the same size
    for k in _OWN_SIZE:
        parts = [getattr(r, k) for r in (first, *more)]
        same = all(p is not None and p.shape[1:] == parts[0].shape[1:] for p in parts)
        out[k] = np.concatenate(parts) if same else None
    for k in _LISTS:
        out[k] = [x for r in (first, *more) for x in getattr(r, k)]
    out["history"] = {
        k: np.concatenate([r.history[k] for r in (first, *more)]) for k in first.history
    }
    archs = [r.arch_of(i) for r in (first, *more) for i in range(r.n_runs)]
    out["run_archs"] = None if all(a == first.arch for a in archs) else archs
    out["resume"] = None  # trained by several calls: no one call trains them further
    return dataclasses.replace(first, **out)


# ------------------------------------------------------------ the page's two task pairs
def rings(radius: float, n: int, n_val: int, *, seed: int = 0) -> Dataset:
    """Points spread evenly over the unit disk, labelled by whether they lie farther than
    ``radius`` from the centre (class 1, "outside") or not (class 0, "inside"): ``n``
    training and ``n_val`` validation points. At radius 0.7 the classes are balanced
    (0.7² ≈ half the disk's area), so chance is 50 %."""
    rng = np.random.default_rng(seed)
    m = n + n_val
    r = np.sqrt(rng.uniform(0.0, 1.0, m))  # sqrt: even over the area, not the radius
    angle = rng.uniform(0.0, 2 * np.pi, m)
    X = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1).astype(np.float32)
    y = (r > radius).astype(np.int32)
    parts = [X[:n], y[:n], X[n:], y[n:]]
    for a in parts:
        a.flags.writeable = False
    return Dataset(
        f"rings{radius:g}",
        f"Farther than {radius:g} from the centre?",
        *parts,
        n_classes=2,
        feature_names=("x1", "x2"),
        class_names=("inside", "outside"),
        domain=((-1.1, 1.1), (-1.1, 1.1)),
    )


@dataclasses.dataclass(frozen=True)
class TaskPair:
    """Task A (plenty of examples), task B (few) and the network both use."""

    name: str
    title: str
    a_short: str  # task A in a few words ("digits 0–4")
    b_short: str
    hidden: tuple[int, ...]
    #: B's training-set sizes the page offers, and its default
    sizes: tuple[int, ...]
    default_n: int
    a_epochs: int
    a_lr: float
    chance: float  # B's chance accuracy

    def task_a(self) -> Dataset:
        if self.name == "rings":
            return rings(0.5, 2000, 500, seed=0)
        return make_dataset("digits", classes=(0, 1, 2, 3, 4), val_split=0.2, seed=0)

    def task_b(self, n: int, seed: int = 0) -> Dataset:
        """B with ``n`` training examples (drawn per ``seed``), the validation part fixed."""
        if self.name == "rings":
            pool = rings(0.7, 2000, 1000, seed=1)
        else:
            pool = make_dataset("digits", classes=(5, 6, 7, 8, 9), val_split=0.5, seed=0)
        return subsample(pool, n, seed=seed)


PAIRS: dict[str, TaskPair] = {
    "rings": TaskPair("rings", "Rings: radius 0.5, then 0.7", "radius 0.5", "radius 0.7",
                      (16, 16), (4, 8, 16, 32, 64), 8, 100, 0.01, 0.5),
    "digits": TaskPair("digits", "Digits: 0–4, then 5–9", "digits 0–4", "digits 5–9",
                       (64, 64), (10, 20, 50, 100, 200), 50, 20, 0.003, 0.2),
}  # fmt: skip
#: B's four ways, in the order :func:`four_ways` returns them
WAYS = ("From scratch", "Random layers, frozen", "A's layers, frozen", "A's layers, then all")
BATCH = 16
FROZEN = None  # a trainable_from entry: this layer never trains


def train_a(pair: TaskPair) -> TrainResult:
    """Network A on all of task A's training examples."""
    return train(
        pair.task_a(),
        hidden=pair.hidden,
        optimizers={"adam": {"learning_rate": pair.a_lr}},
        epochs=pair.a_epochs,
        batch_size=32,
        snapshots=False,
    )


def four_ways(
    pair: TaskPair, a: TrainResult, n: int, *, epochs: int, unfreeze: int, lr: float, seed: int
) -> TrainResult:
    """Network B trained on ``n`` examples of task B four ways (:data:`WAYS`): from its
    own fresh weights, all of them training or only the output layer; and from A's
    hidden layers plus the same fresh output layer, A's layers frozen throughout or from
    epoch ``unfreeze`` on trained too. Adam at ``lr``, batches of :data:`BATCH`."""
    ds = pair.task_b(n, seed)
    fresh = fresh_params(a.arch, seed=seed + 1)
    hp = {"learning_rate": lr}
    depth = len(pair.hidden)
    frozen = (FROZEN,) * depth + (0,)
    later = (unfreeze,) * depth + (0,)
    common = {"hidden": pair.hidden, "epochs": epochs, "batch_size": BATCH, "snapshots": False}
    scratch = train(
        ds,
        runs=[
            Run("adam", hp, seed=seed, label=WAYS[0]),
            Run("adam", hp, seed=seed, label=WAYS[1], trainable_from=frozen),
        ],
        init_params=fresh,
        **common,
    )
    reused = train(
        ds,
        runs=[
            Run("adam", hp, seed=seed, label=WAYS[2], trainable_from=frozen),
            Run("adam", hp, seed=seed, label=WAYS[3], trainable_from=later),
        ],
        init_params=reuse_hidden(a.params[0], fresh),
        **common,
    )
    return concat_results(scratch, reused)


def by_size(
    pair: TaskPair, a: TrainResult, *, epochs: int, unfreeze: int, lr: float,
    seeds: Sequence[int] = (0, 1, 2), progress: Any = None,
) -> np.ndarray:  # fmt: skip
    """B's final validation accuracy for every size of ``pair.sizes``: an array
    ``(sizes, ways, seeds)`` (each seed draws other examples and other fresh weights).
    ``progress(done, total)`` is called after each training."""
    out = np.zeros((len(pair.sizes), len(WAYS), len(seeds)), np.float32)
    total = len(pair.sizes) * len(seeds)
    for i, n in enumerate(pair.sizes):
        for j, seed in enumerate(seeds):
            r = four_ways(pair, a, n, epochs=epochs, unfreeze=unfreeze, lr=lr, seed=seed)
            out[i, :, j] = r.final_accuracy
            if progress is not None:
                progress(i * len(seeds) + j + 1, total)
    return out


def _warm_up(everything: bool) -> Iterator[str]:
    """Compile (or load) the scorer of the regularization and transfer pages' width
    bucket, or of every one."""
    from .mlp import build

    for p in padded.WIDTHS if everything else (64,):
        arch = build(2, 2, (p,), "relu")
        evaluate(arch, init_params_host(arch, 0, "glorot_uniform"), np.zeros((4, 2)), np.zeros(4))
        yield f"width={p}"


register_warmup("transfer", _warm_up)
