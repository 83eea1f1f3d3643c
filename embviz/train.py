"""Train word2vec on a corpus and keep what it looked like at every epoch.

The model is gensim's ``Word2Vec`` (we do not reimplement word2vec). This module adds what a
person needs to *watch* it learn: the input matrix W at the random start and after each epoch
(``snapshots``), the loss and speed per epoch, a progress callback with a stop that keeps what was
learned so far, and helpers that turn the snapshots into aligned 2-D paths and analogy accuracy.

>>> words = "the king and the queen rule a land of hills rivers and towns".split()
>>> sentences = [words[i:] + words[:i] for i in range(len(words))] * 20
>>> emb = train_word2vec(sentences, dims=8, min_count=1, epochs=2, workers=1)
>>> len(emb), len(emb.snapshots), emb.snapshots[0].shape, len(emb.loss), emb.stopped
(11, 3, (11, 8), 2, False)
"""
from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .corpus import Corpus, read_corpus
from .embeddings import Embeddings
from .errors import ParameterError
from .progress import ProgressCallback, report

OWNER = "train_word2vec"
MIN_TOKENS = 1_000
MIN_VOCAB = 10


class TrainedEmbeddings(Embeddings):
    """Embeddings learned here, with the history of how they were learned.

    ``snapshots[e]`` is the input matrix W after epoch ``e`` (``e = 0`` is the random start) for
    the first ``len(snapshot_keys)`` keys (the most frequent words; keys are in frequency order).
    ``loss[e-1]`` and ``epoch_stats[e-1]`` describe epoch ``e``. ``stopped`` is true when training
    was stopped early; the vectors are then those after the last finished epoch.
    """

    snapshots: list[np.ndarray]
    snapshot_keys: list[str]
    loss: list[float]
    epoch_stats: list[dict]
    stopped: bool
    params: dict
    corpus_stats: dict


class _Stop(Exception):
    """Raised from gensim's ``on_epoch_end`` (main thread, after the workers joined) to stop."""


def _stable_hash(text: str) -> int:
    """A hash that does not depend on PYTHONHASHSEED (gensim's default is Python's ``hash``)."""
    return zlib.crc32(text.encode("utf-8"))


def _check(name: str, value, rule: str, ok: bool) -> None:
    if not ok:
        raise ParameterError(OWNER, name, rule, value)


def _validate(dims, window, min_count, epochs, negative, max_vocab, workers, snapshot_words) -> None:
    def is_int(v):
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    _check("dims", dims, "an integer in [2, 1000]", is_int(dims) and 2 <= dims <= 1000)
    _check("window", window, "an integer in [1, 50]", is_int(window) and 1 <= window <= 50)
    _check("min_count", min_count, "an integer >= 1", is_int(min_count) and min_count >= 1)
    _check("epochs", epochs, "an integer in [1, 100]", is_int(epochs) and 1 <= epochs <= 100)
    _check("negative", negative, "an integer in [1, 50]", is_int(negative) and 1 <= negative <= 50)
    _check("max_vocab", max_vocab, f"None or an integer >= {MIN_VOCAB}",
           max_vocab is None or (is_int(max_vocab) and max_vocab >= MIN_VOCAB))
    _check("workers", workers, "an integer in [1, 64]", is_int(workers) and 1 <= workers <= 64)
    _check("snapshot_words", snapshot_words, "an integer >= 1",
           is_int(snapshot_words) and snapshot_words >= 1)


def _make_callback(model_epochs: int, corpus: Corpus, progress, snapshot_n: int | None, state: dict):
    from gensim.models.callbacks import CallbackAny2Vec

    class Watch(CallbackAny2Vec):
        def on_epoch_begin(self, model):
            state["t0"] = time.perf_counter()

        def on_epoch_end(self, model):
            seconds = time.perf_counter() - state["t0"]
            total = model.get_latest_training_loss()
            loss = float(total - state["cum_loss"])
            state["cum_loss"] = total
            epoch = len(state["loss"]) + 1
            if snapshot_n:
                state["snapshots"].append(model.wv.vectors[:snapshot_n].copy())
            state["loss"].append(loss)
            done = sum(s["seconds"] for s in state["stats"]) + seconds
            left = done / epoch * (model_epochs - epoch)
            stats = dict(epoch=epoch, loss=loss, seconds=seconds,
                         words_per_second=corpus.tokens / seconds if seconds else float("inf"),
                         seconds_left=left)
            state["stats"].append(stats)
            message = (f"epoch {epoch}/{model_epochs}: loss {loss:,.0f}, "
                       f"{stats['words_per_second']:,.0f} words/s, about {left:.0f} s left")
            if report(progress, epoch, model_epochs, message) and epoch < model_epochs:
                state["stopped"] = True
                raise _Stop

    return Watch()


