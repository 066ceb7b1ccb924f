"""Server time of one rerun of every page, once its scene is cached (issue #8).

A classroom is limited by how much server time each student's rerun takes: Python runs one
page script at a time, so 40 students opening a page at once wait about 40 times its
rerun. This script starts a server (or uses one with ``--port``), visits every page once
with its default settings (engine runs, figures built), then reruns each page ``--reps``
times in one session and prints, per page, the server's CPU time per rerun (read from
/proc), the median wall time, the bytes sent, and the comparison it is judged by: the
ratio to the race page (the page the classroom benchmark ``load.py`` is built around)
and what 40 students opening the page at once cost the server.

  .venv/bin/python benchmarks/pages.py
  .venv/bin/python benchmarks/pages.py --port 8501 --reps 40
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import free_port, start_server, stop_server, wait_healthy, wait_warmed_up
from loadlib import Session, pids_on_port, usage

ROOM = 40


async def measure(url: str, roots: list[int], reps: int) -> list[tuple[str, float, float, int]]:
    s = Session(url, timeout=900)
    await s.connect()
    await s.run("", query="")  # the home page; its reply lists every page (navigation)
    pages = ["", *(p for p in s.pages if p)]
    for page in pages:  # first visits: engine runs, figures built, kernels compiled
        await s.run(page, query="")
    rows = []
    for page in pages:
        before = usage(roots).cpu
        walls = []
        for _ in range(reps):
            v = await s.run(page, query="")
            walls.append(v.seconds)
        cpu = (usage(roots).cpu - before) / reps
        rows.append((page or "home", cpu, statistics.median(walls), v.bytes))
    await s.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--port", type=int, help="an existing server on 127.0.0.1:PORT")
    ap.add_argument("--reps", type=int, default=20, help="reruns per page (default 20)")
    args = ap.parse_args(argv)
    proc = None
    if args.port:
        url = f"http://127.0.0.1:{args.port}"
        roots = pids_on_port(args.port)
    else:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start_server(port, session_ttl=5)
        roots = [proc.pid]
    try:
        wait_healthy(url)
        if proc is not None:
            wait_warmed_up([proc.log])
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        print(f"server {url} (pids {roots}); {args.reps} reruns per page, default settings\n")
        rows = asyncio.run(measure(url, roots, args.reps))
    finally:
        stop_server(proc)
    race = next(cpu for page, cpu, _, _ in rows if page == "race")
    print(
        f"{'page':16s} {'server CPU/rerun':>17s} {'vs race':>8s} {'wall median':>12s} "
        f"{'sent':>8s}   {ROOM} students at once"
    )
    for page, cpu, wall, sent in rows:
        print(
            f"/{page:15s} {cpu * 1000:14.0f} ms {cpu / race:7.2f}x {wall * 1000:9.0f} ms "
            f"{sent / 1024:6.0f} kB   ~{ROOM * cpu:4.1f} s of server time"
        )
    worst = max(rows, key=lambda r: r[1])
    print(f"\nslowest rerun: /{worst[0]} at {worst[1] / race:.2f}x the race page")


if __name__ == "__main__":
    main()
