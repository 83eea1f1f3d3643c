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


def figures(at: AppTest) -> list[dict]:
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


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]
