"""Input features from 2D data's coordinates (issue #26, TensorFlow Playground's set):
computed as named, drawn over the plane, exported to Keras as the model's inputs."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import optiviz
from optiviz.engine.networks import features as F
from optiviz.engine.networks import keras_code as kc
from optiviz.engine.networks import mlp

CIRCLES = optiviz.make_dataset("circles", n=400, seed=0)


def test_features_are_computed_as_named() -> None:
    X = np.array([[0.5, -2.0], [3.0, 0.25]])
    got = F.apply(X, list(F.FEATURES))
    x1, x2 = X[:, 0], X[:, 1]
    want = np.stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got.dtype == np.float32
    ds = F.transform(CIRCLES, ("x1^2", "sin(x2)"))
    assert ds.feature_names == ("x₁²", "sin x₂") and ds.domain == CIRCLES.domain
    np.testing.assert_allclose(ds.X_val[:, 1], np.sin(CIRCLES.X_val[:, 1]), rtol=1e-6)


def test_circles_need_no_hidden_layer_given_the_squares() -> None:
    """TensorFlow Playground's classic: x₁² and x₂² make the circle a straight line."""
    opts = {"adam": {"learning_rate": 0.05}}
    squares = optiviz.train(CIRCLES, hidden=(), features=("x1^2", "x2^2"), optimizers=opts,
                            epochs=200)  # fmt: skip
    plain = optiviz.train(CIRCLES, hidden=(), optimizers=opts, epochs=200)
    assert squares.final_accuracy[0] > 0.97 > 0.75 > plain.final_accuracy[0]
    assert squares.features == ("x1^2", "x2^2") and squares.arch.n_in == 2
    # the decision function is drawn over the plane: the grid's points, as features
    gx, gy = squares.grid_x, squares.grid_y
    xx, yy = np.meshgrid(gx, gy)
    grid = F.apply(np.stack([xx.ravel(), yy.ravel()], axis=1), squares.features)
    out, *_ = mlp.forward(squares.arch, squares.params[0], (), grid, act_params=np.zeros(0))
    np.testing.assert_allclose(squares.boundary[0, -1, :, 0], np.asarray(out)[:, 0], atol=1e-5)


def test_the_export_takes_the_features_and_the_scripts_compute_them(tmp_path, capsys) -> None:
    names = ("x1", "x2", "x1*x2", "sin(x1)")
    args = {"n": 400, "seed": 0}
    result = optiviz.train(CIRCLES, hidden=(6,), features=names, epochs=20)
    model = optiviz.to_keras(result)
    X = F.apply(CIRCLES.X_val, names)
    out, *_ = mlp.forward(result.arch, result.params[0], (), X, act_params=np.zeros(1))
    np.testing.assert_allclose(model.predict(X, verbose=0), np.asarray(out), atol=1e-5)
    path = tmp_path / "f.keras"
    model.save(path)
    exec(kc.load_script("circles", args, str(path), 2, n_features=4, features=names), {})
    scores = eval(capsys.readouterr().out.strip().splitlines()[-1], {"np": np})
    assert scores["accuracy"] == pytest.approx(result.final_accuracy[0], abs=1e-6)
    script = kc.training_script(
        dataset="circles", dataset_args=args, n_classes=2, n_features=4, n_train=320,
        hidden=(6,), activations=("relu",), epochs=2, features=names,
    )  # fmt: skip
    assert "return np.stack([x1, x2, x1 * x2, np.sin(x1)], axis=1)" in script
    scope: dict = {}
    exec(script, scope)
    assert scope["model"].count_params() == optiviz.summary(result).total
    assert isinstance(scope["model"], keras.Model)


@pytest.mark.parametrize(
    ("dataset", "features", "message"),
    [
        ("digits", ("x1",), "computed from two coordinates"),
        ("moons", ("x3",), "unknown feature 'x3'"),
        ("moons", (), "at least one feature"),
        ("moons", "x1", "a list of names"),
    ],
)
def test_bad_features_say_what_is_wrong(dataset, features, message) -> None:
    with pytest.raises(ValueError, match=message):
        optiviz.train(dataset, features=features, epochs=1)
