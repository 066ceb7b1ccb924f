"""Pieces of the learning-rate schedules page: URL-backed settings, the sidebar,
cached training and range tests, the link to the playground.

One network (2-16-16-1, ReLU, mini-batches of 32) and one dataset size, so the
six schedules train in one compiled call and every slider only changes arrays.
The same helper that runs training in a worker thread under a progress bar
(:func:`optiviz.ui.progress.in_background`) is shared with the other network pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from optiviz.engine import DATASETS, OPTIMIZERS, Dataset, make_dataset
from optiviz.engine.networks import schedules as sch
from optiviz.engine.networks.lr_range import STEP_CHOICES, LRRangeResult, lr_range_test
from optiviz.engine.networks.training import Run, TrainResult, train

from .controls import SLIDE, schedule_params, slide_toggle
from .progress import in_background
from .url_state import Param, draw, typed

PAGE = "schedules"
DATA = ("moons", "circles", "spirals", "xor", "gaussians")
N_POINTS = 500
VAL = 0.2
HIDDEN = (16, 16)
BATCH = 32
EPOCHS = (50, 100, 200)
RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
RANGE_LO = (1e-7, 1e-6, 1e-5, 1e-4, 1e-3)
RANGE_HI = (0.1, 1.0, 10.0, 100.0)
#: the page's own starting values where a library default makes a dull picture
#: (exponential r = 20 shrinks the rate 10⁵-fold in 100 epochs)
DEFAULTS = {"exponential.r": 50.0}


def pkey(schedule: str, name: str) -> str:
    """URL/widget key of one schedule parameter, e.g. ``sc_power_c``."""
    return f"sc_{schedule}_{name}"


def schema() -> list[Param]:
    """Every setting of the page, declared once: default, bounds, widget, label, help,
    section and the :class:`Settings` field it fills."""
    data, fit = "Data and network", "Training"
    return [
        Param("sc_data", "moons", kind="choice", choices=DATA, widget="select",
              label="Dataset", fmt=lambda k: DATASETS[k].display, section=data, attr="data"),
        Param("sc_noise", 0.2, low=0.0, high=1.5, widget="slider", label="Noise", step=0.01,
              bounds=lambda ss: DATASETS[ss["sc_data"]].noise_range, section=data,
              attr="noise"),
        Param("sc_seed", 0, kind="int", low=0, high=9999, widget="number", label="Seed",
              help="Data, initial weights, batches.", section=data, attr="seed"),
        Param("sc_opt", "momentum", kind="choice", choices=tuple(OPTIMIZERS),
              widget="select", label="Optimizer", fmt=lambda k: OPTIMIZERS[k].display,
              section=fit, attr="optimizer"),
        Param("sc_lr", 0.1, low=RATES[0], high=RATES[-1], options=RATES,
              widget="select_slider", label="Initial learning rate η₀", section=fit,
              attr="lr"),
        Param("sc_epochs", 100, kind="int", low=EPOCHS[0], high=EPOCHS[-1], options=EPOCHS,
              widget="select_slider", label="Epochs", section=fit, attr="epochs"),
        # the range test's own controls, drawn above its chart (see range_controls)
        Param("sc_lo", 1e-5, low=RANGE_LO[0], high=RANGE_LO[-1], options=RANGE_LO,
              widget="select_slider", label="From η", row="range"),
        Param("sc_hi", 10.0, low=RANGE_HI[0], high=RANGE_HI[-1], options=RANGE_HI,
              widget="select_slider", label="to η", row="range"),
        Param("sc_steps", 200, kind="int", low=STEP_CHOICES[0], high=STEP_CHOICES[-1],
              options=STEP_CHOICES, widget="select_slider", label="Mini-batch steps",
              row="range"),
        SLIDE,
        *schedule_params(pkey, defaults=DEFAULTS, lazy=False),
    ]  # fmt: skip


def _sidebar_params() -> list[Param]:
    return [p for p in schema() if p.section]


def _about_the_network() -> None:
    st.caption(
        f"{N_POINTS} points ({int(N_POINTS * (1 - VAL))} to train on), a 2-16-16 ReLU "
        f"network, mini-batches of {BATCH}: the same for every schedule."
    )


def _schedule_boxes() -> None:
    """Each schedule's parameters in an expander with its formula."""
    keyed = {p.key: p for p in schema()}
    st.header("Schedule parameters")
    for name, info in sch.SCHEDULES.items():
        if info.params:
            with st.expander(info.display):
                st.latex(info.latex)
                draw([keyed[pkey(name, p.name)] for p in info.params])


