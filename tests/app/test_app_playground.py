"""The playground page under AppTest, its figures and its Keras code."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest
from apptest_util import APP, every_tab, open_tab, specs
from streamlit.testing.v1 import AppTest

import optiviz
from optiviz.engine.networks.keras_code import training_script
from optiviz.figures import networks as nf

TABS = ["Decision boundary", "Network", "History", "Gradients", "Weights", "Model", "Keras code"]
SMALL = {"n": "200", "epochs": "20"}  # one small shape shared by most tests (one compile)


def playground(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    for k, v in {**SMALL, **(query or {})}.items():
        at.query_params[k] = v
    at.switch_page("pages/playground.py")
    return at.run()


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def finite_numbers(obj) -> bool:
    """True when no float anywhere in a figure spec is NaN or infinite."""
    if isinstance(obj, float):
        return math.isfinite(obj)
    if isinstance(obj, dict):
        return all(finite_numbers(v) for v in obj.values())
    if isinstance(obj, list):
        return all(finite_numbers(v) for v in obj)
    return True


def test_defaults_render_every_view() -> None:
    at = playground()
    clean(at)
    assert len(specs(at)) == 1, "only the open tab is built"
    table = at.dataframe[0].value
    assert list(table["run"]) == ["GD", "Adam"]
    assert (table["accuracy"] > 0.5).all()
    shown = every_tab(at, "pg_tab", TABS)
    # boundary; diagram; history; heatmaps and two line charts; weights; kernels' heatmaps
    assert [len(shown[t]) for t in TABS] == [1, 1, 1, 3, 1, 1, 0]
    figs = [f for t in TABS for f in shown[t]]
    boundary = figs[0]
    assert len(boundary["frames"]) >= 10
    assert sum(t["type"] == "heatmap" for t in boundary["data"]) == 2  # GD and Adam
    code = at.code[-1].value
    assert "keras.optimizers.SGD(learning_rate=0.3)" in code
    assert 'make_dataset("moons", n=200' in code
    assert code.startswith("# Needs Keras 3 and optiviz")  # it imports optiviz: says so
    assert all(finite_numbers(f["data"]) for f in figs)


def test_controls_change_the_scene_and_the_url() -> None:
    # shape-changing settings (layers, BN, dropout, batch size) come in one link, so the
    # test compiles one network; the controls after it only change arrays
    at = playground({"layers": "3", "a2": "leaky_relu", "bn": "1", "dropout": "0.2", "batch": "32"})
    clean(at)
    at.sidebar.slider(key="slope").set_value(0.1).run()
    at.sidebar.selectbox(key="init").set_value("he_normal").run()
    at.sidebar.multiselect(key="opts").set_value(["momentum", "rmsprop", "adam"]).run()
    at.sidebar.selectbox(key="schedule").set_value("exponential").run()
    at.sidebar.selectbox(key="clip").set_value("clipnorm").run()
    at.sidebar.checkbox(key="es").check().run()
    at.sidebar.slider(key="noise").set_value(0.3).run()
    clean(at)
    assert not at.error, [e.value for e in at.error]
    q = dict(at.query_params)
    assert q["layers"] == "3" and q["a2"] == "leaky_relu" and q["bn"] == "1"
    assert q["opts"] == "momentum,rmsprop,adam" and q["schedule"] == "exponential"
    assert q["init"] == "he_normal" and q["slope"] == "0.1" and q["es"] == "1"
    assert list(at.dataframe[0].value["run"]) == ["Momentum", "RMSProp", "Adam"]
    open_tab(at, "pg_tab", "Keras code")
    code = at.code[-1].value
    assert "keras.layers.BatchNormalization()" in code and "LeakyReLU(negative_slope=0.1)" in code
    assert "clipnorm=1.0" in code and "he_normal" in code
    assert "LearningRateScheduler" in code and "EarlyStopping" in code
    open_tab(at, "pg_tab", "Model")
    clean(at)
    summary = at.dataframe[0].value
    assert "BatchNormalization" in " ".join(summary["Layer (type)"])
    # the third layer's slope of 0.1 is not Keras's default: a LeakyReLU layer of its own
    assert "leaky_re_lu (LeakyReLU)" in list(summary["Layer (type)"])
    styles = [c.value for c in at.code if "LeakyReLU(negative_slope=0.1)" in c.value]
    assert len(styles) == 3


def test_a_link_restores_the_scene() -> None:
    at = playground({"data": "circles", "layers": "1", "u0": "8", "a0": "tanh", "opts": "adam"})
    clean(at)
    assert at.sidebar.selectbox(key="data").value == "circles"
    assert at.sidebar.select_slider(key="u0").value == 8
    assert at.sidebar.selectbox(key="a0").value == "tanh"
    assert list(at.dataframe[0].value["run"]) == ["Adam"]


def test_malformed_links_fall_back_with_a_notice() -> None:
    at = playground({"layers": "99", "opts": "sgd,warp", "adam.learning_rate": "nan"})
    clean(at)
    assert at.warning, "the page should say which link settings it ignored"
    text = at.warning[0].value
    assert "layers" in text and "opts" in text
    assert at.sidebar.slider(key="layers").value == 2


def test_multiclass_and_non_2d_data() -> None:
    at = playground({"data": "iris", "layers": "1"})
    clean(at)
    assert len(specs(at)[0]["frames"]) > 0
    at = playground({"data": "digits", "layers": "1", "epochs": "10", "opts": "adam"})
    clean(at)
    assert any("no plane" in i.value for i in at.info)


def test_extreme_settings_show_a_message_or_a_diverged_run() -> None:
    at = playground({"opts": "sgd", "sgd.learning_rate": "10", "a0": "relu", "l2": "0.1"})
    clean(at)
    for figs in every_tab(at, "pg_tab", TABS).values():
        for fig in figs:
            assert finite_numbers(fig["data"])
    at = playground({"opts": "adam", "adam.epsilon": "0"})
    clean(at)


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"", "empty"),
        (b"a,b,label\n1,2,x\n", "row"),
        (b"a,b,label\n" + b"1,oops,0\n" * 12, "oops"),
        (b"a,b,label\n" + b"1,2,0\n" * 12, "one class"),
    ],
)
def test_bad_csv_uploads_get_a_clear_message(payload: bytes, message: str) -> None:
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update({"data": "csv"})
    at.switch_page("pages/playground.py")
    at.session_state["csv_file"] = _Upload("mine.csv", payload)
    at.run()
    clean(at)
    assert at.error and message in at.error[0].value.lower()


class _Upload:
    """What st.file_uploader hands the page: name, size and getvalue()."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.size, self._data = name, len(data), data

    def getvalue(self) -> bytes:
        return self._data


