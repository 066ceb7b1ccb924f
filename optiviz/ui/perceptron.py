"""Pieces of the perceptron page: its URL settings, cached runs and figures, and its three views."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from optiviz.engine.teaching.perceptron import (
    GATES,
    XOR_ACTIVATIONS,
    XOR_RESTARTS,
    XOR_X,
    XOR_Y,
    Gate,
    PerceptronRun,
    SklearnReference,
    XorMLP,
    find_cycle,
    iris_setosa,
    mcp_output,
    predict,
    sklearn_reference,
    train_perceptron,
    train_xor_mlp,
    truth_table,
)
from optiviz.figures import perceptron as figs
from optiviz.figures.style import export_config, frozen

from . import facts
from .cache import shared_figure
from .controls import SLIDE, slide_toggle, table
from .export import export_buttons
from .url_state import Param, draw

PAGE = "perceptron"
QUERY = (2.0, 0.5)
MLP_RATES = (0.1, 0.3, 1.0, 3.0)
ETA_MAX = 10.0
IRIS_NAMES = ("not setosa", "setosa")
IRIS_AXES = ("petal length x₁ (cm)", "petal width x₂ (cm)")
SUB = "₁₂₃"


def peek_gate() -> Gate:
    """The gate chosen in the session or, on a first visit, in the URL."""
    name = st.session_state.get("gate") or st.query_params.get("gate") or "and"
    return GATES.get(name, GATES["and"])


TAB = "perceptron_tab"  # the page's tab bar's key (see lazy_tabs)
#: the page's first tab: a McCulloch–Pitts unit has no learning rule
MCP_TAB = "McCulloch–Pitts unit (1943)"


def _no_rule(ss: Any) -> bool:
    """On the McCulloch–Pitts tab the rule's settings change nothing: shown greyed out."""
    return ss.get(TAB) in (None, MCP_TAB)


def schema(gate: Gate) -> list[Param]:
    """Every setting of the page, declared once; θ's default is the chosen gate's own
    threshold. Where each is drawn: the unit's column, the sidebar (the rule), the XOR
    tab's row."""
    rule = {"section": "Perceptron rule", "disabled": _no_rule}
    return [
        Param("gate", "and", kind="choice", choices=tuple(GATES), widget="select",
              label="Unit wired as", fmt=lambda g: GATES[g].display, on_change=_reset_theta),
        Param("theta", gate.threshold, kind="int", low=0, high=3, widget="slider",
              label="Threshold θ", help="Fire when at least θ inputs are on."),
        *(Param(f"in{i + 1}", False, kind="bool", widget="toggle",
                label=functools.partial(_input_label, i),
                when=functools.partial(lambda ss, i: i < GATES[ss["gate"]].n_inputs, i=i))
          for i in range(3)),
        Param("eta", 1.0, low=0.0, high=ETA_MAX, widget="number", label="Learning rate η",
              step=0.1, num_format="%.3f",
              help="From zero weights every η > 0 draws the same lines, only scaled.", **rule),
        Param("epochs", 20, kind="int", low=1, high=100, widget="slider", label="Most epochs",
              **rule),
        Param("shuffle", True, kind="bool", widget="toggle", label="Shuffle each epoch",
              help="scikit-learn shuffles too.", **rule),
        Param("seed", 42, kind="int", low=0, high=9999, widget="number", label="Seed", step=1,
              **rule),
        Param("start", "zeros", kind="choice", choices=("zeros", "random"),
              widget="radio_row", label="Start from",
              fmt=lambda s: "w = 0, b = 0" if s == "zeros" else "random weights", **rule),
        Param("mlp_act", "tanh", kind="choice", choices=XOR_ACTIVATIONS, widget="select",
              label="Hidden activation", row="xor"),
        Param("mlp_seed", 0, kind="int", low=0, high=9999, widget="number", label="Seed",
              step=1, row="xor"),
        Param("mlp_lr", 1.0, options=MLP_RATES, low=0.01, high=10.0, widget="select_slider",
              label="Learning rate", row="xor"),
        SLIDE,
    ]  # fmt: skip


def _input_label(i: int, ss: Any) -> str:
    inhibitory = GATES[ss["gate"]].inhibitory[i]
    return f"x{SUB[i]}" + (" (inhibitory)" if inhibitory else "")


