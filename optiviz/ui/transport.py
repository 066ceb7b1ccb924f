"""How figures travel to the browser: plotly's JSON encoding, made once per frozen figure.

Streamlit encodes a figure every time it is drawn: it asks
``plotly.tools.return_figure_from_figure_or_data`` for the dict form and
``plotly.io.to_json`` for the text. A cached figure is drawn for every session that
shows it, so for a classroom the encoding of the same large animation, again and
again, was a noticeable share of the server's time. A *frozen* figure
(:func:`optiviz.figures.style.frozen`, :func:`~optiviz.figures.style.animated`) never
changes, so its text can be made once and handed out after.

The figures stay "data in, figure out" and know nothing of this: :func:`install`
replaces those two plotly functions, for the whole process, with ones that recognise a
frozen figure and pass everything else through unchanged. The app installs it where it
starts (the router and :func:`optiviz.ui.controls.page_intro`, which every page calls
first); a script that only makes figures does not need it.
"""

from __future__ import annotations

from typing import Any

import plotly.io as pio
import plotly.tools

from ..figures.style import FrozenDict, ascii_json, is_frozen

_plain_to_json = pio.to_json
_plain_figure_dict = plotly.tools.return_figure_from_figure_or_data


def install() -> None:
    """Route plotly's encoding through this module (idempotent)."""
    pio.to_json = to_json
    plotly.tools.return_figure_from_figure_or_data = figure_dict


def installed() -> bool:
    return pio.to_json is to_json


def _unchanged(d: dict, stored: dict) -> bool:
    """``d`` (from a frozen figure's ``to_dict``) still says what ``stored`` says."""
    return d.keys() == stored.keys() and all(
        d[k] is stored[k] or (k == "layout" and d[k] == stored[k]) for k in d
    )


def to_json(
    fig: Any,
    validate: bool = True,
    pretty: bool = False,
    remove_uids: bool = True,
    engine: str | None = None,
) -> str:
    """``plotly.io.to_json`` that makes the JSON of a frozen figure once.

    The text is made by plotly's own function and, from the second time on, handed out
    (a figure drawn once keeps no text), as long as the dict handed in is still the
    figure's. An animation whose frames' text was made by its figure function is
    joined from that text each time instead. Anything else goes straight through.
    """
    if is_frozen(fig):
        fig = fig.to_dict(frames=False)
    cell = getattr(fig, "cell", None) if isinstance(fig, FrozenDict) else None
    plain = pretty or not remove_uids or engine is not None
    if plain or cell is None or not _unchanged(fig, cell["stored"]):
        return _plain_to_json(
            fig, validate=validate, pretty=pretty, remove_uids=remove_uids, engine=engine
        )
    if cell["json"] is not None:
        return cell["json"]
    if cell["frames_json"] is not None:
        # only the rest is encoded here and the two texts are joined; the joined text
        # is not kept, which would hold the frames a second time for every cached scene
        rest = _plain_to_json({k: v for k, v in fig.items() if k != "frames"}, validate=False)
        rest = ascii_json(rest)
        comma = "," if len(rest) > 2 else ""
        return f'{rest[:-1]}{comma}"frames":{cell["frames_json"]}}}'
    text = ascii_json(_plain_to_json(fig, validate=validate))
    cell["encoded"] += 1
    if cell["encoded"] >= 2:
        cell["json"] = text
    return text


def figure_dict(figure_or_data: Any, validate_figure: bool) -> Any:
    """``plotly.tools.return_figure_from_figure_or_data`` (Streamlit's first step of a
    draw) without parsing the frames that a frozen animation keeps as text:
    :func:`to_json` sends that text as it is."""
    if is_frozen(figure_or_data):
        return figure_or_data.to_dict(frames=False)
    return _plain_figure_dict(figure_or_data, validate_figure)
