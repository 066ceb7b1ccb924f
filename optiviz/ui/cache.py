"""Engine calls and heavy figures cached across reruns and sessions.

``st.cache_resource`` (not ``cache_data``): results hold the surface's
functions, which do not pickle, and are never mutated, so every session can
share one copy. Entries are bounded so a classroom's worth of scenes cannot
grow the server without limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from optiviz.engine import RaceResult, race
from optiviz.engine.plane.fields import gradient_field
from optiviz.engine.plane.outcomes import distance_to_minima
from optiviz.engine.plane.surfaces import GRID, Surface
from optiviz.figures import race as race_figures
from optiviz.figures.style import frozen, frozen_light

from .controls import table

RunKey = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]


class Memo:
    """A bounded store shared by every session (sessions are threads): ``get`` returns a
    kept value (the most recently used stay), ``put`` keeps one and forgets the least
    recently used past ``size``."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: what race animations keep between scenes: the picture under the runs per scene
#: setting (a handful at a time), and each run's frames (~40-100 kB of text at 80
#: frames; as many runs as the scene caches hold figures, so a classroom fills it in
#: its first round and memory stays flat after: the runs every scene shares stay)
RACE_MEMO = (Memo(32), Memo(64))


def run_key(runs: list[tuple[str, dict[str, float]]]) -> RunKey:
    return tuple((name, tuple(sorted(hp.items()))) for name, hp in runs)


# 64 scenes of each kind bound the memory the race's scenes take (well under a MB
# each): a classroom's first round fills the cache and memory stays flat after it
# (benchmarks/load.py --rounds 3 prints it).
@st.cache_resource(max_entries=64, show_spinner=False, ttl=3600)
def cached_race(
    key: str, _surface: Surface, _runs: RunKey, _start: tuple[float, float], _steps: int
) -> RaceResult:
    """The race of a scene; ``key`` is :func:`race_key` of the other arguments."""
    return race(_surface, [(n, dict(hp)) for n, hp in _runs], start=_start, steps=_steps)


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_grid(surface_key: str, _surface: Surface, n: int = GRID) -> tuple[np.ndarray, ...]:
    return _surface.grid(n)


@st.cache_resource(max_entries=64, show_spinner=False)
def cached_quiver(surface_key: str, _surface: Surface) -> tuple[np.ndarray, ...]:
    return gradient_field(_surface)


@st.cache_resource(max_entries=64, show_spinner=False, ttl=3600)
def cached_animation(key: tuple, _result: RaceResult, slide: bool, quiver: bool) -> go.Figure:
    surface = _result.surface
    q = cached_quiver(surface.key, surface) if quiver else None
    # (comes back finished and frozen: style.animated)
    return race_figures.race_animation(
        cached_grid(surface.key, surface), _result, slide=slide, quiver=q, memo=RACE_MEMO
    )


@st.cache_resource(max_entries=64, show_spinner=False, ttl=3600)
def cached_still_figures(
    key: tuple, _result: RaceResult, slide: bool
) -> tuple[go.Figure, go.Figure]:
    """The 3D view and the loss / distance curves of a race (built once per scene)."""
    surface = _result.surface
    distance = distance_to_minima(_result.path, surface.minima_array)
    return (
        frozen(race_figures.surface_3d(cached_grid(surface.key, surface), _result, slide=slide)),
        frozen(race_figures.progress_curves(_result, distance, slide=slide)),
    )


def race_key(surface: Surface, runs: RunKey, start: tuple[float, float], steps: int) -> str:
    """A scene as one string: the key of every cache of the race page. Streamlit hashes
    a cache's arguments element by element on every call; a nested tuple of a race's
    settings took ~5 % of a slider rerun, one string next to nothing. (``repr`` of a
    float is exact, so two scenes never share a key.)"""
    return repr((surface.key, runs, tuple(float(v) for v in start), int(steps)))


@st.cache_resource(max_entries=128, ttl=3600, show_spinner=False)
def _arrow(key: str, _rows: Callable[[], list[dict[str, Any]]]) -> Any:
    import pyarrow as pa  # Streamlit's own dependency: st.dataframe sends Arrow

    return pa.Table.from_pylist(_rows())


def shared_table(key: str, rows: Callable[[], list[dict[str, Any]]]) -> None:
    """A table of rows (shown by :func:`~optiviz.ui.controls.table`), made into an
    Arrow table once per ``key`` and shared by every session that shows it. Handing
    ``st.dataframe`` the rows made it build a pandas table and convert it on every draw,
    a large share of the race page's first paint in a classroom. ``key`` names
    the table and the scene it belongs to; ``rows`` makes the rows when the key is new."""
    table(_arrow(key, rows))


# Pages other than the race built their figures on every rerun, and plotly's validation
# of subplots, layouts and traces was most of a rerun: a room opening a page at once
# waited for it. Kept light (dict form and JSON text only), 128 figures bound the cache
# at a few tens of MB.
@st.cache_resource(max_entries=128, ttl=3600, show_spinner=False)
def _figure(key: str, _build: Callable[[], go.Figure]) -> go.Figure:
    return frozen_light(_build())


def shared_figure(key: str, build: Callable[[], go.Figure]) -> go.Figure:
    """The figure ``build`` makes, built once per ``key`` and shared by every session
    that shows it.

    ``key`` must say everything the figure depends on: the figure's name, the settings
    that produced the data it draws (the same values the engine's cache is keyed by)
    and its own options (slide mode, the picked run, ...). ``build`` is called only when
    the key is new. The figure comes back :func:`~optiviz.figures.style.frozen_light`:
    read it through ``to_dict()``, never change it."""
    return _figure(key, build)
