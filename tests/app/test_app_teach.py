"""The Teach page and the teacher's tools: the built-in lesson, the editor (reorder, edit,
delete), a lesson file downloaded and uploaded again, a bad file named and nothing lost,
a lesson as a link, and "add this scene to my lesson"."""

from __future__ import annotations

from apptest_util import APP
from streamlit.testing.v1 import AppTest

from optiviz.lesson import load, to_link, to_toml
from optiviz.ui.teach import MINE

TEACH = "pages/teach.py"
MY = "My lesson (edited below)"


def teach(query: dict[str, str] | None = None, lesson=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if lesson is not None:
        at.session_state[MINE] = lesson
    at.switch_page(TEACH)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def mine(at: AppTest):
    return at.session_state[MINE]


def test_the_built_in_lesson_is_offered_and_copied_into_my_lesson() -> None:
    at = teach()
    pick = at.radio(key="teach_pick")
    assert pick.value.startswith("Built-in: Training neural networks in 20 scenes")
    (table,) = at.dataframe
    assert len(table.value) == 20
    assert at.button(key="teach_present") and at.button(key="teach_class")
    at.button(key="teach_copy").click().run()
    assert not at.exception
    assert mine(at) == load("module9")
    assert at.radio(key="teach_pick").value == MY
    assert len(at.expander) >= 20  # one per scene in the editor


def test_the_editor_reorders_edits_and_deletes_scenes() -> None:
    lesson = load("module9")
    at = teach(lesson=lesson)
    at.radio(key="teach_pick").set_value(MY).run()
    at.button(key="ed_dn0").click().run()  # scene 1 moves down
    assert [s.title for s in mine(at).scenes[:2]] == [s.title for s in lesson.scenes[1::-1]]
    at.button(key="ed_del2").click().run()
    assert len(mine(at).scenes) == 19
    assert lesson.scenes[2] not in mine(at).scenes
    at.text_input(key="ed_t0").input("Rosenblatt, first").run()
    at.text_area(key="ed_x0").input("*Own* words").run()
    assert (mine(at).scenes[0].title, mine(at).scenes[0].text) == (
        "Rosenblatt, first",
        "*Own* words",
    )
    # a question: its choices and its right answer, edited
    first_q = next(
        i for i, s in enumerate(mine(at).scenes) if s.prediction and s.prediction.kind == "choice"
    )
    at.text_area(key=f"ed_c{first_q}").input("Yes\nNo\nMaybe").run()
    at.selectbox(key=f"ed_a{first_q}").set_value("Maybe").run()
    p = mine(at).scenes[first_q].prediction
    assert (p.choices, p.answer, p.fact) == (("Yes", "No", "Maybe"), "Maybe", "")
    at.toggle(key=f"ed_p{first_q}").set_value(False).run()
    assert mine(at).scenes[first_q].prediction is None
    assert not at.exception


def test_a_downloaded_lesson_uploads_as_the_same_lesson() -> None:
    lesson = load("module9")
    at = teach()
    (up,) = at.get("file_uploader")
    up.set_value(("module9.toml", to_toml(lesson).encode(), "application/toml")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert mine(at) == lesson
    assert at.radio(key="teach_pick").value == MY


def test_a_bad_lesson_file_is_named_and_loses_nothing() -> None:
    kept = load("module9")
    bad = to_toml(kept).replace('page = "gradients"', 'page = "gradiants"', 1)
    at = teach(lesson=kept)
    (up,) = at.get("file_uploader")
    up.set_value(("typo.toml", bad.encode(), "application/toml")).run()
    (err,) = at.error
    shown = err.value.replace("\\", "")  # (the file's words are shown as typed: escaped)
    assert "typo.toml could not be used" in shown
    assert "scene 7" in shown and "page = 'gradiants'" in shown and "is not a page" in shown
    assert mine(at) == kept  # the lesson in the editor is untouched
    (up,) = at.get("file_uploader")
    up.set_value(("x.toml", b"\xff\xfe not text", "application/toml")).run()
    assert "not UTF-8" in at.error[0].value.replace("\\", "")
    assert mine(at) == kept


def test_a_lesson_is_a_link() -> None:
    small = load("module9").with_scenes(load("module9").scenes[:3])
    at = teach({"lesson": to_link(small)})
    assert not at.error, [e.value for e in at.error]
    assert mine(at) == small and at.radio(key="teach_pick").value == MY
    at = teach({"lesson": "zNOTALESSON"})
    assert "could not be read" in at.error[0].value.replace("\\", "")
    at = teach({"lesson": "nosuchlesson"})
    assert "no built-in lesson" in at.error[0].value.replace("\\", "")


def test_add_this_scene_keeps_the_page_and_its_link() -> None:
    def script() -> None:
        from optiviz.ui import teach

        teach.add_scene_button("race")

    at = AppTest.from_function(script, default_timeout=60)
    at.query_params.update({"surface": "rosenbrock", "racers": "sgd,adam", "class": "X"})
    at.run()
    at.button(key="add_scene").click().run()
    assert not at.exception
    (scene,) = at.session_state[MINE].scenes
    assert scene.page == "race"
    assert dict(scene.settings) == {"surface": "rosenbrock", "racers": "sgd,adam"}  # no class
