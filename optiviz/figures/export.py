"""Exports that leave the browser: a standalone HTML file and an animated GIF.

No Streamlit here; long jobs report progress through a callback. PNG and SVG
need no code: the modebar's camera button renders them in the browser at the
size set by :func:`optiviz.figures.style.export_config`.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import plotly.graph_objects as go
import plotly.io as pio


def standalone_html(fig: go.Figure) -> bytes:
    """The figure (animation included) as one HTML file with plotly.js inlined: opens offline."""
    return fig.to_html(include_plotlyjs=True, full_html=True, auto_play=False).encode("utf-8")


def still_frames(fig: go.Figure, max_frames: int = 40) -> list[dict]:
    """Static figure dicts, one per (sampled) animation frame, without the play controls."""
    base = fig.to_dict()
    frames = base.pop("frames", [])
    layout = base.get("layout", {})
    layout.pop("updatemenus", None)
    layout.pop("sliders", None)
    if not frames:
        return [base]
    stride = max(1, -(-len(frames) // max_frames))
    chosen = frames[::stride]
    if chosen[-1] is not frames[-1]:
        chosen.append(frames[-1])
    out = []
    for frame in chosen:
        data = [dict(t) for t in base["data"]]
        for index, patch in zip(frame.get("traces", []), frame.get("data", []), strict=False):
            merged = dict(data[index])
            for key, value in patch.items():
                if isinstance(value, dict) and isinstance(merged.get(key), dict):
                    merged[key] = {**merged[key], **value}
                else:
                    merged[key] = value
            data[index] = merged
        title = dict(layout.get("title") or {})
        title["text"] = f"{title.get('text', '')} — step {frame.get('name', '')}".strip(" —")
        out.append({"data": data, "layout": {**layout, "title": title}})
    return out


def animated_gif(
    fig: go.Figure,
    *,
    width: int = 960,
    height: int = 600,
    max_frames: int = 40,
    frame_ms: int = 120,
    progress: Callable[[float], None] | None = None,
) -> bytes:
    """Render the animation to a GIF on the server (kaleido drives the system Chromium).

    Raises RuntimeError with a readable message when no Chromium is available.
    """
    from PIL import Image

    try:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
    except Exception as err:  # kaleido missing, or it could not find/start Chromium
        raise RuntimeError(f"GIF export needs Chromium on the server ({err})") from err
    stills = still_frames(fig, max_frames)
    images = []
    for i, still in enumerate(stills):
        try:
            png = pio.to_image(still, format="png", width=width, height=height, validate=False)
        except Exception as err:
            raise RuntimeError(f"could not render frame {i}: {err}") from err
        # octree keeps the few saturated trail colours distinct from the many pale greys
        rgb = Image.open(io.BytesIO(png)).convert("RGB")
        images.append(rgb.quantize(colors=256, method=Image.Quantize.FASTOCTREE))
        if progress:
            progress((i + 1) / len(stills))
    buf = io.BytesIO()
    durations = [frame_ms] * (len(images) - 1) + [frame_ms * 12]
    images[0].save(
        buf, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0
    )
    return buf.getvalue()
