"""The app's side of lessons: which pages and settings a scene may name, and the
scene on screen as a lesson scene."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from optiviz.lesson import Lesson, LessonError, Scene, validate

from . import url_state
from .url_state import Param

#: every page a scene may show: its address -> its title
PAGES: dict[str, str] = {
    "race": "Optimizer race",
    "landscape": "Landscape",
    "playground": "Playground",
    "gradients": "Gradients lab",
    "activations": "Activations",
    "perceptron": "Perceptron",
    "backprop": "Backpropagation",
    "schedules": "Learning-rate schedules",
    "regularization": "Regularization",
    "transfer": "Transfer learning",
}
#: settings every page takes (slide mode)
COMMON = ("slide",)


def page_file(page: str) -> str:
    return f"pages/{page}.py"


def _schema(page: str, settings: Mapping[str, str]) -> list[Param]:
    """The page's settings for a scene (race and landscape depend on the surface, the
    perceptron on the gate)."""
    if page in ("race", "landscape"):
        from optiviz.engine import SURFACE_NAMES, get_surface

        name = settings.get("surface", "two_wells")
        surface = get_surface(name if name in SURFACE_NAMES else "two_wells")
        if page == "race":
            from . import race_controls

            return list(race_controls.schema(surface))
        from . import landscape

        return list(landscape.schema(surface))
    if page == "perceptron":
        from . import perceptron

        gate = perceptron.GATES.get(settings.get("gate", "and"), perceptron.GATES["and"])
        return list(perceptron.schema(gate))
    module = {
        "playground": "playground",
        "gradients": "gradients",
        "activations": "activations",
        "backprop": "backprop",
        "schedules": "schedules",
        "regularization": "regularization",
        "transfer": "transfer",
    }[page]
    import importlib

    return list(importlib.import_module(f"optiviz.ui.{module}").schema())


def check(page: str, settings: Mapping[str, str]) -> list[str]:
    """What is wrong with a scene's settings for its page (empty: nothing)."""
    params = {p.key: p for p in _schema(page, settings)}
    problems = []
    for key, value in settings.items():
        if key in COMMON:
            continue
        p = params.get(key)
        if p is None:
            near = sorted(k for k in params if k[:2] == key[:2])[:6]
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            problems.append(f"setting `{key}` is not a setting of the {page} page{hint}.")
            continue
        try:
            p.parse(value)
        except (ValueError, TypeError) as err:
            problems.append(f"setting `{key} = {value[:40]!r}`: {err}.")
    if page == "race" and settings.get("surface") == "custom" and "formula" in settings:
        from optiviz.engine import ExpressionError, parse_surface

        try:
            parse_surface(settings["formula"], ((-2.0, 2.0), (-2.0, 2.0)))
        except ExpressionError as err:
            problems.append(f"setting `formula`: {err}")
    return problems


#: pages a point question can be answered on (its chart is the scene's loss surface)
POINT_PAGES = ("race",)


def checked(lesson: Lesson) -> Lesson:
    """The lesson, after checking every scene against the app (raises LessonError)."""
    validate(lesson, check, list(PAGES))
    for i, s in enumerate(lesson.scenes, 1):
        point = s.prediction is not None and s.prediction.kind == "point"
        if point and s.settings.get("surface") == "custom":
            raise LessonError(
                f"scene {i} ({s.title[:40]!r}): a point question needs one of the app's "
                "surfaces, not a typed formula."
            )
        if point and s.page not in POINT_PAGES:
            raise LessonError(
                f"scene {i} ({s.title[:40]!r}): a point question is answered on a loss surface; "
                f"its page must be one of {', '.join(POINT_PAGES)}, not {s.page!r}."
            )
    return lesson


def current_scene(page: str, title: str = "") -> Scene:
    """The scene on screen: its page and the settings its link carries."""
    settings = {k: str(st.query_params.get(k)) for k in st.query_params}
    for k in ("page", *url_state.KEEP):
        settings.pop(k, None)
    return Scene(title=title or PAGES.get(page, page), page=page, settings=settings)


def safe(fn: Callable[[], Any]) -> tuple[Any, str | None]:
    """``fn()``, or the lesson error's message."""
    try:
        return fn(), None
    except LessonError as err:
        return None, str(err)
