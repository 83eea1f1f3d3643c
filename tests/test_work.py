"""The work pool: real worker processes running real embviz work (no mocks).

The functions the workers run are defined here at module level, so a worker imports them.
"""
from __future__ import annotations

import logging
import os
import time
from concurrent.futures import CancelledError
from pathlib import Path

import numpy as np
import psutil
import pytest

import embviz
from embviz import _worker, work
from embviz.errors import ParameterError, UnknownKeyError


# -- work the workers run --------------------------------------------------------------------------
def count_and_return(path: str, value, seconds: float = 0.0, progress=None):
    """Append a line to ``path`` (so a test can count runs), wait, return ``value``."""
    with open(path, "a") as fh:
        fh.write("ran\n")
    time.sleep(seconds)
    return value


def steps(n: int, seconds: float, progress=None, layout_every: int = 0):
    """``n`` steps of ``seconds``; reports each, sends a layout every ``layout_every``; stops when asked."""
    for i in range(n):
        layout = np.full((4, 2), i, np.float32) if layout_every and i % layout_every == 0 else None
        kwargs = {"layout": layout} if layout is not None and getattr(progress, "wants_layout", False) else {}
        if progress(i, n, f"step {i}", **kwargs):
            return {"stopped": True, "steps": i}
        time.sleep(seconds)
    return {"stopped": False, "steps": n}


def deaf(seconds: float, progress=None):
    """Work that never looks at its progress callback (so it cannot be asked to stop)."""
    time.sleep(seconds)
    return os.getpid()


def pid(progress=None):
    return os.getpid()


def threads(progress=None):
    import numba
    from threadpoolctl import threadpool_info

    return {"cpu": os.cpu_count(), "numba": numba.get_num_threads(),
                "blas": sorted({i["num_threads"] for i in threadpool_info()})}


def fail_unexpectedly(progress=None):
    return 1 / 0


def unknown_word(emb, word, progress=None):
    return emb.index(word)


_KEPT = []


