"""The one-hot story, with real numbers.

A word can be written as a one-hot vector: V numbers (one per vocabulary word), all zero except a
1 at the word's index. An embedding layer is a learned V × d matrix W, and multiplying the one-hot
vector by W picks out one row — so "the embedding of a word" and "the learned layer applied to its
one-hot vector" are the same thing. These functions compute that, and what it buys:

* :func:`lookup_identity` — ``one_hot(word) @ W == emb[word]``, exactly.
* :func:`memory_comparison` — bytes for V one-hot vectors against V dense ones.
* :func:`similarity_histograms` — distinct one-hot vectors are all orthogonal (cosine 0); dense
  vectors have graded similarities.
* :func:`transfer_table` — a large pretrained table against a small model trained here, on the same
  analogy questions over the words both know.

>>> from embviz import Embeddings
>>> emb = Embeddings(["cat", "dog", "car"], [[0.5, 0.25], [0.5, 0.125], [-1.0, 2.0]])
>>> r = lookup_identity(emb, "dog")
>>> r["index"], r["equal"], r["product"].tolist()
(1, True, [0.5, 0.125])
>>> memory_comparison(10_000, 300).set_index("representation").loc["dense embeddings", "size"]
'12.0 MB'
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .embeddings import Embeddings
from .errors import ParameterError


def one_hot(emb: Embeddings, word: str, dtype=np.float32) -> np.ndarray:
    """The one-hot vector of ``word`` over ``emb``'s vocabulary (length V, a single 1)."""
    vec = np.zeros(len(emb), dtype=dtype)
    vec[emb.index(word)] = 1
    return vec


def lookup_identity(emb: Embeddings, word: str) -> dict:
    """Multiply ``word``'s one-hot vector by the whole matrix W and compare with its row.

    Returns a dict: ``word``, ``index``, ``vocab_size`` (V), ``dims`` (d), ``one_hot`` (the V
    numbers), ``nonzero`` (how many are not 0: 1), ``product`` (``one_hot @ W``, a real V × d matrix
    product), ``row`` (``emb[word]``), ``equal`` (bitwise equality) and ``max_abs_difference``.
    Unknown words raise :class:`~embviz.errors.UnknownKeyError` with suggestions.
    """
    index = emb.index(word)
    vec = one_hot(emb, word, emb.vectors.dtype)
    product = vec @ emb.vectors
    row = emb.vectors[index]
    return dict(word=word, index=index, vocab_size=len(emb), dims=emb.dim, one_hot=vec,
                nonzero=int(np.count_nonzero(vec)), product=product, row=row,
                equal=bool(np.array_equal(product, row)),
                max_abs_difference=float(np.max(np.abs(product - row))) if emb.dim else 0.0)


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return ""  # pragma: no cover


def memory_comparison(vocab_size: int, dims: int, *, itemsize: int = 4) -> pd.DataFrame:
    """Memory of V one-hot vectors (as a dense V × V matrix, and sparse) against V × d dense ones.

    Columns: ``representation``, ``shape``, ``numbers`` stored, ``bytes`` and ``size`` (readable).
    Floats take ``itemsize`` bytes (float32); the sparse form is a CSR matrix with one float and one
    int32 column index per word plus V + 1 int32 row pointers.
    """
    for name, value in (("vocab_size", vocab_size), ("dims", dims)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ParameterError("memory_comparison", name, "a positive integer", value)
    v, d = int(vocab_size), int(dims)
    rows = [
        ("one-hot, dense", f"{v:,} × {v:,}", v * v, v * v * itemsize),
        ("one-hot, sparse (CSR)", f"{v:,} × {v:,}, {v:,} non-zeros", 2 * v + v + 1,
         v * itemsize + v * 4 + (v + 1) * 4),
        ("dense embeddings", f"{v:,} × {d:,}", v * d, v * d * itemsize),
    ]
    df = pd.DataFrame(rows, columns=["representation", "shape", "numbers", "bytes"])
    df["size"] = df["bytes"].map(_human)
    df["× dense embeddings"] = df["bytes"] / df["bytes"].iloc[-1]
    return df


def similarity_histograms(emb: Embeddings, n: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarity of every pair of ``n`` random distinct words, one-hot and dense.

    Returns ``(onehot_cos, dense_cos)``, each with ``n (n - 1) / 2`` values. The one-hot cosines
    are computed from real (sparse) one-hot vectors and are all exactly 0; the dense ones spread
    out because the learned vectors place related words near each other.

    >>> from embviz import Embeddings
    >>> emb = Embeddings(list("abcd"), [[1, 0], [1, 1], [0, 1], [-1, 0]])
    >>> onehot, dense = similarity_histograms(emb, n=4)
    >>> onehot.tolist(), sorted(round(float(x), 2) for x in dense)
    ([0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [-1.0, -0.71, 0.0, 0.0, 0.71, 0.71])
    """
    from scipy import sparse

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ParameterError("similarity_histograms", "n", "an integer >= 2", n)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(emb), size=min(n, len(emb)), replace=False))
    m = len(idx)
    hot = sparse.csr_matrix((np.ones(m, dtype=np.float32), (np.arange(m), idx)), shape=(m, len(emb)))
    norms = np.sqrt(np.asarray(hot.multiply(hot).sum(axis=1)).ravel())
    onehot_cos = (hot @ hot.T).toarray() / np.outer(norms, norms)
    unit = emb.unit_vectors[idx]
    dense_cos = unit @ unit.T
    upper = np.triu_indices(m, k=1)
    return onehot_cos[upper].astype(np.float32), dense_cos[upper].astype(np.float32)


def transfer_table(pretrained: Embeddings, trained: Embeddings, questions=None) -> pd.DataFrame:
    """Analogy accuracy (3CosAdd) of two tables on the same questions, over their shared words.

    Both tables are cut to the words they share, so each answers exactly the same covered Google
    analogy questions among exactly the same candidates. Rows: one per section with questions,
    then ``"all"``; columns ``section``, ``questions``, ``pretrained``, ``trained`` (accuracy in
    [0, 1]). ``df.attrs["shared_vocabulary"]`` holds the number of shared words.
    """
    from .train import analogy_accuracy

    in_trained = trained.key_to_index
    shared = [k for k in pretrained.keys if k in in_trained]
    if len(shared) < 4:
        raise ParameterError("transfer_table", "trained", "a vocabulary sharing at least 4 words "
                             "with the pretrained table", f"{len(shared)} shared words")
    results = {}
    for label, emb in (("pretrained", pretrained), ("trained", trained)):
        correct, sections = analogy_accuracy(emb.vectors[emb.indices(shared)], shared, questions)
        results[label] = correct
    frame = pd.DataFrame({"section": sections, "pretrained": results["pretrained"],
                          "trained": results["trained"]})
    table = (frame.groupby("section", sort=False)
             .agg(questions=("pretrained", "size"), pretrained=("pretrained", "mean"),
                  trained=("trained", "mean")).reset_index())
    total = pd.DataFrame([dict(section="all", questions=len(frame),
                               pretrained=frame["pretrained"].mean() if len(frame) else np.nan,
                               trained=frame["trained"].mean() if len(frame) else np.nan)])
    table = pd.concat([table, total], ignore_index=True)
    table.attrs["shared_vocabulary"] = len(shared)
    return table
