"""Presentation mode: controls hidden, large type and markers, one clean full-width figure.

Turned on by the sidebar toggle or the URL (``?present=1``). Pages ask :func:`is_on` and draw
their figure with ``present=True``; :func:`stepper` gives next/previous through Learn steps or
saved views. An "Exit" button stays on the page because the sidebar is hidden.
"""
from __future__ import annotations

import streamlit as st

from embviz.app import text

KEY = "present"

BASE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
[data-testid="stMain"] h1 { padding-top: 0.2rem; }
</style>
"""

CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] {
  display: none !important;
}
[data-testid="stMainBlockContainer"], .block-container {
  padding: 1.2rem 2.2rem 0.5rem 2.2rem !important; max-width: 100% !important;
}
[data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.45rem !important; line-height: 1.5; }
[data-testid="stMain"] h1 { font-size: 2.9rem !important; padding-top: 0 !important; }
[data-testid="stMain"] h2 { font-size: 2.2rem !important; }
[data-testid="stMain"] h3 { font-size: 1.8rem !important; }
[data-testid="stMain"] button p { font-size: 1.2rem !important; }
[data-testid="stMetricValue"] { font-size: 2.6rem !important; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 1.15rem !important; }
</style>
"""


def init_from_url() -> None:
    """Read ``?present=1`` once per session, before the toggle exists."""
    if "present_url_read" not in st.session_state:
        st.session_state["present_url_read"] = True
        if st.query_params.get("present") in ("1", "true"):
            st.session_state[KEY] = True


def is_on() -> bool:
    return bool(st.session_state.get(KEY, False))


def toggle() -> None:
    """The sidebar switch (the sidebar itself is hidden while presenting)."""
    st.toggle("Presentation mode", key=KEY,
              help="Hides the controls and enlarges type and markers for a projector. "
                   "Also `?present=1` in the URL.")


def _exit() -> None:
    st.session_state[KEY] = False


def apply() -> None:
    """Inject the page style, and the presentation style when the mode is on."""
    st.html(CSS if is_on() else BASE_CSS)


def exit_button(key: str) -> None:
    if is_on():
        st.button("Exit presentation", icon=":material/close_fullscreen:", key=key, on_click=_exit,
                  type="tertiary")


def stepper(n: int, key: str, labels: list[str] | None = None, on_move=None) -> int:
    """Previous / next buttons (and a position readout) over ``n`` steps; returns the index.

    ``on_move(i)`` runs in the button's callback, before the page's widgets are drawn, so it may
    set their state (e.g. apply a saved view)."""
    if n <= 0:
        return 0
    i = int(st.session_state.get(key, 0)) % n

    def move(delta: int) -> None:
        st.session_state[key] = (int(st.session_state.get(key, 0)) + delta) % n
        if on_move is not None:
            on_move(st.session_state[key])

    left, mid, right = st.columns([1, 6, 1], vertical_alignment="center")
    left.button("Previous", icon=":material/arrow_back:", key=f"{key}_prev", on_click=move, args=(-1,),
                width="stretch", disabled=n < 2)
    right.button("Next", icon=":material/arrow_forward:", key=f"{key}_next", on_click=move, args=(1,),
                 width="stretch", disabled=n < 2)
    label = labels[i] if labels else ""
    title = f" · {text.md(label)}" if label else ""  # view titles come from uploaded JSON: plain text
    mid.markdown(f":gray[{i + 1} / {n}{title}]", text_alignment="center")
    return i
