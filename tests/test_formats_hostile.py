"""Hostile input, in process and exactly: limits (as parameters and variables), line-end rules,
the number rule, the CSV header rule, keys, empty and degenerate tables, float32 warnings and
argument types. The resource side (memory, time) is in test_hostile_files.py."""
from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import warnings

import numpy as np
import pandas as pd
import pytest

from embviz import EmbeddingFormatError, Embeddings, ParameterError
from embviz.errors import LoadWarning
from embviz.formats import load, save
from embviz.io.limits import Limits
from embviz.io.source import open_regular

EXT = {"word2vec": ".txt", "word2vec-bin": ".bin", "glove": ".txt", "fasttext": ".vec",
       "projector": ".tsv", "npy": ".npy", "npz": ".npz", "csv": ".csv", "parquet": ".parquet"}


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def gensim_text(path, rows=5, dim=3, binary=False):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(dim, count=0, dtype=np.float32)
    kv.add_vectors([f"w{i}" for i in range(rows)],
                   (np.arange(rows * dim, dtype=np.float32).reshape(rows, dim) - 4) / 8)
    kv.save_word2vec_format(str(path), binary=binary)
    return path


@pytest.fixture
def table(rng):
    keys = [f"w{i}" for i in range(12)]
    return Embeddings(keys, rng.normal(size=(12, 4)).astype(np.float32), pd.DataFrame({"pos": ["n", "v"] * 6}))


# -- limits ---------------------------------------------------------------------------------------
def test_gzip_limit_from_parameter_and_environment(tmp_path, monkeypatch):
    path = write(tmp_path, "v.txt.gz", gzip.compress(("".join(f"w{i} 0.5 0.25\n" for i in range(20_000))).encode()))
    assert len(load(path)) == 20_000
    with pytest.raises(EmbeddingFormatError, match=r"v\.txt\.gz: the gzip data expands to more than 100,000 "
                                                  r"bytes \(the max_decompressed limit\).*limits=\{'max_decompressed'"):
        load(path, limits={"max_decompressed": 100_000})
    monkeypatch.setenv("EMBVIZ_MAX_DECOMPRESSED_MB", "0.1")
    with pytest.raises(EmbeddingFormatError, match=r"more than 104,857 bytes .*EMBVIZ_MAX_DECOMPRESSED_MB"):
        load(path)
    monkeypatch.setenv("EMBVIZ_MAX_DECOMPRESSED_MB", "lots")
    with pytest.raises(ParameterError, match=r"'EMBVIZ_MAX_DECOMPRESSED_MB' parameter of the environment must "
                                            r"be a positive number\. Got 'lots'"):
        load(path)


def test_default_gzip_limit_scales_with_the_compressed_size():
    limits = Limits()
    assert limits.decompressed_limit(1_000) == 64 << 20  # the floor
    assert limits.decompressed_limit(100 << 20) == 2000 << 20  # 20 × the compressed size
    assert Limits(max_decompressed=5).decompressed_limit(100 << 20) == 5


@pytest.mark.parametrize("limit", [64, 100, 1000])
def test_line_limit_is_exact_across_chunk_boundaries(tmp_path, limit):
    """A line (with its line end) may hold max_line bytes; one byte more is refused, naming it."""
    row = lambda i, n: f"k{i:03d} " + "0" * (n - 6) + "\n"
    rows = [row(i, limit - i % 7) for i in range(300)]
    path = write(tmp_path, "g.txt", "".join(rows))
    assert len(load(path, format="glove", limits={"max_line": limit})) == 300
    rows[211] = row(211, limit + 1)
    path = write(tmp_path, "h.txt", "".join(rows))
    with pytest.raises(EmbeddingFormatError, match=rf"h\.txt, line 212: no line break within {limit:,} bytes"):
        load(path, format="glove", limits={"max_line": limit})


def test_line_limit_in_csv_and_key_files(tmp_path):
    path = write(tmp_path, "t.csv", "key,v0\n" + "".join(f"w{i},{i}\n" for i in range(50)) + "x," + "1" * 500 + "\n")
    with pytest.raises(EmbeddingFormatError, match=r"t\.csv, line 52: no line break within 256 bytes"):
        load(path, limits={"max_line": 256})
    np.save(tmp_path / "m.npy", np.ones((2, 2), np.float32))
    keys = write(tmp_path, "k.txt", "a\n" + "b" * 300 + "\n")
    with pytest.raises(EmbeddingFormatError, match=r"k\.txt, line 2: no line break within 256 bytes"):
        load(tmp_path / "m.npy", keys=keys, limits={"max_line": 256})


