"""The perceptron and backpropagation pages in a real headless Chromium."""

from __future__ import annotations

import time

from browser_util import BROWSER, real_errors, shoot, wait_rendered

pytestmark = BROWSER

URL_HAS = "(kv) => new URLSearchParams(location.search).get(kv[0]) === kv[1]"


def test_perceptron_page_toggles_and_animates(page, server) -> None:
    page.goto(f"{server}/perceptron")
    wait_rendered(page, timeout=180_000)
    shoot(page, "perceptron-mcp")
    # switch an input on: the unit's picture and the URL follow
    page.locator("label").filter(has_text="x₁").first.click()
    page.wait_for_function(URL_HAS, arg=["in1", "1"], timeout=30_000)
    page.locator("label").filter(has_text="x₂").first.click()
    page.wait_for_function(URL_HAS, arg=["in2", "1"], timeout=30_000)
    wait_rendered(page)
    unit = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    page.wait_for_function(
        "el => el._fullLayout.annotations.some(a => a.text.includes('2 ≥ θ = 2 → output 1'))",
        arg=unit.element_handle(),
        timeout=30_000,
    )
    shoot(page, "perceptron-mcp-and-on")

    page.get_by_role("tab", name="Rosenblatt's perceptron (1957)").click()
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').nth(1)
    chart.scroll_into_view_if_needed()
    steps = chart.evaluate("gd => gd._fullLayout.sliders[0].steps.length")
    assert steps >= 2
    title = chart.evaluate("gd => gd._fullLayout.title.text")
    assert "0 misclassified" in title
    chart.evaluate(
        "gd => { window._frames = [];"
        " gd.on('plotly_animatingframe', e => window._frames.push(e.name)); }"
    )
    chart.get_by_text("▶ Play").click()
    page.wait_for_function(f"() => window._frames.length >= {steps}", timeout=30_000)
    time.sleep(1)
    # the last frame has no misclassified point: its ring trace was emptied, not left stale
    rings = chart.evaluate(
        "gd => gd._fullData.find(t => t.name === 'misclassified').x.filter(v => v !== null)"
    )
    assert rings == []
    shoot(page, "perceptron-iris")

    page.get_by_role("tab", name="XOR and the hidden layer").click()
    time.sleep(1)
    shoot(page, "perceptron-xor")
    assert page.outside == []
    assert real_errors(page) == []


def test_backprop_page_steps_through_the_stages(page, server) -> None:
    page.goto(f"{server}/backprop")
    wait_rendered(page, timeout=180_000)
    shoot(page, "backprop-start")
    nxt = page.get_by_role("button", name="Next ▶")
    for stage in ("hidden", "output", "loss", "output error"):
        nxt.click()
        page.wait_for_function(URL_HAS, arg=["stage", stage], timeout=30_000)
    wait_rendered(page)
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    assert "5 · Backward" in chart.evaluate("gd => gd._fullLayout.title.text")
    shoot(page, "backprop-output-error")
    for stage in ("hidden errors", "gradients", "update"):
        nxt.click()
        page.wait_for_function(URL_HAS, arg=["stage", stage], timeout=30_000)
    wait_rendered(page)
    page.get_by_text("after the step: L").first.wait_for(timeout=30_000)
    shoot(page, "backprop-update")
    page.get_by_role("button", name="◀ Back").click()
    page.wait_for_function(URL_HAS, arg=["stage", "gradients"], timeout=30_000)
    # edit a weight: the URL keeps it
    box = page.get_by_label("w₁₁")
    box.fill("0.9")
    box.press("Enter")
    page.wait_for_function(URL_HAS, arg=["w11", "0.9"], timeout=30_000)
    wait_rendered(page)
    page.get_by_text("jax.grad").first.wait_for(timeout=60_000)
    shoot(page, "backprop-gradients-edited")
    assert page.outside == []
    assert real_errors(page) == []
