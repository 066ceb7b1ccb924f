"""Training (``optiviz.train``) equals Keras 3's ``model.fit`` from the same weights.

Three compiled kernels serve the whole module (each is built once and shared by
every test that uses its shapes):

* **full batch** — a 3-8-6-1 relu/tanh binary classifier trained with every
  optimizer (non-default hyperparameters), with L1 / L2 / L1L2 kernel
  regularizers, each kind of gradient clipping, an exponential learning-rate
  schedule and early stopping, all side by side in one call; each run is
  replayed with ``keras.Sequential.fit(batch_size=n, shuffle=False)`` and the
  history, the final weights and ``model.evaluate`` are compared.
* **mini-batches with batch norm** — iris, 3 classes, softmax, BN, batch 32 of
  120 (the last batch has 24): Keras is fed the engine's own shuffled order one
  epoch at a time, so weights, BN moving statistics and histories can be
  compared step for step.
* **dropout** — a deep ReLU net on moons with mini-batches: dropout off at
  inference, the epoch loss as the size-weighted mean of its batches, divergence
  handling, and no recompilation when anything but the shapes changes.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from test_mlp import act_params_for, keras_model, make

import optiviz
from optiviz.engine.networks import mlp, training
from optiviz.engine.networks.datasets import Dataset, make_dataset

# Keras's get_weights() trips a NumPy 2 deprecation inside Keras itself
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

K = keras.optimizers
R = keras.regularizers


def dense_weights(params, bn_state=()) -> list[np.ndarray]:
    """The engine's params in ``model.get_weights()`` order."""
    out: list[np.ndarray] = []
    for i, layer in enumerate(params):
        if "gamma" in layer:
            s = bn_state[i]
            out += [layer["w"], layer["gamma"], layer["beta"], s["mean"], s["var"]]
        else:
            out += [layer["w"], layer["b"]]
    return [np.asarray(w) for w in out]


def assert_weights_equal(model: keras.Model, ours: list[np.ndarray], rtol=1e-5, atol=2e-6) -> None:
    theirs = model.get_weights()
    assert len(theirs) == len(ours)
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"weight {k}")


def assert_all_finite(r: training.TrainResult) -> None:
    for f in dataclasses.fields(r):
        v = getattr(r, f.name)
        if isinstance(v, np.ndarray) and v.dtype.kind == "f":
            assert np.all(np.isfinite(v)), f.name
    for k, v in r.history.items():
        assert np.all(np.isfinite(v)), k
    for tree in (r.params, r.bn_state):
        for leaf in jax.tree.leaves(tree):
            assert np.all(np.isfinite(leaf))


# =================================================================== full batch
_rng = np.random.default_rng(0)
XA = _rng.normal(size=(48, 3)).astype(np.float32)
YA = (XA[:, 0] * XA[:, 1] + 0.3 * XA[:, 2] > 0).astype(np.int32)
XA_VAL = _rng.normal(size=(16, 3)).astype(np.float32)
YA_VAL = (XA_VAL[:, 0] * XA_VAL[:, 1] + 0.3 * XA_VAL[:, 2] > 0).astype(np.int32)
DS_A = Dataset("test", "test", XA, YA, XA_VAL, YA_VAL, 2, ("a", "b", "c"), ("0", "1"), None)
HIDDEN_A = (8, 6)
ACT_A = ("relu", "tanh")
ARCH_A = mlp.build(3, 2, HIDDEN_A, ACT_A)
PARAMS_A = make(ARCH_A, "he_uniform")
EPOCHS_A = 5


@dataclasses.dataclass(frozen=True)
class KerasCase:
    """One engine run and the Keras ``compile`` + ``fit`` that should reproduce it."""

    label: str
    run: dict[str, Any]
    optimizer: Callable[[], keras.optimizers.Optimizer]
    regularizer: Callable[[], Any] | None = None
    schedule: Callable[[int, float], float] | None = None
    patience: int | None = None
    plateau: tuple[float, int] | None = None  # ReduceLROnPlateau's (factor, patience)
    epochs: int = EPOCHS_A


