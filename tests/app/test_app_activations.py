"""The activations page under AppTest: defaults, every control type, links in and out."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from apptest_util import APP
from streamlit.testing.v1 import AppTest


def activations(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=900)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page("pages/activations.py")
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def names(spec: dict) -> list[str]:
    return [t.get("name", "") for t in spec["data"]]


def values(v: list | dict) -> np.ndarray:
    """A trace's x or y, whether plain list or plotly's base64 typed array."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
    return np.asarray(v, float)


def top_rate(spec: dict) -> float:
    """The largest learning rate plotted (diverged runs are separate traces)."""
    return float(max(values(t["x"]).max() for t in spec["data"] if len(values(t["x"]))))


def table(at: AppTest) -> dict:
    return at.dataframe[0].value.to_dict()


def test_defaults_render_every_view() -> None:
    at = activations()
    clean(at)
    assert not at.warning and not at.error
    curves, by_lr, by_epoch = specs(at)
    for d in ("Sigmoid", "Tanh", "ReLU", "Leaky ReLU", "ELU"):
        assert d in names(curves) and f"{d} f′" in names(curves)
    assert "yaxis2" in curves["layout"]  # the derivative has its own panel
    assert any(s.get("name") == "ReLU: f′ = 0" for s in curves["layout"]["shapes"])
    assert {"ReLU", "Leaky ReLU", "ELU"} <= set(names(by_lr))
    assert by_lr["layout"]["xaxis"]["type"] == "log"
    assert "learning_rate" in by_epoch["layout"]["title"]["text"]
    rows = table(at)
    assert list(rows["activation"].values()) == ["ReLU", "Leaky ReLU", "ELU"]
    assert len(at.get("tabs")) == 4  # the four families' formulas and explanations
    latex = " ".join(e.value for e in at.latex)
    assert r"\max(0, z)" in latex and r"\sigma(z)\,\bigl(1 - \sigma(z)\bigr)" in latex
    assert dict(at.query_params) == {}  # defaults are left out of the URL


def test_each_control_type_changes_the_scene() -> None:
    at = activations()
    clean(at)
    before = specs(at)
    first_table = table(at)

    at.multiselect(key="shown").set_value(["relu", "selu"]).run()  # multiselect
    clean(at)
    assert set(names(specs(at)[0])) == {"ReLU", "ReLU f′", "SELU", "SELU f′"}
    assert at.query_params["shown"] == "relu,selu"

    at.radio(key="deriv").set_value("dashed").run()  # radio
    clean(at)
    assert "yaxis2" not in specs(at)[0]["layout"]

    assert any(c.value.startswith("Shaded:") for c in at.caption)
    at.toggle(key="shade").set_value(False).run()  # toggle
    clean(at)
    assert not specs(at)[0]["layout"].get("shapes")
    assert not any(c.value.startswith("Shaded:") for c in at.caption)  # no shading to explain

    at.slider(key="zmax").set_value(2.0).run()  # slider
    clean(at)
    assert values(specs(at)[0]["data"][0]["x"]).max() == 2.0

    at.multiselect(key="shown").set_value(["leaky_relu"]).run()
    at.toggle(key="shade").set_value(True).run()
    at.sidebar.slider(key="negative_slope").set_value(0.0).run()  # sidebar slider
    clean(at)
    shapes = specs(at)[0]["layout"]["shapes"]
    assert any(s.get("name") == "Leaky ReLU: f′ = 0" for s in shapes)  # slope 0 is ReLU
    assert table(at)["dead units at the end"] != first_table["dead units at the end"]

    adam_table = table(at)
    at.selectbox(key="optimizer").set_value("sgd").run()  # selectbox
    clean(at)
    assert table(at) != adam_table

    at.select_slider(key="lr_max").set_value(10.0).run()  # select_slider
    clean(at)
    assert at.query_params["lr_max"] == "10"
    assert top_rate(specs(at)[1]) == 10.0 and top_rate(before[1]) == pytest.approx(0.3)

    at.number_input(key="seed").set_value(7).run()  # number_input
    clean(at)
    assert at.query_params["seed"] == "7"

    at.selectbox(key="lr_pick").set_value(0).run()
    clean(at)
    assert "learning_rate = 0.001" in specs(at)[2]["layout"]["title"]["text"]

    at.sidebar.toggle(key="slide").set_value(True).run()  # slide mode
    clean(at)
    assert all(s["layout"]["height"] == 460 for s in specs(at))  # slide mode


def test_a_link_restores_its_settings() -> None:
    query = {
        "shown": "tanh,gelu",
        "negative_slope": "0.05",
        "alpha": "2.5",
        "deriv": "dashed",
        "shade": "0",
        "optimizer": "sgd",
        "lr_min": "0.01",
        "lr_max": "10",
        "seed": "3",
        "lr_pick": "5",
        "slide": "1",
        "zmax": "8",
    }
    at = activations(query)
    clean(at)
    assert not at.warning
    assert at.multiselect(key="shown").value == ["tanh", "gelu"]
    assert at.sidebar.slider(key="negative_slope").value == 0.05
    assert at.sidebar.slider(key="alpha").value == 2.5
    assert at.radio(key="deriv").value == "dashed"
    assert at.toggle(key="shade").value is False
    assert at.selectbox(key="optimizer").value == "sgd"
    assert at.select_slider(key="lr_min").value == 0.01
    assert at.select_slider(key="lr_max").value == 10.0
    assert at.number_input(key="seed").value == 3
    assert at.selectbox(key="lr_pick").value == 5
    assert at.sidebar.toggle(key="slide").value is True
    assert at.slider(key="zmax").value == 8.0
    # grid 0.01 … 10, 8 rates: index 5 is 10^(−2 + 5·3/7) ≈ 1.39
    assert "learning_rate = 1.39" in specs(at)[2]["layout"]["title"]["text"]
    assert {k: at.query_params[k] for k in query} == query  # and it stays in the URL


def test_malformed_link_values_fall_back_with_a_notice() -> None:
    at = activations(
        {
            "negative_slope": "steep",
            "deriv": "zigzag",
            "shown": "relu,relu6",
            "lr_pick": "99",
            "seed": "nan",
            "bogus": "1",
        }
    )
    clean(at)
    warning = " ".join(w.value for w in at.warning)
    for key in ("negative_slope", "deriv", "shown", "lr_pick", "seed", "bogus"):
        assert key in warning, key
    assert at.sidebar.slider(key="negative_slope").value == 0.2
    assert at.radio(key="deriv").value == "panel"
    assert at.multiselect(key="shown").value == ["sigmoid", "tanh", "relu", "leaky_relu", "elu"]
    assert len(specs(at)) == 3


def test_impossible_settings_give_messages_not_tracebacks() -> None:
    at = activations({"lr_min": "1", "lr_max": "0.01", "shown": ""})
    clean(at)
    assert "0 < low < high" in " ".join(e.value for e in at.error)
    assert any("at least one activation" in i.value for i in at.info)
    at = activations({"alpha": "0", "optimizer": "sgd", "lr_max": "10", "lr_pick": "7"})
    clean(at)  # sgd at 10 may diverge: shown as such, never as a traceback
    assert len(specs(at)) == 3
