"""The live class's charts say what the class answered, and nothing before the reveal."""

from __future__ import annotations

import numpy as np

from optiviz.engine import get_surface
from optiviz.figures.classroom import (
    ANSWER,
    DENSITY_FROM,
    RIGHT,
    answers_bar,
    choice_counts,
    point_question,
    within,
)


def test_the_bars_count_each_choice_and_hint_nothing_before_the_reveal() -> None:
    choices = ["GD", "Momentum", "Both"]
    answers = ["GD", "Momentum", "Momentum", "nonsense", [0.1, 0.2]]
    assert choice_counts(choices, answers) == [1, 2, 0]
    before = answers_bar(choices, answers)
    assert list(before.data[0].x) == [1, 2, 0]
    assert set(before.data[0].marker.color) == {ANSWER}  # one colour: no hint
    assert before.layout.title.text == "3 answers"
    after = answers_bar(choices, answers, right="Momentum")
    assert list(after.data[0].marker.color).count(RIGHT) == 1
    assert "✓ Momentum" in after.data[0].y
    assert answers_bar(choices, []).layout.title.text == "0 answers"


def test_the_point_chart_shows_the_clicks_and_after_the_reveal_the_circle() -> None:
    surface = get_surface("two_wells")
    grid = surface.grid(60)
    rng = np.random.default_rng(0)
    pts = rng.normal([0.9, 0.0], 0.3, (12, 2)).tolist()
    fig = point_question(grid, surface, surface.start, answers=pts, mine=pts[0])
    names = [t.name for t in fig.data]
    assert "the class (12)" in names and "my answer" in names
    assert len(pts) >= DENSITY_FROM and "clicks per area" in names
    assert "where it really is" not in names  # no answer before the reveal
    shown = next(t for t in fig.data if t.name == "the class (12)")
    np.testing.assert_allclose(np.c_[shown.x, shown.y], pts)
    done = point_question(grid, surface, surface.start, truth=(0.9, 0.0), radius=0.4)
    circle = next(t for t in done.data if t.name == "counts as right")
    r = np.hypot(np.asarray(circle.x) - 0.9, np.asarray(circle.y))
    np.testing.assert_allclose(r, 0.4, atol=1e-9)
    assert within(pts, (0.9, 0.0), 0.4) == int(
        (np.hypot(*(np.array(pts) - [0.9, 0]).T) <= 0.4).sum()
    )
    few = point_question(grid, surface, surface.start, answers=pts[:2])
    assert "clicks per area" not in [t.name for t in few.data]