CASES = [
    KerasCase("sgd", {"optimizer": "sgd", "hparams": {"learning_rate": 0.3}}, lambda: K.SGD(0.3)),
    KerasCase(
        "momentum",
        {"optimizer": "momentum", "hparams": {"learning_rate": 0.05, "momentum": 0.8}},
        lambda: K.SGD(0.05, momentum=0.8),
    ),
    KerasCase(
        "nesterov",
        {"optimizer": "nesterov", "hparams": {"learning_rate": 0.05, "momentum": 0.9}},
        lambda: K.SGD(0.05, momentum=0.9, nesterov=True),
    ),
    KerasCase(
        "adagrad",
        {
            "optimizer": "adagrad",
            "hparams": {"learning_rate": 0.2, "initial_accumulator_value": 0.05, "epsilon": 1e-6},
        },
        lambda: K.Adagrad(0.2, initial_accumulator_value=0.05, epsilon=1e-6),
    ),
    KerasCase(
        "rmsprop",
        {"optimizer": "rmsprop", "hparams": {"learning_rate": 0.01, "rho": 0.8, "epsilon": 1e-6}},
        lambda: K.RMSprop(0.01, rho=0.8, epsilon=1e-6),
    ),
    KerasCase(
        "rmsprop_centered_momentum",
        {
            "optimizer": "rmsprop",
            "hparams": {"learning_rate": 0.01, "rho": 0.85, "momentum": 0.5, "centered": 1.0},
        },
        lambda: K.RMSprop(0.01, rho=0.85, momentum=0.5, centered=True),
    ),
    KerasCase(
        "adam",
        {
            "optimizer": "adam",
            "hparams": {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6},
        },
        lambda: K.Adam(0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-6),
    ),
    KerasCase(
        "amsgrad",
        {"optimizer": "adam", "hparams": {"learning_rate": 0.03, "amsgrad": 1.0}},
        lambda: K.Adam(0.03, amsgrad=True),
    ),
    KerasCase(
        "nadam",
        {
            "optimizer": "nadam",
            "hparams": {"learning_rate": 0.02, "beta_1": 0.85, "beta_2": 0.995, "epsilon": 1e-6},
        },
        lambda: K.Nadam(0.02, beta_1=0.85, beta_2=0.995, epsilon=1e-6),
    ),
    KerasCase(
        "adamax",
        {
            "optimizer": "adamax",
            "hparams": {"learning_rate": 0.03, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6},
        },
        lambda: K.Adamax(0.03, beta_1=0.8, beta_2=0.99, epsilon=1e-6),
    ),
    # kernel regularizers on every Dense kernel, the output layer's included
    KerasCase(
        "l1",
        {"optimizer": "sgd", "hparams": {"learning_rate": 0.3}, "l1": 0.01},
        lambda: K.SGD(0.3),
        regularizer=lambda: R.l1(0.01),
    ),
    KerasCase(
        "l2",
        {"optimizer": "adam", "hparams": {"learning_rate": 0.02}, "l2": 0.02},
        lambda: K.Adam(0.02),
        regularizer=lambda: R.l2(0.02),
    ),
    KerasCase(
        "l1_l2",
        {
            "optimizer": "momentum",
            "hparams": {"learning_rate": 0.05, "momentum": 0.9},
            "l1": 0.005,
            "l2": 0.01,
        },
        lambda: K.SGD(0.05, momentum=0.9),
        regularizer=lambda: R.l1_l2(l1=0.005, l2=0.01),
    ),
    # gradient clipping, each kind (thresholds that really clip here)
    KerasCase(
        "clipnorm",
        {"optimizer": "sgd", "hparams": {"learning_rate": 0.5}, "clipnorm": 0.05},
        lambda: K.SGD(0.5, clipnorm=0.05),
    ),
    KerasCase(
        "clipvalue",
        {"optimizer": "adam", "hparams": {"learning_rate": 0.02}, "clipvalue": 0.01},
        lambda: K.Adam(0.02, clipvalue=0.01),
    ),
    KerasCase(
        "global_clipnorm",
        {
            "optimizer": "momentum",
            "hparams": {"learning_rate": 0.1, "momentum": 0.9},
            "global_clipnorm": 0.1,
        },
        lambda: K.SGD(0.1, momentum=0.9, global_clipnorm=0.1),
    ),
    # the course's exponential schedule η0·10^(−t/r), applied per epoch by a callback
    KerasCase(
        "exponential_schedule",
        {
            "optimizer": "sgd",
            "hparams": {"learning_rate": 0.5},
            "schedule": "exponential",
            "schedule_params": {"r": 3.0},
        },
        lambda: K.SGD(0.5),
        schedule=lambda epoch, lr: 0.5 * 0.1 ** (epoch / 3.0),
    ),
    # performance scheduling: ReduceLROnPlateau halves η after a non-improving epoch
    KerasCase(
        "reduce_on_plateau",
        {
            "optimizer": "sgd",
            "hparams": {"learning_rate": 3.0},
            "schedule": "performance",
            "schedule_params": {"factor": 0.5, "patience": 1},
        },
        lambda: K.SGD(3.0),
        plateau=(0.5, 1),
    ),
    # a large step makes val_loss jump around: the best epoch is 2, training stops at 4
    KerasCase(
        "early_stopping",
        {
            "optimizer": "sgd",
            "hparams": {"learning_rate": 3.0},
            "early_stopping": True,
            "patience": 2,
            "epochs": 10,
        },
        lambda: K.SGD(3.0),
        patience=2,
        epochs=10,
    ),
]