@pytest.mark.parametrize("fmt", list(EXT))
def test_row_limit_in_every_format(tmp_path, table, fmt):
    path = save(table, tmp_path / f"t{EXT[fmt]}", format=fmt)[0]
    assert len(load(path, format=fmt, limits={"max_rows": 12})) == 12
    assert len(load(path, format=fmt, limit=5, limits={"max_rows": 10})) == 5  # limit= asks for fewer
    with pytest.raises(EmbeddingFormatError, match=r"more than (the max_rows limit of )?10 rows|announces 12 "
                                                  r"(rows|records), more than the max_rows limit of 10"):
        load(path, format=fmt, limits={"max_rows": 10})


@pytest.mark.parametrize("fmt", list(EXT))
def test_dimension_limit_in_every_format(tmp_path, table, fmt):
    path = save(table, tmp_path / f"t{EXT[fmt]}", format=fmt)[0]
    with pytest.raises(EmbeddingFormatError, match=r"(4|5|6) (dimensions|numbers|columns).*max_dim limit|"
                                                  r"header gives 4 dimensions; expected 1 to 3"):
        load(path, format=fmt, limits={"max_dim": 3})


def test_limits_parameter_is_checked(tmp_path):
    path = write(tmp_path, "v.txt", "1 1\na 1\n")
    with pytest.raises(ParameterError, match=r"'limits' parameter of load must be a dict with keys among"):
        load(path, limits={"max_lines": 5})
    with pytest.raises(ParameterError, match=r"'limits\[max_rows\]' parameter of load must be a positive integer"):
        load(path, limits={"max_rows": True})
    with pytest.raises(ParameterError, match=r"'limits' parameter of load must be None, a Limits or a dict"):
        load(path, limits=5)


# -- files that are not files ---------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_swapped_in_after_the_check_is_still_not_opened_blocking(tmp_path):
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    with pytest.raises(EmbeddingFormatError, match=r"p: is a FIFO \(named pipe\), not a regular file"):
        open_regular(fifo, "p")  # non-blocking open, then fstat: returns at once


def test_a_folder_is_refused_where_a_file_is_needed(tmp_path):
    (tmp_path / "sub").mkdir()
    np.save(tmp_path / "m.npy", np.ones((2, 2), np.float32))
    with pytest.raises(EmbeddingFormatError, match=r"sub: is a folder; expected a file"):
        load(tmp_path / "m.npy", metadata=tmp_path / "sub")
    with pytest.raises(EmbeddingFormatError, match=r"sub: is a folder without vectors\.tsv"):
        load(tmp_path / "sub")


def test_unwritable_output_is_a_named_error(tmp_path, table):
    blocker = write(tmp_path, "file", "x")
    with pytest.raises(EmbeddingFormatError, match=r"file/out\.txt: could not be written"):
        save(table, blocker / "out.txt")


# -- line ends --------------------------------------------------------------------------------------
@pytest.mark.parametrize("eol", ["\r", "\r\n"])
@pytest.mark.parametrize("fmt", ["word2vec", "glove", "projector", "csv", "fasttext"])
def test_cr_and_crlf_line_ends_read_as_rows(tmp_path, table, fmt, eol):
    written = save(table, tmp_path / f"t{EXT[fmt]}", format=fmt)
    for path in written:  # the metadata file too
        path.write_bytes(path.read_bytes().replace(b"\n", eol.encode()))
    back = load(written[0], format=fmt, limits={"max_line": 80})  # small chunks: \r\n split across them
    assert back.keys == table.keys
    np.testing.assert_array_equal(back.vectors, table.vectors)
    assert back.metadata["pos"].tolist() == table.metadata["pos"].tolist()


