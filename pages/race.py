"""Optimizer race: several optimizers start from one point on a loss surface."""

from functools import partial

import streamlit as st

from optiviz.engine.plane.claims import DEFAULT_RACE, claims
from optiviz.ui import cache, race_views, url_state
from optiviz.ui import race_controls as rc
from optiviz.ui.controls import lazy_tabs, page_intro
from optiviz.ui.text import literal

page_intro(
    "Optimizer race",
    "Every optimizer starts at the same point and follows its own update rule downhill. "
    "Press ▶ to watch, drag the slider to scrub, click the contour to move the start.",
)


url_state.open_page(rc.schema(rc.current_surface()[0]), page=rc.PAGE)
surface, error = rc.current_surface()
settings = rc.sidebar(surface, error)
params = rc.schema(surface)
url_state.publish(params, page=rc.PAGE)
if error:
    st.error(f"Your formula can't be raced yet: {error}")
    st.stop()
if not settings.racers:
    st.info("Choose at least one optimizer in the sidebar.")
    st.stop()

runs = cache.run_key(settings.runs())
key = cache.race_key(surface, runs, settings.start, settings.steps)
try:
    result = cache.cached_race(key, surface, runs, settings.start, settings.steps)
except ValueError as err:
    st.error(str(err))
    st.stop()
grid = cache.cached_grid(surface.key, surface)
race_views.record_facts(result)

# in slide mode the surface's text folds away, so the chart sits above a projector's fold
about = st.expander(f"About {surface.title}") if settings.slide else st.container()
with about:
    if surface.description:  # (a typed formula's title is the student's text: as typed)
        # what runs do on it, each checked (tests/engine/test_claims.py)
        said = claims(surface.name)
        own = " ".join(c.text for c in said if not c.default)
        st.markdown(f"**{literal(surface.title)}** — {surface.description} {own}".rstrip())
        if any(c.default for c in said):
            st.caption(f"{DEFAULT_RACE}: " + " ".join(c.text for c in said if c.default))
    if surface.latex:
        st.latex(rf"J(x, y) = {surface.latex}")
tabs = lazy_tabs(
    ["Race", "3D view", "Loss & distance", "Step inspector", "Keras code", "Export"],
    "race_tab",
    keep=("inspect_run", "inspect_step"),
)
if tabs[0].open or tabs[5].open:
    fig = cache.cached_animation(key, result, settings.slide, settings.quiver)
with tabs[0]:
    if tabs[0].open:
        st.plotly_chart(
            fig,
            key="race_chart",
            # a partial, not a lambda: Streamlit keeps the callback of every chart id a
            # session has drawn (the id follows the figure), and a lambda written here
            # would keep that run's page namespace alive with it: its figure and race
            on_select=partial(rc.set_start_from_click, "race_chart"),
            selection_mode="points",
            config=settings.chart_config(f"race-{surface.name}"),
        )
        race_views.outcome_table(result, key)
        st.page_link(
            "pages/playground.py",
            label="These surfaces are two-dimensional toys: a real network's loss has valleys "
            "too. See the one you train in the playground's Landscape tab →",
        )
if tabs[1].open or tabs[2].open:
    fig3d, curves = cache.cached_still_figures(key, result, settings.slide)
with tabs[1]:
    if tabs[1].open:
        st.plotly_chart(fig3d, key="race_3d", config=settings.chart_config("race-3d"))
with tabs[2]:
    if tabs[2].open:
        st.plotly_chart(curves, key="race_curves", config=settings.chart_config("progress"))
with tabs[3]:
    if tabs[3].open:
        race_views.inspector(result, grid, settings)
with tabs[4]:
    if tabs[4].open:
        race_views.keras_code(result)
with tabs[5]:
    if tabs[5].open:
        race_views.exports(fig, result, settings.slide)
