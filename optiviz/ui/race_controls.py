"""The sidebar of the race page: surface, start, steps, racers and their Keras hyperparameters.

Every control is URL-backed (see :mod:`optiviz.ui.url_state`). The same
optimizer can race twice with different settings: its second copy has the id
``<name>_2``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from optiviz.engine import (
    CLASSIC,
    OPTIMIZERS,
    SURFACE_NAMES,
    ExpressionError,
    get_surface,
    parse_surface,
)
from optiviz.engine.plane.presets import race_hparams
from optiviz.engine.plane.surfaces import Surface
from optiviz.engine.plane.trajectories import RACE_PAGE_STEPS
from optiviz.figures.style import export_config

from .controls import SLIDE, start_params
from .text import literal
from .url_state import Param, draw, snap

PAGE = "race"
CUSTOM = "custom"
MAX_STEPS = RACE_PAGE_STEPS  # (the engine precompiles the race buckets up to it)
LR_OPTIONS = (
    *(float(f"{m * 10.0**e:.3g}") for e in range(-6, 2) for m in (1, 1.5, 2, 3, 4, 5, 7)),
    100.0,
)
EPS_OPTIONS = (0.0, 1e-10, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0)
BETA2_OPTIONS = (0.0, 0.5, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999)
RACER_IDS = tuple(OPTIMIZERS) + tuple(f"{n}_2" for n in OPTIMIZERS)
DEFAULT_FORMULA = "x**2 + 3*y**2 + sin(3*x)"
#: the settings under the sidebar's divider: how the charts look
LAST = ("quiver", "slide", "image")


def optimizer_of(racer: str) -> str:
    return racer.removesuffix("_2")


def racer_title(racer: str) -> str:
    opt = OPTIMIZERS[optimizer_of(racer)]
    return opt.display + (" (2nd)" if racer.endswith("_2") else "")


@dataclass
class RaceSettings:
    surface: Surface
    start: tuple[float, float]
    steps: int
    racers: list[str]
    hparams: dict[str, dict[str, float]]
    quiver: bool
    slide: bool
    image: str = "png"

    def chart_config(self, name: str) -> dict:
        """Modebar settings: the camera saves ``name`` as a high-resolution PNG or SVG."""
        return export_config(f"optiviz-{name}", self.slide, self.image)

    def runs(self) -> list[tuple[str, dict[str, float]]]:
        return [(optimizer_of(r), self.hparams[r]) for r in self.racers]


def _peek_surface_name() -> str:
    name = st.session_state.get("surface") or st.query_params.get("surface") or "two_wells"
    return name if name in SURFACE_NAMES or name == CUSTOM else "two_wells"


@st.cache_resource(max_entries=256, show_spinner=False)
def formula_surface(text: str, domain: tuple[tuple[float, float], tuple[float, float]]) -> Surface:
    """Parsed formulas are shared by every session (the surface holds compiled functions)."""
    return parse_surface(text, domain)


def hparam_param(racer: str, name: str, surface: Surface) -> Param:
    """The race page's setting for one hyperparameter of a racer (its bounds, and the
    values its slider offers: a link elsewhere uses it to land on a value the slider has)."""
    h = next(h for h in OPTIMIZERS[optimizer_of(racer)].hparams if h.name == name)
    return _hp_param(racer, h, surface)


def _hp_param(racer: str, h: Any, surface: Surface) -> Param:
    """A racer's hyperparameter (lazy: stored when its racer is in the race)."""
    key = f"{racer}.{h.name}"
    default = race_hparams(surface, optimizer_of(racer))[h.name]
    shown = {"label": h.name, "help": h.help, "lazy": True}
    if h.name == "learning_rate":
        return Param(
            key,
            snap(default, LR_OPTIONS),
            low=0.0,
            high=100.0,
            options=LR_OPTIONS,
            widget="select_slider",
            **{**shown, "help": h.help + " (log scale)"},
        )
    if h.boolean:
        return Param(key, bool(default), kind="bool", widget="checkbox", **shown)
    if h.name in ("epsilon", "beta_2"):
        options = EPS_OPTIONS if h.name == "epsilon" else BETA2_OPTIONS
        return Param(
            key,
            default,
            low=0.0,
            high=options[-1],
            options=options,
            widget="select_slider",
            **shown,
        )
    return Param(key, float(default), low=h.low, high=h.high, widget="slider",
                 step=0.01 if h.high <= 1 else 0.05, **shown)  # fmt: skip


def _surface_title(name: str) -> str:
    return "✏️ your own formula" if name == CUSTOM else get_surface(name).title


def _custom(ss: Any) -> bool:
    return ss["surface"] == CUSTOM


