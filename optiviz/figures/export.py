"""Exports that leave the browser: a standalone HTML file and an animated GIF.

No Streamlit here; long jobs report progress through a callback. PNG and SVG
need no code: the modebar's camera button renders them in the browser at the
size set by :func:`optiviz.figures.style.export_config`.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from .style import axis_band, colorbar_band, legend_margin


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
        out.append(
            {"data": data, "layout": {**layout, "title": title}, "step": frame.get("name", "")}
        )
    return out


# ------------------------------------------------------------ a picture for a slide
#: a slide image's size (16:9) and its text sizes: a tick label at least 1/60 of the
#: height, so it stays readable where a slide shows the picture at a third of its width
SLIDE_SIZE = (1600, 900)
SLIDE_FONT = 20
SLIDE_TITLE_FONT = 30


def slide_figure(fig: go.Figure) -> dict:
    """The figure's last frame as a still for a slide: no play buttons or step slider
    (and no band kept for them), 16:9, text sized for a projector."""
    still = still_frames(fig, max_frames=1)[-1]
    layout = dict(still["layout"])
    width, height = SLIDE_SIZE
    layout.update(width=width, height=height)
    layout["margin"] = {**layout.get("margin", {}), "b": 80, "t": 90}
    layout["font"] = {**layout.get("font", {}), "size": SLIDE_FONT}
    title = dict(layout.get("title") or {})
    if title:
        title["font"] = {**title.get("font", {}), "size": SLIDE_TITLE_FONT}
        layout["title"] = title
    legend = dict(layout.get("legend") or {})
    legend["font"] = {**legend.get("font", {}), "size": SLIDE_FONT}
    layout["legend"] = legend
    _lay_below(still, layout, SLIDE_FONT, width, height)
    for key in list(layout):  # every axis: ticks and titles at the slide's size
        if key.startswith(("xaxis", "yaxis")):
            axis = dict(layout[key])
            axis["tickfont"] = {**axis.get("tickfont", {}), "size": SLIDE_FONT}
            t = axis.get("title")
            if isinstance(t, dict):
                axis["title"] = {**t, "font": {**t.get("font", {}), "size": SLIDE_FONT + 2}}
            layout[key] = axis
    for a in layout.get("annotations", []) or []:  # subplot titles
        a["font"] = {**a.get("font", {}), "size": SLIDE_FONT}
    return {"data": still["data"], "layout": layout}


def _lay_below(
    still: dict, layout: dict, font: float, width: int, height: int, *, upright: bool = False
) -> None:
    """A legend under the plot (and colour bars laid flat there) placed again for a
    picture of ``width`` × ``height`` px with text of ``font`` px, without the band a
    screen's play controls took (``layout`` is the still's, changed in place).
    ``upright``: colour bars stand beside the plot instead, as on a slide (a wide
    picture's height is what is scarce: an animation for a slide)."""
    legend = layout.get("legend") or {}
    if legend.get("yref") != "container":
        return
    names = [t["name"] for t in still["data"] if t.get("showlegend") is not False and t.get("name")]
    titled = any(
        (layout[k].get("title") or {}).get("text") for k in layout if k.startswith("xaxis")
    )
    flat = _flat_bars(still)
    if upright:
        for b in flat:
            title = b.get("title") if isinstance(b.get("title"), dict) else {}
            b.update(
                orientation="v", x=1.02, xanchor="left", xref="paper", y=0.5, yanchor="middle",
                yref="paper", len=1.0, title={**title, "side": "right"},
            )  # fmt: skip
        layout["margin"] = {
            **layout.get("margin", {}),
            "r": max(90, (layout.get("margin") or {}).get("r", 0)),
        }
        flat = []
    bottom = legend_margin(font, font, titled, names, width, colorbar=bool(flat))
    if bottom > 0.45 * height:  # a small picture: the plot before the legend
        layout["showlegend"] = False
        bottom = legend_margin(font, font, titled, [], width, colorbar=bool(flat))
    layout["margin"] = {**layout.get("margin", {}), "b": bottom}
    if legend.get("yanchor") == "top":  # laid under the plot for a screen: again here
        top = axis_band(font, titled)
        for b in flat:
            b["y"] = (bottom - top) / height
        top += colorbar_band(font) if flat else 0
        layout["legend"] = {**legend, "y": max(0.0, (bottom - top) / height)}


def _flat_bars(still: dict) -> list[dict]:
    """The colour bars laid flat under the plot (:func:`~.style.legend_below`), as copies
    put in a copy of ``still``'s trace list (a frozen figure's dicts are shared)."""
    out, data = [], list(still["data"])
    for i, t in enumerate(data):
        marker = t.get("marker") or {}
        bar = marker.get("colorbar") if "colorbar" in marker else t.get("colorbar")
        if not (isinstance(bar, dict) and bar.get("orientation") == "h"):
            continue
        bar = dict(bar)
        if "colorbar" in marker:
            data[i] = {**t, "marker": {**marker, "colorbar": bar}}
        else:
            data[i] = {**t, "colorbar": bar}
        out.append(bar)
    still["data"] = data
    return out


def slide_image(fig: go.Figure, fmt: str = "png") -> bytes:
    """:func:`slide_figure` rendered as PNG (at twice its size: crisp on a projector) or SVG.

    Raises RuntimeError with a readable message when no Chromium is available."""
    try:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
    except Exception as err:  # kaleido missing, or it could not find/start Chromium
        raise RuntimeError(f"Slide images need Chromium on the server ({err})") from err
    width, height = SLIDE_SIZE
    scale = 2 if fmt == "png" else 1
    return render(slide_figure(fig), format=fmt, width=width, height=height, scale=scale)


#: how long one picture may take before the renderer is given up on (a slide image
#: takes well under a second; a headless Chromium that stopped answering never does)
RENDER_TIMEOUT = 60.0


def render(fig: Any, **opts: Any) -> bytes:
    """``plotly.io.to_image`` through kaleido's shared headless Chromium, with a time
    limit: kaleido waits for its Chromium without one, and a Chromium that stopped
    answering (rare, seen once in CI) would hold the student's page forever. After
    :data:`RENDER_TIMEOUT` the shared renderer is abandoned and the picture is tried
    once more with a fresh one; then a RuntimeError says what happened."""

    # each attempt has its own box: an abandoned worker that answers late writes there
    def work(box: dict[str, Any]) -> None:
        try:
            box["image"] = pio.to_image(fig, validate=False, **opts)
        except BaseException as err:  # handed to the caller below
            box["error"] = err

    for _ in range(2):
        box: dict[str, Any] = {}
        worker = threading.Thread(target=work, args=(box,), name="optiviz-render", daemon=True)
        worker.start()
        worker.join(RENDER_TIMEOUT)
        if not worker.is_alive():
            if "error" in box:
                raise box["error"]
            return box["image"]
        _fresh_renderer()
    raise RuntimeError(
        f"the picture was not drawn within {RENDER_TIMEOUT:g} s (the server's headless "
        "Chromium did not answer); try again"
    )


def _fresh_renderer() -> None:
    """Leave kaleido's stuck shared Chromium behind (its thread waits on, harmlessly)
    and start a new one for the next picture."""
    import kaleido
    from kaleido import _sync_server

    _sync_server.GlobalKaleidoServer._instance = None
    kaleido._global_server = _sync_server.GlobalKaleidoServer()
    kaleido.start_sync_server(silence_warnings=True)


# ------------------------------------------------------------ the GIF's fast path
#: colour of the two points that locate the plot area in the background render
_PROBE = (255, 0, 255)


def _values(v: Any) -> np.ndarray:
    """A trace's x or y: a list (None for gaps) or plotly's typed-array spec."""
    if isinstance(v, dict) and "bdata" in v:
        arr = np.frombuffer(base64.b64decode(v["bdata"]), np.dtype(v.get("dtype", "f8")))
        return arr.astype(np.float64)
    return np.array([np.nan if a is None else a for a in (v or [])], np.float64)


def _moving(fig_dict: dict) -> list[int] | None:
    """The traces an animation moves, if every one of them is a plain scatter (lines or
    markers): those can be drawn over one rendered background."""
    frames = fig_dict.get("frames") or []
    moving = sorted({i for f in frames for i in f.get("traces", [])})
    data = fig_dict.get("data", [])
    if not frames or not moving or any(i >= len(data) for i in moving):
        return None
    if any(data[i].get("type", "scatter") != "scatter" for i in moving):
        return None
    return moving


def _locate(png: bytes) -> tuple[float, float, float, float] | None:
    """Pixel centres of the two probe points (lower-left, upper-right corner of the axes
    ranges) in a render, as (x0, y0, x1, y1)."""
    from PIL import Image

    im = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    hit = np.abs(im - np.array(_PROBE)).sum(axis=2) < 60
    ys, xs = np.nonzero(hit)
    if len(xs) < 2:
        return None
    left, right = xs < xs.mean(), xs >= xs.mean()
    if not left.any() or not right.any():
        return None
    return xs[left].mean(), ys[left].mean(), xs[right].mean(), ys[right].mean()


def _fast_gif(
    fig_dict: dict,
    stills: list[dict],
    moving: list[int],
    width: int,
    height: int,
    frame_ms: int,
    progress: Callable[[float], None] | None,
) -> bytes | None:
    """The GIF drawn by hand over one background render: 2 renders instead of one per
    frame (kaleido takes a good part of a second per render). None when the
    plot area cannot be located (the caller renders every frame then)."""
    from PIL import Image, ImageDraw, ImageFont

    layout = dict(stills[-1]["layout"])  # no play controls: a picture has no use for them
    layout["margin"] = {**layout.get("margin", {}), "b": 60}  # nor for the band they took
    font = (layout.get("font") or {}).get("size") or 12
    _lay_below(stills[-1], layout, font, width, height, upright=True)  # (as on a slide)
    xr, yr = (layout.get(a, {}).get("range") for a in ("xaxis", "yaxis"))
    if not (xr and yr) or layout.get("xaxis", {}).get("type") == "log":
        return None
    base = [dict(t) for t in stills[-1]["data"]]
    for i in moving:  # keep them in the legend, draw them ourselves
        base[i] = {**base[i], "x": [None], "y": [None]}
    title = dict(fig_dict.get("layout", {}).get("title") or {})  # (the step is drawn apart)
    background = {"data": base, "layout": {**layout, "title": title}}
    probe = {
        "type": "scatter",
        "x": [xr[0], xr[1]],
        "y": [yr[0], yr[1]],
        "mode": "markers",
        "marker": {"color": "rgb({},{},{})".format(*_PROBE), "size": 5},
        "showlegend": False,
        "cliponaxis": False,
    }
    opts = {"format": "png", "width": width, "height": height}
    where = _locate(render({**background, "data": [*base, probe]}, **opts))
    if where is None:
        return None
    px0, py0, px1, py1 = where
    sx, sy = (px1 - px0) / (xr[1] - xr[0]), (py1 - py0) / (yr[1] - yr[0])
    bg = Image.open(io.BytesIO(render(background, **opts))).convert("RGBA")
    if progress:
        progress(0.2)
    k = 2  # drawn at twice the size and scaled down: smooth lines
    font = ImageFont.load_default(size=max(12, height // 32))
    images = []
    for n, still in enumerate(stills):
        layer = Image.new("RGBA", (width * k, height * k), (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        for i in moving:
            t = still["data"][i]
            x = ((_values(t.get("x")) - xr[0]) * sx + px0) * k
            y = ((_values(t.get("y")) - yr[0]) * sy + py0) * k
            _draw_trace(draw, t, x, y, k)
        frame = Image.alpha_composite(bg, layer.resize((width, height), Image.Resampling.LANCZOS))
        label = str(still.get("step", ""))
        if label:
            ImageDraw.Draw(frame).text(
                (width - 12, 10), f"step {label}", fill="#333333", font=font, anchor="ra"
            )
        rgb = frame.convert("RGB")
        images.append(rgb.quantize(colors=256, method=Image.Quantize.FASTOCTREE))
        if progress:
            progress(0.2 + 0.8 * (n + 1) / len(stills))
    buf = io.BytesIO()
    durations = [frame_ms] * (len(images) - 1) + [frame_ms * 12]
    images[0].save(
        buf, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0
    )
    return buf.getvalue()


def _draw_trace(draw: Any, t: dict, x: np.ndarray, y: np.ndarray, k: int) -> None:
    """A scatter trace's lines (split at gaps) and markers (circles, or crosses for a
    diverged head), in pixels already scaled by ``k``."""
    mode = t.get("mode", "lines")
    ok = np.isfinite(x) & np.isfinite(y)
    if "lines" in mode:
        line = t.get("line") or {}
        w = max(1, round(float(line.get("width", 2)) * k))
        for seg in np.split(np.arange(len(x)), np.flatnonzero(~ok)):
            seg = seg[ok[seg]]
            if len(seg) > 1:
                pts = list(zip(x[seg].tolist(), y[seg].tolist(), strict=True))
                draw.line(pts, fill=line.get("color", "#444"), width=w, joint="curve")
    if "markers" in mode:
        m = t.get("marker") or {}
        r = float(m.get("size", 8)) * k / 2
        edge = m.get("line") or {}
        color = m.get("color", "#444")
        for a, b in zip(x[ok].tolist(), y[ok].tolist(), strict=True):
            box = (a - r, b - r, a + r, b + r)
            if str(m.get("symbol", "")).startswith("x"):
                draw.line([box[:2], box[2:]], fill=color, width=3 * k)
                draw.line([(box[0], box[3]), (box[2], box[1])], fill=color, width=3 * k)
            else:
                width = max(1, round(float(edge.get("width", 1)) * k))
                draw.ellipse(box, fill=color, outline=edge.get("color", "black"), width=width)


def animated_gif(
    fig: go.Figure,
    *,
    width: int = 960,
    height: int = 600,
    max_frames: int = 40,
    frame_ms: int = 120,
    progress: Callable[[float], None] | None = None,
    fast: bool = True,
) -> bytes:
    """Render the animation to a GIF on the server (kaleido drives the system Chromium).

    When the animation moves only scatter traces (a race), one background is rendered
    and each frame's lines and markers are drawn over it (several times faster than
    rendering every frame, benchmarks/export.py); ``fast=False``
    renders every frame.

    Raises RuntimeError with a readable message when no Chromium is available.
    """
    from PIL import Image

    try:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
    except Exception as err:  # kaleido missing, or it could not find/start Chromium
        raise RuntimeError(f"GIF export needs Chromium on the server ({err})") from err
    stills = still_frames(fig, max_frames)
    fig_dict = fig.to_dict()
    moving = _moving(fig_dict) if fast else None
    if moving is not None:
        fast = _fast_gif(fig_dict, stills, moving, width, height, frame_ms, progress)
        if fast is not None:
            return fast
    images = []
    for i, still in enumerate(stills):
        try:
            png = render(still, format="png", width=width, height=height)
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
