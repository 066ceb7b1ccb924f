"""Debian's Chromium as the tests and benchmarks drive it (never a downloaded browser).

Shared by the browser tests and the page benchmarks. The flags keep a headless
Chromium quiet and offline: no background networking, no component updates,
no sync, no QUIC.
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
