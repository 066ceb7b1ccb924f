"""After the warm-up, no control of a Networks page compiles anything.

The process compiles every bucket once (``kernels.warm_up(everything=True)`` into the
disk caches, what ``optiviz --precompile`` does), then walks the settings the pages offer — each
control at its minimum, its maximum, values between and every choice — through the
engine calls the pages make, and counts XLA compilations with JAX's own monitoring
events. A new width, depth, point count, batch size, epoch count, data set, optimizer
set or on/off switch must reuse a compiled kernel.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jax import monitoring

from optiviz.engine import (
    _store,
    interpolation,
    kernels,
    loss_slice,
    make_dataset,
    sharpness,
    train,
    train_further,
)
from optiviz.engine.networks import gradients as grad_lab
from optiviz.engine.networks.datasets import DATASETS
from optiviz.engine.networks.lr_range import STEP_CHOICES, lr_range_test
from optiviz.engine.networks.training import Run
from optiviz.engine.networks.transfer import PAIRS, evaluate, four_ways, subsample, train_a
from optiviz.ui import playground as pg

COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
_compiles: list[float] = []
monitoring.register_event_duration_secs_listener(
    lambda name, secs, **kw: _compiles.append(secs) if name == COMPILE_EVENT else None
)


@pytest.fixture(scope="module")
def warmed() -> Iterator[None]:
    # as `optiviz --precompile` leaves a machine: every bucket compiled into the disk
    # caches, the network kernels into the executable store (FILL: even those JAX's
    # cache already holds), so a kernel the process drops to stay within its budget
    # (kernels.BUDGETS) comes back from disk, never compiled again
    # (kernels that earlier tests of this process loaded from JAX's cache are dropped
    # first: they were never stored, and warming them up again would not store them)
    kernels.clear()
    _store.FILL = True
    try:
        kernels.warm_up(everything=True)
    finally:
        _store.FILL = False
    # one call of each eager helper the pages use (a key from a seed, ...)
    grad_lab.lab(depth=2, width=8, batch=grad_lab.LAB_BATCH, epochs=10)
    yield


def _playground_scenes() -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, train() keyword arguments) for every playground control's range."""
    base = {"data": "moons", "n": 200, "val": 0.2}
    net = {"hidden": (16, 16), "epochs": 10, "optimizers": {"sgd": {}, "adam": {}}}
    yield "defaults", {**base, **net}
    for layers in range(pg.MAX_LAYERS + 1):
        yield f"layers={layers}", {**base, **net, "hidden": (8,) * layers}
    for units in pg.UNITS:
        yield f"units={units}", {**base, **net, "hidden": (units, 3)}
    for n in (20, 30, 1000, 2570, 5000):
        yield f"n={n}", {**base, **net, "n": n}
    for val in (0.0, 0.5):
        yield f"val={val}", {**base, **net, "val": val}
    for data in pg.DATASETS:
        yield f"data={data}", {**base, **net, "data": data}
    for batch in pg.BATCHES[1:]:
        yield f"batch={batch}", {**base, **net, "batch_size": int(batch)}
    for epochs in (pg.EPOCHS[0], 55, pg.EPOCHS[-1]):
        yield f"epochs={epochs}", {**base, **net, "epochs": epochs}
    for k in (1, 3, 8):
        opts = {name: {} for name in list(pg.OPTIMIZERS)[:k]}
        yield f"optimizers={k}", {**base, **net, "optimizers": opts}
    yield "batch norm", {**base, **net, "batch_norm": True}
    yield "dropout", {**base, **net, "dropout": 0.5}
    for act in ("sigmoid", "selu", "gelu"):
        yield f"activation={act}", {**base, **net, "activation": act}
    for clip in ("clipnorm", "clipvalue", "global_clipnorm"):
        yield f"clip={clip}", {**base, **net, clip: 1.0}
    yield "early stopping", {**base, **net, "early_stopping": True, "patience": 2}
    yield "schedule", {**base, **net, "schedule": "exponential"}
    yield "wide and deep", {**base, **net, "hidden": (128,) * pg.MAX_LAYERS, "n": 100}
    # the course's Wide & Deep model (issue #27): the same kernels, whatever the paths
    diabetes = {**base, **net, "data": "diabetes", "hidden": (8, 6)}
    yield "Wide & Deep, aux", {**diabetes, "wide": range(5), "deep": range(2, 10),
                               "aux_weight": 0.1}  # fmt: skip
    yield "regression, aux only", {**diabetes, "aux_weight": 0.5, "batch_norm": True}
    yield "Wide & Deep, deepest", {**base, **net, "wide": True,
                                   "hidden": (128,) * (pg.MAX_LAYERS - 1)}  # fmt: skip
    # TensorFlow Playground's input features and no hidden layer (issue #26)
    yield "features, no hidden layer", {**base, **net, "hidden": (),
                                        "features": ("x1", "x2", "x1^2", "x2^2", "x1*x2",
                                                     "sin(x1)", "sin(x2)")}  # fmt: skip
    yield "Wide & Deep, classifier", {**base, **net, "wide": (1,), "dropout": 0.3,
                                      "batch_size": 32}  # fmt: skip
    # the Step button and "train further" (issue #26): the same kernels from a state
    yield "train further", {**base, **net, "further": (10, 1)}
    yield "train further, BN, early stopping, batches", {
        **base, **net, "further": (1, 50), "batch_norm": True, "early_stopping": True,
        "patience": 2, "batch_size": 32, "schedule": "performance",
    }  # fmt: skip


