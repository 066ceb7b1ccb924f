"""Teach: lessons (built-in or your own), presenter mode, and starting a live class."""

import streamlit as st

from optiviz.ui import classroom, teach
from optiviz.ui.controls import page_intro
from optiviz.ui.text import literal

page_intro(
    "Teach with lessons",
    "A lesson is a list of scenes: a page with its settings, a line of text, and a question "
    "students answer before they see the result. Present it on the projector, or start a "
    "live class: students join on their phones and follow you scene by scene.",
)
resume = st.query_params.get("resume"), st.query_params.get("key")
if all(resume) and st.session_state.get("_resumed") != resume:  # the teacher's private link
    st.session_state["_resumed"] = resume
    del st.query_params["key"]  # (out of the address bar at once, whatever follows)
    del st.query_params["resume"]
    failed = classroom.resume(*resume)
    if failed:
        st.error(failed)
problem = teach.lesson_from_link()
if problem:
    st.error(f"The lesson in this link could not be used: {literal(problem)}")
if st.session_state.pop("_class_ended", None):
    st.info("The class has ended.")

lesson = teach.choose()
if lesson is not None:
    teach.overview(lesson)
    teach.start_buttons(lesson)
    with st.expander("Files and link"):
        teach.files(lesson)
st.subheader("My lesson")
teach.editor()
