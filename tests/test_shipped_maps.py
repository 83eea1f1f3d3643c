"""The shipped maps of the demo table: loaded only for the table they were made from, with their
scores, and regions that group meaning far better than chance."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

import embviz
from embviz import EmbeddingFormatError
from embviz.datasets import (
    DEMO_MAPS,
    DEMO_TABLE,
    bundled_path,
    demo_maps,
    shipped_maps_meta,
    shipped_projection,
    shipped_regions,
)
from embviz.regions import purity, random_purity


@pytest.fixture(scope="module")
def maps_available():
    try:
        bundled_path(DEMO_MAPS)
    except FileNotFoundError:
        pytest.skip("data/minilm_words_maps.npz is not built (scripts/build_demo_maps.py)")


def test_every_map_of_all_words_is_shipped_with_its_scores(demo, maps_available):
    maps = demo_maps(demo)
    assert set(maps) == {(m, d) for m in ("pca", "tsne", "umap") for d in (2, 3)}
    for (method, dims), proj in maps.items():
        assert proj.coords.shape == (20_000, dims) and proj.coords.dtype == np.float32
        assert proj.keys == demo.keys and proj.method == method and proj.from_cache
        q = proj.extra["quality"]
        assert proj.extra["k"] == 10 and q["n"] == 20_000 and not q["sampled"]
        assert 0 < q["knn_recall@10"] < q["trustworthiness@10"] <= 1
    assert maps[("tsne", 2)].extra["quality"]["trustworthiness@10"] > 0.9
    assert maps[("pca", 2)].extra["quality"]["trustworthiness@10"] < 0.8  # why PCA is not the first map
    # the parameters recorded are those the reducer resolves by default (what project() runs)
    tsne = embviz.REDUCERS["tsne"]
    resolved = {"metric": "cosine", **tsne.resolve({}, 20_000, demo.dim, 2), "seed": 0}
    assert maps[("tsne", 2)].params == resolved


def test_shipped_scores_agree_with_a_fresh_measurement(demo, maps_available):
    proj = shipped_projection(demo, "umap", 2)
    fresh = embviz.quality(demo, proj, k=(10,), sample=1500, seed=1)
    stored = proj.extra["quality"]
    assert fresh["trustworthiness@10"] == pytest.approx(stored["trustworthiness@10"], abs=0.01)
    assert fresh["knn_recall@10"] == pytest.approx(stored["knn_recall@10"], abs=0.03)


def test_a_changed_table_never_gets_stale_coordinates(demo, maps_available):
    vectors = demo.vectors.copy()
    vectors[123, 0] += 1e-3
    nudged = embviz.Embeddings(demo.keys, vectors, demo.metadata)
    renamed = embviz.Embeddings(["KING" if k == "king" else k for k in demo.keys], demo.vectors, demo.metadata)
    for other in (nudged, renamed, demo.subset(indices=np.arange(19_999))):
        assert shipped_projection(other, "tsne", 2) is None and shipped_regions(other, "tsne") is None
        assert demo_maps(other) == {} and shipped_maps_meta(other) is None
    # new metadata (same keys and vectors) keeps the maps: the fingerprint is keys + vectors
    relabelled = demo.with_metadata(demo.metadata.assign(pos="x"))
    assert shipped_projection(relabelled, "tsne", 2) is not None
    assert shipped_projection(demo, "tsne", 4) is None and shipped_projection(demo, "axes", 2) is None


def test_regions_of_the_tsne_map_group_meaning(demo, maps_available):
    regions = shipped_regions(demo, "tsne")
    assert 60 <= regions.n_regions <= 150 and regions.coverage > 0.4
    p, _ = purity(regions.labels, demo.metadata["lexname"])
    assert p > 2 * random_purity(regions.labels, demo.metadata["lexname"], repeats=5)
    names = " · ".join(regions.names)
    assert "king" in names and "music" in names
    assert shipped_regions(demo, "tsne") is regions  # computed once per table and metadata
    meta = shipped_maps_meta(demo)
    assert meta["first_map"] in ("tsne", "umap") and meta["regions"]["tsne"]["n"] == regions.n_regions


def test_missing_or_corrupt_maps_file(tmp_path, monkeypatch, demo, maps_available):
    shutil.copy(bundled_path(DEMO_TABLE), tmp_path / DEMO_TABLE)
    monkeypatch.setenv("EMBVIZ_DATA_DIR", str(tmp_path))
    assert shipped_projection(demo, "tsne", 2) is None  # no maps file: compute instead
    (tmp_path / DEMO_MAPS).write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(EmbeddingFormatError, match="minilm_words_maps.npz.*rebuild them"):
        shipped_projection(demo, "tsne", 2)
    np.savez(tmp_path / DEMO_MAPS, fingerprint=np.array(demo.fingerprint()), meta=np.array("{}"),
             tsne2=np.zeros((5, 2), np.float16))
    with pytest.raises(EmbeddingFormatError, match="shape"):
        shipped_projection(demo, "tsne", 2)
