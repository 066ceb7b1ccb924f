"""The transfer-learning page under AppTest, and its engine helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from apptest_util import every_tab, open_tab
from streamlit.testing.v1 import AppTest

from optiviz.engine import make_dataset
from optiviz.engine.mlp import build
from optiviz.engine.transfer import evaluate, fresh_params, reuse_hidden, subsample

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TABS = ["Learning curves", "Accuracy table", "Why reuse helps", "Networks", "Keras code"]
LABELS = [
    "From scratch",
    "Random hidden layers, frozen",
    "A's layers, frozen",
    "A's layers, unfrozen at epoch 10",
]


def transfer(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=900)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page("pages/transfer.py")
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_subsample_keeps_every_class_and_the_validation_part() -> None:
    ds = make_dataset("digits", classes=(5, 6, 7, 8, 9), val_split=0.5, seed=0)
    small = subsample(ds, 23, seed=1)
    assert small.n_train == 23 and small.n_val == ds.n_val
    assert np.bincount(small.y_train).tolist() == [5, 5, 5, 4, 4]
    assert subsample(ds, 10_000) is ds
    with pytest.raises(ValueError, match="at least one training example per class"):
        subsample(ds, 3)


def test_reuse_hidden_takes_a_hidden_layers_and_b_output_layer() -> None:
    arch = build(64, 5, (8, 4), "relu")
    a, b = fresh_params(arch, seed=0), fresh_params(arch, seed=1)
    mixed = reuse_hidden(a, b)
    np.testing.assert_array_equal(mixed[0]["w"], a[0]["w"])
    np.testing.assert_array_equal(mixed[1]["w"], a[1]["w"])
    np.testing.assert_array_equal(mixed[2]["w"], b[2]["w"])
    with pytest.raises(ValueError, match="different shapes"):
        reuse_hidden(a, fresh_params(build(64, 5, (8, 5), "relu"), seed=0))
    ds = make_dataset("digits", classes=(0, 1, 2, 3, 4), val_split=0.2, seed=0)
    loss, acc = evaluate(arch, mixed, ds.X_val, ds.y_val)
    assert np.isfinite(loss) and 0.0 <= acc <= 1.0


def test_defaults_compare_four_ways_to_build_b() -> None:
    at = transfer()
    clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["A on digits 0–4 (validation)"].rstrip("%")) > 95
    assert [f"B: {x}" for x in LABELS] == list(metrics)[1:]
    assert len(at.get("plotly_chart")) == 1, "only the open tab is built"
    assert not at.dataframe and not at.code
    shown = every_tab(at, "transfer_tab", TABS)
    assert [len(shown[t]) for t in TABS] == [1, 0, 0, 0, 0]
    assert "layer.trainable = False" in at.code[-1].value
    assert len(at.metric) == 5, "the headline stays above every tab"
    open_tab(at, "transfer_tab", "Accuracy table")
    clean(at)
    table = at.dataframe[0].value
    assert table["network B"].tolist() == LABELS
    best = dict(zip(table["network B"], table["best val. accuracy"], strict=True))
    assert min(best.values()) > 0.5  # far above chance (20 %) for every variant
    # frozen layers cannot fit 50 examples as tightly as trainable ones
    final = {r["run"]: r for r in at.dataframe[1].value.to_dict("records")}
    assert final["A's layers, frozen"]["loss"] > 10 * final["From scratch"]["loss"]
    open_tab(at, "transfer_tab", "Why reuse helps")
    clean(at)
    text = " ".join(m.value for m in at.markdown)
    assert "This run:" in text and "Why reuse can help" in text
    open_tab(at, "transfer_tab", "Networks")
    clean(at)
    assert len(at.dataframe) == 1 and not at.get("plotly_chart")


def test_controls_and_url() -> None:
    at = transfer()
    open_tab(at, "transfer_tab", "Accuracy table")
    at.sidebar.slider(key="tl_unfreeze").set_value(5)
    at.sidebar.select_slider(key="tl_lr").set_value(0.003)
    at.sidebar.number_input(key="tl_seed").set_value(2)
    at.sidebar.toggle(key="slide").set_value(True)
    at.run()
    clean(at)
    q = at.query_params
    assert q["tl_unfreeze"] == "5" and q["tl_lr"] == "0.003" and q["tl_seed"] == "2"
    assert at.session_state["transfer_tab"] == "Accuracy table"  # still open after the change
    assert "A's layers, unfrozen at epoch 5" in at.dataframe[0].value["network B"].tolist()


def test_a_setting_survives_switching_tabs() -> None:
    at = transfer()
    open_tab(at, "transfer_tab", "Keras code")
    at.sidebar.slider(key="tl_unfreeze").set_value(5).run()
    clean(at)
    assert "epochs=5," in at.code[0].value
    open_tab(at, "transfer_tab", "Learning curves")
    clean(at)
    assert at.query_params["tl_unfreeze"] == "5"
    assert "change from epoch 5 on" in " ".join(c.value for c in at.caption)
    open_tab(at, "transfer_tab", "Keras code")
    clean(at)
    assert at.sidebar.slider(key="tl_unfreeze").value == 5
    assert "epochs=5," in at.code[0].value


def test_link_restores_and_bad_values_fall_back() -> None:
    at = transfer({"tl_unfreeze": "20", "tl_lr": "0.003"})
    clean(at)
    assert not at.warning
    assert at.sidebar.slider(key="tl_unfreeze").value == 20
    at = transfer({"tl_n": "0", "tl_lr": "huge", "tl_unfreeze": "70", "tl_epochs": "3"})
    clean(at)
    warning = " ".join(w.value for w in at.warning)
    for key in ("tl_n", "tl_lr", "tl_epochs"):
        assert key in warning
    # an unfreeze epoch past the end of training is pulled back inside it
    assert at.sidebar.slider(key="tl_unfreeze").value == 49
