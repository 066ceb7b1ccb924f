"""A trained network leaves as a Keras 3 model that predicts the same (issue #27):
``optiviz.engine.networks.keras_export.to_keras`` and the three code styles."""

from __future__ import annotations

import sys

import keras
import numpy as np
import pytest

import optiviz
from optiviz.engine.networks import keras_export as kx
from optiviz.engine.networks import mlp
from optiviz.engine.networks.activations import ACTIVATIONS

CASES = {
    "plain relu": dict(dataset="moons", hidden=(8, 6), activation="relu"),
    "tanh, multi-class": dict(dataset="iris", hidden=(6,), activation="tanh"),
    "batch norm": dict(dataset="circles", hidden=(8, 8), activation="relu", batch_norm=True),
    "dropout": dict(dataset="spirals", hidden=(16, 16), activation="elu", dropout=0.3),
    "leaky slope 0.05": dict(
        dataset="xor", hidden=(8,), activation="leaky_relu", activation_param=0.05
    ),
    "elu alpha 0.5, bn": dict(
        dataset="moons", hidden=(6, 6), activation="elu", activation_param=0.5, batch_norm=True
    ),
    "per layer, as the playground": dict(
        dataset="moons",
        hidden=(6, 5, 4),
        activation=("leaky_relu", "relu", "elu"),
        activation_param=[0.1, 0.0, 0.5],
    ),
    "selu, digits": dict(
        dataset="digits", hidden=(12,), activation="selu", initializer="lecun_normal"
    ),
}


def _train(case: dict) -> tuple[object, object]:
    case = dict(case)
    ds = optiviz.make_dataset(case.pop("dataset"), seed=0)
    run = {"optimizer": "adam", "hparams": {"learning_rate": 0.02}, "seed": 3}
    for key in ("activation_param", "dropout", "initializer"):
        if key in case:
            run[key] = case.pop(key)
    result = optiviz.train(ds, runs=[run], epochs=20, **case)
    return ds, result


def _ours(result, X: np.ndarray) -> np.ndarray:
    spec = result.runs[0]
    per_layer = mlp.layer_params(result.arch, spec.activation_param)
    ap = np.array(
        [
            ACTIVATIONS[a].param_default if p is None else p
            for a, p in zip(result.arch.activations, per_layer, strict=True)
        ],
        np.float32,
    )
    out, *_ = mlp.forward(result.arch, result.params[0], result.bn_state[0], X, act_params=ap)
    return np.asarray(out)


@pytest.fixture(scope="module", params=list(CASES))
def trained(request):
    return _train(CASES[request.param])


def test_the_exported_model_predicts_what_optiviz_predicts(trained, tmp_path) -> None:
    ds, result = trained
    model = kx.to_keras(result)
    for X in (ds.X_train, ds.X_val):
        np.testing.assert_allclose(model.predict(X, verbose=0), _ours(result, X), atol=1e-5)
    assert model.count_params() == optiviz.summary(result).total
    # saved and opened again in Keras's safe mode (no Python functions inside), unchanged
    path = tmp_path / "model.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        again.predict(ds.X_val, verbose=0), model.predict(ds.X_val, verbose=0)
    )


def test_the_three_styles_build_the_same_network(trained) -> None:
    ds, result = trained
    spec = result.runs[0]
    weights = kx.keras_weights(result.arch, result.params[0], result.bn_state[0])
    outputs, counts = [], []
    for style in kx.STYLES:
        code = kx.model_code(result.arch, style, spec.activation_param, spec.dropout)
        scope = {}
        exec(code, scope)  # the code a student copies, run as written
        model = scope["model"]
        model.set_weights(weights)
        counts.append(model.count_params())
        outputs.append(np.asarray(model(ds.X_val, training=False)))
    assert len(set(counts)) == 1 and counts[0] == optiviz.summary(result).total
    for out in outputs[1:]:
        np.testing.assert_allclose(out, outputs[0], atol=1e-6)
    np.testing.assert_allclose(outputs[0], _ours(result, ds.X_val), atol=1e-5)


def test_the_styles_say_when_each_is_the_one_to_use() -> None:
    arch = mlp.Architecture(2, (4,), ("relu",), 1, "sigmoid", "binary_crossentropy")
    for style, when in kx.STYLES.items():
        code = kx.model_code(arch, style)
        comment = [line[2:] for line in code.splitlines() if line.startswith("# ")]
        assert " ".join(comment) == when
    with pytest.raises(ValueError, match="choose one of"):
        kx.model_code(arch, "pipeline")


def test_without_keras_the_message_says_how_to_install_it(monkeypatch) -> None:
    _, result = _train(CASES["plain relu"])
    monkeypatch.setitem(sys.modules, "keras", None)  # import keras now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "optiviz\[keras\]"'):
        kx.to_keras(result)


