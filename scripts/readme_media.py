"""Make the README's pictures from the running app.

    uv run --group test python scripts/readme_media.py

Starts optiviz on a free port of 127.0.0.1, opens the optimizer race in a headless
Chromium (the system one, ``/usr/bin/chromium`` or ``$CHROMIUM``; never a downloaded one)
and writes

* ``assets/readme/screenshot.png``: the race page at 1280×800 (scrolled to its chart),
  once the chart is drawn;
* ``assets/readme/race.gif``: the race as an animated GIF, made by the page's own
  Export tab ("Make an animated GIF", i.e. :func:`optiviz.figures.export.animated_gif`,
  rendered on the server by kaleido) and saved from its download button.

Then it checks the GIF (frames, size; it should stay under ~1.5 MB) and stops the server.
Takes about a minute on two cores. Needs the ``test`` dependency group (Playwright) and
Chromium (Debian: ``apt-get install -y chromium``).
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from optiviz import _chromium

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "readme"
SCENE = "race"  # the page (and its default scene) the pictures show
VIEWPORT = {"width": 1280, "height": 800}
GIF_LIMIT = 1.5 * 1024 * 1024
ADDRESS = ("--address", "127.0.0.1")  # the server answers this machine only
CHROMIUM = os.environ.get("CHROMIUM", _chromium.CHROMIUM)
CHROMIUM_ARGS = _chromium.CHROMIUM_ARGS
#: the chart is drawn: a plotly graph with its layout, and no stale copy from a rerun
RENDERED = """() => {
    const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    return !!gd && !!gd._fullLayout && !document.querySelector('[data-stale="true"]');
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            sys.exit(f"the server stopped (exit {server.returncode}); its log:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=3) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"the server did not answer {url}/_stcore/health in {timeout:.0f} s")


def wait_rendered(page, timeout_ms: int = 180_000) -> None:
    page.wait_for_function(RENDERED, timeout=timeout_ms)
    page.wait_for_timeout(1500)  # fonts, the legend and the colour bar settle
    page.wait_for_function(RENDERED, timeout=timeout_ms)


def make_media(url: str) -> tuple[Path, Path]:
    from playwright.sync_api import sync_playwright

    shot, gif = OUT / "screenshot.png", OUT / "race.gif"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
            page = context.new_page()
            page.goto(f"{url}/{SCENE}")
            wait_rendered(page)
            # the chart is taller than what is left under the page's intro: scroll its
            # tabs to the top so the whole chart, its slider and legend are in the picture
            page.locator('[data-testid="stTabs"]').first.evaluate(
                "e => e.scrollIntoView({block: 'start'})"
            )
            page.wait_for_timeout(800)
            page.wait_for_function(RENDERED, timeout=60_000)
            page.screenshot(path=str(shot))
            print(f"wrote {shot.relative_to(ROOT)}")

            # the Export tab's own button: the server renders the GIF with kaleido
            page.get_by_role("tab", name="Export").click()
            page.get_by_role("button", name="Make an animated GIF").click()
            download_button = page.get_by_role("button", name="Download GIF")
            download_button.wait_for(timeout=300_000)
            with page.expect_download(timeout=60_000) as got:
                download_button.click()
            got.value.save_as(str(gif))
            print(f"wrote {gif.relative_to(ROOT)}")
        finally:
            browser.close()
    return shot, gif


def check(shot: Path, gif: Path) -> None:
    from PIL import Image

    with Image.open(shot) as im:
        print(f"screenshot: {im.size[0]}×{im.size[1]}, {shot.stat().st_size / 1024:.0f} KB")
    data = gif.read_bytes()
    with Image.open(io.BytesIO(data)) as im:
        frames = getattr(im, "n_frames", 1)
        size = im.size
    print(f"race.gif: {size[0]}×{size[1]}, {frames} frames, {len(data) / 1024:.0f} KB")
    if frames < 2:
        sys.exit("race.gif is not animated")
    if len(data) > GIF_LIMIT:
        sys.exit(f"race.gif is {len(data) / 1e6:.2f} MB: too heavy for the README (≤ 1.5 MB)")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="optiviz-readme-") as tmp:
        log = Path(tmp) / "server.log"
        env = dict(os.environ, OPTIVIZ_STATE_DIR=tmp)  # no class store left behind
        with log.open("w") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "optiviz.cli", *("--port", str(port)), *ADDRESS],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped with it below
            )
        try:
            wait_healthy(url, server, log)
            print(f"optiviz is up on {url}")
            shot, gif = make_media(url)
        finally:
            try:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(server.pid, signal.SIGKILL)
    check(shot, gif)


if __name__ == "__main__":
    main()
