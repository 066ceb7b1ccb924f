"""Figures: data in, Figure out. Sizes, frames, finite axes, colours, slide mode, exports."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys

import numpy as np
import plotly.io as pio
import pytest
from cvd import CVD, closest_pair
from PIL import Image

import optiviz
from optiviz.engine.optimizers import step_equations
from optiviz.engine.plane.fields import gradient_field
from optiviz.engine.plane.outcomes import distance_to_minima, race_outcomes
from optiviz.figures import race as F
from optiviz.figures.export import animated_gif, standalone_html, still_frames
from optiviz.figures.style import log_levels, log_ticks, optimizer_color, run_colors
from optiviz.ui import transport

# what the app does where it starts: figures travel through optiviz's encoder
transport.install()
_plain_to_json = transport._plain_to_json


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


def test_unchanged_runs_reuse_their_frames_and_frames_do_not_depend_on_the_cache(
    grid, monkeypatch
) -> None:
    """A student who moves one optimizer's slider changes one run: the other runs' frames
    are not made again, and every frame equals one made from scratch."""
    from optiviz.ui.cache import Memo

    made = []
    make = F._make_frames
    monkeypatch.setattr(F, "_make_frames", lambda *a: made.append(1) or make(*a))
    memo = (Memo(32), Memo(4))  # as the app keeps them (ui.cache.RACE_MEMO), smaller
    hp = {n: {"learning_rate": 0.05} for n in ("sgd", "momentum", "adam")}
    first = F.race_animation(grid, optiviz.race("two_wells", hp, steps=200), memo=memo)
    first = first.to_dict()["frames"]
    assert len(made) == 3
    hp["adam"] = {"learning_rate": 0.05, "beta_1": 0.5}
    moved = optiviz.race("two_wells", hp, steps=200)
    again = F.race_animation(grid, moved, memo=memo).to_dict()["frames"]
    assert len(made) == 4  # Adam's run only
    assert all(a["data"][:4] == b["data"][:4] for a, b in zip(first, again, strict=True))
    assert any(a["data"][4] != b["data"][4] for a, b in zip(first, again, strict=True))
    assert len(memo[1]) == 4 and len(memo[0]) == 1  # four runs' frames, one picture
    cold = F.race_animation(grid, moved).to_dict()["frames"]  # no memo: all made afresh
    assert len(made) == 7 and json.dumps(cold) == json.dumps(again)
    hp["sgd"] = {"learning_rate": 0.06}
    F.race_animation(grid, optiviz.race("two_wells", hp, steps=200), memo=memo)
    assert len(memo[1]) == 4  # the memo stays bounded: the least recently used run went
    # the figure's JSON, joined from each run's kept text, says what plotly's own text
    # says (in ASCII: "▶" is written "\u25b6")
    # (what Streamlit does on each draw: the figure's dict form, then its JSON)
    import plotly.tools

    fig = F.race_animation(grid, moved, memo=memo)
    drawn = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)
    assert "frames" not in drawn  # kept as text: not parsed to be drawn
    text = pio.to_json(drawn, validate=False)
    assert json.loads(text) == json.loads(_plain_to_json(dict(fig.to_dict()), validate=False))
    # ... and drawing it again keeps no second copy of the frames: the joined text is
    # made each time (a cached scene holds its frames' text once, however often drawn)
    again_text = pio.to_json(fig.to_dict(frames=False), validate=False)
    assert again_text == text == pio.to_json(fig, validate=False) and again_text.isascii()
    assert drawn.cell["json"] is None
    # a dict form with the frames parsed (exports) encodes to the same figure
    assert json.loads(pio.to_json(fig.to_dict(), validate=False)) == json.loads(text)


def _distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """Each point's distance to the polyline through ``line`` (brute force, for tests)."""
    p = np.asarray(points, np.float64)[:, None, :]
    a, b = np.asarray(line[:-1], np.float64), np.asarray(line[1:], np.float64)
    if len(line) == 1:
        return np.hypot(*(p[:, 0] - line[0]).T)
    ab = b - a
    length2 = np.maximum(np.sum(ab * ab, axis=1), 1e-300)
    t = np.clip(np.sum((p - a) * ab, axis=2) / length2, 0, 1)
    return np.min(np.linalg.norm(p - a - t[..., None] * ab, axis=2), axis=1)


