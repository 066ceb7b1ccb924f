"""The first neurons: McCulloch–Pitts logic units, Rosenblatt's perceptron, and XOR."""

import streamlit as st

from optiviz.ui import perceptron as pu
from optiviz.ui import url_state
from optiviz.ui.controls import lazy_tabs, page_intro

page_intro(
    "The perceptron",
    "Before networks there were single units: first logic gates made of threshold neurons, "
    "then a neuron with weights that learns from its mistakes, and the problem it cannot solve.",
)


url_state.open_page(
    pu.schema(pu.peek_gate()),
    page=pu.PAGE,
    sidebar=lambda: pu.sidebar(st.session_state.get(pu.TAB)),
)
slide = bool(st.session_state["slide"])

tab_mcp, tab_rule, tab_xor = lazy_tabs(
    [pu.MCP_TAB, "Rosenblatt's perceptron (1957)", "XOR and the hidden layer"],
    pu.TAB,
    keep=("gate", "theta", "in1", "in2", "in3", "mlp_act", "mlp_seed", "mlp_lr"),
)
with tab_mcp:
    if tab_mcp.open:
        st.markdown(
            "A McCulloch–Pitts unit sees only 0s and 1s. It counts how many of its excitatory "
            "inputs are on and fires (outputs 1) once that count reaches its threshold θ; a single "
            "active inhibitory input keeps it silent whatever the count. Wiring and θ decide which "
            "logical function the unit computes, and units like these can be chained into any "
            "logical expression."
        )
        pu.mcp_view(slide)
with tab_rule:
    if tab_rule.open:
        st.markdown(
            "Rosenblatt's unit takes real numbers, gives each input a weight, adds a bias and "
            "passes the sum through a step:"
        )
        st.latex(
            r"\hat y = \operatorname{heaviside}(w_1x_1 + w_2x_2 + b),\qquad"
            r"\operatorname{heaviside}(z) = \begin{cases}0 & z < 0\\ 1 & z \ge 0\end{cases}"
        )
        st.markdown(
            "It learns from one example at a time. A correct answer changes nothing; a wrong one "
            "moves the weights towards the right answer (y is the label, ŷ the unit's output):"
        )
        st.latex(
            r"w_i \leftarrow w_i + \eta\,(y - \hat y)\,x_i,\qquad"
            r" b \leftarrow b + \eta\,(y - \hat y)"
        )
        st.caption(
            "The course's slide prints the difference as (ŷ − y) with ŷ called the output; with "
            "that sign the weights would move away from the answer, so read it as "
            "(target − output)."
        )
        st.markdown(
            "Below, the unit learns to tell *Iris setosa* from the two other species by petal "
            "length x₁ and width x₂ (the 150 flowers bundled with scikit-learn). Each frame is one "
            "correction; ringed points are the ones the current line gets wrong, the cross marks "
            "the flower that triggered the correction. Press ▶ or drag the slider."
        )
        pu.iris_view(slide)
with tab_xor:
    if tab_xor.open:
        st.markdown(
            "XOR is 1 when exactly one input is on. The same rule, on the four XOR points, "
            "keeps correcting itself forever: the line jumps from one wrong position to another."
        )
        pu.xor_view(slide)
url_state.publish(pu.schema(pu.peek_gate()), page=pu.PAGE)
