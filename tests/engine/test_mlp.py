"""The MLP (optiviz.engine.networks.mlp) computes what Keras 3 computes, given the same weights.

Every network is rebuilt as the ``keras.Sequential`` the course would write (Dense
layers with an activation; with batch norm ``Dense(use_bias=False)`` →
``BatchNormalization()`` → ``Activation``; ``Dropout`` after hidden activations),
the engine's weights are copied into it, and forward passes, per-example losses,
regularization penalties, accuracy rules and ``summary()`` counts are compared.
Gradients are checked against central finite differences, and the course's
physics (vanishing gradients in deep sigmoid nets, He + ReLU keeping them level,
dropout off at inference, BN normalising at training) is measured.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from optiviz.engine.networks import initializers as I
from optiviz.engine.networks import mlp
from optiviz.engine.networks.activations import ACTIVATIONS

# Keras's get_weights() trips a NumPy 2 deprecation inside Keras itself
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

RNG = np.random.default_rng(7)
X = RNG.normal(size=(40, 3)).astype(np.float32) * 1.5
Y2 = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int32)
Y3 = (np.digitize(X[:, 0] - X[:, 1], [-0.7, 0.7])).astype(np.int32)


# -------------------------------------------------------------------- helpers
def keras_activation(name: str, param: float):
    fn = keras.activations.get(name)
    if name == "leaky_relu":
        return lambda z: fn(z, negative_slope=param)
    if name == "elu":
        return lambda z: fn(z, alpha=param)
    return fn


def act_params_for(arch: mlp.Architecture, overrides: dict[str, float] | None = None) -> np.ndarray:
    overrides = overrides or {}
    return np.array(
        [overrides.get(a, ACTIVATIONS[a].param_default) for a in arch.activations], np.float32
    )


def keras_model(
    arch: mlp.Architecture,
    params,
    bn_state=(),
    act_params=None,
    dropout_rate: float = 0.0,
    kernel_regularizer=None,
) -> keras.Model:
    """The course's ``keras.Sequential`` for ``arch``, holding the engine's weights."""
    act_params = act_params_for(arch) if act_params is None else act_params
    layers: list = [keras.Input((arch.n_in,))]
    weights: list[np.ndarray] = []
    for i, units in enumerate(arch.hidden):
        fn = keras_activation(arch.activations[i], float(act_params[i]))
        p = params[i]
        if arch.batch_norm:
            layers += [
                keras.layers.Dense(units, use_bias=False, kernel_regularizer=kernel_regularizer),
                keras.layers.BatchNormalization(),
                keras.layers.Activation(fn),
            ]
            # BN's weights: gamma, beta, moving_mean, moving_variance
            weights += [p["w"], p["gamma"], p["beta"], bn_state[i]["mean"], bn_state[i]["var"]]
        else:
            layers.append(
                keras.layers.Dense(units, activation=fn, kernel_regularizer=kernel_regularizer)
            )
            weights += [p["w"], p["b"]]
        if arch.dropout:
            layers.append(keras.layers.Dropout(dropout_rate))
    layers.append(
        keras.layers.Dense(
            arch.n_out, activation=arch.output, kernel_regularizer=kernel_regularizer
        )
    )
    weights += [params[-1]["w"], params[-1]["b"]]
    model = keras.Sequential(layers)
    model.set_weights([np.asarray(w, np.float32) for w in weights])
    return model


def random_bn_state(arch: mlp.Architecture, seed: int = 0):
    rng = np.random.default_rng(seed)
    return tuple(
        {
            "mean": rng.normal(size=n).astype(np.float32),
            "var": rng.uniform(0.3, 3.0, size=n).astype(np.float32),
        }
        for n in arch.hidden
    )


def perturbed(params, seed: int = 1):
    """The initial params with random γ, β and biases, so every weight matters."""
    rng = np.random.default_rng(seed)
    out = []
    for layer in params:
        new = {}
        for k, v in layer.items():
            v = np.asarray(v, np.float32)
            if k == "gamma":
                v = rng.uniform(0.5, 1.5, size=v.shape).astype(np.float32)
            elif k in ("b", "beta"):
                v = rng.normal(scale=0.3, size=v.shape).astype(np.float32)
            new[k] = v
        out.append(new)
    return tuple(out)


def make(arch: mlp.Architecture, init: str = "glorot_uniform", seed: int = 0, stddev=0.05):
    params = mlp.init_params(arch, jax.random.PRNGKey(seed), I.index(init), stddev)
    return perturbed(jax.tree.map(np.asarray, params), seed)


# ------------------------------------------------------------------- forward
ARCHS = {
    "binary_tanh_relu": (mlp.build(3, 2, (6, 5), ("tanh", "relu")), Y2, {}),
    "binary_leaky_elu": (
        mlp.build(3, 2, (6, 5, 4), ("leaky_relu", "elu", "sigmoid")),
        Y2,
        {"leaky_relu": 0.07, "elu": 1.7},
    ),
    "softmax_smooth": (
        mlp.build(3, 3, (7, 6, 5, 4), ("selu", "gelu", "swish", "softplus")),
        Y3,
        {},
    ),
    "softmax_linear_mse": (mlp.build(3, 3, (5,), "linear", loss="mse"), Y3, {}),
    "bn_binary": (mlp.build(3, 2, (6, 5), ("relu", "tanh"), batch_norm=True), Y2, {}),
    "bn_softmax_leaky": (
        mlp.build(3, 3, (6,), "leaky_relu", batch_norm=True, dropout=True),
        Y3,
        {"leaky_relu": 0.3},
    ),
    "dropout_binary": (mlp.build(3, 2, (8, 8), "relu", dropout=True), Y2, {}),
    "bn_smooth": (mlp.build(3, 2, (6, 5), ("tanh", "softplus"), batch_norm=True), Y2, {}),
}


@pytest.mark.parametrize("case", sorted(ARCHS))
def test_forward_equals_keras_at_inference(case: str) -> None:
    arch, _, overrides = ARCHS[case]
    params = make(arch, "he_normal" if "relu" in case else "glorot_uniform")
    bn = random_bn_state(arch) if arch.batch_norm else ()
    ap = act_params_for(arch, overrides)
    ours, new_bn, zs, acts = mlp.forward(arch, params, bn, X, act_params=ap, train=False)
    model = keras_model(arch, params, bn, ap, dropout_rate=0.4)
    theirs = np.asarray(model(X, training=False))
    assert ours.shape == theirs.shape == (len(X), arch.n_out)
    np.testing.assert_allclose(np.asarray(ours), theirs, rtol=2e-6, atol=1e-7)
    # inference leaves the moving statistics alone, and reports one z and a per hidden layer
    for old, new in zip(bn, new_bn, strict=True):
        np.testing.assert_array_equal(np.asarray(new["mean"]), old["mean"])
    assert [z.shape for z in zs] == [a.shape for a in acts] == [(len(X), h) for h in arch.hidden]
    if arch.output == "softmax":
        np.testing.assert_allclose(np.asarray(ours).sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("case", ["bn_binary", "bn_softmax_leaky"])
def test_batch_norm_training_mode_equals_keras(case: str) -> None:
    """Training mode: batch statistics (biased variance, ε = 1e-3) and the moving averages
    updated with momentum 0.99, exactly Keras's layer (dropout rate 0)."""
    arch, _, overrides = ARCHS[case]
    params = make(arch, "he_uniform")
    bn = random_bn_state(arch, seed=3)
    ap = act_params_for(arch, overrides)
    model = keras_model(arch, params, bn, ap, dropout_rate=0.0)
    theirs = np.asarray(model(X, training=True))
    ours, new_bn, _, _ = mlp.forward(
        arch, params, bn, X, act_params=ap, train=True, dropout_rate=0.0, key=jax.random.PRNGKey(0)
    )
    np.testing.assert_allclose(np.asarray(ours), theirs, rtol=2e-6, atol=1e-7)
    bn_layers = [la for la in model.layers if isinstance(la, keras.layers.BatchNormalization)]
    for layer, stats in zip(bn_layers, new_bn, strict=True):
        np.testing.assert_allclose(np.asarray(stats["mean"]), layer.moving_mean.numpy(), rtol=1e-6)
        np.testing.assert_allclose(
            np.asarray(stats["var"]), layer.moving_variance.numpy(), rtol=1e-6
        )

    # a padded batch: the mask's zero rows do not count in the statistics
    Xp = np.concatenate([X, np.full((9, 3), 50.0, np.float32)])
    mask = np.concatenate([np.ones(len(X)), np.zeros(9)]).astype(np.float32)
    out_p, bn_p, _, _ = mlp.forward(
        arch, params, bn, Xp, act_params=ap, train=True, key=jax.random.PRNGKey(0), mask=mask
    )
    np.testing.assert_allclose(np.asarray(out_p)[: len(X)], theirs, rtol=1e-5, atol=1e-6)
    for a, b in zip(bn_p, new_bn, strict=True):
        np.testing.assert_allclose(np.asarray(a["var"]), np.asarray(b["var"]), rtol=1e-5)


