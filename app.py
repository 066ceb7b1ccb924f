"""optiviz: the router. Every page lives in pages/; this file only lists them."""

import streamlit as st

from optiviz.ui import classroom, teach, transport

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
        "Class": [
            page("pages/teach.py", "Teach", "co_present", "teach"),
            page("pages/join.py", "Join a class", "group_add", "join"),
        ],
    }


# Built once per session, not on every rerun: st.Page looks its file up on disk, and
# under a classroom's load those file-system calls were a tenth of the server's time.
# (Not shared between sessions: a page object carries per-run state.)
if "_pages" not in st.session_state:
    st.session_state["_pages"] = sections()
current = st.navigation(st.session_state["_pages"])
# a lesson or a live class draws its bar above the page, and hides the page's chart
# while its question waits for the reveal
shown = classroom.frame(current.url_path)
if shown:
    current.run()
classroom.after_page(current.url_path, shown)
teach.add_scene_button(current.url_path)
