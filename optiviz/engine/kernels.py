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
takes ~70-100 MiB once loaded (XLA:CPU maps each of its ~1,300 compiled functions on
its own; forty such kernels also exhaust Linux's default of 65,530 memory mappings
per process), so a process keeps the ones it has used. What a kernel costs in memory
is its number of compiled functions, not its size on disk (a 2D race kernel is
~300 KB in the disk cache): each function loaded brings a code page, a read-only page
and a writable anonymous mapping of ~115 KiB resident (/proc/self/smaps after
loading 16 race kernels: +808 functions, +93 MiB of those writable mappings, +6 MiB
of code), so control flow that multiplies functions (a ``switch`` with a branch per
activation, in every written-out layer, forward and backward) costs memory.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from typing import Any

_KERNELS: dict[tuple[str, Hashable], Any] = {}
_LOCK = threading.Lock()
#: how many times each family has built a bucket's kernels
BUILDS: Counter[str] = Counter()

_WARMUPS: dict[str, Callable[[bool], Iterator[str]]] = {}
_ON_DISK: dict[str, Callable[[], Iterator[str]]] = {}


def compiled(family: str, bucket: Hashable, make: Callable[[Any], Any]) -> Any:
    """``make(bucket)``, built once per (family, bucket) and kept for the process."""
    key = (family, bucket)
    with _LOCK:
        fn = _KERNELS.get(key)
        if fn is None:
            fn = _KERNELS[key] = make(bucket)
            BUILDS[family] += 1
        return fn


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
    from . import gradients, lr_range, schedules, training, trajectories, transfer  # noqa: F401

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
