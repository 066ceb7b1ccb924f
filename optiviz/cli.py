"""The ``optiviz`` command: start the app (a thin wrapper around ``streamlit run``).

    optiviz                      # serve on http://localhost:8501
    optiviz --port 8600          # any streamlit flag passes through
    optiviz --server.address 0.0.0.0 --port 80   # a classroom server
    optiviz --precompile         # compile every kernel into the disk cache, then exit

Flags that are not optiviz's own are handed to ``streamlit run`` unchanged;
``--port P`` and ``--address A`` are shorthands for ``--server.port`` and
``--server.address``.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

#: Streamlit's upload limit, in MiB: the smallest whole MiB above the largest file the app
#: accepts (``datasets.CSV_UPLOAD_MIB``, written out here so that starting the command
#: does not import the engine; a test keeps the two equal). Streamlit's
#: own default is 200 MB, which it would read before the app could refuse the file; with
#: this limit the server answers "413 File too large" from the request's headers.
UPLOAD_LIMIT_MIB = 5

#: Streamlit options optiviz always sets: no telemetry, no browser tab, no file watcher,
#: no upload larger than the app takes, and no full garbage collection after every
#: script run (under a classroom's load that collection was a tenth of the server's
#: time; Python's own collector still runs).
_DEFAULTS = {
    "--server.maxUploadSize": str(UPLOAD_LIMIT_MIB),
    "--server.headless": "true",
    "--browser.gatherUsageStats": "false",
    "--server.fileWatcherType": "none",
    "--runner.postScriptGC": "false",
    "--runner.magicEnabled": "false",
}
_SHORT = {"--port": "--server.port", "--address": "--server.address"}


def app_path() -> Path:
    """The app's entry file: the checkout's ``app.py``, else the copy packaged in the wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "app.py", here / "_app" / "app.py"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("optiviz's app.py was not found next to the package")


def build_argv(args: list[str]) -> list[str]:
    """``streamlit run`` arguments for the given optiviz command-line arguments."""
    out: list[str] = []
    given: set[str] = set()
    i = 0
    while i < len(args):
        arg = args[i]
        key, eq, value = arg.partition("=")
        key = _SHORT.get(key, key)
        if (
            key.startswith("--")
            and not eq
            and i + 1 < len(args)
            and not args[i + 1].startswith("--")
        ):
            value, eq = args[i + 1], "="
            i += 1
        given.add(key)
        out.append(f"{key}={value}" if eq else key)
        i += 1
    for key, value in _DEFAULTS.items():
        if key not in given:
            out.append(f"{key}={value}")
    return ["streamlit", "run", str(app_path()), *out]


def tune_malloc(arenas: int = 2, mmap_threshold: int = 256 * 1024) -> bool:
    """Ask glibc for at most ``arenas`` malloc arenas (as ``MALLOC_ARENA_MAX`` would),
    and to give every block of ``mmap_threshold`` bytes or more its own mapping (as
    ``MALLOC_MMAP_THRESHOLD_`` would).

    Streamlit runs every script run in a new thread, and glibc gives threads arenas of
    their own (up to 8 per core) whose freed memory it rarely returns: a server's RSS
    then climbs with every wave of sessions even though nothing it holds grows. With
    the GIL only one thread allocates at a time anyway. Large blocks (a figure's ~1 MB
    of JSON text, sent to every student) are mapped and unmapped by glibc, except that
    after the first such block is freed glibc raises its threshold and serves the next
    ones from the heap, where they fragment it; a fixed threshold keeps them mapped
    (benchmarks/load.py shows the resident memory after each round with and without).
    False where this is not glibc."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = bool(libc.mallopt(-8, arenas))  # -8: M_ARENA_MAX
        return bool(libc.mallopt(-3, mmap_threshold)) and ok  # -3: M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        return False


def _libc_malloc_trim() -> Callable[[], object] | None:
    """glibc's ``malloc_trim(0)``, or None where this is not glibc."""
    import ctypes
    import ctypes.util

    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