def test_trails_keep_a_zigzag_visible() -> None:
    """GD with a large learning rate in a narrow valley jumps from one wall to the other on
    every step. Every drawn trail (the still figure and every animation frame) follows
    the path to within the tolerance, so the zigzag shows at the page's default of 300
    steps (trails thinned to every second step drew it as a smooth curve)."""
    r = optiviz.race(
        "elongated_bowl",
        {"sgd": {"learning_rate": 0.09}, "adam": {"learning_rate": 0.1}},
        steps=300,
    )
    y = r.path[0, :20, 1]
    assert np.all(np.sign(y[1:]) != np.sign(y[:-1]))  # the run does zigzag
    tol = F.trail_tolerance(r.surface)
    fig = F.race_animation(r.surface.grid(40), r)
    d = fig.to_dict()
    for i in range(2):
        trail = d["data"][-4 + 2 * i]
        drawn = np.stack([values(trail["x"]), values(trail["y"])], axis=1)
        assert _distance_to_polyline(r.path[i], drawn).max() <= tol * 1.01
        assert len(drawn) < len(r.path[i])  # and a smooth stretch needs few points
    zig = d["data"][-4]
    assert np.sum(np.diff(np.sign(values(zig["y"])[:15])) != 0) >= 10
    for frame in d["frames"]:
        step = int(frame["name"])
        for i in range(2):
            tr = frame["data"][2 * i]
            drawn = np.stack([values(tr["x"]), values(tr["y"])], axis=1)
            assert drawn[-1] == pytest.approx(r.path[i, step], abs=1e-6)
            assert _distance_to_polyline(r.path[i, : step + 1], drawn).max() <= 2 * tol


def test_race_surface_is_a_picture_that_survives_animation(race8, grid) -> None:
    """The surface under the race is a layout image (an animation without full redraws
    would take a contour trace off the page), coloured like the contour was: light at
    the minimum, darker uphill, with a colourbar and the loss in the hover."""
    d = F.race_animation(grid, race8).to_dict()
    assert all(t.get("type") == "scatter" for t in d["data"])
    (image,) = d["layout"]["images"]
    assert image["layer"] == "below" and image["sizing"] == "stretch"
    (x0, x1), (y0, y1) = race8.surface.domain
    assert (image["x"], image["y"], image["sizex"], image["sizey"]) == pytest.approx(
        (x0, y1, x1 - x0, y1 - y0)
    )
    png = base64.b64decode(image["source"].removeprefix("data:image/png;base64,"))
    picture = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), float)
    h, w, _ = picture.shape
    assert max(h, w) == F.SURFACE_PIXELS

    def pixel(x: float, y: float) -> np.ndarray:
        return picture[int((y1 - y) / (y1 - y0) * (h - 1)), int((x - x0) / (x1 - x0) * (w - 1))]

    best = next(m for m in race8.surface.minima if m.is_global)
    assert pixel(best.x, best.y).sum() > pixel(x0, y0).sum() + 60  # lighter in the well
    bars = [t for t in d["data"] if t.get("marker", {}).get("showscale")]
    title = bars[0]["marker"]["colorbar"]["title"]
    # on a screen the bar lies flat under the plot, its title on one line under it (a
    # phone's plot takes the chart's width); a slide keeps it upright beside the plot
    bar = bars[0]["marker"]["colorbar"]
    assert len(bars) == 1 and title == {"text": "loss", "side": "bottom"}
    assert (bar["orientation"], bar["yref"], bar["yanchor"]) == ("h", "container", "top")
    assert d["layout"]["legend"]["orientation"] == "h"
    clicks = next(t for t in d["data"] if t.get("name") == "click to set the start")
    assert "loss" in clicks["hovertemplate"] and len(clicks["customdata"]) == len(clicks["x"])
    assert d["layout"]["xaxis"]["zeroline"] is False  # no line drawn over the picture


