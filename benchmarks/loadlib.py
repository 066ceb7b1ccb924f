"""Pieces of the classroom load benchmark: a Streamlit session without a browser
(:class:`optiviz.ui.visit.Session`, re-exported here), and resource readings of the server
processes from /proc.

Used by ``benchmarks/load.py``, ``benchmarks/pages.py`` and the fault tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import re
import statistics
from dataclasses import dataclass

from optiviz.ui.visit import FINISHED, PageError, Session, Slider, Visit

__all__ = ["FINISHED", "Monitor", "PageError", "Session", "Slider", "Usage", "Visit", "usage"]

# ------------------------------------------------------------------ server resources
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and its reaped children)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    rest = text.rsplit(")", 1)[1].split()  # the command name may hold spaces
    ppid = int(rest[1])
    utime, stime, cutime, cstime = (int(v) for v in rest[11:15])
    return ppid, (utime + stime + cutime + cstime) / CLK_TCK


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            m = re.search(r"VmRSS:\s+(\d+) kB", f.read())
        return int(m.group(1)) * 1024 if m else 0
    except OSError:
        return 0


def process_tree(roots: list[int]) -> list[int]:
    """The roots and all their descendants (e.g. a Chromium that kaleido started)."""
    parents: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st:
                parents.setdefault(st[0], []).append(int(name))
    out, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        if pid in out:
            continue
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


@dataclass
class Usage:
    cpu: float  # seconds, summed over the tree
    rss: int  # bytes, summed over the tree


def usage(roots: list[int]) -> Usage:
    pids = process_tree(roots)
    cpu = sum((s[1] for s in map(_stat, pids) if s), 0.0)
    return Usage(cpu, sum(map(_rss, pids)))


class Monitor:
    """Samples the servers' CPU and RSS every ``interval`` s while a round runs (peak RSS)."""

    def __init__(self, roots: list[int], interval: float = 0.25) -> None:
        self.roots, self.interval = roots, interval
        self.before = self.after = usage(roots) if roots else None
        self.peak = self.before.rss if self.before else 0
        self._task: asyncio.Task | None = None

    async def _loop(self) -> None:
        while True:
            u = await asyncio.to_thread(usage, self.roots)
            self.peak = max(self.peak, u.rss)
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self.roots:
            self.before = usage(self.roots)
            self.peak = self.before.rss
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.roots:
            self.after = usage(self.roots)
            self.peak = max(self.peak, self.after.rss)


def pids_on_port(port: int) -> list[int]:
    """Processes listening on 127.0.0.1:``port`` (from /proc/net/tcp and the fd links)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(cols[9])
        except OSError:
            pass
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{name}/fd"):
                link = os.readlink(f"/proc/{name}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    found.append(int(name))
                    break
        except OSError:
            continue
    return found


# ------------------------------------------------------------------ statistics
def summary(values: list[float]) -> str:
    """median / p95 / max in seconds ("-" when nothing was measured)."""
    if not values:
        return "-"
    v = sorted(values)
    return f"{statistics.median(v):6.2f} / {p95(v):6.2f} / {v[-1]:6.2f}"


def p95(values: list[float]) -> float:
    """The 95th percentile, nearest rank (of 20 values: the 19th smallest)."""
    v = sorted(values)
    return v[max(0, math.ceil(0.95 * len(v)) - 1)] if v else float("nan")


def mib(n: int) -> str:
    return f"{n / 2**20:7.0f} MiB"
