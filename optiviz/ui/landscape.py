"""Pieces of the landscape page: its URL-backed settings, cached sweeps, links to the race."""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import streamlit as st

from optiviz.engine import CLASSIC, OPTIMIZERS, SURFACE_NAMES, get_surface
from optiviz.engine.plane.outcomes import DEFINITION
from optiviz.engine.plane.surfaces import Surface
from optiviz.engine.plane.sweeps import (
    BasinsResult,
    FairResult,
    SweepResult,
    compare_tuned,
    sweep,
    tune_learning_rate,
)
from optiviz.engine.plane.sweeps import basins as run_basins

from .controls import SLIDE, slide_toggle, start_params, table
from .race_controls import hparam_param
from .url_state import Param, draw

PAGE = "landscape"
MAP_SIZE = 64
GRIDS = (50, 100, 150, 200)
#: the settings every view shares, in the sidebar
SIDEBAR = ("surface", "x0", "y0", "steps")


def schema(surface: Surface) -> list[Param]:
    """Every setting of the page, declared once; the start point's bounds are those of
    ``surface``. The sidebar's settings are shared by the three views; the others belong
    to one tab each (their ``row``)."""
    names = tuple(OPTIMIZERS)
    return [
        Param("surface", "two_wells", kind="choice", choices=SURFACE_NAMES, widget="select",
              label="Loss surface", fmt=lambda n: get_surface(n).title, on_change=reset_start),
        *start_params(surface),
        Param("steps", 300, kind="int", low=10, high=2000, widget="slider", label="Steps",
              step=10, help="Every run gets the same budget."),
        Param("map_opt", "momentum", kind="choice", choices=names, widget="select",
              label="Optimizer", fmt=show, row="map"),
        Param("map_param", "auto", kind="str", max_len=40, widget="select",
              label="Second hyperparameter", row="map",
              options_at=lambda ss: map_param_choices(ss["map_opt"]),
              reset=lambda ss: _default_param(ss["map_opt"])),
        Param("metric", "final_loss", kind="choice", choices=("final_loss", "steps_to_eps"),
              widget="radio_row", label="Colour by", fmt=lambda m: m.replace("_", " "),
              row="map"),
        Param("basin_opts", ["sgd", "momentum", "adam"], kind="multi", choices=names,
              widget="multiselect", label="Optimizers", fmt=show, row="basins"),
        Param("grid", 100, kind="int", low=10, high=200, options=GRIDS,
              widget="select_slider", label="Start points per side", row="basins_grid"),
        Param("fair_opts", list(CLASSIC), kind="multi", choices=names, widget="multiselect",
              label="Optimizers", fmt=show, row="fair"),
        SLIDE,
    ]  # fmt: skip


def show(name: str) -> str:
    return OPTIMIZERS[name].display


def controls(surface: Surface, *rows: str) -> None:
    """The settings of one tab (its rows), drawn where the page is."""
    draw([p for p in schema(surface) if p.row in rows])


def sidebar() -> None:
    """Surface, start, step budget and slide mode, shared by the three views."""
    with st.sidebar:
        draw([p for p in schema(peek_surface()) if p.key in SIDEBAR])
        slide_toggle()


def peek_surface() -> Surface:
    name = st.session_state.get("surface") or st.query_params.get("surface") or "two_wells"
    return get_surface(name if name in SURFACE_NAMES else "two_wells")


def reset_start() -> None:
    """A new surface brings its own suggested start."""
    surface = get_surface(st.session_state["surface"])
    st.session_state["x0"], st.session_state["y0"] = map(float, surface.start)


def map_param_choices(optimizer: str) -> list[str]:
    """The second hyperparameters a map can sweep (none for GD)."""
    names = [
        h.name for h in OPTIMIZERS[optimizer].hparams if h.name != "learning_rate" and not h.boolean
    ]
    return names or ["(learning rate only)"]


