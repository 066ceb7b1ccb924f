"""The engine's number checks: one wording for every function that takes a number."""

import math

import numpy as np
import pytest

from optiviz.engine import checks
from optiviz.engine.networks.datasets import DatasetError


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, 0.5), (np.float32(0.25), 0.25), (np.int64(1), 1.0), ("0.75", 0.75), (1, 1.0)],
)
def test_number_takes_numbers_and_numeric_text(value, expected):
    assert checks.number("rate", value, 0, 1) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "rate must be a number, got True"),
        ("fast", "rate must be a number, got 'fast'"),
        (None, "rate must be a number, got None"),
        (math.nan, "rate must be a finite number between 0 and 1, got nan"),
        (math.inf, "rate must be a finite number between 0 and 1, got inf"),
        (1.5, "rate must be a number between 0 and 1, got 1.5"),
        (-0.1, "rate must be a number between 0 and 1, got -0.1"),
    ],
)
def test_number_refusals_say_what_is_allowed(value, message):
    with pytest.raises(ValueError) as err:
        checks.number("rate", value, 0, 1)
    assert str(err.value) == message


def test_open_ranges_are_worded_as_such():
    with pytest.raises(ValueError, match=r"^lr must be a number of at least 0, got -1$"):
        checks.number("lr", -1, 0)
    with pytest.raises(ValueError, match=r"^x must be a finite number, got inf$"):
        checks.number("x", math.inf)
    assert checks.number("x", -1e300) == -1e300


@pytest.mark.parametrize(("value", "expected"), [(3, 3), (3.0, 3), (np.int32(7), 7), ("12", 12)])
def test_whole_takes_whole_numbers(value, expected):
    got = checks.whole("epochs", value, 1, 100)
    assert got == expected and isinstance(got, int)


@pytest.mark.parametrize("value", [3.5, True, "many", math.inf, 0, 101])
def test_whole_refuses_the_rest(value):
    with pytest.raises(ValueError, match=r"^epochs must be a whole number"):
        checks.whole("epochs", value, 1, 100)


def test_error_class_and_strictness_are_the_callers():
    with pytest.raises(DatasetError, match="n must be a whole number, got '100'"):
        checks.whole("n", "100", error=DatasetError, text=False)
    with pytest.raises(DatasetError, match=r"between 0 and 0\.5"):
        checks.number("noise", 0.6, 0, 0.5, error=DatasetError)
