"""A live class without browsers: one teacher and many students as websocket sessions
(:class:`optiviz.ui.visit.Session`), each doing what its browser would.

A student's browser reruns the page's polling fragment on its own timer
(``st.fragment(run_every=…)``); :class:`Student` does the same in a loop. The teacher
presses Next / Reveal by their button keys. Times are taken from the teacher's click to
each student's screen showing the new scene, and from each student's answer to the
teacher's screen counting it.

Used by ``benchmarks/classroom.py`` and ``tests/classroom/test_live_class.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from optiviz.ui.visit import Session, Visit

SCENE = re.compile(r"Scene (\d+) of (\d+)")
ANSWERED = re.compile(r"(\d+) answered")
JOINED = re.compile(r"(\d+) student screens? joined")
REVEALED = ("You were right", "Not this time", "You did not answer")
CODE = re.compile(r"with code \*\*([A-Z0-9]{6})\*\*")


def scene_of(v: Visit) -> int | None:
    """The scene number (1-based) a run's screen shows, None if none."""
    for t in v.texts:
        m = SCENE.search(t)
        if m:
            return int(m.group(1))
    return None


def first(pattern: re.Pattern, v: Visit) -> re.Match | None:
    for t in v.texts:
        m = pattern.search(t)
        if m:
            return m
    return None


class Teacher:
    """The teacher's tab: starts a class from a built-in lesson, moves, reveals."""

    def __init__(self, url: str, timeout: float = 300) -> None:
        self.s = Session(url, timeout=timeout)
        self.code = ""
        self.scene = 1
        self.last: Visit | None = None

    async def start(self, lesson: str = "") -> str:
        await self.s.connect()
        await self.s.run("", query="")
        v = await self.s.run("teach", query=urlencode({"lesson": lesson}) if lesson else "")
        v = await self.s.run("teach", clicks=("teach_class",))
        m = first(CODE, v)
        if m is None:
            raise RuntimeError(f"no join code on the teacher's screen: {v.texts[:8]}")
        self.code = m.group(1)
        self.last = v
        return self.code

    async def next(self) -> Visit:
        v = await self.s.run(None, clicks=("cls_next",))
        self.scene = scene_of(v) or self.scene
        self.last = v
        return v

    async def reveal(self) -> Visit:
        self.last = await self.s.run(None, clicks=("cls_reveal",))
        return self.last

    async def live(self) -> Visit:
        """One tick of the teacher's live panel (joined, answers), as the browser's timer."""
        frag = self._live_fragment()
        v = await self.s.run(None, fragment=frag) if frag else await self.s.run(None)
        return v

    def _live_fragment(self) -> str:
        # the teacher's page has one timed fragment: the live panel
        return next(reversed(self.s.auto_reruns), "")

    async def close(self) -> None:
        await self.s.close()


@dataclass
class Student:
    url: str
    i: int
    timeout: float = 300
    s: Session = field(init=False)
    scene: int = 0
    seen_at: dict[int, float] = field(default_factory=dict)  # scene -> when first on screen
    answered_at: dict[int, float] = field(default_factory=dict)
    revealed_at: dict[int, float] = field(default_factory=dict)  # scene -> right/wrong shown
    errors: list[str] = field(default_factory=list)
    stop: bool = False
    last: Visit | None = None
    rng: random.Random = field(init=False)
    lock: asyncio.Lock = field(init=False)  # one script run at a time on the socket

    def __post_init__(self) -> None:
        self.s = Session(self.url, timeout=self.timeout)
        self.rng = random.Random(self.i)
        self.lock = asyncio.Lock()

    async def join(self, code: str) -> None:
        await self.s.connect()
        v = await self.s.run("join", query=urlencode({"code": code}))
        self._saw(v)

    def _saw(self, v: Visit) -> None:
        n = scene_of(v)
        if n is not None and n not in self.seen_at:
            self.seen_at[n] = time.perf_counter()
        if n is not None:
            self.scene = n
            self.last = v  # (a poll that only checked the class draws no scene)
        if (
            n is not None
            and n not in self.revealed_at
            and any(m in t for t in v.texts for m in REVEALED)
        ):
            self.revealed_at[n] = time.perf_counter()

    async def poll(self) -> None:
        """What the browser does by itself: rerun the polling fragment at the interval
        the page announced (``st.fragment(run_every=…)``), a little jittered as timers are."""
        while not self.stop:
            frag = next(reversed(self.s.auto_reruns), "")
            every = self.s.auto_reruns.get(frag, 1.0) or 1.0
            await asyncio.sleep(every * (0.8 + 0.4 * self.rng.random()))
            frag = next(reversed(self.s.auto_reruns), "")  # (the page may have changed)
            try:
                async with self.lock:
                    v = await (self.s.run(None, fragment=frag) if frag else self.s.run(None))
            except Exception as err:  # a dropped socket: reported, the student goes on
                self.errors.append(f"{type(err).__name__}: {err}"[:200])
                return
            self._saw(v)

    async def answer(self, choice: int | None = None) -> bool:
        """Press one of the choice buttons of the question on screen (or a random one)."""
        prefix = f"cls_choice_{self.scene - 1}_"
        # (a run cut short by its own rerun drew some buttons twice: one of each, in order)
        keys = sorted({b for b in self.last.buttons if b.startswith(prefix)},
                      key=lambda b: int(b.rsplit("_", 1)[1]))  # fmt: skip
        if not keys:
            return False
        key = keys[choice % len(keys)] if choice is not None else self.rng.choice(keys)
        async with self.lock:
            t0 = time.perf_counter()
            v = await self.s.run(None, clicks=(key,))
        self.answered_at[self.scene] = t0
        self._saw(v)
        return True

    async def close(self) -> None:
        self.stop = True
        with contextlib.suppress(Exception):
            await self.s.close()
