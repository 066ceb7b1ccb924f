r"""Learning-rate schedules: the learning rate as a function of the epoch.

The course sets the learning rate once per epoch with a Keras callback::

    lr_scheduler = keras.callbacks.LearningRateScheduler(exponential_decay_fn)
    history = model.fit(X_train, y_train, [...], callbacks=[lr_scheduler])

so every schedule here is a function of the epoch ``t`` (0-based, as Keras passes
it) that returns a *factor* of the optimizer's base learning rate η₀::

    lr(t) = η₀ · lr_factor(arrays, t, n_epochs) · plateau.factor

``plateau.factor`` is 1 for every schedule except ``"performance"``, whose rate
depends on the validation losses seen so far (:func:`plateau_update`), so the
line above is the training engine's whole recipe.

Compile once. The training engine calls these functions inside ``jax.jit``.
:func:`schedule_arrays` turns a schedule name and its parameters into a dict of
arrays with the *same keys, shapes and dtypes for every schedule*; the schedule
itself is the int32 entry ``"kind"``. :func:`lr_factor` evaluates all six
formulas (a handful of flops) and picks one by that index, so one compiled
function serves every schedule and moving a slider or switching schedules never
recompiles.

The six schedules (t = epoch, η₀ = ``learning_rate``):

============  ===================================  ====================================
name          rate at epoch t                      Keras 3 equivalent
============  ===================================  ====================================
constant      η₀                                   (no callback)
piecewise     η₀·vᵢ for bᵢ < t ≤ bᵢ₊₁ (v₀ = 1)     ``PiecewiseConstantDecay``
exponential   η₀ · 10^(−t/r)                       ``ExponentialDecay(η₀, r, 0.1)``
power         η₀ · (1 + t/r)^(−c)                  ``InverseTimeDecay(η₀, r, 1)``, c = 1
performance   η₀ · λ^(number of plateaus so far)   ``callbacks.ReduceLROnPlateau``
onecycle      η₀/10 ↗ η₀ ↘ η₀/10 ↘ η₀/10⁴ (linear)  none built in (Géron's callback)
============  ===================================  ====================================

The Keras schedule classes in ``keras.optimizers.schedules`` are functions of the
optimizer *step*; the tests evaluate them at step = epoch, which is what they
compute when the course wraps the same formula in ``LearningRateScheduler``.
Every factor is finite and at least :data:`MIN_FACTOR` (> 0) for any valid
parameters and any epoch, so a log-scale plot of the rate never breaks.

References: A. Géron, *Hands-On Machine Learning*, ch. 11 ("Learning Rate
Scheduling"); L. N. Smith, "A disciplined approach to neural network
hyper-parameters" (2018), for 1cycle.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import checks
from ..kernels import register_warmup

Array = Any

SCHEDULE_NAMES = ("constant", "piecewise", "exponential", "power", "performance", "onecycle")
KIND: dict[str, int] = {name: i for i, name in enumerate(SCHEDULE_NAMES)}

#: Smallest factor any schedule returns (10^(−t/r) underflows float32 for large t/r).
MIN_FACTOR = 1e-30
#: A piecewise boundary at this epoch (the top of its range) is "off": later than any run.
BOUNDARY_OFF = 1_000_000.0
#: ``ReduceLROnPlateau``'s default ``min_delta``: smaller improvements do not count.
PLATEAU_MIN_DELTA = 1e-4
_LN10 = math.log(10.0)


@dataclass(frozen=True)
class ScheduleParam:
    """One schedule parameter: its name, default, valid range and help text.

    ``log`` suggests a log-scale slider; ``integer`` parameters must be whole numbers.
    """

    name: str
    default: float
    low: float
    high: float
    log: bool = False
    integer: bool = False
    help: str = ""


@dataclass(frozen=True)
class ScheduleInfo:
    """A schedule for the app: display name, parameters, the course's formula, a summary."""

    name: str
    display: str
    params: tuple[ScheduleParam, ...]
    latex: str
    summary: str


