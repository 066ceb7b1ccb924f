"""The loss landscape of a trained network (issue #22): a 2D slice of the training loss
around a run's final weights, every run's path projected onto it with how far each
point lies off the plane, 1D interpolations, and the sharpness (the Hessian's top
eigenvalue) along training.

The loss is the full-batch training loss in inference mode, as ``model.evaluate`` on
the training data computes it: dropout off, batch norm with the run's final moving
statistics, the L1/L2 penalty included. Its kernels are compiled per (width bucket, row
bucket), like training's, and take the weights as arrays: any network, point count or
grid reuses them. Data sets of more than :data:`ROWS`\\[-1] training rows are
subsampled (their first rows: the split shuffled them) and the result says so.

Directions (:func:`loss_slice`):

* ``"filter"``: two random directions, each neuron's incoming weights rescaled to the
  norm of that neuron's weights in θ* (Li et al., "Visualizing the Loss Landscape of
  Neural Nets", 2018, filter normalization for dense layers); biases and batch norm's
  parameters are not moved. Drawn from ``key`` and the run.
* ``"shared"``: the same, drawn from ``key`` alone, so switching runs keeps the
  random draw (normalized against the chosen run's weights).
* ``"pca"``: the top two principal directions of the run's trajectory θ_t − θ*,
  scaled so that ±1 spans the trajectory's extent along each; the share of variance
  each explains is returned.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import checks
from .._jaxsetup import COMPILER_OPTIONS
from .._store import Stored
from ..kernels import compiled, register_warmup
from ..optimizers import get_optimizer
from . import padded
from .training import TrainResult, run_settings

Array = Any

#: training rows the loss walks, in tiles of TILE: a data set is computed at the
#: smallest size here that holds it (more rows are subsampled to the largest)
ROWS: tuple[int, ...] = (256, 1024, 2048)
TILE = 256
#: grid points (weight vectors) per kernel call, by width bucket (memory ~ points × size)
CHUNK = {16: 512, 64: 64, 128: 16}
#: snapshots per sharpness call, and Lanczos steps (Krylov dimension) per snapshot:
#: enough for a top eigenvalue that stands out of the bulk, as a network's Hessian's
#: does, to 1e-3 (tests/engine/test_landscape.py: a dense Hessian, a known spectrum)
SNAP_CHUNK = 17
LANCZOS = 12
GRID_MAX = 101
DIRECTIONS = ("filter", "shared", "pca")
#: the 1D interpolations' coefficients: from a start (t = 0) to an end (t = 1) and a
#: quarter beyond each
INTERP = np.linspace(-0.25, 1.25, 61)
#: the work one call may ask for (weight vectors × rows × the frame's multiply-adds
#: per row): ~1 s on a 2-core CPU. A larger network or data set is computed on fewer
#: rows (down to the first ROWS[0]) and then on a coarser grid, and the result says so.
BUDGET = 6e9


class LossData(NamedTuple):
    """One run's loss as the kernels take it."""

    frame: padded.Frame
    X: Array  # (rows bucket, P)
    y: Array  # (rows bucket,)
    rows: Array  # (rows bucket,) 1.0 for real rows
    act_params: Array  # (SLOTS,)
    l1: Array
    l2: Array
    bn: dict
    real: Array  # (size,) 1.0 for the network's weights


def _loss(layout: padded.Layout, d: LossData, theta: Array) -> Array:
    n_tiles = d.X.shape[0] // TILE
    xs = (d.X.reshape(n_tiles, TILE, -1), d.y.reshape(n_tiles, TILE),
          d.rows.reshape(n_tiles, TILE))  # fmt: skip

    def tile(total: Array, part: tuple) -> tuple[Array, None]:
        x, y, rows = part
        out, _, _ = padded.forward(d.frame, layout, theta, d.bn, x, rows, act_params=d.act_params)
        return total + jnp.sum(padded.per_example_loss(d.frame, out, y) * rows), None

    total, _ = jax.lax.scan(tile, jnp.zeros(()), xs)
    n = jnp.maximum(jnp.sum(d.rows), 1.0)
    return total / n + padded.penalty(layout, theta, d.l1, d.l2)


