"""Keras 3 code that builds, compiles and fits the network a page just trained.

The text is what a student would type after the course: a ``keras.Sequential``
of Dense layers (with ``BatchNormalization`` and ``Activation`` layers when batch
norm is on, ``Dropout`` after each hidden layer when dropout is on), the
optimizer's constructor with its clipping argument, the schedule and early
stopping as callbacks, and ``model.fit`` with the same epochs, batch size and
validation data. The data come from ``optiviz.make_dataset`` so the script runs
as is.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..optimizers import get_optimizer
from . import schedules as sch
from .activations import get_activation
from .initializers import get_initializer
from .mlp import activation_layer

#: the script's first line: what must be installed for it to run as is
NEEDS = "# Needs Keras 3 and optiviz (this app's package, for the same data) installed"
FULL_BATCH_NOTE = "  # the whole training set: full-batch gradient descent"


def _num(v: float) -> str:
    return repr(float(v))


def _dense(units: int, extra: list[str]) -> str:
    return f"keras.layers.Dense({', '.join([str(units), *extra])})"


def optimizers_code(
    optimizers: Sequence[str], hparams: Sequence[Mapping[str, float]], labels: Sequence[str]
) -> str:
    """Keras 3 code that builds every raced optimizer, one variable each. Two settings
    of one optimizer get two names (``momentum``, ``momentum_2``) and a comment with
    their label, so pasting the code into a notebook keeps both."""
    taken = {*keyword.kwlist, "keras"}
    lines = ["import keras", ""]
    for name, hp, label in zip(optimizers, hparams, labels, strict=True):
        opt = get_optimizer(name)
        base = re.sub(r"\W+", "_", opt.display.lower()).strip("_") or "optimizer"
        if base[0].isdigit():
            base = f"opt_{base}"
        var, k = base, 2
        while var in taken:
            var, k = f"{base}_{k}", k + 1
        taken.add(var)
        note = f"  # {label}" if label != opt.display else ""
        lines.append(f"{var} = {opt.keras_code(hp)}{note}")
    return "\n".join(lines)


def data_code(dataset: str, dataset_args: Mapping[str, Any]) -> list[str]:
    """The lines that make the playground's data as ``ds`` (through optiviz, which the
    first line says must be installed), or read the student's own CSV file."""
    if dataset == "csv":  # the student's own file
        keep = {k: v for k, v in dataset_args.items() if k in ("val_split", "seed")}
        args = ", ".join(f"{k}={v!r}" for k, v in keep.items())
        reader = "load_csv"
        make = [
            'with open("your_data.csv", "rb") as f:  # the file you uploaded',
            f"    ds = load_csv(f.read(), {args})",
        ]
    else:
        args = ", ".join(f"{k}={v!r}" for k, v in dataset_args.items())
        reader = "make_dataset"
        make = [f'ds = make_dataset("{dataset}"{", " + args if args else ""})']
    return [NEEDS, "import keras", f"from optiviz import {reader}", "", *make]


def load_script(
    dataset: str, dataset_args: Mapping[str, Any], filename: str, n_classes: int
) -> str:
    """A script that opens an exported ``.keras`` file and scores it on the same
    validation data (a loaded model has no loss or metrics until it is compiled)."""
    loss = "binary_crossentropy" if n_classes == 2 else "sparse_categorical_crossentropy"
    return (
        "\n".join(
            [
                *data_code(dataset, dataset_args),
                "",
                f"model = keras.saving.load_model({filename!r})",
                f'model.compile(loss="{loss}", metrics=["accuracy"])  # for evaluate',
                "print(model.evaluate(ds.X_val, ds.y_val, return_dict=True))",
            ]
        )
        + "\n"
    )