def _boundary(i: int, default: float) -> ScheduleParam:
    return ScheduleParam(
        f"b{i}",
        default,
        0.0,
        BOUNDARY_OFF,
        integer=True,
        help=f"Epoch after which factor v{i} applies (Keras: step > boundary). "
        f"{BOUNDARY_OFF:.0e} switches this boundary off.",
    )


def _value(i: int, default: float) -> ScheduleParam:
    return ScheduleParam(
        f"v{i}",
        default,
        1e-6,
        10.0,
        log=True,
        help=f"Learning rate after boundary b{i}, as a multiple of η₀.",
    )


SCHEDULES: dict[str, ScheduleInfo] = {
    "constant": ScheduleInfo(
        "constant",
        "Constant",
        (),
        r"\eta(t) = \eta_0",
        "The learning rate never changes: the baseline every schedule is compared with.",
    ),
    "piecewise": ScheduleInfo(
        "piecewise",
        "Piecewise constant",
        (
            _boundary(1, 30.0),
            _boundary(2, 60.0),
            _boundary(3, BOUNDARY_OFF),
            _value(1, 0.5),
            _value(2, 0.1),
            _value(3, 0.01),
        ),
        r"\eta(t) = \begin{cases} \eta_0 & t \le b_1 \\ v_1\,\eta_0 & b_1 < t \le b_2 \\"
        r" v_2\,\eta_0 & b_2 < t \le b_3 \\ v_3\,\eta_0 & t > b_3 \end{cases}",
        "Hold the rate fixed, then drop it to a new fixed value at epochs chosen in advance.",
    ),
    "exponential": ScheduleInfo(
        "exponential",
        "Exponential",
        (
            ScheduleParam(
                "r",
                20.0,
                1.0,
                1000.0,
                log=True,
                help="Epochs for the rate to shrink tenfold.",
            ),
        ),
        r"\eta(t) = \eta_0\, 10^{-t/r}",
        "The rate shrinks by the same ratio every epoch: ten times smaller every r epochs.",
    ),
    "power": ScheduleInfo(
        "power",
        "Power",
        (
            ScheduleParam(
                "r",
                20.0,
                1.0,
                1000.0,
                log=True,
                help="Epochs until the rate is down to η₀/2^c; it falls fast first, then slowly.",
            ),
            ScheduleParam(
                "c",
                1.0,
                0.1,
                5.0,
                help="How steeply the rate falls (c = 1: η₀/2 after r epochs, η₀/3 after 2r).",
            ),
        ),
        r"\eta(t) = \eta_0 \left(1 + \frac{t}{r}\right)^{-c}",
        "The rate falls quickly at first and ever more slowly, like 1/t^c for late epochs.",
    ),
    "performance": ScheduleInfo(
        "performance",
        "Performance (reduce on plateau)",
        (
            ScheduleParam(
                "factor",
                0.5,
                0.01,
                0.99,
                help="Multiply the rate by this when the validation loss stops improving.",
            ),
            ScheduleParam(
                "patience",
                5.0,
                1.0,
                100.0,
                integer=True,
                help="Epochs without improvement (by at least 1e-4) before the rate is cut.",
            ),
        ),
        r"\eta \leftarrow \lambda\,\eta \quad \text{after } p \text{ epochs with no drop in the"
        r" validation loss}",
        "Watch the validation loss and cut the rate whenever it has stalled for a while.",
    ),
    "onecycle": ScheduleInfo(
        "onecycle",
        "1cycle",
        (
            ScheduleParam(
                "start_div",
                10.0,
                1.0,
                1000.0,
                log=True,
                help="The cycle starts (and returns) at η₀ / start_div.",
            ),
            ScheduleParam(
                "end_div",
                1000.0,
                1.0,
                100000.0,
                log=True,
                help="The last epoch runs at η₀ / start_div / end_div.",
            ),
            ScheduleParam(
                "peak_at",
                0.45,
                0.05,
                0.5,
                help="Fraction of the run where the rate peaks at η₀; back down at twice that.",
            ),
        ),
        r"\eta(t) = \begin{cases} \text{linear } \eta_0/d_s \to \eta_0 & 0 \le t < t_p \\"
        r" \text{linear } \eta_0 \to \eta_0/d_s & t_p \le t < 2t_p \\"
        r" \text{linear } \eta_0/d_s \to \eta_0/(d_s d_e) & 2t_p \le t \le T \end{cases}",
        "Warm the rate up to its maximum halfway through, bring it back down, then anneal it"
        " to almost nothing in the last epochs.",
    ),
}

