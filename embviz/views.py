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
from embviz.slides import Content

MAP_SIZE = 3_000   # Analogies' frequent-words map
CLUSTER_SAMPLE = 5_000


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
def _map_of(full, emb, method: str, dims: int, params: dict):
    """The map of ``emb`` (all or part of ``full``): rows of the map shipped with ``full`` when
    there is one (default parameters), else computed (and kept on disk by content)."""
    import embviz
    from embviz import mapview
    from embviz.datasets import shipped_projection

    whole = shipped_projection(full, method, dims) if not params else None
    if whole is not None:
        return whole if emb is full else mapview.take_rows(whole, mapview.rows_in(full, emb), emb.keys)
    return embviz.project(emb, method, dims, **mapview.adapt(method, params, len(emb)))


def _regions_of(full, emb, proj, *, find: bool = False):
    """The shipped map's named regions (restricted to ``emb``); with ``find``, those of any other
    2-D map too, found as the Explore page finds them (the same disk cache: usually a hit)."""
    from embviz import mapview
    from embviz.datasets import shipped_regions

    found = shipped_regions(full, proj.method) if proj.dims == 2 and proj.extra.get("shipped") else None
    if found is None and find and proj.dims == 2 and len(emb) >= mapview.MIN_REGION_POINTS:
        from embviz.regions import find_regions

        return find_regions(emb, proj.coords)
    return None if found is None else (found if emb is full else mapview.take_regions(found, mapview.rows_in(full, emb)))


def explore(view, emb, title, *, order, hover, trained, present) -> Content:
    """The Explore map as the page draws it (:mod:`embviz.mapview`): the shipped map when there is
    one, its named regions and placed labels (for the narrowest figure, so no two overlap)."""
    from embviz import mapview
    from embviz.colors import category_colors
    from embviz.reduce import REDUCERS

    full, note = emb, ""
    method = view.method if view.method in REDUCERS else "pca"
    limit = REDUCERS[method].point_limit
    if not view.params and mapview.shipped_whole(full, method, view.dims):
        limit = max(limit, len(full))
    if len(full) > limit:
        keep = mapview.keep_keys(full, view.query, regex=view.regex, pins=view.highlight)
        emb = full.sample(limit, method="random", seed=0, keep=keep)
        note = f"Sample: {len(emb):,} of {len(full):,} points (random)"
    proj = _map_of(full, emb, method, view.dims, view.params)
    regions = _regions_of(full, emb, proj, find=True)
    color, colors, color_name = None, None, ""
    if view.color == mapview.CLUSTER and regions is not None:
        color, color_name = np.asarray(regions.label_names("in no region"), dtype=object), "region"
        colors = category_colors(color)
    elif view.color == mapview.DISTORTION:
        import embviz

        color, color_name = np.asarray(embviz.per_point_quality(emb, proj, k=10), np.float32), "neighbours kept"
    elif view.color and view.color in emb.metadata.columns:
        color, color_name = emb.metadata[view.color].to_numpy(), view.color
        if color.dtype.kind not in "fiu":
            colors = category_colors(full.metadata[view.color])
    found = mapview.search(full, emb, view.query, regex=view.regex)
    pins, _ = mapview.pin_rows(full, emb, view.highlight)
    rows = full.indices(emb.keys) if emb is not full else None
    spec = mapview.map_spec(emb, proj, color=color, colors=colors, color_name=color_name, regions=regions,
                            hover=None if hover is None else (hover if rows is None else np.asarray(hover)[rows]),
                            found=found, highlight=pins, n_words=view.labels, title=mapview.title(emb, proj),
                            note=note, present=present, axis_titles=mapview.axis_titles(proj))
    return Content(title, figure=mapview.draw(spec))


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
        from embviz.reduce.base import get_reducer, map_methods

        map_method = _get(s, "map_method", str, "pca", tuple(map_methods()))
        words = list(dict.fromkeys([*result.inputs, *[k for k, _ in result.results[:3]],
                                    *([result.expected] if result.expected else [])]))
        rows = sorted(set(np.asarray(order)[:MAP_SIZE].tolist()) | set(emb.indices(words).tolist()))
        sub = emb.take(np.array(rows))
        proj = embviz.project(sub, map_method, dims)
        fig = parallelogram(proj.coords, sub.keys, triple_of(result.expression), result.top,
                            expected=result.expected, inputs=result.inputs, label_others=0,
                            title=f"{result.expression} on {get_reducer(map_method).label} of {len(sub):,} frequent words")
    return Content(title, figure=fig, caption=f"{result.expression} → {answers}")


