"""Extreme input from a classroom (issue #8): each gets a clear message or a capped run.

Three levels:

* the engine called directly with what no widget allows (a billion steps, lr = 1e9,
  epsilon = 0 at a point where the gradient is zero, depth beyond the lab's 50);
* the pages under AppTest with links that ask for too much (the URL is the one input a
  student controls completely), and a 50 MB CSV handed to the playground;
* a real server with several hostile sessions at once over Streamlit's websocket, and an
  ordinary student among them who must still be served.
"""

from __future__ import annotations

import asyncio
import math
import os
import select
import socket
import sys
import time
import urllib.request
from urllib.parse import urlencode

import numpy as np
import pytest
from apptest_util import ROOT
from streamlit.testing.v1 import AppTest

import optiviz
from optiviz.engine import MAX_STEPS

APP = str(ROOT / "app.py")
sys.path.insert(0, str(ROOT / "benchmarks"))
from loadlib import PageError, Session  # noqa: E402

LONG_FORMULA = "x**2 + " * 1428 + "y**2"  # 10,000 characters


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message[:300] for e in at.exception]


def _said(at: AppTest, *words: str) -> str:
    """The page's warnings and errors, which must mention each of ``words``."""
    text = " ".join(str(w.value) for w in [*at.warning, *at.error]).lower()
    for w in words:
        assert w.lower() in text, f"{w!r} not in {text[:600]!r}"
    return text


