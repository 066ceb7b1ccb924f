"""Pages share one session: moving between pages must not hand a page another
page's value for a key they both use (``epochs``, ``adam.learning_rate``, ...)."""

from __future__ import annotations

from apptest_util import APP
from streamlit.testing.v1 import AppTest


def test_switching_pages_in_one_session_keeps_each_page_its_own_values() -> None:
    at = AppTest.from_file(APP, default_timeout=300)
    at.switch_page("pages/race.py").run()
    assert not at.exception, [e.value for e in at.exception]
    race_lr = at.sidebar.select_slider(key="sgd.learning_rate").value
    at.query_params.clear()
    at.query_params.update({"n": "200", "epochs": "20"})
    at.switch_page("pages/playground.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    at.query_params.clear()
    at.switch_page("pages/perceptron.py").run()  # its own `epochs` and `seed`
    assert not at.exception, [e.value for e in at.exception]
    at.query_params.clear()
    at.switch_page("pages/race.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.select_slider(key="sgd.learning_rate").value == race_lr


def test_a_value_moved_on_one_page_does_not_follow_the_student_to_another() -> None:
    """``adam.beta_1`` is a slider of the race and a box of the playground: moving the
    race's must leave the playground's at its own default (also for settings the
    playground stores only when it draws them)."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.switch_page("pages/race.py").run()
    at.sidebar.slider(key="adam.beta_1").set_value(0.5).run()
    assert not at.exception, [e.value for e in at.exception]
    at.query_params.clear()
    at.switch_page("pages/playground.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.number_input(key="adam.beta_1").value == 0.9
