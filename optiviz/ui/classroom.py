"""Lessons played scene by scene, and live classes.

Three roles a browser tab can hold (kept in ``st.session_state[ROLE]``):

* **presenter**: plays a lesson alone, scene by scene (the question first, then the
  reveal); nothing is shared.
* **teacher**: the same, for a live class: moves and reveals go to the class store
  (:mod:`optiviz.classroom`), and the class's answers appear as they arrive.
* **student**: follows the class's current scene on their own screen and answers its
  questions.

``app.py`` calls :func:`frame` before it runs the page: the frame draws the lesson's
bar above the page and says whether the page is drawn (a question not yet revealed
hides the chart), and :func:`after_page` once the page has drawn. Every scene is a
page with its settings in the link; moving to a scene switches to that page with
those settings (:func:`go_to`).

How students follow: a small fragment on their screen asks the store every
:data:`POLL` seconds whether the class moved (5-8 ms of server CPU a check, from the
classroom benchmark's CPU at two poll rates). A student whose screen still shows the
scene as the class left it is taken to the new one; one who has changed a control
keeps their work and sees a bar "the class moved on" with a button that follows it.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from optiviz.classroom import NotTeacher, StoreDown, UnknownClass, open_store
from optiviz.classroom.store import normal_code
from optiviz.lesson import Lesson, LessonError, Scene, from_data, to_data
from optiviz.ui.text import literal

from . import url_state
from .lessons import PAGES, page_file

ROLE = "_class_role"
PAGE_NOW = "_class_page"
#: seconds between a student screen's checks of the class (the teacher's: TEACHER_POLL):
#: a student reaches the teacher's new scene within this plus one page run (1 s gave a
#: follow p95 of 1.3-2.0 s for 40 students on 2 cores, 0.75 s 1.2-1.6 s, for ~10 % more
#: server CPU: benchmarks/classroom.py)
POLL = 0.75
TEACHER_POLL = 0.5
#: link keys a class or a lesson adds to a page's own settings
CLASS_KEYS = url_state.KEEP


@dataclass
class Role:
    kind: str  # "presenter" | "teacher" | "student"
    lesson: Lesson
    scene: int = 0
    revealed: bool = False
    version: int = 0
    code: str = ""
    key: str = ""  # the teacher's key (never in a link, never on the screen)
    tab: str = ""  # the student tab's token
    #: the scene's link as its page first wrote it: a student whose link still equals
    #: it has not touched a control and follows the class
    baseline: dict[str, str] | None = None
    moved_on: bool = False
    checked_in: float = 0.0  # when the student's screen last told the store it is here

    @property
    def current(self) -> Scene:
        return self.lesson.scenes[self.scene]


@st.cache_resource(show_spinner=False)
def store() -> Any:
    """The class store every session of this process shares (see :func:`open_store`)."""
    return open_store()


def role() -> Role | None:
    r = st.session_state.get(ROLE)
    return r if isinstance(r, Role) else None


def leave() -> None:
    st.session_state.pop(ROLE, None)


# ------------------------------------------------------------------------ moving around
def _links(r: Role) -> dict[str, str]:
    if r.kind == "student":
        return {"class": r.code, "you": r.tab}
    if r.kind == "teacher":
        return {"teaching": r.code}
    return {}


def go_to(r: Role, index: int) -> None:
    """Switch to scene ``index`` of the lesson: its page, with exactly its settings (what
    the student had moved on that page before is forgotten)."""
    r.scene = min(max(index, 0), len(r.lesson.scenes) - 1)
    r.baseline = None
    r.moved_on = False
    scene = r.current
    query = scene.query() | _links(r)
    if r.kind in ("presenter", "teacher"):
        query["slide"] = "1"
    url_state.forget(scene.page)
    st.session_state[ROLE] = r
    st.switch_page(page_file(scene.page), query_params=query)


def _following(r: Role, page: str) -> bool:
    """Whether the student's screen still shows the class's scene as it was given."""
    if page != r.current.page:
        return False
    if r.baseline is None:
        return True
    now = {k: str(st.query_params.get(k)) for k in st.query_params if k not in CLASS_KEYS}
    return now == r.baseline


def after_page(page: str, shown: bool) -> None:
    """Called after the page: the first time it has drawn the class's scene, remember the
    scene's link as the page wrote it (a page leaves out its defaults)."""
    r = role()
    if shown and r is not None and r.baseline is None and page == r.current.page:
        r.baseline = {
            k: str(st.query_params.get(k)) for k in st.query_params if k not in CLASS_KEYS
        }


