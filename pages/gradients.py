"""Gradients lab: vanishing and exploding gradients in a deep MLP, layer by layer."""

import streamlit as st

from optiviz.figures.style import export_config
from optiviz.ui import gradients as gl
from optiviz.ui import url_state
from optiviz.ui.controls import lazy_tabs, page_intro
from optiviz.ui.export import export_buttons

page_intro(
    "Gradients lab: vanishing and exploding",
    "A deep stack of Dense layers sees one fixed batch of inputs. Back-propagation multiplies "
    "the error by every layer's weights and slopes on its way down: pick an activation and an "
    "initializer and watch that product shrink to nothing or blow up.",
)


url_state.open_page(gl.schema(), page=gl.PAGE, sidebar=gl.sidebar)
gl.presets()
ss = st.session_state
slide = bool(ss["slide"])
kw = gl.settings()
try:
    with st.spinner("Initializing and training the network…"):
        lab = gl.cached_lab(**kw)
except ValueError as err:
    st.error(str(err))
    url_state.publish(gl.schema(), page=gl.PAGE)
    st.stop()
gl.record_facts(lab)
# the verdict sits above the charts; in slide mode below them (the chart first, above the
# fold of a 1280×720 projector)
head = st.container()

tabs = lazy_tabs(
    ["At initialization", "Self-normalisation", "Training", "Activation × initializer", "Formulas"],
    "gradients_tab",
)
with tabs[0]:
    if tabs[0].open:
        fig_h = gl.figure("histograms", lab, kw, slide)
        st.plotly_chart(
            fig_h, key="hist_chart", config=export_config("gradients-histograms", slide)
        )
        st.plotly_chart(
            gl.figure("norms", lab, kw, slide),
            key="norms_chart",
            config=export_config("gradients-norms", slide),
        )
        with st.expander("Export"):
            export_buttons(fig_h, "gradients-histograms", slide, gif=False)
with tabs[1]:
    if tabs[1].open:
        st.plotly_chart(
            gl.figure("activation_stats", lab, kw, slide),
            key="stats_chart",
            config=export_config("gradients-activation-stats", slide),
        )
        st.caption(
            "SELU with lecun_normal keeps every layer near mean 0 and std 1 (self-normalising, "
            "Klambauer et al. 2017); ReLU with Glorot weights loses about half the variance per "
            "layer, and N(0, 1) weights multiply it. Try the presets above."
        )
with tabs[2]:
    if tabs[2].open:
        st.plotly_chart(
            gl.figure("training", lab, kw, slide),
            key="train_chart",
            config=export_config("gradients-training", slide),
        )
        spread = gl.training_spread(lab)
        here = (
            f" Here, in the last epoch shown, the largest layer's gradient norm is "
            f"{spread:.3g} times the smallest."
            if spread
            else ""
        )
        st.caption(
            "Gradient clipping (clipnorm) caps each step at learning_rate × clipnorm, so an "
            "exploding network no longer overflows while it trains; batch normalization rescales "
            "every layer's signal, which keeps the layers' gradient norms closer together." + here
        )
with tabs[3]:
    if tabs[3].open:
        with st.spinner("Every activation × every initializer in one call…"):
            args = (kw["depth"], kw["width"], kw["stddev"], kw["batch_norm"], kw["seed"])
            m = gl.cached_matrix(*args)
        st.plotly_chart(
            gl.figure("matrix", m, args, slide),
            key="matrix_chart",
            config=export_config("gradients-matrix", slide),
        )
        st.caption(
            f"Ratio of the back-propagated gradient's norm in layer 1 to layer {kw['depth']}, "
            f"at initialization, on {gl.MATRIX_BATCH} inputs: below 0.1 vanishing, above 10 "
            "exploding."
        )
with tabs[4]:
    if tabs[4].open:
        gl.formulas()
url_state.publish(gl.schema(), page=gl.PAGE)
with st.container() if slide else head:
    gl.verdict(lab)
