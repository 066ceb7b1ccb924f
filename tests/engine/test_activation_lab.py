"""The dying-ReLU experiment engine and the activation figures."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cvd import CVD, closest_pair

from optiviz.engine.networks import activation_lab as lab
from optiviz.engine.networks import training
from optiviz.engine.networks.activations import ACTIVATIONS, curves
from optiviz.figures import activations as figs


# --------------------------------------------------------------------------- engine
def test_learning_rate_grid_is_log_spaced_and_validated() -> None:
    g = lab.learning_rate_grid(1e-3, 1.0)
    assert g.shape == (lab.N_RATES,)
    assert g[0] == pytest.approx(1e-3) and g[-1] == pytest.approx(1.0)
    assert np.allclose(np.diff(np.log10(g)), 3 / (lab.N_RATES - 1))
    for low, high in ((1.0, 0.1), (0.1, 0.1), (0.0, 1.0), (-1.0, 1.0), (0.1, float("nan"))):
        with pytest.raises(ValueError, match="learning-rate range"):
            lab.learning_rate_grid(low, high)


def test_bad_requests_are_value_errors() -> None:
    with pytest.raises(ValueError, match="no dead units"):
        lab.dying_relu("sigmoid", [0.1])
    with pytest.raises(ValueError, match="negative_slope"):
        lab.dying_relu("leaky_relu", [0.1], param=2.0)
    with pytest.raises(ValueError, match="positive"):
        lab.dying_relu("relu", [0.1, -1.0])
    with pytest.raises(ValueError, match="unknown activation"):
        lab.dying_relu("relu6", [0.1])


def test_dead_share_weights_layers_by_units() -> None:
    dead = np.array([[1.0, 0.0]])
    assert lab.dead_share(dead, (30, 10))[0] == pytest.approx(0.75)


@pytest.fixture(scope="module")
def default_grid() -> dict[str, lab.DyingCurve]:
    lrs = lab.learning_rate_grid(*lab.DEFAULT_LR_RANGE)
    return {name: lab.dying_relu(name, lrs) for name in lab.DYING_ACTIVATIONS}


def test_relu_dies_at_large_learning_rates_and_leaky_relu_does_not(default_grid) -> None:
    relu, leaky, elu = (default_grid[n] for n in lab.DYING_ACTIVATIONS)
    for c in (relu, leaky, elu):
        assert c.dead.shape == (lab.N_RATES, lab.EPOCHS, len(lab.HIDDEN))
        assert c.accuracy.shape == (lab.N_RATES, lab.EPOCHS)
        assert np.all((c.dead >= 0) & (c.dead <= 1))
        assert np.all(np.isfinite(c.final_accuracy))
    top = slice(-3, None)  # the three largest learning rates
    assert relu.final_dead[top].max() > leaky.final_dead[top].max() + 0.15
    assert relu.final_dead[top].max() > elu.final_dead[top].max() + 0.15
    # ReLU: more dead units at a large rate than at the smallest
    assert relu.final_dead[top].max() > relu.final_dead[0] + 0.2
    assert leaky.param == ACTIVATIONS["leaky_relu"].param_default and relu.param is None


def test_no_recompilation_across_learning_rates_optimizers_seeds_or_slopes(default_grid) -> None:
    before = dict(training.TRACES)
    other = lab.learning_rate_grid(1e-2, 10.0)
    c = lab.dying_relu("relu", other, optimizer="sgd", seed=3)
    lab.dying_relu("leaky_relu", other, param=0.0, seed=1)
    assert dict(training.TRACES) == before
    assert np.allclose(c.learning_rates, other)


def test_slope_zero_leaky_relu_dies_like_relu(default_grid) -> None:
    relu, leaky = default_grid["relu"], default_grid["leaky_relu"]
    zero = lab.dying_relu("leaky_relu", relu.learning_rates, param=0.0)
    # same function (only f′(0) differs: 1 for leaky, 0 for ReLU), so small rates agree
    assert np.allclose(zero.dead[:4], relu.dead[:4], atol=1 / 16)
    assert zero.final_dead[-3:].max() > leaky.final_dead[-3:].max() + 0.15


# -------------------------------------------------------------------------- figures
def _spec(fig) -> dict:
    return json.loads(fig.to_json())


def _numbers(spec: dict) -> list[float]:
    out: list[float] = []
    for trace in spec["data"]:
        for k in ("x", "y"):
            v = trace.get(k)
            if isinstance(v, dict):  # plotly's typed-array encoding
                import base64

                v = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
            out.extend(float(a) for a in (v or []) if a is not None)
    return out


def _curve(name: str, param: float | None = None, zmax: float = 5.0) -> figs.Curve:
    z = np.linspace(-zmax, zmax, 401)
    f, df = curves(name, z, param)
    fam = ACTIVATIONS[name].family
    rule = {"saturating": "saturating", "relu": "zero"}.get(fam)
    return figs.Curve(name, ACTIVATIONS[name].display, z, f, df, rule)


def test_flat_intervals_match_the_definitions() -> None:
    sig = _curve("sigmoid")
    left, right = figs.flat_intervals(sig.z, sig.df, "saturating")
    # σ′(z) = σ(1 − σ) < 0.025  ⇔  |z| > ln((1 + √0.9) / (1 − √0.9)) ≈ 3.64
    edge = np.log((1 + np.sqrt(0.9)) / (1 - np.sqrt(0.9)))
    assert left[0] == -5 and left[1] == pytest.approx(-edge, abs=0.03)
    assert right[1] == 5 and right[0] == pytest.approx(edge, abs=0.03)
    relu = _curve("relu")
    ((a, b),) = figs.flat_intervals(relu.z, relu.df, "zero")
    assert a == -5 and b <= 0 and b == pytest.approx(0, abs=0.03)  # JAX: ReLU′(0) = 0
    leaky = _curve("leaky_relu", 0.2)
    assert figs.flat_intervals(leaky.z, leaky.df, "zero") == []
    assert figs.flat_intervals(leaky.z, leaky.df, None) == []
    flat0 = _curve("leaky_relu", 0.0)
    assert len(figs.flat_intervals(flat0.z, flat0.df, "zero")) == 1


@pytest.mark.parametrize("derivative", ["panel", "dashed"])
@pytest.mark.parametrize("slide", [False, True])
def test_curves_figure_has_every_trace_and_shading(derivative: str, slide: bool) -> None:
    names = list(ACTIVATIONS)
    fig = figs.activation_curves([_curve(n) for n in names], derivative=derivative, slide=slide)
    spec = _spec(fig)
    shown = [t["name"] for t in spec["data"]]
    for n in names:
        d = ACTIVATIONS[n].display
        assert d in shown and f"{d} f′" in shown
    dashed = [t for t in spec["data"] if t["name"].endswith("f′")]
    assert all(t["line"]["dash"] == "dash" for t in dashed)
    shapes = spec["layout"]["shapes"]
    labels = {s["name"] for s in shapes if s.get("showlegend")}
    assert "Sigmoid: |f′| < 10% of peak" in labels and "ReLU: f′ = 0" in labels
    assert not any(s["name"].startswith("Leaky") for s in shapes)  # slope 0.2 is never flat
    assert all(np.isfinite(_numbers(spec)))
    if slide:
        assert spec["layout"]["height"] == 460 and spec["layout"]["font"]["size"] == 20
    no_shade = _spec(figs.activation_curves([_curve("tanh")], shade=False))
    assert not no_shade["layout"].get("shapes")


def _line(name: str, dead_end: float, diverged_at: int = 0) -> figs.DyingLine:
    lrs = np.logspace(-3, 0, 8)
    dead = np.linspace(0, dead_end, 8)[:, None] * np.linspace(0, 1, 100)[None, :]
    acc = np.full((8, 100), 0.9)
    div = np.zeros(8, int)
    div[-1] = diverged_at
    return figs.DyingLine(name, ACTIVATIONS[name].display, lrs, dead, acc, np.full(8, 0.95), div)


def test_experiment_figures_show_each_activation_and_mark_divergence() -> None:
    lines = [_line("relu", 0.6, diverged_at=12), _line("leaky_relu", 0.1), _line("elu", 0.05)]
    spec = _spec(figs.dead_vs_learning_rate(lines, picked=0.1))
    names = [t["name"] for t in spec["data"]]
    assert names.count("ReLU") == 2 and names.count("Leaky ReLU") == 2 and "ELU" in names
    assert "ReLU: diverged" in names
    assert spec["layout"]["xaxis"]["type"] == "log"
    relu = next(t for t in spec["data"] if t["name"] == "ReLU")
    assert len(_numbers({"data": [{"x": relu["x"]}]})) == 7  # the diverged run is left out
    assert all(np.isfinite(_numbers(spec)))
    assert spec["layout"]["shapes"]  # the guide at the inspected rate
    ep = _spec(figs.dead_over_epochs(lines, 7))
    assert any(t["name"] == "ReLU: diverged at epoch 12" for t in ep["data"])
    relu_ep = next(t for t in ep["data"] if t["name"] == "ReLU")
    assert len(_numbers({"data": [{"x": relu_ep["x"]}]})) == 12
    assert "learning_rate = 1" in ep["layout"]["title"]["text"]
    assert all(np.isfinite(_numbers(ep)))


def test_activation_colours_stay_apart_for_colour_blind_viewers() -> None:
    trio = {n: figs.ACTIVATION_COLORS[n] for n in lab.DYING_ACTIVATIONS}
    assert set(figs.ACTIVATION_COLORS) == set(ACTIVATIONS)
    for vision in CVD:
        assert closest_pair(figs.ACTIVATION_COLORS, vision)[0] > 10, vision
        assert closest_pair(trio, vision)[0] > 15, vision
