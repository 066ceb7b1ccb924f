"""Pieces of the transfer-learning page: URL-backed settings, the sidebar, network
A (trained once per server and task pair, cached), and network B's four variants.

The task pairs and the training live in the engine (``optiviz.engine.networks.transfer``:
``PAIRS``, ``train_a``, ``four_ways``, ``by_size``); this module caches them per
setting and shares them between sessions. All four B variants of a pair have the
same shape and start from given weights, so both training calls share one compiled
kernel; which layers train when is the per-run ``trainable_from``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from optiviz.engine import Dataset
from optiviz.engine.networks.training import TrainResult
from optiviz.engine.networks.transfer import (
    BATCH,
    PAIRS,
    WAYS,
    TaskPair,
    by_size,
    four_ways,
    train_a,
)

from .controls import SLIDE
from .progress import in_background
from .url_state import Param, draw, typed

PAGE = "transfer"
#: every size either pair offers (the URL accepts these; the sidebar the pair's own)
SIZES = tuple(sorted({n for p in PAIRS.values() for n in p.sizes}))
EPOCHS = (30, 50, 100, 200)
RATES = (0.001, 0.003, 0.01, 0.03)
COLORS = ("#5E5E5E", "#999999", "#0072B2", "#D55E00")


def schema() -> list[Param]:
    """Every setting of the page, declared once: default, bounds, widget, label, help,
    section and the :class:`Settings` field it fills."""
    tasks, fit = "Tasks A and B", "Training B"
    return [
        Param("tl_task", "rings", kind="choice", choices=tuple(PAIRS), widget="radio",
              label="Task pair", fmt=lambda k: PAIRS[k].title, section=tasks, attr="task",
              help="Rings: reuse helps when B has few examples. Digits: the honest "
              "counter-example, where it does not."),
        # the sizes are the chosen pair's; a size of the other pair becomes this one's default
        Param("tl_n", PAIRS["rings"].default_n, kind="int", low=SIZES[0], high=SIZES[-1],
              options=SIZES, widget="select_slider", section=tasks, attr="n",
              label=lambda ss: f"Training examples of task B ({PAIRS[ss['tl_task']].b_short})",
              options_at=lambda ss: PAIRS[ss["tl_task"]].sizes,
              reset=lambda ss: PAIRS[ss["tl_task"]].default_n),
        Param("tl_seed", 0, kind="int", low=0, high=9999, widget="number", label="Seed",
              help="Which examples, B's new weights.", section=tasks, attr="seed"),
        Param("tl_epochs", 100, kind="int", low=EPOCHS[0], high=EPOCHS[-1], options=EPOCHS,
              widget="select_slider", label="Epochs", section=fit, attr="epochs"),
        Param("tl_unfreeze", 20, kind="int", low=1, high=EPOCHS[-1] - 1, widget="slider",
              label="Unfreeze A's layers at epoch", section=fit, attr="unfreeze",
              bounds=lambda ss: (1, int(ss["tl_epochs"]) - 1)),
        Param("tl_lr", 0.01, low=RATES[0], high=RATES[-1], options=RATES,
              widget="select_slider", label="Adam learning rate", section=fit, attr="lr"),
        SLIDE,
    ]  # fmt: skip


def sidebar() -> None:
    with st.sidebar:
        draw(schema())  # slide mode last, like every page's


@dataclass(frozen=True)
class Settings:
    """Everything B's results depend on (hashable: the cache key)."""

    task: str
    n: int
    epochs: int
    unfreeze: int
    lr: float
    seed: int

    @property
    def pair(self) -> TaskPair:
        return PAIRS[self.task]


def current() -> Settings:
    return typed(Settings, schema())


@st.cache_resource(max_entries=2, ttl=24 * 3600, show_spinner=False)
def _network_a(task: str) -> tuple[Dataset, TrainResult]:
    """Network A on all of task A's training examples: trained once per server."""
    pair = PAIRS[task]
    return pair.task_a(), train_a(pair)


def network_a(task: str) -> tuple[Dataset, TrainResult]:
    return in_background(
        _network_a, task, text=f"Training network A on {PAIRS[task].a_short} (once)…"
    )


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def task_b(task: str, n: int, seed: int) -> Dataset:
    """Task B with ``n`` training examples; its validation part is the same for every n."""
    return PAIRS[task].task_b(n, seed)


@st.cache_resource(max_entries=24, ttl=3600, show_spinner=False)
def _train_b(s: Settings) -> TrainResult:
    _, a = _network_a(s.task)
    return four_ways(s.pair, a, s.n, epochs=s.epochs, unfreeze=s.unfreeze, lr=s.lr, seed=s.seed)


def train_b(s: Settings) -> Any:
    return in_background(_train_b, s, text="Training network B four ways…")


@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _sizes(task: str, epochs: int, unfreeze: int, lr: float) -> np.ndarray:
    _, a = _network_a(task)
    return by_size(PAIRS[task], a, epochs=epochs, unfreeze=unfreeze, lr=lr)


def sizes(s: Settings) -> np.ndarray:
    """B's final validation accuracy per size, way and seed (0, 1, 2): shared by every
    student with the same training settings."""
    n = len(s.pair.sizes) * 3
    return in_background(
        _sizes, s.task, s.epochs, s.unfreeze, s.lr, text=f"Training network B {4 * n} times…"
    )


