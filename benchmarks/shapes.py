"""What one student waits for when a control changes a network's shape (issue #21).

    .venv/bin/python benchmarks/shapes.py [--everything]

After the server's warm-up (``kernels.warm_up``: the core buckets, or every bucket with
``--everything``, as ``optiviz --precompile`` leaves them on disk), each row changes one
control of the default scene — one more unit, another hidden layer, ten more points,
another batch size, one more layer in the gradients lab — and times the engine call the
page makes, counting XLA compilations. The first row, a new learning rate on the default
network, is the baseline the others are judged by (ratio in the last column). Each row is
timed twice: the first call (what the student who asked first waits for) and again.
"""

from __future__ import annotations

import argparse
import time

import jax
from jax import monitoring

from optiviz.engine import make_dataset, train
from optiviz.engine.networks import gradients as lab

try:
    from optiviz.engine import kernels
except ImportError:  # before the shape-stable kernels: nothing to warm but the defaults
    kernels = None

COMPILES: list[float] = []
monitoring.register_event_duration_secs_listener(
    lambda name, secs, **kw: (
        COMPILES.append(secs) if name == "/jax/core/compile/backend_compile_duration" else None
    )
)


def playground(n: int = 1000, hidden=(16, 16), lr: float = 0.3, batch=None, epochs: int = 200):
    ds = make_dataset("moons", n=n, noise=0.15, val_split=0.2, seed=0)
    opts = {"sgd": {"learning_rate": lr}, "adam": {"learning_rate": 0.02}}
    return lambda: train(ds, hidden=hidden, optimizers=opts, epochs=epochs, batch_size=batch)


ROWS = [
    ("new learning rate (baseline)", playground(lr=0.25)),
    ("one more unit (16 -> 17, 16)", playground(hidden=(17, 16))),
    ("one unit less (16 -> 15, 16)", playground(hidden=(15, 16))),
    ("another hidden layer (16, 16, 16)", playground(hidden=(16, 16, 16))),
    ("10 more points (n = 1010)", playground(n=1010)),
    ("5000 points", playground(n=5000)),
    ("batch 32", playground(batch=32)),
    ("300 epochs", playground(epochs=300)),
    ("8 hidden layers of 128", playground(hidden=(128,) * 8, epochs=50)),
    ("gradients lab: one more layer (16)", lambda: lab.lab(depth=16, batch=lab.LAB_BATCH)),
    ("gradients lab: width 136", lambda: lab.lab(width=136, batch=lab.LAB_BATCH)),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--everything", action="store_true", help="warm every bucket first")
    args = ap.parse_args()
    print(f"device: {jax.devices()[0].platform}, jax {jax.__version__}")
    t0 = time.perf_counter()
    if kernels is not None:
        kernels.warm_up(args.everything)
    playground()()  # the default scene, as the page's warm-up visit trains it
    lab.lab(batch=lab.LAB_BATCH)
    print(f"warm-up: {time.perf_counter() - t0:.1f} s\n")
    print(f"{'change':40} {'first call':>11} {'again':>8} {'compiles':>9} {'vs baseline':>12}")
    base = None
    for label, call in ROWS:
        n = len(COMPILES)
        t = time.perf_counter()
        call()
        first = time.perf_counter() - t
        t = time.perf_counter()
        call()
        again = time.perf_counter() - t
        base = base or first
        print(
            f"{label:40} {first:9.2f} s {again:6.2f} s {len(COMPILES) - n:9d} {first / base:11.2f}x"
        )


if __name__ == "__main__":
    main()
