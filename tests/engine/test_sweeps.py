"""Sweeps: hyperparameter maps against stability theory, basins of attraction and their
symmetries, the fair comparison's choice of learning rate, and the summary helpers."""

import numpy as np
import pytest

from optiviz.engine.plane import trajectories as T
from optiviz.engine.plane.outcomes import REACH_FACTOR, race_outcomes
from optiviz.engine.plane.surfaces import get_surface
from optiviz.engine.plane.sweeps import (
    DIVERGED,
    NONE,
    basins,
    best_rate,
    classify,
    fair_comparison,
    sweep,
)


# ------------------------------------------------------------ hyperparameter maps
@pytest.mark.parametrize(
    "surface",
    [get_surface("quadratic_bowl"), get_surface("elongated_bowl", kappa=10)],
    ids=["quadratic_bowl", "elongated_bowl"],
)
def test_gd_diverges_exactly_above_two_over_l(surface) -> None:
    # GD on a quadratic multiplies the error along the steepest axis by |1 - lr·L| per
    # step, so it diverges for lr > 2/L and not below.
    lrs = np.logspace(-3, 1, 64)
    s = sweep(surface, "sgd", learning_rates=lrs, steps=300)
    limit = 2.0 / surface.hessian_max
    diverged = s.diverged[:, 0]
    first_unstable = int(np.argmax(lrs > limit))
    first_diverged = int(np.argmax(diverged))
    assert diverged.any()
    assert abs(first_diverged - first_unstable) <= 1
    # one boundary: stable below it, diverged above it (one grid cell of slack)
    assert not diverged[: first_unstable - 1].any()
    assert diverged[first_unstable + 1 :].all()
    assert (s.minimum_index[diverged, 0] == DIVERGED).all()
    assert (s.minimum_index[~diverged, 0] != DIVERGED).all()


def test_momentum_map_matches_heavy_ball_stability() -> None:
    # Keras's SGD with momentum (m ← βm − lr·g; θ ← θ + m) is the heavy ball, stable on a
    # quadratic for lr·L < 2(1 + β). Cells within 10 % of the boundary are not checked:
    # there the growth per step is so close to 1 that 400 steps may not leave the box.
    surface = get_surface("quadratic_bowl")
    L = surface.hessian_max
    lrs = np.logspace(-2, np.log10(4.0), 24)
    betas = np.linspace(0.0, 0.95, 24)
    s = sweep(surface, "momentum", learning_rates=lrs, values=betas, steps=400)
    assert s.param == "momentum"
    ratio = lrs[:, None] * L / (2.0 * (1.0 + betas[None, :]))
    inside, outside = ratio < 0.9, ratio > 1.1
    assert inside.sum() > 100 and outside.sum() > 50  # both regions are well sampled
    assert not s.diverged[inside].any(), np.argwhere(s.diverged & inside)
    assert s.diverged[outside].all(), np.argwhere(~s.diverged & outside)


def test_sweep_shapes_dtypes_and_cell_layout() -> None:
    lrs = [0.001, 0.01, 0.1, 0.5, 2.0]
    gd = sweep("quadratic_bowl", "sgd", learning_rates=lrs, steps=50)
    assert gd.param is None
    assert gd.values.shape == (1,) and np.isnan(gd.values).all()
    for arr in (gd.final_loss, gd.steps_to_eps, gd.diverged, gd.diverged_at, gd.minimum_index):
        assert arr.shape == (5, 1)
    assert np.issubdtype(gd.final_loss.dtype, np.floating)
    assert np.issubdtype(gd.steps_to_eps.dtype, np.integer)
    assert np.issubdtype(gd.diverged_at.dtype, np.integer)
    assert gd.diverged.dtype == np.bool_
    assert gd.minimum_index.dtype == np.int32
    assert np.array_equal(gd.diverged, gd.diverged_at >= 0)
    assert np.isfinite(gd.final_loss).all()
    assert gd.steps == 50 and gd.start == gd.surface.start

    # the default second hyperparameter, and one column when param=None
    betas = [0.0, 0.5, 0.9]
    mom = sweep("quadratic_bowl", "momentum", learning_rates=lrs, values=betas, steps=50)
    assert mom.param == "momentum" and np.allclose(mom.values, betas)
    for arr in (mom.final_loss, mom.steps_to_eps, mom.diverged, mom.minimum_index):
        assert arr.shape == (5, 3)
    one = sweep("quadratic_bowl", "momentum", learning_rates=lrs, param=None, steps=50)
    assert one.param is None and one.final_loss.shape == (5, 1)
    assert one.base["momentum"] == 0.9  # the other hyperparameters keep their defaults

    # cell [i, j] is the run with learning_rates[i] and values[j]
    start = (0.7, -1.3)
    cell = sweep("quadratic_bowl", "momentum", learning_rates=lrs, values=betas, start=start)
    for i, j in [(1, 0), (2, 2), (3, 1)]:
        hp = [{"learning_rate": lrs[i], "momentum": betas[j]}]
        ref = T.run_batch("quadratic_bowl", "momentum", hp, start, cell.steps)
        assert np.isclose(cell.final_loss[i, j], ref["final_loss"][0], rtol=1e-5, atol=1e-12)
        assert cell.steps_to_eps[i, j] == ref["hit_step"][0]


