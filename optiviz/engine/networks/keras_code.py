"""Keras 3 code that builds, compiles and fits the network a page just trained.

The text is what a student would type after the course: a ``keras.Sequential``
(or, for Wide & Deep and an auxiliary output, the Functional API, as the course
builds them) of Dense layers (with ``BatchNormalization`` and ``Activation`` layers when batch
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
from typing import Any, NamedTuple

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
    if dataset == "drawn":  # the points the student drew, written out
        return [NEEDS, "import keras", "from optiviz import points_dataset", "",
                *points_code(dataset_args)]  # fmt: skip
    if dataset == "csv":  # the student's own file
        keep = {k: v for k, v in dataset_args.items() if k in ("val_split", "seed")}
        if dataset_args.get("task", "auto") != "auto":
            keep["task"] = dataset_args["task"]
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


def points_code(args: Mapping[str, Any]) -> list[str]:
    """``ds = points_dataset(POINTS, ...)`` with the drawn points as a literal, a few
    points a line."""
    pts = [f"({_num(x)}, {_num(y)}, {_num(v)})" for x, y, v in args["points"]]
    lines = ["POINTS = [  # (x1, x2, class or value): the points you drew"]
    lines += [f"    {', '.join(pts[i : i + 5])}," for i in range(0, len(pts), 5)]
    keep = {k: args[k] for k in ("regression", "val_split", "seed") if k in args}
    extra = "".join(f", {k}={v!r}" for k, v in keep.items())
    return [*lines, "]", f"ds = points_dataset(POINTS{extra})"]


class Paths(NamedTuple):
    """Which input columns feed the wide path and the hidden layers, and the
    auxiliary output's loss weight (see :class:`~optiviz.engine.networks.mlp.Architecture`)."""

    wide: Sequence[int] | None = None
    deep: Sequence[int] | None = None
    aux_weight: float = 0.0

    @property
    def functional(self) -> bool:
        return self.wide is not None or self.deep is not None or self.aux_weight > 0


#: a plain stack: no wide path, every column to the hidden layers, no auxiliary output
PLAIN = Paths()


def _loss_and_metric(n_classes: int, paths: Paths, loss: str | None = None) -> list[str]:
    """``compile``'s loss, loss weights and metrics arguments for the task (with an
    auxiliary output: one loss and one metric per output, main first)."""
    if n_classes == 0:
        if paths.aux_weight:
            w = paths.aux_weight
            return [
                'loss=("mse", "mse")',
                f"loss_weights=({_num(1.0 - w)}, {_num(w)})",
                'metrics=["mae", None]',
            ]
        return ['loss="mse"', 'metrics=["mae"]']
    loss = loss or ("binary_crossentropy" if n_classes == 2 else "sparse_categorical_crossentropy")
    return [f'loss="{loss}"', 'metrics=["accuracy"]']


def _X(features: Sequence[str] | None, part: str) -> str:
    """The network's input for ``part`` (``train`` or ``val``) as an expression."""
    return f"ds.X_{part}" if features is None else f"X_{part}"


def features_code(features: Sequence[str] | None) -> list[str]:
    """The input features' function and the data it makes (none without features)."""
    if features is None:
        return []
    from .features import code

    return [
        "import numpy as np",
        *code(features),
        "",
        "",
        "X_train, X_val = features(ds.X_train), features(ds.X_val)",
    ]


def columns_code(paths: Paths, n_features: int) -> list[str]:
    """The constants naming the wide and deep input columns (none for a plain stack)."""
    if not paths.functional:
        return []
    lines = []
    if paths.wide is not None:
        lines.append(f"WIDE = {list(paths.wide)}  # input columns on the wide path")
    deep = list(range(n_features)) if paths.deep is None else list(paths.deep)
    lines.append(f"DEEP = {deep}  # input columns the hidden layers read")
    return lines


def inputs_code(paths: Paths, X: str) -> str:
    """The model's input for the features ``X`` (an expression)."""
    if not paths.functional:
        return X
    if paths.wide is None:
        return f"{X}[:, DEEP]"
    return f"({X}[:, WIDE], {X}[:, DEEP])"


def targets_code(paths: Paths, y: str) -> str:
    """The model's targets: ``y``, once per output."""
    return f"({y}, {y})" if paths.aux_weight else y


def functional_code(
    hidden: Sequence[str], main: str, aux: str | None, n_wide: int | None, n_deep: int
) -> list[str]:
    """Lines that build ``model`` with the Functional API, as the course's Wide & Deep
    example does: the hidden layers on ``deep_input``, the main output on the wide
    input concatenated with the last hidden layer (``n_wide``: None for no wide path),
    the auxiliary output (``aux``, None for none) on the last hidden layer. ``main`` and
    ``aux`` are Dense constructor calls."""
    lines = []
    if n_wide is not None:
        lines.append(f'wide_input = keras.Input(shape=({n_wide},), name="wide_input")')
    lines += [f'deep_input = keras.Input(shape=({n_deep},), name="deep_input")', "x = deep_input"]
    lines += [f"x = {layer}(x)" for layer in hidden]
    if n_wide is not None:
        lines.append("concat = keras.layers.Concatenate()([wide_input, x])")
        lines.append(f"main_output = {main}(concat)")
    else:
        lines.append(f"main_output = {main}(x)")
    outputs = "main_output"
    if aux is not None:
        lines.append(f"aux_output = {aux}(x)")
        outputs = "[main_output, aux_output]"
    inputs = "[wide_input, deep_input]" if n_wide is not None else "deep_input"
    lines.append(f"model = keras.Model(inputs={inputs}, outputs={outputs})")
    return lines


