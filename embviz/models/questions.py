"""The same questions to both models: benchmarks and typed analogies on the shared vocabulary only.

Both tables are cut to the words they share (:meth:`ModelComparison.tables`: the same keys in the
same order), so a benchmark question counts for both models or for neither, and an analogy is
answered from the same candidate words. Scores follow :mod:`embviz.evaluate` (gensim's rules).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import EmbeddingFormatError, UnknownKeyError, suggest
from ..progress import ProgressCallback, report
from .compare import ModelComparison


@dataclass
class SameQuestions:
    """Benchmarks of both models on their shared words, side by side.

    ``analogies``: one row per section (the first row, ``all``, totals them) with the questions the
    file has, those asked (all four words shared) and each model's correct answers and accuracy.
    ``similarity``: one row per word-pair file with the pairs used and each model's Spearman
    correlation (NaN, with a note, when fewer than 3 pairs are shared).
    """

    analogies: pd.DataFrame
    similarity: pd.DataFrame
    method: str
    words: int
    report_a: object = None
    report_b: object = None
    stopped: bool = False


def same_questions(cmp: ModelComparison, *, method: str = "3cosadd", analogies=None, similarity=None,
                   progress: ProgressCallback | None = None) -> SameQuestions:
    """Google analogies and WordSim-353/SimLex-999 (or the given files) put to both models."""
    from ..evaluate import evaluate_analogies

    ta, tb = cmp.tables()
    reports = []
    for i, table in enumerate((ta, tb)):
        def part(done, total, message="", i=i):
            return report(progress, i * total + done, 2 * total, f"model {'AB'[i]}: {message}")

        rep = evaluate_analogies(table, analogies, method=method, progress=part if progress else None)
        reports.append(rep)
        if rep.stopped:
            break
    stopped = len(reports) < 2 or any(r.stopped for r in reports)
    frame = _sections(*reports) if len(reports) == 2 else pd.DataFrame()
    return SameQuestions(frame, _similarity(ta, tb, similarity), method, cmp.n, reports[0],
                         reports[1] if len(reports) == 2 else None, stopped)


def _sections(ra, rb) -> pd.DataFrame:
    a = ra.sections.set_index("section")
    b = rb.sections.set_index("section")
    out = pd.DataFrame({"questions": a["questions"], "asked": a["total"],
                        "correct_a": a["correct"], "correct_b": b["correct"]})
    out.loc["all"] = out.sum()
    out = out.loc[["all", *a.index]].astype(int)
    for side in "ab":
        out[f"accuracy_{side}"] = out[f"correct_{side}"] / out["asked"].where(out["asked"] > 0)
    out["difference"] = out["accuracy_b"] - out["accuracy_a"]
    return out.reset_index().rename(columns={"index": "section"})


def _similarity(ta, tb, paths) -> pd.DataFrame:
    from ..evaluate import SIMILARITY_FILES, evaluate_similarity, gensim_data_dir

    if paths is None:
        paths = [gensim_data_dir() / f for f in SIMILARITY_FILES]
    elif not isinstance(paths, (list, tuple)):
        paths = [paths]
    rows = []
    for path in paths:
        row: dict = {"data set": str(path).rsplit("/", 1)[-1].rsplit(".", 1)[0]}
        try:
            ra = evaluate_similarity(ta, path).results[0]
            rb = evaluate_similarity(tb, path).results[0]
            row.update(pairs=ra.pairs, used=ra.used, spearman_a=ra.spearman, spearman_b=rb.spearman, note="")
        except EmbeddingFormatError as exc:
            if "in the vocabulary" not in str(exc):
                raise
            row.update(pairs=np.nan, used=np.nan, spearman_a=np.nan, spearman_b=np.nan,
                       note="fewer than 3 of its pairs are in the shared vocabulary")
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class BothAnswers:
    """One analogy answered by both models from the shared words (``result_a``/``result_b`` are
    :class:`embviz.analogies.AnalogyResult`)."""

    result_a: object
    result_b: object

    @property
    def table(self) -> pd.DataFrame:
        ra, rb = self.result_a.results, self.result_b.results
        n = max(len(ra), len(rb))
        pad = [(None, np.nan)]
        ra, rb = ra + pad * (n - len(ra)), rb + pad * (n - len(rb))
        return pd.DataFrame({"rank": np.arange(1, n + 1), "a": [w for w, _ in ra], "score_a": [s for _, s in ra],
                             "b": [w for w, _ in rb], "score_b": [s for _, s in rb]})


def analogy_both(cmp: ModelComparison, query, topn: int = 10, method: str = "3cosadd") -> BothAnswers:
    """``query`` (``"king - man + woman"``, ``"man : king :: woman : ?"`` or a triple) answered by
    both models; its words must be shared (else :class:`UnknownKeyError` with close shared words)."""
    from ..analogies import as_expression, solve

    ta, tb = cmp.tables()
    expr = as_expression(query)
    for word in [*expr.words, *([expr.expected] if expr.expected else [])]:
        if word not in ta:
            raise UnknownKeyError(word, suggest(word, ta.keys))
    return BothAnswers(solve(ta, expr, topn, method), solve(tb, expr, topn, method))
