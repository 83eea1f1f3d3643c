"""Reading and writing every format, proven against gensim and the formats' own conventions."""
from __future__ import annotations

import gzip
import io

import numpy as np
import pandas as pd
import pytest

import embviz
from embviz import Embeddings
from embviz.formats import FORMATS, load, save, sniff
from embviz.progress import Recorder

WRITABLE = [name for name, info in FORMATS.items() if info.writable]
EXTENSION = {"word2vec": ".txt", "word2vec-bin": ".bin", "glove": ".txt", "fasttext": ".vec",
             "projector": ".tsv", "npy": ".npy", "npz": ".npz", "csv": ".csv", "parquet": ".parquet"}


@pytest.fixture
def small(rng) -> Embeddings:
    """Keys with accents, CJK and punctuation; values of very different magnitudes."""
    keys = ["king", "queen", "café", "naïve", "東京", "</s>", "#hash", "don't", "e=mc²", "nan"]
    vectors = rng.normal(size=(len(keys), 7)).astype(np.float32)
    vectors[0, 0] = 1e-30
    vectors[1, 1] = -3.4e38
    vectors[2] = 0.0
    meta = pd.DataFrame({"rank": np.arange(1, 11), "zipf": np.linspace(7.5, 3.25, 10),
                         "pos": ["n", "n", "n", "adj", "n", "x", "x", "v", "x", "n"]})
    return Embeddings(keys, vectors, meta, name="small")


def _kv(emb):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(emb.dim, count=0, dtype=np.float32)
    kv.add_vectors(emb.keys, emb.vectors)
    return kv


def _assert_same(a: Embeddings, b: Embeddings, *, metadata: bool = True):
    assert a.keys == b.keys
    np.testing.assert_array_equal(a.vectors, b.vectors)  # float32 exact, text included
    if metadata:
        pd.testing.assert_frame_equal(a.metadata, b.metadata, check_dtype=False, check_column_type=False)


# -- interoperability with gensim -------------------------------------------------------------------
@pytest.mark.parametrize("binary", [False, True])
def test_reads_what_gensim_writes(tmp_path, small, binary):
    path = tmp_path / ("g.bin" if binary else "g.txt")
    _kv(small).save_word2vec_format(str(path), binary=binary)
    assert sniff(path) == ("word2vec-bin" if binary else "word2vec")
    _assert_same(load(path), small, metadata=False)


@pytest.mark.parametrize("fmt,binary", [("word2vec", False), ("word2vec-bin", True), ("fasttext", False)])
def test_gensim_reads_what_embviz_writes(tmp_path, small, fmt, binary):
    from gensim.models import KeyedVectors

    written = save(small, tmp_path / f"e{EXTENSION[fmt]}", format=fmt)
    kv = KeyedVectors.load_word2vec_format(str(written[0]), binary=binary)
    assert list(kv.index_to_key) == small.keys
    np.testing.assert_array_equal(kv.vectors, small.vectors)


def test_binary_is_byte_identical_to_gensim(tmp_path, small):
    _kv(small).save_word2vec_format(str(tmp_path / "g.bin"), binary=True)
    save(small.with_metadata(pd.DataFrame(index=range(len(small)))), tmp_path / "e.bin")
    assert (tmp_path / "g.bin").read_bytes() == (tmp_path / "e.bin").read_bytes()


def test_binary_with_c_tool_newlines(tmp_path, small):
    """Mikolov's C tool writes a newline after every vector; gensim does not. Both read."""
    body = b"".join(k.encode() + b" " + v.astype("<f4").tobytes() + b"\n"
                    for k, v in zip(small.keys, small.vectors))
    path = tmp_path / "c.bin"
    path.write_bytes(f"{len(small)} {small.dim}\n".encode() + body)
    _assert_same(load(path), small, metadata=False)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # gensim leaves a file open
