"""Regression and Wide & Deep (issue #27): the course's Functional API model (a wide path
past the hidden layers, two inputs) and its Subclassing example (an auxiliary output with
its own loss weight) train in the shared kernels with Keras 3's numbers, and leave as Keras
models that predict the same."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import optiviz
from optiviz.engine.networks import keras_code as kc
from optiviz.engine.networks import keras_export as kx
from optiviz.engine.networks import mlp
from optiviz.engine.networks.activations import ACTIVATIONS

DIABETES = optiviz.make_dataset("diabetes", seed=0)
WIDE, DEEP = (0, 1, 2, 3, 4), (2, 3, 4, 5, 6, 7, 8, 9)  # overlapping, as in the course


def _inputs(arch, X):
    deep = X[:, list(arch.deep)] if arch.deep is not None else X
    return (X[:, list(arch.wide)], deep) if arch.wide is not None else deep


def _keras_model(arch):
    scope = {}
    style = "functional" if arch.functional else "sequential"
    exec(kx.model_code(arch, style), scope)
    return scope["model"]


def _ours(result, X, run=0):
    act = np.array([ACTIVATIONS[a].param_default or 0.0 for a in result.arch.activations])
    out, *_ = mlp.forward(result.arch, result.params[run], result.bn_state[run], X, act_params=act)
    return np.asarray(out)


ORACLE = {
    "sgd, wide 0-4, deep 2-9, aux 0.1": dict(
        opt=("sgd", {"learning_rate": 0.02}), wide=WIDE, deep=DEEP, aux_weight=0.1
    ),
    "adam, every column both ways, aux 0.3, batch norm": dict(
        opt=("adam", {"learning_rate": 0.01}), wide=True, aux_weight=0.3, batch_norm=True
    ),
    "rmsprop, plain regression": dict(opt=("rmsprop", {"learning_rate": 0.005})),
}


@pytest.mark.parametrize("case", list(ORACLE))
def test_training_matches_keras_over_50_epochs(case: str) -> None:
    """Keras's fit from the same initial weights, data and optimizer (full batch, no
    shuffling): every history entry and the final weights agree to 1e-4."""
    spec = dict(ORACLE[case])
    name, hp = spec.pop("opt")
    bn = spec.pop("batch_norm", False)
    result = optiviz.train(
        DIABETES, hidden=(8, 6), optimizers={name: hp}, epochs=50, batch_norm=bn, **spec
    )
    arch = result.arch
    model = _keras_model(arch)
    model.set_weights(kx.keras_weights(arch, result.init_params[0], mlp.init_bn_state(arch)))
    opt = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam,
           "rmsprop": keras.optimizers.RMSprop}[name](**hp)  # fmt: skip
    scope = {}
    exec(f"compile_args = dict({', '.join(kc._loss_and_metric(0, kc.Paths(**_paths(arch))))})",
         {}, scope)  # fmt: skip
    model.compile(optimizer=opt, **scope["compile_args"])
    y, yv = DIABETES.y_train, DIABETES.y_val
    targets = (y, y) if arch.aux_weight else y
    val = (_inputs(arch, DIABETES.X_val), (yv, yv) if arch.aux_weight else yv)
    history = model.fit(
        _inputs(arch, DIABETES.X_train), targets, epochs=50, batch_size=DIABETES.n_train,
        shuffle=False, verbose=0, validation_data=val,
    ).history  # fmt: skip
    assert set(history) == set(result.history) - {"lr"}
    for key, values in history.items():
        np.testing.assert_allclose(result.history[key][0], values, atol=1e-4, err_msg=key)
    for ours, theirs in zip(
        kx.keras_weights(arch, result.params[0], result.bn_state[0]), model.get_weights(),
        strict=True,
    ):  # fmt: skip
        np.testing.assert_allclose(ours, theirs, atol=1e-4)


def _paths(arch) -> dict:
    return {"wide": arch.wide, "deep": arch.deep, "aux_weight": arch.aux_weight}


def test_the_history_names_follow_keras() -> None:
    plain = optiviz.train(DIABETES, hidden=(4,), epochs=2)
    assert list(plain.history) == ["loss", "mae", "val_loss", "val_mae", "lr"]
    both = optiviz.train(DIABETES, hidden=(4,), epochs=2, wide=True, aux_weight=0.1)
    assert set(both.history) == {
        "loss", "main_output_mae", "val_loss", "val_main_output_mae", "lr",
        "main_output_loss", "aux_output_loss", "val_main_output_loss", "val_aux_output_loss",
    }  # fmt: skip
    # the weighted sum of the outputs' losses is the loss Keras minimises
    h = both.history
    mix = 0.9 * h["val_main_output_loss"] + 0.1 * h["val_aux_output_loss"]
    np.testing.assert_allclose(h["val_loss"], mix, rtol=1e-5)
    classifier = optiviz.train("moons", hidden=(4,), epochs=2, wide=True)
    assert "accuracy" in classifier.history and "mae" not in classifier.history


EXPORTS = {
    "wide & deep with aux": dict(wide=WIDE, deep=DEEP, aux_weight=0.1),
    "wide only, dropout": dict(wide=(9,), dropout=0.2),
    "aux only, batch norm": dict(aux_weight=0.5, batch_norm=True),
    "deep subset only, leaky": dict(deep=(0, 2, 3), activation="leaky_relu"),
}


@pytest.fixture(scope="module", params=list(EXPORTS))
def exported(request):
    spec = dict(EXPORTS[request.param])
    run = {"optimizer": "adam", "hparams": {"learning_rate": 0.01}, "seed": 2}
    if "dropout" in spec:
        run["dropout"] = spec.pop("dropout")
    return optiviz.train(DIABETES, hidden=(8, 8), runs=[run], epochs=25, **spec)


def test_the_export_predicts_what_optiviz_predicts(exported, tmp_path) -> None:
    arch = exported.arch
    model = optiviz.to_keras(exported)
    assert model.count_params() == optiviz.summary(exported).total
    for X in (DIABETES.X_train, DIABETES.X_val):
        theirs = model.predict(_inputs(arch, X), verbose=0)
        theirs = np.concatenate(theirs, -1) if isinstance(theirs, (list, tuple)) else theirs
        np.testing.assert_allclose(theirs, _ours(exported, X), atol=1e-5)
    path = tmp_path / "wide_deep.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    for a, b in zip(
        np.atleast_1d(again.predict(_inputs(arch, DIABETES.X_val), verbose=0)),
        np.atleast_1d(model.predict(_inputs(arch, DIABETES.X_val), verbose=0)),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


def test_functional_and_subclass_build_the_same_network(exported) -> None:
    arch = exported.arch
    weights = kx.keras_weights(arch, exported.params[0], exported.bn_state[0])
    outs = []
    for style in ("functional", "subclassing"):
        scope = {}
        exec(kx.model_code(arch, style), scope)
        model = scope["model"]
        model.set_weights(weights)
        assert model.count_params() == optiviz.summary(exported).total
        out = model(_inputs(arch, DIABETES.X_val), training=False)
        outs.append(np.concatenate([np.asarray(o) for o in out], -1) if arch.aux_weight
                    else np.asarray(out))  # fmt: skip
    np.testing.assert_allclose(outs[0], outs[1], atol=1e-6)
    np.testing.assert_allclose(outs[0], _ours(exported, DIABETES.X_val), atol=1e-5)
    with pytest.raises(ValueError, match="Sequential cannot build this network"):
        kx.model_code(arch, "sequential")


def test_the_summary_lists_the_functional_layers(exported) -> None:
    model = optiviz.to_keras(exported)
    keras_layers = sorted(
        (type(layer).__name__, layer.count_params())
        for layer in model.layers if type(layer).__name__ != "InputLayer"
    )  # fmt: skip
    ours = optiviz.summary(exported)
    rows = sorted(
        (r["layer"].split(" (")[1].rstrip(")"), r["params"])
        for r in ours.rows if "InputLayer" not in r["layer"]
    )  # fmt: skip
    assert rows == keras_layers and ours.name == "functional"
    inputs = [r for r in ours.rows if "InputLayer" in r["layer"]]
    assert len(inputs) == len(model.inputs)


def test_the_scripts_run_and_score_the_file(tmp_path, capsys) -> None:
    """The training script builds the same network and fits it; the load script opens
    the exported file and evaluates it on the validation data as optiviz scores it."""
    paths = kc.Paths(wide=WIDE, deep=DEEP, aux_weight=0.2)
    result = optiviz.train(DIABETES, hidden=(6,), epochs=5, **paths._asdict())
    script = kc.training_script(
        dataset="diabetes", dataset_args={"seed": 0}, n_classes=0, n_features=10,
        n_train=DIABETES.n_train, hidden=(6,), activations=("relu",), epochs=2, paths=paths,
    )  # fmt: skip
    scope = {}
    exec(script, scope)
    assert scope["model"].count_params() == optiviz.summary(result).total
    assert {"main_output_loss", "aux_output_loss"} <= set(scope["history"].history)
    path = tmp_path / "net.keras"
    optiviz.to_keras(result).save(path)
    exec(kc.load_script("diabetes", {"seed": 0}, str(path), 0, paths, 10), {})
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    scores = eval(printed, {"np": np})
    assert scores["loss"] == pytest.approx(result.history["val_loss"][0, -1], abs=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(dataset="moons", aux_weight=0.1), "needs a regression dataset"),
        (dict(wide=(0, 12)), "each column of wide"),
        (dict(deep=()), "distinct input columns"),
        (dict(wide=True, hidden=(4,) * 8), "up to 7 hidden layers"),
        (dict(wide=True, hidden=()), "need a hidden layer"),
        (dict(aux_weight=1.0), "aux_weight"),
        (dict(wide=True, clipnorm=1.0), "global_clipnorm or clipvalue"),
    ],
)
def test_bad_wide_and_deep_settings_say_what_is_wrong(kwargs, message) -> None:
    dataset = kwargs.pop("dataset", DIABETES)
    kwargs.setdefault("hidden", (4,))
    with pytest.raises(ValueError, match=message):
        optiviz.train(dataset, epochs=1, **kwargs)


def test_2d_regression_matches_keras_to_1e5() -> None:
    """Issue #26's regression sets train as Keras's ``fit`` does (MSE, a linear output,
    the mae metric): history and weights to 1e-5 over 30 full-batch epochs."""
    ds = optiviz.make_dataset("reg_gaussians", n=300, seed=1)
    result = optiviz.train(ds, hidden=(8,), activation="tanh", epochs=30,
                           optimizers={"sgd": {"learning_rate": 0.1}})  # fmt: skip
    arch = result.arch
    model = _keras_model(arch)
    model.set_weights(kx.keras_weights(arch, result.init_params[0], ()))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = model.fit(ds.X_train, ds.y_train, epochs=30, batch_size=ds.n_train, shuffle=False,
                        verbose=0, validation_data=(ds.X_val, ds.y_val)).history  # fmt: skip
    for key, values in history.items():
        np.testing.assert_allclose(result.history[key][0], values, atol=1e-5, err_msg=key)
    for ours, theirs in zip(kx.keras_weights(arch, result.params[0], ()), model.get_weights(),
                            strict=True):  # fmt: skip
        np.testing.assert_allclose(ours, theirs, atol=1e-5)
