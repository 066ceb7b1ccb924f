"""Pieces of the transfer-learning page: URL-backed settings, the sidebar, network
A (trained once per server and cached), and network B's four variants.

All four B variants have the same shape and start from given weights, so both
training calls share one compiled kernel: scratch and "random frozen" start from
B's own fresh weights, the two transfer variants from A's hidden layers plus the
same fresh output layer. Which layers train when is the per-run ``trainable_from``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from optiviz.engine import Dataset, make_dataset
from optiviz.engine.training import Run, TrainResult, train
from optiviz.engine.transfer import concat_results, fresh_params, reuse_hidden, subsample

from .controls import slide_toggle
from .progress import in_background
from .url_state import Param

PAGE = "transfer"
HIDDEN = (64, 64)
A_CLASSES = (0, 1, 2, 3, 4)
B_CLASSES = (5, 6, 7, 8, 9)
A_EPOCHS = 20
SIZES = (10, 20, 50, 100, 200)
EPOCHS = (30, 50, 100)
RATES = (0.001, 0.003, 0.01, 0.03)
BATCH = 16
B_VAL = 0.5
FROZEN = None  # trainable_from entry of a layer that never trains
COLORS = ("#5E5E5E", "#999999", "#0072B2", "#D55E00")


def schema() -> list[Param]:
    """Every setting of the page, with its default and bounds."""
    return [
        Param("tl_n", 50, kind="int", low=SIZES[0], high=SIZES[-1], options=SIZES),
        Param("tl_epochs", 50, kind="int", low=EPOCHS[0], high=EPOCHS[-1], options=EPOCHS),
        Param("tl_unfreeze", 10, kind="int", low=1, high=EPOCHS[-1] - 1),
        Param("tl_lr", 0.01, low=RATES[0], high=RATES[-1], options=RATES),
        Param("tl_seed", 0, kind="int", low=0, high=9999),
        Param("slide", False, kind="bool"),
    ]


def sidebar() -> None:
    ss = st.session_state
    with st.sidebar:
        st.header("Task B")
        st.select_slider("Training examples of digits 5–9", SIZES, key="tl_n")
        st.number_input("Seed", 0, 9999, key="tl_seed", help="Which examples, B's new weights.")
        st.header("Training B")
        st.select_slider("Epochs", EPOCHS, key="tl_epochs")
        ss["tl_unfreeze"] = min(max(int(ss["tl_unfreeze"]), 1), int(ss["tl_epochs"]) - 1)
        st.slider("Unfreeze A's layers at epoch", 1, int(ss["tl_epochs"]) - 1, key="tl_unfreeze")
        st.select_slider("Adam learning rate", RATES, key="tl_lr")
        slide_toggle()


@dataclass(frozen=True)
class Settings:
    """Everything B's results depend on (hashable: the cache key)."""

    n: int
    epochs: int
    unfreeze: int
    lr: float
    seed: int


def current() -> Settings:
    ss = st.session_state
    return Settings(
        n=int(ss["tl_n"]),
        epochs=int(ss["tl_epochs"]),
        unfreeze=int(ss["tl_unfreeze"]),
        lr=float(ss["tl_lr"]),
        seed=int(ss["tl_seed"]),
    )


@st.cache_resource(max_entries=2, ttl=24 * 3600, show_spinner=False)
def _network_a() -> tuple[Dataset, TrainResult]:
    """Network A on digits 0–4 (all of its training part): trained once per server."""
    ds = make_dataset("digits", classes=A_CLASSES, val_split=0.2, seed=0)
    a = train(
        ds,
        hidden=HIDDEN,
        optimizers={"adam": {"learning_rate": 0.003}},
        epochs=A_EPOCHS,
        batch_size=32,
    )
    return ds, a


def network_a() -> tuple[Dataset, TrainResult]:
    return in_background(_network_a, text="Training network A on digits 0–4 (once)…")


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def task_b(n: int, seed: int) -> Dataset:
    """Digits 5–9 (relabelled 0–4): ``n`` training examples, half of all for validation."""
    return subsample(make_dataset("digits", classes=B_CLASSES, val_split=B_VAL, seed=0), n,
                     seed=seed)  # fmt: skip