def test_glove_text_detects_dimension(tmp_path, small):
    from gensim.models import KeyedVectors

    written = save(small, tmp_path / "glove.txt", format="glove")
    assert sniff(written[0]) == "glove"
    _assert_same(load(written[0]), small)
    kv = KeyedVectors.load_word2vec_format(str(written[0]), binary=False, no_header=True)
    np.testing.assert_array_equal(kv.vectors, small.vectors)


def test_glove_keys_with_spaces(tmp_path):
    """GloVe 840B has keys holding spaces: the last D fields are the numbers."""
    path = tmp_path / "g.txt"
    path.write_text("the 0.1 0.2\nat name@example.com 0.3 0.4\n. . . 0.5 0.6\n")
    emb = load(path)
    assert emb.keys == ["the", "at name@example.com", ". . ."]
    np.testing.assert_allclose(emb.vectors[1], [0.3, 0.4])


def test_fasttext_vec_with_odd_keys(tmp_path):
    text = "4 2\n</s> 0.5 0.25\n,\u00a0 1 2\nl'été 3 4\n\u200bzero 5 6 \n"
    path = tmp_path / "wiki.vec"
    path.write_text(text, encoding="utf-8")
    assert sniff(path) == "fasttext"
    emb = load(path)
    assert emb.keys == ["</s>", ",\u00a0", "l'été", "\u200bzero"]
    np.testing.assert_array_equal(emb.vectors[3], [5, 6])


@pytest.mark.parametrize("fmt,content", [
    ("word2vec", "\ufeff2 2\r\na 1 2\r\n\r\nb 3 4 \r\n"),
    ("glove", "\ufeffa 1 2\r\nb 3 4\r\n"),
])
def test_windows_line_ends_bom_and_blank_lines(tmp_path, fmt, content):
    path = tmp_path / "w.txt"
    path.write_bytes(content.encode("utf-8"))
    assert sniff(path) == fmt
    emb = load(path)
    assert emb.keys == ["a", "b"]
    np.testing.assert_array_equal(emb.vectors, [[1, 2], [3, 4]])


# -- every writable format round-trips ----------------------------------------------------------------
@pytest.mark.parametrize("fmt", WRITABLE)
@pytest.mark.parametrize("gz", [False, True])
def test_round_trip(tmp_path, small, fmt, gz):
    path = tmp_path / f"out{EXTENSION[fmt]}{'.gz' if gz else ''}"
    written = save(small, path, format=fmt)
    assert all(p.exists() for p in written) and written[0].name == path.name
    if gz:
        assert written[0].read_bytes()[:2] == b"\x1f\x8b"
    assert sniff(written[0]) == fmt
    _assert_same(load(written[0]), small)


@pytest.mark.parametrize("fmt", WRITABLE)
def test_format_follows_extension_and_limit_streams(tmp_path, small, fmt):
    written = save(small, tmp_path / f"x{EXTENSION[fmt]}")
    if fmt != "glove":  # .txt means word2vec
        assert sniff(written[0]) == fmt
    part = load(written[0], limit=3)
    assert part.keys == small.keys[:3]
    np.testing.assert_array_equal(part.vectors, small.vectors[:3])
    assert len(part.metadata) == 3


def test_limit_never_parses_rows_past_it():
    emb = load(("v.txt", b"3 2\na 1 2\n\nb 3 4\nc not numbers\n"), limit=2)
    assert emb.keys == ["a", "b"]
    emb = load(("g.txt", b"a 1 2\nb 3 4\n" + b"\xff broken\n" * 1000), limit=1)
    assert emb.keys == ["a"]


