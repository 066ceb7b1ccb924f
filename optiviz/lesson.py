"""Lessons as data: an ordered list of scenes, each a page of the app with its settings.

A lesson is a readable TOML file (``assets/lessons/*.toml``)::

    title = "Optimizers in three scenes"
    description = "What momentum buys."

    [[scenes]]
    title = "Two wells"
    page = "race"                                   # a page's address (…/race)
    settings = { surface = "two_wells", opts = "sgd,momentum" }  # as its link says
    text = "Both start on the ridge between the wells."

    [scenes.prediction]                             # optional
    question = "Which optimizer ends in the deeper well?"
    choices = ["GD", "Momentum", "Both", "Neither"]
    answer = "Momentum"
    fact = "race.deepest"                           # what the page records that decides it
    reveal = "Momentum carries GD's speed over the ridge."

A prediction is either a choice (``choices`` and ``answer``) or a point on the chart
(``kind = "point"``, ``answer = [x, y]`` and ``radius``: a student's click within it
counts as right). ``fact`` names a value the scene's page records as it draws the
scene (:mod:`optiviz.ui.facts`); the tests run every scene of the built-in lesson and
check that stored answers equal the facts.

This module is pure (no Streamlit): parsing with messages that name the scene and the
key, writing TOML back, and a lesson as a link. Which settings a page has is the app's
knowledge, passed in as a ``check`` callable (:func:`validate`).
"""

from __future__ import annotations

import base64
import json
import math
import re
import tomllib
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

#: where the built-in lessons live
LESSON_DIR = Path(__file__).resolve().parent.parent / "assets" / "lessons"
if not LESSON_DIR.is_dir():  # installed as a wheel: the assets travel inside the package
    LESSON_DIR = Path(__file__).resolve().parent / "_app" / "assets" / "lessons"

MAX_BYTES = 256 * 1024
MAX_SCENES = 60
MAX_TITLE = 120
MAX_TEXT = 2000
MAX_CHOICES = 8
_SCENE_KEYS = {"title", "page", "settings", "text", "prediction"}
_PREDICTION_KEYS = {"question", "kind", "choices", "answer", "radius", "reveal", "fact"}
_TOP_KEYS = {"title", "description", "scenes"}


class LessonError(ValueError):
    """A lesson that cannot be used; the message names the scene and the key."""


@dataclass(frozen=True)
class Prediction:
    question: str
    kind: str = "choice"  # "choice" | "point"
    choices: tuple[str, ...] = ()
    answer: Any = None  # a choice's text, or (x, y)
    radius: float = 0.0
    reveal: str = ""
    fact: str = ""

    def is_right(self, given: Any) -> bool:
        """Whether a student's answer counts as right: the same choice, or a point within
        ``radius`` of the answer."""
        if self.kind == "point":
            try:
                x, y = (float(v) for v in given)
            except (TypeError, ValueError):
                return False
            ax, ay = self.answer
            return math.hypot(x - ax, y - ay) <= self.radius
        return given == self.answer


@dataclass(frozen=True)
class Scene:
    title: str
    page: str
    settings: Mapping[str, str] = field(default_factory=dict)
    text: str = ""
    prediction: Prediction | None = None

    def query(self) -> dict[str, str]:
        """The scene's settings as its link carries them."""
        return dict(self.settings)


@dataclass(frozen=True)
class Lesson:
    title: str
    scenes: tuple[Scene, ...]
    description: str = ""

    def with_scenes(self, scenes: list[Scene] | tuple[Scene, ...]) -> Lesson:
        return replace(self, scenes=tuple(scenes))


# ------------------------------------------------------------------------------ reading
def _text(value: Any, where: str, key: str, *, limit: int, required: bool = False) -> str:
    if value is None:
        if required:
            raise LessonError(f"{where}: `{key}` is missing.")
        return ""
    if not isinstance(value, str):
        raise LessonError(f"{where}: `{key}` should be text, not {type(value).__name__}.")
    if required and not value.strip():
        raise LessonError(f"{where}: `{key}` is empty.")
    if len(value) > limit:
        raise LessonError(f"{where}: `{key}` is longer than {limit} characters.")
    return value


