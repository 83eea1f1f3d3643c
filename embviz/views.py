"""The figure of a view saved on a page — Explore, Analogies, Compare, Clusters, Train — drawn from
the view alone, for a slide (:func:`embviz.slides.build`) and the offline talk.

Each page saves the values of its own controls in ``View.settings`` under the names of its widgets
(``expr``, ``method``, ``request``, ...; see the pages' ``VIEW_KEYS``); Explore's view uses the
View's own fields. Values are read defensively: a wrong type or an unknown option falls back to the
page's default, and a view that cannot be drawn says why in the slide's ``error``.
"""
from __future__ import annotations

import numpy as np

from embviz.errors import EmbvizError
from embviz.figures.text import escape
from embviz.slides import Content

EXPLORE_LIMIT = {"pca": 50_000, "axes": 50_000}  # Explore's sampling limits (as its page)
OTHER_LIMIT = 10_000
MAP_SIZE = 3_000   # Analogies' frequent-words map
CLUSTER_SAMPLE = 5_000
NONE, CLUSTER, DISTORTION = "none", "cluster (k-means)", "distortion (per point)"


def _get(settings: dict, name: str, kind, default, choices=None):
    value = settings.get(name, default)
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        return default
    if kind is not int and not isinstance(value, kind):
        return default
    if choices is not None and value not in choices:
        return default
    return value


def sub_order(full_order: np.ndarray, full, part) -> np.ndarray:
    """The frequency order of ``part`` (a subset of ``full``) from ``full``'s."""
    rank = np.empty(len(full), dtype=np.int64)
    rank[np.asarray(full_order)] = np.arange(len(full))
    return np.argsort(rank[full.indices(part.keys)], kind="stable")


def content(view, emb, *, order, hover=None, trained=None, present: bool = False) -> Content:
    page = view.page or "explore"
    build = BUILDERS.get(page)
    title = view.name or page.title()
    if build is None:
        return Content(title, error=f"Slides from the page {page!r} cannot be drawn here.")
    try:
        return build(view, emb, title, order=order, hover=hover, trained=trained, present=present)
    except (EmbvizError, KeyError, ValueError) as exc:
        return Content(title, error=f"This view cannot be drawn on {emb.name or 'this table'}: "
                                    f"{str(exc).strip(chr(34) + chr(39))}")


# -- Explore ---------------------------------------------------------------------------------------
def explore(view, emb, title, *, order, hover, trained, present) -> Content:
    import embviz
    from embviz.figures.scatter import scatter
    from embviz.search import find_keys

    full, note = emb, ""
    limit = EXPLORE_LIMIT.get(view.method, OTHER_LIMIT)
    if len(emb) > limit:
        emb = full.sample(limit, method="random", seed=0)
        note = f"Sample: {len(emb):,} of {len(full):,} points (random)"
    rows = full.indices(emb.keys) if emb is not full else None
    proj = embviz.project(emb, view.method, view.dims, **view.params)
    keys = emb.keys
    color, color_name = None, ""
    if view.color == CLUSTER:
        from embviz.clustering import cluster

        c = cluster(emb, "kmeans", k=12)
        names = dict(c.names)
        color, color_name = np.array([names.get(int(x), f"cluster {x}") for x in c.labels], dtype=object), "cluster"
    elif view.color == DISTORTION:
        color, color_name = np.asarray(embviz.per_point_quality(emb, proj, k=10), np.float32), "neighbours kept"
    elif view.color and view.color in emb.metadata.columns:
        color, color_name = emb.metadata[view.color].to_numpy(), view.color
    query, neighbours, highlight = None, [], np.array([], dtype=np.int64)
    if view.query and not view.regex and view.query in emb.key_to_index:
        query = emb.index(view.query)
        found = full.most_similar(view.query, topn=10)
        neighbours = [emb.key_to_index[w] for w, _ in found if w in emb.key_to_index]
    elif view.query:
        highlight = find_keys(keys, view.query, regex=view.regex, limit=2_000).indices
    pins = [emb.key_to_index[w] for w in view.highlight if w in emb.key_to_index]
    if pins:
        highlight = np.unique(np.concatenate([highlight, np.asarray(pins, dtype=np.int64)]))
    own_order = order if rows is None else sub_order(order, full, emb)
    ev = getattr(proj, "explained_variance", None)
    share = f" · {float(np.sum(ev)) * 100:.0f}% of variance" if ev is not None and len(ev) else ""
    axes = None
    if proj.method == "axes":
        axes = [escape(str(proj.params.get(a, ""))) for a in ("x", "y", "z")[: proj.dims]]
    elif ev is not None and len(ev) >= proj.dims:
        axes = [f"PC{i + 1} ({v * 100:.1f}%)" for i, v in enumerate(ev[: proj.dims])]
    fig = scatter(proj.coords, keys, color=color, color_name=escape(color_name),
                  hover=None if hover is None else (hover if rows is None else np.asarray(hover)[rows]),
                  labels=own_order[: view.labels], highlight=highlight, query=query, neighbors=neighbours,
                  title=escape(f"{emb.name or 'Embeddings'} · {proj.method.upper()} {proj.dims}-D") + share,
                  note=note, present=present, axis_titles=axes)
    return Content(title, figure=fig)


