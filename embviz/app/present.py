"""Presentation mode: controls behind one "Controls" expander, one full-width figure, large type.

Turned on by the sidebar toggle or the URL (``?present=1``, on every page). Pages lay out through
these helpers and nothing else changes for them:

- :func:`title` — the page title and caption (hidden on a projector: the figure carries a title);
- :func:`controls` — a container for the page's controls (the "Controls" expander when presenting);
- :func:`chart` — the page's figure, sized to the screen by :func:`embviz.figures.style.presentation`;
- :func:`table` — a table, as large HTML text when presenting;
- :func:`stepper` — previous / next with a clicker's keys (PageDown / → / Space, PageUp / ←,
  Home / End, "b" blanks the screen), Streamlit button shortcuts;
- :func:`save_view_button` — the shared "Save this view" control (:mod:`embviz.app.slideshow`).

The screen size comes from a small component (``st.components.v2``) that reports the window's
size; the same component plays a morph's animation frames (:func:`morph_player`).
"""
from __future__ import annotations

import streamlit as st

from embviz.app import text
from embviz.figures.style import MORPH_JS

KEY = "present"
BLANK = "present_blank"
VIEWPORT = "present_viewport"
DEFAULT_VIEWPORT = (1920, 1080)
# Vertical pixels of presentation chrome, measured in Chromium at 1280x720 and 1920x1080 (tests/e2e):
# the padding above, the collapsed "Controls" expander, Streamlit's gap between elements, and the
# fixed footer (the stepper) with the margin kept above it.
PAD_TOP, CONTROLS, GAP, FOOTER, PAD_BOTTOM = 12, 40, 16, 64, 8
PAGE_CHROME = PAD_TOP + CONTROLS + GAP + PAD_BOTTOM + 8
CAPTION = GAP + 40  # one line of caption under a figure

# a zero-height component (the map's width probe) takes no gap of its column either
PROBE_CSS = '[data-testid="stElementContainer"][height="0px"]:has(> .stBidiComponent) { margin-bottom: -1rem; }'
BASE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
[data-testid="stMain"] h1 { padding-top: 0.2rem; }
</style>
"""

CSS = f"""
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
.st-key-present_keys, .st-key-present_component, .st-key-present_morph {{ display: none !important; }}
[data-testid="stLayoutWrapper"]:has(> .st-key-present_keys), [data-testid="stLayoutWrapper"]:has(> .st-key-present_component),
[data-testid="stLayoutWrapper"]:has(> .st-key-present_morph) {{ display: none !important; }}
[data-testid="stLayoutWrapper"]:has(> .st-key-present_exit), [data-testid="stLayoutWrapper"]:has(> .st-key-present_footer),
[data-testid="stLayoutWrapper"]:has(> .st-key-present_blank) {{ position: absolute !important; height: 0 !important; }}
[data-testid="stMainBlockContainer"], .block-container {{
  padding: {PAD_TOP}px 2.2rem {PAD_BOTTOM}px 2.2rem !important; max-width: 100% !important;
}}
html, body, [data-testid="stMain"] {{ overflow: hidden !important; }}
[data-testid="stMain"] p, [data-testid="stMain"] li {{ font-size: 1.45rem !important; line-height: 1.45; }}
[data-testid="stMain"] h1 {{ font-size: 2.6rem !important; padding-top: 0 !important; }}
[data-testid="stMain"] h2 {{ font-size: 2.1rem !important; padding: 0.1rem 0 0 0 !important; }}
[data-testid="stMain"] h3 {{ font-size: 1.8rem !important; }}
[data-testid="stMain"] button p {{ font-size: 1.2rem !important; }}
[data-testid="stMetricValue"] {{ font-size: 2.3rem !important; }}
[data-testid="stMetricLabel"] p {{ font-size: 1.25rem !important; }}
[data-testid="stMain"] [data-testid="stCaptionContainer"] p {{ font-size: 1.25rem !important; }}
[data-testid="stTable"] td, [data-testid="stTable"] th {{ font-size: 1.35rem !important; padding: 0.2rem 0.6rem !important; }}
.st-key-present_controls {{ margin-right: 240px; }}
[data-testid="stMain"] .st-key-present_controls summary p {{ font-size: 1.1rem !important; }}
.st-key-present_exit {{ position: fixed; top: {PAD_TOP}px; right: 2.2rem; z-index: 1000; width: auto !important; }}
.st-key-present_footer {{ position: fixed; left: 2.2rem; bottom: 4px; z-index: 900; width: calc(100vw - 4.4rem) !important;
  height: {FOOTER - 8}px; background: rgba(255,255,255,0.92); }}
[data-testid="stLayoutWrapper"]:has(> [data-testid="stExpander"] > details > summary [data-testid="stExpanderIconCheck"]) {{
  display: none !important; }}  /* a finished "done in 12 s" status: not for the room (a running one stays) */
