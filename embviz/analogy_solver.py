"""Answers to many analogy questions at once, as gensim's ``most_similar`` gives them.

The one analogy scorer over a vocabulary: :func:`embviz.evaluate.evaluate_analogies` (the
benchmark report, gensim's rules) and :func:`embviz.train.analogy_accuracy` (every training
snapshot, the transfer table) both run :class:`_Solver`. Instead of one ``most_similar`` per
question it scores blocks of questions from a table of the questions' words against the
vocabulary; near-ties (where float rounding could change the winner) are re-scored exactly as
gensim does, so the answers equal gensim's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .analogies import COSMUL_EPS
from .progress import report

GENSIM_RESTRICT = 300_000
TIE_TOLERANCE = 5e-5  # score gaps below this are re-checked exactly (float32 rounding is ~1e-7)
BLOCK = 32  # questions scored together (32 × 20k floats stay in cache)
THREADS = 2
ROUND = 1024  # questions per thread between progress reports
TABLE_LIMIT = 1 << 30  # bytes for the words × vocabulary table; above it, plain blocked products


# -- vocabulary the way gensim sees it ---------------------------------------------------------------
@dataclass
class _Vocab:
    keys: list[str]
    lookup: dict[str, int]  # (upper-cased) word -> row of its first occurrence
    canon: np.ndarray  # row -> row of the first key with the same (upper-cased) spelling


def _vocab(emb, restrict: int | None, case_insensitive: bool) -> _Vocab:
    keys = emb.keys[: GENSIM_RESTRICT if restrict is None else restrict]
    norm = str.upper if case_insensitive else str
    lookup: dict[str, int] = {}
    canon = np.empty(len(keys), dtype=np.int64)
    for i, k in enumerate(keys):
        canon[i] = lookup.setdefault(norm(k), i)
    return _Vocab(keys, lookup, canon)


def _rows(vocab: _Vocab, words, case_insensitive: bool) -> np.ndarray:
    norm = str.upper if case_insensitive else str
    get = vocab.lookup.get
    words = words.tolist() if hasattr(words, "tolist") else words
    return np.array([get(norm(w), -1) for w in words], dtype=np.int64)


def answers(vectors: np.ndarray, keys: list[str], questions, *, method: str = "3cosadd"):
    """Which ``(a, b, c, expected)`` word questions the table answers with ``expected``.

    Only questions whose four words are all in ``keys`` count (exact spelling; gensim's
    convention), and the three input words are never an answer. Returns the covered questions'
    positions in ``questions`` and a boolean array (correct or not), one per covered question.

    >>> v = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1], [1, 0, 1]], dtype=np.float32)
    >>> answers(v, ["man", "king", "woman", "queen", "apple"], [("man", "king", "woman", "queen")])
    (array([0]), array([ True]))
    """
    from .embeddings import Embeddings

    emb = Embeddings(list(keys), vectors)
    vocab = _vocab(emb, len(emb), False)
    idx = _rows(vocab, [w for q in questions for w in q], False).reshape(-1, 4)
    covered = np.flatnonzero((idx >= 0).all(axis=1))
    ia, ib, ic, ie = idx[covered].T
    pred, _ = _Solver(emb, vocab, np.ascontiguousarray(emb.unit_vectors), method).run(ia, ib, ic, None)
    return covered, vocab.canon[pred] == ie


class _Solver:
    """Batched analogy answers: a words × vocabulary similarity table, then blocks of questions."""

    def __init__(self, emb, vocab: _Vocab, unit: np.ndarray, method: str):
        self.emb, self.vocab, self.unit, self.method = emb, vocab, unit, method
        self._norms = None

    def run(self, ia, ib, ic, progress) -> tuple[np.ndarray, np.ndarray]:
        """Predicted row per question and which questions were answered (all unless stopped).

        Blocks of questions go to two threads (NumPy releases the GIL in its loops); progress is
        reported, and a stop honoured, between rounds of blocks.
        """
        from concurrent.futures import ThreadPoolExecutor

        n = len(ia)
        pred = np.zeros(n, dtype=np.int64)
        answered = np.zeros(n, dtype=bool)
        if n == 0:
            return pred, answered
        words, inv = np.unique(np.concatenate([ia, ib, ic]), return_inverse=True)
        la, lb, lc = inv.reshape(3, n)
        table = self._similarities(words) if len(words) * len(self.unit) * 4 <= TABLE_LIMIT else None
        denominators = None
        if self.method == "3cosmul" and table is not None:
            denominators = table + COSMUL_EPS
            np.reciprocal(denominators, out=denominators)  # multiply later instead of dividing
        order = np.lexsort((lc, lb, la))  # runs of questions share (a, b): computed once per run

        def work(lo: int, hi: int) -> None:
            buf = np.empty((BLOCK, len(self.unit)), dtype=np.float32)
            pair = np.empty(len(self.unit), dtype=np.float32)
            last = None
            for start in range(lo, hi, BLOCK):
                rows = order[start : min(start + BLOCK, hi)]
                s = buf[: len(rows)]
                if table is None:
                    self._block(words, la[rows], lb[rows], lc[rows], s)
                else:
                    last = self._fill(table, denominators, la[rows], lb[rows], lc[rows], s, pair, last)
                pred[rows] = self._pick(s, ia[rows], ib[rows], ic[rows])
                answered[rows] = True

        step = ROUND * THREADS
        with ThreadPoolExecutor(THREADS) as pool:
            for lo in range(0, n, step):
                hi = min(lo + step, n)
                bounds = np.linspace(lo, hi, THREADS + 1).astype(int)
                list(pool.map(work, bounds[:-1], bounds[1:]))
                if report(progress, hi, n, f"{hi:,} of {n:,} questions") and hi < n:
                    break
        return pred, answered

    def _similarities(self, rows: np.ndarray) -> np.ndarray:
        sims = self.unit[rows] @ self.unit.T
        if self.method == "3cosmul":
            sims += 1.0
            sims *= 0.5
        return sims

    def _fill(self, table, denominators, la, lb, lc, out: np.ndarray, pair: np.ndarray, last):
        """Scores of a block of questions from the table rows of their words.

        3CosAdd: cos(x, b) - cos(x, a) + cos(x, c), gensim's ranking (its query is the same sum,
        normalised). 3CosMul: cos_b * cos_c / (cos_a + eps) with cosines shifted to [0, 1].
        Questions are sorted by (a, b), so the (a, b) part is computed once per run of rows.
        """
        add = self.method == "3cosadd"
        for j, (a, b, c) in enumerate(zip(la.tolist(), lb.tolist(), lc.tolist())):
            if last != (a, b):
                if add:
                    np.subtract(table[b], table[a], out=pair)
                else:
                    np.multiply(table[b], denominators[a], out=pair)
                last = (a, b)
            (np.add if add else np.multiply)(pair, table[c], out=out[j])
        return last

    def _block(self, words, la, lb, lc, out: np.ndarray) -> None:
        """Scores for a block of questions without the table (very large question sets)."""
        sa, sb, sc = (self._similarities(words[x]) for x in (la, lb, lc))
        out[:] = sb + sc - sa if self.method == "3cosadd" else sb * sc / (sa + COSMUL_EPS)

    def _pick(self, s: np.ndarray, a, b, c) -> np.ndarray:
        """Best non-input key per row; rows with a near-tie or a case variant go to the exact path."""
        r = np.arange(len(s))
        for col in (a, b, c):
            s[r, col] = -np.inf
        best = s.argmax(axis=1)
        top = s[r, best]
        s[r, best] = -np.inf
        second = s.max(axis=1)
        canon = self.vocab.canon[best]
        unsure = (top - second < TIE_TOLERANCE) | (canon == a) | (canon == b) | (canon == c)
        for j in np.flatnonzero(unsure):
            best[j] = self._exact(a[j], b[j], c[j])
        return best

    def _exact(self, a: int, b: int, c: int) -> int:
        """One question exactly as gensim answers it (float32 mean, top 5, case-variant skipping)."""
        vectors = self.emb.vectors[: len(self.unit)]
        if self._norms is None:
            self._norms = np.linalg.norm(vectors, axis=1)
        norms = self._norms
        if self.method == "3cosadd":
            mean = np.zeros(vectors.shape[1], dtype=np.float32)
            for w, i in ((1.0, b), (1.0, c), (-1.0, a)):
                mean += w * (vectors[i] / norms[i])
            mean = mean / 3
            mean = (mean * (1.0 / np.linalg.norm(mean.astype(np.float64)))).astype(np.float32)
            dists = (vectors @ mean) / norms
        else:
            cos = [((1.0 + self.unit @ self.unit[i]) / 2.0) for i in (a, b, c)]
            dists = cos[1] * cos[2] / (cos[0] + COSMUL_EPS)
        banned = {int(a), int(b), int(c)}
        order = np.argsort(-dists, kind="stable")[: 5 + len(banned)]
        top5 = [int(i) for i in order if int(i) not in banned][:5]
        canon = self.vocab.canon
        for i in top5:
            if canon[i] not in (canon[a], canon[b], canon[c]):
                return i
        return top5[-1]
