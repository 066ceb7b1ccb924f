"""Learning-rate schedules: η(t) curves, six schedules trained side by side, LR range test."""

import streamlit as st

from optiviz.engine import OPTIMIZERS
from optiviz.engine.networks import findings
from optiviz.figures import networks as nf
from optiviz.figures import schedules as sf
from optiviz.figures.style import export_config
from optiviz.ui import facts, url_state
from optiviz.ui import schedules as ui
from optiviz.ui.cache import shared_figure, shared_table
from optiviz.ui.controls import lazy_tabs, page_intro
from optiviz.ui.networks import export_box, history, keras_export_box, status_line

page_intro(
    "Learning-rate schedules",
    "A large learning rate makes fast early progress but keeps bouncing around the minimum; "
    "a small one settles but crawls. A schedule starts big and shrinks the rate as training "
    "goes on. Here six schedules train the same network from the same initial weights.",
)


s = url_state.scene(ui.schema(), page=ui.PAGE, sidebar=ui.sidebar, settings=ui.current)
slide = bool(st.session_state["slide"])
try:
    ui.check(s)
except ValueError as err:
    st.error(str(err))
    st.stop()

head = st.container()  # the training's progress bar, above the tabs
tabs = lazy_tabs(
    ["η(t) of each schedule", "Training side by side", "LR range test", "Keras code"],
    "schedules_tab",
    keep=("sc_lo", "sc_hi", "sc_steps"),
)
if tabs[0].open or tabs[1].open:  # the six runs: the performance curve and the history
    with head:
        try:
            result = ui.trained(s)
        except ValueError as err:
            st.error(str(err))
            st.stop()
    facts.training("schedules", result)
with tabs[0]:
    if tabs[0].open:
        fig = shared_figure(
            repr(("schedule curves", s, slide)),
            lambda: sf.lr_curves(ui.curves(s, result), labels=ui.labels(), slide=slide),
        )
        st.plotly_chart(fig, key="curves", config=export_config("optiviz-schedules", slide))
        st.caption(
            f"Log scale: equal steps down are equal ratios. η₀ = {s.lr:g}. The performance "
            "schedule has no formula: it halves (by `factor`) whenever the validation loss of "
            "its run has not improved for `patience` epochs, so its steps come from the run."
        )
with tabs[1]:
    if tabs[1].open:
        status_line(result)
        colors = [sf.SCHEDULE_COLORS[name] for name in ui.labels()]
        hist = history(result, colors, ("schedules", s), slide)
        st.plotly_chart(
            hist, key="history", config=export_config("optiviz-schedule-history", slide)
        )
        shared_table(f"schedules final|{s!r}", lambda: nf.final_table(result))
        keras_export_box(result, ("schedules", s))
        used = {name: result.history["lr"][i] for i, name in enumerate(ui.labels())}
        st.plotly_chart(
            shared_figure(repr(("schedule lr used", s, slide)), lambda: sf.lr_curves(
                used, labels=ui.labels(), first_epoch=1, xlabel="epoch", slide=slide,
                title="Learning rate each run actually used")),
            key="used", config=export_config("optiviz-schedule-lr-used", slide),
        )  # fmt: skip
        st.caption(
            f"{OPTIMIZERS[s.optimizer].display}, η₀ = {s.lr:g}, identical weights at epoch 0. "
            "A rate that stays large tends to keep the training loss jittering; one that "
            "shrinks lets the network settle into the bottom of its valley. "
            + findings.settling(
                [label.lower() for label in ui.labels().values()],
                result.history["loss"],
                result.epochs_run,
            )
        )
with tabs[2]:
    if tabs[2].open:
        ui.range_controls()
        try:
            rt = ui.range_test(s)
        except ValueError as err:
            st.error(str(err))
            st.stop()
        fig_r = shared_figure(
            repr(("lr range", s, ui.range_sweep(), slide)),
            lambda: sf.lr_range_figure(rt, slide=slide),
        )
        st.plotly_chart(fig_r, key="range", config=export_config("optiviz-lr-range", slide))
        export_box(fig_r, "optiviz-lr-range", slide)
        st.markdown(
            f"One run of {rt.steps} mini-batches whose learning rate is multiplied by the same "
            "factor every step. **Suggested rate = one tenth of the rate at the lowest smoothed "
            f"loss**: {rt.suggested:.3g} (the steepest fall is at {rt.steepest:.3g})."
        )
        st.link_button(
            f"Train with η = {rt.suggested:.3g} in the playground",
            ui.playground_link(s, rt.suggested),
        )
with tabs[3]:
    if tabs[3].open:
        ui.keras_codes(s)
