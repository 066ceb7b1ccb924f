"""The Networks pages in a real headless Chromium."""

from __future__ import annotations

from browser_util import BROWSER, real_errors, shoot, wait_rendered

pytestmark = BROWSER


def test_playground_trains_and_animates(page, server) -> None:
    page.goto(f"{server}/playground?n=300&epochs=50", wait_until="domcontentloaded")
    wait_rendered(page, timeout=240_000)
    heatmaps = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    assert heatmaps.evaluate("gd => gd.data.filter(t => t.type === 'heatmap').length") == 2
    assert heatmaps.evaluate("gd => gd._fullLayout.sliders[0].active") > 5
    page.get_by_text("▶ Play", exact=True).first.click()
    seen = set()
    for _ in range(30):
        seen.add(heatmaps.evaluate("gd => gd._fullLayout.sliders[0].active"))
        page.wait_for_timeout(100)
    assert len(seen) >= 3, seen  # the epochs advance
    page.wait_for_timeout(2500)
    shoot(page, "playground")
    # a retrain from a control: new optimizer set, same network shape (no compile)
    page.get_by_role("tab", name="History").click()
    wait_rendered(page)
    shoot(page, "playground-history")
    assert real_errors(page) == []
    assert page.outside == []


def test_the_model_tab_offers_the_network_as_a_keras_file(page, server, tmp_path) -> None:
    """The Model tab in Chromium: the three styles as tabs, then a click on the export
    button offers a .keras file, which the browser downloads and Keras opens with the
    network's parameter count."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    page.goto(f"{server}/playground?n=200&epochs=50&opts=adam", wait_until="domcontentloaded")
    wait_rendered(page, timeout=240_000)
    page.get_by_role("tab", name="Model").click()
    page.get_by_text("Keras's three ways").wait_for(timeout=60_000)
    for name in ("Sequential", "Functional API", "Subclassing"):
        page.get_by_role("tab", name=name).click()
        page.locator("code:visible", has_text="model =").first.wait_for()
    # inside the model: every kernel as a heatmap, and model.evaluate beside the history
    wait_rendered(page)
    kernels = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    assert kernels.evaluate("gd => gd.data.filter(t => t.type === 'heatmap').length") >= 2
    page.get_by_text("model.evaluate(X_val, y_val)").wait_for()
    page.get_by_text("The same number as the history's last val_loss").wait_for()
    kernels.scroll_into_view_if_needed()
    shoot(page, "playground-model-inside")
    page.get_by_role("button", name="Export this network as a Keras model").click()
    download_button = page.get_by_role("button", name="Download optiviz-adam.keras")
    download_button.wait_for(timeout=180_000)
    with page.expect_download() as info:
        download_button.click()
    path = tmp_path / "model.keras"
    info.value.save_as(path)
    total = page.get_by_text("Total params:").first.locator("..").inner_text()
    model = keras.saving.load_model(path)
    assert f"Total params: {model.count_params():,}" in total, total
    shoot(page, "playground-model-keras")
    assert real_errors(page) == []
    assert page.outside == []


def test_wide_and_deep_trains_on_the_diabetes_data(page, server, tmp_path) -> None:
    """Issue #27's Wide & Deep in Chromium: the course's two overlapping column sets and
    an auxiliary output on the diabetes data; the history's third panel shows both
    outputs' losses, and the exported file is a two-input, two-output Keras model."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    query = (
        "data=diabetes&epochs=100&opts=adam&layers=2&u0=16&u1=8&wide=1"
        "&wide_cols=0,1,2,3,4&deep_cols=2,3,4,5,6,7,8,9&aux=0.1"
    )
    page.goto(f"{server}/playground?{query}", wait_until="domcontentloaded")
    page.get_by_text("no plane to draw it on").wait_for(timeout=240_000)
    page.get_by_role("tab", name="History").click()
    wait_rendered(page, timeout=120_000)
    history = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    titles = history.evaluate("gd => gd.layout.annotations.map(a => a.text)")
    assert titles[2].startswith("Each output's loss"), titles
    shoot(page, "playground-wide-deep-history")
    page.get_by_role("tab", name="Model").click()
    page.get_by_text("Keras's three ways").wait_for(timeout=60_000)
    page.get_by_role("tab", name="Sequential").click()
    page.get_by_text("Sequential cannot build this network").wait_for()
    page.get_by_role("tab", name="Functional API").click()
    page.locator("code:visible", has_text="Concatenate()([wide_input, x])").first.wait_for()
    page.get_by_role("button", name="Export this network as a Keras model").click()
    download_button = page.get_by_role("button", name="Download optiviz-adam.keras")
    download_button.wait_for(timeout=180_000)
    with page.expect_download() as info:
        download_button.click()
    path = tmp_path / "wide_deep.keras"
    info.value.save_as(path)
    model = keras.saving.load_model(path)
    assert [t.shape[-1] for t in model.inputs] == [5, 8] and len(model.outputs) == 2
    shoot(page, "playground-wide-deep-model")
    assert real_errors(page) == []
    assert page.outside == []


