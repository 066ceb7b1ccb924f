"""Home: what optiviz is, a small live race, and a card per page."""

import streamlit as st

from optiviz.engine import CLASSIC, get_surface
from optiviz.engine.plane.presets import race_hparams
from optiviz.figures.style import export_config
from optiviz.ui import cache
from optiviz.ui.controls import PHONE_CSS

st.html(PHONE_CSS)  # (the other pages get it with their page_intro)
st.title("optiviz — see how neural networks learn")
st.markdown(
    "Training a network means walking downhill on a loss surface. Each optimizer walks "
    "by a different rule: some take the slope at face value, some build up speed, some "
    "rescale every direction by how steep it has been. Here you can watch them do it, "
    "train small networks in the browser, look inside their layers while they learn, and "
    "see where and why things go wrong. Every number matches what Keras 3 computes."
)


surface = get_surface("two_wells")
runs = cache.run_key([(name, race_hparams(surface, name)) for name in CLASSIC])
key = cache.race_key(surface, runs, surface.start, 300)
result = cache.cached_race(key, surface, runs, surface.start, 300)
fig = cache.cached_animation(key, result, False, False)
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
        "Optimizer race",
        "GD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, Nadam and AdaMax on 16 surfaces "
        "or your own formula; step-by-step inspector; copy as Keras; export to slides.",
    ),
    (
        "pages/landscape.py",
        "Landscape",
        "Thousands of runs at once: which learning rate diverges (and what theory predicts), "
        "which start ends in which minimum, and each optimizer with its best learning rate.",
    ),
    (
        "pages/playground.py",
        "Network playground",
        "Train a small network on 2D data, your own CSV or points you draw, with several "
        "optimizers at once; watch the boundary form unit by unit, step or train further, "
        "and walk the network's own loss landscape.",
    ),
    (
        "pages/gradients.py",
        "Gradients lab",
        "Deep stacks of layers: where gradients vanish or explode, and how the choice of "
        "activation, initializer, batch norm or clipping changes that.",
    ),
    (
        "pages/activations.py",
        "Activations",
        "Every activation and its slope, where each saturates, and why ReLU units die at "
        "large learning rates while leaky ReLU and ELU keep learning.",
    ),
    (
        "pages/perceptron.py",
        "Perceptron",
        "McCulloch–Pitts logic units, Rosenblatt's learning rule on iris, and why one "
        "neuron cannot learn XOR while a hidden layer can.",
    ),
    (
        "pages/backprop.py",
        "Backpropagation",
        "A 2-2-1 network on one example: the forward pass, the errors flowing back and "
        "one gradient-descent step, with every number on the picture.",
    ),
    (
        "pages/schedules.py",
        "Learning-rate schedules",
        "Piecewise, exponential, power, performance and 1cycle schedules side by side, and "
        "a learning-rate range test that suggests where to start.",
    ),
    (
        "pages/regularization.py",
        "Regularization",
        "A network that overfits, then the same network with L1, L2, dropout, batch norm "
        "and early stopping: what each does to the gap between training and validation.",
    ),
    (
        "pages/transfer.py",
        "Transfer learning",
        "Reuse the hidden layers of a network trained on one task to learn a related task "
        "from a few examples, frozen or fine-tuned.",
    ),
    (
        "pages/teach.py",
        "Teach",
        "The module as a lesson of 20 scenes, or your own: present it, or run a live class "
        "where students predict each result on their phones before you reveal it.",
    ),
    (
        "pages/join.py",
        "Join a class",
        "Type the code your teacher shows (or scan the QR code) to follow the class and "
        "answer its questions.",
    ),
]
cols = st.columns(3)
for i, (page, title, text) in enumerate(cards):
    with cols[i % 3].container(border=True):
        st.page_link(page, label=title)
        st.caption(text)