@pytest.mark.parametrize("seed", range(6))
def test_kept_points_follow_any_path(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    kind = seed % 3
    if kind == 0:  # a random walk
        path = np.cumsum(rng.normal(size=(n, 2)), axis=0)
    elif kind == 1:  # a decaying zigzag along a line
        k = np.arange(n)
        path = np.stack([k / max(n, 1), (-0.8) ** k], axis=1)
    else:  # a smooth spiral with a few repeated points
        t = np.linspace(0, 6 * np.pi, n)
        path = np.stack([np.exp(-t / 8) * np.cos(t), np.exp(-t / 8) * np.sin(t)], axis=1)
        path[n // 2 :: 7] = path[n // 2 - 1 :: 7][: len(path[n // 2 :: 7])]
    tol = 0.01
    kept = F.kept_points(path, tol)
    assert kept[0] == 0 and kept[-1] == n - 1 and np.all(np.diff(kept) > 0)
    assert _distance_to_polyline(path, path[kept]).max() <= tol


def test_colours_are_fixed_per_optimizer(race8, grid) -> None:
    fig = F.race_animation(grid, race8)
    colors = {
        t.name: t.line.color
        for t in fig.data
        if getattr(t, "mode", None) == "lines" and t.name in race8.labels
    }
    assert colors["GD"] == optimizer_color("sgd")
    assert colors["Adam"] == optimizer_color("adam")


@pytest.mark.parametrize("vision", sorted(CVD))
def test_optimizer_colours_stay_apart_for_colour_blind_viewers(vision: str) -> None:
    colors = {o.display: optimizer_color(o.name) for o in optiviz.OPTIMIZERS.values()}
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
    from optiviz.figures.style import EXPORT_SIZE, export_config

    fig = F.race_animation(grid, race8, slide=True)
    # on the page: as wide as the page, low enough for a 1280x720 projector's fold
    assert fig.layout.width is None and fig.layout.height <= 520
    options = export_config("x", slide=True)["toImageButtonOptions"]
    assert (options["width"], options["height"]) == EXPORT_SIZE == (1600, 900)  # saved 16:9
    assert fig.layout.font.size >= 20
    assert fig.layout.xaxis.tickfont.size >= 20 and fig.layout.yaxis.tickfont.size >= 20
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


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="needs Debian's chromium")
def test_gif_of_a_race_renders_twice_and_draws_the_trails_itself(race8, grid, monkeypatch) -> None:
    """A race's GIF took ~20 s (a render per frame); its trails are now drawn over one
    background render (plus one to locate the axes), in the runs' colours, without the
    play controls."""
    import io

    import plotly.io as pio
    from PIL import Image

    calls = []
    real = pio.to_image

    def counting(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(pio, "to_image", counting)
    fig = F.race_animation(grid, race8, frames=30)
    gif = animated_gif(fig, width=640, height=400, max_frames=10)
    assert len(calls) == 2
    im = Image.open(io.BytesIO(gif))
    assert im.n_frames == len(still_frames(fig, 10))
    im.seek(im.n_frames - 1)
    last = np.asarray(im.convert("RGB")).astype(int)
    for color in run_colors(race8)[:3]:  # each run's trail is drawn in its colour
        rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(last - rgb).sum(axis=2) < 40).sum() > 30, color


def test_slide_figure_is_a_still_at_16_9_with_text_for_a_projector(race8, grid) -> None:
    from optiviz.figures.export import SLIDE_SIZE, slide_figure

    d = slide_figure(F.race_animation(grid, race8, frames=20))
    layout = d["layout"]
    assert "updatemenus" not in layout and "sliders" not in layout
    assert (layout["width"], layout["height"]) == SLIDE_SIZE == (1600, 900)
    # no empty band where the controls were: the bottom holds the axis, the flat colour
    # bar and the legend, at the slide's size (their places worked out again for it)
    from optiviz.figures.export import SLIDE_FONT
    from optiviz.figures.style import legend_margin

    names = [t["name"] for t in d["data"] if t.get("showlegend") is not False and t.get("name")]
    want = legend_margin(SLIDE_FONT, SLIDE_FONT, True, names, 1600, colorbar=True)
    assert layout["margin"]["b"] == want
    bar = next(t["marker"]["colorbar"] for t in d["data"] if t.get("marker", {}).get("showscale"))
    assert bar["y"] > layout["legend"]["y"] > 0
    axes = [k for k in layout if k.startswith(("xaxis", "yaxis"))]
    assert axes and all(layout[k]["tickfont"]["size"] >= 900 / 60 for k in axes)
    assert layout["font"]["size"] >= 900 / 60


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


def test_figures_leave_plotly_as_it_is_until_the_app_installs_its_transport() -> None:
    """Importing every figure module patches nothing; the app installs the transport."""
    code = (
        "import plotly.io as pio, plotly.tools as t\n"
        "before = (pio.to_json, t.return_figure_from_figure_or_data)\n"
        "import optiviz.figures.race, optiviz.figures.networks, optiviz.figures.export\n"
        "assert (pio.to_json, t.return_figure_from_figure_or_data) == before\n"
        "from optiviz.ui import transport\n"
        "transport.install()\n"
        "assert transport.installed() and pio.to_json is not before[0]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_frozen_figure_is_encoded_once_and_encodes_the_same() -> None:
    """Streamlit calls ``plotly.io.to_json`` on every draw: a frozen figure drawn again
    gets the text it got before, the text plotly itself makes; other figures and
    options pass through."""
    import plotly.graph_objects as go

    from optiviz.figures import style

    plain = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2], name="<b>a/b</b> −∇J ▶ 😀"))
    fig = style.frozen(go.Figure(plain))
    first = pio.to_json(fig, validate=False)
    second = pio.to_json(fig, validate=False)  # kept from the second draw on
    assert second == first and pio.to_json(fig, validate=False) is second
    assert json.loads(first) == json.loads(_plain_to_json(plain, validate=False))
    # written in ASCII (\u escapes): 1 byte a character, however many copies are made
    assert first.isascii() and "\\u2212\\u2207J \\u25b6 \\ud83d\\ude00" in first
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


