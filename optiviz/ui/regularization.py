"""Pieces of the regularization page: URL-backed settings, the sidebar, the two
cached training calls, re-scoring the trained networks, the results table.

Five variants of one network (plain, L1, L2, dropout, early stopping) differ only
in per-run numbers, so they train in one compiled call; batch normalization
changes the network's shape, so it trains in a second call, from the same seed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from optiviz.engine import Dataset, make_dataset
from optiviz.engine.networks.training import Run, TrainResult, train
from optiviz.engine.networks.transfer import concat_results, evaluate, select_runs
from optiviz.figures.regularization import REG_COLORS

from . import facts
from .controls import SLIDE
from .progress import in_background
from .url_state import Param, draw, typed

PAGE = "regularization"
POINTS = (100, 200, 400)
HIDDEN = {"64-64": (64, 64), "128-128": (128, 128), "64-64-64": (64, 64, 64)}
EPOCHS = (200, 300, 500)
RATES = (0.001, 0.003, 0.01, 0.03)
STRENGTHS = (1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
VAL = 0.5
LABELS = {
    "plain": "Plain",
    "l1": "L1",
    "l2": "L2",
    "dropout": "Dropout",
    "early_stopping": "Early stopping",
    "batch_norm": "Batch norm",
}


def schema() -> list[Param]:
    """Every setting of the page, declared once: default, bounds, widget, label, help,
    section and the :class:`Settings` field it fills."""
    data, net, reg = "Data", "Network", "Regularizers"
    return [
        Param("rg_n", 200, kind="int", low=POINTS[0], high=POINTS[-1], options=POINTS,
              widget="select_slider", label="Points (half of them for validation)",
              section=data, attr="n"),
        Param("rg_noise", 0.3, low=0.0, high=0.5, widget="slider", label="Noise", step=0.01,
              section=data, attr="noise"),
        # seed 12: at the defaults every remedy narrows the gap and dropout's handicap on
        # the reported loss is plain to see (over seeds 0-17 both range from strong to weak)
        Param("rg_seed", 12, kind="int", low=0, high=9999, widget="number", label="Seed",
              help="Data, initial weights, dropout.", section=data, attr="seed"),
        Param("rg_net", "64-64", kind="choice", choices=tuple(HIDDEN), widget="select",
              label="Hidden layers", help="ReLU units per layer.", section=net, attr="net"),
        Param("rg_epochs", 300, kind="int", low=EPOCHS[0], high=EPOCHS[-1], options=EPOCHS,
              widget="select_slider", label="Epochs (full batch)", section=net,
              attr="epochs"),
        Param("rg_lr", 0.01, low=RATES[0], high=RATES[-1], options=RATES,
              widget="select_slider", label="Adam learning rate", section=net, attr="lr"),
        Param("rg_l1", 1e-3, low=STRENGTHS[0], high=STRENGTHS[-1], options=STRENGTHS,
              widget="select_slider", label="L1 strength", section=reg, attr="l1"),
        Param("rg_l2", 1e-2, low=STRENGTHS[0], high=STRENGTHS[-1], options=STRENGTHS,
              widget="select_slider", label="L2 strength", section=reg, attr="l2"),
        Param("rg_dropout", 0.5, low=0.05, high=0.8, widget="slider", label="Dropout rate p",
              step=0.05, section=reg, attr="dropout"),
        Param("rg_patience", 20, kind="int", low=1, high=200, widget="number",
              label="Early-stopping patience (epochs)", section=reg, attr="patience"),
        SLIDE,
    ]  # fmt: skip


def sidebar() -> None:
    with st.sidebar:
        draw(schema())  # slide mode last, like every page's


@dataclass(frozen=True)
class Settings:
    """Everything the page's results depend on (hashable: the cache key)."""

    n: int
    noise: float
    seed: int
    net: str
    epochs: int
    lr: float
    l1: float
    l2: float
    dropout: float
    patience: int


def current() -> Settings:
    return typed(Settings, schema())


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def dataset(n: int, noise: float, seed: int) -> Dataset:
    return make_dataset("moons", n=n, noise=noise, val_split=VAL, seed=seed)


#: the page's runs, in the order it shows them
KINDS = tuple(LABELS)


