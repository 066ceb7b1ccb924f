"""Pieces of the playground page: URL-backed settings, the sidebar, cached training.

Every setting is a :class:`~optiviz.ui.url_state.Param`, so a link restores the
exact network, data and optimizers. Every control, the network's shape included,
only changes arrays of a compiled kernel's bucket (``optiviz.engine.networks.training``):
moving it retrains without recompiling.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

import streamlit as st

from optiviz.engine import (
    DATASETS,
    OPTIMIZERS,
    Dataset,
    DatasetError,
    load_csv,
    make_dataset,
    points_dataset,
)
from optiviz.engine.networks.activations import ACTIVATIONS
from optiviz.engine.networks.datasets import (
    CSV_MAX_BYTES,
    CSV_MAX_CLASSES,
    CSV_MAX_ROWS,
    CSV_UPLOAD_MIB,
)
from optiviz.engine.networks.features import FEATURES
from optiviz.engine.networks.features import PLAIN as PLAIN_FEATURES
from optiviz.engine.networks.initializers import INITIALIZERS
from optiviz.engine.networks.keras_code import Paths, load_script, training_script
from optiviz.engine.networks.schedules import SCHEDULES
from optiviz.engine.networks.training import (
    EPOCH_BUCKETS,
    MAX_EPOCHS,
    Run,
    TrainResult,
    train,
    train_further,
)

from . import net_landscape
from .controls import SLIDE, schedule_params
from .further import MAX_FITS
from .progress import in_background
from .url_state import Param, draw, just_opened, typed

PAGE = "playground"
MAX_LAYERS = 8
UNITS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
BATCHES = ("full", "8", "16", "32", "64", "128", "256")
EPOCHS = tuple(b for b in EPOCH_BUCKETS if b <= 1000)
STRENGTHS = (0.0, 1e-5, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)

CLIPS = ("none", "clipnorm", "clipvalue", "global_clipnorm")
CSV = "csv"
DRAW = "drawn"
#: drawn points a link carries (a larger drawing stays in the session: the page says so)
LINK_POINTS = 200


def hp_key(opt: str, name: str) -> str:
    return f"{opt}.{name}"


def _info(ss: Any) -> Any:
    return None if ss["data"] in (CSV, DRAW) else DATASETS[ss["data"]]


def _layers_using(ss: Any, activation: str) -> bool:
    return any(ss[f"a{i}"] == activation for i in range(int(ss["layers"])))


#: input columns a Wide & Deep setting can name (the widest data set's, as text)
COLUMNS = tuple(str(i) for i in range(64))


def _two_d(ss: Any) -> bool:
    info = _info(ss)
    return info is None or info.two_d


def _features(ss: Any) -> tuple[str, ...] | None:
    """The input features chosen for 2D data (None: the two coordinates)."""
    chosen = tuple(f for f in ss["features"] if f in FEATURES)
    return chosen if _two_d(ss) and chosen and chosen != PLAIN_FEATURES else None


def _columns(ss: Any) -> tuple[str, ...]:
    """The network's input columns, as the wide and deep pickers offer them."""
    features = _features(ss)
    n = len(features) if features else len(_feature_names(ss["data"]))
    return COLUMNS[:n]


@functools.cache
def _feature_names(data: str) -> tuple[str, ...]:
    return make_dataset(data).feature_names if data not in (CSV, DRAW) else ("x1", "x2")


def _column_name(column: str) -> str:
    """A column as the pickers show it: its index and the feature's name."""
    ss = st.session_state
    features = _features(ss)
    names = [FEATURES[f].display for f in features] if features else _feature_names(ss["data"])
    i = int(column)
    return f"{i}: {names[i]}" if i < len(names) else f"column {i}"


def _regression(ss: Any) -> bool:
    if ss["data"] == DRAW:
        return ss["draw_task"] == "values"
    info = _info(ss)
    return bool(info and info.n_classes == 0)


@functools.cache
def schema() -> tuple[Param, ...]:
    """Every setting of the page, declared once: default, bounds, widget, label, help,
    section, and when it is shown. The settings of hidden parts (layers beyond the
    chosen depth, other schedules' and optimizers' settings) are lazy: stored when
    their widgets are drawn (see ``Param.lazy``)."""
    return (
        *_data_params(),
        *_feature_params(),
        *_network_params(),
        *_training_params(),
        *_optimizer_params(),
        *net_landscape.params(),
    )


