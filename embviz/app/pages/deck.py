"""Deck: the talk — saved views and Learn steps in order, each with a title and a speaker note.

Reorder, rename, annotate, delete, open a view on its page, present from any slide, download and
upload the deck (JSON), and export it as one offline HTML file. ``?present=1`` presents the deck;
``?presenter=1&deck=<id>`` is the presenter tab (notes and the next slide's title).
"""
from __future__ import annotations

import streamlit as st

from embviz import lecture
from embviz.app import common, present, presenter, slideshow, text
from embviz.deck import Deck, learn_slide, learn_step

P = "deck"
PAGE_NAMES = {"explore": "Explore", "analogies": "Analogies", "compare": "Compare", "clusters": "Clusters",
              "train": "Train", "learn": "Learn"}


def render() -> None:
    if page := st.session_state.pop(f"{P}_open", None):  # "Open" was pressed: its view is applied
        slideshow.go(page)
    deck = slideshow.deck()
    if present.is_on():
        _present(deck)
        return
    if "present" in st.query_params:  # after "Exit presentation": a reload must not start it again
        del st.query_params["present"]
    st.title("Deck")
    st.caption("Your talk: the views saved with **Save this view** on Explore, Analogies, Compare, Clusters and "
               "Train, and any Learn steps, in order. Give each a title and a speaker note, present it (keys: "
               "PageDown / → / Space, PageUp / ←, Home / End, b blanks the screen) with the notes on a second "
               "tab, or export it as one HTML file that runs offline.")
    _files(deck)
    if not len(deck):
        st.info("The deck is empty. Save a view on a page, add Learn steps below, or open a deck file.",
                icon=":material/slideshow:")
    else:
        _slides(deck)
    _add_learn(deck)


# -- presenting -------------------------------------------------------------------------------------
def _present(deck: Deck) -> None:
    present.exit_button(f"{P}_exit")
    if not len(deck):
        st.info("The deck is empty: exit presentation mode and save some views first.", icon=":material/info:")
        return

    def controls() -> None:
        st.link_button("Presenter view (speaker notes) ↗", presenter.presenter_url(), icon=":material/co_present:")
        st.caption(text.md(deck.title))
        slideshow.readiness(deck, P)

    slideshow.prepare_once(deck, P)
    slideshow.player(deck, f"{P}_slide", controls=controls)
    st.query_params.update({"present": "1", "deck": presenter.deck_id()})


def _start(i: int) -> None:
    st.session_state[f"{P}_slide"] = i
    st.session_state[present.KEY] = True


# -- the list ---------------------------------------------------------------------------------------
def _version() -> int:
    return int(st.session_state.get(f"{P}_version", 0))


def _changed() -> None:
    """After a move, delete or upload, widgets start again from the deck's values."""
    st.session_state[f"{P}_version"] = _version() + 1


def _rename(deck: Deck, i: int, key: str) -> None:
    deck.rename(i, st.session_state.get(key) or "")


def _note(deck: Deck, i: int, key: str) -> None:
    deck.set_note(i, st.session_state.get(key) or "")


def _move(deck: Deck, i: int, delta: int) -> None:
    deck.move(i, delta)
    _changed()


def _open(i: int) -> None:
    st.session_state[f"{P}_open"] = slideshow.apply_open(i)


def _delete(deck: Deck, i: int) -> None:
    deck.delete(i)
    _changed()


def _slides(deck: Deck) -> None:
    v = _version()
    for i, view in enumerate(deck):
        with st.container(border=True, key=f"{P}_row_{i}"):
            row = st.columns([0.35, 3.2, 1.1, 0.45, 0.45, 0.9, 1.35, 0.45], vertical_alignment="bottom")
            row[0].markdown(f"**{i + 1}**")
            row[1].text_input("Title", view.name, key=f"{P}_title_{v}_{i}", max_chars=200,
                              on_change=_rename, args=(deck, i, f"{P}_title_{v}_{i}"), label_visibility="collapsed")
            step = learn_step(view)
            where = f"Learn step {step}" if step else PAGE_NAMES.get(view.page or "explore", text.md(view.page))
            row[2].caption(where)
            row[3].button("", icon=":material/arrow_upward:", key=f"{P}_up_{v}_{i}", on_click=_move,
                          args=(deck, i, -1), disabled=i == 0, help="Move up")
            row[4].button("", icon=":material/arrow_downward:", key=f"{P}_down_{v}_{i}", on_click=_move,
                          args=(deck, i, 1), disabled=i == len(deck) - 1, help="Move down")
            row[5].button("Open", key=f"{P}_open_{v}_{i}", icon=":material/open_in_new:", on_click=_open,
                          args=(i,), help="Go to its page with this view applied")
            row[6].button("Present from here", key=f"{P}_present_{v}_{i}", icon=":material/slideshow:",
                          on_click=_start, args=(i,))
            row[7].button("", icon=":material/delete:", key=f"{P}_delete_{v}_{i}", on_click=_delete,
                          args=(deck, i), help="Delete this slide")
            st.text_area("Speaker note", view.note, key=f"{P}_note_{v}_{i}", height=68, max_chars=2000,
                         on_change=_note, args=(deck, i, f"{P}_note_{v}_{i}"), label_visibility="collapsed",
                         placeholder="Speaker note (shown only on the presenter tab)")


