"""Blocks of the race page below the hero figure: outcomes, inspector, Keras code, exports."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from optiviz.engine import OPTIMIZERS, RaceResult
from optiviz.engine.networks.keras_code import optimizers_code
from optiviz.engine.optimizers import initial_moments, step_equations
from optiviz.engine.plane.outcomes import DEFINITION, race_outcomes
from optiviz.figures import race as race_figures

from . import facts
from .cache import shared_table
from .export import export_buttons


def _ended(o: Any, surface: Any) -> str:
    text = {
        "global": "★ global minimum",  # the chart marks global minima with a star
        "local": "◇ local minimum",
        "none": "no known minimum",
        "diverged": f"💥 diverged at step {o.diverged_at}",
    }[o.reached]
    if o.reached == "none" and o.passed_step is not None:  # it went through one and on
        kind = "global" if surface.minima[o.passed_index].is_global else "local"
        text += f" (passed within ε of the {kind} minimum at step {o.passed_step})"
    return text


def _outcome_rows(result: RaceResult) -> list[dict[str, Any]]:
    rows = []
    for o in race_outcomes(result):
        rows.append(
            {
                "optimizer": o.label,
                "final loss": "—" if o.diverged_at is not None else f"{o.final_loss:.6g}",
                "ended in": _ended(o, result.surface),
                "steps to ε": "—" if o.steps_to_eps is None else str(o.steps_to_eps),
                "final (x, y)": f"({o.final_x:.4g}, {o.final_y:.4g})",
            }
        )
    return rows


def record_facts(result: RaceResult) -> None:
    """What the race shows, as facts (:mod:`optiviz.ui.facts`): ``race.lowest`` the
    optimizer whose run ends lowest (diverged runs left out), ``race.diverged`` whether
    any run blew up, and ``race.end.<racer>`` where each run ends, as [x, y] (a second
    copy's racer is ``<name>_2``; a diverged run's last finite point, as the chart shows)."""
    diverged = np.asarray(result.diverged_at) >= 0
    final = np.asarray(result.loss[:, -1], float)
    ended = np.where(diverged, np.nan, final)
    facts.record("race.lowest", facts.best_of(result.labels, ended, lowest=True))
    facts.record("race.diverged", facts.yes_no(diverged.any()))
    seen: set[str] = set()
    for i, name in enumerate(result.optimizers):
        racer = name if name not in seen else f"{name}_2"
        seen.add(name)
        path = np.asarray(result.path[i], float)
        ok = np.flatnonzero(np.isfinite(path).all(axis=1))
        x, y = path[ok[-1]] if len(ok) else (np.nan, np.nan)
        facts.record(f"race.end.{racer}", [round(float(x), 4), round(float(y), 4)])


def outcome_table(result: RaceResult, key: str) -> None:
    """Where each run ended; ``key`` identifies the scene (``cache.race_key``)."""
    shared_table(f"race outcome|{key}", lambda: _outcome_rows(result))
    st.caption(
        DEFINITION.format(eps=f"{result.eps:.3g}")
        + " A diverged run is frozen at its last finite point."
    )


def inspector(result: RaceResult, grid: tuple, settings: Any) -> None:
    """Pick a racer and a step: arrows for the gradient, the velocity and the actual step,
    beside the update rule with this step's numbers."""
    labels = list(result.labels)
    ss = st.session_state
    if ss.get("inspect_run") not in labels:
        ss["inspect_run"] = labels[0]
    ss["inspect_step"] = int(np.clip(ss.get("inspect_step", 0), 0, max(result.steps - 1, 0)))
    c1, c2 = st.columns([1, 2])
    c1.selectbox("Optimizer", labels, key="inspect_run")
    c2.slider(
        "Step",
        0,
        max(result.steps - 1, 1),
        key="inspect_step",
        help=STEP_CONVENTION,
    )
    run = labels.index(ss["inspect_run"])
    step = int(ss["inspect_step"])
    name = result.optimizers[run]
    opt = OPTIMIZERS[name]
    fig, _ = race_figures.inspector_figure(grid, result, run, step, slide=settings.slide)
    left, right = st.columns([1, 1])
    with left:
        st.plotly_chart(fig, key="inspector_chart", config=settings.chart_config("step"))
    with right:
        st.markdown(f"**{opt.display}: the rule as the course writes it**")
        st.latex(opt.latex)
        if opt.keras_note:
            st.caption("What Keras computes: " + opt.keras_note)
    st.markdown("**This step, with its numbers** (vectors are (x, y) pairs)")
    hp = result.hparams[run]
    if step > 0:
        m_prev, s_prev = result.m[run, step - 1], result.s[run, step - 1]
    else:  # the moments the optimizer starts with (AdaGrad's s starts at 0.1)
        m_prev, s_prev = initial_moments(name, hp, result.path[run, 0])
    st.caption(STEP_CONVENTION)
    for line in step_equations(
        name,
        hp,
        step,
        result.path[run, step],
        result.grad[run, step],
        m_prev,
        s_prev,
        result.m[run, step],
        result.s[run, step],
        result.update[run, step],
    ):
        st.latex(line)
    m, s = result.m[run, step], result.s[run, step]
    st.caption(
        f"Accumulators after this step: m = ({m[0]:.5g}, {m[1]:.5g}), "
        f"s = ({s[0]:.5g}, {s[1]:.5g}) (zero where {opt.display} keeps none)."
    )


#: how the slider's step and the equations' t relate (step 10 shows t = 11)
STEP_CONVENTION = (
    "Steps count from 0 (the first update), as the chart's frames do; the equations "
    "count updates from 1, as Keras does (t = its iterations + 1, the t in the bias "
    "corrections), so step 10 is t = 11."
)


def keras_code(result: RaceResult) -> None:
    code = optimizers_code(result.optimizers, result.hparams, result.labels)
    st.code(code, language="python")
    st.caption("Paste into a notebook: each line builds the optimizer exactly as it raced here.")
    names = list(dict.fromkeys(result.optimizers))
    with st.expander("Show the code: the engine's own update functions"):
        for name in names:
            st.code(inspect.getsource(OPTIMIZERS[name].update), language="python")


def exports(fig: go.Figure, result: RaceResult, slide: bool) -> None:
    st.caption(
        "Slide image: the last frame at 16:9 with large text and no play buttons, as PNG or "
        "SVG (choose beside the button). HTML keeps the animation and opens offline; the GIF "
        "plays it anywhere. The camera icon on each chart saves what you see (its format is "
        "in the sidebar)."
    )
    export_buttons(fig, f"optiviz-race-{result.surface.name}", slide)
