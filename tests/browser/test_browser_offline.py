"""Every page works offline, and a restarted server gives a student their scene back.

* Each route (home and all ten pages) opens in Chromium with every request to a host
  other than 127.0.0.1 blocked and recorded: none may be made, the page draws, and the
  console stays clean (the two known-harmless 404s of a directly opened sub-page aside).
* The server is killed and started again on the same port under an open race page
  whose settings came from its link: the page reconnects by itself and shows the same
  settings (they live in the URL, not in the dead process).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request

import pytest
from browser_util import BROWSER, ROOT, _free_port, real_errors, shoot, wait_rendered, watched

pytestmark = BROWSER

ROUTES = [
    "",
    "race",
    "landscape",
    "playground",
    "gradients",
    "activations",
    "perceptron",
    "backprop",
    "schedules",
    "regularization",
    "transfer",
]

#: the script has finished: something is drawn, nothing stale, the status widget idle
IDLE = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('h1, h2, [data-testid="stMarkdown"]')) return false;
  if (document.querySelectorAll('[data-stale="true"]').length) return false;
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  return !status || !/running/i.test(status.innerText);
}"""


def _block_outside(page) -> list[str]:
    """Abort every request that leaves 127.0.0.1; return the list they are recorded in."""
    blocked: list[str] = []

    def handle(route) -> None:
        url = route.request.url
        host = re.sub(r"^[a-z]+://([^/:]+).*$", r"\1", url)
        if url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", handle)
    return blocked


def _wait_drawn(page, timeout: float = 120_000) -> None:
    page.wait_for_function(IDLE, timeout=timeout, polling=250)
    time.sleep(1.0)  # a rerun may start right after the first (a page publishing its URL)
    page.wait_for_function(IDLE, timeout=timeout, polling=250)
    if page.locator('[data-testid="stPlotlyChart"]').count():
        wait_rendered(page, timeout)


@pytest.mark.parametrize("route", ROUTES, ids=[r or "home" for r in ROUTES])
def test_page_makes_no_request_beyond_loopback(page, server, route) -> None:
    blocked = _block_outside(page)
    page.goto(f"{server}/{route}")
    _wait_drawn(page)
    shoot(page, f"offline-{route or 'home'}")
    assert blocked == [], blocked
    assert page.outside == [], page.outside
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]'
    ).first.inner_text()[:500]
    assert real_errors(page) == []