@pytest.fixture(scope="module")
def full_batch() -> training.TrainResult:
    runs = [{"label": c.label, **c.run} for c in CASES]
    return optiviz.train(
        DS_A, hidden=HIDDEN_A, activation=ACT_A, runs=runs, epochs=EPOCHS_A, init_params=PARAMS_A
    )


def keras_compiled(case: KerasCase) -> tuple[keras.Model, list, Any]:
    """The case's Keras model, compiled from PARAMS_A, its callbacks and early stopper."""
    model = keras_model(
        ARCH_A, PARAMS_A, kernel_regularizer=case.regularizer() if case.regularizer else None
    )
    model.compile(optimizer=case.optimizer(), loss="binary_crossentropy", metrics=["accuracy"])
    callbacks: list = []
    if case.schedule is not None:
        callbacks.append(keras.callbacks.LearningRateScheduler(case.schedule))
    if case.plateau is not None:
        factor, patience = case.plateau
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=factor, patience=patience)
        )
    stopper = None
    if case.patience is not None:
        stopper = keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=case.patience, restore_best_weights=True
        )
        callbacks.append(stopper)
    return model, callbacks, stopper


def keras_fit(case: KerasCase) -> tuple[keras.Model, Any, Any]:
    model, callbacks, stopper = keras_compiled(case)
    history = model.fit(
        XA,
        YA,
        batch_size=len(XA),
        epochs=case.epochs,
        shuffle=False,
        validation_data=(XA_VAL, YA_VAL),
        callbacks=callbacks,
        verbose=0,
    )
    return model, history.history, stopper


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_full_batch_training_equals_keras(
    full_batch: training.TrainResult, case: KerasCase
) -> None:
    i = full_batch.labels.index(case.label)
    model, hist, stopper = keras_fit(case)
    n = len(hist["loss"])
    assert int(full_batch.epochs_run[i]) == n
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(
            full_batch.history[key][i, :n], hist[key], rtol=1e-5, atol=1e-6, err_msg=key
        )
        # epochs after the run's last repeat its last values
        np.testing.assert_array_equal(
            full_batch.history[key][i, n:], full_batch.history[key][i, n - 1]
        )
    if case.schedule is not None or case.plateau is not None:
        np.testing.assert_allclose(
            full_batch.history["lr"][i, :n], hist["learning_rate"], rtol=1e-6
        )
        assert len(set(hist["learning_rate"])) > 2  # the rate really changed, twice
    else:
        lr = case.run["hparams"]["learning_rate"]
        np.testing.assert_allclose(full_batch.history["lr"][i, :n], lr, rtol=1e-7)
    if stopper is not None:
        # Keras counts epochs from 0, the engine from 1
        assert stopper.stopped_epoch > 0, "the case must really stop early"
        assert int(full_batch.stopped_epoch[i]) == stopper.stopped_epoch + 1
        assert int(full_batch.best_epoch[i]) == stopper.best_epoch + 1
        assert full_batch.best_epoch[i] < full_batch.stopped_epoch[i]
    else:
        assert full_batch.stopped_epoch[i] == 0
    # final (restored) weights, and model.evaluate on the validation data
    atol = 1e-5 if case.label == "early_stopping" else 2e-6  # η = 3: steps of ~1
    assert_weights_equal(model, dense_weights(full_batch.params[i]), atol=atol)
    val_loss, val_acc = model.evaluate(XA_VAL, YA_VAL, verbose=0)
    assert full_batch.final_loss[i] == pytest.approx(val_loss, rel=1e-5, abs=1e-6)
    assert full_batch.final_accuracy[i] == pytest.approx(val_acc, abs=1e-6)
    assert full_batch.diverged_epoch[i] == 0