# ------------------------------------------------------------------------ starting
def _playable(lesson: Lesson) -> Lesson:
    """The lesson as every screen will read it back (raises LessonError: an edited lesson
    may break a limit, e.g. an empty question, and no student could join it)."""
    from .lessons import checked

    return checked(from_data(to_data(lesson)))


def present(lesson: Lesson, index: int = 0) -> None:
    go_to(Role("presenter", _playable(lesson)), index)


def start_class(lesson: Lesson) -> None:
    """Create a live class from the lesson and open its first scene for the teacher."""
    lesson = _playable(lesson)
    code, key = store().create(to_data(lesson))
    r = Role("teacher", lesson, code=code, key=key)
    _prepare(r)
    go_to(r, 0)


def join(code: str) -> str | None:
    """Join the class ``code`` as a student and open its current scene; the message if
    that cannot be done."""
    code = normal_code(code)
    if not code:
        return "Type the class's code."
    try:
        c = store().get(code)
        tab = secrets.token_urlsafe(9)
        store().join(code, tab)
        lesson = from_data(c.lesson)
    except UnknownClass:
        return f"No class has the code {code}. Check it with your teacher (it is on the projector)."
    except (StoreDown, LessonError) as err:
        return f"The class cannot be reached right now ({literal(str(err))}). Try again soon."
    r = Role("student", lesson, code=code, tab=tab, revealed=c.revealed, version=c.version)
    _prepare(r)
    go_to(r, c.scene)
    return None


def _rejoin_from_link() -> None:
    """A tab that lost its session (reloaded, or the server restarted) comes back with
    ``class`` (and the student's ``you``) in its link."""
    code = str(st.query_params.get("class", "") or "")
    if not code or role() is not None:
        return
    try:
        c = store().get(code)
        lesson = from_data(c.lesson)
    except (UnknownClass, StoreDown, LessonError):
        return
    tab = str(st.query_params.get("you", "") or "") or secrets.token_urlsafe(9)
    r = Role(
        "student",
        lesson,
        scene=c.scene,
        code=c.code,
        tab=tab[:32],
        revealed=c.revealed,
        version=c.version,
    )
    now = {k: str(st.query_params.get(k)) for k in st.query_params if k not in CLASS_KEYS}
    page = _page_now()
    # (a link that is not the class's scene: the student was exploring, or the class moved
    # while the tab was away; the bar offers to follow instead of the scene's question
    # standing over another scene's chart)
    r.moved_on = now != r.current.query() or (bool(page) and page != r.current.page)
    r.baseline = None if r.moved_on else now
    st.session_state[ROLE] = r
    with contextlib.suppress(UnknownClass, StoreDown):
        store().join(c.code, r.tab)


# ------------------------------------------------------------------------ preparing scenes
_PREPARED: set[str] = set()
_PREPARING = threading.Lock()
#: class code -> [scene views prepared, scene views in all] (this process's)
PREPARE_STATUS: dict[str, list[int]] = {}


def _prepare(r: Role) -> None:
    """Open every scene of the lesson once on this server (both as the teacher's slides
    and as students' screens), in the background, so that no reveal waits on a
    computation: what a scene computes stays in the caches every session shares.
    Once per class and process."""
    with _PREPARING:
        if r.code in _PREPARED:
            return
        _PREPARED.add(r.code)
    from .warmup import server_url

    url = server_url()
    if url is None:
        return
    scenes = list(r.lesson.scenes)
    status = PREPARE_STATUS.setdefault(r.code, [0, 2 * len(scenes)])

    def run() -> None:
        import asyncio

        from .visit import Session

        async def visit() -> None:
            s = Session(url, timeout=300)
            await s.connect()
            try:
                await s.run("", query="")
                for slide in ("1", "0"):
                    for scene in scenes:
                        q = scene.query() | ({"slide": "1"} if slide == "1" else {})
                        # a scene that fails shows its own message when it is opened
                        with contextlib.suppress(Exception):
                            await s.run(scene.page, query=urlencode(q))
                        status[0] += 1
            finally:
                await s.close()

        with contextlib.suppress(Exception):  # preparing is only a head start
            asyncio.run(visit())
        status[0] = status[1]

    threading.Thread(target=run, name="optiviz-prepare-lesson", daemon=True).start()