@pytest.mark.parametrize("char,name", [("\u2028", "U+2028"), ("\u2029", "U+2029"), ("\u0085", "U+0085")])
def test_unicode_line_separators_are_refused_with_their_line(tmp_path, table, char, name):
    path = save(table, tmp_path / "t.txt")[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[4] = lines[4].replace(" ", char, 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(EmbeddingFormatError, match=rf"t\.txt, line 5: {re.escape(name)} .* at column 3"):
        load(path)
    meta = write(tmp_path, "m.tsv", f"key\tpos\nw0\tn{char}x\n")
    np.save(tmp_path / "one.npy", np.ones((1, 2), np.float32))
    with pytest.raises(EmbeddingFormatError, match=rf"m\.tsv, line 2: {re.escape(name)}"):
        load(tmp_path / "one.npy", metadata=meta)


# -- numbers --------------------------------------------------------------------------------------
@pytest.mark.parametrize("token", ["1_0", "١٢", "１", "0x1A", "1,5", "½"])
@pytest.mark.parametrize("fmt", ["word2vec", "glove", "projector", "csv"])
def test_only_ascii_decimal_numbers_are_numbers(tmp_path, table, fmt, token):
    path = save(table.with_metadata(pd.DataFrame(index=range(12))), tmp_path / f"t{EXT[fmt]}", format=fmt)[0]
    sep = {"csv": ",", "projector": "\t"}.get(fmt, " ")
    lines = path.read_text(encoding="utf-8").split("\n")
    row = {"word2vec": 4, "glove": 3, "projector": 3, "csv": 4}[fmt]  # the 4th vector's line
    fields = lines[row - 1].split(sep)
    fields[-2] = f'"{token}"' if fmt == "csv" and "," in token else token  # quoted, as csv writes it
    lines[row - 1] = sep.join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(EmbeddingFormatError, match=rf"line {row}: .*{re.escape(token)}.*expected a number"):
        load(path, format=fmt)


# -- CSV header rule --------------------------------------------------------------------------------
def test_csv_headers_as_pandas_and_numpy_write_them(tmp_path, rng):
    vectors = rng.normal(size=(3, 4))
    pd.DataFrame(vectors, index=["king", "queen", "man"]).to_csv(tmp_path / "a.csv")  # unnamed index
    pd.DataFrame(vectors).to_csv(tmp_path / "b.csv")  # RangeIndex
    pd.DataFrame(vectors).to_csv(tmp_path / "c.csv", index=False)  # header 0,1,2,3
    frame = pd.DataFrame(vectors)
    frame.insert(0, "id", ["x", "y", "z"])
    frame.to_csv(tmp_path / "d.csv", index=False)  # header id,0,1,2,3
    np.savetxt(tmp_path / "e.csv", vectors, delimiter=",")  # no header
    for name, keys in [("a", ["king", "queen", "man"]), ("b", ["0", "1", "2"]), ("c", ["0", "1", "2"]),
                       ("d", ["x", "y", "z"]), ("e", ["0", "1", "2"])]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            emb = load(tmp_path / f"{name}.csv")
        assert emb.keys == keys and emb.shape == (3, 4) and emb.metadata.shape[1] == 0, name
        np.testing.assert_array_equal(emb.vectors, vectors.astype(np.float32))
        made_up = [w for w in caught if "holds no keys" in str(w.message)]
        assert bool(made_up) == (name in "ce"), name


def test_csv_header_of_integers_over_integer_rows_is_a_warned_close_call():
    with pytest.warns(LoadWarning, match=r"line 1 \(0, 1, 2, …\) was read as a header of column numbers"):
        emb = load(("t.csv", b"0,1,2\n5,6,7\n8,9,10\n"))
    assert emb.shape == (2, 3)


def test_csv_duplicate_and_empty_column_names(tmp_path):
    pd.DataFrame([["a", 1.0, 2.0]], columns=["key", "v0", "v0"]).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(EmbeddingFormatError, match=r"d\.csv, line 1: columns 2 and 3 have the name 'v0'"):
        load(tmp_path / "d.csv")
    with pytest.raises(EmbeddingFormatError, match=r"columns 2 and 3 have an empty name"):
        load(("e.csv", b"key,,,v0\na,1,2,3\n"))


# -- keys ---------------------------------------------------------------------------------------------
def test_npy_keys_come_only_from_the_named_sibling(tmp_path):
    np.save(tmp_path / "v.npy", np.eye(3, dtype=np.float32))
    (tmp_path / "v.txt").write_text("x\ny\nz\n")
    (tmp_path / "v.keys.tsv").write_text("x\ny\nz\n")
    with pytest.warns(LoadWarning, match=r"v\.npy: it holds no keys, so its rows are named 0 … 2; pass keys= "
                                         r".* in 'v\.keys\.txt' beside it"):
        assert load(tmp_path / "v.npy").keys == ["0", "1", "2"]
    (tmp_path / "v.keys.txt").write_text("a\nb\nc\n")
    assert load(tmp_path / "v.npy").keys == ["a", "b", "c"]
    assert load(tmp_path / "v.npy", keys=tmp_path / "v.txt").keys == ["x", "y", "z"]


@pytest.mark.parametrize("how", ["csv", "parquet", "npz", "keys=", "metadata="])
def test_empty_keys_are_refused_by_every_reader(tmp_path, how):
    import pyarrow as pa
    import pyarrow.parquet as pq

    vectors = np.eye(3, dtype=np.float32)
    keys = ["a", "", "c"]
    if how == "csv":
        pd.DataFrame({"key": keys, "v0": [1, 2, 3]}).to_csv(tmp_path / "t.csv", index=False)
        call, where = lambda: load(tmp_path / "t.csv"), "line 3"
    elif how == "parquet":
        pq.write_table(pa.table({"key": keys, "vector": vectors.tolist()}), tmp_path / "t.parquet")
        call, where = lambda: load(tmp_path / "t.parquet"), "row 2"
    elif how == "npz":
        np.savez(tmp_path / "t.npz", vectors=vectors, keys=np.array(keys))
        call, where = lambda: load(tmp_path / "t.npz"), "row 2"
    else:
        np.save(tmp_path / "t.npy", vectors)
        meta = pd.DataFrame({"key": keys, "pos": ["n", "v", "n"]})
        call = (lambda: load(tmp_path / "t.npy", keys=keys)) if how == "keys=" else (
            lambda: load(tmp_path / "t.npy", metadata=meta))
        where = "row 2"
    with pytest.raises(EmbeddingFormatError, match=rf"{where}: the key is empty; expected a non-empty key"):
        call()


def test_null_keys_in_parquet_and_csv_metadata(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"word": ["a", None, "c"], "v0": [1.0, 2.0, 3.0]}), tmp_path / "t.parquet")
    with pytest.raises(EmbeddingFormatError, match=r"t\.parquet: row 2: the key \(column 'word'\) is missing"):
        load(tmp_path / "t.parquet")
    pq.write_table(pa.table({"key": ["a", "b"], "vector": [[1.0, 2.0], None]}), tmp_path / "v.parquet")
    with pytest.raises(EmbeddingFormatError, match=r"row 2: list column 'vector' has a missing \(null\) vector"):
        load(tmp_path / "v.parquet")


