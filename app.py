"""optiviz: the router. Every page lives in pages/; this file only lists them."""

import streamlit as st

st.set_page_config(page_title="optiviz", page_icon="📉", layout="wide")


def page(path: str, title: str, icon: str, url: str) -> st.Page:
    return st.Page(path, title=title, icon=f":material/{icon}:", url_path=url)


home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)
st.navigation(
    {
        "": [home],
        "Optimizers": [
            page("pages/race.py", "Optimizer race", "sports_score", "race"),
            page("pages/landscape.py", "Landscape", "grid_on", "landscape"),
        ],
        "Networks": [
            page("pages/playground.py", "Playground", "hub", "playground"),
            page("pages/gradients.py", "Gradients lab", "stacked_line_chart", "gradients"),
            page("pages/activations.py", "Activations", "show_chart", "activations"),
        ],
        "Foundations": [
            page("pages/perceptron.py", "Perceptron", "scatter_plot", "perceptron"),
            page("pages/backprop.py", "Backpropagation", "account_tree", "backprop"),
            page("pages/schedules.py", "Learning-rate schedules", "trending_down", "schedules"),
            page("pages/regularization.py", "Regularization", "tune", "regularization"),
            page("pages/transfer.py", "Transfer learning", "move_up", "transfer"),
        ],
    }
).run()
