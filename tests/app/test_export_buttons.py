"""Export buttons: a prepared file stays downloadable while the figure on screen is the
same picture, even when the page builds the figure again on every rerun."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _app() -> None:
    import plotly.graph_objects as go
    import streamlit as st

    from optiviz.ui.export import export_buttons

    n = st.number_input("points", 2, 10, 3)
    # built anew on every rerun, as most pages' small figures are
    fig = go.Figure(go.Scatter(x=list(range(int(n))), y=list(range(int(n)))))
    st.checkbox("unrelated setting", key="other")
    export_buttons(fig, "test-figure", slide=False, gif=False)


def _downloads(at: AppTest) -> list:
    return [el for el in at.get("download_button")]


def test_prepared_file_survives_reruns_and_goes_when_the_picture_changes() -> None:
    at = AppTest.from_function(_app, default_timeout=60).run()
    assert not at.exception and not _downloads(at)
    at.button(key="test-figure-html-go").click().run()
    assert len(_downloads(at)) == 1
    at.checkbox(key="other").check().run()  # a rerun that leaves the figure as it was
    assert not at.exception and len(_downloads(at)) == 1
    at.number_input[0].set_value(5).run()  # another picture: the old file is not offered
    assert not at.exception and not _downloads(at)


def test_frozen_figures_are_named_by_a_serial_never_reused() -> None:
    """A frozen figure's export token is its own serial number, not its ``id``: a
    cache may drop a figure and a new one land at the same address, and a file
    prepared from the old picture must not be offered for the new one."""
    import gc

    import plotly.graph_objects as go

    from optiviz.figures.style import frozen, frozen_light
    from optiviz.ui.export import _token

    seen = set()
    for make in (frozen, frozen_light) * 20:
        fig = make(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])))  # identical pictures
        token = _token(fig)
        assert token == _token(fig)  # stable while the figure lives
        assert token not in seen  # never the token of a figure that is gone
        seen.add(token)
        del fig
        gc.collect()  # (CPython often reuses the freed address for the next figure)


def test_slide_image_is_offered_in_the_format_chosen_beside_its_button() -> None:
    import os

    import pytest

    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("needs Debian's chromium")
    at = AppTest.from_function(_app, default_timeout=120).run()
    at.button(key="test-figure-slide-go").click().run()
    assert not at.exception and not at.error
    assert len([d for d in _downloads(at) if "PNG" in d.proto.label]) == 1
    at.radio(key="test-figure-slide-fmt").set_value("svg").run()  # another format: no file
    assert not [d for d in _downloads(at) if "PNG" in d.proto.label or "SVG" in d.proto.label]
    at.button(key="test-figure-slide-go").click().run()
    assert [d for d in _downloads(at) if "SVG" in d.proto.label]


def test_slide_image_is_1600_by_900_at_twice_the_pixels() -> None:
    import io
    import os

    import plotly.graph_objects as go
    import pytest
    from PIL import Image

    from optiviz.figures.export import slide_image

    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("needs Debian's chromium")
    png = slide_image(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])), "png")
    assert Image.open(io.BytesIO(png)).size == (3200, 1800)
    assert slide_image(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])), "svg").startswith(b"<svg")


def test_a_renderer_that_stops_answering_is_replaced_not_waited_for(monkeypatch) -> None:
    """kaleido waits for its headless Chromium without a time limit (a CI run once hung
    on it): render gives up after RENDER_TIMEOUT, starts a fresh renderer and tries
    again, and says so when that fails too."""
    import threading

    import plotly.io as pio
    import pytest

    from optiviz.figures import export

    never = threading.Event()
    answers = iter([None, b"drawn"])  # the first call hangs, the second answers

    def to_image(fig, **opts):
        answer = next(answers, None)
        if answer is None:
            never.wait()
        return answer

    fresh = []
    monkeypatch.setattr(pio, "to_image", to_image)
    monkeypatch.setattr(export, "RENDER_TIMEOUT", 0.3)
    monkeypatch.setattr(export, "_fresh_renderer", lambda: fresh.append(1))
    assert export.render({"data": []}, format="png") == b"drawn"
    assert fresh == [1]
    with pytest.raises(RuntimeError, match=r"not drawn within 0\.3 s"):
        export.render({"data": []}, format="png")  # both attempts hang
    never.set()
