"""The data that ships with embviz, and how to open it.

Two files live in the repository's ``data/`` folder (licences and provenance in
``data/LICENSES.md``; the scripts that rebuild them are in ``scripts/``):

* ``minilm_words.npz`` — the default demo table: the input token embeddings of the transformer
  all-MiniLM-L6-v2 for its 20,000 most frequent English word tokens, PCA'd to 128 dimensions and
  unit-normalised, with metadata ``rank``, ``zipf``, ``pos`` and ``lexname`` (WordNet).
* ``corpus.txt.gz`` — a small English training corpus (King James Bible, WordNet glosses, Jane
  Austen's novels), one sentence per line.

>>> emb = demo()
>>> len(emb), emb.dim
(20000, 128)
>>> sorted(emb.metadata.columns)
['lexname', 'pos', 'rank', 'zipf']
>>> demo_corpus().name
'corpus.txt.gz'

Set ``EMBVIZ_DATA_DIR`` to read these files from another folder (for example when the package is
installed without the repository).
"""
from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .embeddings import Embeddings
from .errors import EmbeddingFormatError, MissingFileError

PACKAGE_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DATA_DIR_ENV = "EMBVIZ_DATA_DIR"
DEMO_TABLE = "minilm_words.npz"
DEMO_CORPUS = "corpus.txt.gz"


def data_dir() -> Path:
    """The folder bundled data is read from: ``$EMBVIZ_DATA_DIR`` if set, else the repo's ``data/``."""
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override).expanduser() if override else PACKAGE_DATA_DIR


DATA_DIR: Path = data_dir()
"""Where bundled data was found at import time (functions re-read ``$EMBVIZ_DATA_DIR`` per call)."""


def bundled_path(filename: str) -> Path:
    """Path of a bundled file; :class:`MissingFileError` (a ``FileNotFoundError``) saying how to get it."""
    path = data_dir() / filename
    if not path.is_file():
        raise MissingFileError(
            f"bundled data file {path} is missing. It ships in the embviz repository's data/ "
            f"folder; set {DATA_DIR_ENV} to a folder that holds it, or rebuild it with the "
            f"scripts in scripts/ (build_demo_table.py, build_corpus.py)."
        )
    return path


def read_npz_table(path: Path) -> tuple[list[str], np.ndarray, pd.DataFrame]:
    """Read an ``.npz`` in embviz's convention: ``vectors``, ``keys`` and ``meta:<column>`` arrays.

    The one ``.npz`` reader (:func:`embviz.io.arrays.read_npz`), in its strict mode. Never
    unpickles; a file that would need it, or lacks an array, raises
    :class:`EmbeddingFormatError` naming the file.
    """
    from .io.arrays import read_npz
    from .io.source import Source

    parts = read_npz(Source.of(path), strict=True)
    return parts.keys, parts.vectors, parts.metadata


@lru_cache(maxsize=4)
def _load_table(path: Path, name: str, source: str) -> Embeddings:
    """Build the (shared, read-only) Embeddings for an ``.npz`` table; cached per path."""
    keys, vectors, metadata = read_npz_table(path)
    try:
        emb = Embeddings(keys, vectors, metadata, name=name, source=source)
    except EmbeddingFormatError as exc:
        raise EmbeddingFormatError(exc.reason, path=path) from None
    emb.vectors.flags.writeable = False
    return emb


def demo() -> Embeddings:
    """The default demo table (20,000 English words × 128, from all-MiniLM-L6-v2's embedding layer).

    The result is cached and shared: every call returns the same object. Its ``vectors`` are
    read-only; do not mutate them or its ``metadata`` in place — derive a new set instead
    (``subset``, ``with_metadata``).
    """
    path = bundled_path(DEMO_TABLE).resolve()
    return _load_table(path, "MiniLM word table", str(path))


def demo_corpus() -> Path:
    """Path of the bundled training corpus: gzip, UTF-8, one sentence per line."""
    return bundled_path(DEMO_CORPUS)


@dataclass(frozen=True)
class BundledDataset:
    """One bundled data set, as the app's data picker shows it."""

    label: str
    description: str
    filename: str
    kind: str  # "embeddings" (loader returns Embeddings) or "corpus" (loader returns a Path)
    loader: Callable[[], Embeddings | Path]

    @property
    def path(self) -> Path:
        """Where the file is expected (it may be missing; see :attr:`available`)."""
        return data_dir() / self.filename

    @property
    def available(self) -> bool:
        return self.path.is_file()

    def load(self) -> Embeddings | Path:
        return self.loader()


DATASETS: dict[str, BundledDataset] = {
    "minilm-words": BundledDataset(
        label="MiniLM word table",
        description=("The input token embeddings of the transformer all-MiniLM-L6-v2 for its "
                     "20,000 most frequent English words, reduced to 128 dimensions. Colour by "
                     "frequency rank, Zipf frequency, part of speech or WordNet category."),
        filename=DEMO_TABLE,
        kind="embeddings",
        loader=demo,
    ),
    "corpus": BundledDataset(
        label="Training corpus (KJV Bible, WordNet glosses, Jane Austen)",
        description=("About 3 million words of public-domain and permissively licensed English, "
                     "one sentence per line: enough to train word2vec in well under a minute."),
        filename=DEMO_CORPUS,
        kind="corpus",
        loader=demo_corpus,
    ),
}
"""Bundled data sets by name: label, description, path and loader."""


