"""The built-in loss surfaces: metadata, listed minima, parameters and grids.

Every listed minimum is checked three ways: the float32 gradient vanishes there
(relative to the surface's own gradient scale), the value matches both the
listed and the published value, and the point is a local minimum (values
around it are not lower). A fine grid over each domain then checks that no
unlisted minimum is deeper than the listed global one.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from optiviz.engine.plane.surfaces import SURFACE_NAMES, Minimum, Surface, get_surface

WITH_MINIMA = [n for n in SURFACE_NAMES if get_surface(n).minima]
#: surfaces whose Hessian is constant, with the largest eigenvalue recorded
QUADRATICS = [n for n in SURFACE_NAMES if get_surface(n).hessian_max is not None]


def _point(m: Minimum) -> jax.Array:
    return jnp.array([m.x, m.y], jnp.float32)


def _grid_points(s: Surface, n: int) -> jax.Array:
    xs, ys, _ = s.grid(n)
    X, Y = np.meshgrid(xs, ys)
    return jnp.stack([X.ravel(), Y.ravel()], axis=-1)


@functools.cache
def _derivatives(name: str) -> tuple:
    """Jitted ∇J and ∇²J of a built-in surface (eager dispatch is the slow part here)."""
    s = get_surface(name)
    return jax.jit(jax.grad(s.loss)), jax.jit(jax.hessian(s.loss))


@functools.cache
def _gradient_scale(name: str) -> float:
    """Median |∇J| over the domain: what "a large gradient" means on this surface."""
    s = get_surface(name)
    grad, _ = _derivatives(name)
    norms = jnp.linalg.norm(jax.vmap(grad)(_grid_points(s, 61)), axis=-1)
    return float(jnp.median(norms))


def _minima_cases() -> list:
    return [
        pytest.param(name, i, id=f"{name}-{i}")
        for name in WITH_MINIMA
        for i in range(len(get_surface(name).minima))
    ]


# ------------------------------------------------------------------ metadata
def test_at_least_fourteen_builtin_surfaces():
    assert len(SURFACE_NAMES) >= 14
    assert len(set(SURFACE_NAMES)) == len(SURFACE_NAMES)


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_metadata(name):
    s = get_surface(name)
    assert isinstance(s, Surface)
    assert s.name == name
    # parameterised surfaces add their parameters: "elongated_bowl(kappa=10)"
    assert s.key == name if not s.params else s.key.startswith(f"{name}(")
    assert s.title and s.latex and s.description
    (x0, x1), (y0, y1) = s.domain
    assert x0 < x1 and y0 < y1
    sx, sy = s.start
    assert x0 <= sx <= x1 and y0 <= sy <= y1
    assert math.isfinite(float(s(jnp.float32(sx), jnp.float32(sy))))
    assert s.scale > 0
    cx, cy = s.center
    assert x0 < cx < x1 and y0 < cy < y1
    assert not s.minima_estimated
    for m in s.minima:
        assert x0 <= m.x <= x1 and y0 <= m.y <= y1, f"{name}: {m} outside the domain"


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_key_equality_and_hash(name):
    a, b = get_surface(name), get_surface(name)
    assert a == b and hash(a) == hash(b)
    assert get_surface(a) is a  # a Surface passes through
    assert len({get_surface(n) for n in SURFACE_NAMES}) == len(SURFACE_NAMES)


def test_name_normalisation():
    assert get_surface("Two-Wells").key == "two_wells"
    assert get_surface(" six hump camel ").key == "six_hump_camel"


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_minima_bookkeeping(name):
    s = get_surface(name)
    arr = s.minima_array
    assert arr.dtype == np.float32 and arr.shape == (len(s.minima), 2)
    if not s.minima:
        assert s.min_value is None and s.global_minima == ()
        return
    assert s.global_minima, "a surface with minima must mark at least one global"
    g = s.global_minima[0].value
    assert s.min_value == pytest.approx(g)
    for m in s.minima:
        if m.is_global:
            assert m.kind == "global"
            assert m.value == pytest.approx(g, rel=1e-6, abs=1e-9)
        else:
            assert m.kind == "local"
            assert m.value > g, f"{name}: local minimum {m} is not above the global value {g}"


def test_surfaces_without_minima_are_the_saddles():
    assert {n for n in SURFACE_NAMES if not get_surface(n).minima} == {"saddle", "monkey_saddle"}


# ------------------------------------------------------------------- minima
@pytest.mark.parametrize(("name", "i"), _minima_cases())
def test_gradient_vanishes_at_minimum(name, i):
    s = get_surface(name)
    m = s.minima[i]
    p = _point(m)
    grad, hessian = _derivatives(name)
    g = np.asarray(grad(p), np.float64)
    assert np.all(np.isfinite(g))
    # float32 roundoff in ∇J is ~1e-7 of the gradient sizes met on the surface; the
    # listed minima reach at most ~1e-6 of the median, so 1e-5 leaves headroom while
    # still failing for a point off by ~1e-5 of the domain.
    scale = _gradient_scale(name)
    assert np.linalg.norm(g) <= 1e-5 * scale, f"{name} {m}: |grad| = {np.linalg.norm(g):.3g}"
    # Second-order check: the Hessian is positive definite and a Newton step from the
    # listed point to the true stationary point is tiny compared with the domain.
    h = np.asarray(hessian(p), np.float64)
    eig = np.linalg.eigvalsh(0.5 * (h + h.T))
    assert eig.min() > 0, f"{name} {m}: Hessian eigenvalues {eig}"
    newton = np.linalg.solve(h, g)
    assert np.linalg.norm(newton) <= 1e-5 * s.scale


@pytest.mark.parametrize(("name", "i"), _minima_cases())
def test_value_at_minimum_matches_listed(name, i):
    s = get_surface(name)
    m = s.minima[i]
    v = float(s.loss(_point(m)))
    assert v == pytest.approx(m.value, rel=1e-4, abs=1e-5)


@pytest.mark.parametrize(("name", "i"), _minima_cases())
def test_minimum_is_local_minimum(name, i):
    s = get_surface(name)
    m = s.minima[i]
    v0 = float(s.loss(_point(m)))
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    dirs = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    for r in (1e-3 * s.scale, 1e-2 * s.scale):
        pts = jnp.asarray(np.array([m.x, m.y]) + r * dirs, jnp.float32)
        vals = np.asarray(jax.vmap(s.loss)(pts))
        assert np.all(vals >= v0), f"{name} {m}: lower value {vals.min()} at radius {r}"
    # at the larger radius the rise must be visible, not float32 noise
    assert np.all(vals > v0)


# Published minima (position, value) from the test-function literature.
PUBLISHED = [
    ("rosenbrock", 1.0, 1.0, 0.0),
    ("beale", 3.0, 0.5, 0.0),
    ("himmelblau", 3.0, 2.0, 0.0),
    ("himmelblau", -2.805118, 3.131312, 0.0),
    ("himmelblau", -3.779310, -3.283186, 0.0),
    ("himmelblau", 3.584428, -1.848126, 0.0),
    ("booth", 1.0, 3.0, 0.0),
    ("six_hump_camel", 0.0898, -0.7126, -1.0316),
    ("six_hump_camel", -0.0898, 0.7126, -1.0316),
    ("goldstein_price", 0.0, -1.0, 3.0),
    ("ackley", 0.0, 0.0, 0.0),
    ("rastrigin", 0.0, 0.0, 0.0),
    ("quadratic_bowl", 0.0, 0.0, 0.0),
    ("plateau", 0.0, 0.0, 0.0),
    ("sin_valley", -math.pi / 2, 0.0, -1.0),
]


@pytest.mark.parametrize(("name", "x", "y", "value"), PUBLISHED)
def test_published_global_minima(name, x, y, value):
    s = get_surface(name)
    near = [m for m in s.global_minima if math.hypot(m.x - x, m.y - y) < 1e-3]
    assert len(near) == 1, f"{name}: no listed global minimum at ({x}, {y})"
    assert near[0].value == pytest.approx(value, abs=1e-4)
    assert float(s.loss(jnp.array([x, y], jnp.float32))) == pytest.approx(value, abs=1e-4)


def test_himmelblau_has_four_equal_global_minima():
    s = get_surface("himmelblau")
    assert len(s.global_minima) == 4
    assert all(m.value == 0.0 for m in s.minima)


def test_six_hump_camel_two_globals_four_locals():
    s = get_surface("six_hump_camel")
    assert len(s.global_minima) == 2
    assert len(s.minima) == 6
    assert s.min_value == pytest.approx(-1.0316, abs=1e-4)


def test_two_wells_deep_left_shallow_right():
    s = get_surface("two_wells")
    (glob,) = s.global_minima
    (local,) = [m for m in s.minima if not m.is_global]
    assert glob.x < 0 < local.x
    assert glob.value < local.value
    # the starting point (upper right) lies nearer the shallow well
    sx, sy = s.start
    assert math.hypot(sx - local.x, sy - local.y) < math.hypot(sx - glob.x, sy - glob.y)


@pytest.mark.parametrize("name", WITH_MINIMA)
def test_no_unlisted_deeper_minimum_in_domain(name):
    s = get_surface(name)
    xs, ys, Z = s.grid(801)
    g = s.global_minima[0].value
    assert Z.min() >= g - 1e-4 * (1 + abs(g)), f"{name}: grid value {Z.min()} below {g}"
    # and the grid's lowest point sits next to one of the listed global minima
    i, j = np.unravel_index(np.argmin(Z), Z.shape)
    step = max(xs[1] - xs[0], ys[1] - ys[0])
    dist = min(math.hypot(xs[j] - m.x, ys[i] - m.y) for m in s.global_minima)
    assert dist <= 0.02 * s.scale + 2 * step, f"{name}: grid minimum at ({xs[j]}, {ys[i]})"


def test_rastrigin_local_minima_values():
    """The 1-D Rastrigin minima, checked in float64 against the closed form."""
    s = get_surface("rastrigin")

    def f(z):
        return z * z - 10 * math.cos(2 * math.pi * z) + 10

    for m in s.minima:
        assert f(m.x) + f(m.y) == pytest.approx(m.value, abs=1e-6)
    assert len(s.minima) == 25  # 5 × 5 lattice of the minima in [-2.5, 2.5]²


# ------------------------------------------------------------- quadratics
@pytest.mark.parametrize("name", QUADRATICS)
def test_hessian_max_is_largest_curvature(name):
    s = get_surface(name)
    pts = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (5, 2)), jnp.float32)
    for p in pts:
        eig = np.linalg.eigvalsh(np.asarray(_derivatives(name)[1](p), np.float64))
        assert eig.max() == pytest.approx(s.hessian_max, rel=1e-5)


# ---------------------------------------------------------- parameterised
def test_elongated_bowl_kappa():
    default = get_surface("elongated_bowl")
    s = get_surface("elongated_bowl", kappa=50)
    assert s.hessian_max == 100
    assert s.key != default.key and s != default
    assert dict(s.params) == {"kappa": 50.0}
    assert "50" in s.title and "50" in s.latex
    assert float(s(jnp.float32(0.0), jnp.float32(1.0))) == pytest.approx(50.0)
    assert get_surface("elongated_bowl", kappa=10).key == default.key


def test_rotated_bowl_valley_direction():
    s = get_surface("rotated_bowl", kappa=30, angle=60)
    h = np.asarray(jax.hessian(s.loss)(jnp.zeros(2, jnp.float32)), np.float64)
    eig, vec = np.linalg.eigh(h)
    assert eig == pytest.approx([2.0, 60.0], rel=1e-5)
    floor = vec[:, 0]  # the gentle direction runs at the given angle
    assert abs(floor @ [math.cos(math.radians(60)), math.sin(math.radians(60))]) == pytest.approx(
        1.0, abs=1e-5
    )
    assert s.key != get_surface("rotated_bowl").key


def test_parameter_keys_never_collide():
    """Keys cache compiled kernels: different parameters must give different keys."""
    a = get_surface("elongated_bowl", kappa=1234.567)
    b = get_surface("elongated_bowl", kappa=1234.5671)
    assert a.key != b.key
    c = get_surface("rotated_bowl", angle=30.0000001)
    assert c.key != get_surface("rotated_bowl").key
    # ... while the default values keep their short form
    assert get_surface("elongated_bowl", kappa=10.0).key == "elongated_bowl(kappa=10)"


@pytest.mark.parametrize("kappa", [0, 0.5, -3, 1e5, float("nan"), float("inf")])
@pytest.mark.parametrize("name", ["elongated_bowl", "rotated_bowl"])
def test_invalid_kappa(name, kappa):
    with pytest.raises(ValueError, match="kappa"):
        get_surface(name, kappa=kappa)


@pytest.mark.parametrize("angle", [float("nan"), float("inf")])
def test_invalid_angle(angle):
    with pytest.raises(ValueError, match="angle"):
        get_surface("rotated_bowl", angle=angle)


def test_unknown_name_lists_the_choices():
    with pytest.raises(ValueError, match="unknown surface") as err:
        get_surface("no_such_surface")
    for name in SURFACE_NAMES:
        assert name in str(err.value)


@pytest.mark.parametrize(
    ("name", "params", "hint"),
    [
        ("two_wells", {"kappa": 3}, "takes no parameters"),
        ("elongated_bowl", {"angle": 3}, "takes only kappa"),
    ],
)
def test_unexpected_parameters_are_value_errors(name, params, hint):
    with pytest.raises(ValueError, match=hint):
        get_surface(name, **params)


# ------------------------------------------------------------------- grids
@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_grid_shape_orientation_and_finiteness(name):
    s = get_surface(name)
    xs, ys, Z = s.grid(37)
    assert xs.shape == (37,) and ys.shape == (37,) and Z.shape == (37, 37)
    assert Z.dtype == np.float32 and np.all(np.isfinite(Z))
    (x0, x1), (y0, y1) = s.domain
    assert xs[0] == pytest.approx(x0) and xs[-1] == pytest.approx(x1)
    assert ys[0] == pytest.approx(y0) and ys[-1] == pytest.approx(y1)
    i, j = 5, 30  # Z[i, j] = J(xs[j], ys[i])
    assert Z[i, j] == pytest.approx(float(s(xs[j], ys[i])), rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_gradient_finite_everywhere_on_grid(name):
    s = get_surface(name)
    grads = jax.vmap(_derivatives(name)[0])(_grid_points(s, 41))  # includes the centre
    assert bool(jnp.all(jnp.isfinite(grads)))


def test_ackley_gradient_at_exact_origin_is_finite():
    s = get_surface("ackley")
    g = jax.grad(s.loss)(jnp.zeros(2, jnp.float32))
    assert bool(jnp.all(jnp.isfinite(g)))
    assert np.allclose(np.asarray(g), 0.0)
    # the gradient under jit (as the race kernels use it) agrees
    gj = jax.jit(jax.grad(s.loss))(jnp.zeros(2, jnp.float32))
    assert bool(jnp.all(jnp.isfinite(gj)))
