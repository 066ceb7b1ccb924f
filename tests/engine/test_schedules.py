"""Tests for :mod:`optiviz.engine.networks.schedules`: learning-rate schedules per epoch.

Oracles (Keras 3, JAX backend):

* piecewise, exponential and power (c = 1) against the schedule classes
  ``PiecewiseConstantDecay``, ``ExponentialDecay(η₀, r, 0.1)`` and
  ``InverseTimeDecay(η₀, r, 1)`` evaluated at step = epoch, epochs 0..200;
  power with other c against the course's formula in numpy;
* performance against the real ``keras.callbacks.ReduceLROnPlateau`` attached to
  a tiny compiled model and fed a scripted ``val_loss`` per epoch through
  ``on_epoch_end``: plateaus, improvements smaller than ``min_delta``, NaN
  (first and later), inf;
* the pasteable ``keras_code`` is compiled, and for the callback schedules run
  through ``keras.callbacks.LearningRateScheduler`` on the same tiny model.

Plus: 1cycle's shape, the compile-once promise, validation messages, and that
every factor stays finite and positive.
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from optiviz.engine.networks import schedules as S
from optiviz.engine.networks.schedules import (
    BOUNDARY_OFF,
    SCHEDULE_NAMES,
    SCHEDULES,
    curve,
    keras_code,
    lr_factor,
    plateau_init,
    plateau_update,
    schedule_arrays,
)

# Keras's own callbacks read the learning-rate Variable through np.array(), which
# NumPy 2 flags for the missing ``copy`` keyword: Keras's business, not ours.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

EPOCHS = np.arange(201)
RTOL = 1e-5


jit_lr_factor = jax.jit(lr_factor)


def factors(name: str, params: dict | None = None, epochs=EPOCHS, n_epochs: int = 201):
    arrays = schedule_arrays(name, params)
    return np.asarray(jit_lr_factor(arrays, jnp.asarray(epochs, jnp.int32), np.int32(n_epochs)))


def tiny_model(lr: float) -> keras.Model:
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    return model


def current_lr(model: keras.Model) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


# ------------------------------------------------------------------ metadata
def test_table_is_complete() -> None:
    assert tuple(SCHEDULES) == SCHEDULE_NAMES
    for name, info in SCHEDULES.items():
        assert info.name == name and info.display and info.latex and info.summary
        for p in info.params:
            assert p.low <= p.default <= p.high, (name, p.name)
            assert p.help
            if p.log:
                assert p.low > 0


def test_arrays_have_the_same_structure_for_every_schedule() -> None:
    ref = schedule_arrays("constant")
    assert ref["kind"].dtype == np.int32 and ref["kind"].shape == ()
    for name in SCHEDULE_NAMES:
        arrays = schedule_arrays(name)
        assert set(arrays) == set(ref)
        for key, value in arrays.items():
            assert isinstance(value, np.ndarray)
            assert value.shape == ref[key].shape and value.dtype == ref[key].dtype, key
            if key != "kind":
                assert value.dtype == np.float32
        assert int(arrays["kind"]) == SCHEDULE_NAMES.index(name)


# ------------------------------------------------------------- Keras oracles
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"b1": 10, "b2": 50, "b3": 120, "v1": 0.3, "v2": 0.05, "v3": 0.002},
        {"b1": 0, "b2": 1, "b3": 2, "v1": 2.0, "v2": 0.5, "v3": 1e-6},
        {"b1": 77, "b2": BOUNDARY_OFF, "b3": BOUNDARY_OFF, "v1": 0.1},
    ],
)
def test_piecewise_matches_keras(params: dict) -> None:
    lr0 = 0.05
    p = S.resolve_params("piecewise", params)
    bounds = [int(p[k]) for k in ("b1", "b2", "b3")]
    values = [lr0, lr0 * p["v1"], lr0 * p["v2"], lr0 * p["v3"]]
    ref = keras.optimizers.schedules.PiecewiseConstantDecay(bounds, values)
    expected = np.array([float(ref(int(t))) for t in EPOCHS])
    np.testing.assert_allclose(lr0 * factors("piecewise", params), expected, rtol=RTOL)


def test_piecewise_boundary_epoch_belongs_to_the_earlier_interval() -> None:
    f = factors("piecewise", {"b1": 30, "b2": 60, "v1": 0.5, "v2": 0.1})
    assert f[30] == 1.0 and f[31] == 0.5 and f[60] == 0.5 and f[61] == pytest.approx(0.1)


@pytest.mark.parametrize("r", [10.0, 20.0, 37.5, 100.0, 1000.0])
def test_exponential_matches_keras_exponential_decay(r: float) -> None:
    lr0 = 0.01
    ref = keras.optimizers.schedules.ExponentialDecay(lr0, decay_steps=r, decay_rate=0.1)
    expected = np.array([float(ref(int(t))) for t in EPOCHS])
    np.testing.assert_allclose(lr0 * factors("exponential", {"r": r}), expected, rtol=RTOL)
    np.testing.assert_allclose(  # and the course's formula
        factors("exponential", {"r": r}), 10.0 ** (-EPOCHS / r), rtol=RTOL
    )


@pytest.mark.parametrize("r", [1.0, 5.0, 20.0, 300.0])
def test_power_c1_matches_keras_inverse_time_decay(r: float) -> None:
    lr0 = 0.02
    ref = keras.optimizers.schedules.InverseTimeDecay(lr0, decay_steps=r, decay_rate=1.0)
    expected = np.array([float(ref(int(t))) for t in EPOCHS])
    np.testing.assert_allclose(lr0 * factors("power", {"r": r, "c": 1}), expected, rtol=RTOL)


@pytest.mark.parametrize(("r", "c"), [(20.0, 0.5), (3.0, 2.0), (100.0, 5.0), (1.0, 0.1)])
def test_power_matches_the_course_formula(r: float, c: float) -> None:
    expected = (1.0 + EPOCHS / r) ** (-c)
    np.testing.assert_allclose(factors("power", {"r": r, "c": c}), expected, rtol=RTOL)


def test_constant_and_performance_factor_is_one() -> None:
    np.testing.assert_array_equal(factors("constant"), 1.0)
    np.testing.assert_array_equal(factors("performance"), 1.0)


# ---------------------------------------------------- performance scheduling
def keras_plateau_lrs(losses, factor: float, patience: int, lr0: float) -> np.ndarray:
    """The learning rate after each ``on_epoch_end`` of the real callback."""
    model = tiny_model(lr0)
    cb = keras.callbacks.ReduceLROnPlateau(factor=factor, patience=patience)
    cb.set_model(model)
    cb.on_train_begin()
    out = []
    for epoch, v in enumerate(losses):
        cb.on_epoch_end(epoch, {"val_loss": float(v)})
        out.append(current_lr(model))
    return np.array(out)


def engine_plateau_lrs(losses, factor: float, patience: int, lr0: float) -> np.ndarray:
    arrays = schedule_arrays("performance", {"factor": factor, "patience": patience})
    step = jax.jit(plateau_update)
    state, out = plateau_init(), []
    for v in losses:
        state = step(state, np.float32(v), arrays, np.float32(lr0))
        out.append(lr0 * float(state.factor))
    return np.array(out)


f32 = np.float32
PLATEAU_SCRIPTS = {
    "steady_then_flat": [1.0, 0.8, 0.6, 0.5] + [0.5] * 20,
    "below_min_delta": [1.0] + [1.0 - 5e-5 * k for k in range(1, 16)] + [0.9, 0.9, 0.9],
    "just_above_min_delta": [1.0 - 1.5e-4 * k for k in range(12)] + [0.99] * 8,
    "noisy": list(np.round(1.0 / np.arange(1, 41) + 0.05 * np.sin(np.arange(40) * 1.7), 4)),
    "nan_later": [1.0, 0.9, float("nan"), 0.95, float("nan"), 0.85] + [0.85] * 10,
    "nan_first": [float("nan"), 1.0, 0.5, 0.1, 0.01, 0.001, 1e-4] + [1e-5] * 6,
    "inf_first": [float("inf"), 2.0, 2.0, 1.0, float("inf"), float("nan")] + [1.0] * 6,
    "increasing": [0.1 * k for k in range(1, 25)],
}


@pytest.mark.parametrize("script", sorted(PLATEAU_SCRIPTS))
@pytest.mark.parametrize(("factor", "patience"), [(0.5, 5), (0.2, 1), (0.9, 3)])
def test_performance_matches_keras_reduce_lr_on_plateau(
    script: str, factor: float, patience: int
) -> None:
    losses = [float(f32(v)) for v in PLATEAU_SCRIPTS[script]]
    lr0 = 0.01
    expected = keras_plateau_lrs(losses, factor, patience, lr0)
    got = engine_plateau_lrs(losses, factor, patience, lr0)
    np.testing.assert_allclose(got, expected, rtol=RTOL)
    # curve(): epoch t + 1 runs at the rate set after epoch t's loss.
    lrs = curve(
        "performance",
        {"factor": factor, "patience": patience},
        epochs=len(losses) + 1,
        learning_rate=lr0,
        val_losses=losses,
    )
    assert lrs[0] == pytest.approx(lr0)
    np.testing.assert_allclose(lrs[1:], expected, rtol=RTOL)


def test_performance_random_walks_match_keras() -> None:
    rng = np.random.default_rng(0)
    for _ in range(6):
        steps = rng.choice([-1e-2, -5e-5, 0.0, 2e-3, -2e-4], size=60, p=[0.2, 0.3, 0.2, 0.2, 0.1])
        losses = [float(f32(v)) for v in 1.0 + np.cumsum(steps)]
        factor, patience = float(f32(rng.uniform(0.1, 0.9))), int(rng.integers(1, 6))
        expected = keras_plateau_lrs(losses, factor, patience, 0.003)
        got = engine_plateau_lrs(losses, factor, patience, 0.003)
        np.testing.assert_allclose(got, expected, rtol=RTOL)


def test_plateau_is_a_no_op_for_other_schedules() -> None:
    losses = [1.0] * 30
    for name in SCHEDULE_NAMES:
        if name == "performance":
            continue
        arrays = schedule_arrays(name)
        state = plateau_init()
        for v in losses:
            state = plateau_update(state, v, arrays, 0.01)
        assert float(state.factor) == 1.0 and int(state.wait) == -1


def test_curve_without_losses_is_flat_for_performance() -> None:
    np.testing.assert_allclose(
        curve("performance", None, epochs=20, learning_rate=0.1), np.full(20, 0.1), rtol=1e-7
    )
    # more epochs than losses: the last rate holds
    lrs = curve("performance", {"patience": 1}, epochs=10, learning_rate=1.0, val_losses=[1.0, 1.0])
    np.testing.assert_allclose(lrs, [1.0, 1.0, 0.5] + [0.5] * 7)


# ------------------------------------------------------------------- 1cycle
@pytest.mark.parametrize("n_epochs", [5, 20, 30, 100, 101, 257])
@pytest.mark.parametrize(
    "params",
    [{}, {"start_div": 25, "end_div": 100, "peak_at": 0.3}, {"peak_at": 0.5, "end_div": 1}],
)
def test_onecycle_shape(n_epochs: int, params: dict) -> None:
    p = S.resolve_params("onecycle", params)
    f = factors("onecycle", params, epochs=np.arange(n_epochs), n_epochs=n_epochs)
    start, end = 1 / p["start_div"], 1 / p["start_div"] / p["end_div"]
    assert f[0] == pytest.approx(start, rel=RTOL)
    assert f.max() == pytest.approx(1.0, rel=RTOL)
    assert f[-1] == pytest.approx(end, rel=RTOL)
    peak = int(np.argmax(f))
    assert abs(peak - p["peak_at"] * (n_epochs - 1)) <= 1
    d = np.diff(f)
    assert np.all(d[:peak] > 0) and np.all(d[peak:] <= 1e-7)  # up, then down
    # piecewise linear: three straight segments meeting at peak, 2·peak and the end
    back = min(2 * peak, n_epochs - 1)
    assert f[back] == pytest.approx(start, rel=RTOL) or back == n_epochs - 1
    for lo, hi in [(0, peak), (peak, back), (back, n_epochs - 1)]:
        if hi - lo >= 2:
            seg = f[lo : hi + 1]
            np.testing.assert_allclose(np.diff(seg, 2), 0.0, atol=1e-6)


def test_onecycle_default_corners_match_geron() -> None:
    # Géron's OneCycleScheduler(100): half_iteration = (100 - (100 // 10 + 1)) // 2 = 44
    peak, back, last = (float(x) for x in S.onecycle_epochs(jnp.float32(0.45), 100))
    assert (peak, back, last) == (44.0, 88.0, 99.0)
    assert float(S.onecycle_epochs(jnp.float32(0.45), 21)[0]) == 9.0  # 0.45·20 in float32


@pytest.mark.parametrize("n_epochs", [1, 2, 3, 4])
def test_onecycle_tiny_runs_are_well_defined(n_epochs: int) -> None:
    f = factors("onecycle", None, epochs=np.arange(200), n_epochs=n_epochs)
    assert np.all(np.isfinite(f)) and np.all(f > 0) and np.all(f <= 1.0)
    assert f[-1] == pytest.approx(1e-4, rel=RTOL)  # past the end: the final rate


# ------------------------------------------------------- robustness, compile
def corner_params(name: str):
    specs = SCHEDULES[name].params
    yield {}
    yield {p.name: p.low for p in specs}
    yield {p.name: p.high for p in specs}
    rng = np.random.default_rng(1)
    for _ in range(5):
        yield {
            p.name: float(
                round(rng.uniform(p.low, min(p.high, 1e4)))
                if p.integer
                else math.exp(rng.uniform(math.log(p.low), math.log(p.high)))
                if p.log
                else rng.uniform(p.low, p.high)
            )
            for p in specs
        }


def test_factors_are_finite_and_positive_everywhere() -> None:
    epochs = jnp.asarray(np.unique(np.r_[np.arange(300), np.geomspace(1, 1e5, 200).round()]))
    f = jax.jit(lr_factor)
    for name in SCHEDULE_NAMES:
        for params in corner_params(name):
            if name == "piecewise":
                b = sorted({params.get(f"b{i}", 1.0) for i in (1, 2, 3)})
                b = (b + [BOUNDARY_OFF] * 3)[:3]
                params.update(b1=b[0], b2=b[1], b3=b[2])
                if b[0] == b[1] and b[0] < BOUNDARY_OFF:
                    continue
            arrays = schedule_arrays(name, params)
            for n in (1, 2, 7, 100, 100_000):
                out = np.asarray(f(arrays, epochs, np.int32(n)))
                assert np.all(np.isfinite(out)) and np.all(out > 0), (name, params, n)


def test_plateau_factor_never_reaches_zero() -> None:
    arrays = schedule_arrays("performance", {"factor": 0.01, "patience": 1})
    step = jax.jit(plateau_update)
    state = plateau_init()
    for _ in range(100):
        state = step(state, np.float32(1.0), arrays, np.float32(1e-5))
    assert float(state.factor) > 0 and math.isfinite(float(state.factor))


def test_lr_factor_compiles_once_for_every_schedule() -> None:
    traces = 0

    @jax.jit
    def f(arrays, epoch, n_epochs):
        nonlocal traces
        traces += 1
        return lr_factor(arrays, epoch, n_epochs)

    for name in SCHEDULE_NAMES:
        for params in corner_params(name):
            if name == "piecewise":
                params = {}
            out = f(schedule_arrays(name, params), jnp.int32(17), jnp.int32(50))
            assert np.isfinite(float(out))
    assert traces == 1


def test_plateau_update_compiles_once_for_every_schedule() -> None:
    traces = 0

    @jax.jit
    def f(state, v, arrays, lr0):
        nonlocal traces
        traces += 1
        return plateau_update(state, v, arrays, lr0)

    for name in SCHEDULE_NAMES:
        state = plateau_init()
        for v in (1.0, 0.5, float("nan")):
            state = f(state, jnp.float32(v), schedule_arrays(name), jnp.float32(0.01))
    assert traces == 1


# --------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("cosine", None, "unknown learning-rate schedule 'cosine'"),
        ("exponential", {"s": 3}, "unknown parameter"),
        ("constant", {"r": 3}, "no parameters"),
        ("exponential", {"r": 0.0}, "must be a number between"),
        ("exponential", {"r": float("nan")}, "finite"),
        ("power", {"c": float("inf")}, "finite"),
        ("power", {"r": "abc"}, "must be a number"),
        ("power", {"c": True}, "must be a number"),
        ("performance", {"factor": 1.0}, "must be a number between"),
        ("performance", {"patience": 2.5}, "whole number"),
        ("performance", {"patience": 0}, "patience must be a whole number between"),
        ("piecewise", {"b1": 60, "b2": 30}, "boundaries must increase"),
        ("piecewise", {"b1": 30, "b2": 30}, "boundaries must increase"),
        ("piecewise", {"b2": BOUNDARY_OFF, "b3": 90}, "boundaries must increase"),
        ("piecewise", {"v1": 0.0}, "must be a number between"),
        ("onecycle", {"peak_at": 0.7}, "must be a number between"),
    ],
)
def test_schedule_arrays_rejects_bad_input(name: str, params, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        schedule_arrays(name, params)


def test_curve_and_keras_code_reject_bad_settings() -> None:
    with pytest.raises(ValueError, match="epochs"):
        curve("exponential", None, epochs=0, learning_rate=0.01)
    with pytest.raises(ValueError, match="learning_rate"):
        curve("exponential", None, epochs=10, learning_rate=-1.0)
    with pytest.raises(ValueError, match="learning_rate"):
        keras_code("power", None, learning_rate=float("nan"))


def test_defaults_and_integer_strings_are_accepted() -> None:
    a = schedule_arrays("performance", {"patience": "7", "factor": np.float64(0.3)})
    assert float(a["performance_patience"]) == 7.0
    assert float(a["performance_factor"]) == pytest.approx(0.3)
    np.testing.assert_array_equal(
        schedule_arrays("piecewise")["piecewise_boundaries"], [30, 60, BOUNDARY_OFF]
    )


# --------------------------------------------------------------------- curve
@pytest.mark.parametrize("name", SCHEDULE_NAMES)
@pytest.mark.parametrize("epochs", [1, 3, 64, 65, 300])
def test_curve_equals_lr_factor(name: str, epochs: int) -> None:
    lr0 = 0.007
    arrays = schedule_arrays(name)
    step = jax.jit(lr_factor)  # one epoch at a time, as the training loop calls it
    expected = [lr0 * float(step(arrays, jnp.int32(t), jnp.int32(epochs))) for t in range(epochs)]
    got = curve(name, None, epochs=epochs, learning_rate=lr0)
    assert got.shape == (epochs,) and got.dtype == np.float32
    # float32: XLA may order exp's argument differently in the two programs
    np.testing.assert_allclose(got, expected, rtol=RTOL)


# ---------------------------------------------------------------- keras code
def run_lr_scheduler(code: str, epochs: int) -> np.ndarray:
    """exec the pasted code, then drive its LearningRateScheduler as model.fit would."""
    namespace = {"keras": keras}
    exec(compile(code, "<keras_code>", "exec"), namespace)
    cb = namespace["lr_scheduler"]
    assert isinstance(cb, keras.callbacks.LearningRateScheduler)
    model = tiny_model(1.0)
    cb.set_model(model)
    out = []
    for epoch in range(epochs):
        cb.on_epoch_begin(epoch)
        out.append(current_lr(model))
    return np.array(out)


def test_keras_code_examples() -> None:
    assert keras_code("constant", None, learning_rate=0.01) == ""
    assert keras_code("exponential", None, learning_rate=0.01) == (
        "def exponential_decay_fn(epoch):\n"
        "    return 0.01 * 0.1 ** (epoch / 20)\n\n"
        "lr_scheduler = keras.callbacks.LearningRateScheduler(exponential_decay_fn)"
    )
    assert keras_code("performance", None, learning_rate=0.01) == (
        "lr_scheduler = keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=5)"
    )


@pytest.mark.parametrize(
    ("name", "params", "lr0"),
    [
        ("constant", None, 0.01),
        ("piecewise", None, 0.01),
        ("piecewise", {"b1": 5, "b2": 17, "b3": 100, "v1": 3.0, "v2": 0.25, "v3": 0.01}, 1.0),
        ("piecewise", {"b1": 0, "b2": BOUNDARY_OFF, "b3": BOUNDARY_OFF, "v1": 0.123}, 0.3),
        ("exponential", None, 0.01),
        ("exponential", {"r": 33.3}, 1.0),
        ("power", None, 0.01),
        ("power", {"r": 7.5, "c": 2.5}, 0.123456789),
        ("performance", {"factor": 0.25, "patience": 12}, 0.01),
        ("onecycle", None, 0.01),
        ("onecycle", {"start_div": 25, "end_div": 40, "peak_at": 0.3}, 2.0),
    ],
)
def test_keras_code_reproduces_curve(name: str, params, lr0: float) -> None:
    code = keras_code(name, params, learning_rate=lr0, epochs=120)
    compile(code, "<keras_code>", "exec")  # valid Python
    assert "import" not in code
    if name == "constant":
        return
    if name == "performance":
        namespace = {"keras": keras}
        exec(code, namespace)
        cb = namespace["lr_scheduler"]
        assert isinstance(cb, keras.callbacks.ReduceLROnPlateau)
        p = S.resolve_params(name, params)
        assert cb.factor == p["factor"] and cb.patience == p["patience"]
        return
    expected = curve(name, params, epochs=120, learning_rate=lr0)
    np.testing.assert_allclose(run_lr_scheduler(code, 120), expected, rtol=RTOL)


def test_keras_code_onecycle_for_tiny_runs() -> None:
    for n in (1, 2, 3, 5):
        code = keras_code("onecycle", None, learning_rate=0.1, epochs=n)
        expected = curve("onecycle", None, epochs=n, learning_rate=0.1)
        np.testing.assert_allclose(run_lr_scheduler(code, n), expected, rtol=RTOL)
