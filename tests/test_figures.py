"""Figures: data in, Figure out. Sizes, frames, finite axes, colours, slide mode, exports."""

from __future__ import annotations

import base64
import json
import os

import numpy as np
import plotly.io as pio
import pytest

import optiviz
from optiviz.engine.fields import gradient_field
from optiviz.engine.outcomes import distance_to_minima, race_outcomes
from optiviz.figures import race as F
from optiviz.figures.colors import CVD, closest_pair
from optiviz.figures.equations import step_equations
from optiviz.figures.export import animated_gif, standalone_html, still_frames
from optiviz.figures.style import _plain_to_json, log_levels, log_ticks


@pytest.fixture(scope="module")
def race8():
    hp = {n: {"learning_rate": 0.05} for n in optiviz.OPTIMIZERS}
    return optiviz.race("two_wells", hp, steps=500)


@pytest.fixture(scope="module")
def grid(race8):
    return race8.surface.grid(60)


def values(v: object) -> np.ndarray:
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), v["dtype"])
    return np.asarray([np.nan if x is None else x for x in v], float)


def test_animation_budget_and_structure(race8, grid) -> None:
    fig = F.race_animation(grid, race8, quiver=gradient_field(race8.surface))
    spec = pio.to_json(fig, validate=False)
    assert len(spec) < 2_000_000
    d = fig.to_dict()
    assert 2 < len(d["frames"]) <= 120
    assert d["layout"]["sliders"][0]["active"] == len(d["frames"]) - 1  # opens on the whole race
    labels = [b["label"] for b in d["layout"]["updatemenus"][0]["buttons"]]
    assert labels[0].endswith("Play") and "Pause" in labels[-1] and "Slow" in labels
    assert json.loads(spec)["frames"] == json.loads(pio.to_json(d, validate=False))["frames"]
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert legend.count("GD") == 1 and "global minimum" in legend and "local minimum" in legend
    # every frame moves exactly the 2 traces (trail, head) of each run
    frames = fig.to_dict()["frames"]
    assert all(len(fr["data"]) == 2 * race8.n_runs for fr in frames)
    last = frames[-1]["data"][0]
    assert values(last["x"])[-1] == pytest.approx(race8.path[0, -1, 0])


def test_unchanged_runs_reuse_their_frames_and_frames_do_not_depend_on_the_cache(grid) -> None:
    """A student who moves one optimizer's slider changes one run: the other runs' frames
    are the very same dicts as before, and every frame equals one made from scratch."""
    hp = {n: {"learning_rate": 0.05} for n in ("sgd", "momentum", "adam")}
    first = F.race_animation(grid, optiviz.race("two_wells", hp, steps=200)).to_dict()["frames"]
    hp["adam"] = {"learning_rate": 0.05, "beta_1": 0.5}
    moved = optiviz.race("two_wells", hp, steps=200)
    again = F.race_animation(grid, moved).to_dict()["frames"]
    assert all(a["data"][0] is b["data"][0] for a, b in zip(first, again, strict=True))  # GD
    assert all(a["data"][4] is not b["data"][4] for a, b in zip(first, again, strict=True))
    F._FRAMES.clear()
    cold = F.race_animation(grid, moved).to_dict()["frames"]
    assert json.dumps(cold) == json.dumps(again)
    # the figure's JSON, joined from each run's kept text, is plotly's own text
    fig = F.race_animation(grid, moved)
    assert pio.to_json(fig.to_dict(), validate=False) == _plain_to_json(
        dict(fig.to_dict()), validate=False
    )
    # the cache stays bounded
    assert len(F._FRAMES) <= F.FRAME_CACHE_RUNS


def test_colours_are_fixed_per_optimizer(race8, grid) -> None:
    fig = F.race_animation(grid, race8)
    colors = {
        t.name: t.line.color
        for t in fig.data
        if getattr(t, "mode", None) == "lines" and t.name in race8.labels
    }
    assert colors["GD"] == optiviz.get_optimizer("sgd").color
    assert colors["Adam"] == optiviz.get_optimizer("adam").color


@pytest.mark.parametrize("vision", sorted(CVD))
def test_optimizer_colours_stay_apart_for_colour_blind_viewers(vision: str) -> None:
    colors = {o.display: o.color for o in optiviz.OPTIMIZERS.values()}
    distance, a, b = closest_pair(colors, vision)
    assert distance >= 12, f"{a} and {b} look alike under {vision} (ΔE {distance:.1f})"


def test_diverged_run_is_marked_and_axes_stay_finite(grid) -> None:
    r = optiviz.race("two_wells", {"sgd": {"learning_rate": 50.0}, "adam": {}}, steps=100)
    assert r.diverged_at[0] >= 0
    fig = F.race_animation(grid, r)
    assert "diverged at step" in fig.data[-4].name  # GD's trail (2 runs × 2 traces at the end)
    for frame in fig.to_dict()["frames"]:
        for tr in frame["data"]:
            assert np.isfinite(values(tr["x"])).all() and np.isfinite(values(tr["y"])).all()
    curves = F.progress_curves(r, distance_to_minima(r.path, r.surface.minima_array))
    for tr in curves.data:
        y = values(tr.y) if tr.y is not None else np.array([])
        assert np.isfinite(y).all()
    assert any(tr.text == ("diverged",) for tr in curves.data)
    assert race_outcomes(r)[0].reached == "diverged"


