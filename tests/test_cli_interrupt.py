"""Interrupted work loses nothing: a real `embviz project` killed midway (SIGINT, SIGKILL) leaves no
partial file at the final path, and the next run removes its stray temporaries."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.npy"
    np.save(path, np.random.default_rng(0).normal(size=(1_500_000, 4)).astype(np.float32))
    return path


# A Parquet file of 1.5 million coordinates is written in well under the 20 ms the watcher polls at
# (CI once saw it finish before any temporary was seen), so for Parquet the real CLI runs with a pause
# after pyarrow has written the row groups and before the footer and the rename: the window to interrupt.
_PAUSE_AFTER_ROW_GROUPS = """
import runpy, sys, time
import pyarrow.parquet as pq
_write = pq.ParquetWriter.write_table
def write_table(self, *args, **kwargs):
    _write(self, *args, **kwargs)
    time.sleep(60)
pq.ParquetWriter.write_table = write_table
sys.argv[0] = "embviz"
runpy.run_module("embviz", run_name="__main__")
"""


def _start(argv, cache: Path, pause_parquet: bool = False) -> subprocess.Popen:
    env = {**os.environ, "EMBVIZ_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    python = [sys.executable, "-c", _PAUSE_AFTER_ROW_GROUPS] if pause_parquet else [sys.executable, "-m", "embviz"]
    return subprocess.Popen([*python, "project", *map(str, argv)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _kill_mid_write(proc: subprocess.Popen, folder: Path, name: str, sig: int) -> list[Path]:
    """Wait until the temporary output holds data, then send ``sig``; the temporaries seen."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        partial = [p for p in folder.iterdir() if p.name.startswith(f".{name}.")]  # any temporary of ours
        if any(p.is_file() and p.stat().st_size > 100_000 or p.is_dir() and any(p.iterdir()) for p in partial):
            proc.send_signal(sig)
            proc.wait(timeout=60)
            return partial
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"no partial output appeared (exit {proc.poll()}): {proc.stderr.read().decode()[-500:]}")


@pytest.mark.slow
@pytest.mark.parametrize("name, extra", [
    ("out.csv", ["--sample", "2000000"]),                                          # every row fitted here
    ("out.parquet", ["--sample", "2000000"]),
    ("out.csv", ["--sample", "5000", "--workers", "0", "--partition-rows", "50000"]),  # sample + transform
])
def test_sigint_leaves_nothing_at_the_final_path(big, tmp_path, name, extra):
    out = tmp_path / "res" / name
    out.parent.mkdir()
    proc = _start([big, "-o", out, "--method", "pca", *extra], tmp_path / "cache",
                  pause_parquet=name.endswith(".parquet"))
    _kill_mid_write(proc, out.parent, name, signal.SIGINT)
    assert proc.returncode == 130, proc.stderr.read().decode()[-500:]
    assert not out.exists()
    assert [p.name for p in out.parent.iterdir()] == []  # and nothing else left behind


@pytest.mark.slow
def test_sigkill_leaves_no_partial_file_and_the_next_run_cleans_up(big, tmp_path):
    out = tmp_path / "res" / "out.csv"
    out.parent.mkdir()
    proc = _start([big, "-o", out, "--method", "pca", "--sample", "2000000"], tmp_path / "cache")
    partial = _kill_mid_write(proc, out.parent, out.name, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL and not out.exists() and any(p.exists() for p in partial)
    small = tmp_path / "small.npy"
    np.save(small, np.random.default_rng(1).normal(size=(50, 4)).astype(np.float32))
    done = _start([small, "-o", out, "--method", "pca", "-q"], tmp_path / "cache")
    assert done.wait(timeout=120) == 0, done.stderr.read().decode()
    assert [p.name for p in out.parent.iterdir()] == ["out.csv"]
    assert len(pd.read_csv(out)) == 50
