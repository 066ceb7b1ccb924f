"""The layers of ARCHITECTURE.md hold: imports only point down."""

import subprocess
import sys

import pytest
from apptest_util import ROOT

FORBIDDEN = {
    "optiviz.engine": ("streamlit", "plotly"),
    "optiviz.figures": ("streamlit", "jax"),
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_upper_layers(package: str) -> None:
    # every module of the package, not only its __init__
    code = (
        f"import importlib, pkgutil, sys, {package}\n"
        f"for m in pkgutil.walk_packages({package}.__path__, '{package}.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = [m for m in {FORBIDDEN[package]!r} if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "", f"{package} imported {out.stdout.strip()}"


def test_only_ui_imports_streamlit() -> None:

    root = ROOT / "optiviz"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "import streamlit" in p.read_text() or "from streamlit" in p.read_text()
    ]
    allowed = [p for p in offenders if p.startswith("ui/") or p == "cli.py"]
    assert offenders == allowed