def _default_param(optimizer: str) -> str:
    """The second hyperparameter a map of ``optimizer`` sweeps unless told otherwise."""
    choices = map_param_choices(optimizer)
    value = OPTIMIZERS[optimizer].sweep_param or choices[0]
    return value if value in choices else choices[0]


def chosen_param(optimizer: str) -> str | None:
    """The map's second hyperparameter (None: the learning rate alone)."""
    value = st.session_state.get("map_param", "auto")
    if value not in map_param_choices(optimizer):
        value = st.session_state["map_param"] = _default_param(optimizer)
    return None if value.startswith("(") else value


@st.cache_resource(max_entries=64, ttl=3600, show_spinner=False)
def cached_sweep(
    surface_key: str, _surface: Surface, optimizer: str, param: str | None, start: tuple, steps: int
) -> SweepResult:
    n = MAP_SIZE
    return sweep(
        _surface,
        optimizer,
        start=start,
        param=param,
        steps=steps,
        learning_rates=np.logspace(-4, 1, n),
    )


@st.cache_resource(max_entries=64, ttl=3600, show_spinner=False)
def cached_basins(
    surface_key: str, _surface: Surface, optimizer: str, grid: int, steps: int
) -> BasinsResult:
    return run_basins(_surface, [optimizer], grid=grid, steps=steps)


@st.cache_resource(max_entries=128, ttl=3600, show_spinner=False)
def cached_tune(
    surface_key: str, _surface: Surface, optimizer: str, start: tuple, steps: int
) -> float:
    return tune_learning_rate(_surface, optimizer, start=start, steps=steps)


@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def cached_compare(
    surface_key: str, _surface: Surface, tuned: tuple, start: tuple, steps: int
) -> FairResult:
    return compare_tuned(_surface, dict(tuned), start=start, steps=steps)


def fair_with_progress(surface: Surface, optimizers: tuple, start: tuple, steps: int) -> FairResult:
    """Tune each optimizer (each cached) with a progress bar, then race them."""
    bar = st.progress(0.0, text="Tuning each learning rate on 41 candidates…")
    tuned = []
    for i, name in enumerate(optimizers):
        tuned.append((name, cached_tune(surface.key, surface, name, start, steps)))
        bar.progress((i + 1) / (len(optimizers) + 1), text=f"{OPTIMIZERS[name].display} tuned")
    result = cached_compare(surface.key, surface, tuple(tuned), start, steps)
    bar.empty()
    return result


def basins_with_progress(
    surface: Surface, optimizers: list[str], grid: int, steps: int
) -> BasinsResult:
    """One optimizer at a time (each cached), with a progress bar while they run."""
    bar = st.progress(0.0, text="Running every start point…")
    parts = []
    for i, name in enumerate(optimizers):
        parts.append(cached_basins(surface.key, surface, name, grid, steps))
        bar.progress((i + 1) / len(optimizers), text=f"{OPTIMIZERS[name].display} done")
    bar.empty()
    first = parts[0]
    return first._replace(
        optimizers=tuple(p.optimizers[0] for p in parts),
        hparams=tuple(p.hparams[0] for p in parts),
        minimum_index=np.concatenate([p.minimum_index for p in parts]),
        share_global=np.concatenate([p.share_global for p in parts]),
    )


def _on_slider(param: Param, value: float) -> float:
    """``value`` as the race page's slider for ``param`` holds it: inside its bounds, on
    its nearest step (a map may reach past the race's range)."""
    lo = -np.inf if param.low is None else param.low
    hi = np.inf if param.high is None else param.high
    return float(param.parse(f"{float(np.clip(value, lo, hi)):.6g}"))


def _race_query(
    surface: Surface, opt: str, start: tuple[float, float], steps: int, lr: float
) -> tuple[dict[str, str], float]:
    """The race page's query for ``opt`` alone from ``start``, and the learning rate it
    races (the slider's nearest to ``lr``)."""
    lr_param = hparam_param(opt, "learning_rate", surface)
    raced = _on_slider(lr_param, lr)
    query = {
        "surface": surface.name,
        "racers": opt,
        "x0": f"{start[0]:.6g}",
        "y0": f"{start[1]:.6g}",
        "steps": str(steps),
        lr_param.key: lr_param.format(raced),
    }
    return query, raced


