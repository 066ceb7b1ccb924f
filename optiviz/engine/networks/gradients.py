"""Vanishing and exploding gradients in a deep MLP, measured layer by layer.

Back-propagation multiplies the error signal by one layer's weights and one
activation slope per layer on its way down::

    δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ f′(z_l),        ∂L/∂W_l = a_{l−1}ᵀ δ_l

so across ``depth`` layers the gradient is scaled by roughly
``(√fan · σ_w · |f′|)^depth``. If that factor is below 1 the first layers hardly
learn (*vanishing*: sigmoid and tanh with small weights); above 1 the numbers
grow until they overflow (*exploding*: σ = 1 weights, the "naive" init). Glorot
& Bengio (2010) asked for a factor of 1 forwards and backwards, which gives the
Glorot / He / LeCun variances of :mod:`optiviz.engine.networks.initializers`.

The network here is a plain stack: ``Dense(width)`` → activation, ``depth``
times, then ``Dense(10)`` → softmax on a fixed batch of inputs (standard-normal
features, like standardised data, labelled by a fixed random linear teacher).
The ``depth − 1`` hidden-to-hidden layers share one shape, so they run in a
``lax.scan`` and the compile time does not grow with depth.

Everything a student changes without changing a shape is a traced array: the
activation (an index into :data:`~optiviz.engine.networks.activations.ACTIVATIONS`,
dispatched with ``lax.switch``), the initializer (an index, as
:func:`~optiviz.engine.networks.initializers.init_kernel` takes), random_normal's σ, batch
normalization on/off, the clipnorm threshold and the learning rate. Switching any
of them never recompiles (:data:`TRACES` counts the traces). Depth, width and batch
size are shapes: one compile each.

No inf or NaN leaves this module: a quantity that overflowed float32 is reported
as 0 with an ``overflow`` flag, which the figures draw as "exploded (overflow)".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import checks
from .._store import Stored
from ..kernels import compiled, register_warmup
from ..optimizers import clip_factor
from .activations import ACTIVATIONS, get_activation
from .initializers import INITIALIZER_NAMES, get_initializer, init_kernel_in, key_at
from .mlp import BN_EPSILON

Array = Any

MAX_DEPTH = 50
MAX_WIDTH = 256
MAX_BATCH = 1024
N_IN = 64  # features of the fixed input batch
N_CLASSES = 10
HIST_BINS = 40
#: decades of |gradient| a histogram spans at most (below that: "≈ 0")
LOG_SPAN = 24.0
EPOCH_CHOICES = (10, 20, 50)
#: ratio first/last below 1/BAND is vanishing, above BAND exploding
BAND = 10.0

ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
LABELS = ("vanishing", "healthy", "exploding", "exploded (overflow)", "no gradient")

#: How many times each kernel has been traced (a test asserts sliders never retrace).
TRACES: Counter[str] = Counter()

_ACT_DEFAULTS = np.array([a.param_default for a in ACTIVATIONS.values()], np.float32)


# ------------------------------------------------------------------ settings
def check_shape(depth: Any, width: Any, batch: Any) -> tuple[int, int, int]:
    """Validate the network's shape (what the widgets bound, re-checked here)."""
    return (
        checks.whole("depth", depth, 2, MAX_DEPTH),
        checks.whole("width", width, 2, MAX_WIDTH),
        checks.whole("batch size", batch, 2, MAX_BATCH),
    )


