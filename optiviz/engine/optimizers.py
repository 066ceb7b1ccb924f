"""The eight optimizers of the course, written as small pure functions.

Every optimizer is a pair ``init(params, hp) -> state`` and
``update(grad, state, params, hp) -> (new_params, new_state)`` over an explicit
``NamedTuple`` state, in the style of optax and ``jax.example_libraries.optimizers``.
``hp`` maps each Keras 3 hyperparameter name (``learning_rate``, ``momentum``,
``rho``, ``beta_1``, ...) to a scalar array, so new values never force JAX to
recompile.

The arithmetic is Keras 3's, operation for operation (see
``keras/src/optimizers/*.py``), so a trajectory computed here matches
``keras.optimizers.X(...)`` on the JAX backend to float32 rounding. Where the
course's slide writes the rule differently from what Keras computes (Nesterov's
look-ahead, where epsilon sits in Adam), each optimizer carries both: ``latex``
is the slide's form and ``keras_note`` says what Keras does instead. The tests
pin the relation.

Hyperparameters reach the update rules as float32 numbers. Keras keeps the
Python float and forms a few complements from it in double precision
(``1 - beta_2`` in Adam, ``1 - beta_1`` in Adam and AdaMax, ``1 - rho`` in
RMSProp); for a β that float32 cannot hold exactly (0.9999) the engine's 1 − β
then differs in the 4th-5th digit (β₂ = 0.9999: Adam's first step by 8e-5,
relative). With float32-exact values the two agree to rounding.

The course calls the first moment / velocity ``m`` and the second moment /
accumulator ``s``; :func:`moments` returns those two for every optimizer, with
zeros where a rule has no such quantity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

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


def _lr(default: float) -> HParam:
    return HParam(
        "learning_rate",
        default,
        default,
        1e-5,
        10.0,
        log=True,
        help="Step size η: how far each update moves along the (scaled) negative gradient.",
    )


_EPS = HParam(
    "epsilon",
    1e-7,
    1e-7,
    0.0,
    1.0,
    log=True,
    help="Small constant that keeps the division finite when the accumulated gradients are ~0.",
)


def _power(base: Array, t: Array) -> Array:
    """βᵗ, computed as exp(t·ln β): equal to ``jnp.power`` (what Keras calls) to float32
    rounding, and several times cheaper inside XLA's compiled CPU loops."""
    return jnp.exp(t * jnp.log(base))


# --------------------------------------------------------------------------- GD
class SGDState(NamedTuple):
    """Plain gradient descent keeps no state besides the step counter."""

    t: Array


def sgd_init(params: Array, hp: HP) -> SGDState:
    return SGDState(jnp.zeros((), jnp.int32))


def sgd_update(g: Array, state: SGDState, params: Array, hp: HP) -> tuple[Array, SGDState]:
    r"""θ ← θ − η ∇J(θ)  (Keras ``SGD(momentum=0)``)."""
    return params - g * hp["learning_rate"], SGDState(state.t + 1)


# --------------------------------------------------------------------- Momentum
class MomentumState(NamedTuple):
    """``m`` is the momentum vector (Keras: ``momentums``); it already holds −η·g terms."""

    m: Array
    t: Array


def momentum_init(params: Array, hp: HP) -> MomentumState:
    return MomentumState(jnp.zeros_like(params), jnp.zeros((), jnp.int32))


def momentum_update(
    g: Array, state: MomentumState, params: Array, hp: HP
) -> tuple[Array, MomentumState]:
    r"""m ← βm − η∇J(θ);  θ ← θ + m  (Keras ``SGD(momentum=β)``)."""
    m = state.m * hp["momentum"] - g * hp["learning_rate"]
    return params + m, MomentumState(m, state.t + 1)


