"""The race kernel: shapes, compile-once, divergence handling, bucket padding."""

import numpy as np
import pytest

import optiviz
from optiviz.engine.plane import trajectories as T


def test_race_shapes_and_labels() -> None:
    r = optiviz.race("two_wells", list(optiviz.OPTIMIZERS), steps=150)
    n = len(optiviz.OPTIMIZERS)
    assert r.path.shape == (n, 151, 2)
    assert r.loss.shape == (n, 151)
    assert r.grad.shape == r.update.shape == r.m.shape == r.s.shape == (n, 150, 2)
    assert r.labels[0] == "GD" and len(set(r.labels)) == n
    assert np.allclose(r.path[:, 0], r.surface.start)
    for arr in (r.path, r.loss, r.grad, r.update, r.m, r.s):
        assert np.isfinite(arr).all()


def test_path_is_consistent_with_updates_and_losses() -> None:
    r = optiviz.race("rosenbrock", {"adam": {"learning_rate": 0.05}}, steps=120)
    assert np.allclose(r.path[0, 1:], r.path[0, :-1] + r.update[0], atol=1e-6)
    f = r.surface.f
    expect = np.array([float(f(x, y)) for x, y in r.path[0]])
    assert np.allclose(r.loss[0], expect, rtol=1e-5, atol=1e-5)


def test_same_optimizer_twice_with_different_settings() -> None:
    r = optiviz.race(
        "two_wells", [("momentum", {"momentum": 0.5}), ("momentum", {"momentum": 0.9})], steps=100
    )
    assert r.labels == ("Momentum (momentum=0.5)", "Momentum (momentum=0.9)")
    assert not np.allclose(r.path[0], r.path[1])


def test_requested_steps_are_exact_inside_a_bucket() -> None:
    # 130 steps runs in the 200-step bucket; the result must equal the first 130 of 200.
    a = optiviz.race("booth", {"nadam": {"learning_rate": 0.3}}, steps=130)
    b = optiviz.race("booth", {"nadam": {"learning_rate": 0.3}}, steps=200)
    assert np.allclose(a.path[0], b.path[0, :131])
    s = optiviz.run_batch("booth", "nadam", [{"learning_rate": 0.3}], (-7.0, -7.0), 130)
    assert np.allclose(s["final_position"][0], b.path[0, 130], atol=1e-6)


def test_no_recompile_for_new_values() -> None:
    # A race compiles once per surface and step bucket (all eight kinds in one kernel);
    # after that, new hyperparameters, starts, step counts in the bucket, subsets and any
    # number of copies of one optimizer (further calls of the same kernel) reuse it.
    key = (T.as_surface("himmelblau").key, "race", True)
    first = T.TRACES[key]
    optiviz.race("himmelblau", list(optiviz.OPTIMIZERS), steps=90)
    assert T.TRACES[key] - first <= 1  # one kernel for all eight (0: another test made it)
    before = sum(T.TRACES.values())
    optiviz.race("himmelblau", ["sgd", "nesterov", ("nesterov", {"momentum": 0.5})], steps=90)
    optiviz.race(
        "himmelblau",
        {"rmsprop": {"learning_rate": 0.2, "rho": 0.5, "centered": 1.0}, "adam": {"beta_1": 0.5}},
        start=(1.0, -2.0),
        steps=70,  # same 100-step bucket
    )
    optiviz.race(
        "himmelblau",
        ["nesterov", ("nesterov", {"momentum": 0.3}), ("nesterov", {"learning_rate": 0.1})],
        steps=99,
    )
    assert sum(T.TRACES.values()) == before


def test_copies_of_one_optimizer_equal_their_runs_alone() -> None:
    settings = [
        ("adam", {"learning_rate": 0.01}),
        ("sgd", {}),
        ("adam", {"learning_rate": 0.1}),
        ("adam", {"learning_rate": 0.3}),
        ("sgd", {"learning_rate": 0.0005}),
    ]
    r = optiviz.race("rosenbrock", settings, steps=300)
    assert r.labels[0] != r.labels[2]
    for i, (name, hp) in enumerate(settings):
        alone = optiviz.race("rosenbrock", {name: hp}, steps=300)
        assert np.array_equal(r.path[i], alone.path[0]), (i, name)
        assert r.hit_step[i] == alone.hit_step[0] and r.diverged_at[i] == alone.diverged_at[0]
        assert np.array_equal(r.m[i], alone.m[0]) and np.array_equal(r.s[i], alone.s[0])


def test_no_recompile_in_batches() -> None:
    hp = np.array([[0.01, 0.9]] * 5, np.float32)
    T.run_batch("quadratic_bowl", "momentum", hp, (1.0, 1.0), 40)
    before = sum(T.TRACES.values())
    hp2 = np.array([[0.1, 0.5]] * 7, np.float32)  # 5 and 7 runs share the 8-run bucket
    T.run_batch("quadratic_bowl", "momentum", hp2, np.ones((7, 2)), 333)  # any step count
    assert sum(T.TRACES.values()) == before


def test_divergence_is_flagged_and_finite() -> None:
    r = optiviz.race("rosenbrock", {"sgd": {"learning_rate": 1e6}}, steps=100)
    assert r.diverged_at[0] >= 1
    assert np.isfinite(r.path).all() and np.isfinite(r.loss).all()
    k = r.diverged_at[0]
    assert np.all(r.path[0, k:] == r.path[0, k - 1])  # frozen at the last good point


