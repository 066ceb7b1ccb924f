"""The first neurons: McCulloch–Pitts truth tables, the perceptron rule against
scikit-learn, the perceptron's failure on XOR, and a 2-2-1 network that solves it."""

from __future__ import annotations

import numpy as np
import pytest

from optiviz.engine.teaching.perceptron import (
    GATES,
    XOR_X,
    XOR_Y,
    find_cycle,
    iris_setosa,
    mcp_output,
    predict,
    sklearn_reference,
    train_perceptron,
    train_xor_mlp,
    truth_table,
)
from optiviz.figures import perceptron as figs

TABLES = {
    "and": [0, 0, 0, 1],
    "or": [0, 1, 1, 1],
    "not": [1, 0],
    "and_not": [0, 0, 1, 0],  # rows 00, 01, 10, 11: fires only for x1=1, x2=0
    "two_of_three": [0, 0, 0, 1, 0, 1, 1, 1],
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_mcp_truth_tables(name: str) -> None:
    gate = GATES[name]
    rows = truth_table(gate)
    assert [out for _, out in rows] == TABLES[name]
    assert [bits for bits, _ in rows] == sorted(bits for bits, _ in rows)  # counting order
    assert len(rows) == 2**gate.n_inputs


def test_threshold_changes_the_function() -> None:
    # the AND wiring with θ = 1 is OR; θ = 0 fires always; θ = 3 never
    assert [o for _, o in truth_table(GATES["and"], 1)] == TABLES["or"]
    assert [o for _, o in truth_table(GATES["and"], 0)] == [1, 1, 1, 1]
    assert [o for _, o in truth_table(GATES["and"], 3)] == [0, 0, 0, 0]
    # inhibition vetoes even with θ = 0
    assert mcp_output((1,), GATES["not"], 0) == 0


def test_mcp_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError, match="takes 2"):
        mcp_output((1,), GATES["and"])
    with pytest.raises(ValueError, match="0 or 1"):
        mcp_output((2, 0), GATES["and"])


def test_rule_is_the_textbook_update() -> None:
    X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    y = np.array([0, 1])
    run = train_perceptron(X, y, eta=0.5, epochs=1, shuffle=False, stop_when_converged=False)
    # example 0: w = 0 → z = 0 → ŷ = 1, y = 0: w ← 0 + 0.5·(−1)·x, b ← −0.5
    np.testing.assert_allclose(run.steps_w[1], [-0.5, -1.0])
    assert run.steps_b[1] == -0.5
    # example 1: z = 0.5 − 0.5 − 0.5 = −0.5 → ŷ = 0, y = 1: w ← w + 0.5·x
    np.testing.assert_allclose(run.steps_w[2], [-1.0, -0.75])
    assert run.steps_b[2] == 0.0
    assert list(run.steps_index) == [-1, 0, 1] and list(run.epoch_errors) == [2]


@pytest.mark.parametrize("shuffle", [True, False])
def test_converges_on_setosa_and_agrees_with_sklearn(shuffle: bool) -> None:
    X, y = iris_setosa()
    assert X.shape == (150, 2) and y.sum() == 50
    run = train_perceptron(X, y, eta=1.0, epochs=50, shuffle=shuffle, seed=42)
    assert run.converged_epoch > 0
    assert run.epoch_errors[-1] == 0
    assert (predict(run.w, run.b, X) == y).all()
    ref = sklearn_reference(X, y)
    ours = int(predict(run.w, run.b, np.array([[2.0, 0.5]]))[0])
    assert ours == ref.prediction == 1
    # the reference line also separates the data (scikit-learn converged too)
    assert (predict(ref.w, ref.b, X) == y).all()


def test_sklearn_reference_is_the_course_snippet() -> None:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import Perceptron

    iris = load_iris()
    X, y = iris.data[:, (2, 3)], (iris.target == 0).astype(int)
    clf = Perceptron(random_state=42).fit(X, y)
    ref = sklearn_reference(*iris_setosa())
    np.testing.assert_allclose(ref.w, clf.coef_[0])
    assert ref.b == pytest.approx(clf.intercept_[0])
    assert ref.prediction == int(clf.predict([[2, 0.5]])[0])