def _lanczos(hvp: Callable[[Array], Array], v0: Array, steps: int) -> tuple[Array, Array]:
    """Lanczos with full reorthogonalisation on a symmetric operator: the diagonal and
    off-diagonal of its ``steps`` × ``steps`` tridiagonal (:func:`top_ritz` finishes on
    the host: an eigensolver inside a kernel is a LAPACK call, which a kernel loaded from
    the executable store in a fresh process cannot make)."""
    V = jnp.zeros((steps + 1, v0.shape[0])).at[0].set(v0 / jnp.linalg.norm(v0))

    def body(i: Array, carry: tuple) -> tuple:
        V, a, b = carry
        w = hvp(V[i])
        ai = jnp.dot(w, V[i])
        w = w - ai * V[i] - jnp.where(i > 0, b[jnp.maximum(i - 1, 0)], 0.0) * V[i - 1]
        for _ in range(2):  # twice is enough (Kahan)
            w = w - V.T @ (V @ w)
        bi = jnp.linalg.norm(w)
        V = V.at[i + 1].set(jnp.where(bi > 1e-20, w / jnp.maximum(bi, 1e-20), 0.0))
        return V, a.at[i].set(ai), b.at[i].set(bi)

    _, a, b = jax.lax.fori_loop(0, steps, body, (V, jnp.zeros(steps), jnp.zeros(steps)))
    return a, b


