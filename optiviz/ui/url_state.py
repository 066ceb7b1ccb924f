"""Page settings that live in the URL, so a copied link restores the exact scene.

A page declares its settings as :class:`Param` objects. :func:`restore` runs
before the widgets are drawn: on a session's first run (or whenever the URL
changed under it) it parses ``st.query_params`` into ``st.session_state``
(where widgets with the same key pick the values up). Anything unknown or
malformed falls back to its default and is reported once, never raised.
:func:`publish` runs after the widgets and writes the non-default values back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

_SEEN = "_url_state_seen"
_OWNER = "_url_state_owner"
NOTICES = "_url_state_notices"
_OPENED = "_url_state_opened"
#: link keys of no page but of the visit: a live class's code and the student tab
#: (``class``, ``you``), the class a teacher's tab runs (``teaching``; its key is never
#: in a link), a lesson to open (``lesson``). Every page
#: keeps them in the address as it writes its own settings there.
KEEP = ("class", "you", "teaching", "lesson")


@dataclass(frozen=True)
class Param:
    """One URL-backed setting; ``key`` is both the query parameter and the widget key."""

    key: str
    default: Any
    #: float | int | bool | str | choice | multi | ints (a list of ints) | points (a list
    #: of (x, y, value) triples, written ``x_y_v~x_y_v``: no character a URL escapes)
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    choices: Sequence[Any] = field(default_factory=tuple)
    #: snap floats to the nearest of these (select_slider options)
    options: Sequence[float] | None = None
    max_len: int = 300
    #: the default is not put into the session by :func:`restore`; the page does that
    #: when it draws the widget (:func:`ensure`). For settings of hidden parts (the
    #: hyperparameters of optimizers not in the race): Streamlit's widgets read the
    #: whole session state on every call, so each stored key slows every widget.
    lazy: bool = False
    #: how :func:`draw` shows it: "slider", "select_slider", "number", "select",
    #: "toggle", "checkbox", "multiselect", "radio", "radio_row" (its choices side by
    #: side) or "text" ("" for a setting its page draws itself)
    widget: str = ""
    #: the widget's label; a callable of the session state for one that names another
    #: setting's value
    label: str | Callable[[Any], str] = ""
    help: str | None = None
    step: float | None = None
    #: the sidebar section :func:`draw` puts it under
    section: str = ""
    #: the field of the page's typed settings it fills (see :func:`typed`)
    attr: str = ""
    #: how a choice is shown in its widget (the URL keeps the value itself)
    fmt: Callable[[Any], str] | None = None
    #: drawn only when this is true of the session state (e.g. a layer's units only for
    #: layers the network has); a lazy setting is stored when it is first drawn
    when: Callable[[Any], bool] | None = None
    #: settings with the same row name, one after another, share a row of columns, each
    #: as wide as its ``width`` relative to the others'
    row: str = ""
    width: float = 1.0
    #: the widget's bounds when it is drawn, from the session state (e.g. the chosen
    #: data set's range); the value is moved into them first
    bounds: Callable[[Any], tuple[float, float]] | None = None
    #: printf-style format of a number box (``"%.3g"``)
    num_format: str | None = None
    #: shown but greyed out when this is true of the session state
    disabled: Callable[[Any], bool] | None = None
    #: the choices offered when it is drawn, from the session state (a select slider
    #: whose steps depend on another setting); a value not among them becomes ``reset``'s
    options_at: Callable[[Any], Sequence[Any]] | None = None
    reset: Callable[[Any], Any] | None = None
    #: called when the student changes it (Streamlit's on_change), before the rerun
    on_change: Callable[[], None] | None = None
    #: whether a value goes into the link (None: always); one that does not is kept in
    #: the session only (a drawing too large for an address)
    in_link: Callable[[Any], bool] | None = None

    def parse(self, raw: str | list[str]) -> Any:
        """The value for text from the URL; raises ValueError with a reason."""
        text = raw if isinstance(raw, str) else ",".join(raw)
        if len(text) > max(self.max_len, 50):
            raise ValueError("value too long")
        if self.kind == "bool":
            low = text.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true or false")
        if self.kind == "str":
            return text
        if self.kind == "choice":
            if text not in self.choices:
                raise ValueError(f"expected one of {', '.join(map(str, self.choices))}")
            return text
        if self.kind == "multi":
            items = [t for t in text.split(",") if t]
            bad = [t for t in items if t not in self.choices]
            if bad:
                raise ValueError(f"unknown {', '.join(bad)}")
            return list(dict.fromkeys(items))
        if self.kind == "ints":
            return [self._number(t, int) for t in text.split(",") if t]
        if self.kind == "points":
            return [_triple(t) for t in text.split("~") if t]
        return self._number(text, int if self.kind == "int" else float)

    def _number(self, text: str, kind: type) -> Any:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise ValueError(f"outside {self.low:g} … {self.high:g}")
        if kind is int:
            return round(value)
        if self.options:
            return snap(value, self.options)
        return value

    def format(self, value: Any) -> str:
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind in ("multi", "ints"):
            return ",".join(map(str, value))
        if self.kind == "points":
            return "~".join("_".join(f"{float(v):.4g}" for v in p) for p in value)
        if self.kind == "float":
            return f"{float(value):.6g}"
        return str(value)


def _triple(text: str) -> list[float]:
    """One point of a ``points`` setting: ``x_y_v``, three finite numbers."""
    parts = text.split("_")
    values = [float(t) for t in parts] if len(parts) == 3 else []
    if len(values) != 3 or not all(math.isfinite(v) for v in values):
        raise ValueError(f"{text[:20]!r} is not a point x_y_value")
    return values


def snap(value: float, options: Sequence[float]) -> float:
    """The option nearest to ``value`` (in log terms when both are positive)."""

    def gap(o: float) -> float:
        if o > 0 and value > 0:
            return abs(math.log(o / value))
        return abs(o - value) + 1e9

    return min(options, key=gap)


def _current_query() -> dict[str, str]:
    return {k: st.query_params.get(k) for k in st.query_params}


def restore(params: Iterable[Param], *, page: str) -> None:
    """Load settings from the URL into ``st.session_state`` (first run, or the URL changed).

    Widgets created afterwards with ``key=param.key`` show the restored values.
    Keys already in the session (the user moved a widget) are left alone, with two
    exceptions: a URL that changed under a running session wins, and a key last
    written by *another* page is taken back (pages share one session state, and
    ``epochs`` or ``adam.learning_rate`` need not mean the same widget on two pages).
    """
    params = list(params)
    query = _current_query()
    # A brand-new session that already carries widget values is a browser reconnecting
    # (the server restarted under an open page): what the student sees, and has just
    # moved, wins over the URL, which the dead server never got to update.
    sent = _sent_by_browser() if _SEEN not in st.session_state else set()
    seen = st.session_state.get(_SEEN, {})
    owners = dict(st.session_state.get(_OWNER, {}))
    fresh = seen.get(page) is None or seen.get(page) != query
    notices: list[str] = []
    known = {p.key for p in params}
    for p in params:
        foreign = owners.get(p.key, page) != page
        if foreign:
            st.session_state.pop(p.key, None)
        if p.key in sent and not foreign:
            pass  # the widget takes the value the browser sent
        elif p.key in query and (fresh or foreign):
            try:
                st.session_state[p.key] = p.parse(query[p.key])
            except (ValueError, TypeError) as err:
                notices.append(f"`{p.key}={query[p.key][:40]}` ignored ({err}); using the default.")
                st.session_state[p.key] = p.default
        elif not p.lazy and p.key not in st.session_state:
            st.session_state[p.key] = p.default
        owners[p.key] = page
    st.session_state[_OWNER] = owners
    st.session_state[_OPENED] = page if fresh else None
    if fresh:
        unknown = [k for k in query if k not in known and k != "page" and k not in KEEP]
        if unknown:
            notices.append(f"Unknown link setting(s) ignored: {', '.join(sorted(unknown))[:200]}.")
        st.session_state[NOTICES] = notices
        seen = dict(seen)
        seen[page] = query
        st.session_state[_SEEN] = seen


def forget(page: str) -> None:
    """Drop every setting ``page`` has in the session, so that its next run takes all of
    them from the link (a lesson's scene is exactly its link, whatever was moved before)."""
    owners = dict(st.session_state.get(_OWNER, {}))
    for key, owner in list(owners.items()):
        if owner == page:
            st.session_state.pop(key, None)
            owners.pop(key)
    st.session_state[_OWNER] = owners
    seen = dict(st.session_state.get(_SEEN, {}))
    seen.pop(page, None)
    st.session_state[_SEEN] = seen


def just_opened(page: str) -> bool:
    """Whether this run opened ``page`` from its link (a new session, a pasted or
    changed address) rather than following a control the student moved."""
    return st.session_state.get(_OPENED) == page


def ensure(p: Param) -> None:
    """Put a lazy setting's default into the session before its widget is drawn."""
    if p.key not in st.session_state:
        st.session_state[p.key] = p.default


def _sent_by_browser() -> set[str]:
    """Keys of the widgets whose values came with this run from the browser.

    Reads Streamlit's incoming widget states (ids end in ``-<key>``); an internal that
    may move between Streamlit versions, so any surprise means "none"."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        ctx = get_script_run_ctx()
        ids = list(ctx.session_state._state._new_widget_state.states)  # type: ignore[union-attr]
    except Exception:  # a missing internal only loses this refinement
        return set()
    return {i.rsplit("-", 1)[-1] for i in ids if isinstance(i, str) and "-" in i}


def publish(params: Iterable[Param], *, page: str) -> None:
    """Write every non-default setting to the URL (defaults are left out to keep links short)."""
    current = _current_query()
    out: dict[str, str] = {k: current[k] for k in KEEP if k in current}
    for p in params:
        value = st.session_state.get(p.key, p.default)
        if value != p.default and (p.in_link is None or p.in_link(value)):
            out[p.key] = p.format(value)
    if out != current:
        st.query_params.from_dict(out)
    seen = dict(st.session_state.get(_SEEN, {}))
    seen[page] = out
    st.session_state[_SEEN] = seen


def show_notices() -> None:
    """Tell the user, once, which link settings could not be used."""
    notices = st.session_state.pop(NOTICES, [])
    if notices:
        st.warning("This link had settings that could not be used:\n\n- " + "\n- ".join(notices))


def open_page(
    params: Iterable[Param], *, page: str, sidebar: Callable[[], None] | None = None
) -> None:
    """What every page does first: restore its settings from the link, say once which
    could not be used, and draw its sidebar."""
    restore(params, page=page)
    show_notices()
    if sidebar is not None:
        sidebar()


def scene(
    params: Iterable[Param], *, page: str, sidebar: Callable[[], None], settings: Callable[[], Any]
) -> Any:
    """:func:`open_page`, then the page's typed settings, then the settings written back
    to the address bar (so the scene is a link); returns the settings."""
    params = list(params)
    open_page(params, page=page, sidebar=sidebar)
    out = settings()
    publish(params, page=page)
    return out


def _g(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def draw(
    params: Iterable[Param],
    after: Mapping[str, Callable[[], None]] | None = None,
    heading: Callable[[str], Any] = st.header,
    before: Mapping[str, Callable[[], None]] | None = None,
) -> None:
    """The widgets of ``params`` that declare one, in order, each under its section's
    header: the setting's one declaration (key, default, bounds, label, help) is the
    widget, the URL parameter and, through :func:`typed`, the typed settings.

    A setting whose ``when`` is false is not drawn; consecutive settings of one
    ``row`` share a row of columns. ``after`` maps a key to what the page draws right
    after that setting's widget (a data set's blurb, an uploader, an expander per
    chosen optimizer), ``before`` to what it draws right before it. ``heading`` writes a
    section's title (``st.header``)."""
    ss = st.session_state
    after, before = after or {}, before or {}
    section = None
    todo = [p for p in params if p.widget]
    i = 0
    while i < len(todo):
        # visibility is decided in order: a condition may read a setting drawn above
        p = todo[i]
        if p.when is not None and not p.when(ss):
            i += 1
            continue
        if p.section and p.section != section:
            heading(p.section)
            section = p.section
        j = i + 1
        while j < len(todo) and p.row and todo[j].row == p.row:
            j += 1
        group = [q for q in todo[i:j] if q is p or q.when is None or q.when(ss)]
        if p.key in before:
            before[p.key]()
        places = st.columns([q.width for q in group]) if len(group) > 1 else [st]
        for place, q in zip(places, group, strict=True):
            _widget(place, q)
            if q.key in after:
                after[q.key]()
        i = j


