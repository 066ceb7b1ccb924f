"""Regularization: one network that overfits, five ways to rein it in, side by side."""

import streamlit as st

from optiviz.engine.networks import findings
from optiviz.figures import regularization as rf
from optiviz.figures.style import export_config
from optiviz.ui import regularization as ui
from optiviz.ui import url_state
from optiviz.ui.cache import shared_figure, shared_table
from optiviz.ui.controls import lazy_tabs, page_intro
from optiviz.ui.networks import (
    boundary_caption,
    cached_boundary,
    export_box,
    history,
    keras_export_box,
    status_line,
)

page_intro(
    "Regularization",
    "A network with thousands of weights and a hundred noisy training points can memorise "
    "every point, noise included, and then do worse on new ones. Below, the same network "
    "trains plain and with five remedies, all from the same initial weights.",
)


s = url_state.scene(ui.schema(), page=ui.PAGE, sidebar=ui.sidebar, settings=ui.current)
slide = bool(st.session_state["slide"])
head = st.container()  # the training's progress bar and notes, above the tabs
tabs = lazy_tabs(
    ["Train vs validation", "Decision boundaries", "Generalisation gap", "Dropout caution",
     "Keras code"],
    "regularization_tab",
)  # fmt: skip
if any(tab.open for tab in tabs[:4]):  # all but the Keras code show the trained networks
    with head:
        try:
            ds = ui.dataset(s.n, s.noise, s.seed)
            result, scores = ui.trained(s)
        except ValueError as err:
            st.error(str(err))
            st.stop()
        status_line(result)
    colors = ui.colors()
    ui.record_facts(result, scores)
with tabs[0]:
    if tabs[0].open:
        fig = history(result, colors, ("regularization", s), slide)
        st.plotly_chart(fig, key="history", config=export_config("optiviz-regularization", slide))
        st.caption(
            "Solid: training, dashed: validation. Overfitting is the dashed loss turning back "
            "up while the solid one keeps falling: the network is learning the noise of its "
            "own training points. Early stopping keeps the weights of its lowest dashed point. "
            + findings.overfitting(
                "plain",
                result.history["loss"][0, : int(result.epochs_run[0])],
                result.history["val_loss"][0, : int(result.epochs_run[0])],
            )
        )
with tabs[1]:
    if tabs[1].open:
        fig_b = cached_boundary(result, ds, slide, key=s)
        st.plotly_chart(fig_b, key="boundary", config=export_config("optiviz-reg-boundary", slide))
        boundary_caption(ds.n_classes)
        export_box(fig_b, "optiviz-reg-boundary", slide)
with tabs[2]:
    if tabs[2].open:
        rows = ui.table(result, scores)
        labels = [r["run"] for r in rows]
        fig_g = shared_figure(repr(("reg gap", s, slide)), lambda: rf.gap_figure(
            labels, [sc["train_acc"] for sc in scores], [sc["val_acc"] for sc in scores], colors,
            slide=slide, title="Accuracy of the final networks",
        ))  # fmt: skip
        st.plotly_chart(fig_g, key="gap", config=export_config("optiviz-reg-gap", slide))
        shared_table(f"reg table|{s!r}", lambda: rows)
        keras_export_box(result, ("regularization", s))
        st.caption(
            "Every number here is measured after training with dropout off (what "
            "`model.evaluate` reports), so the runs are compared on equal terms. A smaller gap "
            "means the training score is a more honest forecast of the validation score. "
            + findings.gaps(
                [label.lower() if i == 0 else label for i, label in enumerate(labels)],
                [sc["train_acc"] for sc in scores],
                [sc["val_acc"] for sc in scores],
            )
        )
with tabs[3]:
    if tabs[3].open:
        d = 3  # the dropout run
        n = int(result.epochs_run[d])
        reported = float(result.history["loss"][d, n - 1])
        again = scores[d]["train_loss"]
        fig_d = shared_figure(repr(("reg dropout", s, slide)), lambda: rf.dropout_caution(
            result.history["loss"][d, :n], result.history["val_loss"][d, :n], again,
            scores[d]["val_loss"], slide=slide, title=f"Dropout (p = {s.dropout:g})",
        ))  # fmt: skip
        st.plotly_chart(fig_d, key="dropout", config=export_config("optiviz-dropout", slide))
        c1, c2 = st.columns(2)
        c1.metric("Training loss reported in the last epoch (dropout on)", f"{reported:.4f}")
        c2.metric("Same weights, dropout off", f"{again:.4f}", f"{again - reported:+.4f}",
                  delta_color="off")  # fmt: skip
        st.markdown(
            "While it trains, a dropout network is scored with part of its units switched "
            "off, a handicap it does not carry at prediction time. Its reported training loss "
            "is therefore usually too pessimistic, and training and validation curves can "
            "look close while the network overfits. Re-measure the training loss with dropout "
            "off (e.g. `model.evaluate(X_train, y_train)` after `fit`) before comparing it "
            "with the validation loss. " + findings.dropout_handicap(reported, again)
        )
with tabs[4]:
    if tabs[4].open:
        st.code(ui.keras_code(s), language="python")