def sidebar() -> None:
    with st.sidebar:
        draw(
            _sidebar_params(),
            after={"sc_seed": _about_the_network, "sc_epochs": _schedule_boxes},
        )
        slide_toggle()


def range_controls() -> None:
    """The range test's sweep: from, to, and how many mini-batch steps."""
    draw([p for p in schema() if p.row == "range"])


@dataclass(frozen=True)
class Settings:
    """Everything the page's results depend on (hashable: the cache key)."""

    data: str
    noise: float
    seed: int
    optimizer: str
    lr: float
    epochs: int
    schedules: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]

    def params(self, name: str) -> dict[str, float]:
        return dict(dict(self.schedules)[name])


def current() -> Settings:
    ss = st.session_state
    return typed(
        Settings,
        schema(),
        schedules=tuple(
            (name, tuple((p.name, float(ss[pkey(name, p.name)])) for p in info.params))
            for name, info in sch.SCHEDULES.items()
        ),
    )


def check(s: Settings) -> None:
    """Raise ValueError (a readable message) for an invalid schedule parameter."""
    for name, params in s.schedules:
        sch.resolve_params(name, dict(params))


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def dataset(data: str, noise: float, seed: int) -> Dataset:
    return make_dataset(data, n=N_POINTS, noise=noise, val_split=VAL, seed=seed)


@st.cache_resource(max_entries=24, ttl=3600, show_spinner=False)
def _train(s: Settings) -> TrainResult:
    runs = [
        Run(
            optimizer=s.optimizer,
            hparams={"learning_rate": s.lr},
            seed=s.seed,
            label=info.display,
            schedule=name,
            schedule_params=s.params(name),
        )
        for name, info in sch.SCHEDULES.items()
    ]
    return train(
        dataset(s.data, s.noise, s.seed),
        hidden=HIDDEN,
        runs=runs,
        epochs=s.epochs,
        batch_size=BATCH,
        snapshots=False,  # (the page draws curves, no decision boundary)
    )


@st.cache_resource(max_entries=24, ttl=3600, show_spinner=False)
def _range(s: Settings, lo: float, hi: float, steps: int) -> LRRangeResult:
    return lr_range_test(
        dataset(s.data, s.noise, s.seed),
        hidden=HIDDEN,
        optimizer=s.optimizer,
        lr_min=lo,
        lr_max=hi,
        steps=steps,
        batch_size=BATCH,
        seed=s.seed,
    )


def trained(s: Settings) -> TrainResult:
    return in_background(_train, s, text="Training six schedules side by side…")


def range_sweep() -> tuple[float, float, int]:
    """The LR range test's own settings: from η, to η, mini-batch steps."""
    ss = st.session_state
    return float(ss["sc_lo"]), float(ss["sc_hi"]), int(ss["sc_steps"])


def range_test(s: Settings) -> LRRangeResult:
    return in_background(_range, s, *range_sweep(), text="Sweeping the learning rate…")


def curves(s: Settings, result: TrainResult) -> dict[str, np.ndarray]:
    """η(t) of every schedule from the formulas; the performance schedule is driven
    by the validation losses its run actually saw."""
    out = {}
    for i, name in enumerate(sch.SCHEDULES):
        losses = result.history["val_loss"][i] if name == "performance" else None
        out[name] = sch.curve(
            name, s.params(name), epochs=s.epochs, learning_rate=s.lr, val_losses=losses
        )
    return out


def labels() -> dict[str, str]:
    return {name: info.display for name, info in sch.SCHEDULES.items()}


def playground_link(s: Settings, lr: float) -> str:
    """The playground with this page's data, network, optimizer and learning rate ``lr``."""
    query = {
        "data": s.data,
        "n": str(N_POINTS),
        "noise": f"{s.noise:g}",
        "seed": str(s.seed),
        "layers": str(len(HIDDEN)),
        "u0": str(HIDDEN[0]),
        "u1": str(HIDDEN[1]),
        "batch": str(BATCH),
        "epochs": str(s.epochs),
        "opts": s.optimizer,
        f"{s.optimizer}.learning_rate": f"{lr:.3g}",
    }
    return "playground?" + urlencode(query)


def keras_codes(s: Settings) -> None:
    """The Keras code of every schedule, each in its own expander."""
    for name, info in sch.SCHEDULES.items():
        code = sch.keras_code(name, s.params(name), learning_rate=s.lr, epochs=s.epochs)
        with st.expander(info.display, expanded=name == "exponential"):
            st.caption(info.summary)
            if code:
                st.code(code, language="python")
                st.caption("Then: `model.fit(..., callbacks=[lr_scheduler])`.")
            else:
                st.caption("No callback: the optimizer keeps its learning_rate.")