def train_word2vec(corpus, *, dims: int = 100, window: int = 5, min_count: int = 5, epochs: int = 5,
                   sg: bool = False, negative: int = 5, seed: int = 0,
                   progress: ProgressCallback | None = None, snapshots: bool = True,
                   lowercase: bool = True, strip_punctuation: bool = True, min_length: int = 1,
                   max_vocab: int | None = None, workers: int = 2,
                   snapshot_words: int = 10_000) -> TrainedEmbeddings:
    """Train word2vec (gensim) on ``corpus`` and return the vectors with their learning history.

    ``corpus``: a ``.txt``/``.txt.gz`` path, bytes or a file-like upload (one sentence per line,
    tokenised with ``lowercase``/``strip_punctuation``/``min_length``, see :mod:`embviz.corpus`),
    an iterable of strings, or an iterable of token lists. ``sg`` selects skip-gram instead of
    CBOW. ``progress(epoch, epochs, message)`` is called after every epoch with the loss, words/s
    and time left; returning ``True`` stops after that epoch and keeps what was learned
    (``stopped=True``). Snapshots keep the ``snapshot_words`` most frequent words (all of a
    smaller vocabulary) so that memory stays at ``snapshot_words × dims × (epochs + 1)`` floats.

    Results are reproducible for a fixed ``seed`` with ``workers=1``; more workers are faster
    but their thread scheduling makes the last digits differ between runs.
    """
    _validate(dims, window, min_count, epochs, negative, max_vocab, workers, snapshot_words)
    from gensim.models import Word2Vec

    if report(progress, 0, epochs, "reading and tokenising the corpus"):
        raise ParameterError(OWNER, "progress", "not to stop before training starts", "stop")
    text = read_corpus(corpus, lowercase=lowercase, strip_punctuation=strip_punctuation,
                       min_length=min_length)
    if text.tokens < MIN_TOKENS:
        raise ParameterError(OWNER, "corpus", f"at least {MIN_TOKENS:,} tokens to learn from",
                             f"{text.tokens:,} tokens in {text.lines:,} lines")
    model = Word2Vec(vector_size=dims, window=window, min_count=min_count, sg=int(bool(sg)),
                     negative=negative, seed=seed, workers=workers, hashfxn=_stable_hash,
                     max_final_vocab=max_vocab, epochs=epochs, compute_loss=True)
    report(progress, 0, epochs, f"building the vocabulary ({text.describe()})")
    model.build_vocab(text.sentences, keep_raw_vocab=True)
    distinct, model.raw_vocab = len(model.raw_vocab), {}  # gensim counted them; free the counts
    if distinct < MIN_VOCAB:
        raise ParameterError(OWNER, "corpus", f"at least {MIN_VOCAB} distinct words",
                             f"{distinct} distinct words in {text.tokens:,} tokens")
    if len(model.wv) < MIN_VOCAB:
        raise ParameterError(OWNER, "min_count",
                             f"low enough to keep at least {MIN_VOCAB} distinct words "
                             f"(only {len(model.wv)} of {distinct:,} occur that often in "
                             f"{text.tokens:,} tokens)", min_count)
    snapshot_n = min(len(model.wv), snapshot_words) if snapshots else None
    state = dict(loss=[], stats=[], snapshots=[], cum_loss=0.0, stopped=False, t0=0.0)
    if snapshot_n:
        state["snapshots"].append(model.wv.vectors[:snapshot_n].copy())
    report(progress, 0, epochs, f"training on {len(model.wv):,} words for {epochs} epochs")
    callback = _make_callback(epochs, text, progress, snapshot_n, state)
    try:
        model.train(text.sentences, total_examples=model.corpus_count, epochs=epochs,
                    compute_loss=True, callbacks=[callback])
    except _Stop:
        pass
    params = dict(dims=dims, window=window, min_count=min_count, epochs=epochs, sg=bool(sg),
                  negative=negative, seed=seed, max_vocab=max_vocab, workers=workers, **text.options)
    return _result(model, text, state, params, snapshot_n, distinct)


def _result(model, text: Corpus, state: dict, params: dict, snapshot_n, distinct: int) -> TrainedEmbeddings:
    keys = list(model.wv.index_to_key)
    counts = np.array([model.wv.get_vecattr(k, "count") for k in keys], dtype=np.int64)
    meta = pd.DataFrame({"rank": np.arange(1, len(keys) + 1), "count": counts})
    algo = "skip-gram" if params["sg"] else "CBOW"
    done = len(state["loss"])
    name = f"word2vec {algo} {params['dims']}d, {done} epoch{'s' * (done != 1)}"
    source = text.source if isinstance(text.source, str) else ""
    emb = TrainedEmbeddings(keys, model.wv.vectors.copy(), meta, name=name, source=source)
    emb.snapshots = state["snapshots"]
    emb.snapshot_keys = keys[:snapshot_n] if snapshot_n else []
    emb.loss = state["loss"]
    emb.epoch_stats = state["stats"]
    emb.stopped = state["stopped"]
    emb.params = params
    emb.corpus_stats = dict(lines=text.lines, tokens=text.tokens, vocabulary=distinct,
                            source=source)
    return emb


