"""The class store, SQLite and Redis alike: codes and keys, moves only by the teacher,
one answer per tab and question (the last), closed questions, quiet classes ending,
and a store that is down: a clear message, no recorded answer lost."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from optiviz.classroom import NotTeacher, SQLiteStore, StoreDown, UnknownClass, open_store
from optiviz.classroom import store as st

LESSON = {"title": "t", "scenes": [{"title": f"s{i}", "page": "race"} for i in range(4)]}
REDIS = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A private redis-server on loopback (Debian's; .ci/run installs it)."""
    if REDIS is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.time() + 20
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield url, proc
    proc.terminate()
    proc.wait(10)


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> st.Store:
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "classes.sqlite")
    url, _ = request.getfixturevalue("redis_server")
    return open_store(url)


def test_a_class_starts_on_its_first_scene_with_a_code_and_a_key(store: st.Store) -> None:
    code, key = store.create(LESSON)
    assert len(code) == 6 and set(code) <= set(st.ALPHABET)
    assert len(key) >= 30 and key != code
    c = store.get(code)
    assert (c.scene, c.revealed, c.lesson) == (0, False, LESSON)
    assert store.get(code.lower()).code == code  # typed in lower case, still found
    assert store.is_teacher(code, key) and not store.is_teacher(code, code)
    assert not store.is_teacher(code, "")


def test_only_the_teacher_moves_and_reveals(store: st.Store) -> None:
    code, key = store.create(LESSON)
    for bad in ("", code, key[:-1] + ("x" if key[-1] != "x" else "y")):
        with pytest.raises(NotTeacher):
            store.move(code, bad, 1)
        with pytest.raises(NotTeacher):
            store.reveal(code, bad)
        with pytest.raises(NotTeacher):
            store.end(code, bad)
    v = store.get(code).version
    c = store.move(code, key, 2)
    assert (c.scene, c.revealed, c.version) == (2, False, v + 1)
    c = store.reveal(code, key)
    assert (c.scene, c.revealed, c.version) == (2, True, v + 2)
    assert store.move(code, key, 99).scene == 3  # kept within the lesson
    assert store.move(code, key, -5).scene == 0
    assert not store.get(code).revealed  # a move hides the next answer


def test_one_answer_per_tab_and_question_the_last_one_counts(store: st.Store) -> None:
    code, key = store.create(LESSON)
    store.answer(code, 0, "tab-a", "Adam")
    store.answer(code, 0, "tab-b", "GD")
    store.answer(code, 0, "tab-a", "GD")  # changed their mind
    assert store.answers(code, 0) == {"tab-a": "GD", "tab-b": "GD"}
    with pytest.raises(PermissionError):
        store.answer(code, 1, "tab-a", "x")  # not the question on screen
    store.move(code, key, 1)
    store.answer(code, 1, "tab-a", [0.5, -1.25])
    assert store.answers(code, 1) == {"tab-a": [0.5, -1.25]}
    assert store.answers(code, 0) == {"tab-a": "GD", "tab-b": "GD"}  # kept
    store.reveal(code, key)
    with pytest.raises(PermissionError):
        store.answer(code, 1, "tab-c", [0, 0])  # revealed: closed
    assert len(store.answers(code, 1)) == 1


def test_members_count_tabs_once(store: st.Store) -> None:
    code, _ = store.create(LESSON)
    for tab in ("a", "b", "a", "c", "b"):
        store.join(code, tab)
    assert store.members(code) == (3, 3)


def test_unknown_and_ended_classes(store: st.Store) -> None:
    with pytest.raises(UnknownClass):
        store.get("ZZZZZZ")
    with pytest.raises(UnknownClass):
        store.join("ZZZZZZ", "a")
    code, key = store.create(LESSON)
    store.end(code, key)
    with pytest.raises(UnknownClass):
        store.get(code)