# Every schedule's arrays carry every parameter under these keys (shapes fixed).
_FLOAT_KEYS: dict[str, tuple[int, ...]] = {
    "piecewise_boundaries": (3,),
    "piecewise_values": (4,),
    "exponential_r": (),
    "power_r": (),
    "power_c": (),
    "performance_factor": (),
    "performance_patience": (),
    "onecycle_start_div": (),
    "onecycle_end_div": (),
    "onecycle_peak_at": (),
}


# ----------------------------------------------------------------- validation
def _info(name: str) -> ScheduleInfo:
    if name not in SCHEDULES:
        raise ValueError(
            f"unknown learning-rate schedule {name!r}; choose one of {', '.join(SCHEDULE_NAMES)}"
        )
    return SCHEDULES[name]


def _fmt(x: float) -> str:
    return format(x, ".7g")


def resolve_params(name: str, params: Mapping[str, float] | None = None) -> dict[str, float]:
    """Check ``params`` for schedule ``name`` and fill in defaults.

    Raises ``ValueError`` with a readable message for an unknown schedule or
    parameter, a value that is not a finite number, out of its range or not a
    whole number where one is needed, and for piecewise boundaries out of order.
    """
    info = _info(name)
    spec = {p.name: p for p in info.params}
    params = dict(params or {})
    unknown = sorted(set(params) - set(spec))
    if unknown:
        expected = ", ".join(spec) if spec else "no parameters"
        raise ValueError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))} for the {name} schedule "
            f"(expected: {expected})"
        )
    out: dict[str, float] = {}
    for key, p in spec.items():
        raw = params.get(key, p.default)
        check = checks.whole if p.integer else checks.number
        value = float(check(f"{name}: {key}", raw, p.low, p.high))
        out[key] = value
    if name == "piecewise":
        bounds = [out["b1"], out["b2"], out["b3"]]
        on = [b for b in bounds if b < BOUNDARY_OFF]
        ordered = bounds[: len(on)] == on and all(a < b for a, b in itertools.pairwise(on))
        if not ordered:
            raise ValueError(
                "piecewise: boundaries must increase, b1 < b2 < b3 "
                f"(got {', '.join(_fmt(b) for b in bounds)}); "
                f"switch unused ones off with {BOUNDARY_OFF:.0e}, from b3 backwards"
            )
    return out


