"""The regularization page under AppTest, and the numbers behind its lesson."""

from __future__ import annotations

import numpy as np
from apptest_util import APP, every_tab, open_tab, specs
from streamlit.testing.v1 import AppTest

from optiviz.ui import regularization as ui

TABS = ["Train vs validation", "Decision boundaries", "Generalisation gap", "Dropout caution",
        "Keras code"]  # fmt: skip
DEFAULTS = ui.Settings(
    n=200, noise=0.3, seed=12, net="64-64", epochs=300, lr=0.01, l1=1e-3, l2=1e-2,
    dropout=0.5, patience=20,
)  # fmt: skip


def regularization(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=900)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.switch_page("pages/regularization.py")
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def rows(at: AppTest) -> dict[str, dict]:
    table = at.dataframe[0].value
    return {r["run"]: r for r in table.to_dict("records")}


def test_defaults_overfit_and_every_remedy_narrows_the_gap() -> None:
    at = regularization()
    clean(at)
    assert len(at.get("plotly_chart")) == 1, "only the open tab is built"
    assert not at.dataframe and not at.metric and not at.code
    shown = every_tab(at, "regularization_tab", TABS)
    assert [len(shown[t]) for t in TABS] == [1, 1, 1, 1, 0]
    assert shown[TABS[2]][0]["layout"]["title"]["text"] == "Accuracy of the final networks"
    # the Keras code needs no training: no notes about the runs above it
    assert not any("early stopping ended training" in c.value for c in at.caption)
    open_tab(at, "regularization_tab", "Generalisation gap")
    clean(at)
    r = rows(at)
    assert list(r) == ["Plain", "L1", "L2", "Dropout", "Early stopping", "Batch norm"]
    plain = r["Plain"]
    # the plain network memorises its 100 noisy points and does worse on the other 100
    assert plain["train accuracy"] >= 0.97 and plain["gap (train − val acc.)"] >= 0.08
    assert plain["gap (val − train loss)"] > 0.5
    for name in ("L1", "L2", "Dropout", "Early stopping", "Batch norm"):
        assert r[name]["gap (val − train loss)"] < 0.6 * plain["gap (val − train loss)"], name
        assert r[name]["gap (train − val acc.)"] < plain["gap (train − val acc.)"], name
        assert r[name]["val loss"] < plain["val loss"], name
    assert "stopped at" in r["Early stopping"]["ended"]
    assert any("early stopping ended training" in c.value for c in at.caption)
    said = " ".join(c.value for c in at.caption)
    assert "gap is 10 points; every remedy narrows it (L2 most, to 0)" in said, said
    # the dropout caution: the loss reported during training (dropout on) is higher
    open_tab(at, "regularization_tab", "Dropout caution")
    clean(at)
    reported, again = (float(m.value) for m in at.metric[:2])
    assert reported > 1.1 * again
    said = " ".join(m.value for m in at.markdown)
    assert "lower with dropout off" in said and f"{again:.4f} against" in said, said
    # the history's caption says this run overfits, from its own numbers
    open_tab(at, "regularization_tab", "Train vs validation")
    clean(at)
    assert any("Here the plain run overfits" in c.value for c in at.caption)


def test_plain_validation_loss_rises_while_training_loss_falls() -> None:
    main, _ = ui._train(DEFAULTS)
    loss, val = main.history["loss"][0], main.history["val_loss"][0]
    best = int(np.argmin(val))
    assert best < 100  # the best validation loss comes early ...
    assert val[-1] > 2 * val[best]  # ... and is more than doubled at the end
    assert loss[-1] < 0.1 * loss[best]  # while the training loss keeps falling


