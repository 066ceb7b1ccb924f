"""Views of a trained network shared by the Networks and Foundations pages."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from optiviz.engine import summary
from optiviz.engine.networks import findings, keras_export
from optiviz.engine.networks.features import FEATURES
from optiviz.engine.networks.features import PLAIN as PLAIN_FEATURES
from optiviz.engine.networks.features import apply as apply_features
from optiviz.engine.networks.keras_code import Paths, inputs_code, targets_code
from optiviz.engine.networks.transfer import evaluate
from optiviz.figures import networks as nf
from optiviz.figures.diagram import SHOWN, network_diagram
from optiviz.figures.style import export_config

from .cache import shared_figure, shared_table
from .controls import table
from .export import export_buttons


def status_line(result: Any) -> None:
    """One sentence per run that did not simply finish: diverged or stopped early."""
    notes = []
    for i, label in enumerate(result.labels):
        if int(result.diverged_epoch[i]) > 0:
            notes.append(
                f"**{label}** diverged at epoch {int(result.diverged_epoch[i])} (its loss or "
                "weights overflowed); its curves stop at the last finite epoch."
            )
        elif int(result.stopped_epoch[i]) > 0:
            notes.append(
                f"**{label}**: early stopping ended training at epoch "
                f"{int(result.stopped_epoch[i])} and restored the weights of epoch "
                f"{int(result.best_epoch[i])} (lowest validation loss)."
            )
    for note in notes:
        st.caption(note)


@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def _boundary(
    key: Hashable, _result: Any, _ds: Any, slide: bool, validation: bool = True
) -> go.Figure:
    return nf.boundary_animation(  # comes back finished and frozen (style.animated)
        _result,
        X=_ds.X_train,
        y=_ds.y_train,
        X_val=_ds.X_val if validation else None,
        y_val=_ds.y_val if validation else None,
        class_names=_ds.class_names,
        feature_names=_ds.feature_names,
        slide=slide,
        titles=[final_losses(_result, i) for i in range(_result.n_runs)],
    )


def final_losses(result: Any, run: int) -> str:
    """A panel's title: the run and its last epoch's training and validation loss (as
    TensorFlow Playground heads its picture)."""
    n = max(int(result.epochs_run[run]), 1)
    h = result.history
    text = f"{result.labels[run]} — loss {float(h['loss'][run, n - 1]):.3f}"
    if result.dataset is None or result.dataset.n_val:
        text += f", val {float(h['val_loss'][run, n - 1]):.3f}"
    return text


def cached_boundary(
    result: Any, ds: Any, slide: bool, key: Hashable, validation: bool = True
) -> go.Figure:
    """The boundary animation, built once per scene (building it takes ~1 s).

    ``key`` identifies the scene (the settings that produced ``result``; not the
    result's ``id``, which a new result may reuse once a cache dropped the old)."""
    return _boundary(key, result, ds, slide, validation)


def history(result: Any, colors: list[str], key: Hashable, slide: bool) -> go.Figure:
    """Loss and accuracy per epoch of every run, shared by every session. ``key`` names
    the page and the settings that trained ``result`` (e.g. ``("regularization", s)``)."""
    return shared_figure(
        repr(("history", key, list(colors), slide)),
        lambda: nf.history_figure(result, colors, slide=slide),
    )


def history_caption(result: Any) -> None:
    """What the history's panels show, for a regression network (its metric, and with an
    auxiliary output the third panel and how the two losses make the loss)."""
    arch = result.arch
    if arch.output != "linear":
        return
    text = (
        "Solid: training, dashed: validation. The loss is the mean squared error; the "
        "middle panel the mean absolute error (`mae`), in the target's units."
    )
    if arch.aux_weight:
        w = arch.aux_weight
        text += (
            f" With an auxiliary output the loss is {1 - w:g} × the main output's loss + "
            f"{w:g} × the auxiliary output's (Keras's `loss_weights`); the right panel shows "
            "each on its own: thick lines the main output, thin lines the auxiliary one."
        )
    st.caption(text)


def boundary_caption(n_classes: int) -> None:
    if n_classes == 0:
        first = (
            "Background: the value the network predicts at each point, blue above 0 and red "
            "below, white at 0; the dots are the data's own values on the same scale."
        )
    elif n_classes == 2:
        first = (
            "Background: the network's probability of the second class, white where it is "
            "50 % (the decision boundary)."
        )
    else:
        first = "Background: the class the network predicts at each point."
    st.caption(
        first + " Filled dots are training data, hollow ones validation data. ▶ Play replays "
        "the training; the slider picks an epoch."
    )


def export_box(fig: go.Figure, filename: str, slide: bool) -> None:
    with st.expander("Export (slide image, offline HTML, animated GIF)"):
        export_buttons(fig, filename, slide)


def pick_run(result: Any, key: str) -> int:
    """A selectbox over the runs; returns the chosen run's index."""
    labels = list(result.labels)
    if len(labels) == 1:
        return 0
    return st.selectbox("Run", range(len(labels)), key=key, format_func=lambda i: labels[i])


def gradients_tab(result: Any, key: Hashable, slide: bool) -> None:
    """Gradient norms and update ratios per layer; ``key`` as for :func:`history`."""
    st.plotly_chart(
        shared_figure(
            repr(("grad heatmaps", key, slide)),
            lambda: nf.grad_norm_heatmaps(
                result, slide=slide, title="Gradient norm per layer and epoch"
            ),
        ),
        key="grad_heatmaps",
        config=export_config("optiviz-gradient-norms", slide),
    )
    st.caption(
        "Each cell is ‖∂L/∂W‖ of one layer's kernel, averaged over the epoch's batches "
        "(log colour). Dark first layers next to bright last ones: vanishing gradients."
    )
    i = pick_run(result, "grad_run")
    n = int(result.epochs_run[i])
    c1, c2 = st.columns(2)
    with c1:
        st.plotly_chart(
            shared_figure(
                repr(("grad lines", key, i, slide)),
                lambda: nf.layer_lines(
                    result.grad_norms[i], epochs_run=n, slide=slide, title="Gradient norm per layer"
                ),
            ),
            key="grad_lines",
            config=export_config("optiviz-gradient-lines", slide),
        )
    with c2:
        st.plotly_chart(
            shared_figure(
                repr(("ratio lines", key, i, slide)),
                lambda: nf.layer_lines(
                    result.update_ratios[i],
                    epochs_run=n,
                    ylabel="‖ΔW‖ / ‖W‖ per step",
                    slide=slide,
                    title="Update / weight ratio",
                ),
            ),
            key="ratio_lines",
            config=export_config("optiviz-update-ratio", slide),
        )
    st.caption(
        "The update/weight ratio says how much one step changes a layer: around 10⁻³ is "
        "a common rule of thumb; far below, the layer barely learns; far above, it thrashes."
    )


def weights_tab(result: Any, key: Hashable, slide: bool) -> None:
    """Each layer's kernel weights of one run, before and after; ``key`` as for :func:`history`."""
    i = pick_run(result, "weights_run")
    initial = getattr(result, "init_params", None)
    st.plotly_chart(
        shared_figure(
            repr(("weights", key, i, slide)),
            lambda: nf.weight_histograms(
                result.params[i],
                initial=None if initial is None else initial[i],
                slide=slide,
                title=f"Kernel weights per layer — {result.labels[i]}",
            ),
        ),
        key="weights",
        config=export_config("optiviz-weights", slide),
    )


def summary_table(s: Any) -> None:
    """Keras's ``model.summary()`` as a table, with its totals."""
    table(
        [
            {"Layer (type)": r["layer"], "Output Shape": r["output_shape"], "Param #": r["params"]}
            for r in s.rows
        ]
    )
    st.markdown(
        f"**Total params:** {s.total:,} · **Trainable:** {s.trainable:,} · "
        f"**Non-trainable:** {s.non_trainable:,}"
    )
    with st.expander("As Keras prints it"):
        st.code(str(s), language="text")


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _evaluated(key: str, _result: Any, _ds: Any, run: int) -> tuple[float, float, bool]:
    """``model.evaluate`` of one run's final weights: on the validation data, or on the
    training data when there is none (and whether it was the validation data)."""
    spec = _result.runs[run]
    val = _ds.n_val > 0
    X, y = (_ds.X_val, _ds.y_val) if val else (_ds.X_train, _ds.y_train)
    loss, acc = evaluate(
        _result.arch,
        _result.params[run],
        X,
        y,
        bn_state=_result.bn_state[run],
        act_params=spec.activation_param,
        l1=spec.l1,
        l2=spec.l2,
    )
    return loss, acc, val


def inside_model(result: Any, run: int, ds: Any, key: Hashable, slide: bool) -> None:
    """One run's trained network from the inside: its layers and weight arrays (what
    ``model.layers`` and ``get_weights()`` show), each kernel as a heatmap, and
    ``model.evaluate`` beside the history's numbers."""
    label = result.labels[run]
    st.markdown(f"**Inside the trained model — {label}**")
    shared_table(
        repr(("layers", key, run)),
        lambda: nf.layer_list(summary(result, run).rows, result.params[run], result.bn_state[run]),
    )
    st.caption(
        "`model.layers[i]` is row i; `model.get_layer(name).get_weights()` returns the "
        "arrays listed, in that order (a kernel is inputs × units)."
    )
    st.plotly_chart(
        shared_figure(
            repr(("kernels", key, run, slide)),
            lambda: nf.weight_heatmaps(
                result.params[run],
                slide=slide,
                title=f"Kernel weights — {label}",
                names=dense_names(summary(result, run).rows),
            ),
        ),
        key="kernels",
        config=export_config("optiviz-kernels", slide),
    )
    st.caption(
        "Blue weights are positive, red negative, on one scale for every layer. A unit "
        "whose column is pale everywhere barely listens to its inputs; a row that is pale "
        "everywhere is an input (or unit) the next layer ignores."
    )
    loss, acc, val = _evaluated(repr((key, run)), result, ds, run)
    arch = result.arch_of(run)
    paths = Paths(arch.wide, arch.deep, arch.aux_weight)
    split = "val" if val else "train"
    part = f"{inputs_code(paths, f'X_{split}')}, {targets_code(paths, f'y_{split}')}"
    st.markdown(f"**`model.evaluate({part})`**")
    cols = st.columns(2)
    cols[0].metric("loss", "diverged" if loss != loss else f"{loss:.4f}")
    if nf.metric_key(result.history) == "accuracy":
        cols[1].metric("accuracy", "—" if acc != acc else f"{acc:.2%}")
    else:
        cols[1].metric("mae (main output)" if result.arch.aux_weight else "mae",
                       "—" if acc != acc else f"{acc:.4f}")  # fmt: skip
    spec = result.runs[run]
    history = result.history["val_loss" if val else "loss"][run]
    st.caption(
        findings.evaluation(
            loss,
            history,
            int(result.epochs_run[run]),
            int(result.best_epoch[run]),
            restored=bool(spec.early_stopping and spec.restore_best_weights),
            validation=val,
        )
    )


def keras_styles(result: Any, run: int) -> None:
    """The run's network as runnable Keras code in the course's three styles."""
    st.markdown("**The same network in Keras's three ways of building a model**")
    spec = result.runs[run]
    for tab, style in zip(st.tabs(["Sequential", "Functional API", "Subclassing"]),
                          keras_export.STYLES, strict=True):  # fmt: skip
        with tab:
            st.caption(keras_export.STYLES[style])
            if style == "sequential" and result.arch.functional:
                st.info(keras_export.NOT_SEQUENTIAL)
                continue
            code = keras_export.model_code(result.arch, style, spec.activation_param, spec.dropout)
            st.code(code, language="python")


def diagram(result: Any, features: Any, key: Hashable, slide: bool) -> None:
    """The network as a diagram for a picked run (TensorFlow Playground's picture), with
    what it shows said beside it; for data with a plane only."""
    if result.unit_maps is None:
        st.info("The diagram draws what each unit computes over the plane: it needs 2D data.")
        return
    run = pick_run(result, "diagram_run")
    names = features or PLAIN_FEATURES

    def build() -> go.Figure:  # the inputs' maps: the features over the maps' grid
        xx, yy = np.meshgrid(result.grid_x[::2], result.grid_y[::2])
        maps = apply_features(np.stack([xx.ravel(), yy.ravel()], axis=1), names)
        return network_diagram(
            result, run, input_maps=maps.reshape(*xx.shape, len(names)),
            input_labels=[FEATURES[n].display for n in names], slide=slide,
            title=f"The network, unit by unit — {result.labels[run]}",
        )  # fmt: skip

    fig = shared_figure(repr(("diagram", key, run, slide)), build)
    st.plotly_chart(fig, key="diagram", config=export_config("optiviz-network", slide))
    arch = result.arch_of(run)
    note = (
        "Each small map is what one unit computes over the plane: blue where it is "
        "positive, red where negative, white at 0, scaled to its own largest value. "
        "The inputs are on the left, the output on the right (the probability of a class, "
        "or for regression the predicted value, as on the plane). A "
        "link is blue for a positive weight and red for a negative one, thicker the larger "
        "the weight is beside the others; hover one for its value. ▶ Play replays training."
    )
    if any(n > SHOWN for n in arch.hidden):
        note += f" Wide layers show their first {SHOWN} units."
    if arch.wide is not None:
        note += " The wide path (inputs straight to the output) is not drawn."
    st.caption(note)


def keras_export_box(result: Any, key: Hashable) -> None:
    """An expander that offers one of a page's trained networks as a ``.keras`` file
    (pages other than the playground, whose Model tab does more)."""
    with st.expander("Export a trained network as a Keras model (.keras)"):
        run = pick_run(result, "export_run")
        keras_download(result, run, key)


def dense_names(rows: Any) -> list[str]:
    """The Dense layers' names in a summary, in order (the kernels' titles)."""
    return [r["layer"].split(" (")[0] for r in rows if r["layer"].endswith("(Dense)")]


def keras_download(
    result: Any, run: int, key: Hashable, script: Callable[[str], str] | None = None
) -> None:
    """The trained run as a ``.keras`` file: Keras is imported (a few seconds, once per
    server) only when a student asks for it; without Keras, how to install it.
    ``script(filename)``, if given, is a script that opens the file and scores it."""
    ss = st.session_state
    name = f"optiviz-{result.labels[run].lower().replace(' ', '-')}.keras"
    wanted = repr((key, run))
    if st.button("Export this network as a Keras model (.keras)", key="keras_export"):
        with st.spinner("Importing Keras and building the model…"):
            try:
                ss["_keras_file"] = (wanted, _keras_bytes(result, run))
            except ImportError as err:
                st.info(str(err))
    held = ss.get("_keras_file")
    if held and held[0] == wanted:
        st.download_button(
            f"Download {name}", held[1], file_name=name, mime="application/octet-stream"
        )
        if script is None:
            st.caption(
                f"In a notebook: `model = keras.saving.load_model({name!r})`; then "
                "`model.predict(X)` gives this run's outputs."
            )
        else:
            st.caption("Open it in a notebook and score it on the same validation data:")
            st.code(script(name), language="python")


def _keras_bytes(result: Any, run: int) -> bytes:
    import tempfile
    from pathlib import Path

    model = keras_export.to_keras(result, run)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()
