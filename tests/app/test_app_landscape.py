"""The landscape page under AppTest, and its link to the race page."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import numpy as np
from apptest_util import APP, every_tab, open_tab
from streamlit.testing.v1 import AppTest

import optiviz
from optiviz.ui import landscape as ls

TABS = ["Hyperparameter map", "Basins of attraction", "Fair comparison"]


def race_at(query: dict[str, str]) -> AppTest:
    """The race page opened with a link's query, cleanly and with no warning."""
    at = AppTest.from_file(APP, default_timeout=300)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page("pages/race.py")
    at.run()
    clean(at)
    assert not at.warning
    return at


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
    url, text = ls.race_link(s, 0.05, 0.5)
    assert text == "🏁 Race learning_rate=0.05, momentum=0.5 on the race page"
    path, query = urlsplit(url).path, dict(parse_qsl(urlsplit(url).query))
    assert path == "race" and query["momentum.momentum"] == "0.5"
    at = race_at(query)
    assert at.sidebar.multiselect(key="racers").value == ["momentum"]
    assert at.sidebar.select_slider(key="momentum.learning_rate").value == 0.05
    assert np.isclose(at.sidebar.slider(key="momentum.momentum").value, 0.5)
    assert at.sidebar.slider(key="steps").value == 120


def test_a_cell_between_the_race_sliders_values_says_which_one_it_races() -> None:
    """A map cell's learning rate the race's slider does not offer (0.0599) is raced at
    the slider's nearest (0.07) and the button says so (it once said 0.0599)."""
    s = optiviz.sweep("two_wells", "momentum", learning_rates=[0.0599], values=[0.5], steps=120)
    url, text = ls.race_link(s, 0.0599, 0.5)
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["momentum.learning_rate"] == "0.07"
    assert text.startswith("🏁 Race learning_rate=0.07, momentum=0.5 on the race page")
    assert "nearest to this cell's learning_rate 0.0599" in text
    at = race_at(query)
    assert at.sidebar.select_slider(key="momentum.learning_rate").value == 0.07


def test_extreme_inputs_give_messages_not_tracebacks() -> None:
    # a start far outside the domain: every map cell diverges, basins are unaffected
    at = landscape({"x0": "5.9", "y0": "-5.9", "steps": "2000", "grid": "50", "basin_opts": "sgd"})
    clean(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(t.get("name") == "diverged" for t in spec["data"])
    at = landscape({"surface": "goldstein_price", "map_opt": "adam", "grid": "50"})
    clean(at)


def test_a_clicked_basin_start_races_from_there() -> None:
    """The basins chart carries a click grid per panel; a clicked start gives a link to
    the race page with that optimizer, start and learning rate (it once did nothing)."""
    from optiviz.figures import landscape as figs

    b = optiviz.basins("two_wells", ["sgd", "momentum"], grid=100, steps=150)
    fig = figs.basins_figure(b)
    grids = [t for t in fig.data if t.name == "click to race from here"]
    assert [int(t.customdata[0]) for t in grids] == [0, 1]
    assert all(len(t.x) <= figs.CLICK_SIDE**2 for t in grids)
    url, text = ls.race_from(b, 1, float(grids[1].x[5]), float(grids[1].y[5]))
    query = dict(parse_qsl(urlsplit(url).query))
    assert text.startswith("🏁 Race Momentum from (")
    at = race_at(query)
    assert at.sidebar.multiselect(key="racers").value == ["momentum"]
    assert np.isclose(at.session_state["x0"], float(query["x0"]))
    assert at.sidebar.slider(key="steps").value == 150


def test_the_clicked_map_cell_is_outlined() -> None:
    from optiviz.figures import landscape as figs

    s = optiviz.sweep("two_wells", "momentum", learning_rates=[0.05, 0.1], values=[0.5], steps=50)
    grid = figs.map_click_grid(s)
    assert grid.selected.marker.color == "#000000" and grid.unselected.marker.opacity == 0


def test_steps_map_colours_only_the_global_minimum_and_names_every_other_cell() -> None:
    """On the two wells, runs that settle in the shallow well were coloured as fast
    successes; they are now their own colour, and white cells are explained."""
    from optiviz.figures import landscape as figs

    s = optiviz.sweep("two_wells", "sgd", steps=200)
    fig = figs.hyperparameter_map(s, "steps_to_eps")
    steps = np.array(fig.data[0].z, float)
    local = (s.minimum_index >= 0) & ~np.isin(s.minimum_index, [0]) & ~s.diverged
    assert local.any(), "GD settles in the shallow well for some rates"
    assert np.isnan(steps[local]).all()  # not coloured as a success
    names = {t.name for t in fig.data}
    assert "ended in a local minimum" in names and "diverged" in names
    at = landscape({"surface": "two_wells", "metric": "steps_to_eps", "map_opt": "sgd"})
    clean(at)
    caption = " ".join(c.value for c in at.caption)
    assert "light orange: it ended in a local minimum" in caption
    assert "dashed line" not in caption  # no theory line on the two wells


def test_the_theory_line_caption_only_when_the_line_is_drawn() -> None:
    from optiviz.figures import landscape as figs

    gd = optiviz.sweep("elongated_bowl", "sgd", steps=100)
    adam = optiviz.sweep("elongated_bowl", "adam", steps=100)
    assert figs.theory_line(gd) == figs.THEORY_GD and figs.theory_line(adam) is None
    drawn = {t.get("name", "") for t in figs.hyperparameter_map(adam).to_dict()["data"]}
    assert not any(n.startswith("theory") for n in drawn)
    at = landscape({"surface": "elongated_bowl", "map_opt": "adam"})
    clean(at)
    assert "dashed line" not in " ".join(c.value for c in at.caption)
    at = landscape({"surface": "elongated_bowl", "map_opt": "sgd"})
    clean(at)
    assert "dashed line is where theory says divergence starts (lr = 2/L)" in " ".join(
        c.value for c in at.caption
    )


def test_basins_subtitles_fit_four_panels() -> None:
    from optiviz.figures import landscape as figs

    b = optiviz.basins("two_wells", ["sgd", "momentum", "rmsprop", "adam"], grid=20, steps=50)
    # a slide has the four panels in a row: a subtitle has a quarter of the width
    titles = [
        a["text"] for a in figs.basins_figure(b, slide=True).to_dict()["layout"]["annotations"]
    ]
    assert len(titles) == 4 and all(len(t.split("<br>")[1]) <= 22 for t in titles), titles
    # a screen (a phone too) has two a row: the long form fits half the width
    titles = [a["text"] for a in figs.basins_figure(b).to_dict()["layout"]["annotations"]]
    assert all(t.split("<br>")[1].endswith("of starts reach the global minimum") for t in titles)


def test_a_cell_past_the_race_sliders_range_still_links() -> None:
    """A map may reach learning rates the race's slider does not (it stops at 100): the
    link clamps to the slider's range instead of failing."""
    s = optiviz.sweep("quadratic_bowl", "sgd", learning_rates=[500.0], steps=20)
    url, text = ls.race_link(s, 500.0, None)
    assert dict(parse_qsl(urlsplit(url).query))["sgd.learning_rate"] == "100"
    assert "nearest to this cell's learning_rate 500" in text