def test_history_figure_marks_early_stop_and_divergence() -> None:
    ds = optiviz.make_dataset("moons", n=200, seed=1)
    r = optiviz.train(
        ds,
        optimizers=[("sgd", {"learning_rate": 0.3}), ("sgd", {"learning_rate": 1e4})],
        epochs=30,
        loss="mse",
        activation="relu",
        early_stopping=True,
        patience=3,
    )
    assert (r.stopped_epoch > 0).any() or (r.diverged_epoch > 0).any()
    fig = nf.history_figure(r, ["#000000", "#E69F00"])
    texts = [t.text for t in fig.data if t.text is not None]
    assert texts, "an early stop or a divergence should be marked"
    for t in fig.data:
        y = np.asarray(t.y if t.y is not None else [], float)
        assert np.isfinite(y).all()


def test_keras_code_builds_the_same_model() -> None:
    keras = pytest.importorskip("keras")
    code = training_script(
        dataset="moons",
        dataset_args={"n": 100, "val_split": 0.2, "seed": 0},
        n_classes=2,
        n_features=2,
        n_train=80,
        hidden=(8, 4),
        activations=("elu", "tanh"),
        activation_params=(0.5, None),
        batch_norm=True,
        dropout=0.1,
        l2=0.01,
        optimizer="adam",
        hparams={"learning_rate": 0.01},
        clip=("clipvalue", 0.5),
        schedule="power",
        early_stopping=True,
        epochs=2,
    )
    ns: dict = {}
    exec(compile(code.replace("model.summary()", ""), "<keras code>", "exec"), ns)  # test only
    model = ns["model"]
    arch = optiviz.engine.networks.mlp.build(
        2, 2, (8, 4), ("elu", "tanh"), batch_norm=True, dropout=True
    )
    assert model.count_params() == optiviz.summary(arch).total
    assert len(ns["history"].history["loss"]) == 2
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.optimizer.clipvalue == 0.5


