"""Activations: every activation and its slope, where each goes flat, and dying ReLUs."""

import streamlit as st

from optiviz.figures.style import export_config
from optiviz.ui import activations as ui
from optiviz.ui import url_state
from optiviz.ui.controls import page_intro

page_intro(
    "Activation functions",
    "What each activation does to a unit's weighted sum z, how steep it is (the gradient "
    "backpropagation passes on), where it goes flat, and how often ReLU units die for good.",
)


url_state.open_page(ui.schema(), page=ui.PAGE, sidebar=ui.sidebar)
ss = st.session_state
slide = bool(ss["slide"])

if not slide:  # (in slide mode the chart comes first: above a 1280x720 projector's fold)
    st.header("Curves and their slopes")
ui.controls("curves")
if ss["shown"]:
    fig = ui.curves_figure(slide)
    st.plotly_chart(fig, key="curves_chart", config=export_config("activations", slide))
    if ss["shade"]:  # (the caption explains the shading, so it goes when the shading does)
        st.caption(
            "Shaded: sigmoid and tanh where |f′| is below 10 % of its peak (saturated); the "
            "ReLU family where f′ is exactly 0 (no gradient at all)."
        )
else:
    st.info("Choose at least one activation to draw.")
ui.formulas()

st.header("Dying ReLU: dead units as the learning rate grows")
st.markdown(ui.EXPERIMENT_TEXT)
ui.experiment_controls()
try:
    lrs = ui.learning_rates()
    lines = ui.run_experiment(lrs)
except ValueError as err:  # e.g. the smallest learning rate above the largest
    st.error(str(err))
    url_state.publish(ui.schema(), page=ui.PAGE)
    st.stop()
index = min(int(ss["lr_pick"]), len(lrs) - 1)
fig_lr = ui.rate_figure(lines, lrs, index, slide)
st.plotly_chart(fig_lr, key="dead_lr_chart", config=export_config("dying-relu", slide))
index = ui.pick_rate(lrs)
ui.record_facts(lines, index)
fig_ep = ui.epochs_figure(lines, lrs, index, slide)
st.plotly_chart(fig_ep, key="dead_epochs_chart", config=export_config("dying-relu-epochs", slide))
ui.summary_table(lines, lrs, index)
url_state.publish(ui.schema(), page=ui.PAGE)
