"""Benchmarks: the Google analogy set, WordSim-353 and SimLex-999 — equal to gensim, but batched.

:func:`evaluate_analogies` follows ``gensim.models.KeyedVectors.evaluate_word_analogies`` rule for
rule (vocabulary restricted to the first ``restrict`` keys, words upper-cased when
``case_insensitive``, the first of several case variants taken, questions with unknown words
skipped, the three input words never an answer) so its accuracy equals gensim's on the same
vectors. Instead of one ``most_similar`` per question it scores whole blocks of questions at once
from a table of the questions' words against the vocabulary; near-ties (where float rounding could
change the winner) are re-scored exactly as gensim does.

:func:`evaluate_similarity` follows ``evaluate_word_pairs``: Spearman and Pearson correlation of
cosine similarity with human judgements, pairs with unknown words skipped.

The data files ship inside gensim's wheel (``gensim/test/test_data``); nothing is downloaded.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .analogies import COSMUL_EPS, METHODS
from .benchmark_files import (  # noqa: F401  (re-exported: evaluate is where callers look)
    ANALOGY_FILE,
    MAX_BENCHMARK_BYTES,
    SIMILARITY_FILES,
    _questions,
    gensim_data_dir,
    read_analogies,
    read_pairs,
)
from .errors import EmbeddingFormatError, ParameterError, UnknownKeyError
from .progress import ProgressCallback, report

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


# -- analogy report ---------------------------------------------------------------------------------
@dataclass
class AnalogyReport:
    """Accuracy on an analogy benchmark, overall and per section, with every failure.

    ``accuracy`` = correct / total over the covered questions (those whose four words are all in
    the vocabulary); ``coverage`` = covered / all questions. ``results`` has one row per covered
    question (``section, a, b, c, expected, got, correct``); ``failures`` the wrong ones.
    """

    accuracy: float
    correct: int
    total: int
    questions: int
    coverage: float
    sections: pd.DataFrame
    results: pd.DataFrame
    method: str = "3cosadd"
    path: str = ""
    seconds: float = 0.0
    stopped: bool = False
    params: dict = field(default_factory=dict)

    @property
    def failures(self) -> pd.DataFrame:
        return self.results.loc[
            ~self.results["correct"], ["section", "a", "b", "c", "expected", "got"]
        ].reset_index(drop=True)

    def failures_matching(self, text: str = "", section: str | None = None) -> pd.DataFrame:
        """The wrong answers whose words contain ``text`` (case-insensitive, literal), optionally of
        one ``section``.

        >>> rep = AnalogyReport(...)  # doctest: +SKIP
        >>> rep.failures_matching("berlin", "capital-common-countries")  # doctest: +SKIP
        """
        fails = self.failures
        if section:
            fails = fails[fails["section"] == section]
        needle = text.strip().lower()
        if needle:
            hit = np.zeros(len(fails), dtype=bool)
            for col in ("a", "b", "c", "expected", "got"):
                hit |= fails[col].astype(str).str.lower().str.contains(needle, regex=False).to_numpy()
            fails = fails[hit]
        return fails.reset_index(drop=True)

    def summary(self) -> str:
        return (
            f"{self.accuracy:.1%} correct ({self.correct:,}/{self.total:,}) on {Path(self.path).name}, "
            f"{self.coverage:.1%} of {self.questions:,} questions covered, {self.method}, {self.seconds:.2f} s"
        )

    def __repr__(self) -> str:  # one line: the tables are in .sections, .results and .failures
        stopped = ", stopped" if self.stopped else ""
        return (f"<AnalogyReport {Path(self.path).name}: {self.accuracy:.1%} correct "
                f"({self.correct:,}/{self.total:,}), {len(self.sections)} sections, {self.method}{stopped}>")


def evaluate_analogies(
    emb,
    path: str | Path | None = None,
    *,
    restrict: int | None = None,
    case_insensitive: bool = True,
    method: str = "3cosadd",
    on_error: str = "raise",
    progress: ProgressCallback | None = None,
) -> AnalogyReport:
    """Score ``emb`` on an analogy benchmark (the Google set by default).

    With the defaults (``restrict=None`` means gensim's 300,000; ``case_insensitive=True``;
    ``method="3cosadd"``) the result equals ``KeyedVectors.evaluate_word_analogies(path)``.
    ``method="3cosmul"`` scores with Levy & Goldberg's multiplicative objective instead.

    >>> rep = evaluate_analogies(demo())  # doctest: +SKIP
    >>> round(rep.accuracy, 3), rep.total  # doctest: +SKIP
    (0.769, 11420)
    """
    if method not in METHODS:
        raise ParameterError(
            "evaluate_analogies", "method", f"one of {', '.join(map(repr, METHODS))}", method
        )
    if restrict is not None and (not isinstance(restrict, (int, np.integer)) or restrict < 1):
        raise ParameterError("evaluate_analogies", "restrict", "a positive integer or None", restrict)
    start = time.perf_counter()
    path = Path(path) if path is not None else gensim_data_dir() / ANALOGY_FILE
    questions = _questions(path, on_error)
    vocab = _vocab(emb, restrict, case_insensitive)
    columns = list(zip(*questions))  # section, a, b, c, expected, line
    idx = np.stack([_rows(vocab, columns[j], case_insensitive) for j in (1, 2, 3, 4)], axis=1)
    covered = np.flatnonzero((idx >= 0).all(axis=1))
    ia, ib, ic, ie = idx[covered].T
    unit = np.ascontiguousarray(emb.unit_vectors[: len(vocab.keys)])
    pred, answered = _Solver(emb, vocab, unit, method).run(ia, ib, ic, progress)
    rows = covered[answered]
    results = pd.DataFrame(
        {name: [columns[j][i] for i in rows] for j, name in enumerate(("section", "a", "b", "c", "expected"))}
    )
    results["got"] = [vocab.keys[p] for p in pred[answered]]
    results["correct"] = vocab.canon[pred[answered]] == ie[answered]
    report = _analogy_report(
        results,
        columns[0],
        len(covered),
        method,
        path,
        not answered.all(),
        {"restrict": restrict or GENSIM_RESTRICT, "case_insensitive": case_insensitive},
    )
    report.seconds = time.perf_counter() - start
    return report


def _analogy_report(results, section_of, covered, method, path, stopped, params) -> AnalogyReport:
    names = list(dict.fromkeys(section_of))
    asked = Counter(section_of)
    total = Counter(results["section"].tolist())
    right = Counter(results.loc[results["correct"], "section"].tolist())
    per = pd.DataFrame(
        {
            "section": names,
            "correct": [right[n] for n in names],
            "total": [total[n] for n in names],
            "questions": [asked[n] for n in names],
        }
    )
    per["accuracy"] = [right[n] / total[n] if total[n] else 0.0 for n in names]
    correct, n = int(results["correct"].sum()), len(results)
    return AnalogyReport(
        accuracy=correct / n if n else 0.0,
        correct=correct,
        total=n,
        questions=len(section_of),
        coverage=covered / len(section_of),
        sections=per,
        results=results,
        method=method,
        path=str(path),
        stopped=stopped,
        params=params,
    )


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


# -- similarity report ------------------------------------------------------------------------------
@dataclass
class SimilarityResult:
    """Correlation of cosine similarity with human scores on one data set."""

    name: str
    path: str
    pairs: int
    used: int
    oov_ratio: float  # percent of pairs skipped for unknown words (gensim's figure)
    spearman: float
    spearman_p: float
    pearson: float
    pearson_p: float
    details: pd.DataFrame  # a, b, human, model (cosine) for the pairs used

    def __repr__(self) -> str:  # one line: the pairs are in .details
        return (f"<SimilarityResult {self.name}: spearman {self.spearman:.3f}, pearson {self.pearson:.3f}, "
                f"{self.used:,}/{self.pairs:,} pairs>")


@dataclass
class SimilarityReport:
    """One :class:`SimilarityResult` per data set; ``table`` puts them side by side."""

    results: list[SimilarityResult]

    def __getitem__(self, name: str) -> SimilarityResult:
        for r in self.results:
            if r.name == name or Path(r.path).name == name:
                return r
        raise UnknownKeyError(name, [r.name for r in self.results])

    def __iter__(self):
        return iter(self.results)

    def __repr__(self) -> str:  # one line: the side-by-side table is .table
        parts = "; ".join(f"{r.name} spearman {r.spearman:.3f} ({r.used:,}/{r.pairs:,})" for r in self.results)
        return f"<SimilarityReport {parts}>"

    @property
    def table(self) -> pd.DataFrame:
        cols = ["name", "pairs", "used", "oov_ratio", "spearman", "spearman_p", "pearson", "pearson_p"]
        return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in self.results])


def evaluate_similarity(
    emb,
    path: str | Path | list | tuple | None = None,
    *,
    restrict: int | None = None,
    case_insensitive: bool = True,
    on_error: str = "raise",
) -> SimilarityReport:
    """Spearman/Pearson correlation with WordSim-353 and SimLex-999 (or the given file(s)).

    Equals gensim's ``KeyedVectors.evaluate_word_pairs(path)`` on the same vectors: pairs with an
    unknown word are skipped and counted in ``oov_ratio``.
    """
    from scipy import stats

    if path is None:
        paths = [gensim_data_dir() / f for f in SIMILARITY_FILES]
    elif isinstance(path, (list, tuple)):
        paths = [Path(p) for p in path]
    else:
        paths = [Path(path)]
    vocab = _vocab(emb, restrict, case_insensitive)
    vectors = emb.vectors.astype(np.float64)
    results = []
    for p in paths:
        pairs = read_pairs(p, on_error=on_error)
        ia, ib = _rows(vocab, pairs["a"], case_insensitive), _rows(vocab, pairs["b"], case_insensitive)
        ok = (ia >= 0) & (ib >= 0)
        used = pairs.loc[ok, ["a", "b", "human"]].reset_index(drop=True)
        if len(used) < 3:  # a correlation needs at least 3 pairs to mean anything
            raise EmbeddingFormatError(f"only {len(used)} of the {len(pairs):,} word pairs are in the "
                                       "vocabulary; a correlation needs at least 3", path=p)
        va, vb = vectors[ia[ok]], vectors[ib[ok]]
        used["model"] = np.einsum("ij,ij->i", va, vb) / (
            np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1)
        )
        sp, pe = stats.spearmanr(used["human"], used["model"]), stats.pearsonr(used["human"], used["model"])
        results.append(
            SimilarityResult(
                name=p.stem,
                path=str(p),
                pairs=len(pairs),
                used=len(used),
                oov_ratio=100.0 * (~ok).sum() / len(pairs),
                spearman=float(sp[0]),
                spearman_p=float(sp[1]),
                pearson=float(pe[0]),
                pearson_p=float(pe[1]),
                details=used,
            )
        )
    return SimilarityReport(results)