def test_projector_pair_layout(tmp_path, small):
    written = save(small, tmp_path / "words.tsv")
    assert [p.name for p in written] == ["words.tsv", "words_metadata.tsv"]
    vec_lines = written[0].read_text().splitlines()
    assert len(vec_lines) == len(small) and len(vec_lines[0].split("\t")) == small.dim
    meta_lines = written[1].read_text(encoding="utf-8").splitlines()
    assert meta_lines[0] == "key\trank\tzipf\tpos"  # several columns: a header row
    assert len(meta_lines) == len(small) + 1
    bare = small.with_metadata(pd.DataFrame(index=range(len(small))))
    written = save(bare, tmp_path / "folder")  # no extension: a folder in the projector's names
    assert [p.name for p in written] == ["vectors.tsv", "metadata.tsv"]
    assert written[1].read_text(encoding="utf-8").splitlines() == small.keys  # one column, no header
    _assert_same(load(tmp_path / "folder"), bare)


def test_projector_metadata_from_upload_pair(small):
    vectors = "\n".join("\t".join(f"{x:.9g}" for x in row) for row in small.vectors)
    meta = "word\tpos\n" + "\n".join(f"{k}\t{p}" for k, p in zip(small.keys, small.metadata.pos))
    emb = load(("vectors.tsv", vectors.encode()), metadata=("metadata.tsv", meta.encode()))
    assert emb.keys == small.keys and list(emb.metadata.columns) == ["pos"]
    np.testing.assert_array_equal(emb.vectors, small.vectors)


def test_npy_keys_from_parameter_sibling_or_metadata(tmp_path, small):
    np.save(tmp_path / "m.npy", small.vectors)
    anonymous = load(tmp_path / "m.npy")
    assert anonymous.keys == [str(i) for i in range(len(small))]
    assert load(tmp_path / "m.npy", keys=small.keys).keys == small.keys
    (tmp_path / "m.keys.txt").write_text("\n".join(small.keys) + "\n", encoding="utf-8")
    assert load(tmp_path / "m.npy").keys == small.keys
    table = pd.DataFrame({"word": small.keys, "pos": small.metadata.pos})
    table.to_csv(tmp_path / "meta.csv", index=False)
    emb = load(tmp_path / "m.npy", metadata=tmp_path / "meta.csv")
    assert emb.keys == small.keys and list(emb.metadata.pos) == list(small.metadata.pos)


def test_npz_common_layouts(tmp_path, small):
    np.savez(tmp_path / "a.npz", embeddings=small.vectors, words=np.array(small.keys))
    assert load(tmp_path / "a.npz").keys == small.keys
    np.savez(tmp_path / "b.npz", small.vectors)  # a lone array: arr_0
    np.testing.assert_array_equal(load(tmp_path / "b.npz").vectors, small.vectors)
    half = np.clip(small.vectors, -100, 100).astype(np.float16)
    np.savez(tmp_path / "c.npz", vectors=half, keys=np.array(small.keys))
    np.testing.assert_array_equal(load(tmp_path / "c.npz").vectors, half.astype(np.float32))


def test_demo_table_loads_like_datasets(demo):
    from embviz.datasets import DEMO_TABLE, data_dir

    emb = load(data_dir() / DEMO_TABLE)
    _assert_same(emb, demo)


def test_csv_and_parquet_from_other_tools(tmp_path, small):
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = pd.DataFrame(small.vectors, columns=[f"dim_{i}" for i in range(small.dim)])
    df.insert(0, "token", small.keys)
    df["count"] = np.arange(len(small))  # numeric metadata stays metadata beside dim_* columns
    df.to_csv(tmp_path / "t.csv", index=False)
    emb = load(tmp_path / "t.csv")
    assert emb.keys == small.keys and list(emb.metadata.columns) == ["count"]
    np.testing.assert_array_equal(emb.vectors, small.vectors)
    table = pa.table({"text": small.keys, "embedding": [list(map(float, v)) for v in small.vectors]})
    pq.write_table(table, tmp_path / "t.parquet")  # a variable-size list column
    emb = load(tmp_path / "t.parquet", limit=4)
    assert emb.keys == small.keys[:4]
    np.testing.assert_array_equal(emb.vectors, small.vectors[:4])