def test_dropout_is_inverted_and_off_at_inference() -> None:
    arch, _, _ = ARCHS["dropout_binary"]
    params = make(arch, "he_normal")
    ap = act_params_for(arch)
    kw = dict(act_params=ap, dropout_rate=0.5)
    ref, *_ = mlp.forward(arch, params, (), X, train=False, **kw)
    # inference: deterministic, whatever the key, and equal to the network without dropout
    again, *_ = mlp.forward(arch, params, (), X, train=False, key=jax.random.PRNGKey(5), **kw)
    np.testing.assert_array_equal(np.asarray(ref), np.asarray(again))
    plain = mlp.build(3, 2, (8, 8), "relu")
    no_drop, *_ = mlp.forward(plain, params, (), X, act_params=ap, train=False)
    np.testing.assert_array_equal(np.asarray(ref), np.asarray(no_drop))
    np.testing.assert_allclose(
        np.asarray(ref), np.asarray(keras_model(arch, params, dropout_rate=0.5)(X)), rtol=2e-6
    )
    # training: different keys drop different units; kept units are scaled by 1/(1 − rate)
    a, *_ = mlp.forward(arch, params, (), X, train=True, key=jax.random.PRNGKey(1), **kw)
    b, *_ = mlp.forward(arch, params, (), X, train=True, key=jax.random.PRNGKey(2), **kw)
    assert not np.allclose(np.asarray(a), np.asarray(b))
    # inverted dropout, read through a single wide layer: the output's logit is the
    # dropped hidden unit(s) the readout kernel picks
    wide = mlp.build(3, 2, (400,), "relu", dropout=True)
    first = make(wide, "he_normal")[0]
    first = {**first, "b": np.abs(first["b"]) + 1.0}  # every unit active: h > 0
    x1 = np.full((1, 3), 0.01, np.float32)
    zero = np.zeros(1, np.float32)
    _, _, _, (h,) = mlp.forward(
        wide, (first, {"w": np.ones((400, 1), np.float32), "b": zero}), (), x1, act_params=zero
    )
    h = np.asarray(h)[0]
    rate = 0.3

    def logit(readout, key):
        params = (first, {"w": readout.astype(np.float32), "b": zero})
        out, *_ = mlp.forward(
            wide, params, (), x1, act_params=zero, train=True, dropout_rate=rate, key=key
        )
        return float(jax.scipy.special.logit(out[0, 0]))

    one_unit = np.eye(400, 1)
    seen = {
        round(logit(one_unit, k) / h[0] * (1 - rate), 3)
        for k in jax.random.split(jax.random.PRNGKey(3), 12)
    }
    assert seen == {0.0, 1.0}  # dropped, or kept and scaled by 1/(1 − rate)
    mean_unit = np.ones((400, 1)) / 400
    means = [logit(mean_unit, k) for k in jax.random.split(jax.random.PRNGKey(4), 4)]
    assert np.mean(means) == pytest.approx(h.mean(), rel=0.05)  # E[dropped h] = h