# -- Analogies -------------------------------------------------------------------------------------
def analogies(view, emb, title, *, order, hover, trained, present) -> Content:
    import embviz
    from embviz.analogies import METHODS, solve, triple_of
    from embviz.figures.analogy import analogy_figure, parallelogram
    from embviz.reduce.pca import analogy_view

    s = view.settings
    expr = _get(s, "expr", str, "king - man + woman").strip() or "king - man + woman"
    method = _get(s, "method", str, "3cosadd", tuple(METHODS))
    topn = max(1, min(50, _get(s, "topn", int, 10)))
    dims = 3 if _get(s, "dims", str, "2-D") == "3-D" else 2
    result = solve(emb, expr, topn, method, exclude_inputs=not _get(s, "show_inputs", bool, False))
    answers = ", ".join(f"{w} ({score:.2f})" for w, score in result.results[:3])
    if _get(s, "view", str, "Local PCA") != "Frequent-words map":
        fig = analogy_figure(analogy_view(emb, result, n_neighbors=max(0, min(30, _get(s, "nn", int, 6))),
                                          dims=dims), result)
    else:
        map_method = _get(s, "map_method", str, "pca", ("pca", "umap", "tsne"))
        words = list(dict.fromkeys([*result.inputs, *[k for k, _ in result.results[:3]],
                                    *([result.expected] if result.expected else [])]))
        rows = sorted(set(np.asarray(order)[:MAP_SIZE].tolist()) | set(emb.indices(words).tolist()))
        sub = emb.take(np.array(rows))
        proj = embviz.project(sub, map_method, dims)
        fig = parallelogram(proj.coords, sub.keys, triple_of(result.expression), result.top,
                            expected=result.expected, inputs=result.inputs, label_others=0,
                            title=escape(f"{result.expression} on {map_method.upper()} of {len(sub):,} frequent words"))
    return Content(title, figure=fig, caption=f"{result.expression} → {answers}")


# -- Compare ---------------------------------------------------------------------------------------
def compare(view, emb, title, *, order, hover, trained, present) -> Content:
    from plotly.subplots import make_subplots

    import embviz
    from embviz.figures.scatter import scatter

    r = _get(view.settings, "request", dict, {})
    methods = [m for m in _get(r, "methods", list, ["pca", "tsne", "umap"]) if isinstance(m, str)][:3] or ["pca"]
    n = max(3, min(len(emb), _get(r, "n", int, 3_000)))
    sampling = _get(r, "sampling", str, "random", ("random", "top", "stratified"))
    by = r.get("by") if isinstance(r.get("by"), str) else None
    dims = 3 if _get(r, "dims", int, 2) == 3 else 2
    params = _get(r, "params", dict, {})
    part = emb.sample(n, method=sampling, by=by if sampling == "stratified" else None, seed=0)
    projs = [embviz.project(part, m, dims, **_get(params, m, dict, {})) for m in methods]
    projs = [projs[0]] + [embviz.align(projs[0], p) for p in projs[1:]]
    colour = r.get("colour") if isinstance(r.get("colour"), str) and r.get("colour") in part.metadata.columns else None
    values = part.metadata[colour].to_numpy() if colour else None
    kind = "xy" if dims == 2 else "scene"
    fig = make_subplots(rows=1, cols=len(projs), specs=[[{"type": kind}] * len(projs)], horizontal_spacing=0.02,
                        subplot_titles=[f"{p.method.upper()} · {p.seconds:.1f} s" for p in projs])
    for j, p in enumerate(projs, 1):
        one = scatter(p.coords, part.keys, color=values, color_name=escape(colour or ""), present=present)
        for t in one.data:
            t.showlegend = j == 1 and t.showlegend is not False
            t.legendgroup = t.name
            fig.add_trace(t, row=1, col=j)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    if dims == 2:  # each map keeps its true shape (one unit is as long across as up)
        for j in range(1, len(projs) + 1):
            fig.update_yaxes(scaleanchor=f"x{j if j > 1 else ''}", scaleratio=1, row=1, col=j)
    fig.update_layout(template="plotly_white", height=560, margin={"l": 10, "r": 10, "t": 60, "b": 10},
                      legend={"orientation": "h", "y": -0.02, "yanchor": "top"})
    return Content(title, figure=fig, caption=f"{len(part):,} of {len(emb):,} points ({sampling}), turned to face "
                                              "the first map (Procrustes).")


