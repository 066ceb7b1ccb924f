"""Shared pieces of the browser tests: a server per test module, Chromium, page helpers.

The fixtures are re-exported by ``conftest.py``; test modules import the helpers
(``wait_rendered``, ``real_errors``, ``shoot``) and set ``pytestmark = BROWSER``.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from optiviz._chromium import CHROMIUM
from optiviz._chromium import CHROMIUM_ARGS as ARGS

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-results" / "screenshots"
RENDERED = """() => {
  const plots = document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot');
  return plots.length > 0 && document.querySelectorAll('[data-stale="true"]').length === 0
    && Array.from(plots).every(p => p._fullLayout);
}"""
#: Opening a sub-page URL directly makes the frontend probe two paths under it (harmless 404s).
HARMLESS = re.compile(r"/(_stcore/health|_stcore/host-config)")

#: what every browser test module sets as its ``pytestmark``
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: the process id of each running ``server`` fixture, by its url
SERVER_PIDS: dict[str, int] = {}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "optiviz.cli", "--port", str(port), "--address", "127.0.0.1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    SERVER_PIDS[url] = proc.pid
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the optiviz server did not come up")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(chromium, server):
    context = chromium.new_context(viewport={"width": 1500, "height": 1000})
    pg = watched(context.new_page())
    pg.outside = []

    def record(request) -> None:
        host = request.url.split("/")[2] if "://" in request.url else ""
        if request.url.startswith(("http", "ws")) and not host.startswith("127.0.0.1"):
            pg.outside.append(request.url)

    pg.on("request", record)
    yield pg
    context.close()


def watched(pg):
    """The page, recording its console errors and uncaught exceptions in ``pg.errors``."""
    pg.errors = []
    pg.on(
        "console",
        lambda m: (
            pg.errors.append(f"{m.text} @ {m.location.get('url', '')}")
            if m.type == "error"
            else None
        ),
    )
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    return pg


def wait_rendered(pg, timeout: float = 90_000) -> None:
    pg.wait_for_function(RENDERED, timeout=timeout)


def real_errors(pg) -> list[str]:
    """Console errors, less the two known-harmless 404s of a directly opened sub-page."""
    return [e for e in pg.errors if not ("404" in e and HARMLESS.search(e))]


def shoot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
