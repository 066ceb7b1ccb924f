"""The landscape page under AppTest, and its link to the race page."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
from apptest_util import every_tab, open_tab
from streamlit.testing.v1 import AppTest

import optiviz
from optiviz.ui import landscape as ls

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TABS = ["Hyperparameter map", "Basins of attraction", "Fair comparison"]


def landscape(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page("pages/landscape.py")
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_defaults_and_controls() -> None:
    at = landscape({"grid": "50", "basin_opts": "sgd,momentum"})
    clean(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 1, "only the open tab (the map) is built"
    shown = every_tab(at, "landscape_tab", TABS)
    assert [len(shown[t]) for t in TABS] == [1, 1, 1]  # map, basins, fair comparison
    open_tab(at, "landscape_tab", TABS[0])
    clean(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["yaxis"]["type"] == "log"
    assert any(t.get("name") == "click to race this setting" for t in spec["data"])
    at.selectbox(key="map_opt").set_value("sgd").run()
    clean(at)
    assert at.selectbox(key="map_param").value == "(learning rate only)"
    at.radio(key="metric").set_value("steps_to_eps").run()
    at.selectbox(key="map_opt").set_value("adam").run()
    clean(at)
    assert at.selectbox(key="map_param").value == "beta_1"
    at.selectbox(key="map_param").set_value("epsilon").run()
    open_tab(at, "landscape_tab", TABS[2])
    at.multiselect(key="fair_opts").set_value(["sgd", "adam"]).run()
    at.sidebar.selectbox(key="surface").set_value("quadratic_bowl").run()
    clean(at)
    assert at.sidebar.number_input(key="x0").value == optiviz.get_surface("quadratic_bowl").start[0]
    tables = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "tuned learning_rate" in tables
    # settings inside a closed tab survive: back on the map, and on the basins tab
    open_tab(at, "landscape_tab", TABS[0])
    clean(at)
    assert at.selectbox(key="map_opt").value == "adam"
    assert at.selectbox(key="map_param").value == "epsilon"
    open_tab(at, "landscape_tab", TABS[1])
    assert at.multiselect(key="basin_opts").value == ["sgd", "momentum"]
    assert at.query_params["basin_opts"] in ("sgd,momentum", ["sgd,momentum"])


def test_theory_line_on_the_bowl() -> None:
    at = landscape(
        {"surface": "quadratic_bowl", "map_opt": "sgd", "grid": "50", "basin_opts": "sgd"}
    )
    clean(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name", "") for t in spec["data"]]
    assert any(n.startswith("theory: lr = 2/L") for n in names)
    assert "diverged" in names


def test_link_restores_and_malformed_values_fall_back() -> None:
    at = landscape({"map_opt": "nesterov", "metric": "steps_to_eps", "grid": "50", "steps": "200"})
    clean(at)
    assert not at.warning
    assert at.selectbox(key="map_opt").value == "nesterov"
    assert at.radio(key="metric").value == "steps_to_eps"
    assert at.sidebar.slider(key="steps").value == 200
    at = landscape({"grid": "huge", "map_opt": "adamw", "basin_opts": "sgd"})
    clean(at)
    warning = " ".join(w.value for w in at.warning)
    assert "grid" in warning and "map_opt" in warning


def test_clicked_cell_link_opens_that_setting_on_the_race_page() -> None:
    s = optiviz.sweep("two_wells", "momentum", learning_rates=[0.05], values=[0.5], steps=120)
    url = ls.race_link(s, 0.05, 0.5)
    path, query = urlsplit(url).path, dict(parse_qsl(urlsplit(url).query))
    assert path == "race" and query["momentum.momentum"] == "0.5"
    at = AppTest.from_file(APP, default_timeout=300)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page("pages/race.py")
    at.run()
    clean(at)
    assert not at.warning
    assert at.sidebar.multiselect(key="racers").value == ["momentum"]
    assert at.sidebar.select_slider(key="momentum.learning_rate").value == 0.05
    assert np.isclose(at.sidebar.slider(key="momentum.momentum").value, 0.5)
    assert at.sidebar.slider(key="steps").value == 120


def test_extreme_inputs_give_messages_not_tracebacks() -> None:
    # a start far outside the domain: every map cell diverges, basins are unaffected
    at = landscape({"x0": "5.9", "y0": "-5.9", "steps": "2000", "grid": "50", "basin_opts": "sgd"})
    clean(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(t.get("name") == "diverged" for t in spec["data"])
    at = landscape({"surface": "goldstein_price", "map_opt": "adam", "grid": "50"})
    clean(at)
