"""What became of each run in a race: where it ended, how fast, or when it blew up.

Pure NumPy over a :class:`~optiviz.engine.plane.trajectories.RaceResult`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

#: A run "ends in" a minimum when its last point is within this many ε of it.
REACH_FACTOR = 5.0
#: What "reached" means everywhere (the race table, the landscape's maps and its fair
#: comparison), in the words the pages show; ``{eps}`` is the scene's ε.
DEFINITION = (
    "A run ends in a minimum when its last point lies within 5ε of it (ε = {eps}); its "
    "steps to ε count until it first came within ε of that minimum (— if it never did)."
)


class Outcome(NamedTuple):
    label: str
    final_loss: float
    #: "global", "local", "none" (no known minimum nearby) or "diverged"
    reached: str
    #: index into the surface's minima, or -1
    minimum_index: int
    #: first step at which the run was within ε of the minimum it ended in (None if never)
    steps_to_eps: int | None
    #: step at which the run blew up, or None
    diverged_at: int | None
    final_x: float
    final_y: float
    #: first step within ε of any minimum, and which (-1 / None if never), even if the
    #: run did not end there: a run may pass through a minimum and go on
    passed_step: int | None = None
    passed_index: int = -1


def distance_to_minima(path: np.ndarray, minima: np.ndarray) -> np.ndarray:
    """Distance from every point of ``path`` (..., 2) to the nearest of ``minima`` (n, 2).

    Returns an array shaped like ``path[..., 0]``; all inf when there are no minima.
    """
    if len(minima) == 0:
        return np.full(path.shape[:-1], np.inf, np.float32)
    d = np.linalg.norm(path[..., None, :] - minima, axis=-1)
    return d.min(axis=-1)


def race_outcomes(result: Any) -> list[Outcome]:
    """One :class:`Outcome` per run of a race result."""
    surface = result.surface
    minima = surface.minima_array
    out = []
    for i, label in enumerate(result.labels):
        path = result.path[i]
        div = int(result.diverged_at[i])
        x, y = (float(v) for v in path[-1])
        if div >= 0:
            out.append(Outcome(label, float(result.loss[i, -1]), "diverged", -1, None, div, x, y))
            continue
        hit = int(result.hit_step[i])
        passed = (hit, int(result.hit_index[i])) if hit >= 0 else (None, -1)
        reached, index, steps = "none", -1, None
        if len(minima):
            d_end = np.linalg.norm(minima - path[-1], axis=-1)
            j = int(np.argmin(d_end))
            if d_end[j] <= REACH_FACTOR * result.eps:
                index = j
                reached = "global" if surface.minima[j].is_global else "local"
                d = np.linalg.norm(path - minima[j], axis=-1)
                within = np.flatnonzero(d <= result.eps)
                steps = int(within[0]) if len(within) else None
        out.append(
            Outcome(label, float(result.loss[i, -1]), reached, index, steps, None, x, y, *passed)
        )
    return out
