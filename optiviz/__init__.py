"""optiviz: see how neural networks learn.

The library works without the app::

    import optiviz
    r = optiviz.race("two_wells", {"sgd": {"learning_rate": 0.1}, "adam": {"learning_rate": 0.1}})
    r.path.shape  # (2, 301, 2)

``optiviz.engine`` holds the numerics (JAX), ``optiviz.figures`` turns results
into plotly figures, ``optiviz.ui`` holds the Streamlit pieces of the app. The
names below are loaded on first use, so ``import optiviz.figures`` does not
pull in JAX.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_ENGINE_NAMES = (
    "CLASSIC",
    "OPTIMIZERS",
    "SURFACE_NAMES",
    "ExpressionError",
    "RaceResult",
    "Surface",
    "get_optimizer",
    "get_surface",
    "parse_surface",
    "race",
    "run_batch",
    "sweep",
    "basins",
    "fair_comparison",
    "train",
    "train_further",
    "loss_slice",
    "interpolation",
    "sharpness",
    "to_keras",
    "summary",
    "make_dataset",
    "points_dataset",
    "load_csv",
    "Dataset",
    "DatasetError",
    "TrainResult",
    "Run",
)

__all__ = ["__version__", *_ENGINE_NAMES]


def __getattr__(name: str) -> Any:
    if name in _ENGINE_NAMES:
        return getattr(importlib.import_module(".engine", __name__), name)
    raise AttributeError(f"module 'optiviz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