@pytest.mark.parametrize(
    "optimizer, kwargs, message",
    [
        ("sgd", {"param": "momentum"}, "no hyperparameter 'momentum'"),
        ("adam", {"param": "bogus"}, "no hyperparameter 'bogus'"),
        ("adam", {"param": "learning_rate"}, "learning_rate is always"),
        ("adam", {"param": "amsgrad"}, "no default grid"),
        ("sgd", {"learning_rates": [0.1, np.nan]}, "finite"),
        ("sgd", {"learning_rates": [np.inf]}, "finite"),
        ("momentum", {"values": [0.5, np.inf]}, "finite"),
        ("sgd", {"learning_rates": []}, "non-empty"),
    ],
)
def test_sweep_rejects_bad_arguments(optimizer, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        sweep("quadratic_bowl", optimizer, **kwargs)


def test_no_recompile_for_new_sweep_values() -> None:
    # Learning rates, values, start and step count are kernel inputs: a second sweep in
    # the same run bucket (64 / 1024 runs here) reuses the compiled kernels.
    sweep("quadratic_bowl", "sgd", learning_rates=np.logspace(-3, 1, 64), steps=300)
    betas = np.linspace(0.0, 0.95, 24)
    sweep("quadratic_bowl", "momentum", learning_rates=np.logspace(-2, 0.6, 24), values=betas)
    sweep("quadratic_bowl", "adam", learning_rates=np.logspace(-3, 0, 8), values=betas[:8])
    before = sum(T.TRACES.values())
    sweep(
        "quadratic_bowl",
        "sgd",
        learning_rates=np.linspace(0.01, 0.9, 40),
        start=(1.0, -0.5),
        steps=250,
    )
    sweep(
        "quadratic_bowl",
        "momentum",
        learning_rates=np.logspace(-3, 0, 30),
        values=np.linspace(0.1, 0.99, 20),
        start=(0.3, 0.3),
        steps=123,
    )
    sweep(
        "quadratic_bowl",
        "adam",
        learning_rates=np.logspace(-2, -1, 8),
        param="beta_2",
        values=np.linspace(0.9, 0.999, 8),
        steps=77,
    )
    assert sum(T.TRACES.values()) == before


# ------------------------------------------------------------------- basins
def test_basins_on_the_round_bowl_are_symmetric() -> None:
    b = basins("quadratic_bowl", ["sgd", "adam"], grid=41)
    assert b.minimum_index.shape == (2, 41, 41)
    assert b.optimizers == ("sgd", "adam")
    assert np.allclose(b.share_global, 1.0)
    assert (b.minimum_index == 0).all()
    for m in b.minimum_index:
        assert np.array_equal(m, m[::-1])
        assert np.array_equal(m, m[:, ::-1])
        assert np.array_equal(m, m.T)


def test_six_hump_camel_basins_are_point_symmetric() -> None:
    surface = get_surface("six_hump_camel")
    minima = surface.minima_array
    # f(x, y) = f(-x, -y): minimum k's mirror image -p_k is minimum perm[k]
    perm = np.array([np.linalg.norm(minima + p, axis=1).argmin() for p in minima])
    assert np.allclose(minima[perm], -minima, atol=1e-6)
    assert sorted(perm) == list(range(len(minima)))

    b = basins(surface, ["sgd"], grid=41, steps=300)
    m = b.minimum_index[0]
    assert np.allclose(b.xs, -b.xs[::-1]) and np.allclose(b.ys, -b.ys[::-1])
    # rows are y, columns x: the cell nearest each minimum ends in that minimum
    for k, (mx, my) in enumerate(minima):
        i, j = np.abs(b.ys - my).argmin(), np.abs(b.xs - mx).argmin()
        assert m[i, j] == k
    rotated = m[::-1, ::-1]  # the start (-x, -y)
    mapped = np.where(rotated >= 0, perm[np.clip(rotated, 0, None)], rotated)
    # Exact symmetry in exact arithmetic; a start on a basin boundary (a ridge, or a
    # saddle such as the origin) can go either way, and float32 rounding of x and -x is
    # not mirror-exact along a whole path, so a few boundary cells may disagree.
    assert (mapped != m).mean() <= 0.02
    assert set(np.unique(m)) >= set(range(len(minima)))


def test_momentum_skips_the_local_well_more_often_than_gd() -> None:
    # The course's picture: momentum carries runs over the ridge into the deep well.
    # With the race defaults (lr 0.01, β 0.9; grid 41, 300 steps) GD ends in the global
    # minimum from about 56 % of starts, momentum from about 84 %.
    b = basins("two_wells", ["sgd", "momentum"], grid=41, steps=300)
    assert b.hparams[0]["learning_rate"] == b.hparams[1]["learning_rate"] == 0.01
    assert b.hparams[1]["momentum"] == 0.9
    gd, momentum = b.share_global
    assert momentum > gd
    for k in range(2):  # share_global counts the starts ending in minimum 0 (the global one)
        assert np.isclose(b.share_global[k], (b.minimum_index[k] == 0).mean())


def test_diverged_starts_are_coded_minus_two() -> None:
    b = basins("quadratic_bowl", {"sgd": {"learning_rate": 1.5}}, grid=41)
    assert b.hparams[0]["learning_rate"] == 1.5
    m = b.minimum_index[0]
    # every start diverges (|1 - 2·1.5| = 2 > 1) except the one exactly at the minimum,
    # the centre of the odd grid, where the gradient is zero and GD never moves
    centre = np.zeros_like(m, bool)
    centre[20, 20] = True
    assert b.xs[20] == 0.0 and b.ys[20] == 0.0
    assert (m[~centre] == DIVERGED).all()
    assert m[20, 20] == 0
    assert np.isclose(b.share_global[0], 1 / 41**2)


def test_basins_reject_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one"):
        basins("two_wells", [])
    with pytest.raises(ValueError, match="grid"):
        basins("two_wells", ["sgd"], grid=1)
    with pytest.raises(ValueError, match="no hyperparameter"):
        basins("two_wells", {"sgd": {"momentum": 0.9}})


# ---------------------------------------------------------- fair comparison
def _expected_best(steps_to_eps, final_loss, diverged) -> int:
    """The rule written out: fewest steps to ε among the stable runs that reached it,
    ties by lowest final loss; if none reached, the stable run with the lowest loss."""
    ok = ~diverged
    reached = ok & (steps_to_eps >= 0)
    if reached.any():
        fewest = steps_to_eps[reached].min()
        candidates = np.flatnonzero(reached & (steps_to_eps == fewest))
    else:
        candidates = np.flatnonzero(ok)
    return int(candidates[np.argmin(final_loss[candidates])])


def test_fair_comparison_picks_the_best_rate_of_its_grid() -> None:
    grid = np.logspace(-3, 0.5, 15)
    optimizers = ["sgd", "momentum", "adam"]
    f = fair_comparison("quadratic_bowl", optimizers, steps=100, learning_rates=grid)
    assert f.optimizers == tuple(optimizers)
    assert np.array_equal(f.learning_rates, grid)
    assert f.race.n_runs == 3
    for k, name in enumerate(optimizers):
        s = sweep("quadratic_bowl", name, param=None, learning_rates=grid, steps=100)
        args = (s.steps_to_eps[:, 0], s.final_loss[:, 0], s.diverged[:, 0])
        i = best_rate(*args)
        assert i == _expected_best(*args)
        assert f.tuned_lr[k] == grid[i]
        assert f.race.hparams[k]["learning_rate"] == grid[i]
        # the raced run (record mode) is the swept run (summary mode)
        assert f.steps_to_eps[k] == s.steps_to_eps[i, 0]
        assert np.isclose(f.final_loss[k], s.final_loss[i, 0], rtol=1e-4, atol=1e-10)
        assert f.steps_to_eps[k] >= 0  # every one of them reaches the bowl's bottom


def test_fair_comparison_without_any_run_reaching_takes_the_lowest_loss() -> None:
    # Three GD steps of at most lr = 0.1 cannot cover the distance 2 to the minimum.
    grid = np.logspace(-3, -1, 9)
    f = fair_comparison("quadratic_bowl", ["sgd"], steps=3, learning_rates=grid)
    s = sweep("quadratic_bowl", "sgd", param=None, learning_rates=grid, steps=3)
    assert (s.steps_to_eps == -1).all() and f.steps_to_eps[0] == -1
    assert f.tuned_lr[0] == grid[np.argmin(s.final_loss[:, 0])] == grid[-1]


def test_fair_comparison_tuned_runs_end_at_a_minimum() -> None:
    # A "tuned" rate should be one whose run converges. On the round bowl RMSProp with
    # lr = 0.13 reaches ε at step 16 and ends at the minimum, while lr ≥ 0.18 only passes
    # through the ε-ball once (lr = 0.42 at step 3, even lr = 10 at step 5) and then
    # oscillates with an amplitude of about lr (final loss 0.09 at lr = 0.42).
    grid = np.logspace(-4, 1, 41)
    f = fair_comparison("quadratic_bowl", ["sgd", "rmsprop"], steps=300, learning_rates=grid)
    for o in race_outcomes(f.race):
        assert o.reached == "global", (o, dict(zip(f.optimizers, f.tuned_lr, strict=True)))


def test_best_rate_on_hand_made_arrays() -> None:
    no = np.zeros(4, bool)
    # reached beats not reached, even with a higher final loss; then fewest steps
    assert best_rate(np.array([-1, 10, 5, -1]), np.array([0.0, 1.0, 2.0, 0.0]), no) == 2
    # a tie in steps goes to the lower final loss
    assert best_rate(np.array([5, 5, 7, -1]), np.array([0.3, 0.1, 0.0, 0.0]), no) == 1
    # diverged rows are ignored, even when they reached ε first or have the lowest loss
    div = np.array([True, False, False, True])
    assert best_rate(np.array([1, 9, 8, -1]), np.array([0.0, 1.0, 2.0, -5.0]), div) == 2
    # none reached: the lowest final loss among the stable runs
    assert best_rate(np.full(4, -1), np.array([3.0, 1.0, 2.0, 4.0]), no) == 1
    assert best_rate(np.full(4, -1), np.array([-3.0, 2.0, 1.0, -1.0]), div) == 2
    # a single run
    assert best_rate(np.array([-1]), np.array([7.0]), np.array([False])) == 0


# ------------------------------------------------------------------ classify
def test_classify_final_points() -> None:
    surface = get_surface("two_wells")
    eps = T.default_eps(surface)
    reach = REACH_FACTOR * eps
    minima = surface.minima_array
    final = np.array(
        [
            minima[0] + [0.5 * reach, 0.0],
            minima[1] + [0.0, -0.9 * reach],
            minima[0] + [1.5 * reach, 0.0],  # near, but farther than the reach
            [0.0, 1.5],  # far from both
            minima[1],  # at a minimum, but the run diverged
            [0.0, 1.5],  # far, and diverged
        ],
        np.float32,
    )
    diverged = np.array([False, False, False, False, True, True])
    out = classify(surface, final, diverged, eps)
    assert out.dtype == np.int32
    assert out.tolist() == [0, 1, NONE, NONE, DIVERGED, DIVERGED]
    assert (NONE, DIVERGED) == (-1, -2)
    # any leading shape
    grid = np.broadcast_to(final, (3, 6, 2))
    assert np.array_equal(
        classify(surface, grid, np.broadcast_to(diverged, (3, 6)), eps), [out] * 3
    )
    # a surface without known minima: everything is NONE or DIVERGED
    saddle = get_surface("saddle")
    assert classify(saddle, final, diverged, eps).tolist() == [-1, -1, -1, -1, -2, -2]


def test_the_fair_comparison_ranks_only_runs_that_end_in_the_global_minimum() -> None:
    # On the two wells GD once ranked fastest (11 steps) while it settled in the shallow
    # well (-1.093) and Momentum found the deep one (-5.032) in 45 steps.
    f = fair_comparison("two_wells", ["sgd", "momentum", "adam"], steps=300)
    for o, steps in zip(race_outcomes(f.race), f.steps_to_eps, strict=True):
        if steps >= 0:
            assert o.reached == "global" and o.steps_to_eps == steps, o
        else:
            assert o.reached != "global", o
    assert (f.steps_to_eps >= 0).any()


def test_the_race_table_says_when_a_run_passed_through_a_minimum() -> None:
    # a run that comes within ε of a minimum and goes on does not "end" there, and the
    # table says it passed (the caption's one definition: DEFINITION)
    from optiviz.engine.plane.outcomes import DEFINITION
    from optiviz.ui.race_views import _outcome_rows

    r = T.race("quadratic_bowl", [("rmsprop", {"learning_rate": 0.42})], steps=300)
    (o,) = race_outcomes(r)
    assert o.passed_step is not None and o.reached == "none", o
    (row,) = _outcome_rows(r)
    assert f"passed within ε of the global minimum at step {o.passed_step}" in row["ended in"]
    assert "5ε" in DEFINITION and "first came within ε" in DEFINITION
