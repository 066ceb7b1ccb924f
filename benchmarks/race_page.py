"""Race page budgets (issue #3), measured:

1. slider change -> new figure, server time, warm, default scene
   (8 optimizers x 500 steps on two_wells): engine + figure + JSON, budget 0.3 s;
2. the animated figure's JSON size, budget 2 MB;
3. first paint of the home page on a cold server (fresh process, JAX import and
   compile included), in headless Chromium, budget 8 s: once with an empty
   compilation cache, once with the cache a previous run left.

  uv run --group test python benchmarks/race_page.py [--skip-browser]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from optiviz._chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]


def slider_budget(repeats: int) -> None:
    import plotly.io as pio

    import optiviz
    from optiviz.engine.plane.fields import gradient_field
    from optiviz.figures import race as race_figures
    from optiviz.ui import transport
    from optiviz.ui.cache import RACE_MEMO

    transport.install()  # figures reach the browser through it in the app

    surface = optiviz.get_surface("two_wells")
    grid = surface.grid(120)
    names = list(optiviz.OPTIMIZERS)

    def scene(lr: float) -> tuple[float, float, float, int]:
        t0 = time.perf_counter()
        r = optiviz.race(surface, {n: {"learning_rate": lr} for n in names}, steps=500)
        t1 = time.perf_counter()
        fig = race_figures.race_animation(
            grid, r, quiver=gradient_field(surface), memo=RACE_MEMO
        )  # as the app keeps its parts
        t2 = time.perf_counter()
        spec = pio.to_json(fig, validate=False)
        t3 = time.perf_counter()
        return t1 - t0, t2 - t1, t3 - t2, len(spec)

    t = time.perf_counter()
    scene(0.01)
    print(f"first scene (compiles 8 kernels): {time.perf_counter() - t:.2f} s")
    rows = [scene(lr) for lr in [0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 0.15][:repeats]]
    eng, fig, js = (statistics.median(r[i] for r in rows) for i in range(3))
    size = max(r[3] for r in rows)
    total = eng + fig + js
    print(
        f"slider change -> new figure (median of {len(rows)} new settings): "
        f"engine {eng * 1e3:.1f} ms + figure {fig * 1e3:.1f} ms + JSON {js * 1e3:.1f} ms "
        f"= {total * 1e3:.0f} ms   (budget 300 ms: x{total / 0.3:.2f} of budget)"
    )
    print(f"animated figure JSON: {size / 1e6:.2f} MB   (budget 2 MB: x{size / 2e6:.2f} of budget)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_paint(cache_dir: str, label: str, wait: float = 0.0) -> None:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "OPTIVIZ_JAX_CACHE_DIR": cache_dir}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "optiviz.cli", "--port", str(port), "--address", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.1)
        t_up = time.perf_counter() - t0
        time.sleep(wait)  # a teacher who starts the server before the class arrives
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            t1 = time.perf_counter()
            page.goto(url)
            page.get_by_text("see how neural networks learn").first.wait_for(timeout=120_000)
            t_text = time.perf_counter()
            page.wait_for_function(
                """() => {
                  const g = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
                  return g && g._fullLayout && !document.querySelector('[data-stale="true"]');
                }""",
                timeout=120_000,
            )
            t_paint = time.perf_counter()
            browser.close()
        start = t0 + wait  # the clock starts when the visitor could first have come
        print(
            f"cold server, {label}: server up {t_up:.1f} s; after the request, title painted "
            f"{t_text - t1:.1f} s, live race chart rendered {t_paint - t1:.1f} s; "
            f"first paint {t_text - start:.1f} s and chart {t_paint - start:.1f} s "
            f"from process start{' + wait' if wait else ''} "
            f"(budget 8 s: x{(t_text - start) / 8:.2f} / x{(t_paint - start) / 8:.2f})"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--skip-browser", action="store_true")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPU cores; python {sys.version.split()[0]}")
    slider_budget(args.repeats)
    if args.skip_browser or not os.path.exists(CHROMIUM):
        print("(first-paint measurement skipped: no /usr/bin/chromium or --skip-browser)")
        return
    with tempfile.TemporaryDirectory() as cache:
        first_paint(cache, "empty compile cache")
        first_paint(cache, "compile cache from the run above")
        first_paint(cache, "first visitor 20 s after the start", wait=20)


if __name__ == "__main__":
    main()
