"""Gradients-lab budgets (issue #6), measured on this machine:

  lab:    the page's default (depth 15 × width 128, batch 128, relu + random_normal σ=1,
          init histograms + 20 epochs of full-batch SGD), warm   (budget 1 s)
  matrix: every activation × every initializer at depth 15 × width 128, batch 64,
          in one vmapped call, warm   (budget 3 s)

"first" includes the compile (the persistent compilation cache, if warm, shortens it;
set OPTIVIZ_JAX_CACHE=0 to measure a cold compile), "warm" is the median of repeats.

    uv run --group test python benchmarks/gradients.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from optiviz.engine.networks import gradients as g
from optiviz.ui.gradients import BATCH, MATRIX_BATCH

LAB = {
    "depth": 15,
    "width": 128,
    "batch": BATCH,
    "activation": "relu",
    "initializer": "random_normal",
    "stddev": 1.0,
    "epochs": 20,
}


def timed(fn, repeats: int) -> tuple[float, float, float]:
    """(first call, warm median wall time, warm median CPU time) in seconds. The CPU
    time (both cores added) tells what the wall time would be on an idle machine when
    other processes share the cores."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    wall, cpu = [], []
    for _ in range(max(repeats, 1)):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return first, statistics.median(wall), statistics.median(cpu)


def report(name: str, first: float, warm: float, cpu: float, budget: float) -> None:
    print(
        f"{name}: first {first:.2f} s, warm {warm:.3f} s (budget {budget:g} s: "
        f"x{warm / budget:.2f}; CPU time {cpu:.3f} s)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f}")
    first, warm, cpu = timed(lambda: g.lab(**LAB), args.repeats)
    report("lab default (depth 15 x 128, batch 128, 20 epochs)", first, warm, cpu, 1.0)
    # switching activation / initializer reuses the compiled kernel
    t = time.perf_counter()
    g.lab(**{**LAB, "activation": "selu", "initializer": "lecun_normal"})
    print(f"  selu + lecun_normal, same shape: {time.perf_counter() - t:.3f} s (no recompile)")
    first, warm, cpu = timed(
        lambda: g.matrix(depth=15, width=128, batch=MATRIX_BATCH, stddev=1.0), args.repeats
    )
    name = f"matrix 10 x 8 cells (depth 15 x 128, batch {MATRIX_BATCH})"
    report(name, first, warm, cpu, 3.0)
    print(f"traces: {dict(g.TRACES)}")


if __name__ == "__main__":
    main()
