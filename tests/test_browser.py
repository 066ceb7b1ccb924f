"""The app in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""

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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    pg = context.new_page()
    pg.errors, pg.outside = [], []
    pg.on(
        "console",
        lambda m: (
            pg.errors.append(f"{m.text} @ {m.location.get('url', '')}")
            if m.type == "error"
            else None
        ),
    )
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))

    def record(request) -> None:
        host = request.url.split("/")[2] if "://" in request.url else ""
        if request.url.startswith(("http", "ws")) and not host.startswith("127.0.0.1"):
            pg.outside.append(request.url)

    pg.on("request", record)
    yield pg
    context.close()


def wait_rendered(pg, timeout: float = 90_000) -> None:
    pg.wait_for_function(RENDERED, timeout=timeout)


def real_errors(pg) -> list[str]:
    """Console errors, less the two known-harmless 404s of a directly opened sub-page."""
    return [e for e in pg.errors if not ("404" in e and HARMLESS.search(e))]


def shoot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_race_page_play_slide_click(page, server) -> None:
    # First visit of a fresh server, straight to a shared link: the router must run.
    page.goto(f"{server}/race")
    wait_rendered(page)
    shoot(page, "race-initial")
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Optimizer race" in nav and "Home" in nav, nav
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    last = chart.evaluate("gd => gd._fullLayout.sliders[0].active")
    assert last > 10

    # Play: the frame slider starts over and advances.
    page.get_by_text("▶ Play").first.click()
    seen = set()
    for _ in range(30):
        seen.add(chart.evaluate("gd => gd._fullLayout.sliders[0].active"))
        time.sleep(0.1)
    assert len(seen) >= 3, seen
    shoot(page, "race-playing")

    # Move a slider: the steps slider, one notch right, reruns and redraws.
    slider = page.get_by_role("slider", name="Steps")
    slider.focus()
    slider.press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).get('steps') === '310'")
    wait_rendered(page)

    # Click the contour: the start moves to the clicked point.
    x_before = page.get_by_label("x₀").input_value()
    box = chart.evaluate(
        """gd => {
            const L = gd._fullLayout, r = gd.getBoundingClientRect();
            return {x: r.left + L.xaxis._offset + L.xaxis.l2p(-1.5),
                    y: r.top + L.yaxis._offset + L.yaxis.l2p(-1.5)};
        }"""
    )
    page.mouse.click(box["x"], box["y"])
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('x0') !== null", timeout=30_000
    )
    wait_rendered(page)
    x_after = page.get_by_label("x₀").input_value()
    assert x_after != x_before and float(x_after) == pytest.approx(-1.5, abs=0.06)
    shoot(page, "race-after-click")
    assert page.outside == []
    assert real_errors(page) == []


def test_home_renders_offline(page, server) -> None:
    page.goto(server)
    wait_rendered(page)
    shoot(page, "home")
    assert page.get_by_text("optiviz — see how neural networks learn").is_visible()
    assert page.outside == []
    assert real_errors(page) == []


def test_landscape_renders_and_links_to_the_race(page, server) -> None:
    page.goto(f"{server}/landscape?grid=50&basin_opts=sgd,momentum")
    wait_rendered(page, timeout=180_000)
    shoot(page, "landscape")
    charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    assert charts.count() >= 1
    # click a map cell: a link to the race page with that setting appears
    box = charts.first.evaluate(
        """gd => {
            const L = gd._fullLayout, r = gd.getBoundingClientRect();
            return {x: r.left + L.xaxis._offset + L.xaxis._length * 0.3,
                    y: r.top + L.yaxis._offset + L.yaxis._length * 0.7};
        }"""
    )
    page.mouse.click(box["x"], box["y"])
    link = page.get_by_role("link", name=re.compile("Race learning_rate="))
    link.wait_for(timeout=60_000)
    assert "race?" in link.get_attribute("href")
    assert page.outside == []
    assert real_errors(page) == []
