"""The activations page in a real headless Chromium: renders offline, sliders work, screenshots."""

from __future__ import annotations

from browser_util import BROWSER, real_errors, shoot, wait_rendered

from optiviz.figures.style import SLIDE

pytestmark = BROWSER

CHARTS = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def test_activations_page_renders_and_responds(page, server) -> None:
    page.goto(f"{server}/activations")
    # first visit of a fresh server: three networks compile before the experiment draws
    page.wait_for_function(
        f"() => document.querySelectorAll('{CHARTS}').length === 3", timeout=600_000
    )
    wait_rendered(page, timeout=600_000)
    shoot(page, "activations")
    charts = page.locator(CHARTS)
    curves = charts.first.evaluate("gd => gd.data.map(t => t.name)")
    assert "ReLU" in curves and "Sigmoid f′" in curves
    shapes = charts.first.evaluate("gd => gd._fullLayout.shapes.length")
    assert shapes >= 3  # sigmoid's two tails, tanh's two, ReLU's negative half
    assert page.get_by_text("Dying ReLU: dead units as the learning rate grows").is_visible()
    charts.nth(1).scroll_into_view_if_needed()
    shoot(page, "activations-experiment")
    charts.nth(2).scroll_into_view_if_needed()
    shoot(page, "activations-epochs")
    page.get_by_text("Curves and their slopes").scroll_into_view_if_needed()

    # the leaky ReLU slope to 0: the URL records it and leaky ReLU gets a flat region
    slider = page.get_by_role("slider", name="Leaky ReLU negative_slope (α)")
    slider.focus()
    slider.press("Home")  # one keypress to the minimum: one rerun, not twenty
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('negative_slope') === '0'",
        timeout=120_000,
    )
    wait_rendered(page, timeout=300_000)
    names = page.locator(CHARTS).first.evaluate("gd => gd._fullLayout.shapes.map(s => s.name)")
    assert "Leaky ReLU: f′ = 0" in names
    shoot(page, "activations-slope-zero")
    assert page.outside == []
    assert real_errors(page) == []


def test_activations_slide_mode(page, server) -> None:
    page.goto(f"{server}/activations?slide=1&shown=sigmoid,relu&deriv=dashed")
    wait_rendered(page, timeout=600_000)
    font = page.locator(CHARTS).first.evaluate("gd => gd.layout.font.size")
    assert font == SLIDE.font  # slide mode's big type (Streamlit stretches the chart to the page)
    shoot(page, "activations-slide")
    assert page.outside == []
    assert real_errors(page) == []
