"""The deck in the app: saving and opening views, drawing a slide, presenting, the presenter tab.

- The session's deck (:class:`embviz.deck.Deck`) lives in ``st.session_state["deck"]``; every
  page adds to it through :func:`save_view_button`. :func:`open_view` puts a view's values into
  its page's widgets and switches to that page.
- :func:`draw` lays out one :class:`embviz.slides.Content` (normally, or fitted to the screen).
- :func:`player` presents a deck: one slide at a time with the clicker's keys, the next and
  previous slides built ahead in a background thread (so a step only draws), and a morph when two
  consecutive slides show the same points.
- :func:`publish` / :func:`presenter` share the position of a presented deck with a presenter tab
  (another Streamlit session) through a small server-side store keyed by a deck id in both URLs.
"""
from __future__ import annotations

import importlib
import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

from embviz import slides
from embviz.app import common, present, sources, state, text
from embviz.deck import Deck, learn_step

DECK = "deck"
MAX_CONTENTS = 48        # slides kept built, per server
MAX_DECKS = 64           # presented decks remembered for presenter tabs, per server
_ID = re.compile(r"^[A-Za-z0-9_-]{6,24}$")
TOP_PAGE = "explore"     # the default page (served at "/", alias "/explore")


# -- the session's deck -------------------------------------------------------------------------
def deck() -> Deck:
    return st.session_state.setdefault(DECK, Deck())


def view_keys(page: str) -> dict:
    """The page's ``VIEW_KEYS`` (widget name -> kind) — what a saved view of it stores."""
    try:
        return dict(getattr(importlib.import_module(f"embviz.app.pages.{page}"), "VIEW_KEYS", {}))
    except ImportError:
        return {}


def page_view(page: str, keys: dict | None = None) -> state.View:
    """The page's current view: the values of its ``keys`` widgets, on the active data."""
    keys = view_keys(page) if keys is None else keys
    ss = st.session_state
    settings = {k: ss[f"{page}_{k}"] for k in keys if f"{page}_{k}" in ss and _fits(ss[f"{page}_{k}"], keys[k])}
    settings = json.loads(json.dumps(settings, default=str))
    return state.View(data=common.active_source(), page=page, settings=settings)


def _fits(value, kind) -> bool:
    """Whether ``value`` may go into a widget declared as ``kind`` (a type, or (low, high))."""
    if isinstance(kind, tuple) and len(kind) == 2 and all(isinstance(v, (int, float)) for v in kind):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and kind[0] <= value <= kind[1]
    if isinstance(kind, tuple):
        return value in kind
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def save_view_button(page: str, view: state.View | None = None, *, keys: dict | None = None) -> None:
    """A small "Save this view" popover: a title, a note, and a button that adds the view to the deck."""
    views = deck()
    with st.popover("Save this view", icon=":material/bookmark_add:", key=f"{page}_save_view_box"):
        name = st.text_input("Title", key=f"{page}_view_name", placeholder=f"Slide {len(views) + 1}", max_chars=200)
        note = st.text_area("Speaker note", key=f"{page}_view_note", height=80, max_chars=state.MAX_NOTE,
                            help="Shown only on the presenter tab (?presenter=1).")
        if st.button("Add to the deck", key=f"{page}_save_view", icon=":material/add:", type="primary"):
            v = view or page_view(page, keys)
            v.page, v.name, v.note = v.page or page, name.strip() or f"Slide {len(views) + 1}", note.strip()
            views.add(v)
            st.toast(f"Saved {text.md(repr(v.name))} · {len(views)} slides in the deck (Deck page)")


def apply_view(view: state.View, problems: list[str]) -> str:
    """Put ``view``'s values into its page's widgets (call before they are drawn); returns the page."""
    page = view.page or TOP_PAGE
    if page == "learn":
        st.session_state["learn_step"] = (learn_step(view) or 1) - 1
        return page
    if page == "explore":
        from embviz.app.pages import explore

        explore.apply_view(view, common.active_embeddings(), problems)
        return page
    keys = view_keys(page)
    for name, value in view.settings.items():
        if name not in keys:
            problems.append(f"{page}: setting {name!r} is not one this page has; ignored")
        elif not _fits(value, keys[name]):
            problems.append(f"{page}: setting {name!r} = {str(value)[:40]!r} does not fit its control; ignored")
        else:
            st.session_state[f"{page}_{name}"] = value
    return page