def nesterov_update(
    g: Array, state: MomentumState, params: Array, hp: HP
) -> tuple[Array, MomentumState]:
    r"""Keras ``SGD(momentum=β, nesterov=True)``.

    The slide evaluates the gradient ahead, at φ + βm. Keras stores the
    look-ahead point itself, θ = φ + βm, so the gradient it receives is already
    the look-ahead gradient and the rule becomes
    m ← βm − η∇J(θ);  θ ← θ + βm − η∇J(θ).
    """
    beta, lr = hp["momentum"], hp["learning_rate"]
    m = state.m * beta - g * lr
    return params + (m * beta - g * lr), MomentumState(m, state.t + 1)


# ---------------------------------------------------------------------- AdaGrad
class AdagradState(NamedTuple):
    """``s`` accumulates squared gradients (Keras: ``accumulators``, start 0.1)."""

    s: Array
    t: Array


def adagrad_init(params: Array, hp: HP) -> AdagradState:
    return AdagradState(
        jnp.full_like(params, hp["initial_accumulator_value"]), jnp.zeros((), jnp.int32)
    )


def adagrad_update(
    g: Array, state: AdagradState, params: Array, hp: HP
) -> tuple[Array, AdagradState]:
    r"""s ← s + g⊗g;  θ ← θ − η g ⊘ √(s + ε)."""
    s = state.s + jnp.square(g)
    step = (hp["learning_rate"] * g) / jnp.sqrt(s + hp["epsilon"])
    return params - step, AdagradState(s, state.t + 1)


# ---------------------------------------------------------------------- RMSProp
class RMSpropState(NamedTuple):
    """``s``: decaying mean of g² (Keras ``velocities``); ``mom``: Keras's optional
    momentum buffer; ``mg``: decaying mean of g for ``centered=True``."""

    s: Array
    mom: Array
    mg: Array
    t: Array


def rmsprop_init(params: Array, hp: HP) -> RMSpropState:
    z = jnp.zeros_like(params)
    return RMSpropState(z, z, z, jnp.zeros((), jnp.int32))


def rmsprop_update(
    g: Array, state: RMSpropState, params: Array, hp: HP
) -> tuple[Array, RMSpropState]:
    r"""s ← ρs + (1−ρ) g⊗g;  θ ← θ − η g ⊘ √(s + ε).

    Keras extras, off by default: ``centered`` subtracts the squared running
    mean of g from s; ``momentum`` > 0 accumulates the increments first.
    """
    rho, lr, eps = hp["rho"], hp["learning_rate"], hp["epsilon"]
    one_minus_rho = hp["one_minus_rho"]  # 1 − ρ, formed in double precision as Keras does
    s = rho * state.s + one_minus_rho * jnp.square(g)
    mg = rho * state.mg + one_minus_rho * g
    centered = hp["centered"] > 0.5
    denominator = jnp.where(centered, s - jnp.square(mg) + eps, s + eps)
    increment = (lr * g) / jnp.sqrt(denominator)
    mom = hp["momentum"] * state.mom + increment
    use_momentum = hp["momentum"] > 0
    step = jnp.where(use_momentum, mom, increment)
    return params - step, RMSpropState(
        s, jnp.where(use_momentum, mom, state.mom), jnp.where(centered, mg, state.mg), state.t + 1
    )


# ------------------------------------------------------------------------- Adam
class AdamState(NamedTuple):
    """``m``: first moment (Keras ``momentums``); ``s``: second moment
    (Keras ``velocities``); ``s_max``: running max of s for ``amsgrad``."""

    m: Array
    s: Array
    s_max: Array
    t: Array


def adam_init(params: Array, hp: HP) -> AdamState:
    z = jnp.zeros_like(params)
    return AdamState(z, z, z, jnp.zeros((), jnp.int32))


