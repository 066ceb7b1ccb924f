"""Pieces of the gradients lab page: its URL-backed settings, sidebar, presets,
cached engine calls and the initialization formulas table."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from optiviz.engine.networks import gradients as eng
from optiviz.engine.networks.activations import ACTIVATIONS
from optiviz.engine.networks.initializers import INITIALIZERS
from optiviz.figures import gradients as figs

from . import facts
from .cache import shared_figure
from .controls import SLIDE
from .url_state import Param, draw, typed

PAGE = "gradients"
BATCH = eng.LAB_BATCH  # the lab's fixed input batch
MATRIX_BATCH = eng.MATRIX_BATCH
STDDEVS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 1.5, 2.0)
CLIPNORMS = (0.01, 0.1, 0.5, 1.0, 5.0, 10.0)
LEARNING_RATES = (0.0001, 0.001, 0.01, 0.03, 0.1, 0.3, 1.0)
ACT_NAMES = tuple(ACTIVATIONS)
INIT_NAMES = tuple(INITIALIZERS)

#: one-click scenes: (label, activation, initializer, stddev, batch norm)
PRESETS = {
    "naive": ("Naive: ReLU + N(0, 1)", "relu", "random_normal", 1.0, False),
    "sigmoid": ("Sigmoid + Glorot (2010)", "sigmoid", "glorot_uniform", 1.0, False),
    "he": ("ReLU + He", "relu", "he_normal", 1.0, False),
    "selu": ("SELU + LeCun", "selu", "lecun_normal", 1.0, False),
    "bn": ("Naive + batch norm", "relu", "random_normal", 1.0, True),
}

#: which activations each family of initializers suits (what Keras's docs and the course say)
SUITS = {
    "Glorot (Xavier)": ("glorot_uniform", "none (linear), tanh, sigmoid, softmax", "fan_avg"),
    "He (Kaiming)": ("he_normal", "ReLU, leaky ReLU, ELU, GELU, swish", "fan_in"),
    "LeCun": ("lecun_normal", "SELU", "fan_in"),
}


def schema() -> list[Param]:
    """Every setting of the lab, declared once: default, bounds, widget, label, help,
    section and the engine argument it fills (``attr``)."""
    net, fixes, fit = "Network", "Fixes", "Short training run"
    return [
        Param("depth", 15, kind="int", low=2, high=eng.MAX_DEPTH, widget="slider",
              label="Depth (hidden layers)", section=net, attr="depth"),
        Param("width", 128, kind="int", low=8, high=eng.MAX_WIDTH, widget="slider", step=8,
              label="Width (units per layer)", section=net, attr="width"),
        Param("activation", "relu", kind="choice", choices=ACT_NAMES, widget="select",
              label="Activation", section=net, fmt=lambda n: ACTIVATIONS[n].display,
              attr="activation"),
        Param("initializer", "random_normal", kind="choice", choices=INIT_NAMES,
              widget="select", label="Initializer", section=net,
              fmt=lambda n: INITIALIZERS[n].display,
              help="How the first weights are drawn (kernel_initializer=...).",
              attr="initializer"),
        Param("stddev", 1.0, low=STDDEVS[0], high=STDDEVS[-1], options=STDDEVS,
              widget="select_slider", label="random_normal σ", section=net,
              help="Only random_normal uses it; σ = 1 is the naive choice.",
              disabled=lambda ss: ss["initializer"] != "random_normal", attr="stddev"),
        Param("bn", False, kind="bool", widget="toggle", label="Batch normalization",
              help="BatchNormalization before each activation.", section=fixes,
              attr="batch_norm"),
        Param("clip", False, kind="bool", widget="toggle", label="Gradient clipping",
              help="Keras's clipnorm on the optimizer.", section=fixes),
        Param("clipnorm", 1.0, low=CLIPNORMS[0], high=CLIPNORMS[-1], options=CLIPNORMS,
              widget="select_slider", label="clipnorm", section=fixes,
              disabled=lambda ss: not ss["clip"]),
        Param("lr", 0.01, low=LEARNING_RATES[0], high=LEARNING_RATES[-1],
              options=LEARNING_RATES, widget="select_slider", label="Learning rate (SGD)",
              section=fit, attr="learning_rate"),
        Param("epochs", "20", kind="choice", choices=tuple(str(e) for e in eng.EPOCH_CHOICES),
              widget="radio_row", label="Epochs", section=fit),
        Param("seed", 0, kind="int", low=0, high=9999, widget="number", step=1, label="Seed",
              section=fit, attr="seed"),
        SLIDE,
    ]  # fmt: skip


def apply_preset(name: str) -> None:
    """Button callback: set the scene's activation, initializer, σ and batch norm."""
    _, act, init, sd, bn = PRESETS[name]
    ss = st.session_state
    ss["activation"], ss["initializer"], ss["stddev"], ss["bn"] = act, init, sd, bn


def presets() -> None:
    """A row of one-click scenes."""
    # a row that wraps, each button as wide as its label (equal columns cut the labels:
    # "Naive: ReLU …" at 1280 px)
    with st.container(horizontal=True):
        for key, (label, *_) in PRESETS.items():
            st.button(label, key=f"preset_{key}", on_click=apply_preset, args=(key,))


def sidebar() -> None:
    """Network shape, activation, initializer, the two fixes, training and slide mode."""
    with st.sidebar:
        draw(schema(), heading=st.subheader)  # slide mode last, like every page's


