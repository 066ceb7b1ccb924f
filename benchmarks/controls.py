"""One student in a real browser moves every control once (issue #21).

    .venv/bin/python benchmarks/controls.py                 # starts its own server
    .venv/bin/python benchmarks/controls.py --port 8501     # a server already running

After the server's warm-up, one headless Chromium (Debian's, ``optiviz._chromium``)
opens each Networks and Foundations page and moves each of its controls once, from the
page's default scene, to a value nobody used before: a slider or select-slider one notch
right (arrow key), a number input one step up, a checkbox or toggle flipped, a radio or
selectbox to its next option. For each it times the key press or click to a *settled*
page (Streamlit's running indicator gone, every chart drawn, nothing stale) and the
server's CPU time over the same interval (read from /proc), and prints per page and
overall the p50 / p95 / max of both, with the figures they are judged by: p95 ≤ 1.5 s in
the browser and ≤ 1 s of server time. Controls whose work grows with their value are
moved one notch from the default, so no row is a 5000-point or 1000-epoch scene.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import free_port, start_server, stop_server, wait_healthy, wait_warmed_up
from loadlib import p95, pids_on_port, usage
from scenes import PAGES as CLASS_PAGES

#: the Networks and Foundations pages (the class's pages but the landscape)
PAGES = tuple(p for p in CLASS_PAGES if p != "landscape")
BROWSER_TARGET, SERVER_TARGET = 1.5, 1.0

SETTLED = """() => {
  const w = document.querySelector('[data-testid="stStatusWidget"]');
  if (w && /running/i.test(w.innerText)) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
  return Array.from(charts).every(c => {
    const p = c.querySelector('.js-plotly-plot');
    return p && p._fullLayout;
  });
}"""
DRAWN = """() => Array.from(document.querySelectorAll(
  '[data-testid="stPlotlyChart"] .js-plotly-plot')).some(p => p._fullLayout)"""
RUNNING = """() => {
  const w = document.querySelector('[data-testid="stStatusWidget"]');
  return (w && /running/i.test(w.innerText)) || !!document.querySelector('[data-stale="true"]');
}"""

# (kind, CSS of the widget containers): what each kind does is in move()
KINDS = (
    ("slider", '[data-testid="stSlider"]'),
    ("number", '[data-testid="stNumberInput"]'),
    ("toggle", '[data-testid="stCheckbox"]'),
    ("radio", '[data-testid="stRadio"]'),
    ("select", '[data-testid="stSelectbox"]'),
)


async def settle(page, timeout: float) -> None:
    """Wait for the rerun a control started (if it has not finished already) to end."""
    # (times out for a rerun quicker than the poll, or a control that reruns nothing)
    with contextlib.suppress(Exception):
        await page.wait_for_function(RUNNING, timeout=1500)
    await page.wait_for_function(SETTLED, timeout=timeout * 1000)


async def fresh(page, address: str, timeout: float) -> None:
    """Open ``address`` and wait until its charts are drawn and nothing is running."""
    await page.goto(address, timeout=timeout * 1000)
    await page.wait_for_function(DRAWN, timeout=timeout * 1000)
    await page.wait_for_function(SETTLED, timeout=timeout * 1000)


async def move(page, kind: str, box) -> str:
    """Move one control; returns its label."""
    label = (await box.inner_text()).split("\n")[0][:40]
    if kind == "slider":
        handle = box.get_by_role("slider").first
        await handle.focus()
        await handle.press("ArrowRight")
    elif kind == "number":  # (the +/- buttons hide in narrow columns: the keyboard)
        field = box.locator("input").first
        await field.click(timeout=5000)
        await field.press("ArrowUp")
        await field.press("Enter")
    elif kind == "toggle":
        await box.locator("label").first.click()
    elif kind == "radio":
        options = box.get_by_role("radio")
        for i in range(await options.count()):  # the first option not checked
            if not await options.nth(i).is_checked():
                await options.nth(i).check(force=True)
                break
    elif kind == "select":
        await box.get_by_role("button", name="Open").click(timeout=5000)
        options = page.get_by_role("option")
        await options.first.wait_for(timeout=5000)
        for i in range(await options.count()):  # the first option not selected
            if await options.nth(i).get_attribute("aria-selected") != "true":
                await options.nth(i).click()
                break
    return label


async def walk(url: str, roots: list[int], args: argparse.Namespace) -> list[tuple]:
    from playwright.async_api import async_playwright

    from optiviz._chromium import CHROMIUM, CHROMIUM_ARGS

    rows = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
        page = await ctx.new_page()
        for name in args.pages:
            await fresh(page, f"{url}/{name}", args.timeout)
            for kind, css in KINDS:
                n = await page.locator(css).count()
                if args.verbose:
                    print(f"  {name}: {n} {kind} controls")
                for i in range(min(n, args.per_kind)):
                    # every control is moved from the page's default scene (a new tab on
                    # the page's plain address), not from where the last one left it
                    await fresh(page, f"{url}/{name}", args.timeout)
                    box = page.locator(css).nth(i)
                    if (
                        not await box.is_visible()
                        or await box.locator("input:disabled, [aria-disabled='true']").count()
                    ):
                        continue
                    cpu0, t0 = usage(roots).cpu, time.perf_counter()
                    try:
                        label = await move(page, kind, box)
                        await settle(page, args.timeout)
                    except Exception as err:  # report it and go on with the next control
                        print(f"  ! {name}: {kind} {i}: {type(err).__name__}: {err}"[:200])
                        continue
                    wall, cpu = time.perf_counter() - t0, usage(roots).cpu - cpu0
                    rows.append((name, kind, label, wall, cpu))
                    if args.verbose:  # (the address shows the setting the page now has)
                        query = await page.evaluate("() => location.search")
                        print(
                            f"  {name:15s} {kind:7s} {label:32s} {wall:6.2f} s {cpu:6.2f} s"
                            f"  {query[:60]}"
                        )
        await browser.close()
    return rows


def stats(values: list[float]) -> str:
    if not values:
        return "     -"
    return f"{statistics.median(values):6.2f} / {p95(values):6.2f} / {max(values):6.2f}"


def report(rows: list[tuple]) -> None:
    print(
        "\npage             controls   browser s: p50 /  p95 /   max"
        "    server CPU s: p50 /  p95 /   max"
    )
    for name in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == name]
        print(
            f"{name:16s} {len(mine):8d}   {stats([r[3] for r in mine])}"
            f"    {stats([r[4] for r in mine])}"
        )
    walls, cpus = [r[3] for r in rows], [r[4] for r in rows]
    print(f"{'all':16s} {len(rows):8d}   {stats(walls)}    {stats(cpus)}")
    slow = sorted(rows, key=lambda r: -r[3])[:5]
    print("slowest: " + "; ".join(f"{r[0]} {r[2]!r} {r[3]:.2f} s" for r in slow))
    for what, v, target in (
        ("browser", p95(walls), BROWSER_TARGET),
        ("server", p95(cpus), SERVER_TARGET),
    ):
        verdict = "ok" if v <= target else "MISSED"
        print(f"target p95 {what} <= {target} s: {verdict} ({v:.2f} s, ratio {v / target:.2f})")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0, help="use a server already running")
    ap.add_argument("--pages", nargs="*", default=list(PAGES))
    ap.add_argument("--per-kind", type=int, default=12, help="controls of each kind per page")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    proc = None
    if args.port:
        port = args.port
    else:
        port = free_port()
        proc = start_server(port, session_ttl=120)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        if proc is not None:
            wait_warmed_up([proc.log])
        roots = [proc.pid] if proc is not None else pids_on_port(port)
        rows = asyncio.run(walk(url, roots, args))
        report(rows)
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
