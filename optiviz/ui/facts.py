"""What a page found, recorded as it draws a scene: the facts a lesson's predictions
are checked against.

A page calls :func:`record` with a name that starts with its own address
(``"race.lowest"``: the optimizer whose run ends lowest) and a plain value (text, a
number, a pair of numbers). A lesson's prediction names the fact that decides it
(:class:`optiviz.lesson.Prediction` ``fact``); the tests run each scene of the
built-in lesson and compare the stored answer with what the page recorded, so a lesson
cannot say something its scene does not show.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

KEY = "_facts"


def record(name: str, value: Any) -> None:
    """Record one fact of the scene on screen (replacing the same name's older value)."""
    facts = st.session_state.get(KEY)
    if not isinstance(facts, dict):
        facts = st.session_state[KEY] = {}
    facts[name] = value


def recorded() -> dict[str, Any]:
    """The facts recorded so far in this session."""
    return dict(st.session_state.get(KEY) or {})


def yes_no(flag: Any) -> str:
    """A yes/no fact as its choice text."""
    return "Yes" if bool(flag) else "No"


def best_of(labels: Any, values: Any, *, lowest: bool = False) -> str:
    """The label of the largest (``lowest``: smallest) finite value; "" when none is finite
    (the first of equal values wins, as the page's tables list them)."""
    best_label, best_value = "", None
    for label, value in zip(labels, values, strict=True):
        v = float(value)
        if v != v or v in (float("inf"), float("-inf")):
            continue
        if best_value is None or (v < best_value if lowest else v > best_value):
            best_label, best_value = str(label), v
    return best_label


#: how a lesson names an accuracy (its choices)
BUCKETS = ("60 % or less", "between 60 and 90 %", "90 % or more")


def accuracy_bucket(accuracy: float) -> str:
    """An accuracy (0–1) as one of :data:`BUCKETS`."""
    return BUCKETS[0] if accuracy <= 0.6 else BUCKETS[1] if accuracy < 0.9 else BUCKETS[2]


def training(page: str, result: Any, *, accuracy: Any = None) -> None:
    """The facts of a page that trained several networks side by side (a
    ``TrainResult``): ``<page>.best`` the run with the highest final validation accuracy
    (``accuracy``: the page's own per-run scores instead), ``<page>.lowest_loss`` the run
    with the lowest final training loss, ``<page>.accuracy`` the best accuracy as one of
    :data:`BUCKETS`, ``<page>.diverged`` whether any run diverged."""
    labels = list(result.labels)
    acc = result.final_accuracy if accuracy is None else accuracy
    diverged = [int(d) > 0 for d in result.diverged_epoch]
    ok = [a if not d else float("nan") for a, d in zip(acc, diverged, strict=True)]
    record(f"{page}.best", best_of(labels, ok))
    top = max((float(a) for a in ok if a == a), default=0.0)
    record(f"{page}.best_accuracy", top)
    record(f"{page}.accuracy", accuracy_bucket(top))
    n = [max(int(e), 1) for e in result.epochs_run]
    loss = [
        float(result.history["loss"][i, n[i] - 1]) if not d else float("nan")
        for i, d in enumerate(diverged)
    ]
    record(f"{page}.lowest_loss", best_of(labels, loss, lowest=True))
    record(f"{page}.diverged", yes_no(any(diverged)))
