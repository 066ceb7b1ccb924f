"""One compiled network for many shapes: an MLP padded to a fixed frame.

A student who adds a unit, a layer or ten points must not wait for XLA, so the
training kernels are not compiled for *a* network but for a *frame* that holds
every network up to a size:

* **Layer slots.** There are :data:`SLOTS` (= :data:`MAX_HIDDEN` + 1) slots, each a
  square ``P × P`` kernel with a bias, BN's γ and β. Hidden layer ``i`` lives in slot
  ``i``, the output layer in slot ``depth``; slots after it are skipped (a ``cond``
  on the traced depth, so they cost nothing). The forward pass writes out the first
  :data:`UNROLLED` slots and loops (``lax.scan``) over the deeper ones, only when the
  network has them: the common shallow networks run without loop overhead, and the
  code does not grow with :data:`MAX_HIDDEN`.
* **Units.** Every layer is padded to the width bucket ``P`` (:data:`WIDTHS`):
  the input's extra columns are zero, and each slot's padded units are masked to
  zero after the activation, so they add nothing downstream and get a zero
  gradient. Padded weights start at 0, get zero gradients and stay 0; the
  training kernel also masks every step with :func:`Layout.real_mask`.
* **What varies at run time** is a :class:`Frame` of arrays: the depth, the
  units of every slot, the activation of every slot, batch norm and dropout
  on or off, the output (sigmoid, softmax, linear) and the loss.
* **Wide & Deep** uses the last slot, which a wide network (at most
  ``MAX_HIDDEN - 1`` hidden layers) never reaches as a layer: its kernel maps the
  wide input columns to the outputs and is added to the output slot's weighted sum
  (the same sum as Keras's Dense on ``Concatenate()([wide, hidden])``). The hidden
  layers read the deep columns (``in_mask``). An auxiliary output is one more column
  of the output slot (column ``n_out``), linear, without the wide part.

Padding never changes a number a student sees: a padded unit is exactly zero,
so sums, norms and statistics (which count only real units, see
:meth:`Frame`) are those of the real network, and the random numbers of
dropout are drawn per (example, unit) from a counter, not per padded array
(:func:`keep_mask`).

The arithmetic is :mod:`optiviz.engine.networks.mlp`'s (Keras 3's), which stays the
readable reference; the tests check the two against each other and both
against Keras.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend.random import threefry2x32_p

from .activations import ACTIVATIONS
from .mlp import (
    BN_EPSILON,
    BN_MOMENTUM,
    KERAS_EPSILON,
    Architecture,
    _masked_moments,
    regression_parts,
)

Array = Any

#: the deepest network a frame holds (the playground's limit)
MAX_HIDDEN = 8
SLOTS = MAX_HIDDEN + 1
#: width buckets P: every layer of a network (inputs, hidden units, outputs) fits in
#: the smallest P at least as wide as its widest layer
WIDTHS: tuple[int, ...] = (16, 64, 128)
#: slots the forward pass writes out before looping over the rest (see :func:`forward`)
UNROLLED = 3
#: dropout's random stream numbers the units of a row up to this many (any width)
UNIT_STRIDE = 1 << 12

ACT_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
_ACT_FNS = tuple(a.fn for a in ACTIVATIONS.values())
#: per activation: 1 for the ReLU family (dead units), else 0
_RELU_FAMILY = np.array([a.family == "relu" for a in ACTIVATIONS.values()], np.float32)
#: per activation: 0 none, 1 sigmoid, 2 tanh (which saturation test applies)
_SATURATES = np.array(
    [{"sigmoid": 1, "tanh": 2}.get(a.name, 0) for a in ACTIVATIONS.values()], np.int32
)

OUTPUTS = ("sigmoid", "softmax", "linear")
LOSS_KINDS = ("binary_crossentropy", "sparse_categorical_crossentropy", "mse")


def width_bucket(arch: Architecture) -> int:
    """The smallest width bucket that holds every layer of ``arch``."""
    widest = max(*arch.sizes, arch.n_in, arch.n_out + (arch.aux_weight > 0))
    for p in WIDTHS:
        if widest <= p:
            return p
    raise ValueError(f"layers of at most {WIDTHS[-1]} units fit a frame, got {widest}")


def fits(arch: Architecture) -> bool:
    deepest = MAX_HIDDEN - 1 if arch.wide is not None else MAX_HIDDEN
    return len(arch.hidden) <= deepest and max(*arch.sizes, arch.n_in) <= WIDTHS[-1]


def _columns(cols: tuple[int, ...] | None, n_in: int) -> np.ndarray:
    return np.arange(n_in) if cols is None else np.asarray(cols)


# ------------------------------------------------------------------------ frame
class Frame(NamedTuple):
    """The real network inside the padding, as arrays (traced: no recompile)."""

    depth: Array  # int32 (): hidden layers; the output layer is slot ``depth``
    in_mask: Array  # float32 (P,): real input columns
    unit_mask: Array  # float32 (SLOTS, P): real units of each slot's output
    units: Array  # float32 (SLOTS,): how many (0 for skipped slots)
    act: Array  # int32 (SLOTS,): activation index of each hidden slot
    relu_family: Array  # float32 (SLOTS,): 1 where the slot counts dead units
    saturates: Array  # int32 (SLOTS,): 0 none, 1 sigmoid, 2 tanh
    batch_norm: Array  # bool ()
    dropout: Array  # bool (): dropout layers exist (the rate is per run)
    output: Array  # int32 (): index in OUTPUTS
    loss: Array  # int32 (): index in LOSS_KINDS
    n_out: Array  # int32 ()
    wide: Array  # bool (): the last slot holds a wide path
    wide_mask: Array  # float32 (P,): input columns on the wide path
    aux_weight: Array  # float32 (): loss weight of the auxiliary output (0: none)


def frame(arch: Architecture, p: int) -> Frame:
    """The :class:`Frame` of ``arch`` in width bucket ``p`` (NumPy arrays)."""
    if not fits(arch) or width_bucket(arch) > p:
        raise ValueError(f"{arch.sizes} does not fit a frame of width {p}")
    sizes = arch.sizes
    depth = len(arch.hidden)
    units = np.zeros(SLOTS, np.float32)
    units[: depth + 1] = sizes[1:]
    units[depth] += arch.aux_weight > 0
    in_mask = np.zeros(p, np.float32)
    in_mask[_columns(arch.deep, arch.n_in)] = 1.0
    wide_mask = np.zeros(p, np.float32)
    if arch.wide is not None:
        wide_mask[np.asarray(arch.wide)] = 1.0
    unit_mask = (np.arange(p)[None, :] < units[:, None]).astype(np.float32)
    act = np.full(SLOTS, ACT_NAMES.index("linear"), np.int32)
    act[:depth] = [ACT_NAMES.index(a) for a in arch.activations]
    return Frame(
        depth=np.int32(depth),
        in_mask=in_mask,
        unit_mask=unit_mask,
        units=units,
        act=act,
        relu_family=_RELU_FAMILY[act] * (np.arange(SLOTS) < depth),
        saturates=np.where(np.arange(SLOTS) < depth, _SATURATES[act], 0).astype(np.int32),
        batch_norm=np.bool_(arch.batch_norm),
        dropout=np.bool_(arch.dropout),
        output=np.int32(OUTPUTS.index(arch.output)),
        loss=np.int32(LOSS_KINDS.index(arch.loss)),
        n_out=np.int32(arch.n_out),
        wide=np.bool_(arch.wide is not None),
        wide_mask=wide_mask,
        aux_weight=np.float32(arch.aux_weight),
    )


# ------------------------------------------------------------------ parameters
@dataclass(frozen=True)
class Layout:
    """The flat parameter vector of a width-``p`` frame: every slot's kernel
    ``W (SLOTS, p, p)``, then the biases, BN's γ and BN's β, ``(SLOTS, p)`` each.
    A *variable* is one of those four per slot (Keras's per-variable clipping and the
    per-layer norms read them)."""

    p: int

    @property
    def size(self) -> int:
        return SLOTS * (self.p * self.p + 3 * self.p)

    def split(self, theta: Array) -> tuple[Array, Array, Array, Array]:
        """``(W, b, gamma, beta)`` views of one flat vector."""
        p, s = self.p, SLOTS
        xp = np if isinstance(theta, np.ndarray) else jnp
        w, b, g, be = xp.split(theta, [s * p * p, s * p * p + s * p, s * p * p + 2 * s * p])
        return w.reshape(s, p, p), b.reshape(s, p), g.reshape(s, p), be.reshape(s, p)

    def variable_sums(self, v: Array) -> Array:
        """Sums of ``v (..., size)`` over each variable: ``(..., 4, SLOTS)`` for W, b, γ, β."""
        p, s = self.p, SLOTS
        lead = v.shape[:-1]
        w = v[..., : s * p * p].reshape(*lead, s, p * p).sum(-1)
        rest = v[..., s * p * p :].reshape(*lead, 3, s, p).sum(-1)
        return jnp.concatenate([w[..., None, :], rest], axis=-2)

    def per_variable(self, values: Array) -> Array:
        """Spread one value per variable ``(4, SLOTS)`` over the flat vector."""
        p = self.p
        w = jnp.repeat(values[0], p * p, total_repeat_length=SLOTS * p * p)
        rest = jnp.repeat(values[1:].reshape(-1), p, total_repeat_length=3 * SLOTS * p)
        return jnp.concatenate([w, rest])

    def per_slot(self, values: Array) -> Array:
        """Spread one value per slot ``(SLOTS,)`` over the flat vector."""
        return self.per_variable(jnp.broadcast_to(values, (4, SLOTS)))

    def _places(self, arch: Architecture) -> list[tuple]:
        """Where each Dense layer of ``params`` lives in the frame: per layer a list of
        ``(rows of its kernel, slot, slot rows, slot columns)`` pieces, and the slot and
        columns of its bias (or BN's γ and β)."""
        depth, sizes, n_out = len(arch.hidden), arch.sizes, arch.n_out
        rows0 = _columns(arch.deep, arch.n_in)
        places = []
        for i in range(depth):
            rows = rows0 if i == 0 else np.arange(sizes[i])
            cols = np.arange(sizes[i + 1])
            places.append(([(slice(None), i, rows, cols)], (i, cols)))
        last = np.arange(sizes[depth])
        out_cols = np.arange(n_out)
        main = [(slice(arch.n_wide, None), depth, rows0 if depth == 0 else last, out_cols)]
        if arch.wide is not None:
            main.insert(0, (slice(0, arch.n_wide), SLOTS - 1, np.asarray(arch.wide), out_cols))
        places.append((main, (depth, out_cols)))
        if arch.aux_weight:
            aux_cols = np.arange(n_out, 2 * n_out)
            places.append(([(slice(None), depth, last, aux_cols)], (depth, aux_cols)))
        return places

    def real_mask(self, arch: Architecture) -> np.ndarray:
        """1.0 for the elements of the flat vector that are weights of ``arch``."""
        p, depth = self.p, len(arch.hidden)
        w = np.zeros((SLOTS, p, p), np.float32)
        b = np.zeros((SLOTS, p), np.float32)
        g = np.zeros((SLOTS, p), np.float32)
        for i, (pieces, (slot, cols)) in enumerate(self._places(arch)):
            for _, s, rows, cs in pieces:
                w[s, rows[:, None], cs[None, :]] = 1.0
            if arch.batch_norm and i < depth:
                g[slot, cols] = 1.0
            else:
                b[slot, cols] = 1.0
        return np.concatenate([w.ravel(), b.ravel(), g.ravel(), g.ravel()])

    def pad(self, arch: Architecture, params: Any) -> np.ndarray:
        """The flat vector of a params tuple (``mlp``'s one dict per Dense layer)."""
        p = self.p
        w = np.zeros((SLOTS, p, p), np.float32)
        b = np.zeros((SLOTS, p), np.float32)
        g = np.zeros((SLOTS, p), np.float32)
        be = np.zeros((SLOTS, p), np.float32)
        for layer, (pieces, (slot, cols)) in zip(params, self._places(arch), strict=True):
            k = np.asarray(layer["w"], np.float32)
            for part, s, rows, cs in pieces:
                w[s, rows[:, None], cs[None, :]] = k[part]
            if "gamma" in layer:
                g[slot, cols] = layer["gamma"]
                be[slot, cols] = layer["beta"]
            else:
                b[slot, cols] = layer["b"]
        return np.concatenate([w.ravel(), b.ravel(), g.ravel(), be.ravel()])

    def unpad(self, arch: Architecture, theta: np.ndarray) -> tuple[dict[str, np.ndarray], ...]:
        """The params tuple of ``arch`` held in one flat host vector."""
        w, b, g, be = self.split(np.asarray(theta))
        depth = len(arch.hidden)
        layers = []
        for i, (pieces, (slot, cols)) in enumerate(self._places(arch)):
            kernel = [np.array(w[s, rows[:, None], cs[None, :]]) for _, s, rows, cs in pieces]
            layer = {"w": np.concatenate(kernel, axis=0)}
            if arch.batch_norm and i < depth:
                layer["gamma"] = np.array(g[slot, cols])
                layer["beta"] = np.array(be[slot, cols])
            else:
                layer["b"] = np.array(b[slot, cols])
            layers.append(layer)
        return tuple(layers)


def pad_bn(arch: Architecture, bn_state: Any, p: int) -> dict[str, np.ndarray]:
    """BN's moving statistics ``{"mean", "var"}`` as ``(SLOTS, p)`` arrays."""
    mean = np.zeros((SLOTS, p), np.float32)
    var = np.ones((SLOTS, p), np.float32)
    for i, s in enumerate(bn_state or ()):
        n = len(s["mean"])
        mean[i, :n] = s["mean"]
        var[i, :n] = s["var"]
    return {"mean": mean, "var": var}


def unpad_bn(arch: Architecture, bn: Any) -> tuple[dict[str, np.ndarray], ...]:
    if not arch.batch_norm:
        return ()
    return tuple(
        {"mean": np.array(bn["mean"][i, :n]), "var": np.array(bn["var"][i, :n])}
        for i, n in enumerate(arch.hidden)
    )


def init_bn(p: int) -> dict[str, np.ndarray]:
    return {"mean": np.zeros((SLOTS, p), np.float32), "var": np.ones((SLOTS, p), np.float32)}


# ---------------------------------------------------------------------- dropout
def uniform(key: Array, rows: Array, cols: Array) -> Array:
    """Uniform numbers in [0, 1) for cells (row, col), each from its own counter
    ``row · UNIT_STRIDE + col`` of Threefry-2x32 under ``key`` (two uint32 words): the
    number of a cell does not depend on how large the padded array around it is."""
    count = rows.astype(jnp.uint32) * jnp.uint32(UNIT_STRIDE) + cols.astype(jnp.uint32)
    k1 = jnp.broadcast_to(key[0], count.shape)
    k2 = jnp.broadcast_to(key[1], count.shape)
    bits, _ = threefry2x32_p.bind(k1, k2, jnp.zeros_like(count), count)
    return jax.lax.bitcast_convert_type((bits >> 9) | jnp.uint32(0x3F800000), jnp.float32) - 1.0


def keep_mask(key: Array, shape: tuple[int, int], keep: Array) -> Array:
    """Dropout's kept units of a ``(rows, units)`` block: cell kept with probability
    ``keep``, the same cell of a larger padded block kept or dropped alike."""
    rows = jax.lax.broadcasted_iota(jnp.uint32, shape, 0)
    cols = jax.lax.broadcasted_iota(jnp.uint32, shape, 1)
    return uniform(key, rows, cols) < keep


def fold(key: Array, data: Array) -> Array:
    """A new two-word key for ``data`` (an integer), as ``jax.random.fold_in`` makes."""
    k = jax.random.wrap_key_data(key)
    return jax.random.key_data(jax.random.fold_in(k, data))


# ---------------------------------------------------------------------- forward
class _SlotContext(NamedTuple):
    """What every slot of one forward pass shares (see :func:`forward`)."""

    fr: Frame
    rows: Array
    train: bool
    key: Array | None
    keep: Array
    want: Array  # (traced bool) record the slots' activation statistics


def _slot(ctx: _SlotContext, h: Array, xs: tuple, remat: bool = True) -> tuple:
    """One layer slot: Dense, batch norm or the bias, the activation, dropout; skipped
    (``h`` passed through) past the output layer. Returns the slot's output and
    (activations before dropout, BN's moving mean and variance, statistics)."""
    fr, rows, train, key, keep, want = ctx
    i, wi, bi, gi, bei, mean0, var0, act, ap, umask, dzi, units, relu, sat = xs
    hidden = i < fr.depth
    use_bn = fr.batch_norm & hidden

    def live(h):
        z = h @ wi

        def normalise(z):
            if train:
                mean, var = _masked_moments(z, rows)
                m = BN_MOMENTUM
                stats = (mean0 * m + mean * (1.0 - m), var0 * m + var * (1.0 - m))
            else:
                mean, var = mean0, var0
                stats = (mean0, var0)
            inv = jax.lax.rsqrt(var + BN_EPSILON) * gi
            return z * inv + (bei - mean * inv), stats

        z, (mean2, var2) = jax.lax.cond(use_bn, normalise, lambda z: (z + bi, (mean0, var0)), z)
        z = z + dzi
        a = jax.lax.switch(act, _ACT_FNS, z, ap) * umask
        out = a
        if train and key is not None:

            def drop(a):
                kept = keep_mask(fold(key, i), a.shape, keep)
                return jnp.where(kept, a / jnp.maximum(keep, 1e-6), 0.0)

            out = jax.lax.cond(fr.dropout, drop, lambda a: a, a)
        st = jax.lax.cond(
            want & hidden,
            lambda: _slot_stats(a, rows, umask, units, relu, sat),
            lambda: jnp.zeros(4, a.dtype),
        )
        return jnp.where(hidden, out, z), (jnp.where(hidden, a, 0.0), mean2, var2, st)

    def skip(h):
        return h, (jnp.zeros_like(h), mean0, var0, jnp.zeros(4, h.dtype))

    return jax.lax.cond(i <= fr.depth, jax.checkpoint(live) if remat else live, skip, h)


def forward(
    fr: Frame,
    layout: Layout,
    theta: Array,
    bn: dict[str, Array],
    x: Array,
    rows: Array,
    *,
    act_params: Array,
    train: bool = False,
    dropout_rate: Array = 0.0,
    key: Array | None = None,
    dz: Array | None = None,
    stats: Array | None = None,
) -> tuple[Any, ...]:
    """Run the padded network on a batch ``x (B, P)`` whose real rows are ``rows``.

    Returns ``(out, new_bn, acts)``: the output ``(B, P)`` (probabilities in the
    real output columns, zeros elsewhere), BN's moving statistics after this batch
    (changed only when ``train``), and every hidden slot's activations ``(B, P)``
    before dropout (zeros past the depth). ``act_params`` holds one activation
    parameter per slot; ``dz (SLOTS, B, P)`` is added to each slot's
    pre-activation (its gradient is ∂L/∂z). ``key``: two uint32 words for dropout.
    ``stats`` (a traced bool): also return, fourth, each hidden slot's activation
    statistics (:func:`layer_stats`, ``(MAX_HIDDEN, 4)``) when it is true, zeros when
    not; computed inside the slots, so the slots past the depth cost nothing.

    ``cond``s skip the slots past the output layer and BN when it is off. The first
    :data:`UNROLLED` slots are written out (fast for shallow networks), deeper ones run
    in a ``scan`` only when the network has them, rematerialised (``jax.checkpoint``:
    else the backward pass carries residuals for skipped slots).
    """
    w, b, gamma, beta = layout.split(theta)
    h = x * fr.in_mask
    keep = 1.0 - dropout_rate
    if dz is None:
        dz = jnp.zeros((SLOTS, *x.shape), x.dtype)

    ctx = _SlotContext(fr, rows, train, key, keep, jnp.bool_(False) if stats is None else stats)
    slot = functools.partial(_slot, ctx)

    xs = (
        jnp.arange(SLOTS),
        w,
        b,
        gamma,
        beta,
        bn["mean"],
        bn["var"],
        fr.act,
        act_params,
        fr.unit_mask,
        dz,
        fr.units,
        fr.relu_family,
        fr.saturates,
    )
    # the first UNROLLED slots written out, without rematerialisation; the rest in a loop
    outs = []
    for i in range(UNROLLED):
        h, out = slot(h, jax.tree.map(lambda a, i=i: a[i], xs), remat=False)
        outs.append(jax.tree.map(lambda a: a[None], out))
    tail = jax.tree.map(lambda a: a[UNROLLED:], xs)

    def deeper(h):
        return jax.lax.scan(slot, h, tail)

    def none(h):
        n = SLOTS - UNROLLED
        return h, (jnp.zeros((n, *h.shape), h.dtype), tail[5], tail[6], jnp.zeros((n, 4), h.dtype))

    h, out = jax.lax.cond(fr.depth >= UNROLLED, deeper, none, h)
    outs.append(out)
    h = h + _wide_path(fr, x, w, h)
    acts, means, variances, slot_stats = (
        jnp.concatenate(parts) for parts in zip(*outs, strict=True)
    )
    acts = tuple(acts[i] for i in range(MAX_HIDDEN))
    new_bn = {"mean": means, "var": variances}
    if stats is not None:
        return output(fr, h), new_bn, tuple(acts), slot_stats[:MAX_HIDDEN]
    return output(fr, h), new_bn, tuple(acts)


def _wide_path(fr: Frame, x: Array, w: Array, logits: Array) -> Array:
    """Wide & Deep's wide inputs times the last slot's kernel (zeros without a wide path):
    what they add to the output layer's weighted sum."""
    return jax.lax.cond(
        fr.wide, lambda: (x * fr.wide_mask) @ w[SLOTS - 1], lambda: jnp.zeros_like(logits)
    )


def _out_mask(fr: Frame, width: int) -> Array:
    return jnp.arange(width) < fr.n_out


def output(fr: Frame, logits: Array) -> Array:
    """The output layer's activation over the real output columns."""
    cols = _out_mask(fr, logits.shape[-1])

    def sigmoid(z: Array) -> Array:
        return jnp.where(jnp.arange(z.shape[-1]) == 0, jax.nn.sigmoid(z), 0.0)

    def softmax(z: Array) -> Array:
        return jax.nn.softmax(jnp.where(cols, z, -jnp.inf), axis=-1)

    def linear(z: Array) -> Array:  # and the auxiliary output after the main one
        aux = (fr.aux_weight > 0) & (jnp.arange(z.shape[-1]) == fr.n_out)
        return jnp.where(cols | aux, z, 0.0)

    return jax.lax.switch(fr.output, (sigmoid, softmax, linear), logits)


def score(
    fr: Frame,
    layout: Layout,
    theta: Array,
    bn: dict[str, Array],
    X: Array,
    y: Array,
    start: Array,
    count: Array,
    *,
    act_params: Array,
    l1: Array,
    l2: Array,
    tile: int = 256,
) -> tuple[Array, Array]:
    """Loss (the L1/L2 penalty included, as Keras reports it), the metric (accuracy,
    or the mean absolute error for regression) and the main and auxiliary outputs'
    squared errors (:func:`regression_parts`) in inference mode on the stored rows
    ``start .. start + count`` of ``X``, walked in tiles of ``tile`` rows: the row
    count is a loop bound, not a shape."""

    def one(t: Array, sums: tuple[Array, Array]) -> tuple[Array, Array]:
        pos = jnp.arange(tile)
        rows = (t * tile + pos < count).astype(jnp.float32)
        idx = jnp.where(rows > 0, start + t * tile + pos, 0)
        out, _, _ = forward(fr, layout, theta, bn, X[idx], rows, act_params=act_params)
        per = per_example_loss(fr, out, y[idx])
        parts = jnp.stack(regression_parts(out, y[idx]))
        return (
            sums[0] + jnp.sum(per * rows),
            sums[1] + jnp.sum(metric(fr, out, y[idx]) * rows),
            sums[2] + jnp.sum(parts * rows, axis=-1),
        )

    zero = jnp.zeros(())
    loss, hits, parts = jax.lax.fori_loop(
        0, (count + tile - 1) // tile, one, (zero, zero, jnp.zeros(2))
    )
    n = jnp.maximum(count, 1).astype(jnp.float32)
    return loss / n + penalty(layout, theta, l1, l2), hits / n, parts / n


def per_example_loss(fr: Frame, out: Array, y: Array) -> Array:
    """Each example's loss, as :func:`optiviz.engine.networks.mlp.per_example_loss` computes it."""
    eps = KERAS_EPSILON
    width = out.shape[-1]

    def bce(out: Array) -> Array:
        p = jnp.clip(out[:, 0], eps, 1.0 - eps)
        yf = y.astype(p.dtype)
        return -(yf * jnp.log(p) + (1.0 - yf) * jnp.log(1.0 - p))

    def scce(out: Array) -> Array:
        p = out / jnp.sum(out, axis=-1, keepdims=True)
        p = jnp.clip(p, eps, 1.0 - eps)
        return -jnp.sum(jax.nn.one_hot(y.astype(jnp.int32), width) * jnp.log(p), axis=-1)

    def mse(out: Array) -> Array:
        yi = y.astype(jnp.int32)
        one = jnp.where(
            fr.n_out == 1,
            jax.nn.one_hot(jnp.zeros_like(yi), width) * y[:, None].astype(out.dtype),
            jax.nn.one_hot(yi, width),
        )
        sq = jnp.where(_out_mask(fr, width), jnp.square(one - out), 0.0)
        main = jnp.sum(sq, axis=-1) / fr.n_out.astype(out.dtype)
        aux = regression_parts(out, y)[1]
        return (1.0 - fr.aux_weight) * main + fr.aux_weight * aux

    return jax.lax.switch(fr.loss, (bce, scce, mse), out)


def metric(fr: Frame, out: Array, y: Array) -> Array:
    """Each example's metric: 1 for a right class and 0 for a wrong one (Keras's
    accuracy), or the absolute error for a regression network (Keras's ``mae``)."""
    regression = fr.output == OUTPUTS.index("linear")
    hit = (predict_class(fr, out) == y.astype(jnp.int32)).astype(out.dtype)
    return jnp.where(regression, jnp.abs(y.astype(out.dtype) - out[:, 0]), hit)


def predict_class(fr: Frame, out: Array) -> Array:
    """Keras's accuracy rule: ``p > 0.5`` for one sigmoid unit, else the argmax."""
    cols = _out_mask(fr, out.shape[-1])
    arg = jnp.argmax(jnp.where(cols, out, -jnp.inf), axis=-1).astype(jnp.int32)
    return jnp.where(fr.n_out == 1, (out[:, 0] > 0.5).astype(jnp.int32), arg)


def penalty(layout: Layout, theta: Array, l1: Array, l2: Array) -> Array:
    """Keras's kernel regularizers over every Dense kernel: ``l1·Σ|w| + l2·Σw²``."""
    w = layout.split(theta)[0]
    return l1 * jnp.sum(jnp.abs(w)) + l2 * jnp.sum(jnp.square(w))


def _slot_stats(
    a: Array, rows: Array, umask: Array, units: Array, relu: Array, sat_kind: Array
) -> Array:
    """One hidden slot's activation statistics over its real rows and units: mean,
    std, the share saturated (sigmoid, tanh: derivative below 10 % of its peak) and
    the share of dead units (ReLU family: no real row fires), as ``(4,)``."""
    real = (rows[:, None] > 0) & (umask[None, :] > 0)
    n = jnp.maximum(jnp.sum(rows), 1.0)
    size = jnp.maximum(n * units, 1.0)
    am = jnp.where(real, a, 0.0)
    mean = jnp.sum(am) / size
    mean_abs = jnp.sum(jnp.abs(am)) / size
    scale = jnp.where(mean_abs > 0, mean_abs, 1.0)
    unit = jnp.where(real, (am - mean) / scale, 0.0)
    std = scale * jnp.sqrt(jnp.sum(jnp.square(unit)) / size)
    hit = jnp.where(sat_kind == 1, a * (1 - a) < 0.025, 1 - jnp.square(a) < 0.1)
    sat = jnp.where(sat_kind > 0, jnp.sum(hit & real) / size, 0.0)
    fires = jnp.any(am > 0, axis=0)  # (P,)
    dead_units = jnp.sum(jnp.where(umask > 0, ~fires, False))
    dead = relu * dead_units / jnp.maximum(units, 1.0)
    return jnp.stack([mean, std, sat, dead]).astype(a.dtype)


def layer_stats(fr: Frame, acts: Array, rows: Array) -> Array:
    """Per hidden slot, :func:`_slot_stats` of its activations; shape
    ``(MAX_HIDDEN, 4)``, zeros for slots past the depth. As ``training._layer_stats``
    for an unpadded network (the training kernel gets them from :func:`forward`)."""
    h = MAX_HIDDEN
    stats = jax.vmap(_slot_stats, in_axes=(0, None, 0, 0, 0, 0))(
        jnp.stack(acts[:h]), rows, fr.unit_mask[:h], fr.units[:h], fr.relu_family[:h],
        fr.saturates[:h],
    )  # fmt: skip
    return jnp.where((jnp.arange(h) < fr.depth)[:, None], stats, 0.0)