# -- empty and degenerate tables: every reader, one rule -----------------------------------------------
def _empty(tmp_path, fmt: str, rows: int, dim: int):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from gensim.models import KeyedVectors

    vectors = np.zeros((rows, dim), np.float32)
    keys = [f"w{i}" for i in range(rows)]
    path = tmp_path / f"e{EXT[fmt]}"
    if fmt in ("word2vec", "fasttext", "word2vec-bin"):
        if dim == 0:  # gensim cannot make 0-dimensional vectors: the header it would write
            path.write_bytes(f"{rows} 0\n".encode() + b"".join(f"{k}\n".encode() for k in keys))
            return path
        kv = KeyedVectors(dim, count=0, dtype=np.float32)
        kv.add_vectors(keys, vectors) if rows else None
        kv.save_word2vec_format(str(path), binary=fmt == "word2vec-bin")
    elif fmt in ("glove", "projector"):
        np.savetxt(path, vectors, delimiter="\t" if fmt == "projector" else " ")
        if fmt == "glove" and rows:
            path.write_text("".join(f"{k}\n" for k in keys))  # keys and no numbers
    elif fmt == "npy":
        np.save(path, vectors)
    elif fmt == "npz":
        np.savez(path, vectors=vectors, keys=np.array(keys, dtype=str))
    elif fmt == "csv":
        pd.DataFrame(vectors, index=pd.Index(keys, name="key"),
                     columns=[f"v{i}" for i in range(dim)]).to_csv(path)
    elif fmt == "parquet":
        pq.write_table(pa.table({"key": pa.array(keys, pa.string()),
                                 "vector": pa.array(vectors.tolist(), pa.list_(pa.float32()))}), path)
    return path