def page_link(page: str) -> st.Page:
    """The ``st.Page`` of a page module (matched by its URL path, as dashboard.py names it)."""
    module = importlib.import_module(f"embviz.app.pages.{page}")
    return st.Page(module.render, url_path=page)


def open_view(i: int) -> None:
    """Apply slide ``i`` of the session's deck and go to its page."""
    view = deck()[i]
    problems: list[str] = []
    page = apply_view(view, problems)
    st.session_state["url_problems"] = problems
    query = {"present": "1"} if present.is_on() else {}
    if page == "learn":
        query["step"] = str(st.session_state["learn_step"] + 1)
    st.switch_page(page_link(page), query_params=query or None)


# -- data of a slide ------------------------------------------------------------------------------
def data_for(view: state.View):
    """(table, trained model or None, note) a view is drawn from."""
    active = common.active_embeddings()
    made = sources.latest("trained")
    trained = made.extra.get("model", made.emb) if made is not None else None
    if not view.data or view.data == common.active_source():
        return active, (trained if view.page != "train" else _model(view.data)), ""
    src = sources.get(view.data)
    if src is not None:
        return src.emb, (_model(view.data) if view.page == "train" else trained), ""
    if view.data.startswith("demo:"):
        table = _bundled(view.data.split(":", 1)[1])
        if table is not None:
            return table, trained, ""
    return active, trained, (f"Saved on {view.data}, which this session cannot open; drawn on "
                             f"{active.name or 'the active table'}.")


@st.cache_resource(show_spinner=False, max_entries=4)
def _bundled(name: str):
    from embviz.app import sidebar

    sets = sidebar.bundled()
    if name == "minilm-words" or name not in sets:
        return common.demo_table() if name == "minilm-words" else None
    return sets[name].load()


def _model(sid: str):
    src = sources.get(sid)
    return src.extra.get("model") if src is not None else None


# -- built slides (a process-wide store; a worker thread builds ahead) -----------------------------
@st.cache_resource(show_spinner=False)
def _store() -> tuple[OrderedDict, threading.Lock, ThreadPoolExecutor]:
    return OrderedDict(), threading.Lock(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="embviz-slides")


def _job(view: state.View, present_: bool):
    """(key, build function) of a slide; the function runs without streamlit (in any thread)."""
    emb, trained, note = data_for(view)
    order, hover = common.frequency_order(emb), common.hover_text(emb)
    trained_fp = trained.fingerprint() if trained is not None else ""
    key = (emb.fingerprint(), trained_fp, json.dumps(view.to_dict(), sort_keys=True, default=str), present_)

    def build():
        content = slides.build(view, emb, order=order, hover=hover, trained=trained, present=present_)
        if note:
            content.warning = (content.warning + " " + note).strip()
        return content
    return key, build


def _cached(key, build, wait: bool):
    """The store's value for ``key``: built now (``wait``) or queued for the worker thread."""
    store, lock, pool = _store()
    with lock:
        entry = store.get(key)
        if entry is None:
            entry = store[key] = [Future(), False]  # (result, claimed by a builder)
            while len(store) > MAX_CONTENTS:
                store.popitem(last=False)
            if not wait:
                pool.submit(_claim_and_build, entry, build, lock)
        else:
            store.move_to_end(key)
    if not wait:
        return None
    _claim_and_build(entry, build, lock)  # unless the worker already builds it: then wait for it
    return entry[0].result()


def content(view: state.View, *, present_: bool | None = None, wait: bool = True, size=None):
    """The built :class:`~embviz.slides.Content` of a slide: from the store, or built now (``wait``)
    or by the worker thread (``wait=False``, to have it ready for the next step).

    With ``size`` (the window's width and height), ``(content, figure fitted to it, its height)``."""
    key, build = _job(view, present.is_on() if present_ is None else present_)
    if size is None:
        return _cached(key, build, wait)
    size = (int(size[0]), int(size[1]))
    return _cached((key, "presented", size),
                   lambda: (lambda c: (c, *fitted(c, *size)))(_cached(key, build, True)), wait)


def prepare(d: Deck, size=None) -> None:
    """Have the worker build every slide of ``d`` (and fit it to ``size``), for a fast talk."""
    for view in d:
        content(view, present_=True, wait=False, size=size)


