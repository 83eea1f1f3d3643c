"""Bad files: every one raises EmbeddingFormatError naming the file, the line or record and what
was expected — never IndexError, struct.error, UnicodeDecodeError, MemoryError or a hang."""
from __future__ import annotations

import gzip
import pickle

import numpy as np
import pandas as pd
import pytest

from embviz import EmbeddingFormatError, Embeddings, ParameterError
from embviz.formats import FORMATS, load, save, sniff


def write(tmp_path, name: str, content: bytes | str):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def binary_file(rows: list[tuple[str, list[float]]], header: str | None = None) -> bytes:
    dim = len(rows[0][1])
    head = (header or f"{len(rows)} {dim}") + "\n"
    return head.encode() + b"".join(k.encode() + b" " + np.array(v, "<f4").tobytes() for k, v in rows)


# -- text formats: the line is named ------------------------------------------------------------
@pytest.mark.parametrize("content,fmt,pattern", [
    ("", "word2vec", r"e\.txt: the file is empty"),
    ("\n\n  \n", "glove", r"holds no vectors"),
    ("2 2\n", "word2vec", r"line 1: header claims 2 rows of 2 numbers .* but the file has only 4 bytes"),
    ("3 2\na 1 2\nb 3 4\n", "word2vec", r"line 1: the header announces 3 rows, but the file ends after 2"),
    ("1 2\na 1 2\nb 3 4\n", "word2vec", r"line 3: the header \(line 1\) announces 1 rows"),
    ("2 3\na 1 2 3\nb 1 2\n", "word2vec", r"line 3: expected a key and 3 numbers, found only 3 fields"),
    ("2 3\na 1 2 3\nb 1 2 3 4\n", "word2vec", r"line 3: expected 3 numbers after the key, found 4"),
    ("a 1 2\nb 1 2 3\nc 1 2\n", "glove", r"line 2: expected 2 numbers after the key, found 3"),
    ("a 1 2\nb 1\n", "glove", r"line 2: expected a key and 2 numbers, found only 2 fields"),
    ("2 2\na 1 2\nb 1 x\n", "word2vec", r"line 3: field 2 after the key is 'x', expected a number"),
    ("2 2\na 1 2\nb 1,5 2\n", "word2vec", r"line 3: field 1 after the key is '1,5'"),
    ("2 2\na 1 2\nb 1 nan\n", "word2vec", r"line 3: value 2 is nan \(NaN or infinity"),
    ("a 1 2\nb inf 2\n", "glove", r"line 2: value 1 is inf"),
    ("a 1 2\nb 1e39 2\n", "glove", r"line 2: .*beyond float32 range"),
    ("3 1\na 1\nb 2\na 3\n", "word2vec", r"duplicate key 'a' on lines 2 and 4"),
    ("2 2\na 1 2\n 3 4\n", "word2vec", r"line 3: expected a key and 2 numbers, found only 2 fields"),
    ("2 x\na 1\n", "word2vec", r"line 1: expected a header of two integers"),
    ("2 0\na\nb\n", "word2vec", r"line 1: header gives 0 dimensions"),
    ("99999999999 300\n" + "a" + " 0.1" * 300 + "\n", "word2vec", r"line 1: header claims 99999999999 rows"),
])
def test_bad_text(tmp_path, content, fmt, pattern):
    path = write(tmp_path, "e.txt", content)
    with pytest.raises(EmbeddingFormatError, match=pattern):
        load(path, format=fmt)


def test_error_carries_path_and_line(tmp_path):
    path = write(tmp_path, "v.txt", "2 2\na 1 2\nb 1 x\n")
    with pytest.raises(EmbeddingFormatError) as info:
        load(path)
    assert info.value.line == 3 and info.value.path == str(path)


def test_line_numbers_hold_in_later_chunks(tmp_path):
    """The fast path parses chunks of ~1 MB; a fault deep inside is still named by its line."""
    lines = [f"w{i} " + " ".join(["0.125"] * 50) for i in range(8_000)]  # ~2.4 MB
    lines[6_789] = "w6789 " + " ".join(["0.125"] * 49) + " oops"
    path = write(tmp_path, "big.txt", "\n".join(lines) + "\n")
    with pytest.raises(EmbeddingFormatError, match=r"line 6790: field 50 after the key is 'oops'"):
        load(path)


def test_undecodable_bytes_name_line_and_offset(tmp_path):
    content = b"2 2\nabc 1 2\nd\xe9f 3 4\n"
    path = write(tmp_path, "latin1.txt", content)
    with pytest.raises(EmbeddingFormatError, match=r"line 3: bytes b'\\xe9f 3' at byte offset 13 "
                                                  r"\(column 2\) are not valid UTF-8"):
        load(path)


