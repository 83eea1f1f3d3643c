"""The presenter tab: the current slide's note and the next slide's title, following a presented deck.

The presenting tab and the presenter tab are two Streamlit sessions. The presenting one
:func:`publish`-es its position into a small server-side store keyed by a deck id that both URLs
carry (``?present=1&deck=<id>`` and ``?presenter=1&deck=<id>``); the presenter tab polls it with
``st.fragment(run_every=...)``. The store keeps the newest :data:`MAX_DECKS` decks.
"""
from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict

import streamlit as st

from embviz.app import present, text
from embviz.deck import Deck

MAX_DECKS = 64           # presented decks remembered for presenter tabs, per server
_ID = re.compile(r"^[A-Za-z0-9_-]{6,24}$")


def deck_id() -> str:
    """This session's deck id (also in the URL as ``deck=``, so a presenter tab finds it)."""
    ss = st.session_state
    if "deck_id" not in ss:
        given = st.query_params.get("deck", "")
        ss["deck_id"] = given if _ID.match(given or "") else secrets.token_urlsafe(8)
    return ss["deck_id"]


@st.cache_resource(show_spinner=False)
def _decks() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def publish(did: str, d: Deck, i: int) -> None:
    """Tell presenter tabs that deck ``did`` shows slide ``i``."""
    store, lock = _decks()
    entry = {"titles": [v.name for v in d], "notes": [v.note for v in d], "pos": i, "title": d.title,
             "blank": bool(st.session_state.get(present.BLANK)), "at": time.time()}
    with lock:
        store[did] = entry
        store.move_to_end(did)
        while len(store) > MAX_DECKS:
            store.popitem(last=False)


def position(did: str) -> dict | None:
    store, lock = _decks()
    with lock:
        entry = store.get(did)
        return dict(entry) if entry else None


def presenter_url() -> str:
    """The presenter tab's address (any page answers ``?presenter=1``; the Deck page is the one)."""
    return f"/deck?presenter=1&deck={deck_id()}"


def presenter(did: str) -> None:
    """The presenter tab: the current slide's note and the next slide's title, following the deck."""
    st.markdown("### :material/co_present: Presenter view")
    if not _ID.match(did or ""):
        st.error("This link has no valid deck id (`deck=`). Open the presenter view from the presentation's "
                 "Controls.")
        return

    @st.fragment(run_every=0.7)
    def follow() -> None:
        entry = position(did)
        if entry is None:
            st.info("Waiting for the presentation to start (deck " + text.md(did) + ")…")
            return
        i, n = entry["pos"], len(entry["titles"])
        with st.container(key="presenter_now"):
            st.caption(f"Slide {i + 1} of {n}" + (" · screen blanked" if entry["blank"] else ""))
            st.subheader(text.md(entry["titles"][i] or f"Slide {i + 1}"), anchor=False)
        with st.container(key="presenter_note", border=True):
            note = entry["notes"][i]
            st.markdown(text.md(note) if note else ":gray[No note for this slide.]")
        nxt = entry["titles"][i + 1] if i + 1 < n else ""
        with st.container(key="presenter_next"):
            st.markdown(f"**Next:** {text.md(nxt)}" if nxt else "**Next:** — the end —")
        st.caption(f"Updated {time.strftime('%H:%M:%S', time.localtime(entry['at']))}")

    follow()
