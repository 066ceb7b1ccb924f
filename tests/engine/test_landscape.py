"""The loss landscape of a trained network (issue #22): the slice, its directions, the
projected paths, the 1D interpolations and the sharpness, each against an oracle
(Keras's ``evaluate``, numpy's SVD, a dense ``jax.hessian``, a known spectrum)."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import optiviz
from optiviz.engine.networks import landscape as L
from optiviz.engine.networks import padded

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="module")
def trained() -> optiviz.TrainResult:
    ds = optiviz.make_dataset("moons", n=300, noise=0.2, seed=1)
    return optiviz.train(ds, hidden=(8, 6), epochs=50, optimizers={
        "sgd": {"learning_rate": 0.5}, "adam": {"learning_rate": 0.02}})  # fmt: skip


def test_the_slice_centre_is_keras_evaluate_on_the_training_data(trained) -> None:
    """L(θ*) in inference mode over the whole training set is what Keras's evaluate
    reports for the exported model; the path's last point sits at (0, 0) on the plane."""
    pytest.importorskip("keras")
    ds = trained.dataset
    for run, directions in ((0, "filter"), (1, "pca"), (1, "shared")):
        s = optiviz.loss_slice(trained, run, directions, grid=5)
        assert s.loss[2, 2] == pytest.approx(s.true_loss[run, -1], rel=1e-6)
        model = optiviz.to_keras(trained, run)
        model.compile(loss="binary_crossentropy")
        keras_loss = model.evaluate(ds.X_train, ds.y_train, verbose=0, batch_size=len(ds.X_train))
        assert s.loss[2, 2] == pytest.approx(keras_loss, rel=2e-5)
        np.testing.assert_allclose(s.paths[run, -1], 0.0, atol=1e-6)
        assert s.off_plane[run, -1] == pytest.approx(0.0, abs=1e-6)
        # the loss the plane shows at each projected point is the loss there
        assert s.plane_loss[run, -1] == pytest.approx(s.true_loss[run, -1], rel=1e-6)
        assert s.rows_used == s.rows_total == ds.n_train


def test_penalties_are_part_of_the_landscape() -> None:
    ds = optiviz.make_dataset("xor", n=100, seed=0)
    r = optiviz.train(ds, hidden=(4,), epochs=5, l2=0.01)
    plain = dataclasses.replace(r, runs=[dataclasses.replace(r.runs[0], l2=0.0)])
    w = np.concatenate([layer["w"].ravel() for layer in r.params[0]])
    centre = optiviz.loss_slice(r, grid=3).loss[1, 1]
    without = optiviz.loss_slice(plain, grid=3).loss[1, 1]
    assert centre - without == pytest.approx(0.01 * float(np.sum(w**2)), rel=1e-4)


def test_filter_normalized_directions_have_the_weights_norms(trained) -> None:
    ctx = L._context(trained, 0)
    theta = trained.weights[0, -1]
    d = L._filter_direction(ctx, theta, np.random.default_rng(3))
    p, s = ctx.width, padded.SLOTS
    full_w = L._padded(ctx, theta)[: s * p * p].reshape(s, p, p)
    full_d = L._padded(ctx, d)
    dw = full_d[: s * p * p].reshape(s, p, p)
    np.testing.assert_allclose(np.linalg.norm(dw, axis=1), np.linalg.norm(full_w, axis=1),
                               rtol=1e-5, atol=1e-7)  # fmt: skip
    assert np.all(full_d[s * p * p :] == 0)  # biases (and BN's γ, β) stay
    assert np.linalg.norm(d) > 0