def adam_update(g: Array, state: AdamState, params: Array, hp: HP) -> tuple[Array, AdamState]:
    r"""Keras folds both bias corrections into the step size:

    α_t = η √(1−β₂ᵗ) / (1−β₁ᵗ);  m ← m + (g−m)(1−β₁);  s ← s + (g²−s)(1−β₂);
    θ ← θ − α_t m ⊘ (√s + ε).
    """
    b1, b2 = hp["beta_1"], hp["beta_2"]
    t = state.t + 1
    tf = t.astype(params.dtype)
    alpha = hp["learning_rate"] * jnp.sqrt(1 - _power(b2, tf)) / (1 - _power(b1, tf))
    # 1 − β₁ and 1 − β₂ are formed in double precision before rounding, as Keras does
    m = state.m + (g - state.m) * hp["one_minus_beta_1"]
    s = state.s + (jnp.square(g) - state.s) * hp["one_minus_beta_2"]
    s_max = jnp.maximum(state.s_max, s)
    s_used = jnp.where(hp["amsgrad"] > 0.5, s_max, s)
    new = params - (m * alpha) / (jnp.sqrt(s_used) + hp["epsilon"])
    return new, AdamState(m, s, s_max, t)


# ------------------------------------------------------------------------ Nadam
class NadamState(NamedTuple):
    """Adam's moments plus ``u_product`` = Π μ_k, the product of the momentum
    schedule μ_k = β₁(1 − ½·0.96ᵏ) (Keras ``_u_product``)."""

    m: Array
    s: Array
    u_product: Array
    t: Array


def nadam_init(params: Array, hp: HP) -> NadamState:
    z = jnp.zeros_like(params)
    return NadamState(z, z, jnp.ones((), params.dtype), jnp.zeros((), jnp.int32))


def nadam_update(g: Array, state: NadamState, params: Array, hp: HP) -> tuple[Array, NadamState]:
    r"""Adam with a Nesterov look-ahead on the first moment (Dozat 2016, Keras form).

    μ_t = β₁(1 − ½·0.96ᵗ);  m̂ = μ_{t+1} m / (1 − Π_{k≤t+1} μ_k) + (1−μ_t) g / (1 − Π_{k≤t} μ_k);
    ŝ = s / (1−β₂ᵗ);  θ ← θ − η m̂ ⊘ (√ŝ + ε).
    """
    b1, b2 = hp["beta_1"], hp["beta_2"]
    t = state.t + 1
    dtype = params.dtype
    local_step = t.astype(dtype)
    next_step = (t + 1).astype(dtype)
    decay = jnp.asarray(0.96, dtype)
    u_product = state.u_product * b1 * (1.0 - 0.5 * _power(decay, local_step))
    u_t = b1 * (1.0 - 0.5 * _power(decay, local_step))
    u_t_1 = b1 * (1.0 - 0.5 * _power(decay, next_step))
    u_product_t_1 = u_product * u_t_1
    m = state.m + (g - state.m) * (1 - b1)
    s = state.s + (jnp.square(g) - state.s) * (1 - b2)
    m_hat = (u_t_1 * m) / (1 - u_product_t_1) + ((1 - u_t) * g) / (1 - u_product)
    s_hat = s / (1 - _power(b2, local_step))
    new = params - (m_hat * hp["learning_rate"]) / (jnp.sqrt(s_hat) + hp["epsilon"])
    return new, NadamState(m, s, u_product, t)


# ----------------------------------------------------------------------- AdaMax
class AdamaxState(NamedTuple):
    """``m``: first moment; ``u``: exponentially weighted infinity norm (Keras ``norm``)."""

    m: Array
    u: Array
    t: Array


def adamax_init(params: Array, hp: HP) -> AdamaxState:
    z = jnp.zeros_like(params)
    return AdamaxState(z, z, jnp.zeros((), jnp.int32))


def adamax_update(g: Array, state: AdamaxState, params: Array, hp: HP) -> tuple[Array, AdamaxState]:
    r"""m ← m + (g−m)(1−β₁);  u ← max(β₂u, |g|);  θ ← θ − η m / ((1−β₁ᵗ)(u + ε))."""
    b1 = hp["beta_1"]
    t = state.t + 1
    b1_power = _power(b1, t.astype(params.dtype))
    m = state.m + (g - state.m) * hp["one_minus_beta_1"]  # 1 − β₁ formed in double, as Keras
    u = jnp.maximum(hp["beta_2"] * state.u, jnp.abs(g))
    new = params - (hp["learning_rate"] * m) / ((1 - b1_power) * (u + hp["epsilon"]))
    return new, AdamaxState(m, u, t)