# ------------------------------------------------------------------ a server restart
def _start(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "optiviz.cli", "--port", str(port), "--address", "127.0.0.1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read():
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail("the optiviz server did not come up")


def _stop(proc: subprocess.Popen) -> None:
    proc.kill()  # a crash, not a polite shutdown
    proc.wait(timeout=30)


def _shown(page) -> dict[str, str]:
    """What the sidebar shows: the Steps slider and the start point."""
    return {
        "steps": page.get_by_role("slider", name="Steps").input_value(),
        "x0": page.get_by_label("x₀").input_value(),
        "y0": page.get_by_label("y₀").input_value(),
    }


@pytest.fixture(scope="module")
def restart(chromium):
    """Open a race link, kill the server, start it again on the same port, move a slider.

    Returns what was seen on the way (the tests below judge it). Seen with streamlit 1.67:
    the page keeps showing the old scene and opens a new socket by itself, but sends
    nothing on it until the student touches a widget; that first touch reruns the page
    on the new server.
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}/race?surface=rosenbrock&steps=500&x0=-1.5&y0=2&racers=sgd,adam"
    proc = _start(port)
    context = chromium.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    sockets: list[dict] = []  # every websocket the page opens, and the frames each carried

    def opened(ws) -> None:
        if ws.url.endswith("/_stcore/stream"):
            seen = {"sent": 0, "received": 0}
            sockets.append(seen)
            ws.on("framesent", lambda _: seen.update(sent=seen["sent"] + 1))
            ws.on("framereceived", lambda _: seen.update(received=seen["received"] + 1))

    def wait(cond, seconds: float = 120) -> bool:
        deadline = time.time() + seconds
        while not cond() and time.time() < deadline:
            page.wait_for_timeout(250)
        return cond()

    page.on("websocket", opened)
    watched(page)  # as the `page` fixture records them, for real_errors()
    out: dict = {}
    try:
        page.goto(url)
        wait_rendered(page, 120_000)
        out["before"] = _shown(page)
        out["query"] = page.evaluate("() => location.search")

        page.wait_for_load_state("networkidle")  # lazily loaded scripts are in
        out["errors_before"] = real_errors(page)
        _stop(proc)
        time.sleep(3)  # the page has lost its socket
        proc = _start(port)
        # (while the server is down the page logs "connection refused": expected, filtered)
        out["reconnected"] = wait(lambda: len(sockets) >= 2)

        # the first move after the restart: the new server runs the page
        slider = page.get_by_role("slider", name="Steps")
        slider.focus()
        slider.press("ArrowRight")
        out["answered"] = wait(lambda: len(sockets) >= 2 and sockets[-1]["received"] > 0)
        time.sleep(2)
        wait_rendered(page, 180_000)
        out["after_first_move"] = _shown(page)
        out["query_after_first_move"] = page.evaluate("() => location.search")
        out["title"] = page.get_by_text("Rosenbrock").first.is_visible()
        shoot(page, "restart-recovered")

        # a second move: the page is live on the new server
        steps = int(_shown(page)["steps"])
        slider.focus()
        slider.press("ArrowRight")
        out["live"] = wait(
            lambda: (
                page.evaluate("() => new URLSearchParams(location.search).get('steps')")
                == str(steps + 10)
            )
        )
        try:
            wait_rendered(page, 180_000)
            out["settled"] = True
        except Exception:  # judged below: a page that never settles
            out["settled"] = False
        out["stale"] = page.locator('[data-stale="true"]').count()
        exc = page.locator('[data-testid="stException"]')
        out["exception"] = exc.first.inner_text()[:300] if exc.count() else ""
        out["steps_in_url"] = page.evaluate(
            "() => new URLSearchParams(location.search).get('steps')"
        )
        shoot(page, "restart-second-move")
        down = ("ERR_CONNECTION_REFUSED", "not responding", "reaching server endpoint")
        out["errors"] = [e for e in real_errors(page) if not any(d in e for d in down)]
        yield out
    finally:
        context.close()
        _stop(proc)


@pytest.mark.slow
def test_server_restart_mid_session_recovers_the_scene_from_the_url(restart) -> None:
    assert restart["before"]["steps"] == "500", restart
    assert restart["reconnected"], "no new socket after the restart"
    assert restart["answered"], "the new server never answered the page"
    shown = restart["after_first_move"]
    assert {k: shown[k] for k in ("x0", "y0")} == {k: restart["before"][k] for k in ("x0", "y0")}
    assert shown["steps"] in ("500", "510"), shown
    assert restart["title"], "the surface from the link is shown"
    assert restart["live"], "a slider moved after the restart did not rerun the page"
    assert not restart["exception"], restart["exception"]
    assert restart["settled"], (
        f"after the second move the page never settled: {restart['stale']} stale elements, "
        f"steps in the URL {restart['steps_in_url']}"
    )
    assert restart["errors_before"] == [], "\n".join(restart["errors_before"])
    assert restart["errors"] == [], "\n".join(restart["errors"])


@pytest.mark.slow
def test_server_restart_keeps_the_first_move_after_it(restart) -> None:
    """The first slider move after a restart reaches a fresh session, which would restore
    the scene from the URL; the widget values the reconnecting browser sent win over it,
    so the move survives (steps 500 -> 510)."""
    assert restart["after_first_move"]["steps"] == "510", (
        "the first move after a restart was overwritten by the URL's value "
        f"({restart['after_first_move']}, URL {restart['query_after_first_move']})"
    )
