"""The built-in lesson of the course module: it parses, every scene's settings are
settings of its page, every scene runs clean in AppTest, and every prediction's stored
answer is what the page itself found (the fact it records as it draws the scene)."""

from __future__ import annotations

import math

import pytest
from apptest_util import APP
from streamlit.testing.v1 import AppTest

from optiviz.lesson import Lesson, builtin, load
from optiviz.ui import facts
from optiviz.ui.lessons import PAGES, checked, page_file

LESSON = load("module9")
TIMEOUT = 240


def test_the_lesson_parses_and_checks() -> None:
    lesson = checked(load("module9"))
    assert isinstance(lesson, Lesson)
    assert lesson.title == "Training neural networks in 20 scenes"
    assert len(lesson.scenes) == 20
    assert builtin()["module9"] == lesson.title
    assert all(s.page in PAGES and s.title and s.text for s in lesson.scenes)


def test_the_lesson_asks_before_it_shows() -> None:
    predictions = [s.prediction for s in LESSON.scenes if s.prediction is not None]
    assert len(predictions) >= 12
    assert all(p.fact and p.reveal for p in predictions)
    points = [
        (s, s.prediction)
        for s in LESSON.scenes
        if s.prediction is not None and s.prediction.kind == "point"
    ]
    assert any(s.page == "race" for s, _ in points), "at least one point question on the race"
    for scene, p in points:
        assert p.radius > 0 and p.fact.startswith(f"{scene.page}.")


def _near(x: float, y: float, tol: float):
    return lambda v: math.hypot(v[0] - x, v[1] - y) <= tol


#: what each scene's text and reveal say besides its answer, checked against the facts
#: its page records (scene number -> fact -> test); the answer itself is checked below
CLAIMS = {
    3: {"playground.best_accuracy": lambda a: 0.35 <= a <= 0.65},  # "about a coin toss"
    4: {"playground.best_accuracy": lambda a: a >= 0.95},  # "almost perfectly"
    7: {"gradients.ratio": lambda r: r <= 1e-6},  # "shrunk by more than a million"
    8: {"gradients.ratio": lambda r: r >= 1e12},  # "trillions of times the last one's"
    9: {"gradients.ratio": lambda r: 0.1 <= r <= 10},  # "within a small factor"
    10: {  # "from trillions to about 14: still flagged as growing"
        "gradients.ratio": lambda r: 10 <= r <= 20,
        "gradients.verdict": lambda v: v == "exploding",
    },
    11: {"gradients.diverged": lambda d: d == "No"},  # "no longer overflows"
    12: {"race.end.sgd": lambda p: p[0] > 0.5},  # "GD stops in the first well it meets"
    13: {"race.end.nesterov": lambda p: p[0] > 0.5},  # "settles in the shallow well"
    14: {  # "the adaptive methods ... end close to the centre (0, 0)"
        f"race.end.{name}": _near(0.0, 0.0, 0.1) for name in ("adagrad", "rmsprop", "adam")
    },
    19: {"regularization.overfits": lambda v: v == "Yes"},  # "turns back up"
}


def _run(scene) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in scene.query().items():
        at.query_params[k] = v
    at.switch_page(page_file(scene.page))
    return at.run()


@pytest.mark.parametrize(
    "index", range(len(LESSON.scenes)), ids=[s.title[:30] for s in LESSON.scenes]
)
def test_every_scene_runs_and_shows_what_it_claims(index: int) -> None:
    scene = LESSON.scenes[index]
    at = _run(scene)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    notices = [w.value for w in at.warning if "could not be used" in w.value]
    assert not notices, notices  # every setting of the scene was taken
    found = dict(at.session_state[facts.KEY]) if facts.KEY in at.session_state else {}
    for fact, holds in CLAIMS.get(index + 1, {}).items():
        assert fact in found and holds(found[fact]), f"{scene.title!r}: {fact} = {found.get(fact)}"
    p = scene.prediction
    if p is None:
        return
    assert p.fact in found, f"{scene.page} recorded {sorted(found)}, not {p.fact}"
    value = found[p.fact]
    if p.kind == "point":
        x, y = value
        ax, ay = p.answer
        assert math.hypot(x - ax, y - ay) <= p.radius / 4, (value, p.answer)
        assert p.is_right(value)
    else:
        assert value in p.choices, (value, p.choices)
        assert value == p.answer, f"{scene.title!r}: the page found {value!r}"
