"""A multilayer perceptron as plain functions over a tuple of layers.

The network is what the course builds with ``keras.Sequential``: Dense layers,
each followed by an activation, optionally with batch normalization between the
weighted sum and the activation (the course's ``Dense(use_bias=False)`` →
``BatchNormalization()`` → ``Activation``) and dropout after it, and an output
layer with a sigmoid (binary), a softmax (several classes) or nothing (MSE on
raw outputs). Parameters are a tuple with one dict per Dense layer, in the style
of JAX's from-scratch MNIST example::

    params = ({"w": (2, 16), "b": (16,)}, {"w": (16, 16), "b": (16,)}, {"w": (16, 1), "b": (1,)})

With batch normalization the hidden layers hold ``{"w", "gamma", "beta"}``
instead (no bias: BN's β replaces it), and the moving averages live in a
separate, non-trainable ``bn_state``.

A *Wide & Deep* network (the course's Functional API example) also sends some
input columns (``Architecture.wide``) straight to the output layer, concatenated
before the last hidden layer's output, so the output layer's kernel has
``n_wide + n_last`` rows, wide rows first, as ``Concatenate()([wide, hidden])``
orders them; the hidden stack may read a subset of the columns
(``Architecture.deep``). An *auxiliary output* (the Subclassing example) is one more
Dense layer on the last hidden layer, last in ``params``; its loss counts with
``aux_weight`` and the main output's with ``1 - aux_weight`` (Keras's
``loss_weights``).

The arithmetic follows Keras 3 on the JAX backend: BN uses the batch's biased
variance, ε = 1e-3 and momentum 0.99 for the moving statistics; dropout is
inverted (kept units are scaled by 1/(1 − rate)) and off at inference; the
losses clip probabilities to [1e-7, 1 − 1e-7] as Keras does when given
probabilities.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from optiviz.engine.networks.activations import ACTIVATIONS, get_activation
from optiviz.engine.networks.initializers import draw_kernel, init_kernel

Array = Any
Params = tuple[dict[str, Array], ...]

#: Keras's ``backend.epsilon()``, the clip used by the cross-entropies
KERAS_EPSILON = 1e-7
BN_MOMENTUM = 0.99
BN_EPSILON = 1e-3

LOSSES = {
    "binary_crossentropy": "Binary cross-entropy",
    "sparse_categorical_crossentropy": "Sparse categorical cross-entropy",
    "mse": "Mean squared error",
}


@dataclass(frozen=True)
class Architecture:
    """Everything about a network's shape that a compiled function depends on.

    Hyperparameters that can change without recompiling (dropout rate,
    leaky-ReLU slope, regularization strength, ...) are *not* here: they are
    arrays passed at call time.
    """

    n_in: int
    hidden: tuple[int, ...]
    activations: tuple[str, ...]
    n_out: int
    output: str  # "sigmoid", "softmax" or "linear"
    loss: str
    batch_norm: bool = False
    dropout: bool = False
    #: input columns that also go straight to the output layer (Wide & Deep); None: none
    wide: tuple[int, ...] | None = None
    #: input columns the hidden layers read; None: all of them
    deep: tuple[int, ...] | None = None
    #: loss weight of an auxiliary output on the last hidden layer; 0: no such output
    aux_weight: float = 0.0

    def __post_init__(self) -> None:
        if len(self.activations) != len(self.hidden):
            raise ValueError("one activation per hidden layer is needed")
        for a in self.activations:
            get_activation(a)
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of: {', '.join(LOSSES)}")
        for name in ("wide", "deep"):
            cols = getattr(self, name)
            if cols is not None and (
                not cols or len(set(cols)) != len(cols) or not all(0 <= c < self.n_in for c in cols)
            ):
                raise ValueError(
                    f"{name} must name distinct input columns from 0 to {self.n_in - 1}, "
                    f"at least one; got {cols}"
                )
        if (self.wide is not None or self.aux_weight) and not self.hidden:
            raise ValueError("Wide & Deep and an auxiliary output need a hidden layer")
        if not 0.0 <= self.aux_weight < 1.0:
            raise ValueError(f"aux_weight must be at least 0 and below 1, got {self.aux_weight}")
        if self.aux_weight and (self.output != "linear" or self.n_out != 1):
            raise ValueError("an auxiliary output needs a regression network (one linear output)")

    @property
    def n_deep(self) -> int:
        """Input columns the first hidden layer reads."""
        return self.n_in if self.deep is None else len(self.deep)

    @property
    def n_wide(self) -> int:
        """Input columns on the wide path (0 without one)."""
        return 0 if self.wide is None else len(self.wide)

    @property
    def functional(self) -> bool:
        """True when the network is not a plain stack (a wide path, a subset of the
        inputs for the hidden layers, or an auxiliary output): Keras's Functional API or
        a subclass builds it, ``Sequential`` cannot."""
        return self.wide is not None or self.deep is not None or self.aux_weight > 0

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units of the main stack's layers, input first (the hidden layers' input)."""
        return (self.n_deep, *self.hidden, self.n_out)

    @property
    def kernel_shapes(self) -> tuple[tuple[int, int], ...]:
        """Every Dense layer's kernel shape, in the order of ``params``: the hidden
        layers, the output layer (wide rows included) and the auxiliary output."""
        s = self.sizes
        shapes = [(s[i], s[i + 1]) for i in range(len(self.hidden))]
        shapes.append((self.n_wide + s[-2], self.n_out))
        if self.aux_weight:
            shapes.append((s[-2], self.n_out))
        return tuple(shapes)

    @property
    def n_dense(self) -> int:
        return len(self.hidden) + 1

    @property
    def n_classes(self) -> int:
        """Classes told apart (2 for one sigmoid unit); 0 for regression."""
        if self.output == "linear":
            return 0
        return 2 if self.output == "sigmoid" else self.n_out


