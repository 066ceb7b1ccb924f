"""Work in progress: this page is being built."""

import streamlit as st

st.title("gradients")
st.info("This page is being built.")