def test_divergence_by_leaving_the_box() -> None:
    # GD on x² + y² with lr = 1.5 > 2/L = 1 grows by |1 - 2 lr| = 2 per step.
    r = optiviz.race("quadratic_bowl", {"sgd": {"learning_rate": 1.5}}, steps=50)
    k = int(r.diverged_at[0])
    assert 0 < k < 50
    assert np.abs(r.path[0]).max() <= T.DIVERGE_FACTOR * r.surface.scale * 2


def test_stable_run_is_not_diverged_and_reaches_minimum() -> None:
    r = optiviz.race("quadratic_bowl", {"sgd": {"learning_rate": 0.1}}, steps=200)
    assert r.diverged_at[0] == -1
    assert r.hit_step[0] > 0 and r.hit_index[0] == 0
    assert np.linalg.norm(r.path[0, -1]) < 1e-3


def test_summary_mode_matches_record_mode() -> None:
    hp = [{"learning_rate": lr} for lr in (0.001, 0.01, 0.1, 0.3)]  # non-chaotic runs
    a = T.run_batch("two_wells", "adam", hp, (1.5, 1.5), 300)
    b = T.run_batch("two_wells", "adam", hp, (1.5, 1.5), 300, record=True)
    for key in ("final_position", "final_loss", "diverged_at", "hit_step", "hit_index"):
        assert np.allclose(a[key], b[key], atol=1e-5), key


def test_formula_surface_race() -> None:
    r = optiviz.race(
        "x**2 + 10*y**2", {"adam": {"learning_rate": 0.1}}, start=(1.5, 1.0), steps=300
    )
    assert r.surface.name == "custom"
    assert np.linalg.norm(r.path[0, -1]) < 0.05


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"steps": 0}, "at least 1"),
        ({"steps": T.MAX_STEPS + 1}, "at most"),
        ({"start": (np.nan, 0.0)}, "finite"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        optiviz.race("two_wells", ["sgd"], **kwargs)


def test_unknown_optimizer_and_hparam() -> None:
    with pytest.raises(ValueError, match="unknown optimizer"):
        optiviz.race("two_wells", ["adamw"])
    with pytest.raises(ValueError, match="no hyperparameter"):
        optiviz.race("two_wells", {"sgd": {"momentum": 0.9}})


def test_start_with_infinite_loss_is_rejected() -> None:
    surf = optiviz.parse_surface("log(x + 3)", domain=((-2, 2), (-2, 2)))
    with pytest.raises(ValueError, match="not finite"):
        optiviz.race(surf, ["sgd"], start=(-5.0, 0.0))


def test_buckets() -> None:
    assert T.bucket_steps(1) == 100 and T.bucket_steps(500) == 500 and T.bucket_steps(501) == 1000
    assert [T.bucket_runs(n) for n in (1, 2, 3, 5, 16, 17)] == [1, 2, 4, 8, 16, 32]
    assert T.bucket_runs(4096) == 4096 and T.bucket_runs(40_000) == 40_960


def test_concurrent_sessions_compile_a_new_scene_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    surface = optiviz.get_surface("elongated_bowl", kappa=7.25)  # a scene no test used before
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda _: optiviz.race(surface, ["sgd", "adam"], steps=60), range(4))
        )
    traced = {k: v for k, v in T.TRACES.items() if k[0] == surface.key}
    assert traced == {(surface.key, "race", True): 1}
    assert all(np.array_equal(r.path, results[0].path) for r in results)


@pytest.mark.parametrize(
    "surface, hp",
    [
        ("two_wells", {}),
        ("rosenbrock", {"learning_rate": 0.05}),  # some diverge, some do not
        ("himmelblau", {"learning_rate": 0.02}),
    ],
)
def test_race_kernel_matches_the_per_kind_kernels(surface: str, hp: dict) -> None:
    # The race runs every kind in one kernel and does its bookkeeping after the loops;
    # the per-kind kernels (run_batch) do it inside. Both must record the same race.
    names = list(optiviz.OPTIMIZERS)
    r = optiviz.race(surface, {n: hp for n in names}, steps=150)
    for i, name in enumerate(names):
        b = T.run_batch(surface, name, [hp], r.start, 150, record=True)
        for key in ("path", "update", "m", "s"):  # the same rules (XLA may fuse differently)
            np.testing.assert_allclose(
                getattr(r, key)[i], b[key][0], rtol=1e-5, atol=1e-6, err_msg=f"{name} {key}"
            )
        for key in ("loss", "grad"):  # evaluated again after the loop: rounding may differ
            np.testing.assert_allclose(
                getattr(r, key)[i], b[key][0], rtol=1e-4, atol=1e-4, err_msg=f"{name} {key}"
            )
        for key in ("diverged_at", "hit_step", "hit_index"):
            assert getattr(r, key)[i] == b[key][0], (name, key)


def test_kernels_stay_within_their_budget_and_come_back_equal() -> None:
    # The engine keeps at most BUDGETS[family] kernels of a family loaded, dropping the
    # least recently used; a dropped kernel is built again when asked for, same result.
    from optiviz.engine import kernels

    budget = kernels.BUDGETS["race"]
    first = optiviz.race("booth", ["adam", ("adam", {"learning_rate": 0.5})], steps=40)
    names = [n for n in optiviz.SURFACE_NAMES if n != "booth"][: budget + 1]
    dropped = kernels.DROPS["race"]
    for name in names:
        optiviz.race(name, ["sgd"], steps=40)
        assert kernels.loaded("race") <= budget
    assert kernels.DROPS["race"] > dropped  # booth's kernel was dropped along the way
    again = optiviz.race("booth", ["adam", ("adam", {"learning_rate": 0.5})], steps=40)
    assert np.array_equal(first.path, again.path) and np.array_equal(first.m, again.m)