def sidebar(tab: str | None) -> None:
    """The perceptron rule's settings (shared by the iris and XOR views) and slide mode.
    On the McCulloch–Pitts tab (``tab``; None: the first tab) they change nothing, so
    they are shown disabled, with a line saying why."""

    def why() -> None:
        if tab in (None, MCP_TAB):
            st.caption(
                "Used by the perceptron and XOR tabs: a McCulloch–Pitts unit does not learn."
            )

    with st.sidebar:
        rule = [p for p in schema(peek_gate()) if p.section]
        draw(rule, before={"eta": why}, heading=st.subheader)
        st.divider()
        slide_toggle()


def _reset_theta() -> None:
    st.session_state["theta"] = GATES[st.session_state["gate"]].threshold


# --------------------------------------------------------------------------- McCulloch–Pitts


def mcp_view(slide: bool) -> None:
    """Choose a gate, flip its inputs, move θ; the unit and its truth table follow."""
    ss = st.session_state
    c1, c2 = st.columns([1, 2])
    with c1:
        unit = [p for p in schema(peek_gate()) if p.key in ("gate", "theta", "in1", "in2", "in3")]
        draw(unit, before={"in1": lambda: st.caption("Inputs (click to switch on and off)")})
        gate = GATES[ss["gate"]]
    theta = int(ss["theta"])
    inputs = tuple(int(bool(ss[f"in{i + 1}"])) for i in range(gate.n_inputs))
    out = mcp_output(inputs, gate, theta)
    facts.record("perceptron.fires", "Fires (1)" if out else "Stays silent (0)")
    with c2:
        fig = shared_figure(
            repr(("mcp", inputs, gate.inhibitory, theta, out, slide)),
            lambda: figs.mcp_figure(inputs, gate.inhibitory, theta, out, slide=slide),
        )
        st.plotly_chart(fig, key="mcp_chart", config=export_config("optiviz-mcp-unit", slide))
    rule = f"fires when no inhibitory input is on and at least θ = {theta} excitatory inputs are"
    st.markdown(
        f"**{gate.display}** with θ = {gate.threshold} computes *{gate.formula}*. "
        f"Rule: the unit {rule}."
    )
    table(_styled_table(gate, theta, inputs), width="content")
    if theta != gate.threshold:
        st.caption(
            f"θ = {theta} is not the {gate.display} threshold ({gate.threshold}): the same "
            "wiring now computes another function. Compare the output column."
        )


def _styled_table(gate: Gate, theta: int, current: tuple[int, ...]) -> pd.io.formats.style.Styler:
    rows = []
    for bits, out in truth_table(gate, theta):
        row = {f"x{SUB[i]}": b for i, b in enumerate(bits)}
        row["excitatory on"] = sum(
            b for b, inh in zip(bits, gate.inhibitory, strict=True) if not inh
        )
        row["inhibitory on"] = sum(b for b, inh in zip(bits, gate.inhibitory, strict=True) if inh)
        row["output"] = out
        row[" "] = "← now" if bits == current else ""
        rows.append(row)
    df = pd.DataFrame(rows)

    def highlight(r: pd.Series) -> list[str]:
        on = r[" "] != ""
        return ["background-color: #cfe3f2; font-weight: bold" if on else "" for _ in r]

    return df.style.apply(highlight, axis=1)


# --------------------------------------------------------------------------- the perceptron rule


def _start(n_features: int, start: str, seed: int) -> tuple[np.ndarray | None, float]:
    if start == "zeros":
        return None, 0.0
    rng = np.random.default_rng(seed + 1)
    return rng.normal(0.0, 1.0, n_features), float(rng.normal(0.0, 1.0))


@st.cache_resource(max_entries=64, ttl=3600, show_spinner=False)
def cached_run(
    data: str, eta: float, epochs: int, shuffle: bool, seed: int, start: str
) -> PerceptronRun:
    """The perceptron on ``data`` ("iris" or "xor"); XOR never stops early (it cannot)."""
    X, y = iris_setosa() if data == "iris" else (XOR_X, XOR_Y)
    w0, b0 = _start(X.shape[1], start, seed)
    return train_perceptron(X, y, eta=eta, epochs=epochs, shuffle=shuffle, seed=seed, w0=w0, b0=b0)


