"""The gradients lab's engine: the physics of vanishing / exploding gradients,
the activation × initializer matrix, no recompiles, nothing non-finite, and its figures."""

from __future__ import annotations

import json

import jax
import numpy as np
import pytest

from optiviz.engine.networks import gradients as g
from optiviz.engine.networks.activations import ACTIVATIONS
from optiviz.engine.networks.initializers import INITIALIZERS
from optiviz.engine.networks.mlp import build, forward
from optiviz.figures import gradients as figs

SMALL = {"depth": 10, "width": 32, "batch": 64, "epochs": 10}


def lab(**kw):
    return g.lab(**{**SMALL, **kw})


def all_finite(result) -> bool:
    return all(np.all(np.isfinite(v)) for v in vars(result).values() if isinstance(v, np.ndarray))


def test_sigmoid_with_unit_normal_weights_vanishes() -> None:
    r = lab(activation="sigmoid", initializer="random_normal", stddev=1.0)
    assert r.z_norm[0] < 0.1 * r.z_norm[-1]  # back-propagated gradient
    assert r.w_norm[0] < 0.1 * r.w_norm[SMALL["depth"] - 1]  # the weights' gradient too
    assert r.label == "vanishing"
    # Glorot's variance does not rescue the sigmoid (its slope is at most 1/4)
    assert lab(activation="sigmoid", initializer="glorot_uniform").ratio < 1e-3


def test_he_normal_keeps_relu_gradients_within_an_order_of_magnitude() -> None:
    r = lab(activation="relu", initializer="he_normal")
    assert 0.1 < r.ratio < 10 and r.label == "healthy"
    assert np.all(r.z_norm.max() / r.z_norm.min() < 10)


def test_selu_with_lecun_normal_self_normalises() -> None:
    r = lab(activation="selu", initializer="lecun_normal")
    assert np.all(np.abs(r.act_std - 1.0) < 0.2), r.act_std
    assert np.all(np.abs(r.act_mean) < 0.2), r.act_mean
    # the Self-normalisation tab's caption: ReLU with Glorot weights loses about half the
    # variance per layer, and N(0, 1) weights multiply it
    per_layer = lambda r: (r.act_std[-1] / r.act_std[0]) ** (2 / (len(r.act_std) - 1))  # noqa: E731
    relu = lab(activation="relu", initializer="glorot_uniform")
    assert 0.35 < per_layer(relu) < 0.65, per_layer(relu)
    assert per_layer(lab(activation="relu", initializer="random_normal", stddev=1.0)) > 2


def test_unit_normal_relu_explodes_and_batch_norm_flattens_it() -> None:
    naive = lab(activation="relu", initializer="random_normal", stddev=1.0)
    assert naive.label == "exploding" and naive.ratio > 1e4
    bn = lab(activation="relu", initializer="random_normal", stddev=1.0, batch_norm=True)
    assert bn.ratio < 10 and bn.label == "healthy"
    assert np.all(bn.act_std < 2) and naive.act_std[-1] > 1e4


def test_clipnorm_caps_every_step() -> None:
    kw = {"activation": "relu", "initializer": "random_normal", "stddev": 1.0}
    free = lab(learning_rate=0.1, **kw)
    assert free.diverged_epoch > 0  # the naive network blows up while training
    clipped = lab(learning_rate=0.1, clipnorm=1.0, **kw)
    assert clipped.diverged_epoch == 0
    # each variable's step is at most learning_rate × clipnorm (kernel norms here)
    assert clipped.train_update_norm.max() <= 0.1 * 1.0 * (1 + 1e-5)
    assert free.train_update_norm.max() > 1.0
    assert all_finite(free) and all_finite(clipped)


def test_overflow_is_flagged_and_never_nan() -> None:
    r = g.lab(depth=30, width=32, batch=64, epochs=10, activation="relu", stddev=10.0)
    assert r.label == "exploded (overflow)"
    assert r.act_overflow.any() and r.z_overflow.any()
    assert r.diverged_epoch == 1
    assert all_finite(r)
    for fig in (figs.histograms(r), figs.norms(r), figs.activation_stats(r), figs.training(r)):
        text = fig.to_json()
        assert "NaN" not in text and "Infinity" not in text
        assert "exploded (overflow)" in text


