"""Small datasets to train little MLPs on: classification, and one regression set.

Two kinds of data live here:

* **Synthetic 2D sets** (``xor``, ``moons``, ``circles``, ``spirals``,
  ``gaussians``). Each is a recipe: pick ``n`` points, place them on a shape that
  depends on the class, then blur them with Gaussian noise of standard deviation
  ``noise``. With two input features a page can draw the decision boundary the
  network learns over the whole plane, which is the point of the playground.
  Classes get (almost) equal numbers of points, and the coordinates stay roughly
  inside ``[-3, 3]``, a range where default initializers and learning rates behave.
* **Real data bundled with scikit-learn** (``iris_setosa``, ``iris``, ``digits``).
  They are read from files installed with scikit-learn; nothing is downloaded.
  ``iris_setosa`` is the course's perceptron example: petal length and width, and
  the question "is this flower an *Iris setosa*?". ``diabetes`` is a regression set
  (a number to predict, not a class), the data the course's Wide & Deep model suits.

Students can also bring their own 2D data as a CSV file (:func:`load_csv`).

Every set is split into a training part (the network learns from it) and a
validation part (held out, to see whether what was learnt generalises). The split
is shuffled with ``seed`` and keeps the class proportions close in both parts
(:func:`split`). Everything is deterministic: the same arguments give the same
arrays, because all randomness comes from ``np.random.default_rng(seed)``.

Arrays follow what the training engine expects: features ``float32`` of shape
``(n, d)``, labels ``int32`` class indices ``0 .. n_classes - 1``; a regression set
has ``n_classes == 0`` and ``float32`` targets.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .. import checks

__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "load_csv",
    "make_dataset",
    "split",
]

Box = tuple[tuple[float, float], tuple[float, float]]

MAX_VAL_SPLIT = 0.9
CSV_MIN_ROWS = 10
#: the largest CSV file :func:`load_csv` accepts, in bytes and in data rows
CSV_MAX_BYTES = 5_000_000
#: the server's upload limit in whole MiB (Streamlit's ``server.maxUploadSize``, set by
#: the ``optiviz`` command and .streamlit/config.toml): the smallest above CSV_MAX_BYTES
CSV_UPLOAD_MIB = math.ceil(CSV_MAX_BYTES / 2**20)
CSV_MAX_ROWS = 20_000
CSV_MAX_CLASSES = 10
LABEL_COLUMN_NAMES = ("label", "class", "target", "y")


class DatasetError(ValueError):
    """A problem with a dataset request or a file, worded for a student to read."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A dataset, already split into training and validation parts.

    The arrays are read-only so that a cached dataset cannot be changed by accident.

    Attributes:
        name: registry key (``"moons"``) or ``"csv"`` for an uploaded file.
        display: human-readable title (``"Two moons"``).
        X_train, y_train: features ``float32 (n_train, d)`` and labels ``int32 (n_train,)``
            (targets ``float32`` for regression).
        X_val, y_val: the held-out part; zero rows when ``val_split == 0``.
        n_classes: number of classes; labels are ``0 .. n_classes - 1``. 0 for regression.
        feature_names: one name per column of ``X``.
        class_names: one name per label value, in label order.
        domain: ``((x_min, x_max), (y_min, y_max))``, a plotting box that holds every
            point (train and validation) with about 10% margin; ``None`` unless ``d == 2``.
        target_name: what a regression target measures (empty for classification).
    """

    name: str
    display: str
    X_train: np.ndarray = field(repr=False)
    y_train: np.ndarray = field(repr=False)
    X_val: np.ndarray = field(repr=False)
    y_val: np.ndarray = field(repr=False)
    n_classes: int
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    domain: Box | None
    target_name: str = ""

    @property
    def n_features(self) -> int:
        """Number of input features ``d`` (the width of the network's input layer)."""
        return int(self.X_train.shape[1])

    @property
    def n_train(self) -> int:
        """Number of training examples."""
        return int(self.X_train.shape[0])

    @property
    def n_val(self) -> int:
        """Number of validation examples (0 when there is no validation part)."""
        return int(self.X_val.shape[0])

    @property
    def is_2d(self) -> bool:
        """True when there are exactly two features, so the data can be drawn on a plane."""
        return self.n_features == 2

    @property
    def task(self) -> Literal["binary", "multiclass", "regression"]:
        """``"binary"`` (one sigmoid output), ``"multiclass"`` (softmax over classes) or
        ``"regression"`` (one linear output scored with mean squared error)."""
        if self.n_classes == 0:
            return "regression"
        return "binary" if self.n_classes == 2 else "multiclass"

    @property
    def regression(self) -> bool:
        """True when the target is a number rather than a class."""
        return self.n_classes == 0


@dataclass(frozen=True)
class DatasetInfo:
    """What the UI needs to offer a dataset: its title, a blurb and its slider ranges.

    ``n`` is the total number of points before the split, ``noise`` the standard
    deviation of the Gaussian blur (for ``gaussians``: the spread of each blob).
    When ``has_n`` / ``has_noise`` is False the dataset is fixed and
    :func:`make_dataset` ignores that argument.
    """

    name: str
    display: str
    description: str
    two_d: bool
    n_classes: int | None
    default_n: int
    n_range: tuple[int, int]
    default_noise: float
    noise_range: tuple[float, float]
    has_noise: bool
    has_n: bool


# --------------------------------------------------------------------------- generators
# Each synthetic generator takes (rng, n, noise) and returns X float64 (n, 2) and
# integer labels y (n,). Points are produced class by class; the split shuffles them.


def _class_sizes(n: int, k: int) -> list[int]:
    """Split ``n`` points into ``k`` classes as evenly as possible (sizes differ by <= 1)."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Four blobs centred on (±1, ±1); a blob is class 1 when its centre has sign(x)·sign(y) < 0.

    No single straight line separates the classes: this is the problem that a
    single perceptron cannot solve and one hidden layer can (Minsky & Papert, 1969).
    """
    centres = np.array([[1.0, 1.0], [-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0]])
    labels = np.array([0, 0, 1, 1])
    sizes = _class_sizes(n, 4)
    # Interleave the sizes so that the two classes get n//2 and n - n//2 points.
    which = np.repeat(np.array([0, 2, 1, 3]), sizes)
    X = centres[which] + noise * rng.standard_normal((n, 2))
    return X, labels[which]


def _moons(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles of radius 1.

    Class 0 is the upper arc (cos t, sin t) for t in [0, π]; class 1 is the same arc
    turned upside down and shifted by (1, -0.5), so each moon's tip pokes into the
    other's hollow. The pair is then centred on the origin.
    """
    n0, n1 = _class_sizes(n, 2)
    t0 = rng.uniform(0.0, math.pi, n0)
    t1 = rng.uniform(0.0, math.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([upper, lower]) - np.array([0.5, 0.25])
    X += noise * rng.standard_normal((n, 2))
    return X, np.repeat([0, 1], [n0, n1])


def _circles(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """A disk of radius 1 (class 0) inside a ring with radii 1.6 to 2.2 (class 1).

    The boundary is a circle, which a network must build out of several straight
    pieces (or a feature like x² + y²). Radii are drawn so that points are spread
    evenly over the area (r = sqrt of a uniform number for the disk).
    """
    n0, n1 = _class_sizes(n, 2)
    r0 = np.sqrt(rng.uniform(0.0, 1.0, n0))
    r1 = np.sqrt(rng.uniform(1.6**2, 2.2**2, n1))
    r = np.concatenate([r0, r1])
    angle = rng.uniform(0.0, 2.0 * math.pi, n)
    X = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    X += noise * rng.standard_normal((n, 2))
    return X, np.repeat([0, 1], [n0, n1])


def _spirals(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two spiral arms winding 1.5 turns around the origin, half a turn apart.

    Along an arm, s runs from 0 to 1: radius r = 0.2 + 2.3·s and angle θ = 3π·s
    (+ π for class 1). Near the centre the arms are close together, so a small
    network needs many epochs, or more neurons, to untangle them.
    """
    n0, n1 = _class_sizes(n, 2)
    s = rng.uniform(0.0, 1.0, n)
    label = np.repeat([0, 1], [n0, n1])
    r = 0.2 + 2.3 * s
    theta = 3.0 * math.pi * s + math.pi * label
    X = np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    X += noise * rng.standard_normal((n, 2))
    return X, label


def _gaussians(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two round Gaussian blobs centred on (-1, -1) (class 0) and (1, 1) (class 1).

    ``noise`` is each blob's standard deviation. The centres are 2√2 apart, so at
    small spreads a single straight line (one neuron, or logistic regression)
    separates the classes; as the spread grows the blobs overlap and no model can
    be perfect.
    """
    n0, n1 = _class_sizes(n, 2)
    label = np.repeat([0, 1], [n0, n1])
    centres = np.array([[-1.0, -1.0], [1.0, 1.0]])
    X = centres[label] + noise * rng.standard_normal((n, 2))
    return X, label


def _reg_plane(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """A tilted plane: points spread evenly over [-3, 3]², target (x₁ + x₂) / 3 plus
    Gaussian noise (so the target runs from about -2 to 2)."""
    X = rng.uniform(-3.0, 3.0, (n, 2))
    return X, (X[:, 0] + X[:, 1]) / 3.0 + rng.normal(0.0, noise, n)


_BUMPS = ((-1.5, -1.5, 1.0), (1.5, 1.5, 1.0), (-1.5, 1.5, -1.0), (1.5, -1.5, -1.0))


def _reg_gaussians(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian bumps (σ = 0.8) over [-3, 3]²: two hills (+1) on one diagonal, two
    hollows (-1) on the other; target their sum plus Gaussian noise."""
    X = rng.uniform(-3.0, 3.0, (n, 2))
    y = sum(
        s * np.exp(-((X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2) / (2 * 0.8**2))
        for cx, cy, s in _BUMPS
    )
    return X, y + rng.normal(0.0, noise, n)


_REGRESSION_GENERATORS = {"reg_plane": _reg_plane, "reg_gaussians": _reg_gaussians}

_GENERATORS: dict[
    str, Callable[[np.random.Generator, int, float], tuple[np.ndarray, np.ndarray]]
] = {
    "xor": _xor,
    "moons": _moons,
    "circles": _circles,
    "spirals": _spirals,
    "gaussians": _gaussians,
}

_N_RANGE = (20, 5000)
_IRIS_FEATURES = ("petal length (cm)", "petal width (cm)")


def _synthetic(
    name: str,
    display: str,
    description: str,
    default_n: int,
    noise: float,
    hi: float,
    lo: float = 0.0,
    n_classes: int = 2,
) -> DatasetInfo:
    return DatasetInfo(
        name=name,
        display=display,
        description=description,
        two_d=True,
        n_classes=n_classes,
        default_n=default_n,
        n_range=_N_RANGE,
        default_noise=noise,
        noise_range=(lo, hi),
        has_noise=True,
        has_n=True,
    )


def _fixed(
    name: str, display: str, description: str, two_d: bool, n_classes: int, n: int
) -> DatasetInfo:
    return DatasetInfo(
        name=name,
        display=display,
        description=description,
        two_d=two_d,
        n_classes=n_classes,
        default_n=n,
        n_range=(n, n),
        default_noise=0.0,
        noise_range=(0.0, 0.0),
        has_noise=False,
        has_n=False,
    )


DATASETS: dict[str, DatasetInfo] = {
    "xor": _synthetic(
        "xor",
        "XOR",
        "Four blobs at the corners of a square; opposite corners share a class. "
        "No single line separates them, so a lone perceptron fails and one hidden layer succeeds.",
        400,
        0.25,
        1.0,
    ),
    "moons": _synthetic(
        "moons",
        "Two moons",
        "Two crescents hooked into each other. The boundary has to bend, "
        "which takes a hidden layer with a few neurons.",
        1000,
        0.15,
        0.5,
    ),
    "circles": _synthetic(
        "circles",
        "Circles",
        "A disk surrounded by a ring. The network has to enclose the inner class, "
        "building a closed curve out of straight pieces.",
        600,
        0.1,
        0.5,
    ),
    "spirals": _synthetic(
        "spirals",
        "Two spirals",
        "Two arms winding around each other. A hard one for small networks: "
        "try more neurons, more layers and more epochs.",
        600,
        0.2,
        0.6,
    ),
    "gaussians": _synthetic(
        "gaussians",
        "Two blobs",
        "Two round clouds of points. With a small spread one straight line separates them; "
        "raise the spread and they overlap.",
        400,
        0.5,
        1.5,
        0.05,
    ),
    "iris_setosa": _fixed(
        "iris_setosa",
        "Iris: setosa or not",
        "Fisher's 150 iris flowers, described by petal length and width (cm). "
        "Is the flower an Iris setosa? The course's perceptron example; linearly separable.",
        True,
        2,
        150,
    ),
    "iris": _fixed(
        "iris",
        "Iris: three species",
        "The same 150 flowers and two petal measurements, now telling all three species apart. "
        "Versicolor and virginica overlap a little.",
        True,
        3,
        150,
    ),
    "digits": _fixed(
        "digits",
        "Handwritten digits (8×8)",
        "1,797 tiny grey-scale images of handwritten digits, 64 pixels each, scaled to [0, 1]. "
        "Ten classes; too many features to draw as a plane.",
        False,
        10,
        1797,
    ),
    "reg_plane": _synthetic(
        "reg_plane",
        "Plane (regression)",
        "A number to predict, not a class: the target rises evenly from one corner of the "
        "square to the other, (x₁ + x₂) / 3 plus noise. One linear unit fits it exactly.",
        400,
        0.1,
        1.0,
        n_classes=0,
    ),
    "reg_gaussians": _synthetic(
        "reg_gaussians",
        "Hills and hollows (regression)",
        "A number to predict: two hills (+1) and two hollows (-1) on the diagonals, plus "
        "noise. A linear model cannot follow it; a few hidden units can.",
        400,
        0.05,
        0.5,
        n_classes=0,
    ),
    "diabetes": _fixed(
        "diabetes",
        "Diabetes progression (regression)",
        "442 patients, 10 measurements each (age, sex, BMI, blood pressure, six blood serum "
        "values). The target is a number: how far the disease progressed a year later, "
        "standardised, so always guessing the mean scores a loss of about 1.",
        False,
        0,
        442,
    ),
}

#: the names of the regression sets (a number to predict) in :data:`DATASETS`
REGRESSION = tuple(name for name, info in DATASETS.items() if info.n_classes == 0)


# --------------------------------------------------------------------------- helpers


def _domain(X: np.ndarray, margin: float = 0.1) -> Box | None:
    """A plotting box around 2D points: each axis spans [min, max] widened by 10% per side."""
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0:
        return None
    lo = X.min(axis=0).astype(np.float64)
    hi = X.max(axis=0).astype(np.float64)
    box = []
    for a, b in zip(lo, hi, strict=True):
        span = b - a
        pad = margin * span if span > 0 else max(1.0, 0.1 * abs(a))
        box.append((float(a - pad), float(b + pad)))
    return (box[0], box[1])


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _allocate_val(counts: np.ndarray, val_split: float) -> np.ndarray:
    """How many examples of each class go to validation.

    The total is ``round(val_split · n)``, shared between the classes in proportion
    to their sizes (largest remainders get the leftover units). With ``val_split > 0``
    every class with at least two members keeps at least one example on each side;
    that rule wins over the exact total, which may then be off by a few.
    """
    n = int(counts.sum())
    if val_split <= 0 or n == 0:
        return np.zeros_like(counts)
    n_val = round(val_split * n)
    quota = counts * n_val / n
    alloc = np.floor(quota).astype(int)
    order = np.argsort(-(quota - alloc), kind="stable")
    alloc[order[: n_val - int(alloc.sum())]] += 1
    lo = np.where(counts >= 2, 1, 0)
    hi = np.where(counts >= 2, counts - 1, 0)
    alloc = np.clip(alloc, lo, hi)
    # Restore the total where the clipping allows it, touching the most over/under-served class.
    while alloc.sum() > n_val and np.any(alloc > lo):
        excess = np.where(alloc > lo, alloc - quota, -np.inf)
        alloc[int(np.argmax(excess))] -= 1
    while alloc.sum() < n_val and np.any(alloc < hi):
        deficit = np.where(alloc < hi, quota - alloc, -np.inf)
        alloc[int(np.argmax(deficit))] += 1
    return alloc


def split(
    X: np.ndarray, y: np.ndarray, *, val_split: float, seed: int, regression: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle ``(X, y)`` and cut it into a training and a validation part.

    The cut is *stratified*: each class is shuffled and split on its own, so both
    parts keep about the same class proportions as the whole set (and, when
    ``val_split > 0``, every class with two or more members shows up in both parts).
    About ``round(val_split · n)`` examples go to validation. The same ``seed``
    always gives the same split. A ``regression`` target (a number) is not
    stratified: the rows are shuffled and cut.

    Args:
        X: features, shape ``(n, d)``.
        y: integer labels (or numbers, with ``regression``), shape ``(n,)``.
        val_split: fraction held out for validation, in ``[0, 0.9]``.
        seed: seed for ``np.random.default_rng``.

    Returns:
        ``(X_train, y_train, X_val, y_val)`` as ``float32`` / ``int32`` arrays
        (``float32`` targets with ``regression``).
    """
    val_split = checks.number(
        "val_split", val_split, 0.0, MAX_VAL_SPLIT, error=DatasetError, text=False
    )
    seed = checks.whole("seed", seed, 0, error=DatasetError, text=False)
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise DatasetError(
            f"X must be (n, d) and y (n,) with the same n; got {X.shape} and {y.shape}."
        )
    rng = np.random.default_rng(seed)
    if regression:
        order = rng.permutation(len(y))
        n_val = round(val_split * len(y))
        val, train = order[:n_val], order[n_val:]
        f32 = np.float32
        return X[train].astype(f32), y[train].astype(f32), X[val].astype(f32), y[val].astype(f32)
    classes, inverse = np.unique(y, return_inverse=True)
    counts = np.bincount(inverse, minlength=len(classes))
    n_val = _allocate_val(counts, val_split)
    train_idx, val_idx = [], []
    for c, k in enumerate(n_val):
        members = rng.permutation(np.flatnonzero(inverse == c))
        val_idx.append(members[:k])
        train_idx.append(members[k:])
    none = np.empty(0, dtype=np.intp)
    train = rng.permutation(np.concatenate([none, *train_idx]))
    val = rng.permutation(np.concatenate([none, *val_idx]))
    return (
        X[train].astype(np.float32),
        y[train].astype(np.int32),
        X[val].astype(np.float32),
        y[val].astype(np.int32),
    )


def _build(
    name: str,
    display: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    n_classes: int,
    feature_names: tuple[str, ...],
    class_names: tuple[str, ...],
    val_split: float,
    seed: int,
    target_name: str = "",
    standardise: bool = False,
) -> Dataset:
    X = np.asarray(X, dtype=np.float64)
    regression = n_classes == 0
    X_train, y_train, X_val, y_val = split(
        X, y, val_split=val_split, seed=seed, regression=regression
    )
    if standardise:  # with the training part's statistics (StandardScaler)
        X_train, X_val = _standardise(X_train, X_val)
        y_train, y_val = (a[:, 0] for a in _standardise(y_train[:, None], y_val[:, None]))
    return Dataset(
        name=name,
        display=display,
        X_train=_readonly(X_train),
        y_train=_readonly(y_train),
        X_val=_readonly(X_val),
        y_val=_readonly(y_val),
        n_classes=n_classes,
        feature_names=feature_names,
        class_names=class_names,
        domain=_domain(X_train if standardise else X),
        target_name=target_name,
    )


def _standardise(train: np.ndarray, val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both parts scaled by the training part's per-column mean and standard deviation."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return ((train - mean) / std).astype(np.float32), ((val - mean) / std).astype(np.float32)


def _select_classes(
    X: np.ndarray, y: np.ndarray, class_names: tuple[str, ...], classes: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Keep only ``classes`` and relabel them 0..k-1 in the order given.

    ``classes=(5, 6, 7, 8, 9)`` on digits turns a 5 into label 0 and a 9 into label 4,
    which is how a transfer-learning demo trains a second network on the other digits.
    """
    k = len(class_names)
    if isinstance(classes, (str, bytes)) or not isinstance(classes, Sequence):
        raise DatasetError(f"classes must be a list of class numbers from 0 to {k - 1}.")
    picked = [
        checks.whole("each entry of classes", c, error=DatasetError, text=False) for c in classes
    ]
    bad = [c for c in picked if not 0 <= c < k]
    if bad:
        raise DatasetError(f"classes must be numbers from 0 to {k - 1}; got {bad[0]}.")
    if len(set(picked)) != len(picked):
        raise DatasetError(f"classes must not repeat a class; got {list(picked)}.")
    if len(picked) < 2:
        raise DatasetError("classes must name at least two classes to tell apart.")
    relabel = np.full(k, -1, dtype=np.int64)
    relabel[picked] = np.arange(len(picked))
    new_y = relabel[y]
    keep = new_y >= 0
    return X[keep], new_y[keep], tuple(class_names[c] for c in picked)


@functools.cache
def _iris() -> tuple[np.ndarray, np.ndarray]:
    """Petal length and width (cm) of Fisher's 150 irises, and species 0/1/2.

    Read from the copy bundled with scikit-learn (no download). Importing
    scikit-learn takes a few seconds, so it happens here, on first use, and once.
    """
    from sklearn.datasets import load_iris

    iris = load_iris()
    return _readonly(iris.data[:, (2, 3)].astype(np.float64)), _readonly(
        iris.target.astype(np.int64)
    )


@functools.cache
def _diabetes() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The 442 patients' ten baseline measurements in their original units, the disease
    progression a year later, and readable feature names (bundled with scikit-learn)."""
    from sklearn.datasets import load_diabetes

    d = load_diabetes(scaled=False)
    names = (
        "age", "sex", "body mass index", "blood pressure", "total cholesterol (s1)",
        "LDL (s2)", "HDL (s3)", "cholesterol / HDL (s4)", "triglycerides, log (s5)",
        "blood sugar (s6)",
    )  # fmt: skip
    return _readonly(d.data.astype(np.float64)), _readonly(d.target.astype(np.float64)), names


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8×8 digit images as rows of 64 pixels scaled to [0, 1], and their digits.

    The pixels are counts from 0 to 16 (each is a 4×4 block of a 32×32 bitmap), so
    dividing by 16 puts every feature in [0, 1]. Bundled with scikit-learn.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    return _readonly(digits.data / 16.0), _readonly(digits.target.astype(np.int64))


# --------------------------------------------------------------------------- public API


def make_dataset(
    name: str,
    *,
    n: int | None = None,
    noise: float | None = None,
    val_split: float = 0.2,
    seed: int = 0,
    classes: Sequence[int] | None = None,
) -> Dataset:
    """Build one of the registered datasets (see :data:`DATASETS`) and split it.

    Args:
        name: a key of :data:`DATASETS`, e.g. ``"moons"``.
        n: total number of points before the split (synthetic sets only; must lie in
            the entry's ``n_range``). ``None`` means the entry's ``default_n``.
        noise: standard deviation of the Gaussian blur (synthetic sets only; must lie in
            ``noise_range``). ``None`` means ``default_noise``.
        val_split: fraction held out for validation, in ``[0, 0.9]``.
        seed: makes the points and the split reproducible.
        classes: keep only these classes, relabelled ``0..k-1`` in the order given
            (e.g. digits ``(5, 6, 7, 8, 9)``).

    Raises:
        DatasetError: for an unknown name or an out-of-range argument; the message
            names what is allowed.
    """
    info = DATASETS.get(name) if isinstance(name, str) else None
    if info is None:
        raise DatasetError(f"Unknown dataset {name!r}; choose one of: {', '.join(DATASETS)}.")
    val_split = checks.number(
        "val_split", val_split, 0.0, MAX_VAL_SPLIT, error=DatasetError, text=False
    )
    seed = checks.whole("seed", seed, 0, error=DatasetError, text=False)

    n_, noise_ = _size_and_noise(info, n, noise)
    if info.n_classes == 0:
        if classes is not None:
            raise DatasetError(f"classes applies to classification sets, not to {name}.")
        return _regression_set(info, n_, noise_, val_split, seed)
    if name in _GENERATORS:
        X, y = _GENERATORS[name](np.random.default_rng(seed), n_, noise_)
        features: tuple[str, ...] = ("x1", "x2")
        class_names: tuple[str, ...] = ("class 0", "class 1")
    elif name in ("iris", "iris_setosa"):
        X, target = _iris()
        features = _IRIS_FEATURES
        if name == "iris_setosa":
            y = (target == 0).astype(np.int64)
            class_names = ("not setosa", "setosa")
        else:
            y = target
            class_names = ("setosa", "versicolor", "virginica")
    else:  # digits
        X, y = _digits()
        features = tuple(f"pixel ({r}, {c})" for r in range(8) for c in range(8))
        class_names = tuple(str(d) for d in range(10))

    if classes is not None:
        X, y, class_names = _select_classes(X, y, class_names, classes)
    return _build(
        name,
        info.display,
        X,
        y,
        n_classes=len(class_names),
        feature_names=features,
        class_names=class_names,
        val_split=val_split,
        seed=seed,
    )


def _size_and_noise(info: DatasetInfo, n: int | None, noise: float | None) -> tuple[int, float]:
    """The point count and noise a request asks for, checked against the set's ranges
    (fixed sets ignore both)."""
    n_, noise_ = info.default_n, info.default_noise
    if info.has_n:
        lo, hi = info.n_range
        n_ = info.default_n if n is None else checks.whole("n", n, error=DatasetError, text=False)
        if not lo <= n_ <= hi:
            raise DatasetError(f"n must be between {lo} and {hi} for {info.display}, got {n_}.")
    if info.has_noise:
        lo_f, hi_f = info.noise_range
        noise_ = (
            info.default_noise
            if noise is None
            else checks.number("noise", noise, lo_f, hi_f, error=DatasetError, text=False)
        )
    return n_, noise_


def _regression_set(info: DatasetInfo, n: int, noise: float, val_split: float, seed: int):
    """One of the regression sets: the 2D recipes, or the diabetes data (standardised)."""
    if info.name in _REGRESSION_GENERATORS:
        X, y = _REGRESSION_GENERATORS[info.name](np.random.default_rng(seed), n, noise)
        features, target, scaled = ("x1", "x2"), "target", False
    else:
        X, y, features = _diabetes()
        target, scaled = "disease progression (standardised)", True
    return _build(
        info.name, info.display, X, y, n_classes=0, feature_names=features, class_names=(),
        val_split=val_split, seed=seed, target_name=target, standardise=scaled,
    )  # fmt: skip


# --------------------------------------------------------------------------- CSV upload


def _short(text: str, limit: int = 20) -> str:
    """A cell value quoted for an error message, cut to ``limit`` characters."""
    text = text if len(text) <= limit else text[:limit] + "…"
    return repr(text)


def _decode(data: bytes | str, max_bytes: int) -> str:
    if isinstance(data, str):
        size = len(data.encode("utf-8", errors="surrogatepass"))
    elif isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        size = len(data)
    else:
        raise DatasetError(f"Expected the file's bytes or text, got {type(data).__name__}.")
    if size == 0:
        raise DatasetError("The file is empty.")
    if size > max_bytes:
        raise DatasetError(
            f"The file is too large ({size:,} bytes); the limit is {max_bytes / 1e6:g} MB. "
            "Upload a smaller sample of your data."
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise DatasetError(
                f"The file is not valid UTF-8 text (bad byte at position {err.start}). "
                "Save it as 'CSV UTF-8' and try again."
            ) from None
    data = data.removeprefix("\ufeff")
    if not data.strip():
        raise DatasetError("The file is empty (only blank space).")
    return data


def _pick_delimiter(lines: list[str]) -> str:
    """Find the delimiter: the one that splits the header into the most columns
    and gives the same number of fields on the next few rows.

    A tiny, predictable sniffer for the three usual delimiters; ``csv.Sniffer``
    guesses too freely on small files.
    """
    best, best_key = ",", (-1, -1)
    for delim in (",", ";", "\t"):
        rows = list(csv.reader(lines[:20], delimiter=delim))
        width = len(rows[0]) if rows else 0
        consistent = all(len(r) == width for r in rows)
        key = (int(consistent and width > 1), width if width > 1 else 0)
        if key > best_key:
            best, best_key = delim, key
    return best


def _label_column(header: list[str]) -> int:
    """Index of the label column: the best-ranked name in ``LABEL_COLUMN_NAMES``, else the last.

    ``y`` is the machine-learning name for a target, but next to a column called ``x``
    it is a coordinate (a file ``x, y, colour``), so then it does not count.
    """
    lowered = [h.strip().lower() for h in header]
    names = [n for n in LABEL_COLUMN_NAMES if n != "y" or "x" not in lowered]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return len(header) - 1


def _parse_label_values(labels: list[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Map label strings to 0..k-1 in sorted order; numbers sort by value, text by text."""
    try:
        values = [float(s) for s in labels]
        numeric = all(math.isfinite(v) for v in values)
    except ValueError:
        numeric = False
    if numeric:
        names: dict[float, str] = {}
        for s, v in zip(labels, values, strict=True):
            names.setdefault(v, str(int(v)) if v == int(v) else s)
        keys = sorted(names)
        index = {v: i for i, v in enumerate(keys)}
        y = np.array([index[v] for v in values], dtype=np.int32)
        return y, tuple(names[v] for v in keys)
    keys_s = sorted(set(labels))
    index_s = {s: i for i, s in enumerate(keys_s)}
    return np.array([index_s[s] for s in labels], dtype=np.int32), tuple(keys_s)


def _csv_rows(text: str, max_rows: int) -> tuple[list[str], list, list[str], int]:
    """The header, the feature pairs, the labels and the label column's index of CSV text,
    each row checked (its line number in the file named in any message)."""
    # Blank lines are skipped; each remaining line keeps its 1-based number in the file.
    numbered = [(i, line) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]
    lines = [line for _, line in numbered]
    try:
        rows = csv.reader(lines, delimiter=_pick_delimiter(lines))
        header = [h.strip() for h in next(rows)]
        ncol = len(header)
        if ncol != 3:
            what = "fewer" if ncol < 3 else "more"
            raise DatasetError(
                f"Found {ncol} column{'s' if ncol != 1 else ''} in the header, {what} than "
                "expected: the file needs exactly 3 columns (two numeric features and one label)."
            )
        header = [h or f"column {j + 1}" for j, h in enumerate(header)]
        label_col = _label_column(header)
        feats: list[tuple[float, float]] = []
        labels: list[str] = []
        for k, row in enumerate(rows, start=1):
            if k > max_rows:
                raise DatasetError(
                    f"The file has more than {max_rows:,} data rows; the limit is {max_rows:,}."
                )
            line_no = numbered[rows.line_num - 1][0]  # the row's line number in the file
            pair, label = _csv_row(row, line_no, header, label_col)
            feats.append(pair)
            labels.append(label)
    except csv.Error as err:
        raise DatasetError(f"Could not read the file as CSV: {err}.") from None
    return header, feats, labels, label_col


def _csv_row(row: list[str], line_no: int, header: list[str], label_col: int) -> tuple:
    """One data row's two features and its label, or a DatasetError naming the row."""
    ncol = len(header)
    if len(row) != ncol:
        raise DatasetError(
            f"Row {line_no} has {len(row)} value{'s' if len(row) != 1 else ''} "
            f"but the header has {ncol} columns."
        )
    cells = [c.strip() for c in row]
    pair = [_parse_feature(cells[j], line_no, header[j]) for j in range(3) if j != label_col]
    label = cells[label_col]
    label_name = _short(header[label_col], 30)
    if not label:
        raise DatasetError(f"Row {line_no}, column {label_name}: the label is empty.")
    if label.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise DatasetError(
            f"Row {line_no}, column {label_name}: {_short(label)} is not a "
            "usable label (missing value?)."
        )
    return (pair[0], pair[1]), label


def load_csv(
    data: bytes | str,
    *,
    val_split: float = 0.2,
    seed: int = 0,
    max_bytes: int = CSV_MAX_BYTES,
    max_rows: int = CSV_MAX_ROWS,
    task: str = "auto",
) -> Dataset:
    """Read a student's own 2D data from CSV text: classes, or numbers to predict.

    Expected layout: a header row, then one row per example with exactly three
    columns, two numeric features and one label. The label column is the one named
    ``label``, ``class``, ``target`` or ``y`` (any case, in that order of preference;
    ``y`` only when no column is called ``x``, since ``x, y, label`` means coordinates),
    otherwise the last one.
    Labels can be numbers or words; they are sorted and numbered ``0..k-1`` and the
    original values become ``class_names``. Commas, semicolons and tabs all work as
    delimiters, cells may have spaces around them, and a UTF-8 byte-order mark (as
    Excel writes it) is fine. Error messages number rows the way a spreadsheet or a
    text editor does: the header is row 1 and blank lines count.

    Args:
        data: the file's bytes (as uploaded) or its text.
        val_split: fraction held out for validation, in ``[0, 0.9]``.
        seed: seed of the shuffled, stratified split.
        max_bytes: largest accepted file size.
        max_rows: largest accepted number of data rows.
        task: ``"classes"``, ``"values"`` (a regression target: every label a number)
            or ``"auto"``: values when every label is a number and they are not all
            whole or there are more than :data:`CSV_MAX_CLASSES` of them, else classes.

    Returns:
        A :class:`Dataset` named ``"csv"``, its ``domain`` fitted to the points.

    Raises:
        DatasetError: with a message naming the row, the column or the limit at fault.
    """
    val_split = checks.number(
        "val_split", val_split, 0.0, MAX_VAL_SPLIT, error=DatasetError, text=False
    )
    seed = checks.whole("seed", seed, 0, error=DatasetError, text=False)
    header, feats, labels, label_col = _csv_rows(_decode(data, max_bytes), max_rows)
    label_name = _short(header[label_col], 30)
    feat_cols = [j for j in range(3) if j != label_col]
    if len(feats) < CSV_MIN_ROWS:
        raise DatasetError(
            f"The file has only {len(feats)} data row{'s' if len(feats) != 1 else ''}; "
            f"at least {CSV_MIN_ROWS} are needed to train and validate."
        )
    if task not in ("auto", "classes", "values"):
        raise DatasetError(f"task must be auto, classes or values, got {task!r}")
    values = _numbers(labels)
    if task == "values" or (task == "auto" and _looks_like_values(values)):
        if values is None:
            raise DatasetError(
                f"Label column {label_name} holds words: a regression target must be numbers."
            )
        return _build("csv", "Your CSV", np.array(feats, dtype=np.float64), values,
                      n_classes=0, feature_names=(header[feat_cols[0]], header[feat_cols[1]]),
                      class_names=(), val_split=val_split, seed=seed,
                      target_name=header[label_col].strip()[:30])  # fmt: skip
    y, class_names = _parse_label_values(labels)
    if len(class_names) < 2:
        raise DatasetError(
            f"Only one class ({_short(class_names[0])}) in label column {label_name}; "
            "a classifier needs at least two."
        )
    if len(class_names) > CSV_MAX_CLASSES:
        raise DatasetError(
            f"Found {len(class_names)} different labels in column {label_name}; at most "
            f"{CSV_MAX_CLASSES} classes are allowed. Is that really the label column?"
        )
    return _build(
        "csv",
        "Your CSV",
        np.array(feats, dtype=np.float64),
        y,
        n_classes=len(class_names),
        feature_names=(header[feat_cols[0]], header[feat_cols[1]]),
        class_names=class_names,
        val_split=val_split,
        seed=seed,
    )


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _numbers(labels: list[str]) -> np.ndarray | None:
    """The labels as finite float32 numbers, or None if any is not one."""
    try:
        values = np.array([float(s) for s in labels], dtype=np.float64)
    except ValueError:
        return None
    ok = np.isfinite(values).all() and np.abs(values).max(initial=0) <= _FLOAT32_MAX
    return values.astype(np.float32) if ok else None


def _looks_like_values(values: np.ndarray | None) -> bool:
    """Numbers that are not class indices: some not whole, or too many distinct."""
    if values is None:
        return False
    return bool(np.any(values != np.round(values)) or len(np.unique(values)) > CSV_MAX_CLASSES)


def _parse_feature(cell: str, line_no: int, column: str) -> float:
    """One feature cell as a float, or a DatasetError that says where and why."""
    where = f"Row {line_no}, column {_short(column, 30)}"
    if not cell:
        raise DatasetError(f"{where}: the cell is empty; every feature needs a number.")
    try:
        value = float(cell)
    except ValueError:
        hint = " Use a dot as the decimal separator." if "," in cell else ""
        raise DatasetError(f"{where}: {_short(cell)} is not a number.{hint}") from None
    if not math.isfinite(value):
        raise DatasetError(f"{where}: {_short(cell)} is not a finite number (NaN or infinity).")
    if abs(value) > _FLOAT32_MAX:
        raise DatasetError(f"{where}: {_short(cell)} is too large for 32-bit floats.")
    return value


# --------------------------------------------------------------------- drawn points
#: the square a student draws points in (TensorFlow Playground's plane, scaled to the
#: built-in sets' size), the grid a click snaps to, and the limits of a drawing
DRAW_BOX: Box = ((-2.0, 2.0), (-2.0, 2.0))
DRAW_STEP = 0.1
DRAW_MIN_POINTS = 4
DRAW_MAX_POINTS = 1000
DRAW_MAX_CLASSES = 3


def points_dataset(
    points: Sequence[Sequence[float]],
    *,
    regression: bool = False,
    val_split: float = 0.2,
    seed: int = 0,
) -> Dataset:
    """A dataset from points a student drew on the plane: ``(x1, x2, label)`` each, the
    label a class (0, 1 or 2) or, with ``regression``, a value in [-1, 1].

    The plane is the fixed square :data:`DRAW_BOX` (so the charts keep the canvas the
    points were drawn on); points outside it are an error, as are fewer than
    :data:`DRAW_MIN_POINTS` or more than :data:`DRAW_MAX_POINTS` points, a class
    other than 0 … DRAW_MAX_CLASSES − 1 and a drawing of a single class. The split is
    the same stratified, seeded one as every data set's.

    Raises:
        DatasetError: with a message that says what to draw.
    """
    rows = np.asarray(points, dtype=np.float64).reshape(-1, 3) if len(points) else np.zeros((0, 3))
    if len(rows) < DRAW_MIN_POINTS:
        raise DatasetError(
            f"Draw at least {DRAW_MIN_POINTS} points to train on "
            f"({len(rows)} so far): click on the canvas."
        )
    if len(rows) > DRAW_MAX_POINTS:
        raise DatasetError(f"At most {DRAW_MAX_POINTS} drawn points, got {len(rows)}.")
    if not np.isfinite(rows).all():
        raise DatasetError("A drawn point is not a finite number.")
    (x0, x1), (y0, y1) = DRAW_BOX
    inside = (rows[:, 0] >= x0) & (rows[:, 0] <= x1) & (rows[:, 1] >= y0) & (rows[:, 1] <= y1)
    if not inside.all():
        raise DatasetError(f"Drawn points must lie in [{x0:g}, {x1:g}] × [{y0:g}, {y1:g}].")
    labels = rows[:, 2]
    if regression:
        if np.abs(labels).max() > 1.0:
            raise DatasetError("A drawn point's value must lie between -1 and 1.")
        n_classes, names, y = 0, (), labels.astype(np.float32)
    else:
        if not np.all((labels == np.round(labels)) & (labels >= 0) & (labels < DRAW_MAX_CLASSES)):
            raise DatasetError(f"Drawn classes are 0 to {DRAW_MAX_CLASSES - 1}.")
        y = labels.astype(np.int32)
        n_classes = int(y.max()) + 1
        if len(np.unique(y)) < 2:
            raise DatasetError("Draw points of at least two classes: a classifier needs both.")
        names = tuple(f"class {c}" for c in range(n_classes))
    X_train, y_train, X_val, y_val = split(
        rows[:, :2], y, val_split=val_split, seed=seed, regression=regression
    )
    return Dataset(
        name="drawn",
        display="Your points",
        X_train=_readonly(X_train),
        y_train=_readonly(y_train),
        X_val=_readonly(X_val),
        y_val=_readonly(y_val),
        n_classes=n_classes,
        feature_names=("x1", "x2"),
        class_names=names,
        domain=DRAW_BOX,
        target_name="your value" if regression else "",
    )
