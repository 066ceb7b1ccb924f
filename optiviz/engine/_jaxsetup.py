"""Process-wide JAX settings the engine relies on.

The persistent compilation cache stores compiled kernels on disk, so a
restarted app (or a second worker) loads them instead of compiling again.
Our kernels compile in well under a second, below JAX's default threshold for
caching, so the thresholds are lowered to cache everything.

Set ``OPTIVIZ_JAX_CACHE=0`` to turn the cache off, or ``OPTIVIZ_JAX_CACHE_DIR``
to move it (default: ``$XDG_CACHE_HOME/optiviz/jax`` or ``~/.cache/optiviz/jax``).
"""

from __future__ import annotations

import os
from pathlib import Path

import jax


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("OPTIVIZ_JAX_CACHE_DIR") or Path(base) / "optiviz" / "jax")


def enable_compilation_cache() -> Path | None:
    """Point JAX's persistent compilation cache at optiviz's cache directory."""
    if os.environ.get("OPTIVIZ_JAX_CACHE", "1") == "0":
        return None
    if jax.config.jax_compilation_cache_dir:  # the user chose one already
        return Path(jax.config.jax_compilation_cache_dir)
    path = cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    return path


enable_compilation_cache()


#: XLA options for the bigger kernels (MLP training). LLVM's level 2 instead of the
#: default 3 compiles the training kernel markedly faster, and the compiled code ran as
#: fast in ``benchmarks/training.py``.
COMPILER_OPTIONS: dict[str, int] = {"xla_backend_optimization_level": 2}


#: JAX's event for one XLA compilation (a load from the persistent cache included)
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
#: JAX's event for an executable read from the persistent cache instead of compiled
CACHE_HIT_EVENT = "/jax/compilation_cache/cache_retrieval_time_sec"


def note(kind: str, secs: float, name: str) -> None:
    """Log a kernel event that is not a JAX compilation (a load from optiviz's
    executable store, ``store-load``); :func:`log_compilations` makes it write."""


def log_compilations(path: str | os.PathLike[str] | None = None) -> Path | None:
    """Append one line per XLA compilation of this process to ``path`` (default: the
    ``OPTIVIZ_COMPILE_LOG`` environment variable; nothing when unset): wall-clock time,
    ``compile`` or ``cache-load``, seconds, pid and the function's name. The classroom
    benchmark reads it to count the compilations a round of students caused."""
    target = path or os.environ.get("OPTIVIZ_COMPILE_LOG")
    if not target:
        return None
    import threading
    import time

    from jax import monitoring

    global note
    out = Path(target)
    lock = threading.Lock()
    pending: dict[int, bool] = {}  # thread -> a cache hit happened inside its compile

    def write(kind: str, secs: float, name: str) -> None:
        line = f"{time.time():.3f} {kind} {secs:.3f} {os.getpid()} {name}\n"
        with lock, out.open("a") as f:
            f.write(line)

    note = write

    def on_duration(event: str, secs: float, **kw: object) -> None:
        tid = threading.get_ident()
        if event == CACHE_HIT_EVENT:
            pending[tid] = True
        elif event == COMPILE_EVENT:
            kind = "cache-load" if pending.pop(tid, False) else "compile"
            write(kind, secs, str(kw.get("fun_name", "?")))

    monitoring.register_event_duration_secs_listener(on_duration)
    return out


log_compilations()
