"""Two-dimensional loss surfaces to race optimizers on.

A :class:`Surface` is a loss J(x, y) written with ``jax.numpy`` plus what a
picture of it needs: a plotting domain, the known minima (global and local),
a suggested start and whether its colours read better on a log scale.

The classics come from the optimization test-function literature (Rosenbrock
1960, Beale 1958, Himmelblau 1972, Goldstein & Price 1971, Rastrigin 1974,
Ackley 1987, Dixon & Szegő's six-hump camel), with minima as published; the
tests check each one has a vanishing gradient and the published value.
``two_wells`` is the surface of the course's classic animation.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Array = Any

#: the grid the pages draw a surface on (and the one warmed up for every surface)
GRID = 120


@dataclass(frozen=True)
class Minimum:
    """A known minimum: position, value and whether it is the global one."""

    x: float
    y: float
    value: float
    is_global: bool = True

    @property
    def kind(self) -> str:
        return "global" if self.is_global else "local"


@dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface J(x, y) and how to draw it.

    ``key`` identifies the surface (name plus parameters, or the formula) and
    is what compiled kernels are cached by, so two surfaces with the same key
    must compute the same function.
    """

    key: str
    name: str
    title: str
    f: Callable[[Array, Array], Array]
    domain: tuple[tuple[float, float], tuple[float, float]]
    minima: tuple[Minimum, ...]
    start: tuple[float, float]
    log_scale: bool = False
    latex: str = ""
    description: str = ""
    #: largest Hessian eigenvalue L where it is constant (quadratics): GD is stable for lr < 2/L
    hessian_max: float | None = None
    #: minima found numerically on a grid (typed formulas) rather than known exactly
    minima_estimated: bool = False
    params: tuple[tuple[str, float], ...] = field(default=())

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Surface) and other.key == self.key

    def __call__(self, x: Array, y: Array) -> Array:
        return self.f(x, y)

    def loss(self, p: Array) -> Array:
        """J at a point ``p = (x, y)`` (the form ``jax.grad`` wants)."""
        return self.f(p[..., 0], p[..., 1])

    @property
    def global_minima(self) -> tuple[Minimum, ...]:
        return tuple(m for m in self.minima if m.is_global)

    @property
    def minima_array(self) -> np.ndarray:
        """Minima positions as an (n, 2) float32 array (empty (0, 2) if none)."""
        return np.array([(m.x, m.y) for m in self.minima], np.float32).reshape(-1, 2)

    @property
    def min_value(self) -> float | None:
        return min((m.value for m in self.minima), default=None)

    @property
    def scale(self) -> float:
        """Half the larger side of the domain: the surface's length scale."""
        (x0, x1), (y0, y1) = self.domain
        return 0.5 * max(x1 - x0, y1 - y0)

    @property
    def center(self) -> tuple[float, float]:
        (x0, x1), (y0, y1) = self.domain
        return 0.5 * (x0 + x1), 0.5 * (y0 + y1)

    def grid(self, n: int = GRID) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Evaluate J on an n×n grid over the domain: (xs, ys, Z) with Z[i, j] = J(xs[j], ys[i])."""
        (x0, x1), (y0, y1) = self.domain
        xs = np.linspace(x0, x1, n, dtype=np.float32)
        ys = np.linspace(y0, y1, n, dtype=np.float32)
        X, Y = np.meshgrid(xs, ys)
        Z = np.asarray(_grid_kernel(self)(X, Y), np.float32)
        return xs, ys, Z


@functools.lru_cache(maxsize=64)
def _grid_kernel(surface: Surface) -> Any:
    """``surface.f`` over a grid, compiled as one kernel: run operation by operation,
    JAX compiles each operation for each new shape and constant (a new surface or
    formula met a handful of those compilations); one kernel per surface is small
    and quick to compile, and the built-in surfaces are compiled ahead
    (``trajectories._warm_up``)."""
    return jax.jit(lambda x, y: jnp.broadcast_to(surface.f(x, y), x.shape))


# ----------------------------------------------------------------- definitions
def _two_wells(x: Array, y: Array) -> Array:
    r2y = (1.4 * y) ** 2
    return (
        -2.0 * jnp.exp(-((x - 1.0) ** 2 + r2y) / 0.2)
        - 6.0 * jnp.exp(-((x + 1.0) ** 2 + r2y) / 0.2)
        + x**2
        + r2y
    )


def _rosenbrock(x: Array, y: Array) -> Array:
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def _beale(x: Array, y: Array) -> Array:
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _himmelblau(x: Array, y: Array) -> Array:
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def _booth(x: Array, y: Array) -> Array:
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def _rastrigin(x: Array, y: Array) -> Array:
    tau = 2.0 * math.pi
    return 20.0 + x**2 - 10.0 * jnp.cos(tau * x) + y**2 - 10.0 * jnp.cos(tau * y)


def _safe_sqrt(r2: Array) -> Array:
    """√r² with a zero (not NaN) gradient at r² = 0."""
    positive = r2 > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, r2, 1.0)), 0.0)


def _ackley(x: Array, y: Array) -> Array:
    tau = 2.0 * math.pi
    r = _safe_sqrt(0.5 * (x**2 + y**2))
    return (
        -20.0 * jnp.exp(-0.2 * r)
        - jnp.exp(0.5 * (jnp.cos(tau * x) + jnp.cos(tau * y)))
        + math.e
        + 20.0
    )


def _camel(x: Array, y: Array) -> Array:
    return (4.0 - 2.1 * x**2 + x**4 / 3.0) * x**2 + x * y + (-4.0 + 4.0 * y**2) * y**2


def _goldstein_price(x: Array, y: Array) -> Array:
    a = 1.0 + (x + y + 1.0) ** 2 * (
        19.0 - 14.0 * x + 3.0 * x**2 - 14.0 * y + 6.0 * x * y + 3.0 * y**2
    )
    b = 30.0 + (2.0 * x - 3.0 * y) ** 2 * (
        18.0 - 32.0 * x + 12.0 * x**2 + 48.0 * y - 36.0 * x * y + 27.0 * y**2
    )
    return a * b


def _plateau(x: Array, y: Array) -> Array:
    return 1.0 - jnp.exp(-(x**2 + y**2) / 2.0)


_RASTRIGIN_1D = ((0.0, 0.0), (0.99495864, 0.99495906), (1.98991223, 3.97983119))


def _rastrigin_minima() -> tuple[Minimum, ...]:
    pts = [(s * a, v) for a, v in _RASTRIGIN_1D for s in ((1,) if a == 0 else (-1, 1))]
    out = [
        Minimum(px, py, vx + vy, is_global=(px == 0 and py == 0))
        for px, vx in pts
        for py, vy in pts
    ]
    return tuple(sorted(out, key=lambda m: (not m.is_global, m.value)))


def _num(v: float) -> str:
    """``v`` for a key: short (``10``) where that is exact, else every digit.

    Keys name compiled kernels, so two different parameter values must never
    print the same (``f"{v:g}"`` alone maps 1234.567 and 1234.5671 to one key).
    """
    short = f"{v:g}"
    return short if float(short) == v else repr(v)


def _check_kappa(kappa: float) -> float:
    kappa = float(kappa)
    if not (1.0 <= kappa <= 1e4):  # also refuses NaN
        raise ValueError("kappa (condition number) must be between 1 and 10000")
    return kappa


def quadratic_bowl() -> Surface:
    return Surface(
        key="quadratic_bowl",
        name="quadratic_bowl",
        title="Quadratic bowl",
        f=lambda x, y: x**2 + y**2,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(Minimum(0.0, 0.0, 0.0),),
        start=(-1.6, 1.2),
        latex=r"x^2 + y^2",
        description="A perfectly round bowl with its minimum at the origin; the curvature "
        "is 2 in every direction.",
        hessian_max=2.0,
    )


def elongated_bowl(kappa: float = 10.0) -> Surface:
    """x² + κy²: a valley whose walls are κ times steeper than its floor."""
    kappa = _check_kappa(kappa)
    return Surface(
        key=f"elongated_bowl(kappa={_num(kappa)})",
        name="elongated_bowl",
        title=f"Elongated bowl (κ = {kappa:g})",
        f=lambda x, y: x**2 + kappa * y**2,
        domain=((-3.0, 3.0), (-3.0, 3.0)),
        minima=(Minimum(0.0, 0.0, 0.0),),
        start=(-2.5, 1.5),
        log_scale=True,
        latex=rf"x^2 + {kappa:g}\,y^2",
        description="An ill-conditioned valley: the y-walls are κ times steeper than the "
        "x-floor, so a rate safe across the valley is small along it.",
        hessian_max=2.0 * kappa,
        params=(("kappa", kappa),),
    )


def rotated_bowl(kappa: float = 20.0, angle: float = 30.0) -> Surface:
    """An ill-conditioned bowl turned by ``angle`` degrees, so its valley is not axis-aligned."""
    kappa, angle = _check_kappa(kappa), float(angle)
    if not math.isfinite(angle):
        raise ValueError("angle must be a finite number of degrees")
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def f(x: Array, y: Array) -> Array:
        u = c * x + s * y
        v = -s * x + c * y
        return u**2 + kappa * v**2

    return Surface(
        key=f"rotated_bowl(kappa={_num(kappa)},angle={_num(angle)})",
        name="rotated_bowl",
        title=f"Rotated bowl (κ = {kappa:g}, {angle:g}°)",
        f=f,
        domain=((-3.0, 3.0), (-3.0, 3.0)),
        minima=(Minimum(0.0, 0.0, 0.0),),
        start=(-2.5, -0.5),
        log_scale=True,
        latex=rf"u^2 + {kappa:g}\,v^2,\ (u, v) = R_{{{angle:g}^\circ}}(x, y)",
        description="The elongated bowl turned off the axes: its steep direction mixes x "
        "and y, so no single coordinate is the steep one.",
        hessian_max=2.0 * kappa,
        params=(("kappa", kappa), ("angle", angle)),
    )


def _make(key: str, **kw: Any) -> Surface:
    return Surface(key=key, name=key, **kw)


_FIXED: dict[str, Callable[[], Surface]] = {
    "two_wells": lambda: _make(
        "two_wells",
        title="Two wells (the classic animation)",
        f=_two_wells,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(
            Minimum(-0.96757745, 0.0, -5.03233997, True),
            Minimum(0.90531786, 0.0, -1.09273204, False),
        ),
        start=(1.5, 1.5),
        latex=r"-2e^{-\frac{(x-1)^2+(1.4y)^2}{0.2}} - 6e^{-\frac{(x+1)^2+(1.4y)^2}{0.2}}"
        r" + x^2 + (1.4y)^2",
        description="A deep well on the left (global minimum) and a shallow one on the right "
        "(local minimum), with a ridge between them.",
    ),
    "quadratic_bowl": quadratic_bowl,
    "elongated_bowl": elongated_bowl,
    "rotated_bowl": rotated_bowl,
    "rosenbrock": lambda: _make(
        "rosenbrock",
        title="Rosenbrock's banana valley",
        f=_rosenbrock,
        domain=((-2.0, 2.0), (-1.0, 3.0)),
        minima=(Minimum(1.0, 1.0, 0.0),),
        start=(-1.5, 2.0),
        log_scale=True,
        latex=r"(1-x)^2 + 100\,(y-x^2)^2",
        description="A long, curved valley with its minimum at (1, 1): the walls are steep, "
        "the floor nearly flat.",
    ),
    "beale": lambda: _make(
        "beale",
        title="Beale",
        f=_beale,
        domain=((-4.5, 4.5), (-4.5, 4.5)),
        minima=(Minimum(3.0, 0.5, 0.0),),
        start=(0.7, 1.4),
        log_scale=True,
        latex=r"(1.5-x+xy)^2 + (2.25-x+xy^2)^2 + (2.625-x+xy^3)^2",
        description="Flat valleys and very steep corners: gradient sizes span many orders "
        "of magnitude.",
    ),
    "himmelblau": lambda: _make(
        "himmelblau",
        title="Himmelblau",
        f=_himmelblau,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        minima=(
            Minimum(3.0, 2.0, 0.0),
            Minimum(-2.805118, 3.131312, 0.0),
            Minimum(-3.779310, -3.283186, 0.0),
            Minimum(3.584428, -1.848126, 0.0),
        ),
        start=(0.0, -0.5),
        log_scale=True,
        latex=r"(x^2+y-11)^2 + (x+y^2-7)^2",
        description="Four equally deep minima.",
    ),
    "booth": lambda: _make(
        "booth",
        title="Booth",
        f=_booth,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        minima=(Minimum(1.0, 3.0, 0.0),),
        start=(-7.0, -7.0),
        log_scale=True,
        latex=r"(x+2y-7)^2 + (2x+y-5)^2",
        description="A tilted quadratic valley (condition number 9): simple, but not round.",
        # Hessian [[10, 8], [8, 10]]: eigenvalues 18 and 2
        hessian_max=18.0,
    ),
    "saddle": lambda: _make(
        "saddle",
        title="Saddle x² − y²",
        f=lambda x, y: x**2 - y**2,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(),
        start=(-1.8, 0.01),
        latex=r"x^2 - y^2",
        description="No minimum at all: a saddle point at the origin, and the marked start "
        "lies almost on its ridge.",
    ),
    "monkey_saddle": lambda: _make(
        "monkey_saddle",
        title="Monkey saddle x³ − 3xy²",
        f=lambda x, y: x**3 - 3.0 * x * y**2,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(),
        start=(1.5, 0.1),
        latex=r"x^3 - 3xy^2",
        description="A saddle with three valleys going down (room for a monkey's tail); "
        "the gradient vanishes at the origin in every direction.",
    ),
    "sin_valley": lambda: _make(
        "sin_valley",
        title="Sine valley sin(x) + y²",
        f=lambda x, y: jnp.sin(x) + y**2,
        domain=((-5.0, 5.0), (-3.0, 3.0)),
        minima=(
            Minimum(-math.pi / 2, 0.0, -1.0),
            Minimum(3 * math.pi / 2, 0.0, -1.0),
        ),
        start=(0.5, 2.5),
        latex=r"\sin x + y^2",
        description="A wavy trough with two equally deep minima in view and a ridge between them.",
    ),
    "rastrigin": lambda: _make(
        "rastrigin",
        title="Rastrigin",
        f=_rastrigin,
        domain=((-2.5, 2.5), (-2.5, 2.5)),
        minima=_rastrigin_minima(),
        start=(2.2, 1.8),
        latex=r"20 + \sum_{z\in\{x,y\}} \left(z^2 - 10\cos 2\pi z\right)",
        description="An egg crate: a bowl covered in regular bumps, with a local minimum near "
        "every integer point and the global one at the centre.",
    ),
    "ackley": lambda: _make(
        "ackley",
        title="Ackley",
        f=_ackley,
        domain=((-4.0, 4.0), (-4.0, 4.0)),
        minima=(Minimum(0.0, 0.0, 0.0),),
        start=(2.6, -3.1),
        latex=r"-20e^{-0.2\sqrt{(x^2+y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20",
        description="A nearly flat outer region full of small dimples around one sharp, deep "
        "funnel at the origin (its many shallow local minima are not listed).",
    ),
    "six_hump_camel": lambda: _make(
        "six_hump_camel",
        title="Six-hump camel",
        f=_camel,
        domain=((-2.0, 2.0), (-1.0, 1.0)),
        minima=(
            Minimum(0.08984201, -0.7126564, -1.03162845, True),
            Minimum(-0.08984201, 0.7126564, -1.03162845, True),
            Minimum(-1.70360671, 0.79608357, -0.21546382, False),
            Minimum(1.70360671, -0.79608357, -0.21546382, False),
            Minimum(1.60710475, 0.56865145, 2.10425031, False),
            Minimum(-1.60710475, -0.56865145, 2.10425031, False),
        ),
        start=(-1.5, -0.8),
        latex=r"\left(4-2.1x^2+\tfrac{x^4}{3}\right)x^2 + xy + (4y^2-4)\,y^2",
        description="Six minima: two global, four local.",
    ),
    "goldstein_price": lambda: _make(
        "goldstein_price",
        title="Goldstein–Price",
        f=_goldstein_price,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(
            Minimum(0.0, -1.0, 3.0, True),
            Minimum(-0.6, -0.4, 30.0, False),
            Minimum(1.8, 0.2, 84.0, False),
            Minimum(1.2, 0.8, 840.0, False),
        ),
        start=(0.5, 1.5),
        log_scale=True,
        latex=r"\left[1+(x+y+1)^2(19-14x+3x^2-14y+6xy+3y^2)\right]"
        r"\left[30+(2x-3y)^2(18-32x+12x^2+48y-36xy+27y^2)\right]",
        description="Values from 3 to a million on a small square, with the global minimum "
        "at (0, −1) and several local ones.",
    ),
    "plateau": lambda: _make(
        "plateau",
        title="Plateau",
        f=_plateau,
        domain=((-4.0, 4.0), (-4.0, 4.0)),
        minima=(Minimum(0.0, 0.0, 0.0),),
        start=(2.5, 2.0),
        latex=r"1 - e^{-(x^2+y^2)/2}",
        description="A single well in a wide, almost flat plain where the gradients are tiny.",
    ),
}

#: Names of the built-in surfaces, in the order the app lists them.
SURFACE_NAMES: tuple[str, ...] = tuple(_FIXED)


def get_surface(name: str | Surface, **params: float) -> Surface:
    """A built-in surface by name (``"two_wells"``), with optional parameters
    (``get_surface("elongated_bowl", kappa=50)``); a :class:`Surface` passes through."""
    if isinstance(name, Surface):
        return name
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in _FIXED:
        raise ValueError(f"unknown surface {name!r}; choose one of: {', '.join(SURFACE_NAMES)}")
    factory = _FIXED[key]
    if not params:
        return factory()
    try:
        inspect.signature(factory).bind(**params)
    except TypeError:
        accepted = list(inspect.signature(factory).parameters)
        takes = f"takes only {', '.join(accepted)}" if accepted else "takes no parameters"
        raise ValueError(f"surface {key!r} {takes}, not {', '.join(sorted(params))}") from None
    return factory(**params)
