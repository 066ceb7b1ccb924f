"""The engine's one cache of compiled kernels, and the list of what to compile ahead.

Every family of kernels (training, the gradients lab, the LR range test, the
transfer page's scorer) builds its jitted functions for a *bucket*: a small, fixed
key such as (width bucket, run count, rows). :func:`compiled` keeps them, one build
per (family, bucket), so every request that falls in a bucket shares its compiled
executables, and the number of kernels a process can ever hold is the number of
buckets (listed by each family), whatever the students ask for.

A family also registers a *warm-up*: a function that calls its buckets once on dummy
inputs, the most used ones as ``core``. :func:`warm_up` runs them, so a server
compiles (or loads from JAX's persistent cache on disk, see ``_jaxsetup``) those
kernels before its first student arrives; ``optiviz --precompile`` fills the disk
cache with every bucket.

Why not every bucket in memory: on a CPU an XLA executable of the training kernel
is large once loaded (XLA:CPU maps each of its compiled functions on its own; forty
such kernels also exhaust Linux's default of 65,530 memory mappings per process), so
a process keeps at most :data:`BUDGETS` kernels of a family, the most recently used,
and loads a dropped one again from optiviz's executable store (``_store``: well
under a second, no tracing). What a kernel costs in memory
is its number of compiled functions, not its size on disk (a 2D race kernel is
~300 KB in the disk cache): each function loaded brings a code page, a read-only page
and a writable anonymous mapping of ~115 KiB resident (/proc/self/smaps after
loading 16 race kernels: +808 functions, +93 MiB of those writable mappings, +6 MiB
of code), so control flow that multiplies functions (a ``switch`` with a branch per
activation, in every written-out layer, forward and backward) costs memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

#: Kernels of a family a process keeps loaded at once. A family's least recently used
#: kernel is dropped when a new one would pass its budget, so what the compiled kernels
#: hold is bounded by this table, not by the day's requests (a dropped kernel comes back
#: from disk when asked for again: from the executable store for a training bucket,
#: from JAX's cache for the 2D ones). A training kernel is by
#: far the largest once loaded, a race or landscape kernel the smallest. Families not
#: listed keep every bucket (they have few). Smaller is not cheaper: the pages' default
#: scenes between them use more training kernels at once than a budget of 4, and with
#: it a class kept reloading them and held more memory, not less (measure with
#: benchmarks/load.py --diverse and OPTIVIZ_KERNEL_BUDGETS=training=4).
BUDGETS: dict[str, int] = {
    "training": 7,  # of 18 (3 widths x (5 row buckets + snapshot)); 4 are the core
    "race": 12,  # of 16 surfaces x 5 step buckets
    "landscape": 24,  # of 16 surfaces x 8 optimizers x 3 run blocks
    "net_landscape": 9,  # all: 3 widths x 3 row buckets (a trained network's landscape)
    "paths": 8,  # run_batch(record=True): the library's, no page uses it
}


def budgets_from(text: str) -> dict[str, int]:
    """``"training=4,race=8"`` (the ``OPTIVIZ_KERNEL_BUDGETS`` variable) as budgets; a
    machine with more memory can keep more kernels loaded, one with less fewer. A
    malformed entry is an error that names it."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        family, sep, value = part.partition("=")
        if not sep or not family.strip() or not value.strip().isdigit() or int(value) < 1:
            raise ValueError(
                f"OPTIVIZ_KERNEL_BUDGETS: {part!r} is not family=N with N >= 1 "
                f"(families: {', '.join(BUDGETS)})"
            )
        out[family.strip()] = int(value)
    return out


BUDGETS.update(budgets_from(os.environ.get("OPTIVIZ_KERNEL_BUDGETS", "")))
_KERNELS: dict[str, OrderedDict[Hashable, Any]] = {}
_LOCK = threading.Lock()
#: how many times each family has built a bucket's kernels
BUILDS: Counter[str] = Counter()
#: how many kernels each family has dropped to stay within its budget
DROPS: Counter[str] = Counter()

_WARMUPS: dict[str, Callable[[bool], Iterator[str]]] = {}
_ON_DISK: dict[str, Callable[[], Iterator[str]]] = {}


def compiled(family: str, bucket: Hashable, make: Callable[[Any], Any]) -> Any:
    """``make(bucket)``, built once per (family, bucket) and kept while the family's
    budget (:data:`BUDGETS`) allows; the least recently used one is dropped first."""
    with _LOCK:
        kept = _KERNELS.setdefault(family, OrderedDict())
        fn = kept.get(bucket)
        if fn is not None:
            kept.move_to_end(bucket)
            return fn
        fn = kept[bucket] = make(bucket)
        BUILDS[family] += 1
        dropped = 0
        while len(kept) > BUDGETS.get(family, len(kept)):
            kept.popitem(last=False)
            DROPS[family] += 1
            dropped += 1
    if dropped:
        release_memory()
    return fn


def loaded(family: str) -> int:
    """How many kernels of ``family`` this process holds now."""
    with _LOCK:
        return len(_KERNELS.get(family, ()))


def clear(family: str | None = None) -> None:
    """Drop every kernel of ``family`` (``--precompile`` after each surface), or of
    every family."""
    with _LOCK:
        if family is None:
            _KERNELS.clear()
        else:
            _KERNELS.pop(family, None)
    release_memory()


_LIBC = ctypes.util.find_library("c")
_TRIM = getattr(ctypes.CDLL(_LIBC), "malloc_trim", None) if _LIBC else None


def release_memory() -> None:
    """Give memory freed by dropped kernels back to the system. XLA frees a dropped
    executable's mappings at once, but glibc keeps the heap it used for loading it;
    ``malloc_trim`` returns it (measured: 12 surfaces' 2D kernels, 430 -> 216 MiB
    resident after dropping them; without it the process stays at 420 MiB)."""
    if _TRIM is not None:
        _TRIM(0)


def register_warmup(family: str, fn: Callable[[bool], Iterator[str]]) -> None:
    """``fn(everything)`` calls the buckets of ``family`` once (all of them, or the
    core ones the pages' opening scenes use) and yields a name for each."""
    _WARMUPS[family] = fn


def register_on_disk(family: str, fn: Callable[[], Iterator[str]]) -> None:
    """``fn()`` compiles kernels of ``family`` that are too many to hold in a serving
    process (a kernel per 2D surface and step count): ``optiviz --precompile`` puts
    them in the disk cache, and a server loads one when a student first needs it
    (tens of milliseconds instead of a compilation)."""
    _ON_DISK[family] = fn


def warm_up(
    everything: bool = False,
    report: Callable[[str, float], None] | None = None,
    on_disk: bool = False,
) -> dict[str, float]:
    """Compile (or load) the core buckets of every family, or every bucket; with
    ``on_disk`` (``optiviz --precompile``) also the kernels kept on disk only. Returns
    seconds per bucket name; ``report(name, seconds)`` is called after each."""
    from .networks import gradients, lr_range, schedules, training, transfer  # noqa: F401
    from .plane import trajectories  # noqa: F401

    times: dict[str, float] = {}
    jobs = [(f, lambda fn=fn: fn(everything)) for f, fn in _WARMUPS.items()]
    if on_disk:
        jobs += list(_ON_DISK.items())
    for family, fn in jobs:
        t0 = time.perf_counter()
        for name in fn():
            t1 = time.perf_counter()
            times[f"{family} {name}"] = t1 - t0
            if report is not None:
                report(f"{family} {name}", t1 - t0)
            t0 = t1
    return times
