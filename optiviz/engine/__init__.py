"""optiviz's numerics: optimizers, surfaces and trajectories on JAX (no plotting, no UI)."""

from . import _jaxsetup  # noqa: F401  (persistent compilation cache)
from .expressions import ExpressionError, parse_surface
from .optimizers import CLASSIC, OPTIMIZERS, HParam, Optimizer, get_optimizer
from .surfaces import SURFACE_NAMES, Minimum, Surface, get_surface
from .sweeps import BasinsResult, FairResult, SweepResult, basins, fair_comparison, sweep
from .trajectories import MAX_STEPS, STEP_BUCKETS, RaceResult, race, run_batch

__all__ = [
    "CLASSIC",
    "MAX_STEPS",
    "OPTIMIZERS",
    "STEP_BUCKETS",
    "SURFACE_NAMES",
    "BasinsResult",
    "ExpressionError",
    "FairResult",
    "HParam",
    "Minimum",
    "Optimizer",
    "RaceResult",
    "Surface",
    "SweepResult",
    "basins",
    "fair_comparison",
    "get_optimizer",
    "get_surface",
    "parse_surface",
    "race",
    "run_batch",
    "sweep",
]
