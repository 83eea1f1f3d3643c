"""The map chart and the panels around it, for every page that draws an embedding map.

* :func:`chart_width` — the real width of the column a chart will fill, reported by the browser
  (a tiny ``st.components.v2`` component measures its own element; Streamlit cannot tell the
  server the viewport). Labels are placed for that width, so they never overlap on screen.
* :func:`map_chart` — the chart with selection: a click on a point searches it (its neighbours
  are listed), a box or lasso selects, and in *zoom* mode a box sets the view window.
* :func:`clear_selection` — clears the selection *and* its outline (a new chart key).
* :func:`shared_figure` — one drawing of a map for every session that asks for the same one (a
  room opens the same first map, searches the word the lecturer names): the label placement and
  the figure are built once per process, not once per visitor.
* :func:`search_messages`, :func:`neighbour_panel`, :func:`faithfulness_panel`,
  :func:`selection_table` — what the reader is told beside the map.
"""
from __future__ import annotations

import hashlib
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from embviz import mapview
from embviz.app import export, text
from embviz.app.served import served
from embviz.app.shared import SharedStore
from embviz.figures.selection import selected_rows, trace_rows

_WIDTH_JS = """
export default function(component) {
  const { setStateValue, parentElement } = component;
  const host = parentElement.host || parentElement;
  const seen = (window.__embvizWidths = window.__embvizWidths || {});
  const id = host.closest('[class*="st-key-"]')?.className || 'map';
  let timer = null;
  const report = () => {
    const w = Math.round(host.getBoundingClientRect().width);
    if (w > 0 && Math.abs((seen[id] || 0) - w) >= 8) { seen[id] = w; setStateValue('width', w); }
  };
  report();
  const ro = new ResizeObserver(() => { clearTimeout(timer); timer = setTimeout(report, 250); });
  ro.observe(host);
  return () => { ro.disconnect(); clearTimeout(timer); };
}
"""
_probe = None


def chart_width(key: str) -> float | None:
    """Width in px of the container this is called in, as the browser last reported it (``None``
    until it has: the first run of a session, and in AppTest)."""
    global _probe
    if _probe is None:
        _probe = st.components.v2.component("embviz_width", js=_WIDTH_JS)
    result = _probe(key=key, on_width_change=lambda: None, height=0)
    value = getattr(result, "width", None)
    try:
        return float(value) if value else None
    except (TypeError, ValueError):
        return None


def in_browser() -> bool:
    """Whether a browser is on the other end (it reports widths); AppTest and bare mode are not."""
    try:
        return bool(st.context.headers.get("User-Agent"))
    except Exception:  # noqa: BLE001 — no runtime context
        return False


# -- one drawing for the whole room ----------------------------------------------------------------
FIGURES_KEPT = 24  # figures of 20,000 points are ~3 MB each
_figures = SharedStore(FIGURES_KEPT)


def figure_key(full, emb, proj, *settings) -> str:
    """A content key of a map's drawing: the table, the points drawn, their coordinates and
    every setting the drawing depends on (``repr``-able values)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(full.fingerprint().encode())
    h.update(repr((full.name, _metadata_hash(full))).encode())  # colours and hover come from it
    h.update((emb.fingerprint() if emb is not full else "all").encode())
    h.update(np.ascontiguousarray(proj.coords).tobytes())
    h.update(repr(settings).encode())
    return h.hexdigest()


def _metadata_hash(emb) -> int:
    found = getattr(emb, "_embviz_metadata_hash", None)
    if found is None:
        meta = emb.metadata
        try:
            found = int(pd.util.hash_pandas_object(meta, index=False).sum()) if len(meta.columns) else 0
        except TypeError:  # cells that cannot be hashed (lists): this table's own id, shared by no other
            found = id(emb)
        found = hash((found, tuple(map(str, meta.columns))))
        try:
            emb._embviz_metadata_hash = found
        except AttributeError:
            pass
    return found


def shared_figure(key: str, build):
    """The figure ``build()`` makes, built once per ``key`` in this server process and shared by
    every session (treat it as read-only); visitors asking at the same moment wait for the one
    build instead of repeating it. The last :data:`FIGURES_KEPT` figures are kept."""
    return _figures.get_or_make(key, build, keep=lambda fig: True)


# -- the chart and its selection -------------------------------------------------------------------
def chart_key(prefix: str) -> str:
    """The chart's key: a new one after :func:`clear_selection`, so its outline goes too."""
    gen = st.session_state.get(f"{prefix}_chart_gen", 0)
    return f"{prefix}_chart" if not gen else f"{prefix}_chart_{gen}"


