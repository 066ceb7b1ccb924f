"""The engine's one cache of compiled kernels, and the list of what to compile ahead.

Every family of kernels (training, the gradients lab, the LR range test, ...) builds
its jitted functions for a *bucket*: a small, fixed key such as (width bucket,
run count). :func:`compiled` keeps them, one build per (family, bucket), so two
requests for the same bucket share one set of compiled executables.

A family also registers a *warm-up*: a function that calls each of its buckets once
on dummy inputs. :func:`warm_up` runs them all, so a server compiles (or loads from
JAX's persistent cache on disk) every kernel before its first student arrives, and
no control ever waits on a compilation.
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

_WARMUPS: dict[str, Callable[[], Iterator[str]]] = {}


def compiled(family: str, bucket: Hashable, make: Callable[[Any], Any]) -> Any:
    """``make(bucket)``, built once per (family, bucket) and kept for the process."""
    key = (family, bucket)
    with _LOCK:
        fn = _KERNELS.get(key)
        if fn is None:
            fn = _KERNELS[key] = make(bucket)
            BUILDS[family] += 1
        return fn


def register_warmup(family: str, fn: Callable[[], Iterator[str]]) -> None:
    """``fn()`` calls every bucket of ``family`` once and yields a name for each."""
    _WARMUPS[family] = fn


def warm_up(
    families: tuple[str, ...] | None = None, report: Callable[[str, float], None] | None = None
) -> dict[str, float]:
    """Compile (or load) every registered bucket; returns seconds per bucket name.

    ``report(name, seconds)`` is called after each bucket (the console's progress).
    """
    from . import gradients, lr_range, training, transfer  # noqa: F401  (they register)

    times: dict[str, float] = {}
    for family, fn in list(_WARMUPS.items()):
        if families is not None and family not in families:
            continue
        t0 = time.perf_counter()
        for name in fn():
            t1 = time.perf_counter()
            times[f"{family} {name}"] = t1 - t0
            if report is not None:
                report(f"{family} {name}", t1 - t0)
            t0 = t1
    return times
