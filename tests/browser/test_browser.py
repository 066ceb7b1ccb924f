"""The app in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""

from __future__ import annotations

import re
import time

import pytest
from browser_util import BROWSER, real_errors, shoot, wait_rendered

pytestmark = BROWSER


def test_race_page_play_slide_click(page, server) -> None:
    # First visit of a fresh server, straight to a shared link: the router must run.
    page.goto(f"{server}/race")
    wait_rendered(page)
    shoot(page, "race-initial")
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Optimizer race" in nav and "Home" in nav, nav
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    last = chart.evaluate("gd => gd._fullLayout.sliders[0].active")
    assert last > 10

    # Play: the frame slider starts over and advances.
    page.get_by_text("▶ Play").first.click()
    seen = set()
    for _ in range(30):
        seen.add(chart.evaluate("gd => gd._fullLayout.sliders[0].active"))
        time.sleep(0.1)
    assert len(seen) >= 3, seen
    # the loss surface stays under the runs while they move (plotly.js takes every
    # trace but the animated scatters off the page; the surface is a layout image)
    surface = "gd => Array.from(gd.querySelectorAll('image')).map(i => i.getAttribute('href'))"
    assert [h[:22] for h in chart.evaluate(surface)] == ["data:image/png;base64,"]
    shoot(page, "race-playing")

    # Move a slider: the steps slider, one notch right, reruns and redraws.
    slider = page.get_by_role("slider", name="Steps")
    slider.focus()
    slider.press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).get('steps') === '310'")
    wait_rendered(page)

    # Click the contour: the start moves to the clicked point.
    x_before = page.get_by_label("x₀").input_value()
    box = chart.evaluate(
        """gd => {
            const L = gd._fullLayout, r = gd.getBoundingClientRect();
            return {x: r.left + L.xaxis._offset + L.xaxis.l2p(-1.5),
                    y: r.top + L.yaxis._offset + L.yaxis.l2p(-1.5)};
        }"""
    )
    page.mouse.click(box["x"], box["y"])
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('x0') !== null", timeout=30_000
    )
    wait_rendered(page)
    x_after = page.get_by_label("x₀").input_value()
    assert x_after != x_before and float(x_after) == pytest.approx(-1.5, abs=0.06)
    shoot(page, "race-after-click")
    assert page.outside == []
    assert real_errors(page) == []


def test_home_renders_offline(page, server) -> None:
    page.goto(server)
    wait_rendered(page)
    shoot(page, "home")
    assert page.get_by_text("optiviz — see how neural networks learn").is_visible()
    assert page.outside == []
    assert real_errors(page) == []


def test_landscape_renders_and_links_to_the_race(page, server) -> None:
    page.goto(f"{server}/landscape?grid=50&basin_opts=sgd,momentum")
    wait_rendered(page, timeout=180_000)
    shoot(page, "landscape")
    charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    assert charts.count() >= 1
    # click a map cell: a link to the race page with that setting appears
    box = charts.first.evaluate(
        """gd => {
            const L = gd._fullLayout, r = gd.getBoundingClientRect();
            return {x: r.left + L.xaxis._offset + L.xaxis._length * 0.3,
                    y: r.top + L.yaxis._offset + L.yaxis._length * 0.7};
        }"""
    )
    page.mouse.click(box["x"], box["y"])
    link = page.get_by_role("link", name=re.compile("Race learning_rate="))
    link.wait_for(timeout=60_000)
    assert "race?" in link.get_attribute("href")
    assert page.outside == []
    assert real_errors(page) == []


def test_a_clicked_basin_start_links_to_a_race_from_there(page, server) -> None:
    page.goto(f"{server}/landscape?grid=50&basin_opts=sgd,momentum")
    wait_rendered(page, timeout=180_000)
    page.get_by_role("tab", name="Basins of attraction").click()
    page.get_by_text("Click a start to race from it").wait_for(timeout=120_000)
    wait_rendered(page, timeout=180_000)
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    # the second panel (Momentum), a third of the way in from its lower left corner
    box = chart.evaluate(
        """gd => {
            const L = gd._fullLayout, r = gd.getBoundingClientRect();
            const a = L.xaxis2, b = L.yaxis2;
            return {x: r.left + a._offset + a._length * 0.35,
                    y: r.top + b._offset + b._length * 0.65};
        }"""
    )
    page.mouse.click(box["x"], box["y"])
    link = page.get_by_role("link", name=re.compile("Race Momentum from"))
    link.wait_for(timeout=60_000)
    href = link.get_attribute("href")
    assert "race?" in href and "racers=momentum" in href and "x0=" in href
    shoot(page, "landscape-basin-click")
    assert page.outside == []
    assert real_errors(page) == []


def test_a_typed_formula_is_shown_exactly_as_typed(page, server) -> None:
    # Markdown once ate the stars of x**2 and turned part of a formula italic.
    from urllib.parse import quote

    for formula in ("x**2 + 10*y**2", "exp(x**2)*100 + y"):
        page.goto(f"{server}/race?surface=custom&formula={quote(formula)}")
        wait_rendered(page)
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert f"f(x, y) = {formula}" in text, text[:400]
        assert not page.locator('[data-testid="stMain"] em').count()  # nothing italic
    # an error quoting the typed text shows it verbatim too
    page.goto(f"{server}/race?surface=custom&formula={quote('x**2 + foo_bar_baz*y')}")
    page.get_by_text("foo_bar_baz").first.wait_for(timeout=60_000)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "foo_bar_baz" in sidebar, sidebar[-600:]


PAGES = ("race", "landscape", "playground", "gradients", "activations", "perceptron",
         "backprop", "schedules", "regularization", "transfer")  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_slide_mode_fits_the_main_chart_on_a_1280x720_projector(page, server, path) -> None:
    """Slide mode: a compact header (the introduction folds away, the race's surface text
    goes into an expander) and 460-px charts, so the main chart is above the fold; chart
    ticks and the page's tables grow with the rest of the text."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/{path}?slide=1")
    wait_rendered(page, timeout=180_000)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    box, last = chart.bounding_box(), None
    while box != last:  # until the page has stopped moving (late text, fonts, notices)
        page.wait_for_timeout(700)
        box, last = chart.bounding_box(), box
    assert box is not None and box["y"] + box["height"] <= 720 + 2, (path, box)
    # the smallest text of the chart's ticks (or, for a diagram without axes, of all its
    # text: the perceptron's unit, the backprop network)
    size = page.locator('[data-testid="stPlotlyChart"]').first.evaluate(
        """c => { const px = t => parseFloat(t.style.fontSize || getComputedStyle(t).fontSize);
            let texts = Array.from(c.querySelectorAll('.xtick text, .ytick text'));
            if (!texts.length) texts = Array.from(c.querySelectorAll('svg text'))
                .filter(t => t.textContent.trim() && !t.closest('.modebar'));
            // plotly draws a log axis's in-between digits (2, 5) at 0.75 of its ticks
            const minor = texts.filter(t => /^[2-9]$/.test(t.textContent.trim()));
            const major = texts.filter(t => !minor.includes(t));
            return [Math.min(...major.map(px)), Math.min(...minor.map(px))]; }"""
    )
    assert 18 <= size[0] < 1000 and size[1] >= 0.75 * 18, size
    # a legend under the plot clears the x axes' titles (it once sat on "epoch")
    hits = page.locator('[data-testid="stPlotlyChart"]').first.evaluate(
        """c => { const legend = c.querySelector('.legend');
            if (!legend) return [];
            const l = legend.getBoundingClientRect();
            return Array.from(c.querySelectorAll('.g-xtitle text, .xtick text'))
                .map(t => [t.textContent, t.getBoundingClientRect()])
                .filter(([, r]) => r.left < l.right && l.left < r.right
                                   && r.top < l.bottom && l.top < r.bottom)
                .map(([text]) => text); }"""
    )
    assert hits == [], hits
    # tables are HTML in slide mode (a dataframe's canvas keeps its 14 px)
    assert not page.locator('[data-testid="stDataFrame"]').count()
    cells = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-testid="stTable"] td'))
            .map(td => parseFloat(getComputedStyle(td).fontSize))"""
    )
    assert all(px >= 18 for px in cells), cells
    shoot(page, f"slide-{path}-1280x720")
    assert page.outside == []
    assert real_errors(page) == []


def test_no_button_label_is_cut_at_1280x720_in_slide_mode(page, server) -> None:
    """Buttons and metrics in equal columns cut their labels ("Naive: ReLU …", "Random
    we…", "Random layers, …"): every label must fit, at a projector's size and with slide
    mode's larger text."""
    page.set_viewport_size({"width": 1280, "height": 720})
    cut = {}
    for path in PAGES:
        page.goto(f"{server}/{path}?slide=1")
        wait_rendered(page, timeout=180_000)
        cut[path] = page.evaluate(
            """() => Array.from(document.querySelectorAll('[data-testid^="stBaseButton"]'))
                .filter(b => b.offsetParent !== null)
                .flatMap(b => Array.from(b.querySelectorAll('[data-testid="stMarkdownContainer"]')))
                .filter(m => m.scrollWidth > m.clientWidth + 1)
                .map(m => m.textContent)
                .concat(Array.from(document.querySelectorAll('[data-testid="stMetricLabel"] *'))
                    .filter(m => m.offsetParent !== null && m.scrollWidth > m.clientWidth + 1)
                    .map(m => 'metric: ' + m.textContent))"""
        )
    assert not any(cut.values()), {k: v for k, v in cut.items() if v}
    assert page.outside == []