def _data_params(data: str = "Data") -> list[Param]:
    return [
        Param(
            "data",
            "moons",
            kind="choice",
            choices=(*DATASETS, CSV, DRAW),
            widget="select",
            label="Dataset",
            section=data,
            fmt=lambda k: {CSV: "Your CSV file…", DRAW: "Draw your own points…"}.get(
                k, DATASETS[k].display if k in DATASETS else k
            ),
        ),
        Param(
            "draw_task",
            "classes",
            kind="choice",
            choices=("classes", "values"),
            widget="radio_row",
            label="Your points carry",
            section=data,
            when=lambda ss: ss["data"] == DRAW,
            fmt=lambda k: {"classes": "a class", "values": "a value (regression)"}[k],
        ),
        POINTS,
        Param(
            "csv_task",
            "auto",
            kind="choice",
            choices=("auto", "classes", "values"),
            widget="radio_row",
            label="The label column holds",
            help="Classes (a classifier) or numbers to predict (regression, scored with the "
            "mean squared error). Automatic: numbers that are not all whole, or more than "
            f"{CSV_MAX_CLASSES} different ones, are values.",
            section=data,
            when=lambda ss: ss["data"] == CSV,
            fmt=lambda k: {"auto": "decide for me", "classes": "classes", "values": "values"}[k],
        ),
        Param(
            "n",
            1000,
            kind="int",
            low=20,
            high=5000,
            widget="slider",
            label="Points",
            step=10,
            section=data,
            when=lambda ss: bool(_info(ss) and _info(ss).has_n),
            bounds=lambda ss: _info(ss).n_range,
        ),
        Param(
            "noise",
            0.15,
            low=0.0,
            high=1.5,
            widget="slider",
            label="Noise",
            step=0.01,
            section=data,
            when=lambda ss: bool(_info(ss) and _info(ss).has_noise),
            bounds=lambda ss: _info(ss).noise_range,
        ),
        Param(
            "val",
            0.2,
            low=0.0,
            high=0.5,
            widget="slider",
            label="Validation share",
            step=0.05,
            section=data,
        ),
        Param(
            "show_val",
            True,
            kind="bool",
            widget="checkbox",
            label="Show validation points",
            help="The hollow dots on the plane: data the network never trains on.",
            section=data,
        ),
        Param(
            "seed",
            0,
            kind="int",
            low=0,
            high=10_000,
            widget="number",
            label="Seed",
            help="Data, initial weights and shuffling.",
            section=data,
        ),
    ]


def _network_params(net: str = "Network") -> list[Param]:
    params = [
        Param(
            "layers",
            2,
            kind="int",
            low=0,
            high=MAX_LAYERS,
            widget="slider",
            label="Hidden layers",
            section=net,
        ),
    ]
    for i in range(MAX_LAYERS):
        shown = functools.partial(lambda ss, i: i < int(ss["layers"]), i=i)
        params.append(
            Param(
                f"u{i}",
                16,
                kind="int",
                low=1,
                high=128,
                lazy=True,
                widget="select_slider",
                options=UNITS,
                label=f"Units {i + 1}",
                section=net,
                row=f"layer {i}",
                when=shown,
                fmt=str,
            )
        )
        params.append(
            Param(
                f"a{i}",
                "relu",
                kind="choice",
                choices=tuple(ACTIVATIONS),
                lazy=True,
                widget="select",
                label=f"Activation {i + 1}",
                section=net,
                row=f"layer {i}",
                when=shown,
                fmt=lambda a: ACTIVATIONS[a].display,
            )
        )
    return [
        *params,
        Param("slope", 0.2, low=0.0, high=1.0, widget="slider",
              label="Leaky ReLU negative_slope", step=0.01, section=net,
              when=lambda ss: _layers_using(ss, "leaky_relu")),
        Param("alpha", 1.0, low=0.0, high=5.0, widget="slider", label="ELU alpha", step=0.1,
              section=net, when=lambda ss: _layers_using(ss, "elu")),
        Param("init", "glorot_uniform", kind="choice", choices=tuple(INITIALIZERS),
              widget="select", label="Kernel initializer", section=net,
              fmt=lambda k: INITIALIZERS[k].display, attr="initializer"),
        Param("stddev", 0.05, low=1e-3, high=10.0, widget="number",
              label="Initializer stddev", num_format="%.3g", section=net,
              when=lambda ss: ss["init"] == "random_normal", attr="stddev"),
        Param("bn", False, kind="bool", widget="checkbox", label="Batch normalization",
              help="Dense → BatchNormalization → activation.", section=net,
              attr="batch_norm"),
        Param("dropout", 0.0, low=0.0, high=0.8, widget="slider", label="Dropout rate",
              step=0.05, section=net, attr="dropout"),
        Param("l1", 0.0, kind="float", options=STRENGTHS, low=0.0, high=0.1,
              widget="select_slider", label="L1", section=net, row="penalties", attr="l1"),
        Param("l2", 0.0, kind="float", options=STRENGTHS, low=0.0, high=0.1,
              widget="select_slider", label="L2", section=net, row="penalties", attr="l2"),
        *_wide_deep_params(net),
    ]  # fmt: skip


