"""What the race page says each surface's default race shows, with the check that keeps
each sentence true.

A surface's ``description`` states only what the surface *is* (its shape, its minima);
a sentence about what the optimizers *do* on it is a :class:`Claim` here, tied to the
race it describes: the page's default race (:data:`DEFAULT_RACE`: the classic five from
the surface's marked start, :func:`~optiviz.engine.plane.presets.race_hparams`, 300 steps) or
a scene the claim names itself. ``tests/engine/test_claims.py`` runs every claim's race and
its check, so a change to a surface, a preset or an optimizer that makes a sentence
false fails a test instead of misleading a student (the Beale and Rastrigin texts once
promised what their default races did not do).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..optimizers import CLASSIC, get_optimizer
from .outcomes import Outcome, race_outcomes
from .presets import race_hparams
from .surfaces import get_surface
from .trajectories import RaceResult, race

#: the race every ``default`` claim describes, in the words the page shows
DEFAULT_RACE = (
    "In the default race (GD, Momentum, AdaGrad, RMSProp and Adam, 300 steps from the marked start)"
)
DEFAULT_STEPS = 300


class Scenes:
    """The races claims talk about, each run once."""

    def __init__(self) -> None:
        self._races: dict[tuple, RaceResult] = {}

    def default(self, surface: str) -> RaceResult:
        key = ("default", surface)
        if key not in self._races:
            s = get_surface(surface)
            runs = [(o, race_hparams(s, o)) for o in CLASSIC]
            self._races[key] = race(s, runs, start=s.start, steps=DEFAULT_STEPS)
        return self._races[key]

    def alone(self, surface: str, optimizer: str, learning_rate: float) -> RaceResult:
        """``optimizer`` alone at ``learning_rate`` from the marked start, 300 steps."""
        key = ("alone", surface, optimizer, learning_rate)
        if key not in self._races:
            s = get_surface(surface)
            hp = race_hparams(s, optimizer) | {"learning_rate": learning_rate}
            self._races[key] = race(s, [(optimizer, hp)], start=s.start, steps=DEFAULT_STEPS)
        return self._races[key]

    def outcome(self, surface: str, optimizer: str) -> Outcome:
        """The default race's outcome for ``optimizer`` (a Keras name: "sgd", "adam")."""
        r = self.default(surface)
        return race_outcomes(r)[r.optimizers.index(get_optimizer(optimizer).name)]

    def path(self, surface: str, optimizer: str) -> np.ndarray:
        r = self.default(surface)
        return r.path[r.optimizers.index(get_optimizer(optimizer).name)]


class Claim(NamedTuple):
    text: str
    check: Callable[[Scenes], bool]
    #: about the default race (shown after :data:`DEFAULT_RACE`), or a sentence that
    #: names its own setting (shown with the description)
    default: bool = True


# ----------------------------------------------------------------- checks
def _ends(surface: str, kinds: dict[str, str]) -> Callable[[Scenes], bool]:
    """Each optimizer's default run ends as said: "global", "local", "none", "diverged"."""
    return lambda sc: all(sc.outcome(surface, o).reached == k for o, k in kinds.items())


def _steps(sc: Scenes, surface: str, optimizer: str) -> int | None:
    return sc.outcome(surface, optimizer).steps_to_eps


def _length(sc: Scenes, surface: str, optimizer: str) -> float:
    p = sc.path(surface, optimizer)
    return float(np.nansum(np.linalg.norm(np.diff(p, axis=0), axis=1)))


def _moved(sc: Scenes, surface: str, optimizer: str) -> float:
    """How far the run's end lies from where it started."""
    p = sc.path(surface, optimizer)
    return float(np.linalg.norm(p[-1] - p[0]))


def _all_of(*checks: Callable[[Scenes], bool]) -> Callable[[Scenes], bool]:
    return lambda sc: all(c(sc) for c in checks)


def _gd_limit(sc: Scenes) -> bool:
    below = race_outcomes(sc.alone("quadratic_bowl", "sgd", 0.95))[0]
    above = race_outcomes(sc.alone("quadratic_bowl", "sgd", 1.05))[0]
    return below.reached == "global" and above.reached == "diverged"


def _slower(surface: str, slow: str, fast: tuple[str, ...], factor: float) -> Callable:
    def check(sc: Scenes) -> bool:
        s = _steps(sc, surface, slow)
        quick = [_steps(sc, surface, o) for o in fast]
        return s is not None and all(q is not None and s >= factor * q for q in quick)

    return check