@pytest.mark.parametrize("rows,dim", [(0, 3), (3, 0)])
@pytest.mark.parametrize("fmt", list(EXT))
def test_zero_rows_or_zero_dimensions_are_refused_by_every_reader(tmp_path, fmt, rows, dim):
    path = _empty(tmp_path, fmt, rows, dim)
    pattern = (r"no vectors|0 rows|is empty|header gives 0 rows" if rows == 0 else
               r"0 dimensions|no numeric columns|expected a key followed by numbers|header gives 0 dimensions|"
               r"holds no vectors \(it is empty or blank\)")
    with pytest.raises(EmbeddingFormatError, match=pattern):
        load(path, format=fmt)


# -- float32 ------------------------------------------------------------------------------------------
def test_files_float32_holds_exactly_raise_no_warning(tmp_path, table):
    extreme = table.vectors.copy()
    extreme[0, 0], extreme[1, 1], extreme[2] = 1e-30, -3.4e38, 0.0  # float32 values, a zero row
    emb = Embeddings(table.keys, extreme, table.metadata)
    for fmt, ext in EXT.items():
        written = save(emb, tmp_path / f"x{ext}", format=fmt)
        with warnings.catch_warnings():
            warnings.simplefilter("error", LoadWarning)
            back = load(written[0], format=fmt)
        np.testing.assert_array_equal(back.vectors, extreme)


def test_what_float32_changes_is_reported_from_every_float64_source(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    values = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-12], [1e-60, -1e-70], [2.0**24 + 1, 0.5]])
    keys = ["a", "b", "c", "d"]
    frame = pd.DataFrame(values, columns=["v0", "v1"]).assign(key=keys)
    frame.to_csv(tmp_path / "t.csv", index=False, float_format="%.17g")
    pq.write_table(pa.table({"key": keys, "vector": values.tolist()}), tmp_path / "t.parquet")
    np.savez(tmp_path / "t.npz", vectors=values, keys=np.array(keys))
    for name, where in [("t.csv", "line"), ("t.parquet", "row"), ("t.npz", "row")]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            load(tmp_path / name)
        text = " | ".join(str(w.message) for w in caught if w.category is LoadWarning)
        first = 2 if where == "line" else 1
        assert f"{where} {first + 3}, value 1 is 16777217, read as 16777216.0" in text, text
        assert f"1 row becomes a zero vector in float32 (its values are below ~1.4e-45): {where} {first + 2}" in text
        assert f"1 pair of different float64 rows become identical in float32: {where} {first} and {where} {first + 1}" in text


def test_text_reports_big_integers_and_vanishing_rows():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        emb = load(("v.txt", b"3 2\na 16777217 1\nb 1e-50 -2e-60\nc 0 0.0\n"))
    messages = [str(w.message) for w in caught]
    assert emb.vectors[0, 0] == 16777216 and not emb.vectors[1].any()
    assert any("line 2, value 1 is 16777217, read as 16777216.0" in m for m in messages)
    assert any("1 row becomes a zero vector in float32 (its values are below ~1.4e-45): line 3" in m
               for m in messages)  # line 4 is genuinely zero: not reported


def test_beyond_float32_range_is_an_error_for_float64_sources(tmp_path):
    np.save(tmp_path / "big.npy", np.array([[1.0, 2.0], [1e39, 0.0]]))
    with pytest.raises(EmbeddingFormatError, match=r"big\.npy: row 2: value 1 is 1e\+39, beyond float32's range"):
        load(tmp_path / "big.npy", keys=["a", "b"])


# -- archives --------------------------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("zip") is None, reason="the zip tool writes password-protected archives")
def test_encrypted_npz_member_made_by_zip(tmp_path):
    np.save(tmp_path / "vectors.npy", np.ones((2, 2), np.float32))
    subprocess.run(["zip", "-q", "-j", "-P", "pw", str(tmp_path / "x.npz"), str(tmp_path / "vectors.npy")],
                   check=True)
    with pytest.raises(EmbeddingFormatError, match=r"x\.npz: member 'vectors\.npy' is encrypted"):
        load(tmp_path / "x.npz")