def accuracy_table(result: Any) -> list[dict[str, Any]]:
    """Per variant: validation accuracy at a few epochs, at the last one, and the best
    epoch's (with which epoch that was)."""
    rows = []
    acc = result.history["val_accuracy"]
    n = acc.shape[1]
    marks = sorted({min(5, n), min(10, n)} - {n})
    for i, label in enumerate(result.labels):
        row: dict[str, Any] = {"network B": label}
        for e in marks:
            row[f"epoch {e}"] = round(float(acc[i, e - 1]), 3)
        row[f"epoch {n} (last)"] = round(float(acc[i, n - 1]), 3)
        best = int(np.argmax(acc[i]))
        row["best"] = round(float(acc[i, best]), 3)
        row["best at epoch"] = best + 1
        rows.append(row)
    return rows


def keras_code(s: Settings) -> str:
    """The recipe in Keras, as the course writes it, for this pair and these settings."""
    pair = s.pair
    n_out, act = (1, "sigmoid") if pair.name == "rings" else (5, "softmax")
    loss = "binary_crossentropy" if pair.name == "rings" else "sparse_categorical_crossentropy"
    return (
        "import keras\n\n"
        f'model_A = keras.models.load_model("my_model_A.keras")  # trained on {pair.a_short}\n'
        "model_B_on_A = keras.Sequential(model_A.layers[:-1])  # every layer but the output\n"
        f'model_B_on_A.add(keras.layers.Dense({n_out}, activation="{act}"))  # {pair.b_short}\n\n'
        "for layer in model_B_on_A.layers[:-1]:  # freeze what came from A\n"
        "    layer.trainable = False\n"
        f'model_B_on_A.compile(loss="{loss}",\n'
        f"                     optimizer=keras.optimizers.Adam(learning_rate={s.lr:g}),\n"
        '                     metrics=["accuracy"])\n'
        f"model_B_on_A.fit(X_small, y_small, epochs={s.unfreeze}, batch_size={BATCH},\n"
        "                 validation_data=(X_val, y_val))\n\n"
        "for layer in model_B_on_A.layers[:-1]:  # then let A's layers adapt too\n"
        "    layer.trainable = True\n"
        "model_B_on_A.compile(...)  # recompile after changing trainable\n"
        f"model_B_on_A.fit(X_small, y_small, epochs={s.epochs - s.unfreeze}, "
        f"batch_size={BATCH},\n"
        "                 validation_data=(X_val, y_val))\n\n"
        "# Note: model_A's layers are shared; to keep model_A intact, clone it first:\n"
        "# model_A_clone = keras.models.clone_model(model_A)\n"
        "# model_A_clone.set_weights(model_A.get_weights())\n"
    )


WHY = {
    "rings": """
**Why reuse helps here.** Task A asks whether a point lies farther than 0.5 from the
centre; to answer it from 2,000 examples, A's hidden units had to build a measure of
distance from the centre out of straight cuts through the plane. Task B asks the same
question for radius 0.7. The feature B needs already exists in A's last hidden layer:
B only has to move the threshold, which its new output layer (17 weights) can learn
from a handful of points. A network from scratch must discover that the answer depends
on the distance from the centre at all, and a few points fit many other shapes just as
well (a line, a wedge, a blob), so it guesses.

**When the advantage fades.** With more examples of B, training from scratch finds the
circle by itself and catches up (see *As B gets more examples*). Unfreezing A's layers
lets them adapt, but with very few examples it also lets them overfit those examples,
which is why the unfrozen variant can end below the frozen one here.
""",
    "digits": """
**Why reuse does not help here.** This is the honest counter-example. The 8×8 digit
images are nearly linearly separable as they are: a small network learns to tell 5–9
apart from a few dozen examples without help. A's hidden layers were shaped to tell
0–4 apart and keep what distinguishes those digits; the strokes that separate a 5
from an 8 may be exactly what they discarded. Frozen, they leave the new output layer
worse features than the raw pixels a network from scratch sees.

**When reuse does pay.** Reuse helps when task A taught features that task B needs
but cannot learn from its few examples: similar tasks, low-level features (edges and
textures in deep image networks), and little data for the new task. The *Rings* pair
shows such a case.
""",
}


def verdict(result: Any) -> str:
    """One sentence per variant, from the last epoch's validation accuracy: better or
    worse than training from scratch."""
    last = int(result.history["val_accuracy"].shape[1])
    acc = result.history["val_accuracy"][:, -1]
    lines = [
        f"**This run** (validation accuracy after the last epoch, {last}): from scratch, "
        f"network B reaches {acc[0]:.1%}."
    ]
    for i in range(1, len(result.labels)):
        diff = acc[i] - acc[0]
        word = "better than" if diff > 0.005 else "worse than" if diff < -0.005 else "as good as"
        lines.append(
            f"- {result.labels[i]}: {acc[i]:.1%}, {word} scratch ({diff * 100:+.1f} points)."
        )
    return "\n".join(lines)


def sizes_rows(s: Settings, acc: np.ndarray) -> list[dict[str, Any]]:
    """The by-size table: mean final validation accuracy over seeds 0–2, per way."""
    rows = []
    for i, n in enumerate(s.pair.sizes):
        row: dict[str, Any] = {"examples of B": n}
        for j, way in enumerate(WAYS):
            row[way] = round(float(acc[i, j].mean()), 3)
        row["reuse − scratch (points)"] = round(float((acc[i, 2] - acc[i, 0]).mean()) * 100, 1)
        rows.append(row)
    return rows
