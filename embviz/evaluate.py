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

from .analogies import METHODS
from .analogy_solver import (  # noqa: F401  (re-exported: bench/analogies.py and tests look here)
    BLOCK,
    GENSIM_RESTRICT,
    ROUND,
    TABLE_LIMIT,
    THREADS,
    TIE_TOLERANCE,
    _rows,
    _Solver,
    _Vocab,
    _vocab,
)
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
from .progress import ProgressCallback

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