def test_pca_directions_are_the_trajectorys_principal_axes(trained) -> None:
    s = optiviz.loss_slice(trained, 1, "pca", grid=3)
    traj = trained.weights[1].astype(np.float64) - trained.weights[1, -1]
    _, sv, vt = np.linalg.svd(traj, full_matrices=False)
    np.testing.assert_allclose(s.explained, sv[:2] ** 2 / np.sum(sv**2), rtol=1e-6)
    d, _ = L._pca(trained, 1, trained.weights[1, -1])
    unit = d / np.linalg.norm(d, axis=1, keepdims=True)
    np.testing.assert_allclose(unit @ unit.T, np.eye(2), atol=1e-5)
    np.testing.assert_allclose(np.abs(unit @ vt[:2].T), np.eye(2), atol=1e-4)
    # ±1 spans the path: its farthest point along each axis is at |1|
    np.testing.assert_allclose(np.abs(s.paths[1]).max(axis=0), 1.0, rtol=1e-4)
    # the run's path lies almost in its own PCA plane (most variance explained)
    assert np.max(s.off_plane_share[1]) < 0.6


def test_projection_recovers_points_that_lie_on_the_plane(trained) -> None:
    """A path whose points are θ* + a·d₁ + b·d₂ projects back to (a, b), off-plane 0,
    and its true loss equals the plane's."""
    s0 = optiviz.loss_slice(trained, 0, "shared", grid=3)
    ctx = L._context(trained, 0)
    theta = trained.weights[0, -1]
    d, _ = L._directions(trained, ctx, 0, theta, "shared", 0)
    coeffs = np.array([[0.3, -0.2], [0.0, 0.5], [-0.7, 0.1]])
    fake = trained.weights.copy()
    fake[0, :3] = theta + (coeffs @ d.astype(np.float64)).astype(np.float32)
    s = optiviz.loss_slice(dataclasses.replace(trained, weights=fake), 0, "shared", grid=3)
    np.testing.assert_allclose(s.paths[0, :3], coeffs, atol=1e-5)
    np.testing.assert_allclose(s.off_plane[0, :3], 0.0, atol=1e-4)
    np.testing.assert_allclose(s.plane_loss[0, :3], s.true_loss[0, :3], rtol=1e-5)
    np.testing.assert_allclose(s.loss, s0.loss)  # the plane did not move


def test_the_interpolations_start_and_end_where_they_should(trained) -> None:
    line = optiviz.interpolation(trained, 0)
    t0, t1 = int(np.argmin(np.abs(L.INTERP))), int(np.argmin(np.abs(L.INTERP - 1)))
    s = optiviz.loss_slice(trained, 0, grid=3)
    assert line[t1] == pytest.approx(s.true_loss[0, -1], rel=1e-6)
    assert line[t0] == pytest.approx(s.true_loss[0, 0], rel=1e-6)
    between = optiviz.interpolation(trained, 0, to=1)
    assert between[t0] == pytest.approx(s.true_loss[0, -1], rel=1e-6)
    assert np.isfinite(between).all() and len(between) == len(L.INTERP)


# -------------------------------------------------------------------- sharpness
def test_lanczos_finds_the_top_of_a_known_spectrum() -> None:
    """A network's Hessian has a bulk near 0 and a few outliers (Sagun et al. 2017);
    the top is found to 1e-3, also when a negative eigenvalue is larger in size."""
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(60, 60)))
    bulk = np.linspace(-0.5, 1.0, 57)
    for spectrum in (np.r_[bulk, 2.5, 4.0, 5.0], np.r_[bulk, -12.0, 2.0, 3.0]):
        A = jnp.asarray((q * spectrum) @ q.T, jnp.float32)
        a, b = L._lanczos(lambda v, A=A: A @ v, jnp.asarray(rng.normal(size=60), jnp.float32),
                          L.LANCZOS)  # fmt: skip
        assert float(L.top_ritz(a, b)) == pytest.approx(spectrum.max(), rel=1e-3)


