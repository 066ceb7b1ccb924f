"""Datasets for the MLP pages: shapes, determinism, splits, and CSV uploads (numpy only)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optiviz.engine.networks.datasets import (
    DATASETS,
    DRAW_BOX,
    REGRESSION,
    Dataset,
    DatasetError,
    DatasetInfo,
    load_csv,
    make_dataset,
    points_dataset,
    split,
)

SYNTHETIC = ["xor", "moons", "circles", "spirals", "gaussians"]
ALL = [name for name in DATASETS if name not in REGRESSION]  # classification sets


def all_points(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([ds.X_train, ds.X_val]), np.concatenate([ds.y_train, ds.y_val])


def sorted_rows(X: np.ndarray) -> np.ndarray:
    return X[np.lexsort(X.T[::-1])]


# --------------------------------------------------------------------------- registry


def test_registry_order_and_entries():
    assert list(DATASETS) == [
        "xor",
        "moons",
        "circles",
        "spirals",
        "gaussians",
        "iris_setosa",
        "iris",
        "digits",
        "reg_plane",
        "reg_gaussians",
        "diabetes",
    ]
    assert REGRESSION == ("reg_plane", "reg_gaussians", "diabetes")
    for key, info in DATASETS.items():
        assert isinstance(info, DatasetInfo)
        assert info.name == key
        assert info.display and 20 < len(info.description) < 300
        lo, hi = info.n_range
        assert lo <= info.default_n <= hi
        nlo, nhi = info.noise_range
        assert nlo <= info.default_noise <= nhi
        assert info.has_n == (key in [*SYNTHETIC, "reg_plane", "reg_gaussians"]) == info.has_noise
        assert info.two_d == (key not in ("digits", "diabetes"))
    assert DATASETS["moons"].default_n == 1000
    assert DATASETS["moons"].default_noise == 0.15
    assert DATASETS["xor"].default_noise == 0.25
    assert DATASETS["circles"].default_noise == 0.1
    assert DATASETS["spirals"].default_noise == 0.2
    assert DATASETS["gaussians"].default_noise == 0.5


# --------------------------------------------------------------------------- every dataset


@pytest.mark.parametrize("name", ALL)
def test_shapes_dtypes_and_labels(name):
    ds = make_dataset(name)
    info = DATASETS[name]
    assert ds.name == name and ds.display == info.display
    assert ds.X_train.dtype == np.float32 and ds.X_val.dtype == np.float32
    assert ds.y_train.dtype == np.int32 and ds.y_val.dtype == np.int32
    assert ds.X_train.ndim == 2 and ds.X_val.shape[1] == ds.n_features
    assert ds.y_train.shape == (ds.n_train,) and ds.y_val.shape == (ds.n_val,)
    assert ds.n_train + ds.n_val == info.default_n
    assert ds.n_val == round(0.2 * info.default_n)
    assert ds.n_classes == info.n_classes == len(ds.class_names)
    assert len(ds.feature_names) == ds.n_features
    _, y = all_points(ds)
    assert set(np.unique(y)) == set(range(ds.n_classes))
    assert ds.task == ("binary" if ds.n_classes == 2 else "multiclass")
    assert ds.is_2d == info.two_d
    assert np.isfinite(ds.X_train).all()
    for a in (ds.X_train, ds.y_train, ds.X_val, ds.y_val):
        assert not a.flags.writeable


@pytest.mark.parametrize("name", ALL)
def test_domain_covers_points_with_margin(name):
    ds = make_dataset(name)
    if not ds.is_2d:
        assert ds.domain is None
        return
    X, _ = all_points(ds)
    for axis, (lo, hi) in enumerate(ds.domain):
        assert isinstance(lo, float) and isinstance(hi, float)
        xmin, xmax = float(X[:, axis].min()), float(X[:, axis].max())
        span = xmax - xmin
        assert lo < xmin and hi > xmax
        assert xmin - lo == pytest.approx(0.1 * span, rel=1e-3)
        assert hi - xmax == pytest.approx(0.1 * span, rel=1e-3)


@pytest.mark.parametrize("name", ALL)
def test_same_seed_same_data(name):
    a = make_dataset(name, seed=3)
    b = make_dataset(name, seed=3)
    for field in ("X_train", "y_train", "X_val", "y_val"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert a.domain == b.domain


@pytest.mark.parametrize("name", ALL)
def test_other_seed_other_data(name):
    a = make_dataset(name, seed=0)
    b = make_dataset(name, seed=1)
    assert not np.array_equal(a.X_train, b.X_train)


@pytest.mark.parametrize("name", SYNTHETIC)
def test_other_seed_other_points_not_only_split(name):
    a, b = make_dataset(name, seed=0), make_dataset(name, seed=1)
    assert not np.array_equal(sorted_rows(all_points(a)[0]), sorted_rows(all_points(b)[0]))


@pytest.mark.parametrize("name", SYNTHETIC)
@pytest.mark.parametrize("n", [20, 21, 333, 5000])
def test_synthetic_sizes_and_balance(name, n):
    ds = make_dataset(name, n=n)
    X, y = all_points(ds)
    assert X.shape == (n, 2)
    counts = np.bincount(y, minlength=2)
    assert abs(int(counts[0]) - int(counts[1])) <= 1


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_features_roughly_in_box(name):
    X, _ = all_points(make_dataset(name, n=2000))
    assert np.quantile(np.abs(X), 0.99) <= 3.0
    assert np.abs(X).max() < 4.5


@pytest.mark.parametrize("name", SYNTHETIC)
def test_noise_changes_points(name):
    lo, hi = DATASETS[name].noise_range
    a = all_points(make_dataset(name, noise=lo))[0]
    b = all_points(make_dataset(name, noise=hi))[0]
    assert not np.allclose(a, b)


def test_float_n_that_is_whole_is_accepted():
    assert make_dataset("moons", n=100.0).n_train == 80
    assert make_dataset("moons", n=np.int64(100)).n_train == 80


# --------------------------------------------------------------------------- geometry


def test_xor_labels_follow_quadrants():
    X, y = all_points(make_dataset("xor", noise=0.1))
    expected = (np.sign(X[:, 0]) * np.sign(X[:, 1]) < 0).astype(int)
    np.testing.assert_array_equal(y, expected)


def test_moons_lie_on_two_unit_arcs_without_noise():
    X, y = all_points(make_dataset("moons", noise=0.0))
    r0 = np.hypot(X[y == 0, 0] + 0.5, X[y == 0, 1] + 0.25)
    r1 = np.hypot(X[y == 1, 0] - 0.5, X[y == 1, 1] - 0.25)
    np.testing.assert_allclose(r0, 1.0, atol=1e-5)
    np.testing.assert_allclose(r1, 1.0, atol=1e-5)
    assert (X[y == 0, 1] >= -0.25 - 1e-6).all()  # upper arc
    assert (X[y == 1, 1] <= 0.25 + 1e-6).all()  # lower arc


def test_circles_disk_inside_ring_without_noise():
    X, y = all_points(make_dataset("circles", noise=0.0))
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 0].max() <= 1.0 + 1e-6
    assert r[y == 1].min() >= 1.6 - 1e-6


def test_spirals_arms_are_half_a_turn_apart():
    X, y = all_points(make_dataset("spirals", noise=0.0))
    # Rotating the plane by π maps each arm onto the other: -p of class 1 lies on arm 0.
    r = np.hypot(X[:, 0], X[:, 1])
    s = (r - 0.2) / 2.3
    theta = 3 * np.pi * s + np.pi * y
    np.testing.assert_allclose(X[:, 0], r * np.cos(theta), atol=1e-5)
    np.testing.assert_allclose(X[:, 1], r * np.sin(theta), atol=1e-5)


def _least_squares_accuracy(X: np.ndarray, y: np.ndarray) -> float:
    A = np.column_stack([X, np.ones(len(X))]).astype(np.float64)
    w, *_ = np.linalg.lstsq(A, 2.0 * y - 1.0, rcond=None)
    return float(np.mean((A @ w > 0) == (y == 1)))


@pytest.mark.parametrize("noise", [0.1, 0.2, 0.3])
def test_gaussians_linearly_separable_at_low_noise(noise):
    X, y = all_points(make_dataset("gaussians", noise=noise, n=1000))
    assert _least_squares_accuracy(X, y) > 0.95


def test_moons_are_not_linearly_separable():
    X, y = all_points(make_dataset("moons", noise=0.0))
    assert _least_squares_accuracy(X, y) < 0.95


# --------------------------------------------------------------------------- real data


def test_iris_setosa_matches_the_course():
    from sklearn.datasets import load_iris

    iris = load_iris()
    ds = make_dataset("iris_setosa")
    X, y = all_points(ds)
    assert X.shape == (150, 2) and int(y.sum()) == 50
    assert ds.class_names == ("not setosa", "setosa")
    assert ds.feature_names == ("petal length (cm)", "petal width (cm)")
    expected = np.column_stack([iris.data[:, (2, 3)], iris.target == 0]).astype(np.float32)
    got = np.column_stack([X, y]).astype(np.float32)
    np.testing.assert_array_equal(sorted_rows(got), sorted_rows(expected))
    assert 0 < ds.domain[0][0] < 1.0 and 6.9 < ds.domain[0][1] < 7.7


def test_iris_setosa_ignores_n_and_noise():
    a = make_dataset("iris_setosa", n=5, noise=9.0)
    b = make_dataset("iris_setosa")
    np.testing.assert_array_equal(a.X_train, b.X_train)


def test_iris_three_species():
    ds = make_dataset("iris", val_split=0.2)
    _, y = all_points(ds)
    np.testing.assert_array_equal(np.bincount(y), [50, 50, 50])
    assert ds.class_names == ("setosa", "versicolor", "virginica")
    np.testing.assert_array_equal(np.bincount(ds.y_val), [10, 10, 10])  # stratified


def test_digits_scaled_to_unit_interval():
    ds = make_dataset("digits")
    X, _ = all_points(ds)
    assert X.shape == (1797, 64) and ds.domain is None and not ds.is_2d
    assert X.min() == 0.0 and X.max() == 1.0
    assert ds.class_names == tuple("0123456789")
    assert ds.n_classes == 10 and ds.task == "multiclass"


@pytest.mark.parametrize("classes", [(5, 6, 7, 8, 9), (0, 1, 2, 3, 4), (9, 3)])
def test_digits_subset_is_relabelled_in_given_order(classes):
    from sklearn.datasets import load_digits

    full = load_digits()
    ds = make_dataset("digits", classes=classes)
    X, y = all_points(ds)
    assert ds.n_classes == len(classes)
    assert ds.class_names == tuple(str(c) for c in classes)
    np.testing.assert_array_equal(np.unique(y), np.arange(len(classes)))
    np.testing.assert_array_equal(np.bincount(y), np.bincount(full.target)[list(classes)])
    # Label i holds the images of digit classes[i]: compare the mean image.
    for i, c in enumerate(classes):
        np.testing.assert_allclose(
            X[y == i].mean(axis=0), full.data[full.target == c].mean(axis=0) / 16, atol=1e-5
        )
    assert set(ds.y_val) == set(range(len(classes)))


def test_classes_on_a_binary_set_can_swap_labels():
    a = make_dataset("moons")
    b = make_dataset("moons", classes=[1, 0])
    Xa, ya = all_points(a)
    Xb, yb = all_points(b)
    rows_a = sorted_rows(np.column_stack([Xa, ya]))
    rows_b = sorted_rows(np.column_stack([Xb, 1 - yb]))
    np.testing.assert_array_equal(rows_a, rows_b)
    assert b.class_names == ("class 1", "class 0")


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "mnist"}, "choose one of: xor, moons"),
        ({"name": "moons", "n": 19}, "between 20 and 5000"),
        ({"name": "moons", "n": 5001}, "between 20 and 5000"),
        ({"name": "moons", "n": 100.5}, "whole number"),
        ({"name": "moons", "n": "100"}, "whole number"),
        ({"name": "moons", "n": True}, "whole number"),
        ({"name": "moons", "noise": 0.51}, "between 0 and 0.5"),
        ({"name": "moons", "noise": -0.1}, "between 0 and 0.5"),
        ({"name": "moons", "noise": float("nan")}, "between 0 and 0.5"),
        ({"name": "gaussians", "noise": 0.0}, "between 0.05 and 1.5"),
        ({"name": "moons", "val_split": 0.95}, "between 0 and 0.9"),
        ({"name": "moons", "val_split": -0.1}, "between 0 and 0.9"),
        ({"name": "moons", "seed": -1}, "seed"),
        ({"name": "moons", "seed": 1.5}, "seed"),
        ({"name": "digits", "classes": (3, 10)}, "from 0 to 9"),
        ({"name": "digits", "classes": (3, 3)}, "repeat"),
        ({"name": "digits", "classes": (3,)}, "at least two"),
        ({"name": "digits", "classes": "35"}, "list of class numbers"),
        ({"name": "iris", "classes": (0, 3)}, "from 0 to 2"),
    ],
)
def test_make_dataset_rejects_bad_arguments(kwargs, message):
    kwargs = dict(kwargs)
    name = kwargs.pop("name")
    with pytest.raises(DatasetError, match=None) as err:
        make_dataset(name, **kwargs)
    assert message in str(err.value)
    assert isinstance(err.value, ValueError)


# --------------------------------------------------------------------------- split


@pytest.mark.parametrize("val_split", [0.0, 0.1, 0.2, 0.5, 0.9])
def test_split_is_disjoint_cover_and_sized(val_split):
    rng = np.random.default_rng(7)
    n = 301
    ids = np.arange(n, dtype=np.float64)
    X = np.column_stack([ids, rng.normal(size=n)])
    y = rng.integers(0, 3, size=n)
    X_tr, y_tr, X_va, y_va = split(X, y, val_split=val_split, seed=0)
    tr, va = X_tr[:, 0].astype(int), X_va[:, 0].astype(int)
    assert len(tr) + len(va) == n
    assert set(tr).isdisjoint(va)
    assert set(tr) | set(va) == set(range(n))
    assert len(va) == round(val_split * n)
    np.testing.assert_array_equal(y_tr, y[tr])  # labels travel with their rows
    np.testing.assert_array_equal(y_va, y[va])
    assert X_va.shape == (len(va), 2) and X_va.dtype == np.float32 and y_va.dtype == np.int32
    if val_split > 0:
        assert set(y_va) == set(y_tr) == {0, 1, 2}


def test_split_is_deterministic_and_shuffled():
    X = np.arange(200, dtype=float).reshape(100, 2)
    y = np.repeat([0, 1], 50)
    a = split(X, y, val_split=0.3, seed=4)
    b = split(X, y, val_split=0.3, seed=4)
    c = split(X, y, val_split=0.3, seed=5)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])
    assert not np.array_equal(np.sort(a[0][:, 0]), a[0][:, 0])  # not left in order
    assert list(np.bincount(a[3])) == [15, 15]


def test_split_keeps_small_classes_on_both_sides():
    y = np.array([0] * 50 + [1] * 2 + [2])
    X = np.arange(len(y) * 2, dtype=float).reshape(-1, 2)
    _, y_tr, _, y_va = split(X, y, val_split=0.1, seed=0)
    assert 1 in y_tr and 1 in y_va  # two members: one each side
    assert 2 in y_tr and 2 not in y_va  # a single member stays in training
    _, y_tr, _, y_va = split(X, y, val_split=0.01, seed=0)
    assert set(y_va) == {0, 1}


def test_split_without_validation():
    ds = make_dataset("moons", val_split=0.0, n=100)
    assert ds.n_train == 100 and ds.n_val == 0 and ds.X_val.shape == (0, 2)


def test_make_dataset_split_only_divides_the_same_points():
    whole = make_dataset("spirals", val_split=0.0, seed=9)
    parts = make_dataset("spirals", val_split=0.4, seed=9)
    np.testing.assert_array_equal(sorted_rows(whole.X_train), sorted_rows(all_points(parts)[0]))


def test_split_rejects_mismatched_shapes():
    with pytest.raises(DatasetError, match="same n"):
        split(np.zeros((5, 2)), np.zeros(4), val_split=0.2, seed=0)
    with pytest.raises(DatasetError, match="val_split"):
        split(np.zeros((5, 2)), np.zeros(5), val_split=1.0, seed=0)


# --------------------------------------------------------------------------- CSV


def csv_text(rows, header="x,y,label", sep=","):
    lines = [header.replace(",", sep)]
    lines += [sep.join(str(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


GOOD_ROWS = [(i * 0.5, (i % 5) - 2.0, i % 2) for i in range(20)]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_csv_delimiters(sep):
    ds = load_csv(csv_text(GOOD_ROWS, sep=sep))
    assert ds.name == "csv" and ds.display == "Your CSV"
    assert ds.feature_names == ("x", "y") and ds.class_names == ("0", "1")
    assert ds.n_train + ds.n_val == 20 and ds.n_val == 4
    X, y = all_points(ds)
    assert X.dtype == np.float32 and y.dtype == np.int32
    expected = np.array([[r[0], r[1], r[2]] for r in GOOD_ROWS], dtype=np.float32)
    np.testing.assert_array_equal(sorted_rows(np.column_stack([X, y])), sorted_rows(expected))
    (x0, x1), (y0, y1) = ds.domain
    assert x0 == pytest.approx(-0.95) and x1 == pytest.approx(10.45)
    assert y0 == pytest.approx(-2.4) and y1 == pytest.approx(2.4)


def test_csv_bytes_with_bom_and_crlf():
    text = csv_text(GOOD_ROWS).replace("\n", "\r\n")
    ds = load_csv(b"\xef\xbb\xbf" + text.encode())
    assert ds.feature_names == ("x", "y")
    assert load_csv("\ufeff" + text).feature_names == ("x", "y")


def test_csv_string_labels_and_whitespace():
    names = ["versicolor", "setosa", "virginica"]
    rows = [(f" {i} ", f" {i % 4}.5", f"  {names[i % 3]} ") for i in range(15)]
    ds = load_csv(csv_text(rows, header=" length , width , species "))
    assert ds.class_names == ("setosa", "versicolor", "virginica")
    assert ds.feature_names == ("length", "width")
    assert ds.n_classes == 3 and ds.task == "multiclass"
    X, y = all_points(ds)
    # Labels are the sorted names, so "setosa" (rows with i % 3 == 1) is label 0.
    setosa = np.array([i for i in range(15) if i % 3 == 1], dtype=np.float32)
    np.testing.assert_array_equal(np.sort(X[y == 0, 0]), setosa)


def test_csv_label_column_in_the_middle_named_class():
    rows = [(i, "ab"[i % 2], -i) for i in range(12)]
    ds = load_csv(csv_text(rows, header="a,Class,b"))
    assert ds.feature_names == ("a", "b")
    assert ds.class_names == ("a", "b")
    X, y = all_points(ds)
    np.testing.assert_array_equal(X[:, 1], -X[:, 0])
    np.testing.assert_array_equal(y, X[:, 0].astype(int) % 2)


@pytest.mark.parametrize("name", ["label", "TARGET", "y", "class"])
def test_csv_label_column_names(name):
    rows = [(i % 3, i, 2 * i) for i in range(12)]
    ds = load_csv(csv_text(rows, header=f"{name},f1,f2"))
    assert ds.feature_names == ("f1", "f2") and ds.n_classes == 3


@pytest.mark.parametrize(
    ("header", "features"),
    [
        ("x,y,label", ("x", "y")),  # "label" beats "y"
        ("x,y,colour", ("x", "y")),  # next to "x", "y" is a coordinate: last column
        ("Target,a,class", ("Target", "a")),  # "class" ranks above "target"
        ("a,y,b", ("a", "b")),  # no "x": "y" is the label
        ("a,b,c", ("a", "b")),  # no name matches: last column
    ],
)
def test_csv_label_column_choice(header, features):
    rows = [(i % 2, i % 2, i % 2) for i in range(12)]  # any column could be the label
    ds = load_csv(csv_text(rows, header=header))
    assert ds.feature_names == features


def test_csv_numeric_labels_sort_by_value():
    rows = [(i, i, [2, 10, -1][i % 3]) for i in range(12)]
    ds = load_csv(csv_text(rows))
    assert ds.class_names == ("-1", "2", "10")
    X, y = all_points(ds)
    np.testing.assert_array_equal(y, [[1, 2, 0][int(v) % 3] for v in X[:, 0]])


def test_csv_blank_lines_and_quotes_are_fine():
    text = 'x,y,label\n\n"1.5",2,"a"\n' + "".join(f"{i},{i},{'ab'[i % 2]}\n\n" for i in range(10))
    ds = load_csv(text)
    assert ds.n_train + ds.n_val == 11


def test_csv_split_arguments():
    ds = load_csv(csv_text(GOOD_ROWS), val_split=0.5, seed=3)
    assert ds.n_val == 10
    again = load_csv(csv_text(GOOD_ROWS), val_split=0.5, seed=3)
    np.testing.assert_array_equal(ds.X_train, again.X_train)


def _rows(n, k=2):
    return [(i, i % 7, i % k) for i in range(n)]


CSV_ERRORS = [
    pytest.param(b"", {}, "empty", id="empty-bytes"),
    pytest.param("", {}, "empty", id="empty-text"),
    pytest.param(" \n\t\n", {}, "empty", id="blank"),
    pytest.param(b"x" * 2_000_001, {"max_bytes": 1_000_000}, "limit is 1 MB", id="too-big"),
    pytest.param(csv_text(_rows(16)), {"max_rows": 15}, "more than 15 data rows", id="rows"),
    pytest.param(b"x,y,label\n\xff\xfe1,2,3\n", {}, "not valid UTF-8", id="not-utf8"),
    pytest.param("x;y\n" + "1;2\n" * 12, {}, "Found 2 columns", id="2-columns"),
    pytest.param("x\n" + "1\n" * 12, {}, "Found 1 column in", id="1-column"),
    pytest.param(csv_text(_rows(12), header="a,b,c,label"), {}, "Found 4 columns", id="4-cols"),
    pytest.param(
        csv_text([*_rows(3), (1, "abc", 0), *_rows(9)]),
        {},
        "Row 5, column 'y': 'abc' is not a number",
        id="non-numeric",
    ),
    pytest.param(
        csv_text([*_rows(11), ("x" * 40, 1, 0)]),
        {},
        "Row 13, column 'x': 'xxxxxxxxxxxxxxxxxxxx…' is not a number",
        id="long-value-truncated",
    ),
    pytest.param(
        "x;y;label\n" + "1,5;2;0\n" * 12, {}, "dot as the decimal separator", id="decimal-comma"
    ),
    pytest.param(csv_text([*_rows(5), (1, "nan", 0), *_rows(6)]), {}, "Row 7", id="nan"),
    pytest.param(csv_text([*_rows(5), ("NaN", 1, 0), *_rows(6)]), {}, "NaN", id="nan-msg"),
    pytest.param(csv_text([*_rows(5), (1, "-inf", 0), *_rows(6)]), {}, "infinity", id="inf"),
    pytest.param(csv_text([*_rows(5), (1, "1e39", 0), *_rows(6)]), {}, "too large", id="huge"),
    pytest.param(csv_text([*_rows(5), (1, "", 0), *_rows(6)]), {}, "the cell is empty", id="cell"),
    pytest.param(csv_text([*_rows(5), (1, 2, ""), *_rows(6)]), {}, "label is empty", id="label"),
    pytest.param(csv_text([*_rows(5), (1, 2, "NaN"), *_rows(6)]), {}, "not a usable", id="nan-y"),
    pytest.param(csv_text(_rows(12, k=1)), {}, "Only one class ('0')", id="one-class"),
    pytest.param(
        csv_text(_rows(30, k=11)), {"task": "classes"}, "Found 11 different labels", id="11-classes"
    ),
    pytest.param(csv_text(_rows(9)), {}, "only 9 data rows; at least 10", id="few-rows"),
    pytest.param(
        csv_text(_rows(3)) + "1,2\n" + "1,2,0\n" * 9,
        {},
        "Row 5 has 2 values",
        id="ragged",
    ),
    pytest.param(csv_text(_rows(12)) + "1,2,3,4\n", {}, "Row 14 has 4 values", id="ragged-long"),
    pytest.param(csv_text(_rows(12)), {"val_split": 1.0}, "val_split", id="val-split"),
    pytest.param(12345, {}, "Expected the file's bytes or text", id="wrong-type"),
]


@pytest.mark.parametrize(("data", "kwargs", "message"), CSV_ERRORS)
def test_csv_errors_name_the_cause(data, kwargs, message):
    with pytest.raises(DatasetError) as err:
        load_csv(data, **kwargs)
    assert message in str(err.value)
    assert "Traceback" not in str(err.value)


def test_csv_row_numbers_count_blank_lines():
    text = "x,y,label\n\n" + "1,2,0\n" * 3 + "\n1,oops,0\n"
    with pytest.raises(DatasetError, match="Row 7, column 'y'"):
        load_csv(text)


def test_csv_too_big_text_counts_utf8_bytes():
    with pytest.raises(DatasetError, match=r"limit is 0\.001 MB"):
        load_csv("é" * 600, max_bytes=1000)


# --------------------------------------------------------------------------- fuzzing

CELLS = st.one_of(
    st.integers(-5, 5).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "a", "b", "nan", "inf", "1e400", '"', "1,5", "\t", "label"]),
    st.text(max_size=5),
)
ROWS = st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=0, max_size=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_csv_random_input_gives_dataset_or_dataset_error(data):
    try:
        ds = load_csv(data)
    except DatasetError:
        return
    assert isinstance(ds, Dataset)


FEATURE = st.floats(-1e30, 1e30, allow_nan=False).map(lambda v: float(np.float32(v)))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(FEATURE, FEATURE, st.sampled_from(["a", "b", "c", "7"])),
        min_size=10,
        max_size=60,
    ),
    st.sampled_from([",", ";", "\t"]),
    st.floats(0.0, 0.9),
)
def test_csv_valid_tables_always_load_and_keep_every_point(rows, sep, val_split):
    labels = sorted({r[2] for r in rows})
    lines = [sep.join(["f1", "f2", "label"])] + [f"{a!r}{sep}{b!r}{sep}{c}" for a, b, c in rows]
    text = "\n".join(lines)
    if len(labels) < 2:
        with pytest.raises(DatasetError, match="Only one class"):
            load_csv(text, val_split=val_split)
        return
    ds = load_csv(text, val_split=val_split)
    assert ds.class_names == tuple(sorted(labels, key=lambda v: (v != "7", v)))
    X, y = all_points(ds)
    expected = np.array(
        [(a, b, ds.class_names.index(c)) for a, b, c in rows], dtype=np.float64
    ).astype(np.float32)
    np.testing.assert_array_equal(sorted_rows(np.column_stack([X, y])), sorted_rows(expected))
    (x0, x1), (y0, y1) = ds.domain
    assert x0 <= X[:, 0].min() and x1 >= X[:, 0].max()
    assert y0 <= X[:, 1].min() and y1 >= X[:, 1].max()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, st.sampled_from([",", ";", "\t"]), st.booleans())
def test_csv_random_tables_give_dataset_or_dataset_error(rows, sep, as_bytes):
    text = "\n".join(sep.join(r) for r in [["x", "y", "label"], *rows])
    data = text.encode("utf-8", errors="surrogatepass") if as_bytes else text
    try:
        ds = load_csv(data)
    except DatasetError:
        return
    assert isinstance(ds, Dataset)
    assert ds.n_train + ds.n_val >= 10
    assert np.isfinite(ds.X_train).all() and np.isfinite(ds.X_val).all()
    assert 2 <= ds.n_classes <= 10


# --------------------------------------------------------------------------- regression


def test_diabetes_is_a_standardised_regression_set():
    ds = make_dataset("diabetes", seed=3)
    assert ds.task == "regression" and ds.regression and ds.n_classes == 0
    assert ds.class_names == () and ds.target_name and len(ds.feature_names) == 10
    assert (ds.n_train, ds.n_val) == (354, 88) and not ds.is_2d and ds.domain is None
    for a in (ds.X_train, ds.y_train, ds.X_val, ds.y_val):
        assert a.dtype == np.float32 and not a.flags.writeable
    # standardised with the training part's statistics (as StandardScaler fit on it)
    assert np.allclose(ds.X_train.mean(0), 0, atol=1e-5) and np.allclose(ds.X_train.std(0), 1)
    assert abs(ds.y_train.mean()) < 1e-5 and abs(ds.y_train.std() - 1) < 1e-5
    assert abs(ds.y_val.mean()) > 1e-4  # the validation part is scaled, not refitted
    # every patient once, in either part: the targets are sklearn's, scaled and shifted
    from sklearn.datasets import load_diabetes

    raw = np.sort(load_diabetes(scaled=False).target)
    ours = np.sort(np.concatenate([ds.y_train, ds.y_val]).astype(np.float64))
    assert len(ours) == 442 and np.corrcoef(raw, ours)[0, 1] > 1 - 1e-9
    assert make_dataset("diabetes", seed=3).y_val.tobytes() == ds.y_val.tobytes()
    assert make_dataset("diabetes", seed=4).y_val.tobytes() != ds.y_val.tobytes()


def test_regression_split_is_a_plain_shuffle():
    X = np.arange(20, dtype=float).reshape(10, 2)
    y = np.linspace(0, 1, 10)
    _, yt, Xv, yv = split(X, y, val_split=0.3, seed=1, regression=True)
    assert Xv.shape == (3, 2)
    assert len(yv) == 3 and yt.dtype == np.float32
    assert sorted(np.concatenate([yt, yv]).round(6)) == sorted(y.astype(np.float32).round(6))


def test_diabetes_refuses_classes():
    with pytest.raises(DatasetError, match="classification sets"):
        make_dataset("diabetes", classes=(0, 1))


@pytest.mark.parametrize("name", ["reg_plane", "reg_gaussians"])
def test_2d_regression_sets_follow_their_recipe(name):
    """TensorFlow Playground's two regression sets, in our own recipes: without noise the
    target is the formula's value at each point, and the plane can be drawn."""
    ds = make_dataset(name, noise=0.0, n=300, seed=2)
    assert ds.task == "regression" and ds.is_2d and ds.domain is not None
    X, y = all_points(ds)
    assert y.dtype == np.float32 and np.abs(X).max() <= 3.0
    if name == "reg_plane":
        want = (X[:, 0] + X[:, 1]) / 3
    else:
        bump = lambda cx, cy: np.exp(-((X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2) / 1.28)  # noqa: E731
        want = bump(-1.5, -1.5) + bump(1.5, 1.5) - bump(-1.5, 1.5) - bump(1.5, -1.5)
    np.testing.assert_allclose(y, want, atol=1e-5)
    noisy = make_dataset(name, n=300, seed=2)
    assert 0 < np.std(all_points(noisy)[1] - want) < 0.2


# ------------------------------------------------------- a CSV with a numeric target
def test_csv_with_numbers_to_predict_is_a_regression_set():
    """Issue #26: a CSV whose label column holds numbers that are not class indices
    (fractions, or more than CSV_MAX_CLASSES values) is read as a regression target;
    ``task`` says it outright either way."""
    rows = [(i * 0.1, (i % 7) - 3.0, round(0.37 * i - 2.0, 3)) for i in range(40)]
    ds = load_csv(csv_text(rows, header="x,y,price"), val_split=0.25, seed=1)
    assert ds.task == "regression" and ds.n_classes == 0 and ds.class_names == ()
    assert ds.target_name == "price" and ds.y_train.dtype == np.float32
    got = sorted(np.concatenate([ds.y_train, ds.y_val]).tolist())
    np.testing.assert_allclose(got, sorted(r[2] for r in rows), rtol=1e-6)
    assert ds.n_val == 10
    whole = [(i, i % 5, i % 30) for i in range(60)]  # 30 whole numbers: values too
    assert load_csv(csv_text(whole)).task == "regression"
    assert load_csv(csv_text(whole[:20], header="x,y,label"), task="values").task == "regression"
    assert load_csv(csv_text(_rows(20, k=3))).task == "multiclass"  # 0, 1, 2: classes
    with pytest.raises(DatasetError, match="holds words"):
        load_csv(csv_text([(i, i, "ab"[i % 2]) for i in range(20)]), task="values")
    with pytest.raises(DatasetError, match="task must be"):
        load_csv(csv_text(_rows(20)), task="regression")


# ------------------------------------------------------------------- drawn points
def test_drawn_points_make_a_dataset_on_the_drawing_square():
    pts = [(-1, 1, 0), (-1, -1, 0), (-0.5, 0, 0), (1, 1, 1), (1, -1, 1), (0.5, 0, 1)]
    ds = points_dataset(pts, val_split=0.34, seed=2)
    assert ds.name == "drawn" and ds.n_classes == 2 and ds.domain == DRAW_BOX
    assert ds.n_train + ds.n_val == 6 and ds.n_val == 2
    both = np.concatenate([ds.X_train, ds.X_val])
    assert sorted(map(tuple, both.tolist())) == sorted((float(x), float(y)) for x, y, _ in pts)
    three = points_dataset([*pts, (0, 1.5, 2), (0, -1.5, 2)], val_split=0.0)
    assert three.n_classes == 3 and three.class_names == ("class 0", "class 1", "class 2")
    values = points_dataset([(x, y, x / 2) for x, y, _ in pts], regression=True)
    assert values.task == "regression" and values.y_train.dtype == np.float32


@pytest.mark.parametrize(
    ("points", "kwargs", "message"),
    [
        ([(0, 0, 0)] * 3, {}, "at least 4 points"),
        ([(0, 0, 0)] * 4, {}, "at least two classes"),
        ([(0, 0, 0), (1, 1, 1), (2.5, 0, 1), (0, 1, 0)], {}, "must lie in"),
        ([(0, 0, 0), (1, 1, 1), (0, 0.5, 3), (0, 1, 0)], {}, "classes are 0 to 2"),
        ([(0, 0, 0), (1, 1, 0.5), (0, 0.5, 1), (0, 1, 0)], {}, "classes are 0 to 2"),
        ([(0, 0, 0), (1, 1, 2), (0, 0.5, 1), (0, 1, 0)], {"regression": True}, "between -1"),
        ([(0, 0, 0), (1, float("nan"), 1), (0, 0.5, 1), (0, 1, 0)], {}, "finite"),
        ([(0, 0, c % 2) for c in range(1001)], {}, "At most 1000"),
    ],
)
def test_bad_drawings_say_what_to_draw(points, kwargs, message):
    with pytest.raises(DatasetError, match=message):
        points_dataset(points, **kwargs)