.embviz-blank {{ position: fixed; inset: 0; background: #000; z-index: 100000; }}
</style>
"""

_JS = MORPH_JS + """
export default function(component) {
  const { setStateValue, data } = component;
  const d = data || {};
  const cleanups = [];
  if (d.report) {  // the window's size, sent when it differs from what the server knows
    const send = () => {
      const size = [window.innerWidth, window.innerHeight];
      const known = d.known || [];
      if (known[0] !== size[0] || known[1] !== size[1]) setStateValue('size', size);
    };
    send();
    let timer = null;
    const onResize = () => { clearTimeout(timer); timer = setTimeout(send, 300); };
    window.addEventListener('resize', onResize);
    cleanups.push(() => window.removeEventListener('resize', onResize));
  }
  if (d.token && d.target && d.spec) {  // morph the new chart (in d.target) from d.spec's positions, once
    const style = document.createElement('style');
    style.textContent = '.' + d.target + ' .js-plotly-plot { visibility: hidden; }';
    document.head.appendChild(style);  // no flash of the end state before the first frame
    const unhide = () => style.remove();
    const start = performance.now();
    let done = false;
    const tick = () => {
      if (done) return;
      const gd = document.querySelector('.' + d.target + ' .js-plotly-plot');
      if (gd && gd._fullLayout && gd._fullData && window.Plotly && gd.__embvizPlayed !== d.token) {
        gd.__embvizPlayed = d.token;
        done = true;
        try {
          gd.on('plotly_animatingframe', unhide);  // shown from the first frame (the start positions)
          const run = embvizMorph(window.Plotly, gd, d.spec.from, d.spec.ranges, {});
          const finish = () => { unhide(); gd.__embvizMorphed = d.token; };
          if (run && run.then) run.then(finish, finish); else finish();
        } catch (e) { unhide(); }
        return;
      }
      if (performance.now() - start < 4000) requestAnimationFrame(tick); else unhide();
    };
    requestAnimationFrame(tick);
    cleanups.push(() => { done = true; unhide(); });
  }
  return () => cleanups.forEach(f => f());
}
"""


@st.cache_resource(show_spinner=False)
def _component():
    return st.components.v2.component("embviz_present", js=_JS)


# -- the mode ------------------------------------------------------------------------------------
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
              help="Hides the controls and enlarges type and figures for a projector. Keys: PageDown, → "
                   "or Space next; PageUp or ← back; Home / End; b blanks the screen. Also `?present=1`.")


def _exit() -> None:
    st.session_state[KEY] = False
    st.session_state[BLANK] = False


PRESENTER_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"] { display: none !important; }
.st-key-presenter_now h3 { font-size: 2.4rem !important; }
.st-key-presenter_note p { font-size: 1.7rem !important; line-height: 1.45; }
.st-key-presenter_next p { font-size: 1.4rem !important; }
</style>
"""


def apply() -> None:
    """Inject the page style; when presenting, also the screen-size reporter. A presenter tab
    (``?presenter=1&deck=<id>``, on any page) shows the speaker's view instead of the page."""
    if st.query_params.get("presenter") in ("1", "true"):
        from embviz.app import presenter

        st.html(PRESENTER_CSS)
        presenter.presenter(st.query_params.get("deck", ""))
        st.stop()
    if not is_on():
        st.html(BASE_CSS.replace("</style>", PROBE_CSS + "\n</style>"))
        return
    st.html(CSS.replace("</style>", PROBE_CSS + "\n</style>"))
    known = st.session_state.get(VIEWPORT)
    with st.container(key="present_component"):
        result = _component()(key="present_size", data={"report": True, "known": known},
                              default={"size": None}, on_size_change=lambda: None)
    size = getattr(result, "size", None)
    if isinstance(size, (list, tuple)) and len(size) == 2 and all(isinstance(v, (int, float)) for v in size):
        st.session_state[VIEWPORT] = (int(min(max(size[0], 320), 8000)), int(min(max(size[1], 240), 5000)))
    with st.container(key="present_blank"):  # always there: the page's elements keep their places
        if st.session_state.get(BLANK):
            st.html('<div class="embviz-blank"></div>')


def viewport() -> tuple[int, int]:
    """The browser window's size in pixels (1920×1080 until the browser has said)."""
    return tuple(st.session_state.get(VIEWPORT) or DEFAULT_VIEWPORT)


def exit_button(key: str = "present_exit_button") -> None:
    """A small "Exit presentation" button at the top right (the sidebar is hidden)."""
    if is_on():
        with st.container(key="present_exit"):
            st.button("Exit presentation", icon=":material/close_fullscreen:", key=key, on_click=_exit,
                      type="tertiary")


# -- layout helpers for pages ----------------------------------------------------------------------
def title(heading: str, caption: str = "") -> None:
    """The page title and caption (``caption`` is Markdown written by the page); presenting, the
    exit button instead."""
    if is_on():
        exit_button()
        return
    st.title(heading)
    if caption:
        st.caption(caption)


def controls(label: str = "Controls"):
    """Where a page puts its controls: inline normally, inside one collapsed expander when
    presenting (the widgets still exist, so their values still drive the view)."""
    if not is_on():
        return st.container()
    return st.container(key="present_controls").expander(label, expanded=False, icon=":material/tune:")


def figure_height(above: int = 0, below: int = 0, footer: bool = False) -> int:
    """Pixels a presentation figure may take: the window minus the chrome and ``above`` / ``below``."""
    _, h = viewport()
    return max(240, h - PAGE_CHROME - above - below - (FOOTER if footer else 0))


def sized(fig, *, above: int = 0, below: int = 0, footer: bool = False, share: float = 1.0):
    """Presenting, a copy of ``fig`` sized to the screen with large type; otherwise ``fig`` itself.

    ``above`` / ``below``: pixels of the page's own elements over and under the figure; ``share``:
    the part of the width the figure gets (a column)."""
    if not is_on():
        return fig
    import plotly.graph_objects as go

    from embviz.figures.style import presentation

    w, _ = viewport()
    return presentation(go.Figure(fig), int((w - 72) * share), figure_height(above, below, footer))


def chart(fig, key: str, *, above: int = 0, below: int = 0, footer: bool = False, **kwargs):
    """``st.plotly_chart`` at full width; presenting, sized to the screen with large type."""
    from embviz.app.served import served

    return st.plotly_chart(served(sized(fig, above=above, below=below, footer=footer)), key=key, width="stretch",
                           **kwargs)


def rows(above: int = 0, below: int = 0, row: int = 42, head: int = 46) -> int:
    """How many table rows fit on the screen under ``above`` pixels (presenting)."""
    return max(3, (figure_height(above, below) - head) // row)


def table(df, *, formats: dict | None = None, rows: int | None = None, **kwargs) -> None:
    """A table: interactive normally; presenting, the first ``rows`` rows as large HTML text."""
    if not is_on():
        st.dataframe(df, hide_index=True, width="stretch", **kwargs)
        return
    from embviz.slides import formatted

    shown = formatted(df.head(rows) if rows else df, formats or {})
    st.table(shown.astype(str), hide_index=True)


# -- stepping -----------------------------------------------------------------------------------
def _toggle_blank() -> None:
    st.session_state[BLANK] = not st.session_state.get(BLANK, False)


def stepper(n: int, key: str, labels: list[str] | None = None, on_move=None) -> int:
    """Previous / next over ``n`` steps (a clicker's keys while presenting); returns the index.

    ``on_move(i)`` runs in the button's callback, before the page's widgets are drawn, so it may
    set their state (e.g. apply a saved view)."""
    if n <= 0:
        return 0
    i = int(st.session_state.get(key, 0)) % n

    def go_to(target: int) -> None:  # the ends stop, as a slide show does (and the exported talk)
        st.session_state[key] = max(0, min(n - 1, target))
        st.session_state[BLANK] = False
        st.session_state[f"{key}_moved"] = True
        if on_move is not None:
            on_move(st.session_state[key])

    def move(delta: int) -> None:
        go_to(int(st.session_state.get(key, 0)) + delta)

    on_air = is_on()
    box = st.container(key="present_footer") if on_air else st.container()
    with box:
        left, mid, right = st.columns([1.5, 5, 1.5], vertical_alignment="center")
        left.button("Previous", icon=":material/arrow_back:", key=f"{key}_prev", on_click=move, args=(-1,),
                    width="stretch", disabled=i == 0, shortcut="PageUp" if on_air else None)
        right.button("Next", icon=":material/arrow_forward:", key=f"{key}_next", on_click=move, args=(1,),
                     width="stretch", disabled=i == n - 1, shortcut="PageDown" if on_air else None)
        label = labels[i] if labels else ""
        shown = f" · {text.md(label)}" if label else ""  # view titles come from uploaded JSON: plain text
        mid.markdown(f":gray[{i + 1} / {n}{shown}]", text_alignment="center")
    if on_air:
        with st.container(key="present_keys"):
            for name, shortcut, call, args in (("right", "Right", move, (1,)), ("space", "Space", move, (1,)),
                                               ("left", "Left", move, (-1,)), ("home", "Home", go_to, (0,)),
                                               ("end", "End", go_to, (n - 1,)), ("blank", "b", _toggle_blank, ())):
                st.button(name, key=f"{key}_{name}", on_click=call, args=args, shortcut=shortcut)
    return i


def moved(key: str) -> bool:
    """Whether the last rerun came from this stepper (once: the flag is cleared)."""
    return bool(st.session_state.pop(f"{key}_moved", False))


def morph_player(token: str, spec: dict, target: str) -> None:
    """Morph, once, the chart in the element ``target`` from the positions in ``spec``
    (:func:`embviz.figures.style.morph`): the browser builds the frames and plays them."""
    with st.container(key="present_morph"):
        _component()(key="present_morph_player", data={"token": token, "spec": spec, "target": target}, default={})


def save_view_button(page: str, view=None, *, keys=None) -> None:
    """The shared "Save this view" control of every page (see :mod:`embviz.app.slideshow`)."""
    from embviz.app import slideshow

    slideshow.save_view_button(page, view, keys=keys)

