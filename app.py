"""optiviz: the router. Every page lives in pages/; this file only lists them."""

import streamlit as st

from optiviz.ui import transport

# figures travel to the browser through optiviz's encoder (made once per cached figure)
transport.install()
st.set_page_config(page_title="optiviz", page_icon="📉", layout="wide")


def page(path: str, title: str, icon: str, url: str) -> st.Page:
    return st.Page(path, title=title, icon=f":material/{icon}:", url_path=url)


def sections() -> dict[str, list[st.Page]]:
    return {
        "": [st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)],
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


# Built once per session, not on every rerun: st.Page looks its file up on disk, and
# under a classroom's load those file-system calls were a tenth of the server's time.
# (Not shared between sessions: a page object carries per-run state.)
if "_pages" not in st.session_state:
    st.session_state["_pages"] = sections()
st.navigation(st.session_state["_pages"]).run()