class IdleTrim:
    """Decides when to hand freed memory back to the system: once, each time the server
    goes quiet after a burst of work.

    A wave of students leaves garbage behind: the sessions Streamlit drops hold
    reference cycles, which only Python's full collection frees (optiviz turns off
    Streamlit's collection after every script run, a tenth of a loaded server's
    time), and glibc keeps freed blocks in the middle of its heaps resident until it
    is asked to return them. The next wave reuses some of that and leaves more behind,
    so the server's RSS creeps up to its high-water mark. Once the process has been
    idle for a whole interval (never in the middle of a wave), ``gc.collect()`` and
    ``malloc_trim(0)`` return it: ~0.1-0.3 s of one core, once per wave.
    """

    def __init__(self, every: float = 2.0, idle_share: float = 0.05) -> None:
        self.every = every
        self.idle_cpu = idle_share * every
        self.busy = False
        self.last: float | None = None

    def step(self, cpu_seconds: float) -> bool:
        """Called every ``every`` seconds with the process's CPU time: True to trim now."""
        used = 0.0 if self.last is None else cpu_seconds - self.last
        self.last = cpu_seconds
        if used > self.idle_cpu:
            self.busy = True
            return False
        trim, self.busy = self.busy, False
        return trim


def trim_when_idle(every: float = 2.0) -> threading.Thread | None:
    """Run :class:`IdleTrim` in a daemon thread: a full garbage collection, then
    ``malloc_trim``, after each burst of work (None where this is not glibc)."""
    trim = _libc_malloc_trim()
    if trim is None:
        return None
    policy = IdleTrim(every)

    def run() -> None:
        while True:
            if policy.step(time.process_time()):
                gc.collect()
                trim()
            time.sleep(every)

    thread = threading.Thread(target=run, name="optiviz-idle-trim", daemon=True)
    thread.start()
    return thread


def preload() -> None:
    """Import the app's own modules (and JAX with them) in the main thread, before any
    session or the warm-up can. Ten sessions opening pages at the same moment on a fresh
    server imported them from ten threads, and Python's import locks handed some of them
    half-initialised modules ("cannot import name ... (optiviz/ui/__init__.py)",
    "module 'jax' has no attribute 'config'"). Costs the start ~2 s on two cores."""
    import importlib
    import logging
    import pkgutil

    # (st.cache_data checks its settings as a module is imported and says "No runtime
    # found" before the server runs; the caches themselves are made at the first call)
    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        from . import engine, figures, ui

        for package in (engine, figures, ui):
            for mod in pkgutil.iter_modules(package.__path__):
                importlib.import_module(f"{package.__name__}.{mod.name}")
    finally:
        quiet.setLevel(level)


def keep_offline() -> None:
    """Never ask the internet for this machine's public address.

    Started headless, Streamlit asks checkip.amazonaws.com for it (for an "External URL"
    line in its banner), and again for every websocket from an origin it does not
    recognise (a fallback of its origin check; a failed lookup is not remembered, so
    each socket waits up to 2 s for it, offline). optiviz reaches no one: the public
    address is unknown, and a socket is accepted from the same host and port, from
    localhost or the machine's own LAN address, or from ``server.corsAllowedOrigins``."""
    from streamlit import net_util

    net_util.get_external_ip = lambda: None


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in {"-h", "--help"}:
        print(__doc__)
        return
    if args and args[0] == "--precompile":
        # fill the disk caches (a machine image, a container) without serving: JAX's
        # persistent cache and optiviz's executable store beside it
        from .engine import _store
        from .engine._jaxsetup import cache_dir
        from .ui.warmup import warm_up

        _store.FILL = True
        warm_up(everything=True, on_disk=True)
        print(f"optiviz: compiled kernels are kept in {cache_dir().parent}")
        return
    if args and args[0] == "--version":
        from . import __version__

        print(f"optiviz {__version__}")
        return
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli as stcli

    from .ui.warmup import start_in_background

    # app.py routes with st.navigation. Streamlit would otherwise treat the pages/
    # folder next to it as an old-style multipage app until st.navigation first ran,
    # so a shared link to /race opened first on a fresh server would skip the router.
    PagesManager.uses_pages_directory = False

    if "--public-url" in args:  # where students reach the server (a live class's join link)
        i = args.index("--public-url")
        if i + 1 >= len(args):
            sys.exit("optiviz: --public-url needs an address, e.g. http://192.168.1.20:8501")
        os.environ["OPTIVIZ_PUBLIC_URL"] = args[i + 1]
        del args[i : i + 2]
    sys.argv = build_argv(args)
    # Import pandas here, in the main thread, before any session or the warm-up can:
    # two threads importing it at once saw a half-initialised module
    # ("partially initialized module 'pandas' has no attribute 'Series'").
    import pandas  # noqa: F401

    preload()
    keep_offline()
    tune_malloc()
    trim_when_idle()
    start_in_background()  # compile the opening scene while the server starts
    sys.exit(stcli.main())


if __name__ == "__main__":
    main()