# ------------------------------------------------------------------------ the frame
def teacher_link(r: Role) -> str:
    """The teacher's private link: it gives the class back to whoever opens it (a
    reloaded tab, another device). Shown folded, never put in the address bar."""
    return f"{public_origin()[0]}/teach?{urlencode({'resume': r.code, 'key': r.key})}"


def resume(code: str, key: str) -> str | None:
    """Take the class ``code`` back as its teacher (the key proves it); opens its current
    scene. The message if that cannot be done."""
    try:
        if not store().is_teacher(code, key):
            return "That teacher key does not belong to this class."
        c = store().get(code)
        lesson = from_data(c.lesson)
    except UnknownClass:
        return "This class has ended."
    except (StoreDown, LessonError) as err:
        return f"The class cannot be reached right now ({err})."
    r = Role("teacher", lesson, revealed=c.revealed, version=c.version, code=c.code, key=key)
    _prepare(r)
    go_to(r, c.scene)
    return None


def _lost_teacher() -> None:
    """A teacher's tab that lost its session (reloaded, the server restarted): the class
    goes on; its teacher link or key takes it back."""
    code = str(st.query_params.get("teaching", "") or "")
    if not code or role() is not None:
        return
    with st.container(border=True):
        st.warning(
            f"This tab was teaching class {normal_code(code)}, but it was reloaded. Open "
            "your private teacher link (under “Teacher link” when the class started), or "
            "paste the key from it here."
        )
        with st.form("cls_resume", border=False):
            key = st.text_input("Teacher key", type="password", key="cls_resume_key")
            if st.form_submit_button("Take the class back"):
                problem = resume(code, key.strip())
                if problem:
                    st.error(problem)


def frame(page: str) -> bool:
    """Draw the lesson's bar above the page; False when the page must not be drawn (a
    question before its reveal)."""
    st.session_state[PAGE_NOW] = page
    _rejoin_from_link()
    _lost_teacher()
    r = role()
    if r is None or page not in PAGES:
        return True
    if r.kind == "student":
        return _student(r, page)
    return _teacher(r, page)


def _scene_head(r: Role) -> None:
    n = len(r.lesson.scenes)
    scene = r.current
    st.markdown(f"**Scene {r.scene + 1} of {n} · {literal(scene.title)}**")
    if scene.text:
        st.markdown(literal(scene.text))


# ---- teacher and presenter
def _teacher(r: Role, page: str) -> bool:
    scene = r.current
    pred = scene.prediction
    with st.container(border=True):
        cols = st.columns([1, 1, 1.3, 1, 3])
        if cols[0].button(
            "◀ Back",
            key="cls_prev",
            shortcut="pageup",
            disabled=r.scene == 0,
            help="Previous scene (PageUp)",
        ):
            _teacher_move(r, r.scene - 1)
        if cols[1].button(
            "Next ▶",
            key="cls_next",
            shortcut="pagedown",
            type="primary",
            disabled=r.scene == len(r.lesson.scenes) - 1,
            help="Next scene (PageDown; a presentation clicker sends it)",
        ):
            _teacher_move(r, r.scene + 1)
        if pred is not None and cols[2].button(
            "Hide the answer" if r.revealed else "Reveal ▼",
            key="cls_reveal",
            shortcut="end",
            help="Show the result and the right answer (End)",
        ):
            _teacher_reveal(r, not r.revealed)
        if cols[3].button("End" if r.kind == "teacher" else "Close", key="cls_end"):
            if r.kind == "teacher":
                with contextlib.suppress(UnknownClass, NotTeacher, StoreDown):
                    store().end(r.code, r.key)
            leave()
            st.switch_page("pages/teach.py")
        with cols[4]:
            if r.kind == "teacher":
                _join_line(r)
        _scene_head(r)
        if r.kind == "teacher":
            _join_panel(r)
            _teacher_live()
        elif pred is not None:
            _question_text(pred, r.revealed)
    # on the scene's own page the chart shows once the question is answered
    if page != scene.page:
        st.info(f"The lesson shows scene {r.scene + 1} on the {PAGES[scene.page]} page.")
        if st.button("Back to the lesson", key="cls_back"):
            go_to(r, r.scene)
        return True
    return pred is None or r.revealed


