"""Key search: literal by default, regular expressions bounded in time and length."""
from __future__ import annotations

import gc
import threading
import time

import pytest

from embviz.errors import EmbvizError, InputError
from embviz.search import MAX_PATTERN, find_keys

KEYS = ["king", "Kingdom", "queen", "kingfisher", "ring", "(a)", "a.b"]


def test_literal_search_is_case_insensitive_and_treats_symbols_as_text():
    assert find_keys(KEYS, "KING").indices.tolist() == [0, 1, 3]
    assert find_keys(KEYS, "(a)").indices.tolist() == [5]
    assert find_keys(KEYS, ".").indices.tolist() == [6]  # not "any character"


def test_regex_matches_like_python_re():
    import re

    for pattern in [r"^k", r"ing$", r"[qr]", r"\(", r"^.{4}$"]:
        expected = [i for i, k in enumerate(KEYS) if re.search(pattern, k)]
        assert find_keys(KEYS, pattern, regex=True).indices.tolist() == expected, pattern


def test_bad_and_overlong_patterns_are_input_errors():
    with pytest.raises(InputError, match="not a valid regular expression"):
        find_keys(KEYS, "(", regex=True)
    with pytest.raises(InputError, match=f"at most {MAX_PATTERN} characters"):
        find_keys(KEYS, "a" * (MAX_PATTERN + 1))
    assert issubclass(InputError, EmbvizError)


def test_limit_keeps_the_total():
    keys = [f"w{i}" for i in range(5000)]
    found = find_keys(keys, "w", limit=100)
    assert len(found.indices) == 100 and found.total == 5000 and found.truncated


def test_a_catastrophic_pattern_is_cut_off_and_does_not_hold_other_threads():
    """A pattern that backtracks exponentially on long keys stops within its budget, and another
    thread keeps running meanwhile (the regex engine releases the interpreter lock)."""
    keys = ["a" * 28 + "!" * i for i in range(200)]  # long keys where (a|aa)+b backtracks badly
    ticks = []
    stop = threading.Event()

    def other_user():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    t = threading.Thread(target=other_user)
    gc.disable()  # a full collection of this test process's heap stops every thread too: not the regex
    try:
        t.start()
        start = time.monotonic()
        found = find_keys(keys, r"^(a|aa)+b", regex=True, seconds=0.5)
        elapsed = time.monotonic() - start
        stop.set()
        t.join()
    finally:
        gc.enable()
    assert elapsed < 3.0
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert gaps and max(gaps) < 0.5, max(gaps)
    assert found.timed_out and found.total == 0
