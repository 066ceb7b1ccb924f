"""Compiled executables kept on disk by optiviz, loaded without tracing.

JAX's persistent cache (``_jaxsetup``) saves the XLA compilation, but to find an entry
JAX must first trace and lower the function: for a training bucket that is ~2.5 s of
Python (2.0 s tracing, 0.5 s lowering, measured on this 2-core CPU) before a 0.7 s load,
and the tracing holds the interpreter lock, so every other student's request waits
too. A :class:`Stored` kernel instead saves its compiled executable the first time
(``jax.experimental.serialize_executable``) and later processes load it directly
(~0.6 s, no tracing), which is what lets the engine drop rarely used kernels to stay
within its memory budget (``kernels.BUDGETS``) and still bring them back quickly.

An entry is named by the kernel's label, the structure, shapes and dtypes of its
arguments, and a fingerprint of everything that decides the compiled code: the
engine's source files, the JAX and jaxlib versions, the device and ``XLA_FLAGS``. A
change to any of them makes new entries (older fingerprints are removed when the first
new entry is written). Entries are written by this process's user only, into
``~/.cache/optiviz/executables`` (``OPTIVIZ_JAX_CACHE=0`` turns the store off, like
the persistent cache); an entry that cannot be read is compiled again.

Only an executable XLA compiled afresh is stored: one JAX loaded from its persistent
cache does not survive a second serialization on XLA:CPU. So after an engine update a
server first loads kernels the old way (trace, then JAX's cache), and ``optiviz
--precompile`` (which sets :data:`FILL`) compiles what the store lacks.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax

from . import _jaxsetup
from ._jaxsetup import cache_dir

#: how many executables this process loaded from the store, and compiled into it
LOADS = 0
SAVES = 0


@functools.cache
def fingerprint() -> str:
    """What the compiled code depends on besides the arguments."""
    import jaxlib

    h = hashlib.sha256()
    root = Path(__file__).parent
    for src in sorted(root.rglob("*.py")):  # the optimizers' package included
        h.update(str(src.relative_to(root)).encode())
        h.update(src.read_bytes())
    device = jax.devices()[0]
    for part in (jax.__version__, jaxlib.__version__, device.platform, device.device_kind):
        h.update(str(part).encode())
    h.update(os.environ.get("XLA_FLAGS", "").encode())
    from .optimizers import OPTIMIZERS  # kernels switch over the registry (see register)

    h.update(",".join(OPTIMIZERS).encode())
    return h.hexdigest()[:16]


def store_dir() -> Path | None:
    if os.environ.get("OPTIVIZ_JAX_CACHE", "1") == "0":
        return None
    return cache_dir().parent / "executables" / fingerprint()


def _entry(label: str, args: tuple) -> str:
    leaves, tree = jax.tree.flatten(args)
    sig = [str(tree)] + [f"{jax.typeof(x)}" for x in leaves]
    return hashlib.sha256("\n".join([label, *sig]).encode()).hexdigest()[:24]


def _load(path: Path) -> Any:
    from jax.experimental.serialize_executable import deserialize_and_load

    payload, in_tree, out_tree = pickle.loads(path.read_bytes())
    return deserialize_and_load(payload, in_tree, out_tree)


def _save(path: Path, compiled: Any) -> None:
    from jax.experimental.serialize_executable import serialize

    blob = pickle.dumps(serialize(compiled))
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.parent.iterdir():  # entries of other fingerprints
            if old != path.parent and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(blob)
    tmp.replace(path)


_LOCAL = threading.local()  # .bypass: skip JAX's persistent cache; .hit: it was used


def _hooks() -> bool:
    """Install, once, a wrapper around JAX's once-per-process "is the persistent cache
    used" answer (so one thread can skip the cache) and a listener for its hits.
    ``False`` if this JAX has no such function: then the store stays off."""
    from jax import monitoring
    from jax._src import compilation_cache as cc

    used = getattr(cc, "is_cache_used", None)
    if used is None:
        return False
    if not getattr(used, "_optiviz", False):

        def is_cache_used(backend: Any) -> bool:
            return False if getattr(_LOCAL, "bypass", False) else used(backend)

        def on_event(event: str, secs: float, **kw: object) -> None:
            if event == _jaxsetup.CACHE_HIT_EVENT:
                _LOCAL.hit = True

        is_cache_used._optiviz = True  # type: ignore[attr-defined]
        cc.is_cache_used = is_cache_used
        monitoring.register_event_duration_secs_listener(on_event)
    return True


#: compile what the store lacks even when JAX's persistent cache has it
#: (``optiviz --precompile``), instead of only what JAX compiles afresh
FILL = os.environ.get("OPTIVIZ_STORE_FILL", "0") == "1"


def _compile(fn: Any, args: tuple, fresh: bool) -> tuple[Any, bool]:
    """Trace, lower and compile ``fn`` for ``args``; with ``fresh``, skip JAX's
    persistent cache. Returns the executable and whether it may be stored: an XLA:CPU
    executable that JAX loaded from its cache serializes incompletely (calling it after
    a reload fails with "Function ... not found"), one compiled afresh does not."""
    _LOCAL.bypass, _LOCAL.hit = fresh, False
    try:
        exe = fn.trace(*args).lower().compile()
        return exe, not _LOCAL.hit
    finally:
        _LOCAL.bypass = _LOCAL.hit = False


def load_or_compile(fn: Any, label: str, args: tuple) -> Any:
    """The compiled executable of ``fn`` for ``args``: from the store, or compiled now
    and saved there. ``None`` when the store is off or fails (then ``fn`` is called
    as usual, through JAX's own caches)."""
    global LOADS, SAVES
    folder = store_dir()
    if folder is None or not _hooks():
        return None
    path = folder / f"{_entry(label, args)}.bin"
    if path.exists():
        try:
            t0 = time.perf_counter()
            exe = _load(path)
            LOADS += 1
            _jaxsetup.note("store-load", time.perf_counter() - t0, label)
            return exe
        except Exception:  # a truncated or foreign file: compile it again
            path.unlink(missing_ok=True)
    try:
        exe, storable = _compile(fn, args, fresh=FILL)
    except Exception:
        return None
    if storable:
        try:
            _save(path, exe)
            SAVES += 1
        except Exception:  # a full or read-only disk: it still serves this process
            pass
    return exe


class Stored:
    """A jitted function whose executable comes from the store (or goes into it) on
    its first call; callers that arrive meanwhile wait for it. A later call whose
    arguments differ in structure, shape or dtype from the first goes through the
    jitted function as usual."""

    def __init__(self, fn: Callable[..., Any], label: str) -> None:
        self.fn, self.label = fn, label
        self.lock = threading.Lock()
        self.exe: Any = None
        self.tried = False

    def __call__(self, *args: Any) -> Any:
        if not self.tried:
            with self.lock:
                if not self.tried:
                    self.exe = load_or_compile(self.fn, self.label, args)
                    self.tried = True
        exe = self.exe
        if exe is not None:
            try:
                return exe(*args)
            except TypeError:  # other argument types than the stored executable's
                pass
            except jax.errors.JaxRuntimeError:  # an entry that loads but cannot run
                self.exe = None
                forget(self.label, args)
        return self.fn(*args)


def forget(label: str, args: tuple) -> None:
    """Remove the store's entry of ``label`` for ``args``."""
    folder = store_dir()
    if folder is not None:
        (folder / f"{_entry(label, args)}.bin").unlink(missing_ok=True)
