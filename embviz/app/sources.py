"""The data sources of one browser session: what was uploaded, trained, debiased or embedded here.

Every page works on the *active* source (the sidebar chooses it). Tables made in the session — a
word2vec model from the Train page, a table with a direction removed on Analogies, texts embedded
with the transformer, an upload — are registered here under a short id and a readable label, so
the sidebar lists them, any page can switch to them, and the Models view can compare two of them.

A registered table is always a plain :class:`embviz.Embeddings` (a trained model's history —
snapshots, loss — is kept beside it in :attr:`Source.extra`), so every cached helper hashes it by
its content fingerprint, whatever class produced it.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import streamlit as st

from embviz import Embeddings

KEY = "session_sources"
MAX_SOURCES = 8          # per session: the oldest made-here table is dropped beyond this
KINDS = {
    "upload": "Upload",
    "trained": "Trained here",
    "debiased": "Direction removed",
    "texts": "Texts embedded",
    "subset": "Selection",
}


@dataclass
class Source:
    id: str
    kind: str
    label: str
    emb: Embeddings
    extra: dict = field(default_factory=dict)

    def describe(self) -> str:
        return f"{KINDS.get(self.kind, self.kind)}: {self.label} ({len(self.emb):,} × {self.emb.dim})"


def plain(emb: Embeddings, name: str | None = None) -> Embeddings:
    """``emb`` as a plain :class:`Embeddings` (same arrays, no copy) — subclasses carry extra state
    that Streamlit's cache hashing and our content keys should not depend on."""
    if type(emb) is Embeddings and name is None:
        return emb
    out = Embeddings.__new__(Embeddings)
    out.vectors, out.keys, out.metadata = emb.vectors, emb.keys, emb.metadata
    out.name = emb.name if name is None else name
    out.source = getattr(emb, "source", "")
    for cached in ("key_to_index", "unit_vectors", "_fingerprint"):  # computed once, shared
        if cached in emb.__dict__:
            out.__dict__[cached] = emb.__dict__[cached]
    return out


def _store() -> OrderedDict[str, Source]:
    return st.session_state.setdefault(KEY, OrderedDict())


def add(emb: Embeddings, kind: str, label: str | None = None, **extra) -> Source:
    """Register a table made in this session and return its :class:`Source`.

    The same content registered again (same fingerprint and kind) replaces the old entry, so
    pressing a button twice does not list a table twice."""
    store = _store()
    table = plain(emb)
    fp = table.fingerprint()[:12]
    sid = f"{kind}:{fp}"
    label = label or table.name or KINDS.get(kind, kind)
    table.name = table.name or label
    store.pop(sid, None)
    store[sid] = Source(sid, kind, label, table, dict(extra))
    while len(store) > MAX_SOURCES:
        oldest = next(iter(store))
        if oldest == st.session_state.get("active_source"):
            store.move_to_end(oldest)
            if len(store) <= 1:
                break
            oldest = next(iter(store))
        store.pop(oldest)
    return store[sid]


def get(sid: str) -> Source | None:
    return _store().get(sid)


def listed() -> list[Source]:
    """Tables made in this session, newest first."""
    return list(reversed(_store().values()))


def latest(kind: str) -> Source | None:
    for src in listed():
        if src.kind == kind:
            return src
    return None
