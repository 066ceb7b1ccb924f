"""Lesson files: errors that name the scene and the key, TOML and link round trips,
limits (optiviz.lesson, checked against the app's pages by optiviz.ui.lessons)."""

from __future__ import annotations

import pytest

from optiviz import lesson as L
from optiviz.lesson import Lesson, LessonError, Prediction, Scene
from optiviz.ui.lessons import checked

GOOD = """
title = "Two scenes"
description = "A small lesson."

[[scenes]]
title = "Wells"
page = "race"
settings = { surface = "two_wells", racers = "sgd,momentum", steps = 200 }
text = "Both start on the ridge."

[scenes.prediction]
question = "Which ends lower?"
choices = ["GD", "Momentum"]
answer = "Momentum"
fact = "race.lowest"
reveal = "Momentum."

[[scenes]]
title = "Adam"
page = "race"
settings = { racers = "adam", "adam.learning_rate" = 0.04, quiver = true }

[scenes.prediction]
kind = "point"
question = "Where is Adam after 300 steps?"
answer = [0.9, 0.0]
radius = 0.4
fact = "race.end.adam"
"""


def errors(text: str, *, check: bool = False) -> str:
    with pytest.raises(LessonError) as err:
        lesson = L.parse(text)
        if check:
            checked(lesson)
    return str(err.value)


def scene(body: str, prediction: str = "") -> str:
    """A one-scene lesson whose scene is titled "Bad"."""
    text = f'title = "T"\n\n[[scenes]]\ntitle = "Bad"\n{body}\n'
    if prediction:
        text += f"\n[scenes.prediction]\n{prediction}\n"
    return text


def test_a_good_lesson_parses_and_checks() -> None:
    lesson = checked(L.parse(GOOD))
    assert lesson.title == "Two scenes" and len(lesson.scenes) == 2
    s0, s1 = lesson.scenes
    assert s0.query() == {"surface": "two_wells", "racers": "sgd,momentum", "steps": "200"}
    assert s1.settings == {"racers": "adam", "adam.learning_rate": "0.04", "quiver": "1"}
    assert s0.prediction.answer == "Momentum" and s0.prediction.is_right("Momentum")
    assert not s0.prediction.is_right("GD")
    p = s1.prediction
    assert p.kind == "point" and p.answer == (0.9, 0.0) and p.radius == 0.4
    assert p.is_right([1.0, 0.1]) and not p.is_right([2.0, 0.0]) and not p.is_right("x")


def test_unknown_page_names_the_scene_and_the_page() -> None:
    msg = errors(scene('page = "nowhere"'), check=True)
    assert "scene 1 ('Bad')" in msg and "`page = 'nowhere'`" in msg and "race" in msg


def test_unknown_setting_names_the_scene_and_the_key() -> None:
    msg = errors(scene('page = "race"\nsettings = { surfce = "two_wells" }'), check=True)
    assert "scene 1 ('Bad')" in msg and "`surfce`" in msg and "surface" in msg  # a hint


@pytest.mark.parametrize(
    ("page", "settings", "key"),
    [
        ("race", 'surface = "moon"', "surface"),
        ("race", "steps = 100000", "steps"),
        ("race", 'racers = "sgd,lion9"', "racers"),
        ("gradients", 'activation = "swishy"', "activation"),
        ("gradients", 'bn = "maybe"', "bn"),
        ("playground", 'layers = "two"', "layers"),
        ("perceptron", 'gate = "xor"', "gate"),
    ],
)
def test_bad_setting_value_names_the_scene_and_the_key(page: str, settings: str, key: str) -> None:
    msg = errors(scene(f'page = "{page}"\nsettings = {{ {settings} }}'), check=True)
    assert "scene 1 ('Bad')" in msg and f"`{key} = " in msg


def test_crafted_files_and_links_are_refused_with_a_message() -> None:
    huge = 'kind = "point"\nquestion = "Where?"\nanswer = [1' + "0" * 400 + ", 0]\nradius = 0.5"
    assert "finite number" in errors(scene('page = "race"', huge))
    assert "nests too deeply" in errors("x = " + "[" * 5000 + "]" * 5000)
    import base64
    import zlib

    deep = base64.urlsafe_b64encode(zlib.compress(b"[" * 100000 + b"]" * 100000)).decode()
    with pytest.raises(LessonError, match="could not be read"):
        L.from_link("z" + deep)


def test_a_point_question_needs_a_loss_surface() -> None:
    point = 'kind = "point"\nquestion = "Where?"\nanswer = [0, 0]\nradius = 0.5'
    msg = errors(scene('page = "gradients"', point), check=True)
    assert "scene 1 ('Bad')" in msg and "point question" in msg and "'gradients'" in msg
    assert checked(L.parse(scene('page = "race"', point))).scenes[0].prediction.kind == "point"
    custom = 'page = "race"\nsettings = { surface = "custom", formula = "x**2 + y**2" }'
    assert "typed formula" in errors(scene(custom, point), check=True)


def test_a_scene_without_a_title_or_page_is_named_by_its_number() -> None:
    text = 'title = "T"\n[[scenes]]\ntitle = "A"\npage = "race"\n[[scenes]]\npage = "race"\n'
    msg = errors(text)
    assert msg.startswith("scene 2:") and "`title` is missing" in msg
    assert "`page` is missing" in errors(scene(""))


