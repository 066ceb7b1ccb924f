"""The app under Streamlit's AppTest: every page runs clean, controls and links work."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from apptest_util import APP, open_tab
from streamlit.testing.v1 import AppTest

TIMEOUT = 180


def fresh(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def race_page(query: dict[str, str] | None = None) -> AppTest:
    at = fresh(query)
    at.switch_page("pages/race.py")
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def chart_spec(at: AppTest, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def decode(v: object) -> np.ndarray:
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), v["dtype"])
    return np.asarray(v, float)


def table_text(at: AppTest) -> str:
    return " ".join(str(df.value.to_dict()) for df in at.dataframe)


def test_home_runs_clean() -> None:
    at = fresh().run()
    clean(at)
    assert at.get("plotly_chart"), "the home page shows the live race"
    assert "optiviz" in at.title[0].value


def test_race_defaults() -> None:
    at = race_page()
    clean(at)
    spec = chart_spec(at)
    assert 1 < len(spec["frames"]) <= 120
    assert len(at.get("plotly_chart")[0].proto.spec) < 2_000_000
    names = [t.get("name") for t in spec["data"]]
    for label in ("GD", "Momentum", "AdaGrad", "RMSProp", "Adam"):
        assert label in names
    assert "global minimum" in table_text(at) or "local minimum" in table_text(at)
    assert not at.code, "hidden tabs are not built"
    open_tab(at, "race_tab", "Keras code")
    clean(at)
    assert any("keras.optimizers.SGD" in c.value for c in at.code)
    assert not at.get("plotly_chart"), "only the open tab is built"


def test_old_scenes_are_freed_once_the_caches_drop_them() -> None:
    """A long session racing scene after scene holds no more than the caches hold.
    Streamlit keeps the click callback of every race chart id a session has drawn (the
    id follows the figure), so that callback must not hold the page run that drew it:
    a lambda written in the page kept every old figure and race alive (~0.7 MB a
    slider move, for as long as the session lasted)."""
    import gc

    import plotly.graph_objects as go

    from optiviz.ui import cache

    def figures() -> set[int]:
        gc.collect()
        return {id(o) for o in gc.get_objects() if isinstance(o, go.Figure)}

    at = race_page()
    before = figures()
    for v in (0.5, 0.6, 0.7, 0.8):
        at.sidebar.slider(key="momentum.momentum").set_value(v).run()
    clean(at)
    assert len(figures() - before) >= 4  # the caches hold each new scene's figure
    cache.cached_animation.clear()
    cache.cached_still_figures.clear()
    assert len(figures() - before) <= 1  # only the last run's page still names its figure


def test_every_control_type() -> None:
    at = race_page()
    at.sidebar.selectbox(key="surface").set_value("rosenbrock").run()
    clean(at)
    assert at.sidebar.number_input(key="x0").value == pytest.approx(-1.5)
    at.sidebar.slider(key="steps").set_value(150).run()
    at.sidebar.multiselect(key="racers").set_value(["momentum", "adam"]).run()
    at.sidebar.multiselect(key="copies").set_value(["momentum"]).run()
    clean(at)
    at.sidebar.slider(key="momentum_2.momentum").set_value(0.5).run()
    at.sidebar.select_slider(key="adam.learning_rate").set_value(0.1).run()
    at.sidebar.checkbox(key="adam.amsgrad").check().run()
    at.sidebar.number_input(key="x0").set_value(0.5).run()
    at.sidebar.toggle(key="quiver").set_value(True).run()
    at.sidebar.toggle(key="slide").set_value(True).run()
    at.sidebar.radio(key="image").set_value("svg").run()
    clean(at)
    config = json.loads(at.get("plotly_chart")[0].proto.config)
    assert config["toImageButtonOptions"]["format"] == "svg"
    assert config["toImageButtonOptions"]["width"] == 1600
    spec = chart_spec(at)
    names = [t.get("name") for t in spec["data"]]
    assert "Momentum (momentum=0.9)" in names and "Momentum (momentum=0.5)" in names
    assert "downhill (−∇J)" in names
    assert spec["layout"]["height"] == 460 and spec["layout"]["font"]["size"] == 20
    assert at.query_params["steps"] == ["150"] or at.query_params["steps"] == "150"


def test_inspector_controls() -> None:
    at = race_page()
    open_tab(at, "race_tab", "Step inspector")
    at.selectbox(key="inspect_run").set_value("Momentum").run()
    at.slider(key="inspect_step").set_value(25).run()
    clean(at)
    latex = " ".join(el.value for el in at.latex)
    assert r"\mathbf{m} \leftarrow" in latex
    assert "t = 26," in latex  # step 25 is the 26th update, and the page says so
    assert any("step 10 is t = 11" in c.value for c in at.caption)


def test_invalid_formula_shows_message_and_keeps_text() -> None:
    at = race_page()
    at.sidebar.selectbox(key="surface").set_value("custom").run()
    clean(at)
    at.sidebar.text_input(key="formula").input("x^2 + y").run()
    clean(at)
    messages = " ".join(e.value for e in at.error)
    assert r"x\*\*2" in messages  # escaped, so Markdown shows the stars (see test_browser)
    assert at.sidebar.text_input(key="formula").value == "x^2 + y"
    at.sidebar.text_input(key="formula").input("__import__('os')").run()
    clean(at)
    assert at.error
    at.sidebar.text_input(key="formula").input("x**2 + 4*y**2").run()
    clean(at)
    assert not at.error and at.get("plotly_chart")


def test_diverging_setting_shows_diverged() -> None:
    at = race_page({"surface": "rosenbrock", "racers": "sgd", "sgd.learning_rate": "5"})
    clean(at)
    assert "diverged" in table_text(at)
    spec = chart_spec(at)
    for trace in spec["data"]:
        for axis in ("x", "y"):
            if axis in trace and trace[axis] is not None:
                values = decode(trace[axis])
                assert np.isfinite(values[~np.isnan(values)]).all()


def test_link_restores_every_setting() -> None:
    query = {
        "surface": "himmelblau",
        "x0": "1.25",
        "y0": "-2.5",
        "steps": "420",
        "racers": "nesterov,adamax",
        "copies": "nesterov",
        "nesterov.learning_rate": "0.002",
        "nesterov_2.momentum": "0.3",
        "adamax.beta_1": "0.8",
        "quiver": "1",
        "slide": "1",
    }
    at = race_page(query)
    clean(at)
    assert not at.warning
    sb = at.sidebar
    assert sb.selectbox(key="surface").value == "himmelblau"
    assert sb.number_input(key="x0").value == pytest.approx(1.25)
    assert sb.number_input(key="y0").value == pytest.approx(-2.5)
    assert sb.slider(key="steps").value == 420
    assert sb.multiselect(key="racers").value == ["nesterov", "adamax"]
    assert sb.multiselect(key="copies").value == ["nesterov"]
    assert sb.select_slider(key="nesterov.learning_rate").value == pytest.approx(0.002)
    assert sb.slider(key="nesterov_2.momentum").value == pytest.approx(0.3)
    assert sb.slider(key="adamax.beta_1").value == pytest.approx(0.8)
    assert sb.toggle(key="quiver").value and sb.toggle(key="slide").value


def test_malformed_link_falls_back_with_notice() -> None:
    at = race_page(
        {
            "steps": "lots",
            "racers": "adam,warpdrive",
            "x0": "nan",
            "adam.learning_rate": "-3",
            "surface": "<script>",
            "bogus": "1",
        }
    )
    clean(at)
    warning = " ".join(w.value for w in at.warning)
    for key in ("steps", "racers", "x0", "adam.learning_rate", "surface", "bogus"):
        assert key in warning
    assert at.sidebar.slider(key="steps").value == 300
    assert at.get("plotly_chart")


#: every page, with a link that shows all its text inputs
PAGES_WITH_QUERY = {
    "pages/race.py": {"surface": "custom"},
    "pages/landscape.py": {},
    "pages/playground.py": {"data": "csv"},
    "pages/gradients.py": {},
    "pages/activations.py": {},
    "pages/perceptron.py": {},
    "pages/backprop.py": {},
    "pages/schedules.py": {},
    "pages/regularization.py": {},
    "pages/transfer.py": {},
    "pages/teach.py": {},
    "pages/join.py": {},
}


def test_every_page_that_takes_typed_text_shows_it_verbatim() -> None:
    """A page with a text input must show what was typed character for character (Markdown
    once ate the stars of x**2). The formula is the only typed text today; a new text input
    on any page fails here until its own verbatim check is added."""
    pages = sorted(p.name for p in (Path(APP).parent / "pages").glob("*.py") if p.name != "home.py")
    assert sorted(Path(p).name for p in PAGES_WITH_QUERY) == pages
    typed = {}
    for page, query in PAGES_WITH_QUERY.items():
        at = fresh(query)
        at.switch_page(page)
        at.run()
        clean(at)
        typed[page] = sorted(t.key for t in at.text_input)
    assert {p: k for p, k in typed.items() if k} == {
        "pages/race.py": ["formula"],
        "pages/teach.py": ["ed_title"],
        "pages/join.py": ["join_code"],
    }
    from optiviz.ui.text import literal

    at = fresh()
    at.switch_page("pages/teach.py")
    at.run()
    at.text_input(key="ed_title").input("x**2 _my_ <b>lesson</b>").run()
    at.radio(key="teach_pick").set_value("My lesson (edited below)").run()
    clean(at)
    captions = [c.value for c in at.caption]
    assert any(literal("x**2 _my_ <b>lesson</b>") in c for c in captions), captions
    at = fresh({"code": "<b>*zz*</b>"})
    at.switch_page("pages/join.py")
    at.run()
    clean(at)
    assert [e.value for e in at.error] == [
        "No class has the code BZZB. Check it with your teacher (it is on the projector)."
    ]
    for formula in ("x**2 + 10*y**2", "exp(x**2)*100 + y", "x_1"):
        at = race_page({"surface": "custom", "formula": formula})
        clean(at)
        shown = [m.value for m in (*at.markdown, *at.error, *at.caption)]
        assert any(literal(formula) in v for v in shown), shown[:4]
        assert not any(formula in v for v in shown if "*" in formula), "unescaped Markdown"
