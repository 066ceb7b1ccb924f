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


# inside the engine: each family imports the shared root, never another family
FAMILIES = {"plane": set(), "networks": set(), "teaching": set()}
SHARED = {"checks", "kernels", "_store", "_jaxsetup", "optimizers"}


def _engine_imports(path) -> set[str]:
    """The ``optiviz.engine.*`` modules a file imports (relative imports resolved)."""
    import ast

    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found |= {f"{name}.{a.name}" for a in node.names} | {name}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {n for n in found if n.startswith("optiviz.engine.")}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_engine_families_import_only_the_shared_root(family: str) -> None:
    allowed = {f"optiviz.engine.{family}"} | (
        set() if family == "teaching" else {f"optiviz.engine.{s}" for s in SHARED}
    )
    bad = {}
    for path in sorted((ROOT / "optiviz" / "engine" / family).rglob("*.py")):
        wrong = [
            n
            for n in _engine_imports(path)
            if not any(n == a or n.startswith(a + ".") for a in allowed)
        ]
        if wrong:
            bad[path.name] = sorted(wrong)
    assert bad == {}, f"engine/{family} reaches into another family: {bad}"


def test_every_engine_module_belongs_to_a_family() -> None:
    root = ROOT / "optiviz" / "engine"
    loose = {p.stem for p in root.glob("*.py")} - SHARED - {"__init__"}
    folders = {p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert loose == set() and folders == set(FAMILIES) | {"optimizers"}
