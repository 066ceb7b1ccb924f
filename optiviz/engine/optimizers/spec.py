"""What an optimizer is to optiviz: :class:`Optimizer`, its :class:`HParam` knobs, the
:class:`Step` its inspector lines are written from, and the pieces several optimizers
share (the learning rate, ε, momentum and β knobs; βᵗ; numbers written as LaTeX)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from .. import checks

Array = Any
HP = Mapping[str, Array]


@dataclass(frozen=True)
class HParam:
    """One hyperparameter: its Keras name, default, sensible range and help text."""

    name: str
    default: float
    keras_default: float
    low: float
    high: float
    log: bool = False
    boolean: bool = False
    help: str = ""


def lr_knob(default: float) -> HParam:
    return HParam(
        "learning_rate",
        default,
        default,
        1e-5,
        10.0,
        log=True,
        help="Step size η: how far each update moves along the (scaled) negative gradient.",
    )


EPS = HParam(
    "epsilon",
    1e-7,
    1e-7,
    0.0,
    1.0,
    log=True,
    help="Small constant that keeps the division finite when the accumulated gradients are ~0.",
)


def power(base: Array, t: Array) -> Array:
    """βᵗ, computed as exp(t·ln β): equal to ``jnp.power`` (what Keras calls) to float32
    rounding, and several times cheaper inside XLA's compiled CPU loops."""
    return jnp.exp(t * jnp.log(base))


def clip_factor(norm: Array, limit: Array) -> Array:
    """What Keras's norm clipping multiplies a gradient by: ``limit / norm`` where the
    norm is above the limit, else 1 (a limit of inf never clips)."""
    return jnp.where(norm > limit, limit / jnp.maximum(norm, 1e-30), 1.0)


class Step(NamedTuple):
    """One step of a 2D race, with its numbers, for :attr:`Optimizer.step_latex`.

    ``t`` counts from 1 (the step's number in Keras's ``iterations + 1``); ``m`` and ``s``
    are the course's moments after the step, ``*_prev`` before it; ``new`` is θ after."""

    hp: Mapping[str, float]
    t: int
    theta: np.ndarray
    grad: np.ndarray
    m_prev: np.ndarray
    s_prev: np.ndarray
    m: np.ndarray
    s: np.ndarray
    new: np.ndarray


def tex_number(x: float) -> str:
    """A number for the inspector's LaTeX: 4 significant digits, powers of ten when tiny
    or huge."""
    x = float(x)
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.4g}"
    mant, exp = f"{x:.3e}".split("e")
    return rf"{float(mant):.3g}\times 10^{{{int(exp)}}}"


def tex_vector(a: np.ndarray) -> str:
    """A 2-vector as ``(x, y)`` in LaTeX."""
    return rf"\left({tex_number(a[0])},\ {tex_number(a[1])}\right)"


#: GD-family race rates per surface where the default 0.01 is unstable or crawls
#: (checked by hand: stable and visibly moving)
GD_RACE_LR = {"rosenbrock": 1e-3, "beale": 3e-3, "goldstein_price": 5e-6}


def race_lr_gradient(surface: str, scale: float) -> float:
    """A race's rate for a rule whose steps are proportional to the gradient (GD,
    Momentum, Nesterov): 0.01 unless the surface is steep."""
    return GD_RACE_LR.get(surface, 0.01)


def race_lr_adaptive(factor: float) -> Callable[[str, float], float]:
    """A race's rate for a rule whose steps are roughly ``learning_rate`` per coordinate
    (the adaptive methods): ``factor`` times the surface's size, to 2 digits."""

    def rate(surface: str, scale: float) -> float:
        return float(f"{factor * scale:.2g}")

    return rate