def _widget(place: Any, p: Param) -> None:
    """One setting's widget, in ``place`` (the sidebar, a column, an expander)."""
    ss = st.session_state
    if p.lazy:
        ensure(p)
    lo, hi = p.low, p.high
    num = int if p.kind == "int" else float
    if p.bounds is not None:
        lo, hi = p.bounds(ss)
        inside = num(min(max(ss[p.key], lo), hi))
        if inside != ss[p.key]:  # (writing a widget's own value would mark it as set here)
            ss[p.key] = inside
    options = p.options or p.choices
    if p.options_at is not None:
        options = tuple(p.options_at(ss))
        if p.kind == "multi":  # keep the chosen ones still offered; none left: reset
            kept = [v for v in ss[p.key] if v in options]
            if kept != list(ss[p.key]) or not kept:
                ss[p.key] = kept or (p.reset(ss) if p.reset is not None else list(options))
        elif ss[p.key] not in options:
            ss[p.key] = p.reset(ss) if p.reset is not None else options[0]
    label = p.label(ss) if callable(p.label) else p.label
    kw: dict[str, Any] = {"key": p.key, "help": p.help}
    if p.disabled is not None:
        kw["disabled"] = p.disabled(ss)
    if p.on_change is not None:
        kw["on_change"] = p.on_change
    if p.fmt is not None:
        kw["format_func"] = p.fmt
    if p.widget == "slider":
        lo, hi = (num(v) for v in (lo, hi))
        place.slider(label, lo, hi, step=p.step, **kw)
    elif p.widget == "select_slider":
        kw.setdefault("format_func", _g)
        place.select_slider(label, tuple(options), **kw)
    elif p.widget == "number":
        lo, hi = (None if v is None else num(v) for v in (lo, hi))
        place.number_input(label, lo, hi, step=p.step, format=p.num_format, **kw)
    elif p.widget == "select":
        place.selectbox(label, tuple(options), **kw)
    elif p.widget == "toggle":
        place.toggle(label, **kw)
    elif p.widget == "checkbox":
        place.checkbox(label, **kw)
    elif p.widget == "multiselect":
        place.multiselect(label, tuple(options), **kw)
    elif p.widget == "text":
        place.text_input(label, max_chars=p.max_len, **kw)
    elif p.widget in ("radio", "radio_row"):
        place.radio(label, tuple(options), horizontal=p.widget == "radio_row", **kw)
    else:
        raise ValueError(f"{p.key}: unknown widget {p.widget!r}")


def typed(cls: type, params: Iterable[Param], **derived: Any) -> Any:
    """The page's typed settings (a frozen dataclass, also its cache key) from the
    session's values of the ``params`` that name a field (``attr``): ints as ints,
    floats to 6 significant digits (a slider's 0.30000000000000004 is 0.3), lists as
    tuples. ``derived``: the fields a page computes from several settings."""
    ss = st.session_state
    values: dict[str, Any] = {}
    for p in params:
        if not p.attr:
            continue
        v = ss[p.key]
        if p.kind == "int":
            v = int(v)
        elif p.kind == "float":
            v = float(f"{float(v):.6g}")
        elif p.kind == "multi":
            v = tuple(v)
        elif p.kind == "ints":
            v = tuple(int(x) for x in v)
        elif p.kind == "points":
            v = tuple(tuple(float(c) for c in q) for q in v)
        elif p.kind == "bool":
            v = bool(v)
        values[p.attr] = v
    return cls(**values, **derived)
