"""Laying out one slide: title, text, numbers, figure and table — on a desk screen, or fitted to a
projector's window so that nothing scrolls.

:func:`fit` and :func:`fitted` are plain Python (no streamlit call), so the slide worker thread of
:mod:`embviz.app.slideshow` fits slides ahead of time; :func:`draw` puts them on the page.
"""
from __future__ import annotations

import time

import streamlit as st

from embviz.app import present, text

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
         presented=None, held: bool = False) -> None:
    """Lay out a slide: title, text, ``controls()``, messages, numbers, figure and table, caption.

    ``heading`` is Markdown written by the caller (default: the slide's title, escaped).
    The figure's element key is ``{key}_fig_{slot}`` (one per slide: a morph finds the new chart by
    it). Presenting, the controls go first (in the collapsed expander at the top) and everything is
    sized to fit the window without scrolling (``presented``: the :func:`fitted` figure and height,
    when built ahead).

    ``held``: the slide is drawn in a slot of a :func:`stage`; its controls and ``extra`` sit in
    boxes that are there even when empty (a slide drawn ahead has neither), so every element keeps
    its place when the slide becomes the one shown — and its chart is not drawn again."""
    on_air = present.is_on()
    if held:
        with st.container(key=f"{key}_ctl_{slot}"):
            if controls is not None:
                with present.controls():
                    controls()
    elif on_air and controls is not None:
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
    if held:
        with st.container(key=f"{key}_extra_{slot}"):
            if extra is not None:
                extra()
    elif extra is not None:
        extra()
    beside = on_air and _metrics_beside(c)
    if c.metrics and not beside:
        for col, (label, value) in zip(st.columns(len(c.metrics)), c.metrics):
            col.metric(text.md(label), value)
    fig, height = c.figure, None
    show_table = c.has_table and (c.table_on_projector or not on_air)
    if on_air:
        fig, height = (presented[0], presented[1]) if presented else fitted(c, *present.viewport())
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


def stage(key: str, n: int, shown: int) -> list:
    """``n`` slots (containers) of which only ``shown`` is seen; the others lie under it, out of the
    flow. A slide drawn ahead in a hidden slot (its chart laid out, its WebGL context made and its
    pixels rastered: seconds in a software renderer) is shown by a step without being drawn again,
    because it keeps its place among the page's elements (every slot is always there, at the same
    index).

    A hidden slot is not ``visibility: hidden`` or ``opacity: 0``: the browser would skip painting
    it, and showing it would then cost a full raster of the figure (0.3-0.6 s at 1920×1080 in a
    software renderer). At opacity 0.001 it stays painted, and a step only changes its opacity and
    place. (At 0.002 the compositor's 8-bit alpha rounds up to 1/255: hidden dark text showed as a
    ghost 1-2 levels under the white page; 0.001 rounds to nothing.)"""
    box = st.container(key=f"{key}_stage")
    with box:
        st.html(f"<style>.st-key-{key}_stage {{ position: relative; isolation: isolate; }}\n"
                f".st-key-{key}_stage > :not(:has(.st-key-{key}_slot_{shown})):not(.st-key-{key}_slot_{shown}) "
                "{ position: absolute !important; top: 0; left: 0; right: 0; z-index: -1; "
                f"opacity: {HIDDEN_OPACITY} !important; pointer-events: none; }}</style>")
        return [st.container(key=f"{key}_slot_{j}") for j in range(n)]


HIDDEN_OPACITY = 0.001  # a slide drawn ahead: painted, not seen (see stage)
AHEAD_DELAY = 1.5  # s after a step before its new neighbour is drawn (hidden): the step comes first


def draw_ahead(key: str, slots: list, shown: int, stepped: bool, draw, ready=None) -> None:
    """Draw the neighbours of slot ``shown`` (``draw(j)``, in hidden slots) so that a step to one
    only shows it. A neighbour new to the page (or not ``ready(j)`` yet: being built) is drawn by a
    later run, which a fragment asks for once it is ready and, after a step, ``AHEAD_DELAY`` has
    passed: drawing it in the step's own run would hold up the step."""
    ss = st.session_state
    had, drawn, waiting = set(ss.get(f"{key}_drawn", ())), {shown}, []
    for j in (j for j in (shown - 1, shown + 1) if 0 <= j < len(slots)):
        if (ready is None or ready(j)) and (j in had or not stepped):
            with slots[j]:
                draw(j)
            drawn.add(j)
        else:
            waiting.append(j)
    ss[f"{key}_drawn"] = drawn
    if waiting:
        after = time.monotonic() + (AHEAD_DELAY if stepped else 0.0)

        def rerun_when_ready() -> None:
            if time.monotonic() >= after and all(ready is None or ready(j) for j in waiting):
                st.rerun()
        st.fragment(rerun_when_ready, run_every=0.5)()


def keep_morph(key: str, shown: int, stepped: bool, token: str | None, spec: dict | None) -> None:
    """Morph the chart ``{key}_fig_{shown}`` from ``spec`` (set on a step; ``None``: a cut), and keep
    the player on the page until the next step: a rerun in between must not cut the morph."""
    ss = st.session_state
    if stepped:
        ss[f"{key}_morph"] = (shown, token, spec) if spec is not None and token else None
    played = ss.get(f"{key}_morph")
    if played and played[0] == shown:
        present.morph_player(played[1], played[2], f"st-key-{key}_fig_{shown}")


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



def one_at_a_time(figs, key: str, *, label=str, signature=None) -> str:
    """Presenting, several figures of the same points (Compare's maps) as one full-width figure at a
    time, stepped like slides (Previous / Next in the footer, a clicker's keys); a step morphs the
    points from the figure shown before (:func:`embviz.figures.style.morph`) instead of cutting, and
    the neighbouring figures are drawn ahead in a :func:`stage`. Returns the name shown. The
    figures should be sized with ``footer=True``.

    ``figs``: name -> figure, or a function that builds them, called once per ``signature`` (the
    session keeps them: a step must not build every map again)."""
    from embviz.figures.style import morph

    ss = st.session_state
    if callable(figs):
        held = ss.get(f"{key}_figs")
        if held is None or held[0] != signature:
            held = ss[f"{key}_figs"] = (signature, figs())
        figs = held[1]
    names = list(figs)
    i = present.stepper(len(names), f"{key}_step", [label(n) for n in names])
    before = ss.get(f"{key}_was")
    stepped = present.moved(f"{key}_step") and before in figs and before != names[i]
    slots = stage(key, len(names), i)
    with slots[i]:
        st.plotly_chart(figs[names[i]], key=f"{key}_fig_{i}", width="stretch")
    draw_ahead(key, slots, i, stepped,
               lambda j: st.plotly_chart(figs[names[j]], key=f"{key}_fig_{j}", width="stretch"))
    if stepped:
        ss[f"{key}_count"] = ss.get(f"{key}_count", 0) + 1
    spec = morph(figs[before], figs[names[i]]) if stepped else None
    keep_morph(key, i, stepped, f"{key}-{ss.get(f'{key}_count', 0)}", spec)
    ss[f"{key}_was"], ss[f"{key}_shown"] = names[i], i
    return names[i]