def test_sharpness_equals_a_dense_hessian_on_a_tiny_network() -> None:
    ds = optiviz.make_dataset("xor", n=60, seed=2)
    r = optiviz.train(ds, hidden=(4,), epochs=20, optimizers={"sgd": {"learning_rate": 0.5}},
                      sharpness=True)  # fmt: skip
    n = r.weights.shape[2]
    assert n <= 100 and r.sharpness.shape == r.weights.shape[:2]
    ctx = L._context(r, 0)

    def loss(w):
        full = jnp.zeros(ctx.layout.size).at[ctx.real].set(w)
        return L._loss(ctx.layout, jax.device_put(ctx.data), full)

    for j in (0, len(r.weight_snapshots) // 2, -1):
        H = np.asarray(jax.hessian(loss)(jnp.asarray(r.weights[0, j])), np.float64)
        top = np.linalg.eigvalsh((H + H.T) / 2)[-1]
        assert r.sharpness[0, j] == pytest.approx(top, rel=1e-3), j


def test_the_edge_of_stability_rule() -> None:
    ds = optiviz.make_dataset("xor", n=40, seed=0)
    r = optiviz.train(ds, hidden=(4,), epochs=10, optimizers=[
        ("sgd", {"learning_rate": 0.2}), ("momentum", {"learning_rate": 0.1, "momentum": 0.5}),
        ("nesterov", {"learning_rate": 0.1, "momentum": 0.5}), ("adam", {})])  # fmt: skip
    gd = L.stability(r, 0, np.array([1.0, 5.0, 9.5, 10.4, 9.9, 10.0, 10.2]))
    assert gd.threshold == pytest.approx(10.0) and gd.verdict == "edge"
    assert "2/η = 10" in gd.sentence
    assert L.stability(r, 0, np.full(6, 5.0)).verdict == "below"
    assert L.stability(r, 0, np.full(6, 13.0)).verdict == "above"
    assert L.stability(r, 1, np.full(6, 1.0)).threshold == pytest.approx(3.0 / 0.1)
    assert L.stability(r, 2, np.full(6, 1.0)).threshold == pytest.approx(3.0 / (2.0 * 0.1))
    assert L.stability(r, 3, np.full(6, 1.0)).verdict == "none"


def test_training_further_keeps_the_weights_and_their_snapshots(trained) -> None:
    more = optiviz.train_further(trained, 10)
    assert more.weights.shape[1] == len(more.weight_snapshots)
    assert more.weight_snapshots[-1] == len(more.snapshot_epochs) - 1
    np.testing.assert_array_equal(more.weights[:, 0], trained.weights[:, 0])
    final = padded.Layout(L._context(more, 0).width).pad(more.arch, more.params[0])
    np.testing.assert_array_equal(more.weights[0, -1], final[L._context(more, 0).real])


def test_bad_requests_say_why(trained) -> None:
    with pytest.raises(ValueError, match="directions must be one of"):
        optiviz.loss_slice(trained, 0, "random")
    with pytest.raises(ValueError, match="grid"):
        optiviz.loss_slice(trained, 0, grid=500)
    with pytest.raises(ValueError, match="run"):
        optiviz.loss_slice(trained, 5)
    few = dataclasses.replace(trained, weights=trained.weights[:, -2:],
                              weight_snapshots=trained.weight_snapshots[-2:])  # fmt: skip
    with pytest.raises(ValueError, match="three or more snapshots"):
        optiviz.loss_slice(few, 0, "pca")


def test_sharpness_of_a_quadratic_model_is_its_known_top_eigenvalue() -> None:
    """Linear regression scored with the mean squared error is a quadratic in (w, b):
    its Hessian is (2/n)·Σ [x, 1][x, 1]ᵀ at every point, the same for the whole path."""
    ds = optiviz.make_dataset("reg_plane", n=200, seed=3)
    r = optiviz.train(ds, hidden=(), epochs=15, optimizers={"sgd": {"learning_rate": 0.05}},
                      sharpness=True)  # fmt: skip
    xa = np.hstack([ds.X_train, np.ones((ds.n_train, 1))]).astype(np.float64)
    top = np.linalg.eigvalsh(2.0 / ds.n_train * xa.T @ xa)[-1]
    np.testing.assert_allclose(r.sharpness[0], top, rtol=1e-4)
