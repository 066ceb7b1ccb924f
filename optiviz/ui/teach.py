"""The Teach page's pieces: choosing a lesson, the lesson editor, files and links, and
the sidebar's "add this scene to my lesson"."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from optiviz.lesson import (
    Lesson,
    LessonError,
    Prediction,
    builtin,
    from_link,
    load,
    parse,
    to_link,
    to_toml,
)
from optiviz.ui.text import literal

from . import classroom
from .controls import table
from .lessons import PAGES, checked, current_scene

MINE = "_my_lesson"
PICK_MINE = "_teach_pick_mine"  # the lesson picker shows "my lesson" on its next run
EMPTY = Lesson("My lesson", ())


def my_lesson() -> Lesson:
    lesson = st.session_state.get(MINE)
    return lesson if isinstance(lesson, Lesson) else EMPTY


def set_my_lesson(lesson: Lesson, *, afresh: bool = False) -> None:
    """Keep ``lesson`` as my lesson; ``afresh``: the editor's boxes show it anew, not the
    texts typed there for the scenes as they were (moved, deleted or another lesson)."""
    st.session_state[MINE] = lesson
    if afresh:
        for k in [k for k in st.session_state if str(k).startswith("ed_")]:
            del st.session_state[k]


def replace_my_lesson(lesson: Lesson) -> None:
    """A whole other lesson in the editor (copied, uploaded, from a link), shown by the
    picker."""
    set_my_lesson(lesson, afresh=True)
    st.session_state[PICK_MINE] = True


def add_scene_button(page: str) -> None:
    """The sidebar's button on every page: the scene on screen joins "my lesson"."""
    r = classroom.role()
    if page not in PAGES or (r is not None and r.kind == "student"):
        return
    with st.sidebar:
        st.divider()
        mine = my_lesson()
        if st.button(
            f"Add this scene to my lesson ({len(mine.scenes)})",
            icon=":material/playlist_add:",
            key="add_scene",
            help="Keeps this page with its settings as a scene of your lesson; "
            "edit, present or start a class from it on the Teach page.",
        ):
            scene = current_scene(page, f"{PAGES[page]} {len(mine.scenes) + 1}")
            set_my_lesson(mine.with_scenes([*mine.scenes, scene]))
            st.toast(f"Added as scene {len(mine.scenes) + 1} of your lesson.")


def lesson_from_link() -> str | None:
    """A ``lesson=`` link opens its lesson in the editor (once per link)."""
    value = str(st.query_params.get("lesson", "") or "")
    if not value or st.session_state.get("_lesson_link_done") == value:
        return None
    st.session_state["_lesson_link_done"] = value
    try:
        replace_my_lesson(checked(from_link(value)))
    except LessonError as err:
        return str(err)
    return None


def choose() -> Lesson | None:
    """The lesson to play: a built-in one or the teacher's own."""
    options = {f"Built-in: {title}": name for name, title in builtin().items()}
    mine = my_lesson()
    options["My lesson (edited below)"] = ""
    if st.session_state.pop(PICK_MINE, False):
        st.session_state["teach_pick"] = list(options)[-1]
    elif st.session_state.get("teach_pick") not in options:
        st.session_state.pop("teach_pick", None)
    label = st.radio("Lesson", list(options), key="teach_pick")
    name = options[label]
    if not name:
        st.caption(f"My lesson: {literal(mine.title)}, {len(mine.scenes)} scene(s).")
    if name:
        lesson = load(name)
        if st.button("Copy it into my lesson to edit it", key="teach_copy"):
            replace_my_lesson(lesson)
            st.rerun()
        return lesson
    return mine if mine.scenes else None


def overview(lesson: Lesson) -> None:
    rows = [
        {
            "#": i + 1,
            "scene": s.title,
            "page": PAGES.get(s.page, s.page),
            "question": s.prediction.question if s.prediction else "",
        }
        for i, s in enumerate(lesson.scenes)
    ]
    table(rows)


def start_buttons(lesson: Lesson) -> None:
    a, b = st.columns(2)
    present = a.button(
        "▶ Present", key="teach_present", width="stretch",
        help="Play the lesson scene by scene on this screen: slide mode, the question "
        "first, then the reveal. PageDown / PageUp move.",
    )  # fmt: skip
    live = b.button(
        "Start a live class", key="teach_class", type="primary", width="stretch",
        help="Students join with a code or QR code, answer on their screens, and follow "
        "you from scene to scene.",
    )  # fmt: skip
    if present or live:
        start(lesson, live=live)


def start(lesson: Lesson, *, live: bool = False, scene: int = 0) -> None:
    """Present the lesson from ``scene``, or start a live class on it; a lesson that
    cannot be played (an edit broke a rule) or a store that is down is said here."""
    try:
        if live:
            classroom.start_class(lesson)
        else:
            classroom.present(lesson, scene)
    except LessonError as err:
        st.error(f"The lesson cannot be played yet: {literal(str(err))}")
    except classroom.StoreDown as err:
        st.error(f"The class could not be started: {literal(str(err))}")


