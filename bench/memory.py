"""Where the dashboard's memory goes per session: tracemalloc over many AppTest sessions.

Opens ``--sessions`` sessions of the real dashboard in this process (Streamlit's AppTest), each
doing what a light user of the room does (Explore with a search, Analogies with an expression,
Data with a filter), and prints the Python memory they keep, in total and per session, grouped by
the file that allocated it (tracemalloc), plus the process's resident memory. Then it drops the
sessions and says how much is given back. (A real server adds Streamlit's message cache and the
websocket buffers; bench/room.py measures that process as a whole.)

    python3 bench/memory.py [--sessions 10]
"""
from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ["king", "paris", "river", "music", "happy", "doctor", "green", "winter", "coffee", "science"]


def rss() -> float:
    return psutil.Process().memory_info().rss / 2**20


def by_file(snapshot, base) -> Counter:
    out = Counter()
    for stat in snapshot.compare_to(base, "filename"):
        name = stat.traceback[0].filename
        short = "/".join(Path(name).parts[-3:]) if "site-packages" in name or "embviz" in name else Path(name).name
        out[short] += stat.size_diff
    return out


def session(i: int):
    from tests.app.helpers import app

    at = app(query={"q": WORDS[i % len(WORDS)], "labels": "0"})
    at.text_input(key="explore_query").set_value(WORDS[(i + 3) % len(WORDS)]).run()
    an = app(page="analogies")
    an.text_input(key="analogies_expr").set_value("paris - france + italy").run()
    data = app(page="data")
    data.text_input(key="data_filter").set_value("ing").run()
    for t in (at, an, data):
        assert not t.exception, t.exception
    return at, an, data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=10)
    args = ap.parse_args()
    keep = [session(0)]  # warm: imports, the demo table, shared caches
    gc.collect()
    start_rss = rss()
    tracemalloc.start(1)
    base = tracemalloc.take_snapshot()
    keep += [session(i) for i in range(1, args.sessions + 1)]
    gc.collect()
    snap = tracemalloc.take_snapshot()
    grown = by_file(snap, base)
    total = sum(grown.values())
    n = args.sessions
    print(f"{n} more sessions (3 pages each): Python memory +{total / 2**20:.1f} MB "
          f"({total / 2**20 / n:.2f} MB a session); resident {start_rss:.0f} -> {rss():.0f} MB")
    print(f"{'allocated in':<60}{'MB':>8}{'per session':>13}")
    for name, size in grown.most_common(12):
        print(f"{name:<60}{size / 2**20:>8.2f}{size / 2**20 / n:>13.3f}")
    del keep[1:]
    gc.collect()
    left = sum(by_file(tracemalloc.take_snapshot(), base).values())
    print(f"after the sessions are dropped: +{left / 2**20:.1f} MB kept by shared caches; resident {rss():.0f} MB")
    import ctypes

    ctypes.CDLL("libc.so.6").malloc_trim(0)
    print(f"after glibc's malloc_trim(0): resident {rss():.0f} MB")


if __name__ == "__main__":
    main()
