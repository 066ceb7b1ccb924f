"""Backpropagation by hand on a 2-2-1 network, checked against jax.grad of the same loss."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optiviz.engine.teaching.backprop import ACTIVATIONS, LIMIT, Net221, backprop, jax_gradients
from optiviz.figures.backprop import STAGE_TITLES, network_figure, num

COURSE = Net221.of([[0.15, 0.25], [0.20, 0.30]], [0.35, 0.35], [0.40, 0.45], 0.60)


def test_forward_numbers_by_hand() -> None:
    t = backprop([1.0, 0.5], 1.0, COURSE, eta=0.5, activation="sigmoid")
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    z1 = 0.15 * 1.0 + 0.20 * 0.5 + 0.35
    z2 = 0.25 * 1.0 + 0.30 * 0.5 + 0.35
    np.testing.assert_allclose(t.z_h, [z1, z2])
    np.testing.assert_allclose(t.h, [sig(z1), sig(z2)])
    zo = 0.40 * sig(z1) + 0.45 * sig(z2) + 0.60
    assert t.z_o == pytest.approx(zo) and t.o == pytest.approx(sig(zo))
    assert t.loss == pytest.approx(0.5 * (sig(zo) - 1.0) ** 2)
    # the course's formulas
    assert t.e_o == pytest.approx((t.o - 1.0) * t.o * (1 - t.o))
    np.testing.assert_allclose(t.e_h, t.e_o * COURSE.w_o * t.h * (1 - t.h))
    # one step downhill lowers the loss on this example
    assert t.new_loss < t.loss


@settings(max_examples=40, deadline=None)
@given(
    # float32 values: the JAX oracle computes in float32, where a float64 input as tiny as
    # 1e-194 is 0 and ReLU's slope there flips from 1 to 0
    values=st.lists(st.floats(-2, 2, allow_nan=False, width=32), min_size=12, max_size=12),
    activation=st.sampled_from(ACTIVATIONS),
    eta=st.floats(0, 2),
)
def test_gradients_equal_jax_grad(values: list[float], activation: str, eta: float) -> None:
    x, y, w = values[:2], values[2], values[3:]
    net = Net221.of(w[:4], w[4:6], w[6:8], w[8])
    t = backprop(x, y, net, eta=eta, activation=activation)
    g = jax_gradients(x, y, net, activation)
    scale = max(1.0, float(np.abs(t.dW_h).max()), abs(t.db_o))
    for ours, theirs in ((t.dW_h, g.W_h), (t.db_h, g.b_h), (t.dw_o, g.w_o), (t.db_o, g.b_o)):
        np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=2e-5 * scale)
    # and the step is w − η·grad
    np.testing.assert_allclose(t.new.W_h, net.W_h - eta * t.dW_h)
    np.testing.assert_allclose(t.new.w_o, net.w_o - eta * t.dw_o)
    assert t.new.b_o == pytest.approx(net.b_o - eta * t.db_o)


def test_eta_zero_and_huge_numbers_stay_finite() -> None:
    t = backprop([1.0, 0.5], 1.0, COURSE, eta=0.0)
    assert all(np.array_equal(a, b) for a, b in zip(t.new, COURSE, strict=True))
    assert t.new_loss == t.loss
    big = Net221.of([[LIMIT, -LIMIT], [LIMIT, LIMIT]], [LIMIT, -LIMIT], [LIMIT, LIMIT], LIMIT)
    for activation in ACTIVATIONS:
        t = backprop([LIMIT, -LIMIT], -LIMIT, big, eta=LIMIT, activation=activation)
        numbers = np.concatenate(
            [np.ravel(np.asarray(v, np.float64)) for v in t[5:16]]
            + [np.ravel(np.asarray(v)) for v in t.new]
            + [[t.new_loss]]
        )
        assert np.isfinite(numbers).all(), activation
        for stage in range(len(STAGE_TITLES)):
            network_figure(t, stage)  # no exception, no "nan" on the picture
        text = " ".join(a.text for a in network_figure(t, 7).layout.annotations)
        assert "nan" not in text.lower() and "inf" not in text.lower()


def test_out_of_bounds_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="within"):
        backprop([LIMIT * 2, 0.0], 0.0, COURSE)
    with pytest.raises(ValueError, match="η"):
        backprop([0.0, 0.0], 0.0, COURSE, eta=-1)
    with pytest.raises(ValueError, match="activation"):
        backprop([0.0, 0.0], 0.0, COURSE, activation="gelu")


def test_figure_shows_each_stage_numbers() -> None:
    t = backprop([1.0, 0.5], 1.0, COURSE, eta=0.5)

    def text(stage: int) -> str:
        return " ".join(a.text for a in network_figure(t, stage).layout.annotations)

    assert "Z =" not in text(0) and "w₁₁ = 0.15" in text(0)
    assert f"H = <b>{num(t.h[0])}</b>" in text(1) and "O =" not in text(1)
    assert f"O = <b>{num(t.o)}</b>" in text(2)
    assert num(t.loss) in text(3) and "E =" not in text(3)
    assert f"E = {num(t.e_o)}" in text(4) and f"E = {num(t.e_h[0])}" not in text(4)
    assert f"E = {num(t.e_h[0])}" in text(5)
    assert f"∂L/∂w₁₁ = {num(t.dW_h[0, 0])}" in text(6) and "→" not in text(6)
    assert f"→ {num(t.new.W_h[0, 0])}" in text(7) and num(t.new_loss) in text(7)
    assert network_figure(t, 99).layout.title.text == STAGE_TITLES[-1]  # clamped


def test_num_formats() -> None:
    assert num(-0.5) == "−0.5" and num(0) == "0" and num(float("inf")) == "overflow"
    assert num(1.234567e12) == "1.23e+12"