def test_gzip_cut_short_or_corrupt(tmp_path):
    data = gzip.compress(("3 2\n" + "".join(f"w{i} 1 2\n" for i in range(3))).encode())
    path = write(tmp_path, "v.txt.gz", data[: len(data) // 2])
    with pytest.raises(EmbeddingFormatError, match=r"v\.txt\.gz: the gzip data is corrupt or cut short"):
        load(path)


def test_absurd_header_in_a_gzip_stream_allocates_nothing(tmp_path):
    """Size is unknown inside gzip: nothing is preallocated from the header's claim; a claim
    beyond the row limit is refused at once (it used to be read to the end first)."""
    path = write(tmp_path, "v.txt.gz", gzip.compress(b"99999999999 300\na" + b" 0.5" * 300 + b"\n"))
    with pytest.raises(EmbeddingFormatError, match=r"line 1: the header announces 99,999,999,999 rows, "
                                                  r"more than the max_rows limit of 10,000,000"):
        load(path)
    path = write(tmp_path, "w.txt.gz", gzip.compress(b"5000000 300\na" + b" 0.5" * 300 + b"\n"))
    with pytest.raises(EmbeddingFormatError, match=r"announces 5000000 rows, but the file ends after 1"):
        load(path)
    path = write(tmp_path, "v.bin.gz", gzip.compress(binary_file([("a", [1.0, 2.0])], "99999999999 2")))
    with pytest.raises(EmbeddingFormatError, match=r"announces 99,999,999,999 records, more than the max_rows"):
        load(path)
    path = write(tmp_path, "w.bin.gz", gzip.compress(binary_file([("a", [1.0, 2.0])], "5000000 2")))
    with pytest.raises(EmbeddingFormatError, match=r"announces 5000000 records, but the file ends after 1"):
        load(path)


# -- binary: the record is named -------------------------------------------------------------------
def test_binary_cut_short(tmp_path):
    data = binary_file([("alpha", [1, 2, 3]), ("beta", [4, 5, 6]), ("gamma", [7, 8, 9])])
    path = write(tmp_path, "v.bin", data[:-5])
    with pytest.raises(EmbeddingFormatError, match=r"v\.bin: the file ends inside record 3 \(byte offset 39\): "
                                                  r"expected 12 bytes of vector \(3 float32\), found 7"):
        load(path)
    path = write(tmp_path, "w.bin", data + b"d \x00")
    with pytest.raises(EmbeddingFormatError, match=r"data continues after the 3 records"):
        load(path)


@pytest.mark.parametrize("rows,header,pattern", [
    ([("a", [1, 2]), ("b", [np.nan, 2])], None, r"record 2: value 1 is nan"),
    ([("a", [1, 2]), ("a", [3, 4])], None, r"duplicate key 'a' on records 1 and 2"),
    ([("a", [1, 2])], "5 2", r"header claims 5 records of 2 float32 values"),
    ([("a", [1, 2])], "1 99999999", r"header gives 99999999 dimensions"),
    ([("a", [1, 2])], "1 200", r"header claims 1 records of 200 float32"),
])
def test_bad_binary(tmp_path, rows, header, pattern):
    path = write(tmp_path, "v.bin", binary_file(rows, header))
    with pytest.raises(EmbeddingFormatError, match=pattern):
        load(path, format="word2vec-bin")


def test_binary_undecodable_key(tmp_path):
    path = write(tmp_path, "v.bin", binary_file([("a", [1, 2])], "2 2") + b"\xff\xfe " + np.ones(2, "<f4").tobytes())
    with pytest.raises(EmbeddingFormatError, match=r"record 2 \(byte offset 14\): the key's bytes b'\\xff\\xfe' "
                                                  r"are not valid UTF-8"):
        load(path)


def test_binary_without_key_separator(tmp_path):
    path = write(tmp_path, "v.bin", b"1 2\n" + b"x" * 20_000)
    with pytest.raises(EmbeddingFormatError, match=r"record 1 \(byte offset 4\): no space ending the key"):
        load(path, format="word2vec-bin")


# -- pickles are refused, never opened --------------------------------------------------------------
class Boom:
    def __reduce__(self):  # would run on unpickling
        return (exec, ("raise SystemExit('unpickled!')",))


@pytest.mark.parametrize("name", ["vectors.pkl", "vectors.pickle", "vectors.txt"])
def test_pickles_are_refused(tmp_path, name):
    path = write(tmp_path, name, pickle.dumps(Boom(), protocol=4))
    with pytest.raises(EmbeddingFormatError, match=r"pickle.*never unpickles"):
        load(path)
    with pytest.raises(EmbeddingFormatError, match=r"pickle"):
        sniff(path)


def test_gensim_native_files_are_refused(tmp_path):
    kv = Embeddings(["a", "b"], [[1, 0], [0, 1]]).to_keyedvectors()
    kv.save(str(tmp_path / "vectors.kv"))
    with pytest.raises(EmbeddingFormatError, match=r"\.kv file is a Python pickle.*save_word2vec_format"):
        load(tmp_path / "vectors.kv")
    (tmp_path / "vectors.kv").rename(tmp_path / "vectors.model")
    with pytest.raises(EmbeddingFormatError, match=r"\.model file is a Python pickle"):
        load(tmp_path / "vectors.model", format="word2vec")


def test_object_arrays_are_refused(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(EmbeddingFormatError, match=r"o\.npy: the array holds Python objects.*allow_pickle"):
        load(tmp_path / "o.npy")
    np.savez(tmp_path / "o.npz", vectors=np.ones((2, 2)), keys=np.array(["a", 1], dtype=object))
    with pytest.raises(EmbeddingFormatError, match=r"array 'keys.npy' holds Python objects"):
        load(tmp_path / "o.npz")


# -- arrays and tables ---------------------------------------------------------------------------------
def test_npy_problems(tmp_path):
    np.save(tmp_path / "v.npy", np.ones((4, 3), np.float32))
    data = (tmp_path / "v.npy").read_bytes()
    write(tmp_path, "cut.npy", data[:-7])
    with pytest.raises(EmbeddingFormatError, match=r"cut\.npy: the array is cut short: expected 48 bytes "
                                                  r"of data, found 41"):
        load(tmp_path / "cut.npy")
    np.save(tmp_path / "flat.npy", np.ones(5))
    with pytest.raises(EmbeddingFormatError, match=r"shape \(5,\).*expected a 2-D numeric matrix"):
        load(tmp_path / "flat.npy")
    with pytest.raises(EmbeddingFormatError, match=r"3 keys for 4 vectors in 'v\.npy'"):
        load(tmp_path / "v.npy", keys=["a", "b", "c"])
    with pytest.raises(EmbeddingFormatError, match=r"duplicate keys: 'a' \(rows 1 and 2\)"):
        load(tmp_path / "v.npy", keys=["a", "a", "b", "c"])


def test_npz_problems(tmp_path):
    np.savez(tmp_path / "two.npz", a=np.ones((2, 2)), b=np.ones((3, 2)))
    with pytest.raises(EmbeddingFormatError, match=r"cannot tell which array holds the vectors.*a \(2, 2\)"):
        load(tmp_path / "two.npz")
    np.savez(tmp_path / "m.npz", vectors=np.ones((2, 2)), keys=np.array(["a", "b"]),
             **{"meta:pos": np.array(["n", "v", "x"])})
    with pytest.raises(EmbeddingFormatError, match=r"metadata column 'pos' has shape \(3,\) but 'vectors' has 2 rows"):
        load(tmp_path / "m.npz")
    write(tmp_path, "bad.npz", b"PK\x03\x04garbage")
    with pytest.raises(EmbeddingFormatError, match=r"bad\.npz: not a valid \.npz"):
        load(tmp_path / "bad.npz")


def test_csv_problems(tmp_path):
    write(tmp_path, "t.csv", "key,v0,v1\na,1,2\nb,1,x\n")
    with pytest.raises(EmbeddingFormatError, match=r"t\.csv: line 3: column 'v1' holds 'x', expected a number"):
        load(tmp_path / "t.csv")
    write(tmp_path, "n.csv", "key,v0,v1\na,1,2\nb,1,nan\n")
    with pytest.raises(EmbeddingFormatError, match=r"n\.csv: line 3: column 'v1' holds 'nan', expected a number"):
        load(tmp_path / "n.csv")
    write(tmp_path, "d.csv", "key,v0\na,1\nb,2\na,3\n")
    with pytest.raises(EmbeddingFormatError, match=r"duplicate keys: 'a' \(rows 1 and 3\)"):
        load(tmp_path / "d.csv")
    write(tmp_path, "s.csv", "key,pos\na,n\n")
    with pytest.raises(EmbeddingFormatError, match=r"found no numeric columns"):
        load(tmp_path / "s.csv")


def test_metadata_row_count_must_match(tmp_path):
    emb = Embeddings(["a", "b", "c"], np.eye(3), pd.DataFrame({"pos": ["n", "v", "n"]}))
    written = save(emb, tmp_path / "w.tsv")
    lines = written[1].read_text().splitlines()
    written[1].write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(EmbeddingFormatError, match=r"w_metadata\.tsv: the metadata .* has 2 rows \(not "
                                                  r"counting a header\) but 'w\.tsv' has 3 vectors"):
        load(written[0])
    with pytest.raises(EmbeddingFormatError, match=r"m\.tsv: the metadata 'm\.tsv' has 4 rows .* but 'w\.tsv' has 3 vectors"):
        load(written[0], metadata=("m.tsv", b"a\nb\nc\nd\n"))
    write(tmp_path, "ragged.tsv", "key\tpos\na\tn\nb\n")
    with pytest.raises(EmbeddingFormatError, match=r"ragged\.tsv, line 3: expected 2 tab-separated fields"):
        load(written[0], metadata=tmp_path / "ragged.tsv")


def test_sidecar_that_disagrees_with_the_keys(tmp_path):
    emb = Embeddings(["a", "b"], np.eye(2), pd.DataFrame({"pos": ["n", "v"]}))
    save(emb, tmp_path / "w.txt")
    (tmp_path / "w.metadata.tsv").write_text("key\tpos\nb\tv\na\tn\n")
    with pytest.raises(EmbeddingFormatError, match=r"w\.metadata\.tsv: the keys in its first column do not match"):
        load(tmp_path / "w.txt")


# -- names, paths and parameters -----------------------------------------------------------------------
def test_unknown_format_lists_valid_ones(tmp_path):
    path = write(tmp_path, "v.txt", "1 1\na 1\n")
    with pytest.raises(EmbeddingFormatError, match=r"unknown format 'word2vec-text'; expected 'auto' or one "
                                                  r"of: word2vec, word2vec-bin, glove.*parquet"):
        load(path, format="word2vec-text")
    emb = load(path)
    with pytest.raises(EmbeddingFormatError, match=r"extension '\.xyz'.*pass format= one of word2vec"):
        save(emb, tmp_path / "out.xyz")
    with pytest.raises(EmbeddingFormatError, match=r"unknown format 'hdf5'"):
        save(emb, tmp_path / "out.h5", format="hdf5")


def test_missing_path(tmp_path):
    with pytest.raises(EmbeddingFormatError, match=r"no such file or folder: '.*nothing-here\.txt'"):
        load(tmp_path / "nothing-here.txt")


def test_bad_limit_and_undetectable_content(tmp_path):
    path = write(tmp_path, "v.txt", "1 1\na 1\n")
    with pytest.raises(ParameterError, match=r"The 'limit' parameter of load must be a positive integer"):
        load(path, limit=0)
    blob = write(tmp_path, "blob.dat", "hello world\nthis is prose\n")
    with pytest.raises(EmbeddingFormatError, match=r"blob\.dat: cannot tell the format .*pass format="):
        load(blob)


def test_unwritable_keys_are_refused(tmp_path):
    emb = Embeddings(["new york", "b"], np.eye(2))
    with pytest.raises(EmbeddingFormatError, match=r"key 'new york' \(row 1\) is empty or contains whitespace"):
        save(emb, tmp_path / "v.txt")
    assert not list(tmp_path.iterdir())  # nothing half-written
    save(emb, tmp_path / "v.npz")  # formats that can hold it still work
    assert load(tmp_path / "v.npz").keys == ["new york", "b"]


# -- robustness: any damage gives EmbeddingFormatError (or a valid read), nothing else ---------------
@pytest.mark.parametrize("fmt", [n for n, f in FORMATS.items() if f.writable])
def test_truncated_and_corrupted_files_fail_cleanly(tmp_path, fmt, rng):
    ext = {"word2vec": ".txt", "word2vec-bin": ".bin", "glove": ".txt", "fasttext": ".vec",
           "projector": ".tsv", "npy": ".npy", "npz": ".npz", "csv": ".csv", "parquet": ".parquet"}[fmt]
    emb = Embeddings([f"w{i}" for i in range(20)], rng.normal(size=(20, 6)),
                     pd.DataFrame({"pos": ["n", "v"] * 10}))
    original = save(emb, tmp_path / f"src{ext}", format=fmt)[0].read_bytes()
    cuts = sorted(set(rng.integers(1, len(original), size=12).tolist()))
    damaged = [original[:c] for c in cuts]
    for _ in range(12):
        data = bytearray(original)
        for pos in rng.integers(0, len(data), size=3):
            data[pos] = int(rng.integers(0, 256))
        damaged.append(bytes(data))
    for i, data in enumerate(damaged):
        path = write(tmp_path, f"bad{i}{ext}", data)
        try:
            out = load(path, format=fmt)
        except EmbeddingFormatError:
            continue
        assert isinstance(out, Embeddings) and np.isfinite(out.vectors).all()