def test_recorded_gradients_and_norms_at_epoch_one(full_batch: training.TrainResult) -> None:
    """grad_norms / bias_grad_norms are the full-batch gradient's per-layer L2 norms;
    weight_norms and update_ratios follow from one plain GD step."""
    i = full_batch.labels.index("sgd")
    ap = np.zeros(len(HIDDEN_A), np.float32)

    def loss(p):
        out, *_ = mlp.forward(ARCH_A, p, (), XA, act_params=ap, train=True)
        return jnp.mean(mlp.per_example_loss(ARCH_A, out, YA))

    g = jax.grad(loss)(jax.tree.map(jnp.asarray, PARAMS_A))
    kernel = [float(jnp.linalg.norm(layer["w"])) for layer in g]
    bias = [float(jnp.linalg.norm(layer["b"])) for layer in g]
    np.testing.assert_allclose(full_batch.grad_norms[i, 0], kernel, rtol=1e-5)
    np.testing.assert_allclose(full_batch.bias_grad_norms[i, 0], bias, rtol=1e-5)
    lr = 0.3
    after = [
        np.linalg.norm(p["w"] - lr * np.asarray(q["w"])) for p, q in zip(PARAMS_A, g, strict=True)
    ]
    np.testing.assert_allclose(full_batch.weight_norms[i, 0], after, rtol=1e-5)
    ratio = [lr * k / np.linalg.norm(p["w"]) for k, p in zip(kernel, PARAMS_A, strict=True)]
    np.testing.assert_allclose(full_batch.update_ratios[i, 0], ratio, rtol=1e-4)
    epochs = 10  # the longest run's (early stopping's)
    assert full_batch.epochs == epochs
    assert full_batch.grad_norms.shape == (len(CASES), epochs, ARCH_A.n_dense)
    assert full_batch.activation_mean.shape == (len(CASES), epochs, len(HIDDEN_A))
    assert full_batch.history["loss"].shape == (len(CASES), epochs)
    assert_all_finite(full_batch)


def test_summary_of_a_result_equals_keras(full_batch: training.TrainResult) -> None:
    model = keras_model(ARCH_A, PARAMS_A)
    s = optiviz.summary(full_batch)
    assert [r["params"] for r in s.rows] == [la.count_params() for la in model.layers]
    assert s.total == model.count_params() and s.non_trainable == 0


# ===================================================== mini-batches, BN, 3 classes
DS_C = make_dataset("iris", seed=0)  # 120 training, 30 validation examples
HIDDEN_C = (6, 5)
ACT_C = ("relu", "tanh")
ARCH_C = mlp.build(2, 3, HIDDEN_C, ACT_C, batch_norm=True)
PARAMS_C = make(ARCH_C, "he_uniform")
BATCH_C = 32  # 32 + 32 + 32 + 24
EPOCHS_C = 3
MINI_CASES = [
    KerasCase(
        "adam",
        {"optimizer": "adam", "hparams": {"learning_rate": 0.05, "beta_1": 0.8}, "seed": 3},
        lambda: K.Adam(0.05, beta_1=0.8),
        epochs=EPOCHS_C,
    ),
    KerasCase(
        "momentum",
        {
            "optimizer": "momentum",
            "hparams": {"learning_rate": 0.1, "momentum": 0.9},
            "seed": 4,
            "l2": 0.01,
        },
        lambda: K.SGD(0.1, momentum=0.9),
        regularizer=lambda: R.l2(0.01),
        epochs=EPOCHS_C,
    ),
]


@pytest.fixture(scope="module")
def mini_batch() -> training.TrainResult:
    return optiviz.train(
        DS_C,
        hidden=HIDDEN_C,
        activation=ACT_C,
        batch_norm=True,
        runs=[{"label": c.label, **c.run} for c in MINI_CASES],
        epochs=EPOCHS_C,
        batch_size=BATCH_C,
        init_params=PARAMS_C,
    )