def _teacher_move(r: Role, index: int) -> None:
    if r.kind == "teacher":
        try:
            c = store().move(r.code, r.key, index)
        except (StoreDown, UnknownClass, NotTeacher) as err:
            st.error(f"The class could not move on: {err}. Nothing the students answered is lost.")
            return
        r.revealed, r.version, index = c.revealed, c.version, c.scene
    else:
        r.revealed = False
    go_to(r, index)


def _teacher_reveal(r: Role, revealed: bool) -> None:
    if r.kind == "teacher":
        try:
            c = store().reveal(r.code, r.key, revealed)
        except (StoreDown, UnknownClass, NotTeacher) as err:
            st.error(f"The answer could not be revealed: {err}. No answer is lost.")
            return
        r.version = c.version
    r.revealed = revealed
    st.rerun()


def _question_text(pred: Any, revealed: bool) -> None:
    st.markdown(f"### {literal(pred.question)}")
    if pred.kind == "choice" and not revealed:
        st.markdown(
            "  ·  ".join(f"**{chr(65 + i)}** {literal(c)}" for i, c in enumerate(pred.choices))
        )
    if revealed:
        if pred.kind == "choice":
            st.success(f"Answer: {literal(pred.answer)}")
        if pred.reveal:
            st.markdown(literal(pred.reveal))


@st.fragment(run_every=TEACHER_POLL)
def _teacher_live() -> None:
    """The class as it is now: who joined, and the answers as they arrive."""
    r = role()
    if r is None or r.kind != "teacher":
        return
    from optiviz.figures.classroom import answers_bar

    scene = r.current
    pred = scene.prediction
    try:
        c = store().get(r.code)
        if c.version != r.version:  # moved or revealed from another device
            r.version, r.revealed = c.version, c.revealed
            if c.scene != r.scene:
                go_to(r, c.scene)
            st.rerun()
        joined, here = store().members(r.code)
        answers = list(store().answers(r.code, r.scene).values()) if pred is not None else []
    except UnknownClass:
        st.warning("This class has ended (no activity for hours, or ended elsewhere).")
        return
    except StoreDown as err:
        st.error(
            f"The class store cannot be reached: {err}. Answers already given are kept; "
            "this panel comes back by itself when the store does."
        )
        return
    done, total = PREPARE_STATUS.get(r.code, [0, 0])
    ready = f" · preparing the scenes: {done} of {total}" if done < total else ""
    st.caption(
        f"{joined} student screen{'s' if joined != 1 else ''} joined · {here} here now"
        + (f" · {len(answers)} answered" if pred is not None else "")
        + ready
    )
    if pred is None:
        return
    _question_text(pred, r.revealed)
    if pred.kind == "choice":
        st.plotly_chart(
            answers_bar(
                pred.choices, answers, right=pred.answer if r.revealed else None, slide=True
            ),
            key="cls_answers",
            config={"displayModeBar": False},
        )
    else:
        _point_chart(r, answers=answers, truth=r.revealed, key="cls_points")


def _join_line(r: Role) -> None:
    link = join_link(r.code)
    st.markdown(f"Join at **{literal(link.split('?')[0])}** with code **{r.code}**")