def setting_text(value: Any) -> str:
    """A setting's value as a link writes it (TOML may give numbers, booleans, lists)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ",".join(setting_text(v) for v in value)
    return str(value)


def _settings(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise LessonError(f"{where}: `settings` should be a table of key = value.")
    out = {}
    for k, v in raw.items():
        if isinstance(v, Mapping):
            raise LessonError(f"{where}: setting `{k}` should be a value, not a table.")
        out[str(k)] = setting_text(v)
    return out


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LessonError(f"{where}: `{key}` should be a number.")
    try:
        number = float(value)  # (an integer too large for a float overflows here)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise LessonError(f"{where}: `{key}` should be a finite number.")
    return number


def _prediction(raw: Any, where: str) -> Prediction | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise LessonError(f"{where}: `prediction` should be a table.")
    where = f"{where}, prediction"
    unknown = sorted(set(raw) - _PREDICTION_KEYS)
    if unknown:
        raise LessonError(
            f"{where}: unknown key `{unknown[0]}` (known: {', '.join(sorted(_PREDICTION_KEYS))})."
        )
    question = _text(raw.get("question"), where, "question", limit=MAX_TEXT, required=True)
    kind = raw.get("kind", "choice")
    reveal = _text(raw.get("reveal"), where, "reveal", limit=MAX_TEXT)
    fact = _text(raw.get("fact"), where, "fact", limit=80)
    if kind == "choice":
        choices = raw.get("choices")
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise LessonError(f"{where}: `choices` should be a list of texts.")
        choices = [c.strip() for c in choices]
        if not 2 <= len(choices) <= MAX_CHOICES:
            raise LessonError(f"{where}: give between 2 and {MAX_CHOICES} choices.")
        if any(not c or len(c) > MAX_TITLE for c in choices):
            raise LessonError(f"{where}: a choice is empty or longer than {MAX_TITLE} characters.")
        if len(set(choices)) != len(choices):
            raise LessonError(f"{where}: two choices are the same.")
        answer = raw.get("answer")
        if answer not in choices:
            raise LessonError(f"{where}: `answer` should be one of the choices, not {answer!r}.")
        return Prediction(question, "choice", tuple(choices), answer, reveal=reveal, fact=fact)
    if kind == "point":
        answer = raw.get("answer")
        if not isinstance(answer, list) or len(answer) != 2:
            raise LessonError(f"{where}: a point's `answer` should be [x, y].")
        x, y = (_number(v, where, "answer") for v in answer)
        radius = _number(raw.get("radius", 0.0), where, "radius")
        if radius <= 0:
            raise LessonError(f"{where}: a point question needs a `radius` > 0.")
        return Prediction(question, "point", (), (x, y), radius, reveal, fact)
    raise LessonError(f'{where}: `kind` should be "choice" or "point", not {kind!r}.')


def from_data(data: Mapping[str, Any]) -> Lesson:
    """A lesson from parsed TOML (or JSON); raises :class:`LessonError`."""
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise LessonError(
            f"lesson: unknown key `{unknown[0]}` (known: title, description, scenes)."
        )
    title = _text(data.get("title"), "lesson", "title", limit=MAX_TITLE, required=True)
    description = _text(data.get("description"), "lesson", "description", limit=MAX_TEXT)
    raw_scenes = data.get("scenes")
    if not isinstance(raw_scenes, list) or not raw_scenes:
        raise LessonError("lesson: no scenes (add [[scenes]] tables).")
    if len(raw_scenes) > MAX_SCENES:
        raise LessonError(f"lesson: {len(raw_scenes)} scenes; at most {MAX_SCENES}.")
    scenes = []
    for i, raw in enumerate(raw_scenes, 1):
        where = f"scene {i}"
        if not isinstance(raw, Mapping):
            raise LessonError(f"{where}: should be a table.")
        if isinstance(raw.get("title"), str) and raw["title"].strip():
            where = f"scene {i} ({raw['title'].strip()[:40]!r})"
        unknown = sorted(set(raw) - _SCENE_KEYS)
        if unknown:
            raise LessonError(
                f"{where}: unknown key `{unknown[0]}` (known: {', '.join(sorted(_SCENE_KEYS))})."
            )
        scenes.append(
            Scene(
                title=_text(raw.get("title"), where, "title", limit=MAX_TITLE, required=True),
                page=_text(raw.get("page"), where, "page", limit=40, required=True),
                settings=_settings(raw.get("settings"), where),
                text=_text(raw.get("text"), where, "text", limit=MAX_TEXT),
                prediction=_prediction(raw.get("prediction"), where),
            )
        )
    return Lesson(title, tuple(scenes), description)


def parse(text: str | bytes) -> Lesson:
    """A lesson from the text of a TOML file; raises :class:`LessonError`."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise LessonError(f"lesson: the file is larger than {MAX_BYTES // 1024} KB.")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            raise LessonError("lesson: the file is not UTF-8 text.") from err
    if len(text) > MAX_BYTES:
        raise LessonError(f"lesson: the file is larger than {MAX_BYTES // 1024} KB.")
    try:
        data = tomllib.loads(text)
    except RecursionError as err:
        raise LessonError("lesson: the file nests too deeply to be a lesson.") from err
    except tomllib.TOMLDecodeError as err:
        raise LessonError(f"lesson: not valid TOML ({err}).") from err
    return from_data(data)


#: check(page, settings) -> problems (texts); raises KeyError for a page that does not exist
Check = Callable[[str, Mapping[str, str]], list[str]]


def validate(lesson: Lesson, check: Check, pages: list[str]) -> None:
    """Check every scene's page and settings against the app; raises :class:`LessonError`
    naming the scene and the key."""
    for i, scene in enumerate(lesson.scenes, 1):
        where = f"scene {i} ({scene.title[:40]!r})"
        if scene.page not in pages:
            raise LessonError(
                f"{where}: `page = {scene.page!r}` is not a page of the app "
                f"(pages: {', '.join(pages)})."
            )
        problems = check(scene.page, scene.settings)
        if problems:
            raise LessonError(f"{where}: {problems[0]}")


def load(name: str) -> Lesson:
    """A built-in lesson by its file name (without ``.toml``)."""
    if not re.fullmatch(r"[a-z0-9_-]{1,40}", name):
        raise LessonError(f"lesson: no built-in lesson {name!r}.")
    path = LESSON_DIR / f"{name}.toml"
    if not path.is_file():
        raise LessonError(f"lesson: no built-in lesson {name!r}.")
    return parse(path.read_bytes())


def builtin() -> dict[str, str]:
    """The built-in lessons: file name -> title."""
    out = {}
    for path in sorted(LESSON_DIR.glob("*.toml")):
        try:
            out[path.stem] = parse(path.read_bytes()).title
        except LessonError:
            continue
    return out


# ------------------------------------------------------------------------------ writing
def to_data(lesson: Lesson) -> dict[str, Any]:
    """The lesson as plain data (what :func:`from_data` reads)."""
    scenes = []
    for s in lesson.scenes:
        d: dict[str, Any] = {"title": s.title, "page": s.page}
        if s.text:
            d["text"] = s.text
        d["settings"] = dict(s.settings)
        if s.prediction is not None:
            p = s.prediction
            pd: dict[str, Any] = {"question": p.question}
            if p.kind == "point":
                pd |= {"kind": "point", "answer": list(p.answer), "radius": p.radius}
            else:
                pd |= {"choices": list(p.choices), "answer": p.answer}
            if p.reveal:
                pd["reveal"] = p.reveal
            if p.fact:
                pd["fact"] = p.fact
            d["prediction"] = pd
        scenes.append(d)
    out: dict[str, Any] = {"title": lesson.title}
    if lesson.description:
        out["description"] = lesson.description
    out["scenes"] = scenes
    return out


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v) if isinstance(v, int) else f"{v!r}"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def to_toml(lesson: Lesson) -> str:
    """The lesson as a TOML file a teacher can read and edit (round-trips through
    :func:`parse`)."""
    data = to_data(lesson)
    lines = [f"title = {_toml_value(data['title'])}"]
    if "description" in data:
        lines.append(f"description = {_toml_value(data['description'])}")
    for scene in data["scenes"]:
        lines += ["", "[[scenes]]"]
        pred = scene.pop("prediction", None)
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in scene.items()]
        if pred:
            lines += ["", "[scenes.prediction]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in pred.items()]
    return "\n".join(lines) + "\n"


def to_link(lesson: Lesson) -> str:
    """The lesson packed into one link value (compressed JSON, URL-safe base64)."""
    raw = json.dumps(to_data(lesson), separators=(",", ":"), ensure_ascii=False).encode()
    return "z" + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def from_link(value: str) -> Lesson:
    """A lesson from a link value: a built-in lesson's name, or :func:`to_link`'s text."""
    if not value.startswith("z"):
        return load(value)
    if len(value) > 64 * 1024:
        raise LessonError("lesson: the link is too long.")
    try:
        packed = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
        raw = zlib.decompressobj().decompress(packed, MAX_BYTES)
        data = json.loads(raw)
    except (ValueError, zlib.error, RecursionError) as err:
        raise LessonError("lesson: the link's lesson could not be read (cut off?).") from err
    if not isinstance(data, Mapping):
        raise LessonError("lesson: the link's lesson could not be read.")
    return from_data(data)
