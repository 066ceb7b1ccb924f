"""The perceptron and backpropagation pages in a real headless Chromium."""

from __future__ import annotations

import time

from browser_util import BROWSER, real_errors, shoot, wait_rendered

pytestmark = BROWSER

URL_HAS = "(kv) => new URLSearchParams(location.search).get(kv[0]) === kv[1]"
PLOTS = '[data-testid="stPlotlyChart"] .js-plotly-plot'
MCP_OUT_1 = "el => el._fullLayout.annotations.some(a => a.text.includes('2 ≥ θ = 2 → output 1'))"


def open_tab(page, name: str, marker: str) -> None:
    """Click a lazy tab: the page reruns to build it; wait for its text, then for its plots."""
    page.get_by_role("tab", name=name).click()
    page.get_by_text(marker).first.wait_for(timeout=120_000)
    wait_rendered(page)


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
    unit = page.locator(PLOTS).first
    page.wait_for_function(MCP_OUT_1, arg=unit.element_handle(), timeout=30_000)
    shoot(page, "perceptron-mcp-and-on")

    open_tab(page, "Rosenblatt's perceptron (1957)", "Our perceptron")
    # only the open tab is built: the unit's chart is gone, its inputs stay in the URL
    assert page.locator(PLOTS).count() == 2  # the animation and the errors per epoch
    page.wait_for_function(URL_HAS, arg=["in1", "1"], timeout=30_000)
    page.wait_for_function(URL_HAS, arg=["in2", "1"], timeout=30_000)
    chart = page.locator(PLOTS).first
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

    open_tab(page, "XOR and the hidden layer", "One hidden layer: a 2-2-1 network")
    assert page.locator(PLOTS).count() == 3  # XOR animation, its errors, the 2-2-1 network
    shoot(page, "perceptron-xor")

    # back on the unit: both inputs are still on, and it still fires
    open_tab(page, "McCulloch–Pitts unit (1943)", "A McCulloch–Pitts unit sees only")
    assert page.locator(PLOTS).count() == 1
    unit = page.locator(PLOTS).first
    page.wait_for_function(MCP_OUT_1, arg=unit.element_handle(), timeout=30_000)
    shoot(page, "perceptron-mcp-again")
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
