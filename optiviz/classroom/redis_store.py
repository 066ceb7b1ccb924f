"""The class store on Redis, for a class served from several machines
(``OPTIVIZ_CLASS_STORE=redis://host:6379/0``; ``pip install 'optiviz[redis]'``).

The same rules as :class:`optiviz.classroom.store.SQLiteStore`; every key of a class
expires :data:`QUIET` seconds after its last activity. A teacher's move and reveal run
as one transaction (WATCH/MULTI), so two clicks never lose one another.
"""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from .store import (
    PRESENT,
    QUIET,
    ClassState,
    NotTeacher,
    StoreDown,
    UnknownClass,
    _value,
    key_hash,
    new_code,
    normal_code,
)


class RedisStore:
    def __init__(self, url: str) -> None:
        try:
            import redis
        except ImportError as err:  # the extra is not installed
            raise StoreDown(
                "OPTIVIZ_CLASS_STORE asks for Redis, but the redis package is missing: "
                "pip install 'optiviz[redis]'"
            ) from err
        self._redis = redis
        where = url.split("://", 1)[-1].split("@")[-1]  # never show a password
        self.describe = f"Redis at {where}"
        self.r = redis.Redis.from_url(
            url, socket_timeout=3, socket_connect_timeout=3, decode_responses=True
        )

    def _k(self, code: str, *rest: Any) -> str:
        return ":".join(("optiviz:class", normal_code(code), *map(str, rest)))

    def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except self._redis.exceptions.RedisError as err:
            raise StoreDown(f"the class store ({self.describe}) failed: {err}") from err

    def _touch(self, pipe: Any, code: str, now: float, scenes: Any = ()) -> None:
        """Queue the class's "last activity" and renew the expiry of all its keys (the
        answers of ``scenes`` too: a class's answers live as long as the class)."""
        pipe.hset(self._k(code), "touched", now)
        keys = [self._k(code), self._k(code, "members"), self._k(code, "scenes")]
        for k in keys + [self._k(code, "answers", sc) for sc in scenes]:
            pipe.expire(k, QUIET)

    def _checked(self, code: str, write: Any) -> Any:
        """Run ``write(pipe, class hash, scenes)`` in one transaction with the class's
        existence checked inside it (WATCH/MULTI): a class ended meanwhile is not
        brought back as a half hash, and a check and its write see the same state."""
        key = self._k(code)

        def go(pipe: Any) -> Any:
            h = pipe.hgetall(key)
            if not h or "lesson" not in h:
                raise UnknownClass(f"no class with the code {normal_code(code)!r} (ended?)")
            scenes = pipe.smembers(self._k(code, "scenes"))
            pipe.multi()
            return write(pipe, h, scenes)

        return self._call(lambda: self.r.transaction(go, key, value_from_callable=True))

    def create(self, lesson: dict[str, Any]) -> tuple[str, str]:
        import secrets

        key = secrets.token_urlsafe(24)
        now = time.time()

        def go() -> str:
            for _ in range(50):
                code = new_code()
                fields = {"key_hash": key_hash(key), "lesson": json.dumps(lesson), "scene": 0,
                          "revealed": 0, "version": 1, "started": now, "touched": now}  # fmt: skip
                if self.r.hsetnx(self._k(code), "key_hash", fields["key_hash"]):
                    self.r.hset(self._k(code), mapping=fields)
                    self.r.expire(self._k(code), QUIET)
                    return code
            raise StoreDown("no free join code")

        return self._call(go), key

    def _hash(self, code: str) -> dict[str, str]:
        h = self._call(self.r.hgetall, self._k(code))
        if not h or "lesson" not in h:
            raise UnknownClass(f"no class with the code {normal_code(code)!r} (ended?)")
        return h

    @staticmethod
    def _state(code: str, h: dict[str, str]) -> ClassState:
        return ClassState(
            normal_code(code), json.loads(h["lesson"]), int(h["scene"]), h["revealed"] == "1",
            int(h["version"]), float(h["started"]), float(h["touched"]),
        )  # fmt: skip

    def get(self, code: str) -> ClassState:
        return self._state(code, self._hash(code))

    def is_teacher(self, code: str, key: str) -> bool:
        return bool(key) and hmac.compare_digest(self._hash(code)["key_hash"], key_hash(key))

    def _teacher_write(self, code: str, key: str, fields: dict[str, Any]) -> ClassState:
        if not self.is_teacher(code, key):
            raise NotTeacher("only the class's teacher can do this")

        def write(pipe: Any, h: dict, scenes: Any) -> None:
            pipe.hset(self._k(code), mapping=fields)
            pipe.hincrby(self._k(code), "version", 1)
            self._touch(pipe, code, time.time(), scenes)

        self._checked(code, write)
        return self.get(code)

    def move(self, code: str, key: str, scene: int) -> ClassState:
        n = len(self.get(code).lesson["scenes"])
        return self._teacher_write(code, key, {"scene": min(max(int(scene), 0), n - 1),
                                               "revealed": 0})  # fmt: skip

    def reveal(self, code: str, key: str, revealed: bool = True) -> ClassState:
        return self._teacher_write(code, key, {"revealed": int(revealed)})

    def end(self, code: str, key: str) -> None:
        if not self.is_teacher(code, key):
            raise NotTeacher("only the class's teacher can end it")
        scenes = self._call(self.r.smembers, self._k(code, "scenes"))
        keys = [self._k(code), self._k(code, "members"), self._k(code, "scenes")]
        keys += [self._k(code, "answers", s) for s in scenes]
        self._call(self.r.delete, *keys)

    def join(self, code: str, tab: str) -> None:
        now = time.time()

        def write(pipe: Any, h: dict, scenes: Any) -> None:
            pipe.hset(self._k(code, "members"), tab[:64], now)
            self._touch(pipe, code, now, scenes)

        self._checked(code, write)

    def members(self, code: str) -> tuple[int, int]:
        self._hash(code)
        seen = self._call(self.r.hvals, self._k(code, "members"))
        cut = time.time() - PRESENT
        return len(seen), sum(float(s) > cut for s in seen)

    def answer(self, code: str, scene: int, tab: str, value: Any) -> None:
        """As SQLite's: refused once revealed or moved on, checked in the same
        transaction as the write (a reveal in between makes the write retry and refuse)."""
        now = time.time()
        stored = _value(value)

        def write(pipe: Any, h: dict, scenes: Any) -> None:
            if int(h["scene"]) != scene or h["revealed"] == "1":
                pipe.reset()
                raise PermissionError("this question is closed")
            pipe.hset(self._k(code, "answers", scene), tab[:64], stored)
            pipe.sadd(self._k(code, "scenes"), scene)
            self._touch(pipe, code, now, {*scenes, scene})

        self._checked(code, write)

    def answers(self, code: str, scene: int) -> dict[str, Any]:
        self._hash(code)
        raw = self._call(self.r.hgetall, self._k(code, "answers", scene))
        return {tab: json.loads(v) for tab, v in raw.items()}
