"""A network trained here as a Keras 3 model, and as code in the course's three styles.

:func:`layer_code` lists a network's Keras layers once; :func:`model_code` writes them
as a ``keras.Sequential`` list, with the Functional API or as a ``keras.Model``
subclass, and :func:`to_keras` runs the Sequential code and gives the layers the run's
final weights (Dense kernels and biases, batch norm's γ, β and moving statistics).
Every layer is one Keras can save and load in its safe mode: activations are named
(``"relu"``) or are Keras's own layers when their knob is not the default
(``LeakyReLU(negative_slope=…)``, ``ELU(alpha=…)``), never Python functions.

Keras is an optional dependency (``pip install "optiviz[keras]"``): only
:func:`to_keras` imports it, and says how to install it when it is missing.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np

from .keras_code import hidden_layer_code
from .mlp import BN_EPSILON, BN_MOMENTUM, Architecture, layer_params

#: the course's three ways to build a model, and when each is the one to use
STYLES: dict[str, str] = {
    "sequential": "Sequential: a plain stack, each layer feeding the next.",
    "functional": "Functional API: layers called on tensors, for several inputs or "
    "outputs, shared layers and skip connections (Wide & Deep).",
    "subclassing": "Subclassing: a keras.Model whose call() is Python, for dynamic "
    "behaviour (loops, conditions) the other two cannot express.",
}

INSTALL = 'Exporting to Keras needs Keras 3: pip install "optiviz[keras]" (or keras>=3 and jax).'


def _num(v: float) -> str:
    return f"{float(v):.6g}"


def layer_code(
    arch: Architecture,
    activation_param: float | Sequence[float | None] | None = None,
    dropout: float = 0.0,
) -> list[str]:
    """The network's Keras layers, in order, as constructor calls (without the input).

    A hidden layer is ``Dense`` (with its activation when it is Keras's default form),
    or ``Dense(use_bias=False)`` + ``BatchNormalization`` + the activation with batch
    norm, then ``Dropout`` when the network has dropout; the output is ``Dense`` with
    the architecture's output activation."""
    layers = hidden_layer_code(
        arch.hidden,
        arch.activations,
        layer_params(arch, activation_param),
        batch_norm=arch.batch_norm,
        dropout=dropout if arch.dropout else None,
        bn=f"keras.layers.BatchNormalization(momentum={_num(BN_MOMENTUM)}, "
        f"epsilon={_num(BN_EPSILON)})",
        num=_num,
    )
    layers.append(f'keras.layers.Dense({arch.n_out}, activation="{arch.output}")')
    return layers


def model_code(
    arch: Architecture,
    style: str = "sequential",
    activation_param: float | Sequence[float | None] | None = None,
    dropout: float = 0.0,
) -> str:
    """Runnable Keras 3 code that builds ``model`` for ``arch`` in one of :data:`STYLES`.
    The three build the same layers, so the same parameter count and, given the same
    weights, the same outputs."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of: {', '.join(STYLES)}")
    layers = layer_code(arch, activation_param, dropout)
    note = "\n".join(f"# {line}" for line in textwrap.wrap(STYLES[style], 80))
    head = f"import keras\n\n{note}\n"
    if style == "sequential":
        body = ",\n".join(f"    {line}" for line in [f"keras.Input(shape=({arch.n_in},))", *layers])
        return head + f"model = keras.Sequential([\n{body},\n])\n"
    if style == "functional":
        lines = [f"inputs = keras.Input(shape=({arch.n_in},))", "x = inputs"]
        lines += [f"x = {line}(x)" for line in layers[:-1]]
        lines += [f"outputs = {layers[-1]}(x)", "model = keras.Model(inputs, outputs)"]
        return head + "\n".join(lines) + "\n"
    # subclassing
    hidden = "\n".join(f"            {line}," for line in layers[:-1])
    return head + (
        "class MLP(keras.Model):\n"
        "    def __init__(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        f"        self.hidden_layers = [\n{hidden}\n        ]\n"
        f"        self.out = {layers[-1]}\n\n"
        "    def call(self, x, training=False):\n"
        "        for layer in self.hidden_layers:\n"
        "            x = layer(x, training=training)\n"
        "        return self.out(x)\n\n\n"
        "model = MLP()\n"
        f"model(keras.ops.zeros((1, {arch.n_in})))  # a first call creates the weights\n"
    )


def keras_weights(arch: Architecture, params: Sequence[Any], bn_state: Sequence[Any]) -> list:
    """The run's weights in the order ``model.set_weights`` takes them for
    :func:`layer_code`'s layers."""
    out: list[np.ndarray] = []
    for i, layer in enumerate(params):
        out.append(layer["w"])
        if i < len(arch.hidden) and arch.batch_norm:
            stats = bn_state[i]
            out += [layer["gamma"], layer["beta"], stats["mean"], stats["var"]]
        else:
            out.append(layer["b"])
    return [np.asarray(w, np.float32) for w in out]


def _keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
    except ImportError as err:
        raise ImportError(INSTALL) from err
    if int(keras.__version__.split(".")[0]) < 3:
        raise ImportError(INSTALL)
    return keras


def to_keras(result: Any, run: int = 0) -> Any:
    """Run ``run`` of a :func:`~optiviz.train` result as a ``keras.Sequential`` model
    holding its final weights (after early stopping's restore, if it did), ready for
    ``predict``, ``evaluate`` or ``save("model.keras")``. Its predictions equal optiviz's
    to float32 rounding. Raises ImportError with the install command without Keras."""
    keras = _keras()
    arch, spec = result.arch, result.runs[run]
    scope: dict[str, Any] = {"keras": keras}
    exec(model_code(arch, "sequential", spec.activation_param, spec.dropout), scope)
    model = scope["model"]
    model.set_weights(keras_weights(arch, result.params[run], result.bn_state[run]))
    return model