def test_the_uploader_states_both_limits_the_loader_applies() -> None:
    # The uploader once named 5 MB but not the 20,000-row limit that refused bigger files.
    from optiviz.engine.networks.datasets import CSV_MAX_BYTES, CSV_MAX_ROWS

    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update({"data": "csv"})
    at.switch_page("pages/playground.py")
    at.run()
    (uploader,) = at.get("file_uploader")
    label = uploader.proto.label
    assert f"{CSV_MAX_BYTES / 1e6:g} MB" in label and f"{CSV_MAX_ROWS:,} rows" in label, label
    rows = b"a,b,label\n" + b"1,2,0\n3,4,1\n" * (CSV_MAX_ROWS // 2 + 1)
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update({"data": "csv"})
    at.switch_page("pages/playground.py")
    at.session_state["csv_file"] = _Upload("big.csv", rows)
    at.run()
    assert at.error and f"{CSV_MAX_ROWS:,}" in at.error[0].value, at.error


def test_the_model_tab_shows_three_styles_and_exports_a_keras_file(tmp_path) -> None:
    """The Model tab: the network in Sequential, Functional and Subclassing code (each a
    `model` of the same size), and a .keras file that Keras opens and that predicts what
    the playground's network predicts."""
    import keras

    at = playground({"data": "circles", "layers": "2", "u0": "6", "u1": "4", "opts": "adam"})
    open_tab(at, "pg_tab", "Model")
    clean(at)
    codes = [c.value for c in at.code if "model" in c.value and "keras" in c.value]
    assert len(codes) == 3
    counts = set()
    for code in codes:
        scope: dict = {}
        exec(code, scope)
        counts.add(scope["model"].count_params())
    total = at.dataframe[0].value["Param #"].sum()
    assert counts == {total}
    at.button(key="keras_export").click().run()
    clean(at)
    (download,) = at.get("download_button")
    assert download.proto.label == "Download optiviz-adam.keras"
    script = at.code[-1].value  # how to open it and score it (tests/engine/test_keras_export.py)
    assert "keras.saving.load_model('optiviz-adam.keras')" in script
    assert 'make_dataset("circles"' in script and "model.evaluate(ds.X_val" in script
    # the bytes it offers: a file Keras opens, holding the run's network
    from optiviz.ui.networks import _keras_bytes

    ds = optiviz.make_dataset("circles", seed=0)
    result = optiviz.train(ds, optimizers={"adam": {}}, hidden=(6, 4), epochs=5)
    path = tmp_path / "model.keras"
    path.write_bytes(_keras_bytes(result, 0))
    model = keras.saving.load_model(path)
    assert model.count_params() == optiviz.summary(result).total
    np.testing.assert_allclose(
        model.predict(ds.X_val, verbose=0), optiviz.to_keras(result).predict(ds.X_val, verbose=0)
    )


def test_the_model_tab_shows_the_model_from_the_inside() -> None:
    """Issue #27's "Inside the model": for the picked run, the layers with their weight
    arrays, every kernel as a heatmap, and `model.evaluate` on the validation data
    beside the history's numbers (the sentence says they agree, and they do)."""
    at = playground({"layers": "2", "u0": "6", "u1": "4", "bn": "1", "opts": "sgd,adam"})
    open_tab(at, "pg_tab", "Model")
    clean(at)
    at.selectbox(key="model_run").set_value(1).run()
    clean(at)
    layers = at.dataframe[1].value
    assert list(layers["type"]) == [
        "Dense", "BatchNormalization", "Activation",
        "Dense", "BatchNormalization", "Activation", "Dense",
    ]  # fmt: skip
    assert layers["get_weights()"][0] == "kernel (2, 6)"  # no bias before batch norm
    assert layers["get_weights()"][1] == (
        "gamma (6,), beta (6,), moving_mean (6,), moving_variance (6,)"
    )
    assert list(layers["params"]) == list(at.dataframe[0].value["Param #"])
    (kernels,) = [s for s in specs(at) if s["layout"]["title"]["text"].startswith("Kernel")]
    assert "Adam" in kernels["layout"]["title"]["text"]
    assert [t["type"] for t in kernels["data"]] == ["heatmap"] * 3
    assert "model.evaluate(X_val, y_val)" in " ".join(m.value for m in at.markdown)
    loss = float(at.metric[0].value)
    said = [c.value for c in at.caption if "val_loss" in c.value]
    assert said and said[0].startswith("The same number as the history's last val_loss")
    shown = float(said[0].split("val_loss (")[1].split(",")[0])  # the history's number
    assert loss == pytest.approx(shown, rel=1e-3, abs=1e-4)


def test_every_setting_is_one_declaration() -> None:
    """Each control of the playground is one url_state.Param (key, default, bounds,
    widget, label, help, when it shows); the sidebar is drawn from them, and the typed
    settings take every field either from one declaration or from a rule that combines
    several (the network's shape from the layer count and each layer's units)."""
    from dataclasses import fields

    from optiviz.ui import playground as pg

    schema = pg.schema()
    assert len({p.key for p in schema}) == len(schema)
    # every one a widget of the sidebar, but the later fits: the buttons above the
    # charts add them (pg.further_controls)
    assert all(p.widget and p.label for p in schema if p not in (pg.FURTHER, pg.POINTS))
    assert all(
        p.section
        for p in schema
        if p.key.split(".")[0] not in optiviz.OPTIMIZERS and p.key != "slide"
    )
    one = {p.attr for p in schema if p.attr}
    combined = {
        "data", "data_args", "csv_digest", "hidden", "activations", "act_params",
        "optimizers", "batch_size", "schedule", "schedule_params", "clip",
        "wide", "deep", "aux_weight", "features",
    }  # fmt: skip
    assert one | combined == {f.name for f in fields(pg.Settings)} and not one & combined
    # what shows depends on the scene: three layers show three rows, no more
    at = playground({"layers": "3", "a1": "leaky_relu", "init": "random_normal"})
    clean(at)
    keys = {w.key for w in at.sidebar.select_slider} | {w.key for w in at.sidebar.selectbox}
    assert {"u0", "u1", "u2", "a0", "a1", "a2"} <= keys and not {"u3", "a3"} & keys
    assert at.sidebar.slider(key="slope").value == 0.2  # a leaky layer: its slope shows
    assert at.sidebar.number_input(key="stddev").value == 0.05
    assert not [w for w in at.sidebar.slider if w.key == "alpha"]  # no ELU layer


WIDE_DEEP = {
    "data": "diabetes", "layers": "2", "u0": "8", "u1": "6", "opts": "adam", "wide": "1",
    "wide_cols": "0,1,2,3,4", "deep_cols": "2,3,4,5,6,7,8,9", "aux": "0.1",
}  # fmt: skip


def test_wide_and_deep_on_the_diabetes_data() -> None:
    """Issue #27: Wide & Deep with two overlapping column sets and an auxiliary output
    trains on the diabetes data; the history shows both outputs' losses, the metric is
    the mean absolute error, the Model tab shows the Functional and Subclassing code (and
    says why Sequential cannot), and both scripts feed the two inputs."""
    at = playground(WIDE_DEEP)
    clean(at)
    assert any("no plane" in i.value for i in at.info)
    table = at.dataframe[0].value
    assert "main_output_mae" in table and "accuracy" not in table
    assert at.multiselect(key="wide_cols").value == ["0", "1", "2", "3", "4"]
    assert at.slider(key="aux").value == pytest.approx(0.1)
    open_tab(at, "pg_tab", "History")
    clean(at)
    (history,) = specs(at)
    titles = [a["text"] for a in history["layout"]["annotations"]]
    assert titles[:2] == ["Loss", "Mean absolute error (main output)"]
    assert titles[2].startswith("Each output's loss")
    keys = {t["hovertemplate"].split("<br>")[2].split(" ")[0] for t in history["data"]}
    assert {"main_output_loss", "val_aux_output_loss", "val_main_output_mae"} <= keys
    open_tab(at, "pg_tab", "Model")
    clean(at)
    assert any("Sequential cannot build this network" in i.value for i in at.info)
    codes = [c.value for c in at.code if "keras.Model" in c.value]
    assert len(codes) == 2 and "class WideAndDeepModel(keras.Model)" in codes[1]
    total = at.dataframe[0].value["Param #"].sum()
    for code in codes:
        scope: dict = {}
        exec(code, scope)
        assert scope["model"].count_params() == total
    at.button(key="keras_export").click().run()
    clean(at)
    script = at.code[-1].value
    assert "WIDE = [0, 1, 2, 3, 4]" in script and "DEEP = [2, 3, 4, 5, 6, 7, 8, 9]" in script
    assert "model.evaluate((ds.X_val[:, WIDE], ds.X_val[:, DEEP]), (ds.y_val, ds.y_val)" in script
    open_tab(at, "pg_tab", "Keras code")
    clean(at)
    code = at.code[-1].value
    assert "keras.layers.Concatenate()([wide_input, x])" in code
    assert "loss_weights=(0.9, 0.1)" in code and 'metrics=["mae", None]' in code


def test_wide_and_deep_settings_that_cannot_train_say_why() -> None:
    at = playground({**WIDE_DEEP, "layers": "0"})
    clean(at)
    assert any("need a hidden layer" in e.value for e in at.error)
    at = playground({"data": "moons", "wide": "1", "clip": "clipnorm"})
    clean(at)
    assert any("global_clipnorm or clipvalue" in e.value for e in at.error)
    # a classifier can have a wide path (no auxiliary output: that slider is not shown)
    at = playground({"data": "moons", "wide": "1", "opts": "adam"})
    clean(at)
    assert not at.error and not [s for s in at.slider if s.key == "aux"]
    assert "accuracy" in at.dataframe[0].value


def test_the_squares_solve_the_circles_without_a_hidden_layer() -> None:
    """Issue #26: TensorFlow Playground's classic demonstration, with x₁² and x₂² as the
    input features and no hidden layer; the Keras code computes the features first."""
    query = {"data": "circles", "features": "x1^2,x2^2", "layers": "0", "opts": "adam",
             "adam.learning_rate": "0.05", "epochs": "200"}  # fmt: skip
    at = playground(query)
    clean(at)
    assert at.multiselect(key="features").value == ["x1^2", "x2^2"]
    assert at.dataframe[0].value["val_accuracy"][0] > 0.95
    (boundary,) = specs(at)
    assert boundary["layout"]["xaxis"]["title"]["text"] == "x1"  # drawn over the plane
    open_tab(at, "pg_tab", "Keras code")
    clean(at)
    code = at.code[-1].value
    assert "return np.stack([x1**2, x2**2], axis=1)" in code
    assert "keras.Input(shape=(2,))" in code and "    X_train," in code
    # digits has no plane: no features to pick
    at = playground({"data": "digits", "epochs": "20"})
    clean(at)
    assert not [m for m in at.multiselect if m.key == "features"]


def test_a_regression_fit_on_the_plane() -> None:
    """Issue #26: TensorFlow Playground's regression sets. The plane shows the predicted
    value (the caption says how to read it), the table the mean absolute error, and
    the Keras code a linear output scored with MSE."""
    at = playground({"data": "reg_gaussians", "n": "300", "layers": "1", "u0": "8",
                     "a0": "tanh", "opts": "adam", "epochs": "200"})  # fmt: skip
    clean(at)
    table = at.dataframe[0].value
    assert "mae" in table and "accuracy" not in table
    assert (table["val_mae"] < 0.25).all()  # the hills are followed (guessing 0 scores 0.32)
    (plane,) = specs(at)
    assert plane["data"][0]["type"] == "heatmap" and plane["data"][0]["hovertemplate"].count(
        "predicted"
    )
    assert any("the value the network predicts" in c.value for c in at.caption)
    open_tab(at, "pg_tab", "Keras code")
    clean(at)
    code = at.code[-1].value
    assert "keras.layers.Dense(1, kernel_initializer" in code and 'loss="mse"' in code


def test_the_network_tab_draws_every_unit() -> None:
    """Issue #26's diagram: one map per input, hidden unit and output, links for every
    pair of shown units, animated over the snapshots; it follows the run picker."""
    at = playground({"layers": "2", "u0": "6", "u1": "3", "opts": "sgd,adam"})
    open_tab(at, "pg_tab", "Network")
    clean(at)
    (fig,) = specs(at)
    maps = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert len(maps) == 2 + 6 + 3 + 1
    (hover,) = [t for t in fig["data"] if "customdata" in t]  # each link's weight
    assert hover["customdata"]["dtype"] == "f4"
    weights = base64.b64decode(hover["customdata"]["bdata"])
    assert len(weights) // 4 == 2 * 6 + 6 * 3 + 3 * 1
    assert len(fig["frames"]) >= 10
    assert "GD" in fig["layout"]["title"]["text"]
    assert any("blue for a positive weight" in c.value for c in at.caption)
    at.selectbox(key="diagram_run").set_value(1).run()
    clean(at)
    (fig,) = specs(at)
    assert "Adam" in fig["layout"]["title"]["text"]
    at = playground({"data": "digits", "epochs": "20"})
    open_tab(at, "pg_tab", "Network")
    clean(at)
    assert any("needs 2D data" in i.value for i in at.info)


def test_validation_points_can_be_hidden_and_the_panels_say_the_losses() -> None:
    """Issue #26 (TensorFlow Playground's "show test data"): the checkbox hides the hollow
    validation dots without retraining, and each panel's title gives the run's last
    training and validation loss, the history's numbers."""
    at = playground({"opts": "adam"})
    clean(at)
    (fig,) = specs(at)
    names = [t.get("name", "") for t in fig["data"]]
    assert any("validation" in n for n in names)
    table = at.dataframe[0].value
    title = fig["layout"]["annotations"][0]["text"]
    assert title == f"Adam — loss {table['loss'][0]:.3f}, val {table['val_loss'][0]:.3f}"
    at.checkbox(key="show_val").uncheck().run()
    clean(at)
    (fig,) = specs(at)
    assert not any("validation" in t.get("name", "") for t in fig["data"])


def test_step_and_train_further_continue_the_runs_and_travel_in_the_link() -> None:
    """Issue #26: Step trains one more epoch, "Train +N" N more, each from where the
    runs stopped (a later Keras fit); the link carries the fits, a changed scene drops
    them, and Restart goes back."""
    at = playground({"opts": "adam"})
    clean(at)
    first = float(at.dataframe[0].value["val_loss"][0])
    buttons = {b.label: b for b in at.button}
    buttons["Step ▸ +1"].click().run()
    clean(at)
    assert at.query_params["more"] == "1"
    assert any("Trained 21 epochs" in m.value for m in at.markdown)
    after_step = float(at.dataframe[0].value["val_loss"][0])
    {b.label: b for b in at.button}["Train +50"].click().run()
    clean(at)
    assert at.query_params["more"] == "1,50"
    assert any("Trained 71 epochs** (20 + 1 + 50)" in m.value for m in at.markdown)
    # the same numbers as one training of 71 epochs (no callbacks: the fits join exactly)
    ds = optiviz.make_dataset("moons", n=200, noise=0.15, val_split=0.2, seed=0)
    lr = optiviz.OPTIMIZERS["adam"].playground_lr
    once = optiviz.train(ds, hidden=(16, 16), epochs=71,
                         optimizers={"adam": {"learning_rate": lr}})  # fmt: skip
    shown = float(at.dataframe[0].value["val_loss"][0])
    assert shown == pytest.approx(float(once.final_loss[0]), rel=1e-5)
    assert shown != first and after_step != first
    # the Keras code trains further as the page did
    open_tab(at, "pg_tab", "Keras code")
    code = at.code[-1].value
    assert "epochs=21,\n    initial_epoch=20," in code
    assert "epochs=71,\n    initial_epoch=21," in code
    # a link restores the continued scene
    again = playground({"opts": "adam", "more": "1,50"})
    clean(again)
    assert float(again.dataframe[0].value["val_loss"][0]) == pytest.approx(shown, rel=1e-6)
    # changing the scene drops the later fits; Restart too
    again.sidebar.slider(key="val").set_value(0.3).run()
    clean(again)
    assert "more" not in again.query_params
    at2 = playground({"opts": "adam", "more": "5"})
    {b.label: b for b in at2.button}["Restart"].click().run()
    clean(at2)
    assert "more" not in at2.query_params


def test_a_bad_or_too_long_further_link_is_cut_with_a_message() -> None:
    at = playground({"opts": "adam", "more": "abc"})
    clean(at)
    assert any("more=abc" in w.value for w in at.warning)
    at = playground({"opts": "adam", "more": "4000,2000"})  # past 5000 epochs in all
    clean(at)
    assert at.query_params["more"] == "4000"


def _drawing(n: int) -> list[list[float]]:
    """``n`` points on the drawing grid: class 0 on the left, class 1 on the right."""
    out = []
    for i in range(n):
        col = (i % 2) * 21 + (i // 2) % 20  # left and right halves in turn, 0 skipped
        x, y = round(-2 + 0.1 * col, 1), round(-2 + 0.1 * (i // 40), 1)
        out.append([x, y, float(x > 0)])
    return out


def test_drawn_points_train_and_travel_in_the_link() -> None:
    """Issue #26: the drawn points are a setting: the network trains on them, the link
    carries up to 200 of them (a larger drawing says it will not), and the Keras code
    writes them out."""
    from optiviz.ui import playground as pg

    pts = _drawing(12)
    link = pg.POINTS.format(pts)
    at = playground({"data": "drawn", "pts": link, "opts": "adam"})
    clean(at)
    assert at.query_params["pts"] == link
    assert any("Your points (12)" in e.proto.label for e in at.expander)
    assert len(at.dataframe[0].value) == 1  # trained: the final table has Adam's row
    open_tab(at, "pg_tab", "Keras code")
    code = at.code[-1].value
    assert (
        "from optiviz import points_dataset" in code
        and "(-2.0, -2.0, 0.0), (0.1, -2.0, 1.0)" in code
    )
    ns: dict = {}
    exec(code.split("\nmodel = ")[0].split("import keras\n")[1], ns)  # test only: the data part
    assert ns["ds"].n_train + ns["ds"].n_val == 12
    # too few points: the canvas stays, the message says what to draw
    at = playground({"data": "drawn", "pts": pg.POINTS.format(pts[:2])})
    clean(at)
    assert at.error and "at least 4 points" in at.error[0].value
    assert any("Your points (2)" in e.proto.label for e in at.expander)
    # a drawing larger than a link: kept in the session, the link leaves it out
    at.session_state["pts"] = _drawing(211)
    at.run()
    clean(at)
    assert "pts" not in at.query_params
    assert any("at most 200 drawn points" in w.value for w in at.warning)
    # a bad point in a link is named and dropped
    at = playground({"data": "drawn", "pts": "0_0_0~oops"})
    assert any("pts=" in w.value and "oops" in w.value for w in at.warning)


def test_a_csv_with_a_numeric_target_trains_a_regression_network() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = X[:, 0] - 0.5 * X[:, 1] ** 2
    payload = ("a,b,height\n" + "".join(f"{a:.4f},{b:.4f},{t:.4f}\n" for (a, b), t in
                                         zip(X, y, strict=True))).encode()  # fmt: skip
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params.update({"data": "csv", "epochs": "20", "opts": "adam"})
    at.switch_page("pages/playground.py")
    at.session_state["csv_file"] = _Upload("mine.csv", payload)
    at.run()
    clean(at)
    table = at.dataframe[0].value
    assert any("mae" in c for c in table.columns), list(table.columns)
    assert any("the value the network predicts" in c.value for c in at.caption)


def test_the_landscape_tab_shows_the_networks_loss_surface_and_its_sharpness() -> None:
    """Issue #22: the playground's current network as a loss surface with both paths,
    the honesty readout, the straight lines and the sharpness with its verdicts."""
    at = playground({"ls_grid": "25"})
    clean(at)
    open_tab(at, "pg_tab", "Landscape")
    clean(at)
    figs = specs(at)
    # contour map (animated), 3D surface, honesty, lines, sharpness
    assert len(figs) == 5
    contour = figs[0]
    assert len(contour["layout"]["images"]) == 1 and len(contour["frames"]) >= 10  # the map
    assert {t.get("name") for t in contour["data"]} >= {"GD", "Adam"}
    assert figs[1]["data"][0]["type"] == "surface"
    sharp = figs[4]
    assert any("stability line" in (t.get("name") or "") for t in sharp["data"])
    text = " ".join(m.value for m in at.markdown)
    assert "**GD**:" in text and ("edge" in text or "Below" in text or "Above" in text)
    assert "no single stability line" in text  # Adam
    for fig in figs:
        assert finite_numbers(fig["layout"])
    # random directions: the axes say so (PCA, the default, names its variance shares)
    at.selectbox(key="ls_dir").set_value("shared").run()
    clean(at)
    assert "filter norms" in json.dumps(specs(at)[0]["layout"])
    assert at.query_params["ls_dir"] == "shared"


def test_landscape_captions_say_what_the_numbers_show() -> None:
    """The sentences beside the charts are computed from the data they describe."""
    from types import SimpleNamespace

    from optiviz.ui import net_landscape as ui

    t = np.linspace(-0.25, 1.25, 61)
    inside = (t >= 0) & (t <= 1)
    falling = 2.0 - t
    bump = np.where(inside, 0.5 + np.sin(np.pi * np.clip(t, 0, 1)), 0.5)
    result = SimpleNamespace(n_runs=2, labels=["GD", "Adam"])
    text = ui.line_caption(t, {"start": falling, "1": bump}, result, 0)
    assert "falls all the way" in text and "rises by 1" in text and "a barrier" in text
    text = ui.line_caption(t, {"start": bump, "1": np.full(61, 0.5)}, result, 0)
    assert "rises somewhere" in text and "no barrier" in text
    s = SimpleNamespace(
        epochs=np.array([0, 10, 20]),
        off_plane_share=np.array([[0.9, 0.5, 0.0], [0.01, 0.02, 0.0]]),
        plane_loss=np.array([[1.0, 0.5, 0.1], [1.0, 0.5, 0.1]]),
        true_loss=np.array([[2.0, 0.5, 0.1], [1.0, 0.5, 0.1]]),
    )
    text = ui.honesty_caption(s, ["GD", "Adam"])
    assert "**GD**'s path lies up to 90% off the plane" in text and "×2 of its true" in text
    assert "**Adam**'s path lies in the plane" in text and "×1 of its true" in text