def _feature_params(data: str = "Data") -> list[Param]:
    return [
        Param("features", list(PLAIN_FEATURES), kind="multi", choices=tuple(FEATURES),
              widget="multiselect", label="Input features", section=data, when=_two_d,
              fmt=lambda f: FEATURES[f].display,
              help="What the network reads, computed from the two coordinates. With x₁² "
              "and x₂² the circles need no hidden layer."),
    ]  # fmt: skip


def _wide_deep_params(net: str) -> list[Param]:
    """The course's Wide & Deep model (Functional API) and its auxiliary output
    (Subclassing example): which columns take which path, and the output's weight."""
    on = lambda ss: bool(ss["wide"])  # noqa: E731
    columns = dict(
        kind="multi",
        choices=COLUMNS,
        widget="multiselect",
        section=net,
        when=on,
        options_at=_columns,
        reset=lambda ss: list(_columns(ss)),
        fmt=_column_name,
    )
    return [
        Param("wide", False, kind="bool", widget="checkbox", label="Wide & Deep",
              help="The inputs also go straight to the output layer, concatenated with "
              "the last hidden layer (keras.layers.Concatenate), as in the course's "
              "Functional API example.", section=net),
        Param("wide_cols", [], label="Wide path: input columns",
              help="These columns skip the hidden layers.", **columns),
        Param("deep_cols", [], label="Deep path: input columns",
              help="The hidden layers read these columns (overlap with the wide path "
              "is allowed).", **columns),
        Param("aux", 0.0, low=0.0, high=0.9, widget="slider", step=0.05,
              label="Auxiliary output: loss weight",
              help="Above 0: a second output on the last hidden layer, trained with this "
              "weight (the main output with 1 − weight), as the course's subclassing "
              "example does. Regression data only.", section=net, when=_regression),
    ]  # fmt: skip


def _training_params(fit: str = "Training") -> list[Param]:
    params = [
        Param("opts", ["sgd", "adam"], kind="multi", choices=tuple(OPTIMIZERS),
              widget="multiselect", label="Optimizers (same initial weights)", section=fit,
              fmt=lambda k: OPTIMIZERS[k].display),
        Param("batch", "full", kind="choice", choices=BATCHES, widget="select",
              label="Batch size", help="'full' = the whole training set.", section=fit,
              row="batch"),
        Param("epochs", 200, kind="int", low=EPOCHS[0], high=EPOCHS[-1], options=EPOCHS,
              widget="select_slider", label="Epochs", section=fit, row="batch", fmt=str,
              attr="epochs"),
        Param("schedule", "constant", kind="choice", choices=tuple(SCHEDULES),
              widget="select", label="Learning-rate schedule", section=fit,
              fmt=lambda k: SCHEDULES[k].display),
    ]  # fmt: skip
    params += schedule_params(
        lambda name, p: f"{name}.{p}",
        section=fit,
        when=lambda name, ss: ss["schedule"] == name,
    )
    return [
        *params,
        Param("clip", "none", kind="choice", choices=CLIPS, widget="select",
              label="Gradient clipping", section=fit, row="clip"),
        Param("clip_at", 1.0, low=1e-3, high=1e3, widget="number", label="threshold",
              num_format="%.3g", section=fit, row="clip",
              when=lambda ss: ss["clip"] != "none"),
        Param("es", False, kind="bool", widget="checkbox", label="Early stopping (val_loss)",
              section=fit, attr="early_stopping"),
        Param("patience", 20, kind="int", low=1, high=200, widget="number",
              label="patience (epochs)", section=fit, when=lambda ss: bool(ss["es"]),
              attr="patience"),
        FURTHER,
        SLIDE,
    ]  # fmt: skip


