"""optiviz: the router. Every page lives in pages/; this file only lists them."""

import streamlit as st

st.set_page_config(page_title="optiviz", page_icon="📉", layout="wide")

home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)
race = st.Page(
    "pages/race.py", title="Optimizer race", icon=":material/sports_score:", url_path="race"
)

landscape = st.Page(
    "pages/landscape.py", title="Landscape", icon=":material/grid_on:", url_path="landscape"
)

st.navigation({"": [home], "Optimizers": [race, landscape]}).run()
