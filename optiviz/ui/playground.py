"""Pieces of the playground page: URL-backed settings, the sidebar, cached training.

Every setting is a :class:`~optiviz.ui.url_state.Param`, so a link restores the
exact network, data and optimizers. Every control, the network's shape included,
only changes arrays of a compiled kernel's bucket (``optiviz.engine.training``):
moving it retrains without recompiling.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import streamlit as st

from optiviz.engine import DATASETS, OPTIMIZERS, Dataset, DatasetError, load_csv, make_dataset
from optiviz.engine.activations import ACTIVATIONS
from optiviz.engine.datasets import CSV_MAX_BYTES, CSV_MAX_ROWS, CSV_UPLOAD_MIB
from optiviz.engine.initializers import INITIALIZERS
from optiviz.engine.keras_code import load_script, training_script
from optiviz.engine.schedules import SCHEDULES
from optiviz.engine.training import EPOCH_BUCKETS, Run, TrainResult, train

from .controls import slide_toggle
from .progress import in_background
from .url_state import Param, ensure

PAGE = "playground"
MAX_LAYERS = 8
UNITS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
BATCHES = ("full", "8", "16", "32", "64", "128", "256")
EPOCHS = tuple(b for b in EPOCH_BUCKETS if b <= 1000)
STRENGTHS = (0.0, 1e-5, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
CLIPS = ("none", "clipnorm", "clipvalue", "global_clipnorm")
CSV = "csv"


def hp_key(opt: str, name: str) -> str:
    return f"{opt}.{name}"


@functools.cache
def schema() -> tuple[Param, ...]:
    """Every setting of the page, with its default and bounds. The settings of hidden
    parts (layers beyond the chosen depth, other schedules' and optimizers' settings)
    are lazy: stored when their widgets are drawn (see ``Param.lazy``)."""
    names = tuple(OPTIMIZERS)
    params = [
        Param("data", "moons", kind="choice", choices=(*DATASETS, CSV)),
        Param("n", 1000, kind="int", low=20, high=5000),
        Param("noise", 0.15, low=0.0, high=1.5),
        Param("val", 0.2, low=0.0, high=0.5),
        Param("seed", 0, kind="int", low=0, high=10_000),
        Param("layers", 2, kind="int", low=0, high=MAX_LAYERS),
        Param("init", "glorot_uniform", kind="choice", choices=tuple(INITIALIZERS)),
        Param("bn", False, kind="bool"),
        Param("dropout", 0.0, low=0.0, high=0.8),
        Param("l1", 0.0, kind="float", options=STRENGTHS, low=0.0, high=0.1),
        Param("l2", 0.0, kind="float", options=STRENGTHS, low=0.0, high=0.1),
        Param("opts", ["sgd", "adam"], kind="multi", choices=names),
        Param("batch", "full", kind="choice", choices=BATCHES),
        Param("epochs", 200, kind="int", low=EPOCHS[0], high=EPOCHS[-1], options=EPOCHS),
        Param("schedule", "constant", kind="choice", choices=tuple(SCHEDULES)),
        Param("clip", "none", kind="choice", choices=CLIPS),
        Param("clip_at", 1.0, low=1e-3, high=1e3),
        Param("es", False, kind="bool"),
        Param("patience", 20, kind="int", low=1, high=200),
        Param("slide", False, kind="bool"),
    ]
    for i in range(MAX_LAYERS):
        params.append(Param(f"u{i}", 16, kind="int", low=1, high=128, lazy=True))
        params.append(Param(f"a{i}", "relu", kind="choice", choices=tuple(ACTIVATIONS), lazy=True))
    params.append(Param("slope", 0.2, low=0.0, high=1.0))
    params.append(Param("alpha", 1.0, low=0.0, high=5.0))
    params.append(Param("stddev", 0.05, low=1e-3, high=10.0))
    for sname, info in SCHEDULES.items():
        for p in info.params:
            kind = "int" if p.integer else "float"
            params.append(
                Param(f"{sname}.{p.name}", p.default, kind=kind, low=p.low, high=p.high, lazy=True)
            )
    for opt in OPTIMIZERS.values():
        for h in opt.hparams:
            default = opt.playground_lr if h.name == "learning_rate" else h.keras_default
            kind = "bool" if h.boolean else "float"
            params.append(
                Param(
                    hp_key(opt.name, h.name),
                    bool(default) if h.boolean else default,
                    kind=kind,
                    low=None if h.boolean else _low(h.name),
                    high=None if h.boolean else max(h.high, 10.0),
                    lazy=True,
                )
            )
    return tuple(params)


@functools.cache
def _params() -> dict[str, Param]:
    return {p.key: p for p in schema()}


def _low(name: str) -> float:
    """Smallest value a hyperparameter box accepts (a learning rate of 0 trains nothing)."""
    return 1e-6 if name == "learning_rate" else 0.0


# ------------------------------------------------------------------ the sidebar
def _optimizer_box(name: str) -> None:
    opt = OPTIMIZERS[name]
    with st.expander(f"{opt.display} settings", expanded=False):
        st.caption(opt.summary)
        for h in opt.hparams:
            key = hp_key(name, h.name)
            ensure(_params()[key])
            if h.boolean:
                st.checkbox(h.name, key=key, help=h.help)
            else:
                st.number_input(
                    h.name,
                    min_value=_low(h.name),
                    max_value=float(max(h.high, 10.0)),
                    key=key,
                    format="%.6g",
                    step=None,
                    help=f"{h.help} Keras default: {h.keras_default:g}.",
                )


def sidebar() -> None:
    ss = st.session_state
    with st.sidebar:
        st.header("Data")
        st.selectbox(
            "Dataset",
            (*DATASETS, CSV),
            key="data",
            format_func=lambda k: "Your CSV file…" if k == CSV else DATASETS[k].display,
        )
        if ss["data"] == CSV:
            st.file_uploader(
                "CSV: two numeric feature columns and a label column "
                f"(at most {CSV_MAX_BYTES / 1e6:g} MB and {CSV_MAX_ROWS:,} rows)",
                type=["csv", "txt", "tsv"],
                key="csv_file",
                max_upload_size=CSV_UPLOAD_MIB,
            )
        else:
            info = DATASETS[ss["data"]]
            st.caption(info.description)
            if info.has_n:
                lo, hi = info.n_range
                ss["n"] = min(max(int(ss["n"]), lo), hi)
                st.slider("Points", lo, hi, key="n", step=10)
            if info.has_noise:
                lo, hi = info.noise_range
                ss["noise"] = min(max(float(ss["noise"]), lo), hi)
                st.slider("Noise", float(lo), float(hi), key="noise", step=0.01)
        st.slider("Validation share", 0.0, 0.5, key="val", step=0.05)
        st.number_input("Seed", 0, 10_000, key="seed", help="Data, initial weights and shuffling.")

        st.header("Network")
        st.slider("Hidden layers", 0, MAX_LAYERS, key="layers")
        for i in range(int(ss["layers"])):
            ensure(_params()[f"u{i}"])
            ensure(_params()[f"a{i}"])
            c1, c2 = st.columns(2)
            c1.select_slider(f"Units {i + 1}", UNITS, key=f"u{i}")
            c2.selectbox(
                f"Activation {i + 1}",
                tuple(ACTIVATIONS),
                key=f"a{i}",
                format_func=lambda a: ACTIVATIONS[a].display,
            )
        used = {ss[f"a{i}"] for i in range(int(ss["layers"]))}
        if "leaky_relu" in used:
            st.slider("Leaky ReLU negative_slope", 0.0, 1.0, key="slope", step=0.01)
        if "elu" in used:
            st.slider("ELU alpha", 0.0, 5.0, key="alpha", step=0.1)
        st.selectbox(
            "Kernel initializer",
            tuple(INITIALIZERS),
            key="init",
            format_func=lambda k: INITIALIZERS[k].display,
        )
        if ss["init"] == "random_normal":
            st.number_input("Initializer stddev", 1e-3, 10.0, key="stddev", format="%.3g")
        st.checkbox(
            "Batch normalization", key="bn", help="Dense → BatchNormalization → activation."
        )
        st.slider("Dropout rate", 0.0, 0.8, key="dropout", step=0.05)
        c1, c2 = st.columns(2)
        c1.select_slider("L1", STRENGTHS, key="l1", format_func=lambda v: f"{v:g}")
        c2.select_slider("L2", STRENGTHS, key="l2", format_func=lambda v: f"{v:g}")

        st.header("Training")
        st.multiselect(
            "Optimizers (same initial weights)",
            tuple(OPTIMIZERS),
            key="opts",
            format_func=lambda k: OPTIMIZERS[k].display,
        )
        for name in ss["opts"]:
            _optimizer_box(name)
        c1, c2 = st.columns(2)
        c1.selectbox("Batch size", BATCHES, key="batch", help="'full' = the whole training set.")
        c2.select_slider("Epochs", EPOCHS, key="epochs")
        st.selectbox(
            "Learning-rate schedule",
            tuple(SCHEDULES),
            key="schedule",
            format_func=lambda k: SCHEDULES[k].display,
        )
        for p in SCHEDULES[ss["schedule"]].params:
            key = f"{ss['schedule']}.{p.name}"
            ensure(_params()[key])
            if p.integer:
                st.number_input(p.name, int(p.low), int(p.high), key=key, help=p.help)
            else:
                st.number_input(
                    p.name, float(p.low), float(p.high), key=key, format="%.4g", help=p.help
                )
        c1, c2 = st.columns(2)
        c1.selectbox("Gradient clipping", CLIPS, key="clip")
        if ss["clip"] != "none":
            c2.number_input("threshold", 1e-3, 1e3, key="clip_at", format="%.3g")
        st.checkbox("Early stopping (val_loss)", key="es")
        if ss["es"]:
            st.number_input("patience (epochs)", 1, 200, key="patience")
        slide_toggle()


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


def current() -> Settings:
    ss = st.session_state
    layers = int(ss["layers"])
    acts = tuple(ss[f"a{i}"] for i in range(layers))
    act_params = tuple(
        float(ss["slope"]) if a == "leaky_relu" else float(ss["alpha"]) if a == "elu" else None
        for a in acts
    )
    data_args: dict[str, Any] = {}
    if ss["data"] != CSV:
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
    return Settings(
        data=ss["data"],
        data_args=tuple(data_args.items()),
        csv_digest=digest,
        hidden=tuple(int(ss[f"u{i}"]) for i in range(layers)),
        activations=acts,
        act_params=act_params,
        initializer=ss["init"],
        stddev=float(ss["stddev"]),
        batch_norm=bool(ss["bn"]),
        dropout=float(ss["dropout"]),
        l1=float(ss["l1"]),
        l2=float(ss["l2"]),
        optimizers=opts,
        batch_size=None if ss["batch"] == "full" else int(ss["batch"]),
        epochs=int(ss["epochs"]),
        schedule=sched,
        schedule_params=tuple(
            (p.name, float(ss[f"{sched}.{p.name}"])) for p in SCHEDULES[sched].params
        ),
        clip=None if ss["clip"] == "none" else (ss["clip"], float(ss["clip_at"])),
        early_stopping=bool(ss["es"]),
        patience=int(ss["patience"]),
    )


def dataset(s: Settings) -> Dataset:
    """The dataset of the settings (raises DatasetError with a readable message)."""
    if s.data == CSV:
        upload = st.session_state.get("csv_file")
        if upload is None:
            raise DatasetError("Upload a CSV file in the sidebar (or pick a built-in dataset).")
        args = dict(s.data_args)
        return _csv(upload.getvalue(), args["val_split"], args["seed"], s.csv_digest)
    return _builtin(s.data, s.data_args)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _builtin(name: str, args: tuple[tuple[str, Any], ...]) -> Dataset:
    return make_dataset(name, **dict(args))


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def _csv(_data: bytes, val_split: float, seed: int, digest: str) -> Dataset:
    return load_csv(_data, val_split=val_split, seed=seed)


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
    return train(
        _ds,
        hidden=s.hidden,
        activation=s.activations,
        epochs=s.epochs,
        batch_size=s.batch_size,
        runs=_runs(s),
        batch_norm=s.batch_norm,
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
        n_features=ds.n_features,
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
    )


def keras_load_script(s: Settings, ds: Dataset, filename: str) -> str:
    """A script that opens the exported network and scores it on this page's data."""
    return load_script(s.data, dict(s.data_args), filename, ds.n_classes)