@functools.lru_cache(maxsize=64)
def schema(surface: Surface) -> tuple[Param, ...]:
    """Every setting of the race page, declared once, with defaults that depend on the
    surface (made once per surface: ~100 settings, read twice on every rerun)."""
    box = {"widget": "number", "when": _custom, "on_change": _on_surface_change}
    params = [
        Param("surface", "two_wells", kind="choice", choices=(*SURFACE_NAMES, CUSTOM),
              widget="select", label="Loss surface", fmt=_surface_title,
              on_change=_on_surface_change,
              help="The function J(x, y) the optimizers try to minimise."),
        Param("formula", DEFAULT_FORMULA, kind="str", max_len=300, widget="text",
              label="f(x, y) =", when=_custom, on_change=_on_surface_change,
              help="Use x, y, numbers, + - * / **, pi, e and sin cos tan exp log sqrt abs "
              "tanh arctan sinh cosh sigmoid minimum maximum."),
        Param("xmin", -2.0, low=-1e6, high=1e6, label="x min", row="x range", **box),
        Param("xmax", 2.0, low=-1e6, high=1e6, label="x max", row="x range", **box),
        Param("ymin", -2.0, low=-1e6, high=1e6, label="y min", row="y range", **box),
        Param("ymax", 2.0, low=-1e6, high=1e6, label="y max", row="y range", **box),
        *start_params(surface),
        Param("steps", 300, kind="int", low=10, high=MAX_STEPS, widget="slider",
              label="Steps", step=10,
              help="Number of updates each optimizer makes."),
        Param("racers", list(CLASSIC), kind="multi", choices=tuple(OPTIMIZERS),
              widget="multiselect", label="Optimizers", fmt=_display,
              help="Who races. Colours stay the same on every page."),
        Param("copies", [], kind="multi", choices=tuple(OPTIMIZERS), widget="multiselect",
              label="Race a second copy of", fmt=_display,
              help="Race an optimizer twice with different settings (e.g. momentum 0.5 vs "
              "0.9)."),
        Param("quiver", False, kind="bool", widget="toggle", label="Gradient field",
              help="Arrows pointing downhill (−∇J) over the contour."),
        SLIDE,
        Param("image", "png", kind="choice", choices=("png", "svg"), widget="radio_row",
              label="Camera icon saves", fmt=str.upper,
              help="Format of the image the camera icon on each chart downloads (high "
              "resolution)."),
        Param("inspect_step", 10, kind="int", low=0, high=MAX_STEPS),
        Param("inspect_run", "", kind="str", max_len=40),
    ]  # fmt: skip
    for racer in RACER_IDS:
        params += [_hp_param(racer, h, surface) for h in OPTIMIZERS[optimizer_of(racer)].hparams]
    return tuple(params)


def _display(name: str) -> str:
    return OPTIMIZERS[name].display


def current_surface() -> tuple[Surface, str | None]:
    """The chosen surface, and an error message if a typed formula could not be used."""
    name = _peek_surface_name()
    if name != CUSTOM:
        return get_surface(name), None
    ss = st.session_state
    domain = (
        (float(ss.get("xmin", -2.0)), float(ss.get("xmax", 2.0))),
        (float(ss.get("ymin", -2.0)), float(ss.get("ymax", 2.0))),
    )
    text = str(ss.get("formula", DEFAULT_FORMULA))
    try:
        return formula_surface(text, domain), None
    except ExpressionError as err:
        return get_surface("quadratic_bowl"), str(err)


def _on_surface_change() -> None:
    """A new surface brings its own start point and learning rates."""
    surface, _ = current_surface()
    for p in schema(surface):
        if p.key in ("x0", "y0"):
            st.session_state[p.key] = p.default
        elif p.key.endswith(".learning_rate") and p.key in st.session_state:
            st.session_state[p.key] = p.default  # (racers not in the race take it later)


def sidebar(surface: Surface, error: str | None) -> RaceSettings:
    """Draw the sidebar and return what it says."""
    ss = st.session_state
    params = {p.key: p for p in schema(surface)}

    def formula_error() -> None:
        if error:
            st.error(literal(error), icon="⚠️")

    def racer_boxes() -> None:
        for racer in _racers():
            opt = OPTIMIZERS[optimizer_of(racer)]
            with st.expander(f"{racer_title(racer)} settings"):
                st.caption(opt.summary)
                draw([params[f"{racer}.{h.name}"] for h in opt.hparams])

    with st.sidebar:
        draw(
            [
                p
                for p in params.values()
                if "." not in p.key and p.key not in ("quiver", "slide", "image")
            ],
            before={"x0": lambda: st.caption("Start point — or click on the contour")},
            after={"ymax": formula_error, "copies": racer_boxes},
        )
        st.divider()
        draw([params[k] for k in LAST])
    racers = _racers()
    hparams = {
        racer: {
            h.name: float(ss[f"{racer}.{h.name}"]) for h in OPTIMIZERS[optimizer_of(racer)].hparams
        }
        for racer in racers
    }
    start = (float(ss["x0"]), float(ss["y0"]))
    if not all(math.isfinite(v) for v in start):
        start = surface.start
    return RaceSettings(
        surface=surface,
        start=start,
        steps=int(np.clip(ss["steps"], 1, MAX_STEPS)),
        racers=racers,
        hparams=hparams,
        quiver=bool(ss["quiver"]),
        slide=bool(ss["slide"]),
        image=str(ss["image"]),
    )


def _racers() -> list[str]:
    ss = st.session_state
    return [*ss["racers"], *(f"{c}_2" for c in ss["copies"])]


def set_start_from_click(chart_key: str) -> None:
    """``on_select`` callback of the contour: the clicked point becomes the start."""
    event = st.session_state.get(chart_key)
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if not points:
        return
    x, y = points[0].get("x"), points[0].get("y")
    if isinstance(x, int | float) and isinstance(y, int | float):
        st.session_state["x0"] = float(x)
        st.session_state["y0"] = float(y)