def _rotation_costs(sc: Scenes) -> bool:
    """AdaGrad and Adam need over twice the steps on the rotated valley; GD the same."""
    ratio = {
        o: (_steps(sc, "rotated_bowl", o) or 10**9) / (_steps(sc, "elongated_bowl", o) or 1)
        for o in ("sgd", "adagrad", "adam")
    }
    return ratio["adagrad"] > 2 and ratio["adam"] > 2 and 0.9 <= ratio["sgd"] <= 1.1


def _rosenbrock(sc: Scenes) -> bool:
    out = {o: sc.outcome("rosenbrock", o) for o in CLASSIC}
    closest = min(out, key=lambda o: out[o].final_loss)
    return all(v.reached == "none" for v in out.values()) and closest == "momentum"


def _himmelblau(sc: Scenes) -> bool:
    idx = {o: sc.outcome("himmelblau", o).minimum_index for o in CLASSIC}
    others = {i for o, i in idx.items() if o != "momentum"}
    return others == {0} and idx["momentum"] not in (-1, 0)


def _saddle(sc: Scenes) -> bool:
    out = {o: sc.outcome("saddle", o) for o in CLASSIC}
    escaped = all(abs(v.final_y) > 1.0 for v in out.values())
    alive = {o: abs(v.final_y) for o, v in out.items() if v.reached != "diverged"}
    return escaped and out["momentum"].reached == "diverged" and min(alive, key=alive.get) == "sgd"


def _monkey(sc: Scenes) -> bool:
    out = {o: sc.outcome("monkey_saddle", o) for o in CLASSIC}
    gone = all(np.hypot(v.final_x, v.final_y) > 5.0 for v in out.values())
    return gone and all(out[o].reached == "diverged" for o in ("sgd", "momentum"))


def _rastrigin(sc: Scenes) -> bool:
    out = {o: sc.outcome("rastrigin", o) for o in CLASSIC}
    near = {out[o].minimum_index for o in ("adagrad", "rmsprop", "adam")}
    settled = len(near) == 1 and all(
        out[o].reached == "local" for o in ("adagrad", "rmsprop", "adam")
    )
    m = get_surface("rastrigin").minima[near.pop()] if settled else None
    return (
        settled
        and m is not None
        and abs(m.x - 2) < 0.1
        and abs(m.y - 2) < 0.1
        and all(out[o].reached == "none" for o in ("sgd", "momentum"))
    )


def _ackley(sc: Scenes) -> bool:
    out = {o: sc.outcome("ackley", o) for o in CLASSIC}
    stuck = all(
        out[o].reached != "global" and _moved(sc, "ackley", o) < 1.0
        for o in CLASSIC
        if o != "adagrad"
    )
    return out["adagrad"].reached == "global" and stuck


def _camel(sc: Scenes) -> bool:
    out = [sc.outcome("six_hump_camel", o) for o in CLASSIC]
    return all(v.reached == "local" for v in out) and len({v.minimum_index for v in out}) == 1


def _goldstein(sc: Scenes) -> bool:
    out = {o: sc.outcome("goldstein_price", o) for o in CLASSIC}
    same = {out[o].minimum_index for o in ("sgd", "adagrad", "rmsprop", "adam")}
    m = get_surface("goldstein_price").minima[next(iter(same))] if len(same) == 1 else None
    return (
        all(v.reached == "local" for v in out.values())
        and m is not None
        and abs(m.x - 1.2) < 0.05
        and abs(m.y - 0.8) < 0.05
        and out["momentum"].minimum_index not in same
        and _slower("goldstein_price", "sgd", ("adagrad", "adam"), 5)(sc)
    )


def _plateau(sc: Scenes) -> bool:
    walked = min(_length(sc, "plateau", o) for o in ("adagrad", "rmsprop", "adam"))
    return (
        _ends("plateau", {"adagrad": "global", "rmsprop": "global", "adam": "global"})(sc)
        and sc.outcome("plateau", "sgd").reached != "global"
        and _length(sc, "plateau", "sgd") < 0.1 * walked
    )


