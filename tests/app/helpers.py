"""Shared AppTest helpers for the dashboard's tests (imported by tests/app/test_*.py)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = str(ROOT / "dashboard.py")


PAGE_SCRIPT = """
import streamlit as st
from embviz.app import present, sidebar
from embviz.app.pages import {page} as page
st.set_page_config(layout="wide")
present.init_from_url()
sidebar.render()
present.apply()
page.render()
"""


def app(query: dict | None = None, page: str | None = None) -> AppTest:
    """A fresh session (optionally with URL parameters), run once: the whole dashboard (whose
    default page is Explore), or one page module with the shared sidebar, as dashboard.py runs it.
    (Pages are functions given to st.navigation, which AppTest.switch_page cannot select.)"""
    if page:
        at = AppTest.from_string(PAGE_SCRIPT.format(page=page), default_timeout=180)
    else:
        at = AppTest.from_file(DASHBOARD, default_timeout=180)
    if query:
        at.query_params.update(query)
    return at.run()


def figures(at) -> list[dict]:
    """Every Plotly figure of an AppTest (or of one of its blocks), as the JSON sent."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def decode(arr) -> np.ndarray:
    if isinstance(arr, dict) and "bdata" in arr:
        return np.frombuffer(base64.b64decode(arr["bdata"]), np.dtype(arr["dtype"]))
    return np.asarray(arr)


def trace(fig: dict, name: str) -> dict | None:
    return next((t for t in fig["data"] if t.get("name") == name), None)


def n_points(fig: dict) -> int:
    """Points in the base layer (the traces that carry row numbers as customdata and no text labels)."""
    return sum(len(decode(t["customdata"])) for t in fig["data"]
               if t.get("type") in ("scattergl", "scatter3d") and "customdata" in t)


def on_screen(at: AppTest, key: str):
    """What a presented deck (``slideshow.player(..., key)``) shows: the stage's slot of the current
    slide — the neighbours are drawn ahead, hidden, in the other slots."""
    return at.main.get_by_key(f"{key}_slot_{at.session_state[f'{key}_shown']}")


def shown(markdown: str) -> str:
    """What a reader sees of a Markdown body the app escaped with ``embviz.app.text.md``: backslash
    escapes and entities undone, hard breaks as newlines."""
    import html
    import re

    out = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)
    return html.unescape(out.replace("  \n", "\n")).replace("\u2060", "")


def texts(at: AppTest, kind: str) -> list[str]:
    """The text of every element of a kind (error, warning, markdown, ...), as a reader sees it."""
    return [shown(e.value) for e in getattr(at, kind)]


def use_table(at: AppTest, emb, kind: str = "trained", **extra) -> str:
    """Put ``emb`` into a session as if it had been made there (trained, uploaded, debiased…):
    registered as a session source and active, the sidebar on 'Made in this session'."""
    from collections import OrderedDict

    from embviz.app.sources import KEY, Source, plain

    table = plain(emb)
    sid = f"{kind}:{table.fingerprint()[:12]}"
    store = at.session_state[KEY] if KEY in at.session_state else OrderedDict()
    store[sid] = Source(sid, kind, table.name or kind, table, dict(extra))
    at.session_state[KEY] = store
    at.session_state["active_embeddings"] = table
    at.session_state["active_source"] = sid
    at.session_state["sidebar_pending_source"] = "session"
    at.session_state["sidebar_session_pick"] = sid
    return sid


def sidebar_text(at: AppTest) -> str:
    """Everything the sidebar shows as text (markdown, captions, plain text)."""
    parts = [m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption]
    parts += [t.value for t in at.sidebar.text]
    return " ".join(shown(p) for p in parts)