def test_a_quiet_class_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = SQLiteStore(tmp_path / "c.sqlite")
    code, _ = s.create(LESSON)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + st.QUIET + 1)
    with pytest.raises(UnknownClass):
        s.get(code)
    s.create(LESSON)  # a new class clears the ended ones out of the file
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM classes WHERE code=?", (code,)).fetchone()[0] == 0


def test_two_processes_share_one_sqlite_file(tmp_path: Path) -> None:
    """What the nginx setup relies on: a class made in one process is seen and moved
    from another, and answers from both are counted."""
    path = tmp_path / "c.sqlite"
    a = SQLiteStore(path)
    code, key = a.create(LESSON)
    script = (
        "import sys; from optiviz.classroom import SQLiteStore as S; s = S(sys.argv[1]);"
        "s.move(sys.argv[2], sys.argv[3], 1); s.answer(sys.argv[2], 1, 'other', 'B')"
    )
    subprocess.run([os.sys.executable, "-c", script, str(path), code, key], check=True)
    a.answer(code, 1, "mine", "A")
    assert a.get(code).scene == 1
    assert a.answers(code, 1) == {"other": "B", "mine": "A"}
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_sqlite_store_that_cannot_be_opened_says_where(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    s = SQLiteStore(tmp_path / "afile" / "classes.sqlite")
    with pytest.raises(StoreDown, match="cannot be opened"):
        s.create(LESSON)


def test_a_locked_sqlite_store_fails_clearly_and_keeps_answers(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    s = SQLiteStore(path, timeout=0.2)
    code, _ = s.create(LESSON)
    s.answer(code, 0, "a", "X")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreDown, match="failed"):
            s.answer(code, 0, "b", "Y")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    s.answer(code, 0, "b", "Y")
    assert s.answers(code, 0) == {"a": "X", "b": "Y"}


def test_a_redis_store_that_stops_answering_fails_clearly_and_keeps_answers(
    redis_server: tuple[str, subprocess.Popen],
) -> None:
    url, proc = redis_server
    s = open_store(url)
    code, _ = s.create(LESSON)
    s.answer(code, 0, "a", "X")
    proc.send_signal(signal.SIGSTOP)  # the server hangs (a network cut looks the same)
    try:
        with pytest.raises(StoreDown, match=r"Redis at 127\.0\.0\.1"):
            s.answer(code, 0, "b", "Y")
    finally:
        proc.send_signal(signal.SIGCONT)
    assert open_store(url).answers(code, 0) == {"a": "X"}
    s2 = open_store(f"redis://127.0.0.1:{_free_port()}/0")  # nothing listens there
    with pytest.raises(StoreDown):
        s2.create(LESSON)


def test_open_store_reads_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTIVIZ_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("OPTIVIZ_CLASS_STORE", raising=False)
    s = open_store()
    assert isinstance(s, SQLiteStore) and s.path == tmp_path / "classes.sqlite"
    assert open_store(f"sqlite://{tmp_path}/x.sqlite").path == tmp_path / "x.sqlite"
    with pytest.raises(StoreDown, match="expected redis"):
        open_store("mysql://x")


def test_redis_keeps_answers_as_long_as_the_class_and_never_revives_an_ended_one(
    redis_server: tuple[str, subprocess.Popen],
) -> None:
    s = open_store(redis_server[0])
    code, key = s.create(LESSON)
    s.answer(code, 0, "a", "X")
    answers = s._k(code, "answers", 0)
    s.r.expire(answers, 5)  # as if the class had gone on for hours since that answer
    s.join(code, "b")  # any activity renews every key of the class
    assert s.r.ttl(answers) > 5
    s.end(code, key)
    with pytest.raises(UnknownClass):
        s.join(code, "c")
    with pytest.raises(UnknownClass):
        s.answer(code, 0, "c", "Y")
    assert not s.r.exists(s._k(code)) and not s.r.exists(s._k(code, "members"))
