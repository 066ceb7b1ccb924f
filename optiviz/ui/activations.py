"""Pieces of the activations page: URL settings, cached engine calls, formulas and explanations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from optiviz.engine import OPTIMIZERS
from optiviz.engine.networks import activation_lab as lab
from optiviz.engine.networks.activations import ACTIVATIONS, curves
from optiviz.figures import activations as figs
from optiviz.figures.activations import Curve, DyingLine, color_of

from . import facts
from .cache import shared_figure, shared_table
from .controls import SLIDE, slide_toggle
from .url_state import Param, draw

PAGE = "activations"
NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
DEFAULT_SHOWN = ["sigmoid", "tanh", "relu", "leaky_relu", "elu"]
#: learning rates the range ends snap to
LR_OPTIONS: tuple[float, ...] = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
N_POINTS = 401  # samples of z per curve (odd: z = 0 is on the grid)


DERIVATIVE = {"panel": "own panel", "dashed": "dashed, same axes"}
#: the sidebar's settings: the activations' own parameters
KNOBS = ("negative_slope", "alpha")


def schema() -> list[Param]:
    """Every setting of the page, declared once: default, bounds, widget, label, help,
    and where it is drawn (the sidebar's knobs, the curves' row, the experiment's row)."""
    return [
        Param("shown", DEFAULT_SHOWN, kind="multi", choices=NAMES, widget="multiselect",
              label="Activations", fmt=display, row="curves", width=4),
        Param("deriv", "panel", kind="choice", choices=tuple(DERIVATIVE), widget="radio_row",
              label="Derivative", fmt=DERIVATIVE.get, row="curves", width=2),
        Param("zmax", 5.0, low=1.0, high=10.0, widget="slider", label="z range ±", step=0.5,
              row="curves", width=2),
        Param("shade", True, kind="bool", widget="toggle", label="Shade flat regions",
              help="Where the slope is (almost) zero.", row="curves", width=2),
        Param("negative_slope", 0.2, low=0.0, high=1.0, widget="slider",
              label="Leaky ReLU negative_slope (α)", step=0.01,
              help="Slope below 0. Keras's leaky_relu default is 0.2; at 0 it is plain "
              "ReLU, at 1 it is the identity."),
        Param("alpha", 1.0, low=0.0, high=5.0, widget="slider", label="ELU alpha (α)",
              step=0.05,
              help="ELU tends to −α for very negative z (Keras default 1.0)."),
        Param("optimizer", "adam", kind="choice", choices=tuple(OPTIMIZERS), widget="select",
              label="Optimizer", fmt=lambda n: OPTIMIZERS[n].display, row="experiment",
              width=2),
        Param("lr_min", lab.DEFAULT_LR_RANGE[0], low=1e-4, high=10.0, options=LR_OPTIONS,
              widget="select_slider", label="Smallest learning_rate", row="experiment",
              width=2),
        Param("lr_max", lab.DEFAULT_LR_RANGE[1], low=1e-4, high=10.0, options=LR_OPTIONS,
              widget="select_slider", label="Largest learning_rate", row="experiment",
              width=2),
        Param("seed", 0, kind="int", low=0, high=999, widget="number", label="Seed", step=1,
              help="Initial weights of every run.", row="experiment"),
        Param("lr_pick", lab.N_RATES - 1, kind="int", low=0, high=lab.N_RATES - 1,
              widget="select", label="Learning rate to inspect over epochs",
              choices=tuple(range(lab.N_RATES))),  # named by pick_rate, from the rates
        SLIDE,
    ]  # fmt: skip


def controls(where: str) -> None:
    """The settings of one place of the page: ``"curves"``, ``"experiment"`` (a row
    each) or ``"sidebar"``."""
    if where == "sidebar":
        draw([p for p in schema() if p.key in KNOBS])
    else:
        draw([p for p in schema() if p.row == where])


def display(name: str) -> str:
    return ACTIVATIONS[name].display


def param_of(name: str) -> float | None:
    """The page's value of this activation's knob (slope or α), or None."""
    knob = ACTIVATIONS[name].param
    return None if knob is None else float(st.session_state[knob])


def sidebar() -> None:
    """The two activation knobs (shared by the curves and the experiment) and slide mode."""
    with st.sidebar:
        controls("sidebar")
        st.caption("Both knobs apply to the curves and to the dying-ReLU experiment.")
        slide_toggle()


# ------------------------------------------------------------------------ the curves
def _rule(name: str, param: float | None) -> str | None:
    """How to shade this activation's flat stretches (see figures.activations)."""
    family = ACTIVATIONS[name].family
    if family == "saturating":
        return "saturating"
    if family == "relu":
        return "zero"  # only where f′ is exactly 0: ReLU below 0, slope or α set to 0
    return None


@st.cache_data(max_entries=512, ttl=3600, show_spinner=False)
def cached_curve(name: str, param: float | None, zmax: float) -> tuple[np.ndarray, ...]:
    z = np.linspace(-zmax, zmax, N_POINTS)
    f, df = curves(name, z, param)
    return z, f, df


def curve_data(names: list[str], zmax: float) -> list[Curve]:
    out = []
    for name in names:
        p = param_of(name)
        z, f, df = cached_curve(name, p, float(zmax))
        out.append(Curve(name, display(name), z, f, df, _rule(name, p), color_of(name)))
    return out


def curves_figure(slide: bool) -> go.Figure:
    """The curves and slopes of the chosen activations (shared by every session)."""
    ss = st.session_state
    names, zmax = list(ss["shown"]), float(ss["zmax"])
    deriv, shade = str(ss["deriv"]), bool(ss["shade"])
    key = repr(("curves", [(n, param_of(n)) for n in names], zmax, deriv, shade, slide))
    return shared_figure(
        key,
        lambda: figs.activation_curves(
            curve_data(names, zmax), derivative=deriv, shade=shade, slide=slide
        ),
    )


#: f′ written out (the page's curves are the same functions differentiated by JAX)
DERIVATIVES: dict[str, str] = {
    "linear": r"f'(z) = 1",
    "sigmoid": r"\sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr) \le \tfrac14",
    "tanh": r"\tanh'(z) = 1 - \tanh^2(z) \le 1",
    "relu": r"\mathrm{ReLU}'(z) = \begin{cases} 0 & z < 0 \\ 1 & z > 0 \end{cases}",
    "leaky_relu": r"\mathrm{LeakyReLU}_\alpha'(z) = \begin{cases} \alpha & z < 0 \\ "
    r"1 & z > 0 \end{cases}",
    "elu": r"\mathrm{ELU}_\alpha'(z) = \begin{cases} \alpha e^{z} & z < 0 \\ 1 & z > 0 \end{cases}",
    "selu": r"\mathrm{SELU}'(z) = \lambda \begin{cases} \alpha e^{z} & z < 0 \\ "
    r"1 & z > 0 \end{cases}",
    "softplus": r"\mathrm{softplus}'(z) = \sigma(z)",
    "gelu": r"\mathrm{GELU}'(z) = \Phi(z) + z\,\varphi(z)",
    "swish": r"\mathrm{swish}'(z) = \sigma(z) + z\,\sigma(z)\bigl(1 - \sigma(z)\bigr)",
}

#: what goes wrong with each family, and what the next one changes (our words)
FAMILIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "saturating": (
        "Sigmoid and tanh: vanishing gradients",
        ("sigmoid", "tanh"),
        "Both curves flatten out on either side, so once |z| is a few units the slope is "
        "nearly 0 (the shaded bands). Backpropagation multiplies one such slope per layer: "
        "with the sigmoid even the best case is ¼ per layer, so ten layers shrink the signal "
        "by at least a factor of about a million. The first layers then barely move "
        "and training stalls. Tanh is centred on 0 and its peak slope is 1, which helps, but "
        "its tails are just as flat.",
    ),
    "relu": (
        "ReLU: no saturation above 0, but dead units",
        ("relu",),
        "For z > 0 the slope is exactly 1, so a deep stack of ReLUs does not shrink the "
        "gradient the way sigmoids do — the main reason deep nets train at all. The price is "
        "the flat half: if a unit's z is negative for every example, it outputs 0 and "
        "receives no gradient, so no update can ever revive it. One large step (a big "
        "learning rate, a large gradient) can push a unit's bias there. The experiment "
        "below counts how often that happens.",
    ),
    "fixes": (
        "Leaky ReLU, ELU, SELU: keep a slope below 0",
        ("leaky_relu", "elu", "selu"),
        "Leaky ReLU keeps the slope α for z < 0, so a unit that is switched off still gets "
        "a (small) gradient and can come back; set α to 0 in the sidebar and it becomes "
        "plain ReLU again. ELU curves smoothly down to −α, which also pulls the layer's "
        "mean output towards 0; its slope αeᶻ does fade for very negative z, so it too "
        "can go quiet, just much less easily. SELU is ELU scaled by fixed λ and α chosen "
        "so that, with lecun_normal weights and a plain stack of Dense layers, each "
        "layer's outputs keep mean 0 and variance 1 (self-normalising).",
    ),
    "smooth": (
        "Softplus, GELU, Swish: smooth versions of ReLU",
        ("softplus", "gelu", "swish", "linear"),
        "These trade the kink at 0 for a smooth bend. Softplus's slope is the sigmoid, so "
        "it fades for negative z like a saturating unit; GELU and Swish dip slightly below "
        "0 and their slopes never become exactly 0 except far out on the left. And the "
        "linear activation is there for contrast: without a non-linearity, any number of "
        "layers collapses into one linear map.",
    ),
}