def fixed_batch(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The lab's inputs: ``batch`` × 64 standard-normal features (what standardised
    data looks like) and labels 0–9 from a fixed random linear teacher."""
    rng = np.random.default_rng(1000 + seed)
    x = rng.standard_normal((batch, N_IN)).astype(np.float32)
    teacher = np.random.default_rng(7).standard_normal((N_IN, N_CLASSES))
    return x, np.argmax(x @ teacher, axis=1).astype(np.int32)


# ------------------------------------------------------------------ the network
#: width buckets of the lab's kernels: a network of ``width`` units computes in the
#: smallest bucket that holds it, its extra units masked (see ``optiviz.engine.networks.padded``)
LAB_WIDTHS: tuple[int, ...] = (32, 128, 256)


def width_bucket(width: int) -> int:
    return next(w for w in LAB_WIDTHS if width <= w)


class Net(NamedTuple):
    """The real network inside a padded stack, as traced values."""

    depth: Array  # int32: hidden layers
    units: Array  # float32 (W,): 1 for the real units of every hidden layer
    act: Array  # int32: activation index
    bn: Array  # bool: batch normalization before every activation


def net(depth: Any, width: Any, frame: int, act_idx: Any, bn: Any) -> Net:
    return Net(
        jnp.asarray(depth, jnp.int32),
        (jnp.arange(frame) < width).astype(jnp.float32),
        jnp.asarray(act_idx, jnp.int32),
        jnp.asarray(bn, bool),
    )


def init_stack(
    key: Array,
    depth: Any,
    width: Any,
    init_idx: Array,
    stddev: Array,
    *,
    frame: int | None = None,
    slots: int | None = None,
) -> dict:
    """Fresh weights for the stack, drawn with :func:`init_kernel` (biases 0, BN γ 1).

    ``first`` maps the 64 inputs to ``width`` units, ``hidden`` holds the
    ``depth − 1`` square kernels stacked on a leading axis, ``out`` is the 10-way
    softmax layer (same initializer, as ``kernel_initializer=`` on every layer). With
    ``frame`` (a width bucket) and ``slots`` (hidden kernels), the stack is padded to
    that shape, ``depth`` and ``width`` may be traced, and the real weights are the
    same numbers (the padding is zeros)."""
    frame = int(width) if frame is None else frame
    slots = int(depth) - 1 if slots is None else slots
    depth = jnp.asarray(depth, jnp.int32)

    def draw(i: Array, shape: tuple[int, int], fan_in: Any, fan_out: Any) -> Array:
        return init_kernel_in(key_at(key, i), shape, fan_in, fan_out, init_idx, stddev)

    layer = jnp.arange(slots)
    hidden = jax.vmap(lambda i: draw(i + 1, (frame, frame), width, width))(layer)
    hidden = jnp.where((layer < depth - 1)[:, None, None], hidden, 0.0)
    return {
        "first": {
            "w": draw(jnp.uint32(0), (N_IN, frame), N_IN, width),
            "b": jnp.zeros(frame),
            "g": jnp.ones(frame),
        },
        "hidden": {"w": hidden, "b": jnp.zeros((slots, frame)), "g": jnp.ones((slots, frame))},
        "out": {"w": draw(depth, (frame, N_CLASSES), width, N_CLASSES), "b": jnp.zeros(N_CLASSES)},
    }


def activate(z: Array, act_idx: Array) -> Array:
    """f(z) for the activation at traced index ``act_idx`` (its Keras default knob)."""
    p = jnp.asarray(_ACT_DEFAULTS)[act_idx]
    branches = [(lambda fn: lambda z, p: fn(z, p))(a.fn) for a in ACTIVATIONS.values()]
    return jax.lax.switch(act_idx, branches, z, p)


def _dense(layer: dict, h: Array, dz: Array, n: Net) -> Array:
    """One hidden layer: z = hW (+ batch norm with the batch's statistics, as in
    training) + b, plus the probe ``dz`` (zero; its gradient is ∂L/∂z), then f(z) on
    the real units."""
    z = h @ layer["w"]

    def normalise(z: Array) -> Array:
        mean, var = jnp.mean(z, axis=0), jnp.var(z, axis=0)
        return (z - mean) * jax.lax.rsqrt(var + BN_EPSILON) * layer["g"]

    z = jax.lax.cond(n.bn, normalise, lambda z: z, z) + layer["b"] + dz
    return activate(z, n.act) * n.units


def network(
    params: dict, x: Array, dz: Array, act_idx: Array, bn: Any, n: Net | None = None
) -> tuple[Array, Array]:
    """The logits and every hidden layer's activations, shape (layers, batch, width).

    ``bn`` normalises each layer's z with the batch's mean and variance, as Keras's
    BatchNormalization does while training (γ = 1, β = 0 at initialization). For a
    padded stack ``n`` says which layers and units are real; layers past its depth
    pass their input through (a ``cond``, rematerialised so a skipped layer costs the
    backward pass nothing) and report zeros."""
    width = params["first"]["w"].shape[1]
    if n is None:
        n = net(params["hidden"]["w"].shape[0] + 1, width, width, act_idx, bn)
    a1 = _dense(params["first"], x, dz[0], n)

    def step(h: Array, xs: tuple[dict, Array, Array]) -> tuple[Array, Array]:
        layer, dz_l, i = xs

        def live(h: Array) -> tuple[Array, Array]:
            a = _dense(layer, h, dz_l, n)
            return a, a

        return jax.lax.cond(
            i < n.depth - 1, jax.checkpoint(live), lambda h: (h, jnp.zeros_like(h)), h
        )

    slots = params["hidden"]["w"].shape[0]
    h, rest = jax.lax.scan(step, a1, (params["hidden"], dz[1:], jnp.arange(slots)))
    logits = h @ params["out"]["w"] + params["out"]["b"]
    return logits, jnp.concatenate([a1[None], rest])


def cross_entropy(logits: Array, y: Array) -> Array:
    """Mean sparse categorical cross-entropy from logits (Keras's ``from_logits=True``).

    The lab does not clip probabilities as :func:`optiviz.engine.networks.mlp.per_example_loss`
    does (Keras's rule for a softmax layer): when a network explodes its softmax
    saturates, the clip then zeroes the gradient exactly, and the explosion would
    hide as "no gradient". From logits, ∂L/∂logits = softmax − one-hot stays in
    [−1, 1] and the growth through the layers below is what we measure."""
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


def _loss(params: dict, dz: Array, x: Array, y: Array, n: Net):
    logits, acts = network(params, x, dz, n.act, n.bn, n)
    return cross_entropy(logits, y), acts


def _kernel_norms(grads: dict) -> Array:
    """‖∂L/∂W‖ (Frobenius) of every Dense kernel: depth hidden ones, then the output."""
    first = jnp.sqrt(jnp.sum(jnp.square(grads["first"]["w"])))[None]
    hidden = jnp.sqrt(jnp.sum(jnp.square(grads["hidden"]["w"]), axis=(1, 2)))
    out = jnp.sqrt(jnp.sum(jnp.square(grads["out"]["w"])))[None]
    return jnp.concatenate([first, hidden, out])


def _probe(params, x, y, n: Net):
    """Loss, ∂L/∂params, ∂L/∂z of every hidden layer, and the activations."""
    layers, width = params["hidden"]["w"].shape[0] + 1, params["first"]["w"].shape[1]
    dz0 = jnp.zeros((layers, x.shape[0], width))
    (loss, acts), (g_params, g_z) = jax.value_and_grad(_loss, argnums=(0, 1), has_aux=True)(
        params, dz0, x, y, n
    )
    return loss, g_params, g_z, acts


def _real(n: Net, acts: Array) -> Array:
    """The cells of ``(layers, batch, width)`` that belong to the real network."""
    layer = jnp.arange(acts.shape[0]) < n.depth
    return jnp.broadcast_to(layer[:, None, None] & (n.units > 0)[None, None, :], acts.shape)


def _finite(v: Array) -> tuple[Array, Array]:
    """(v with non-finite entries set to 0, whether anything overflowed)."""
    ok = jnp.isfinite(v)
    return jnp.where(ok, v, 0.0), ~ok


# ------------------------------------------------------------------ histograms
def _hist_rows(values: Array, ok: Array, lo: Array, hi: Array) -> Array:
    """Per layer (leading axis), counts of the ``ok`` values in HIST_BINS bins on [lo, hi]."""
    # halves first: the same numbers, but no overflow for values near float32's limit
    width = jnp.maximum(hi * 0.5 - lo * 0.5, 1e-30)
    idx = jnp.clip(jnp.floor((values * 0.5 - lo * 0.5) / width * HIST_BINS), 0, HIST_BINS - 1)
    idx = idx.astype(jnp.int32).reshape(values.shape[0], -1)
    w = ok.astype(jnp.float32).reshape(values.shape[0], -1)
    return jax.vmap(lambda i, w: jnp.bincount(i, weights=w, length=HIST_BINS))(idx, w)


def _act_hist(acts: Array, real: Array) -> tuple[Array, Array]:
    """Activations: one shared linear range over all layers (finite values only)."""
    ok = jnp.isfinite(acts) & real
    lo = jnp.min(jnp.where(ok, acts, jnp.inf))
    hi = jnp.max(jnp.where(ok, acts, -jnp.inf))
    lo, hi = jnp.where(jnp.any(ok), lo, -1.0), jnp.where(jnp.any(ok), hi, 1.0)
    # (scaled before subtracting, and kept finite: activations may reach float32's limit)
    pad = jnp.maximum(hi * 1e-3 - lo * 1e-3, 1e-6)
    big = float(np.finfo(np.float32).max)
    lo, hi = jnp.maximum(lo - pad, -big), jnp.minimum(hi + pad, big)
    return _hist_rows(jnp.where(ok, acts, 0.0), ok, lo, hi), jnp.stack([lo, hi])


def _grad_hist(g: Array, real: Array) -> tuple[Array, Array, Array]:
    """Back-propagated ∂L/∂z: histograms of log10|g| on a shared range (decades),
    and per layer the share of exact zeros (dead units, saturated-to-0 slopes)."""
    mag = jnp.abs(g)
    ok = jnp.isfinite(mag) & (mag > 0) & real
    logm = jnp.log10(jnp.where(ok, mag, 1.0))
    hi = jnp.max(jnp.where(ok, logm, -jnp.inf))
    lo = jnp.min(jnp.where(ok, logm, jnp.inf))
    any_ok = jnp.any(ok)
    hi = jnp.where(any_ok, hi, 0.0) + 0.01
    lo = jnp.maximum(jnp.where(any_ok, lo, -1.0), hi - LOG_SPAN) - 0.01
    ok = ok & (logm >= lo)
    per_layer = lambda v: jnp.sum(v.reshape(g.shape[0], -1), axis=1)  # noqa: E731
    zeros = per_layer((mag == 0) & real) / jnp.maximum(per_layer(real), 1)
    return _hist_rows(logm, ok, lo, hi), jnp.stack([lo, hi]), zeros


def _layer_moments(acts: Array, real: Array) -> tuple[Array, Array, Array]:
    """Per layer, the mean and std of all its activations, and whether it overflowed."""
    flat = acts.reshape(acts.shape[0], -1)
    cells = real.reshape(acts.shape[0], -1)
    count = jnp.maximum(jnp.sum(cells, axis=1), 1)
    bad = ~jnp.all(jnp.isfinite(flat) | ~cells, axis=1)
    mean = jnp.sum(jnp.where(cells, flat, 0.0), axis=1) / count
    dev = jnp.where(cells, flat - mean[:, None], 0.0)
    m, bad_m = _finite(mean)
    s, bad_s = _finite(jnp.sqrt(jnp.sum(jnp.square(dev), axis=1) / count))
    return m, s, bad | bad_m | bad_s


def _z_norms(g_z: Array) -> Array:
    """‖∂L/∂z_l‖ per hidden layer (over the batch and the units)."""
    return jnp.sqrt(jnp.sum(jnp.square(g_z), axis=(1, 2)))


def _init_summary(loss, grads, g_z, acts, real) -> dict[str, Array]:
    """Everything the lab shows about the network at initialization."""
    act_counts, act_range = _act_hist(acts, real)
    grad_counts, grad_range, grad_zeros = _grad_hist(g_z, real)
    mean, std, act_over = _layer_moments(acts, real)
    z_norm, z_over = _finite(_z_norms(g_z))
    w_norm, w_over = _finite(_kernel_norms(grads))
    return {
        "loss0": _finite(loss)[0],
        "act_counts": act_counts,
        "act_range": act_range,
        "grad_counts": grad_counts,
        "grad_range": grad_range,
        "grad_zeros": grad_zeros,
        "act_mean": mean,
        "act_std": std,
        "act_overflow": act_over,
        "z_norm": z_norm,
        "z_overflow": z_over | ~jnp.isfinite(loss),
        "w_norm": w_norm,
        "w_overflow": w_over | ~jnp.isfinite(loss),
    }


# ------------------------------------------------------------------ the lab kernel
class Bucket(NamedTuple):
    """What a lab kernel is compiled for: a width bucket and the batch size."""

    width: int
    batch: int


def _clip(g: dict, clipnorm: Array) -> dict:
    """Keras's ``clipnorm``: each variable's gradient rescaled to norm ≤ clipnorm
    (the stacked hidden kernels are one variable per layer)."""

    def one(v: Array, axes: tuple[int, ...]) -> Array:
        n = jnp.sqrt(jnp.sum(jnp.square(v), axis=axes, keepdims=True))
        return v * clip_factor(n, clipnorm)

    def group(layer: dict, stacked: bool) -> dict:
        return {k: one(v, tuple(range(int(stacked), v.ndim))) for k, v in layer.items()}

    return {
        "first": group(g["first"], False),
        "hidden": group(g["hidden"], True),
        "out": group(g["out"], False),
    }


def _make_lab(bucket: Bucket):
    frame, slots = bucket.width, MAX_DEPTH - 1

    def kernel(x, y, key, depth, width, init_idx, stddev, act_idx, bn, clipnorm, lr, n_epochs):
        TRACES[f"lab {bucket}"] += 1
        n = net(depth, width, frame, act_idx, bn)
        params = init_stack(key, depth, width, init_idx, stddev, frame=frame, slots=slots)
        shapes = jax.eval_shape(
            lambda p: _init_summary(
                *_probe(p, x, y, n), jnp.zeros((slots + 1, x.shape[0], frame), bool)
            ),
            params,
        )

        def epoch(carry, e):
            """One full-batch SGD step; epoch 0 also summarises the initial network."""
            params, dead = carry
            loss, grads, g_z, acts = _probe(params, x, y, n)
            real = _real(n, acts)
            summary = jax.lax.cond(
                e == 0,
                lambda: _init_summary(loss, grads, g_z, acts, real),
                lambda: jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes),
            )
            w_norm, z_norm = _kernel_norms(grads), _z_norms(g_z)
            update = jax.tree.map(lambda g: -lr * g, _clip(grads, clipnorm))
            new = jax.tree.map(jnp.add, params, update)
            finite = [jnp.all(jnp.isfinite(v)) for v in jax.tree.leaves(new)]
            ok = jnp.isfinite(loss) & jnp.all(jnp.isfinite(w_norm)) & jnp.all(jnp.stack(finite))
            stop = dead | ~ok
            params = jax.tree.map(lambda n, o: jnp.where(stop, o, n), new, params)
            _, std, _ = _layer_moments(acts, real)
            zero = lambda v: jnp.where(dead, 0.0, _finite(v)[0])  # noqa: E731
            row = {
                "loss": zero(loss),
                "w_norm": zero(w_norm),
                "z_norm": zero(z_norm),
                "update_norm": jnp.where(stop, 0.0, _finite(_kernel_norms(update))[0]),
                "act_std": zero(std),
                "valid": ~stop,
            }
            return (params, stop), (row, summary)

        def skip(carry, e):
            return jax.lax.cond(e < n_epochs, epoch, lambda c, e: (c, zeros), carry, e)

        zeros = jax.tree.map(
            lambda s: jnp.zeros(s.shape, s.dtype), jax.eval_shape(epoch, (params, False), 0)[1]
        )
        epochs = jnp.arange(max(EPOCH_CHOICES))
        _, (rows, summary) = jax.lax.scan(skip, (params, jnp.bool_(False)), epochs)
        return {
            **jax.tree.map(lambda s: s[0], summary),
            **{f"train_{k}": v for k, v in rows.items()},
        }

    return Stored(jax.jit(kernel), f"gradients.lab {bucket}")


def _lab_kernel(width: int, batch: int) -> Any:
    return compiled("gradients.lab", Bucket(width_bucket(width), batch), _make_lab)


def _per_layer(v: np.ndarray, depth: int, with_output: bool) -> np.ndarray:
    """The real layers of a padded per-layer array (last axis); ``with_output``: the
    output layer's entry, kept last, follows them."""
    if with_output:
        return np.concatenate([v[..., :depth], v[..., -1:]], axis=-1)
    return np.ascontiguousarray(v[..., :depth])


_PER_HIDDEN_LAYER = (
    "grad_zeros", "act_mean", "act_std", "act_overflow", "z_norm", "z_overflow",
    "train_z_norm", "train_act_std",
)  # fmt: skip


def _unpad(out: dict, depth: int, width: int, epochs: int) -> dict[str, np.ndarray]:
    """The lab's padded outputs cut to the real network and epoch count."""
    res = {}
    for k, v in out.items():
        v = np.asarray(v)
        if k.startswith("train_"):
            v = v[:epochs]
        if k in ("act_counts", "grad_counts"):
            v = np.ascontiguousarray(v[:depth])
        elif k in ("w_norm", "w_overflow", "train_w_norm", "train_update_norm"):
            v = _per_layer(v, depth, True)
        elif k in _PER_HIDDEN_LAYER:
            v = _per_layer(v, depth, False)
        res[k] = v
    return res


@dataclass
class LabResult:
    """One network at initialization, and how its gradients evolve while it trains.

    Layers are the hidden Dense layers 1..depth. At initialization:
    ``z_norm`` (depth,) is ‖∂L/∂z_l‖, the back-propagated gradient that back-prop
    multiplies layer by layer (the vanishing / exploding quantity); ``w_norm``
    (depth + 1,) is ‖∂L/∂W_l‖, what the optimizer sees (last entry: the output
    layer); ``act_mean``/``act_std`` per layer. Histograms: ``act_counts``
    (depth, HIST_BINS) of the activations on one shared range ``act_range`` (lo,
    hi); ``grad_counts`` of log10|∂L/∂z| on ``grad_range`` (decades), with
    ``grad_zeros`` the share of exact zeros per layer.

    ``train_*`` have one row per epoch of full-batch SGD: ``train_w_norm`` and
    ``train_z_norm`` measured *before* clipping, ``train_update_norm`` the step
    actually taken (after clipping, times the learning rate). ``train_valid`` is
    False from the epoch whose update overflowed (``diverged_epoch``, 1-based; 0:
    never); those rows are 0. Every overflowed number is 0 and flagged in
    ``act_overflow`` / ``z_overflow`` / ``w_overflow``: nothing here is inf or NaN.
    """

    depth: int
    width: int
    batch: int
    activation: str
    initializer: str
    stddev: float
    batch_norm: bool
    clipnorm: float | None
    learning_rate: float
    loss0: float
    act_counts: np.ndarray
    act_range: np.ndarray
    grad_counts: np.ndarray
    grad_range: np.ndarray
    grad_zeros: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    act_overflow: np.ndarray
    z_norm: np.ndarray
    z_overflow: np.ndarray
    w_norm: np.ndarray
    w_overflow: np.ndarray
    train_loss: np.ndarray
    train_w_norm: np.ndarray
    train_z_norm: np.ndarray
    train_update_norm: np.ndarray
    train_act_std: np.ndarray
    train_valid: np.ndarray

    @property
    def ratio(self) -> float:
        """‖∂L/∂z₁‖ / ‖∂L/∂z_depth‖ at initialization (0 when undefined)."""
        return ratio_of(self.z_norm, self.z_overflow)[0]

    @property
    def label(self) -> str:
        """vanishing / healthy / exploding / exploded (overflow) / no gradient."""
        return ratio_of(self.z_norm, self.z_overflow)[1]

    @property
    def diverged_epoch(self) -> int:
        bad = np.flatnonzero(~self.train_valid)
        return int(bad[0]) + 1 if len(bad) else 0


def ratio_of(norms: np.ndarray, overflow: np.ndarray) -> tuple[float, str]:
    """The first/last ratio of per-layer gradient norms and its label."""
    if np.any(overflow):
        return 0.0, "exploded (overflow)"
    first, last = float(norms[0]), float(norms[-1])
    if first <= 0 or last <= 0:
        return 0.0, "no gradient"
    r = first / last
    if not math.isfinite(r):
        return 0.0, "exploded (overflow)"
    return r, label_for(r)


def label_for(r: float) -> str:
    """vanishing below 1/BAND, exploding above BAND, healthy between."""
    return "vanishing" if r < 1.0 / BAND else "exploding" if r > BAND else "healthy"


def _resolve(activation: str, initializer: str, stddev: Any) -> tuple[int, int, float]:
    act = get_activation(activation)
    init = get_initializer(initializer)
    return (
        ACTIVATION_NAMES.index(act.name),
        INITIALIZER_NAMES.index(init.name),
        checks.number("stddev", stddev, 1e-4, 10.0),
    )


def lab(
    *,
    depth: int = 15,
    width: int = 128,
    batch: int = 256,
    activation: str = "sigmoid",
    initializer: str = "random_normal",
    stddev: float = 1.0,
    batch_norm: bool = False,
    clipnorm: float | None = None,
    learning_rate: float = 0.01,
    epochs: int = 20,
    seed: int = 0,
) -> LabResult:
    """Measure one deep MLP at initialization and during a short SGD run.

    Args:
        depth: hidden layers (2–50). width: units per hidden layer (2–256).
        batch: examples in the fixed input batch (2–1024).
        activation, initializer: Keras names; ``stddev`` is random_normal's σ.
        batch_norm: BatchNormalization (batch statistics) before every activation.
        clipnorm: Keras's per-variable gradient clipping threshold (None: off).
        learning_rate: SGD's step size. epochs: one of :data:`EPOCH_CHOICES`
            (one full-batch step each).
        seed: draws the weights and the input batch.

    Raises:
        ValueError: for a shape or value outside the bounds above.
    """
    depth, width, batch = check_shape(depth, width, batch)
    act_idx, init_idx, stddev = _resolve(activation, initializer, stddev)
    if epochs not in EPOCH_CHOICES:
        raise ValueError(f"epochs must be one of {EPOCH_CHOICES}, got {epochs!r}")
    clip = np.inf if clipnorm is None else checks.number("clipnorm", clipnorm, 1e-6, 1e6)
    lr = checks.number("learning rate", learning_rate, 0.0, 10.0)
    x, y = fixed_batch(batch, int(seed))
    fn = _lab_kernel(width, batch)
    out = jax.device_get(
        fn(
            x, y, jax.random.PRNGKey(int(seed)), np.int32(depth), np.int32(width),
            np.int32(init_idx), np.float32(stddev), np.int32(act_idx), np.bool_(batch_norm),
            np.float32(clip), np.float32(lr), np.int32(epochs),
        )
    )  # fmt: skip
    out = _unpad(out, depth, width, int(epochs))
    return LabResult(
        depth=depth,
        width=width,
        batch=batch,
        activation=ACTIVATION_NAMES[act_idx],
        initializer=INITIALIZER_NAMES[init_idx],
        stddev=stddev,
        batch_norm=bool(batch_norm),
        clipnorm=None if clipnorm is None else float(clip),
        learning_rate=lr,
        loss0=float(out.pop("loss0")),
        **out,
    )


# ------------------------------------------------------------------ the matrix
def _make_matrix(bucket: Bucket):
    frame, slots = bucket.width, MAX_DEPTH - 1

    def kernel(x, y, key, depth, width, act_idx, init_idx, stddev, bn):
        """Weights for every initializer (one draw, rescaled), then, one initializer
        at a time (``lax.map``: memory for one set of weights), every activation at
        once (``vmap``)."""
        TRACES[f"matrix {bucket}"] += 1

        def cell(params, act):
            n = net(depth, width, frame, act, bn)
            loss, _, g_z, _ = _probe(params, x, y, n)
            vals, bad = _finite(_z_norms(g_z))
            return vals, bad | ~jnp.isfinite(loss)

        def weights(i):
            return init_stack(key, depth, width, i, stddev, frame=frame, slots=slots)

        per_act = jax.vmap(cell, in_axes=(None, 0))
        return jax.lax.map(lambda i: per_act(weights(i), act_idx), init_idx)

    return Stored(jax.jit(kernel), f"gradients.matrix {bucket}")


@dataclass
class MatrixResult:
    """Every activation × every initializer at initialization.

    ``norms`` (n_act, n_init, depth) per-layer ‖∂L/∂z‖ (0 where ``overflow``);
    ``ratio`` (n_act, n_init) = first / last hidden layer (0 where undefined);
    ``labels`` one of :data:`LABELS` per cell."""

    activations: tuple[str, ...]
    initializers: tuple[str, ...]
    depth: int
    width: int
    stddev: float
    batch_norm: bool
    norms: np.ndarray
    overflow: np.ndarray
    ratio: np.ndarray
    labels: np.ndarray


def matrix(
    *,
    depth: int = 15,
    width: int = 128,
    batch: int = 64,
    stddev: float = 1.0,
    batch_norm: bool = False,
    seed: int = 0,
) -> MatrixResult:
    """First/last gradient-norm ratio for all activations × initializers in one
    vmapped, jitted call (the same weight noise for every cell, only the scale and
    the activation differ)."""
    depth, width, batch = check_shape(depth, width, batch)
    stddev = checks.number("stddev", stddev, 1e-4, 10.0)
    n_a, n_i = len(ACTIVATION_NAMES), len(INITIALIZER_NAMES)
    x, y = fixed_batch(batch, int(seed))
    fn = compiled("gradients.matrix", Bucket(width_bucket(width), batch), _make_matrix)
    norms, over = jax.device_get(
        fn(
            x, y, jax.random.PRNGKey(int(seed)), np.int32(depth), np.int32(width),
            np.arange(n_a, dtype=np.int32), np.arange(n_i, dtype=np.int32),
            np.float32(stddev), np.bool_(batch_norm),
        )
    )  # fmt: skip
    norms, over = norms[..., :depth], over[..., :depth]
    # (initializer, activation, layer) -> (activation, initializer, layer)
    norms = np.asarray(norms).transpose(1, 0, 2)
    over = np.asarray(over).transpose(1, 0, 2)
    ratio = np.zeros((n_a, n_i))
    labels = np.empty((n_a, n_i), dtype=object)
    for a in range(n_a):
        for i in range(n_i):
            ratio[a, i], labels[a, i] = ratio_of(norms[a, i], over[a, i])
    return MatrixResult(
        ACTIVATION_NAMES,
        INITIALIZER_NAMES,
        depth,
        width,
        stddev,
        bool(batch_norm),
        norms,
        over,
        ratio,
        labels,
    )


#: the batch sizes the pages use: the lab's 128 and the matrix's 64
LAB_BATCH = 128
MATRIX_BATCH = 64


def _warm_up(everything: bool) -> Iterator[str]:
    """Compile (or load) the lab's and the matrix's kernel for the default width's
    bucket, or for every width bucket."""
    for w in LAB_WIDTHS if everything else (128,):
        lab(depth=2, width=w, batch=LAB_BATCH, epochs=EPOCH_CHOICES[0])
        matrix(depth=2, width=w, batch=MATRIX_BATCH)
        yield f"width={w}"


register_warmup("gradients", _warm_up)