def race_link(result: SweepResult, lr: float, value: float | None) -> tuple[str, str]:
    """The race page's URL for one cell of a map, and the button's text.

    The race page's sliders offer a fixed set of values (learning rates 1e-6 … 100 in
    steps of 1, 1.5, 2, 3, 4, 5, 7 per decade), so the link carries the slider's nearest
    value; the text names it, and the cell's own value when that differs."""
    opt = result.optimizer
    query, raced = _race_query(result.surface, opt, result.start, result.steps, lr)
    text = f"🏁 Race learning_rate={raced:.3g}"
    shown = [] if np.isclose(raced, lr, rtol=1e-3) else [f"learning_rate {lr:.3g}"]
    if result.param is not None and value is not None:
        p = hparam_param(opt, result.param, result.surface)
        v = _on_slider(p, value)
        query[p.key] = p.format(v)
        text += f", {result.param}={v:.3g}"
        if not np.isclose(v, value, rtol=1e-3):
            shown.append(f"{result.param} {value:.3g}")
    text += " on the race page"
    if shown:
        text += f" (its slider's nearest to this cell's {' and '.join(shown)})"
    return "race?" + urlencode(query), text


def _points(chart_key: str) -> list[dict]:
    """The points selected (clicked) on a chart drawn with ``on_select``."""
    event = st.session_state.get(chart_key)
    return (event or {}).get("selection", {}).get("points", []) if event else []


def clicked_cell(chart_key: str) -> tuple[float, float | None] | None:
    """(learning rate, value) of the clicked map cell, if any."""
    for p in _points(chart_key):
        x, y = p.get("x"), p.get("y")
        if isinstance(y, int | float):
            return float(y), (float(x) if isinstance(x, int | float) else None)
    return None


def clicked_start(chart_key: str) -> tuple[int, float, float] | None:
    """(panel, x, y) of the clicked start point on the basins chart, if any."""
    for p in _points(chart_key):
        x, y, panel = p.get("x"), p.get("y"), p.get("customdata")
        if isinstance(panel, list):
            panel = panel[0] if panel else None
        if (
            isinstance(x, int | float)
            and isinstance(y, int | float)
            and isinstance(panel, int | float)
        ):
            return int(panel), float(x), float(y)
    return None


def race_from(b: BasinsResult, panel: int, x: float, y: float) -> tuple[str, str]:
    """The race page's URL for a run of a basins panel from a clicked start, and the
    button's text."""
    opt = b.optimizers[panel]
    lr = b.hparams[panel]["learning_rate"]
    query, _ = _race_query(b.surface, opt, (float(f"{x:.4g}"), float(f"{y:.4g}")), b.steps, lr)
    text = f"🏁 Race {show(opt)} from ({x:.2f}, {y:.2f}) on the race page"
    return "race?" + urlencode(query), text


def fair_table(fair: FairResult) -> None:
    rows = [
        {
            "optimizer": label,
            "tuned learning_rate": f"{lr:.3g}",
            "steps to ε of the global minimum": int(steps) if steps >= 0 else "not reached",
            "final loss": f"{loss:.4g}",
        }
        for label, lr, steps, loss in zip(
            fair.race.labels, fair.tuned_lr, fair.steps_to_eps, fair.final_loss, strict=True
        )
    ]
    table(rows)
    st.caption(
        f"Each learning rate was chosen from {len(fair.learning_rates)} candidates "
        f"({fair.learning_rates[0]:g} to {fair.learning_rates[-1]:g}) by the fewest steps to "
        "the global minimum from this start, within the same step budget: a run that ends "
        "in a local minimum counts as not reached. " + DEFINITION.format(eps=f"{fair.race.eps:.3g}")
    )
