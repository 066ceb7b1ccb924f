"""The ``optiviz`` command's warm-up: it opens every page once as the server starts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apptest_util import ROOT

from optiviz.ui import warmup

PAGES = {p.stem for p in (ROOT / "pages").glob("*.py")} - {"home"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(("setting", "n_pages"), [("1", len(PAGES) + 1), ("race,playground", 3)])
def test_a_new_server_opens_its_pages_once(tmp_path: Path, setting: str, n_pages: int) -> None:
    port = _free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "OPTIVIZ_WARMUP_PAGES": setting, "OPTIVIZ_WARMUP_DELAY": "0"}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "optiviz.cli", "--port", str(port), "--address", "127.0.0.1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.time() + 600
        line = ""
        while time.time() < deadline and not line:
            assert proc.poll() is None, log.read_text()[-2000:]
            found = [ln for ln in log.read_text().splitlines() if ln.startswith("optiviz: warm")]
            line = found[0] if found else ""
            time.sleep(1)
        assert line.startswith("optiviz: warmed up"), line or log.read_text()[-2000:]
        assert f"warmed up {n_pages} pages" in line, line
        assert "failed" not in line, line
        # nothing asked the internet for this machine's address (optiviz.cli.keep_offline)
        assert "external IP" not in log.read_text() and "External URL" not in log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_report_names_the_slowest_and_every_failed_page() -> None:
    """A page that failed is named; the count includes it."""
    visits = [("home", 0.1, None), ("race", 0.5, None), ("transfer", 0.0, "TimeoutError: ")]
    line = warmup._report(visits, 3.21)
    assert line.startswith("optiviz: warmed up 3 pages in 3.2 s (slowest /race: 0.5 s)")
    assert line.endswith("failed: /transfer (TimeoutError: )")


@pytest.mark.parametrize(
    ("options", "url"),
    [
        ({}, "http://127.0.0.1:8501"),
        ({"server.address": "0.0.0.0", "server.port": 9000}, "http://127.0.0.1:9000"),
        ({"server.address": "10.1.2.3"}, "http://10.1.2.3:8501"),
        ({"server.address": "::1"}, "http://[::1]:8501"),
        ({"server.baseUrlPath": "/optiviz/"}, "http://127.0.0.1:8501/optiviz"),
        ({"server.sslCertFile": "/etc/cert.pem"}, None),
    ],
)
def test_server_url_follows_the_servers_config(
    options: dict, url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit import config

    values = {
        "server.sslCertFile": None,
        "server.address": None,
        "server.baseUrlPath": "",
        "server.port": 8501,
        **options,
    }
    original = config.get_option
    monkeypatch.setattr(
        config, "get_option", lambda key: values[key] if key in values else original(key)
    )
    assert warmup.server_url() == url


@pytest.mark.parametrize(
    ("setting", "pages"),
    [
        ("0", []),
        ("1", None),
        ("", None),
        ("all", None),
        ("race, /playground/", ["race", "playground"]),
        ("transfer", ["transfer"]),
    ],
)
def test_which_pages_the_warm_up_opens(setting: str, pages: list[str] | None) -> None:
    assert warmup.pages_to_visit(setting) == pages