def test_the_network_diagram_plays(page, server) -> None:
    """Issue #26's diagram in Chromium: every unit's map and the links render, Play moves
    through the epochs, and the picture is legible (screenshots at 1280×720)."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/playground?n=300&epochs=200&layers=2&u0=6&u1=4&a0=tanh&a1=tanh",
              wait_until="domcontentloaded")  # fmt: skip
    wait_rendered(page, timeout=240_000)
    page.get_by_role("tab", name="Network").click()
    page.get_by_text("blue for a positive weight").wait_for(timeout=120_000)
    wait_rendered(page)
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    assert chart.evaluate("gd => gd.data.filter(t => t.type === 'heatmap').length") == 13
    page.get_by_text("▶ Play", exact=True).first.click()
    seen = set()
    for _ in range(30):
        seen.add(chart.evaluate("gd => gd._fullLayout.sliders[0].active"))
        page.wait_for_timeout(100)
    assert len(seen) >= 3, seen
    page.wait_for_timeout(3000)
    chart.scroll_into_view_if_needed()
    shoot(page, "playground-network-diagram")
    assert real_errors(page) == []
    assert page.outside == []


def test_the_network_diagram_in_slide_mode(page, server) -> None:
    """The diagram on a projector: slide mode's larger fonts, a deeper network with a
    wide layer (its first 16 units and "+N more"), legible at 1280×720."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/playground?n=300&epochs=100&layers=3&u0=24&u1=8&u2=4&slide=1",
              wait_until="domcontentloaded")  # fmt: skip
    wait_rendered(page, timeout=240_000)
    page.get_by_role("tab", name="Network").click()
    page.get_by_text("Wide layers show their first 16 units").wait_for(timeout=120_000)
    wait_rendered(page)
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    assert (
        chart.evaluate("gd => gd.data.filter(t => t.type === 'heatmap').length")
        == 2 + 16 + 8 + 4 + 1
    )
    notes = chart.evaluate("gd => gd.layout.annotations.map(a => a.text)")
    assert "+8 more" in notes
    chart.scroll_into_view_if_needed()
    shoot(page, "playground-network-diagram-slide")
    assert real_errors(page) == []


def test_step_and_train_further_in_the_browser(page, server) -> None:
    """Step adds one epoch and "Train +N" N more; the boundary animation then ends at
    the new last epoch and the address bar carries the fits."""
    page.goto(f"{server}/playground?n=300&epochs=50&opts=adam", wait_until="domcontentloaded")
    wait_rendered(page, timeout=240_000)
    page.get_by_role("button", name="Step ▸ +1").click()
    page.get_by_text("Trained 51 epochs").wait_for(timeout=60_000)
    wait_rendered(page)
    page.get_by_role("button", name="Train +50").click()
    page.get_by_text("Trained 101 epochs").wait_for(timeout=60_000)
    wait_rendered(page)
    assert "more=1%2C50" in page.url or "more=1,50" in page.url
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    steps = chart.evaluate("gd => gd._fullLayout.sliders[0].steps.map(s => s.label)")
    assert steps[-1].endswith("101"), steps[-3:]
    shoot(page, "playground-further")
    assert real_errors(page) == []
    assert page.outside == []


def test_drawing_your_own_points(page, server) -> None:
    """Issue #26: clicks on the canvas add points of the chosen class, a click on a point
    removes it, and the network trains on the drawing; the link carries the points."""
    page.goto(f"{server}/playground?data=drawn&epochs=50&opts=adam", wait_until="domcontentloaded")
    page.get_by_text("Your points (0)").wait_for(timeout=120_000)
    wait_rendered(page, timeout=120_000)

    def click_at(x: float, y: float) -> None:
        """Click the canvas at plane coordinates (x, y)."""
        chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
        px = chart.evaluate(
            "(gd, xy) => { const l = gd._fullLayout; return [l.xaxis.l2p(xy[0]) + l.xaxis._offset,"
            " l.yaxis.l2p(xy[1]) + l.yaxis._offset]; }",
            [x, y],
        )
        box = chart.bounding_box()
        page.mouse.move(box["x"] + px[0], box["y"] + px[1])
        page.wait_for_timeout(150)
        page.mouse.click(box["x"] + px[0], box["y"] + px[1])

    spots = [(-1.0, 1.0), (-1.0, -1.0), (-0.5, 0.0), (1.0, 1.0), (1.0, -1.0), (0.5, 0.0)]
    for i, (x, y) in enumerate(spots):
        if i == 3:
            page.get_by_text("class 1", exact=True).first.click()
            page.wait_for_timeout(300)
        click_at(x, y)
        page.get_by_text(f"Your points ({i + 1})").wait_for(timeout=60_000)
        wait_rendered(page)
    assert "pts=" in page.url
    click_at(0.5, 0.0)  # on a point: it goes
    page.get_by_text("Your points (5)").wait_for(timeout=60_000)
    wait_rendered(page, timeout=120_000)
    charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    assert charts.count() == 2  # the canvas and the trained network's boundary
    shoot(page, "playground-drawn")
    assert real_errors(page) == []
    assert page.outside == []


def test_the_landscape_tab_in_the_browser(page, server) -> None:
    """Issue #22: the playground's network as a loss surface with both optimizers'
    paths; ▶ Play walks them; the honesty readout and the sharpness chart render."""
    page.goto(f"{server}/playground?n=1000&epochs=200", wait_until="domcontentloaded")
    wait_rendered(page, timeout=240_000)
    page.get_by_role("tab", name="Landscape").click()
    page.get_by_text("Can the picture be trusted?").wait_for(timeout=120_000)
    wait_rendered(page, timeout=120_000)
    charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    assert charts.count() >= 4
    first = charts.first
    # the map is a picture under the paths: it stays while ▶ Play animates them
    painted = "gd => gd.querySelectorAll('image').length"
    assert first.evaluate(painted) == 1
    shoot(page, "playground-landscape")
    page.get_by_text("▶ Play", exact=True).first.click()
    page.wait_for_timeout(2500)
    shoot(page, "playground-landscape-playing")
    assert first.evaluate(painted) == 1
    assert first.evaluate("gd => gd._fullLayout.sliders[0].active") > 0
    assert real_errors(page) == []
    assert page.outside == []
