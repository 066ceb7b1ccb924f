"""The perceptron and backpropagation pages under AppTest: defaults, every kind of
control, the stage buttons, links that restore a scene, and bad link values."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from apptest_util import APP, open_tab
from streamlit.testing.v1 import AppTest

from optiviz.engine.teaching.backprop import STAGES
from optiviz.figures.backprop import STAGE_TITLES

MCP, RULE, XOR = (
    "McCulloch–Pitts unit (1943)",
    "Rosenblatt's perceptron (1957)",
    "XOR and the hidden layer",
)


def open_page(path: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page(path)
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def chart(at: AppTest, key: str) -> dict:
    for c in at.get("plotly_chart"):
        if c.key == key:
            return json.loads(c.proto.spec)
    raise AssertionError(f"no chart {key}")


def values(v: list | dict) -> np.ndarray:
    """A plotly array from a chart spec (plain list or base64 typed array)."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), np.dtype(v["dtype"]))
    return np.asarray(v)


def texts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


# --------------------------------------------------------------------------- perceptron


def chart_keys(at: AppTest) -> list[str]:
    return [c.key for c in at.get("plotly_chart")]


def test_perceptron_defaults() -> None:
    at = open_page("pages/perceptron.py")
    clean(at)
    assert not at.warning
    assert at.title[0].value == "The perceptron"
    assert chart_keys(at) == ["mcp_chart"], "only the open tab is built"
    assert len(at.dataframe) == 1
    table = at.dataframe[0].value
    assert list(table["output"]) == [0, 0, 0, 1]  # AND
    # the learning rule's settings do nothing for a McCulloch–Pitts unit, and say so
    sb = at.sidebar
    rule = (
        sb.number_input(key="eta"),
        sb.slider(key="epochs"),
        sb.toggle(key="shuffle"),
        sb.number_input(key="seed"),
        sb.radio(key="start"),
    )
    assert all(w.disabled for w in rule)
    assert any("does not learn" in c.value for c in sb.caption)
    open_tab(at, "perceptron_tab", RULE)
    clean(at)
    assert chart_keys(at) == ["iris_chart", "iris_errors"]
    assert not at.sidebar.number_input(key="eta").disabled
    assert not at.sidebar.slider(key="epochs").disabled
    assert not any("does not learn" in c.value for c in at.sidebar.caption)
    page = texts(at)
    assert "Petal (2, 0.5) → **setosa (1)**" in page
    assert page.count("setosa (1)") >= 2  # ours and scikit-learn's
    assert any("same about the flower" in s.value for s in at.success)
    iris = chart(at, "iris_chart")
    assert len(iris["frames"]) >= 2 and iris["layout"]["sliders"]
    assert "0 misclassified" in iris["layout"]["title"]["text"]
    open_tab(at, "perceptron_tab", XOR)
    clean(at)
    assert chart_keys(at) == ["xor_chart", "xor_errors", "mlp_chart"]
    assert "Accuracy on the four points: **100%**" in texts(at)


def test_perceptron_controls() -> None:
    at = open_page("pages/perceptron.py")
    # McCulloch–Pitts: selectbox resets θ, toggles switch inputs, slider moves θ
    at.selectbox(key="gate").set_value("two_of_three").run()
    clean(at)
    assert at.slider(key="theta").value == 2
    assert len([t for t in at.toggle if t.key in ("in1", "in2", "in3")]) == 3
    at.toggle(key="in1").set_value(True).run()
    at.toggle(key="in3").set_value(True).run()
    clean(at)
    df = at.dataframe[0].value
    now = df[df[" "] == "← now"]
    assert list(now["output"]) == [1] and list(now["x₁"]) == [1] and list(now["x₃"]) == [1]
    at.slider(key="theta").set_value(3).run()
    clean(at)
    assert list(at.dataframe[0].value["output"]) == [0] * 7 + [1]
    assert at.query_params["gate"] == ["two_of_three"] or at.query_params["gate"] == "two_of_three"
    # the rule's settings in the sidebar: number input, slider, toggle, radio
    open_tab(at, "perceptron_tab", RULE)
    at.sidebar.number_input(key="eta").set_value(0.0).run()
    clean(at)
    assert any("η = 0" in w.value for w in at.warning)
    at.sidebar.number_input(key="eta").set_value(0.5).run()
    at.sidebar.slider(key="epochs").set_value(7).run()
    at.sidebar.toggle(key="shuffle").set_value(False).run()
    at.sidebar.radio(key="start").set_value("random").run()
    at.sidebar.number_input(key="seed").set_value(3).run()
    clean(at)
    open_tab(at, "perceptron_tab", XOR)
    clean(at)
    bars = values(chart(at, "xor_errors")["data"][0]["y"])
    assert len(bars) == 7 and bars.min() > 0  # seven epochs, never without a mistake
    # the MLP's controls: selectbox, number input, select slider
    at.selectbox(key="mlp_act").set_value("sigmoid").run()
    at.number_input(key="mlp_seed").set_value(5).run()
    at.select_slider(key="mlp_lr").set_value(3.0).run()
    clean(at)
    assert "Accuracy on the four points" in texts(at)
    at.sidebar.toggle(key="slide").set_value(True).run()
    open_tab(at, "perceptron_tab", RULE)
    clean(at)
    assert chart(at, "iris_chart")["layout"]["font"]["size"] == 20


