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
#: default 3 compiles the M1 training kernel in ~6 s instead of ~9 s on a 2-core CPU,
#: and the compiled code ran as fast in ``benchmarks/training.py``.
COMPILER_OPTIONS: dict[str, int] = {"xla_backend_optimization_level": 2}
