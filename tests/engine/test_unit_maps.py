"""What every hidden unit computes over the plane (issue #26's network diagram), recorded
in the snapshot kernel: equal to a forward pass of the weights at that snapshot."""

from __future__ import annotations

import numpy as np
import pytest

import optiviz
from optiviz.engine.networks import mlp
from optiviz.engine.networks.activations import ACTIVATIONS
from optiviz.engine.networks.training import GRID, MAP, MAP_CELLS, MAP_UNITS


def _decoded(result, run, snap):
    codes = result.unit_maps[run, snap].astype(np.float64)  # (layers, cells, units)
    scale = result.unit_scale[run, snap][:, None, :]
    return (codes / 127.5 - 1.0) * scale


@pytest.mark.parametrize(
    ("hidden", "activation", "bn"), [((6, 3), "tanh", False), ((20, 5, 4), "relu", True)]
)
def test_unit_maps_are_the_units_activations_on_the_plane(hidden, activation, bn) -> None:
    ds = optiviz.make_dataset("moons", n=200, seed=0)
    r = optiviz.train(ds, hidden=hidden, activation=activation, batch_norm=bn, epochs=30,
                      optimizers={"adam": {}, "sgd": {}})  # fmt: skip
    assert r.unit_maps.shape == (2, len(r.map_snapshots), len(hidden), MAP * MAP, MAP_UNITS)
    # kept at up to 26 of the snapshots, evenly spread, the first and the final included
    keep = r.map_snapshots
    assert len(keep) == min(26, len(r.snapshot_epochs)) and keep[0] == 0
    assert keep[-1] == len(r.snapshot_epochs) - 1 and np.all(np.diff(keep) > 0)
    assert r.unit_maps.dtype == np.uint8
    xx, yy = np.meshgrid(r.grid_x, r.grid_y)
    cells = np.stack([xx.ravel(), yy.ravel()], axis=1)[MAP_CELLS]
    act = np.array([ACTIVATIONS[a].param_default or 0.0 for a in r.arch.activations])
    for run in range(2):
        _, _, _, acts = mlp.forward(r.arch, r.params[run], r.bn_state[run], cells, act_params=act)
        got = _decoded(r, run, -1)
        for layer, a in enumerate(acts):
            a = np.asarray(a)[:, :MAP_UNITS]
            n = a.shape[1]
            step = r.unit_scale[run, -1, layer, :n] / 127.5  # one code's width
            assert np.all(np.abs(got[layer, :, :n] - a) <= step * 0.51 + 1e-6)
            np.testing.assert_allclose(r.unit_scale[run, -1, layer, :n], np.abs(a).max(0),
                                       rtol=1e-5, atol=1e-7)  # fmt: skip
            assert np.all(got[layer, :, n:] == 0)  # units the layer does not have
        for layer, params in enumerate(r.params[run]):  # the links: the final kernels
            w = np.asarray(params["w"])[:MAP_UNITS, :MAP_UNITS]
            np.testing.assert_array_equal(
                r.link_weights[run, -1, layer][: w.shape[0], : w.shape[1]], w
            )


def test_the_maps_change_as_training_goes_and_cover_the_grid() -> None:
    ds = optiviz.make_dataset("circles", n=200, seed=0)
    r = optiviz.train(ds, hidden=(8,), epochs=100)
    first, last = _decoded(r, 0, 0), _decoded(r, 0, -1)
    assert not np.allclose(first, last)
    assert MAP_CELLS.max() < GRID * GRID and len(set(MAP_CELLS)) == MAP * MAP


def test_data_without_a_plane_records_no_maps() -> None:
    r = optiviz.train("digits", hidden=(8,), epochs=2)
    assert r.unit_maps is None and r.unit_scale is None and r.link_weights is None