#: the points a student drew (the canvas above the charts draws them; a link carries up
#: to LINK_POINTS of them)
POINTS = Param("pts", [], kind="points", max_len=LINK_POINTS * 20, label="Your points",
               section="Data", in_link=lambda v: len(v) <= LINK_POINTS)  # fmt: skip


#: the later fits that trained the scene's network on (Step and "train further" above
#: the charts draw them; the link carries them, so a continued scene is a link too)
FURTHER = Param("more", [], kind="ints", low=1, high=MAX_EPOCHS, max_len=200,
                label="Trained further (epochs of each later fit)", section="Training",
                attr="more")  # fmt: skip


def _optimizer_params() -> list[Param]:
    """Each optimizer's hyperparameters, drawn in its expander when it is chosen."""
    params = []
    for opt in OPTIMIZERS.values():
        for h in opt.hparams:
            default = opt.playground_lr if h.name == "learning_rate" else h.keras_default
            params.append(
                Param(hp_key(opt.name, h.name), bool(default), kind="bool", lazy=True,
                      widget="checkbox", label=h.name, help=h.help)
                if h.boolean
                else Param(hp_key(opt.name, h.name), default, low=_low(h.name),
                           high=max(h.high, 10.0), lazy=True, widget="number", label=h.name,
                           num_format="%.6g",
                           help=f"{h.help} Keras default: {h.keras_default:g}.")
            )  # fmt: skip
    return params


def _low(name: str) -> float:
    """Smallest value a hyperparameter box accepts (a learning rate of 0 trains nothing)."""
    return 1e-6 if name == "learning_rate" else 0.0


# ------------------------------------------------------------------ the sidebar
def _data_extras() -> None:
    """Under the data set's choice: the uploader for a CSV file, else its blurb."""
    ss = st.session_state
    if ss["data"] == CSV:
        st.file_uploader(
            "CSV: two numeric feature columns and a label column (classes or numbers) "
            f"(at most {CSV_MAX_BYTES / 1e6:g} MB and {CSV_MAX_ROWS:,} rows)",
            type=["csv", "txt", "tsv"],
            key="csv_file",
            max_upload_size=CSV_UPLOAD_MIB,
        )
    elif ss["data"] == DRAW:
        st.caption(
            "Click the canvas above the charts to put points of the chosen class (or value) "
            "on the plane; click a point to take it away. The network trains on them."
        )
    else:
        st.caption(DATASETS[ss["data"]].description)


def _optimizer_boxes() -> None:
    """One expander per chosen optimizer with its hyperparameters (their declarations
    are the schema's ``<optimizer>.<name>`` settings)."""
    hps = {p.key: p for p in schema() if "." in p.key}
    for name in st.session_state["opts"]:
        opt = OPTIMIZERS[name]
        with st.expander(f"{opt.display} settings", expanded=False):
            st.caption(opt.summary)
            draw([hps[hp_key(name, h.name)] for h in opt.hparams])


def sidebar() -> None:
    with st.sidebar:
        draw(
            [
                p
                for p in schema()
                if p.key.split(".")[0] not in OPTIMIZERS and p.section != net_landscape.SECTION
            ],
            after={"data": _data_extras, "opts": _optimizer_boxes},
        )  # slide mode last, like every page's


