"""The engine's one way to check a number it is given, with a message a student can read.

Every public function of the engine validates its numbers here, so a bad value reads
the same everywhere: ``"dropout rate must be between 0 and 0.95, got 2.0"``. A bool is
never taken for a number (``True`` is not 1 epoch); NumPy and JAX scalars are, and so is
a numeric string such as ``"7"`` unless ``text=False`` (the data sets refuse
``n="100"``). ``error`` picks the exception class (a subclass of ``ValueError``, e.g. the
data sets' :class:`~optiviz.engine.networks.datasets.DatasetError`).
"""

from __future__ import annotations

import math
from typing import Any

_INF = float("inf")


def _as_float(name: str, value: Any, kind: str, error: type[ValueError], text: bool) -> float:
    if isinstance(value, bool) or (not text and isinstance(value, (str, bytes))):
        raise error(f"{name} must be {kind}, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise error(f"{name} must be {kind}, got {value!r}") from None


def number(
    name: str,
    value: Any,
    low: float = -_INF,
    high: float = _INF,
    *,
    error: type[ValueError] = ValueError,
    text: bool = True,
    integer: bool = False,
) -> float:
    """``value`` as a finite float in ``[low, high]`` (a whole one when ``integer``),
    else ``error`` naming ``name``."""
    kind = "a whole number" if integer else "a number"
    v = _as_float(name, value, kind, error, text)
    if not (math.isfinite(v) and low <= v <= high and (not integer or v == int(v))):
        if not math.isfinite(v) and not integer:
            kind = "a finite number"
        raise error(f"{name} must be {kind}{_range(low, high)}, got {value!r}")
    return v


def whole(name: str, value: Any, low: float = -_INF, high: float = _INF, **kw: Any) -> int:
    """``value`` as an int in ``[low, high]`` (``3.0`` counts as 3, ``3.5`` does not);
    ``error`` and ``text`` as for :func:`number`."""
    return int(number(name, value, low, high, integer=True, **kw))


def _range(low: float, high: float) -> str:
    if high == _INF:
        return "" if low == -_INF else f" of at least {low:g}"
    return f" between {low:g} and {high:g}"