def _add_learn(deck: Deck) -> None:
    with st.expander("Add Learn steps", icon=":material/school:"):
        titles = [t for t, _ in lecture.STEPS]
        picked = st.multiselect("Steps", range(1, len(titles) + 1), format_func=lambda s: f"{s}. {titles[s - 1]}",
                                key=f"{P}_learn_pick")
        if st.button("Add to the deck", key=f"{P}_learn_add", disabled=not picked, icon=":material/add:"):
            for s in picked:
                deck.add(learn_slide(s, titles[s - 1], lecture.NOTES[s - 1]))
            _changed()
            st.rerun()


# -- files ------------------------------------------------------------------------------------------
def _files(deck: Deck) -> None:
    left, mid, right = st.columns([1.4, 1, 1], vertical_alignment="bottom")
    title = left.text_input("Talk title", deck.title, key=f"{P}_deck_title_{_version()}", max_chars=200)
    deck.title = title.strip() or deck.title
    mid.download_button("Download the deck (JSON)", deck.to_json, "embviz_deck.json", "application/json",
                        key=f"{P}_download", icon=":material/download:", on_click="ignore", width="stretch",
                        disabled=not len(deck))
    with right.popover("Export as offline HTML", icon=":material/ios_share:", width="stretch", disabled=not len(deck)):
        st.caption("One self-contained HTML file: every slide's figure (with its animation), the texts and the "
                   "clicker keys, no server and no network needed (about 5 MB plus the figures). Speaker notes "
                   "stay hidden (press N in the file to show them).")
        if st.button("Build the file", key=f"{P}_build_html", icon=":material/build:"):
            st.session_state[f"{P}_html"] = _export(deck)
        built = st.session_state.get(f"{P}_html")
        if built:
            st.download_button("Download talk.html", lambda: built, "talk.html", "text/html",
                               key=f"{P}_download_html", icon=":material/download:", on_click="ignore")
    st.file_uploader("Open a deck or saved-views file (JSON)", type=["json"], key=f"{P}_upload",
                     on_change=_upload)
    if msg := st.session_state.get(f"{P}_msg"):
        (st.error if msg[0] == "error" else st.info)(msg[1])


def _upload() -> None:
    f = st.session_state.get(f"{P}_upload")
    if f is None:
        return
    try:
        deck, problems = Deck.from_json(f.getvalue())
    except ValueError as exc:
        st.session_state[f"{P}_msg"] = ("error", text.md(f"{f.name}: {exc}"))
        return
    st.session_state[slideshow.DECK] = deck
    _changed()
    extra = (" " + "; ".join(problems[:5])) if problems else ""
    st.session_state[f"{P}_msg"] = ("info", text.md(f"Opened {len(deck)} slides from {f.name}.{extra}"))


def _export(deck: Deck) -> bytes:
    from embviz import talk

    contents = []
    bar = st.progress(0.0, text="Building the slides…")
    for i, view in enumerate(deck):
        try:
            contents.append(slideshow.content(view, present_=True))
        except Exception as exc:  # noqa: BLE001 — the talk still exports; the slide says why
            from embviz.slides import Content

            contents.append(Content(view.name or f"Slide {i + 1}", error=common.error_text(exc, "export")))
        bar.progress((i + 1) / len(deck), text=f"Built slide {i + 1} of {len(deck)}")
    bar.empty()
    return talk.deck_html(contents, title=deck.title, notes=[v.note for v in deck]).encode("utf-8")