def formulas() -> None:
    """Per family: each activation's formula and derivative, and what goes wrong."""
    tabs = st.tabs([title for title, _, _ in FAMILIES.values()])
    for tab, (_, names, text) in zip(tabs, FAMILIES.values(), strict=True):
        with tab:
            st.markdown(text)
            for name in names:
                act = ACTIVATIONS[name]
                st.markdown(f'**{act.display}** (`activation="{name}"`) — {act.summary}')
                st.latex(act.latex)
                st.latex(DERIVATIVES[name])


# ---------------------------------------------------------------- the dying-ReLU experiment
@st.cache_resource(max_entries=64, ttl=3600, show_spinner=False)
def cached_dying(
    activation: str, lrs: tuple[float, ...], optimizer: str, param: float | None, seed: int
) -> lab.DyingCurve:
    return lab.dying_relu(activation, lrs, optimizer=optimizer, param=param, seed=seed)


def learning_rates() -> np.ndarray:
    """The experiment's grid from the two range ends (ValueError if they are reversed)."""
    return lab.learning_rate_grid(st.session_state["lr_min"], st.session_state["lr_max"])


def experiment_key(lrs: np.ndarray) -> str:
    """Everything the experiment's lines depend on, as one string (figures' keys)."""
    ss = st.session_state
    params = [param_of(name) for name in lab.DYING_ACTIVATIONS]
    return repr((str(ss["optimizer"]), int(ss["seed"]), [float(v) for v in lrs], params))


