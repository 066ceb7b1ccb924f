"""The learning-rate schedules page under AppTest."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl, urlsplit

import numpy as np
from apptest_util import APP, every_tab, open_tab
from streamlit.testing.v1 import AppTest

from optiviz.ui import playground as pg

TABS = ["η(t) of each schedule", "Training side by side", "LR range test", "Keras code"]


def schedules(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page("pages/schedules.py")
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def values(v: object) -> np.ndarray:
    """A trace's data array, whether plotly sent it as a list or as base64 ``bdata``."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), np.dtype(v["dtype"]))
    return np.asarray(v, np.float64)


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_defaults_train_six_schedules_and_link_to_the_playground() -> None:
    at = schedules()
    clean(at)
    assert len(specs(at)) == 1, "only the open tab is built"
    assert not at.dataframe and not at.get("link_button") and not at.code
    shown = every_tab(at, "schedules_tab", TABS)
    assert [len(shown[t]) for t in TABS] == [1, 2, 1, 0]
    assert any("exponential_decay_fn" in c.value for c in at.code)  # ends on the Keras code
    (curves,), (history, used), (rng,) = shown[TABS[0]], shown[TABS[1]], shown[TABS[2]]
    assert len(history["data"]) == 6 * 2 * 2  # loss and accuracy, training and validation
    assert curves["layout"]["yaxis"]["type"] == "log"
    names = [t["name"] for t in curves["data"]]
    assert names == ["Constant", "Piecewise constant", "Exponential", "Power",
                     "Performance (reduce on plateau)", "1cycle"]  # fmt: skip
    # the rate each run used: constant stays at η₀, exponential ends 100× lower (r = 50)
    lr_used = {t["name"]: values(t["y"]) for t in used["data"]}
    np.testing.assert_allclose(lr_used["Constant"], 0.1, rtol=1e-6)
    assert lr_used["Exponential"][-1] < 0.1 / 50
    assert rng["layout"]["xaxis"]["type"] == "log"
    assert any("suggested η" in t.get("name", "") for t in rng["data"])
    codes = " ".join(c.value for c in at.code)
    assert "exponential_decay_fn" in codes and "ReduceLROnPlateau" in codes
    open_tab(at, "schedules_tab", TABS[1])
    clean(at)
    table = at.dataframe[0].value
    assert len(table) == 6 and table["val_accuracy"].min() > 0.8
    # the caption's general sentence, and what this run shows: the constant rate still
    # jitters more than every schedule that changes it (computed, engine/networks/findings.py)
    said = " ".join(c.value for c in at.caption)
    assert "Here, over the last 20 epochs, the constant rate's training loss" in said
    assert "more at these settings" not in said, said
    # the link opens the playground with this network, data and the suggested rate
    open_tab(at, "schedules_tab", TABS[2])
    clean(at)
    url = at.get("link_button")[0].proto.url
    path, query = urlsplit(url).path, dict(parse_qsl(urlsplit(url).query))
    assert path == "playground"
    known = {p.key for p in pg.schema()}
    assert set(query) <= known
    assert query["opts"] == "momentum" and query["batch"] == "32" and query["u0"] == "16"
    assert 1e-5 <= float(query["momentum.learning_rate"]) <= 10


def test_every_control_type_retrains_and_lands_in_the_url() -> None:
    at = schedules()
    open_tab(at, "schedules_tab", "LR range test")
    at.sidebar.selectbox(key="sc_opt").set_value("adam")
    at.sidebar.select_slider(key="sc_lr").set_value(0.01)
    at.sidebar.number_input(key="sc_exponential_r").set_value(10.0)
    at.sidebar.number_input(key="sc_performance_patience").set_value(3)
    at.sidebar.toggle(key="slide").set_value(True)
    at.select_slider(key="sc_hi").set_value(1.0)
    at.select_slider(key="sc_steps").set_value(100)
    at.run()
    clean(at)
    q = at.query_params
    assert q["sc_opt"] == "adam" and q["sc_lr"] == "0.01" and q["slide"] == "1"
    assert q["sc_exponential_r"] == "10" and q["sc_performance_patience"] == "3"
    assert q["sc_hi"] == "1" and q["sc_steps"] == "100"
    (rng,) = specs(at)
    assert rng["layout"]["xaxis"]["range"][1] == 0.0  # sweep up to η = 1
    assert "adam.learning_rate" in at.get("link_button")[0].proto.url
    open_tab(at, "schedules_tab", TABS[0])
    clean(at)
    (curves,) = specs(at)
    assert curves["layout"]["height"] == 460  # slide mode


def test_range_settings_survive_a_closed_tab() -> None:
    at = schedules()
    open_tab(at, "schedules_tab", "LR range test")
    at.select_slider(key="sc_lo").set_value(1e-4).run()
    at.select_slider(key="sc_hi").set_value(1.0).run()
    clean(at)
    open_tab(at, "schedules_tab", "Training side by side")
    clean(at)
    # closed, the range test's settings stay in the URL; a sidebar change keeps them too
    at.sidebar.select_slider(key="sc_epochs").set_value(50).run()
    clean(at)
    assert at.session_state["schedules_tab"] == "Training side by side"
    q = at.query_params
    assert q["sc_lo"] == "0.0001" and q["sc_hi"] == "1" and q["sc_epochs"] == "50"
    open_tab(at, "schedules_tab", "LR range test")
    clean(at)
    assert at.select_slider(key="sc_lo").value == 1e-4
    assert at.select_slider(key="sc_hi").value == 1.0
    (rng,) = specs(at)
    assert rng["layout"]["xaxis"]["range"][1] == 0.0  # still a sweep up to η = 1


def test_link_restores_and_bad_values_fall_back() -> None:
    at = schedules({"sc_opt": "sgd", "sc_lr": "0.3", "sc_power_c": "2"})
    clean(at)
    assert not at.warning
    assert at.sidebar.selectbox(key="sc_opt").value == "sgd"
    assert at.sidebar.select_slider(key="sc_lr").value == 0.3
    assert at.sidebar.number_input(key="sc_power_c").value == 2.0
    at = schedules({"sc_opt": "adamw", "sc_lr": "fast", "sc_epochs": "-4", "sc_power_c": "nan"})
    clean(at)
    warning = " ".join(w.value for w in at.warning)
    for key in ("sc_opt", "sc_lr", "sc_epochs", "sc_power_c"):
        assert key in warning
    assert at.sidebar.selectbox(key="sc_opt").value == "momentum"


def test_invalid_schedule_parameters_get_a_message_not_a_traceback() -> None:
    at = schedules({"sc_piecewise_b1": "70", "sc_piecewise_b2": "60"})
    assert not at.exception
    assert "boundaries must increase" in " ".join(e.value for e in at.error)