def load_script(
    dataset: str,
    dataset_args: Mapping[str, Any],
    filename: str,
    n_classes: int,
    paths: Paths = PLAIN,
    n_features: int = 0,
    features: Sequence[str] | None = None,
) -> str:
    """A script that opens an exported ``.keras`` file and scores it on the same
    validation data (a loaded model has no loss or metrics until it is compiled);
    ``features``: the input features the network reads, computed first."""
    compile_args = ", ".join(_loss_and_metric(n_classes, paths))
    x, y = inputs_code(paths, _X(features, "val")), targets_code(paths, "ds.y_val")
    return (
        "\n".join(
            [
                *data_code(dataset, dataset_args),
                *features_code(features),
                *columns_code(paths, n_features),
                "",
                f"model = keras.saving.load_model({filename!r})",
                f"model.compile({compile_args})  # for evaluate",
                f"print(model.evaluate({x}, {y}, return_dict=True))",
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
    paths: Paths = PLAIN,
    features: Sequence[str] | None = None,
    further: Sequence[int] = (),
) -> str:
    """A complete Keras 3 script for one run of the playground (``n_classes=0``: a
    regression network; ``paths``: Wide & Deep and the auxiliary output; ``features``:
    input features computed from 2D data, ``n_features`` of them; ``further``: the
    epochs of each later ``fit`` that trains the same model on, as
    :func:`~optiviz.engine.networks.training.train_further` does)."""
    common = [f"kernel_initializer={get_initializer(initializer).keras(init_stddev)}"]
    reg = _regularizer(l1, l2)
    if reg:
        common.append(f"kernel_regularizer={reg}")
    hidden_layers = hidden_layer_code(
        hidden,
        activations,
        list(activation_params or [None] * len(hidden)),
        batch_norm=batch_norm,
        dropout=dropout if dropout > 0 else None,
        common=common,
    )
    model = _model_code(hidden_layers, n_classes, n_features, common, paths)
    opt = get_optimizer(optimizer)
    opt_code = opt.keras_code(hparams)
    if clip is not None:
        opt_code = opt_code[:-1] + (", " if not opt_code.endswith("(") else "")
        opt_code += f"{clip[0]}={_num(clip[1])})"
    loss_args = _loss_and_metric(n_classes, paths, loss)
    lines = [
        *data_code(dataset, dataset_args),
        *features_code(features),
        *columns_code(paths, n_features),
        "",
        *model,
        "model.compile(",
        f"    {loss_args[0]},",
        f"    optimizer={opt_code},",
        *[f"    {arg}," for arg in loss_args[1:]],
        ")",
        "model.summary()",
    ]
    lr = float(opt.resolve(hparams)["learning_rate"])
    callbacks = _callbacks(lines, schedule, schedule_params, lr, epochs, early_stopping, patience)
    bs = n_train if batch_size is None else int(batch_size)
    lines += ["", *_fit_code("history", paths, features, epochs, None, bs, batch_size, callbacks)]
    done = int(epochs)
    for i, more in enumerate(further, start=2):
        lines += [
            "",
            f"# trained further: {int(more)} more epoch{'s' if more != 1 else ''} of the same "
            "model (its weights, optimizer state",
            "# and learning rate carry over; the callbacks start afresh, as every fit does)",
            *_fit_code(f"history_{i}", paths, features, done + int(more), done, bs, batch_size,
                       callbacks),
        ]  # fmt: skip
        done += int(more)
    return "\n".join(lines) + "\n"


def _fit_code(name, paths, features, epochs, initial, bs, batch_size, callbacks) -> list[str]:
    """One ``model.fit`` call (``initial``: its ``initial_epoch``, None for the first)."""
    lines = [
        f"{name} = model.fit(",
        f"    {inputs_code(paths, _X(features, 'train'))},",
        f"    {targets_code(paths, 'ds.y_train')},",
        f"    epochs={int(epochs)},",
    ]
    if initial is not None:
        lines.append(f"    initial_epoch={int(initial)},")
    lines += [
        f"    batch_size={bs},{FULL_BATCH_NOTE if batch_size is None else ''}",
        f"    validation_data=({inputs_code(paths, _X(features, 'val'))}, "
        f"{targets_code(paths, 'ds.y_val')}),",
    ]
    if callbacks:
        lines.append(f"    callbacks=[{', '.join(callbacks)}],")
    return [*lines, ")"]


def _model_code(
    hidden_layers: list[str], n_classes: int, n_features: int, common: list[str], paths: Paths
) -> list[str]:
    """The lines that build ``model``: a Sequential stack, or the Functional API for Wide
    & Deep and an auxiliary output; the output layer as the task needs it."""
    binary = n_classes == 2
    out_units = 1 if n_classes in (0, 2) else n_classes
    out_act = [] if n_classes == 0 else [f'activation="{"sigmoid" if binary else "softmax"}"']
    if paths.functional:
        n_wide = None if paths.wide is None else len(paths.wide)
        n_deep = n_features if paths.deep is None else len(paths.deep)
        main = _dense(out_units, [*out_act, *common, 'name="main_output"'])
        aux = _dense(1, [*common, 'name="aux_output"']) if paths.aux_weight else None
        return functional_code(hidden_layers, main, aux, n_wide, n_deep)
    layers = [
        f"keras.Input(shape=({n_features},))",
        *hidden_layers,
        _dense(out_units, [*out_act, *common]),
    ]
    return ["model = keras.Sequential([", *[f"    {layer}," for layer in layers], "])"]


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