def _run(s: Settings, kind: str) -> Run:
    base = {"optimizer": "adam", "hparams": {"learning_rate": s.lr}, "seed": s.seed}
    extra: dict[str, Any] = {
        "l1": {"l1": s.l1},
        "l2": {"l2": s.l2},
        "dropout": {"dropout": s.dropout},
        "early_stopping": {"early_stopping": True, "patience": s.patience},
    }.get(kind, {})
    return Run(label=LABELS[kind], **base, **extra)


def run_key(s: Settings, kind: str) -> tuple:
    """What one run depends on: the data, the network and the training, plus its own
    regularizer's setting only (moving the L1 slider leaves the other five runs as they
    are, so only the L1 run trains again)."""
    own = {"l1": s.l1, "l2": s.l2, "dropout": s.dropout, "early_stopping": s.patience}
    return (s.n, s.noise, s.seed, s.net, s.epochs, s.lr, kind, own.get(kind))


#: trained runs, one per :func:`run_key`, shared by every session (most recently used
#: kept: 96 runs of ~0.3-1 MB, with their boundary snapshots)
_RUNS: OrderedDict[tuple, TrainResult] = OrderedDict()
_RUNS_MAX = 96
_RUNS_LOCK = threading.Lock()


def _train(s: Settings) -> tuple[TrainResult, TrainResult]:
    """The five runs of one network and the batch-norm run, each trained once per
    :func:`run_key`: the runs not yet trained train together (five variants differ only
    in per-run numbers, so they share one compiled call; batch norm changes the network,
    so it trains in a second call, from the same seed)."""
    keys = {kind: run_key(s, kind) for kind in KINDS}
    with _RUNS_LOCK:
        have = {k: _RUNS[key] for k, key in keys.items() if key in _RUNS}
    todo = [k for k in KINDS if k not in have and k != "batch_norm"]
    ds = dataset(s.n, s.noise, s.seed)
    common = {"hidden": HIDDEN[s.net], "epochs": s.epochs, "batch_size": None}
    fresh: dict[str, TrainResult] = {}
    if todo:
        r = train(ds, runs=[_run(s, k) for k in todo], **common)
        fresh |= {k: select_runs(r, [i]) for i, k in enumerate(todo)}
    if "batch_norm" not in have:
        fresh["batch_norm"] = train(ds, runs=[_run(s, "batch_norm")], batch_norm=True, **common)
    with _RUNS_LOCK:
        for k, r in fresh.items():
            _RUNS[keys[k]] = r
        for key in keys.values():
            if key in _RUNS:
                _RUNS.move_to_end(key)
        while len(_RUNS) > _RUNS_MAX:
            _RUNS.popitem(last=False)
    got = have | fresh
    return concat_results(*(got[k] for k in KINDS[:-1])), got["batch_norm"]


def trained(s: Settings) -> tuple[Any, list[dict[str, float]]]:
    """The six runs as one result, and each final network re-scored on both parts."""
    main, bn = in_background(_train, s, text="Training six networks…")
    return concat_results(main, bn), _scores(s, main, bn)


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def _scores(s: Settings, _main: TrainResult, _bn: TrainResult) -> list[dict[str, float]]:
    """Loss and accuracy of each final network on the training and the validation
    data, in inference mode (dropout off, batch norm on its moving averages), the
    L1/L2 penalty included as in Keras's loss."""
    ds = dataset(s.n, s.noise, s.seed)
    out = []
    for r in (_main, _bn):
        for i, run in enumerate(r.runs):
            kw = {"bn_state": r.bn_state[i], "l1": run.l1, "l2": run.l2}
            tl, ta = evaluate(r.arch, r.params[i], ds.X_train, ds.y_train, **kw)
            vl, va = evaluate(r.arch, r.params[i], ds.X_val, ds.y_val, **kw)
            out.append({"train_loss": tl, "train_acc": ta, "val_loss": vl, "val_acc": va})
    return out


