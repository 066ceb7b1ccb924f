"""A long lesson on one process (issue #28): students arrive and leave for 30 minutes, each
doing something of their own on every page; memory and latency are reported per window.

A population of ``--students`` tabs is kept: each student opens two to five pages (the
race and the pages of ``scenes.PAGES``), each with a scene drawn for them alone
(``scenes.diverse``), thinks for a few seconds between pages, sometimes moves a slider,
and leaves; a new student takes the place of one who left. Every ``--window`` minutes
it prints the requests served, failures, latency (median / p95 / max), the server's CPU
seconds and RSS at the window's end, and the compilations the server logged. At the end
it compares the last window's RSS and p95 with those at ``--flat-after`` minutes: a
server whose caches and kernels are bounded stays flat (RSS within 2 %).

  .venv/bin/python benchmarks/soak.py                     # 30 min, 10 students, 5-min windows
  .venv/bin/python benchmarks/soak.py --minutes 6 --window 1   # a quick look
  .venv/bin/python benchmarks/soak.py --port 8501         # a server already running

Not part of the test suite (it runs for half an hour); quote its output.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load
from loadlib import Session, pids_on_port, summary, usage

scenes = load.scenes
PAGES = ("race", *scenes.PAGES)


@dataclass
class Window:
    start: float
    latencies: list[float] = field(default_factory=list)
    by_page: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    arrived: int = 0
    left: int = 0


class Soak:
    def __init__(self, args: argparse.Namespace, roots: list[int]) -> None:
        self.args, self.roots = args, roots
        self.t0 = time.perf_counter()
        self.end = self.t0 + args.minutes * 60
        self.windows: list[Window] = [Window(0.0)]
        self.rows: list[tuple] = []
        self.seq = 0

    def window(self) -> Window:
        return self.windows[-1]

    def record(self, page: str, seconds: float) -> None:
        w = self.window()
        w.latencies.append(seconds)
        w.by_page.setdefault(page, []).append(seconds)

    async def student(self, n: int) -> None:
        rng = random.Random(self.args.seed * 100_003 + n)
        s = Session(self.url, timeout=self.args.timeout)
        self.window().arrived += 1
        step = "connect"
        try:
            await s.connect()
            for _ in range(rng.randint(2, 5)):
                if time.perf_counter() > self.end:
                    break
                page = rng.choice(PAGES)
                step = f"/{page}"
                v = await s.run(page, query=scenes.diverse(page, rng))
                self.record(page, v.seconds)
                if s.sliders and rng.random() < 0.5:  # a control moved on that page
                    sl = rng.choice(list(s.sliders.values()))
                    notches = max(1, round((sl.high - sl.low) / sl.step)) if sl.step else 100
                    value = round(sl.low + rng.randint(0, notches) * (sl.step or 0.01), 6)
                    step = f"/{page} slider {sl.label!r}"
                    v = await s.run(page, {sl.id: value})
                    self.record(page, v.seconds)
                await asyncio.sleep(rng.uniform(*self.args.think))
        except Exception as err:  # counted and printed, never stops the soak
            self.window().failures.append(
                f"student {n} at {step}: {type(err).__name__}: {err}"[:300]
            )
        finally:
            self.window().left += 1
            with contextlib.suppress(Exception):
                await s.close()

    async def population(self) -> None:
        running: set[asyncio.Task] = set()
        while time.perf_counter() < self.end:
            while len(running) < self.args.students:
                self.seq += 1
                running.add(asyncio.create_task(self.student(self.seq)))
                await asyncio.sleep(random.Random(self.seq).uniform(0, 2))  # not all at once
            _, running = await asyncio.wait(running, timeout=1.0, return_when="FIRST_COMPLETED")
        if running:
            await asyncio.wait(running)

    async def reporter(self) -> None:
        span = self.args.window * 60
        cpu0 = usage(self.roots).cpu if self.roots else 0.0
        compiles0 = compiled(self.args)
        k = 1
        while True:
            await asyncio.sleep(max(0.0, self.t0 + k * span - time.perf_counter()))
            now = time.perf_counter() - self.t0
            w = self.window()
            self.windows.append(Window(now))
            u = usage(self.roots) if self.roots else None
            compiles = compiled(self.args)
            row = (
                now / 60,
                len(w.latencies),
                len(w.failures),
                summary(w.latencies),
                (u.cpu - cpu0) if u else float("nan"),
                (u.rss / 2**20) if u else float("nan"),
                compiles - compiles0,
                w.arrived,
            )
            cpu0, compiles0 = (u.cpu if u else 0.0), compiles
            self.rows.append(row)
            print(
                f"{row[0]:5.1f} min  served {row[1]:4d}  failed {row[2]:2d}  "
                f"latency s (median / p95 / max) {row[3]}  cpu {row[4]:6.1f} s  "
                f"rss {row[5]:6.0f} MiB  compiles {row[6]}  students {row[7]}",
                flush=True,
            )
            for f in w.failures[:3]:
                print(f"       {f}")
            slow = sorted(((max(v), p) for p, v in w.by_page.items()), reverse=True)[:3]
            print("       slowest pages: " + ", ".join(f"{p} {t:.1f} s" for t, p in slow))
            if now >= self.args.minutes * 60 - 1:
                return
            k += 1

    async def run(self, url: str) -> None:
        self.url = url
        rep = asyncio.create_task(self.reporter())
        await self.population()
        await rep


def compiled(args) -> int:
    """XLA compilations the server has logged (``OPTIVIZ_COMPILE_LOG``; loads from disk
    are not compilations)."""
    return sum(1 for ln in load.compile_lines(args) if len(ln) > 1 and ln[1] == "compile")


def verdict(rows: list[tuple], args) -> None:
    if not rows:
        return
    print()
    print("window end | served | failed | latency median / p95 / max | cpu s | RSS MiB | compiles")
    for r in rows:
        print(
            f"{r[0]:7.1f} min | {r[1]:6d} | {r[2]:6d} | {r[3]} | {r[4]:5.0f} | {r[5]:7.0f} | {r[6]}"
        )
    ref = next((r for r in rows if r[0] >= args.flat_after - 1e-6), None)
    last = rows[-1]
    if ref is not None and ref is not last:
        growth = last[5] / ref[5] - 1
        print(
            f"RSS at {last[0]:.3g} min vs at {ref[0]:.3g} min: {last[5]:.0f} / {ref[5]:.0f} MiB "
            f"= {growth * 100:+.1f} % ({'flat' if growth <= 0.02 else 'GROWING'}, allowed +2 %)"
        )
        p_ref, p_last = (float(r[3].split("/")[1]) for r in (ref, last))
        print(
            f"p95 at {last[0]:.3g} min vs at {ref[0]:.3g} min: {p_last:.2f} / {p_ref:.2f} s "
            f"= {p_last / p_ref:.2f}x"
        )
    failed = sum(r[2] for r in rows)
    print(f"failures in all: {failed}; compilations after the warm-up: {sum(r[6] for r in rows)}")


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--window", type=float, default=5.0, help="minutes per report (default 5)")
    ap.add_argument(
        "--flat-after", type=float, default=10.0, help="minutes after which RSS is flat"
    )
    ap.add_argument("--students", type=int, default=10, help="tabs open at any moment (default 10)")
    ap.add_argument(
        "--think", type=float, nargs=2, default=(2.0, 8.0), help="seconds between pages"
    )
    ap.add_argument("--port", type=int, help="an existing server on 127.0.0.1:PORT")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--session-ttl", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--compile-log", default="")
    return ap.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    load.describe_machine()
    proc = None
    if args.port:
        url = f"http://127.0.0.1:{args.port}"
        roots = pids_on_port(args.port)
        load.wait_healthy(url)
    else:
        if not args.compile_log:
            args.compile_log = tempfile.mkstemp(prefix="optiviz-compiles-", suffix=".log")[1]
        os.environ["OPTIVIZ_COMPILE_LOG"] = args.compile_log
        port = load.free_port()
        url = f"http://127.0.0.1:{port}"
        proc = load.start_server(port, args.session_ttl)
        roots = [proc.pid]
        load.wait_healthy(url)
        load.wait_warmed_up([proc.log])
    print(
        f"server: {url} (pids {roots}); {args.students} students at a time for "
        f"{args.minutes:g} min, each page a scene of their own; a report every {args.window:g} min"
    )
    soak = Soak(args, roots)
    try:
        asyncio.run(soak.run(url))
        verdict(soak.rows, args)
    finally:
        load.stop_server(proc)


if __name__ == "__main__":
    main()