@st.cache_resource(max_entries=1, show_spinner=False)
def cached_reference() -> SklearnReference:
    return sklearn_reference(*iris_setosa(), query=QUERY)


@st.cache_resource(max_entries=64, ttl=3600, show_spinner=False)
def cached_animation(key: tuple, _run: PerceptronRun, data: str, slide: bool) -> go.Figure:
    if data == "iris":
        ref = cached_reference()
        return frozen(
            figs.perceptron_animation(
                _run,
                class_names=IRIS_NAMES,
                axis_names=IRIS_AXES,
                reference=(ref.w, ref.b, "scikit-learn's line"),
                query=QUERY,
                slide=slide,
            )
        )
    return frozen(
        figs.perceptron_animation(
            _run,
            box=((-0.6, 1.6), (-0.6, 1.6)),
            class_names=("XOR = 0", "XOR = 1"),
            marker_scale=1.8,
            slide=slide,
        )
    )


def _settings() -> tuple[float, int, bool, int, str]:
    ss = st.session_state
    return float(ss["eta"]), int(ss["epochs"]), bool(ss["shuffle"]), int(ss["seed"]), ss["start"]


def _verdict(p: int) -> str:
    return "setosa (1)" if p else "not setosa (0)"


def iris_view(slide: bool) -> None:
    """The rule on the course's iris data, next to scikit-learn's Perceptron."""
    settings = _settings()
    try:
        run = cached_run("iris", *settings)
    except ValueError as err:
        st.error(str(err))
        return
    fig = cached_animation(("iris", *settings), run, "iris", slide)
    st.plotly_chart(fig, key="iris_chart", config=export_config("optiviz-perceptron-iris", slide))
    if settings[0] == 0:
        st.warning("η = 0: every correction is multiplied by zero, so the weights never move.")
    ref = cached_reference()
    ours = int(predict(run.w, run.b, np.array([QUERY]))[0])
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Our perceptron** (NumPy, the rule above)")
        done = (
            f"no mistakes in epoch {run.converged_epoch}: converged"
            if run.converged_epoch > 0
            else f"still making mistakes after {run.epochs_run} epochs"
        )
        st.markdown(
            f"{len(run.steps_w) - 1} updates, {done}.  \n"
            f"Line: {figs.line_equation(run.w, run.b)}  \n"
            f"Petal (2, 0.5) → **{_verdict(ours)}**"
        )
    with c2:
        st.markdown("**scikit-learn** `Perceptron(random_state=42)`")
        st.markdown(
            f"{ref.n_iter} epochs.  \nLine: {figs.line_equation(ref.w, ref.b)}  \n"
            f"Petal (2, 0.5) → **{_verdict(ref.prediction)}**"
        )
    if ours == ref.prediction:
        st.success("Both say the same about the flower with petals 2 cm × 0.5 cm.")
    else:
        st.info("The two disagree here: this run has not found a separating line yet.")
    note = f"converged in epoch {run.converged_epoch}" if run.converged_epoch > 0 else None
    st.plotly_chart(
        shared_figure(
            repr(("iris errors", settings, slide)),
            lambda: figs.errors_per_epoch(run.epoch_errors, note=note, slide=slide),
        ),
        key="iris_errors",
        config=export_config("optiviz-perceptron-iris-errors", slide),
    )
    with st.expander("The course's code, and export"):
        st.code(
            "import numpy as np\n"
            "from sklearn.datasets import load_iris\n"
            "from sklearn.linear_model import Perceptron\n\n"
            "iris = load_iris()\n"
            "X = iris.data[:, (2, 3)]  # petal length, petal width\n"
            "y = (iris.target == 0).astype(int)  # Iris setosa? (np.int is gone from NumPy)\n\n"
            "per_clf = Perceptron(random_state=42)\n"
            "per_clf.fit(X, y)\n"
            "y_pred = per_clf.predict([[2, 0.5]])",
            language="python",
        )
        export_buttons(fig, "optiviz-perceptron-iris", slide)


# --------------------------------------------------------------------------- XOR


@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def cached_mlp(activation: str, seed: int, learning_rate: float) -> XorMLP:
    return train_xor_mlp(activation=activation, seed=seed, learning_rate=learning_rate)


