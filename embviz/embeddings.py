"""The one data model: keys, float32 vectors and a metadata table.

:class:`Embeddings` validates once, at construction, so that everything downstream can rely on
unique string keys, a finite ``N × D`` float32 C-contiguous matrix and a metadata frame with
exactly one row per key. Sub-setting returns a new object; nothing is mutated in place.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from functools import cached_property

import numpy as np
import pandas as pd

from .errors import EmbeddingFormatError, ParameterError, UnknownKeyError, suggest
from .neighbors import check_metric, normalize_rows, top_k

SAMPLING_METHODS = ("random", "top", "stratified")


def _as_matrix(vectors: object) -> np.ndarray:
    try:
        arr = np.asarray(vectors)
    except (TypeError, ValueError) as exc:  # ragged lists
        raise EmbeddingFormatError(f"vectors are not a rectangular numeric array ({exc})") from None
    if arr.dtype.kind not in "fiub":
        raise EmbeddingFormatError(f"vectors must be numeric, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise EmbeddingFormatError(f"vectors must be a 2-D array (N × D), got shape {arr.shape}")
    if arr.shape[1] == 0 and arr.shape[0]:
        raise EmbeddingFormatError(f"vectors have shape {arr.shape}: 0 dimensions; expected at least one number "
                                   "per vector")
    with np.errstate(over="ignore"):
        arr32 = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr32).all():
        row = int(np.flatnonzero(~np.isfinite(arr32).all(axis=1))[0])
        if arr.dtype.kind == "f" and np.isfinite(arr[row]).all():
            raise EmbeddingFormatError(
                f"row {row + 1} has values beyond float32's range (±3.4e38), the largest "
                f"{float(np.abs(arr[row]).max()):.3g}"
            )
        raise EmbeddingFormatError(f"row {row + 1} contains NaN or infinity")
    return arr32


def _as_keys(keys: Iterable[object], n: int) -> list[str]:
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable):
        raise EmbeddingFormatError(f"keys must be a list of strings, one per vector; got {type(keys).__name__}")
    keys = [k if isinstance(k, str) else str(k) for k in keys]
    if len(keys) != n:
        raise EmbeddingFormatError(f"{len(keys)} keys for {n} vectors; expected one key per vector")
    if len(set(keys)) != n:
        seen: dict[str, int] = {}
        dups = []
        for i, k in enumerate(keys):
            if k in seen and len(dups) < 5:
                dups.append(f"{k!r} (rows {seen[k] + 1} and {i + 1})")
            seen.setdefault(k, i)
        raise EmbeddingFormatError("duplicate keys: " + ", ".join(dups))
    return keys


class Embeddings:
    """A set of named vectors with optional per-key metadata.

    >>> emb = Embeddings(["a", "b", "c"], [[1, 0], [0.9, 0.1], [0, 1]])
    >>> len(emb), emb.dim, "a" in emb
    (3, 2, True)
    >>> emb.most_similar("a", topn=1)[0][0]
    'b'
    """

    def __init__(
        self,
        keys: Iterable[object],
        vectors: object,
        metadata: pd.DataFrame | None = None,
        *,
        name: str = "",
        source: str = "",
    ):
        self.vectors = _as_matrix(vectors)
        self.keys = _as_keys(keys, self.vectors.shape[0])
        if metadata is None:
            metadata = pd.DataFrame(index=pd.RangeIndex(len(self.keys)))
        elif not isinstance(metadata, pd.DataFrame):
            metadata = pd.DataFrame(metadata)
        if len(metadata) != len(self.keys):
            raise EmbeddingFormatError(
                f"metadata has {len(metadata)} rows but there are {len(self.keys)} vectors; "
                "expected one metadata row per vector"
            )
        self.metadata = metadata.reset_index(drop=True)
        self.name = name
        self.source = source

    # -- basic protocol -------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: object) -> bool:
        return key in self.key_to_index

    def __getitem__(self, key: str) -> np.ndarray:
        return self.vectors[self.index(key)]

    def __iter__(self):
        return iter(self.keys)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        cols = list(self.metadata.columns)
        return f"<Embeddings{label}: {len(self)} × {self.dim}, metadata {cols}>"

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.vectors.shape)

    @cached_property
    def key_to_index(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.keys)}

    @cached_property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length, computed once; zero vectors stay zero."""
        unit = normalize_rows(self.vectors)
        unit.flags.writeable = False
        return unit

    def index(self, key: str) -> int:
        """Row of ``key``; :class:`UnknownKeyError` with suggestions when absent."""
        try:
            return self.key_to_index[key]
        except (KeyError, TypeError):
            raise UnknownKeyError(key, suggest(str(key), self.keys)) from None

    def indices(self, keys: Iterable[str]) -> np.ndarray:
        return np.fromiter((self.index(k) for k in keys), dtype=np.int64)

    # -- sub-setting ------------------------------------------------------------------------
    def subset(
        self,
        keys: Iterable[str] | None = None,
        *,
        mask: Sequence[bool] | np.ndarray | None = None,
        indices: Sequence[int] | np.ndarray | None = None,
        name: str | None = None,
    ) -> "Embeddings":
        """A new set holding the given keys, boolean mask or row indices (in that order)."""
        given = [x is not None for x in (keys, mask, indices)]
        if sum(given) != 1:
            raise ParameterError("Embeddings.subset", "keys/mask/indices", "exactly one of them", sum(given))
        if keys is not None:
            idx = self.indices(keys)
        elif mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != (len(self),):
                raise ParameterError("Embeddings.subset", "mask", f"a boolean array of length {len(self)}", mask.shape)
            idx = np.flatnonzero(mask)
        else:
            raw = np.asarray(indices).ravel()
            if raw.size and raw.dtype.kind not in "iu":
                raise ParameterError("Embeddings.subset", "indices", "integers", f"dtype {raw.dtype}")
            idx = raw.astype(np.int64)
            bad = idx[(idx < -len(self)) | (idx >= len(self))]
            if bad.size:
                raise ParameterError("Embeddings.subset", "indices", f"in [0, {len(self)})", int(bad[0]))
        return self.take(idx, name=name)

    def take(self, idx: np.ndarray, *, name: str | None = None) -> "Embeddings":
        idx = np.asarray(idx, dtype=np.int64)
        new = Embeddings.__new__(Embeddings)  # already validated: skip the checks
        new.vectors = np.ascontiguousarray(self.vectors[idx])
        new.keys = [self.keys[i] for i in idx]
        if len(set(new.keys)) != len(new.keys):
            raise ParameterError("Embeddings.subset", "indices", "free of repeats", "repeated rows")
        new.metadata = self.metadata.iloc[idx].reset_index(drop=True)
        new.name = self.name if name is None else name
        new.source = self.source
        return new

    def frequency(self) -> np.ndarray:
        """Per row, higher = more frequent: metadata ``zipf``, else minus ``rank``, else file order
        (word2vec, GloVe and fastText files list the most frequent words first). The package's one
        definition of frequency (the first words of a map, "top" samples, labels, the Learn deck)."""
        for column, sign in (("zipf", 1.0), ("rank", -1.0)):
            if column in self.metadata.columns:
                values = pd.to_numeric(self.metadata[column], errors="coerce").to_numpy(dtype=float)
                if np.isfinite(values).all():
                    return sign * values
        return -np.arange(len(self), dtype=float)

    def frequency_order(self) -> np.ndarray:
        """Row numbers from most to least frequent (:meth:`frequency`; ties keep file order).

        >>> Embeddings(["a", "b", "c"], np.eye(3), pd.DataFrame({"rank": [3, 1, 2]})).frequency_order().tolist()
        [1, 2, 0]
        """
        return np.argsort(-self.frequency(), kind="stable")

    def sample(
        self, n: int, *, method: str = "random", by: str | None = None, seed: int = 0,
        keep: Iterable[str] = (),
    ) -> "Embeddings":
        """At most ``n`` points: ``random``, the ``top`` n rows by :meth:`frequency_order` (most
        frequent first: ``zipf`` or ``rank`` metadata, else the file's order), or ``stratified`` by the metadata column ``by`` (each value keeps its share).

        ``keep``: keys that are in the sample whatever the method (a searched word and its
        neighbours); they take the place of the rows drawn last, so the rest of the sample stays
        as it was without them. More keys than ``n`` give a sample of just those keys.
        """
        if method not in SAMPLING_METHODS:
            raise ParameterError("sample", "method", f"one of {SAMPLING_METHODS}", method)
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ParameterError("sample", "n", "a positive integer", n)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ParameterError("sample", "seed", "an integer >= 0 or None", seed)
        keep = [keep] if isinstance(keep, str) else list(keep or ())
        kept = np.unique(self.indices(keep)) if keep else np.array([], dtype=np.int64)
        if method == "stratified" and (by is None or by not in self.metadata.columns):
            raise ParameterError("sample", "by", f"a metadata column ({list(self.metadata.columns)})", by)
        if n >= len(self):
            return self
        if len(kept) >= n:
            return self.take(kept)
        rng = np.random.default_rng(seed)
        if method == "stratified":
            labels = self.metadata[by].astype(str).to_numpy()
            return self.take(np.sort(np.concatenate([kept, _stratified(labels, n, rng, kept)])))
        top = self.frequency_order() if method == "top" else None
        drawn = top[:n] if top is not None else rng.choice(len(self), size=n, replace=False)
        if not len(kept):
            return self.take(np.sort(drawn) if method == "random" else drawn)
        if top is not None:
            drawn = top[: n + len(kept)]
        rest = drawn[~np.isin(drawn, kept)][: n - len(kept)]
        return self.take(np.sort(np.concatenate([kept, rest])))

    def with_metadata(self, metadata: pd.DataFrame) -> "Embeddings":
        return Embeddings(self.keys, self.vectors, metadata, name=self.name, source=self.source)

    # -- similarity -------------------------------------------------------------------------
    def query_vector(
        self, query: str | Sequence[str] | np.ndarray, *, unit: bool = True
    ) -> tuple[np.ndarray, list[int]]:
        """The vector for a key, a list of keys (their mean) or a raw vector, plus the rows that
        produced it (excluded from results by default). Keys give unit vectors unless
        ``unit=False`` (euclidean search works on the raw vectors)."""
        table = self.unit_vectors if unit else self.vectors
        if isinstance(query, str):
            i = self.index(query)
            return table[i], [i]
        if isinstance(query, np.ndarray) and query.dtype.kind in "fiu":
            vec = np.asarray(query, dtype=np.float32).ravel()
            if vec.shape != (self.dim,):
                raise ParameterError("most_similar", "query", f"a vector of length {self.dim}", vec.shape)
            if not np.isfinite(vec).all():
                raise ParameterError("most_similar", "query", "a finite vector", "NaN or infinity (in float32)")
            return vec, []
        if isinstance(query, (bytes, dict)) or not isinstance(query, Iterable):
            raise ParameterError("most_similar", "query", "a key, a list of keys or a vector", type(query).__name__)
        rows = [self.index(k) for k in query]
        if not rows:
            raise ParameterError("most_similar", "query", "a key, a list of keys or a vector", query)
        return table[rows].mean(axis=0), rows

    def most_similar(
        self,
        query: str | Sequence[str] | np.ndarray,
        topn: int = 10,
        metric: str = "cosine",
        exclude: Iterable[str] | None = None,
    ) -> list[tuple[str, float]]:
        """The ``topn`` keys closest to ``query``, with their cosine similarity (or euclidean
        distance for ``metric="euclidean"``). The query keys themselves are left out."""
        check_metric(metric, "most_similar")
        if isinstance(topn, bool) or not isinstance(topn, (int, np.integer)) or topn < 1:
            raise ParameterError("most_similar", "topn", "a positive integer", topn)
        vec, rows = self.query_vector(query, unit=metric == "cosine")
        if metric == "cosine" and not np.any(vec):
            raise ParameterError("most_similar", "query", "a non-zero vector", "a zero vector")
        banned = rows + [self.index(k) for k in (exclude or ())]
        base = self.unit_vectors if metric == "cosine" else self.vectors
        idx, scores = top_k(vec[None, :], base, topn, metric=metric, exclude=[np.array(banned)],
                            base_is_unit=metric == "cosine")
        pairs = [(self.keys[i], float(s)) for i, s in zip(idx[0], scores[0]) if np.isfinite(s)]
        if metric == "euclidean":
            pairs = [(k, -s) for k, s in pairs]
        return pairs

    # -- identity and checks -----------------------------------------------------------------
    def fingerprint(self) -> str:
        """A content hash of keys and vectors (shape, dtype and bytes): equal content, equal hash."""
        if getattr(self, "_fingerprint", None) is None:
            h = hashlib.blake2b(digest_size=16)
            h.update(f"{self.vectors.shape}|{self.vectors.dtype}".encode())
            h.update(self.vectors.tobytes())
            h.update("\x00".join(self.keys).encode("utf-8", "surrogatepass"))
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def duplicate_vectors(self) -> list[list[str]]:
        """Groups of keys whose vectors are identical (often a sign of a broken export)."""
        _, inverse, counts = np.unique(self.vectors, axis=0, return_inverse=True, return_counts=True)
        groups = []
        for g in np.flatnonzero(counts > 1):
            groups.append([self.keys[i] for i in np.flatnonzero(inverse.ravel() == g)])
        return groups

    def zero_vectors(self) -> list[str]:
        return [self.keys[i] for i in np.flatnonzero(~self.vectors.any(axis=1))]

    # -- gensim interoperability ---------------------------------------------------------------
    @classmethod
    def from_keyedvectors(cls, kv, *, name: str = "", source: str = "") -> "Embeddings":
        if not (hasattr(kv, "index_to_key") and hasattr(kv, "vectors")):
            raise ParameterError("Embeddings.from_keyedvectors", "kv", "a gensim KeyedVectors", type(kv).__name__)
        return cls(list(kv.index_to_key), kv.vectors, name=name, source=source)

    def to_keyedvectors(self):
        from gensim.models import KeyedVectors

        kv = KeyedVectors(vector_size=self.dim, count=0, dtype=np.float32)
        kv.add_vectors(self.keys, self.vectors)
        return kv


def _stratified(labels: np.ndarray, n: int, rng: np.random.Generator, kept: np.ndarray | None = None) -> np.ndarray:
    """Row indices, ``n`` in all, each label keeping its share (largest remainders). Rows in
    ``kept`` count towards their label's share and are not returned (the caller adds them)."""
    values, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    exact = counts * n / counts.sum()
    quota = np.floor(exact).astype(int)
    for j in np.argsort(-(exact - quota), kind="stable")[: n - quota.sum()]:
        quota[j] += 1
    free = np.ones(len(labels), dtype=bool)
    share = quota.copy()
    if kept is not None and len(kept):
        free[kept] = False
        share = np.maximum(quota - np.bincount(inverse[kept], minlength=len(values)), 0)
        while share.sum() > n - len(kept):  # kept rows over their share: take from the largest
            share[np.argmax(share)] -= 1
    picked = []
    for j in range(len(values)):
        if quota[j]:  # the same draws as without kept rows, so the sample changes only where it must
            drawn = rng.choice(np.flatnonzero(inverse == j), size=quota[j], replace=False)
            picked.append(drawn[free[drawn]][: share[j]])
    return np.sort(np.concatenate(picked)) if picked else np.array([], dtype=np.int64)
