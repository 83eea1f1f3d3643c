"""No markup from data: keys, metadata names and values, file names and typed text are shown as text.

A table whose keys, column names, values and name are HTML, Markdown, Streamlit directives and
Plotly tags is made the active data; every page is visited (with a search, a colour choice and an
expression that quote the payloads). Every Markdown-bearing string the app sends (bodies, labels,
help, radio options) is rendered as CommonMark *with* raw HTML allowed — the worst case — and must
not produce an element from a payload; Plotly figures must carry the payloads escaped.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from embviz import Embeddings
from tests.app.helpers import PAGE_SCRIPT, use_table

PAYLOADS = [
    "<iframe srcdoc=\"<script>parent.document.title='PWN1'</script>\">PWN1</iframe>",
    "**PWN2**",
    "[PWN3](http://evil.example/login)",
    ":red[PWN4]",
    "# PWN5",
    "<b>PWN6</b>",
    "![PWN7](http://evil.example/x.png)",
    "$PWN8$",
    "<style>body{display:none}</style>PWN9",
    "<a href=\"javascript:alert(1)\">PWN10</a>",
]
PAGES = ["explore", "analogies", "compare", "models", "clusters", "train", "maps", "learn", "deck", "data"]
MD = MarkdownIt("commonmark", {"html": True})
# what each payload would become if it were rendered (CommonMark with raw HTML allowed)
RENDERED = ("<iframe", "<img", "<style", "<script", '<a href="http://evil', '<a href="javascript',
            "<b>PWN6", "<strong>PWN2</strong>", "<h1>PWN5")
DIRECTIVE = re.compile(r"(?<!\\):red\[PWN|(?<!\\)\$PWN")
MARKDOWN_FIELDS = {"body", "label", "help", "options", "captions", "title", "text"}
PLAIN = {("Text", "body"), ("Selectbox", "options"), ("MultiSelect", "options"), ("Code", "code_text")}


@pytest.fixture(scope="module")
def hostile(demo) -> Embeddings:
    base = demo.subset(demo.keys[:400])
    keys = list(base.keys)
    for i, p in enumerate(PAYLOADS):
        keys[10 + i] = p
    meta = base.metadata.copy()
    meta[PAYLOADS[0]] = ["v"] * len(keys)              # a column named with HTML
    meta[PAYLOADS[3]] = np.arange(len(keys)) % 3       # a numeric column named with a directive
    meta["label"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(keys))]  # values
    return Embeddings(keys, base.vectors, meta.reset_index(drop=True), name=PAYLOADS[5] + ".parquet")


def _walk(node):
    yield node
    children = getattr(node, "children", None) or {}
    for child in children.values():
        yield from _walk(child)


def _strings(message, out: list[str], field: str = "") -> None:
    """Markdown-bearing strings of a protobuf message (recursively); plain-text fields are skipped."""
    kind = message.DESCRIPTOR.name
    for desc, value in message.ListFields():
        if desc.type == desc.TYPE_MESSAGE:
            items = value if desc.is_repeated else [value]
            for item in items:
                _strings(item, out, desc.name)
        elif (kind, desc.name) in PLAIN:
            continue
        elif desc.type == desc.TYPE_STRING and desc.name in MARKDOWN_FIELDS:
            out.extend(value if desc.is_repeated else [value])


def _problems(at: AppTest, plotly: bool = False) -> list[str]:
    """Payloads that would render as markup: in Markdown-bearing strings, and (``plotly=True``) in
    the figures' text."""
    found = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        if proto.DESCRIPTOR.name == "PlotlyChart":
            if plotly:
                found += _plotly_problems(json.loads(proto.spec))
            continue
        strings: list[str] = []
        _strings(proto, strings)
        for s in strings:
            if "PWN" not in s:
                continue
            html = MD.render(s)
            if any(r in html for r in RENDERED) or DIRECTIVE.search(s):
                found.append(f"{proto.DESCRIPTOR.name}: {s[:160]!r}")
    return found


def _plotly_problems(spec: dict) -> list[str]:
    """Plotly renders <b>, <i>, <a href>, <br>, <span style> in text (not Markdown): a payload's own
    tags must arrive escaped."""
    bad = []
    tags = ("<iframe", "<style", "<a href", "<b>PWN6", "<img")

    def visit(value, path):
        if isinstance(value, str):
            if "PWN" in value and any(t in value for t in tags):
                bad.append(f"plotly {path}: {value[:120]!r}")
        elif isinstance(value, dict):
            for k, v in value.items():
                if k != "bdata":
                    visit(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value[:5000]):
                visit(v, f"{path}[{i}]")

    visit(spec, "fig")
    return bad


def _page(name: str, hostile: Embeddings) -> AppTest:
    at = AppTest.from_string(PAGE_SCRIPT.format(page=name), default_timeout=240)
    use_table(at, hostile, "upload")
    return at.run()


@pytest.mark.parametrize("name", PAGES)
def test_no_markup_from_data_on_any_page(name, hostile):
    at = _page(name, hostile)
    assert not at.exception, at.exception
    problems = _problems(at)
    assert not problems, problems


@pytest.mark.parametrize("name", PAGES)
def test_no_markup_from_data_in_any_figure(name, hostile):
    at = _page(name, hostile)
    assert not at.exception, at.exception
    problems = _problems(at, plotly=True)
    assert not problems, problems[:5]


def test_search_colour_and_expressions_quote_payloads_as_text(hostile):
    at = _page("explore", hostile)
    for p in PAYLOADS[:4]:
        at.text_input(key="explore_query").input(p).run()
        assert not at.exception
        assert not _problems(at), (p, _problems(at))
    at.text_input(key="explore_query").input("**PWN2** not a word").run()
    assert not _problems(at)
    at.selectbox(key="explore_color").select("label").run()
    assert not at.exception and not _problems(at)
    at = _page("analogies", hostile)
    for expr in ["<b>PWN6</b> - man", "__import__('os')", "king - " + "PWN5 " * 1200, "# PWN5 + :red[PWN4]"]:
        at.text_input(key="analogies_expr").input(expr).run()
        assert not at.exception
        assert not _problems(at), (expr[:40], _problems(at))
        assert all(len(e.value) < 2_000 for e in at.error), "a long input floods the page"