def settings() -> dict:
    """The engine's keyword arguments for the current widgets."""
    ss = st.session_state
    return typed(
        dict,
        schema(),
        batch=BATCH,
        clipnorm=float(ss["clipnorm"]) if ss["clip"] else None,
        epochs=int(ss["epochs"]),
    )


@st.cache_resource(max_entries=64, ttl=3600, show_spinner=False)
def cached_lab(**kw) -> eng.LabResult:
    return eng.lab(**kw)


@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def cached_matrix(depth: int, width: int, stddev: float, batch_norm: bool, seed: int):
    return eng.matrix(
        depth=depth,
        width=width,
        batch=MATRIX_BATCH,
        stddev=stddev,
        batch_norm=batch_norm,
        seed=seed,
    )


def figure(kind: str, result: Any, settings: Any, slide: bool) -> go.Figure:
    """``figures.gradients.<kind>(result)``, shared by every session: ``settings`` are the
    engine's arguments that made ``result`` (:func:`settings` for the lab, the matrix's
    own five for the matrix)."""
    build = getattr(figs, kind)
    key = repr(("gradients", kind, settings, slide))
    return shared_figure(key, lambda: build(result, slide=slide))


def training_spread(r: eng.LabResult) -> float:
    """How many times the largest per-layer weight-gradient norm exceeds the smallest,
    in the last epoch that trained without overflow (0 when undefined)."""
    ok = np.flatnonzero(r.train_valid)
    if not len(ok):
        return 0.0
    norms = np.asarray(r.train_w_norm[ok[-1], : r.depth], float)
    if not np.all(np.isfinite(norms)) or norms.min() <= 0:
        return 0.0
    return float(norms.max() / norms.min())


def record_facts(r: eng.LabResult) -> None:
    """The lab's facts: ``gradients.verdict`` (vanishing / healthy / exploding /
    exploded (overflow) / no gradient), ``gradients.ratio`` (‖∂L/∂z₁‖ / ‖∂L/∂z_last‖ at
    initialization), ``gradients.largest`` ("first layer", "last layer" or "a middle
    layer": where ‖∂L/∂z‖ is largest at initialization) and ``gradients.diverged``
    (whether the short training run overflowed)."""
    facts.record("gradients.verdict", r.label)
    facts.record("gradients.ratio", float(r.ratio))
    norms = np.where(np.asarray(r.z_overflow, bool), np.inf, np.asarray(r.z_norm, float))
    top = int(np.argmax(norms)) if len(norms) else 0
    where = "first layer" if top == 0 else "last layer" if top == len(norms) - 1 else ""
    facts.record("gradients.largest", where or "a middle layer")
    facts.record("gradients.diverged", facts.yes_no(r.diverged_epoch))


def verdict(r: eng.LabResult) -> None:
    """One line saying what the gradient does across the layers."""
    words = {
        "vanishing": "vanishes: the first layers get almost no gradient and barely learn.",
        "healthy": "keeps its size across the layers: every layer learns.",
        # (the words follow the number: ×14 with batch norm is not ×10¹² without it)
        "exploding": f"grows on its way down: ‖∂L/∂z‖ in layer 1 is {r.ratio:.3g} times "
        f"that in layer {r.depth}.",
        "exploded (overflow)": "exploded: the numbers left float32's range (overflow), so the "
        "network computes inf/NaN.",
        "no gradient": "is exactly zero in the first layers: nothing learns (symmetric or "
        "dead units).",
    }
    c1, c2 = st.columns([1, 3])
    ratio = f"{r.ratio:.3g}" if r.ratio > 0 else "—"
    c1.metric("‖∂L/∂z₁‖ / ‖∂L/∂z_last‖", ratio, r.label, delta_color="off", delta_arrow="off")
    act, init = ACTIVATIONS[r.activation].display, INITIALIZERS[r.initializer].display
    c2.markdown(f"With **{act}** and **{init}** the back-propagated gradient {words[r.label]}")
    if r.diverged_epoch:
        c2.warning(
            f"Training diverged at epoch {r.diverged_epoch}: exploded (overflow). "
            "Turn on gradient clipping or batch normalization, or lower the learning rate."
        )


def formulas() -> None:
    """The Glorot / He / LeCun table, with the formulas as Keras draws them."""
    st.markdown(
        "Each recipe picks the weights' variance so that a layer passes its signal on "
        "with the same variance, forwards (activations) and backwards (gradients). "
        "*fan_in* is the number of inputs of a layer, *fan_out* its units, "
        "fan_avg = (fan_in + fan_out) / 2."
    )
    rows = ["| Initializer | Variance of each weight | Suits | Keras names |", "|---|---|---|---|"]
    for family, (name, suits, _) in SUITS.items():
        init = INITIALIZERS[name]
        base = name.split("_")[0]
        rows.append(
            f"| {family} | ${init.latex.replace(chr(92) + 'dfrac', chr(92) + 'frac')}$ | {suits} "
            f"| `{base}_uniform`, `{base}_normal` |"
        )
    st.markdown("\n".join(rows))
    st.markdown(
        "The *uniform* versions draw from $[-r, r]$ with $r = \\sqrt{3\\sigma^2}$; the "
        "*normal* ones from a normal truncated at two standard deviations (widened so the "
        "variance stays σ²). `random_normal` ignores the layer's size: $w \\sim "
        "\\mathcal{N}(0, \\sigma^2)$ with a fixed σ."
    )
    c1, c2, c3 = st.columns(3)
    for col, name in zip(
        (c1, c2, c3), ("glorot_uniform", "he_normal", "lecun_normal"), strict=True
    ):
        col.latex(INITIALIZERS[name].latex)
        col.caption(INITIALIZERS[name].summary)
