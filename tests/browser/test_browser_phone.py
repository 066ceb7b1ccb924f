"""A phone is a student's screen (issue #23): every page at 390×844, touch, no sideways
scroll, each chart's plot the screen's width (legends and colour bars under it), a tap
shows a hover readout and a finger dragging over a chart scrolls the page.

One server and one phone context for the module; screenshots go to
``test-results/screenshots/phone-*.png``."""

from __future__ import annotations

import pytest
from browser_util import BROWSER, SHOTS, real_errors, wait_rendered, watched

pytestmark = BROWSER

PHONE = {"width": 390, "height": 844}
#: the page's paths; "" is the home page
PAGES = ("", "race", "landscape", "playground", "gradients", "activations", "perceptron",
         "backprop", "schedules", "regularization", "transfer")  # fmt: skip
#: the plots' share of the screen's width a chart must give (the race's was ~0.23)
SHARE = 0.78

#: per chart: its plots' horizontal span (from the leftmost plot area to the rightmost
#: one: two panels a row count together) and its width
SPANS = """() => Array.from(document.querySelectorAll(
    '[data-testid="stPlotlyChart"] .js-plotly-plot'))
  .filter(gd => gd.offsetParent !== null)
  .map(gd => {
    const rects = Array.from(gd.querySelectorAll('.nsewdrag'))
      .map(d => d.getBoundingClientRect()).filter(r => r.width > 0);
    if (!rects.length) {  // a diagram without axes: its svg
      const s = gd.querySelector('.main-svg').getBoundingClientRect();
      return {span: s.width, chart: gd.getBoundingClientRect().width, axes: false};
    }
    const left = Math.min(...rects.map(r => r.left)), right = Math.max(...rects.map(r => r.right));
    return {span: right - left, chart: gd.getBoundingClientRect().width, axes: true};
  })"""


#: how far the page has scrolled (Streamlit scrolls its main block, not the document)
SCROLLED = """() => Math.max(window.scrollY,
    ...Array.from(document.querySelectorAll(
        '[data-testid="stMain"], [data-testid="stAppViewContainer"]'))
        .map(e => e.scrollTop))"""


@pytest.fixture(scope="module")
def phone(chromium, server):
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    pg = watched(context.new_page())
    yield pg
    context.close()


def settle(pg) -> None:
    wait_rendered(pg, timeout=180_000)
    pg.wait_for_timeout(600)  # plotly's automargin redraw
    wait_rendered(pg, timeout=60_000)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_fits_a_phone(phone, server, path) -> None:
    phone.goto(f"{server}/{path}")
    settle(phone)
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / f"phone-{path or 'home'}.png"))
    phone.locator('[data-testid="stPlotlyChart"]').first.screenshot(
        path=str(SHOTS / f"phone-{path or 'home'}-chart.png")
    )
    # no sideways scroll of the page
    widths = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (path, widths)
    # every chart's plots take the screen's width: nothing beside them
    spans = phone.evaluate(SPANS)
    assert spans, path
    for s in spans:
        assert s["chart"] <= PHONE["width"], (path, s)
        assert s["span"] >= SHARE * PHONE["width"], (path, s)
    # the sidebar's controls are reachable: its button opens it
    assert (
        phone.locator(
            '[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"]'
        ).count()
        or path == ""
    )
    assert real_errors(phone) == []


def test_a_tap_shows_the_readout_and_a_drag_scrolls_the_page(phone, server) -> None:
    """dragmode off: a finger on the chart scrolls the page (a phone's charts fill its
    width, so a chart that zoomed on a drag left nowhere to scroll from); a tap on the
    map still shows plotly's hover readout. (The gradients lab's heatmaps: a chart that
    reports clicks to the page, as the race's, is put in pan mode by Streamlit.)"""
    phone.goto(f"{server}/gradients")
    settle(phone)
    chart = phone.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    assert chart.evaluate("gd => gd._fullLayout.dragmode") is False
    chart.evaluate("gd => gd.scrollIntoView({block: 'start'})")
    phone.wait_for_timeout(300)
    box = chart.evaluate(
        """gd => { const L = gd._fullLayout, r = gd.getBoundingClientRect();
            return {x: r.left + L.xaxis._offset + L.xaxis._length * 0.3,
                    y: r.top + L.yaxis._offset + L.yaxis._length * 0.6}; }"""
    )
    ranges = "gd => [gd._fullLayout.xaxis.range.join(), gd._fullLayout.yaxis.range.join()]"
    view = chart.evaluate(ranges)
    before = phone.evaluate(SCROLLED)
    # a finger on the plot, dragged up 250 px (touch events, as a phone sends them)
    cdp = phone.context.new_cdp_session(phone)
    x, y = box["x"], box["y"]
    on_plot = "([x, y]) => !!document.elementFromPoint(x, y).closest('.nsewdrag, .draglayer')"
    assert 260 < y < 844 and phone.evaluate(on_plot, [x, y]), box

    def touch(kind: str, points: list) -> None:
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", [{"x": x, "y": y}])
    for k in range(1, 11):
        touch("touchMove", [{"x": x, "y": y - 25 * k}])
        phone.wait_for_timeout(16)
    touch("touchEnd", [])
    phone.wait_for_timeout(300)
    after = phone.evaluate(SCROLLED)
    assert after > before + 100, (before, after)
    assert chart.evaluate(ranges) == view  # no zoom, no pan
    # a tap on the plot: the hover readout
    chart.evaluate("gd => gd.scrollIntoView({block: 'start'})")
    phone.wait_for_timeout(300)
    box = chart.evaluate(
        """gd => { const L = gd._fullLayout, r = gd.getBoundingClientRect();
            return {x: r.left + L.xaxis._offset + L.xaxis._length * 0.3,
                    y: r.top + L.yaxis._offset + L.yaxis._length * 0.6}; }"""
    )
    phone.touchscreen.tap(box["x"], box["y"])
    phone.wait_for_function(
        """() => document.querySelectorAll('[data-testid="stPlotlyChart"] .hoverlayer .hovertext')
            .length > 0""",
        timeout=10_000,
    )
    phone.screenshot(path=str(SHOTS / "phone-gradients-tap.png"))


def test_slide_mode_still_fits_a_1280x720_projector(chromium, server) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    try:
        for path in ("race", "playground"):
            pg.goto(f"{server}/{path}?slide=1")
            settle(pg)
            chart = pg.locator('[data-testid="stPlotlyChart"]').first
            box = chart.bounding_box()
            assert box is not None and box["y"] + box["height"] <= 720 + 2, (path, box)
            pg.screenshot(path=str(SHOTS / f"phone-slide-{path}-1280x720.png"))
    finally:
        context.close()