def test_the_load_script_scores_the_file_as_optiviz_does(tmp_path, capsys) -> None:
    """The script shown under the download opens the file and evaluates it on the same
    validation data: its accuracy is the run's own."""
    from optiviz.engine.networks.keras_code import load_script

    args = {"n": 300, "noise": 0.2, "seed": 4}
    ds = optiviz.make_dataset("moons", **args)
    result = optiviz.train(ds, runs=[{"optimizer": "adam", "seed": 1}], hidden=(8,), epochs=30)
    path = tmp_path / "net.keras"
    kx.to_keras(result).save(path)
    exec(load_script("moons", args, str(path), 2), {})
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    scores = eval(printed, {"np": np})  # {'accuracy': ..., 'loss': ...}
    ours = _ours(result, ds.X_val)[:, 0]
    assert scores["accuracy"] == pytest.approx(np.mean((ours > 0.5) == ds.y_val), abs=1e-6)


def test_the_layer_list_is_what_keras_shows(trained) -> None:
    """The Model tab's layer list (issue #27, "Inside the model") has one row per Keras
    layer, in order, with the types, output shapes, weight arrays (shapes and values) and
    parameter counts that ``model.layers`` and ``get_weights()`` give."""
    from optiviz.figures.networks import layer_list

    _, result = trained
    rows = layer_list(optiviz.summary(result).rows, result.params[0], result.bn_state[0])
    model = kx.to_keras(result)
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    assert [r["type"] for r in rows] == [type(layer).__name__ for layer in layers]
    for row, layer in zip(rows, layers, strict=True):
        weights = layer.get_weights()
        shapes = ", ".join(
            f"{w.name} {tuple(w.shape) if len(w.shape) > 1 else f'({w.shape[0]},)'}"
            for w in layer.weights
        )
        assert row["get_weights()"] == (shapes or "—")
        assert row["params"] == layer.count_params()
        assert row["output shape"] == str((None, *layer.output.shape[1:]))
        if weights:
            values = np.concatenate([w.ravel() for w in weights])
            lo, hi = (float(x) for x in row["values"].split(" … "))
            assert lo == pytest.approx(values.min(), rel=5e-2, abs=1e-3)
            assert hi == pytest.approx(values.max(), rel=5e-2, abs=1e-3)


def test_the_summary_counts_the_layers_keras_builds(trained) -> None:
    """optiviz's ``summary()`` lists the layers of the exported model: an activation with
    a non-default parameter is a LeakyReLU or ELU layer of its own, as in the code."""
    _, result = trained
    model = kx.to_keras(result)
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    rows = optiviz.summary(result).rows
    assert [r["layer"].split(" (")[1].rstrip(")") for r in rows] == [
        type(layer).__name__ for layer in layers
    ]
    assert [r["params"] for r in rows] == [layer.count_params() for layer in layers]


def test_joined_results_export_each_run_with_its_own_network() -> None:
    """The regularization page joins a batch-norm run to plain ones (two calls): each run
    of the joined result exports with its own network, and selecting runs keeps it."""
    from optiviz.engine.networks.transfer import concat_results, select_runs

    ds = optiviz.make_dataset("moons", n=200, seed=0)
    plain = optiviz.train(ds, hidden=(6,), epochs=5)
    bn = optiviz.train(ds, hidden=(6,), epochs=5, batch_norm=True)
    joined = concat_results(plain, bn)
    assert [joined.arch_of(i).batch_norm for i in range(2)] == [False, True]
    assert optiviz.summary(joined, 1).non_trainable == 12  # BN's moving mean and variance
    for run, alone in ((0, plain), (1, bn)):
        np.testing.assert_allclose(
            kx.to_keras(joined, run).predict(ds.X_val, verbose=0), _ours(alone, ds.X_val),
            atol=1e-5,
        )  # fmt: skip
    picked = select_runs(joined, [1])
    assert picked.arch.batch_norm and picked.run_archs is None
    assert concat_results(plain, plain).run_archs is None


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_exports_with_the_same_predictions(activation: str) -> None:
    ds = optiviz.make_dataset("moons", n=200, seed=1)
    result = optiviz.train(ds, hidden=(5, 4), activation=activation, epochs=5)
    model = kx.to_keras(result)
    np.testing.assert_allclose(model.predict(ds.X_val, verbose=0), _ours(result, ds.X_val),
                               atol=1e-5)  # fmt: skip
    assert model.count_params() == optiviz.summary(result).total


@pytest.mark.parametrize("initializer", ["glorot_uniform", "glorot_normal", "he_uniform",
                                         "he_normal", "lecun_uniform", "lecun_normal",
                                         "random_normal", "zeros"])  # fmt: skip
def test_every_initializer_exports_with_the_same_predictions(initializer: str) -> None:
    """The export carries trained weights, whatever drew the first ones (zeros too)."""
    from optiviz.engine.networks.initializers import INITIALIZERS

    assert initializer in INITIALIZERS
    ds = optiviz.make_dataset("iris", seed=1)
    result = optiviz.train(ds, hidden=(6,), epochs=5, runs=[{"initializer": initializer}])
    model = kx.to_keras(result)
    np.testing.assert_allclose(model.predict(ds.X_val, verbose=0), _ours(result, ds.X_val),
                               atol=1e-5)  # fmt: skip
