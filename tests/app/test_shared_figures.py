"""Figures shared between sessions (``optiviz.ui.cache.shared_figure``).

A page's figures are built once per scene and handed to every student who shows the
same scene. Two things must hold: a second student showing the same scene builds
nothing and sees the same pictures, and a student whose settings differ never gets
someone else's picture (every figure's key names everything the figure draws).
"""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
import pytest
from apptest_util import APP, open_tab
from streamlit.testing.v1 import AppTest

from optiviz.figures import style
from optiviz.figures.export import standalone_html, still_frames
from optiviz.ui import cache, transport

transport.install()  # as the app does where it starts


def _figure() -> go.Figure:
    x = np.linspace(0.0, 1.0, 50)
    fig = go.Figure(go.Scatter(x=x, y=x**2, name="y = x²", line={"color": "#0072B2"}))
    return style.apply_style(fig, False, title="A parabola − with a minus sign")


def test_shared_figure_is_built_once_per_key() -> None:
    cache._figure.clear()
    built: list[str] = []

    def build(tag: str) -> go.Figure:
        built.append(tag)
        return _figure()

    a = cache.shared_figure("test|a", lambda: build("a"))
    again = cache.shared_figure("test|a", lambda: build("a again"))
    b = cache.shared_figure("test|b", lambda: build("b"))
    assert built == ["a", "b"]
    assert again is a and b is not a
    cache._figure.clear()
    cache.shared_figure("test|a", lambda: build("a after clear"))
    assert built[-1] == "a after clear"


def test_light_figure_draws_and_exports_as_the_figure_it_was_made_from() -> None:
    original = _figure()
    light = style.frozen_light(_figure())
    assert style.frozen_light(light) is light  # freezing twice changes nothing
    assert not light.data  # plotly's object tree is not kept ...
    # ... but everything that reads the figure sees the picture
    assert json.loads(pio.to_json(light)) == json.loads(pio.to_json(original))
    assert json.loads(light.to_json()) == json.loads(original.to_json())
    assert pio.to_json(light) == pio.to_json(light)  # the kept text, second draw on
    assert light.to_dict()["layout"]["title"] == original.to_dict()["layout"]["title"]
    frames = still_frames(light)
    assert len(frames) == 1 and frames[0]["data"][0]["name"] == "y = x²"
    html = standalone_html(light).decode()
    assert "A parabola" in html and "y = x" in html
    # what Streamlit draws: the dict form, and the same text as the plain figure's
    drawn = plotly.tools.return_figure_from_figure_or_data(light, True)  # (the transport's)
    assert json.loads(pio.to_json(drawn, validate=False)) == json.loads(pio.to_json(original))
    # a caller that drops keys from its copy does not touch the kept figure
    d = light.to_dict()
    d["layout"].pop("title")
    assert "title" in light.to_dict()["layout"]


# ------------------------------------------------------------------ the pages
# (page, lazy tab key and label or None, a changed setting as a URL parameter, the charts
# that must show something else with it)
CASES = [
    ("activations", None, {"negative_slope": "0.5"}, {"curves_chart"}),
    ("activations", None, {"seed": "1"}, {"dead_lr_chart", "dead_epochs_chart"}),
    ("backprop", None, {"w11": "0.5"}, {"bp_chart"}),
    (
        "gradients",
        ("gradients_tab", "At initialization"),
        {"depth": "10"},
        {"hist_chart", "norms_chart"},
    ),
    ("gradients", ("gradients_tab", "Training"), {"lr": "0.1"}, {"train_chart"}),
    ("gradients", ("gradients_tab", "Activation × initializer"), {"depth": "10"}, {"matrix_chart"}),
    ("perceptron", None, {"theta": "1"}, {"mcp_chart"}),
    (
        "perceptron",
        ("perceptron_tab", "XOR and the hidden layer"),
        {"mlp_seed": "1", "epochs": "10"},
        {"mlp_chart", "xor_errors"},
    ),
    ("landscape", None, {"metric": "steps_to_eps"}, {"map_chart"}),
    ("regularization", None, {"rg_seed": "9"}, {"history"}),
    ("schedules", None, {"sc_lr": "0.01"}, {"curves"}),
    ("schedules", ("schedules_tab", "LR range test"), {"sc_hi": "1"}, {"range"}),
    ("transfer", None, {"tl_seed": "1"}, {"history"}),
    ("playground", ("pg_tab", "History"), {"seed": "1"}, {"history"}),
]


def _session(page: str, tab: tuple[str, str] | None, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=900)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(f"pages/{page}.py")
    at.run()
    if tab is not None:
        open_tab(at, *tab)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _charts(at: AppTest) -> dict[str, str]:
    return {c.key: c.proto.spec for c in at.get("plotly_chart")}


@pytest.mark.parametrize(
    ("page", "tab", "change", "changed"),
    CASES,
    ids=[f"{c[0]}-{'-'.join(c[2])}" for c in CASES],
)
def test_a_second_student_builds_nothing_and_other_settings_get_their_own_figures(
    page: str,
    tab: tuple[str, str] | None,
    change: dict[str, str],
    changed: set[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache._figure.clear()
    built: list[int] = []

    def counted(fig: go.Figure) -> go.Figure:
        built.append(1)
        return style.frozen_light(fig)

    monkeypatch.setattr(cache, "frozen_light", counted)

    first = _charts(_session(page, tab, {}))
    assert changed <= first.keys(), sorted(first)
    assert built, "the page's figures go through shared_figure"
    n_first = len(built)

    second = _charts(_session(page, tab, {}))
    assert len(built) == n_first, "a second student with the same scene built figures"
    assert second == first

    other = _charts(_session(page, tab, change))
    assert len(built) > n_first
    same = sorted(k for k in changed if other[k] == first[k])
    assert not same, f"{same} still show the first scene after {change}"
