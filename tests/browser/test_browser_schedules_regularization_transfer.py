"""The schedules, regularization and transfer pages in a real headless Chromium."""

from __future__ import annotations

import time

from browser_util import BROWSER, real_errors, shoot, wait_rendered

from optiviz.figures.style import SLIDE

pytestmark = BROWSER

URL_HAS = "(kv) => new URLSearchParams(location.search).get(kv[0]) === kv[1]"
PLOTS = '[data-testid="stPlotlyChart"] .js-plotly-plot'


NOT_STALE = "() => document.querySelectorAll('[data-stale=\"true\"]').length === 0"


def open_tab(page, name: str, marker, plots: bool = True) -> None:
    """Click a lazy tab: the page reruns to build it; wait for ``marker`` (a text or a
    locator) of its content, then for its plots (or, in a tab without any, for the run)."""
    page.get_by_role("tab", name=name).click()
    shown = page.get_by_text(marker).first if isinstance(marker, str) else marker
    shown.wait_for(timeout=300_000)
    if plots:
        wait_rendered(page)
    else:
        page.wait_for_function(NOT_STALE, timeout=60_000)


def test_schedules_page_curves_training_and_range_test(page, server) -> None:
    page.goto(f"{server}/schedules")
    wait_rendered(page, timeout=300_000)
    curves = page.locator(PLOTS).first
    assert curves.evaluate("gd => gd._fullLayout.yaxis.type") == "log"
    assert curves.evaluate("gd => gd._fullData.length") == 6
    assert page.locator(PLOTS).count() == 1, "only the open tab is built"
    shoot(page, "schedules-curves")
    open_tab(page, "Training side by side", "identical weights at epoch 0")
    assert page.locator(PLOTS).count() == 2  # the history and the rates used
    shoot(page, "schedules-training")
    link = page.get_by_role("link", name="Train with η")
    open_tab(page, "LR range test", link)
    assert page.locator(PLOTS).count() == 1
    href = link.get_attribute("href")
    assert "playground?" in href and "momentum.learning_rate=" in href
    shoot(page, "schedules-range")
    # slide mode: the URL follows and the figures switch to big type
    page.locator('[data-testid="stSidebar"] label').filter(has_text="Slide mode").click()
    page.wait_for_function(URL_HAS, arg=["slide", "1"], timeout=60_000)
    wait_rendered(page)
    open_tab(page, "η(t) of each schedule", "Log scale: equal steps down")
    assert page.locator(PLOTS).first.evaluate("gd => gd._fullLayout.font.size") == SLIDE.font
    shoot(page, "schedules-slide")
    assert page.outside == []
    assert real_errors(page) == []


def test_regularization_page_gap_boundaries_and_dropout(page, server) -> None:
    page.goto(f"{server}/regularization?rg_patience=15")
    wait_rendered(page, timeout=300_000)
    assert page.locator(PLOTS).count() == 1, "only the open tab is built"
    shoot(page, "regularization-curves")
    open_tab(page, "Decision boundaries", "Filled dots are training data")
    boundary = page.locator(PLOTS).first
    assert boundary.evaluate("gd => gd._fullLayout.sliders[0].steps.length") >= 2
    shoot(page, "regularization-boundaries")
    open_tab(page, "Generalisation gap", "Every number here is measured")
    shoot(page, "regularization-gap")
    open_tab(page, "Dropout caution", "Same weights, dropout off")
    time.sleep(1)
    shoot(page, "regularization-dropout")
    page.wait_for_function(URL_HAS, arg=["rg_patience", "15"], timeout=30_000)
    assert page.outside == []
    assert real_errors(page) == []


def test_transfer_page(page, server) -> None:
    page.goto(f"{server}/transfer")
    wait_rendered(page, timeout=300_000)
    page.get_by_text("A on radius 0.5").wait_for(timeout=30_000)
    shoot(page, "transfer-curves")
    open_tab(page, "Why reuse helps", "Why reuse helps here", plots=False)
    assert page.locator(PLOTS).count() == 0, "the learning curves are not built"
    page.get_by_text("A on radius 0.5").wait_for(timeout=30_000)  # the headline stays
    shoot(page, "transfer-why")
    assert page.outside == []
    assert real_errors(page) == []