def build(
    n_in: int,
    n_classes: int,
    hidden: tuple[int, ...] | list[int] = (16, 16),
    activation: str | tuple[str, ...] | list[str] = "relu",
    *,
    loss: str | None = None,
    batch_norm: bool = False,
    dropout: bool = False,
    wide: Sequence[int] | None = None,
    deep: Sequence[int] | None = None,
    aux_weight: float = 0.0,
) -> Architecture:
    """The architecture for a classifier with ``n_classes`` classes, or for regression
    (``n_classes=0``: one linear output scored with mean squared error).

    Two classes get one sigmoid output and binary cross-entropy (the course's
    setosa-vs-rest model); more get a softmax layer and sparse categorical
    cross-entropy. ``loss="mse"`` keeps the same output and scores it with MSE.
    ``wide``, ``deep`` and ``aux_weight``: see :class:`Architecture`.
    """
    hidden = tuple(int(h) for h in hidden)
    if any(h < 1 for h in hidden):
        raise ValueError("every hidden layer needs at least one unit")
    acts = (activation,) * len(hidden) if isinstance(activation, str) else tuple(activation)
    paths = {
        "wide": None if wide is None else tuple(int(c) for c in wide),
        "deep": None if deep is None else tuple(int(c) for c in deep),
        "aux_weight": float(aux_weight),
    }
    if n_classes == 0:
        if loss not in (None, "mse"):
            raise ValueError("a regression network is scored with mean squared error (mse)")
        return Architecture(
            n_in=int(n_in), hidden=hidden, activations=acts, n_out=1, output="linear",
            loss="mse", batch_norm=bool(batch_norm), dropout=bool(dropout), **paths,
        )  # fmt: skip
    if n_classes < 2:
        raise ValueError("a classifier needs at least two classes")
    binary = n_classes == 2
    if loss is None:
        loss = "binary_crossentropy" if binary else "sparse_categorical_crossentropy"
    if loss == "binary_crossentropy" and not binary:
        raise ValueError("binary cross-entropy needs exactly two classes")
    if loss == "sparse_categorical_crossentropy" and binary:
        loss = "binary_crossentropy"
    return Architecture(
        n_in=int(n_in),
        hidden=hidden,
        activations=acts,
        n_out=1 if binary else int(n_classes),
        output="sigmoid" if binary else "softmax",
        loss=loss,
        batch_norm=bool(batch_norm),
        dropout=bool(dropout),
        **paths,
    )


