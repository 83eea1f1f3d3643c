"""A corpus of hostile files (issue 12), each loaded in its own child process under the default
limits, with its peak memory measured by GNU time (``/usr/bin/time -f %M``) and its time bounded.

Every file either raises a named error (the child reports type and message) or loads correctly;
none may take more than ``CEILING_MB`` of peak resident memory (a child that only imports embviz
takes about 110 MB; a CSV bomb, parsed by pandas, ``CSV_CEILING_MB``) or ``LOAD_SECONDS`` of CPU
for the load itself (CPU time, so that other work on the machine does not fail the test; the
slowest file, 64 MiB of projector rows parsed by NumPy before the decompression limit stops it,
takes 4.5–5.5 s on the 2-core machines here: the bound catches a hang or a quadratic parse, not a
slower machine). A child still running after
``KILL_SECONDS`` of wall time is killed with its process group.

The files are written the way other tools write them (gzip, NumPy, pandas, pyarrow, gensim,
``zip``) or are what the operating system offers (FIFOs, devices, sparse files). The compressed
bombs expand to 80 MiB rather than 1 GiB to keep the corpus quick to build; the limit they meet
(``max(64 MiB, 20 × compressed size)``) stops them at the same 64 MiB either way.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
TIME = "/usr/bin/time"
CEILING_MB = 400
CSV_CEILING_MB = 550  # pandas tokenises what it has read, ~6 bytes per byte, before the limit stops it
LOAD_SECONDS = 10.0
KILL_SECONDS = 30.0
MIB = 1 << 20

CHILD = r"""
import json, sys, time, warnings
args = json.loads(sys.argv[1])
from embviz.formats import load
from embviz.errors import EmbvizError
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    start, cpu = time.perf_counter(), time.process_time()
    try:
        emb = load(args["path"], **args["kwargs"])
        out = {"ok": True, "shape": list(emb.shape), "keys": emb.keys[:4]}
    except EmbvizError as exc:
        out = {"ok": False, "error": type(exc).__name__, "message": str(exc)}
    out["seconds"], out["cpu"] = time.perf_counter() - start, time.process_time() - cpu
