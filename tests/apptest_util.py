"""Helpers shared by the AppTest files."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

#: the repository's root, and the app's router there
ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open the lazy tab ``label`` of the tab bar keyed ``key`` (what a click does) and rerun.

    Pages build only the open tab (``optiviz.ui.controls.lazy_tabs``), so a test reads a
    hidden tab's content by opening it first."""
    at.session_state[key] = label
    return at.run()


def specs(at: AppTest) -> list[dict]:
    """The plotly figures on the page, as dicts."""
    import json

    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def every_tab(at: AppTest, key: str, labels: list[str]) -> dict[str, list[dict]]:
    """Open each tab in turn; the figures each tab shows, by label (``at`` ends on the last)."""
    shown = {}
    for label in labels:
        open_tab(at, key, label)
        assert not at.exception, [e.value for e in at.exception]
        shown[label] = specs(at)
    return shown
