"""Home: what optiviz is, a small live race, and a card per page."""

import streamlit as st

# Text first, engine after: on a cold server the title paints while JAX still loads.
st.title("optiviz — see how neural networks learn")
st.markdown(
    "Training a network means walking downhill on a loss surface. Each optimizer walks "
    "by a different rule: some take the slope at face value, some build up speed, some "
    "rescale every direction by how steep it has been. Here you can watch them do it, "
    "change their settings, and see where and why they end up where they do. Every "
    "number matches what Keras 3 computes."
)

from optiviz.engine import CLASSIC, get_surface  # noqa: E402
from optiviz.engine.presets import race_hparams  # noqa: E402
from optiviz.figures.style import export_config  # noqa: E402
from optiviz.ui import cache  # noqa: E402

surface = get_surface("two_wells")
runs = cache.run_key([(name, race_hparams(surface, name)) for name in CLASSIC])
result = cache.cached_race(surface.key, surface, runs, surface.start, 300)
fig = cache.cached_animation(
    cache.race_key(surface, runs, surface.start, 300), result, False, False
)
st.subheader("The classic race, live")
st.caption(
    "Five optimizers from the same start on two wells: the deep one (gold star) is the "
    "global minimum, the shallow one (diamond) a local trap. Press ▶ Play."
)
st.plotly_chart(fig, key="home_race", config=export_config("optiviz-classic-race", False))

st.subheader("Pages")
cards = [
    (
        "pages/race.py",
        "🏁 Optimizer race",
        "GD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, Nadam and AdaMax on 16 surfaces "
        "or your own formula; step-by-step inspector; copy as Keras; export to slides.",
    ),
    (
        "pages/landscape.py",
        "🗺️ Landscape",
        "Thousands of runs at once: which learning rate diverges (and what theory predicts), "
        "which start ends in which minimum, and each optimizer with its best learning rate.",
    ),
]
cols = st.columns(3)
for i, (page, title, text) in enumerate(cards):
    with cols[i % 3].container(border=True):
        st.page_link(page, label=title)
        st.caption(text)
