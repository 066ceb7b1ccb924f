"""optiviz: see how neural networks learn.

The library works without the app::

    import optiviz
    r = optiviz.race("two_wells", {"sgd": {"learning_rate": 0.1}, "adam": {"learning_rate": 0.1}})
    r.path.shape  # (2, 301, 2)

``optiviz.engine`` holds the numerics (JAX), ``optiviz.figures`` turns results
into plotly figures, ``optiviz.ui`` holds the Streamlit pieces of the app.
"""

from .engine import (
    CLASSIC,
    OPTIMIZERS,
    SURFACE_NAMES,
    ExpressionError,
    RaceResult,
    Surface,
    get_optimizer,
    get_surface,
    parse_surface,
    race,
    run_batch,
)

__version__ = "0.1.0"

__all__ = [
    "CLASSIC",
    "OPTIMIZERS",
    "SURFACE_NAMES",
    "ExpressionError",
    "RaceResult",
    "Surface",
    "__version__",
    "get_optimizer",
    "get_surface",
    "parse_surface",
    "race",
    "run_batch",
]
