"""Batch projections: fit on a sample, map every row in partitions, in process or on Dask."""
from __future__ import annotations

import os

import numpy as np
import pyarrow.parquet as pq
import pytest

from embviz import Embeddings
from embviz.errors import EmbeddingFormatError, ParameterError
from embviz.progress import Recorder
from embviz.scale import project_large, read_coordinates, sample_rows


@pytest.fixture(scope="module")
def npy(tmp_path_factory):
    rng = np.random.default_rng(7)
    centres = rng.normal(scale=4, size=(5, 24))
    x = (centres[rng.integers(0, 5, 6000)] + rng.normal(size=(6000, 24))).astype(np.float32)
    path = tmp_path_factory.mktemp("scale") / "v.npy"
    np.save(path, x)
    return path


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on loopback, shared by the tests of this module."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, scheduler_kwargs={"dashboard": False}, silence_logs=40) as c:
        yield c.scheduler_address


def test_pca_matches_sklearn_and_keeps_fitted_coordinates_for_the_sample(npy, tmp_path):
    from sklearn.decomposition import PCA

    res = project_large(npy, "pca", sample=1000, seed=3, partition_rows=1500, out=tmp_path / "c.parquet", workers=0)
    x = np.load(npy)
    idx = sample_rows(len(x), 1000, seed=3)
    np.testing.assert_array_equal(res.sample_index, idx)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    ref = PCA(2).fit(unit[idx]).transform(unit)
    got = read_coordinates(res.path)
    # same up to the sign of each component
    for d in range(2):
        sign = np.sign(ref[:, d] @ got[:, d])
        np.testing.assert_allclose(got[:, d], sign * ref[:, d], atol=1e-4)
    table = pq.read_table(res.path).to_pandas()
    assert table["in_sample"].sum() == 1000 and table["key"].iloc[5] == "5"
    np.testing.assert_array_equal(np.flatnonzero(table["in_sample"]), idx)
    assert pq.ParquetFile(res.path).metadata.num_row_groups == res.n_partitions == 4
    assert set(res.seconds) == {"load+sample", "fit", "transform+write"}


def test_two_dask_workers_give_the_same_pca_coordinates_as_one_process(npy, tmp_path, cluster):
    kw = {"sample": 1500, "seed": 1, "partition_rows": 700}
    single = project_large(npy, "pca", out=tmp_path / "one.parquet", workers=0, **kw)
    dask = project_large(npy, "pca", out=tmp_path / "two.parquet", scheduler=cluster, **kw)
    assert dask.n_partitions == 9
    np.testing.assert_array_equal(read_coordinates(single.path), read_coordinates(dask.path))
    assert pq.read_table(dask.path)["key"].to_pylist() == [str(i) for i in range(6000)]


def test_a_local_cluster_is_started_when_workers_are_asked_for(npy, tmp_path):
    a = project_large(npy, "pca", sample=500, partition_rows=2500, out=tmp_path / "a.parquet", workers=0)
    b = project_large(npy, "pca", sample=500, partition_rows=2500, out=tmp_path / "b.parquet", workers=2)
    assert b.workers == 2
    np.testing.assert_array_equal(read_coordinates(a.path), read_coordinates(b.path))


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("EMBVIZ_SLOW_TESTS"), reason="numba compiles UMAP's transform in each "
                    "fresh worker (1-3 min on 2 cores); set EMBVIZ_SLOW_TESTS=1")
def test_two_dask_workers_give_the_same_umap_coordinates_as_one_process(npy, tmp_path, cluster):
    """UMAP's transform is deterministic for a fitted model (fixed transform seed, single-threaded
    optimiser): the same partitions give bitwise the same coordinates on any worker."""
    kw = {"sample": 600, "seed": 0, "partition_rows": 1000, "n_epochs": 30}
    single = project_large(npy, "umap", out=tmp_path / "one.parquet", workers=0, **kw)
    dask = project_large(npy, "umap", out=tmp_path / "two.parquet", scheduler=cluster, **kw)
    a, b = read_coordinates(single.path), read_coordinates(dask.path)
    assert np.isfinite(a).all() and a.shape == (6000, 2)
    np.testing.assert_array_equal(a, b)


def test_embeddings_source_keeps_keys_metadata_and_stratified_sample(blobs, tmp_path):
    res = project_large(blobs, "pca", sample=30, sample_method="stratified", by="group", seed=2,
                        partition_rows=64, out=tmp_path / "b.parquet", workers=0)
    expected = blobs.sample(30, method="stratified", by="group", seed=2)
    assert [blobs.keys[i] for i in res.sample_index] == expected.keys
    table = pq.read_table(res.path).to_pandas()
    assert table["key"].tolist() == blobs.keys
    assert table["group"].tolist() == blobs.metadata["group"].tolist()
    assert table.loc[table["in_sample"], "group"].value_counts().tolist() == [10, 10, 10]


