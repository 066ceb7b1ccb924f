"""Landscape budgets (issue #4), measured on this machine:

  basins: 200×200 starts × 8 optimizers × 300 steps, warm   (budget 1.5 s)
  map:    64×64 (learning rate × second hyperparameter) × 500 steps, warm   (budget 0.3 s)

and the memory that comes back (summaries) against what whole paths would need.

    uv run --group test python benchmarks/landscape.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import optiviz
from optiviz.engine.plane import sweeps


def timed(fn, repeats: int) -> tuple[float, float, object]:
    t = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t
    warm = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        warm.append(time.perf_counter() - t)
    return first, statistics.median(warm), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPU cores")
    names = list(optiviz.OPTIMIZERS)
    first, warm, b = timed(
        lambda: sweeps.basins("two_wells", names, grid=200, steps=300), args.repeats
    )
    runs = 200 * 200 * len(names)
    back = b.minimum_index.nbytes + b.share_global.nbytes
    paths = runs * 301 * 2 * 4
    print(
        f"basins 200x200 x {len(names)} optimizers x 300 steps: first {first:.2f} s, "
        f"warm {warm:.2f} s (budget 1.5 s: x{warm / 1.5:.2f}); "
        f"{back / 1e6:.2f} MB back vs {paths / 1e9:.1f} GB of paths"
    )
    print("  share of starts reaching the global minimum:")
    for name, share in zip(b.optimizers, b.share_global, strict=True):
        print(f"    {name:9s} {100 * share:5.1f} %")
    first, warm, _ = timed(lambda: sweeps.sweep("two_wells", "momentum", steps=500), args.repeats)
    print(
        f"map 64x64 (learning_rate x momentum) x 500 steps: first {first:.2f} s, "
        f"warm {warm * 1e3:.0f} ms (budget 300 ms: x{warm / 0.3:.2f})"
    )


if __name__ == "__main__":
    main()
