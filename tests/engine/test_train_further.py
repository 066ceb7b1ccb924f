"""Training further (``optiviz.train_further``) equals Keras 3's second ``fit``.

Every full-batch case of ``test_training`` (each optimizer, the regularizers, each
kind of clipping, an epoch schedule, ``ReduceLROnPlateau`` and early stopping with
restored weights) is trained for a few epochs, then further; Keras trains the same
model with ``fit(epochs=E1)`` and ``fit(epochs=E1 + E2, initial_epoch=E1)`` with the
same callback objects. The optimizer's state and a lowered learning rate carry over,
the callbacks start afresh, as Keras's do.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from test_training import (
    ACT_A,
    CASES,
    DS_A,
    HIDDEN_A,
    PARAMS_A,
    XA,
    XA_VAL,
    YA,
    YA_VAL,
    KerasCase,
    assert_weights_equal,
    dense_weights,
    keras_compiled,
)

import optiviz
from optiviz.engine.networks import training

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

E1, E2 = 6, 5


@pytest.fixture(scope="module")
def further() -> tuple[training.TrainResult, training.TrainResult]:
    runs = [{"label": c.label, **{k: v for k, v in c.run.items() if k != "epochs"}} for c in CASES]
    first = optiviz.train(
        DS_A, hidden=HIDDEN_A, activation=ACT_A, runs=runs, epochs=E1, init_params=PARAMS_A
    )
    return first, optiviz.train_further(first, E2)


def keras_two_fits(case: KerasCase) -> tuple[keras.Model, list[dict]]:
    model, callbacks, _ = keras_compiled(case)
    fit = dict(
        batch_size=len(XA),
        shuffle=False,
        validation_data=(XA_VAL, YA_VAL),
        callbacks=callbacks,
        verbose=0,
    )
    h1 = model.fit(XA, YA, epochs=E1, **fit).history
    h2 = model.fit(XA, YA, epochs=E1 + E2, initial_epoch=E1, **fit).history
    return model, [h1, h2]


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_training_further_equals_a_second_keras_fit(further, case: KerasCase) -> None:
    first, result = further
    i = result.labels.index(case.label)
    model, (h1, h2) = keras_two_fits(case)
    n1, n2 = len(h1["loss"]), len(h2["loss"])
    assert result.epochs == E1 + E2
    atol = 1e-5 if case.label == "early_stopping" else 1e-6
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        ours = result.history[key][i]
        np.testing.assert_allclose(ours[:n1], h1[key], rtol=1e-5, atol=atol, err_msg=key)
        np.testing.assert_allclose(ours[E1 : E1 + n2], h2[key], rtol=1e-5, atol=atol, err_msg=key)
        # the first call's part is the first call's history, unchanged
        np.testing.assert_array_equal(ours[:E1], first.history[key][i])
    if case.schedule is not None or case.plateau is not None:
        np.testing.assert_allclose(
            result.history["lr"][i, E1 : E1 + n2], h2["learning_rate"], rtol=1e-6
        )
    if case.patience is not None:
        # it stopped early in the first fit and trained again in the second
        assert n1 < E1 and n2 > 0
    assert_weights_equal(model, dense_weights(result.params[i]), atol=10 * atol)
    val_loss, val_acc = model.evaluate(XA_VAL, YA_VAL, verbose=0)
    assert result.final_loss[i] == pytest.approx(val_loss, rel=1e-5, abs=1e-6)
    assert result.final_accuracy[i] == pytest.approx(val_acc, abs=1e-6)


def test_the_joined_result_keeps_the_first_calls_start(further) -> None:
    first, result = further
    for a, b in zip(first.init_params, result.init_params, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x["w"], y["w"])
    assert result.horizon == E1 and result.batch_size == first.batch_size
    np.testing.assert_array_equal(result.snapshot_epochs[: len(first.snapshot_epochs)],
                                  first.snapshot_epochs)  # fmt: skip
    assert result.snapshot_epochs[-1] == E1 + E2
    assert np.all(np.diff(result.snapshot_epochs) > 0)
    for name in ("grad_norms", "activation_mean"):
        assert getattr(result, name).shape[1] == E1 + E2
    assert result.boundary.shape[1] == len(result.snapshot_epochs)


def test_without_callbacks_further_is_one_longer_training() -> None:
    """Two calls and one call of the same total length give the same numbers, bit for
    bit: the kernels take the state where they left it, mini-batch shuffles and
    dropout masks follow the epoch's number; the unit maps and boundary too."""
    kw = dict(
        hidden=(6, 4), epochs=20, batch_size=64, dropout=0.1,
        optimizers={"adam": {"learning_rate": 0.02}, "rmsprop": {"learning_rate": 0.01}},
    )  # fmt: skip
    ds = optiviz.make_dataset("moons", n=200, seed=3)
    once = optiviz.train(ds, **{**kw, "epochs": 31})
    twice = optiviz.train_further(optiviz.train_further(optiviz.train(ds, **kw), 10), 1)
    assert twice.epochs == 31
    for k in once.history:
        np.testing.assert_array_equal(twice.history[k], once.history[k], err_msg=k)
    for a, b in zip(once.params, twice.params, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x["w"], y["w"])
    np.testing.assert_array_equal(twice.boundary[:, -1], once.boundary[:, -1])
    # the unit maps of the last snapshot are the final network's
    assert twice.map_snapshots[-1] == len(twice.snapshot_epochs) - 1
    np.testing.assert_array_equal(twice.unit_maps[:, -1], once.unit_maps[:, -1])
    np.testing.assert_array_equal(twice.link_weights[:, -1], once.link_weights[:, -1])


def test_many_calls_keep_a_bounded_number_of_snapshots() -> None:
    r = optiviz.train("xor", hidden=(4,), epochs=200)
    for more in (200, 200, 1):
        r = optiviz.train_further(r, more)
    limit = 2 * training.N_CHECKPOINTS + 1
    assert r.epochs == 601 and len(r.snapshot_epochs) <= limit
    assert r.snapshot_epochs[0] == 0 and r.snapshot_epochs[-1] == 601
    assert np.all(np.diff(r.snapshot_epochs) > 0)
    assert r.boundary.shape[1] == r.act_hist.shape[1] == len(r.snapshot_epochs)
    assert len(r.map_snapshots) <= training.MAP_SNAPSHOTS
    assert r.map_snapshots[-1] == len(r.snapshot_epochs) - 1
    assert r.unit_maps.shape[1] == len(r.map_snapshots)


def test_what_cannot_train_further_says_why() -> None:
    r = optiviz.train("xor", hidden=(4,), epochs=10)
    with pytest.raises(ValueError, match="more epochs"):
        optiviz.train_further(r, 0)
    with pytest.raises(ValueError, match="between 1 and 4990"):
        optiviz.train_further(r, training.MAX_EPOCHS)
    own = optiviz.train("xor", hidden=(4,), epochs=10, runs=[{"epochs": 5}, {}])
    with pytest.raises(ValueError, match="epoch counts of their own"):
        optiviz.train_further(own, 5)