def run_experiment(lrs: np.ndarray) -> list[DyingLine]:
    """Train the grid for ReLU, leaky ReLU and ELU (each cached), with a progress bar."""
    ss = st.session_state
    seed, optimizer = int(ss["seed"]), str(ss["optimizer"])
    key = tuple(float(v) for v in lrs)
    bar = st.progress(
        0.0,
        text="Training 8 networks per activation… (the first time, each network is compiled "
        "first: this can take up to a minute)",
    )
    lines = []
    for i, name in enumerate(lab.DYING_ACTIVATIONS):
        c = cached_dying(name, key, optimizer, param_of(name), seed)
        lines.append(
            DyingLine(
                name,
                display(name),
                c.learning_rates,
                c.dead_share,
                c.accuracy,
                c.final_accuracy,
                c.diverged_epoch,
                color_of(name),
            )
        )
        bar.progress((i + 1) / len(lab.DYING_ACTIVATIONS), text=f"{display(name)} done")
    bar.empty()
    return lines


def experiment_controls() -> None:
    """Optimizer, learning-rate range (values from a URL snap to LR_OPTIONS) and seed."""
    controls("experiment")


def pick_rate(lrs: np.ndarray) -> int:
    """Which of the experiment's rates ``lrs`` the epoch view shows."""
    (pick,) = [p for p in schema() if p.key == "lr_pick"]
    draw([replace(pick, fmt=lambda i: f"learning_rate = {lrs[i]:.3g}")])
    return int(st.session_state["lr_pick"])