def ready(d: Deck, size=None) -> int:
    """How many slides of ``d`` are built (and fitted to ``size``)."""
    store, lock, _ = _store()
    keys = [_job(v, True)[0] for v in d]
    keys = keys if size is None else [(k, "presented", (int(size[0]), int(size[1]))) for k in keys]
    with lock:
        return sum(1 for k in keys if k in store and store[k][0].done())


def _claim_and_build(entry: list, build, lock: threading.Lock) -> None:
    with lock:
        if entry[1]:
            return
        entry[1] = True
    try:
        entry[0].set_result(build())
    except BaseException as exc:  # noqa: BLE001 — given to whoever waits (shown by the player)
        entry[0].set_exception(exc)


# -- drawing a slide ------------------------------------------------------------------------------
# Heights in pixels when presenting (Chromium, Source Sans, the presentation CSS), measured at
# 1280x720 and 1920x1080; tests/e2e/test_present.py checks that every slide then fits.
LINE = {"text": 34, "caption": 30, "alert": 34}   # one line of slide text, caption, message
CHAR = 11.8                                      # one character of slide text (1.45rem)
HEADING, METRICS, ALERT_PAD, TABLE_ROW, TABLE_HEAD = 42, 84, 34, 42, 46


def _lines(s: str, width: float, kind: str = "text") -> int:
    per = max(20, int(width / (CHAR * (0.88 if kind == "caption" else 1.0))))
    return sum(max(1, -(-len(part) // per)) for part in s.split("\n\n")) if s else 0


def _metrics_beside(c) -> bool:
    """Presenting, numbers go in a column beside a lone figure (a row above would take its height)."""
    return bool(c.metrics) and c.figure is not None and not (c.has_table and c.table_on_projector)


def fit(c, width: int, height: int) -> int:
    """The figure height (px) that leaves the whole slide ``c`` inside a ``width`` × ``height`` window."""
    g, inner = present.GAP, width - 72
    used = present.PAD_TOP + present.CONTROLS + g + HEADING + g + present.FOOTER
    used += (LINE["text"] * _lines(c.text, inner) + g) if c.text else 0
    used += sum(ALERT_PAD + LINE["alert"] * _lines(m, inner - 90) + g for m in (c.warning, c.error) if m)
    used += (METRICS + g) if c.metrics and not _metrics_beside(c) else 0
    used += (LINE["caption"] * _lines(c.caption, inner, "caption") + g) if c.caption else 0
    return max(200, height - used)


def fitted(c, width: int, height: int):
    """(figure sized for a ``width`` × ``height`` window, its height): what :func:`draw` shows
    presenting. Pure (no streamlit): the worker thread fits slides ahead of time."""
    import plotly.graph_objects as go

    from embviz.figures.style import presentation

    fig_h = fit(c, width, height)
    if c.figure is None:
        return None, fig_h
    show_table = c.has_table and c.table_on_projector
    share = c.figure_share / (c.figure_share + 1) if show_table else (0.78 if _metrics_beside(c) else 1.0)
    return presentation(go.Figure(c.figure), int((width - 72) * share), fig_h), fig_h


def draw(c, key: str, *, slot: int = 0, heading: str | None = None, controls=None, extra=None,
         token: str | None = None, morph_from=None, presented=None) -> None:
    """Lay out a slide: title, text, ``controls()``, messages, numbers, figure and table, caption.

    ``heading`` is Markdown written by the caller (default: the slide's title, escaped).
    The figure's element key is ``{key}_fig_{slot}`` (one per slide: a morph finds the new chart by
    it). Presenting, the controls go first (in the collapsed expander at the top) and everything is
    sized to fit the window without scrolling (``presented``: the :func:`fitted` figure and height,
    when built ahead). ``morph_from``: the previous slide's fitted figure — when both show the same
    points, the figure morphs."""
    on_air = present.is_on()
    if on_air and controls is not None:
        with present.controls():
            controls()
    st.header(heading if heading is not None else text.md(c.title), anchor=False)
    if c.text:
        st.markdown(c.text)
    if controls is not None and not on_air:
        controls()
    for kind, msg in (("warning", c.warning), ("error", c.error)):
        if msg:
            getattr(st, kind)(text.md(msg))
    if extra is not None:
        extra()
    beside = on_air and _metrics_beside(c)
    if c.metrics and not beside:
        for col, (label, value) in zip(st.columns(len(c.metrics)), c.metrics):
            col.metric(text.md(label), value)
    fig, height = c.figure, None
    show_table = c.has_table and (c.table_on_projector or not on_air)
    if on_air:
        fig, height = (presented[0], presented[1]) if presented else fitted(c, *present.viewport())
        if fig is not None and morph_from is not None and token:
            from embviz.figures.style import morph

            spec = morph(morph_from, fig)
            if spec is not None:
                present.morph_player(token, spec, f"st-key-{key}_fig_{slot}")
    rows = max(3, int(((height or 460) - TABLE_HEAD) // TABLE_ROW)) if on_air else None
    if fig is not None and show_table:
        share = [c.figure_share, 1] if not c.table_first else [1, c.figure_share]
        left, right = st.columns(share, gap="large")
        fig_box, table_box = (right, left) if c.table_first else (left, right)
        with table_box:
            present.table(c.table, formats=c.formats, rows=rows, column_config=_config(c.formats))
        fig_box.plotly_chart(fig, key=f"{key}_fig_{slot}", width="stretch")
    elif fig is not None and beside:
        left, right = st.columns([3.5, 1], gap="large")
        left.plotly_chart(fig, key=f"{key}_fig_{slot}", width="stretch")
        for label, value in c.metrics:
            right.metric(text.md(label), value)
    elif fig is not None:
        st.plotly_chart(fig, key=f"{key}_fig_{slot}", width="stretch")
    elif show_table:
        present.table(c.table, formats=c.formats, rows=rows, column_config=_config(c.formats))
    if c.caption:
        st.caption(text.md(c.caption))


def _config(formats: dict) -> dict:
    out = {}
    for col, fmt in formats.items():
        if fmt == "progress":
            out[col] = st.column_config.ProgressColumn(col, min_value=0, max_value=1, format="%.2f")
        elif fmt == "percent":
            out[col] = st.column_config.NumberColumn(col, format="percent")
        else:
            out[col] = st.column_config.NumberColumn(col, format=fmt)
    return out


# -- presenting a deck ----------------------------------------------------------------------------
def deck_id() -> str:
    """This session's deck id (also in the URL as ``deck=``, so a presenter tab finds it)."""
    ss = st.session_state
    if "deck_id" not in ss:
        given = st.query_params.get("deck", "")
        ss["deck_id"] = given if _ID.match(given or "") else secrets.token_urlsafe(8)
    return ss["deck_id"]


def player(d: Deck, key: str, *, headings: list[str] | None = None, controls=None, extra=None) -> int:
    """Present ``d``: the current slide fitted to the screen, a clicker's keys, the neighbours
    built ahead, a morph between slides that show the same points. Returns the index shown.

    ``headings``: Markdown titles written by the caller (default: each slide's title, as text)."""
    ss = st.session_state
    i = present.stepper(len(d), key, [v.name for v in d])
    came = ss.get(f"{key}_shown")
    stepped = present.moved(key) and came is not None and came != i
    size = present.viewport()
    view = d[i]
    try:
        c, fig, height = content(view, size=size)
    except Exception as exc:  # noqa: BLE001 — one broken slide must not stop the talk
        c, fig, height = slides.Content(view.name or f"Slide {i + 1}"), None, None
        common.show_error(exc, f"slide {i + 1}")
    prev = None
    if stepped and abs(came - i) == 1 and 0 <= came < len(d) and fig is not None:
        try:
            prev = content(d[came], size=size)[1]
        except Exception:  # noqa: BLE001 — no morph then: a cut
            prev = None
    ss["present_morphs"] = ss.get("present_morphs", 0) + 1
    token = f"{deck_id()}:{came}>{i}:{ss['present_morphs']}" if prev is not None else None
    draw(c, key, slot=i, heading=headings[i] if headings else None, controls=controls, extra=extra,
         token=token, morph_from=prev, presented=(fig, height))
    ss[f"{key}_shown"] = i
    publish(deck_id(), d, i)
    for j in (i + 1, i - 1):  # build ahead: a step only has to draw
        if 0 <= j < len(d):
            content(d[j], wait=False, size=size)
    return i


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
