"""A live class end to end: one teacher and 30 students as websocket sessions (the
classroom benchmark's client) across 2 server processes behind the nginx setup
(deploy/replicas.sh), sharing one SQLite class store.

The teacher moves through 5 scenes with predictions; every student's screen follows
(a generous timeout, not a timing assert); all 30 answers are counted once (a student
who changes their mind counts once, with the last answer); a student cannot move the
class or reveal; one server process is killed mid-lesson and no answer is lost: its
students come back through nginx (their link holds the class and their tab) and carry on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from apptest_util import ROOT

from optiviz.classroom import SQLiteStore
from optiviz.lesson import parse, to_link
from optiviz.ui.visit import Session

sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests" / "system"))
from classlib import Student, Teacher
from test_replicas import _ports, _route

SCRIPT = ROOT / "deploy" / "replicas.sh"
NGINX = next((p for p in ("/usr/sbin/nginx", "/usr/bin/nginx") if os.path.exists(p)), None)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="Debian's nginx is not installed"),
]
N = 30

LESSON = parse(
    "\n".join(
        f"""
[[scenes]]
title = "Race {i}"
page = "race"
settings = {{ surface = "{surface}", racers = "sgd,adam" }}
text = "Scene {i} of the test lesson."
[scenes.prediction]
question = "Question {i}?"
choices = ["left", "right"]
answer = "left"
"""
        for i, surface in enumerate(
            ("two_wells", "quadratic_bowl", "elongated_bowl", "two_wells", "quadratic_bowl"), 1
        )
    ).replace("\n[[scenes]]", 'title = "Five questions"\n\n[[scenes]]', 1)
)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory) -> Iterator[tuple[str, Path, Path]]:
    state = tmp_path_factory.mktemp("replicas")
    store_dir = tmp_path_factory.mktemp("class-store")
    base = _ports(3)
    env = {
        **os.environ,
        "OPTIVIZ_REPLICAS_STATE": str(state),
        "OPTIVIZ_CMD": f"{sys.executable} -m optiviz.cli",
        "OPTIVIZ_WARMUP_PAGES": "0",
        "OPTIVIZ_STATE_DIR": str(store_dir),
    }
    subprocess.run([str(SCRIPT), "start", "2", str(base + 2), str(base)],
                   check=True, env=env, timeout=400, capture_output=True)  # fmt: skip
    try:
        yield f"http://127.0.0.1:{base + 2}", state, store_dir / "classes.sqlite"
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, timeout=120, capture_output=True)


def _backend(url: str, state: Path, s: Session) -> int:
    """The pid of the process nginx sends this tab to (replicas.sh starts them on
    consecutive ports and lists their pids in that order)."""
    port = int(_route(url, state, s).rsplit(":", 1)[1])
    pids = [int(p) for p in (state / "pids").read_text().split()]
    return pids[port - int(url.rsplit(":", 1)[1]) + 2]


async def _wait(cond, timeout: float = 120.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def test_a_teacher_and_30_students_across_two_processes(classroom) -> None:
    url, state, db = classroom

    async def lesson() -> None:
        teacher = Teacher(url)
        code = await teacher.start(to_link(LESSON))
        store = SQLiteStore(db)
        assert store.get(code).scene == 0 and len(store.get(code).lesson["scenes"]) == 5
        students = [Student(url, i) for i in range(N)]
        for s in students:
            await s.join(code)
        assert all(s.scene == 1 for s in students), [s.scene for s in students]
        assert store.members(code)[0] == N
        backends = {_backend(url, state, s.s) for s in students}
        assert len(backends) == 2, "students should spread over both processes"
        # the teacher key never reaches a student's link
        assert all("class" in parse_qs(s.s.query) for s in students)
        polls = [asyncio.create_task(s.poll()) for s in students]

        async def answer_all(scene: int) -> None:
            for s in students:
                await s.answer(s.i % 2)
            for s in students[:5]:  # five change their minds: the last answer counts
                await s.answer((s.i + 1) % 2)
            want = N
            await _wait(lambda: len(store.answers(code, scene - 1)) == want, 60, "answers")
            got = store.answers(code, scene - 1)
            assert sorted(got.values()) == sorted(
                ("left", "right")[(s.i + (1 if s.i < 5 else 0)) % 2] for s in students
            )
            v = await teacher.live()  # the teacher's panel counts them
            assert any(f"{N} answered" in t for t in v.texts), v.texts

        try:
            explorer, explored = students[-1], ""
            for scene in range(1, 6):
                if scene > 1:
                    await teacher.next()
                    following = [s for s in students if s is not explorer or scene != 4]
                    await _wait(lambda sc=scene, f=following: all(sc in s.seen_at for s in f),
                                120, f"every student on scene {scene}")  # fmt: skip
                if scene == 4:  # the explorer was not pulled away: a bar, one click follows
                    await _wait(lambda: "cls_follow" in explorer.s.widgets, 60, "the bar")
                    assert 4 not in explorer.seen_at and explorer.s.query == explored
                    async with explorer.lock:
                        explorer._saw(await explorer.s.run(None, clicks=("cls_follow",)))
                    assert explorer.scene == 4 and "steps=" not in explorer.s.query
                await answer_all(scene)
                if scene == 2:  # a student presses the teacher's buttons: nothing moves
                    s = students[0]
                    s.s.widgets["cls_next"] = teacher.s.widgets["cls_next"]
                    s.s.widgets["cls_reveal"] = teacher.s.widgets["cls_reveal"]
                    async with s.lock:
                        with contextlib.suppress(Exception):
                            await s.s.run(None, clicks=("cls_next", "cls_reveal"))
                    c = store.get(code)
                    assert (c.scene, c.revealed) == (1, False)
                if scene == 3:  # a process dies: its students come back through nginx
                    # (not the teacher's: a teacher's reloaded tab takes the class back
                    # with the teacher link, tests/browser/test_browser_class.py)
                    victim = next(iter(backends - {_backend(url, state, teacher.s)}))
                    lost = [s for s in students if _backend(url, state, s.s) == victim]
                    os.kill(victim, signal.SIGKILL)
                    await _wait(lambda lost=lost: all(s.errors for s in lost), 60, "sockets drop")
                    for s in lost:
                        old = s.s
                        s.s = Session(url, timeout=300)
                        await s.s.connect(cookie=old.cookie)
                        s.seen_at.pop(scene, None)
                        async with s.lock:
                            s._saw(await s.s.run("race", query=old.query))
                        s.errors.clear()
                        polls.append(asyncio.create_task(s.poll()))
                    assert all(s.scene == 3 for s in lost), [s.scene for s in lost]
                    assert len(store.answers(code, 2)) == N  # nothing lost
                await teacher.reveal()
                await _wait(lambda sc=scene: all(sc in s.revealed_at for s in students),
                            120, f"every student sees scene {scene}'s answer")  # fmt: skip
                if scene == 3:  # one student explores the revealed scene on their own
                    async with explorer.lock:
                        slider = explorer.s.sliders["steps"]
                        await explorer.s.run(None, widgets={slider.id: 150})
                    explored = explorer.s.query
                    assert "steps=150" in explored
        finally:
            for s in students:
                s.stop = True
            for p in polls:
                p.cancel()
            for s in students:
                await s.close()
            await teacher.close()
        for scene in range(5):
            assert len(store.answers(code, scene)) == N
        # right and wrong: the students with even numbers (and not among the five who
        # changed their minds) answered "left", the right answer
        for s in students:
            assert s.revealed_at.keys() >= {1, 2, 3, 4, 5}

    asyncio.run(lesson())