def test_csv_key_column_choice():
    ids = load(("t.csv", b"id,v0,v1\n10,1,2\n20,3,4\n"))
    assert ids.keys == ["10", "20"] and ids.dim == 2  # a unique numeric id is a key
    labels = load(("t.csv", b"label,a,b\n1,1,2\n1,3,4\n"))
    assert labels.dim == 2 and labels.metadata["label"].tolist() == [1, 1]  # repeated: metadata
    bare = load(("t.csv", b"0.5,1,2\n0.25,3,4\n"))  # no header row at all
    assert bare.shape == (2, 3) and bare.keys == ["0", "1"]


def test_content_beats_extension(tmp_path, small):
    written = save(small, tmp_path / "v.bin")
    misnamed = tmp_path / "v.txt"
    misnamed.write_bytes(written[0].read_bytes())
    assert sniff(misnamed) == "word2vec-bin"
    compressed = tmp_path / "v.data"
    compressed.write_bytes(gzip.compress(written[0].read_bytes()))
    _assert_same(load(compressed), small, metadata=False)


@pytest.mark.parametrize("fmt", ["word2vec-bin", "npz", "parquet", "csv"])
def test_uploads_as_bytes_and_file_likes(tmp_path, small, fmt):
    written = save(small, tmp_path / f"u{EXTENSION[fmt]}")
    data = written[0].read_bytes()
    from_pair = load((written[0].name, data))
    upload = io.BytesIO(data)
    upload.name = written[0].name  # what st.file_uploader hands over
    from_file = load(upload, limit=5)
    assert from_pair.keys == small.keys and from_file.keys == small.keys[:5]
    np.testing.assert_array_equal(from_pair.vectors, small.vectors)


def test_sidecar_metadata_round_trips_with_word2vec(tmp_path, small):
    written = save(small, tmp_path / "w.bin")
    assert [p.name for p in written] == ["w.bin", "w.metadata.tsv"]
    back = load(tmp_path / "w.bin")
    assert back.metadata["rank"].tolist() == small.metadata["rank"].tolist()


def test_progress_reports_and_stops(tmp_path, rng):
    emb = Embeddings([f"w{i}" for i in range(20_000)], rng.normal(size=(20_000, 8)))  # ~1.8 MB
    path = save(emb, tmp_path / "big.txt")[0]
    rec = Recorder()
    assert len(load(path, progress=rec)) == 20_000
    assert rec.calls and rec.calls[-1][0] == rec.calls[-1][1]
    stopper = Recorder(stop_after=1)
    part = load(path, progress=stopper)
    assert 0 < len(part) < 20_000 and part.keys == emb.keys[: len(part)]
    with_meta = emb.with_metadata(pd.DataFrame({"rank": np.arange(20_000)}))
    path = save(with_meta, tmp_path / "meta.vec")[0]  # + meta.metadata.tsv, cut to match
    part = load(path, progress=Recorder(stop_after=1))
    assert 0 < len(part) < 20_000 and part.metadata["rank"].tolist() == list(range(len(part)))


@pytest.mark.parametrize("name", ["big.txt", "big.txt.gz", "big.vec.gz"])
def test_multi_chunk_reads_are_exact(tmp_path, rng, name):
    """Several ~MB chunks, preallocation from an estimate (no header, or gzip): same values."""
    emb = Embeddings([f"w{i}" for i in range(20_000)], rng.normal(size=(20_000, 8)))
    path = save(emb, tmp_path / name, format="glove" if name.startswith("big.txt") else None)[0]
    _assert_same(load(path), emb)
    _assert_same(load(path, limit=15_000), emb.take(np.arange(15_000)))


def test_formats_registry_is_what_the_app_offers():
    assert set(FORMATS) == {"word2vec", "word2vec-bin", "glove", "fasttext", "projector", "npy",
                            "npz", "csv", "parquet"}
    for name, info in FORMATS.items():
        assert info.name == name and info.label and info.description and info.extensions
        assert all(ext.startswith(".") for ext in info.extensions)
    assert embviz.load is load and embviz.FORMATS is FORMATS
