"""Which process pool for the dashboard's heavy work: concurrent.futures, loky or Dask's local client.

For each candidate, in one run on this machine: the time from creating the pool to the first
answer (a worker that has imported numpy), the round trip of one task that receives the bundled
20,000 × 128 table and returns a 20,000 × 2 array, the server-side memory the pool adds, the
worker's memory, whether one running task can be ended without failing the others' pool, and
the time until the pool answers again after that. Also the cost of sending the table by pickle
against shared memory, and what a worker's niceness does to the server's light work.

    python3 bench/pool.py

Timings from a loaded machine are indicative only.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _pid_and_numpy():
    import os

    import numpy  # noqa: F401

    return os.getpid()


def _coords(emb):
    return np.asarray(emb.vectors[:, :2]).copy()


def _sleep(seconds):
    time.sleep(seconds)
    return os.getpid()


def _rss(pid=None) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def _cf():
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"))


def _loky():
    import loky

    return loky.ProcessPoolExecutor(1, env={"OMP_NUM_THREADS": "1"})


class _Dask:
    """Dask's local client with the same submit/result surface."""

    def __init__(self):
        from distributed import Client, LocalCluster

        self.cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                    dashboard_address=None)
        self.client = Client(self.cluster)

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def shutdown(self, wait=True):
        self.client.close()
        self.cluster.close()


def measure(name, make, emb) -> dict:
    base = _rss()
    t0 = time.perf_counter()
    pool = make()
    pid = pool.submit(_pid_and_numpy).result()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(5):
        pool.submit(_coords, emb).result()
    trip = (time.perf_counter() - t0) / 5
    server = _rss() - base
    worker = _rss(pid)
    # end one running task by killing its worker; does the pool answer again, and how fast?
    pool.submit(_sleep, 30)
    time.sleep(1.0)
    os.kill(pid, signal.SIGKILL)  # one worker: the one that answered first runs the sleep
    t0 = time.perf_counter()
    recovered = "no"
    for _ in range(2):
        try:
            pool.submit(_pid_and_numpy).result(timeout=60)
            recovered = f"{time.perf_counter() - t0:.1f} s"
            break
        except Exception as exc:  # noqa: BLE001 — a broken pool must be replaced
            recovered = f"broken ({type(exc).__name__}); replaced"
            pool.shutdown(wait=False)
            pool = make()
    pool.shutdown(wait=True)
    return {"pool": name, "first_s": first, "trip_ms": trip * 1000, "server_mb": server, "worker_mb": worker,
                "after_kill": recovered}


def shared_memory_cost(emb) -> tuple[float, float]:
    import pickle
    from multiprocessing import shared_memory

    t0 = time.perf_counter()
    for _ in range(10):
        pickle.loads(pickle.dumps(emb, protocol=5))
    pickled = (time.perf_counter() - t0) / 10
    t0 = time.perf_counter()
    for _ in range(10):
        shm = shared_memory.SharedMemory(create=True, size=emb.vectors.nbytes)
        np.ndarray(emb.vectors.shape, emb.vectors.dtype, shm.buf)[:] = emb.vectors
        shm.close()
        shm.unlink()
    shared = (time.perf_counter() - t0) / 10
    return pickled * 1000, shared * 1000


def _spin(nice: int) -> None:
    os.nice(nice)
    while True:
        pass


def _task() -> float:
    t = time.perf_counter()
    x = 0
    for i in range(3_000_000):
        x += i
    return time.perf_counter() - t


def niceness() -> list[tuple[str, float]]:
    """A server-side Python task alone, then beside two busy workers at nice 0 and at nice 10."""
    import multiprocessing as mp

    rows = [("alone", min(_task() for _ in range(3)))]
    for nice in (0, 10):
        procs = [mp.get_context("spawn").Process(target=_spin, args=(nice,), daemon=True) for _ in range(2)]
        for p in procs:
            p.start()
        time.sleep(1.0)
        rows.append((f"beside 2 busy workers at nice {nice}", sorted(_task() for _ in range(5))[2]))
        for p in procs:
            p.terminate()
    return rows


def main() -> None:
    import embviz

    emb = embviz.demo()
    rows = [measure("concurrent.futures (spawn)", _cf, emb), measure("loky", _loky, emb),
            measure("dask LocalCluster", _Dask, emb)]
    print(f"{'pool':<28}{'first answer':>13}{'round trip':>12}{'server +MB':>11}{'worker MB':>10}  after a kill")
    for r in rows:
        print(f"{r['pool']:<28}{r['first_s']:>11.2f} s{r['trip_ms']:>9.1f} ms{r['server_mb']:>11.0f}"
              f"{r['worker_mb']:>10.0f}  {r['after_kill']}")
    p, s = shared_memory_cost(emb)
    print(f"\nsending the {len(emb):,} x {emb.dim} table: pickle round trip {p:.1f} ms, "
          f"copy into shared memory {s:.1f} ms")
    print("\na light request's Python work (3 M additions) in the server:")
    for label, seconds in niceness():
        print(f"  {label:<36}{seconds:.3f} s")


if __name__ == "__main__":
    main()
