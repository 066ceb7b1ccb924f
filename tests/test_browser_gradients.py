"""The gradients lab in a real headless Chromium: it renders offline, tabs switch, a
preset reruns and lands in the URL, and an overflowing network shows no NaN axes."""

from __future__ import annotations

from browser_util import BROWSER, real_errors, shoot, wait_rendered

pytestmark = BROWSER


def test_gradients_lab_renders_presets_and_tabs(page, server) -> None:
    page.goto(f"{server}/gradients")
    wait_rendered(page, timeout=300_000)
    shoot(page, "gradients-initial")
    assert page.get_by_text("Gradients lab: vanishing and exploding").is_visible()
    charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    assert charts.count() >= 2
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
    page.get_by_role("tab", name="Self-normalisation").click()
    page.wait_for_timeout(500)
    shoot(page, "gradients-selu-stats")

    page.get_by_role("tab", name="Activation × initializer").click()
    page.wait_for_timeout(800)
    shoot(page, "gradients-matrix")
    page.get_by_role("tab", name="Formulas").click()
    page.wait_for_timeout(500)
    assert page.get_by_text("Glorot (Xavier)").first.is_visible()
    shoot(page, "gradients-formulas")
    assert page.outside == []
    assert real_errors(page) == []


def test_overflow_link_shows_exploded_not_nan(page, server) -> None:
    page.goto(f"{server}/gradients?depth=50&width=32&stddev=2")
    wait_rendered(page, timeout=300_000)
    page.get_by_text("exploded (overflow)").first.wait_for(timeout=60_000)
    shoot(page, "gradients-overflow")
    page.get_by_role("tab", name="Training").click()
    page.wait_for_timeout(500)
    shoot(page, "gradients-overflow-training")
    assert real_errors(page) == []