@pytest.mark.parametrize("name", ["moons", "iris"])
def test_boundary_frames_send_one_byte_a_cell(name: str) -> None:
    """The playground's boundary animation sends each heatmap cell as one byte: P(class
    1) in whole percent for two classes (the hover says %), the predicted class for
    more; every frame equals the engine's snapshot it shows."""
    from optiviz.engine import make_dataset
    from optiviz.figures import networks as nf

    ds = make_dataset(name, seed=0)
    r = optiviz.train(
        ds, hidden=(4,), optimizers={"sgd": {"learning_rate": 0.3}, "adam": {}}, epochs=12
    )
    d = nf.boundary_animation(r, X=ds.X_train, y=ds.y_train, X_val=ds.X_val, y_val=ds.y_val)
    d = d.to_dict()
    heat = [t for t in d["data"] if t["type"] == "heatmap"]
    assert len(heat) == 2
    two = ds.n_classes == 2
    for t in heat:
        assert (t["zmin"], t["zmax"]) == ((0, 100) if two else (-0.5, 2.5))
        assert ("%{z} %" in t["hovertemplate"]) == two
    assert len(d["frames"]) == len(r.snapshot_epochs)
    for j, frame in enumerate(d["frames"]):
        for run, z in enumerate(frame["data"]):
            assert z["z"]["dtype"] == "u1"
            got = values(z["z"])
            out = r.boundary[run, j]
            want = np.rint(out[:, 0] * 100) if two else np.argmax(out, axis=-1)
            np.testing.assert_array_equal(got, want)
    frames = json.dumps(d["frames"])
    assert len(frames) < len(d["frames"]) * 2 * (4 * 40 * 40 // 3 + 200)  # ~1/4 of float32's


def test_animation_sliders_show_the_current_frame_not_thinned_tick_labels():
    """plotly labels every k-th frame from the first, so a 300-step race's last tick read
    "292": the tick labels are hidden and the current value names the frame."""
    from optiviz.figures.style import play_controls

    names = [str(k) for k in range(0, 301, 4)] + ["300"]
    slider = play_controls(names, "step ", 14)["sliders"][0]
    assert slider["font"]["color"] == "rgba(0,0,0,0)"
    assert slider["currentvalue"]["font"]["color"] == "#444444"
    assert slider["steps"][-1]["label"] == "300" and slider["active"] == len(names) - 1


def test_gradient_heatmaps_name_the_layers_once_per_row() -> None:
    """The second panel's layer names were drawn over the first panel's map."""
    from optiviz.figures.networks import grad_norm_heatmaps

    r = optiviz.train("moons", hidden=(8, 8), epochs=10, optimizers=["sgd", "adam"])
    layout = grad_norm_heatmaps(r).to_dict()["layout"]
    assert layout["yaxis2"].get("matches") == "y" or layout["yaxis2"].get("showticklabels") is False


def test_boundary_panels_tick_the_plane_once_per_row() -> None:
    from optiviz.figures.networks import boundary_animation

    r = optiviz.train("moons", hidden=(8,), epochs=10, optimizers=["sgd", "adam"])
    ds = optiviz.make_dataset("moons")
    layout = boundary_animation(r, X=ds.X_train, y=ds.y_train).to_dict()["layout"]
    assert layout["yaxis"].get("showticklabels", True) is True
    assert layout["yaxis2"]["showticklabels"] is False


def test_a_legend_under_the_plot_gets_room_below_the_axis_title_at_every_size() -> None:
    """legend_below anchors the legend to the figure's bottom edge and makes the bottom
    margin hold the axis's ticks, its title and the legend's rows, in pixels: a legend at
    a fraction of the plot's height sat on the "epoch" title in slide mode. The slide
    image (1600×900, its own fonts) works the margin out again for its sizes."""
    from optiviz.figures import schedules as sf
    from optiviz.figures.export import SLIDE_FONT, SLIDE_SIZE, slide_figure
    from optiviz.figures.style import legend_margin

    names = {f"s{i}": f"Schedule number {i}" for i in range(6)}
    curves = {k: 0.1 * np.exp(-0.02 * i * np.arange(50)) for i, k in enumerate(names)}
    for slide in (False, True):
        fig = sf.lr_curves(curves, labels=names, slide=slide)
        legend, bottom = fig.layout.legend, fig.layout.margin.b
        # a slide's legend sits on the figure's bottom edge; a screen's right under the
        # axis (its rows counted at a phone's width: on a wide screen room is left under it)
        assert (legend.yref, legend.yanchor, legend.orientation) == (
            "container", "bottom" if slide else "top", "h",
        )  # fmt: skip
        assert legend.y == 0 if slide else 0 < legend.y * fig.layout.height < bottom
        font = fig.layout.font.size
        rows = 2  # six long names do not fit one row at either width
        assert bottom >= 1.5 * font * 2 + 10 + rows * 1.5 * legend.font.size, (slide, bottom)
    still = slide_figure(fig)
    want = legend_margin(SLIDE_FONT, SLIDE_FONT, True, list(names.values()), SLIDE_SIZE[0])
    assert still["layout"]["margin"]["b"] == want
    # more entries wrap into more rows, and the margin grows with them
    assert legend_margin(20, 20, True, ["a long legend entry"] * 12, 800) > want


def test_weight_heatmaps_show_every_kernel_on_one_scale() -> None:
    from optiviz.figures.networks import weight_heatmaps

    rng = np.random.default_rng(0)
    params = (
        {"w": rng.normal(size=(2, 5)), "b": np.zeros(5)},
        {"w": 3 * rng.normal(size=(5, 4)), "b": np.zeros(4)},
        {"w": rng.normal(size=(4, 1)), "b": np.zeros(1)},
    )
    fig = weight_heatmaps(params)
    maps = [t for t in fig.data if t.type == "heatmap"]
    assert [np.shape(t.z) for t in maps] == [(2, 5), (5, 4), (4, 1)]
    top = max(np.abs(p["w"]).max() for p in params)
    assert all(t.zmin == -top and t.zmax == top and t.zmid == 0 for t in maps)
    assert [t.showscale for t in maps] == [True, False, False]  # one colour bar for all
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [
        "dense 1 — kernel (2, 5)",
        "dense 2 — kernel (5, 4)",
        "output — kernel (4, 1)",
    ]
    assert "from input" in maps[0].hovertemplate and "from unit" in maps[1].hovertemplate
    # the Model tab's caption says "blue weights are positive, red negative"
    low, high = (c for _, c in (maps[0].colorscale[0], maps[0].colorscale[-1]))
    rgb = lambda c: [int(v) for v in c[c.index("(") + 1 : -1].split(",")]  # noqa: E731
    assert rgb(low)[0] > rgb(low)[2] and rgb(high)[2] > rgb(high)[0]
    assert fig.layout.xaxis.dtick == 1 and fig.layout.yaxis.dtick == 1  # whole unit numbers


def test_a_regression_network_draws_its_predicted_values() -> None:
    """The playground's plane for a regression set: the heatmap is the predicted value
    (float, not a class), on a diverging scale centred at 0 shared with the data's dots,
    so the caption's "blue above 0, red below, white at 0" holds."""
    import optiviz
    from optiviz.figures import networks as nf

    ds = optiviz.make_dataset("reg_plane", n=200, seed=0)
    result = optiviz.train(ds, hidden=(4,), epochs=20, optimizers={"adam": {}, "sgd": {}})
    fig = nf.boundary_animation(result, X=ds.X_train, y=ds.y_train, X_val=ds.X_val,
                                y_val=ds.y_val).to_plotly_json()  # fmt: skip
    heat = [t for t in fig["data"] if t["type"] == "heatmap"]
    scale = heat[0]["colorscale"]  # plotly's RdBu: dark red at the low end, dark blue high
    assert len(heat) == 2 and scale[0][1] == "rgb(103,0,31)" and scale[-1][1] == "rgb(5,48,97)"
    assert heat[0]["zmax"] == -heat[0]["zmin"] > 1.5  # the targets reach about ±2
    dots = [t for t in fig["data"] if t["type"] == "scatter"]
    assert dots[0]["marker"]["cmin"] == heat[0]["zmin"]
    assert dots[0]["marker"]["colorscale"] == scale
    last = fig["frames"][-1]["data"][0]["z"]
    assert last["dtype"] == "f4"  # the value itself, not a class index
    z = np.frombuffer(__import__("base64").b64decode(last["bdata"]), np.float32)
    np.testing.assert_allclose(z, result.boundary[0, -1, :, 0], atol=1e-6)
    # blue (RdBu's high end) where the network predicts above 0: the plane rises to x1 + x2 > 0
    gx, gy = np.meshgrid(result.grid_x, result.grid_y)
    corner = (gx + gy).ravel()
    assert z[corner > 4].mean() > 0 > z[corner < -4].mean()


def test_the_network_diagram_is_the_recorded_network() -> None:
    """The diagram's claims hold for its data: a link is blue exactly when its weight is
    positive (thicker for a larger |w|), every hidden map is the recorded unit map of
    that snapshot, and the default scene's figure stays light to send."""
    import json

    import optiviz
    from optiviz.engine.networks import features as F
    from optiviz.figures import diagram as D

    ds = optiviz.make_dataset("moons", n=200, seed=0)
    r = optiviz.train(ds, hidden=(16, 16), epochs=200, optimizers={"sgd": {}, "adam": {}})
    xx, yy = np.meshgrid(r.grid_x[::2], r.grid_y[::2])
    maps = F.apply(np.stack([xx.ravel(), yy.ravel()], 1), F.PLAIN).reshape(20, 20, 2)
    fig = D.network_diagram(r, 1, input_maps=maps)
    spec = fig.to_plotly_json()
    lines = [t for t in spec["data"] if t.get("mode") == "lines"]
    maps = [t for t in spec["data"] if t["type"] == "heatmap"]
    # every unit map on plotly's RdBu, low (negative) red, high (positive) blue
    assert all(m["colorscale"][0][1] == "rgb(103,0,31)" for m in maps[:-1])
    assert all(m["colorscale"][-1][1] == "rgb(5,48,97)" for m in maps[:-1])
    assert [t["line"]["color"] for t in lines] == [D.POSITIVE] * 3 + [D.NEGATIVE] * 3
    assert [t["line"]["width"] for t in lines] == [*D.WIDTHS, *D.WIDTHS]
    w = r.link_weights[1, -1]
    drawn = [w[0][:2, :16], w[1][:16, :16], w[2][:16, :1]]
    positive = sum(int((m > 0).sum()) for m in drawn)
    segments = [int(np.isfinite(_array(t["x"])).sum() // 2) for t in lines]
    assert (
        sum(segments[:3]) == positive and sum(segments[3:]) == sum(m.size for m in drawn) - positive
    )
    frame = spec["frames"][-1]["data"]
    hidden_maps = [d for d in frame if d["type"] == "heatmap"][:32]
    z = _array(hidden_maps[17]["z"]).ravel()
    np.testing.assert_array_equal(z, r.unit_maps[1, -1, 1, :, 1])  # layer 2, unit 2
    size = len(json.dumps(spec, default=str))
    assert size < 2_000_000, size


def _array(v) -> np.ndarray:
    """A figure's array, plain or plotly's typed-array spec (base64)."""
    import base64

    if isinstance(v, dict):
        kinds = {"f8": np.float64, "f4": np.float32, "u1": np.uint8, "i4": np.int32}
        return np.frombuffer(base64.b64decode(v["bdata"]), kinds[v["dtype"]])
    return np.asarray(v, float)


def test_the_drawing_canvas_offers_every_spot_and_shows_the_points() -> None:
    from optiviz.figures.drawing import canvas_figure

    box = ((-2.0, 2.0), (-2.0, 2.0))
    pts = [[-1.0, 1.0, 0.0], [1.0, -1.0, 1.0], [0.5, 0.5, 2.0]]
    fig = canvas_figure(pts, False, False, box, 0.1)
    grid = fig.data[0]
    assert len(grid.x) == 41 * 41 and min(grid.x) == -2.0 and max(grid.y) == 2.0
    assert [len(t.x) for t in fig.data[1:]] == [1, 1, 1]  # one trace per class
    assert [t.name for t in fig.data[1:]] == ["class 0", "class 1", "class 2"]
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.clickmode == "event+select"
    values = canvas_figure([[0.0, 0.0, -0.5], [1.0, 1.0, 0.75]], True, True, box, 0.1)
    assert list(values.data[1].marker.color) == [-0.5, 0.75]
    assert values.data[1].marker.cmin == -1 and values.data[1].marker.cmax == 1