def test_progress_can_stop_and_the_file_holds_the_finished_partitions(npy, tmp_path):
    rec = Recorder(stop_after=3)  # 1 call before fitting, then one per partition
    res = project_large(npy, "pca", sample=500, partition_rows=1000, out=tmp_path / "s.parquet", workers=0,
                        progress=rec)
    assert res.stopped
    assert pq.read_table(res.path).num_rows == 2000
    assert rec.calls[0][2].startswith("fitting pca on 500 of 6,000 rows")


def test_a_failure_while_writing_leaves_no_file(npy, tmp_path):
    def broken(done, total, message):
        if message.startswith("mapped 2"):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        project_large(npy, "pca", sample=500, partition_rows=1000, out=tmp_path / "f.parquet", workers=0,
                      progress=broken)
    assert list(tmp_path.iterdir()) == []


def test_bad_input_names_the_problem(npy, tmp_path):
    out = tmp_path / "c.parquet"
    with pytest.raises(ParameterError, match="'method' parameter of project_large must be a method fitted to data"):
        project_large(npy, "axes", out=out)
    with pytest.raises(ParameterError, match="'out' parameter .* ending in .parquet"):
        project_large(npy, "pca", out=tmp_path / "c.csv")
    with pytest.raises(ParameterError, match=r"'by' parameter .* a metadata column \(\[\]\)"):
        project_large(npy, "pca", sample_method="stratified", by="group", out=out)
    with pytest.raises(ParameterError, match="'n_neighbors' parameter of UMAP"):
        project_large(npy, "umap", sample=100, n_neighbors=1, out=out, workers=0)
    with pytest.raises(ParameterError, match="'whitening' parameter of PCA"):
        project_large(npy, "pca", whitening=True, out=out, workers=0)
    flat = tmp_path / "flat.npy"
    np.save(flat, np.zeros(10))
    with pytest.raises(EmbeddingFormatError, match=r"flat.npy: expected a non-empty 2-D numeric array, found shape \(10,\)"):
        project_large(flat, "pca", out=out)
    assert not out.exists()


def test_sample_rows_is_the_embeddings_sample():
    emb = Embeddings([f"k{i}" for i in range(200)], np.random.default_rng(0).normal(size=(200, 3)))
    idx = sample_rows(200, 17, seed=9)
    assert [emb.keys[i] for i in idx] == emb.sample(17, seed=9).keys
    with pytest.raises(ParameterError, match="'sample' parameter"):
        sample_rows(200, 0)
    assert sample_rows(200, 5, method="top").tolist() == [0, 1, 2, 3, 4]


def test_tsne_gives_the_same_coordinates_in_process_and_on_dask_with_the_parameters_that_ran(npy, tmp_path, cluster):
    """One engine: the Dask path fits the sample with embviz.project and maps the rest with the
    fitted openTSNE embedding's transform; the reported parameters are what openTSNE ran."""
    import embviz

    kw = {"sample": 300, "seed": 2, "partition_rows": 2500, "perplexity": 10, "n_iter": 50,
          "exaggeration_iter": 50, "learning_rate": 123.0}
    single = project_large(npy, "tsne", out=tmp_path / "one.parquet", workers=0, **kw)
    dask = project_large(npy, "tsne", out=tmp_path / "two.parquet", scheduler=cluster, **kw)
    a, b = read_coordinates(single.path), read_coordinates(dask.path)
    assert a.shape == (6000, 2) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    assert single.transform == "native" and single.params["learning_rate"] == 123.0
    assert single.params["gradient"] == "bh" and single.requested["gradient"] == "auto"
    tsne_embedding = single.projection.model.then.embedding
    assert tsne_embedding.gradient_descent_params["learning_rate"] == 123.0
    assert tsne_embedding.gradient_descent_params["negative_gradient_method"] == "bh"
    # the sample's rows are exactly the in-process projection of the same sample
    x = np.load(npy)
    sample = Embeddings([str(i) for i in single.sample_index], x[single.sample_index])
    direct = embviz.project(sample, "tsne", seed=2, cache=False, **{k: v for k, v in kw.items()
                                                                     if k not in ("sample", "seed", "partition_rows")})
    np.testing.assert_array_equal(a[single.sample_index], direct.coords)
    first = np.setdiff1d(np.arange(2500), single.sample_index)  # the first partition, as mapped
    np.testing.assert_allclose(a[first], direct.transform(x[:2500])[first], atol=1e-4)


def test_methods_without_a_transform_map_by_neighbour_interpolation(npy, tmp_path):
    res = project_large(npy, "densmap", sample=400, seed=0, partition_rows=3000, n_epochs=30,
                        out=tmp_path / "d.parquet", workers=0)
    xy = read_coordinates(res.path)
    assert res.transform == "neighbours" and np.isfinite(xy).all()
    lo, hi = res.sample_coords.min(axis=0), res.sample_coords.max(axis=0)
    assert ((xy >= lo - 1e-5) & (xy <= hi + 1e-5)).all()  # medians of fitted positions stay inside the map