def _join_panel(r: Role) -> None:
    """The join code, link and QR code, open on the first scene (for the projector)."""
    link = join_link(r.code)
    _, warning = public_origin()
    with st.expander(f"Join code {r.code}, link and QR code", expanded=r.scene == 0):
        left, right = st.columns([1, 2])
        with left:
            st.html(qr_svg(link))
        with right:
            st.markdown(f"## {r.code}")
            st.markdown(
                f"Open **{literal(link.split('?')[0])}** and type the code, or scan "
                "the QR code, or open this link:"
            )
            st.code(link, language=None)
            if warning:
                st.warning(warning)
            with st.popover("Teacher link (private)"):
                st.caption(
                    "Whoever opens this link controls the class: keep it off the projector. "
                    "It gives the class back to a reloaded tab or another device."
                )
                st.code(teacher_link(r), language=None, wrap_lines=True)


def public_origin() -> tuple[str, str | None]:
    """Where students reach this server (scheme://host[:port]/base), and a warning when
    that is this machine's own loopback address. ``OPTIVIZ_PUBLIC_URL`` (``optiviz
    --public-url``) wins; else the address the teacher's browser used."""
    import os

    from streamlit import config

    given = os.environ.get("OPTIVIZ_PUBLIC_URL", "").strip().rstrip("/")
    if given:
        return given, None
    headers = st.context.headers
    host = headers.get("X-Forwarded-Host") or headers.get("Host") or "localhost:8501"
    scheme = headers.get("X-Forwarded-Proto") or "http"
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    origin = f"{scheme}://{host}" + (f"/{base}" if base else "")
    name = host.rsplit(":", 1)[0].strip("[]")
    if name in ("localhost", "127.0.0.1", "::1") or name.startswith("127."):
        lan = _lan_address()
        hint = f" (this machine's looks like **{lan}**)" if lan else ""
        return origin, (
            "You opened the app as localhost, which only this computer can reach. Students "
            f"need the machine's network address{hint}: open the app with that address, or "
            "start the server with `optiviz --address 0.0.0.0 --public-url http://ADDRESS:8501`."
        )
    return origin, None


