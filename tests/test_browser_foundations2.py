"""The schedules, regularization and transfer pages in a real headless Chromium."""

from __future__ import annotations

import time

from browser_util import BROWSER, real_errors, shoot, wait_rendered

pytestmark = BROWSER

URL_HAS = "(kv) => new URLSearchParams(location.search).get(kv[0]) === kv[1]"
PLOTS = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def test_schedules_page_curves_training_and_range_test(page, server) -> None:
    page.goto(f"{server}/schedules")
    wait_rendered(page, timeout=300_000)
    curves = page.locator(PLOTS).first
    assert curves.evaluate("gd => gd._fullLayout.yaxis.type") == "log"
    assert curves.evaluate("gd => gd._fullData.length") == 6
    shoot(page, "schedules-curves")
    page.get_by_role("tab", name="Training side by side").click()
    time.sleep(1)
    shoot(page, "schedules-training")
    page.get_by_role("tab", name="LR range test").click()
    link = page.get_by_role("link", name="Train with η")
    link.wait_for(timeout=60_000)
    href = link.get_attribute("href")
    assert "playground?" in href and "momentum.learning_rate=" in href
    shoot(page, "schedules-range")
    # slide mode: the URL follows and the figures switch to big type
    page.locator('[data-testid="stSidebar"] label').filter(has_text="Slide mode").click()
    page.wait_for_function(URL_HAS, arg=["slide", "1"], timeout=60_000)
    wait_rendered(page)
    page.get_by_role("tab", name="η(t) of each schedule").click()
    time.sleep(1)
    assert page.locator(PLOTS).first.evaluate("gd => gd._fullLayout.font.size") == 22
    shoot(page, "schedules-slide")
    assert page.outside == []
    assert real_errors(page) == []


def test_regularization_page_gap_boundaries_and_dropout(page, server) -> None:
    page.goto(f"{server}/regularization?rg_patience=15")
    wait_rendered(page, timeout=300_000)
    shoot(page, "regularization-curves")
    page.get_by_role("tab", name="Decision boundaries").click()
    time.sleep(2)
    boundary = page.locator(PLOTS).nth(1)
    assert boundary.evaluate("gd => gd._fullLayout.sliders[0].steps.length") >= 2
    shoot(page, "regularization-boundaries")
    page.get_by_role("tab", name="Generalisation gap").click()
    time.sleep(1)
    shoot(page, "regularization-gap")
    page.get_by_role("tab", name="Dropout caution").click()
    page.get_by_text("Same weights, dropout off").wait_for(timeout=30_000)
    time.sleep(1)
    shoot(page, "regularization-dropout")
    assert page.outside == []
    assert real_errors(page) == []


def test_transfer_page(page, server) -> None:
    page.goto(f"{server}/transfer")
    wait_rendered(page, timeout=300_000)
    page.get_by_text("A on digits 0–4").wait_for(timeout=30_000)
    shoot(page, "transfer-curves")
    page.get_by_role("tab", name="Why reuse helps").click()
    page.get_by_text("This run:").wait_for(timeout=30_000)
    shoot(page, "transfer-why")
    assert page.outside == []
    assert real_errors(page) == []