def epoch_order(seed: int, epoch: int, n: int) -> np.ndarray:
    """The order in which the engine visits the training examples in an epoch
    (a fresh permutation per epoch, drawn from the seed's training stream)."""
    key = jax.random.fold_in(training._key(seed, 1), epoch)
    return np.asarray(jax.random.permutation(key, n))


@pytest.mark.parametrize("case", MINI_CASES, ids=[c.label for c in MINI_CASES])
def test_mini_batches_with_batch_norm_equal_keras(
    mini_batch: training.TrainResult, case: KerasCase
) -> None:
    """Keras, fed the engine's shuffled order with ``shuffle=False``, takes the same 4
    steps per epoch (the last on 24 examples): same weights, same BN moving statistics,
    same size-weighted epoch loss and accuracy, same validation numbers."""
    i = mini_batch.labels.index(case.label)
    bn0 = jax.tree.map(np.asarray, mlp.init_bn_state(ARCH_C))
    model = keras_model(
        ARCH_C, PARAMS_C, bn0, kernel_regularizer=case.regularizer() if case.regularizer else None
    )
    model.compile(case.optimizer(), "sparse_categorical_crossentropy", metrics=["accuracy"])
    hist: dict[str, list[float]] = {}
    orders = []
    for epoch in range(EPOCHS_C):
        order = epoch_order(case.run["seed"], epoch, DS_C.n_train)
        orders.append(order)
        h = model.fit(
            DS_C.X_train[order],
            DS_C.y_train[order],
            batch_size=BATCH_C,
            epochs=1,
            shuffle=False,
            validation_data=(DS_C.X_val, DS_C.y_val),
            verbose=0,
        )
        for k, v in h.history.items():
            hist.setdefault(k, []).extend(v)
    assert model.optimizer.iterations.numpy() == EPOCHS_C * 4
    assert not np.array_equal(orders[0], orders[1])  # reshuffled every epoch
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(mini_batch.history[key][i], hist[key], rtol=1e-5, err_msg=key)
    # Adam's m/√s makes weights whose gradient is ~0 sensitive to rounding
    assert_weights_equal(
        model, dense_weights(mini_batch.params[i], mini_batch.bn_state[i]), rtol=1e-5, atol=3e-5
    )


# ============================================================ dropout, one kernel
DS_D = make_dataset("moons", n=100, seed=0)  # 80 training examples, 20 validation
HIDDEN_D = (8, 8, 8)
BATCH_D = 24  # 24 + 24 + 24 + 8
EPOCHS_D = 10
HUGE = 1e9  # Adam moves every weight by ~η per step: 1e9 overflows a 4-layer ReLU net


def runs_d(variant: int) -> list[dict[str, Any]]:
    if variant == 0:
        return [
            {"label": "dropout", "optimizer": "adam", "hparams": {"learning_rate": 0.01},
             "dropout": 0.3},
            {"label": "frozen", "optimizer": "sgd", "hparams": {"learning_rate": 0.0}},
            {"label": "blows up", "optimizer": "adam", "hparams": {"learning_rate": HUGE}},
            # frozen for two epochs (trainable from epoch 2), then blows up in the third
            {"label": "blows up later", "optimizer": "adam", "hparams": {"learning_rate": HUGE},
             "trainable_from": (2, 2, 2, 2)},
            {"label": "he", "optimizer": "momentum", "hparams": {"learning_rate": 1e-3},
             "initializer": "he_normal"},
            {"label": "es", "optimizer": "rmsprop", "hparams": {"learning_rate": 0.01},
             "early_stopping": True, "patience": 3, "l2": 1e-3, "schedule": "power"},
        ]  # fmt: skip
    # the same shapes, everything else changed: optimizers, their hyperparameters, seeds,
    # dropout rates, L1/L2, schedules, patience, initializers, stddev, activation
    # parameter, clipping and a shorter run in the same epoch bucket
    return [
        {"optimizer": "nadam", "hparams": {"learning_rate": 0.003, "beta_1": 0.7}, "seed": 5,
         "dropout": 0.5, "initializer": "lecun_uniform"},
        {"optimizer": "adagrad", "hparams": {"learning_rate": 0.1}, "seed": 6, "l1": 0.01,
         "schedule": "exponential", "schedule_params": {"r": 5.0}, "epochs": 7},
        {"optimizer": "nesterov", "hparams": {"learning_rate": 0.05, "momentum": 0.5},
         "seed": 7, "initializer": "random_normal", "init_stddev": 0.5, "clipnorm": 1.0},
        {"optimizer": "adamax", "hparams": {"learning_rate": 0.02}, "seed": 8,
         "initializer": "glorot_normal", "early_stopping": True, "patience": 1,
         "restore_best_weights": False},
        {"optimizer": "rmsprop", "hparams": {"learning_rate": 0.02, "centered": 1.0},
         "seed": 9, "activation_param": 0.5, "schedule": "onecycle", "clipvalue": 0.1},
        {"optimizer": "sgd", "hparams": {"learning_rate": 0.2}, "seed": 10, "dropout": 0.1,
         "l2": 0.1, "schedule": "performance", "global_clipnorm": 2.0},
    ]  # fmt: skip


