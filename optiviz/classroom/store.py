"""The class store: one interface, a SQLite file (default) or Redis behind it.

A class is created from a lesson and gets a short **join code** (six letters and digits
that cannot be misread: no 0/O, 1/I/L) for students, and a **teacher key** (a long
random token) for its teacher; the store keeps only the key's hash. Moving the class
and revealing an answer need the key; joining and answering need only the code.

Answers are anonymous: a student tab is a random token its browser keeps in the link,
and each (tab, question) keeps its last answer. A class ends after :data:`QUIET`
seconds without a move, a reveal, a join or an answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import queue
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

#: a class with no activity for this long has ended (seconds)
QUIET = 4 * 3600
#: the join code's letters: none that read as another (0/O, 1/I/L)
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LEN = 6
#: a student counts as "here now" when their screen checked in within this many seconds
PRESENT = 20.0


class StoreDown(RuntimeError):
    """The store cannot be reached or written; the message says what to do."""


class UnknownClass(LookupError):
    """No class has this code (never started, ended, or expired)."""


class NotTeacher(PermissionError):
    """Only the class's teacher (the holder of its teacher key) may do this."""


@dataclass(frozen=True)
class ClassState:
    code: str
    lesson: dict[str, Any]  # the lesson as plain data (optiviz.lesson.to_data)
    scene: int  # 0-based index of the scene on screen
    revealed: bool  # the current scene's prediction has been revealed
    version: int  # grows with every move and reveal
    started: float
    touched: float


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))


def normal_code(text: str) -> str:
    """A typed join code as stored: upper case, spaces and dashes dropped."""
    return "".join(c for c in str(text).upper() if c.isalnum())[:16]


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _value(value: Any) -> str:
    """An answer as stored: a choice's text or an [x, y] point, as JSON."""
    if isinstance(value, (list, tuple)):
        x, y = (float(v) for v in value)
        return json.dumps([x, y])
    return json.dumps(str(value))


class Store(Protocol):
    def create(self, lesson: dict[str, Any]) -> tuple[str, str]: ...
    def get(self, code: str) -> ClassState: ...
    def is_teacher(self, code: str, key: str) -> bool: ...
    def move(self, code: str, key: str, scene: int) -> ClassState: ...
    def reveal(self, code: str, key: str, revealed: bool = True) -> ClassState: ...
    def end(self, code: str, key: str) -> None: ...
    def join(self, code: str, tab: str) -> None: ...
    def members(self, code: str) -> tuple[int, int]: ...
    def answer(self, code: str, scene: int, tab: str, value: Any) -> None: ...
    def answers(self, code: str, scene: int) -> dict[str, Any]: ...


# ------------------------------------------------------------------------------ SQLite
SCHEMA = """
CREATE TABLE IF NOT EXISTS classes (
    code TEXT PRIMARY KEY, key_hash TEXT NOT NULL, lesson TEXT NOT NULL,
    scene INTEGER NOT NULL DEFAULT 0, revealed INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1, started REAL NOT NULL, touched REAL NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    code TEXT NOT NULL, tab TEXT NOT NULL, seen REAL NOT NULL, PRIMARY KEY (code, tab));
CREATE TABLE IF NOT EXISTS answers (
    code TEXT NOT NULL, scene INTEGER NOT NULL, tab TEXT NOT NULL, value TEXT NOT NULL,
    at REAL NOT NULL, PRIMARY KEY (code, scene, tab));
"""


def default_path() -> Path:
    """``$OPTIVIZ_STATE_DIR/classes.sqlite``, else under ``$XDG_STATE_HOME/optiviz``
    (``~/.local/state/optiviz``): one file every process of the machine shares."""
    folder = os.environ.get("OPTIVIZ_STATE_DIR")
    if not folder:
        base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
        folder = os.path.join(base, "optiviz")
    return Path(folder) / "classes.sqlite"


