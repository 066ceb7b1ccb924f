"""Several optiviz processes behind nginx (deploy/replicas.sh, deploy/nginx/optiviz.conf),
on loopback: pages and websockets pass through, every browser sticks to one process,
browsers spread over all of them, and a room using a host name and a port is accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from apptest_util import ROOT

from optiviz.ui.visit import Session

SCRIPT = ROOT / "deploy" / "replicas.sh"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="Debian's nginx is not installed")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ports(n: int) -> int:
    """A first port of ``n`` consecutive free ones."""
    for _ in range(200):
        base = random.randint(20000, 45000)
        if all(_free(base + i) for i in range(n)):
            return base
    raise RuntimeError("no free ports")


@pytest.fixture(scope="module")
def replicas(tmp_path_factory) -> Iterator[tuple[str, Path, list[int]]]:
    state = tmp_path_factory.mktemp("replicas")
    base = _ports(3)
    nginx_port, backends = base + 2, [base, base + 1]
    env = {
        **os.environ,
        "OPTIVIZ_REPLICAS_STATE": str(state),
        "OPTIVIZ_CMD": f"{sys.executable} -m optiviz.cli",
        "OPTIVIZ_WARMUP_PAGES": "0",
    }
    subprocess.run(
        [str(SCRIPT), "start", "2", str(nginx_port), str(base)],
        check=True,
        env=env,
        timeout=400,
        capture_output=True,
    )
    try:
        yield f"http://127.0.0.1:{nginx_port}", state, backends
    finally:
        subprocess.run([str(SCRIPT), "stop"], env=env, timeout=120, capture_output=True)
        assert not (state / "pids").exists()


def _get(url: str, cookie: str = "") -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()
        set_cookie = r.headers.get("Set-Cookie") or ""
    return r.status, set_cookie.split(";", 1)[0]


def _log(state: Path) -> list[tuple[str, str, str]]:
    """(request, upstream, cookie) of every request nginx has logged."""
    text = (state / "logs" / "nginx-access.log").read_text()
    return re.findall(r'"([^"]*)" \d+ upstream=(\S+) cookie=(\S*)', text)


def test_pages_and_the_websocket_pass_through_nginx(replicas) -> None:
    url, _, _ = replicas

    async def visit() -> tuple[int, int]:
        s = Session(url, timeout=300)
        await s.connect()
        try:
            v = await s.run("race")
            w = await s.run("playground", query="")
        finally:
            await s.close()
        assert s.cookie.startswith("optiviz_replica=")
        return v.charts, w.charts

    race_charts, playground_charts = asyncio.run(visit())
    assert race_charts >= 1 and playground_charts >= 1


def test_each_browser_sticks_to_one_process_and_browsers_spread(replicas) -> None:
    url, state, backends = replicas
    cookies = []
    for _ in range(16):  # 16 new browsers: each gets its cookie with its first page
        status, cookie = _get(url + "/")
        assert status == 200 and cookie.startswith("optiviz_replica=")
        cookies.append(cookie.split("=", 1)[1])
        for _ in range(3):  # ... and sends it from then on
            assert _get(url + "/_stcore/health", cookie)[0] == 200
    served: dict[str, set[str]] = {}
    for request, upstream, cookie in _log(state):
        if cookie in cookies and "/_stcore/health" in request:
            served.setdefault(cookie, set()).add(upstream)
    assert set(served) == set(cookies)
    assert all(len(u) == 1 for u in served.values()), served  # sticky
    used = set().union(*served.values())
    assert used == {f"127.0.0.1:{p}" for p in backends}, used  # spread over both


def _handshake(port: int, host: str, origin: str) -> int:
    """The HTTP status of a websocket handshake sent the way a browser at ``origin`` does."""
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Connection: Upgrade\r\nUpgrade: websocket\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n"
        "Sec-WebSocket-Protocol: streamlit\r\n"
        f"Origin: {origin}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request.encode())
        status_line = s.recv(4096).split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1])


def test_a_room_using_a_host_name_and_a_port_gets_its_websocket(replicas) -> None:
    """Browsers at http://optiviz.lab:PORT send that origin; nginx must pass the port on in
    Host, or Streamlit sees a cross-origin socket and refuses it (it did: 403)."""
    url, _, _ = replicas
    port = int(url.rsplit(":", 1)[1])
    assert _handshake(port, f"optiviz.lab:{port}", f"http://optiviz.lab:{port}") == 101
    assert _handshake(port, "optiviz.lab", "http://optiviz.lab") == 101
    assert _handshake(port, f"127.0.0.1:{port}", f"http://127.0.0.1:{port}") == 101
    # a page elsewhere still may not talk to the server
    assert _handshake(port, f"optiviz.lab:{port}", f"http://elsewhere.example:{port}") == 403


# Keep this test last in the module: it kills one of the fixture's processes.
def test_a_lost_process_costs_its_students_only_a_reconnect(replicas) -> None:
    """Ten students, each on a scene of their own (it is in their URL), spread over two
    processes; one process is killed (SIGKILL) mid-lesson. Every student's tab
    reconnects through nginx with the cookie it holds, comes back on a live process
    with the same scene, and the next control change works (issue #28)."""
    url, state, backends = replicas
    pids = [int(p) for p in (state / "pids").read_text().split()]
    pid_of = dict(zip((f"127.0.0.1:{p}" for p in backends), pids, strict=True))
    scenes = [120 + 10 * i for i in range(10)]  # each student's own step count

    async def open_tab(steps: int) -> Session:
        s = Session(url, timeout=300)
        await s.connect()
        await s.run("race", query=f"steps={steps}")
        return s

    async def come_back(old: Session) -> Session:
        """What the tab's browser does when its socket drops: reconnect, with the tab's
        cookies and URL, and draw the page again."""
        with contextlib.suppress(Exception):  # its socket died with the process
            await old.close()
        s = Session(url, timeout=300)
        await s.connect(cookie=old.cookie)
        await s.run("race", query=old.query)
        return s

    async def lesson():
        tabs = list(await asyncio.gather(*(open_tab(n) for n in scenes)))
        for s, n in zip(tabs, scenes, strict=True):
            assert s.sliders["steps"].value == n and f"steps={n}" in s.query, s.query
        owners = [_route(url, state, s) for s in tabs]
        assert set(owners) == set(pid_of), owners  # both processes had students
        victim = max(pid_of, key=owners.count)
        os.kill(pid_of[victim], signal.SIGKILL)
        back = list(await asyncio.gather(*(come_back(s) for s in tabs)))
        seen = [s.sliders["steps"].value for s in back]  # the scene each came back to
        moved = []
        for s, n in zip(back, scenes, strict=True):  # the next control change
            v = await s.run("race", widgets={s.sliders["steps"].id: n + 10})
            moved.append((v.charts, s.query))  # (a failed run raises PageError)
        for s in back:
            await s.close()
        return owners, victim, back, seen, moved

    owners, victim, back, seen, moved = asyncio.run(lesson())
    assert seen == scenes, (seen, scenes)
    for n, (charts, query) in zip(scenes, moved, strict=True):
        assert charts >= 1 and f"steps={n + 10}" in query, (n, charts, query)
    # the lost process's students were served by the one still alive (nginx logs a
    # websocket when it closes)
    time.sleep(1.0)
    served = _served(state)
    alive = next(u for u in pid_of if u != victim)
    assert owners.count(victim) >= 1
    for s, owner in zip(back, owners, strict=True):
        assert served[_cookie(s)] == (alive if owner == victim else owner), (owner, served)


def _route(url: str, state: Path, s: Session) -> str:
    """The process nginx sends this tab's requests to (a websocket is logged only when
    it closes; a plain request with the same cookie follows the same route at once)."""
    assert _get(url + "/_stcore/health", f"optiviz_replica={_cookie(s)}")[0] == 200
    for _ in range(50):  # nginx writes the line once the answer has gone out
        for request, upstream, cookie in reversed(_log(state)):
            if cookie == _cookie(s) and "/_stcore/health" in request:
                return upstream
        time.sleep(0.1)
    raise AssertionError("nginx did not log the request")


def _served(state: Path) -> dict[str, str]:
    """The process that last served each browser's websocket, by its routing cookie."""
    out = {}
    for request, upstream, cookie in _log(state):
        if "/_stcore/stream" in request:
            out[cookie] = upstream.split(",")[-1].strip()  # "dead:port, live:port" on failover
    return out


def _cookie(s: Session) -> str:
    return s.cookie.split("optiviz_replica=", 1)[1].split(";", 1)[0]