# -- Compare ---------------------------------------------------------------------------------------
def compare(view, emb, title, *, order, hover, trained, present) -> Content:
    from plotly.subplots import make_subplots

    import embviz
    from embviz.figures.scatter import scatter

    r = _get(view.settings, "request", dict, {})
    from embviz.reduce.base import get_reducer, map_methods

    known = map_methods()
    methods = [m for m in _get(r, "methods", list, ["pca", "tsne", "umap"]) if m in known][:3] or ["pca"]
    n = max(3, min(len(emb), _get(r, "n", int, 3_000)))
    sampling = _get(r, "sampling", str, "random", ("random", "top", "stratified"))
    by = r.get("by") if isinstance(r.get("by"), str) else None
    dims = 3 if _get(r, "dims", int, 2) == 3 else 2
    params = _get(r, "params", dict, {})
    part = emb.sample(n, method=sampling, by=by if sampling == "stratified" else None, seed=0)
    projs = [_map_of(emb, part, m, dims, _get(params, m, dict, {})) for m in methods]  # shipped maps when there are
    projs = [projs[0]] + [embviz.align(projs[0], p) for p in projs[1:]]
    colour = r.get("colour") if isinstance(r.get("colour"), str) and r.get("colour") in part.metadata.columns else None
    values = part.metadata[colour].to_numpy() if colour else None
    kind = "xy" if dims == 2 else "scene"
    fig = make_subplots(rows=1, cols=len(projs), specs=[[{"type": kind}] * len(projs)], horizontal_spacing=0.02,
                        subplot_titles=[f"{get_reducer(p.method).label} · {p.seconds:.1f} s" for p in projs])
    for j, p in enumerate(projs, 1):
        one = scatter(p.coords, part.keys, color=values, color_name=colour or "", present=present)
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
    """The Clusters map as the page draws it: islands of the map (the shipped regions of a shipped
    map) or a clustering of the vectors, named by frequent central members, compact islands shaded."""
    from embviz import mapview
    from embviz.clustering import CLUSTERERS, cluster, default_min_cluster_size
    from embviz.figures.clusters import cluster_map
    from embviz.reduce.base import REDUCERS, map_methods
    from embviz.layout import plan_map

    s = view.settings
    method = _get(s, "method", str, "islands", ("islands", *CLUSTERERS))
    map_method = _get(s, "projection", str, "tsne", tuple(map_methods()))
    dims = 3 if _get(s, "dims", int, 2) == 3 else 2
    part, note = emb, ""
    if not mapview.shipped_whole(emb, map_method, 2) and not REDUCERS[map_method].inline and len(emb) > CLUSTER_SAMPLE:
        part = emb.sample(max(500, min(len(emb), _get(s, "map_points", int, CLUSTER_SAMPLE))), method="random", seed=0)
        note = f"random sample of {len(part):,} of {len(emb):,} words"
    flat = _map_of(emb, part, map_method, 2, {})
    if method == "islands":
        mcs = _get(s, "island_size", int, default_min_cluster_size(len(part)))
        shipped = _regions_of(emb, part, flat) if part is emb and mcs == default_min_cluster_size(len(part)) else None
        labels = shipped.labels if shipped is not None else cluster(
            part, "hdbscan", "projected", coords=flat.coords, cluster_selection_method="leaf", min_cluster_size=mcs,
            min_samples=_get(s, "island_samples", int, 10)).labels
    else:
        params = cluster_params(method, s, len(emb))
        labels = np.asarray(cluster(emb, method, "original", **params).labels)
        labels = labels[emb.indices(part.keys)] if part is not emb else labels
    regions, _ = mapview.group_regions(part, flat.coords, labels)
    names = dict(enumerate(regions.names))
    drawn = flat if dims == 2 else _map_of(emb, part, map_method, 3, {})
    what = f"{method} · map: {map_method} {dims}-D" + (f" · {note}" if note else "")
    plan = None
    if dims == 2:
        legend = [f"{n} ({int(k):,})" for n, k in zip(regions.names, regions.sizes)] + ["noise"]
        plan = plan_map(drawn.coords, part.keys, title="", note=what, legend_texts=legend, present=present,
                        regions=regions, n_words=0)
    fig = cluster_map(drawn.coords, part.keys, regions.labels, names, note=what, regions=regions, plan=plan)
    return Content(title, figure=fig, metrics=[("groups", str(regions.n_regions))])


