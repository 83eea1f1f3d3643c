"""Neighbour lists of the same words in two models, and how far two lists agree.

:func:`neighbour_lists` makes one pass over each model: blocks of rows, each block one
:func:`embviz.neighbors.top_k` (the package's one exact k-NN) against all rows, two blocks at a
time on one BLAS thread each. :func:`list_agreement` scores two lists.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np

from ..neighbors import top_columns, top_k
from ..progress import report

BLOCK = 512          # query rows per matrix product (512 × 20,000 floats = 40 MB per thread)
THREADS = 2
PAIR_ELEMENTS = 1 << 24  # rows × k × k booleans compared at once when matching two neighbour lists


def neighbour_lists(xa, xb, k, metric, progress) -> tuple[np.ndarray, np.ndarray, int]:
    """Each row's k nearest other rows in ``xa`` and in ``xb`` (same rows, same words), and how many
    rows were done (all, unless ``progress`` asked to stop between rounds of blocks)."""
    n = len(xa)
    out_a = np.empty((n, k), dtype=np.int64)
    out_b = np.empty((n, k), dtype=np.int64)

    def one(start: int) -> None:
        stop = min(start + BLOCK, n)
        own = np.arange(start, stop)[:, None]  # a word is not its own neighbour
        for x, out in ((xa, out_a), (xb, out_b)):
            # cosine rows arrive unit length (compare._space); one block per call, no inner threads
            out[start:stop] = top_k(x[start:stop], x, k, metric=metric, exclude=own, block=BLOCK,
                                    base_is_unit=True)[0]

    threads = max(1, min(THREADS, os.cpu_count() or 1))
    done = 0
    # One BLAS thread per block: two blocks × two OpenBLAS threads on 2 cores took 5.3 s of CPU for
    # 20,000 words × 2 models (the bundled table and a rotated copy), one thread per block 3.3 s.
    with _one_blas_thread(), ThreadPoolExecutor(threads) as pool:
        for lo in range(0, n, BLOCK * threads):
            list(pool.map(one, range(lo, min(n, lo + BLOCK * threads), BLOCK)))
            done = min(n, lo + BLOCK * threads)
            if report(progress, done, n, f"nearest neighbours: {done:,} of {n:,} words") and done < n:
                break
    return out_a[:done], out_b[:done], done


_blas = {"lock": threading.Lock(), "users": 0, "limit": None}


@contextmanager
def _one_blas_thread():
    """BLAS on one thread while any comparison runs in this process (the limit is process-wide:
    reference-counted, so overlapping comparisons restore it once, after the last)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn brings threadpoolctl
        yield
        return
    with _blas["lock"]:
        if _blas["users"] == 0:
            _blas["limit"] = threadpool_limits(1, user_api="blas")
        _blas["users"] += 1
    try:
        yield
    finally:
        with _blas["lock"]:
            _blas["users"] -= 1
            if _blas["users"] == 0:
                _blas["limit"].restore_original_limits()


top_rows = top_columns  # the name embviz.models has exported (neighbors.top_columns is the owner)


def list_agreement(na: np.ndarray, nb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of two ``(m, k)`` neighbour tables: overlap (shared / k) and rank change (the mean
    over the union of ``|rank_a - rank_b|``, a missing neighbour ranked k + 1).

    >>> ov, rc = list_agreement(np.array([[1, 2, 3]]), np.array([[2, 1, 9]]))
    >>> float(ov[0]), float(rc[0])  # 1 and 2 swap (1 + 1), 3 and 9 are missing from a list (1 + 1)
    (0.6666666666666666, 1.0)
    """
    m, k = na.shape
    overlap = np.empty(m, dtype=np.float64)
    change = np.empty(m, dtype=np.float64)
    ranks = np.arange(1, k + 1)
    step = max(1, PAIR_ELEMENTS // (k * k))
    for lo in range(0, m, step):
        a, b = na[lo:lo + step], nb[lo:lo + step]
        eq = a[:, :, None] == b[:, None, :]
        in_b, pos_b = eq.any(axis=2), eq.argmax(axis=2) + 1
        in_a = eq.any(axis=1)
        shared = in_b.sum(axis=1)
        moved = np.abs(ranks[None, :] - np.where(in_b, pos_b, k + 1)).sum(axis=1)
        moved += np.where(in_a, 0, k + 1 - ranks[None, :]).sum(axis=1)
        overlap[lo:lo + step] = shared / k
        change[lo:lo + step] = moved / (2 * k - shared)
    return overlap, change
