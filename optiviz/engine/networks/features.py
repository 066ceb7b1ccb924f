"""Input features computed from the two coordinates of 2D data (TensorFlow Playground's
set): a network given x₁² and x₂² separates the circles with no hidden layer at all.

Features are computed before the network, on the host, for the data and for the grid
the decision function is drawn on; a Keras model exported from such a network takes
the features as its input, and the scripts compute them first (never a Lambda layer,
so ``keras.saving.load_model`` opens the file in its safe mode).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .datasets import Dataset, DatasetError


class Feature(NamedTuple):
    display: str  # how a page names it
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
    code: str  # the same as NumPy code over x1 and x2, for the scripts


FEATURES: dict[str, Feature] = {
    "x1": Feature("x₁", lambda a, b: a, "x1"),
    "x2": Feature("x₂", lambda a, b: b, "x2"),
    "x1^2": Feature("x₁²", lambda a, b: a * a, "x1**2"),
    "x2^2": Feature("x₂²", lambda a, b: b * b, "x2**2"),
    "x1*x2": Feature("x₁x₂", lambda a, b: a * b, "x1 * x2"),
    "sin(x1)": Feature("sin x₁", lambda a, b: np.sin(a), "np.sin(x1)"),
    "sin(x2)": Feature("sin x₂", lambda a, b: np.sin(b), "np.sin(x2)"),
}
#: the plain coordinates: what a network reads without features
PLAIN = ("x1", "x2")


def check(names: Any) -> tuple[str, ...]:
    """The feature names as a tuple, or a ValueError saying what is allowed."""
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise ValueError(f"features must be a list of names from: {', '.join(FEATURES)}")
    picked = tuple(names)
    bad = [n for n in picked if n not in FEATURES]
    if bad:
        raise ValueError(f"unknown feature {bad[0]!r}; choose from: {', '.join(FEATURES)}")
    if not picked or len(set(picked)) != len(picked):
        raise ValueError("features must name at least one feature, each once")
    return picked


def apply(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The features ``names`` of 2D points ``X (n, 2)``, as ``float32 (n, len(names))``."""
    X = np.asarray(X, np.float64)
    cols = [FEATURES[n].fn(X[:, 0], X[:, 1]) for n in names]
    return np.stack(cols, axis=1).astype(np.float32) if cols else np.zeros((len(X), 0), np.float32)


def transform(ds: Dataset, names: Sequence[str]) -> Dataset:
    """``ds`` with its two coordinates replaced by the features (same split, same
    plotting box)."""
    if ds.n_features != 2:
        raise DatasetError(
            f"input features are computed from two coordinates; {ds.display} has "
            f"{ds.n_features} features"
        )
    out = {}
    for part in ("X_train", "X_val"):
        a = apply(getattr(ds, part), names)
        a.flags.writeable = False
        out[part] = a
    names_shown = tuple(FEATURES[n].display for n in names)
    return dataclasses.replace(ds, feature_names=names_shown, **out)


def code(names: Sequence[str]) -> list[str]:
    """A ``features(X)`` function for the scripts: the network's input from the data."""
    body = ", ".join(FEATURES[n].code for n in names)
    return [
        "",
        "",
        "def features(X):  # the network's input features, computed from x1 and x2",
        "    x1, x2 = X[:, 0], X[:, 1]",
        f"    return np.stack([{body}], axis=1)",
    ]
