"""Padding a network to its bucket changes no number a student sees.

The training kernels are compiled for a frame of fixed shape (width bucket, row
count, run count; see ``optiviz.engine.networks.padded``) and the real network is traced
inside it. Here the same runs are trained in a tight frame and in larger ones: the
histories, weights, snapshots and statistics agree to float32 rounding, shuffles
and dropout masks included (they are drawn per example and unit, not per padded
array).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
import pytest

import optiviz
from optiviz.engine.networks import padded, training
from optiviz.engine.networks.datasets import make_dataset


def test_shuffle_equals_jax_permutation_whatever_the_padding() -> None:
    for seed, n in [(0, 1), (1, 2), (2, 7), (3, 800), (4, 1625), (5, 1626), (6, 5000)]:
        key = training._key(seed, 1)
        want = np.asarray(jax.random.permutation(key, n))
        for size in training.SHUFFLE_SIZES:
            if size < n:
                continue
            got = np.asarray(training.shuffle(key, np.int32(n), size))
            np.testing.assert_array_equal(got[:n], want, err_msg=f"n={n} size={size}")
            np.testing.assert_array_equal(got[n:], np.arange(n, size))


def test_dropout_masks_do_not_depend_on_the_padded_block() -> None:
    key = training._key(3, 1)
    small = np.asarray(padded.keep_mask(key, (8, 16), 0.7))
    large = np.asarray(padded.keep_mask(key, (64, 128), 0.7))
    np.testing.assert_array_equal(small, large[:8, :16])
    share = large.mean()
    assert 0.66 < share < 0.74  # kept with probability 0.7
    other = np.asarray(padded.keep_mask(training._key(4, 1), (64, 128), 0.7))
    assert (other != large).mean() > 0.3  # another key, another mask


RUNS: list[dict[str, Any]] = [
    {"optimizer": "adam", "hparams": {"learning_rate": 0.01}, "dropout": 0.3, "seed": 1},
    {"optimizer": "momentum", "hparams": {"learning_rate": 0.05}, "l2": 1e-3, "seed": 2},
    {"optimizer": "rmsprop", "hparams": {"learning_rate": 0.01}, "clipnorm": 0.5, "seed": 3},
]


def _train(shape: tuple[int, int] | None, **kw: Any) -> training.TrainResult:
    """Train with the frame forced to (width, rows) (None: the one ``train`` picks)."""
    original = training._shape_for
    if shape is not None:
        training._shape_for = lambda arch, bs: shape
    try:
        return optiviz.train(**kw)
    finally:
        training._shape_for = original


@pytest.mark.parametrize(
    ("kw", "frames"),
    [
        (  # mini-batches with dropout and BN, 3 classes
            dict(
                dataset=make_dataset("gaussians", n=150, seed=0),
                hidden=(6, 5, 7),
                activation=("relu", "tanh", "elu"),
                batch_norm=True,
                batch_size=24,
            ),
            [(16, 32), (64, 256), (128, 1024)],
        ),
        (  # full batch, binary, sigmoid units
            dict(
                dataset=make_dataset("moons", n=200, seed=1),
                hidden=(12,),
                activation="sigmoid",
            ),
            [(16, 256), (64, 1024)],
        ),
    ],
    ids=["mini-batches", "full-batch"],
)
def test_a_padded_run_equals_the_tight_run_after_20_epochs(
    kw: dict[str, Any], frames: list[tuple[int, int]]
) -> None:
    runs = [dict(r) for r in RUNS]
    tight = _train(frames[0], runs=runs, epochs=20, **kw)
    for frame in frames[1:]:
        big = _train(frame, runs=runs, epochs=20, **kw)
        for k in tight.history:
            np.testing.assert_allclose(
                big.history[k], tight.history[k], rtol=1e-5, atol=1e-6, err_msg=f"{frame} {k}"
            )
        for name in ("grad_norms", "weight_norms", "activation_mean", "dead", "boundary"):
            np.testing.assert_allclose(
                getattr(big, name), getattr(tight, name), rtol=1e-5, atol=1e-6, err_msg=name
            )
        np.testing.assert_array_equal(big.act_hist.sum(-1), tight.act_hist.sum(-1))
        for a, b in zip(big.params, tight.params, strict=True):
            for la, lb in zip(a, b, strict=True):
                for k in la:
                    np.testing.assert_allclose(la[k], lb[k], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(big.final_loss, tight.final_loss, rtol=1e-5)
    assert np.all(tight.history["loss"][:, -1] < tight.history["loss"][:, 0])
