"""One reader per format: ``reader(src, limit, progress, sidecar=True) -> Parts``.

Each turns a :class:`~.source.Source` into :class:`~.rows.Parts`; :func:`embviz.load` then
attaches keys and metadata given beside the file and checks what every format must satisfy.
"""
from __future__ import annotations

from . import arrays, binary, parquet, tables, text
from .rows import Parts
from .source import Source

PROJECTOR_METADATA = ("{stem}_metadata.tsv", "{stem}.metadata.tsv", "metadata.tsv")


def read_word2vec(src: Source, limit, progress, sidecar: bool = True) -> Parts:
    return text.read_text(src, header=True, limit=limit, progress=progress)


def read_glove(src: Source, limit, progress, sidecar: bool = True) -> Parts:
    return text.read_text(src, header=False, limit=limit, progress=progress)


def read_binary(src: Source, limit, progress, sidecar: bool = True) -> Parts:
    return binary.read_word2vec_binary(src, limit=limit, progress=progress)


def read_projector(src: Source, limit, progress, sidecar: bool = True) -> Parts:
    """vectors.tsv, and the metadata beside it (the first of PROJECTOR_METADATA that exists;
    only ``metadata.tsv`` for a folder)."""
    folder = src.is_dir()
    vsrc = (Source(label=str(src.path / "vectors.tsv"), path=src.path / "vectors.tsv", limits=src.limits)
            if folder else src)
    parts = text.read_text(vsrc, header=False, keyed=False, limit=limit, progress=progress)
    parts.meta_has_keys = True
    names = ["metadata.tsv"] if folder else [n.format(stem=src.stem) for n in PROJECTOR_METADATA]
    for candidate in names if sidecar else []:
        msrc = vsrc.sibling(candidate)
        if msrc is not None:
            parts.metadata = tables.read_projector_metadata(msrc, limit if not parts.stopped else len(parts.vectors))
            parts.metadata_label = msrc.label
            break
    return parts


def read_npy(src: Source, limit, progress, sidecar: bool = True) -> Parts:
    return arrays.read_npy(src, limit)


def read_npz(src: Source, limit, progress, sidecar: bool = True) -> Parts:
    return arrays.read_npz(src, limit)


def read_csv(src: Source, limit, progress, sidecar: bool = True) -> Parts:
    return tables.read_csv(src, limit)


def read_parquet(src: Source, limit, progress, sidecar: bool = True) -> Parts:
    return parquet.read_parquet(src, limit)