# -------------------------------------------------------------------- losses
def test_per_example_losses_equal_keras() -> None:
    rng = np.random.default_rng(0)
    # probabilities including the exact 0 and 1 Keras clips to [1e-7, 1 − 1e-7]
    p1 = np.concatenate([rng.uniform(0, 1, 30), [0.0, 1.0, 1e-9, 1 - 1e-9]]).astype(np.float32)
    y1 = rng.integers(0, 2, p1.size).astype(np.int32)
    y1[-4:] = [1, 0, 1, 0]
    out1 = p1[:, None]
    binary = mlp.build(3, 2, (4,))
    ours = np.asarray(mlp.per_example_loss(binary, out1, y1))
    theirs = np.asarray(keras.losses.binary_crossentropy(y1[:, None].astype(np.float32), out1))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert np.all(np.isfinite(ours)) and ours.max() == pytest.approx(-np.log(1e-7), rel=1e-5)

    logits = rng.normal(scale=4, size=(34, 3)).astype(np.float32)
    out3 = np.array(jax.nn.softmax(logits))
    out3[0] = [1.0, 0.0, 0.0]
    y3 = rng.integers(0, 3, 34).astype(np.int32)
    y3[0] = 2
    multi = mlp.build(3, 3, (4,))
    ours = np.asarray(mlp.per_example_loss(multi, out3, y3))
    theirs = np.asarray(keras.losses.sparse_categorical_crossentropy(y3, out3))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)

    # MSE: on the sigmoid output against the 0/1 label, on a softmax against one-hot labels
    mse2 = mlp.build(3, 2, (4,), loss="mse")
    ours = np.asarray(mlp.per_example_loss(mse2, out1, y1))
    theirs = np.asarray(keras.losses.mean_squared_error(y1[:, None].astype(np.float32), out1))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    mse3 = mlp.build(3, 3, (4,), loss="mse")
    ours = np.asarray(mlp.per_example_loss(mse3, out3, y3))
    theirs = np.asarray(keras.losses.mean_squared_error(np.eye(3, dtype=np.float32)[y3], out3))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)

    # the mean over the batch is what compile(loss=...) reports
    bce = keras.losses.BinaryCrossentropy()
    np.testing.assert_allclose(
        np.mean(np.asarray(mlp.per_example_loss(binary, out1, y1))),
        float(bce(y1[:, None].astype(np.float32), out1)),
        rtol=1e-6,
    )