@st.cache_resource(max_entries=24, ttl=3600, show_spinner=False)
def _train_b(s: Settings) -> TrainResult:
    _, a = _network_a()
    ds = task_b(s.n, s.seed)
    fresh = fresh_params(a.arch, seed=s.seed + 1)
    hp = {"learning_rate": s.lr}
    frozen = (FROZEN,) * len(HIDDEN) + (0,)
    later = (s.unfreeze,) * len(HIDDEN) + (0,)
    # (the page draws curves: no decision boundaries or histograms to snapshot)
    common = {"hidden": HIDDEN, "epochs": s.epochs, "batch_size": BATCH, "snapshots": False}
    scratch = train(
        ds,
        runs=[
            Run("adam", hp, seed=s.seed, label="From scratch"),
            Run("adam", hp, seed=s.seed, label="Random hidden layers, frozen",
                trainable_from=frozen),
        ],
        init_params=fresh,
        **common,
    )  # fmt: skip
    reused = train(
        ds,
        runs=[
            Run("adam", hp, seed=s.seed, label="A's layers, frozen", trainable_from=frozen),
            Run("adam", hp, seed=s.seed, label=f"A's layers, unfrozen at epoch {s.unfreeze}",
                trainable_from=later),
        ],
        init_params=reuse_hidden(a.params[0], fresh),
        **common,
    )  # fmt: skip
    return concat_results(scratch, reused)


def train_b(s: Settings) -> Any:
    return in_background(_train_b, s, text="Training network B four ways…")


def accuracy_table(result: Any) -> list[dict[str, Any]]:
    """Per variant: trainable layers, validation accuracy at a few epochs and at the end."""
    rows = []
    n = result.history["val_accuracy"].shape[1]
    marks = sorted({min(5, n), min(10, n), n})
    for i, label in enumerate(result.labels):
        row: dict[str, Any] = {"network B": label}
        for e in marks:
            row[f"val. accuracy, epoch {e}"] = round(
                float(result.history["val_accuracy"][i, e - 1]), 3
            )
        row["best val. accuracy"] = round(float(result.history["val_accuracy"][i].max()), 3)
        rows.append(row)
    return rows


def keras_code(s: Settings) -> str:
    """The recipe in Keras, as the course writes it."""
    return (
        "import keras\n\n"
        'model_A = keras.models.load_model("my_model_A.keras")  # trained on digits 0–4\n'
        "model_B_on_A = keras.Sequential(model_A.layers[:-1])  # every layer but the output\n"
        'model_B_on_A.add(keras.layers.Dense(5, activation="softmax"))  # digits 5–9\n\n'
        "for layer in model_B_on_A.layers[:-1]:  # freeze what came from A\n"
        "    layer.trainable = False\n"
        'model_B_on_A.compile(loss="sparse_categorical_crossentropy",\n'
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


WHY = """
**Why reuse can help when examples are scarce.** A hidden layer is a set of feature
detectors: each unit responds to some pattern of pixels. Learning good detectors
needs many examples; with a few dozen, a network trained from scratch has far more
weights than facts to pin them down, so it fits the training examples (training loss
near 0) with detectors that happen to work on them. Network A has already spent
hundreds of examples shaping its detectors. If the strokes, loops and edges that
separate 0–4 also help to separate 5–9, B only has to learn how to *weigh* them:
with A's layers frozen, that is the output layer alone, a few hundred weights
instead of thousands, which a small training set can pin down.

**When it does not help.** Reuse pays off when the old features suit the new task.
The deeper a layer, the more it specialises in A's own classes: A's second layer
was shaped to tell 0–4 apart and may throw away what distinguishes a 5 from an 8.
Small dense networks like this one have few generic layers, which is why transfer
shines mostly with deep convolutional networks, whose early layers detect edges and
textures that almost any image task needs. Unfreezing after a few epochs is the
compromise: the new output layer first settles on A's features (so its random start
does not wreck them), then every layer adapts a little to the new task.
"""


def verdict(result: Any) -> str:
    """One sentence per reuse variant: better or worse than training from scratch."""
    acc = result.history["val_accuracy"].max(axis=1)
    n = result.epochs_run
    loss = [float(result.history["val_loss"][i, max(int(n[i]), 1) - 1]) for i in range(len(n))]
    lines = [
        f"**This run:** from scratch, B's best validation accuracy is {acc[0]:.1%} "
        f"(final validation loss {loss[0]:.3f})."
    ]
    for i in range(1, len(result.labels)):
        diff = acc[i] - acc[0]
        word = "better than" if diff > 0.005 else "worse than" if diff < -0.005 else "as good as"
        lines.append(
            f"- {result.labels[i]}: {acc[i]:.1%}, {word} scratch "
            f"({diff * 100:+.1f} points; final validation loss {loss[i]:.3f})."
        )
    return "\n".join(lines)