#: every built-in surface's claims (a surface may have none: then its description is
#: all the page says about it)
SURFACE_CLAIMS: dict[str, tuple[Claim, ...]] = {
    "quadratic_bowl": (
        Claim(
            "GD is stable here only for learning_rate < 1 (2 divided by that curvature): "
            "alone at 0.95 it reaches the bottom, at 1.05 it blows up.",
            _gd_limit,
            default=False,
        ),
        Claim(
            "every run ends at the bottom.",
            _ends("quadratic_bowl", dict.fromkeys(CLASSIC, "global")),
        ),
    ),
    "elongated_bowl": (
        Claim(
            "GD, at a rate small enough for the steep walls, crawls along the flat floor: it "
            "needs at least three times the steps of Momentum, AdaGrad or Adam to come within ε.",
            _slower("elongated_bowl", "sgd", ("momentum", "adagrad", "adam"), 3),
        ),
    ),
    "rotated_bowl": (
        Claim(
            "AdaGrad and Adam, which scale each coordinate on its own, need more than twice "
            "the steps they need on the same valley along the axes; GD needs about the same.",
            _rotation_costs,
        ),
    ),
    "two_wells": (
        Claim(
            "GD, AdaGrad, RMSProp and Adam settle in the near, shallow well; Momentum's "
            "speed carries it over the ridge into the deep one.",
            _ends(
                "two_wells",
                {
                    "sgd": "local",
                    "momentum": "global",
                    "adagrad": "local",
                    "rmsprop": "local",
                    "adam": "local",
                },
            ),
        ),
    ),
    "rosenbrock": (
        Claim(
            "no run reaches (1, 1) in 300 steps; Momentum ends closest in loss.",
            _rosenbrock,
        ),
    ),
    "beale": (
        Claim(
            "Momentum, AdaGrad and Adam come within ε of the minimum at (3, 0.5); GD, at a "
            "rate small enough for the steep corners, is still short of it, and RMSProp's "
            "fixed-size steps keep it rattling near the minimum without coming within ε.",
            _all_of(
                _ends(
                    "beale",
                    {"momentum": "global", "adagrad": "global", "adam": "global", "sgd": "none"},
                ),
                lambda sc: all(
                    _steps(sc, "beale", o) is not None for o in ("momentum", "adagrad", "adam")
                ),
                lambda sc: (
                    sc.outcome("beale", "rmsprop").reached == "global"
                    and _steps(sc, "beale", "rmsprop") is None
                ),
            ),
        ),
    ),
    "himmelblau": (
        Claim(
            "every run but Momentum stops in the nearest minimum, (3, 2); Momentum's speed "
            "carries it on to another one.",
            _himmelblau,
        ),
    ),
    "booth": (
        Claim(
            "every run ends at the minimum (1, 3).",
            _ends("booth", dict.fromkeys(CLASSIC, "global")),
        ),
    ),
    "saddle": (
        Claim(
            "every run escapes the saddle along y, GD slowest; the loss has no bottom, so "
            "Momentum, the fastest, runs off to infinity (shown as diverged).",
            _saddle,
        ),
    ),
    "monkey_saddle": (
        Claim(
            "no run stalls at the origin from this start: each slides down a valley, and GD "
            "and Momentum, whose steps grow with the slope, run off to infinity (shown as "
            "diverged).",
            _monkey,
        ),
    ),
    "sin_valley": (
        Claim(
            "every run ends in the left minimum; GD is still approaching it after 300 steps "
            "(it never comes within ε).",
            _all_of(
                _ends("sin_valley", dict.fromkeys(CLASSIC, "global")),
                lambda sc: _steps(sc, "sin_valley", "sgd") is None,
            ),
        ),
    ),
    "rastrigin": (
        Claim(
            "AdaGrad, RMSProp and Adam drop into the nearest bump's minimum, near (2, 2); GD "
            "and Momentum bounce from bump to bump without settling. None reaches the centre.",
            _rastrigin,
        ),
    ),
    "ackley": (
        Claim(
            "only AdaGrad, whose first steps are its largest, crosses the dimpled plain into "
            "the central funnel; the others stop in a dimple less than 1 from the start.",
            _ackley,
        ),
    ),
    "six_hump_camel": (Claim("every run settles in the same nearby local minimum.", _camel),),
    "goldstein_price": (
        Claim(
            "no run finds the global minimum: GD, AdaGrad, RMSProp and Adam stop in the local "
            "one at (1.2, 0.8), Momentum in another; GD, at the tiny rate the steep slopes "
            "demand, needs at least five times the steps of AdaGrad or Adam to get there.",
            _goldstein,
        ),
    ),
    "plateau": (
        Claim(
            "GD barely moves on the plain (its steps are proportional to the tiny gradient), "
            "while AdaGrad, RMSProp and Adam, which normalise their steps, walk into the well.",
            _plateau,
        ),
    ),
}


def claims(surface_name: str) -> tuple[Claim, ...]:
    """The claims the race page makes about a built-in surface (none for a formula)."""
    return SURFACE_CLAIMS.get(surface_name, ())