def test_eta_zero_learns_nothing_and_zero_start_is_scale_free() -> None:
    X, y = iris_setosa()
    frozen = train_perceptron(X, y, eta=0.0, epochs=3, shuffle=False)
    assert np.all(frozen.steps_w == 0) and frozen.converged_epoch == -1
    assert list(frozen.epoch_errors) == [100, 100, 100]  # w = 0 says "1" to everyone
    a = train_perceptron(X, y, eta=1.0, shuffle=False)
    b = train_perceptron(X, y, eta=0.01, shuffle=False)
    np.testing.assert_allclose(a.w * 0.01, b.w, atol=1e-12)


@pytest.mark.parametrize("shuffle", [True, False])
def test_perceptron_never_settles_on_xor(shuffle: bool) -> None:
    run = train_perceptron(XOR_X, XOR_Y, epochs=100, shuffle=shuffle, seed=3)
    assert run.epochs_run == 100
    assert run.converged_epoch == -1
    assert run.epoch_errors.min() > 0
    if not shuffle:  # a fixed order is a deterministic map: it must loop
        first, period = find_cycle(run)
        assert first >= 1 and period >= 1
        np.testing.assert_array_equal(run.epoch_w[first - 1], run.epoch_w[first - 1 + period])
    else:  # with a new order each epoch an equal state is no proof of a loop
        assert find_cycle(run) is None


def test_bad_arguments_are_value_errors() -> None:
    with pytest.raises(ValueError):
        train_perceptron(XOR_X, XOR_Y, eta=-1)
    with pytest.raises(ValueError):
        train_perceptron(XOR_X, XOR_Y, eta=float("nan"))
    with pytest.raises(ValueError):
        train_perceptron(XOR_X, np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError):
        train_perceptron(XOR_X, XOR_Y, epochs=0)
    with pytest.raises(ValueError):
        train_xor_mlp(activation="relu")


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_221_mlp_solves_xor(activation: str) -> None:
    net = train_xor_mlp(activation=activation, seed=0)
    assert net.accuracy == 1.0
    assert ((net.prob >= 0.5) == (XOR_Y == 1)).all()
    # the hidden layer makes XOR linearly separable: the output's line splits h-space
    side = net.hidden @ net.w_o + net.b_o >= 0
    assert (side == (XOR_Y == 1)).all()
    assert net.loss_curve[-1] < net.loss_curve[0]


def test_geometry_helpers() -> None:
    box = ((0.0, 1.0), (0.0, 1.0))
    seg = figs.line_in_box([1.0, 1.0], -1.0, box)  # x + y = 1: the anti-diagonal
    np.testing.assert_allclose(sorted(map(tuple, seg)), [(0.0, 1.0), (1.0, 0.0)])
    poly = figs.half_plane([1.0, 1.0], -1.0, box)  # x + y ≥ 1: the upper-right triangle
    assert len(poly) == 4 and np.allclose(poly[0], poly[-1])
    assert len(figs.line_in_box([0.0, 0.0], 1.0, box)) == 0  # w = 0: no line
    assert len(figs.half_plane([0.0, 0.0], -1.0, box)) == 0  # and nothing predicted 1
    assert len(figs.half_plane([0.0, 0.0], 1.0, box)) == 5  # or everything


def test_animation_has_one_frame_per_update() -> None:
    X, y = iris_setosa()
    run = train_perceptron(X, y, seed=42)
    fig = figs.perceptron_animation(run, query=(2.0, 0.5), reference=(run.w, run.b, "ref"))
    spec = fig.to_dict()
    assert len(spec["frames"]) == len(run.steps_w)
    assert len(spec["layout"]["sliders"][0]["steps"]) == len(run.steps_w)
    assert "0 misclassified" in spec["layout"]["title"]["text"]
    xor = train_perceptron(XOR_X, XOR_Y, epochs=100, shuffle=False)
    frames = figs.perceptron_animation(xor, frames=50).to_dict()["frames"]
    assert len(frames) == 50