# ------------------------------------------------------------------- parameters
def init_params(arch: Architecture, key: Array, init_idx: Array, stddev: Array = 0.05) -> Params:
    """Fresh parameters: kernels from the initializer at ``init_idx`` (traced),
    biases 0, BN γ = 1 and β = 0 (Keras's defaults). The output layer uses the
    same initializer as the hidden ones, as ``Dense(kernel_initializer=...)`` on
    every layer would."""
    layers = []
    for i, shape in enumerate(arch.kernel_shapes):
        w = init_kernel(jax.random.fold_in(key, i), shape, init_idx, stddev)
        if arch.batch_norm and i < len(arch.hidden):
            n = shape[1]
            layers.append({"w": w, "gamma": jnp.ones(n), "beta": jnp.zeros(n)})
        else:
            layers.append({"w": w, "b": jnp.zeros(shape[1])})
    return tuple(layers)


def init_params_host(
    arch: Architecture, seed: int, initializer: str, stddev: float = 0.05
) -> Params:
    """:func:`init_params` drawn with NumPy (no compiled kernel): the same layout and
    distributions, a stream of its own per (seed, layer)."""
    layers = []
    for i, shape in enumerate(arch.kernel_shapes):
        rng = np.random.default_rng([int(seed), 0x5EED, i])
        w = draw_kernel(rng, shape, initializer, stddev)
        n = shape[1]
        if arch.batch_norm and i < len(arch.hidden):
            ones, zeros = np.ones(n, np.float32), np.zeros(n, np.float32)
            layers.append({"w": w, "gamma": ones, "beta": zeros})
        else:
            layers.append({"w": w, "b": np.zeros(n, np.float32)})
    return tuple(layers)


def init_bn_state(arch: Architecture) -> tuple[dict[str, Array], ...]:
    """BN's moving mean (0) and moving variance (1) per hidden layer; empty without BN."""
    if not arch.batch_norm:
        return ()
    return tuple({"mean": jnp.zeros(n), "var": jnp.ones(n)} for n in arch.hidden)


def count_params(arch: Architecture) -> tuple[int, int]:
    """(trainable, non-trainable) parameter counts, as ``model.summary()`` reports them."""
    trainable = non = 0
    for i, (rows, units) in enumerate(arch.kernel_shapes):
        trainable += rows * units
        if arch.batch_norm and i < len(arch.hidden):
            trainable += 2 * units
            non += 2 * units
        else:
            trainable += units
    return trainable, non


@dataclass(frozen=True)
class ModelSummary:
    """Keras's ``model.summary()`` as data: one row per layer, and the totals."""

    rows: tuple[dict[str, Any], ...]
    trainable: int
    non_trainable: int
    name: str = "sequential"

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    def __str__(self) -> str:
        w = (34, 22, 10)
        line = "━" * sum(w)
        out = [
            f'Model: "{self.name}"',
            line,
            f"{'Layer (type)':<{w[0]}}{'Output Shape':<{w[1]}}{'Param #':>{w[2]}}",
            line,
        ]
        for r in self.rows:
            out.append(f"{r['layer']:<{w[0]}}{r['output_shape']:<{w[1]}}{r['params']:>{w[2]},}")
        out += [
            line,
            f" Total params: {self.total:,}",
            f" Trainable params: {self.trainable:,}",
            f" Non-trainable params: {self.non_trainable:,}",
        ]
        return "\n".join(out)


#: Keras's layer for an activation whose parameter is not its default
PARAM_LAYERS = {"leaky_relu": "LeakyReLU", "elu": "ELU"}


def activation_layer(name: str, param: float | None) -> str | None:
    """The Keras layer class a hidden layer's activation needs as a layer of its own
    (``LeakyReLU``, ``ELU``) when its parameter is not the default, else None: then
    the activation is written by name."""
    act = get_activation(name)
    if act.param is None or param is None or float(param) == act.param_default:
        return None
    return PARAM_LAYERS[act.name]


def layer_params(
    arch: Architecture, activation_param: float | Sequence[float | None] | None
) -> list[float | None]:
    """A run's activation parameter per hidden layer: one value for every layer, or
    one per layer (None: the activation's default), as
    :class:`~optiviz.engine.networks.training.Run` takes it."""
    depth = len(arch.hidden)
    if activation_param is None or isinstance(activation_param, (int, float, np.number)):
        return [activation_param] * depth
    values = list(activation_param)
    if len(values) != depth:
        raise ValueError(f"one activation parameter per hidden layer ({depth}) is needed")
    return values