# the names views saved before the Clusters page took its widgets from the registry: name -> (method, parameter)
OLD_CLUSTER_NAMES = {"k": ("kmeans", "k"), "min_cluster_size": ("hdbscan", "min_cluster_size"),
                     "min_samples": ("hdbscan", "min_samples"), "agg_k": ("agglomerative", "k")}


def cluster_params(method: str, settings: dict, n: int) -> dict:
    """The parameters of a registered clustering ``method`` saved in a Clusters view: each spec's
    widget value (``p_<method>_<name>``, text for a value that may be "auto"), else an older name
    (``k``, ``agg_k``, ``auto_k``…), else where the page starts (:meth:`Clusterer.starting`); a value
    the spec refuses falls back the same way.

    >>> cluster_params("kmeans", {"p_kmeans_k": "auto"}, 100), cluster_params("kmeans", {"k": 7}, 100)
    ({'k': 'auto'}, {'k': 7})
    >>> cluster_params("agglomerative", {"p_agglomerative_k": "x"}, 10)
    {'k': 9}
    """
    from embviz.clustering import CLUSTERERS
    from embviz.errors import ParameterError

    cls = CLUSTERERS[method]
    start = cls.starting(n)
    old = {name: key for key, (m, name) in OLD_CLUSTER_NAMES.items() if m == method}
    out = {}
    for spec in cls.PARAMS:
        value = settings.get(f"p_{method}_{spec.name}", settings.get(old.get(spec.name, ""), None))
        if spec.name == "k" and method == "kmeans" and settings.get("auto_k") is True:
            value = "auto"
        try:
            value = spec.parse(value, cls.label) if value is not None else None
        except ParameterError:
            value = None
        value = start.get(spec.name, spec.default) if value is None else value
        if value != spec.default:
            out[spec.name] = value
    return cls.adapt(out, n)


# -- Train -----------------------------------------------------------------------------------------
def train(view, emb, title, *, order, hover, trained, present) -> Content:
    from embviz.figures.training import groups_animation, learning_animation
    from embviz.groups import semantic_groups
    from embviz.train import learning_trajectory

    if trained is None or not getattr(trained, "snapshots", None):
        return Content(title, warning="This view shows a model trained in the session that saved it; train "
                                      "one on the Train page (and save the view again) to show it here.")
    chosen = [g for g in _get(view.settings, "groups", list, []) if isinstance(g, str)]
    found = semantic_groups(trained.snapshot_keys)
    groups = {g: found[g] for g in chosen if g in found}
    if groups:  # watch it learn: the groups gather
        traj = learning_trajectory(trained, [w for ws in groups.values() for w in ws], n=300)
        return Content(title, figure=groups_animation(traj.coords, traj.keys, groups),
                       caption="Press ▶ to watch the groups gather from noise (snapshots aligned by Procrustes).")
    words = [w.strip().lower() for w in _get(view.settings, "words", str, "").split(",") if w.strip()]
    traj = learning_trajectory(trained, words, n=300)
    shown = [w for w in words if w in traj.keys]
    fig = learning_animation(traj.coords, traj.keys, highlight=shown)  # the figure escapes keys
    return Content(title, figure=fig, caption="Press ▶ to watch the words travel from noise into their "
                                              "neighbourhoods (snapshots aligned by Procrustes).")


BUILDERS = {"explore": explore, "analogies": analogies, "compare": compare, "clusters": clusters, "train": train}