def test_every_control_type_retrains_and_lands_in_the_url() -> None:
    at = regularization()
    open_tab(at, "regularization_tab", "Dropout caution")
    at.sidebar.select_slider(key="rg_l2").set_value(1e-3)
    at.sidebar.slider(key="rg_dropout").set_value(0.3)
    at.sidebar.number_input(key="rg_patience").set_value(10)
    at.sidebar.slider(key="rg_noise").set_value(0.25)
    at.sidebar.toggle(key="slide").set_value(True)
    at.run()
    clean(at)
    q = at.query_params
    assert q["rg_l2"] == "0.001" and q["rg_dropout"] == "0.3" and q["rg_patience"] == "10"
    assert q["rg_noise"] == "0.25" and q["slide"] == "1"
    (dropout,) = specs(at)
    assert "p = 0.3" in dropout["layout"]["title"]["text"]
    open_tab(at, "regularization_tab", "Keras code")
    clean(at)
    assert "patience=10" in at.code[0].value


def test_the_open_tab_and_the_settings_survive_switching() -> None:
    at = regularization()
    open_tab(at, "regularization_tab", "Keras code")
    at.sidebar.slider(key="rg_dropout").set_value(0.3).run()
    clean(at)
    # a setting changed on one tab: the tab stays open, the URL keeps it, and every tab uses it
    assert at.session_state["regularization_tab"] == "Keras code"
    assert "Dropout(rate=0.3)" in at.code[0].value
    open_tab(at, "regularization_tab", "Dropout caution")
    clean(at)
    assert at.query_params["rg_dropout"] == "0.3"
    assert "p = 0.3" in specs(at)[0]["layout"]["title"]["text"]
    open_tab(at, "regularization_tab", "Keras code")
    clean(at)
    assert at.sidebar.slider(key="rg_dropout").value == 0.3
    assert "Dropout(rate=0.3)" in at.code[0].value


def test_link_restores_and_bad_values_fall_back() -> None:
    at = regularization({"rg_l1": "0.0001", "rg_patience": "40", "rg_seed": "0"})
    clean(at)
    assert not at.warning
    assert at.sidebar.select_slider(key="rg_l1").value == 1e-4
    assert at.sidebar.number_input(key="rg_patience").value == 40
    at = regularization({"rg_net": "1000-1000", "rg_dropout": "2", "rg_n": "many", "x": "1"})
    clean(at)
    warning = " ".join(w.value for w in at.warning)
    for key in ("rg_net", "rg_dropout", "rg_n", "x"):
        assert key in warning
    assert at.sidebar.selectbox(key="rg_net").value == "64-64"


def test_moving_one_regularizer_trains_only_its_run(monkeypatch) -> None:
    """Each run is kept by what it depends on: a new L1 strength trains the L1 run
    alone (it once retrained all six), and what it gives equals training all together."""
    import dataclasses

    calls: list[list[str]] = []
    real = ui.train

    def counting(ds, *, runs, **kw):
        calls.append([r.label for r in runs])
        return real(ds, runs=runs, **kw)

    s = dataclasses.replace(DEFAULTS, seed=DEFAULTS.seed + 101, epochs=200)
    monkeypatch.setattr(ui, "train", counting)
    main, bn = ui._train(s)
    assert calls == [["Plain", "L1", "L2", "Dropout", "Early stopping"], ["Batch norm"]]
    calls.clear()
    moved = dataclasses.replace(s, l1=1e-4)
    main2, bn2 = ui._train(moved)
    assert calls == [["L1"]]
    assert bn2 is bn
    np.testing.assert_array_equal(main2.history["loss"][0], main.history["loss"][0])
    calls.clear()
    monkeypatch.setattr(ui, "_RUNS", type(ui._RUNS)())  # nothing kept: all at once
    together, _ = ui._train(moved)
    assert len(calls) == 2
    np.testing.assert_array_equal(together.history["loss"], main2.history["loss"])
    assert main2.labels == together.labels


def test_every_setting_is_one_declaration() -> None:
    """Each control of the page is declared once (url_state.Param with its widget and
    the Settings field it fills): the fields and the declarations match one to one."""
    from dataclasses import fields

    declared = [p for p in ui.schema() if p.attr]
    assert sorted(p.attr for p in declared) == sorted(f.name for f in fields(ui.Settings))
    assert all(p.widget and p.label and p.section for p in declared)
