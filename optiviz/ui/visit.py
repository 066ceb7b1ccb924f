"""A Streamlit session without a browser: what the frontend says over the websocket.

A :class:`Session` speaks Streamlit's own websocket protocol, as the frontend does:
it connects to ``/_stcore/stream`` (subprotocol ``streamlit``), sends ``BackMsg``
protobufs (``rerun_script`` with a page name, the query string and widget values)
and reads ``ForwardMsg`` protobufs until ``script_finished``. A slider change is a
rerun whose ``widget_states`` carry the slider's id (learned from the ``new_element``
delta that drew it) and its new value.

The ``optiviz`` command uses it to open every page once as the server starts
(:mod:`optiviz.ui.warmup`); the classroom benchmark (``benchmarks/load.py``) and the
fault tests use it to play students. ``websockets`` comes with Streamlit.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED = {0: "ok", 1: "compile error", 2: "stopped early for a rerun", 3: "fragment ok"}


class PageError(RuntimeError):
    """The page did not finish cleanly (an exception element, a failed script, a timeout)."""


@dataclass
class Visit:
    """What one script run sent back."""

    seconds: float  # request sent -> script_finished
    first_chart: float | None  # request sent -> first plotly chart delta (None: no chart)
    charts: int = 0
    bytes: int = 0
    errors: list[str] = field(default_factory=list)  # st.error texts (shown, not failures)
    warnings: list[str] = field(default_factory=list)  # st.warning texts
    texts: list[str] = field(default_factory=list)  # markdown, captions and alerts, in order
    buttons: list[str] = field(default_factory=list)  # keys of the buttons drawn
    sliders: list[str] = field(default_factory=list)  # keys of the plain sliders drawn
    page: str = ""  # the url path of the page the run ended on


@dataclass
class Slider:
    id: str
    label: str
    value: float
    low: float
    high: float
    step: float


class Session:
    """One student's tab, without the browser: a websocket and the state the frontend keeps."""

    def __init__(self, base_url: str, timeout: float = 300.0) -> None:
        parts = urlsplit(base_url if "://" in base_url else f"http://{base_url}")
        self.http = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        ws_scheme = "wss" if parts.scheme == "https" else "ws"
        self.ws_url = f"{ws_scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        self.timeout = timeout
        self.ws = None
        self.cookie = ""
        self.query = ""  # what the address bar shows (the page publishes its settings there)
        self.page_hash = ""
        self.session_id = ""  # the server's id of this tab's session (uploads name it)
        self.pages: dict[str, str] = {}  # url path -> page_script_hash (from `navigation`)
        self.sliders: dict[str, Slider] = {}  # widget key -> slider
        self.widgets: dict[str, str] = {}  # widget key -> widget id (every keyed widget seen)
        #: fragments the page asked to rerun on a timer (st.fragment(run_every=…)):
        #: fragment id -> seconds, the latest last; a browser reruns them by itself
        self.auto_reruns: dict[str, float] = {}

    async def connect(self, cookie: str = "") -> None:
        """GET the page first, as a browser does (a load balancer may set a sticky cookie).
        ``cookie``: the cookies this tab already holds (a tab reconnecting after its
        server went away sends them again, as a browser does)."""
        self.cookie = cookie
        self.cookie = await asyncio.to_thread(self._get_cookie)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        self.ws = await websockets.connect(
            self.ws_url,
            subprotocols=["streamlit"],
            max_size=None,
            additional_headers=headers,
            open_timeout=self.timeout,
            ping_interval=None,  # the server's own keep-alive is enough; loaded servers answer late
        )

    def _get_cookie(self) -> str:
        """The cookies held after a GET of the page: those sent, updated by the answer."""
        held = dict(c.split("=", 1) for c in self.cookie.split("; ") if "=" in c)
        request = urllib.request.Request(self.http + "/")
        if self.cookie:
            request.add_header("Cookie", self.cookie)
        with urllib.request.urlopen(request, timeout=self.timeout) as r:
            r.read()
            for c in r.headers.get_all("Set-Cookie") or []:
                name, _, value = c.split(";", 1)[0].partition("=")
                held[name] = value
        return "; ".join(f"{k}={v}" for k, v in held.items())

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    @property
    def page(self) -> str:
        """The url path of the page on screen."""
        return next((p for p, h in self.pages.items() if h == self.page_hash), "")

    async def run(
        self,
        page: str | None,
        widgets: dict[str, float | str] | None = None,
        query: str | None = None,
        *,
        clicks: tuple[str, ...] = (),
        fragment: str = "",
    ) -> Visit:
        """Rerun ``page`` (its url path, e.g. "race"; None: the page on screen) with widget
        values; wait for the end.

        ``widgets`` maps widget ids to values: a number for a slider, text for a text input.
        ``clicks``: keys of buttons pressed in this run. ``fragment``: rerun only that
        fragment (as a browser does for a fragment's own widgets and timer).
        """
        if page is None:
            page = self.page
        msg = BackMsg()
        rs = msg.rerun_script
        rs.page_name = page
        rs.page_script_hash = self.pages.get(page, "") if page else ""
        if query is not None:  # a new address: the page may rewrite it (page_info_changed)
            self.query = query
        rs.query_string = self.query
        if fragment:
            rs.fragment_id = fragment
            rs.is_auto_rerun = not clicks and not widgets
        for wid, value in (widgets or {}).items():
            w = rs.widget_states.widgets.add()
            w.id = wid
            if isinstance(value, str):
                w.string_value = value
            else:
                w.double_array_value.data.append(float(value))
        for key in clicks:
            w = rs.widget_states.widgets.add()
            w.id = self.widgets[key]
            w.trigger_value = True
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self._read_until_finished(t0), self.timeout)

    async def _read_until_finished(self, t0: float) -> Visit:
        visit = Visit(seconds=0.0, first_chart=None)
        crashed: list[str] = []
        while True:
            raw = await self.ws.recv()
            visit.bytes += len(raw)
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = fm.new_session.page_script_hash
                self.session_id = fm.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages}
                self.page_hash = fm.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = fm.page_info_changed.query_string
            elif kind == "auto_rerun":
                self.auto_reruns.pop(fm.auto_rerun.fragment_id, None)  # the latest comes last
                self.auto_reruns[fm.auto_rerun.fragment_id] = fm.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                self.auto_reruns.clear()
            elif kind == "page_not_found":
                crashed.append(f"page not found: {fm.page_not_found.page_name!r}")
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                ek = el.WhichOneof("type")
                if ek == "plotly_chart":
                    visit.charts += 1
                    if visit.first_chart is None:
                        visit.first_chart = time.perf_counter() - t0
                elif ek == "exception":
                    crashed.append(f"{el.exception.type}: {el.exception.message[:200]}")
                elif ek == "alert" and el.alert.format == 1:  # ERROR
                    visit.errors.append(el.alert.body[:300])
                elif ek == "alert" and el.alert.format == 2:  # WARNING
                    visit.warnings.append(el.alert.body[:600])
                if ek == "markdown":
                    visit.texts.append(el.markdown.body)
                elif ek == "alert":
                    visit.texts.append(el.alert.body)
                elif ek == "button":
                    visit.buttons.append(el.button.id.rsplit("-", 1)[-1])
                inner = getattr(el, ek, None) if ek else None
                wid = getattr(inner, "id", "") if inner is not None else ""
                if isinstance(wid, str) and wid.startswith("$$ID-"):
                    self.widgets[wid.split("-", 2)[-1]] = wid
                if ek == "slider":
                    s = el.slider
                    if s.type == 1 and s.data_type in (0, 1):  # a plain int/float slider
                        value = list(s.value) or list(s.default)
                        key = s.id.rsplit("-", 1)[-1]  # $$ID-<hash>-<key>
                        self.sliders[key] = Slider(
                            s.id, s.label, value[0] if value else s.min, s.min, s.max, s.step
                        )
                        visit.sliders.append(key)
            elif kind == "script_finished":
                status = fm.script_finished
                if status == 2:  # superseded by a newer rerun: keep reading
                    continue
                visit.seconds = time.perf_counter() - t0
                visit.page = self.page
                if status not in (0, 3):
                    crashed.append(f"script finished: {FINISHED.get(status, status)}")
                if crashed:
                    raise PageError("; ".join(crashed))
                return visit