def map_chart(fig, key: str, keys: list[str], prefix: str, *, selectable: bool = True, zoom: bool = False) -> None:
    """Draw ``fig``; selections land in ``{prefix}_selected`` (keys), a clicked point in
    ``{prefix}_query``, a zoom box in ``{prefix}_window``."""
    config = dict(export.MODEBAR_CONFIG)
    if not selectable:
        st.plotly_chart(served(fig), key=key, width="stretch", config=config)
        return
    st.session_state[f"{key}_rows"] = trace_rows(fig)
    st.session_state[f"{key}_keys"] = keys
    modes = ("points", "box") if zoom else ("points", "box", "lasso")
    event = st.plotly_chart(served(fig), key=key, width="stretch", config=config, selection_mode=modes,
                            on_select=partial(_on_select, key, prefix, zoom))
    sel = _selection(event)
    if any(sel.get(k) for k in ("points", "box", "lasso")) and _signature(sel) != st.session_state.get(f"{key}_handled"):
        _on_select(key, prefix, zoom, event)  # a selection no callback saw (AppTest sets the state directly)
        st.rerun()


def _signature(sel: dict) -> str:
    import json

    return json.dumps({k: sel.get(k) or [] for k in ("point_indices", "box", "lasso")}, sort_keys=True, default=str)


def _selection(event) -> dict:
    if event is None:
        return {}
    try:
        return dict(event["selection"] or {})
    except (KeyError, TypeError):
        return dict(getattr(event, "selection", None) or {})


def _on_select(key: str, prefix: str, zoom: bool, event=None) -> None:
    ss = st.session_state
    sel = _selection(ss.get(key) if event is None else event)
    ss[f"{key}_handled"] = _signature(sel)
    box, lasso = sel.get("box") or [], sel.get("lasso") or []
    if zoom and box:
        view = mapview.window(box[-1])
        if view is not None:
            ss[f"{prefix}_window"] = view
        return
    rows = selected_rows(sel, ss.get(f"{key}_rows") or [])
    all_keys = ss.get(f"{key}_keys") or []
    keys = [all_keys[i] for i in rows if i < len(all_keys)]
    if len(keys) == 1 and not box and not lasso:  # a click: the word is searched, its neighbours listed
        pending = {f"{prefix}_query": keys[0], f"{prefix}_regex": False, f"{prefix}_clicked": keys[0]}
        if event is None:
            ss.update(pending)
        else:  # after the widgets were drawn: applied at the start of the next run
            ss[f"{prefix}_pending"] = pending
        return
    ss[f"{prefix}_selected"] = keys if sel.get("points") else []


def apply_pending(prefix: str) -> None:
    """Widget values a selection set after the widgets were drawn (call before drawing them)."""
    st.session_state.update(st.session_state.pop(f"{prefix}_pending", None) or {})


def clear_selection(prefix: str) -> None:
    """Forget the selection and a clicked word, and remove the outline (a fresh chart)."""
    ss = st.session_state
    ss[f"{prefix}_selected"] = []
    if ss.get(f"{prefix}_clicked") and ss.get(f"{prefix}_query") == ss.get(f"{prefix}_clicked"):
        ss[f"{prefix}_query"] = ""
    ss.pop(f"{prefix}_clicked", None)
    ss[f"{prefix}_chart_gen"] = ss.get(f"{prefix}_chart_gen", 0) + 1


def view_window(prefix: str, ident) -> tuple | None:
    """The zoom window set by a box in zoom mode; forgotten when the map (``ident``) changes."""
    ss = st.session_state
    if ss.get(f"{prefix}_window_map") != ident:
        ss[f"{prefix}_window_map"] = ident
        ss.pop(f"{prefix}_window", None)
    return ss.get(f"{prefix}_window")


def zoom_out(prefix: str) -> None:
    st.session_state.pop(f"{prefix}_window", None)
    st.session_state[f"{prefix}_chart_gen"] = st.session_state.get(f"{prefix}_chart_gen", 0) + 1