@dataclass(frozen=True, eq=False)
class Optimizer:
    """Everything optiviz knows about one optimizer, in one place: the rule and its
    state, its hyperparameters with Keras's defaults, how Keras spells it, the rule as
    the course writes it and as one step with numbers, and where each page starts it.
    Every page, figure and code export reads it from here (colours are the figures'
    business: :func:`optiviz.figures.style.optimizer_color`)."""

    name: str
    display: str
    hparams: tuple[HParam, ...]
    init: Callable[[Array, HP], Any]
    update: Callable[[Array, Any, Array, HP], tuple[Array, Any]]
    moments: Callable[[Any], tuple[Array | None, Array | None]]
    latex: str
    #: this step's rule with its numbers, for the race's step inspector (see :class:`Step`)
    step_latex: Callable[[Step], list[str]]
    keras_class: str
    #: the learning rate a race on a surface (name, size) starts with: see
    #: :func:`race_lr_gradient` and :func:`race_lr_adaptive`
    race_lr: Callable[[str, float], float]
    #: the playground's starting rate: one that makes a 200-epoch full-batch run on the
    #: 2D sets worth watching (Keras's defaults, 0.001–0.01, barely move in that budget)
    playground_lr: float
    #: the second hyperparameter a landscape map sweeps by default (None: only η)
    sweep_param: str | None = None
    keras_fixed: tuple[tuple[str, Any], ...] = ()
    keras_note: str = ""
    summary: str = ""
    #: quantities Keras forms from the Python floats in double precision before they
    #: meet float32 (``1 - beta_1``); computed the same way and handed to ``update``
    #: as extra ``hp`` entries, so decimal settings like β₂ = 0.999 match Keras exactly
    derived: tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...] = ()

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Optimizer) and other.name == self.name

    @property
    def hparam_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hparams)

    @property
    def kernel_names(self) -> tuple[str, ...]:
        """What ``update`` reads from ``hp``: the hyperparameters, then the derived values."""
        return self.hparam_names + tuple(name for name, _ in self.derived)

    def with_derived(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` plus the derived entries, computed in float64 (works on arrays too)."""
        out = dict(values)
        for name, fn in self.derived:
            out[name] = fn({k: np.asarray(v, np.float64) for k, v in values.items()})
        return out

    def defaults(self) -> dict[str, float]:
        """The hyperparameters this optimizer starts with (Keras's, except where noted)."""
        return {h.name: h.default for h in self.hparams}

    def resolve(self, hparams: Mapping[str, float] | None = None) -> dict[str, float]:
        """Fill in defaults and reject unknown names or non-finite values."""
        values = self.defaults()
        for key, value in (hparams or {}).items():
            if key not in values:
                raise ValueError(
                    f"{self.display} has no hyperparameter {key!r}; "
                    f"it has: {', '.join(self.hparam_names)}"
                )
            values[key] = checks.number(key, value)
        return values

    def keras_code(self, hparams: Mapping[str, float] | None = None) -> str:
        """The Keras 3 constructor call that builds this optimizer, e.g.
        ``keras.optimizers.Adam(learning_rate=0.01)``. ``learning_rate`` is always
        written; the rest only where they differ from Keras's own default."""
        values = self.resolve(hparams)
        args = []
        for h in self.hparams:
            v = values[h.name]
            if h.name != "learning_rate" and v == h.keras_default:
                continue
            args.append(f"{h.name}={_fmt(v, h.boolean)}")
        for key, v in self.keras_fixed:
            args.append(f"{key}={v!r}")
        return f"keras.optimizers.{self.keras_class}({', '.join(args)})"


def _fmt(v: float, boolean: bool) -> str:
    """A Python literal for a hyperparameter: the shortest decimal that rounds to the
    float32 the engine computes with (``0.0031622776`` for 10^-2.5, ``0.999`` for 0.999),
    so the Keras optimizer built from the code gets the engine's values, not 6-digit
    approximations of them."""
    if boolean:
        return "True" if v > 0.5 else "False"
    if v == int(v) and abs(v) < 1e6:
        return repr(float(v))
    return str(np.float32(v))


def none_moments(state: Any) -> tuple[None, None]:
    return None, None


MOMENTUM = HParam(
    "momentum",
    0.9,
    0.0,
    0.0,
    0.999,
    help="β: how much of the previous velocity is kept each step (friction is 1 − β). "
    "Keras's SGD defaults to 0, which is plain GD; 0.9 is the usual choice.",
)
BETA_1 = HParam(
    "beta_1",
    0.9,
    0.9,
    0.0,
    0.9999,
    help="β₁: decay rate of the running mean of gradients (the momentum part).",
)
BETA_2 = HParam(
    "beta_2",
    0.999,
    0.999,
    0.0,
    0.99999,
    help="β₂: decay rate of the running mean of squared gradients (the RMSProp part).",
)

ONE_MINUS_BETAS = (
    ("one_minus_beta_1", lambda h: 1 - h["beta_1"]),
    ("one_minus_beta_2", lambda h: 1 - h["beta_2"]),
)