# ---------------------------------------------------------------- the registry
@dataclass(frozen=True, eq=False)
class Optimizer:
    """An optimizer as the app shows it: the rule, its knobs and how Keras spells it."""

    name: str
    display: str
    color: str
    hparams: tuple[HParam, ...]
    init: Callable[[Array, HP], Any]
    update: Callable[[Array, Any, Array, HP], tuple[Array, Any]]
    moments: Callable[[Any], tuple[Array | None, Array | None]]
    latex: str
    keras_class: str
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
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"{key} must be a finite number, got {value}")
            values[key] = value
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


def _none_moments(state: Any) -> tuple[None, None]:
    return None, None


_MOMENTUM = HParam(
    "momentum",
    0.9,
    0.0,
    0.0,
    0.999,
    help="β: how much of the previous velocity is kept each step (friction is 1 − β). "
    "Keras's SGD defaults to 0, which is plain GD; 0.9 is the usual choice.",
)
_BETA_1 = HParam(
    "beta_1",
    0.9,
    0.9,
    0.0,
    0.9999,
    help="β₁: decay rate of the running mean of gradients (the momentum part).",
)
_BETA_2 = HParam(
    "beta_2",
    0.999,
    0.999,
    0.0,
    0.99999,
    help="β₂: decay rate of the running mean of squared gradients (the RMSProp part).",
)

_ONE_MINUS_BETAS = (
    ("one_minus_beta_1", lambda h: 1 - h["beta_1"]),
    ("one_minus_beta_2", lambda h: 1 - h["beta_2"]),
)

OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in (
        Optimizer(
            name="sgd",
            display="GD",
            color="#56B4E9",
            hparams=(_lr(0.01),),
            init=sgd_init,
            update=sgd_update,
            moments=_none_moments,
            latex=r"\theta \leftarrow \theta - \eta\,\nabla_\theta J(\theta)",
            keras_class="SGD",
            summary="Plain gradient descent: step straight downhill, size η·|gradient|.",
        ),
        Optimizer(
            name="momentum",
            display="Momentum",
            color="#CC79A7",
            hparams=(_lr(0.01), _MOMENTUM),
            init=momentum_init,
            update=momentum_update,
            moments=lambda st: (st.m, None),
            latex=r"\mathbf{m} \leftarrow \beta\mathbf{m} - \eta\,\nabla_\theta J(\theta)"
            r"\\ \theta \leftarrow \theta + \mathbf{m}",
            keras_class="SGD",
            summary="A heavy ball: the gradient accelerates a velocity m, and m moves θ.",
        ),
        Optimizer(
            name="nesterov",
            display="Nesterov",
            color="#D55E00",
            hparams=(_lr(0.01), _MOMENTUM),
            init=momentum_init,
            update=nesterov_update,
            moments=lambda st: (st.m, None),
            latex=r"\mathbf{m} \leftarrow \beta\mathbf{m} - \eta\,\nabla_\theta J(\theta + \beta\mathbf{m})"
            r"\\ \theta \leftarrow \theta + \mathbf{m}",
            keras_class="SGD",
            keras_fixed=(("nesterov", True),),
            keras_note=(
                "Keras never evaluates the gradient at a second point: the variable it stores "
                "is already the look-ahead point θ + βm, so it applies "
                r"m ← βm − η∇J, then θ ← θ + βm − η∇J. The trajectory shown is that stored "
                "variable, exactly as Keras reports it."
            ),
            summary="Momentum that looks before it leaps: the gradient is taken where the "
            "velocity is about to carry θ.",
        ),
        Optimizer(
            name="adagrad",
            display="AdaGrad",
            color="#5E5E5E",
            hparams=(
                _lr(0.001),
                HParam(
                    "initial_accumulator_value",
                    0.1,
                    0.1,
                    0.0,
                    10.0,
                    help="Starting value of s. Keras starts at 0.1, which damps the very first steps.",
                ),
                _EPS,
            ),
            init=adagrad_init,
            update=adagrad_update,
            moments=lambda st: (None, st.s),
            latex=r"\mathbf{s} \leftarrow \mathbf{s} + \nabla_\theta J(\theta)\otimes\nabla_\theta J(\theta)"
            r"\\ \theta \leftarrow \theta - \eta\,\nabla_\theta J(\theta) \oslash \sqrt{\mathbf{s}+\epsilon}",
            keras_class="Adagrad",
            keras_note="Keras starts the accumulator s at initial_accumulator_value = 0.1, not 0.",
            summary="Per-coordinate step sizes that shrink with every squared gradient seen.",
        ),
        Optimizer(
            name="rmsprop",
            display="RMSProp",
            color="#009E73",
            hparams=(
                _lr(0.001),
                HParam(
                    "rho",
                    0.9,
                    0.9,
                    0.0,
                    0.9999,
                    help="ρ (the slide's β): decay rate of the running mean of squared gradients.",
                ),
                HParam(
                    "momentum",
                    0.0,
                    0.0,
                    0.0,
                    0.999,
                    help="Keras's optional momentum on top of RMSProp's scaled steps (0 = off).",
                ),
                _EPS,
                HParam(
                    "centered",
                    0.0,
                    0.0,
                    0.0,
                    1.0,
                    boolean=True,
                    help="Divide by an estimate of the gradient's variance instead of its raw "
                    "second moment.",
                ),
            ),
            init=rmsprop_init,
            update=rmsprop_update,
            moments=lambda st: (None, st.s),
            latex=r"\mathbf{s} \leftarrow \beta\mathbf{s} + (1-\beta)\,\nabla_\theta J(\theta)\otimes\nabla_\theta J(\theta)"
            r"\\ \theta \leftarrow \theta - \eta\,\nabla_\theta J(\theta) \oslash \sqrt{\mathbf{s}+\epsilon}",
            keras_class="RMSprop",
            derived=(("one_minus_rho", lambda h: 1 - h["rho"]),),
            keras_note="Keras names the decay rate rho (the slide's β).",
            summary="AdaGrad with a memory that fades: only recent squared gradients count.",
        ),
        Optimizer(
            name="adam",
            display="Adam",
            color="#0072B2",
            hparams=(
                _lr(0.001),
                _BETA_1,
                _BETA_2,
                _EPS,
                HParam(
                    "amsgrad",
                    0.0,
                    0.0,
                    0.0,
                    1.0,
                    boolean=True,
                    help="Use the largest s seen so far, so the step size never grows back.",
                ),
            ),
            init=adam_init,
            update=adam_update,
            moments=lambda st: (st.m, st.s),
            latex=r"\mathbf{m} \leftarrow \beta_1\mathbf{m} - (1-\beta_1)\,\nabla_\theta J(\theta)"
            r"\\ \mathbf{s} \leftarrow \beta_2\mathbf{s} + (1-\beta_2)\,\nabla_\theta J(\theta)\otimes\nabla_\theta J(\theta)"
            r"\\ \hat{\mathbf{m}} \leftarrow \frac{\mathbf{m}}{1-\beta_1^{\,t}}"
            r"\\ \hat{\mathbf{s}} \leftarrow \frac{\mathbf{s}}{1-\beta_2^{\,t}}"
            r"\\ \theta \leftarrow \theta + \eta\,\hat{\mathbf{m}} \oslash \sqrt{\hat{\mathbf{s}}+\epsilon}",
            keras_class="Adam",
            derived=_ONE_MINUS_BETAS,
            keras_note=(
                "Keras keeps m as a mean of +g (the slide stores −g), folds both bias "
                r"corrections into the step size η·√(1−β₂ᵗ)/(1−β₁ᵗ), and adds ε outside the "
                "square root of the uncorrected s: θ ← θ − η_t m ⊘ (√s + ε)."
            ),
            summary="Momentum and RMSProp together, with both running means bias-corrected.",
        ),
        Optimizer(
            name="nadam",
            display="Nadam",
            color="#E69F00",
            hparams=(_lr(0.001), _BETA_1, _BETA_2, _EPS),
            init=nadam_init,
            update=nadam_update,
            moments=lambda st: (st.m, st.s),
            latex=r"\mu_t = \beta_1\left(1-\tfrac12\,0.96^{\,t}\right)"
            r"\\ \mathbf{m} \leftarrow \beta_1\mathbf{m} + (1-\beta_1)\,\nabla_\theta J,"
            r"\quad \mathbf{s} \leftarrow \beta_2\mathbf{s} + (1-\beta_2)\,\nabla_\theta J\otimes\nabla_\theta J,"
            r"\quad \hat{\mathbf{s}} = \frac{\mathbf{s}}{1-\beta_2^{\,t}}"
            r"\\ \hat{\mathbf{m}} = \frac{\mu_{t+1}\,\mathbf{m}}{1-\prod_{k\le t+1}\mu_k}"
            r" + \frac{(1-\mu_t)\,\nabla_\theta J(\theta)}{1-\prod_{k\le t}\mu_k}"
            r"\\ \theta \leftarrow \theta - \eta\,\hat{\mathbf{m}} \oslash \left(\sqrt{\hat{\mathbf{s}}}+\epsilon\right)",
            keras_class="Nadam",
            keras_note="Keras uses Dozat's momentum schedule μ_t = β₁(1 − ½·0.96ᵗ); "
            "optax's nadam does not, so the two differ.",
            summary="Adam with Nesterov's look-ahead applied to the first moment.",
        ),
        Optimizer(
            name="adamax",
            display="AdaMax",
            color="#1A1A1A",
            hparams=(_lr(0.001), _BETA_1, _BETA_2, _EPS),
            init=adamax_init,
            update=adamax_update,
            moments=lambda st: (st.m, st.u),
            latex=r"\mathbf{m} \leftarrow \beta_1\mathbf{m} + (1-\beta_1)\,\nabla_\theta J(\theta)"
            r"\\ \mathbf{u} \leftarrow \max\!\left(\beta_2\mathbf{u},\ |\nabla_\theta J(\theta)|\right)"
            r"\\ \theta \leftarrow \theta - \frac{\eta}{1-\beta_1^{\,t}}\;\mathbf{m} \oslash (\mathbf{u}+\epsilon)",
            keras_class="Adamax",
            derived=_ONE_MINUS_BETAS[:1],
            summary="Adam with the infinity norm: s is replaced by a decaying maximum of |g|.",
        ),
    )
}

#: The five optimizers of the course's classic animation, in its order.
CLASSIC = ("sgd", "momentum", "adagrad", "rmsprop", "adam")


def get_optimizer(name: str | Optimizer) -> Optimizer:
    """Look an optimizer up by name (``"adam"``), display name (``"Adam"``) or pass one through."""
    if isinstance(name, Optimizer):
        return name
    key = str(name).strip().lower()
    aliases = {"gd": "sgd", "nag": "nesterov", "rmsprop": "rmsprop"}
    key = aliases.get(key, key)
    if key in OPTIMIZERS:
        return OPTIMIZERS[key]
    raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")


def moments(optimizer: Optimizer, state: Any, like: Array) -> tuple[Array, Array]:
    """The course's ``m`` (velocity / first moment) and ``s`` (second moment /
    accumulator) of a state, zeros where the rule has none."""
    m, s = optimizer.moments(state)
    z = jnp.zeros_like(like)
    return (z if m is None else m), (z if s is None else s)
