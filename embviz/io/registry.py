"""The format table: the one place that lists every format embviz reads or writes.

Each :class:`FormatInfo` holds the format's name, label, extensions (the first is the one
:func:`embviz.save` writes; every one of them also reads and writes), its reader and writer, how
:func:`embviz.io.sniff.sniff_source` recognises it, whether the dashboard accepts it as an upload,
and the help text. :mod:`embviz.formats`, the sniffer, the dashboard's file lists and its upload
box all read it from here. To add a format: write its reader and writer (``readers.py``,
``writers.py``), add one row below, and a round-trip test.

>>> EXTENSIONS[".pq"], EXTENSIONS[".w2v"], EXTENSIONS[".glove"]
('parquet', 'word2vec', 'glove')
>>> ".txt.gz" in UPLOAD_SUFFIXES and ".pq" in UPLOAD_SUFFIXES
True
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import readers, writers


@dataclass(frozen=True)
class FormatInfo:
    """What embviz knows about one format."""

    name: str
    label: str
    extensions: tuple[str, ...]
    readable: bool
    writable: bool
    description: str
    reader: Callable | None = field(default=None, repr=False, compare=False)
    writer: Callable | None = field(default=None, repr=False, compare=False)
    magic: tuple[bytes, ...] = ()  # leading bytes that identify it (binary formats)
    sniff: str = ""  # how the sniffer recognises it, in words
    uploadable: bool = True  # offered by the dashboard's upload box and data-folder lists
    help: str = ""  # one phrase for the upload box


FORMATS: dict[str, FormatInfo] = {f.name: f for f in (
    FormatInfo("word2vec", "word2vec text", (".txt", ".w2v"), True, True,
               "A header 'count dimensions', then one 'key v1 v2 …' line per vector.",
               readers.read_word2vec, writers.text_writer(True),
               sniff="first line is exactly two integers and the next line is text",
               help="word2vec text (.txt, .w2v)"),
    FormatInfo("word2vec-bin", "word2vec binary", (".bin",), True, True,
               "word2vec's binary layout (as gensim and the C tool write it): header line, then "
               "'key ' + float32 values per vector.",
               readers.read_binary, writers.write_binary,
               sniff="first line is exactly two integers and the next bytes are not text",
               help="word2vec binary (.bin)"),
    FormatInfo("glove", "GloVe text", (".txt", ".glove"), True, True,
               "One 'key v1 v2 …' line per vector, no header (Stanford GloVe).",
               readers.read_glove, writers.text_writer(False),
               sniff="lines are a key followed by numbers, with no header",
               help="GloVe (.txt, .glove)"),
    FormatInfo("fasttext", "fastText .vec", (".vec",), True, True,
               "fastText's text vectors: word2vec text with a header.",
               readers.read_word2vec, writers.text_writer(True),
               sniff="word2vec text named .vec",
               help="fastText (.vec)"),
    FormatInfo("projector", "TF Embedding Projector TSV", (".tsv",), True, True,
               "vectors.tsv (tab-separated numbers) with metadata.tsv beside it (keys first).",
               readers.read_projector, writers.write_projector,
               sniff="every field of the first lines is a number (tabs or spaces): no keys",
               help="a TF-projector pair (vectors.tsv + metadata.tsv, uploaded together)"),
    FormatInfo("npy", "NumPy .npy", (".npy",), True, True,
               "One N×D array; keys from keys=, '<stem>.keys.txt' beside it, or metadata=.",
               readers.read_npy, writers.write_npy, magic=(b"\x93NUMPY",),
               sniff="starts with \\x93NUMPY",
               help="NumPy .npy (upload a metadata file with it for its keys)"),
    FormatInfo("npz", "NumPy .npz", (".npz",), True, True,
               "Arrays 'vectors', 'keys' and 'meta:<column>' (embviz's own table format).",
               readers.read_npz, writers.write_npz, magic=(b"PK\x03\x04", b"PK\x05\x06"),
               sniff="a zip archive (PK)",
               help=".npz"),
    FormatInfo("csv", "CSV table", (".csv",), True, True,
               "A header row, a key column, vector columns (v0, v1 … or all numeric) and metadata "
               "columns.",
               readers.read_csv, writers.write_csv,
               sniff="lines with the same number of commas (or tabs with names in the first line)",
               help="CSV"),
    FormatInfo("parquet", "Parquet table", (".parquet", ".pq"), True, True,
               "A key column, a list column of vectors (or numeric columns) and metadata.",
               readers.read_parquet, writers.write_parquet, magic=(b"PAR1",),
               sniff="starts with PAR1",
               help="Parquet (.parquet, .pq)"),
)}

EXTENSIONS: dict[str, str] = {}
for _info in FORMATS.values():
    for _ext in _info.extensions:
        EXTENSIONS.setdefault(_ext, _info.name)  # .txt: word2vec (listed before glove)

MAGIC: tuple[tuple[bytes, str], ...] = tuple((m, f.name) for f in FORMATS.values() for m in f.magic)

UPLOAD_EXTENSIONS: tuple[str, ...] = tuple(dict.fromkeys(
    ext for f in FORMATS.values() if f.uploadable and f.readable for ext in f.extensions))
"""Every extension the dashboard accepts (each may also end in ``.gz``)."""

UPLOAD_SUFFIXES: tuple[str, ...] = UPLOAD_EXTENSIONS + tuple(e + ".gz" for e in UPLOAD_EXTENSIONS)
"""File-name endings the dashboard lists in data folders."""


def upload_types() -> list[str]:
    """``type=`` for a file uploader: the extensions without their dot, and ``gz`` (browsers
    match only the last extension, so ``x.txt.gz`` needs it; the content decides the format)."""
    return [e.lstrip(".") for e in UPLOAD_EXTENSIONS] + ["gz"]


def upload_help() -> str:
    """The upload box's help text, from the table."""
    phrases = [f.help for f in FORMATS.values() if f.uploadable and f.readable and f.help]
    return (", ".join(phrases[:-1]) + f", or {phrases[-1]}. Any of them may be gzip-compressed "
            "(.gz); the content, not the name, decides how a file is read.")