@pytest.fixture(scope="module")
def dropout_runs() -> dict[str, Any]:
    kw = dict(hidden=HIDDEN_D, activation="leaky_relu", epochs=EPOCHS_D, batch_size=BATCH_D)
    before = Counter(training.TRACES)  # (earlier tests of this process traced other kernels)
    first = optiviz.train(DS_D, runs=runs_d(0), **kw)
    traces = dict(Counter(training.TRACES) - before)
    second = optiviz.train(DS_D, runs=runs_d(1), **{**kw, "epochs": 8})  # same bucket
    after = dict(Counter(training.TRACES) - before)
    return {"first": first, "second": second, "traces": traces, "after": after}


def test_no_recompilation_when_only_values_change(dropout_runs: dict[str, Any]) -> None:
    assert dropout_runs["after"] == dropout_runs["traces"]
    # dropout is a traced switch of the shape-stable kernels, not a kernel of its own
    # (nothing is traced at all when the buckets came from the executable store)
    traced = dropout_runs["traces"]
    assert all(k.startswith(("train width=16 ", "snapshot width=16 ")) for k in traced), traced
    second = dropout_runs["second"]
    assert second.epochs == 8 and second.history["loss"].shape == (6, 8)
    assert int(second.epochs_run[1]) == 7
    assert_all_finite(second)


def test_dropout_is_off_at_inference(dropout_runs: dict[str, Any]) -> None:
    r = dropout_runs["first"]
    i = r.labels.index("dropout")
    assert r.arch.dropout and r.runs[i].dropout == 0.3
    params = r.params[i]
    ap = act_params_for(r.arch)
    out_val, *_ = mlp.forward(r.arch, params, (), DS_D.X_val, act_params=ap)
    again, *_ = mlp.forward(
        r.arch, params, (), DS_D.X_val, act_params=ap, dropout_rate=0.3, key=jax.random.PRNGKey(9)
    )
    np.testing.assert_array_equal(np.asarray(out_val), np.asarray(again))
    # the final validation numbers and the last decision-boundary snapshot are inference
    # passes: deterministic, equal to forward(train=False)
    loss = float(jnp.mean(mlp.per_example_loss(r.arch, out_val, DS_D.y_val)))
    assert r.final_loss[i] == pytest.approx(loss, rel=1e-5)
    assert r.history["val_loss"][i, -1] == pytest.approx(loss, rel=1e-5)
    grid = np.stack(np.meshgrid(r.grid_x, r.grid_y), axis=-1).reshape(-1, 2)
    out_grid, *_ = mlp.forward(r.arch, params, (), grid, act_params=ap)
    np.testing.assert_allclose(r.boundary[i, -1], np.asarray(out_grid), rtol=1e-5, atol=1e-6)
    # Keras's Dropout layers at inference agree
    model = keras_model(r.arch, params, dropout_rate=0.3)
    np.testing.assert_allclose(np.asarray(model(DS_D.X_val)), np.asarray(out_val), rtol=2e-6)
    # while training, dropout makes the training loss noisier than the validation loss
    assert r.snapshot_epochs[0] == 0 and r.snapshot_epochs[-1] == EPOCHS_D


