"""Backpropagation, step by step, on a 2-2-1 network and one example."""

import streamlit as st

from optiviz.figures.style import export_config
from optiviz.ui import backprop as bp
from optiviz.ui import url_state
from optiviz.ui.controls import page_intro, table
from optiviz.ui.export import export_buttons

page_intro(
    "Backpropagation, step by step",
    "One example goes forward through a tiny network, the error comes back, and every weight "
    "learns how much it was to blame. Every number is written on the picture.",
)


url_state.open_page(bp.schema(), page=bp.PAGE, sidebar=bp.sidebar)
slide = bool(st.session_state["slide"])

if not slide:  # in slide mode the teacher says this, and the network fits the screen
    st.markdown(
        "Training a network on one example takes four moves: a **forward pass** computes "
        "each unit's weighted sum Z and activation; the **loss** measures how far the output "
        "O is from the target y; a **reverse pass** sends the error back layer by layer with "
        "the chain rule, giving each weight its gradient; a **gradient-descent step** moves "
        "every weight a little against its gradient. Step through them with the buttons; "
        "change any number in the sidebar."
    )
try:
    trace = bp.current_trace()
except ValueError as err:  # a number outside the bounds (only reachable by editing state)
    st.error(str(err))
    trace = None
stage = bp.stepper(trace)
url_state.publish(bp.schema(), page=bp.PAGE)
if trace is None:
    st.stop()
bp.record_facts(trace)

fig = bp.figure(trace, stage, slide)
st.plotly_chart(fig, key="bp_chart", config=export_config("optiviz-backprop", slide))
bp.explain(trace, stage)
st.caption(
    "Loss used here: L = ½(O − y)², so that ∂L/∂O = O − y and the errors E are exactly "
    "∂L/∂Z (the course's E_o = (O − y)·f′(Z_o) and E_h = E_o·W_o·f′(Z_h)). Keras's "
    "'mse' has no ½ and averages over outputs: its gradients would be twice these."
)
with st.expander("All nine weights: before, gradient, after · export"):
    table(bp.update_table(trace), width="content")
    export_buttons(fig, "optiviz-backprop", slide, gif=False)