def test_perceptron_settings_inside_a_closed_tab_survive() -> None:
    at = open_page("pages/perceptron.py")
    at.selectbox(key="gate").set_value("or").run()
    at.slider(key="theta").set_value(2).run()
    at.toggle(key="in2").set_value(True).run()
    open_tab(at, "perceptron_tab", XOR)
    at.selectbox(key="mlp_act").set_value("sigmoid").run()
    at.select_slider(key="mlp_lr").set_value(0.3).run()
    clean(at)
    # the unit's settings stay in the URL while its tab is closed, and come back with it
    q = at.query_params
    assert q["gate"] in ("or", ["or"]) and q["theta"] in ("2", ["2"]) and q["in2"] in ("1", ["1"])
    open_tab(at, "perceptron_tab", MCP)
    clean(at)
    assert at.selectbox(key="gate").value == "or"
    assert at.slider(key="theta").value == 2
    assert at.toggle(key="in2").value is True
    assert at.query_params["mlp_act"] in ("sigmoid", ["sigmoid"])
    open_tab(at, "perceptron_tab", RULE)
    open_tab(at, "perceptron_tab", XOR)
    clean(at)
    assert at.selectbox(key="mlp_act").value == "sigmoid"
    assert at.select_slider(key="mlp_lr").value == 0.3


def test_perceptron_link_restores_and_bad_values_fall_back() -> None:
    query = {
        "gate": "or",
        "in2": "1",
        "eta": "0.25",
        "epochs": "12",
        "shuffle": "0",
        "start": "random",
        "mlp_act": "sigmoid",
        "mlp_lr": "0.3",
    }
    at = open_page("pages/perceptron.py", query)
    clean(at)
    assert not at.warning
    assert at.selectbox(key="gate").value == "or"
    assert at.slider(key="theta").value == 1  # OR's own threshold
    assert at.toggle(key="in2").value is True
    assert at.sidebar.number_input(key="eta").value == 0.25
    assert at.sidebar.slider(key="epochs").value == 12
    assert at.sidebar.toggle(key="shuffle").value is False
    assert at.sidebar.radio(key="start").value == "random"
    # the XOR tab's settings wait, closed, in the session and the URL
    assert at.query_params["mlp_lr"] in ("0.3", ["0.3"])
    open_tab(at, "perceptron_tab", XOR)
    clean(at)
    assert at.selectbox(key="mlp_act").value == "sigmoid"
    assert at.select_slider(key="mlp_lr").value == 0.3
    bad = {"gate": "xnor", "eta": "-3", "epochs": "lots", "theta": "9", "mlp_lr": "nan", "zz": "1"}
    at = open_page("pages/perceptron.py", bad)
    clean(at)
    warning = " ".join(w.value for w in at.warning)
    for key in ("gate", "eta", "epochs", "theta", "mlp_lr", "zz"):
        assert key in warning, key
    assert at.selectbox(key="gate").value == "and"
    assert at.sidebar.number_input(key="eta").value == 1.0


# --------------------------------------------------------------------------- backprop