class SQLiteStore:
    """The class store in one SQLite file in WAL mode: readers never wait for the
    writer, and every server process of the machine sees the same classes."""

    def __init__(self, path: str | Path | None = None, *, timeout: float = 10.0) -> None:
        self.path = Path(path) if path else default_path()
        self.timeout = timeout
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self.describe = f"SQLite file {self.path}"

    # A few connections serve every thread, one at a time each (Streamlit runs a session's
    # script runs on threads that come and go: a connection per thread would be opened
    # again on most of them).
    def _db(self) -> sqlite3.Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(
                    self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
                )
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(SCHEMA)
            except (sqlite3.Error, OSError) as err:
                raise StoreDown(
                    f"the class store ({self.describe}) cannot be opened: {err}"
                ) from err
            return db

    @contextlib.contextmanager
    def _tx(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        db = self._db()
        try:
            if write:
                db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if write:
                    db.execute("ROLLBACK")
                raise
            if write:
                db.execute("COMMIT")
        except sqlite3.Error as err:
            with contextlib.suppress(Exception):
                db.close()
            raise StoreDown(f"the class store ({self.describe}) failed: {err}") from err
        except BaseException:
            self._idle.put(db)
            raise
        self._idle.put(db)

    def create(self, lesson: dict[str, Any]) -> tuple[str, str]:
        """A new class on the lesson's first scene: (join code, teacher key)."""
        key = secrets.token_urlsafe(24)
        now = time.time()
        with self._tx(write=True) as db:
            self._expire(db, now)
            for _ in range(50):
                code = new_code()
                if db.execute("SELECT 1 FROM classes WHERE code=?", (code,)).fetchone() is None:
                    break
            db.execute(
                "INSERT INTO classes (code, key_hash, lesson, started, touched) VALUES (?,?,?,?,?)",
                (code, key_hash(key), json.dumps(lesson), now, now),
            )
        return code, key

    @staticmethod
    def _expire(db: sqlite3.Connection, now: float) -> None:
        old = [
            r[0] for r in db.execute("SELECT code FROM classes WHERE touched < ?", (now - QUIET,))
        ]
        for code in old:
            for table in ("classes", "members", "answers"):
                db.execute(f"DELETE FROM {table} WHERE code=?", (code,))

    def _row(self, db: sqlite3.Connection, code: str) -> tuple:
        row = db.execute(
            "SELECT code, lesson, scene, revealed, version, started, touched, key_hash "
            "FROM classes WHERE code=?",
            (normal_code(code),),
        ).fetchone()
        if row is None or row[6] < time.time() - QUIET:
            raise UnknownClass(f"no class with the code {normal_code(code)!r} (ended?)")
        return row

    @staticmethod
    def _state(row: tuple) -> ClassState:
        return ClassState(row[0], json.loads(row[1]), row[2], bool(row[3]), row[4], row[5], row[6])

    def get(self, code: str) -> ClassState:
        with self._tx() as db:
            return self._state(self._row(db, code))

    def is_teacher(self, code: str, key: str) -> bool:
        with self._tx() as db:
            row = self._row(db, code)
        return bool(key) and hmac.compare_digest(row[7], key_hash(key))

    def _teacher_write(self, code: str, key: str, sql: str, args: tuple) -> ClassState:
        with self._tx(write=True) as db:
            row = self._row(db, code)
            if not (key and hmac.compare_digest(row[7], key_hash(key))):
                raise NotTeacher("only the class's teacher can do this")
            db.execute(sql, (*args, time.time(), row[0]))
            return self._state(self._row(db, code))

    def move(self, code: str, key: str, scene: int) -> ClassState:
        """Show scene ``scene`` (0-based; kept within the lesson), its answer hidden."""
        n = len(self.get(code).lesson["scenes"])
        scene = min(max(int(scene), 0), n - 1)
        return self._teacher_write(
            code, key,
            "UPDATE classes SET scene=?, revealed=0, version=version+1, touched=? WHERE code=?",
            (scene,),
        )  # fmt: skip

    def reveal(self, code: str, key: str, revealed: bool = True) -> ClassState:
        return self._teacher_write(
            code, key,
            "UPDATE classes SET revealed=?, version=version+1, touched=? WHERE code=?",
            (int(revealed),),
        )  # fmt: skip

    def end(self, code: str, key: str) -> None:
        if not self.is_teacher(code, key):
            raise NotTeacher("only the class's teacher can end it")
        with self._tx(write=True) as db:
            for table in ("classes", "members", "answers"):
                db.execute(f"DELETE FROM {table} WHERE code=?", (normal_code(code),))

    def join(self, code: str, tab: str) -> None:
        """A student tab is here (joining, or its screen checking in)."""
        now = time.time()
        with self._tx(write=True) as db:
            row = self._row(db, code)
            db.execute(
                "INSERT INTO members (code, tab, seen) VALUES (?,?,?) "
                "ON CONFLICT (code, tab) DO UPDATE SET seen=excluded.seen",
                (row[0], tab[:64], now),
            )
            db.execute("UPDATE classes SET touched=? WHERE code=?", (now, row[0]))

    def members(self, code: str) -> tuple[int, int]:
        """(student tabs that ever joined, those whose screen checked in lately)."""
        with self._tx() as db:
            row = self._row(db, code)
            total, now = db.execute(
                "SELECT COUNT(*), SUM(seen > ?) FROM members WHERE code=?",
                (time.time() - PRESENT, row[0]),
            ).fetchone()
        return int(total), int(now or 0)

    def answer(self, code: str, scene: int, tab: str, value: Any) -> None:
        """A student tab's answer to scene ``scene``'s question (its last one counts).
        Refused once the answer is revealed or the class has moved on."""
        now = time.time()
        with self._tx(write=True) as db:
            row = self._row(db, code)
            if row[2] != scene or row[3]:
                raise PermissionError("this question is closed")
            db.execute(
                "INSERT INTO answers (code, scene, tab, value, at) VALUES (?,?,?,?,?) "
                "ON CONFLICT (code, scene, tab) DO UPDATE SET value=excluded.value, at=excluded.at",
                (row[0], scene, tab[:64], _value(value), now),
            )
            db.execute("UPDATE classes SET touched=? WHERE code=?", (now, row[0]))

    def answers(self, code: str, scene: int) -> dict[str, Any]:
        """Every tab's answer to scene ``scene``: tab -> choice text or [x, y]."""
        with self._tx() as db:
            row = self._row(db, code)
            rows = db.execute(
                "SELECT tab, value FROM answers WHERE code=? AND scene=?", (row[0], scene)
            ).fetchall()
        return {tab: json.loads(value) for tab, value in rows}


def open_store(url: str | None = None) -> Store:
    """The store ``OPTIVIZ_CLASS_STORE`` names (``redis://…``, ``sqlite:///path``), else
    the SQLite file in the state folder."""
    url = url if url is not None else os.environ.get("OPTIVIZ_CLASS_STORE", "")
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis_store import RedisStore

        return RedisStore(url)
    if url.startswith("sqlite:///"):
        return SQLiteStore("/" + url[len("sqlite:///") :].lstrip("/"))  # an absolute path
    if url:
        raise StoreDown(f"OPTIVIZ_CLASS_STORE={url!r}: expected redis://… or sqlite:///path")
    return SQLiteStore()
