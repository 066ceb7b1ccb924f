"""Slide exports of the race page's default scene (issue #25): the animated GIF, drawn
over one background render (now) against a render of every frame (before), in the same
run, and the slide image (PNG, SVG).

  .venv/bin/python benchmarks/export.py             # 960x600, as the Export tab makes it
  .venv/bin/python benchmarks/export.py --slide     # 1600x900 (slide mode)

Needs Debian's chromium (kaleido drives it). Prints seconds and the ratio; the target is
a race GIF in <= 8 s.
"""

from __future__ import annotations

import argparse
import time

from optiviz.engine import race
from optiviz.engine.optimizers import CLASSIC
from optiviz.engine.plane.presets import race_hparams
from optiviz.engine.plane.surfaces import get_surface
from optiviz.figures import race as rf
from optiviz.figures.export import animated_gif, slide_image


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--slide", action="store_true", help="slide mode's 1600x900 GIF")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    s = get_surface("two_wells")
    r = race(s, [(o, race_hparams(s, o)) for o in CLASSIC], start=s.start, steps=300)
    fig = rf.race_animation(s.grid(), r, slide=args.slide)
    size = (1600, 900) if args.slide else (960, 600)
    slide_image(fig, "png")  # starts kaleido's Chromium: not part of any figure below
    times: dict[str, float] = {}
    for name, fast in (("every frame rendered (before)", False), ("drawn over one render", True)):
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            gif = animated_gif(fig, width=size[0], height=size[1], fast=fast)
            best = min(best, time.perf_counter() - t0)
        times[name] = best
        print(f"race GIF {size[0]}x{size[1]}, {name}: {best:5.2f} s ({len(gif) / 1e6:.2f} MB)")
    before, now = times.values()
    verdict = "met" if now <= 8 else "MISSED"
    print(f"ratio before / now: {before / now:.1f}x   (target: now <= 8 s: {verdict})")
    for fmt in ("png", "svg"):
        t0 = time.perf_counter()
        data = slide_image(fig, fmt)
        took = time.perf_counter() - t0
        print(f"slide image {fmt.upper()}: {took:5.2f} s ({len(data) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
