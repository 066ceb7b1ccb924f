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
