"""Kernel initializers as Keras 3 defines them (``keras/src/initializers``).

How the first weights are drawn decides whether a signal survives a deep
network. Glorot & Bengio (2010) asked that each layer keep the variance of its
outputs equal to that of its inputs, forwards and backwards; that holds when the
weights have variance ``scale / fan``:

=============  ======================  =========  ==============================
initializer    activation it suits     scale      fan
=============  ======================  =========  ==============================
Glorot         none, tanh, sigmoid     1          fan_avg = (fan_in + fan_out)/2
He             ReLU and its variants   2          fan_in
LeCun          SELU                    1          fan_in
=============  ======================  =========  ==============================

Each comes as ``*_uniform`` (uniform on ±√(3·scale/fan)) and ``*_normal``
(a normal truncated at two standard deviations, widened by 1/0.8796 so that the
variance after truncation is still scale/fan — exactly Keras's
``VarianceScaling``). ``random_normal`` is Keras's ``RandomNormal`` (untruncated,
stddev 0.05 by default; σ = 1 gives the "naive" explosion of the course) and
``zeros`` makes every unit of a layer identical forever (the symmetry problem).

Inside kernels the draw is a function of a traced ``index`` into
:data:`INITIALIZER_NAMES`, so one compiled network serves every initializer (and
``vmap`` can run all of them at once, as the gradients lab does); :func:`draw_kernel`
draws the same distributions on the host.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.extend.random import threefry2x32_p

Array = Any

#: 1 / the standard deviation of a unit normal truncated to [−2, 2] (Keras's constant)
TRUNCATED_STD = 0.87962566103423978


@dataclass(frozen=True)
class Initializer:
    """One initializer: how its variance is set and how Keras names it."""

    name: str
    display: str
    scale: float  # variance = scale / fan (VarianceScaling); stddev for random_normal
    mode: str  # "fan_avg", "fan_in", "stddev" (random_normal) or "zeros"
    distribution: str  # "uniform", "truncated_normal", "normal" or "zeros"
    latex: str
    summary: str

    def variance(self, fan_in: int, fan_out: int, stddev: float = 0.05) -> float:
        """The variance of one kernel entry for a layer with these fans."""
        if self.mode == "zeros":
            return 0.0
        if self.mode == "stddev":
            return stddev**2
        fan = max(1.0, (fan_in + fan_out) / 2.0 if self.mode == "fan_avg" else fan_in)
        return self.scale / fan

    def keras(self, stddev: float = 0.05) -> str:
        """The ``kernel_initializer=`` argument a student would write."""
        if self.name == "random_normal" and stddev != 0.05:
            return f"keras.initializers.RandomNormal(stddev={stddev!r})"
        return repr(self.name)


_GLOROT = r"\sigma^2 = \dfrac{1}{\mathrm{fan}_\mathrm{avg}}"
_HE = r"\sigma^2 = \dfrac{2}{\mathrm{fan}_\mathrm{in}}"
_LECUN = r"\sigma^2 = \dfrac{1}{\mathrm{fan}_\mathrm{in}}"

INITIALIZERS: dict[str, Initializer] = {
    i.name: i
    for i in (
        Initializer(
            "glorot_uniform",
            "Glorot uniform",
            1.0,
            "fan_avg",
            "uniform",
            _GLOROT,
            "Keras's default: uniform on ±√(3/fan_avg). Suits tanh, sigmoid and no activation.",
        ),
        Initializer(
            "glorot_normal",
            "Glorot normal",
            1.0,
            "fan_avg",
            "truncated_normal",
            _GLOROT,
            "Truncated normal with variance 1/fan_avg.",
        ),
        Initializer(
            "he_uniform",
            "He uniform",
            2.0,
            "fan_in",
            "uniform",
            _HE,
            "Uniform on ±√(6/fan_in): twice Glorot's variance, because ReLU zeroes half "
            "the signal.",
        ),
        Initializer(
            "he_normal",
            "He normal",
            2.0,
            "fan_in",
            "truncated_normal",
            _HE,
            "Truncated normal with variance 2/fan_in: the usual choice for ReLU layers.",
        ),
        Initializer(
            "lecun_uniform",
            "LeCun uniform",
            1.0,
            "fan_in",
            "uniform",
            _LECUN,
            "Uniform on ±√(3/fan_in).",
        ),
        Initializer(
            "lecun_normal",
            "LeCun normal",
            1.0,
            "fan_in",
            "truncated_normal",
            _LECUN,
            "Truncated normal with variance 1/fan_in: what SELU needs to self-normalise.",
        ),
        Initializer(
            "random_normal",
            "Random normal",
            0.05,
            "stddev",
            "normal",
            r"w \sim \mathcal{N}(0, \sigma^2)",
            "Plain normal with a fixed σ (Keras default 0.05), whatever the layer's size. "
            "σ = 1 is the naive choice that makes deep nets explode or saturate.",
        ),
        Initializer(
            "zeros",
            "Zeros",
            0.0,
            "zeros",
            "zeros",
            r"w = 0",
            "Every weight 0: all units of a layer get the same gradient and stay identical.",
        ),
    )
}

INITIALIZER_NAMES: tuple[str, ...] = tuple(INITIALIZERS)

# per initializer, as arrays indexed by a traced index
_SCALE = np.array([i.scale for i in INITIALIZERS.values()], np.float32)
_MODE = np.array(
    [("fan_avg", "fan_in", "stddev", "zeros").index(i.mode) for i in INITIALIZERS.values()],
    np.int32,
)
_DIST = np.array(
    [
        ("uniform", "truncated_normal", "normal", "zeros").index(i.distribution)
        for i in INITIALIZERS.values()
    ],
    np.int32,
)


def get_initializer(name: str | Initializer) -> Initializer:
    if isinstance(name, Initializer):
        return name
    try:
        return INITIALIZERS[name]
    except KeyError:
        raise ValueError(
            f"unknown initializer {name!r}; choose one of: {', '.join(INITIALIZERS)}"
        ) from None


def index(name: str) -> int:
    """Position of an initializer in :data:`INITIALIZER_NAMES` (what the kernels take)."""
    return INITIALIZER_NAMES.index(get_initializer(name).name)


def init_kernel(key: Array, shape: tuple[int, int], idx: Array, stddev: Array = 0.05) -> Array:
    """Draw a ``(fan_in, fan_out)`` kernel for the initializer at traced ``idx``.

    ``stddev`` is used by ``random_normal`` only. One uniform draw u ∈ [0, 1) serves
    all three distributions, the way ``jax.random`` makes them: uniform ``(2u − 1)``;
    normal and truncated normal ``√2·erf⁻¹(lo + (hi − lo)·u)``, with ``[lo, hi)`` the
    whole open interval (−1, 1) for the normal and ``erf(±√2)`` for the normal
    truncated to [−2, 2]. The chosen one is scaled: uniform ``·√(3·scale/fan)``,
    truncated ``·√(scale/fan)/0.8796``, normal ``·σ``. (One draw instead of three keeps
    the training kernel's compile time down.)
    """
    return init_kernel_in(key, shape, shape[0], shape[1], idx, stddev)


def init_kernel_in(
    key: Array,
    shape: tuple[int, int],
    fan_in: Array,
    fan_out: Array,
    idx: Array,
    stddev: Array = 0.05,
) -> Array:
    """:func:`init_kernel` of a ``(fan_in, fan_out)`` kernel (traced sizes) in the
    top-left corner of a zero ``shape`` block: the same numbers, whatever the block.

    ``jax.random`` numbers element ``(r, c)`` of a ``(fan_in, fan_out)`` draw by the
    counter ``r · fan_out + c`` (``jax_threefry_partitionable``), so the counters are
    computed from the real sizes here, and the padding never shifts them."""
    fan_in_f = jnp.asarray(fan_in, jnp.float32)
    fan_out_f = jnp.asarray(fan_out, jnp.float32)
    idx = jnp.asarray(idx, jnp.int32)
    scale = jnp.asarray(_SCALE)[idx]
    mode = jnp.asarray(_MODE)[idx]
    dist = jnp.asarray(_DIST)[idx]
    fan = jnp.where(
        mode == 0, jnp.maximum(1.0, (fan_in_f + fan_out_f) / 2.0), jnp.maximum(1.0, fan_in_f)
    )
    var = scale / fan
    rows = lax.broadcasted_iota(jnp.uint32, shape, 0)
    cols = lax.broadcasted_iota(jnp.uint32, shape, 1)
    real = (rows < jnp.asarray(fan_in, jnp.uint32)) & (cols < jnp.asarray(fan_out, jnp.uint32))
    sub = key_at(key, jnp.uint32(0))  # jax.random.split(key, 3)[0], as init_kernel draws
    u = uniform_at(sub, rows * jnp.asarray(fan_out, jnp.uint32) + cols)
    truncated = dist == 1
    lo = jnp.where(truncated, _ERF_LO, np.nextafter(np.float32(-1), np.float32(0)))
    hi = jnp.where(truncated, -_ERF_LO, 1.0)
    z = np.sqrt(2.0).astype(np.float32) * lax.erf_inv(jnp.maximum(lo, lo + (hi - lo) * u))
    z = jnp.where(truncated, jnp.clip(z, _TRUNC_LO, -_TRUNC_LO), z)
    uniform = (2.0 * u - 1.0) * jnp.sqrt(3.0 * var)
    trunc = z * (jnp.sqrt(var) / TRUNCATED_STD)
    normal = z * jnp.asarray(stddev, jnp.float32)
    out = jnp.where(dist == 0, uniform, jnp.where(truncated, trunc, normal))
    return jnp.where(real & (dist != 3), out, 0.0)


def _wrap(key: Array) -> Array:
    """A typed key from raw key data (two uint32 words), or the typed key as it is."""
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key
    return jax.random.wrap_key_data(key)


def _threefry(key: Array, index: Array) -> tuple[Array, Array]:
    """Threefry-2x32 of the counters (0, index) under ``key``, both output words. The
    four operands are given one shape (and, under ``vmap``, all or none batched: the
    primitive's CPU lowering fails on a mix)."""
    k = jax.random.key_data(_wrap(key))
    index = jnp.asarray(index, jnp.uint32)
    k1 = jnp.broadcast_to(k[..., 0], index.shape)
    k2 = jnp.broadcast_to(k[..., 1], index.shape)
    zero = (k1 ^ k1) + (index ^ index)
    return threefry2x32_p.bind(k1 + zero, k2 + zero, zero, index + zero)


def bits_at(key: Array, index: Array) -> Array:
    """``jax.random.bits(key, shape)`` read at flat positions ``index`` (uint32, any
    shape): Threefry-2x32 of the counter (0, index), its two words xor-ed, as JAX's
    partitionable Threefry computes each element."""
    b1, b2 = _threefry(key, index)
    return b1 ^ b2


def uniform_at(key: Array, index: Array) -> Array:
    """``jax.random.uniform(key, shape)`` (float32 in [0, 1)) read at flat ``index``."""
    bits = bits_at(key, index)
    floats = lax.bitcast_convert_type((bits >> 9) | jnp.uint32(0x3F800000), jnp.float32) - 1.0
    return jnp.maximum(0.0, floats)


def key_at(key: Array, index: Array) -> Array:
    """``jax.random.split(key, n)[index]`` as raw key data, for any ``n`` > index."""
    b1, b2 = _threefry(key, index)
    return jnp.stack([b1, b2], axis=-1)


def draw_kernel(
    rng: np.random.Generator, shape: tuple[int, int], name: str, stddev: float = 0.05
) -> np.ndarray:
    """The host (NumPy) counterpart of :func:`init_kernel`, for one named initializer:
    the same distributions, drawn by ``rng``. :func:`optiviz.engine.networks.training.train`
    draws its initial weights with it, so no random-bit kernel has to be compiled."""
    init = get_initializer(name)
    sd = math.sqrt(init.variance(*shape, stddev=stddev))
    if init.distribution == "zeros" or sd == 0.0:
        return np.zeros(shape, np.float32)
    if init.distribution == "uniform":
        limit = math.sqrt(3.0) * sd
        return rng.uniform(-limit, limit, shape).astype(np.float32)
    z = rng.standard_normal(shape)
    if init.distribution == "truncated_normal":
        # redraw what falls outside two standard deviations: a normal truncated there
        while (out := np.abs(z) >= 2.0).any():
            z[out] = rng.standard_normal(int(out.sum()))
        sd /= TRUNCATED_STD
    return (z * sd).astype(np.float32)


#: erf(−2/√2): the lower end of the uniform draw that becomes a normal truncated to [−2, 2]
_ERF_LO = np.float32(math.erf(-2.0 / math.sqrt(2.0)))
#: the largest float32 above −2 (truncated draws stay strictly inside, as in jax.random)
_TRUNC_LO = np.nextafter(np.float32(-2.0), np.float32(0.0))


def limit(name: str, fan_in: int, fan_out: int) -> float:
    """The bound of a uniform initializer, or 2 truncated standard deviations."""
    init = get_initializer(name)
    var = init.variance(fan_in, fan_out)
    if init.distribution == "uniform":
        return math.sqrt(3.0 * var)
    if init.distribution == "truncated_normal":
        return 2.0 * math.sqrt(var) / TRUNCATED_STD
    return math.inf
