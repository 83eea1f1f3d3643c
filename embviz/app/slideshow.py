"""The deck in the app: saving and opening views, drawing a slide, presenting, the presenter tab.

- The session's deck (:class:`embviz.deck.Deck`) lives in ``st.session_state["deck"]``; every
  page adds to it through :func:`save_view_button`. :func:`apply_open` puts a view's values (and
  data) into its page's widgets, and :func:`go` switches to that page.
- :mod:`embviz.app.layout` lays out one :class:`embviz.slides.Content` (fitted to the screen
  when presenting).
- :func:`player` presents a deck: one slide at a time with the clicker's keys, the next and
  previous slides built ahead in a background thread (so a step only draws), and a morph when two
  consecutive slides show the same points.
- :mod:`embviz.app.presenter` shares the position of a presented deck with a presenter tab.
"""
from __future__ import annotations

import importlib
import json
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

from embviz import slides
from embviz.app import common, layout, present, presenter, sources, state, text
from embviz.deck import Deck, learn_step

DECK = "deck"
MAX_CONTENTS = 48        # slides kept built, per server
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


def _use_data(data: str, problems: list[str]) -> None:
    """Make the view's data the active data when this session can open it (the sidebar follows).
    Sets the sidebar's widget state, so it runs in a callback (before the sidebar is drawn)."""
    ss = st.session_state
    if not data or data == common.active_source():
        return
    src = sources.get(data)
    if src is not None:
        ss["active_embeddings"], ss["active_source"] = src.emb, src.id
        ss["sidebar_source"], ss["sidebar_session_pick"] = "session", src.id
    elif data.startswith("demo:") and _bundled(data.split(":", 1)[1]) is not None:
        ss["sidebar_source"], ss["sidebar_demo"] = "demo", data.split(":", 1)[1]
    else:
        problems.append(f"this view was saved on {data!r}, which this session cannot open; it is shown on "
                        "the active data")


def apply_open(i: int) -> str:
    """Apply slide ``i`` of the session's deck (its data too, when it can be opened) to its page's
    widgets; returns the page. A button callback: it sets widget state before anything is drawn."""
    view = deck()[i]
    problems: list[str] = []
    _use_data(view.data, problems)
    page = apply_view(view, problems)
    st.session_state["url_problems"] = problems
    return page


def go(page: str) -> None:
    """Switch to ``page`` (after :func:`apply_open`), presenting if the deck is being presented."""
    query = {"present": "1"} if present.is_on() else {}
    if page == "learn":
        query["step"] = str(st.session_state.get("learn_step", 0) + 1)
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

    def fit_it():
        c = _cached(key, build, True)
        return (c, *layout.fitted(c, *size))
    return _cached((key, "presented", size), fit_it, wait)


def prepare(d: Deck, size=None) -> None:
    """Have the worker build every slide of ``d`` (and fit it to ``size``), for a fast talk."""
    for view in d:
        content(view, present_=True, wait=False, size=size)


def prepare_once(d: Deck, key: str) -> None:
    """Once per deck (as it is now) and screen size: build every slide in the background."""
    signature = (hash(d.to_json()), present.viewport())
    if st.session_state.get(f"{key}_prepared") != signature:
        prepare(d, present.viewport())
        # marked only once every slide is queued: a rerun may interrupt this run at any st call
        st.session_state[f"{key}_prepared"] = signature


def readiness(d: Deck, key: str) -> None:
    """"n of N built ahead" (polled by a fragment while the worker builds)."""
    def show() -> None:
        n = ready(d, present.viewport())
        with st.container(key=f"{key}_ready"):
            st.caption(f"{len(d)} slides · {n} of {len(d)} built ahead")
    if ready(d, present.viewport()) < len(d):
        st.fragment(show, run_every=1.0)()
    else:
        show()


def _failed(view: state.View, size) -> bool:
    key = (_job(view, True)[0], "presented", (int(size[0]), int(size[1])))
    store, lock, _ = _store()
    with lock:
        entry = store.get(key)
    return entry is not None and entry[0].done() and entry[0].exception() is not None


def built(view: state.View, size):
    """``(content, fitted figure, its height)`` of a slide when the worker has built it (else None:
    nothing waits)."""
    key = (_job(view, True)[0], "presented", (int(size[0]), int(size[1])))
    store, lock, _ = _store()
    with lock:
        entry = store.get(key)
    if entry is None or not entry[0].done() or entry[0].exception() is not None:
        return None
    return entry[0].result()


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


# -- presenting a deck ----------------------------------------------------------------------------
def player(d: Deck, key: str, *, headings: list[str] | None = None, controls=None, extra=None) -> int:
    """Present ``d``: the current slide fitted to the screen, a clicker's keys, the neighbours
    built ahead, a morph between slides that show the same points. Returns the index shown.

    ``headings``: Markdown titles written by the caller (default: each slide's title, as text)."""
    ss = st.session_state
    i = present.stepper(len(d), key, [v.name for v in d])
    came = ss.get(f"{key}_shown")
    stepped = present.moved(key) and came is not None and came != i
    size = present.viewport()
    slots = layout.stage(key, len(d), i)
    view = d[i]
    with slots[i]:
        try:
            c, fig, height = content(view, size=size)
        except Exception as exc:  # noqa: BLE001 — one broken slide must not stop the talk
            c, fig, height = slides.Content(view.name or f"Slide {i + 1}"), None, None
            common.show_error(exc, f"slide {i + 1}")
        layout.draw(c, key, slot=i, heading=headings[i] if headings else None, controls=controls, extra=extra,
                    presented=(fig, height), held=True)

    def ahead(j: int) -> None:
        made = built(d[j], size)
        if made is not None:  # (a slide that failed is shown, with its error, when it is the current one)
            layout.draw(made[0], key, slot=j, heading=headings[j] if headings else None, presented=made[1:],
                        held=True)
    layout.draw_ahead(key, slots, i, stepped, ahead,
                      ready=lambda j: built(d[j], size) is not None or _failed(d[j], size))
    spec = None
    if stepped and abs(came - i) == 1 and 0 <= came < len(d) and fig is not None:
        from embviz.figures.style import morph

        try:
            spec = morph(content(d[came], size=size)[1], fig)
        except Exception:  # noqa: BLE001 — no morph then: a cut
            spec = None
    if stepped:
        ss["present_morphs"] = ss.get("present_morphs", 0) + 1
    layout.keep_morph(key, i, stepped, f"{presenter.deck_id()}:{came}>{i}:{ss.get('present_morphs', 0)}", spec)
    ss[f"{key}_shown"] = i
    presenter.publish(presenter.deck_id(), d, i)
    for j in (i + 1, i - 1):  # build ahead (prepare_once queued every slide; this one first)
        if 0 <= j < len(d):
            content(d[j], wait=False, size=size)
    return i