out["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught]
print(json.dumps(out))
"""

pytestmark = pytest.mark.skipif(
    not Path(TIME).exists() and not os.environ.get("CI"),
    reason="needs GNU time at /usr/bin/time (apt-get install time); .ci/run installs it")


# -- building the corpus ---------------------------------------------------------------------------
def _gzip_repeat(path: Path, block: bytes, total: int, head: bytes = b"") -> Path:
    """A gzip of ``head`` then ``block`` repeated to ``total`` bytes, written as a stream."""
    with gzip.open(path, "wb", compresslevel=6) as f:
        f.write(head)
        for _ in range(total // len(block)):
            f.write(block)
    return path


def _npy_header(shape, dtype="<f4") -> bytes:
    """The header NumPy writes (magic string included) for an array of ``shape``."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _sparse(path: Path, size: int = 2 << 30, head: bytes = b"") -> Path:
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


def _gensim_text(path: Path, rows: int = 4, dim: int = 3) -> Path:
    from gensim.models import KeyedVectors

    kv = KeyedVectors(dim, count=0, dtype=np.float32)
    kv.add_vectors([f"w{i}" for i in range(rows)], np.arange(rows * dim, dtype=np.float32).reshape(rows, dim) / 7)
    kv.save_word2vec_format(str(path), binary=path.suffix == ".bin")
    return path


def _patch_line(path: Path, line: int, fn) -> Path:
    lines = path.read_bytes().split(b"\n")
    lines[line - 1] = fn(lines[line - 1])
    path.write_bytes(b"\n".join(lines))
    return path


def _encrypted_npz(folder: Path) -> Path:
    member = folder / "vectors.npy"
    np.save(member, np.ones((3, 2), np.float32))
    out = folder / "locked.npz"
    if shutil.which("zip"):
        subprocess.run(["zip", "-q", "-j", "-P", "secret", str(out), str(member)], check=True)
    else:  # the same flag the zip tool sets: bit 0 of the general-purpose flags
        with zipfile.ZipFile(out, "w") as zf:
            zf.write(member, "vectors.npy")
        data = bytearray(out.read_bytes())
        for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = data.find(sig)
            flags = struct.unpack_from("<H", data, at + offset)[0]
            struct.pack_into("<H", data, at + offset, flags | 1)
        out.write_bytes(bytes(data))
    return out


def _npz_bomb(path: Path, rows: int = 200_000, dim: int = 100) -> Path:
    """numpy.savez_compressed's layout, streamed: one deflated member of zeros (80 MB)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf, \
            zf.open("vectors.npy", "w", force_zip64=True) as m:
        np.lib.format.write_array_header_1_0(m, {"descr": "<f4", "fortran_order": False, "shape": (rows, dim)})
        block = bytes(4 * dim * 10_000)
        for _ in range(rows // 10_000):
            m.write(block)
    return path


def build(name: str, d: Path):
    """``(path, load kwargs)`` for one corpus entry."""
    rng = np.random.default_rng(0)
    if name == "gzip of 80 MiB of '0', no line break":
        return _gzip_repeat(d / "zeros.txt.gz", b"0" * MIB, 80 * MIB), {}
    if name == "gzip of 80 MiB of projector rows":
        return _gzip_repeat(d / "rows.tsv.gz", b"\t".join([b"0"] * 512) + b"\n", 80 * MIB), {}
    if name == "gzip of one word2vec row repeated":
        row = b"the" + b" 0.1" * 300 + b"\n"
        return _gzip_repeat(d / "same.txt.gz", row, 80 * MIB, head=b"9000000 300\n"), {}
    if name == "gzip of a CSV bomb":
        head = ("key," + ",".join(f"v{i}" for i in range(100)) + "\n").encode()
        return _gzip_repeat(d / "bomb.csv.gz", b"w" + b",0" * 100 + b"\n", 80 * MIB, head=head), {}
    if name == "gzip of a .npy of zeros within the row limit":
        return _gzip_repeat(d / "zeros.npy.gz", bytes(MIB), 80 * MIB, head=_npy_header((200_000, 100))), {}
    if name == "gzip of a word2vec binary of zeros":
        return _gzip_repeat(d / "zeros.bin.gz", bytes(MIB), 80 * MIB, head=b"3000000 300\n"), {}
    if name == ".npz bomb (deflated member of zeros)":
        return _npz_bomb(d / "bomb.npz"), {}
    if name == ".npy header beyond the row limit":
        path = d / "huge.npy"
        path.write_bytes(_npy_header((10**9, 1)))
        return path, {}
    if name == "Parquet beyond the row limit":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = d / "rows.parquet"
        pq.write_table(pa.table({"v0": pa.array(np.zeros(11_000_000, np.int8))}), path)
        return path, {}
    if name.startswith("2 GiB sparse file"):
        ext = name.rsplit(" ", 1)[-1]
        return _sparse(d / f"sparse{ext}"), {}
    if name == "2 GiB sparse .npy with a valid header beyond the row limit":
        return _sparse(d / "sparse_header.npy", head=_npy_header((500_000_000, 1))), {}
    if name == "/dev/zero":
        return Path("/dev/zero"), {}
    if name == "symlink to /dev/zero":
        path = d / "zero.txt"
        path.unlink(missing_ok=True)
        path.symlink_to("/dev/zero")
        return path, {}
    if name.startswith("FIFO"):
        fifo = d / "pipe.txt"
        if not fifo.exists():
            os.mkfifo(fifo)
        np.save(d / "m.npy", np.ones((3, 2), np.float32))
        return {"FIFO": (fifo, {}), "FIFO as keys=": (d / "m.npy", {"keys": str(fifo)}),
                "FIFO as metadata=": (d / "m.npy", {"metadata": str(fifo)})}[name]
    if name == "a folder as keys=":
        np.save(d / "m.npy", np.ones((3, 2), np.float32))
        return d / "m.npy", {"keys": str(d)}
    if name == "CSV with a million columns":
        import csv

        path = d / "wide.csv"
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["key", *(f"v{i}" for i in range(1_000_000))])
            w.writerow(["a", *([0] * 1_000_000)])
        return path, {}
    if name == "GloVe line of 24 MiB":
        path = d / "long.txt"
        path.write_bytes(b"w" + b" 0.1" * (6 * MIB) + b"\n")
        return path, {}
    if name == "CR-only line ends (word2vec text)":
        path = _gensim_text(d / "cr.txt")
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
        return path, {}
    if name == "U+2028 line ends (pandas to_csv)":
        path = d / "ls.csv"
        pd.DataFrame({"key": ["a", "b"], "v0": [1.0, 2.0]}).to_csv(path, index=False, lineterminator="\u2028")
        return path, {}
    if name == "pandas df.to_csv() (unnamed index)":
        path = d / "pandas.csv"
        pd.DataFrame(rng.normal(size=(3, 4)), index=["king", "queen", "man"]).to_csv(path)
        return path, {}
    if name == "header id,0,1,2":
        path = d / "ids.csv"
        pd.DataFrame(rng.normal(size=(2, 3))).rename_axis("id").reset_index().assign(
            id=["x", "y"]).to_csv(path, index=False)
        return path, {}
    if name == "duplicate column names":
        path = d / "dups.csv"
        pd.DataFrame([["a", 1.0, 2.0], ["b", 3.0, 4.0]], columns=["key", "v0", "v0"]).to_csv(path, index=False)
        return path, {}
    if name == "np.savetxt output":
        path = d / "matrix.txt"
        np.savetxt(path, rng.normal(size=(5, 3)))
        return path, {}
    if name == "word2vec header with an extra field":
        return _patch_line(_gensim_text(d / "extra.txt"), 1, lambda b: b + b" 0"), {}
    if name == "1_0 as a value":
        return _patch_line(_gensim_text(d / "underscore.txt"), 3, lambda b: b.split(b" ")[0] + b" 1_0 2 3"), {}
    if name == "Arabic-Indic digits":
        return _patch_line(_gensim_text(d / "arabic.txt"), 2,
                           lambda b: b.split(b" ")[0] + " ١٢ 2 3".encode()), {}
    if name == "encrypted .npz member":
        return _encrypted_npz(d), {}
    if name == ".npy beside a same-stem .txt":
        np.save(d / "v.npy", np.ones((3, 2), np.float32))
        (d / "v.txt").write_text("x\ny\nz\n")
        return d / "v.npy", {}
    if name == "null Parquet key":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = d / "null.parquet"
        pq.write_table(pa.table({"key": ["a", None], "vector": [[1.0, 2.0], [3.0, 4.0]]}), path)
        return path, {}
    if name == "0-row .npy":
        np.save(d / "empty.npy", np.zeros((0, 3), np.float32))
        return d / "empty.npy", {}
    if name == "float64 rows that collapse in float32":
        np.save(d / "f64.npy", np.array([[1.0, 1.0], [1.0, 1.0 + 1e-12], [1e-60, 1e-70], [2.0**24 + 1, 0]]))
        return d / "f64.npy", {"keys": ["a", "b", "c", "d"]}
    raise KeyError(name)


# name -> (expected: an error-message pattern, or "ok"; peak memory ceiling in MB)
CORPUS = {
    "gzip of 80 MiB of '0', no line break": (r"no line break within 8 MiB \(the max_line limit\)", CEILING_MB),
    "gzip of 80 MiB of projector rows": (r"gzip data expands to more than 64 MiB", CEILING_MB),
    "gzip of one word2vec row repeated": (r"duplicate key 'the' on lines 2 and 3", CEILING_MB),
    "gzip of a CSV bomb": (r"gzip data expands to more than 64 MiB", CSV_CEILING_MB),
    "gzip of a .npy of zeros within the row limit": (r"gzip data expands to more than 64 MiB", CEILING_MB),
    "gzip of a word2vec binary of zeros": (r"record 1 .*no space ending the key", CEILING_MB),
    ".npz bomb (deflated member of zeros)": (r"member 'vectors\.npy' expands to 80,000,128 bytes, beyond the max_decompressed", CEILING_MB),
    ".npy header beyond the row limit": (r"more than 10,000,000 rows \(the max_rows limit\)", CEILING_MB),
    "Parquet beyond the row limit": (r"more than 10,000,000 rows \(the max_rows limit\)", CEILING_MB),
    "2 GiB sparse file .txt": (r"line 1: no line break within 8 MiB", CEILING_MB),
    "2 GiB sparse file .tsv": (r"no line break within 8 MiB", CEILING_MB),
    "2 GiB sparse file .csv": (r"no line break within 8 MiB", CEILING_MB),
    "2 GiB sparse file .bin": (r"expected a header of two integers", CEILING_MB),
    "2 GiB sparse file .npy": (r"not a valid \.npy array", CEILING_MB),
    "2 GiB sparse file .parquet": (r"not a readable Parquet file", CEILING_MB),
    "2 GiB sparse .npy with a valid header beyond the row limit": (r"more than 10,000,000 rows", CEILING_MB),
    "/dev/zero": (r"is a character device, not a regular file", CEILING_MB),
    "symlink to /dev/zero": (r"is a character device, not a regular file", CEILING_MB),
    "FIFO": (r"is a FIFO \(named pipe\), not a regular file", CEILING_MB),
    "FIFO as keys=": (r"pipe\.txt: is a FIFO", CEILING_MB),
    "FIFO as metadata=": (r"pipe\.txt: is a FIFO", CEILING_MB),
    "a folder as keys=": (r"is a folder; expected a file", CEILING_MB),
    "CSV with a million columns": (r"1,000,001 columns, more than the column limit of 65,792", CEILING_MB),
    "GloVe line of 24 MiB": (r"line 1: no line break within 8 MiB", CEILING_MB),
    "CR-only line ends (word2vec text)": ("ok", CEILING_MB),
    "U+2028 line ends (pandas to_csv)": (r"line 1: U\+2028 \(LINE SEPARATOR\) at column 7", CEILING_MB),
    "pandas df.to_csv() (unnamed index)": ("ok", CEILING_MB),
    "header id,0,1,2": ("ok", CEILING_MB),
    "duplicate column names": (r"line 1: columns 2 and 3 have the name 'v0'", CEILING_MB),
    "np.savetxt output": ("ok", CEILING_MB),
    "word2vec header with an extra field": (r"line 1: expected a header of two integers .* \(3 fields", CEILING_MB),
    "1_0 as a value": (r"line 3: field 1 after the key is '1_0', expected a number", CEILING_MB),
    "Arabic-Indic digits": (r"line 2: field 1 after the key is '١٢', expected a number", CEILING_MB),
    "encrypted .npz member": (r"member 'vectors\.npy' is encrypted", CEILING_MB),
    ".npy beside a same-stem .txt": ("ok", CEILING_MB),
    "null Parquet key": (r"row 2: the key \(column 'key'\) is missing \(null\)", CEILING_MB),
    "0-row .npy": (r"holds no vectors \(0 rows\)", CEILING_MB),
    "float64 rows that collapse in float32": ("ok", CEILING_MB),
}

EXPECTED_OK = {  # what the files that load must give
    "CR-only line ends (word2vec text)": ([4, 3], ["w0", "w1", "w2", "w3"], []),
    "pandas df.to_csv() (unnamed index)": ([3, 4], ["king", "queen", "man"], []),
    "header id,0,1,2": ([2, 3], ["x", "y"], []),
    "np.savetxt output": ([5, 3], ["0", "1", "2", "3"], [r"LoadWarning: .*matrix\.txt: it holds no keys"]),
    ".npy beside a same-stem .txt": ([3, 2], ["0", "1", "2"], [r"LoadWarning: .*'v\.keys\.txt' beside it"]),
    "float64 rows that collapse in float32": ([4, 2], ["a", "b", "c", "d"], [
        r"integer value is beyond 2\*\*24 .* row 4, value 1 is 16777217",
        r"1 row becomes a zero vector in float32 .*: row 3",
        r"1 pair of different float64 rows become identical in float32: row 1 and row 2"]),
}


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


def run_child(path: Path, kwargs: dict) -> tuple[dict, float]:
    """The child's report and its peak resident memory in MB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBVIZ_MAX_")}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [TIME, "-f", "%M", sys.executable, "-c", CHILD, json.dumps({"path": str(path), "kwargs": kwargs})]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=KILL_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"loading {path.name} did not finish within {KILL_SECONDS} s (killed)")
    assert proc.returncode == 0, f"the child crashed on {path.name}:\n{err[-3000:]}"
    peak_kb = int(err.strip().splitlines()[-1])
    return json.loads(out.strip().splitlines()[-1]), peak_kb / 1024


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_file_is_named_or_loaded_within_bounds(corpus_dir, name):
    expected, ceiling = CORPUS[name]
    path, kwargs = build(name, corpus_dir)
    report, peak_mb = run_child(path, kwargs)
    print(f"{name}: peak {peak_mb:.0f} MB, load {report['seconds']:.2f} s ({report['cpu']:.2f} s CPU), "
          f"{'loaded' if report['ok'] else report['message'][-160:]}")  # pytest -s shows the corpus
    assert peak_mb <= ceiling, f"{name}: peak memory {peak_mb:.0f} MB, ceiling {ceiling} MB"
    assert report["cpu"] <= LOAD_SECONDS, f"{name}: the load took {report['cpu']:.1f} s of CPU"
    if expected == "ok":
        shape, keys, warned = EXPECTED_OK[name]
        assert report["ok"], report
        assert report["shape"] == shape and report["keys"] == keys[:4]
        for pattern in warned:
            assert any(re.search(pattern, w) for w in report["warnings"]), (pattern, report["warnings"])
        if not warned:
            assert report["warnings"] == []
    else:
        assert not report["ok"], f"{name} loaded: {report}"
        assert report["error"] == "EmbeddingFormatError", report
        assert re.search(expected, report["message"]), report["message"]
        assert path.name in report["message"] or "pipe.txt" in report["message"] or name == "a folder as keys="
