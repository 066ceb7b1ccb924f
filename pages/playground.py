"""Playground: train a small network on 2D data, several optimizers side by side."""

import streamlit as st

from optiviz.engine import DatasetError, summary
from optiviz.figures import networks as nf
from optiviz.figures.style import export_config, optimizer_color
from optiviz.ui import drawing, facts, net_landscape, url_state
from optiviz.ui import networks as views
from optiviz.ui import playground as pg
from optiviz.ui.cache import shared_table
from optiviz.ui.controls import lazy_tabs, page_intro
from optiviz.ui.further import further_controls

page_intro(
    "Network playground",
    "Build a small network, pick optimizers, and watch each one bend the decision "
    "boundary around the data. All optimizers start from the same initial weights.",
)


settings = url_state.scene(pg.schema(), page=pg.PAGE, sidebar=pg.sidebar, settings=pg.current)
slide = bool(st.session_state["slide"])
if settings.data == pg.DRAW:
    drawing.canvas(dict(settings.data_args)["regression"], slide)
if not settings.optimizers:
    st.info("Choose at least one optimizer in the sidebar.")
    st.stop()
try:
    ds = pg.dataset(settings)
    result = pg.train_with_progress(settings, ds)
except (DatasetError, ValueError) as err:
    st.error(str(err))
    st.stop()

colors = [optimizer_color(name) for name, _ in settings.optimizers]
further_controls(settings)
views.status_line(result)
facts.training("playground", result)
tabs = lazy_tabs(
    [
        "Decision boundary",
        "Network",
        "History",
        "Landscape",
        "Gradients",
        "Weights",
        "Model",
        "Keras code",
    ],
    "pg_tab",
    keep=("code_run", "grad_run", "weights_run", "model_run", "diagram_run", "ls_run"),
)
with tabs[0]:
    if tabs[0].open:
        if ds.is_2d:
            shown = bool(st.session_state["show_val"])
            fig = views.cached_boundary(result, ds, slide, key=(settings, shown), validation=shown)
            st.plotly_chart(fig, key="boundary", config=export_config("optiviz-boundary", slide))
            views.boundary_caption(ds.n_classes)
            views.export_box(fig, "optiviz-boundary", slide)
        else:
            st.info(f"{ds.display} has {ds.n_features} features: no plane to draw it on.")
        shared_table(f"playground final|{settings!r}", lambda: nf.final_table(result))
with tabs[1]:
    if tabs[1].open:
        views.diagram(result, settings.features, ("playground", settings), slide)
with tabs[2]:
    if tabs[2].open:
        st.plotly_chart(
            views.history(result, colors, ("playground", settings), slide),
            key="history",
            config=export_config("optiviz-history", slide),
        )
        views.history_caption(result)
with tabs[3]:
    if tabs[3].open:
        net_landscape.tab(result, ("playground", settings), colors, slide)
with tabs[4]:
    if tabs[4].open:
        views.gradients_tab(result, ("playground", settings), slide)
with tabs[5]:
    if tabs[5].open:
        views.weights_tab(result, ("playground", settings), slide)
with tabs[6]:
    if tabs[6].open:
        model_run = views.pick_run(result, "model_run")
        views.summary_table(summary(result, model_run))
        views.inside_model(result, model_run, ds, ("playground", settings), slide)
        views.keras_styles(result, model_run)
        views.keras_download(
            result,
            model_run,
            ("playground", settings),
            lambda name: pg.keras_load_script(settings, ds, name),
        )
with tabs[7]:
    if tabs[7].open:
        run = views.pick_run(result, "code_run")
        try:
            st.code(pg.keras_script(settings, ds, run), language="python")
        except ValueError as err:
            st.warning(f"No Keras code for this setting: {err}")
