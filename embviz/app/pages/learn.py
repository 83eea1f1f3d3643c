"""Learn: the ideas of embeddings as a guided sequence of live views on the real data.

Seven steps (built by :mod:`embviz.lecture`, cached per table), with previous / next buttons.
Presentation mode presents the same steps as a deck: fitted to the screen, a clicker's keys, the
next step built ahead, a presenter tab (``?presenter=1``) with speaker notes.
"""
from __future__ import annotations

import streamlit as st

import embviz
from embviz import Embeddings, lecture
from embviz.app import common, layout, present, presenter, slideshow, sources, text
from embviz.deck import learn_deck

P = "learn"
STEPS = lecture.STEPS
MIN_WORDS = 300  # fewer words than this cannot tell the story: the steps use the bundled table
DEFAULTS = {"word": "", "k": 8, "expr": ""}
WIDGET = {"word": {1: f"{P}_lookup_word", 2: f"{P}_nb_word"}, "k": {3: f"{P}_k"}, "expr": {4: f"{P}_expr"}}


def _lecture_table() -> tuple[Embeddings, str, str]:
    """The active table (and its source id), or the bundled one when the active table is too small."""
    emb = common.active_embeddings()
    if len(emb) >= MIN_WORDS:
        return emb, common.active_source(), ""
    return common.demo_table(), "demo:minilm-words", (
        f"The active table ({text.md(emb.name or 'embeddings')}) has only {len(emb):,} words, fewer than "
        f"these steps need ({MIN_WORDS}); they use the bundled table.")


def _settings(i: int) -> dict:
    """What step ``i`` is told, from its widgets' values."""
    out = {}
    for name, by_step in WIDGET.items():
        if i in by_step:
            value = st.session_state.get(by_step[i], DEFAULTS[name])
            out[name] = value.strip() if isinstance(value, str) else value
    return out


def _deck(source: str):
    d = learn_deck([t for t, _ in STEPS], lecture.NOTES)
    for i, view in enumerate(d):
        view.data = source
        view.settings.update(_settings(i))
    return d


def _widgets() -> None:
    """The current step's controls (a word, the number of groups, the analogy)."""
    i = int(st.session_state.get(f"{P}_step", 0)) % len(STEPS)
    if i == 1:
        st.text_input("Word", key=f"{P}_lookup_word", placeholder="king")
    elif i == 2:
        st.text_input("Word", key=f"{P}_nb_word", placeholder="coffee")
    elif i == 3:
        st.slider("Groups", 3, 15, 8, key=f"{P}_k")
    elif i == 4:
        st.text_input("Analogy", key=f"{P}_expr", placeholder="king - man + woman")
    if present.is_on():
        st.link_button("Presenter view (speaker notes) ↗", presenter.presenter_url(), icon=":material/co_present:")
        slideshow.readiness(_deck(_lecture_table()[1]), P)


def _train_offer() -> None:
    """Step 6 without a trained model: offer to train a small one."""
    i = int(st.session_state.get(f"{P}_step", 0)) % len(STEPS)
    if i != 5 or sources.latest("trained") is not None:
        return
    if st.button("Train a small word2vec now", key=f"{P}_train", icon=":material/play_arrow:"):
        model = _quick_model()
        if not getattr(model, "stopped", False):
            sources.add(model, "trained", model.name, model=model)
            st.rerun()


def _quick_model():
    """One small model per server (shared by every session): 100 dims, 3 epochs, in the worker pool."""
    box = _quick_box()
    if "model" not in box:
        model = common.run_with_progress("Training word2vec on the bundled corpus", embviz.train_word2vec,
                                         embviz.demo_corpus(), dims=100, epochs=3, min_count=5, workers=1)
        if getattr(model, "stopped", False):
            return model
        box["model"] = model
    return box["model"]


@st.cache_resource(show_spinner=False)
def _quick_box() -> dict:
    return {}


def _read_url() -> None:
    if "learn_url_read" in st.session_state:
        return
    st.session_state["learn_url_read"] = True
    step = st.query_params.get("step", "")
    if step.isdigit() and 1 <= int(step) <= len(STEPS):
        st.session_state[f"{P}_step"] = int(step) - 1
    elif step:
        st.warning(f"URL parameter 'step' must be a number from 1 to {len(STEPS)}; got {text.md(step[:40])} — "
                   "starting at 1.")


def render() -> None:
    emb, source, note = _lecture_table()
    _read_url()
    d = _deck(source)
    headings = [f"{i + 1}. {t}" for i, (t, _) in enumerate(STEPS)]
    if present.is_on():
        present.exit_button(f"{P}_exit")
        slideshow.prepare_once(d, P)
        i = slideshow.player(d, f"{P}_step", headings=headings, controls=_widgets, extra=_train_offer)
    else:
        st.title("Learn")
        st.caption("What embeddings are, in seven live steps on the table chosen in the sidebar "
                   f"({text.md(emb.name or 'embeddings')}, {len(emb):,} words).")
        if note:
            st.caption(note)
        i = present.stepper(len(STEPS), f"{P}_step", [t for t, _ in STEPS])
        try:
            c = slideshow.content(d[i])
        except Exception as exc:  # noqa: BLE001 — a step that cannot run on this table says why
            common.show_error(exc, f"learn step {i + 1}")
        else:
            layout.draw(c, f"{P}_step", heading=headings[i], controls=_widgets, extra=_train_offer)
        for j in (i + 1,):  # the next step, built ahead
            if j < len(d):
                slideshow.content(d[j], wait=False)
    st.query_params["step"] = str(i + 1)
    if present.is_on():
        st.query_params["present"] = "1"
        st.query_params["deck"] = presenter.deck_id()
    elif "present" in st.query_params:  # after "Exit presentation": a reload must not start it again
        del st.query_params["present"]
