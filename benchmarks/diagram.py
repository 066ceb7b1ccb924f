"""The playground's network diagram (issue #26), measured in a warmed process:

1. a rerun of the default scene that shows the Network tab, server time: training from
   the cache-free engine call (2 runs, 2-16-16-1 on 1000 moons points, 200 epochs, the
   unit maps recorded) plus the diagram figure and its JSON; budget 0.5 s;
2. the diagram's JSON size, budget 2 MB, beside the decision-boundary animation's (the
   comparison: the picture the playground already sends);
3. the unit maps' bytes per scene (what a cached result holds for them).

  uv run --group test python benchmarks/diagram.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import plotly.io as pio

import optiviz
from optiviz.engine.networks import features as F
from optiviz.figures import networks as nf
from optiviz.figures.diagram import network_diagram
from optiviz.ui.transport import install


def _scene():
    ds = optiviz.make_dataset("moons", n=1000, noise=0.15, seed=0)
    opts = {"sgd": {"learning_rate": 0.3}, "adam": {"learning_rate": 0.02}}
    return ds, lambda: optiviz.train(ds, hidden=(16, 16), epochs=200, optimizers=opts)


def _diagram(r):
    xx, yy = np.meshgrid(r.grid_x[::2], r.grid_y[::2])
    maps = F.apply(np.stack([xx.ravel(), yy.ravel()], 1), F.PLAIN).reshape(20, 20, 2)
    return network_diagram(r, 0, input_maps=maps)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    install()  # the app's figure transport, as the pages use it
    ds, train = _scene()
    r = train()  # warm: kernels loaded or compiled
    _diagram(r).to_json()
    times, figure_times = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        r = train()
        t1 = time.perf_counter()
        js = pio.to_json(_diagram(r))
        t2 = time.perf_counter()
        times.append(t2 - t0)
        figure_times.append(t2 - t1)
    rerun = statistics.median(times)
    print(f"default scene with the diagram: train + figure + JSON {rerun:.3f} s "
          f"(figure + JSON {statistics.median(figure_times):.3f} s)   "
          f"(budget 0.5 s: x{rerun / 0.5:.2f} of budget)")  # fmt: skip
    boundary = pio.to_json(nf.boundary_animation(r, X=ds.X_train, y=ds.y_train, X_val=ds.X_val,
                                                 y_val=ds.y_val))  # fmt: skip
    mb = len(js) / 1e6
    ratio = len(js) / len(boundary)
    print(f"diagram JSON: {mb:.2f} MB   (budget 2 MB: x{mb / 2:.2f}); the boundary animation's: "
          f"{len(boundary) / 1e6:.2f} MB (diagram / boundary x{ratio:.2f})")  # fmt: skip
    held = r.unit_maps.nbytes + r.unit_scale.nbytes + r.link_weights.nbytes
    print(
        f"unit maps, scales and link weights held per scene: {held / 1e6:.2f} MB "
        f"(the boundary's {r.boundary.nbytes / 1e6:.2f} MB)"
    )
    _further(r, ds, args.repeats)


def _further(r, ds, repeats: int) -> None:
    """Step and "train further": 50 more epochs from the cached scene, against training
    the 250 epochs again from the start (what a page without the runs' state would do)."""
    opts = {"sgd": {"learning_rate": 0.3}, "adam": {"learning_rate": 0.02}}
    optiviz.train_further(r, 50)  # warm
    optiviz.train(ds, hidden=(16, 16), epochs=250, optimizers=opts)
    more, again, step = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        optiviz.train_further(r, 50)
        t1 = time.perf_counter()
        optiviz.train(ds, hidden=(16, 16), epochs=250, optimizers=opts)
        t2 = time.perf_counter()
        optiviz.train_further(r, 1)
        step.append(time.perf_counter() - t2)
        more.append(t1 - t0)
        again.append(t2 - t1)
    m, a = statistics.median(more), statistics.median(again)
    print(f"train further +50 epochs: {m:.3f} s; all 250 from the start: {a:.3f} s "
          f"(further / from the start x{m / a:.2f}); Step (+1 epoch): "
          f"{statistics.median(step):.3f} s")  # fmt: skip
    held = sum(v.nbytes for v in r.resume.values())
    print(f"state kept per scene to train further: {held / 1e6:.3f} MB "
          f"(x{held / r.boundary.nbytes:.2f} of the boundary's)")  # fmt: skip


if __name__ == "__main__":
    main()
