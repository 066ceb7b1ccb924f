"""Join a class: a student types the code on the projector (or scans its QR code)."""

import streamlit as st

from optiviz.ui import classroom
from optiviz.ui.controls import page_intro

page_intro("Join a class", "Type the code your teacher shows, or scan the QR code.")
if st.session_state.pop("_class_ended", None):
    st.info("Your class has ended. Thanks for joining!")

code = str(st.query_params.get("code", "") or "")
if code and st.session_state.get("_join_tried") != code:  # the QR code's link joins at once
    st.session_state["_join_tried"] = code
    problem = classroom.join(code)
    if problem:
        st.error(problem)

with st.form("join_form", border=False):
    typed = st.text_input(
        "Class code", code, max_chars=12, placeholder="e.g. K7PM2Q", key="join_code"
    )
    if st.form_submit_button("Join", type="primary", width="stretch"):
        problem = classroom.join(typed)
        if problem:
            st.error(problem)