def test_epoch_loss_is_the_size_weighted_mean_of_its_batches(dropout_runs: dict[str, Any]) -> None:
    """With η = 0 the weights never move, so whatever the shuffling, the epoch's loss
    (the mean of 24, 24, 24 and 8 examples' batch losses, weighted by size) must equal
    the loss over all 80 examples: every example counts once per epoch, the padding of
    the last batch never."""
    r = dropout_runs["first"]
    i = r.labels.index("frozen")
    out, *_ = mlp.forward(r.arch, r.params[i], (), DS_D.X_train, act_params=act_params_for(r.arch))
    per = np.asarray(mlp.per_example_loss(r.arch, out, DS_D.y_train), np.float64)
    acc = np.mean(np.asarray(mlp.predict_class(r.arch, out)) == DS_D.y_train)
    np.testing.assert_allclose(r.history["loss"][i], per.mean(), rtol=2e-6)
    np.testing.assert_allclose(r.history["accuracy"][i], acc, rtol=1e-6)
    # a weighting by batch count instead would differ: the 8-example batch is not typical
    assert r.epochs_run[i] == EPOCHS_D and r.diverged_epoch[i] == 0
    np.testing.assert_array_equal(r.grad_norms[i] > 0, True)


def test_divergence_is_flagged_and_nothing_non_finite_leaves(dropout_runs: dict[str, Any]) -> None:
    """Adam with η = 1e9 moves every weight by ~1e9 per step: the activations of the
    4-layer net overflow float32 (while the clipped loss stays finite) and NaN follows.
    The run is frozen at its last good epoch and flagged; nothing non-finite leaves."""
    r = dropout_runs["first"]
    assert_all_finite(r)
    now, later = r.labels.index("blows up"), r.labels.index("blows up later")
    assert r.diverged[now] and r.diverged[later]
    assert 1 <= r.diverged_epoch[now] <= 2
    # frozen for two epochs, so it cannot blow up before the third
    assert r.diverged_epoch[later] >= 3
    for i in (now, later):
        d = int(r.diverged_epoch[i])
        assert r.epochs_run[i] == d - 1  # only the good epochs count
        if d >= 2:
            for key, h in r.history.items():
                # from the diverged epoch on, every epoch repeats the last good one
                np.testing.assert_array_equal(h[i, d - 1 :], h[i, d - 2], err_msg=key)
            for name in ("grad_norms", "weight_norms", "activation_std", "dead"):
                v = getattr(r, name)
                np.testing.assert_array_equal(
                    v[i, d - 1 :], v[i, d - 2 : d - 1].repeat(EPOCHS_D - d + 1, 0)
                )
    assert r.history["loss"][later, 0] == r.history["loss"][later, 1]  # the frozen epochs
    assert not r.diverged[[i for i, lab in enumerate(r.labels) if "blows" not in lab]].any()


def test_he_normal_relu_keeps_gradients_level(dropout_runs: dict[str, Any]) -> None:
    r = dropout_runs["first"]
    g = r.grad_norms[r.labels.index("he"), 0]
    assert 0.1 < g[0] / g[-1] < 10.0, g


def test_early_stopping_stops_within_the_patience(dropout_runs: dict[str, Any]) -> None:
    r = dropout_runs["first"]
    i = r.labels.index("es")
    if r.stopped_epoch[i]:
        assert r.stopped_epoch[i] - r.best_epoch[i] == 3
        assert r.epochs_run[i] == r.stopped_epoch[i]
    val = r.history["val_loss"][i, : r.epochs_run[i]]
    assert r.best_epoch[i] == int(np.argmin(val)) + 1


def test_layer_statistics_ignore_padding_and_survive_huge_activations() -> None:
    """Per hidden layer (mean, std, share saturated, share dead) over the real rows of a
    batch; activations near float32's limit give a finite std (a² would overflow), and
    an overflowing padded row changes nothing."""
    arch = mlp.build(2, 2, (5, 4), ("relu", "sigmoid"))
    rng = np.random.default_rng(1)
    z1 = (rng.normal(size=(7, 5)) * 1e30).astype(np.float32)
    z1[:, 0] = -1.0  # a dead unit
    a1 = np.maximum(z1, 0)
    z2 = rng.normal(scale=4, size=(7, 4)).astype(np.float32)
    a2 = 1 / (1 + np.exp(-z2))
    mask = np.array([1, 1, 1, 1, 1, 1, 0], np.float32)
    a1[6], z1[6] = np.inf, np.inf  # the padding row overflows
    stats = np.asarray(training._layer_stats(arch, [a1, a2], mask))
    assert np.all(np.isfinite(stats))
    real1, real2 = a1[:6].astype(np.float64), a2[:6].astype(np.float64)
    np.testing.assert_allclose(stats[0, :2], [real1.mean(), real1.std()], rtol=1e-5)
    np.testing.assert_allclose(stats[1, :2], [real2.mean(), real2.std()], rtol=1e-5)
    assert stats[1, 2] == pytest.approx(np.mean(real2 * (1 - real2) < 0.025))
    assert stats[0, 3] == pytest.approx(np.mean(~np.any(z1[:6] > 0, axis=0)))
    assert stats[0, 3] > 0.19 and stats[0, 2] == 0.0 and stats[1, 3] == 0.0