def test_log_colouring_labels_in_loss_units() -> None:
    z = np.array([[0.0, 1.0], [100.0, 10000.0]])
    levels, shift = log_levels(z, 0.0)
    ticks, text = log_ticks(levels, shift)
    assert np.isfinite(levels).all()
    assert ticks[-5:] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert text[-5:] == ["1", "10", "100", "1e+03", "1e+04"]


def test_slide_mode_is_16_9_with_big_type(race8, grid) -> None:
    fig = F.race_animation(grid, race8, slide=True)
    assert (fig.layout.width, fig.layout.height) == (1600, 900)
    assert fig.layout.font.size >= 20
    assert fig.layout.paper_bgcolor == "white"
    screen = F.race_animation(grid, race8, slide=False)
    assert fig.data[-2].line.width > screen.data[-2].line.width


def test_surface_3d_and_inspector(race8, grid) -> None:
    fig3 = F.surface_3d(grid, race8)
    assert fig3.data[0].type == "surface" and len(fig3.data) == 1 + race8.n_runs
    fig, scale = F.inspector_figure(grid, race8, 1, 5)  # Momentum: has a velocity arrow
    assert len(fig.layout.annotations) == 3 and scale > 0
    fig, _ = F.inspector_figure(grid, race8, 0, 5)  # GD: gradient and step only
    assert len(fig.layout.annotations) == 2


def test_step_equations_carry_the_numbers(race8) -> None:
    i, k = 5, 3  # Adam, step 3
    lines = step_equations(
        "adam",
        race8.hparams[i],
        k,
        race8.path[i, k],
        race8.grad[i, k],
        race8.m[i, k - 1],
        race8.s[i, k - 1],
        race8.m[i, k],
        race8.s[i, k],
        race8.update[i, k],
    )
    text = " ".join(lines)
    assert "t = 4" in text and r"\eta_t" in text
    assert f"{race8.path[i, k + 1][0]:.4g}" in text


def test_still_frames_drop_controls(race8, grid) -> None:
    fig = F.race_animation(grid, race8, frames=30)
    stills = still_frames(fig, max_frames=5)
    assert 2 <= len(stills) <= 7
    assert "updatemenus" not in stills[0]["layout"] and "sliders" not in stills[0]["layout"]
    assert "step 0" in stills[0]["layout"]["title"]["text"]
    html = standalone_html(fig)
    assert b"<html" in html and b'src="https://' not in html and len(html) > 1_000_000


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="needs Debian's chromium")
def test_gif_export(race8, grid) -> None:
    fig = F.race_animation(grid, race8, frames=20)
    seen = []
    gif = animated_gif(fig, width=480, height=300, max_frames=3, progress=seen.append)
    assert gif[:6] in (b"GIF87a", b"GIF89a")
    assert seen[-1] == pytest.approx(1.0)


def test_second_copy_of_an_optimizer_is_dashed(grid) -> None:
    r = optiviz.race(
        "two_wells", [("momentum", {"momentum": 0.5}), ("momentum", {"momentum": 0.9})], steps=50
    )
    fig = F.race_animation(grid, r)
    trails = [t for t in fig.data if t.name in r.labels and t.showlegend is not False]
    assert [t.line.dash for t in trails] == ["solid", "dash"]
    assert trails[0].line.color == trails[1].line.color
    curves = F.progress_curves(r, distance_to_minima(r.path, r.surface.minima_array))
    assert {t.line.dash for t in curves.data if t.mode == "lines"} == {"solid", "dash"}


def test_frozen_figure_is_encoded_once_and_encodes_the_same() -> None:
    """Streamlit calls ``plotly.io.to_json`` on every draw: a frozen figure drawn again
    gets the text it got before, the text plotly itself makes; other figures and
    options pass through."""
    import plotly.graph_objects as go

    from optiviz.figures import style

    plain = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2], name="<b>a/b</b>"))
    fig = style.frozen(go.Figure(plain))
    first = pio.to_json(fig, validate=False)
    second = pio.to_json(fig, validate=False)  # kept from the second draw on
    assert second == first and pio.to_json(fig, validate=False) is second
    assert json.loads(first) == json.loads(style._plain_to_json(plain, validate=False))
    assert "<b>" not in first  # plotly's escaping of the text is kept
    assert pio.to_json(plain) is not pio.to_json(plain)  # not frozen: made each time
    assert json.loads(pio.to_json(plain.to_dict())) == json.loads(first)  # a dict too
    # Streamlit hands plotly the figure's dict form: the same text, made once
    assert pio.to_json(fig.to_dict(), validate=False) is second
    # a dict form a caller changed is encoded as it is now
    changed = fig.to_dict()
    changed["layout"]["title"] = {"text": "new"}
    assert "new" in pio.to_json(changed, validate=False)
    dropped = fig.to_dict()
    dropped.pop("data")
    assert json.loads(pio.to_json(dropped, validate=False)).get("data") is None
    pretty = pio.to_json(fig, pretty=True)
    assert pretty != first and json.loads(pretty) == json.loads(first)