def test_backprop_defaults_and_stepping() -> None:
    at = open_page("pages/backprop.py")
    clean(at)
    assert not at.warning and not at.error
    assert at.select_slider(key="stage").value == STAGES[0]
    assert at.button(key="bp_back").disabled and not at.button(key="bp_next").disabled
    spec = chart(at, "bp_chart")
    assert spec["layout"]["title"]["text"] == STAGE_TITLES[0]
    for i in range(1, len(STAGES)):
        at.button(key="bp_next").click().run()
        clean(at)
        assert at.select_slider(key="stage").value == STAGES[i]
        assert chart(at, "bp_chart")["layout"]["title"]["text"] == STAGE_TITLES[i]
    assert at.button(key="bp_next").disabled  # nothing after the last stage
    assert not at.button(key="bp_back").disabled
    assert at.select_slider(key="stage").value == STAGES[-1]
    assert at.query_params["stage"] in (["update"], "update")
    notes = " ".join(a["text"] for a in chart(at, "bp_chart")["layout"]["annotations"])
    assert "→ 0.152" in notes  # w₁₁ after one step (0.15 − 0.5 · (−0.003949))
    assert not any("jax.grad" in c.value for c in at.caption)  # the check shows at "gradients"
    at.button(key="bp_back").click().run()
    clean(at)
    assert at.select_slider(key="stage").value == "gradients"
    assert any("jax.grad" in c.value for c in at.caption)
    # apply the step: the weights become the new ones, the story restarts at the hidden layer
    at.button(key="bp_next").click().run()
    at.button(key="bp_apply").click().run()
    clean(at)
    assert at.sidebar.number_input(key="w11").value == pytest.approx(0.15197, abs=1e-5)
    assert at.select_slider(key="stage").value == "hidden"
    assert any("Step applied" in s.value for s in at.success)


def test_backprop_controls() -> None:
    at = open_page("pages/backprop.py", {"stage": "update"})
    clean(at)
    at.sidebar.number_input(key="x1").set_value(-2.0).run()
    at.sidebar.number_input(key="v2").set_value(1.5).run()
    at.sidebar.selectbox(key="act").set_value("tanh").run()
    at.sidebar.number_input(key="eta").set_value(0.0).run()
    clean(at)
    assert any("η = 0" in i.value for i in at.info)
    table = at.dataframe[0].value
    assert list(table["before"]) == list(table["after"])
    at.sidebar.button(key="bp_random").click().run()
    clean(at)
    assert at.select_slider(key="stage").value == "inputs"
    at.select_slider(key="stage").set_value("loss").run()
    at.sidebar.toggle(key="slide").set_value(True).run()
    clean(at)
    assert chart(at, "bp_chart")["layout"]["font"]["size"] == 20
    at.sidebar.button(key="bp_reset").click().run()
    clean(at)
    assert at.sidebar.number_input(key="x1").value == 1.0


def test_backprop_extremes_stay_finite() -> None:
    query = {k: "100" for k in ("x1", "x2", "w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2")}
    query |= {"bo": "-100", "y": "-100", "eta": "100", "act": "linear", "stage": "update"}
    at = open_page("pages/backprop.py", query)
    clean(at)
    assert not at.warning and not at.error
    notes = " ".join(a["text"] for a in chart(at, "bp_chart")["layout"]["annotations"])
    assert "nan" not in notes.lower() and "inf" not in notes.lower()
    assert "e+" in notes  # huge numbers in scientific notation
    at.button(key="bp_apply").click().run()  # new weights far beyond ±100 are clipped
    clean(at)
    assert abs(at.sidebar.number_input(key="v1").value) <= 100


def test_backprop_link_restores_and_bad_values_fall_back() -> None:
    at = open_page("pages/backprop.py", {"x1": "0.3", "act": "relu", "stage": "hidden errors"})
    clean(at)
    assert not at.warning
    assert at.sidebar.number_input(key="x1").value == 0.3
    assert at.sidebar.selectbox(key="act").value == "relu"
    assert at.select_slider(key="stage").value == "hidden errors"
    bad = {"x1": "1e9", "w11": "abc", "eta": "-1", "act": "gelu", "stage": "9", "y": "inf"}
    at = open_page("pages/backprop.py", bad)
    clean(at)
    warning = " ".join(w.value for w in at.warning)
    for key in bad:
        assert f"`{key}=" in warning, key
    assert at.sidebar.number_input(key="x1").value == 1.0
    assert at.select_slider(key="stage").value == "inputs"