def _train(scene: dict[str, Any]) -> None:
    scene = dict(scene)
    name, n = scene.pop("data"), scene.pop("n")
    further = scene.pop("further", ())
    ds = make_dataset(
        name, n=n if DATASETS[name].has_n else None, val_split=scene.pop("val"), seed=0
    )
    result = train(ds, **scene)
    for more in further:
        result = train_further(result, more)


@pytest.mark.slow
def test_no_playground_control_compiles(warmed: None) -> None:
    before = len(_compiles)
    compiled = []
    for label, scene in _playground_scenes():
        n = len(_compiles)
        _train(scene)
        if len(_compiles) > n:
            compiled.append(label)
    assert not compiled, f"compiled on request: {compiled}"
    assert len(_compiles) == before


@pytest.mark.slow
def test_no_gradients_lab_control_compiles(warmed: None) -> None:
    before = len(_compiles)
    for depth, width in ((2, 8), (50, 8), (2, 256), (15, 128), (33, 72), (50, 256)):
        grad_lab.lab(depth=depth, width=width, batch=grad_lab.LAB_BATCH, epochs=10)
        grad_lab.matrix(depth=depth, width=width, batch=grad_lab.MATRIX_BATCH)
    for epochs in grad_lab.EPOCH_CHOICES:
        grad_lab.lab(epochs=epochs, batch=grad_lab.LAB_BATCH, batch_norm=True, clipnorm=1.0)
    assert len(_compiles) == before


@pytest.mark.slow
def test_no_schedules_regularization_or_transfer_control_compiles(warmed: None) -> None:
    before = len(_compiles)
    ds = make_dataset("moons", n=400, seed=0)
    for steps in STEP_CHOICES:
        lr_range_test(ds, steps=steps, batch_size=32, lr_min=1e-7, lr_max=100.0)
    for hidden in ((64, 64), (128, 128), (64, 64, 64)):
        for n in (100, 200, 400):
            small = make_dataset("moons", n=n, val_split=0.5, seed=1)
            r = train(small, hidden=hidden, runs=[Run(dropout=0.3)], epochs=10)
            evaluate(r.arch, r.params[0], small.X_val, small.y_val)
    for pair in PAIRS.values():  # the transfer page's task pairs, every size of B
        a = train_a(pair)
        for n in pair.sizes:
            four_ways(pair, a, n, epochs=5, unfreeze=2, lr=0.01, seed=n)
    digits = make_dataset("digits", seed=0)
    for n in (10, 20, 50, 100, 200):
        part = subsample(digits, n, seed=0)
        r = train(part, hidden=(64, 64), epochs=10, batch_size=min(16, n), runs=[Run(epochs=5)])
        evaluate(r.arch, r.params[0], part.X_val, part.y_val)
    assert len(_compiles) == before


@pytest.mark.slow
def test_no_landscape_request_compiles(warmed: None) -> None:
    """Issue #22: the landscape of any network the playground trains (every width and
    row bucket), in every direction, its interpolations and its sharpness."""
    before = len(_compiles)
    compiled = []
    scenes = [((4,), 100), ((16, 16), 1000), ((64,), 2000), ((128,), 300), ((3,) * 8, 5000)]
    for hidden, n in scenes:
        ds = make_dataset("moons", n=n, seed=0, val_split=0.2)
        r = train(ds, hidden=hidden, epochs=10, optimizers={"sgd": {}, "adam": {}})
        k = len(_compiles)
        for directions in ("filter", "shared", "pca"):
            loss_slice(r, 1, directions, grid=11)
        interpolation(r, 0)
        interpolation(r, 0, to=1)
        sharpness(r)
        if len(_compiles) > k:
            compiled.append(f"hidden={hidden} n={n}")
    assert not compiled, f"compiled on request: {compiled}"
    assert len(_compiles) == before