# ------------------------------------------------------------------ the settings
@dataclass(frozen=True)
class Settings:
    """Everything one training call depends on, hashable (the cache key)."""

    data: str
    data_args: tuple[tuple[str, Any], ...]
    csv_digest: str
    hidden: tuple[int, ...]
    activations: tuple[str, ...]
    act_params: tuple[float | None, ...]
    initializer: str
    stddev: float
    batch_norm: bool
    dropout: float
    l1: float
    l2: float
    optimizers: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    batch_size: int | None
    epochs: int
    schedule: str
    schedule_params: tuple[tuple[str, float], ...]
    clip: tuple[str, float] | None
    early_stopping: bool
    patience: int
    wide: tuple[int, ...] | None = None
    deep: tuple[int, ...] | None = None
    aux_weight: float = 0.0
    features: tuple[str, ...] | None = None
    #: the epochs of each later fit that trained the network on (Step, "train further")
    more: tuple[int, ...] = ()

    @property
    def paths(self) -> Paths:
        return Paths(self.wide, self.deep, self.aux_weight)

    @property
    def total_epochs(self) -> int:
        return self.epochs + sum(self.more)


def current() -> Settings:
    ss = st.session_state
    layers = int(ss["layers"])
    acts = tuple(ss[f"a{i}"] for i in range(layers))
    act_params = tuple(
        float(ss["slope"]) if a == "leaky_relu" else float(ss["alpha"]) if a == "elu" else None
        for a in acts
    )
    data_args: dict[str, Any] = {}
    if ss["data"] == CSV:
        data_args["task"] = ss["csv_task"]
    if ss["data"] == DRAW:
        data_args["points"] = tuple(tuple(float(c) for c in q) for q in ss["pts"])
        data_args["regression"] = ss["draw_task"] == "values"
    elif ss["data"] != CSV:
        info = DATASETS[ss["data"]]
        if info.has_n:
            data_args["n"] = int(ss["n"])
        if info.has_noise:
            data_args["noise"] = round(float(ss["noise"]), 4)
    data_args["val_split"] = round(float(ss["val"]), 4)
    data_args["seed"] = int(ss["seed"])
    upload = ss.get("csv_file")
    digest = ""
    if ss["data"] == CSV and upload is not None:
        digest = f"{upload.name}:{upload.size}:{hash(upload.getvalue())}"
    opts = tuple(
        (
            name,
            tuple((h.name, float(ss[hp_key(name, h.name)])) for h in OPTIMIZERS[name].hparams),
        )
        for name in ss["opts"]
    )
    sched = ss["schedule"]
    settings = typed(
        Settings,
        schema(),
        data=ss["data"],
        data_args=tuple(data_args.items()),
        csv_digest=digest,
        hidden=tuple(int(ss[f"u{i}"]) for i in range(layers)),
        activations=acts,
        act_params=act_params,
        optimizers=opts,
        batch_size=None if ss["batch"] == "full" else int(ss["batch"]),
        schedule=sched,
        schedule_params=tuple(
            (p.name, float(ss[f"{sched}.{p.name}"])) for p in SCHEDULES[sched].params
        ),
        clip=None if ss["clip"] == "none" else (ss["clip"], float(ss["clip_at"])),
        features=_features(ss),
        **_paths(ss),
    )
    return _fits_of(settings)


_FITS_BASE = "_pg_fits_base"


def _fits_of(s: Settings) -> Settings:
    """The later fits belong to the scene they continued: a control that changes the
    scene drops them (what was trained further is another network's history); a link
    brings its own. At most MAX_FITS of them, MAX_EPOCHS in all."""
    ss = st.session_state
    base = repr(dataclasses.replace(s, more=()))
    if just_opened(PAGE) or ss.get(_FITS_BASE) is None:
        ss[_FITS_BASE] = base
    kept: list[int] = []
    if ss[_FITS_BASE] == base:
        total = s.epochs
        for m in s.more[:MAX_FITS]:
            if total + m > MAX_EPOCHS:
                break
            kept.append(m)
            total += m
    ss[_FITS_BASE] = base
    if tuple(kept) != s.more:
        ss["more"] = kept
        s = dataclasses.replace(s, more=tuple(kept))
    return s


def _paths(ss: Any) -> dict[str, Any]:
    """Wide & Deep's columns (None: every column) and the auxiliary output's weight."""
    aux = round(float(ss["aux"]), 4) if _regression(ss) else 0.0
    if not ss["wide"]:
        return {"wide": None, "deep": None, "aux_weight": aux}
    cols = _columns(ss)

    def picked(key: str) -> tuple[int, ...] | None:
        chosen = [c for c in ss.get(key) or () if c in cols]
        return None if not chosen or len(chosen) == len(cols) else tuple(int(c) for c in chosen)

    every = tuple(range(len(cols)))
    return {"wide": picked("wide_cols") or every, "deep": picked("deep_cols"), "aux_weight": aux}


