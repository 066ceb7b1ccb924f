"""Transfer learning: reuse the hidden layers of a network trained on another task."""

import streamlit as st

# Text first, engine after: on a cold server the title paints while JAX still loads.
st.title("Transfer learning: reusing pretrained layers")
st.caption(
    "Network A learned to read the digits 0–4 from 700 examples. Network B must read 5–9 "
    "but gets only a handful of examples. Does it help to start B from A's hidden layers?"
)

from optiviz.engine.training import summary  # noqa: E402
from optiviz.figures import networks as nf  # noqa: E402
from optiviz.figures.style import export_config  # noqa: E402
from optiviz.ui import transfer as ui  # noqa: E402
from optiviz.ui import url_state  # noqa: E402
from optiviz.ui.cache import shared_table  # noqa: E402
from optiviz.ui.controls import lazy_tabs  # noqa: E402
from optiviz.ui.networks import history, status_line, summary_table  # noqa: E402

url_state.restore(ui.schema(), page=ui.PAGE)
url_state.show_notices()
ui.sidebar()
s = ui.current()
url_state.publish(ui.schema(), page=ui.PAGE)
slide = bool(st.session_state["slide"])
try:
    ds_a, a = ui.network_a()
    result = ui.train_b(s)
except ValueError as err:
    st.error(str(err))
    st.stop()

cols = st.columns(len(result.labels) + 1)
cols[0].metric("A on digits 0–4 (validation)", f"{float(a.final_accuracy[0]):.1%}")
for col, label, acc in zip(cols[1:], result.labels, result.final_accuracy, strict=True):
    col.metric(f"B: {label}", f"{float(acc):.1%}")
st.caption(
    f"Validation accuracy on {ds_a.n_classes} digits; B trains on {s.n} examples of 5–9 and "
    f"is scored on {ui.task_b(s.n, s.seed).n_val} others. Chance is 20 %."
)
status_line(result)
tabs = lazy_tabs(
    ["Learning curves", "Accuracy table", "Why reuse helps", "Networks", "Keras code"],
    "transfer_tab",
)
with tabs[0]:
    if tabs[0].open:
        fig = history(result, ui.COLORS, ("transfer", s), slide)
        st.plotly_chart(fig, key="history", config=export_config("optiviz-transfer", slide))
        st.caption(
            f"Solid: the {s.n} training examples, dashed: validation. Frozen layers keep A's "
            f"weights; the last run lets them change from epoch {s.unfreeze} on."
        )
with tabs[1]:
    if tabs[1].open:
        st.dataframe(ui.accuracy_table(result), hide_index=True, width="stretch")
        shared_table(f"transfer final|{s!r}", lambda: nf.final_table(result))
with tabs[2]:
    if tabs[2].open:
        st.markdown(ui.verdict(result))
        st.markdown(ui.WHY)
with tabs[3]:
    if tabs[3].open:
        st.markdown(f"Both networks: 64 pixels → {ui.HIDDEN[0]} → {ui.HIDDEN[1]} ReLU → 5 softmax.")
        summary_table(summary(a))
with tabs[4]:
    if tabs[4].open:
        st.code(ui.keras_code(s), language="python")