def _lan_address() -> str | None:
    """This machine's address on its network (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            addr = s.getsockname()[0]
        return None if addr.startswith("127.") else addr
    except OSError:
        return None


def join_link(code: str) -> str:
    return f"{public_origin()[0]}/join?code={code}"


def qr_svg(text: str) -> str:
    """A QR code of ``text`` as an SVG element (segno), dark on white, scaling to its box."""
    import segno

    svg = segno.make(text, error="m").svg_inline(scale=8, dark="#111", light="#fff", border=2)
    return svg.replace("<svg ", '<svg style="width:100%;height:auto;max-width:420px" ', 1)


# ---- student
def _student(r: Role, page: str) -> bool:
    _student_poll()
    scene = r.current
    following = _following(r, page)
    if r.moved_on or not following:
        with st.container(border=True):
            st.warning(
                f"The class is on scene {r.scene + 1}: {literal(scene.title)}. You are "
                "exploring on your own; your settings stay as they are until you follow."
            )
            if st.button("Back to the class", key="cls_follow", type="primary"):
                go_to(r, r.scene)
        return True
    pred = scene.prediction
    with st.container(border=True):
        _scene_head(r)
        if pred is not None:
            _student_question(r)
    return pred is None or r.revealed


@st.fragment(run_every=POLL)
def _student_poll() -> None:
    """Every POLL seconds: has the class moved or revealed? Follow it, or say so."""
    r = role()
    if r is None or r.kind != "student":
        return
    try:
        c = store().get(r.code)
        if time.time() - r.checked_in > 8:  # "here now" on the teacher's screen
            store().join(r.code, r.tab)
            r.checked_in = time.time()
    except UnknownClass:
        leave()
        st.session_state["_class_ended"] = True
        st.rerun()
    except StoreDown:
        st.caption("The class cannot be reached for a moment; your screen stays as it is.")
        return
    st.caption(f"Class {r.code} · scene {c.scene + 1} of {len(r.lesson.scenes)}")
    if c.version == r.version:
        return
    moved = c.scene != r.scene
    following = not r.moved_on and _following(r, _page_now())
    r.version, r.revealed = c.version, c.revealed
    if moved and following:
        go_to(r, c.scene)
    elif moved:
        r.scene, r.moved_on = c.scene, True
    st.rerun()


def _page_now() -> str:
    """The page this session shows (a fragment's rerun runs no page)."""
    return str(st.session_state.get(PAGE_NOW, ""))


def _student_question(r: Role) -> None:
    pred = r.current.prediction
    key = f"cls_mine_{r.code}_{r.tab}_{r.scene}"
    if key not in st.session_state:  # (a reloaded tab: its answer is in the store)
        with contextlib.suppress(UnknownClass, StoreDown):
            st.session_state[key] = store().answers(r.code, r.scene).get(r.tab)
    mine = st.session_state.get(key)
    st.markdown(f"#### {literal(pred.question)}")
    if r.revealed:
        if mine is None:
            st.info("You did not answer this one.")
        elif pred.is_right(mine):
            st.success("You were right!")
        else:
            st.error("Not this time.")
        if pred.kind == "choice":
            st.markdown(
                f"Answer: **{literal(pred.answer)}**"
                + (f" · yours: {literal(str(mine))}" if mine is not None else "")
            )
        else:
            x, y = pred.answer
            st.markdown(
                f"Answer: **({x:.2f}, {y:.2f})**; a click within {pred.radius:g} counts as right."
            )
            _point_chart(r, mine=mine, truth=True, key="cls_point_done")
        if pred.reveal:
            st.markdown(literal(pred.reveal))
        return
    if pred.kind == "choice":
        cols = st.columns(min(len(pred.choices), 2))
        for i, choice in enumerate(pred.choices):
            chosen = mine == choice
            if cols[i % len(cols)].button(
                ("✓ " if chosen else "") + literal(choice),
                key=f"cls_choice_{r.scene}_{i}",
                type="primary" if chosen else "secondary",
                width="stretch",
            ):
                _answer(r, key, choice)
    else:
        st.caption("Tap the chart where you think it will be.")
        event = _point_chart(r, mine=mine, key=f"cls_point_{r.scene}", select=True)
        pts = (event or {}).get("selection", {}).get("points", []) if event else []
        if pts and isinstance(pts[0].get("x"), (int, float)):
            point = [float(pts[0]["x"]), float(pts[0]["y"])]
            if point != mine:
                _answer(r, key, point)
    if mine is not None:
        shown = mine if isinstance(mine, str) else f"({mine[0]:.2f}, {mine[1]:.2f})"
        st.caption(f"Your answer: {literal(shown)}. You can change it until the teacher reveals.")


def _answer(r: Role, key: str, value: Any) -> None:
    try:
        store().answer(r.code, r.scene, r.tab, value)
    except PermissionError:
        st.warning("The teacher has closed this question.")
        return
    except (StoreDown, UnknownClass) as err:
        st.error(f"Your answer could not be sent ({err}); try again in a moment.")
        return
    st.session_state[key] = value
    st.rerun()


def _point_chart(
    r: Role,
    *,
    answers: list | None = None,
    mine: Any = None,
    truth: bool = False,
    key: str,
    select: bool = False,
) -> Any:
    """The race surface of the scene to answer a point question on (or to see the
    class's clicks on)."""
    from optiviz.engine import SURFACE_NAMES, get_surface
    from optiviz.figures.classroom import point_question

    from .cache import cached_grid

    scene = r.current
    pred = scene.prediction
    name = scene.settings.get("surface", "two_wells")
    surface = get_surface(name if name in SURFACE_NAMES else "two_wells")
    start = tuple(
        float(scene.settings.get(k, v)) for k, v in zip(("x0", "y0"), surface.start, strict=True)
    )
    fig = point_question(
        cached_grid(surface.key, surface),
        surface,
        start,
        answers=[a for a in (answers or []) if isinstance(a, list)],
        mine=mine if isinstance(mine, list) else None,
        truth=pred.answer if truth else None,
        radius=pred.radius,
        slide=r.kind != "student",
    )
    if select:
        return st.plotly_chart(
            fig,
            key=key,
            on_select="rerun",
            selection_mode="points",
            config={"displayModeBar": False},
        )
    st.plotly_chart(fig, key=key, config={"displayModeBar": False})
    return None
