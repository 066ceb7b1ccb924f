"""MLP training timings (issue #5): optiviz vs a Python loop (PyTorch if installed, NumPy).

    uv run python benchmarks/training.py [--repeats 5] [--cache]

Workloads:
  M1  8 optimizers x 2-16-16-1 on 1000 moons points (800 train / 200 validation) x 300
      full-batch epochs, with every per-layer record and the 52 snapshots (budget: warm
      0.5 s, first call 6 s)
  M2  8 optimizers x 64-32-16-10 on digits (1437 train) x 50 epochs, batch 32
      (budget: warm 3 s)

"first call" runs in a fresh process (import excluded) with the persistent compilation
cache off, so it really compiles; --cache measures a restart with the cache warm. The
Python-loop references train the same network on the same data for the same number of
steps: PyTorch (torch.optim, one loop step per epoch and optimizer) when torch is
installed, and a NumPy implementation (hand-written backprop, GD and Adam rules) always.
PyTorch runs twice: keeping the same records as optiviz's M1 (per-layer norms and
activation statistics every epoch, boundary and histograms at 52 snapshots), which is
the comparison the >= 8x target is judged by, and bare (training and the validation
loss only), printed beside it so the cost of recording is visible.
Runs unchanged on a GPU (the header says which device JAX uses).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

if "--cache" not in sys.argv:
    os.environ["OPTIVIZ_JAX_CACHE"] = "0"

import itertools

import jax
import numpy as np

import optiviz
from optiviz.engine import OPTIMIZERS, make_dataset

NAMES = tuple(OPTIMIZERS)
M1_EPOCHS = 300
M2_EPOCHS = 50


def m1():
    ds = make_dataset("moons", n=1000, seed=0)
    return lambda seed=0: optiviz.train(
        ds, hidden=(16, 16), optimizers={n: {} for n in NAMES}, epochs=M1_EPOCHS, seed=seed
    )


def m2():
    ds = make_dataset("digits", seed=0)
    return lambda seed=0: optiviz.train(
        ds,
        hidden=(32, 16),
        optimizers={n: {} for n in NAMES},
        epochs=M2_EPOCHS,
        batch_size=32,
        seed=seed,
    )


def playground():
    """What one playground rerun costs at the page's defaults: train GD and Adam on the
    default moons (1000 points, 2-16-16-1, 200 full-batch epochs) and build the
    boundary animation and the history figure (budget: 1.5 s warm)."""
    from optiviz.figures import networks as nf

    ds = make_dataset("moons", n=1000, noise=0.15, seed=0)

    def run(seed=0):
        r = optiviz.train(
            ds,
            hidden=(16, 16),
            optimizers={"sgd": {"learning_rate": 0.3}, "adam": {"learning_rate": 0.02}},
            epochs=200,
            seed=seed,
        )
        nf.boundary_animation(r, X=ds.X_train, y=ds.y_train, X_val=ds.X_val, y_val=ds.y_val)
        nf.history_figure(r, ["#56B4E9", "#0072B2"])
        return r

    return run


def warm(fn, repeats: int) -> float:
    fn(0)
    times = []
    for k in range(repeats):
        t = time.perf_counter()
        fn(k + 1)  # a new seed each time: new arrays, same compiled kernel
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def first_call(which: str, cache: bool) -> float:
    """Time the first call in a fresh interpreter (after its imports)."""
    code = (
        f"import time, sys; sys.argv=['x'] + (['--cache'] if {cache!r} else []);"
        f"import benchmarks.training as b; fn = b.{which}();"
        "t = time.perf_counter(); fn(0); print(time.perf_counter() - t)"
    )
    env = dict(os.environ, OPTIVIZ_JAX_CACHE="1" if cache else "0")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------ Python-loop references
def numpy_m1() -> float:
    """2-16-16-1 ReLU/sigmoid MLP with hand-written backprop, 8 runs (4 GD, 4 Adam)
    x 300 full-batch epochs, one Python iteration per epoch and run."""
    ds = make_dataset("moons", n=1000, seed=0)
    X, y = ds.X_train.astype(np.float32), ds.y_train.astype(np.float32)[:, None]
    Xv = ds.X_val.astype(np.float32)
    rng = np.random.default_rng(0)
    sizes = (2, 16, 16, 1)

    def init():
        return [
            [
                rng.uniform(-1, 1, (a, b)).astype(np.float32) * np.sqrt(6 / (a + b)),
                np.zeros(b, np.float32),
            ]
            for a, b in itertools.pairwise(sizes)
        ]

    t = time.perf_counter()
    for run in range(8):
        params = init()
        m = [[np.zeros_like(p) for p in layer] for layer in params]
        v = [[np.zeros_like(p) for p in layer] for layer in params]
        for epoch in range(M1_EPOCHS):
            hs, zs = [X], []
            for i, (w, b) in enumerate(params):
                z = hs[-1] @ w + b
                zs.append(z)
                hs.append(np.maximum(z, 0) if i < 2 else 1 / (1 + np.exp(-z)))
            p = np.clip(hs[-1], 1e-7, 1 - 1e-7)
            delta = (p - y) / len(X)
            for i in (2, 1, 0):
                gw, gb = hs[i].T @ delta, delta.sum(0)
                if i:
                    delta = (delta @ params[i][0].T) * (zs[i - 1] > 0)
                for j, g in enumerate((gw, gb)):
                    if run % 2 == 0:
                        params[i][j] -= 0.01 * g
                    else:
                        m[i][j] = 0.9 * m[i][j] + 0.1 * g
                        v[i][j] = 0.999 * v[i][j] + 0.001 * g * g
                        a = 0.001 * np.sqrt(1 - 0.999 ** (epoch + 1)) / (1 - 0.9 ** (epoch + 1))
                        params[i][j] -= a * m[i][j] / (np.sqrt(v[i][j]) + 1e-7)
            h = Xv  # validation loss each epoch, as the engine does
            for i, (w, b) in enumerate(params):
                h = np.maximum(h @ w + b, 0) if i < 2 else 1 / (1 + np.exp(-(h @ w + b)))
    return time.perf_counter() - t


def torch_m1(record: bool) -> float | None:
    """M1 in PyTorch with a Python loop: one step per epoch and optimizer, then the
    validation loss. With ``record``, the loop also keeps what optiviz's M1 keeps:
    per epoch the accuracies, per layer the gradient norms (kernel, bias), the weight
    norm and the update/weight ratio, per hidden layer the activation mean, std and
    share of dead units, a finiteness check (divergence), and at 52 snapshots (start,
    every 6th epoch, end) the decision function on the 40 x 40 grid and 30-bin
    histograms of every layer's activations and dL/dz on 256 probe examples."""
    try:
        import torch
    except ImportError:
        return None
    from optiviz.engine.networks.training import HIST_BINS, N_CHECKPOINTS, PROBE, _grid

    torch.set_num_threads(os.cpu_count() or 1)
    ds = make_dataset("moons", n=1000, seed=0)
    X = torch.tensor(ds.X_train)
    y = torch.tensor(ds.y_train, dtype=torch.float32)[:, None]
    Xv = torch.tensor(ds.X_val)
    yv = torch.tensor(ds.y_val, dtype=torch.float32)[:, None]
    grid = torch.tensor(_grid(ds)[2])  # the engine's own 40 x 40 boundary grid
    Xp, yp = X[:PROBE], y[:PROBE]
    every = M1_EPOCHS // N_CHECKPOINTS
    makers = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.01),
        "momentum": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
        "nesterov": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True),
        "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.001, initial_accumulator_value=0.1),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.001, alpha=0.9),
        "adam": lambda p: torch.optim.Adam(p, lr=0.001),
        "nadam": lambda p: torch.optim.NAdam(p, lr=0.001),
        "adamax": lambda p: torch.optim.Adamax(p, lr=0.001),
    }
    loss_fn = torch.nn.BCELoss()

    def model_and_optimizer(make):
        model = torch.nn.Sequential(
            torch.nn.Linear(2, 16),
            torch.nn.ReLU(),
            torch.nn.Linear(16, 16),
            torch.nn.ReLU(),
            torch.nn.Linear(16, 1),
            torch.nn.Sigmoid(),
        )
        return model, make(model.parameters())

    def layers_of(model):
        return [m for m in model if isinstance(m, torch.nn.Linear)]

    def forward(layers, x):
        """Output, pre-activations z and activations of every layer."""
        zs, acts, h = [], [], x
        for i, lin in enumerate(layers):
            z = lin(h)
            h = torch.relu(z) if i < len(layers) - 1 else torch.sigmoid(z)
            zs.append(z)
            acts.append(h)
        return h, zs, acts

    def histogram(v, symmetric):
        lo, hi = (-v.abs().max(), v.abs().max()) if symmetric else (v.min(), v.max())
        return torch.histc(v, bins=HIST_BINS, min=lo.item(), max=hi.item())

    def snapshot(layers):
        with torch.no_grad():
            boundary = forward(layers, grid)[0]
        _, zs, acts = forward(layers, Xp)
        dzs = torch.autograd.grad(loss_fn(acts[-1], yp), zs)
        with torch.no_grad():
            hists = [histogram(a, False) for a in acts] + [histogram(g, True) for g in dzs]
        return boundary, hists

    def train_plain(make):
        model, opt = model_and_optimizer(make)
        for _ in range(M1_EPOCHS):
            opt.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_fn(model(Xv), yv)

    def train_recorded(make):
        model, opt = model_and_optimizer(make)
        layers = layers_of(model)
        history, snaps = [], [snapshot(layers)]
        for epoch in range(M1_EPOCHS):
            opt.zero_grad()
            out, zs, acts = forward(layers, X)
            loss = loss_fn(out, y)
            loss.backward()
            before = [lin.weight.detach().clone() for lin in layers]
            opt.step()
            with torch.no_grad():
                vout = forward(layers, Xv)[0]
                row = [
                    loss.detach(),
                    ((out > 0.5) == (y > 0.5)).float().mean(),
                    loss_fn(vout, yv),
                    ((vout > 0.5) == (yv > 0.5)).float().mean(),
                ]
                for lin, w0 in zip(layers, before, strict=True):
                    w_norm = lin.weight.norm()
                    row += [
                        lin.weight.grad.norm(),
                        lin.bias.grad.norm(),
                        w_norm,
                        (lin.weight - w0).norm() / w_norm.clamp_min(1e-12),
                    ]
                for z, a in zip(zs[:-1], acts[:-1], strict=True):
                    row += [a.mean(), a.std(), ((z > 0).sum(0) == 0).float().mean()]
                rec = torch.stack(row)
                if not torch.isfinite(rec).all():
                    break  # diverged
                history.append(rec)
            if (epoch + 1) % every == 0:
                snaps.append(snapshot(layers))
        snaps.append(snapshot(layers))
        return torch.stack(history), snaps

    train = train_recorded if record else train_plain
    # untimed warm-up: torch imports parts of itself (torch._dynamo, ~2 s) at the
    # first optimizer it builds, and its kernels warm up at the first steps
    for make in makers.values():
        model, opt = model_and_optimizer(make)
        for _ in range(3):
            opt.zero_grad()
            loss_fn(model(X), y).backward()
            opt.step()
        snapshot(layers_of(model))
    t = time.perf_counter()
    for make in makers.values():
        train(make)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cache", action="store_true")
    parser.add_argument("--no-first", action="store_true", help="skip the fresh-process runs")
    args = parser.parse_args()
    print(
        f"device: {jax.devices()[0].device_kind} ({jax.default_backend()}), "
        f"jax {jax.__version__}, {os.cpu_count()} CPU cores"
    )
    rows = []
    m1_warm = warm(m1(), args.repeats)
    m2_warm = warm(m2(), max(1, args.repeats // 2))
    p_warm = warm(playground(), args.repeats)
    m1_first = None if args.no_first else first_call("m1", args.cache)
    m2_first = None if args.no_first else first_call("m2", args.cache)
    what = "first call (cache warm)" if args.cache else "first call (compile)"
    rows.append(("M1 warm (8 optimizers, moons, 300 epochs)", m1_warm, 0.5))
    if m1_first is not None:
        rows.append((f"M1 {what}", m1_first, 6.0))
    rows.append(("M2 warm (8 optimizers, digits, 50 epochs, batch 32)", m2_warm, 3.0))
    if m2_first is not None:
        rows.append((f"M2 {what}", m2_first, None))
    rows.append(("Playground default rerun (train 2 runs + figures)", p_warm, 1.5))
    for name, v, budget in rows:
        tail = f"  (budget {budget:g} s: x{v / budget:.2f})" if budget else ""
        print(f"{name:<58} {v:8.3f} s{tail}")
    np_time = numpy_m1()
    print(
        f"{'M1 in NumPy, Python loop (GD+Adam rules, 8 runs)':<58} {np_time:8.3f} s"
        f"  (optiviz is x{np_time / m1_warm:.1f} faster)"
    )
    t = torch_m1(record=True)
    t_plain = torch_m1(record=False)
    if t is None:
        print("M1 in PyTorch: torch is not installed (pip install torch==2.13.0 for the CPU build)")
    else:
        print(
            f"{'M1 in PyTorch, Python loop, same records (8 optimizers)':<58} {t:8.3f} s"
            f"  (optiviz is x{t / m1_warm:.1f} faster; target >= 8)"
        )
        print(
            f"{'M1 in PyTorch, Python loop, training + val loss only':<58} {t_plain:8.3f} s"
            f"  (optiviz, recording everything, is x{t_plain / m1_warm:.1f} faster)"
        )
    print(
        json.dumps(
            {
                "m1_warm": m1_warm,
                "m2_warm": m2_warm,
                "playground": p_warm,
                "m1_first": m1_first,
                "m2_first": m2_first,
                "numpy": np_time,
                "torch": t,
                "torch_plain": t_plain,
            }
        )
    )


if __name__ == "__main__":
    main()