def test_parquet_footer_is_checked_before_decoding(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"key": [f"w{i}" for i in range(4000)], "vector": np.zeros((4000, 64)).tolist()}),
                   tmp_path / "z.parquet")  # run-length encoded zeros: a small file
    with pytest.raises(EmbeddingFormatError, match=r"z\.parquet: its pages decode to about .* beyond the "
                                                  r"max_decompressed limit \(100,000 bytes"):
        load(tmp_path / "z.parquet", limits={"max_decompressed": 100_000})


# -- arguments -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,name", [
    ({"limit": True}, "limit"), ({"limit": 1.5}, "limit"), ({"limit": -1}, "limit"), ({"limit": "10"}, "limit"),
    ({"format": 3}, "format"), ({"format": ["csv"]}, "format"), ({"keys": 5}, "keys"), ({"keys": {"a": 1}}, "keys"),
    ({"metadata": 5}, "metadata"), ({"progress": "yes"}, "progress"), ({"name": 5}, "name"),
])
def test_arguments_of_the_wrong_kind_are_parameter_errors(tmp_path, kwargs, name):
    path = write(tmp_path, "v.txt", "1 1\na 1\n")
    with pytest.raises(ParameterError, match=rf"The '{name}' parameter of load must be"):
        load(path, **kwargs)


def test_a_source_of_the_wrong_kind_is_a_parameter_error():
    with pytest.raises(ParameterError, match=r"The 'source' parameter of load must be a path, \(name, bytes\)"):
        load(42)


# -- tab-separated files, format told by the content (no format= passed) ----------------------------
import embviz  # noqa: E402


@pytest.mark.parametrize("content, rows", [
    (b"1\t2\n3\t4\n5\t6\n", [[1, 2], [3, 4], [5, 6]]),       # two integer columns: not a word2vec header
    (b"1\t2\r3\t4\r5\t6\r", [[1, 2], [3, 4], [5, 6]]),       # the same with CR line ends
    (b"0\t1\n0.5\t1.5\n2.5\t3.5\n", [[0.5, 1.5], [2.5, 3.5]]),  # pandas' header of unnamed columns
])
def test_headerless_and_pandas_tsv_load_every_row(tmp_path, content, rows):
    path = tmp_path / "v.tsv"
    path.write_bytes(content)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LoadWarning)
        e = embviz.load(path)
    np.testing.assert_array_equal(e.vectors, np.array(rows, np.float32))


def test_pandas_tab_separated_output_reads_back(tmp_path):
    import pandas as pd

    data = np.arange(12, dtype=np.float64).reshape(4, 3) / 4
    pd.DataFrame(data).to_csv(tmp_path / "p.tsv", sep="\t", index=False)
    pd.DataFrame(data).to_csv(tmp_path / "bare.tsv", sep="\t", index=False, header=False)
    for name in ("p.tsv", "bare.tsv"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LoadWarning)
            np.testing.assert_array_equal(embviz.load(tmp_path / name).vectors, data.astype(np.float32))


@pytest.mark.parametrize("first", ["1_0", "\u0661\u0662"])  # not a number, in a file of numbers
def test_a_bad_number_in_the_first_row_of_a_tsv_is_named_not_taken_as_a_header(tmp_path, first):
    path = tmp_path / "v.tsv"
    path.write_text(f"{first}\t2\n3\t4\n5\t6\n", encoding="utf-8")
    with pytest.raises(embviz.EmbeddingFormatError, match=r"line 1: expected numbers only"):
        embviz.load(path)


def test_u2028_line_ends_are_named(tmp_path):
    path = tmp_path / "u.txt"
    path.write_text("".join(f"{row}\u2028" for row in ["2 3", "a 1 2 3", "b 4 5 6"]), encoding="utf-8")
    with pytest.raises(embviz.EmbeddingFormatError, match="U\\+2028"):
        embviz.load(path)


def test_a_table_of_zero_dimensions_built_in_memory_is_refused_by_name():
    with pytest.raises(EmbeddingFormatError, match=r"0 dimensions; expected at least one number per vector"):
        Embeddings(["a", "b", "c"], np.zeros((3, 0)))
