"""Regions: islands of a map found, named by frequent central members, scored, cached by content."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from embviz import Embeddings, ParameterError
from embviz.cache import DiskCache
from embviz.regions import describe, find_regions, frequency_of, name_members, purity, random_purity


def islands(seed=0, per=60, n_islands=4, dim=16):
    """Islands in the original space and on the map, each with a rare core, a frequent core and
    frequent visitors at the edge (far from the island's direction)."""
    rng = np.random.default_rng(seed)
    directions = np.eye(n_islands, dim) * 3
    truth = np.repeat(np.arange(n_islands), per)
    vecs = directions[truth] + rng.normal(scale=0.3, size=(len(truth), dim))
    role = np.tile(np.array(["rare-core"] * 20 + ["frequent-core"] * 20 + ["visitor"] * 20), n_islands)
    vecs[role == "visitor"] += rng.normal(scale=2.5, size=((role == "visitor").sum(), dim))
    vecs[role == "rare-core"] = directions[truth[role == "rare-core"]] + rng.normal(
        scale=0.05, size=((role == "rare-core").sum(), dim))
    zipf = np.where(role == "rare-core", 1.0, np.where(role == "frequent-core", 5.0, 6.0))
    zipf = zipf + rng.uniform(0, 0.5, size=len(truth))
    keys = [f"w{i:03d}-{r}" for i, r in enumerate(role)]
    meta = pd.DataFrame({"zipf": zipf, "kind": [f"k{t}" for t in truth]})
    emb = Embeddings(keys, vecs, meta)
    centres = np.array([[0, 0], [20, 0], [0, 20], [20, 20]])[:n_islands]
    coords = centres[truth] + rng.normal(size=(len(truth), 2))
    return emb, coords, truth


def test_islands_are_found_and_numbered_by_size():
    emb, coords, truth = islands()
    r = find_regions(emb, coords, min_cluster_size=15, cache=False)
    assert r.n_regions == 4
    assert adjusted_rand_score(truth, r.labels) > 0.95
    assert r.sizes.tolist() == sorted(r.sizes.tolist(), reverse=True)
    assert r.labels.shape == (len(emb),) and r.coverage > 0.9
    # each name is placed on its island: the centre is a member near the island's middle
    for k in range(r.n_regions):
        members = coords[r.labels == k]
        assert np.min(np.linalg.norm(members - r.centres[k], axis=1)) < 1e-5
        assert np.linalg.norm(r.centres[k] - np.median(members, axis=0)) < 1.5


def test_names_are_frequent_and_central_members():
    emb, coords, _ = islands()
    r = find_regions(emb, coords, min_cluster_size=15, cache=False)
    for words in r.words:
        assert len(words) == 3
        # visitors are the most frequent but not central, rare-core words central but rare
        assert all(w.endswith("-frequent-core") for w in words), words


def test_name_members_skips_spelling_variants():
    unit = np.tile([1.0, 0.0], (4, 1))
    freq = np.array([4.0, 3.0, 2.0, 1.0])
    assert name_members(["dog", "dogs", "puppy", "pet"], np.arange(4), unit, freq, 3) == ["dog", "puppy", "pet"]


def test_frequency_falls_back_from_zipf_to_rank_to_order():
    keys = ["a", "b", "c"]
    vec = np.eye(3)
    assert frequency_of(Embeddings(keys, vec, pd.DataFrame({"zipf": [1.0, 3, 2]}))).tolist() == [1, 3, 2]
    assert frequency_of(Embeddings(keys, vec, pd.DataFrame({"rank": [3, 1, 2]}))).tolist() == [-3, -1, -2]
    assert frequency_of(Embeddings(keys, vec)).tolist() == [0, -1, -2]


def test_density_marks_tight_islands_compact():
    emb, coords, truth = islands()
    coords = coords.copy()
    coords[truth == 0] *= 0.1  # island 0 (centred at the origin) ten times tighter
    r = describe(emb, coords, truth)
    tight = r.labels[truth == 0][0]
    assert r.density[tight] == r.density.max() and r.density[tight] > 5 * np.median(r.density)
    assert r.compact[tight]
    assert r.outlines[tight][0].tolist() == r.outlines[tight][-1].tolist()  # closed ring


def test_purity_against_random_groups_of_the_same_sizes():
    emb, coords, _ = islands()
    r = find_regions(emb, coords, min_cluster_size=15, cache=False)
    p, per = purity(r.labels, emb.metadata["kind"])
    assert p > 0.95 and len(per) == r.n_regions
    chance = random_purity(r.labels, emb.metadata["kind"], repeats=10)
    assert 0.25 <= chance < 0.45  # four equal categories shuffled: about 1/4 plus small-group excess


def test_results_are_cached_by_content(tmp_path):
    emb, coords, _ = islands()
    store = DiskCache(tmp_path)
    first = find_regions(emb, coords, min_cluster_size=15, cache=store)
    again = find_regions(emb, coords, min_cluster_size=15, cache=store)
    assert not first.from_cache and again.from_cache
    np.testing.assert_array_equal(first.labels, again.labels)
    assert first.names == again.names and np.allclose(first.density, again.density)
    # other frequencies name the regions differently: not the same entry
    flipped = emb.with_metadata(emb.metadata.assign(zipf=-emb.metadata["zipf"]))
    other = find_regions(flipped, coords, min_cluster_size=15, cache=store)
    assert not other.from_cache and other.names != first.names
    moved = find_regions(emb, coords + 1e-3, min_cluster_size=15, cache=store)
    assert not moved.from_cache


def test_bad_input_names_the_parameter():
    emb, coords, _ = islands()
    with pytest.raises(ParameterError, match="'coords' parameter of find_regions"):
        find_regions(emb, coords[:10], cache=False)
    with pytest.raises(ParameterError, match="'coords'"):
        find_regions(emb, np.full_like(coords, np.nan), cache=False)
    with pytest.raises(ParameterError, match="'name_words'"):
        find_regions(emb, coords, name_words=0, cache=False)
    with pytest.raises(ParameterError, match="'frequency'"):
        find_regions(emb, coords, frequency=np.ones(3), cache=False)