def _snake(cls: str) -> str:
    """Keras's automatic layer name for a class: LeakyReLU → leaky_re_lu."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", cls).lower()


def summary(
    arch: Architecture, activation_param: float | Sequence[float | None] | None = None
) -> ModelSummary:
    """Keras's ``model.summary()`` for this network: per layer its name and type,
    output shape and parameter count (BN has 4 per unit: γ and β trainable, the
    moving mean and variance not), and the totals. ``activation_param``: the run's
    activation parameter, one or one per layer (a non-default one is a layer of its
    own, as :func:`activation_layer` says)."""
    rows: list[dict[str, Any]] = []
    counters: dict[str, int] = {}

    def name(kind: str) -> str:
        n = counters.get(kind, 0)
        counters[kind] = n + 1
        return kind if n == 0 else f"{kind}_{n}"

    def row(layer: str, units: int, params: int = 0) -> None:
        rows.append({"layer": layer, "output_shape": f"(None, {units})", "params": params})

    shapes = arch.kernel_shapes
    per_layer = layer_params(arch, activation_param)
    if arch.functional:
        if arch.wide is not None:
            row("wide_input (InputLayer)", arch.n_wide)
        row("deep_input (InputLayer)", arch.n_deep)
    for i in range(arch.n_dense):
        hidden = i < len(arch.hidden)
        n_rows, units = shapes[i]
        bias = not (arch.batch_norm and hidden)
        if not hidden and arch.wide is not None:
            row("concatenate (Concatenate)", n_rows)
        layer = f"{name('dense')} (Dense)"
        if not hidden and arch.functional:
            layer = "main_output (Dense)"
        row(layer, units, n_rows * units + (units if bias else 0))
        if hidden and arch.batch_norm:
            row(f"{name('batch_normalization')} (BatchNormalization)", units, 4 * units)
        own = activation_layer(arch.activations[i], per_layer[i]) if hidden else None
        if hidden and (arch.batch_norm or own):
            cls = own or "Activation"
            row(f"{name(_snake(cls))} ({cls})", units)
        if hidden and arch.dropout:
            row(f"{name('dropout')} (Dropout)", units)
    if arch.aux_weight:
        n_rows, units = shapes[-1]
        row("aux_output (Dense)", units, n_rows * units + units)
    trainable, non = count_params(arch)
    return ModelSummary(
        tuple(rows), trainable, non, "functional" if arch.functional else "sequential"
    )


# ---------------------------------------------------------------------- forward
def _masked_moments(z: Array, mask: Array | None) -> tuple[Array, Array]:
    if mask is None:
        return jnp.mean(z, axis=0), jnp.var(z, axis=0)
    w = mask[:, None]
    n = jnp.maximum(jnp.sum(mask), 1.0)
    mean = jnp.sum(z * w, axis=0) / n
    var = jnp.sum(jnp.square(z - mean) * w, axis=0) / n
    return mean, var


def forward(
    arch: Architecture,
    params: Params,
    bn_state: tuple[dict[str, Array], ...],
    x: Array,
    *,
    act_params: Array,
    train: bool = False,
    dropout_rate: Array = 0.0,
    key: Array | None = None,
    mask: Array | None = None,
    dz: tuple[Array, ...] | None = None,
) -> tuple[Array, tuple[dict[str, Array], ...], list[Array], list[Array]]:
    """Run the network on a batch ``x``.

    Returns ``(output, new_bn_state, zs, acts)``: the output probabilities (or
    raw values for a linear output; the auxiliary output, if any, as one more
    column), the updated BN moving statistics (unchanged
    unless ``train``), and per hidden layer the pre-activations ``z`` (after BN)
    and activations ``a`` (before dropout), which the training loop summarises.

    ``train`` selects Keras's training behaviour: BN normalises with the batch's
    statistics (``mask`` marks the real rows of a padded batch) and updates its
    moving averages; dropout (if the architecture has it) zeroes units with
    probability ``dropout_rate`` and scales the rest by 1/(1 − rate). ``dz``, if
    given, is added to each layer's pre-activation: differentiating the loss with
    respect to it gives the back-propagated error ∂L/∂z of every layer.
    """
    h = x if arch.deep is None else x[:, np.asarray(arch.deep)]
    zs: list[Array] = []
    acts: list[Array] = []
    new_bn: list[dict[str, Array]] = []
    n_hidden = len(arch.hidden)
    for i, layer in enumerate(params[: arch.n_dense]):
        if i == n_hidden and arch.wide is not None:
            h = jnp.concatenate([x[:, np.asarray(arch.wide)], h], axis=-1)
        z = h @ layer["w"]
        if i < n_hidden and arch.batch_norm:
            stats = bn_state[i]
            if train:
                mean, var = _masked_moments(z, mask)
                new_bn.append(
                    {
                        "mean": stats["mean"] * BN_MOMENTUM + mean * (1.0 - BN_MOMENTUM),
                        "var": stats["var"] * BN_MOMENTUM + var * (1.0 - BN_MOMENTUM),
                    }
                )
            else:
                mean, var = stats["mean"], stats["var"]
                new_bn.append(stats)
            inv = jax.lax.rsqrt(var + BN_EPSILON) * layer["gamma"]
            z = z * inv + (layer["beta"] - mean * inv)
        else:
            z = z + layer["b"]
        if dz is not None:
            z = z + dz[i]
        if i < n_hidden:
            a = ACTIVATIONS[arch.activations[i]].fn(z, act_params[i])
            zs.append(z)
            acts.append(a)
            if arch.dropout and train and key is not None:
                keep = 1.0 - dropout_rate
                drop = jax.random.bernoulli(jax.random.fold_in(key, i), keep, a.shape)
                a = jnp.where(drop, a / jnp.maximum(keep, 1e-6), 0.0)
            h = a
            last = a
        else:
            h = z
    if arch.output == "sigmoid":
        out = jax.nn.sigmoid(h)
    elif arch.output == "softmax":
        out = jax.nn.softmax(h, axis=-1)
    else:
        out = h
    if arch.aux_weight:  # the auxiliary output, a column after the main one
        out = jnp.concatenate([out, last @ params[-1]["w"] + params[-1]["b"]], axis=-1)
    return out, tuple(new_bn), zs, acts


def per_example_loss(arch: Architecture, out: Array, y: Array) -> Array:
    """The loss of each example, computed from probabilities as Keras does
    (clipped to [ε, 1 − ε] with ε = 1e-7, so it never reaches ±inf)."""
    eps = KERAS_EPSILON
    if arch.loss == "binary_crossentropy":
        p = jnp.clip(out[:, 0], eps, 1.0 - eps)
        yf = y.astype(p.dtype)
        return -(yf * jnp.log(p) + (1.0 - yf) * jnp.log(1.0 - p))
    if arch.loss == "sparse_categorical_crossentropy":
        p = out / jnp.sum(out, axis=-1, keepdims=True)
        p = jnp.clip(p, eps, 1.0 - eps)
        return -jnp.sum(jax.nn.one_hot(y.astype(jnp.int32), arch.n_out) * jnp.log(p), axis=-1)
    if arch.aux_weight:
        main, aux = regression_parts(out, y)
        return (1.0 - arch.aux_weight) * main + arch.aux_weight * aux
    target = y[:, None].astype(out.dtype) if arch.n_out == 1 else jax.nn.one_hot(y, arch.n_out)
    return jnp.mean(jnp.square(target - out), axis=-1)


def regression_parts(out: Array, y: Array) -> tuple[Array, Array]:
    """Each example's squared error of the main output (column 0) and of the
    auxiliary one (column 1), unweighted, as Keras reports them per output."""
    yf = y.astype(out.dtype)
    return jnp.square(yf - out[:, 0]), jnp.square(yf - out[:, 1])


def predict_class(arch: Architecture, out: Array) -> Array:
    """Keras's accuracy rule: ``p > 0.5`` for one sigmoid unit, else the argmax."""
    if arch.n_out == 1:
        return (out[:, 0] > 0.5).astype(jnp.int32)
    return jnp.argmax(out, axis=-1).astype(jnp.int32)


def penalty(params: Params, l1: Array, l2: Array) -> Array:
    """Keras's kernel regularizers summed over every Dense kernel:
    ``l1·Σ|w| + l2·Σw²`` (no ½: ``keras.regularizers.l2(0.01)`` adds 0.01·Σw²)."""
    total = jnp.zeros(())
    for layer in params:
        w = layer["w"]
        total = total + l1 * jnp.sum(jnp.abs(w)) + l2 * jnp.sum(jnp.square(w))
    return total