# -- shipped maps of the demo table (scripts/build_demo_maps.py) ---------------------------------
DEMO_MAPS = "minilm_words_maps.npz"
MAP_METHODS = ("pca", "tsne", "umap")


@lru_cache(maxsize=2)
def _read_maps(path: Path, stamp: tuple[int, int]) -> tuple[dict, dict[str, np.ndarray]]:
    """``(meta, arrays)`` of a maps file (cached per path and modification time); never unpickles."""
    import json

    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(str(arrays.pop("meta")))
        if not isinstance(meta, dict) or "fingerprint" not in arrays:
            raise ValueError("no fingerprint")
    except (ValueError, OSError, KeyError, AttributeError, zipfile.BadZipFile) as exc:
        raise EmbeddingFormatError(f"cannot read the shipped maps ({exc}); rebuild them with "
                                   "scripts/build_demo_maps.py", path=path) from None
    return meta, arrays


def _maps_for(emb: Embeddings) -> tuple[dict, dict[str, np.ndarray]] | None:
    """The shipped maps when they were made from exactly this table's keys and vectors."""
    path = data_dir() / DEMO_MAPS
    try:
        st = path.stat()
    except OSError:
        return None
    meta, arrays = _read_maps(path.resolve(), (st.st_mtime_ns, st.st_size))
    if str(arrays["fingerprint"]) != emb.fingerprint():
        return None
    return meta, arrays


def shipped_maps_meta(emb: Embeddings | None = None) -> dict | None:
    """How the shipped maps were made (parameters, seconds, scores, regions, library versions),
    or ``None`` when there are none for ``emb`` (default: the demo table)."""
    found = _maps_for(emb if emb is not None else demo())
    return None if found is None else found[0]


def shipped_projection(emb: Embeddings, method: str, dims: int = 2):
    """The shipped ``method`` map (``"pca"``, ``"tsne"``, ``"umap"``) of ``emb`` in ``dims`` (2 or 3)
    as a :class:`embviz.reduce.Projection`, or ``None`` when ``emb`` is not the table the maps
    were made from (its :meth:`~Embeddings.fingerprint` differs: changed keys or vectors can never
    show stale coordinates). ``Projection.extra`` holds its ``quality`` (k = 10, every point)."""
    from .reduce import Projection

    found = _maps_for(emb)
    name = f"{method}{dims}"
    if found is None or name not in found[1]:
        return None
    meta, arrays = found
    coords = np.ascontiguousarray(arrays[name], dtype=np.float32)
    info = meta.get("maps", {}).get(name, {})
    if coords.shape != (len(emb), dims) or not np.isfinite(coords).all():
        raise EmbeddingFormatError(f"map {name!r} has shape {coords.shape}, expected ({len(emb)}, {dims}) "
                                   "finite values; rebuild with scripts/build_demo_maps.py",
                                   path=data_dir() / DEMO_MAPS)
    ev = info.get("explained_variance")
    return Projection(coords, list(emb.keys), method, dims, dict(info.get("params", {})),
                      float(info.get("seconds", 0.0)), None if ev is None else np.asarray(ev, dtype=np.float64),
                      False, True, {"quality": dict(info.get("quality", {})), "k": meta.get("k"), "shipped": True})


def demo_maps(emb: Embeddings | None = None) -> dict[tuple[str, int], object]:
    """Every shipped map of ``emb`` (default: the demo table) by ``(method, dims)``; empty when
    the maps were made from other keys or vectors."""
    emb = emb if emb is not None else demo()
    out = {}
    for method in MAP_METHODS:
        for dims in (2, 3):
            proj = shipped_projection(emb, method, dims)
            if proj is not None:
                out[(method, dims)] = proj
    return out


def shipped_regions(emb: Embeddings, method: str):
    """The named regions (:class:`embviz.regions.Regions`) of the shipped 2-D ``method`` map, or
    ``None``; names, places and outlines are computed from the shipped labels and the current
    metadata (frequencies)."""
    import hashlib

    from .regions import describe

    found = _maps_for(emb)
    proj = shipped_projection(emb, method, 2)
    if found is None or proj is None or f"regions:{method}" not in found[1]:
        return None
    freq = emb.frequency()
    key = (emb.fingerprint(), method, hashlib.blake2b(freq.tobytes(), digest_size=8).hexdigest(),
           id(found[1]))
    if key in _REGIONS:
        return _REGIONS[key]
    labels = found[1][f"regions:{method}"].astype(np.int64)
    if labels.shape != (len(emb),):
        raise EmbeddingFormatError(f"regions of {method!r} have shape {labels.shape}, expected ({len(emb)},)",
                                   path=data_dir() / DEMO_MAPS)
    regions = describe(emb, proj.coords, labels, frequency=freq)
    regions.params = dict(found[0].get("regions", {}).get(method, {}).get("params", {}))
    regions.from_cache = True
    if len(_REGIONS) > 8:
        _REGIONS.clear()
    _REGIONS[key] = regions
    return regions


_REGIONS: dict[tuple, object] = {}  # shared results of shipped_regions: treat them as read-only
