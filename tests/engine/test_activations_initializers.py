"""Activations and initializers equal Keras 3's (JAX backend).

Activations: every entry of ``ACTIVATIONS`` is the function ``keras.activations.<name>``
computes, on a grid that reaches far into the saturated tails, and its derivative
(``derivative`` and ``curves``) equals ``jax.grad`` and central finite differences away
from the kinks.

Initializers: the sample variance of a large kernel is within 5 % of Keras's formula
``scale / fan`` (and of a kernel drawn by the real Keras initializer), the truncated
normals stay inside ±2σ/0.8796, the uniforms inside ±√(3·scale/fan), and one compiled
``init_kernel`` serves every initializer.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from optiviz.engine.networks import activations as A
from optiviz.engine.networks import initializers as I

# ----------------------------------------------------------------- activations
#: a grid that includes the far tails (sigmoid/tanh saturate, exp overflows past ~88)
GRID = np.concatenate(
    [
        np.linspace(-8.0, 8.0, 401),
        [-1e4, -500.0, -100.0, -88.0, -30.0, -15.0, 15.0, 30.0, 88.0, 100.0, 500.0, 1e4],
        [-1e-3, -1e-6, 1e-6, 1e-3],
    ]
).astype(np.float32)

PARAM_VALUES = {"leaky_relu": (0.0, 0.01, 0.2, 0.3, 1.0), "elu": (0.1, 0.5, 1.0, 2.5)}


def _keras_activation(name: str, param: float | None):
    fn = keras.activations.get(name)
    if name == "leaky_relu":
        return lambda z: fn(z, negative_slope=param)
    if name == "elu":
        return lambda z: fn(z, alpha=param)
    return fn


def _cases() -> list[tuple[str, float | None]]:
    out: list[tuple[str, float | None]] = []
    for name, act in A.ACTIVATIONS.items():
        if act.param is None:
            out.append((name, None))
        else:
            out += [(name, p) for p in PARAM_VALUES[name]]
            assert act.param_default in PARAM_VALUES[name]
    return out


CASES = _cases()


def test_registry_names_are_keras_names() -> None:
    assert set(A.ACTIVATIONS) == {
        "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus", "gelu",
        "swish",
    }  # fmt: skip
    for name in A.ACTIVATIONS:
        assert keras.activations.get(name) is not None
    # the knobs carry Keras's keyword names and activation defaults
    assert A.ACTIVATIONS["leaky_relu"].param == "negative_slope"
    assert A.ACTIVATIONS["leaky_relu"].param_default == 0.2
    assert A.ACTIVATIONS["elu"].param == "alpha"
    assert A.ACTIVATIONS["elu"].param_default == 1.0
    with pytest.raises(ValueError, match="unknown activation"):
        A.get_activation("relu7")


@pytest.mark.parametrize(("name", "param"), CASES)
def test_activation_equals_keras(name: str, param: float | None) -> None:
    ours = np.asarray(A.apply(name, jnp.asarray(GRID), param))
    theirs = np.asarray(_keras_activation(name, param)(jnp.asarray(GRID)))
    assert ours.dtype == np.float32
    assert np.all(np.isfinite(ours)), name
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-30)
    # the default parameter is what Keras's activation uses when given none
    if param == A.ACTIVATIONS[name].param_default:
        np.testing.assert_array_equal(
            np.asarray(A.apply(name, jnp.asarray(GRID))),
            np.asarray(keras.activations.get(name)(jnp.asarray(GRID))),
        )


def _kinks(name: str) -> list[float]:
    return [0.0] if A.ACTIVATIONS[name].family == "relu" else []


@pytest.mark.parametrize(("name", "param"), CASES)
def test_derivative_equals_grad_and_finite_differences(name: str, param: float | None) -> None:
    # central differences in float32 on a moderate range, away from kinks: the step
    # h = 1e-2 keeps truncation (h²/6·f‴ ≲ 2e-5·|f‴|) and rounding (ε·|f|/h ≲ 1e-4) small
    h = 1e-2
    zz = np.linspace(-6.0, 6.0, 241).astype(np.float32)
    zz = zz[np.all(np.abs(zz[:, None] - np.array(_kinks(name) or [np.inf])) > 2 * h, axis=1)]
    z = np.concatenate([GRID, zz])
    d = np.asarray(A.derivative(name, z, param))
    y, dy = A.curves(name, z, param)
    f = _keras_activation(name, A.ACTIVATIONS[name].param_default if param is None else param)
    grad = np.asarray(jax.vmap(jax.grad(lambda s: f(s)))(jnp.asarray(z)))
    # (compiled, XLA may round 1 − tanh² and friends differently by an ulp or two)
    np.testing.assert_allclose(d, grad, rtol=1e-6, atol=2e-7)
    np.testing.assert_allclose(dy, grad, rtol=1e-6, atol=2e-7)
    np.testing.assert_allclose(y, np.asarray(f(jnp.asarray(z))), rtol=1e-6, atol=2e-7)
    assert np.all(np.isfinite(d)) and np.all(np.isfinite(dy))

    ends = np.asarray(A.apply(name, jnp.asarray(np.concatenate([zz + h, zz - h])), param))
    fd = (ends[: zz.size].astype(np.float64) - ends[zz.size :]) / (2 * h)
    np.testing.assert_allclose(d[GRID.size :], fd, atol=5e-4)


def test_saturation_and_dead_relu_physics() -> None:
    # the sigmoid's slope peaks at 0.25 and vanishes in the tails; ReLU has none below 0
    z = np.array([-10.0, 0.0, 10.0], np.float32)
    np.testing.assert_allclose(
        np.asarray(A.derivative("sigmoid", z)), [4.54e-5, 0.25, 4.54e-5], rtol=1e-2
    )
    np.testing.assert_allclose(np.asarray(A.derivative("tanh", z))[1], 1.0)
    np.testing.assert_array_equal(np.asarray(A.derivative("relu", np.float32([-3.0, 3.0]))), [0, 1])
    np.testing.assert_allclose(
        np.asarray(A.derivative("leaky_relu", np.float32([-3.0, 3.0]), 0.2)), [0.2, 1.0]
    )


def test_curves_compile_once_for_every_activation_and_parameter() -> None:
    z = np.linspace(-5, 5, 77).astype(np.float32)
    A.curves("relu", z)  # warm
    before = A._curves_jit._cache_size()
    for name, param in CASES:
        A.curves(name, z, param)
    assert A._curves_jit._cache_size() == before


# ---------------------------------------------------------------- initializers
SHAPES = ((400, 300), (120, 1000))
VARIANCE_CASES = [
    ("glorot_uniform", None),
    ("glorot_normal", None),
    ("he_uniform", None),
    ("he_normal", None),
    ("lecun_uniform", None),
    ("lecun_normal", None),
    ("random_normal", 0.05),
    ("random_normal", 1.0),
]


def keras_variance(name: str, fan_in: int, fan_out: int, stddev: float | None) -> float:
    """Keras 3's formula: VarianceScaling's scale / fan, or RandomNormal's stddev²."""
    if name == "random_normal":
        return float(stddev) ** 2
    scale = 2.0 if name.startswith("he_") else 1.0
    fan = (fan_in + fan_out) / 2.0 if name.startswith("glorot") else fan_in
    return scale / max(1.0, fan)


