"""Sentences computed from a result (optiviz.engine.networks.findings) say what the result shows,
in both directions; and the general statements of the activations and perceptron pages
hold for the scenes they describe (issue #25: claims are data and are tested)."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from optiviz.engine.networks import activation_lab as lab
from optiviz.engine.networks import findings
from optiviz.engine.networks.activations import ACTIVATIONS
from optiviz.engine.networks.initializers import index, init_kernel


def test_overfitting_is_said_only_when_the_validation_loss_turns_up():
    epochs = np.arange(1, 101)
    train = 1 / epochs
    rising = np.abs(epochs - 30) / 30 + 0.2  # lowest at epoch 30, ends at 2.53
    said = findings.overfitting("plain", train, rising)
    assert (
        said.startswith("Here the plain run overfits") and "epoch 30 (0.2) and ends at 2.53" in said
    )
    falling = 0.5 + 1 / epochs
    assert "does not overfit" in findings.overfitting("plain", train, falling)
    # a validation loss that rises while the training loss rises too is not overfitting
    assert "does not overfit" in findings.overfitting("plain", train[::-1], rising)
    assert "diverged" in findings.overfitting("plain", train, np.full(100, np.nan))


def test_gaps_name_the_runs_that_narrow_it_and_those_that_do_not():
    labels = ["plain", "L1", "L2"]
    every = findings.gaps(labels, [1.0, 0.95, 0.9], [0.9, 0.9, 0.9])
    assert (
        every == "Here the plain network's accuracy gap is 10 points; every remedy narrows it "
        "(L2 most, to 0)."
    )
    some = findings.gaps(labels, [1.0, 1.0, 0.9], [0.9, 0.88, 0.9])
    assert "L2 narrows it (L2 most, to 0), L1 does not." in some
    none = findings.gaps(labels, [1.0, 1.0, 1.0], [0.9, 0.9, 0.85])
    assert none.endswith("no remedy narrows it at these settings.")


def test_dropout_handicap_says_when_it_does_not_show():
    assert "0.02 lower with dropout off" in findings.dropout_handicap(0.08, 0.06)
    assert "does not show" in findings.dropout_handicap(0.06, 0.08)


def test_settling_compares_the_constant_rate_with_every_schedule():
    t = np.arange(100)
    jittery = 0.1 + 0.01 * (-1.0) ** t
    calm = 0.1 + 0.0 * t
    said = findings.settling(["constant", "exponential"], np.stack([jittery, calm]), [100, 100])
    assert "moves by 0.02 per epoch" in said and "under 0.0001 to under 0.0001" in said
    assert said.endswith(".") and "more at these settings" not in said
    flipped = findings.settling(["constant", "1cycle"], np.stack([calm, jittery]), [100, 100])
    assert flipped.endswith("1cycle jitters more at these settings.")
    lost = findings.settling(["constant", "power"], np.stack([calm, calm * np.nan]), [100, 100])
    assert "power diverged" in lost


def test_dying_relu_grows_with_the_learning_rate_and_spares_leaky_relu_and_elu():
    """The activations page's section is titled 'dead units as the learning rate grows'
    and its text says leaky ReLU and ELU keep a slope below 0: at the page's default
    experiment, ReLU's dead share rises with the rate and stays above the other two's."""
    lrs = lab.learning_rate_grid(*lab.DEFAULT_LR_RANGE)
    dead = {a: lab.dying_relu(a, lrs).final_dead for a in lab.DYING_ACTIVATIONS}
    relu = dead["relu"]
    assert relu[-1] > 2 * relu[0]
    assert relu[-2:].mean() > relu[:2].mean()
    assert relu[-1] > 3 * dead["leaky_relu"][-1] and relu[-1] > 3 * dead["elu"][-1]


def _kernel(initializer: str, width: int, seed: int) -> np.ndarray:
    key = jax.random.PRNGKey(seed)
    return np.asarray(init_kernel(key, (width, width), index(initializer)))


def _stack(activation: str, initializer: str, depth: int = 20, width: int = 256, seed: int = 0):
    x = np.random.default_rng(seed).standard_normal((2000, width)).astype(np.float32)
    act = ACTIVATIONS[activation]
    moments = []
    for layer in range(depth):
        w = _kernel(initializer, width, seed + layer)
        x = np.asarray(act(x @ w))
        moments.append((float(x.mean()), float(x.var())))
    return moments


def test_selu_with_lecun_normal_keeps_each_layers_outputs_standardised():
    """The text: SELU with lecun_normal weights keeps mean 0 and variance 1 through a plain
    stack of Dense layers. Twenty 256-wide layers on standard normal inputs."""
    for mean, var in _stack("selu", "lecun_normal"):
        assert abs(mean) < 0.1 and 0.8 < var < 1.2, (mean, var)
    # the comparison that makes it mean something: tanh with the same weights shrinks
    assert _stack("tanh", "lecun_normal")[-1][1] < 0.5


def test_a_linear_stack_is_one_linear_map():
    x = np.random.default_rng(1).standard_normal((50, 8)).astype(np.float64)
    ws = [_kernel("glorot_uniform", 8, s).astype(np.float64) for s in range(5)]
    out = x
    for w in ws:
        out = np.asarray(ACTIVATIONS["linear"](out @ w))
    np.testing.assert_allclose(out, x @ np.linalg.multi_dot(ws), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("solved", [8, 5, 0])
def test_xor_text_says_what_the_restarts_did(solved):
    from types import SimpleNamespace

    from optiviz.ui.perceptron import xor_mlp_text

    acc = np.array([1.0] * solved + [0.75] * (8 - solved))
    net = SimpleNamespace(restart_accuracy=acc, accuracy=1.0 if solved else 0.75)
    text = xor_mlp_text(net)
    if solved == 8:
        assert "all 8 of them solved XOR" in text and "did not" not in text
    else:
        assert f"{solved} of them solved XOR, {8 - solved} did not" in text
    assert ("opposite sides of a single line" in text) == bool(solved)


def _linear_accuracy(ds) -> float:
    from sklearn.svm import LinearSVC

    X = np.concatenate([ds.X_train, ds.X_val])
    y = np.concatenate([ds.y_train, ds.y_val])
    return LinearSVC(C=1e4, max_iter=200_000).fit(X, y).score(X, y)


def test_dataset_descriptions_hold_for_the_data():
    """The playground's data set blurbs state facts: XOR and the moons need a hidden
    layer (no straight line separates them; one small hidden layer does), the blobs are
    separable by a line at a small spread and overlap at a large one, iris setosa is
    linearly separable."""
    import optiviz
    from optiviz.engine.networks.datasets import DATASETS

    assert "No single line separates them" in DATASETS["xor"].description
    for name, at_most in (("xor", 0.6), ("moons", 0.92), ("circles", 0.6)):
        ds = optiviz.make_dataset(name, seed=0)
        assert _linear_accuracy(ds) <= at_most, name
    for name in ("xor", "moons"):
        ds = optiviz.make_dataset(name, seed=0)
        r = optiviz.train(ds, optimizers={"adam": {"learning_rate": 0.02}}, hidden=(8,), epochs=200)
        assert r.history["val_accuracy"][0, -1] >= 0.95, name
    hi = DATASETS["gaussians"].noise_range[1]
    assert _linear_accuracy(optiviz.make_dataset("gaussians", noise=0.1, seed=0)) == 1.0
    assert _linear_accuracy(optiviz.make_dataset("gaussians", noise=hi, seed=0)) < 0.9
    assert _linear_accuracy(optiviz.make_dataset("iris_setosa", seed=0)) == 1.0


def test_evaluate_beside_the_history_says_which_number_it_equals():
    """The Model tab's `model.evaluate` sentence (issue #27): the same number as the
    history's last val_loss, or the restored epoch's, checked on real runs."""
    import optiviz
    from optiviz.engine.networks.transfer import evaluate

    ds = optiviz.make_dataset("moons", n=200, noise=0.3, seed=1)
    plain = optiviz.train(ds, hidden=(16, 16), epochs=40, batch_size=32)
    loss, acc = evaluate(plain.arch, plain.params[0], ds.X_val, ds.y_val)
    assert loss == pytest.approx(plain.history["val_loss"][0, -1], rel=1e-4)
    assert acc == pytest.approx(plain.history["val_accuracy"][0, -1], abs=1e-6)
    said = findings.evaluation(loss, plain.history["val_loss"][0], int(plain.epochs_run[0]))
    assert said.startswith("The same number as the history's last val_loss")
    assert f"epoch {int(plain.epochs_run[0])}" in said

    stopped = optiviz.train(
        ds,
        optimizers={"adam": {"learning_rate": 0.05}},
        hidden=(64, 64),
        epochs=300,
        batch_size=16,
        early_stopping=True,
        patience=5,
    )
    best, ran = int(stopped.best_epoch[0]), int(stopped.epochs_run[0])
    assert 0 < best < ran  # it stopped, and the kept epoch is not the last
    loss, _ = evaluate(stopped.arch, stopped.params[0], ds.X_val, ds.y_val)
    history = stopped.history["val_loss"][0]
    said = findings.evaluation(loss, history, ran, best, restored=True)
    assert said.startswith(f"The same number as epoch {best}'s val_loss")
    assert "differs" in findings.evaluation(loss, history, ran)  # not the last epoch's


def test_evaluate_sentence_branches():
    history = np.array([1.0, 0.5, 0.4])
    assert "differs from the history's last val_loss (0.4) by +0.1" in findings.evaluation(
        0.5, history, 3
    )
    assert "diverged" in findings.evaluation(float("nan"), history, 3)
    on_train = findings.evaluation(0.3, history, 3, validation=False)
    assert "no validation part" in on_train and "reads lower here" in on_train
    assert "reads higher here" in findings.evaluation(0.45, history, 3, validation=False)
