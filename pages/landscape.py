"""Landscape: thousands of runs at once (hyperparameter maps, basins, a fair comparison)."""

import streamlit as st

from optiviz.engine import OPTIMIZERS, get_surface
from optiviz.figures import landscape as figs
from optiviz.figures.style import export_config, run_colors
from optiviz.ui import landscape as ls
from optiviz.ui import url_state
from optiviz.ui.cache import shared_figure
from optiviz.ui.controls import lazy_tabs, page_intro
from optiviz.ui.export import export_buttons

page_intro(
    "Landscape: thousands of runs at once",
    "Which learning rate? Does momentum really skip local minima? Which optimizer is best? "
    "Each picture below is thousands of complete runs, one per pixel.",
)


url_state.open_page(ls.schema(ls.peek_surface()), page=ls.PAGE, sidebar=ls.sidebar)
ss = st.session_state
names = tuple(OPTIMIZERS)
surface = get_surface(ss["surface"])
start, steps, slide = (float(ss["x0"]), float(ss["y0"])), int(ss["steps"]), bool(ss["slide"])

tab_map, tab_basins, tab_fair = lazy_tabs(
    ["Hyperparameter map", "Basins of attraction", "Fair comparison"],
    "landscape_tab",
    keep=("map_opt", "map_param", "metric", "basin_opts", "grid", "fair_opts"),
)
with tab_map:
    if tab_map.open:
        ls.controls(surface, "map")
        param = ls.chosen_param(ss["map_opt"])
        with st.spinner("Running 4096 settings…"):
            result = ls.cached_sweep(surface.key, surface, ss["map_opt"], param, start, steps)
        fig = shared_figure(
            repr(("map", surface.key, ss["map_opt"], param, start, steps, ss["metric"], slide)),
            lambda: figs.hyperparameter_map(result, ss["metric"], slide=slide).add_trace(
                figs.map_click_grid(result)
            ),
        )
        st.plotly_chart(
            fig,
            key="map_chart",
            on_select="rerun",
            selection_mode="points",
            config=export_config("optiviz-map", slide),
        )
        cell = ls.clicked_cell("map_chart")
        if cell:
            url, text = ls.race_link(result, *cell)
            st.link_button(text, url)
        said = ["Grey cells diverged."]
        if ss["metric"] == "steps_to_eps":
            said.append(
                "Colour: steps until the run first came within ε of the global minimum it "
                "ends in; light orange: it ended in a local minimum; white: it ended near no "
                "minimum."
            )
        line = figs.theory_line(result)
        if line:
            said.append(f"The dashed line is where theory says divergence starts ({line}).")
        said.append("Click a cell to race that setting.")
        st.caption(" ".join(said))
with tab_basins:
    if tab_basins.open:
        ls.controls(surface, "basins", "basins_grid")
        if ss["basin_opts"]:
            b = ls.basins_with_progress(surface, list(ss["basin_opts"]), int(ss["grid"]), steps)
            opts, grid = list(ss["basin_opts"]), int(ss["grid"])
            fig_b = shared_figure(
                repr(("basins", surface.key, opts, grid, steps, slide)),
                lambda: figs.basins_figure(b, [ls.show(n) for n in b.optimizers], slide=slide),
            )
            st.plotly_chart(
                fig_b,
                key="basins_chart",
                on_select="rerun",
                selection_mode="points",
                config=export_config("optiviz-basins", slide),
            )
            start_clicked = ls.clicked_start("basins_chart")
            if start_clicked and start_clicked[0] < len(b.optimizers):
                url, text = ls.race_from(b, *start_clicked)
                st.link_button(text, url)
            with st.expander("Export"):
                export_buttons(fig_b, "optiviz-basins", slide, gif=False)
            st.caption(
                "Each pixel is a start point, coloured by the minimum its run ends in "
                "(gold: global). Click a start to race from it."
            )
with tab_fair:
    if tab_fair.open:
        ls.controls(surface, "fair")
        if ss["fair_opts"]:
            try:
                fair = ls.fair_with_progress(surface, tuple(ss["fair_opts"]), start, steps)
            except ValueError as err:  # e.g. a start where the loss is not finite
                st.error(str(err))
                st.stop()
            fig_f = shared_figure(
                repr(("fair", surface.key, tuple(ss["fair_opts"]), start, steps, slide)),
                lambda: figs.fair_figure(
                    fair, list(fair.race.labels), run_colors(fair.race), slide=slide
                ),
            )
            st.plotly_chart(fig_f, key="fair_chart", config=export_config("optiviz-fair", slide))
            ls.fair_table(fair)
url_state.publish(ls.schema(surface), page=ls.PAGE)
