"""Every page's settings are declared once (issue #24): each is a url_state.Param that
carries its widget, so the control, the link and the typed settings follow from one
declaration. A page draws a control itself only where its options come from a result
(which run to inspect) or it is a stepper, and such a page says so here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from apptest_util import ROOT

from optiviz.engine import get_surface
from optiviz.ui import (
    activations,
    backprop,
    gradients,
    landscape,
    perceptron,
    playground,
    race_controls,
    regularization,
    schedules,
    transfer,
)
from optiviz.ui.perceptron import GATES

SCHEMAS = {
    "activations": activations.schema(),
    "backprop": backprop.schema(),
    "gradients": gradients.schema(),
    "landscape": landscape.schema(get_surface("two_wells")),
    "perceptron": perceptron.schema(GATES["and"]),
    "playground": playground.schema(),
    "race": race_controls.schema(get_surface("two_wells")),
    "regularization": regularization.schema(),
    "schedules": schedules.schema(),
    "transfer": transfer.schema(),
}
#: settings a page draws itself, and why
OWN = {
    "backprop": {"stage"},  # the step-through's ◀ ▶ buttons and its stage slider
    "race": {"inspect_step", "inspect_run"},  # the runs and steps of the race on screen
    # the later fits (Step and "train further" add them) and the drawn points (the canvas)
    "playground": {"more", "pts"},
}


@pytest.mark.parametrize("page", sorted(SCHEMAS))
def test_each_setting_declares_its_widget(page: str) -> None:
    params = SCHEMAS[page]
    assert len({p.key for p in params}) == len(params), "a key declared twice"
    undrawn = {p.key for p in params if not p.widget}
    assert undrawn == OWN.get(page, set())
    assert all(p.label for p in params if p.widget)


#: where a page may still call a Streamlit input widget itself (not url_state's draw)
ALLOWED = {
    "optiviz/ui/url_state.py": "draws every declared setting",
    "optiviz/ui/backprop.py": "the stage stepper",
    "optiviz/ui/race_views.py": "the inspector's run and step (from the race on screen)",
    "optiviz/ui/networks.py": "which run a tab shows (from the result, not in the link)",
    "optiviz/ui/export.py": "an export's file format (not a setting of the scene)",
    "optiviz/ui/further.py": "train further's step size (the fits it adds are the setting)",
    "optiviz/ui/drawing.py": "the pen: which class a click adds (the points are the setting)",
    "optiviz/ui/teach.py": "the lesson picker and editor (a lesson is a file, not a scene)",
    "optiviz/ui/classroom.py": "a reloaded teacher's key box (a key is never in a link)",
    "pages/join.py": "the class code a student types (joining is not a scene)",
}
WIDGETS = {
    "slider", "select_slider", "selectbox", "number_input", "toggle", "checkbox",
    "multiselect", "radio", "text_input", "segmented_control", "pills",
}  # fmt: skip


def test_no_page_draws_a_setting_widget_of_its_own() -> None:
    """New controls go through a declaration: a widget call outside the places above
    fails here."""
    found = []
    for path in [*(ROOT / "pages").glob("*.py"), *(ROOT / "optiviz" / "ui").glob("*.py")]:
        rel = path.relative_to(ROOT).as_posix()
        if rel in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WIDGETS
            ):
                found.append(f"{rel}:{node.lineno} {node.func.attr}")
    assert found == []


def test_allowed_places_still_exist() -> None:
    for rel in ALLOWED:
        assert Path(ROOT / rel).exists(), rel