def test_matrix_one_call_shape_and_labels() -> None:
    m = g.matrix(depth=10, width=32, batch=32, stddev=1.0)
    assert m.ratio.shape == (len(ACTIVATIONS), len(INITIALIZERS))
    assert m.norms.shape == (len(ACTIVATIONS), len(INITIALIZERS), 10)
    assert set(m.labels.ravel()) <= set(g.LABELS)

    def cell(act: str, init: str) -> str:
        return m.labels[list(ACTIVATIONS).index(act), list(INITIALIZERS).index(init)]

    assert cell("relu", "he_normal") == "healthy"
    assert cell("selu", "lecun_normal") == "healthy"
    assert cell("sigmoid", "glorot_uniform") == "vanishing"
    assert cell("relu", "random_normal") == "exploding"
    assert cell("tanh", "zeros") == "no gradient"
    # the matrix agrees with the lab on the same network (same seed, same batch)
    r = g.lab(depth=10, width=32, batch=32, epochs=10, activation="relu", initializer="he_normal")
    a, i = list(ACTIVATIONS).index("relu"), list(INITIALIZERS).index("he_normal")
    np.testing.assert_allclose(m.norms[a, i], r.z_norm, rtol=1e-4)
    spec = json.loads(figs.matrix(m).to_json())
    assert spec["data"][0]["z"] is not None and "NaN" not in figs.matrix(m).to_json()


def test_sliders_never_recompile() -> None:
    lab(activation="tanh", initializer="glorot_normal")
    m0 = g.matrix(depth=10, width=32, batch=32, stddev=1.0)
    before = dict(g.TRACES)
    for act, init, sd in (("gelu", "lecun_uniform", 0.3), ("elu", "random_normal", 2.0)):
        lab(activation=act, initializer=init, stddev=sd, clipnorm=0.5, learning_rate=0.3, seed=3)
    m1 = g.matrix(depth=10, width=32, batch=32, stddev=0.05)
    assert dict(g.TRACES) == before
    assert not np.allclose(m0.ratio, m1.ratio)


def test_network_matches_the_mlp_engine() -> None:
    """The lab's scanned stack computes what optiviz.engine.networks.mlp.forward computes."""
    depth, width = 3, 8
    p = g.init_stack(jax.random.PRNGKey(1), depth, width, 3, 1.0)
    layers = [p["first"]] + [
        {"w": p["hidden"]["w"][i], "b": p["hidden"]["b"][i]} for i in range(depth - 1)
    ]
    layers.append(p["out"])
    x, _ = g.fixed_batch(16)
    for act in ("tanh", "selu", "leaky_relu"):
        idx = list(ACTIVATIONS).index(act)
        arch = build(g.N_IN, g.N_CLASSES, (width,) * depth, act)
        probs, _, _, acts = forward(
            arch,
            tuple({"w": L["w"], "b": L["b"]} for L in layers),
            (),
            x,
            act_params=np.full(depth, ACTIVATIONS[act].param_default, np.float32),
        )
        logits, ours = g.network(p, x, np.zeros((depth, 16, width)), idx, False)
        np.testing.assert_allclose(np.stack(acts), ours, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(probs, jax.nn.softmax(logits), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"depth": 51}, "depth"),
        ({"depth": 1}, "depth"),
        ({"width": 257}, "width"),
        ({"width": 2.5}, "width"),
        ({"batch": 0}, "batch"),
        ({"stddev": float("nan")}, "stddev"),
        ({"activation": "cube"}, "activation"),
        ({"initializer": "ones"}, "initializer"),
        ({"epochs": 7}, "epochs"),
        ({"clipnorm": -1.0}, "clipnorm"),
        ({"learning_rate": float("inf")}, "learning rate"),
    ],
)
def test_bad_settings_raise_value_errors(kw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        g.lab(**kw)


def test_labels_and_ratio_rules() -> None:
    assert g.label_for(0.05) == "vanishing"
    assert g.label_for(1.0) == "healthy"
    assert g.label_for(50.0) == "exploding"
    assert g.ratio_of(np.array([0.0, 0.0]), np.array([False, False]))[1] == "no gradient"
    assert g.ratio_of(np.array([1.0, 0.0]), np.array([False, True]))[1] == "exploded (overflow)"
    assert g.ratio_of(np.array([2.0, 4.0]), np.array([False, False])) == (0.5, "healthy")


def test_figures_in_slide_mode() -> None:
    from optiviz.figures.style import SLIDE

    r = lab(activation="tanh", initializer="glorot_uniform", clipnorm=0.5)
    for make in (figs.histograms, figs.norms, figs.activation_stats, figs.training):
        fig = make(r, slide=True)
        assert fig.layout.height == SLIDE.height and fig.layout.font.size == SLIDE.font
    spec = json.loads(figs.norms(r).to_json())
    assert spec["layout"]["yaxis"]["type"] == "log"
    names = [t.get("name") for t in json.loads(figs.training(r).to_json())["data"]]
    assert "cap: learning_rate × clipnorm" in names