def schedule_arrays(name: str, params: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """The arrays :func:`lr_factor` and :func:`plateau_update` read, for one schedule.

    Args:
        name: one of :data:`SCHEDULE_NAMES`.
        params: that schedule's parameters (see ``SCHEDULES[name].params``);
            missing ones take their defaults.

    Returns:
        ``{"kind": int32 scalar, "piecewise_boundaries": float32[3],
        "piecewise_values": float32[4] (v₀ = 1, v₁, v₂, v₃), and float32 scalars
        "exponential_r", "power_r", "power_c", "performance_factor",
        "performance_patience", "onecycle_start_div", "onecycle_end_div",
        "onecycle_peak_at"}`` -- the same keys, shapes and dtypes for every
        schedule (the other schedules' entries hold their defaults), so a jitted
        function never retraces when the schedule changes.

    Raises:
        ValueError: unknown schedule or parameter, or an invalid value.
    """
    chosen = resolve_params(name, params)
    values: dict[str, dict[str, float]] = {
        n: {p.name: p.default for p in info.params} for n, info in SCHEDULES.items()
    }
    values[name] = chosen
    pw, ex, po = values["piecewise"], values["exponential"], values["power"]
    pf, oc = values["performance"], values["onecycle"]
    out = {
        "kind": np.asarray(KIND[name], np.int32),
        "piecewise_boundaries": [pw["b1"], pw["b2"], pw["b3"]],
        "piecewise_values": [1.0, pw["v1"], pw["v2"], pw["v3"]],
        "exponential_r": ex["r"],
        "power_r": po["r"],
        "power_c": po["c"],
        "performance_factor": pf["factor"],
        "performance_patience": pf["patience"],
        "onecycle_start_div": oc["start_div"],
        "onecycle_end_div": oc["end_div"],
        "onecycle_peak_at": oc["peak_at"],
    }
    for key, shape in _FLOAT_KEYS.items():
        out[key] = np.asarray(out[key], np.float32).reshape(shape)
    return out


# ------------------------------------------------------------------ formulas
def _piecewise(a: Mapping[str, Array], t: Array) -> Array:
    """v_i for b_i < t ≤ b_{i+1}: i = number of boundaries strictly below t.

    Keras ``PiecewiseConstantDecay(boundaries, values)`` gives ``values[0]`` for
    ``step <= boundaries[0]`` and ``values[i]`` for ``boundaries[i-1] < step <=
    boundaries[i]``: a boundary epoch still belongs to the interval *before* it.
    """
    index = jnp.sum(t[..., None] > a["piecewise_boundaries"], axis=-1)
    return a["piecewise_values"][index]


def _exponential(a: Mapping[str, Array], t: Array) -> Array:
    """10^(−t/r) = exp(−(t/r)·ln 10); Keras: ``ExponentialDecay(η₀, r, 0.1)``: 0.1^(t/r)."""
    return jnp.exp(-(t / a["exponential_r"]) * _LN10)


def _power(a: Mapping[str, Array], t: Array) -> Array:
    """(1 + t/r)^(−c); Keras ``InverseTimeDecay(η₀, r, 1)`` is η₀ / (1 + t/r), the case c = 1."""
    return jnp.power(1.0 + t / a["power_r"], -a["power_c"])


def onecycle_epochs(peak_at: Array, n_epochs: Array) -> tuple[Array, Array, Array]:
    """1cycle's corner epochs: (t_peak, t_back, t_last).

    With T = n_epochs − 1 the last epoch: t_peak = ⌊peak_at·T⌋ (the rate tops out at
    η₀), t_back = min(2·t_peak, T) (back at η₀/start_div) and T itself (η₀/start_div/
    end_div). With peak_at = 0.45 and 100 epochs this gives 44, 88, 99 -- the corners
    of Géron's ``OneCycleScheduler`` for 100 iterations. The 1e-3 guards the floor
    against float32 rounding (0.45·20 = 8.9999998 in float32).
    """
    last = jnp.maximum(jnp.asarray(n_epochs, jnp.float32) - 1.0, 0.0)
    peak = jnp.floor(peak_at * last + 1e-3)
    back = jnp.minimum(2.0 * peak, last)
    return peak, back, last


def _lerp(a: Array, b: Array, u: Array) -> Array:
    """(1 − u)·a + u·b: exactly a at u = 0 and b at u = 1 (no cancellation)."""
    return (1.0 - u) * a + u * b


def _onecycle(a: Mapping[str, Array], t: Array, n_epochs: Array) -> Array:
    """Three straight segments, as in Géron's ``OneCycleScheduler`` (per epoch here).

    ``start = 1/start_div``, ``end = start/end_div``; factor rises linearly from
    ``start`` at t = 0 to 1 at ``t_peak``, falls linearly back to ``start`` at
    ``t_back`` and then to ``end`` at the last epoch; later epochs stay at ``end``.
    Empty segments (tiny ``n_epochs``) are skipped, never divided by.
    """
    start = 1.0 / a["onecycle_start_div"]
    end = start / a["onecycle_end_div"]
    peak, back, last = onecycle_epochs(a["onecycle_peak_at"], n_epochs)
    up = _lerp(start, 1.0, t / jnp.maximum(peak, 1.0))
    down = _lerp(1.0, start, (t - peak) / jnp.maximum(back - peak, 1.0))
    frac = jnp.where(last > back, (t - back) / jnp.maximum(last - back, 1.0), 1.0)
    anneal = _lerp(start, end, jnp.clip(frac, 0.0, 1.0))
    return jnp.where(t < peak, up, jnp.where(t < back, down, anneal))


def lr_factor(arrays: Mapping[str, Array], epoch: Array, n_epochs: Array) -> Array:
    r"""Factor of the base learning rate η₀ at ``epoch``: ``lr = η₀ · lr_factor(...)``.

    Args:
        arrays: from :func:`schedule_arrays` (numpy or jax arrays, jit-friendly).
        epoch: the 0-based epoch, any shape (a scalar or a vector of epochs).
        n_epochs: the length of the run (only 1cycle uses it).

    Returns:
        float32 array of ``epoch``'s shape, finite and ≥ :data:`MIN_FACTOR`.
        ``"performance"`` returns 1: its factor lives in :class:`PlateauState`.

    All six formulas are evaluated and the one at index ``arrays["kind"]`` is
    returned, so this compiles once for every schedule.
    """
    t = jnp.asarray(epoch).astype(jnp.float32)
    ones = jnp.ones_like(t)
    factors = jnp.stack(
        [
            ones,  # constant
            _piecewise(arrays, t),
            _exponential(arrays, t),
            _power(arrays, t),
            ones,  # performance: see plateau_update
            _onecycle(arrays, t, n_epochs),
        ]
    )
    return jnp.maximum(factors[arrays["kind"]], MIN_FACTOR)


# ------------------------------------------------------ performance scheduling
class PlateauState(NamedTuple):
    """``ReduceLROnPlateau``'s memory.

    best: lowest validation loss so far (Keras ``best``); wait: epochs since it
    improved, or −1 before the first epoch (Keras: ``best is None``); factor: the
    current learning rate as a multiple of η₀.
    """

    best: Array
    wait: Array
    factor: Array


def plateau_init() -> PlateauState:
    """No loss seen yet (``wait = −1``), factor 1."""
    return PlateauState(
        jnp.asarray(jnp.inf, jnp.float32), jnp.asarray(-1, jnp.int32), jnp.ones((), jnp.float32)
    )


def plateau_update(
    state: PlateauState, val_loss: Array, arrays: Mapping[str, Array], lr0: Array
) -> PlateauState:
    r"""One ``ReduceLROnPlateau.on_epoch_end`` (Keras 3, ``monitor="val_loss"``).

    Keras 3 (``keras/src/callbacks/reduce_lr_on_plateau.py`` with
    ``min_delta=1e-4, cooldown=0, min_lr=0``), step by step:

    * the first loss is always an improvement (``best is None``);
    * after that, improvement means ``val_loss + min_delta < best``; Keras writes it
      ``less(current - min_delta, best)`` with ``min_delta`` negated for mode "min",
      and ``ops.less`` compares in float32;
    * improvement: ``best = val_loss``, ``wait = 0``; otherwise ``wait += 1`` and, once
      ``wait >= patience``, the rate is multiplied by ``factor`` and ``wait = 0``
      (only if the rate is still above ``min_lr`` = 0, i.e. ``lr0·factor > 0``).

    NaN never compares less, so a NaN loss counts as no improvement -- and if the
    *first* loss is NaN, it becomes ``best`` and nothing ever improves on it.

    The rate for epoch t + 1 is ``lr0 · state.factor`` after updating with epoch t's
    loss. For any other schedule kind this returns ``state`` unchanged.
    """
    active = jnp.asarray(arrays["kind"]) == KIND["performance"]
    val = jnp.asarray(val_loss, jnp.float32)
    improved = (state.wait < 0) | (val + jnp.float32(PLATEAU_MIN_DELTA) < state.best)
    best = jnp.where(improved, val, state.best)
    wait = jnp.where(improved, 0, state.wait + 1)
    can_reduce = jnp.asarray(lr0, jnp.float32) * state.factor > 0.0
    reduce = ~improved & (wait >= arrays["performance_patience"]) & can_reduce
    factor = jnp.where(
        reduce, jnp.maximum(state.factor * arrays["performance_factor"], MIN_FACTOR), state.factor
    )
    wait = jnp.where(reduce, 0, wait)
    return PlateauState(
        jnp.where(active, best, state.best),
        jnp.where(active, wait, state.wait).astype(jnp.int32),
        jnp.where(active, factor, state.factor),
    )


# ------------------------------------------------------------------ for plots
#: the curve kernel's length for every run of at most this many epochs (all the pages
#: offer): one compiled shape, whatever epoch count a student picks; longer curves (the
#: library goes to 5000 epochs) round up to a power of two
CURVE_EPOCHS = 1024


def _bucket(n: int) -> int:
    """The curve kernel's length for ``n`` epochs: :data:`CURVE_EPOCHS`, or the next
    power of two beyond it, so plots reuse compiled code."""
    return max(CURVE_EPOCHS, 1 << (max(n, 1) - 1).bit_length())


@jax.jit
def _curve_kernel(
    arrays: Mapping[str, Array], n_epochs: Array, lr0: Array, losses: Array, n_losses: Array
) -> Array:
    epochs = jnp.arange(losses.shape[0] + 1)

    def step(state: PlateauState, xs: tuple[Array, Array]) -> tuple[PlateauState, Array]:
        i, loss = xs
        new = plateau_update(state, loss, arrays, lr0)
        state = jax.tree.map(lambda n, o: jnp.where(i < n_losses, n, o), new, state)
        return state, state.factor

    _, plateau = jax.lax.scan(step, plateau_init(), (epochs[:-1], losses))
    plateau = jnp.concatenate([jnp.ones((1,), jnp.float32), plateau])
    return lr0 * lr_factor(arrays, epochs, n_epochs) * plateau


def curve(
    name: str,
    params: Mapping[str, float] | None,
    *,
    epochs: int,
    learning_rate: float,
    val_losses: Sequence[float] | None = None,
) -> np.ndarray:
    """The learning rate of every epoch 0 … epochs − 1, for plots (float32).

    Computed with :func:`lr_factor` and :func:`plateau_update`, i.e. exactly what
    the training engine uses. For ``"performance"``, ``val_losses[t]`` is the
    validation loss at the end of epoch t, which sets the rate of epoch t + 1
    (as ``ReduceLROnPlateau.on_epoch_end`` does); without losses the rate stays
    at η₀, and epochs past the last loss keep the last rate. Other schedules
    ignore ``val_losses``.
    """
    arrays = schedule_arrays(name, params)
    epochs = checks.whole("epochs", epochs, 1)
    lr0 = checks.number("learning_rate", learning_rate, 0.0)
    if lr0 == 0:
        raise ValueError("learning_rate must be above 0, got 0")
    losses = np.asarray([] if val_losses is None else val_losses, np.float32).ravel()
    losses = losses[: epochs - 1]
    padded = np.full(_bucket(epochs) - 1, np.inf, np.float32)
    padded[: losses.size] = losses
    lr = _curve_kernel(arrays, np.int32(epochs), np.float32(lr0), padded, np.int32(losses.size))
    return np.asarray(lr)[:epochs]


# -------------------------------------------------------------------- Keras
def _lit(x: float) -> str:
    """A float literal (``LearningRateScheduler`` insists on a float, never an int)."""
    s = _fmt(x)
    return s if any(ch in s for ch in ".en") else s + ".0"


def keras_code(
    name: str,
    params: Mapping[str, float] | None,
    *,
    learning_rate: float,
    epochs: int | None = None,
) -> str:
    """Keras 3 code a student can paste to get this schedule (``""`` for constant).

    ``lr_scheduler`` is then passed as ``model.fit(..., callbacks=[lr_scheduler])``.
    Piecewise, exponential, power and 1cycle become a function of the epoch for
    ``keras.callbacks.LearningRateScheduler``, as in the course; performance
    scheduling is ``keras.callbacks.ReduceLROnPlateau``. 1cycle depends on the
    number of epochs: pass ``epochs`` (default 100) and use the same number in
    ``model.fit``.
    """
    p = resolve_params(name, params)
    lr = float(learning_rate)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate!r}")
    if name == "constant":
        return ""
    if name == "performance":
        return (
            f"lr_scheduler = keras.callbacks.ReduceLROnPlateau("
            f"factor={_fmt(p['factor'])}, patience={int(p['patience'])})"
        )
    if name == "exponential":
        fn = "exponential_decay_fn"
        body = f"    return {_lit(lr)} * 0.1 ** (epoch / {_fmt(p['r'])})"
    elif name == "power":
        fn = "power_decay_fn"
        body = f"    return {_lit(lr)} * (1 + epoch / {_fmt(p['r'])}) ** -{_fmt(p['c'])}"
    elif name == "piecewise":
        fn = "piecewise_constant_fn"
        bounds = [p[f"b{i}"] for i in (1, 2, 3) if p[f"b{i}"] < BOUNDARY_OFF]
        values = [lr] + [lr * p[f"v{i}"] for i in (1, 2, 3)]
        lines = [
            f"    if epoch <= {int(b)}:\n        return {_lit(v)}"
            for b, v in zip(bounds, values, strict=False)
        ]
        body = "\n".join([*lines, f"    return {_lit(values[len(bounds)])}"])
    else:  # onecycle
        n = 100 if epochs is None else int(epochs)
        return (
            f"n_epochs = {n}  # the epochs= you pass to model.fit\n"
            f"max_rate = {_lit(lr)}\n"
            f"start_rate = max_rate / {_fmt(p['start_div'])}\n"
            f"last_rate = start_rate / {_fmt(p['end_div'])}\n"
            f"last = n_epochs - 1\n"
            f"peak = int({_fmt(p['peak_at'])} * last + 1e-3)\n"
            f"back = min(2 * peak, last)\n"
            f"\n\n"
            f"def one_cycle_fn(epoch):\n"
            f"    if epoch < peak:\n"
            f"        return start_rate + (max_rate - start_rate) * epoch / peak\n"
            f"    if epoch < back:\n"
            f"        return max_rate + (start_rate - max_rate) * (epoch - peak) / (back - peak)\n"
            f"    if epoch >= last:\n"
            f"        return last_rate\n"
            f"    return start_rate + (last_rate - start_rate) * (epoch - back) / (last - back)\n"
            f"\n\n"
            f"lr_scheduler = keras.callbacks.LearningRateScheduler(one_cycle_fn)"
        )
    return f"def {fn}(epoch):\n{body}\n\nlr_scheduler = keras.callbacks.LearningRateScheduler({fn})"


def _warm_up(everything: bool) -> Iterator[str]:
    """The curve kernel at the pages' length (one shape serves every schedule)."""
    curve("constant", None, epochs=CURVE_EPOCHS, learning_rate=0.1)
    yield f"curve epochs<={CURVE_EPOCHS}"


register_warmup("schedules", _warm_up)
