"""A network trained here as a Keras 3 model, and as code in the course's three styles.

:func:`layer_code` lists a network's Keras layers once; :func:`model_code` writes them
as a ``keras.Sequential`` list, with the Functional API or as a ``keras.Model``
subclass, and :func:`to_keras` runs the Sequential code (the Functional code for a
network that is not a plain stack: Wide & Deep, an auxiliary output) and gives the
layers the run's final weights (Dense kernels and biases, batch norm's γ, β and moving statistics).
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

from .keras_code import functional_code, hidden_layer_code
from .mlp import BN_EPSILON, BN_MOMENTUM, Architecture, layer_params

#: the course's three ways to build a model, and when each is the one to use
STYLES: dict[str, str] = {
    "sequential": "Sequential: a plain stack, each layer feeding the next.",
    "functional": "Functional API: layers called on tensors, for several inputs or "
    "outputs, shared layers and skip connections (Wide & Deep).",
    "subclassing": "Subclassing: a keras.Model whose call() is Python, for dynamic "
    "behaviour (loops, conditions) the other two cannot express.",
}

#: why Sequential cannot build a Wide & Deep network or one with two outputs
NOT_SEQUENTIAL = (
    "Sequential cannot build this network: a Sequential model is one chain of layers with "
    "one input and one output, and this one sends inputs past the hidden layers (Wide & "
    "Deep) or has a second, auxiliary output. Use the Functional API or a subclass."
)

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
    name = ', name="main_output"' if arch.functional else ""
    layers.append(f'keras.layers.Dense({arch.n_out}, activation="{arch.output}"{name})')
    if arch.aux_weight:
        layers.append(f'keras.layers.Dense({arch.n_out}, name="aux_output")')
    return layers


def _subclass(arch: Architecture, layers: list[str]) -> str:
    """The network as a ``keras.Model`` subclass (the course's ``WideAndDeepModel``
    when it has a wide path or an auxiliary output)."""
    n_hidden = len(layers) - 1 - (arch.aux_weight > 0)
    hidden = "\n".join(f"            {line}," for line in layers[:n_hidden])
    init = [
        "    def __init__(self, **kwargs):",
        "        super().__init__(**kwargs)",
        f"        self.hidden_layers = [\n{hidden}\n        ]",
    ]
    if not arch.functional:
        init.append(f"        self.out = {layers[-1]}")
        call = ["    def call(self, x, training=False):"]
        ret = "        return self.out(x)"
        first = f"keras.ops.zeros((1, {arch.n_in}))"
    else:
        if arch.wide is not None:
            init.append("        self.concat = keras.layers.Concatenate()")
        init.append(f"        self.main_output = {layers[n_hidden]}")
        if arch.aux_weight:
            init.append(f"        self.aux_output = {layers[-1]}")
        if arch.wide is not None:
            call = ["    def call(self, inputs, training=False):", "        wide, x = inputs"]
            main = "self.main_output(self.concat([wide, x]))"
            first = f"(keras.ops.zeros((1, {arch.n_wide})), keras.ops.zeros((1, {arch.n_deep})))"
        else:
            call = ["    def call(self, x, training=False):"]
            main = "self.main_output(x)"
            first = f"keras.ops.zeros((1, {arch.n_deep}))"
        ret = (
            f"        return {main}, self.aux_output(x)"
            if arch.aux_weight
            else f"        return {main}"
        )
    cls = "WideAndDeepModel" if arch.functional else "MLP"
    body = [
        f"class {cls}(keras.Model):",
        *init,
        "",
        *call,
        "        for layer in self.hidden_layers:",
        "            x = layer(x, training=training)",
        ret,
        "",
        "",
        f"model = {cls}()",
        f"model({first})  # a first call creates the weights",
    ]
    return "\n".join(body) + "\n"


def model_code(
    arch: Architecture,
    style: str = "sequential",
    activation_param: float | Sequence[float | None] | None = None,
    dropout: float = 0.0,
) -> str:
    """Runnable Keras 3 code that builds ``model`` for ``arch`` in one of :data:`STYLES`.
    The three build the same layers, so the same parameter count and, given the same
    weights, the same outputs. A network that is not a plain stack has no Sequential
    form (ValueError with :data:`NOT_SEQUENTIAL`)."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of: {', '.join(STYLES)}")
    if style == "sequential" and arch.functional:
        raise ValueError(NOT_SEQUENTIAL)
    layers = layer_code(arch, activation_param, dropout)
    note = "\n".join(f"# {line}" for line in textwrap.wrap(STYLES[style], 80))
    head = f"import keras\n\n{note}\n"
    if style == "functional" and arch.functional:
        n_hidden = len(layers) - 1 - (arch.aux_weight > 0)
        aux = layers[-1] if arch.aux_weight else None
        code = functional_code(
            layers[:n_hidden], layers[n_hidden], aux, arch.wide and arch.n_wide, arch.n_deep
        )
        return head + "\n".join(code) + "\n"
    if style == "sequential":
        body = ",\n".join(f"    {line}" for line in [f"keras.Input(shape=({arch.n_in},))", *layers])
        return head + f"model = keras.Sequential([\n{body},\n])\n"
    if style == "functional":
        lines = [f"inputs = keras.Input(shape=({arch.n_in},))", "x = inputs"]
        lines += [f"x = {line}(x)" for line in layers[:-1]]
        lines += [f"outputs = {layers[-1]}(x)", "model = keras.Model(inputs, outputs)"]
        return head + "\n".join(lines) + "\n"
    return head + _subclass(arch, layers)


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
    (a Functional one for Wide & Deep, with inputs ``(X[:, wide], X[:, deep])``, and for
    an auxiliary output) holding its final weights (after early stopping's restore, if it
    did), ready for ``predict``, ``evaluate`` or ``save("model.keras")``. Its predictions
    equal optiviz's to float32 rounding. Raises ImportError with the install command
    without Keras."""
    keras = _keras()
    arch, spec = result.arch_of(run), result.runs[run]
    scope: dict[str, Any] = {"keras": keras}
    style = "functional" if arch.functional else "sequential"
    exec(model_code(arch, style, spec.activation_param, spec.dropout), scope)
    model = scope["model"]
    model.set_weights(keras_weights(arch, result.params[run], result.bn_state[run]))
    return model