def rate_figure(lines: list[DyingLine], lrs: np.ndarray, index: int, slide: bool) -> go.Figure:
    """Dead share against the learning rate, rate ``index`` marked (shared by every session)."""
    picked = float(lrs[index])
    return shared_figure(
        repr(("dead vs lr", experiment_key(lrs), picked, slide)),
        lambda: figs.dead_vs_learning_rate(lines, picked=picked, slide=slide),
    )


def epochs_figure(lines: list[DyingLine], lrs: np.ndarray, index: int, slide: bool) -> go.Figure:
    """Dead share over the epochs at learning rate ``index`` (shared by every session)."""
    return shared_figure(
        repr(("dead over epochs", experiment_key(lrs), int(index), slide)),
        lambda: figs.dead_over_epochs(lines, index, slide=slide),
    )


def record_facts(lines: list[DyingLine], index: int) -> None:
    """The experiment's facts at the inspected rate ``index``: ``activations.most_dead``
    (the activation with the largest share of dead units at the end; "" if none died)
    and ``activations.dead.<name>`` (that share, 0–1)."""
    ends = [float(ln.dead[index, -1]) for ln in lines]
    most = facts.best_of([ln.display for ln in lines], ends)
    facts.record("activations.most_dead", most if max(ends, default=0.0) > 0 else "")
    for ln, share in zip(lines, ends, strict=True):
        facts.record(f"activations.dead.{ln.name}", share)


def _summary_rows(lines: list[DyingLine], index: int) -> list[dict]:
    rows = []
    for ln in lines:
        div = int(ln.diverged_epoch[index])
        rows.append(
            {
                "activation": ln.display,
                "dead units at the end": f"{ln.dead[index, -1]:.0%}",
                "most dead during training": f"{ln.dead[index].max():.0%}",
                "validation accuracy": "diverged" if div else f"{ln.final_accuracy[index]:.1%}",
                "diverged at epoch": div or "—",
            }
        )
    return rows


def summary_table(lines: list[DyingLine], lrs: np.ndarray, index: int) -> None:
    """Dead share and accuracy of each activation at the inspected learning rate."""
    key = f"dying summary|{experiment_key(lrs)}|{index}"
    shared_table(key, lambda: _summary_rows(lines, index))


EXPERIMENT_TEXT = (
    f"Each line is {lab.N_RATES} networks (2 → "
    + " → ".join(str(h) for h in lab.HIDDEN)
    + f" → 1, glorot_uniform weights) trained for {lab.EPOCHS} full-batch epochs on "
    f"{lab.N_POINTS} two-moons points, one per learning rate, all from the same initial "
    "weights. A unit counts as dead when its weighted sum z is ≤ 0 for every training "
    "example: for ReLU that unit outputs 0 and gets no gradient, for good. For leaky ReLU "
    "and ELU the same test finds units that are only switched off: their slope below 0 "
    "is not zero, so they can still come back."
)
