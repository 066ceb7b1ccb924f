"""The gradients lab in a real headless Chromium: it renders offline, tabs switch, a
preset reruns and lands in the URL, and an overflowing network shows no NaN axes.

The tabs are lazy: a click reruns the page and only the open tab's panel is filled."""

from __future__ import annotations

from browser_util import BROWSER, real_errors, shoot, wait_rendered
from playwright.sync_api import expect

pytestmark = BROWSER

CHARTS = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def open_tab(page, name: str, text: str | None = None) -> None:
    """Click a tab and wait for the rerun the click starts to fill its panel: a chart drawn
    inside it, or ``text`` for a tab without charts."""
    page.get_by_role("tab", name=name).click()
    panel = page.get_by_role("tabpanel", name=name)
    if text is None:
        panel.locator(CHARTS).first.wait_for(timeout=120_000)
        wait_rendered(page, timeout=120_000)
    else:
        panel.get_by_text(text).first.wait_for(timeout=120_000)


def url_params(page) -> dict[str, str]:
    return page.evaluate("() => Object.fromEntries(new URLSearchParams(location.search))")


def test_gradients_lab_renders_presets_and_tabs(page, server) -> None:
    page.goto(f"{server}/gradients")
    wait_rendered(page, timeout=300_000)
    shoot(page, "gradients-initial")
    assert page.get_by_text("Gradients lab: vanishing and exploding").is_visible()
    charts = page.locator(CHARTS)
    assert charts.count() == 2  # only the open tab (histograms, norms) is built
    title = charts.nth(1).evaluate("gd => gd._fullLayout.title.text")
    assert "exploding" in title, title
    assert charts.nth(1).evaluate("gd => gd._fullLayout.yaxis.type") == "log"

    # a preset: SELU + LeCun, written to the URL and shown as healthy
    page.get_by_role("button", name="SELU + LeCun").click()
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('activation') === 'selu'",
        timeout=120_000,
    )
    wait_rendered(page, timeout=120_000)
    open_tab(page, "Self-normalisation")
    expect(page.locator(CHARTS)).to_have_count(1)  # the first tab's two charts are gone
    shoot(page, "gradients-selu-stats")

    open_tab(page, "Activation × initializer")
    shoot(page, "gradients-matrix")
    open_tab(page, "Formulas", text="Glorot (Xavier)")
    expect(page.locator(CHARTS)).to_have_count(0)  # a tab without charts
    shoot(page, "gradients-formulas")
    # back to the first tab: rebuilt, and the preset is still the scene
    open_tab(page, "At initialization")
    expect(page.locator(CHARTS)).to_have_count(2)
    assert url_params(page).get("activation") == "selu"
    assert page.outside == []
    assert real_errors(page) == []


def test_overflow_link_shows_exploded_not_nan(page, server) -> None:
    page.goto(f"{server}/gradients?depth=50&width=32&stddev=2")
    wait_rendered(page, timeout=300_000)
    page.get_by_text("exploded (overflow)").first.wait_for(timeout=60_000)
    shoot(page, "gradients-overflow")
    open_tab(page, "Training")
    title = page.locator(CHARTS).first.evaluate("gd => gd._fullLayout.title.text")
    assert "NaN" not in title, title
    shoot(page, "gradients-overflow-training")
    assert real_errors(page) == []
