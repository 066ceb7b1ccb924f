"""Run optimizers on a 2D surface: one jitted ``lax.scan`` over steps, ``vmap`` over runs.

A *kernel* is compiled once per (surface, optimizer kind, mode). Hyperparameters,
start points and the ε of "close to a minimum" enter it as arrays, so new values
never recompile; the number of runs is rounded up to a bucket (:func:`bucket_runs`;
summaries run in :data:`SUMMARY_RUNS` blocks), so that rarely does either. Two modes
share one step function:

* ``record=True`` returns every step (path, loss, gradient, update, the moments
  ``m`` and ``s``): what the race page animates. Its step count is rounded up to
  one of :data:`STEP_BUCKETS` and the record cut back afterwards.
* ``record=False`` returns only summaries (final point and loss, the step a run
  diverged at, the first step it came within ε of a minimum): what sweeps over
  thousands of runs need, at a fraction of the memory. It loops to the requested
  step count as a traced value, so any step count reuses one compiled kernel.

Divergence: a run is *diverged* at step k when its loss or gradient at the k-th
point is not finite, or the point has left a box ``DIVERGE_FACTOR`` times the
surface's size around its domain. From then on it stays frozen at its last good
point, so no NaN or inf ever leaves the engine.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..kernels import clear, compiled, register_on_disk, register_warmup
from ..optimizers import OPTIMIZERS, Optimizer, get_optimizer, moments
from .expressions import parse_surface
from .surfaces import GRID, SURFACE_NAMES, Surface, get_surface

STEP_BUCKETS: tuple[int, ...] = (100, 200, 500, 1000, 2000, 5000, 10000)
MAX_STEPS = STEP_BUCKETS[-1]
DIVERGE_FACTOR = 100.0
_BIG = float(np.finfo(np.float32).max)

#: How many times each kernel has been traced (compiled), by (surface key, optimizer, mode).
TRACES: Counter[tuple[str, str, bool]] = Counter()


def bucket_steps(steps: int) -> int:
    """The compiled step count that serves ``steps`` (the smallest bucket ≥ steps)."""
    steps = int(steps)
    if steps < 1:
        raise ValueError("steps must be at least 1")
    if steps > MAX_STEPS:
        raise ValueError(f"steps must be at most {MAX_STEPS}, got {steps}")
    return next(b for b in STEP_BUCKETS if b >= steps)


def bucket_runs(n: int) -> int:
    """The compiled run count that serves ``n`` runs: the next power of two up to 4096,
    then the next multiple of 4096 (a 200×200 grid pads to 40 960, not 65 536)."""
    n = int(n)
    if n > 4096:
        return -(-n // 4096) * 4096
    return 1 << max(0, n - 1).bit_length()


#: the run counts a summary kernel is compiled for: up to 64 runs (tuning a learning
#: rate, a sweep along one axis), else blocks of 4096 (a 64×64 sweep map, a basin map of
#: any grid, one call per block). Three summary kernels per surface and optimizer (the
#: two sizes, and 4096 without steps-to-ε for basins) serve every landscape control, so
#: ``optiviz --precompile`` can put them all on disk (16 × 8 × 3, quick to compile and
#: to load). Padding costs little (benchmarks/landscape.py).
SUMMARY_RUNS = (64, 4096)


def as_surface(surface: str | Surface, **params: float) -> Surface:
    """A built-in name, a :class:`Surface`, or a formula in x and y."""
    if isinstance(surface, Surface):
        return surface
    try:
        return get_surface(surface, **params)
    except ValueError:
        if any(c in str(surface) for c in "xy") and not str(surface).isidentifier():
            return parse_surface(str(surface))
        raise


class _Once:
    """A compiled kernel whose first call (a compilation, or a load from the disk cache)
    is made by one caller while the others wait: sessions asking for the same new scene
    at once (a classroom, or the server's warm-up and its first visitor) share it."""

    def __init__(self, fn: Callable[..., Any], **static: Any) -> None:
        self.fn, self.static = fn, static
        self.lock = threading.Lock()
        self.ready = False

    def __call__(self, *args: Any) -> Any:
        if not self.ready:
            with self.lock:
                if not self.ready:
                    out = jax.block_until_ready(self.fn(*args, **self.static))
                    self.ready = True
                    return out
        return self.fn(*args, **self.static)


def _kernel(
    surface: Surface, opt: Optimizer, record: bool, hits: bool, runs: int, steps: int
) -> _Once:
    """The compiled runner of one optimizer on one surface, ``runs`` runs per call
    (``steps``: the step bucket of a recording kernel, 0 for summaries).

    One kernel per optimizer kind, rather than one kernel that switches between
    kinds per run with ``lax.switch``: under ``vmap`` every branch runs for every
    run, and such a kernel was several times slower than eight per-kind kernels
    (benchmarks/engine.py). Kept in the engine's kernel
    cache (families "landscape" and "paths", each within its budget).
    """
    family = "paths" if record else "landscape"

    def make(_: Any) -> _Once:
        if record:
            return _Once(_record_kernel(surface, opt), steps=steps)
        return _Once(_summary_kernel(surface, opt, hits))

    return compiled(family, (surface, opt, record, hits, runs, steps), make)


def _record_kernel(surface: Surface, opt: Optimizer) -> Any:
    """Every step of every run recorded (``vmap`` of one run over the runs)."""
    names = opt.kernel_names
    value_and_grad = jax.value_and_grad(surface.loss)
    center = jnp.asarray(surface.center, jnp.float32)
    bound = jnp.float32(DIVERGE_FACTOR * surface.scale)
    minima = jnp.asarray(surface.minima_array)

    def check(p: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        loss, grad = value_and_grad(p)
        # Written coordinate by coordinate: reductions over a length-2 axis (jnp.all)
        # do not fuse in XLA's CPU loops and made each step several times slower.
        # NaN fails every comparison, so the box test also rejects a NaN position.
        ok = jnp.isfinite(loss) & jnp.isfinite(grad[0]) & jnp.isfinite(grad[1])
        ok = ok & (jnp.abs(p[0] - center[0]) <= bound) & (jnp.abs(p[1] - center[1]) <= bound)
        return loss, grad, ok

    def one_run(hp_vec: jax.Array, start: jax.Array, eps: jax.Array, steps: int) -> Any:
        hp = {n: hp_vec[i] for i, n in enumerate(names)}
        eps2 = jnp.square(eps)

        def body(carry: Any, t: jax.Array) -> Any:
            """One step. A dead run keeps its last good point; its state may rot (unused).
            The whole bucket runs; _finish cuts the record at the requested step
            (masking the carry per step instead made this loop ~10x slower)."""
            p, state, alive, div_at, p_good, hit_at, hit_p = carry
            loss, grad, ok = check(p)
            good = alive & ok
            div_at = jnp.where(alive & ~ok, t, div_at)
            p_good = jnp.where(good, p, p_good)
            first_hit = good & (hit_at < 0) & (_dist2(surface, p[0], p[1]) <= eps2)
            hit_at = jnp.where(first_hit, t, hit_at)
            hit_p = jnp.where(first_hit, p, hit_p)
            p_new, state = opt.update(grad, state, p, hp)
            p_next = jnp.where(good, p_new, p_good)
            m, s = moments(opt, state, p)
            g = jnp.where(good, grad, 0.0)
            out = (p, loss, g, jnp.where(good, p_new - p, 0.0), m, s)
            return (p_next, state, good, div_at, p_good, hit_at, hit_p), out

        init = (start, opt.init(start, hp), jnp.bool_(True), jnp.int32(-1), start)
        init += (jnp.int32(-1), start)
        carry, outs = jax.lax.scan(body, init, jnp.arange(steps, dtype=jnp.int32))
        final_p, final_loss, div_at, hit_at, hit_p = _settle(surface, check, carry, steps, eps2)
        if minima.shape[0]:
            nearest = jnp.argmin(jnp.sum(jnp.square(minima - hit_p), axis=-1)).astype(jnp.int32)
        else:
            nearest = jnp.int32(-1)
        hit_index = jnp.where(hit_at >= 0, nearest, -1)
        # Packed into one float and one int array: each array leaving the device costs
        # a transfer, and a race makes one call per run (see _unpack for the layout).
        ints = jnp.stack([div_at, hit_at, hit_index]).astype(jnp.int32)
        path, loss_seq, grad, update_seq, m, s = outs
        per_step = jnp.concatenate(
            [path, loss_seq[:, None], grad, update_seq, m, s], axis=1
        )  # (steps, 11)
        last = jnp.concatenate([final_p, final_loss[None], jnp.zeros(8, jnp.float32)])
        return jnp.concatenate([per_step, last[None]], axis=0), ints

    @functools.partial(jax.jit, static_argnames=("steps",))
    def kernel(
        hp: jax.Array, starts: jax.Array, eps: jax.Array, n_steps: jax.Array, steps: int
    ) -> Any:
        TRACES[(surface.key, opt.name, True)] += 1
        return jax.vmap(one_run, in_axes=(0, 0, None, None))(hp, starts, eps, steps)

    return kernel


def _dist2(surface: Surface, x: jax.Array, y: jax.Array) -> jax.Array:
    """Squared distance to the nearest known minimum (inf if none).

    Written out minimum by minimum: elementwise code that XLA fuses, where a
    reduction over a length-2 axis per run would not vectorise.
    """
    best = jnp.float32(jnp.inf)
    for mx, my in surface.minima_array.tolist():
        best = jnp.minimum(best, jnp.square(x - mx) + jnp.square(y - my))
    return best


def _settle(surface: Surface, check: Any, carry: Any, steps: Any, eps2: Any) -> tuple:
    """After a run's last step: the point it ended on (its last good one if it died),
    that point's loss, and its divergence and first-hit records with the final point
    checked too. ``check`` and the carry are either kernel's (one run, or the batch as
    ``(2, runs)`` arrays); the loss of the last good point is computed here again
    rather than carried through every step."""
    p, _, alive, div_at, p_good, hit_at, hit_p = carry
    loss, _, ok = check(p)
    good = alive & ok
    div_at = jnp.where(alive & ~ok, steps, div_at)
    final_p = jnp.where(good, p, p_good)
    final_loss = jnp.where(good, loss, check(p_good)[0])
    first_hit = good & (hit_at < 0) & (_dist2(surface, final_p[0], final_p[1]) <= eps2)
    hit_at = jnp.where(first_hit, steps, hit_at)
    hit_p = jnp.where(first_hit, final_p, hit_p)
    return final_p, final_loss, div_at, hit_at, hit_p


def _summary_kernel(surface: Surface, opt: Optimizer, hits: bool) -> Any:
    """Summaries only (end point and loss, divergence, first step within ε), for
    thousands of runs at once, looping to the step count as a traced value.

    Written for the whole batch rather than as ``vmap`` of one run: positions are
    kept as a (2, runs) array and the surface is evaluated on its x and y rows, so
    every quantity of a step is a plain (runs,) or (2, runs) array and XLA fuses a
    step into a few loops. (The ``vmap`` form kept (runs, 2) pairs, and splitting
    and re-assembling those cost more than the update rule itself; see
    benchmarks/engine.py.) The update rules are elementwise, so they
    run unchanged on these arrays, with each hyperparameter a (runs,) row; the step
    counter is one number shared by all runs, so whatever depends on it alone
    (Nadam's momentum schedule) is computed once per step, not once per run.
    """
    names = opt.kernel_names
    cx, cy = surface.center
    bound = jnp.float32(DIVERGE_FACTOR * surface.scale)
    minima = surface.minima_array.tolist()

    def check(p: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        x, y = p[0], p[1]
        loss, pull = jax.vjp(surface.f, x, y)
        gx, gy = pull(jnp.ones_like(loss))
        loss = jnp.broadcast_to(loss, x.shape)  # (a formula may be a constant)
        # NaN fails every comparison, so the box test also rejects a NaN position.
        ok = jnp.isfinite(loss) & jnp.isfinite(gx) & jnp.isfinite(gy)
        ok = ok & (jnp.abs(x - cx) <= bound) & (jnp.abs(y - cy) <= bound)
        return loss, jnp.stack([gx, gy]), ok

    def nearest_index(p: jax.Array) -> jax.Array:
        best = jnp.full(p.shape[1:], jnp.inf, jnp.float32)
        index = jnp.full(p.shape[1:], -1, jnp.int32)
        for i, (mx, my) in enumerate(minima):
            d2 = jnp.square(p[0] - mx) + jnp.square(p[1] - my)
            index = jnp.where(d2 < best, i, index)
            best = jnp.minimum(best, d2)
        return index

    @jax.jit
    def kernel(hp: jax.Array, starts: jax.Array, eps: jax.Array, n_steps: jax.Array) -> Any:
        TRACES[(surface.key, opt.name, False)] += 1  # (hits=False kernels count here too)
        n = starts.shape[0]
        hp_rows = {name: hp[:, i] for i, name in enumerate(names)}
        p0 = starts.T  # (2, runs)
        state0 = opt.init(p0, hp_rows)
        # Each state entry takes the shape its update gives it: a counter stays one
        # number; an entry that starts as one number and mixes in a per-run value
        # (Nadam's product of momenta) becomes one per run.
        shapes = jax.eval_shape(lambda s: opt.update(p0, s, p0, hp_rows)[1], state0)
        state0 = jax.tree.map(
            lambda a, s: jnp.broadcast_to(a, s.shape).astype(s.dtype), state0, shapes
        )
        eps2 = jnp.square(eps)
        never = jnp.full(n, -1, jnp.int32)

        def advance(t: jax.Array, carry: Any) -> Any:
            """One step. A dead run keeps its last good point; its state may rot (unused)."""
            p, state, alive, div_at, p_good, hit_at, hit_p = carry
            _, grad, ok = check(p)
            good = alive & ok
            div_at = jnp.where(alive & ~ok, t, div_at)
            p_good = jnp.where(good, p, p_good)
            if hits:  # (skipped when the caller needs no steps-to-ε: ~20 % of a step)
                first_hit = good & (hit_at < 0) & (_dist2(surface, p[0], p[1]) <= eps2)
                hit_at = jnp.where(first_hit, t, hit_at)
                hit_p = jnp.where(first_hit, p, hit_p)
            p_new, state = opt.update(grad, state, p, hp_rows)
            return (jnp.where(good, p_new, p_good), state, good, div_at, p_good, hit_at, hit_p)

        init = (p0, state0, jnp.ones(n, jnp.bool_), never, p0, never, p0)
        carry = jax.lax.fori_loop(0, n_steps, advance, init)
        final_p, final_loss, div_at, hit_at, hit_p = _settle(surface, check, carry, n_steps, eps2)
        hit_index = jnp.where(hit_at >= 0, nearest_index(hit_p), -1)
        # one float and one int array (each array leaving the device costs a transfer)
        floats = jnp.stack([final_p[0], final_p[1], final_loss], axis=1)
        return floats, jnp.stack([div_at, hit_at, hit_index], axis=1).astype(jnp.int32)

    return kernel


def _race_kernel(surface: Surface, kinds: tuple[Optimizer, ...], steps: int) -> _Once:
    """The compiled race: one run of every optimizer kind of ``kinds`` from one start,
    every step of the ``steps`` bucket recorded, in one call. Kept in the engine's
    kernel cache (family "race", within its budget).

    Each kind has its own lean ``lax.scan`` (the update rule, and the moments it
    records); nothing else happens per step. Loss, gradient, divergence and "within ε
    of a minimum" are then computed for all points at once, vectorised over the whole
    record, instead of inside the loops: XLA's CPU loops pay per operation per step,
    and the bookkeeping had made each step several times slower than the rule itself.
    A run that diverges goes on computing non-finite numbers after its bad step; the
    record is cut there (:func:`_finish` freezes it at its last good point), so the
    result is the same as freezing inside the loop. The kinds a race does not use run
    with their defaults (a few microseconds each), so choosing other optimizers never
    recompiles: one kernel per surface and step bucket. (Each kind runs unbatched:
    ``vmap`` over 4 settings per kind made the loops 5x slower, so a second setting of
    one optimizer is a second call of this kernel, see :func:`_race_all`.)
    """
    return compiled(
        "race", (surface, kinds, steps), lambda _: _Once(_make_race(surface, kinds), steps=steps)
    )


def _make_race(surface: Surface, kinds: tuple[Optimizer, ...]) -> Any:
    grad = jax.grad(surface.loss)
    value_and_grad = jax.vmap(jax.value_and_grad(surface.loss))
    center = jnp.asarray(surface.center, jnp.float32)
    bound = jnp.float32(DIVERGE_FACTOR * surface.scale)
    minima = jnp.asarray(surface.minima_array)

    def record(opt: Optimizer, hp_vec: jax.Array, start: jax.Array, steps: int) -> jax.Array:
        """(steps, 6): the point after each step, then m and s."""
        hp = {n: hp_vec[i] for i, n in enumerate(opt.kernel_names)}

        def body(carry: Any, _: Any) -> tuple[Any, jax.Array]:
            p, state = carry
            p_new, state = opt.update(grad(p), state, p, hp)
            m, s = moments(opt, state, p)
            return (p_new, state), jnp.concatenate([p_new, m, s])

        return jax.lax.scan(body, (start, opt.init(start, hp)), None, length=steps)[1]

    @functools.partial(jax.jit, static_argnames=("steps",))
    def kernel(hp: jax.Array, start: jax.Array, eps: jax.Array, steps: int) -> Any:
        TRACES[(surface.key, "race", True)] += 1
        rec = jnp.stack(
            [record(o, hp[k, : len(o.kernel_names)], start, steps) for k, o in enumerate(kinds)]
        )  # (kinds, steps, 6)
        first = jnp.broadcast_to(start, (len(kinds), 1, 2))
        path = jnp.concatenate([first, rec[..., :2]], axis=1)  # (kinds, steps+1, 2)
        flat = path.reshape(-1, 2)
        loss, g = value_and_grad(flat)
        ok = jnp.isfinite(loss) & jnp.all(jnp.isfinite(g), axis=-1)
        ok = ok & jnp.all(jnp.abs(flat - center) <= bound, axis=-1)
        ok = ok.reshape(path.shape[:-1])
        t = jnp.arange(steps + 1, dtype=jnp.int32)  # (per point)
        bad_at = jnp.min(jnp.where(ok, steps + 1, t), axis=-1)  # steps + 1: never
        if minima.shape[0]:
            d2 = jnp.sum(jnp.square(path[..., None, :] - minima), axis=-1)  # (..., minima)
            close = jnp.min(d2, axis=-1) <= jnp.square(eps)
            hit_at = jnp.min(jnp.where(close & (t < bad_at[..., None]), t, steps + 1), axis=-1)
            hit_p = path[jnp.arange(len(kinds)), jnp.minimum(hit_at, steps)]  # (kinds, 2)
            nearest = jnp.argmin(jnp.sum(jnp.square(hit_p[..., None, :] - minima), -1), -1)
        else:
            hit_at = jnp.full(bad_at.shape, steps + 1, jnp.int32)
            nearest = jnp.zeros(bad_at.shape, jnp.int32)
        hit = hit_at <= steps
        ints = jnp.stack(
            [
                jnp.where(bad_at <= steps, bad_at, -1),
                jnp.where(hit, hit_at, -1),
                jnp.where(hit, nearest.astype(jnp.int32), -1),
            ],
            axis=-1,
        ).astype(jnp.int32)
        # the per-kind kernels' layout (see _unpack): for each step x, y, loss, the
        # gradient, the update, m and s; a last row with the end point and its loss
        grads = g.reshape(path.shape)[:, :steps]
        per_step = jnp.concatenate(
            [
                path[:, :steps],
                loss.reshape(path.shape[:-1])[:, :steps, None],
                grads,
                path[:, 1:] - path[:, :steps],
                rec[..., 2:],
            ],
            axis=-1,
        )  # (kinds, steps, 11)
        last = jnp.concatenate(
            [path[:, steps:], loss.reshape(path.shape[:-1])[:, steps:, None]], axis=-1
        )
        last = jnp.concatenate([last, jnp.zeros((len(kinds), 1, 8), jnp.float32)], axis=-1)
        floats = jnp.concatenate([per_step, last], axis=1)  # (kinds, steps + 1, 11)
        return floats, ints

    return kernel


def default_eps(surface: Surface) -> float:
    """Distance that counts as "at a minimum": 1 % of the surface's half-width."""
    return 0.01 * surface.scale


def run_batch(
    surface: str | Surface,
    optimizer: str | Optimizer,
    hparams: np.ndarray | Sequence[Mapping[str, float]],
    starts: np.ndarray | Sequence[Sequence[float]],
    steps: int,
    *,
    record: bool = False,
    eps: float | None = None,
    hits: bool = True,
) -> dict[str, np.ndarray]:
    """Run one optimizer many times at once (the building block of sweeps).

    Args:
      surface: a built-in name, :class:`Surface` or formula.
      optimizer: an optimizer name or :class:`Optimizer`.
      hparams: an (n, P) array in ``optimizer.hparam_names`` order, or n mappings
        (missing keys take the defaults); one row is shared by every start.
      starts: (n, 2) start points, or one (2,) start shared by every run.
      steps: number of updates (≤ :data:`MAX_STEPS`).
      record: return every step (``path``, ``loss``, ``grad``, ``update``, ``m``, ``s``)
        as well as the summaries.
      eps: distance to a minimum that counts as reached (default :func:`default_eps`).
      hits: track the first step within ε of a minimum (``hit_step``); turn off when
        only where runs end matters (basins), which saves ~20 % per step.

    Returns:
      numpy arrays with a leading run axis: ``final_position`` (n, 2), ``final_loss``,
      ``diverged_at`` (−1 never), ``hit_step`` (first step within ε of a minimum, −1
      never), ``hit_index`` (which minimum), and with ``record`` the per-step arrays.
    """
    opt = get_optimizer(optimizer)
    return _run(surface, opt, _hp_matrix(opt, hparams), starts, steps, record, eps, hits=hits)


def _run(
    surface: str | Surface,
    opt: Optimizer,
    hp: np.ndarray,
    starts: Any,
    steps: int,
    record: bool,
    eps: float | None,
    hits: bool = True,
) -> dict[str, np.ndarray]:
    surf = as_surface(surface)
    st = np.asarray(starts, np.float32)
    if hp.shape[0] == 1 and st.ndim == 2 and st.shape[0] > 1:  # one setting, many starts
        hp = np.repeat(hp, st.shape[0], axis=0)
    n = hp.shape[0]
    if st.shape == (2,):
        st = np.broadcast_to(st, (n, 2))
    if st.shape != (n, 2):
        raise ValueError(f"starts must have shape (2,) or ({n}, 2), got {st.shape}")
    if not np.all(np.isfinite(st)):
        raise ValueError("start points must be finite numbers")
    total = bucket_steps(steps)
    small, block = SUMMARY_RUNS
    size = bucket_runs(n) if record else (small if n <= small else block)
    padded = -(-n // size) * size
    if padded > n:
        pad = padded - n
        hp = np.concatenate([hp, np.repeat(hp[:1], pad, axis=0)])
        st = np.concatenate([st, np.repeat(st[:1], pad, axis=0)])
    hp = np.ascontiguousarray(hp, np.float32)  # numpy straight in: jnp.asarray costs more
    st = np.ascontiguousarray(st, np.float32)
    e = np.float32(default_eps(surf) if eps is None else eps)
    # summaries loop to n_steps as a traced value: one compile for any step count
    kernel = _kernel(surf, opt, bool(record), bool(hits) or bool(record), size, total * record)
    parts = [
        jax.device_get(kernel(hp[a : a + size], st[a : a + size], e, np.int32(steps)))
        for a in range(0, padded, size)
    ]
    out = [np.concatenate([p[i] for p in parts]) for i in range(2)] if len(parts) > 1 else parts[0]
    return _finish(out, n, int(steps), total, bool(record))


def _hp_matrix(opt: Optimizer, hparams: Any) -> np.ndarray:
    """(n, len(opt.kernel_names)) float32: the hyperparameters, then the derived values
    (computed in float64 from the given numbers before rounding, as Keras does)."""
    if isinstance(hparams, np.ndarray) and hparams.ndim == 2:
        if hparams.shape[1] != len(opt.hparams):
            raise ValueError(
                f"{opt.display} takes {len(opt.hparams)} hyperparameters "
                f"({', '.join(opt.hparam_names)}), got {hparams.shape[1]} columns"
            )
        columns = {k: hparams[:, i].astype(np.float64) for i, k in enumerate(opt.hparam_names)}
    else:
        rows = [opt.resolve(h) for h in hparams]
        if not rows:
            raise ValueError("at least one run is needed")
        columns = {k: np.array([r[k] for r in rows], np.float64) for k in opt.hparam_names}
    full = opt.with_derived(columns)
    hp = np.stack([np.asarray(full[k], np.float64) for k in opt.kernel_names], axis=1)
    if not np.all(np.isfinite(hp)):
        raise ValueError("hyperparameters must be finite numbers")
    return hp.astype(np.float32)


def _unpack(floats: np.ndarray, ints: np.ndarray, record: bool) -> dict[str, np.ndarray]:
    """The kernel's two packed arrays as named fields (copies, so they can be edited)."""
    res = {
        "diverged_at": ints[:, 0].copy(),
        "hit_step": ints[:, 1].copy(),
        "hit_index": ints[:, 2].copy(),
    }
    if not record:
        res["final_position"] = floats[:, :2].copy()
        res["final_loss"] = floats[:, 2].copy()
        return res
    # columns: x, y, loss, gx, gy, update x, y, m x, y, s x, y; the last row is the end point
    res["path"] = floats[:, :, 0:2].copy()
    res["loss"] = floats[:, :, 2].copy()
    for name, col in (("grad", 3), ("update", 5), ("m", 7), ("s", 9)):
        res[name] = floats[:, :-1, col : col + 2].copy()
    return res


def _finish(out: Any, n: int, steps: int, total: int, record: bool) -> dict:
    """Trim padding, cut to the requested steps, freeze diverged runs, drop non-finite values."""
    floats, ints = (np.asarray(a)[:n] for a in out)
    res = _unpack(floats, ints, record)
    if record:
        if steps < total:
            res["path"] = res["path"][:, : steps + 1]
            res["loss"] = res["loss"][:, : steps + 1]
            for k in ("grad", "update", "m", "s"):
                res[k] = res[k][:, :steps]
        # Events after the requested step happened in the bucket's padding.
        late = res["diverged_at"] > steps
        res["diverged_at"][late] = -1
        late = res["hit_step"] > steps
        res["hit_step"][late] = -1
        res["hit_index"][late] = -1
        for r in np.flatnonzero(res["diverged_at"] >= 0):
            k = int(res["diverged_at"][r])
            if k == 0:
                continue
            res["path"][r, k:] = res["path"][r, k - 1]
            res["loss"][r, k:] = res["loss"][r, k - 1]
            res["grad"][r, k:] = 0.0
            res["update"][r, k - 1 :] = 0.0
            res["m"][r, k:] = res["m"][r, k - 1]
            res["s"][r, k:] = res["s"][r, k - 1]
        res["final_position"] = res["path"][:, -1]
        res["final_loss"] = res["loss"][:, -1]
    for k, v in res.items():
        if v.dtype.kind == "f" and not np.isfinite(v).all():
            res[k] = np.nan_to_num(v, nan=0.0, posinf=_BIG, neginf=-_BIG)
    return res


# ------------------------------------------------------------------- the race
class RaceResult(NamedTuple):
    """Trajectories of several optimizers from one start on one surface.

    Arrays have a leading run axis (one run per optimizer setting):
    ``path`` (runs, steps+1, 2) and ``loss`` (runs, steps+1) at every point;
    ``grad`` (runs, steps, 2) the gradient used at step t; ``update`` the step
    actually taken; ``m`` and ``s`` the course's first and second moments after
    step t (zeros where the optimizer has none); ``diverged_at`` (runs,) the step
    a run blew up at, −1 if never.
    """

    surface: Surface
    optimizers: tuple[str, ...]
    labels: tuple[str, ...]
    hparams: tuple[dict[str, float], ...]
    start: tuple[float, float]
    steps: int
    path: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    update: np.ndarray
    m: np.ndarray
    s: np.ndarray
    diverged_at: np.ndarray
    hit_step: np.ndarray
    hit_index: np.ndarray
    eps: float

    @property
    def n_runs(self) -> int:
        return len(self.labels)


RunSpec = tuple[str, Mapping[str, float]]


def normalize_runs(
    optimizers: Mapping[str, Mapping[str, float] | None] | Iterable[str | RunSpec],
) -> list[tuple[Optimizer, dict[str, float]]]:
    """Accept ``{"adam": {"learning_rate": 0.1}}``, ``["sgd", "adam"]`` or
    ``[("momentum", {"momentum": 0.5}), ("momentum", {"momentum": 0.9})]``."""
    items: list[Any] = list(optimizers.items()) if isinstance(optimizers, Mapping) else []
    if not isinstance(optimizers, Mapping):
        for item in optimizers:
            items.append((item, None) if isinstance(item, str | Optimizer) else item)
    runs = []
    for name, hp in items:
        opt = get_optimizer(name)
        runs.append((opt, opt.resolve(hp or {})))
    if not runs:
        raise ValueError("choose at least one optimizer")
    return runs


def run_labels(runs: Sequence[tuple[Optimizer, Mapping[str, float]]]) -> list[str]:
    """Display names; an optimizer that appears twice gets the settings that differ."""
    labels = []
    for opt, hp in runs:
        same = [h for o, h in runs if o.name == opt.name]
        if len(same) == 1:
            labels.append(opt.display)
            continue
        differing = [k for k in opt.hparam_names if len({h[k] for h in same}) > 1]
        detail = ", ".join(f"{k}={hp[k]:g}" for k in differing) or "copy"
        labels.append(f"{opt.display} ({detail})")
    return labels


@functools.lru_cache(maxsize=4096)
def _hp_row(opt: Optimizer, items: tuple[tuple[str, float], ...]) -> np.ndarray:
    """One run's kernel hyperparameters (cached: a race rebuilds the same rows often)."""
    row = _hp_matrix(opt, [dict(items)])[0]
    row.setflags(write=False)
    return row


@functools.lru_cache(maxsize=64)
def _default_rows(kinds: tuple[Optimizer, ...]) -> tuple[np.ndarray, dict[str, int]]:
    """Every kind's default kernel hyperparameters (one padded row each) and the row of
    each optimizer name."""
    width = max(len(o.kernel_names) for o in kinds)
    hp = np.zeros((len(kinds), width), np.float32)
    for k, o in enumerate(kinds):
        hp[k, : len(o.kernel_names)] = _hp_row(o, tuple(o.defaults().items()))
    hp.setflags(write=False)
    return hp, {o.name: k for k, o in enumerate(kinds)}


def _race_all(
    surf: Surface,
    runs: Sequence[tuple[Optimizer, Mapping[str, float]]],
    start: Sequence[float],
    steps: int,
    eps: float,
) -> dict[str, np.ndarray]:
    """Every run of a race through one compiled :func:`_race_kernel` per surface and
    step bucket. The kernel runs one setting of every kind per call, so a race with a
    second (third, …) setting of an optimizer calls it again: call *c* carries the
    *c*-th setting of each optimizer (the other kinds race their defaults, unused).
    No setting, copy or optimizer set ever needs another kernel. Cut, frozen, unpacked."""
    kinds = tuple(OPTIMIZERS.values())
    kinds += tuple(dict.fromkeys(o for o, _ in runs if o not in kinds))
    defaults, index = _default_rows(kinds)  # unused kinds race their defaults
    calls: list[tuple[np.ndarray, dict[int, int]]] = []  # (hp, run -> kind row) per call
    copies: Counter[str] = Counter()
    for i, (o, h) in enumerate(runs):
        c = copies[o.name]
        copies[o.name] += 1
        if c == len(calls):
            calls.append((defaults.copy(), {}))
        hp, rows = calls[c]
        k = index[o.name]
        row = _hp_row(o, tuple(sorted(h.items())))
        hp[k, : len(row)] = row
        rows[i] = k
    total = bucket_steps(steps)
    kernel = _race_kernel(surf, kinds, total)
    p0, e = np.asarray(start, np.float32), np.float32(eps)
    n = len(runs)
    packed = out_ints = None
    for hp, rows in calls:
        floats, ints = (np.asarray(a) for a in kernel(hp, p0, e))
        if packed is None:
            packed = np.empty((n, *floats.shape[1:]), floats.dtype)
            out_ints = np.empty((n, *ints.shape[1:]), ints.dtype)
        for i, k in rows.items():
            packed[i], out_ints[i] = floats[k], ints[k]
    return _finish((packed, out_ints), n, steps, total, True)


def race(
    surface: str | Surface,
    optimizers: Mapping[str, Mapping[str, float] | None] | Iterable[str | RunSpec],
    start: Sequence[float] | None = None,
    steps: int = 300,
    *,
    eps: float | None = None,
) -> RaceResult:
    """Race optimizers from one start point on a surface.

    Args:
      surface: a built-in name (``"two_wells"``), a :class:`Surface` or a formula
        in x and y (``"x**2 + 10*y**2"``).
      optimizers: optimizer name → Keras hyperparameters, or a list of names or
        ``(name, hparams)`` pairs (to race one optimizer with several settings).
      start: the start point (default: the surface's suggested start).
      steps: number of updates, 1 … :data:`MAX_STEPS`.
      eps: distance to a minimum that counts as reaching it (for ``hit_step``).

    Example:
      >>> r = race("two_wells", {"sgd": {"learning_rate": 0.01}, "adam": {"learning_rate": 0.1}})
      >>> r.path.shape
      (2, 301, 2)
    """
    surf = as_surface(surface)
    runs = normalize_runs(optimizers)
    p0 = surf.start if start is None else tuple(float(v) for v in start)
    if len(p0) != 2 or not all(np.isfinite(p0)):
        raise ValueError("start must be two finite numbers (x, y)")
    e = default_eps(surf) if eps is None else float(eps)

    out = _race_all(surf, runs, p0, int(steps), e)
    if np.any(out["diverged_at"] == 0):
        raise ValueError(
            f"the loss is not finite at the start point ({p0[0]:g}, {p0[1]:g}), "
            "or the start lies far outside the domain"
        )
    return RaceResult(
        surface=surf,
        optimizers=tuple(o.name for o, _ in runs),
        labels=tuple(run_labels(runs)),
        hparams=tuple(h for _, h in runs),
        start=(float(p0[0]), float(p0[1])),
        steps=int(steps),
        path=out["path"],
        loss=out["loss"],
        grad=out["grad"],
        update=out["update"],
        m=out["m"],
        s=out["s"],
        diverged_at=out["diverged_at"],
        hit_step=out["hit_step"],
        hit_index=out["hit_index"],
        eps=e,
    )


def _warm_up(everything: bool) -> Iterator[str]:
    """The grid kernel of every built-in surface at the pages' grid size (one small
    kernel per surface, ``surfaces._grid_kernel``), so a student who picks another
    surface meets no compilation for its contour plot."""
    for name in SURFACE_NAMES:
        get_surface(name).grid(GRID)
    yield f"surface grids {GRID}x{GRID}"


register_warmup("surfaces", _warm_up)


#: the step counts the race page offers (1 … this many): their buckets are precompiled
RACE_PAGE_STEPS = 2000


def _race_kernels_on_disk() -> Iterator[str]:
    """For every built-in surface: the race kernel of every step bucket the race page
    can ask for, and the landscape's summary kernels of every optimizer (each
    :data:`SUMMARY_RUNS` size with steps-to-ε, the block size without it for basins),
    each run once (``optiviz --precompile``). The process's caches are cleared after
    each surface: 80 race kernels at once would hold too much memory."""
    buckets = [b for b in STEP_BUCKETS if b <= bucket_steps(RACE_PAGE_STEPS)]
    small, block = SUMMARY_RUNS
    for name in SURFACE_NAMES:
        surface = get_surface(name)
        for b in buckets:
            race(surface, ["sgd"], steps=b)
        for opt in OPTIMIZERS:
            for n, hits in ((small, True), (block, True), (block, False)):
                run_batch(surface, opt, [{}], np.zeros((n, 2), np.float32), 1, hits=hits)
        for family in ("race", "landscape"):
            clear(family)
        yield f"{name} steps<={buckets[-1]}, landscape"


register_on_disk("race", _race_kernels_on_disk)
