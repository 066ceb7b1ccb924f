"""Engine timings: optiviz vs optax (same jit/scan/vmap structure) vs NumPy (Python loop).

    uv run --group test python benchmarks/engine.py [--repeats 7] [--surface two_wells]

Workloads (issue #2):
  W1  8 optimizers x 1 start x 500 steps, every step recorded (a race)
  W2  8 optimizers x 4096 runs x 500 steps, summaries only (a sweep)

Prints the median of warm repeats, the first call (trace + compile) separately,
and the ratios against optiviz. The persistent compilation cache is off here so
"first call" really compiles; pass --cache to measure a warm-cache restart.
Runs unchanged on a GPU (JAX picks the device; the header says which).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Callable

if "--cache" not in sys.argv:
    os.environ["OPTIVIZ_JAX_CACHE"] = "0"

import jax
import jax.numpy as jnp
import numpy as np

import optiviz
from optiviz.engine.plane import trajectories as T

NAMES = tuple(optiviz.OPTIMIZERS)
STEPS = 500
W2_RUNS = 4096


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(first call, median of ``repeats`` warm calls) in seconds."""
    t = time.perf_counter()
    jax.block_until_ready(fn())
    first = time.perf_counter() - t
    warm = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        warm.append(time.perf_counter() - t)
    return first, statistics.median(warm)


# ------------------------------------------------------------------- optiviz
def optiviz_w1(surface: str) -> Callable[[], object]:
    """The race API, whole call: one compiled kernel runs all eight kinds (a lean scan
    each), then loss, gradient, divergence and ε-hits for every point at once."""
    return lambda: optiviz.race(surface, list(NAMES), steps=STEPS).path


def _race_kernel_call(surface: str, opts: tuple) -> Callable[[], object]:
    s = optiviz.get_surface(surface)
    kernel = T._race_kernel(s, opts, STEPS)
    width = max(len(o.kernel_names) for o in opts)
    hp = np.zeros((len(opts), width), np.float32)
    for k, o in enumerate(opts):
        row = T._hp_matrix(o, [{**o.defaults(), "learning_rate": 0.01}])[0]
        hp[k, : len(row)] = row
    args = (hp, np.asarray(s.start, np.float32), np.float32(T.default_eps(s)))
    return lambda: jax.device_get(kernel(*args))


def optiviz_w1_kernel(surface: str) -> Callable[[], object]:
    """The same race kernel called directly (no Python around it)."""
    return _race_kernel_call(surface, tuple(optiviz.get_optimizer(n) for n in NAMES))


def optax_race_kernel_w1(surface: str) -> Callable[[], object]:
    """optax's rules in the very same race kernel: the like-for-like row."""
    return _race_kernel_call(surface, tuple(optax_in_our_kernel(n) for n in NAMES))


def optiviz_w1_fused(surface: str) -> Callable[[], object]:
    """The other layout: all eight optimizers written out in one scan body (same update
    functions), positions recorded; no divergence bookkeeping, so it is a lower bound."""
    s = optiviz.get_surface(surface)
    opts = [optiviz.get_optimizer(n) for n in NAMES]
    grad = jax.grad(s.loss)

    @jax.jit
    def run(hps: tuple, p0: jax.Array) -> jax.Array:
        states = tuple(o.init(p0, hp) for o, hp in zip(opts, hps, strict=True))

        def body(carry, _):
            new = []
            for o, hp, (p, st) in zip(opts, hps, carry, strict=True):
                new.append(o.update(grad(p), st, p, hp))
            return tuple(new), jnp.stack([p for p, _ in new])

        init = tuple((p0, st) for st in states)
        return jax.lax.scan(body, init, None, length=STEPS)[1]

    hps = tuple({k: jnp.float32(v) for k, v in o.with_derived(o.defaults()).items()} for o in opts)
    p0 = jnp.asarray(s.start, jnp.float32)
    return lambda: run(hps, p0)