def grow(mb: int, progress=None):
    """Keep ``mb`` MB alive after the job, as a library cache or a leak would."""
    _KEPT.append(np.ones(mb * 2**20 // 8))
    return float(_KEPT[-1].sum())


def hog(mb: int, seconds: float, progress=None):
    block = np.ones(mb * 2**20 // 8)
    time.sleep(seconds)
    return float(block[0])


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pool():
    p = work.Pool(1, linger=0.5, grace=2.0)
    yield p
    p.shutdown()


def _until(cond, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def _small(n=300, d=16):
    x = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    return embviz.Embeddings([f"w{i}" for i in range(n)], x)


# -- tests -----------------------------------------------------------------------------------------
def test_result_matches_running_in_process(pool):
    emb = _small()
    job = pool.submit("pca", embviz.project, emb, "pca", 2, cache=False)
    here = embviz.project(emb, "pca", 2, cache=False)
    np.testing.assert_allclose(job.result(60).coords, here.coords, rtol=1e-5, atol=1e-6)
    assert job.state == work.DONE and job.progress.seconds > 0


def test_identical_keys_in_flight_run_once(pool, tmp_path):
    log = tmp_path / "runs.txt"
    a = pool.submit("same", count_and_return, str(log), 7, 0.5)
    b = pool.submit("same", count_and_return, str(log), 7, 0.5)
    other = pool.submit("other", count_and_return, str(log), 8)
    assert a is b and a is not other
    assert (a.result(60), b.result(60), other.result(60)) == (7, 7, 8)
    assert log.read_text().count("ran") == 2


def test_queue_positions_count_the_work_ahead(pool, tmp_path):
    first = pool.submit("q1", steps, 20, 0.1)
    assert _until(lambda: first.state == work.RUNNING)
    second = pool.submit("q2", pid)
    third = pool.submit("q3", pid)
    assert (first.position, second.position, third.position) == (0, 1, 2)
    first.result(60)
    third.result(60)
    assert first.position == second.position == third.position == 0


def test_progress_layouts_and_time_left_reach_the_server(pool):
    job = pool.submit("layouts", steps, 30, 0.1, layout_every=5)
    assert _until(lambda: job.progress.layouts >= 2)
    p = job.progress
    assert p.total == 30 and 0 < p.done < 30 and p.message.startswith("step")
    assert p.layout.shape == (4, 2) and p.layout[0, 0] % 5 == 0
    assert p.seconds_left is not None and 0 < p.seconds_left < 10
    assert job.result(60) == {"stopped": False, "steps": 30}


def test_stop_returns_the_partial_result(pool):
    emb = _small(600)
    job = pool.submit("tsne-stop", embviz.project, emb, "tsne", 2, n_iter=10_000, cache=False)
    token = job.subscribe()
    assert _until(lambda: job.progress.done > 0, 60)
    assert job.stop(token)
    proj = job.result(30)
    assert proj.stopped and proj.coords.shape == (600, 2) and job.state == work.DONE


def test_stop_with_other_waiters_leaves_the_work_running(pool):
    job = pool.submit("shared-stop", steps, 15, 0.1)
    mine, theirs = job.subscribe(), job.subscribe()
    assert not job.stop(mine)
    assert job.result(60) == {"stopped": False, "steps": 15} and job.waiters == 1
    job.unsubscribe(theirs)


def test_the_last_waiter_leaving_cancels_running_and_queued_work(pool, tmp_path):
    running = pool.submit("abandoned", steps, 1000, 0.05)
    queued = pool.submit("never", count_and_return, str(tmp_path / "never.txt"), 1)
    r, q = running.subscribe(), queued.subscribe()
    assert _until(lambda: running.state == work.RUNNING)
    running.unsubscribe(r)
    queued.unsubscribe(q)
    assert _until(lambda: running.done() and queued.done(), 10)
    assert running.state == queued.state == work.CANCELLED
    with pytest.raises(CancelledError):
        queued.result(1)
    assert not (tmp_path / "never.txt").exists()


def test_a_rerun_that_comes_back_within_linger_keeps_the_work(pool):
    job = pool.submit("rerun", steps, 20, 0.1)
    token = job.subscribe()
    assert _until(lambda: job.state == work.RUNNING)
    job.unsubscribe(token)
    again = pool.submit("rerun", steps, 20, 0.1)
    token = again.subscribe()
    assert again is job
    assert job.result(60)["stopped"] is False
    job.unsubscribe(token)


def test_a_worker_that_ignores_stop_is_killed_and_replaced(pool):
    before = pool.submit("pid-before", pid).result(60)
    job = pool.submit("deaf", deaf, 60)
    token = job.subscribe()
    assert _until(lambda: job.state == work.RUNNING)
    time.sleep(0.5)  # the worker says which process it is
    job.unsubscribe(token)
    assert _until(job.done, 15)
    assert job.state == work.CANCELLED and not psutil.pid_exists(before) or \
        psutil.Process(before).status() == psutil.STATUS_ZOMBIE
    assert pool.submit("pid-after", pid).result(60) != before


def test_a_worker_lost_without_a_word_fails_its_job_and_the_queue_moves_on(monkeypatch):
    """A worker killed while loky never reports it (seen once in CI: a zombie worker, and the job
    queued behind it waited forever). With loky's notice withheld, the pool's own watch must fail
    the job with WorkerLost and start the next one in a fresh worker."""
    real_start = _worker.Slot.start

    def start_without_notice(slot, job):
        real_start(slot, job)
        if job.label == "deaf":  # this one future's completion never reaches the pool
            futures = slot.executor._pending_work_items  # the loky future just submitted
            for item in list(futures.values()):
                item.future._done_callbacks.clear()

    monkeypatch.setattr(_worker.Slot, "start", start_without_notice)
    pool = work.Pool(1, linger=60, grace=60)
    try:
        job = pool.submit("deaf-lost", deaf, 120)
        token = job.subscribe()
        behind = pool.submit("behind", pid)
        assert _until(lambda: job.state == work.RUNNING and pool._slots[0].pid, 30)
        os.kill(pool._slots[0].pid, 9)
        assert _until(job.done, 20), "the lost job never ended"
        assert job.state == work.FAILED and isinstance(job._error, work.WorkerLost)
        assert "ended unexpectedly" in str(job._error)
        assert behind.result(60) != os.getpid()  # the queue moved on, in a new worker
        job.unsubscribe(token)
    finally:
        pool.shutdown()


def test_a_stop_asked_by_the_waiter_waits_for_the_next_safe_point(pool):
    job = pool.submit("slow-steps", steps, 3, 4.0)  # a safe point every 4 s, beyond the pool's grace
    token = job.subscribe()
    assert _until(lambda: job.progress.done >= 1, 30)
    assert job.stop(token)
    assert job.result(30) == {"stopped": True, "steps": 2} and job.state == work.DONE
    job.unsubscribe(token)


def test_silent_waiters_lose_their_lease():
    p = work.Pool(1, linger=0.2, lease=0.5)
    try:
        job = p.submit("lease", steps, 1000, 0.05)
        job.subscribe()  # never touched again, as a closed browser tab
        assert _until(job.done, 15) and job.state == work.CANCELLED
    finally:
        p.shutdown()


def test_a_held_waiter_keeps_the_work_past_the_lease():
    # the server's warm-up holds its job: a numba compilation slower than the lease (seen on a busy
    # machine: killed after 33 s) must not be cancelled as abandoned
    p = work.Pool(1, linger=0.2, lease=0.5)
    try:
        job = p.submit("held", steps, 30, 0.05)
        token = job.subscribe(hold=True)
        job.touch(token)  # touching a held waiter changes nothing
        assert job.result(30) == {"stopped": False, "steps": 30} and job.state == work.DONE
    finally:
        p.shutdown()


def test_parameter_errors_come_back_as_themselves(pool):
    job = pool.submit("bad", embviz.project, _small(30), "tsne", 2, perplexity=500.0, cache=False)
    with pytest.raises(ParameterError) as err:
        job.result(60)
    assert err.value.name == "perplexity" and "below (n_samples - 1) / 3" in str(err.value)
    assert job.state == work.FAILED
    with pytest.raises(UnknownKeyError, match="Key 'w9999' not present"):
        pool.submit("unknown", unknown_word, _small(30), "w9999").result(60)


def test_unexpected_errors_are_generic_and_logged(pool, caplog):
    with caplog.at_level(logging.ERROR, logger="embviz.work"), \
            pytest.raises(work.JobError, match="ZeroDivisionError") as err:
        pool.submit("zero", fail_unexpectedly).result(60)
    assert "fail_unexpectedly" in err.value.traceback
    assert "fail_unexpectedly" in caplog.text


def test_workers_use_one_compute_thread(pool):
    seen = pool.submit("threads", threads).result(120)
    assert seen == {"cpu": 1, "numba": 1, "blas": [1]}


def test_workers_above_the_memory_ceiling_are_replaced():
    p = work.Pool(1, rss_mb=150)
    try:
        first = p.submit("grow", pid).result(60)
        p.submit("grow-big", grow, 300).result(60)
        assert p.counts["recycled"] == 1
        assert p.submit("after", pid).result(60) != first
    finally:
        p.shutdown()


def test_a_job_far_above_the_memory_ceiling_fails_with_a_named_error():
    p = work.Pool(1, rss_mb=80)
    try:
        with pytest.raises(work.WorkerLost, match="used more than 240 MB of memory.*EMBVIZ_WORKER_RSS_MB"):
            p.submit("hog", hog, 400, 20).result(60)
        assert p.submit("fine", pid).result(60)
    finally:
        p.shutdown()


def test_idle_workers_exit():
    p = work.Pool(1, idle_seconds=1.0)
    try:
        worker = p.submit("idle", pid).result(60)
        assert _until(lambda: not psutil.pid_exists(worker) or
                      psutil.Process(worker).status() == psutil.STATUS_ZOMBIE, 15)
        assert p.submit("back", pid).result(60) != worker
    finally:
        p.shutdown()


def prepare(path: str, progress=None):
    """What keep_warm runs: note which worker it prepared."""
    with open(path, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    return os.getpid()


def test_a_standing_worker_outlives_its_idle_time_and_the_others_do_not(tmp_path):
    p = work.Pool(2, idle_seconds=1.0, standing=1)
    try:
        job, token = p.keep_warm(prepare, str(tmp_path / "warm"))
        warmed = job.result(60)
        busy = p.submit("busy", deaf, 1.5)  # the standing worker is busy, so the next job
        other = p.submit("other", pid).result(60)  # goes to the second slot: an ordinary worker
        assert busy.result(60) == warmed and other != warmed
        time.sleep(4)  # four idle times
        assert psutil.pid_exists(warmed) and psutil.Process(warmed).status() != psutil.STATUS_ZOMBIE
        assert _until(lambda: not psutil.pid_exists(other) or psutil.Process(other).status() == psutil.STATUS_ZOMBIE)
        assert p.submit("first request", pid).result(60) == warmed  # the prepared worker answers it
        assert (tmp_path / "warm").read_text().split() == [str(warmed)] and p.counts["warmed"] == 1
    finally:
        p.shutdown()


def test_a_standing_worker_above_its_bound_is_replaced_and_prepared_again(tmp_path):
    p = work.Pool(1, standing=1, standing_mb=400)
    try:
        warmed = p.keep_warm(prepare, str(tmp_path / "warm"))[0].result(60)
        p.submit("big", grow, 500).result(60)  # leaves the worker above the standing bound
        assert p.counts["recycled"] == 1
        assert _until(lambda: len((tmp_path / "warm").read_text().split()) == 2)
        again = int((tmp_path / "warm").read_text().split()[1])
        assert again != warmed and p.counts["warmed"] == 2
        assert p.submit("next", pid).result(60) == again  # the next request finds the prepared worker
        p.submit("small", pid).result(60)
        assert p.counts["warmed"] == 2  # a worker within its bound is kept, not prepared again
    finally:
        p.shutdown()


def test_worker_count_setting(monkeypatch):
    monkeypatch.setenv(work.ENV_WORKERS, "3")
    assert work.default_workers() == 3
    monkeypatch.setenv(work.ENV_WORKERS, "many")
    with pytest.raises(embviz.EmbvizError, match="EMBVIZ_WORKERS must be a whole number"):
        work.default_workers()
    monkeypatch.delenv(work.ENV_WORKERS)
    assert work.default_workers() == max(1, (os.cpu_count() or 1) - 1)


def test_rebuilt_errors_keep_class_and_attributes():
    try:
        raise ParameterError("UMAP", "n_neighbors", ">= 2", 1)
    except ParameterError as exc:
        info = _worker.describe(exc)
    again = _worker.rebuild_error(info)
    assert type(again) is ParameterError and str(again) == info["message"]
    assert (again.owner, again.name, again.value) == ("UMAP", "n_neighbors", 1)
    assert isinstance(_worker.rebuild_error(_worker.describe(FileNotFoundError("x.txt"))), FileNotFoundError)
    assert isinstance(_worker.rebuild_error(_worker.describe(OSError(5, "io"))), work.JobError)
    assert Path(__file__).exists()