def record_facts(result: Any, scores: list[dict[str, float]]) -> None:
    """The scene's facts: ``regularization.best`` (the run whose final network scores
    the highest validation accuracy, dropout off), ``regularization.lowest_val_loss``
    (the same by validation loss), ``regularization.overfits`` (whether the plain run's
    validation loss ends more than 10 % above its lowest while its training loss kept
    falling: the rule the page's caption states) and ``regularization.early_stop``
    (whether early stopping ended its run before the last epoch)."""
    from optiviz.engine.networks.findings import OVERFIT_RISE

    labels = list(result.labels)
    facts.record("regularization.best", facts.best_of(labels, [s["val_acc"] for s in scores]))
    facts.record(
        "regularization.lowest_val_loss",
        facts.best_of(labels, [s["val_loss"] for s in scores], lowest=True),
    )
    n = max(int(result.epochs_run[0]), 1)
    train = np.asarray(result.history["loss"][0, :n], float)
    val = np.asarray(result.history["val_loss"][0, :n], float)
    over = False
    if np.isfinite(train).all() and np.isfinite(val).all():
        best = int(np.argmin(val))
        over = bool(val[-1] > OVERFIT_RISE * val[best] and best < n - 1 and train[-1] < train[best])
    facts.record("regularization.overfits", facts.yes_no(over))
    es = labels.index(LABELS["early_stopping"]) if LABELS["early_stopping"] in labels else None
    stopped = es is not None and int(result.stopped_epoch[es]) > 0
    facts.record("regularization.early_stop", facts.yes_no(stopped))


def colors() -> list[str]:
    return [REG_COLORS[k] for k in LABELS]


def table(result: Any, scores: list[dict[str, float]]) -> list[dict[str, Any]]:
    """One row per run: the final network's scores on both parts and its gaps."""
    rows = []
    for i, (label, sc) in enumerate(zip(result.labels, scores, strict=True)):
        stop = int(result.stopped_epoch[i])
        ended = f"{int(result.epochs_run[i])} epochs"
        if stop:
            ended = f"stopped at {stop}, kept epoch {int(result.best_epoch[i])}"
        rows.append(
            {
                "run": label,
                "train accuracy": round(sc["train_acc"], 3),
                "val accuracy": round(sc["val_acc"], 3),
                "gap (train − val acc.)": round(sc["train_acc"] - sc["val_acc"], 3),
                "train loss": round(sc["train_loss"], 4),
                "val loss": round(sc["val_loss"], 4),
                "gap (val − train loss)": round(sc["val_loss"] - sc["train_loss"], 4),
                "ended": ended,
            }
        )
    return rows


def keras_code(s: Settings) -> str:
    """How each variant is written in Keras (the course's idioms)."""
    units = HIDDEN[s.net]
    out = 'keras.layers.Dense(1, activation="sigmoid")'
    return (
        "import keras\n\n"
        "def dense(units, **kw):\n"
        '    return keras.layers.Dense(units, activation="relu", **kw)\n\n'
        "# L1 (or L2): a penalty on every kernel, added to the loss\n"
        "layers = [keras.Input((2,))]\n"
        f"for units in {list(units)}:\n"
        f"    layers += [dense(units, kernel_regularizer=keras.regularizers.l1({s.l1:g}))]\n"
        f"l1_model = keras.Sequential(layers + [{out}])\n"
        f"# L2: kernel_regularizer=keras.regularizers.l2({s.l2:g})\n\n"
        "# Dropout after each hidden layer (active only while training)\n"
        "layers = [keras.Input((2,))]\n"
        f"for units in {list(units)}:\n"
        f"    layers += [dense(units), keras.layers.Dropout(rate={s.dropout:g})]\n"
        f"dropout_model = keras.Sequential(layers + [{out}])\n\n"
        "# Early stopping: watch val_loss, keep the best weights\n"
        "early = keras.callbacks.EarlyStopping(\n"
        f'    monitor="val_loss", patience={s.patience}, restore_best_weights=True)\n'
        f"# model.fit(X_train, y_train, epochs={s.epochs}, batch_size=len(X_train),\n"
        "#           validation_data=(X_val, y_val), callbacks=[early])\n\n"
        "# Batch normalization: Dense (no bias) → BatchNormalization → activation\n"
        "layers = [keras.Input((2,))]\n"
        f"for units in {list(units)}:\n"
        "    layers += [keras.layers.Dense(units, use_bias=False),\n"
        '               keras.layers.BatchNormalization(), keras.layers.Activation("relu")]\n'
        f"bn_model = keras.Sequential(layers + [{out}])\n"
    )
