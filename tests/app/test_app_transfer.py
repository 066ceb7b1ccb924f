"""The transfer-learning page under AppTest, and its engine helpers."""

from __future__ import annotations

import numpy as np
import pytest
from apptest_util import APP, every_tab, open_tab
from streamlit.testing.v1 import AppTest

from optiviz.engine import make_dataset
from optiviz.engine.networks.mlp import build
from optiviz.engine.networks.transfer import WAYS, evaluate, fresh_params, reuse_hidden, subsample

TABS = [
    "Learning curves",
    "Accuracy table",
    "As B gets more examples",
    "Why reuse helps",
    "Networks",
    "Keras code",
]
LABELS = list(WAYS)


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


def test_defaults_compare_four_ways_to_build_b_and_reuse_helps() -> None:
    at = transfer()
    clean(at)
    metrics = {m.label: float(m.value.rstrip("%")) for m in at.metric}
    assert metrics["A on radius 0.5"] > 95
    assert list(metrics)[1:] == LABELS
    # the default shows reuse helping: A's frozen layers beat scratch by 10+ points
    assert metrics["A's layers, frozen"] >= metrics["From scratch"] + 10, metrics
    caption = " ".join(c.value for c in at.caption)
    assert "after the last epoch (A: 100, B: 100)" in caption and "Chance is 50%" in caption
    assert len(at.get("plotly_chart")) == 1, "only the open tab is built"
    assert not at.dataframe and not at.code
    shown = every_tab(at, "transfer_tab", TABS)
    assert [len(shown[t]) for t in TABS] == [1, 0, 0, 0, 0, 0]
    assert "layer.trainable = False" in at.code[-1].value
    assert 'Dense(1, activation="sigmoid")' in at.code[-1].value
    assert len(at.metric) == 5, "the headline stays above every tab"
    open_tab(at, "transfer_tab", "Accuracy table")
    clean(at)
    table = at.dataframe[0].value
    assert table["network B"].tolist() == LABELS
    assert "epoch 100 (last)" in table and "best at epoch" in table
    last = dict(zip(table["network B"], table["epoch 100 (last)"], strict=True))
    for label in LABELS:  # the table's last epoch is the headline's number
        assert abs(100 * last[label] - metrics[label]) < 0.06, (label, last, metrics)
    open_tab(at, "transfer_tab", "Why reuse helps")
    clean(at)
    text = " ".join(m.value for m in at.markdown)
    assert "This run" in text and "after the last epoch, 100" in text
    assert "A's layers, frozen: " in text and "better than scratch" in text
    open_tab(at, "transfer_tab", "Networks")
    clean(at)
    assert len(at.dataframe) == 1 and not at.get("plotly_chart")


def test_the_gap_closes_as_b_gets_more_examples() -> None:
    at = transfer()
    open_tab(at, "transfer_tab", "As B gets more examples")
    clean(at)
    rows = at.dataframe[0].value.to_dict("records")
    assert [r["examples of B"] for r in rows] == [4, 8, 16, 32, 64]
    gap = [r["reuse − scratch (points)"] for r in rows]
    assert gap[0] >= 15 and gap[-1] <= 5, gap  # reuse helps most with fewest examples
    assert "+" in " ".join(c.value for c in at.caption)


def test_digits_are_the_counter_example() -> None:
    at = transfer({"tl_task": "digits"})
    clean(at)
    metrics = {m.label: float(m.value.rstrip("%")) for m in at.metric}
    assert metrics["A on digits 0–4"] > 95
    assert metrics["A's layers, frozen"] < metrics["From scratch"], metrics
    assert at.sidebar.select_slider(key="tl_n").value == 50  # 8 is not a digits size
    open_tab(at, "transfer_tab", "Why reuse does not help")
    clean(at)
    text = " ".join(m.value for m in at.markdown)
    assert "counter-example" in text and "worse than scratch" in text


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
    # slide mode draws tables as HTML, whose text grows with the page's (a dataframe's
    # canvas does not)
    assert not at.dataframe
    assert at.table[0].value["network B"].tolist() == LABELS


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
    at = transfer({"tl_n": "0", "tl_lr": "huge", "tl_unfreeze": "150", "tl_epochs": "3"})
    clean(at)
    warning = " ".join(w.value for w in at.warning)
    for key in ("tl_n", "tl_lr", "tl_epochs"):
        assert key in warning
    # an unfreeze epoch past the end of training is pulled back inside it
    assert at.sidebar.slider(key="tl_unfreeze").value == 99