def keras_initializer(name: str, stddev: float | None, seed: int):
    if name == "random_normal":
        return keras.initializers.RandomNormal(stddev=stddev, seed=seed)
    return type(keras.initializers.get(name))(seed=seed)


_init_jit = jax.jit(I.init_kernel, static_argnums=1)


def _draw(
    name: str, shape: tuple[int, int], stddev: float | None, seed: int = 0, host: bool = False
) -> np.ndarray:
    sd = 0.05 if stddev is None else stddev
    if host:  # NumPy, as train() draws its initial weights
        return I.draw_kernel(np.random.default_rng(seed), shape, name, sd)
    return np.asarray(_init_jit(jax.random.PRNGKey(seed), shape, I.index(name), sd))


@pytest.mark.parametrize("host", [False, True], ids=["in-kernel", "host"])
@pytest.mark.parametrize(("name", "stddev"), VARIANCE_CASES)
def test_initializer_variance_matches_keras(name: str, stddev: float | None, host: bool) -> None:
    init = I.INITIALIZERS[name]
    for k, shape in enumerate(SHAPES):
        fan_in, fan_out = shape
        w = _draw(name, shape, stddev, seed=k, host=host)
        assert w.shape == shape and w.dtype == np.float32
        formula = keras_variance(name, fan_in, fan_out, stddev)
        assert init.variance(fan_in, fan_out, 0.05 if stddev is None else stddev) == pytest.approx(
            formula, rel=1e-12
        )
        assert abs(w.var() / formula - 1.0) < 0.05, (name, shape, w.var(), formula)
        assert abs(w.mean()) < 0.05 * math.sqrt(formula)
        theirs = np.asarray(keras_initializer(name, stddev, seed=k)(shape))
        assert abs(w.var() / theirs.var() - 1.0) < 0.05, (name, shape)
        assert theirs.var() == pytest.approx(formula, rel=0.05)  # the formula is Keras's

        bound = I.limit(name, fan_in, fan_out)
        if init.distribution == "uniform":
            assert bound == pytest.approx(math.sqrt(3.0 * formula), rel=1e-12)
        elif init.distribution == "truncated_normal":
            assert bound == pytest.approx(2.0 * math.sqrt(formula) / 0.87962566103423978, rel=1e-12)
        else:
            assert bound == math.inf
            # an untruncated normal: 120 000 draws reach beyond 3.5σ
            assert np.abs(w).max() > 3.5 * stddev
            continue
        # inside the bounds (float32 rounding aside), and reaching close to them
        assert np.abs(w).max() <= bound * (1 + 1e-6)
        assert np.abs(w).max() > 0.97 * bound
        assert np.abs(theirs).max() <= bound * (1 + 1e-6)


def test_zeros_and_distinct_draws() -> None:
    w = _draw("zeros", (40, 30), None)
    assert np.all(w == 0.0)
    assert I.INITIALIZERS["zeros"].variance(40, 30) == 0.0
    a, b = _draw("he_normal", (40, 30), None, seed=1), _draw("he_normal", (40, 30), None, seed=2)
    assert not np.array_equal(a, b)
    assert I.INITIALIZER_NAMES[0] == "glorot_uniform"  # Keras's default
    assert (
        I.INITIALIZERS["random_normal"].keras(1.0) == "keras.initializers.RandomNormal(stddev=1.0)"
    )


def test_init_kernel_compiles_once_for_every_initializer() -> None:
    traces = []

    def draw(key, idx, stddev):
        traces.append(1)
        return I.init_kernel(key, (7, 5), idx, stddev)

    f = jax.jit(draw)
    key = jax.random.PRNGKey(3)
    outs = [
        np.asarray(f(key, np.int32(i), np.float32(0.05))) for i in range(len(I.INITIALIZER_NAMES))
    ]
    f(key, np.int32(I.index("random_normal")), np.float32(1.0))
    assert len(traces) == 1
    # the traced draw equals the eager one (to rounding), each initializer gives its own kernel
    eager = np.asarray(I.init_kernel(key, (7, 5), I.index("he_normal")))
    np.testing.assert_allclose(outs[I.index("he_normal")], eager, rtol=1e-6)
    assert len({o.tobytes() for o in outs}) == len(outs)