def files(lesson: Lesson) -> None:
    """Download, upload and the lesson's link."""
    a, b = st.columns(2)
    a.download_button(
        "Download the lesson (.toml)",
        to_toml(lesson),
        file_name="lesson.toml",
        mime="application/toml",
        key="teach_download",
        width="stretch",
    )
    up = b.file_uploader("Open a lesson file", type=["toml"], key="teach_upload")
    if up is not None and st.session_state.get("_teach_uploaded") != up.file_id:
        st.session_state["_teach_uploaded"] = up.file_id
        try:
            replace_my_lesson(checked(parse(up.getvalue())))
            st.rerun()
        except LessonError as err:
            st.error(f"{literal(up.name)} could not be used: {literal(str(err))}")
    link = to_link(lesson)
    st.caption("The lesson as a link (opens it on this page):")
    st.code(f"{classroom.public_origin()[0]}/teach?lesson={link}", language=None, wrap_lines=True)


def editor() -> None:
    """Edit my lesson: titles, texts, predictions; reorder and delete scenes."""
    lesson = my_lesson()
    title = st.text_input("Lesson title", lesson.title, key="ed_title", max_chars=120)
    if title.strip() and title != lesson.title:
        lesson = replace(lesson, title=title.strip())
        set_my_lesson(lesson)
    if not lesson.scenes:
        st.info(
            "Your lesson has no scenes yet. On any page, set the scene up and press "
            "“Add this scene to my lesson” in the sidebar, or copy a built-in lesson."
        )
        return
    scenes = list(lesson.scenes)
    for i, s in enumerate(scenes):
        with st.expander(f"{i + 1}. {literal(s.title)}  ·  {PAGES.get(s.page, s.page)}"):
            t = st.text_input("Title", s.title, key=f"ed_t{i}", max_chars=120)
            text = st.text_area("Text on the screen", s.text, key=f"ed_x{i}", max_chars=2000)
            st.caption(
                "Settings: "
                + (
                    literal(", ".join(f"{k}={v}" for k, v in s.settings.items()))
                    or "the page's defaults"
                )
            )
            pred = s.prediction
            ask = st.toggle("Students predict first", pred is not None, key=f"ed_p{i}")
            new_pred = None
            if ask:
                q = st.text_input("Question", pred.question if pred else "", key=f"ed_q{i}")
                if pred is not None and pred.kind == "point":
                    st.caption(
                        f"A point question: answer ({pred.answer[0]:.2f}, {pred.answer[1]:.2f}), "
                        f"right within {pred.radius:g} (edit it in the file)."
                    )
                    new_pred = replace(pred, question=q or pred.question)
                else:
                    raw = st.text_area(
                        "Choices, one per line",
                        "\n".join(pred.choices) if pred else "Yes\nNo",
                        key=f"ed_c{i}",
                    )
                    choices = tuple(
                        dict.fromkeys(c.strip() for c in raw.splitlines() if c.strip())
                    )[:8]
                    if len(choices) >= 2:
                        old = pred.answer if pred and pred.answer in choices else choices[0]
                        ans = st.selectbox(
                            "Right answer", choices, index=choices.index(old), key=f"ed_a{i}"
                        )
                        new_pred = Prediction(
                            q or "?",
                            "choice",
                            choices,
                            ans,
                            reveal=pred.reveal if pred else "",
                            fact=pred.fact if pred else "",
                        )
                    else:
                        st.warning("Give at least two choices.")
                if new_pred is not None:
                    reveal = st.text_area("Reveal text", new_pred.reveal, key=f"ed_r{i}")
                    new_pred = replace(new_pred, reveal=reveal)
                    if new_pred.fact and new_pred != pred:
                        st.caption("Your edit drops the built-in check of this answer.")
                        new_pred = replace(new_pred, fact="")
            scenes[i] = replace(
                s, title=t.strip() or s.title, text=text, prediction=new_pred if ask else None
            )
            c = st.columns(4)
            if c[0].button("↑ Up", key=f"ed_up{i}", disabled=i == 0):
                scenes[i - 1], scenes[i] = scenes[i], scenes[i - 1]
                _save(lesson, scenes)
            if c[1].button("↓ Down", key=f"ed_dn{i}", disabled=i == len(scenes) - 1):
                scenes[i + 1], scenes[i] = scenes[i], scenes[i + 1]
                _save(lesson, scenes)
            if c[2].button("Delete", key=f"ed_del{i}"):
                del scenes[i]
                _save(lesson, scenes)
            if c[3].button("Present from here", key=f"ed_go{i}"):
                set_my_lesson(lesson.with_scenes(scenes))
                start(lesson.with_scenes(scenes), scene=i)
    if tuple(scenes) != lesson.scenes:
        set_my_lesson(lesson.with_scenes(scenes))


def _save(lesson: Lesson, scenes: list) -> None:
    set_my_lesson(lesson.with_scenes(scenes), afresh=True)
    st.rerun()