def _w2_inputs(surface: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    s = optiviz.get_surface(surface)
    (x0, x1), (y0, y1) = s.domain
    starts = np.stack([rng.uniform(x0, x1, W2_RUNS), rng.uniform(y0, y1, W2_RUNS)], axis=1).astype(
        np.float32
    )
    lrs = np.logspace(-3, -1, W2_RUNS).astype(np.float32)
    return starts, lrs


def optiviz_w2(surface: str) -> Callable[[], object]:
    starts, lrs = _w2_inputs(surface)
    hps = {}
    for n in NAMES:
        opt = optiviz.get_optimizer(n)
        hp = np.tile(np.array([list(opt.defaults().values())], np.float32), (W2_RUNS, 1))
        hp[:, 0] = lrs
        hps[n] = hp

    def run() -> object:
        return [T.run_batch(surface, n, hps[n], starts, STEPS)["final_loss"] for n in NAMES]

    return run


# --------------------------------------------------------------------- optax
def _optax_tx(name: str, lr: jax.Array, hp: dict | None = None):
    """optax's transformation for ``name`` with Keras's defaults; with ``hp`` (the
    kernel's hyperparameter arrays) every hyperparameter is taken from there, as
    optiviz's own rules take theirs, instead of being a compile-time constant."""
    import optax

    def h(key: str, default: float) -> object:
        return default if hp is None else hp[key]

    return {
        "sgd": lambda: optax.sgd(lr),
        "momentum": lambda: optax.sgd(lr, momentum=h("momentum", 0.9)),
        "nesterov": lambda: optax.sgd(lr, momentum=h("momentum", 0.9), nesterov=True),
        "adagrad": lambda: optax.adagrad(
            lr,
            initial_accumulator_value=h("initial_accumulator_value", 0.1),
            eps=h("epsilon", 1e-7),
        ),
        "rmsprop": lambda: optax.rmsprop(lr, decay=h("rho", 0.9), eps=h("epsilon", 1e-7)),
        "adam": lambda: optax.adam(
            lr, b1=h("beta_1", 0.9), b2=h("beta_2", 0.999), eps=h("epsilon", 1e-7)
        ),
        "nadam": lambda: optax.nadam(
            lr, b1=h("beta_1", 0.9), b2=h("beta_2", 0.999), eps=h("epsilon", 1e-7)
        ),
        "adamax": lambda: optax.adamax(
            lr, b1=h("beta_1", 0.9), b2=h("beta_2", 0.999), eps=h("epsilon", 1e-7)
        ),
    }[name]()


def _optax_kernel(surface: str, name: str, record: bool) -> Callable:
    import optax

    grad = jax.grad(optiviz.get_surface(surface).loss)

    def one(lr: jax.Array, p0: jax.Array) -> jax.Array:
        tx = _optax_tx(name, lr)

        def body(carry, _):
            p, state = carry
            updates, state = tx.update(grad(p), state, p)
            p = optax.apply_updates(p, updates)
            return (p, state), (p if record else None)

        (p, _), path = jax.lax.scan(body, (p0, tx.init(p0)), None, length=STEPS)
        return path if record else p

    return jax.jit(jax.vmap(one))


def optax_in_our_kernel(name: str, constants: bool = False) -> optiviz.engine.Optimizer:
    """optax's rule for ``name`` wrapped as an optiviz optimizer, so it runs in the very
    same kernel (divergence freezing, ε bookkeeping, records): the like-for-like row.

    Its hyperparameters come in as arrays, as optiviz's do (a slider never
    recompiles); with ``constants`` only the learning rate does, and β, ρ, ε are
    Python numbers XLA folds into the compiled loop (what a fixed optax setup gets)."""
    base = optiviz.get_optimizer(name)

    def tx(hp: dict) -> object:
        return _optax_tx(name, hp["learning_rate"], None if constants else hp)

    def init(params: jax.Array, hp: dict) -> object:
        return tx(hp).init(params)

    def update(g: jax.Array, state: object, params: jax.Array, hp: dict) -> tuple:
        updates, state = tx(hp).update(g, state, params)
        return params + updates, state

    suffix = "-const" if constants else ""
    return dataclasses.replace(
        base,
        name=f"optax-{name}{suffix}",
        init=init,
        update=update,
        moments=lambda st: (None, None),
    )


def optax_same_kernel_w1(surface: str) -> Callable[[], object]:
    start = optiviz.get_surface(surface).start
    opts = [optax_in_our_kernel(n) for n in NAMES]
    hps = [np.array([[0.01, *list(o.defaults().values())[1:]]], np.float32) for o in opts]
    return lambda: [
        T.run_batch(surface, o, hp, start, STEPS, record=True)["path"]
        for o, hp in zip(opts, hps, strict=True)
    ]


def optax_same_kernel_w2(surface: str, constants: bool = False) -> Callable[[], object]:
    starts, lrs = _w2_inputs(surface)
    opts = [optax_in_our_kernel(n, constants) for n in NAMES]
    hps = []
    for o in opts:
        hp = np.tile(np.array([list(o.defaults().values())], np.float32), (W2_RUNS, 1))
        hp[:, 0] = lrs
        hps.append(hp)
    return lambda: [
        T.run_batch(surface, o, hp, starts, STEPS)["final_loss"]
        for o, hp in zip(opts, hps, strict=True)
    ]


def optax_same_kernel_w2_constants(surface: str) -> Callable[[], object]:
    return optax_same_kernel_w2(surface, constants=True)


def optax_w1(surface: str) -> Callable[[], object]:
    start = jnp.asarray([optiviz.get_surface(surface).start], jnp.float32)
    lr = jnp.asarray([0.01], jnp.float32)
    kernels = [_optax_kernel(surface, n, True) for n in NAMES]
    return lambda: [k(lr, start) for k in kernels]


def optax_w2(surface: str) -> Callable[[], object]:
    starts, lrs = _w2_inputs(surface)
    kernels = [_optax_kernel(surface, n, False) for n in NAMES]
    s, lr = jnp.asarray(starts), jnp.asarray(lrs)
    return lambda: [k(lr, s) for k in kernels]


# --------------------------------------------------------------------- NumPy
def _np_two_wells_grad(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    r2y = (1.4 * y) ** 2
    e1 = np.exp(-((x - 1) ** 2 + r2y) / 0.2)
    e2 = np.exp(-((x + 1) ** 2 + r2y) / 0.2)
    gx = 2 * e1 * 2 * (x - 1) / 0.2 + 6 * e2 * 2 * (x + 1) / 0.2 + 2 * x
    dy = 2 * 1.96 * y
    gy = 2 * e1 * dy / 0.2 + 6 * e2 * dy / 0.2 + dy
    return np.stack([gx, gy], axis=-1)


def numpy_run(p0: np.ndarray, lr: np.ndarray, name: str, record: bool) -> np.ndarray:
    """Keras's arithmetic in NumPy, one Python iteration per step, vectorised over runs."""
    p = p0.astype(np.float32).copy()
    lr = lr.astype(np.float32)[:, None]
    b1, b2, eps, beta = np.float32(0.9), np.float32(0.999), np.float32(1e-7), np.float32(0.9)
    m = np.zeros_like(p)
    s = np.full_like(p, 0.1) if name == "adagrad" else np.zeros_like(p)
    u_prod = np.float32(1.0)
    path = []
    for t in range(1, STEPS + 1):
        g = _np_two_wells_grad(p)
        if name == "sgd":
            p = p - lr * g
        elif name in ("momentum", "nesterov"):
            m = beta * m - lr * g
            p = p + (beta * m - lr * g if name == "nesterov" else m)
        elif name == "adagrad":
            s = s + g * g
            p = p - lr * g / np.sqrt(s + eps)
        elif name == "rmsprop":
            s = beta * s + (1 - beta) * g * g
            p = p - lr * g / np.sqrt(s + eps)
        elif name == "adam":
            alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
            m = m + (g - m) * (1 - b1)
            s = s + (g * g - s) * (1 - b2)
            p = p - m * alpha / (np.sqrt(s) + eps)
        elif name == "nadam":
            u_t = b1 * (1 - 0.5 * 0.96**t)
            u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
            u_prod = u_prod * u_t
            m = m + (g - m) * (1 - b1)
            s = s + (g * g - s) * (1 - b2)
            m_hat = u_t1 * m / (1 - u_prod * u_t1) + (1 - u_t) * g / (1 - u_prod)
            p = p - m_hat * lr / (np.sqrt(s / (1 - b2**t)) + eps)
        elif name == "adamax":
            m = m + (g - m) * (1 - b1)
            s = np.maximum(b2 * s, np.abs(g))
            p = p - lr * m / ((1 - b1**t) * (s + eps))
        if record:
            path.append(p)
    return np.stack(path, axis=1) if record else p


def numpy_w1(surface: str) -> Callable[[], object]:
    start = np.asarray([optiviz.get_surface(surface).start], np.float32)
    lr = np.asarray([0.01], np.float32)
    return lambda: [numpy_run(start, lr, n, True) for n in NAMES]


def numpy_w2(surface: str) -> Callable[[], object]:
    starts, lrs = _w2_inputs(surface)
    return lambda: [numpy_run(starts, lrs, n, False) for n in NAMES]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--surface", default="two_wells")
    ap.add_argument("--cache", action="store_true", help="keep the persistent compile cache on")
    ap.add_argument("--skip-numpy-w2", action="store_true")
    args = ap.parse_args()
    surface = args.surface
    if surface != "two_wells":
        print("(NumPy rows use two_wells' analytic gradient and are skipped on other surfaces)")

    dev = jax.devices()[0]
    print(
        f"device: {dev.platform} ({dev.device_kind}), jax {jax.__version__}, "
        f"{os.cpu_count()} CPU cores, surface {surface}, {STEPS} steps, "
        f"median of {args.repeats} warm repeats"
    )
    rows: list[tuple[str, str, float, float]] = []
    cases = [
        ("W1", "optiviz race() (whole call)", optiviz_w1, args.repeats),
        ("W1", "optiviz race kernel alone", optiviz_w1_kernel, args.repeats),
        ("W1", "optax rules in the same race kernel", optax_race_kernel_w1, args.repeats),
        ("W1", "optax rules, per-kind kernels (old)", optax_same_kernel_w1, args.repeats),
        ("W1", "all 8 in one scan body (layout check)", optiviz_w1_fused, args.repeats),
        ("W1", "optax bare scan/vmap (no bookkeeping)", optax_w1, args.repeats),
        ("W1", "NumPy, Python loop", numpy_w1, 3),
        ("W2", "optiviz run_batch (summaries)", optiviz_w2, args.repeats),
        ("W2", "optax rules in optiviz's kernel", optax_same_kernel_w2, args.repeats),
        ("W2", "  same, beta/rho/eps constants", optax_same_kernel_w2_constants, args.repeats),
        ("W2", "optax bare scan/vmap (no bookkeeping)", optax_w2, args.repeats),
        ("W2", "NumPy, Python loop", numpy_w2, 1),
    ]
    for work, label, make, reps in cases:
        if label.startswith("NumPy") and surface != "two_wells":
            continue
        if work == "W2" and label.startswith("NumPy") and args.skip_numpy_w2:
            continue
        first, warm = timed(make(surface), reps)
        rows.append((work, label, first, warm))
        print(
            f"  {work}  {label:38s} first {first * 1e3:9.1f} ms   warm {warm * 1e3:9.2f} ms",
            flush=True,
        )

    print("\nratios (warm time / optiviz's warm time; > 1 means optiviz is faster):")
    for work in ("W1", "W2"):
        base = next(r[3] for r in rows if r[0] == work)
        for w, label, _, warm in rows:
            if w == work:
                print(f"  {work}  {label:38s} x{warm / base:8.2f}")
    print(
        "\ntargets (issue #2, 2-core CPU): W1 warm <= 2 ms, first call <= 2 s; W2 <= 0.3 s;"
        " optiviz at least as fast as optax"
    )


if __name__ == "__main__":
    main()