@pytest.mark.parametrize(
    ("prediction", "words"),
    [
        ('choices = ["a", "b"]\nanswer = "a"', "`question` is missing"),
        ('question = "  "\nchoices = ["a", "b"]\nanswer = "a"', "`question` is empty"),
        ('question = "Q"\nchoices = ["a", "b"]\nanswer = "c"', "`answer` should be one of"),
        ('question = "Q"\nchoices = ["a", "b"]', "`answer` should be one of"),
        ('question = "Q"\nchoices = ["a"]\nanswer = "a"', "between 2 and"),
        ('question = "Q"\nchoices = ["a", "a"]\nanswer = "a"', "two choices are the same"),
        ('question = "Q"\nchoices = "a, b"\nanswer = "a"', "`choices` should be a list"),
        ('question = "Q"\nkind = "point"\nanswer = [1, 2]', "needs a `radius`"),
        ('question = "Q"\nkind = "point"\nanswer = [1, 2]\nradius = 0', "needs a `radius`"),
        ('question = "Q"\nkind = "point"\nanswer = [1]\nradius = 1', "`answer` should be [x, y]"),
        ('question = "Q"\nkind = "point"\nanswer = [1, "b"]\nradius = 1', "a number"),
        ('question = "Q"\nkind = "point"\nanswer = [1, nan]\nradius = 1', "finite"),
        ('question = "Q"\nkind = "slider"', "`kind` should be"),
        ('question = "Q"\nchoices = ["a", "b"]\nanswer = "a"\nhint = "h"', "unknown key `hint`"),
    ],
)
def test_bad_predictions_name_the_scene_and_the_key(prediction: str, words: str) -> None:
    msg = errors(scene('page = "race"', prediction))
    assert msg.startswith("scene 1 ('Bad'), prediction:"), msg
    assert words in msg, msg


def test_bad_toml_and_bad_shapes() -> None:
    assert "not valid TOML" in errors('title = "T"\n[[scenes]\n')
    assert "not valid TOML" in errors('title = "unterminated\n')
    assert "no scenes" in errors('title = "T"\n')
    assert "`title` is missing" in errors('[[scenes]]\ntitle = "A"\npage = "race"\n')
    assert "unknown key `scene`" in errors('title = "T"\n[[scene]]\ntitle = "A"\n')
    assert "unknown key `pages`" in errors(scene('page = "race"\npages = "x"'))
    msg = errors(scene('page = "race"\nsettings = "surface=two_wells"'))
    assert "scene 1 ('Bad')" in msg and "`settings`" in msg
    msg = errors(scene('page = "race"\nsettings = { racers = { a = 1 } }'))
    assert "setting `racers`" in msg
    assert "`text` should be text" in errors(scene('page = "race"\ntext = 3'))
    assert "not UTF-8" in errors(b'title = "\xff"\n')


def test_limits() -> None:
    many = 'title = "T"\n' + '[[scenes]]\ntitle = "A"\npage = "race"\n' * (L.MAX_SCENES + 1)
    assert f"at most {L.MAX_SCENES}" in errors(many)
    assert "longer than" in errors(scene(f'page = "race"\ntext = "{"x" * (L.MAX_TEXT + 1)}"'))
    assert "longer than" in errors(f'title = "{"t" * (L.MAX_TITLE + 1)}"\n')
    assert "larger than" in errors("#" * (L.MAX_BYTES + 1))
    assert "larger than" in errors(b"#" * (L.MAX_BYTES + 1))
    nine = ", ".join(f'"c{i}"' for i in range(L.MAX_CHOICES + 1))
    assert "between 2 and" in errors(
        scene('page = "race"', f'question = "Q"\nchoices = [{nine}]\nanswer = "c0"')
    )
    # within the limits: exactly MAX_SCENES scenes are fine
    ok = 'title = "T"\n' + '[[scenes]]\ntitle = "A"\npage = "race"\n' * L.MAX_SCENES
    assert len(L.parse(ok).scenes) == L.MAX_SCENES


def _awkward() -> Lesson:
    """A lesson with the characters a writer of TOML must escape."""
    return Lesson(
        title='Quotes "and" back\\slashes',
        description="Line one\nline two — ünïcode ✓",
        scenes=(
            Scene("Plain", "race"),
            Scene(
                "Tab\tand 'single'",
                "gradients",
                {"activation": "relu", "clip": "1", "lr": "0.1"},
                "θ = 2, η₀ = 0.1\n\nA second paragraph.",
                Prediction("Which?", "choice", ("Yes", "No"), "No", reveal="No.", fact="g.d"),
            ),
            Scene(
                "Point",
                "race",
                {"racers": "adam", "adam.learning_rate": "0.04"},
                prediction=Prediction("Where?", "point", (), (0.905, -1e-3), 0.25, "", "r.e"),
            ),
        ),
    )


def test_toml_round_trip() -> None:
    lesson = _awkward()
    assert L.parse(L.to_toml(lesson)) == lesson
    built = L.load("module9")
    assert L.parse(L.to_toml(built)) == built
    assert L.parse(L.to_toml(L.parse(GOOD))) == L.parse(GOOD)


def test_link_round_trip() -> None:
    lesson = _awkward()
    link = L.to_link(lesson)
    assert link.startswith("z") and all(c.isalnum() or c in "-_" for c in link)
    assert L.from_link(link) == lesson
    built = L.load("module9")
    assert L.from_link(L.to_link(built)) == built
    assert L.from_link("module9") == built  # a built-in lesson by name
    assert len(L.to_link(built)) < 16_000  # fits an address


def test_bad_links_and_names() -> None:
    with pytest.raises(LessonError, match="could not be read"):
        L.from_link(L.to_link(_awkward())[:-20])
    with pytest.raises(LessonError, match="could not be read"):
        L.from_link("z!!!")
    with pytest.raises(LessonError, match="too long"):
        L.from_link("z" + "A" * (64 * 1024))
    for name in ("nothere", "../etc/passwd", "Module9"):
        with pytest.raises(LessonError, match="no built-in lesson"):
            L.load(name)