# -- watching it learn -------------------------------------------------------------------------
@dataclass
class Trajectory:
    """2-D positions of ``keys`` at every snapshot, aligned to the last one (Procrustes)."""

    keys: list[str]
    coords: list[np.ndarray] = field(default_factory=list)  # one (n, 2) array per snapshot


def _pca2(x: np.ndarray) -> np.ndarray:
    from .reduce.pca import pca

    return pca(x, 2)[0].astype(np.float64)


def _align(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Rotate/reflect ``other`` onto ``reference`` (orthogonal Procrustes, no scaling: the
    random start must keep its spread instead of shrinking to a dot)."""
    from .reduce.align import align

    return np.asarray(align(reference, other, scale=False), dtype=np.float64)


def learning_trajectory(trained: TrainedEmbeddings, words: list[str] | None = None, *,
                        n: int = 300) -> Trajectory:
    """Where the ``n`` most frequent snapshot words (plus ``words``) sit at every epoch.

    Each snapshot is unit-normalised and projected with its own PCA, scaled to the same spread,
    then aligned to the final snapshot's projection by orthogonal Procrustes (rotation and
    reflection) on all shown words, so that what moves between frames is learning, not an arbitrary rotation.
    """
    if not trained.snapshots:
        raise ParameterError("learning_trajectory", "trained", "trained with snapshots=True",
                             "no snapshots")
    index = {k: i for i, k in enumerate(trained.snapshot_keys)}
    chosen = list(dict.fromkeys([w for w in (words or []) if w in index]
                                + trained.snapshot_keys[:n]))
    idx = np.array([index[w] for w in chosen])
    coords = []
    for snap in trained.snapshots:
        x = snap[idx].astype(np.float64)
        x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        coords.append(_pca2(x))
    coords = [c / max(np.sqrt((c ** 2).sum(1).mean()), 1e-12) for c in coords]  # same spread
    final = coords[-1]
    aligned = [_align(final, c).astype(np.float32) for c in coords[:-1]]
    return Trajectory(chosen, aligned + [final.astype(np.float32)])


# -- analogy accuracy (3CosAdd over the Google questions, embviz.analogy_solver) -------------------
@lru_cache(maxsize=2)
def google_questions(path: str | None = None) -> tuple[tuple[str, tuple[str, str, str, str]], ...]:
    """The Google analogy questions ``(section, (a, b, c, d))``, lower-cased (gensim's copy, read by
    :mod:`embviz.benchmark_files`; lines that are not four words are skipped)."""
    from .benchmark_files import ANALOGY_FILE, _questions, gensim_data_dir

    rows = _questions(Path(path) if path is not None else gensim_data_dir() / ANALOGY_FILE, on_error="skip")
    return tuple((section, (a.lower(), b.lower(), c.lower(), d.lower())) for section, a, b, c, d, _ in rows)


def analogy_accuracy(vectors: np.ndarray, keys: list[str], questions=None) -> tuple[np.ndarray, list[str]]:
    """Which questions a :math:`b - a + c` search over ``keys`` answers with ``d`` (3CosAdd).

    Only questions whose four words are all in ``keys`` count (gensim's convention), and the
    three input words are excluded from the answers. Returns a boolean array (one per covered
    question) and the covered questions' sections. The answers are
    :func:`embviz.analogy_solver.answers` (the benchmark's scorer, equal to gensim's).
    """
    from .analogy_solver import answers

    questions = google_questions() if questions is None else questions
    covered, correct = answers(vectors, keys, [q for _, q in questions])
    return correct, [questions[i][0] for i in covered]


def snapshot_accuracy(trained: TrainedEmbeddings, questions=None) -> pd.DataFrame:
    """Analogy accuracy at every snapshot (epoch 0 = random start) on the covered questions."""
    rows = []
    for epoch, snap in enumerate(trained.snapshots):
        correct, _ = analogy_accuracy(snap, trained.snapshot_keys, questions)
        rows.append(dict(epoch=epoch, questions=len(correct),
                         accuracy=float(correct.mean()) if len(correct) else float("nan")))
    return pd.DataFrame(rows)


def analogy_answers(emb: Embeddings, a: str, b: str, c: str, topn: int = 5) -> list[tuple[str, float]]:
    """The ``topn`` words closest to ``b - a + c`` (inputs excluded): "a is to b as c is to ?".

    >>> emb = Embeddings(["man", "king", "woman", "queen", "apple"],
    ...                  [[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1], [1, 0, 1]])
    >>> analogy_answers(emb, "man", "king", "woman", topn=1)[0][0]
    'queen'
    """
    unit = emb.unit_vectors
    query = unit[emb.index(b)] - unit[emb.index(a)] + unit[emb.index(c)]
    return emb.most_similar(query, topn=topn, exclude=[a, b, c])