def test_accuracy_rule_and_penalty_equal_keras() -> None:
    p = np.array([[0.2], [0.5], [0.5000001], [0.9]], np.float32)
    y = np.array([0, 1, 1, 1], np.int32)
    binary = mlp.build(3, 2, (4,))
    pred = np.asarray(mlp.predict_class(binary, p))
    np.testing.assert_array_equal(pred, [0, 0, 1, 1])  # p > 0.5, as binary_accuracy
    np.testing.assert_array_equal(
        (pred == y).astype(np.float32),
        np.asarray(keras.metrics.binary_accuracy(y[:, None].astype(np.float32), p)).ravel(),
    )
    q = np.asarray(jax.nn.softmax(RNG.normal(size=(10, 3)).astype(np.float32)))
    yq = RNG.integers(0, 3, 10).astype(np.int32)
    multi = mlp.build(3, 3, (4,))
    np.testing.assert_array_equal(
        (np.asarray(mlp.predict_class(multi, q)) == yq).astype(np.float32),
        np.asarray(keras.metrics.sparse_categorical_accuracy(yq, q)),
    )

    arch = ARCHS["bn_binary"][0]
    params = make(arch, "he_normal")
    for l1, l2 in ((0.01, 0.0), (0.0, 0.003), (0.02, 0.05)):
        reg = keras.regularizers.L1L2(l1=l1, l2=l2)
        theirs = sum(float(reg(layer["w"])) for layer in params)
        ours = float(mlp.penalty(params, l1, l2))
        assert ours == pytest.approx(theirs, rel=1e-6)
    assert float(mlp.penalty(params, 0.0, 0.0)) == 0.0


# ------------------------------------------------------------------- summary
@pytest.mark.parametrize("case", sorted(ARCHS))
def test_summary_equals_keras_counts(case: str) -> None:
    arch = ARCHS[case][0]
    params = make(arch)
    bn = random_bn_state(arch) if arch.batch_norm else ()
    model = keras_model(arch, params, bn)
    s = mlp.summary(arch)
    assert len(s.rows) == len(model.layers)
    for row, layer in zip(s.rows, model.layers, strict=True):
        name, kind = re.fullmatch(r"(\S+) \((\w+)\)", row["layer"]).groups()
        assert kind == type(layer).__name__
        assert row["params"] == layer.count_params()
        assert row["output_shape"] == str(tuple(layer.output.shape))
        # Keras numbers repeated layer names per kind: dense, dense_1, ...
        assert re.fullmatch(re.sub(r"_\d+$", "", layer.name) + r"(_\d+)?", name)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    non = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert (s.trainable, s.non_trainable, s.total) == (trainable, non, model.count_params())
    assert mlp.count_params(arch) == (trainable, non)
    text = str(s)
    assert f"Total params: {model.count_params():,}" in text
    assert text.count("\n") == len(s.rows) + 7


