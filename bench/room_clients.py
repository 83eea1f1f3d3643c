"""The two kinds of user for bench/room.py: Streamlit's websocket protocol, and a Chromium page.

Both do the same actions (open Explore with a link, search a word, go to a page, solve an
analogy, filter the word table) and return ``(visible wait, server wait)`` per action, in seconds.
"""
from __future__ import annotations

import asyncio
import json
import re
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

DONE = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
ID = re.compile(r"^\$\$ID-[0-9a-f]+-(.+)$")


class Failed(Exception):
    pass


# -- Streamlit's protocol --------------------------------------------------------------------------
class ProtocolUser:
    """A session on the server driven like the browser drives it: BackMsg reruns carrying widget
    states, answered by ForwardMsg deltas and ``script_finished``."""

    def __init__(self, base: str):
        self.ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = None
        self.widgets: dict[str, str] = {}  # user key -> widget id
        self.values: dict[str, object] = {}  # widget id -> string value sent
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.page_hash = ""
        self.query = ""
        self.texts: list[str] = []
        self.charts: list[str] = []
        self.errors: list[str] = []

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def _rerun(self, query: str | None = None, page: str | None = None, timeout: float = 60) -> float:
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        msg = BackMsg()
        if query is not None:
            self.query = query
        msg.rerun_script.query_string = self.query
        if page is not None:  # as the browser does on a click in the sidebar's page list
            msg.rerun_script.page_name = page
            msg.rerun_script.page_script_hash = self.pages.get(page, "")
        else:
            msg.rerun_script.page_script_hash = self.page_hash
        for wid, value in self.values.items():
            w = WidgetState(id=wid)
            w.string_value = value
            msg.rerun_script.widget_states.widgets.append(w)
        self.texts, self.charts = [], []
        t0 = time.monotonic()
        await self.ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self._until_finished(t0), timeout)

    async def _until_finished(self, t0: float) -> float:
        while True:
            f = ForwardMsg()
            f.ParseFromString(await self.ws.recv())
            kind = f.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = f.new_session.page_script_hash
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in f.navigation.app_pages}
                self.page_hash = f.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = f.page_info_changed.query_string
            elif kind == "delta" and f.delta.WhichOneof("type") == "new_element":
                self._element(f.delta.new_element)
            elif kind == "script_finished" and f.script_finished in DONE:
                return time.monotonic() - t0

    def _element(self, el) -> None:
        kind = el.WhichOneof("type")
        sub = getattr(el, kind)
        wid = getattr(sub, "id", "")
        m = ID.match(wid) if isinstance(wid, str) else None
        if m:
            self.widgets[m.group(1)] = wid
        if kind == "markdown":
            self.texts.append(sub.body)
        elif kind == "alert":
            self.texts.append(sub.body)
            if sub.format == sub.ERROR:
                self.errors.append(sub.body)
        elif kind == "exception":
            self.errors.append(f"{sub.type}: {sub.message}")
        elif kind == "plotly_chart":
            self.charts.append(sub.spec)

    def _titles(self) -> list[str]:
        out = []
        for spec in self.charts:
            try:
                title = json.loads(spec).get("layout", {}).get("title", {})
            except ValueError:
                continue
            out.append(title.get("text", "") if isinstance(title, dict) else str(title))
        return out

    async def open(self, query: str = "", timeout: float = 60) -> tuple[float, float]:
        from websockets.asyncio.client import connect

        self.ws = await connect(self.ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout)
        s = await self._rerun(query, timeout=timeout)
        return s, s

    async def heavy(self, query: str, label: str, timeout: float) -> tuple[float, float]:
        s, _ = await self.open(query, timeout)
        if not any(label in t for t in self._titles()):
            raise Failed(f"no {label} map (titles {self._titles()}, errors {self.errors[-2:]})")
        return s, s

    async def page(self, path: str, timeout: float = 60) -> tuple[float, float]:
        self.values = {}
        s = await self._rerun(query="", page=path, timeout=timeout)
        self.page_hash = self.pages.get(path, self.page_hash)
        return s, s

    async def type(self, key: str, value: str, expect, timeout: float = 60) -> tuple[float, float]:
        if key not in self.widgets:
            raise Failed(f"no widget {key!r} on the page")
        self.values[self.widgets[key]] = value
        s = await self._rerun(timeout=timeout)
        if not any(expect(t) for t in self.texts):
            raise Failed(f"{key}={value!r}: answer not found (errors {self.errors[-2:]})")
        return s, s

    async def search(self, word: str, timeout: float = 60):
        return await self.type("explore_query", word, lambda t: f"Nearest to **{word}**" in t, timeout)

    async def analogy(self, expr: str, timeout: float = 60):
        return await self.type("analogies_expr", expr, lambda t: t.startswith("#### " + expr.split()[0]), timeout)

    async def filter(self, q: str, timeout: float = 60):
        return await self.type("data_filter", q, lambda t: "match; showing" in t, timeout)


