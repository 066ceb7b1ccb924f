"""optiviz's numerics: optimizers, surfaces and trajectories on JAX (no plotting, no UI)."""

from . import _jaxsetup  # noqa: F401  (persistent compilation cache)
from .networks.activations import ACTIVATIONS
from .networks.datasets import (
    DATASETS,
    Dataset,
    DatasetError,
    load_csv,
    make_dataset,
    points_dataset,
)
from .networks.initializers import INITIALIZERS
from .networks.keras_export import to_keras
from .networks.landscape import interpolation, loss_slice, sharpness
from .networks.mlp import Architecture, ModelSummary
from .networks.schedules import SCHEDULES
from .networks.training import Run, TrainResult, summary, train, train_further
from .optimizers import CLASSIC, OPTIMIZERS, HParam, Optimizer, get_optimizer
from .plane.expressions import ExpressionError, parse_surface
from .plane.surfaces import SURFACE_NAMES, Minimum, Surface, get_surface
from .plane.sweeps import BasinsResult, FairResult, SweepResult, basins, fair_comparison, sweep
from .plane.trajectories import MAX_STEPS, STEP_BUCKETS, RaceResult, race, run_batch

__all__ = [
    "ACTIVATIONS",
    "CLASSIC",
    "DATASETS",
    "INITIALIZERS",
    "MAX_STEPS",
    "OPTIMIZERS",
    "SCHEDULES",
    "STEP_BUCKETS",
    "SURFACE_NAMES",
    "Architecture",
    "BasinsResult",
    "Dataset",
    "DatasetError",
    "ExpressionError",
    "FairResult",
    "HParam",
    "Minimum",
    "ModelSummary",
    "Optimizer",
    "RaceResult",
    "Run",
    "Surface",
    "SweepResult",
    "TrainResult",
    "basins",
    "fair_comparison",
    "get_optimizer",
    "get_surface",
    "interpolation",
    "load_csv",
    "loss_slice",
    "make_dataset",
    "parse_surface",
    "points_dataset",
    "race",
    "run_batch",
    "sharpness",
    "summary",
    "sweep",
    "to_keras",
    "train",
    "train_further",
]