def test_architecture_choices() -> None:
    assert mlp.build(2, 2).loss == "binary_crossentropy"
    assert mlp.build(2, 2).n_out == 1 and mlp.build(2, 2).output == "sigmoid"
    three = mlp.build(2, 3, (4,), "tanh")
    assert (three.n_out, three.output, three.loss) == (
        3,
        "softmax",
        "sparse_categorical_crossentropy",
    )
    assert mlp.build(2, 2, loss="sparse_categorical_crossentropy").loss == "binary_crossentropy"
    with pytest.raises(ValueError, match="two classes"):
        mlp.build(2, 3, loss="binary_crossentropy")
    with pytest.raises(ValueError):
        mlp.build(2, 1)
    with pytest.raises(ValueError):
        mlp.build(2, 2, (4, 0))
    with pytest.raises(ValueError, match="unknown loss"):
        mlp.build(2, 2, loss="hinge")


# ----------------------------------------------------------------- gradients
def flat_loss(arch: mlp.Architecture, params, bn, x, y, ap, l1=0.0, l2=0.0, train=False):
    """The loss as a function of one flat parameter vector (what the trainer differentiates)."""
    theta, unravel = ravel_pytree(jax.tree.map(jnp.asarray, params))

    def f(t):
        p = unravel(t)
        out, *_ = mlp.forward(arch, p, bn, x, act_params=ap, train=train, key=None)
        return jnp.mean(mlp.per_example_loss(arch, out, y)) + mlp.penalty(p, l1, l2)

    return theta, f


#: smooth activations only: a kink (ReLU family, SELU, ELU with α ≠ 1) inside the finite
#: difference's step spoils the comparison for the few weights whose units sit near it
FD_ARCHS = {
    "binary_sigmoid_tanh": (mlp.build(3, 2, (6, 5), ("sigmoid", "tanh")), Y2, {}),
    "softmax_gelu_swish_softplus": (
        mlp.build(3, 3, (5, 4, 4), ("gelu", "swish", "softplus")),
        Y3,
        {},
    ),
    "bn_smooth": ARCHS["bn_smooth"],
    "softmax_linear_mse": ARCHS["softmax_linear_mse"],
}


@pytest.mark.parametrize("case", sorted(FD_ARCHS))
def test_gradients_match_finite_differences(case: str) -> None:
    arch, y, overrides = FD_ARCHS[case]
    params = make(arch, "glorot_normal", seed=2)
    bn = random_bn_state(arch) if arch.batch_norm else ()
    ap = act_params_for(arch, overrides)
    theta, f = flat_loss(arch, params, bn, X[:16], y[:16], ap, 0.01, 0.02, train=arch.batch_norm)
    grad = np.asarray(jax.jit(jax.grad(f))(theta), np.float64)
    # central differences in float32: step 1e-2 keeps the rounding error (ε·L/h ≈ 1e-5)
    # and the truncation error (h²·f‴ ≈ 1e-4·f‴) small against gradients of ~1e-2..1
    h = 1e-2
    eye = np.eye(theta.size, dtype=np.float32) * h
    batched = jax.jit(jax.vmap(f))
    plus = np.asarray(batched(theta[None] + eye), np.float64)
    minus = np.asarray(batched(theta[None] - eye), np.float64)
    fd = (plus - minus) / (2 * h)
    # the L1 term has a kink at 0: skip coordinates within h of it
    ok = np.abs(np.asarray(theta)) > 2 * h
    np.testing.assert_allclose(grad[ok], fd[ok], atol=3e-4 + 3e-3 * np.abs(fd[ok]).max())
    assert np.abs(grad).max() > 1e-2  # a non-trivial check


# ------------------------------------------------------------------- physics
def kernel_grad_norms(arch, init: str, stddev: float, x, y, seed=0) -> np.ndarray:
    params = mlp.init_params(arch, jax.random.PRNGKey(seed), I.index(init), stddev)
    ap = act_params_for(arch)

    def loss(p):
        out, *_ = mlp.forward(arch, p, (), x, act_params=ap)
        return jnp.mean(mlp.per_example_loss(arch, out, y))

    g = jax.jit(jax.grad(loss))(params)
    return np.array([float(jnp.linalg.norm(layer["w"])) for layer in g])