# -- Clusters --------------------------------------------------------------------------------------
def clusters(view, emb, title, *, order, hover, trained, present) -> Content:
    import embviz
    from embviz.clustering import cluster
    from embviz.figures.clusters import cluster_map

    s = view.settings
    method = _get(s, "method", str, "kmeans", ("kmeans", "hdbscan", "agglomerative"))
    if method == "kmeans":
        params = {"k": "auto"} if _get(s, "auto_k", bool, False) else {"k": _get(s, "k", int, min(20, len(emb) - 1))}
    elif method == "hdbscan":
        params = {"min_cluster_size": _get(s, "min_cluster_size", int, 15), "min_samples": _get(s, "min_samples", int, 10)}
    else:
        params = {"k": _get(s, "agg_k", int, min(20, len(emb) - 1))}
    space = _get(s, "space", str, "original", ("original", "projected"))
    map_method = _get(s, "projection", str, "pca", ("pca", "tsne", "umap"))
    dims = 3 if _get(s, "dims", int, 2) == 3 else 2
    part, note = emb, ""
    if map_method != "pca" and len(emb) > CLUSTER_SAMPLE:
        part = emb.sample(max(500, min(len(emb), _get(s, "map_points", int, CLUSTER_SAMPLE))), method="random", seed=0)
        note = f"random sample of {len(part):,} of {len(emb):,} words"
    proj = embviz.project(part, map_method, dims)
    if space == "original":
        result = cluster(emb, method, "original", **params)
        labels = np.asarray(result.labels)
        labels = labels[emb.indices(part.keys)] if part is not emb else labels
    else:
        result = cluster(part, method, "projected", coords=proj.coords, **params)
        labels = np.asarray(result.labels)
    selected = s.get("selected") if isinstance(s.get("selected"), int) and s.get("selected") in result.names else None
    what = f"{method} on {'the map' if space == 'projected' else 'cosine'} · map: {map_method.upper()} {dims}-D"
    fig = cluster_map(proj.coords, part.keys, labels, {k: escape(v) for k, v in result.names.items()},
                      selected=selected, note=" · ".join(x for x in (what, note) if x),
                      hulls=_get(s, "hulls", bool, True))
    sil = "—" if result.silhouette is None else f"{result.silhouette:.3f}"
    return Content(title, figure=fig, metrics=[("clusters", str(result.n_clusters)), ("silhouette", sil)])


# -- Train -----------------------------------------------------------------------------------------
def train(view, emb, title, *, order, hover, trained, present) -> Content:
    from embviz.figures.training import learning_animation
    from embviz.train import learning_trajectory

    if trained is None or not getattr(trained, "snapshots", None):
        return Content(title, warning="This view shows a model trained in the session that saved it; train "
                                      "one on the Train page (and save the view again) to show it here.")
    words = [w.strip().lower() for w in _get(view.settings, "words", str, "").split(",") if w.strip()]
    traj = learning_trajectory(trained, words, n=300)
    shown = [w for w in words if w in traj.keys]
    fig = learning_animation(traj.coords, [escape(k) for k in traj.keys], highlight=[escape(w) for w in shown])
    return Content(title, figure=fig, caption="Press ▶ to watch the words travel from noise into their "
                                              "neighbourhoods (snapshots aligned by Procrustes).")


BUILDERS = {"explore": explore, "analogies": analogies, "compare": compare, "clusters": clusters, "train": train}
