"""Transfer learning: reuse the hidden layers of a network trained on another task."""

import streamlit as st

from optiviz.engine.networks.training import summary
from optiviz.figures import networks as nf
from optiviz.figures.style import export_config
from optiviz.ui import facts, url_state
from optiviz.ui import transfer as ui
from optiviz.ui.cache import shared_table
from optiviz.ui.controls import lazy_tabs, page_intro, table
from optiviz.ui.networks import history, keras_export_box, status_line, summary_table

page_intro(
    "Transfer learning: reusing pretrained layers",
    "Network A learned task A from plenty of examples. Network B must learn a related task "
    "B from only a handful. Does it help to start B from A's hidden layers?",
)


s = url_state.scene(ui.schema(), page=ui.PAGE, sidebar=ui.sidebar, settings=ui.current)
slide = bool(st.session_state["slide"])
pair = s.pair
try:
    ds_a, a = ui.network_a(s.task)
    result = ui.train_b(s)
except ValueError as err:
    st.error(str(err))
    st.stop()

ds_b = ui.task_b(s.task, s.n, s.seed)
facts.training("transfer", result)
cols = st.columns(len(result.labels) + 1)
cols[0].metric(f"A on {pair.a_short}", f"{float(a.final_accuracy[0]):.1%}")
for col, label, acc in zip(cols[1:], result.labels, result.final_accuracy, strict=True):
    col.metric(label, f"{float(acc):.1%}")
note = st.container()  # (in slide mode the note goes below the charts: they come first)
status_line(result)
tabs = lazy_tabs(
    [
        "Learning curves",
        "Accuracy table",
        "As B gets more examples",
        "Why reuse helps" if pair.name == "rings" else "Why reuse does not help",
        "Networks",
        "Keras code",
    ],
    "transfer_tab",
)
with tabs[0]:
    if tabs[0].open:
        fig = history(result, ui.COLORS, ("transfer", s), slide)
        st.plotly_chart(fig, key="history", config=export_config("optiviz-transfer", slide))
        st.caption(
            f"Solid: the {s.n} training examples, dashed: validation. Frozen layers keep their "
            f"weights; the last run lets A's layers change from epoch {s.unfreeze} on."
        )
with tabs[1]:
    if tabs[1].open:
        table(ui.accuracy_table(result))
        st.caption("Validation accuracy at the epochs named; *best* is the highest of any epoch.")
        shared_table(f"transfer final|{s!r}", lambda: nf.final_table(result))
with tabs[2]:
    if tabs[2].open:
        acc = ui.sizes(s)
        shared_table(
            f"transfer sizes|{s.task, s.epochs, s.unfreeze, s.lr}", lambda: ui.sizes_rows(s, acc)
        )
        gap = (acc[:, 2] - acc[:, 0]).mean(axis=1) * 100
        st.caption(
            f"Validation accuracy after the last epoch ({s.epochs}), mean of seeds 0, 1 and 2, "
            f"for each training-set size of task B. A's frozen layers minus scratch: "
            + ", ".join(f"{g:+.1f} points at {n}" for n, g in zip(pair.sizes, gap, strict=True))
            + "."
        )
with tabs[3]:
    if tabs[3].open:
        st.markdown(ui.verdict(result))
        st.markdown(ui.WHY[pair.name])
with tabs[4]:
    if tabs[4].open:
        widths = " → ".join(str(w) for w in pair.hidden)
        head = "1 sigmoid" if pair.name == "rings" else "5 softmax"
        st.markdown(f"Both networks: {ds_a.n_features} inputs → {widths} ReLU → {head}.")
        summary_table(summary(a))
        keras_export_box(result, ("transfer", s))
with tabs[5]:
    if tabs[5].open:
        st.code(ui.keras_code(s), language="python")
with st.container() if slide else note:
    st.caption(
        f"Validation accuracy after the last epoch (A: {pair.a_epochs}, B: {s.epochs}). A "
        f"learned {pair.a_short} from {ds_a.n_train:,} examples; B learns {pair.b_short} from "
        f"{s.n} and is scored on {ds_b.n_val:,} others. Chance is {pair.chance:.0%}."
    )
