"""The gradients lab page under AppTest: defaults, every control type, links, bad links.

The page's tabs are lazy (only the open one is built): a test opens a tab before reading it."""

from __future__ import annotations

import json

from apptest_util import APP, every_tab, open_tab
from streamlit.testing.v1 import AppTest

SMALL = {"depth": "10", "width": "32"}
TAB = "gradients_tab"
TABS = [
    "At initialization",
    "Self-normalisation",
    "Training",
    "Activation × initializer",
    "Formulas",
]


def gradients(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page("pages/gradients.py")
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def query(at: AppTest) -> dict[str, str]:
    return {k: at.query_params[k] for k in at.query_params}


def test_defaults_render_every_view() -> None:
    at = gradients()
    clean(at)
    assert at.title[0].value.startswith("Gradients lab")
    charts = specs(at)
    assert len(charts) == 2, "only the open tab (histograms, norms) is built"
    assert not any("fan_avg" in m.value for m in at.markdown)  # the formulas tab is closed
    norms = charts[1]
    assert norms["layout"]["yaxis"]["type"] == "log"
    assert "exploding" in norms["layout"]["title"]["text"]  # the naive default explodes
    assert at.metric[0].delta == "exploding"
    assert not [k for k in query(at) if k != "page"]  # defaults keep the link short
    shown = every_tab(at, TAB, TABS)
    assert [len(shown[t]) for t in TABS] == [2, 1, 1, 1, 0]
    assert shown[TABS[0]][1] == norms
    assert any("fan" in m.value for m in at.markdown)  # the formulas table (last tab open)
    assert len(at.get("latex")) >= 3
    assert not [k for k in query(at) if k != "page"]  # the open tab is not a URL setting


def test_each_control_type_reruns_cleanly() -> None:
    at = gradients(SMALL)
    clean(at)
    at.sidebar.selectbox(key="activation").set_value("tanh").run()
    at.sidebar.selectbox(key="initializer").set_value("glorot_uniform").run()
    clean(at)
    assert at.metric[0].delta == "healthy"
    assert at.sidebar.select_slider(key="stddev").disabled
    at.sidebar.selectbox(key="initializer").set_value("random_normal").run()
    at.sidebar.select_slider(key="stddev").set_value(0.05).run()
    open_tab(at, TAB, "Training")
    at.sidebar.toggle(key="clip").set_value(True).run()
    at.sidebar.select_slider(key="clipnorm").set_value(0.5).run()
    at.sidebar.select_slider(key="lr").set_value(0.1).run()
    at.sidebar.number_input(key="seed").set_value(4).run()
    at.sidebar.toggle(key="slide").set_value(True).run()
    clean(at)
    q = query(at)
    assert q["activation"] == "tanh" and q["stddev"] == "0.05" and q["clip"] == "1"
    assert q["clipnorm"] == "0.5" and q["lr"] == "0.1" and q["seed"] == "4" and q["slide"] == "1"
    (train,) = specs(at)  # the Training tab stayed open through five sidebar reruns
    assert any(t.get("name") == "cap: learning_rate × clipnorm" for t in train["data"])
    for label, figs in every_tab(at, TAB, TABS).items():
        assert all(s["layout"]["height"] == 460 for s in figs), label
    at.button(key="preset_selu").click().run()
    clean(at)
    assert at.sidebar.selectbox(key="activation").value == "selu"
    assert at.sidebar.selectbox(key="initializer").value == "lecun_normal"
    assert query(at)["initializer"] == "lecun_normal"
    open_tab(at, TAB, "Activation × initializer")
    at.sidebar.radio(key="epochs").set_value("10").run()
    at.sidebar.toggle(key="bn").set_value(True).run()
    at.sidebar.slider(key="depth").set_value(12).run()
    clean(at)
    assert query(at)["depth"] == "12" and query(at)["bn"] == "1"
    assert "batch norm" in specs(at)[0]["layout"]["title"]["text"]


def test_settings_and_open_tab_survive_switching_tabs() -> None:
    """The tabs hold no widgets (keep=() on the page): what a tab shows follows the sidebar,
    which stays as set while tabs close and open, and the open tab survives every rerun."""
    at = gradients(SMALL)
    clean(at)
    open_tab(at, TAB, "Training")
    at.sidebar.toggle(key="clip").set_value(True).run()  # changed while Training is open
    at.sidebar.select_slider(key="clipnorm").set_value(0.5).run()
    clean(at)
    assert at.session_state[TAB] == "Training"
    before = specs(at)
    assert len(before) == 1
    open_tab(at, TAB, "Formulas")
    clean(at)
    assert not specs(at)  # Training is closed: its figure is not built
    assert at.sidebar.toggle(key="clip").value is True
    open_tab(at, TAB, "Training")
    clean(at)
    assert at.sidebar.select_slider(key="clipnorm").value == 0.5
    assert query(at)["clip"] == "1" and query(at)["clipnorm"] == "0.5"
    assert specs(at) == before


def test_link_restores_the_scene() -> None:
    at = gradients(
        {
            **SMALL,
            "activation": "sigmoid",
            "initializer": "glorot_uniform",
            "clip": "1",
            "clipnorm": "0.1",
            "epochs": "10",
        }
    )
    clean(at)
    assert not at.warning
    assert at.sidebar.selectbox(key="activation").value == "sigmoid"
    assert at.sidebar.slider(key="depth").value == 10
    assert at.sidebar.slider(key="width").value == 32
    assert at.sidebar.toggle(key="clip").value is True
    assert at.sidebar.select_slider(key="clipnorm").value == 0.1
    assert at.sidebar.radio(key="epochs").value == "10"
    assert at.metric[0].delta == "vanishing"


def test_bad_link_values_fall_back_with_a_notice() -> None:
    at = gradients(
        {
            "depth": "500",
            "width": "abc",
            "activation": "cube",
            "stddev": "nan",
            "epochs": "7",
            "bogus": "1",
        }
    )
    clean(at)
    warning = " ".join(w.value for w in at.warning)
    for key in ("depth", "width", "activation", "stddev", "epochs", "bogus"):
        assert key in warning, key
    assert at.sidebar.slider(key="depth").value == 15
    assert at.sidebar.selectbox(key="activation").value == "relu"


def test_overflow_is_shown_as_exploded_not_nan() -> None:
    at = gradients({"depth": "50", "width": "32", "stddev": "2"})
    clean(at)
    assert at.metric[0].delta == "exploded (overflow)"
    assert "exploded (overflow)" in at.get("plotly_chart")[1].proto.spec
    for label, figs in every_tab(at, TAB, TABS).items():
        text = json.dumps(figs)
        assert "NaN" not in text and "Infinity" not in text, label


def test_every_preset_s_verdict_and_training_caption_state_its_own_numbers() -> None:
    # "Naive + batch norm" once said the first layers get huge updates (×14 at
    # initialization, not the ×10¹² of the naive network), beside a caption saying batch
    # norm keeps the gradients within a small factor. Both now state the result's numbers.
    from optiviz.engine.networks import gradients as eng
    from optiviz.ui import gradients as gl

    for name, (_, act, init, stddev, bn) in gl.PRESETS.items():
        q = {"activation": act, "initializer": init, "stddev": str(stddev), "bn": str(int(bn))}
        at = gradients(q)
        clean(at)
        ss = at.session_state
        lab = eng.lab(
            depth=int(ss["depth"]), width=int(ss["width"]), batch=gl.BATCH, activation=act,
            initializer=init, stddev=stddev, batch_norm=bn, learning_rate=float(ss["lr"]),
            epochs=int(ss["epochs"]), seed=int(ss["seed"]),
        )  # fmt: skip
        text = " ".join(m.value for m in at.markdown)
        assert "huge" not in text, name
        assert at.metric[0].delta == lab.label, name
        if lab.label == "exploding":
            assert f"is {lab.ratio:.3g} times" in text, (name, text[:300])
        open_tab(at, TAB, "Training")
        clean(at)
        (caption,) = [c.value for c in at.caption if "Gradient clipping" in c.value]
        spread = gl.training_spread(lab)
        assert spread > 0 and f"{spread:.3g} times the smallest" in caption, (name, caption)
