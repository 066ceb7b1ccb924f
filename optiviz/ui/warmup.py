"""Warm a fresh server up before the first student arrives.

Importing JAX and compiling the kernels of the opening scene take seconds on a
small machine. The ``optiviz`` command runs :func:`warm_up` in a background
thread as the server starts, so by the time a browser asks for the home page
the engine's compiled kernels (shared by every session of the process) and
plotly's validators are ready. It waits a few seconds first, so it does not slow
the server's own start.

Then it opens every page once with its default settings, through the server's own
websocket like a browser would (:func:`visit_pages`): the first visit of a page runs
its engine (the transfer page trains four networks, the activations page 24) and
builds its figures, a second or two each on two cores, and everything it leaves in the
caches is shared by every session after it. Without it, a class told "now open the
activations page" all waited for that first visit together. The price is memory: a
server that has opened every page holds its kernels and networks (the transfer,
activations and regularization pages' most). ``OPTIVIZ_WARMUP_PAGES`` chooses:
``0`` none, a comma-separated list of url paths (``race,playground``) only those,
anything else every page.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import urllib.request


def warm_up(report: bool = True, everything: bool | None = None, on_disk: bool = False) -> float:
    """Compile the opening scene's kernels and build its figure once (results
    discarded), then the core buckets of the engine's shape-stable kernels (or every
    bucket), compiled or loaded from JAX's persistent cache on disk. Prints progress;
    returns seconds. ``OPTIVIZ_WARMUP_KERNELS`` chooses when ``everything`` is None:
    ``core`` (the default), ``all``, or ``0`` for none (the test suite's servers).
    ``on_disk`` (``optiviz --precompile``) also compiles the kernels a server keeps on
    disk only and loads on first use (the race of every surface and step bucket)."""
    from ..engine import CLASSIC, get_surface, race
    from ..engine.kernels import warm_up as compile_buckets
    from ..engine.plane.presets import race_hparams
    from ..figures import race as race_figures
    from .cache import RACE_MEMO

    t0 = time.perf_counter()
    surface = get_surface("two_wells")
    result = race(surface, [(n, race_hparams(surface, n)) for n in CLASSIC], steps=300)
    race_figures.race_animation(surface.grid(), result, memo=RACE_MEMO)

    done = [0]

    def progress(name: str, seconds: float) -> None:
        done[0] += 1
        if report:
            print(
                f"optiviz: kernel {done[0]} ready ({name}, {seconds:.1f} s; "
                f"{time.perf_counter() - t0:.0f} s so far)",
                flush=True,
            )

    which = os.environ.get("OPTIVIZ_WARMUP_KERNELS", "core").strip()
    if everything is not None or which != "0":
        compile_buckets(bool(everything) or which == "all", report=progress, on_disk=on_disk)
    seconds = time.perf_counter() - t0
    if report:
        print(f"optiviz: {done[0]} kernels ready in {seconds:.1f} s", flush=True)
    return seconds


def server_url() -> str | None:
    """Where this process's Streamlit server answers, from its config (None: over TLS,
    which a plain loopback visit cannot speak)."""
    from streamlit import config

    if config.get_option("server.sslCertFile"):
        return None
    address = config.get_option("server.address") or "127.0.0.1"
    if address in {"0.0.0.0", "::", ""}:  # every interface: loopback is one of them
        address = "127.0.0.1"
    host = f"[{address}]" if ":" in address else address
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"http://{host}:{config.get_option('server.port')}" + (f"/{base}" if base else "")


def _wait_healthy(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
                if r.read() == b"ok":
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


async def _visit(
    url: str, timeout: float, only: list[str] | None
) -> list[tuple[str, float, str | None]]:
    from .visit import Session

    s = Session(url, timeout=timeout)
    await s.connect()
    out: list[tuple[str, float, str | None]] = []
    try:
        v = await s.run("", query="")  # the home page; its reply lists every page
        out.append(("home", v.seconds, None))
        for page in [p for p in s.pages if p and (only is None or p in only)]:
            try:
                v = await s.run(page, query="")
                out.append((page, v.seconds, v.errors[0] if v.errors else None))
            except Exception as err:  # reported, and the next page is still visited
                out.append((page, 0.0, f"{type(err).__name__}: {err}"[:200]))
    finally:
        await s.close()
    return out


def visit_pages(
    url: str, timeout: float = 300.0, only: list[str] | None = None
) -> list[tuple[str, float, str | None]]:
    """Open the home page and every page (or those whose url path is in ``only``) of
    the server at ``url`` once, with default settings, in one session; returns (page,
    seconds, error or None) per page."""
    if not _wait_healthy(url, timeout):
        raise RuntimeError(f"no server answered at {url}")
    return asyncio.run(_visit(url, timeout, only))


def pages_to_visit(setting: str) -> list[str] | None:
    """``OPTIVIZ_WARMUP_PAGES`` read: [] none, None all, else the url paths listed."""
    setting = setting.strip()
    if setting == "0":
        return []
    if setting in {"", "1", "all"}:
        return None
    return [p.strip().strip("/") for p in setting.split(",") if p.strip().strip("/")]


def _report(visits: list[tuple[str, float, str | None]], seconds: float) -> str:
    failed = [f"/{p} ({err})" for p, _, err in visits if err]
    slowest = max(visits, key=lambda v: v[1])
    line = (
        f"optiviz: warmed up {len(visits)} pages in {seconds:.1f} s "
        f"(slowest /{slowest[0]}: {slowest[1]:.1f} s)"
    )
    return line + (f"; failed: {', '.join(failed)}" if failed else "")


def start_in_background() -> threading.Thread | None:
    """Start :func:`warm_up` in a daemon thread (``OPTIVIZ_WARMUP=0`` turns it off)."""
    if os.environ.get("OPTIVIZ_WARMUP", "1") == "0":
        return None

    def run() -> None:
        # Let the server come up first: on two cores, importing JAX alongside Streamlit's
        # own start-up delayed the first paint of the page by seconds.
        time.sleep(float(os.environ.get("OPTIVIZ_WARMUP_DELAY", "3")))
        t0 = time.perf_counter()
        try:
            warm_up()
            only = pages_to_visit(os.environ.get("OPTIVIZ_WARMUP_PAGES", "1"))
            url = server_url() if only != [] else None
            if url is not None:
                print(_report(visit_pages(url, only=only), time.perf_counter() - t0), flush=True)
        except Exception as err:  # a failed warm-up only costs the first visitor some time
            print(f"optiviz: warm-up skipped ({type(err).__name__}: {err})", flush=True)

    thread = threading.Thread(target=run, name="optiviz-warm-up", daemon=True)
    thread.start()
    return thread