def training_script(
    *,
    dataset: str,
    dataset_args: Mapping[str, Any],
    n_classes: int,
    n_features: int,
    n_train: int,
    hidden: Sequence[int],
    activations: Sequence[str],
    activation_params: Sequence[float | None] | None = None,
    initializer: str = "glorot_uniform",
    init_stddev: float = 0.05,
    batch_norm: bool = False,
    dropout: float = 0.0,
    l1: float = 0.0,
    l2: float = 0.0,
    optimizer: str = "adam",
    hparams: Mapping[str, float] | None = None,
    clip: tuple[str, float] | None = None,
    schedule: str = "constant",
    schedule_params: Mapping[str, float] | None = None,
    early_stopping: bool = False,
    patience: int = 10,
    epochs: int = 100,
    batch_size: int | None = None,
    loss: str | None = None,
) -> str:
    """A complete Keras 3 script for one run of the playground."""
    common = [f"kernel_initializer={get_initializer(initializer).keras(init_stddev)}"]
    reg = _regularizer(l1, l2)
    if reg:
        common.append(f"kernel_regularizer={reg}")
    layers = [
        f"keras.Input(shape=({n_features},))",
        *hidden_layer_code(
            hidden,
            activations,
            list(activation_params or [None] * len(hidden)),
            batch_norm=batch_norm,
            dropout=dropout if dropout > 0 else None,
            common=common,
        ),
    ]
    binary = n_classes == 2
    out_act = "sigmoid" if binary else "softmax"
    layers.append(_dense(1 if binary else n_classes, [f'activation="{out_act}"', *common]))
    loss = loss or ("binary_crossentropy" if binary else "sparse_categorical_crossentropy")

    opt = get_optimizer(optimizer)
    opt_code = opt.keras_code(hparams)
    if clip is not None:
        opt_code = opt_code[:-1] + (", " if not opt_code.endswith("(") else "")
        opt_code += f"{clip[0]}={_num(clip[1])})"
    lines = [
        *data_code(dataset, dataset_args),
        "",
        "model = keras.Sequential([",
        *[f"    {layer}," for layer in layers],
        "])",
        "model.compile(",
        f'    loss="{loss}",',
        f"    optimizer={opt_code},",
        '    metrics=["accuracy"],',
        ")",
        "model.summary()",
    ]
    lr = float(opt.resolve(hparams)["learning_rate"])
    callbacks = _callbacks(lines, schedule, schedule_params, lr, epochs, early_stopping, patience)
    bs = n_train if batch_size is None else int(batch_size)
    lines += [
        "",
        "history = model.fit(",
        "    ds.X_train,",
        "    ds.y_train,",
        f"    epochs={int(epochs)},",
        f"    batch_size={bs},{FULL_BATCH_NOTE if batch_size is None else ''}",
        "    validation_data=(ds.X_val, ds.y_val),",
    ]
    if callbacks:
        lines.append(f"    callbacks=[{', '.join(callbacks)}],")
    lines.append(")")
    return "\n".join(lines) + "\n"


def _regularizer(l1: float, l2: float) -> str | None:
    """Keras's kernel regularizer for these strengths (None: no penalty)."""
    if l1 > 0 and l2 > 0:
        return f"keras.regularizers.l1_l2(l1={_num(l1)}, l2={_num(l2)})"
    if l1 > 0:
        return f"keras.regularizers.l1({_num(l1)})"
    if l2 > 0:
        return f"keras.regularizers.l2({_num(l2)})"
    return None


def hidden_layer_code(
    hidden: Sequence[int],
    activations: Sequence[str],
    params: Sequence[float | None],
    *,
    batch_norm: bool,
    dropout: float | None,
    common: Sequence[str] = (),
    bn: str = "keras.layers.BatchNormalization()",
    num: Any = _num,
) -> list[str]:
    """The hidden layers as Keras constructor calls: ``Dense`` with its activation, or
    ``Dense`` then the activation as a layer (a ``LeakyReLU`` or ``ELU`` of its own for a
    non-default parameter, :func:`~optiviz.engine.networks.mlp.activation_layer`), with batch norm
    ``Dense(use_bias=False)``, ``bn`` and the activation; then ``Dropout`` unless
    ``dropout`` is None. ``common``: arguments every Dense gets; ``num`` writes numbers.
    The training script and the model export (:mod:`.keras_export`) both use it."""
    layers = []
    for units, name, p in zip(hidden, activations, params, strict=True):
        act = get_activation(name)
        custom = activation_layer(name, p)
        if custom:
            act_layer = f"keras.layers.{custom}({act.param}={num(p)})"
        else:
            act_layer = f'keras.layers.Activation("{act.name}")'
        if batch_norm:
            layers += [_dense(units, ["use_bias=False", *common]), bn, act_layer]
        elif custom:
            layers += [_dense(units, list(common)), act_layer]
        else:
            layers.append(_dense(units, [f'activation="{act.name}"', *common]))
        if dropout is not None:
            layers.append(f"keras.layers.Dropout(rate={num(dropout)})")
    return layers


def _callbacks(lines, schedule, schedule_params, lr, epochs, early_stopping, patience) -> list:
    """Append the learning-rate scheduler and early stopping to ``lines``; their names."""
    callbacks = []
    sched_code = sch.keras_code(schedule, schedule_params, learning_rate=lr, epochs=epochs)
    if sched_code:
        lines += ["", sched_code]
        callbacks.append("lr_scheduler")
    if early_stopping:
        lines += [
            "",
            "early_stopping = keras.callbacks.EarlyStopping(",
            f'    monitor="val_loss", patience={int(patience)}, restore_best_weights=True',
            ")",
        ]
        callbacks.append("early_stopping")
    return callbacks