# -- a Chromium page -------------------------------------------------------------------------------
class BrowserUser:
    """A Playwright page (its own context); the websocket frames it sends and receives are timed too."""

    def __init__(self, browser, base: str):
        self.browser, self.base = browser, base
        self.sent_at: float | None = None
        self.server_wait: float | None = None
        self.errors: list[str] = []

    async def start(self) -> None:
        self.context = await self.browser.new_context(viewport={"width": 1024, "height": 700})
        self.tab = await self.context.new_page()
        self.tab.on("pageerror", lambda e: self.errors.append(str(e)))
        self.tab.on("websocket", self._socket)

    def _socket(self, ws) -> None:
        if "_stcore/stream" not in ws.url:
            return
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        if isinstance(payload, (bytes, bytearray)):
            m = BackMsg()
            try:
                m.ParseFromString(bytes(payload))
            except Exception:  # noqa: BLE001 — not a BackMsg
                return
            if m.WhichOneof("type") == "rerun_script" and not m.rerun_script.fragment_id:
                self.sent_at, self.server_wait = time.monotonic(), None

    def _received(self, payload) -> None:
        if self.sent_at is None or not isinstance(payload, (bytes, bytearray)):
            return
        f = ForwardMsg()
        try:
            f.ParseFromString(bytes(payload))
        except Exception:  # noqa: BLE001
            return
        if f.WhichOneof("type") == "script_finished" and f.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
            self.server_wait = time.monotonic() - self.sent_at

    async def close(self) -> None:
        await self.context.close()

    async def _timed(self, act, check, timeout: float) -> tuple[float, float | None]:
        t0 = time.monotonic()
        self.server_wait = None
        await act()
        await self.tab.wait_for_function(check[0], arg=check[1], timeout=timeout * 1000)
        seconds = time.monotonic() - t0
        # the answer is visible before the run that draws it has finished: wait for its end
        for _ in range(200):
            if self.server_wait is not None:
                break
            await asyncio.sleep(0.1)
        return seconds, self.server_wait

    async def open(self, query: str = "", timeout: float = 60):
        return await self._timed(lambda: self.tab.goto(f"{self.base}/?{query}", wait_until="commit"),
                                 (CHART, None), timeout)

    async def heavy(self, query: str, label: str, timeout: float):
        return await self._timed(lambda: self.tab.goto(f"{self.base}/?{query}", wait_until="commit"),
                                 (TITLED, label), timeout)

    async def page(self, path: str, timeout: float = 60):
        name = {"": "Explore", "analogies": "Analogies", "data": "Data"}[path]

        async def click():
            await self.tab.locator("[data-testid='stSidebar'] [data-testid='stPageLink-NavLink']").filter(has_text=name).first.click()
        return await self._timed(click, (HEADING, name if path else "Explore"), timeout)

    async def _fill(self, key: str, value: str) -> None:
        box = self.tab.locator(f".st-key-{key} input")
        await box.fill(value)
        await box.press("Enter")

    async def search(self, word: str, timeout: float = 60):
        return await self._timed(lambda: self._fill("explore_query", word), (TEXT, f"Nearest to {word}"), timeout)

    async def analogy(self, expr: str, timeout: float = 60):
        return await self._timed(lambda: self._fill("analogies_expr", expr), (HEADING, expr.split()[0]), timeout)

    async def filter(self, q: str, timeout: float = 60):
        return await self._timed(lambda: self._fill("data_filter", q), (TEXT, "match; showing"), timeout)


CHART = """() => { const gd = document.querySelector('.js-plotly-plot');
  return !!(gd && gd._fullData && gd.querySelector('canvas, .main-svg')); }"""
# a map titled with the method, and no job's progress bar left (the page may open on a shipped map)
TITLED = """(label) => !document.querySelector("[data-testid='stProgress']")
  && Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd => gd._fullLayout
  && String((gd._fullLayout.title || {}).text || '').includes(label) && gd.querySelector('canvas, .main-svg'))"""
TEXT = """(text) => document.body.innerText.includes(text) && !document.querySelector("[data-testid='stStatusWidget'] button")"""
HEADING = """(text) => Array.from(document.querySelectorAll('h1, h4')).some(h => h.innerText.includes(text))
  && !document.querySelector("[data-testid='stStatusWidget'] button")"""