def dataset(s: Settings) -> Dataset:
    """The dataset of the settings (raises DatasetError with a readable message)."""
    if s.data == CSV:
        upload = st.session_state.get("csv_file")
        if upload is None:
            raise DatasetError("Upload a CSV file in the sidebar (or pick a built-in dataset).")
        args = dict(s.data_args)
        return _csv(upload.getvalue(), args["val_split"], args["seed"], s.csv_digest,
                    args["task"])  # fmt: skip
    if s.data == DRAW:
        return _drawn(s.data_args)
    return _builtin(s.data, s.data_args)


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def _drawn(args: tuple[tuple[str, Any], ...]) -> Dataset:
    return points_dataset(**dict(args))


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _builtin(name: str, args: tuple[tuple[str, Any], ...]) -> Dataset:
    return make_dataset(name, **dict(args))


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def _csv(_data: bytes, val_split: float, seed: int, digest: str, task: str = "auto") -> Dataset:
    return load_csv(_data, val_split=val_split, seed=seed, task=task)


def _runs(s: Settings) -> list[Run]:
    runs = []
    clip = {} if s.clip is None else {s.clip[0]: s.clip[1]}
    for name, hps in s.optimizers:
        runs.append(
            Run(
                optimizer=name,
                hparams=dict(hps),
                seed=int(dict(s.data_args)["seed"]),
                label=OPTIMIZERS[name].display,
                initializer=s.initializer,
                init_stddev=s.stddev,
                activation_param=list(p if p is not None else 0.0 for p in s.act_params)
                if s.act_params
                else None,
                dropout=s.dropout,
                l1=s.l1,
                l2=s.l2,
                schedule=s.schedule,
                schedule_params=dict(s.schedule_params),
                early_stopping=s.early_stopping,
                patience=s.patience,
                **clip,
            )
        )
    return runs


@st.cache_resource(max_entries=48, ttl=3600, show_spinner=False)
def _train(s: Settings, _ds: Dataset) -> TrainResult:
    if s.more:  # the scene before its last fit (cached too), trained further
        before = _train(dataclasses.replace(s, more=s.more[:-1]), _ds)
        return train_further(before, s.more[-1])
    return train(
        _ds,
        hidden=s.hidden,
        activation=s.activations,
        epochs=s.epochs,
        batch_size=s.batch_size,
        runs=_runs(s),
        batch_norm=s.batch_norm,
        wide=False if s.wide is None else s.wide,
        deep=s.deep,
        aux_weight=s.aux_weight,
        features=s.features,
    )


def train_with_progress(s: Settings, ds: Dataset) -> TrainResult:
    """Train (or fetch from the cache) while a progress bar says what is happening."""
    return in_background(_train, s, ds, text="Training…")


def keras_script(s: Settings, ds: Dataset, run: int) -> str:
    """The Keras code for one optimizer's run."""
    name, hps = s.optimizers[run]
    args = dict(s.data_args)
    return training_script(
        dataset=s.data,
        dataset_args=args,
        n_classes=ds.n_classes,
        n_features=len(s.features) if s.features else ds.n_features,
        n_train=ds.n_train,
        hidden=s.hidden,
        activations=s.activations,
        activation_params=s.act_params,
        initializer=s.initializer,
        init_stddev=s.stddev,
        batch_norm=s.batch_norm,
        dropout=s.dropout,
        l1=s.l1,
        l2=s.l2,
        optimizer=name,
        hparams=dict(hps),
        clip=s.clip,
        schedule=s.schedule,
        schedule_params=dict(s.schedule_params),
        early_stopping=s.early_stopping,
        patience=s.patience,
        epochs=s.epochs,
        batch_size=s.batch_size,
        paths=s.paths,
        features=s.features,
        further=s.more,
    )


def keras_load_script(s: Settings, ds: Dataset, filename: str) -> str:
    """A script that opens the exported network and scores it on this page's data."""
    n_in = len(s.features) if s.features else ds.n_features
    return load_script(s.data, dict(s.data_args), filename, ds.n_classes, s.paths, n_in, s.features)