def top_ritz(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The largest eigenvalue of each tridiagonal (``a``: diagonals, ``b``: the
    off-diagonals after each step, (…, steps))."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    T = np.zeros((*a.shape, a.shape[-1]))
    idx = np.arange(a.shape[-1])
    T[..., idx, idx] = a
    T[..., idx[:-1], idx[1:]] = b[..., :-1]
    T[..., idx[1:], idx[:-1]] = b[..., :-1]
    return np.linalg.eigvalsh(T)[..., -1]


class _Kernels:
    def __init__(self, bucket: tuple[int, int]) -> None:
        self.layout = padded.Layout(bucket[0])

    def losses(self, d: LossData, thetas: Array) -> Array:
        return jax.vmap(lambda t: _loss(self.layout, d, t))(thetas)

    def sharpness(self, d: LossData, thetas: Array, v0: Array) -> Array:
        grad = jax.grad(lambda t: _loss(self.layout, d, t))

        def one(theta: Array) -> Array:
            def hvp(v: Array) -> Array:
                return jax.jvp(grad, (theta,), (v * d.real,))[1] * d.real

            return _lanczos(hvp, v0 * d.real, LANCZOS)

        return jax.vmap(one)(thetas)


def _make(bucket: tuple[int, int]) -> dict[str, Stored]:
    k = _Kernels(bucket)

    def jit(fn: Callable[..., Any], name: str) -> Stored:
        return Stored(
            jax.jit(fn, compiler_options=COMPILER_OPTIONS), f"net_landscape {bucket} {name}"
        )

    return {"losses": jit(k.losses, "losses"), "sharpness": jit(k.sharpness, "sharpness")}


def _kernels(width: int, rows: int) -> dict[str, Stored]:
    return compiled("net_landscape", (width, rows), _make)


# ------------------------------------------------------------------ the run's loss
class _Context(NamedTuple):
    width: int
    layout: padded.Layout
    data: LossData
    real: np.ndarray  # indices of the network's weights in the flat vector
    rows_used: int
    rows_total: int


def _work_per_row(result: TrainResult) -> int:
    """Multiply-adds of one row through the padded frame (the slots the network uses)."""
    return (len(result.arch.hidden) + 1) * padded.width_bucket(result.arch) ** 2


def _rows_within(result: TrainResult, points: int) -> int:
    """The training rows ``points`` weight vectors can be scored on within BUDGET."""
    n = min(result.dataset.n_train, ROWS[-1])
    while n > ROWS[0] and points * n * _work_per_row(result) > BUDGET:
        n = max(ROWS[0], n // 2)
    return n


def _context(result: TrainResult, run: int, max_rows: int = ROWS[-1]) -> _Context:
    """The run's loss data in the kernels' shapes (the first ``max_rows`` training
    rows), and where its weights sit."""
    if result.run_archs is not None:
        raise ValueError("this result joins networks of different shapes: no one landscape")
    if result.dataset is None:
        raise ValueError("this result does not hold its training data")
    run = checks.whole("run", run, 0, result.n_runs - 1)
    arch, ds = result.arch, result.dataset
    p, runs = run_settings(result)
    layout = padded.Layout(p)
    n = min(ds.n_train, ROWS[-1], max_rows)
    size = next(r for r in ROWS if r >= n)
    X = np.zeros((size, p), np.float32)
    X[:n, : ds.n_features] = ds.X_train[:n]
    y = np.zeros(size, np.float32)
    y[:n] = ds.y_train[:n]
    rows = (np.arange(size) < n).astype(np.float32)
    real = layout.real_mask(arch)
    data = LossData(
        frame=padded.frame(arch, p), X=X, y=y, rows=rows,
        act_params=np.asarray(runs.act_params[run]), l1=np.asarray(runs.l1[run]),
        l2=np.asarray(runs.l2[run]), bn=padded.pad_bn(arch, result.bn_state[run], p), real=real,
    )  # fmt: skip
    return _Context(p, layout, data, np.flatnonzero(real), n, ds.n_train)


def _padded(ctx: _Context, vectors: np.ndarray) -> np.ndarray:
    """Weight vectors (…, n_weights) placed into the frame's flat vector (…, size)."""
    out = np.zeros((*vectors.shape[:-1], ctx.layout.size), np.float32)
    out[..., ctx.real] = vectors
    return out


def losses(ctx: _Context, vectors: np.ndarray) -> np.ndarray:
    """The loss at each weight vector (N, n_weights), in chunks of the width's CHUNK."""
    k = _kernels(ctx.width, ctx.data.X.shape[0])
    chunk = CHUNK[ctx.width]
    data = jax.device_put(ctx.data)
    out = []
    for lo in range(0, len(vectors), chunk):
        part = vectors[lo : lo + chunk]
        batch = np.zeros((chunk, ctx.layout.size), np.float32)
        batch[: len(part), ctx.real] = part
        out.append((k["losses"](data, batch), len(part)))  # (sliced on the host: an eager
        # slice of a device array compiles a kernel per length)
    parts = [np.asarray(v, np.float64)[:n] for v, n in jax.device_get(out)]
    values = np.concatenate(parts) if parts else np.zeros(0)
    return np.where(np.isfinite(values), values, np.nan)


# -------------------------------------------------------------------- directions
def _filter_direction(ctx: _Context, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random direction, each neuron's incoming weights (a kernel's column, per slot)
    rescaled to the norm of the same weights in ``theta``; biases and BN's γ, β zero."""
    full = _padded(ctx, theta)
    d = _padded(ctx, rng.standard_normal(len(ctx.real)).astype(np.float32))
    p, s = ctx.width, padded.SLOTS
    w, dw = full[: s * p * p].reshape(s, p, p), d[: s * p * p].reshape(s, p, p)
    scale = np.linalg.norm(w, axis=1) / np.maximum(np.linalg.norm(dw, axis=1), 1e-12)
    d[: s * p * p] = (dw * scale[:, None, :]).ravel()
    d[s * p * p :] = 0.0
    return d[ctx.real]


class Slice(NamedTuple):
    """A 2D slice of a run's loss (:func:`loss_slice`).

    ``len(alpha)`` may be below the grid asked for, and ``rows_used`` below
    ``rows_total``, for a network too large to slice within BUDGET otherwise.

    ``loss[i, j]`` is the loss at θ* + alpha[j]·d₁ + beta[i]·d₂ (NaN where it
    overflows). Per run and kept snapshot (``epochs``): ``paths`` the projection
    (α, β) of θ_t − θ* onto the plane (least squares), ``off_plane`` the distance of
    θ_t from the plane (``off_plane_share``: as a share of ‖θ_t − θ*‖), ``true_loss``
    L(θ_t) and ``plane_loss`` the loss the plane shows at the projected point.
    """

    alpha: np.ndarray
    beta: np.ndarray
    loss: np.ndarray
    paths: np.ndarray
    off_plane: np.ndarray
    off_plane_share: np.ndarray
    true_loss: np.ndarray
    plane_loss: np.ndarray
    epochs: np.ndarray
    run: int
    directions: str
    explained: np.ndarray | None
    rows_used: int
    rows_total: int


def _pca(result: TrainResult, run: int, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    traj = result.weights[run].astype(np.float64) - theta
    if len(traj) < 3:
        raise ValueError(
            "PCA needs the weights at three or more snapshots; this network is too large "
            "to keep them (choose filter-normalized directions)"
        )
    _, sv, vt = np.linalg.svd(traj, full_matrices=False)
    explained = sv[:2] ** 2 / max(float(np.sum(sv**2)), 1e-30)
    extent = np.maximum(np.abs(traj @ vt[:2].T).max(axis=0), 1e-12)
    return (vt[:2] * extent[:, None]).astype(np.float32), explained


def _directions(result, ctx, run, theta, directions, key) -> tuple[np.ndarray, Any]:
    if directions == "pca":
        return _pca(result, run, theta)
    seed = [int(key), 1, run] if directions == "filter" else [int(key), 2]
    rng = np.random.default_rng(seed)
    return np.stack([_filter_direction(ctx, theta, rng) for _ in range(2)]), None


def loss_slice(
    result: TrainResult,
    run: int = 0,
    directions: str = "filter",
    grid: int = 51,
    span: float = 1.0,
    key: int = 0,
) -> Slice:
    """The loss on a plane through run ``run``'s final weights θ*, with every run's
    path projected onto it (see :class:`Slice` and the module's notes).

    Args:
        directions: ``"filter"``, ``"shared"`` or ``"pca"``.
        grid: points per side (3 … :data:`GRID_MAX`).
        span: α and β run over [−span, span], in units of the directions (for PCA, of
            the trajectory's extent along each).
        key: the random directions' seed.
    """
    if result.weights is None:
        raise ValueError("this result did not record its weights along training")
    if directions not in DIRECTIONS:
        raise ValueError(f"directions must be one of {', '.join(DIRECTIONS)}, got {directions!r}")
    grid = checks.whole("grid", grid, 3, GRID_MAX)
    span = checks.number("span", span, 1e-3, 100.0)
    if result.dataset is None:
        raise ValueError("this result does not hold its training data")
    rows = _rows_within(result, grid * grid)
    while grid > 11 and grid * grid * rows * _work_per_row(result) > BUDGET:
        grid -= 2  # odd stays odd: the centre is θ* itself
    ctx = _context(result, run, rows)
    theta = result.weights[run, -1].astype(np.float32)  # the final weights
    d, explained = _directions(result, ctx, run, theta, directions, key)
    alpha = np.linspace(-span, span, grid)
    beta = np.linspace(-span, span, grid)
    aa, bb = np.meshgrid(alpha, beta)
    coeffs = np.stack([aa.ravel(), bb.ravel()], axis=1)
    # every run's kept snapshots, projected (least squares on the two directions)
    delta = result.weights.astype(np.float64) - theta  # (runs, snaps, n)
    D = d.astype(np.float64)
    proj = np.linalg.solve(D @ D.T, np.einsum("kn,rsn->rsk", D, delta).reshape(-1, 2).T).T
    proj = proj.reshape(*delta.shape[:2], 2)
    off = np.linalg.norm(delta - proj @ D, axis=-1)
    size = np.linalg.norm(delta, axis=-1)
    on_plane = theta + (np.concatenate([coeffs, proj.reshape(-1, 2)]) @ D).astype(np.float32)
    values = losses(ctx, np.concatenate([on_plane, result.weights.reshape(-1, len(theta))]))
    n_grid, n_path = len(coeffs), proj.shape[0] * proj.shape[1]
    return Slice(
        alpha=alpha, beta=beta, loss=values[:n_grid].reshape(grid, grid),
        paths=proj, off_plane=off, off_plane_share=off / np.maximum(size, 1e-30) * (size > 0),
        true_loss=values[n_grid + n_path :].reshape(proj.shape[:2]),
        plane_loss=values[n_grid : n_grid + n_path].reshape(proj.shape[:2]),
        epochs=result.snapshot_epochs[result.weight_snapshots], run=int(run),
        directions=directions, explained=explained, rows_used=ctx.rows_used,
        rows_total=ctx.rows_total,
    )  # fmt: skip


def interpolation(result: TrainResult, run: int = 0, to: int | None = None) -> np.ndarray:
    """The loss along a straight line (at :data:`INTERP`'s t): from run ``run``'s
    initial weights (t = 0) to its final ones (t = 1) (Goodfellow, Vinyals & Saxe
    2015), or with ``to`` from its final weights to run ``to``'s final weights (are
    the two minima joined without a barrier?). The loss is run ``run``'s."""
    if result.weights is None:
        raise ValueError("this result did not record its weights along training")
    ctx = _context(result, run, _rows_within(result, len(INTERP)))
    start, end = result.weights[run, 0], result.weights[run, -1]
    if to is not None:
        start, end = end, result.weights[checks.whole("to", to, 0, result.n_runs - 1), -1]
    line = start[None, :] + INTERP[:, None].astype(np.float32) * (end - start)[None, :]
    return losses(ctx, line.astype(np.float32))


# -------------------------------------------------------------------- sharpness
def sharpness(result: TrainResult) -> np.ndarray:
    """The training loss's sharpness, its Hessian's largest eigenvalue, for every run at
    every snapshot whose weights were kept (``result.weight_snapshots``): Hessian-vector
    products (forward over reverse), no dense Hessian, and :data:`LANCZOS` Lanczos
    steps from a fixed random start. Returns (runs, kept snapshots)."""
    if result.weights is None:
        raise ValueError("this result did not record its weights along training")
    out = np.zeros(result.weights.shape[:2])
    rows = _rows_within(result, result.weights.shape[1] * LANCZOS * 3)
    for run in range(result.n_runs):
        ctx = _context(result, run, rows)
        k = _kernels(ctx.width, ctx.data.X.shape[0])
        data = jax.device_put(ctx.data)
        v0 = _padded(ctx, np.random.default_rng(0).standard_normal(len(ctx.real)))
        snaps = result.weights[run]
        for lo in range(0, len(snaps), SNAP_CHUNK):
            part = snaps[lo : lo + SNAP_CHUNK]
            batch = np.zeros((SNAP_CHUNK, ctx.layout.size), np.float32)
            batch[: len(part), ctx.real] = part
            a, b = jax.device_get(k["sharpness"](data, batch, v0))
            out[run, lo : lo + len(part)] = top_ritz(a, b)[: len(part)]
    return out


class Edge(NamedTuple):
    """Where a run's sharpness stands against its optimizer's stability threshold."""

    threshold: float | None  # None: no single line applies
    verdict: str  # "edge", "below", "above" or "none"
    sentence: str


#: a run is at the edge of stability when the median of its last EDGE_LAST sharpness
#: values lies within EDGE_BAND of the threshold
EDGE_LAST = 5
EDGE_BAND = 0.2


def stability(result: TrainResult, run: int, values: np.ndarray) -> Edge:
    """The stability threshold of run ``run``'s optimizer at its (constant) rate and
    the rule's verdict on ``values`` (its sharpness along training): 2/η for GD,
    (2 + 2β)/η for heavy-ball momentum, (2 + 2β)/((1 + 2β)η) for Nesterov (Cohen et
    al. 2021); none for adaptive optimizers or a changing rate."""
    r = result.runs[run]
    hp = get_optimizer(r.optimizer).resolve(r.hparams)
    lr = float(hp["learning_rate"])
    if r.schedule != "constant" or result.optimizers[run] not in ("sgd", "momentum", "nesterov"):
        return Edge(None, "none", "An adaptive optimizer or a changing learning rate has no "
                    "single stability line: its step depends on more than η.")  # fmt: skip
    beta = float(hp.get("momentum", 0.0))
    threshold = (2 + 2 * beta) / lr
    if result.optimizers[run] == "nesterov":
        threshold /= 1 + 2 * beta
    recent = float(np.median(values[-EDGE_LAST:]))
    ratio = recent / threshold
    name = {"sgd": "2/η", "momentum": "(2 + 2β)/η", "nesterov": "(2 + 2β)/((1 + 2β)η)"}
    line = f"{name[result.optimizers[run]]} = {threshold:.3g}"
    if abs(ratio - 1) <= EDGE_BAND:
        return Edge(threshold, "edge", f"At the edge of stability: the sharpness settled at "
                    f"{recent:.3g}, within {EDGE_BAND:.0%} of {line}.")  # fmt: skip
    if ratio < 1:
        return Edge(threshold, "below", f"Below the edge: the sharpness ended at {recent:.3g}, "
                    f"{1 - ratio:.0%} under {line}.")  # fmt: skip
    return Edge(threshold, "above", f"Above the edge: the sharpness ended at {recent:.3g}, "
                f"over {line}; GD on a quadratic this sharp would diverge.")  # fmt: skip


# -------------------------------------------------------------------- warm-up
def _warm_up(everything: bool) -> Iterator[str]:
    """Compile (or load) the landscape kernels: every width and row bucket, or the
    playground default's (width 16, 1,024 rows)."""
    from .datasets import make_dataset
    from .training import train

    shapes = [(w, r) for w in CHUNK for r in ROWS] if everything else [(16, 1024)]
    for width, rows in shapes:
        hidden = (width,) if width > 16 else (4,)
        ds = make_dataset("moons", n=rows * 5 // 4, seed=0, val_split=0.2)
        r = train(ds, hidden=hidden, epochs=10)
        ctx = _context(r, 0)
        assert (ctx.width, ctx.data.X.shape[0]) == (width, rows), (ctx.width, ctx.data.X.shape)
        losses(ctx, r.weights[0, -1:])
        last = dataclasses.replace(r, weights=r.weights[:1, -1:],
                                   weight_snapshots=r.weight_snapshots[-1:])  # fmt: skip
        sharpness(dataclasses.replace(last, labels=r.labels[:1], runs=r.runs[:1],
                                      optimizers=r.optimizers[:1]))  # fmt: skip
        yield f"width={width} rows={rows}"


register_warmup("net_landscape", _warm_up)
