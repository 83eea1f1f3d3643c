"""What one slide shows — a title, a short text, numbers, a figure, a table — built without streamlit.

:class:`Content` is drawn by the dashboard (the Learn page, the Deck page's presentation) and
written into the offline HTML talk (:mod:`embviz.talk`), so a slide looks the same in both.
:func:`build` makes the content of any slide of a deck: a Learn step (:mod:`embviz.lecture`) or a
view saved on Explore, Analogies, Compare, Clusters or Train (:mod:`embviz.views`).

Text safety: ``text`` is Markdown written by embviz from constants and numbers only; ``title``,
``caption``, ``warning``, ``error`` and metric labels may quote data (a typed word, a view's title
from an uploaded file) and are plain text — whoever draws them escapes them.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class Content:
    """One slide's parts (any may be empty)."""

    title: str
    text: str = ""
    figure: object | None = None          # a plotly Figure
    table: pd.DataFrame | None = None
    formats: dict = field(default_factory=dict)   # column -> "%.3f" | "percent" | "progress"
    metrics: list = field(default_factory=list)   # [(label, value)], plain text
    caption: str = ""
    warning: str = ""
    error: str = ""
    table_first: bool = False             # the table left of the figure (else right)
    table_on_projector: bool = True       # False: a projector shows the figure only
    figure_share: float = 2.0             # the figure's width : the table's

    @property
    def has_table(self) -> bool:
        return self.table is not None and len(self.table.columns) > 0


def formatted(table: pd.DataFrame, formats: dict) -> pd.DataFrame:
    """The table with numbers written as they are shown (``%.3f``, percentages), as text."""
    out = table.copy()
    for col, fmt in formats.items():
        if col not in out.columns:
            continue
        number = [isinstance(v, (int, float, np.floating)) and not np.isnan(v) for v in out[col]]
        if fmt in ("percent", "progress"):
            out[col] = [f"{v:.0%}" if ok else "—" for v, ok in zip(out[col], number)]
        else:
            out[col] = [fmt % v if ok else "—" for v, ok in zip(out[col], number)]
    return out


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


def markdown_html(text: str) -> str:
    """The small Markdown of slide texts (``**bold**``, ``*italic*``, paragraphs) as HTML, with
    everything else escaped.

    >>> markdown_html("A **dense** <b>x</b> *learned* table")
    '<p>A <strong>dense</strong> &lt;b&gt;x&lt;/b&gt; <em>learned</em> table</p>'
    """
    out = []
    for para in [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]:
        h = html.escape(para, quote=False)
        h = _BOLD.sub(r"<strong>\1</strong>", h)
        h = _ITALIC.sub(r"<em>\1</em>", h)
        out.append(f"<p>{h}</p>")
    return "".join(out)


def build(view, emb, *, order=None, hover=None, trained=None, present: bool = False) -> Content:
    """The content of the slide ``view`` (a :class:`embviz.app.state.View`) drawn from ``emb``.

    ``order`` is the frequency order of ``emb``'s rows (most frequent first; default: file order),
    ``hover`` the hover text per point, ``trained`` a model trained in the session (Learn step 6,
    Train views). A slide that cannot be drawn as saved says why in ``error`` or ``warning``."""
    from embviz import lecture, views
    from embviz.deck import learn_step

    order = np.arange(len(emb)) if order is None else np.asarray(order)
    step = learn_step(view)
    if step is not None:
        content = lecture.step(step - 1, emb, order, view.settings, trained=trained, present=present)
        if view.name:
            content.title = view.name
        return content
    return views.content(view, emb, order=order, hover=hover, trained=trained, present=present)
