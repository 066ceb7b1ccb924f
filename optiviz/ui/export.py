"""Download buttons for a figure: offline HTML and a server-rendered GIF."""

from __future__ import annotations

import hashlib

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from optiviz.figures.export import animated_gif, slide_image, standalone_html


def _token(fig: go.Figure) -> int | str:
    """What identifies the figure on screen across reruns. A frozen figure is a cached,
    shared object (same scene, same object) with a serial number of its own (not its
    ``id``: a new figure may get the ``id`` of one a cache dropped, and a file prepared
    from the old picture would be offered for the new); any other figure is built again
    on each rerun, so its content says whether it is still the same picture."""
    if "serial" in vars(fig):
        return f"frozen-{vars(fig)['serial']}"
    return hashlib.md5(pio.to_json(fig, validate=False).encode()).hexdigest()


def _fresh(key: str, token: object) -> bytes | None:
    """A prepared file, if it was made from the figure now on screen."""
    held = st.session_state.get(key)
    return held[1] if held and held[0] == token else None


def export_buttons(fig: go.Figure, filename: str, slide: bool, gif: bool = True) -> None:
    """A still for a slide (PNG or SVG, chosen here), offline HTML (always) and an
    animated GIF (for animated figures) of ``fig``."""
    token = _token(fig)
    c0, c1, c2 = st.columns(3)
    with c0:
        fmt = st.radio(
            "Slide image",
            ("png", "svg"),
            key=f"{filename}-slide-fmt",
            horizontal=True,
            format_func=str.upper,
            help="16:9 (1600×900), large text, no play buttons: the last frame, ready to paste.",
        )
        if st.button("Make a slide image", key=f"{filename}-slide-go"):
            with st.spinner("Rendering…"):
                try:
                    st.session_state[f"{filename}-slide"] = (
                        (token, fmt),
                        slide_image(fig, fmt),
                    )
                except RuntimeError as err:
                    st.error(str(err))
        data = _fresh(f"{filename}-slide", (token, fmt))
        if data:
            st.download_button(
                f"⬇ Download {fmt.upper()}",
                data,
                file_name=f"{filename}.{fmt}",
                mime="image/png" if fmt == "png" else "image/svg+xml",
                on_click="ignore",
            )
    with c1:
        if st.button("Prepare offline HTML", key=f"{filename}-html-go"):
            st.session_state[f"{filename}-html"] = (token, standalone_html(fig))
        data = _fresh(f"{filename}-html", token)
        if data:
            st.download_button(
                "⬇ Download HTML",
                data,
                file_name=f"{filename}.html",
                mime="text/html",
                on_click="ignore",  # no rerun: the button stays for another download
            )
    if not gif:
        return
    with c2:
        if st.button("Make an animated GIF", key=f"{filename}-gif-go"):
            bar = st.progress(0.0, text="Rendering frames…")
            size = (1600, 900) if slide else (960, 600)
            try:
                gif = animated_gif(
                    fig, width=size[0], height=size[1], progress=lambda f: bar.progress(f)
                )
                st.session_state[f"{filename}-gif"] = (token, gif)
                bar.empty()
            except RuntimeError as err:
                bar.empty()
                st.error(str(err))
        gif = _fresh(f"{filename}-gif", token)
        if gif:
            st.download_button(
                "⬇ Download GIF",
                gif,
                file_name=f"{filename}.gif",
                mime="image/gif",
                on_click="ignore",
            )
