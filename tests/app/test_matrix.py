"""Every page × every data source renders and works, without an exception or an "on our side" error.

The sources are those a user can bring: the bundled table, a file in each format other tools write
(gensim's word2vec text and binary, GloVe, fastText .vec, the TF projector's TSV pair, .npy with a
keys file, .npz, pandas CSV, Parquet, gzip), a model trained here, the table with a direction
removed, texts embedded by the transformer extra (when installed), a 2- and a 3-word table, a table
without metadata and a 1-dimensional table. Uploads are read from real files with ``embviz.load``
and registered as the sidebar does it.
"""
from __future__ import annotations

import gzip
import shutil

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import embviz
from embviz import Embeddings
from tests.app.helpers import PAGE_SCRIPT, figures, texts, use_table

PAGES = ["explore", "analogies", "compare", "models", "clusters", "train", "maps", "learn", "deck", "data"]
ON_OUR_SIDE = "went wrong on our side"


@pytest.fixture(scope="module")
def base(demo):
    """500 frequent demo words with their metadata: realistic, and quick for every page."""
    return demo.subset(demo.keys[:500])


def _files(base: Embeddings, folder) -> dict[str, object]:
    """A file per format, written by the tool that usually writes it."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=base.dim)
    kv.add_vectors(base.keys, base.vectors)
    out: dict[str, object] = {}
    kv.save_word2vec_format(str(folder / "gensim.txt"), binary=False)
    kv.save_word2vec_format(str(folder / "gensim.bin"), binary=True)
    out["word2vec text (gensim)"] = folder / "gensim.txt"
    out["word2vec binary (gensim)"] = folder / "gensim.bin"
    with open(folder / "glove.txt", "w", encoding="utf-8") as fh:  # GloVe: no header line
        for k, v in zip(base.keys, base.vectors):
            fh.write(k + " " + " ".join(f"{x:.6f}" for x in v) + "\n")
    out["GloVe"] = folder / "glove.txt"
    shutil.copy(folder / "gensim.txt", folder / "wiki.vec")
    out["fastText .vec"] = folder / "wiki.vec"
    with open(folder / "gensim.txt", "rb") as src, gzip.open(folder / "gensim.txt.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    out["word2vec text .gz"] = folder / "gensim.txt.gz"
    pd.DataFrame(base.vectors).to_csv(folder / "vectors.tsv", sep="\t", header=False, index=False)
    base.metadata.assign(word=base.keys)[["word", *base.metadata.columns]].to_csv(
        folder / "metadata.tsv", sep="\t", index=False)
    out["TF projector pair"] = (folder / "vectors.tsv", folder / "metadata.tsv")
    np.save(folder / "vectors.npy", base.vectors)
    (folder / "vectors.keys.txt").write_text("\n".join(base.keys) + "\n", encoding="utf-8")
    out[".npy + keys"] = (folder / "vectors.npy", folder / "vectors.keys.txt")
    embviz.save(base, folder / "table.npz")
    out[".npz"] = folder / "table.npz"
    frame = pd.DataFrame(base.vectors, columns=[f"d{i}" for i in range(base.dim)])
    frame.insert(0, "word", base.keys)
    frame.to_csv(folder / "pandas.csv", index=False)
    out["CSV (pandas)"] = folder / "pandas.csv"
    frame.assign(pos=base.metadata["pos"].to_numpy()).to_parquet(folder / "table.parquet", index=False)
    out["Parquet"] = folder / "table.parquet"
    return out


def _load(spec) -> Embeddings:
    if isinstance(spec, tuple) and spec[0].suffix == ".npy":
        return embviz.load(spec[0], keys=spec[1])
    if isinstance(spec, tuple):
        return embviz.load(spec[0], metadata=spec[1])
    return embviz.load(spec)


@pytest.fixture(scope="module")
def sources(base, demo, tmp_path_factory) -> dict[str, tuple[str, Embeddings | None]]:
    folder = tmp_path_factory.mktemp("formats")
    out: dict[str, tuple[str, Embeddings | None]] = {"bundled": ("demo", None)}
    for label, spec in _files(base, folder).items():
        emb = _load(spec)
        emb.name = label
        out[f"upload: {label}"] = ("upload", emb)
    lines = gzip.open(embviz.demo_corpus(), "rt", encoding="utf-8").readlines()[:20_000]
    corpus = folder / "corpus.txt"
    corpus.write_text("".join(lines), encoding="utf-8")
    trained = embviz.train_word2vec(corpus, dims=24, epochs=2, min_count=3, workers=1, seed=1)
    out["trained here"] = ("trained", trained)
    from embviz.directions import GENDER_PAIRS, remove_direction

    out["direction removed"] = ("debiased", remove_direction(demo, GENDER_PAIRS))
    try:
        out["texts embedded"] = ("texts", embviz.embed_texts(
            ["a cat sat on the mat", "dogs chase cats", "stock markets fell", "the bank raised rates",
             "rain is expected tomorrow", "a sunny and warm day"]))
    except ImportError:
        pass  # the transformers extra is optional
    rng = np.random.default_rng(0)
    out["2 words"] = ("upload", Embeddings(["king", "queen"], rng.normal(size=(2, 8)), name="two"))
    out["3 words"] = ("upload", Embeddings(["king", "queen", "man"], rng.normal(size=(3, 8)), name="three"))
    out["no metadata"] = ("upload", Embeddings(base.keys[:300], base.vectors[:300], name="bare"))
    out["1 dimension"] = ("upload", Embeddings(base.keys[:200], base.vectors[:200, :1], name="line"))
    return out


def _run(page: str, kind: str, emb: Embeddings | None, **state) -> AppTest:
    """The page on ``emb`` (``None``: the bundled table), with ``state`` set before the run."""
    at = AppTest.from_string(PAGE_SCRIPT.format(page=page), default_timeout=240)
    if emb is not None:
        use_table(at, emb, kind)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _check(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: {at.exception}"
    errors = texts(at, "error")
    assert not any(ON_OUR_SIDE in e for e in errors), f"{where}: {errors}"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_with_every_source(page, sources):
    for label, (kind, emb) in sources.items():
        at = _run(page, kind, emb)
        _check(at, f"{page} × {label}")
        if page == "explore":
            n = len(emb) if emb is not None else 20_000
            if n >= 3:
                assert figures(at), f"explore × {label}: no map"
            else:
                assert any("at least 3" in m for m in texts(at, "info") + texts(at, "warning")), label
        if page == "data":
            assert at.dataframe, f"data × {label}: no table"


def test_every_analogies_tab_with_every_source(sources):
    """Only the open tab of Analogies runs: open each of the others on every source."""
    for label, (kind, emb) in sources.items():
        for tab in ("Benchmark", "Directions"):
            _check(_run("analogies", kind, emb, analogies_tab=tab), f"analogies {tab} × {label}")


def test_explore_interactions_with_every_source(sources):
    """Search a word, colour by each option, and turn to 3-D — on every source."""
    for label, (kind, emb) in sources.items():
        at = _run("explore", kind, emb)
        table = emb if emb is not None else embviz.demo()
        if len(table) < 3:
            continue
        at.text_input(key="explore_query").input(table.keys[0]).run()
        _check(at, f"explore search × {label}")
        for option in at.selectbox(key="explore_color").options:
            at.selectbox(key="explore_color").select(option).run()
            _check(at, f"explore colour {option} × {label}")
        at.segmented_control(key="explore_dims").set_value("3-D").run()
        _check(at, f"explore 3-D × {label}")


def test_every_learn_step_with_every_source(sources):
    """The lecture works whatever table is active (it falls back to the bundled table where a step
    needs the pretrained words, and says so)."""
    from embviz.app.pages.learn import STEPS

    for label, (kind, emb) in sources.items():
        for i in range(len(STEPS)):
            _check(_run("learn", kind, emb, learn_step=i), f"learn step {i + 1} × {label}")
