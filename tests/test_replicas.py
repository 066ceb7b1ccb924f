"""Several optiviz processes behind nginx (deploy/replicas.sh, deploy/nginx/optiviz.conf),
on loopback: pages and websockets pass through, every browser sticks to one process,
browsers spread over all of them, and a room using a host name and a port is accepted.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from optiviz.ui.visit import Session

ROOT = Path(__file__).resolve().parents[1]
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