def _xor_mlp_figure(net: XorMLP, slide: bool) -> go.Figure:
    xs = np.linspace(-0.5, 1.5, 121)
    grid = np.stack(np.meshgrid(xs, xs), axis=-1).reshape(-1, 2)
    prob = net.prob_of(grid).reshape(len(xs), len(xs))
    return figs.xor_mlp_figure(net, (xs, xs, prob), XOR_X, XOR_Y, slide=slide)


def xor_view(slide: bool) -> None:
    """The perceptron going round in circles on XOR, then a hidden layer that solves it."""
    settings = _settings()
    try:
        run = cached_run("xor", *settings)
    except ValueError as err:
        st.error(str(err))
        return
    cycle = find_cycle(run)
    fewest = int(run.epoch_errors.min())
    if cycle:
        note = f"from epoch {cycle[0]} the weights repeat every {cycle[1]} epoch(s): a loop"
    elif run.shuffled:
        note = f"fewest mistakes in one epoch: {fewest} (never 0; shuffled, so no exact loop)"
    else:
        note = f"fewest mistakes in one epoch: {fewest} (never 0)"
    fig = cached_animation(("xor", *settings), run, "xor", slide)
    st.plotly_chart(fig, key="xor_chart", config=export_config("optiviz-perceptron-xor", slide))
    c1, c2 = st.columns([3, 2])
    with c1:
        st.plotly_chart(
            shared_figure(
                repr(("xor errors", settings, slide)),
                lambda: figs.errors_per_epoch(run.epoch_errors, note=note, slide=slide),
            ),
            key="xor_errors",
            config=export_config("optiviz-perceptron-xor-errors", slide),
        )
    with c2:
        st.markdown(
            f"In {run.epochs_run} epochs the rule made {int(run.epoch_errors.sum())} corrections "
            "and never had an epoch without a mistake. No line puts (0, 1) and (1, 0) on one "
            "side and (0, 0), (1, 1) on the other, so every fix breaks another point."
        )
    with st.expander("Export the XOR animation"):
        export_buttons(fig, "optiviz-perceptron-xor", slide)

    st.subheader("One hidden layer: a 2-2-1 network")
    draw([p for p in schema(peek_gate()) if p.row == "xor"])
    ss = st.session_state
    mlp = (str(ss["mlp_act"]), int(ss["mlp_seed"]), float(ss["mlp_lr"]))
    with st.spinner("Training 8 small networks…"):
        net = cached_mlp(*mlp)
    fig2 = shared_figure(repr(("xor mlp", mlp, slide)), lambda: _xor_mlp_figure(net, slide))
    st.plotly_chart(fig2, key="mlp_chart", config=export_config("optiviz-xor-hidden", slide))
    st.markdown(xor_mlp_text(net))
    rows = pd.DataFrame(
        {
            "x₁": XOR_X[:, 0].astype(int),
            "x₂": XOR_X[:, 1].astype(int),
            "XOR": XOR_Y,
            "h₁": np.round(net.hidden[:, 0], 4),
            "h₂": np.round(net.hidden[:, 1], 4),
            "P(1)": np.round(net.prob, 4),
        }
    )
    table(rows, width="content")


def xor_mlp_text(net: XorMLP) -> str:
    """What the trained 2-2-1 network did, said from its own numbers: how many random
    starts solved XOR, and the hidden units' line only when the shown network solves it."""
    solved = int((net.restart_accuracy == 1.0).sum())
    starts = (
        f"all {XOR_RESTARTS} of them solved XOR"
        if solved == XOR_RESTARTS
        else f"{solved} of them solved XOR, {XOR_RESTARTS - solved} did not: they stalled in a "
        "local minimum or on a flat stretch of the loss"
    )
    text = (
        f"Accuracy on the four points: **{net.accuracy:.0%}** (the best of {XOR_RESTARTS} "
        f"random starts, trained with gradient descent on cross-entropy; {starts}). "
    )
    if net.accuracy == 1.0:
        return text + (
            "Each hidden unit draws one line in the input plane; in the hidden units' "
            "coordinates (h₁, h₂) the two classes sit on opposite sides of a single line, "
            "which the output unit draws."
        )
    return text + (
        "No start found weights that separate the four points here: try another seed, "
        "activation or learning rate."
    )
