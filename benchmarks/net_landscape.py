"""The loss landscape of a trained network (issue #22), measured in a warmed process on
the playground's default network (2-16-16-1 on 1000 moons points, GD and Adam, 200
epochs):

1. a 51 × 51 slice with both runs' paths projected (their true and plane losses
   evaluated too), budget 1 s; a 101 × 101 slice, budget 3 s;
2. the sharpness at every kept snapshot (52 per run), budget 1 s, per run and for both;
3. beside them, the same 51 × 51 slice computed point by point from a Python loop (one
   jitted loss call per grid point, what the reference implementation does per point),
   as a ratio.

  uv run --group test python benchmarks/net_landscape.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import numpy as np

import optiviz
from optiviz.engine.networks import landscape as L


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _loop(result, run: int = 0, grid: int = 51) -> float:
    """The 51 × 51 slice's losses one grid point at a time (the same loss, jitted once)."""
    ctx = L._context(result, run, L._rows_within(result, grid * grid))
    theta = result.weights[run, -1]
    d, _ = L._directions(result, ctx, run, theta, "shared", 0)
    one = jax.jit(lambda data, t: L._loss(ctx.layout, data, t))
    data = jax.device_put(ctx.data)
    a = np.linspace(-1, 1, grid)
    one(data, L._padded(ctx, theta)).block_until_ready()  # compiled before timing
    t0 = time.perf_counter()
    for x in a:
        for y in a:
            float(one(data, L._padded(ctx, theta + x * d[0] + y * d[1])))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    ds = optiviz.make_dataset("moons", n=1000, noise=0.15, seed=0)
    r = optiviz.train(ds, hidden=(16, 16), epochs=200, optimizers={
        "sgd": {"learning_rate": 0.3}, "adam": {"learning_rate": 0.02}})  # fmt: skip
    # warm: every kernel loaded or compiled
    L.loss_slice(r, 0, "shared", 51)
    L.loss_slice(r, 0, "shared", 101)
    L.sharpness(r)
    n_paths = r.weights.shape[0] * r.weights.shape[1]
    s51 = _median(lambda: L.loss_slice(r, 0, "shared", 51), args.repeats)
    s101 = _median(lambda: L.loss_slice(r, 0, "shared", 101), args.repeats)
    print(f"51 x 51 slice + {n_paths} path points (true and plane losses): {s51:.3f} s "
          f"(budget 1 s: x{s51:.2f} of budget)")  # fmt: skip
    print(f"101 x 101 slice + paths: {s101:.3f} s (budget 3 s: x{s101 / 3:.2f} of budget)")
    one = dataclasses_one_run(r)
    sh1 = _median(lambda: L.sharpness(one), args.repeats)
    sh2 = _median(lambda: L.sharpness(r), args.repeats)
    k = r.weights.shape[1]
    print(f"sharpness at {k} snapshots: one run {sh1:.3f} s (budget 1 s: x{sh1:.2f}); "
          f"both runs {sh2:.3f} s")  # fmt: skip
    held = r.weights.nbytes
    print(f"weights kept along training per scene: {held / 1e6:.3f} MB "
          f"({r.weights.shape[1]} snapshots x {r.weights.shape[2]} weights x 2 runs; "
          f"x{held / r.boundary.nbytes:.2f} of the boundary's)")  # fmt: skip
    loop = _loop(r)
    print(f"the 51 x 51 slice point by point from a Python loop: {loop:.3f} s "
          f"(loop / vmapped kernel x{loop / s51:.1f})")  # fmt: skip


def dataclasses_one_run(r):
    """Run 0 alone (what the page computes when only one run is on screen)."""
    from optiviz.engine.networks.transfer import select_runs

    return select_runs(r, [0])


if __name__ == "__main__":
    main()