# -- what the reader is told -----------------------------------------------------------------------
def search_messages(found: mapview.Found, pin_problems: list[str], limit: int = mapview.MAX_MATCHES) -> None:
    """What a search found, as plain text (every piece of the query and the data escaped)."""
    if pin_problems:
        st.warning(text.md("Highlight words: " + "; ".join(pin_problems)))
    if not found.text or found.is_word:
        return
    if found.error is not None:
        st.error(text.md(str(found.error).strip("'\"")))
        return
    shown = text.md(found.text, 60)
    if found.regex:
        if found.timed_out:
            st.warning(f"The pattern {shown} took too long; stopped after {found.total:,} matches. "
                       "A simpler pattern (or plain text) is faster.")
        elif not found.total:
            st.info(f"No word matches the pattern {shown}.")
        else:
            more = f"; the first {limit:,} are highlighted" if found.truncated else ""
            st.success(f"{found.total:,} words match {shown}{more}.")
        return
    hint = ""
    if found.unknown is not None:
        hint = (text.md(str(found.unknown).strip("'\"")) + ". ") if found.unknown.suggestions else \
            f"{shown} is not a word in this set. "
    if not found.total:
        st.warning(hint + f"No word contains {shown}.")
    else:
        more = f" (the first {limit:,} shown)" if found.truncated else ""
        st.info(hint + f"{found.total:,} words contain {shown}{more}.")


def neighbour_panel(found: mapview.Found, full_keys) -> None:
    if found.is_word:
        st.markdown(f"#### Nearest to **{text.md(found.text)}**")
        df = pd.DataFrame(found.neighbors, columns=["word", "cosine"])
        st.dataframe(df, hide_index=True, width="stretch", height=min(38 + 35 * len(df), 420),
                     column_config={"cosine": st.column_config.NumberColumn("cosine", format="%.3f")})
        missing = len(found.neighbors) - len(found.drawn)
        if found.query is None:
            st.caption(f"{text.md(repr(found.text))} is not among the points drawn; neighbours listed only.")
        elif missing:
            st.caption(f"{missing} of these are not among the points drawn.")
        st.caption("Similarity is measured in the original space; on the map, close is only roughly close.")
        return
    st.markdown("#### Neighbours")
    st.caption("Search a word, or click a point, to list its nearest neighbours here and draw them on "
               "the map. Drag a box or lasso to select a region.")
    sample = [k for k in ("king", "paris", "happy", "river", "music") if k in full_keys]
    if sample:
        st.caption("Try: " + ", ".join(f"`{w}`" for w in sample))


def faithfulness_panel(quality: dict | None, proj, why: str = "") -> None:
    """Trustworthiness and kNN recall of the map, k stated, with what they mean."""
    f = mapview.faithfulness(quality)
    st.markdown("#### How faithful is this map?")
    if f is None:
        st.caption("Not measured for this map." + (" " + text.md(why) if why else ""))
        return
    a, b = st.columns(2)
    a.metric("Trustworthiness", f"{f['trustworthiness']:.3f}",
             help="Are the map's neighbours real neighbours? 1.0: every point's k nearest on the map are "
                  "among its nearest in the original space, in order.")
    b.metric("kNN recall", f"{f['knn_recall']:.3f}",
             help="The share of each word's k true nearest neighbours that are also its k nearest on the map.")
    where = "shipped with the table" if proj.extra.get("shipped") else "measured here, kept by content"
    on = f"{f['n']:,} points" + (f" ({f['queries']:,} sampled as queries)" if f["sampled"] else "")
    part = " — the whole map; a sample of it is drawn" if "rows_of" in proj.extra else ""
    st.caption(f"At k = {f['k']} nearest neighbours (trustworthiness@{f['k']}, kNN recall@{f['k']}), on {on}; "
               f"{where}{part}.")
    if why:
        st.caption(text.md(why))


def selection_table(full, keys: list[str], prefix: str) -> None:
    """The selected words with their metadata, and a CSV download."""
    present_keys = [k for k in keys if k in full][:5000]
    table = full.metadata.iloc[full.indices(present_keys)].copy() if present_keys else pd.DataFrame()
    table.insert(0, "word", present_keys)
    st.dataframe(table, hide_index=True, width="stretch", height=260)
    st.download_button("Selection as CSV", lambda t=table: export.to_csv(t), "selection.csv", "text/csv",
                       key=f"{prefix}_dl_sel", icon=":material/download:", on_click="ignore")