def _page(path: str, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(path)
    return at.run()


# ------------------------------------------------------------------ the engine, directly
def test_engine_refuses_a_billion_steps_with_a_message():
    with pytest.raises(ValueError, match=f"at most {MAX_STEPS}"):
        optiviz.race("two_wells", ["sgd"], steps=10**9)


def test_engine_learning_rate_1e9_is_a_diverged_run_not_nan_axes():
    names = list(optiviz.OPTIMIZERS)
    r = optiviz.race("rosenbrock", {n: {"learning_rate": 1e9} for n in names}, steps=100)
    blew = r.diverged_at >= 0
    assert blew.any()
    for i in np.flatnonzero(~blew):  # the ones that did not blow up stayed finite
        assert np.isfinite(r.path[i]).all()


@pytest.mark.parametrize("name", ["adam", "rmsprop", "adagrad", "nadam", "adamax"])
def test_engine_epsilon_zero_at_a_flat_point(name):
    """epsilon = 0 where the gradient is 0: 0/0 must not crash or paint NaN axes."""
    if name not in optiviz.OPTIMIZERS:
        pytest.skip(f"{name} is not an optimizer here")
    hp = (
        {"epsilon": 0.0}
        if any(h.name == "epsilon" for h in optiviz.OPTIMIZERS[name].hparams)
        else {}
    )
    r = optiviz.race("x**2 + y**2", [(name, hp)], start=(0.0, 0.0), steps=50)
    ok = np.isfinite(r.path[0]).all()
    assert ok or r.diverged_at[0] >= 0, "non-finite path not reported as diverged"


def test_gradients_engine_caps_depth():
    eng = pytest.importorskip("optiviz.engine.networks.gradients")
    assert eng.MAX_DEPTH >= 50
    with pytest.raises(ValueError, match="depth"):
        eng.check_shape(eng.MAX_DEPTH + 1, 8, 64)


# ------------------------------------------------------------------ pages, with hostile links
def test_race_link_asking_for_too_much():
    at = _page(
        "pages/race.py",
        {
            "steps": "1000000000",
            "sgd.learning_rate": "1e9",
            "adam.epsilon": "0",
            "surface": "custom",
            "formula": LONG_FORMULA,
        },
    )
    _no_exception(at)
    text = _said(at, "steps", "formula")
    assert "too long" in text or "outside" in text
    assert at.session_state["steps"] <= MAX_STEPS
    assert len(at.session_state["formula"]) <= 300
    assert at.session_state["sgd.learning_rate"] <= 10  # snapped to the slider's options
    assert at.session_state["adam.epsilon"] == 0  # allowed on purpose: Adam without epsilon
    assert at.get("plotly_chart")  # ... and raced, not refused


def test_race_formula_of_ten_thousand_characters_typed_in():
    """The text box holds 300 characters: more is cut there (here: to an invalid formula,
    which gets a message; the parser itself refuses anything over 300 characters)."""
    at = _page("pages/race.py", {"surface": "custom"})
    _no_exception(at)
    at.session_state["formula"] = LONG_FORMULA
    at.run()
    _no_exception(at)
    assert len(at.text_input(key="formula").value) <= 300
    _said(at, "formula")


def test_race_steps_beyond_the_slider_are_clipped():
    at = _page("pages/race.py", {})
    at.session_state["steps"] = 10**9
    at.run()
    _no_exception(at)
    assert at.get("plotly_chart"), "a capped run is still drawn"


def test_playground_link_asking_for_too_much():
    at = _page(
        "pages/playground.py",
        {
            "layers": "50",
            "u0": "100000",
            "epochs": "1000000000",
            "n": "10000000",
            "sgd.learning_rate": "1e9",
            "opts": "sgd",
        },
    )
    _no_exception(at)
    _said(at, "layers", "u0", "epochs", "sgd.learning_rate")
    assert at.session_state["layers"] <= 8
    assert at.session_state["u0"] <= 128


def test_playground_learning_rate_at_its_maximum_shows_divergence():
    at = _page(
        "pages/playground.py",
        {"n": "200", "epochs": "20", "opts": "sgd", "sgd.learning_rate": "10"},
    )
    _no_exception(at)
    assert at.get("plotly_chart")


class _Upload:
    """What st.file_uploader hands the page (as in test_app_playground)."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name, self.size, self._data = name, len(data), data

    def getvalue(self) -> bytes:
        return self._data


def test_playground_csv_of_fifty_megabytes():
    row = b"0.123456,0.654321,1\n"
    payload = b"x1,x2,label\n" + row * (50_000_000 // len(row))
    assert len(payload) >= 50_000_000
    at = AppTest.from_file(APP, default_timeout=600)
    at.query_params.update({"n": "200", "epochs": "20", "data": "csv"})
    at.switch_page("pages/playground.py")
    at.session_state["csv_file"] = _Upload("huge.csv", payload)
    t0 = time.perf_counter()
    at.run()
    _no_exception(at)
    _said(at, "too large", "5 mb")
    assert time.perf_counter() - t0 < 120


def test_gradients_lab_depth_fifty_and_beyond():
    at = _page("pages/gradients.py", {"depth": "50", "width": "8"})
    _no_exception(at)
    assert at.session_state["depth"] == 50
    at = _page("pages/gradients.py", {"depth": "500", "width": "100000"})
    _no_exception(at)
    _said(at, "depth", "width")
    assert at.session_state["depth"] <= 50


# ------------------------------------------------------------------ many sessions at once
HOSTILE = [
    ("race", {"steps": "1000000000", "sgd.learning_rate": "1e9", "adam.epsilon": "0"}),
    ("race", {"surface": "custom", "formula": "9**9**9 + __import__('os')"}),
    ("race", {"surface": "custom", "formula": LONG_FORMULA}),
    ("playground", {"layers": "50", "epochs": "1000000000", "n": "99999999"}),
    ("gradients", {"depth": "50", "width": "256"}),
    ("gradients", {"depth": "5000"}),
]


async def _visit(url: str, page: str, query: dict[str, str], typed: str | None = None):
    s = Session(url, timeout=600)
    await s.connect()
    try:
        v = await s.run(page, query=urlencode(query))
        if typed is not None:  # type into the formula box, past its 300-character limit
            v = await s.run(page, {s.widgets["formula"]: typed})
        return v
    finally:
        await s.close()


@pytest.mark.slow
def test_server_keeps_serving_everyone_while_sessions_misbehave(server):
    """Hostile sessions and one ordinary student at the same moment: all are answered,
    the hostile ones with a message, and no page shows a traceback."""

    async def main():
        t0 = time.perf_counter()
        jobs = [_visit(server, p, q) for p, q in HOSTILE]
        jobs.append(_visit(server, "race", {"surface": "custom"}, typed=LONG_FORMULA))
        jobs.append(_visit(server, "race", {}))  # the ordinary student
        results = await asyncio.gather(*jobs, return_exceptions=True)
        return results, time.perf_counter() - t0

    results, wall = asyncio.run(main())
    problems = [
        f"{HOSTILE[i] if i < len(HOSTILE) else i}: {r}"
        for i, r in enumerate(results)
        if isinstance(r, (PageError, Exception))
    ]
    assert not problems, problems
    *hostile, ordinary = results
    for (page, query), visit in zip([*HOSTILE, ("race", {"typed": "…"})], hostile, strict=True):
        said = " ".join(visit.warnings + visit.errors).lower()
        if page == "gradients" and query.get("depth") == "50":
            continue  # allowed: a 50-layer net is the lab's maximum, drawn normally
        assert said, f"{page}?{query}: no message"
    assert ordinary.charts >= 1 and not ordinary.errors
    assert math.isfinite(wall)


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _put(port: int, path: str, headers: dict[str, str], chunks) -> tuple[int, int]:
    """A PUT over a raw socket that stops sending once the server has answered:
    (HTTP status, body bytes sent before the answer came)."""
    head = f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(head.encode())
        for chunk in chunks:
            ready, _, _ = select.select([s], [], [], 0)
            if ready:  # an answer (or a closed socket) before the whole body went out
                break
            try:
                s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        s.settimeout(60)
        answer = s.recv(4096)
    return int(answer.split(b" ", 2)[1]), sent


def test_server_refuses_an_upload_over_its_limit_without_reading_it(server):
    """Streamlit's upload limit is the smallest whole MiB above the app's CSV limit (not
    its 200 MB default): an oversized upload is refused from its headers, and a body
    sent without a length is cut off soon after the limit, so the server's memory does
    not grow by the upload's size (issue #28)."""
    from browser_util import SERVER_PIDS

    from optiviz.cli import UPLOAD_LIMIT_MIB
    from optiviz.engine.networks.datasets import CSV_MAX_BYTES, CSV_UPLOAD_MIB
    from optiviz.ui.visit import Session

    assert UPLOAD_LIMIT_MIB == CSV_UPLOAD_MIB == math.ceil(CSV_MAX_BYTES / 2**20)
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert f"maxUploadSize = {CSV_UPLOAD_MIB}\n" in config

    async def with_a_session(probe):
        s = Session(server, timeout=120)
        await s.connect()
        try:
            await s.run("playground", query="data=csv")
            return await asyncio.to_thread(probe, s)
        finally:
            await s.close()

    def probe(session: Session) -> None:
        assert session.session_id
        # the browser's XSRF cookie comes with the health check; uploads echo it in a header
        with urllib.request.urlopen(server + "/_stcore/health", timeout=30) as r:
            sent_back = [c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or []]
        xsrf = dict(c.split("=", 1) for c in sent_back if "=" in c)
        assert "_streamlit_xsrf" in xsrf, sent_back
        cookie = f"_streamlit_xsrf={xsrf['_streamlit_xsrf']}"
        port = int(server.rsplit(":", 1)[1])
        path = f"/_stcore/upload_file/{session.session_id}/probe"
        boundary = "optivizboundary"
        form = f"multipart/form-data; boundary={boundary}"
        headers = {"Cookie": cookie, "Content-Type": form, "X-Xsrftoken": xsrf["_streamlit_xsrf"]}
        part = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        end = f"\r\n--{boundary}--\r\n".encode()
        row = b"0.5,0.25,1\n" * 95_325  # ~1 MiB of CSV rows
        pid = SERVER_PIDS[server]
        before = _rss_mib(pid)

        # a small CSV goes through: the request is well formed
        small = part + row[:1100] + end
        status, _ = _put(port, path, {**headers, "Content-Length": str(len(small))}, [small])
        assert status == 204, status

        # 200 MiB announced: refused from the headers, before a byte of the body is sent
        huge = 200 * 2**20
        status, sent = _put(port, path, {**headers, "Content-Length": str(huge)}, [b""])
        assert status == 413 and sent == 0, (status, sent)

        # 64 MiB streamed without a length: cut off soon after the limit
        def body():
            yield part
            for _ in range(64):
                yield row
            yield end

        chunked = {**headers, "Transfer-Encoding": "chunked"}
        status, sent = _put(port, path, chunked, _chunked(body()))
        assert status == 413, status
        # (socket buffers on both sides hold several MiB more than the server read)
        assert sent < 32 * 2**20, f"{sent / 2**20:.0f} MiB of 64 sent before 413"
        grown = _rss_mib(pid) - before
        assert grown < 32, f"the server grew by {grown:.0f} MiB"

    asyncio.run(with_a_session(probe))


def _chunked(parts):
    for p in parts:
        if p:
            yield f"{len(p):x}\r\n".encode() + p + b"\r\n"
    yield b"0\r\n\r\n"