def test_deep_sigmoid_net_with_naive_init_has_vanishing_gradients() -> None:
    x = RNG.normal(size=(64, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32)
    deep = mlp.build(3, 2, (16,) * 10, "sigmoid")
    relu = mlp.build(3, 2, (16,) * 10, "relu")
    # over several seeds: one draw's first/last ratio ranges from ~1e-4 to ~1e-1
    norms = np.array([kernel_grad_norms(deep, "random_normal", 1.0, x, y, s) for s in range(8)])
    ratios = norms[:, 0] / norms[:, -1]
    assert np.all(ratios < 0.2) and np.median(ratios) < 1e-2, ratios
    # the decay is (roughly) layer by layer
    typical = np.median(norms, axis=0)
    assert typical[0] < typical[5] < typical[-1], typical

    he = np.array([kernel_grad_norms(relu, "he_normal", 0.05, x, y, s) for s in range(8)])
    he_ratios = he[:, 0] / he[:, -1]
    # He + ReLU: within an order of magnitude (typically; no draw far outside it)
    assert 0.1 < np.median(he_ratios) < 10.0 and np.all((he_ratios > 0.03) & (he_ratios < 30))
    assert np.median(he_ratios) > 30 * np.median(ratios), (he_ratios, ratios)


def test_batch_norm_normalises_at_training() -> None:
    arch = mlp.build(3, 2, (32, 16), ("relu", "sigmoid"), batch_norm=True)
    params = mlp.init_params(arch, jax.random.PRNGKey(0), I.index("random_normal"), 3.0)
    bn = mlp.init_bn_state(arch)
    x = (RNG.normal(size=(200, 3)) * 5 + 7).astype(np.float32)  # far from mean 0, var 1
    _, new_bn, zs, _ = mlp.forward(arch, params, bn, x, act_params=act_params_for(arch), train=True)
    for z, stats in zip(zs, new_bn, strict=True):
        z = np.asarray(z, np.float64)
        np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-4)
        # var / (var + ε): within 1e-3/var of 1
        np.testing.assert_allclose(z.var(axis=0), 1.0, atol=2e-2)
        # the moving statistics moved 1 % of the way from (0, 1) to the batch's
        assert np.all(np.asarray(stats["mean"]) != 0.0)
    z0 = x @ np.asarray(params[0]["w"], np.float64)
    np.testing.assert_allclose(
        np.asarray(new_bn[0]["mean"]), 0.01 * z0.mean(axis=0), rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        np.asarray(new_bn[0]["var"]), 0.99 + 0.01 * z0.var(axis=0), rtol=1e-4
    )
    # at inference the fresh moving statistics (0, 1) leave z almost unnormalised
    _, _, zs_inf, _ = mlp.forward(arch, params, bn, x, act_params=act_params_for(arch), train=False)
    assert np.asarray(zs_inf[0]).std() > 3.0


def test_init_params_shapes_and_defaults() -> None:
    arch = mlp.build(3, 3, (6, 5), batch_norm=True)
    params = mlp.init_params(arch, jax.random.PRNGKey(0), I.index("glorot_uniform"))
    assert [sorted(layer) for layer in params] == [["beta", "gamma", "w"]] * 2 + [["b", "w"]]
    assert [layer["w"].shape for layer in params] == [(3, 6), (6, 5), (5, 3)]
    np.testing.assert_array_equal(np.asarray(params[0]["gamma"]), 1.0)
    np.testing.assert_array_equal(np.asarray(params[1]["beta"]), 0.0)
    np.testing.assert_array_equal(np.asarray(params[2]["b"]), 0.0)
    bn = mlp.init_bn_state(arch)
    assert [(s["mean"].shape, float(s["var"][0])) for s in bn] == [((6,), 1.0), ((5,), 1.0)]
    assert mlp.init_bn_state(mlp.build(3, 3, (6,))) == ()
    # every layer's kernel has its own draw
    assert not np.allclose(np.asarray(params[0]["w"])[:3, :5], np.asarray(params[1]["w"])[:3, :5])