def test_minibatch_epochs_report_the_statistics_of_their_last_batch() -> None:
    """An epoch of mini-batches reports the activation statistics of the batch it ends
    on, its padded rows left out. With a learning rate of 0 the weights stay as drawn,
    so the statistics follow from the epoch's shuffled order."""
    bs, epochs, seed = 7, 3, 2
    n = len(XA)
    r = optiviz.train(
        DS_A,
        hidden=HIDDEN_A,
        activation=ACT_A,
        optimizers={"sgd": {"learning_rate": 0.0}},
        epochs=epochs,
        batch_size=bs,
        seed=seed,
    )
    (l1, l2, _) = r.init_params[0]
    nb = -(-n // bs)
    assert n % bs, "the last batch should be a padded one"
    for e in range(epochs):
        key = jax.random.fold_in(training._key(seed, 1), e)
        order = np.asarray(jax.random.permutation(key, n))
        rows = XA[order[(nb - 1) * bs :]].astype(np.float64)
        a1 = np.maximum(rows @ l1["w"] + l1["b"], 0)
        a2 = np.tanh(a1 @ l2["w"] + l2["b"])
        for layer, a in enumerate((a1, a2)):
            np.testing.assert_allclose(r.activation_mean[0, e, layer], a.mean(), rtol=1e-5)
            np.testing.assert_allclose(r.activation_std[0, e, layer], a.std(), rtol=1e-4)
        assert r.dead[0, e, 0] == pytest.approx(np.mean(np.all(a1 <= 0, axis=0)))
        assert r.saturated[0, e, 1] == pytest.approx(np.mean(1 - a2**2 < 0.1))


# ================================================================= validation
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"clipnorm": 1.0, "clipvalue": 0.5}, "one kind of gradient clipping"),
        ({"dropout": 0.99}, "dropout rate"),
        ({"epochs": 0}, "epochs"),
        ({"learning_rate": 0.1}, "unknown option"),
        ({"optimizers": {"adam": {"beta_3": 0.9}}}, "no hyperparameter"),
        ({"initializer": "orthogonal"}, "unknown initializer"),
        ({"activation": "relu7"}, "unknown activation"),
        ({"init_params": ({"w": np.zeros((2, 3)), "b": np.zeros(3)},)}, "do not fit"),
    ],
)
def test_bad_settings_are_rejected_with_a_message(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        optiviz.train(DS_A, hidden=(3,), epochs=kwargs.pop("epochs", 2), **kwargs)


def test_runs_of_a_seed_start_from_the_same_network() -> None:
    """Initial weights are drawn on the host: the same for every run of a seed (whatever
    its optimizer), another network for another seed, and reported as drawn."""
    r = optiviz.train(
        DS_A, hidden=(5, 4), optimizers={"sgd": {}, "adam": {}}, epochs=2, seed=[3, 4]
    )
    first = [np.concatenate([p["b"].ravel(), p["w"].ravel()]) for p in r.init_params[0]]
    for i, params in enumerate(r.init_params):
        same = all(
            np.array_equal(np.concatenate([p["b"].ravel(), p["w"].ravel()]), f)
            for p, f in zip(params, first, strict=True)
        )
        assert same == (i < 2), i  # runs 0, 1: seed 3; runs 2, 3: seed 4
    # the transfer page's and the LR range test's fresh network is the same draw
    from optiviz.engine.networks.transfer import fresh_params

    for got, want in zip(r.init_params[2], fresh_params(r.arch, seed=4), strict=True):
        assert all(np.array_equal(got[k], want[k]) for k in want)
    w = r.init_params[0][0]["w"]
    assert w.dtype == np.float32 and np.abs(w).max() <= np.sqrt(6 / (w.shape[0] + w.shape[1]))
    assert all(np.all(p["b"] == 0) for p in r.init_params[0])
