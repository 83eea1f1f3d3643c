"""The view as plain data: what the URL query string and saved-view JSON files hold.

A :class:`View` names the data set, the projection (method, dimensions, parameters) and what is
shown on it (search, highlighted words, colour, labels). :func:`from_query` and :func:`load_views`
validate everything a browser sends: a bad value is dropped with a message naming the parameter,
and the rest of the view still applies. Nothing here is evaluated or unpickled — values are parsed
as plain strings, numbers and lists. (Pure Python: no streamlit, so it is easy to test.)

>>> v = View(method="umap", dims=3, params={"n_neighbors": 30}, query="king")
>>> q = to_query(v)
>>> q["method"], q["dims"], q["p.n_neighbors"], q["q"]
('umap', '3', '30', 'king')
>>> back, problems = from_query(q)
>>> back == v, problems
(True, [])
>>> from_query({"dims": "7"})[1]
["URL parameter 'dims' must be 2 or 3; got '7' — using 2."]
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field, fields

from embviz.errors import EmbvizError

MAX_TEXT = 200          # longest search / word accepted from a URL
MAX_WORDS = 50          # most highlighted words kept from a URL
MAX_VIEWS = 100         # most saved views in one JSON file
MAX_JSON_BYTES = 1_000_000
MAX_NOTE = 2_000        # longest speaker note
MAX_SETTING_TEXT = 2_000  # longest text in a page setting (an expression, a list of words)
MAX_SETTINGS = 40       # most settings (and most items in one list or dict) of one view
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")
_DATA = re.compile(r"^[A-Za-z0-9_.:\-/ ]{1,200}$")


@dataclass
class View:
    """Everything needed to redraw a view. Defaults are the Explore page's defaults."""

    data: str = ""                       # "demo:minilm-words", "folder:0/vectors.txt", "file", ...
    method: str = "pca"
    dims: int = 2
    params: dict = field(default_factory=dict)
    query: str = ""
    regex: bool = False
    highlight: list = field(default_factory=list)
    color: str = ""
    labels: int = 30
    page: str = ""                       # the page that draws it ("explore", "analogies", "learn", ...)
    name: str = ""                       # a saved view's title
    note: str = ""                       # its speaker note (shown on the presenter tab only)
    settings: dict = field(default_factory=dict)  # what else its page needs: {"expr": "king - man"}

    def to_dict(self) -> dict:
        return asdict(self)


class ViewsError(EmbvizError, ValueError):
    """A saved-views (deck) file that cannot be read at all."""


DEFAULT = View()


def to_query(view: View) -> dict[str, str]:
    """The view as query-string parameters (only the ones that differ from the defaults)."""
    out: dict[str, str] = {}
    if view.data:
        out["data"] = view.data
    if view.method != DEFAULT.method:
        out["method"] = view.method
    out["dims"] = str(view.dims)
    for k, v in sorted(view.params.items()):
        out[f"p.{k}"] = _fmt(v)
    if view.query:
        out["q"] = view.query
    if view.regex:
        out["regex"] = "1"
    if view.highlight:
        out["hl"] = ",".join(view.highlight)
    if view.color:
        out["color"] = view.color
    if view.labels != DEFAULT.labels:
        out["labels"] = str(view.labels)
    if "method" not in out:
        out["method"] = view.method
    return out


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def parse_scalar(text: str, method: str = "", name: str = ""):
    """A URL value typed by the method's parameter table (``ParamSpec.parse``, the one text parser
    of embviz) — never evaluated. A parameter the registry does not know stays text (the
    controls report it). Raises :class:`embviz.ParameterError` for a value its spec rejects.

    >>> parse_scalar("30", "umap", "n_neighbors"), parse_scalar("true", "umap", "deterministic")
    (30, True)
    >>> parse_scalar("auto", "tsne", "learning_rate"), parse_scalar("30", "nope", "x")
    ('auto', '30')
    """
    from embviz.reduce import REDUCERS

    cls = REDUCERS.get(method)
    spec = next((p for p in cls.PARAMS if p.name == name), None) if cls is not None else None
    return spec.parse(text, cls.owner()) if spec is not None else text


def from_query(query: dict) -> tuple[View, list[str]]:
    """Parse query-string parameters into a :class:`View`, plus one message per bad parameter.

    Bad values are replaced by the default, so the view still opens.
    """
    view, problems = View(), []

    def bad(name, rule, value, default):
        problems.append(f"URL parameter {name!r} must be {rule}; got {str(value)[:60]!r} — using {default}.")

    get = {k: (v[-1] if isinstance(v, list) and v else v) for k, v in query.items()}
    if "data" in get:
        if _DATA.match(str(get["data"])) and ".." not in str(get["data"]):
            view.data = str(get["data"])
        else:
            bad("data", "a data set name", get["data"], "the demo")
    if "method" in get:
        m = str(get["method"]).lower()
        if _NAME.match(m):
            view.method = m
        else:
            bad("method", "a method name such as pca", get["method"], "pca")
    if "dims" in get:
        if str(get["dims"]) in ("2", "3"):
            view.dims = int(get["dims"])
        else:
            bad("dims", "2 or 3", get["dims"], 2)
    for k, v in get.items():
        if k.startswith("p."):
            name = k[2:]
            if _NAME.match(name) and len(str(v)) <= MAX_TEXT:
                try:
                    view.params[name] = parse_scalar(str(v), view.method, name)
                except ValueError as exc:  # embviz.ParameterError: the spec's rule, with bounds
                    problems.append(f"URL parameter {k!r}: {exc} Using the method's default.")
            else:
                bad(k, "a parameter name with a short value", v, "the method's default")
    if "q" in get:
        if len(str(get["q"])) <= MAX_TEXT:
            view.query = str(get["q"])
        else:
            bad("q", f"at most {MAX_TEXT} characters", str(get["q"])[:20] + "…", "no search")
    if "regex" in get:
        view.regex = str(get["regex"]).lower() in ("1", "true")
    if "hl" in get:
        words = [w for w in str(get["hl"]).split(",") if w]
        if len(words) <= MAX_WORDS and all(len(w) <= MAX_TEXT for w in words):
            view.highlight = words
        else:
            bad("hl", f"at most {MAX_WORDS} comma-separated words", get["hl"], "none")
    if "color" in get:
        if len(str(get["color"])) <= MAX_TEXT:
            view.color = str(get["color"])
        else:
            bad("color", "a colour option", get["color"], "none")
    if "labels" in get:
        try:
            n = int(str(get["labels"]))
            if not 0 <= n <= 500:
                raise ValueError
            view.labels = n
        except ValueError:
            bad("labels", "a whole number from 0 to 500", get["labels"], DEFAULT.labels)
    return view, problems


# -- saved views (bookmarks) ----------------------------------------------------------------------
def dump_views(views: list[View]) -> str:
    """Saved views as a JSON document (a list of view objects under ``"views"``)."""
    return json.dumps({"embviz_views": 1, "views": [v.to_dict() for v in views]}, indent=2)


def load_views(text: str | bytes) -> tuple[list[View], list[str]]:
    """Parse a saved-views JSON document; raise ``ValueError`` if it is not one at all.

    Each view is validated like a URL, so a file edited by hand cannot inject anything: unknown
    fields are ignored (and reported), bad values fall back to defaults.

    >>> views, problems = load_views('{"views": [{"method": "tsne", "dims": 9, "colour": "pos"}]}')
    >>> views[0].method, views[0].dims
    ('tsne', 2)
    >>> problems
    ["view 1: unknown field 'colour' ignored", "view 1: URL parameter 'dims' must be 2 or 3; got '9' — using 2."]
    """
    return views_from_document(read_document(text))


def views_from_document(doc: dict) -> tuple[list[View], list[str]]:
    """The views of a document :func:`read_document` accepted, validated one by one."""
    if len(doc["views"]) > MAX_VIEWS:
        raise ViewsError(f"saved-views file has {len(doc['views'])} views; the limit is {MAX_VIEWS}")
    known = {f.name for f in fields(View)}
    views, problems = [], []
    for i, raw in enumerate(doc["views"], 1):
        if not isinstance(raw, dict):
            problems.append(f"view {i}: not an object, skipped")
            continue
        for k in raw:
            if k not in known:
                problems.append(f"view {i}: unknown field {k!r} ignored")
        view, errs = from_query(_as_query(raw))
        view.name = str(raw.get("name", ""))[:MAX_TEXT] or f"View {i}"
        view.page = str(raw.get("page", ""))[:40] if _NAME.match(str(raw.get("page", "x"))) else ""
        view.note = str(raw.get("note") or "")[:MAX_NOTE]
        if raw.get("settings") not in (None, {}):
            view.settings = clean_settings(raw["settings"], errs)
        problems += [f"view {i}: {e}" for e in errs]
        views.append(view)
    return views, problems


def read_document(text: str | bytes) -> dict:
    """The JSON object of a saved-views file, checked for size and shape (``ViewsError`` if not)."""
    if len(text) > MAX_JSON_BYTES:
        raise ViewsError(f"saved-views file is {len(text):,} bytes; the limit is {MAX_JSON_BYTES:,}")
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ViewsError(f"saved-views file is not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("views"), list):
        raise ViewsError('saved-views file must be a JSON object with a "views" list')
    return doc


def clean_settings(raw, problems: list[str], depth: int = 0) -> dict:
    """A view's page settings from JSON: names like identifiers; values numbers, booleans, short
    text, ``null``, or lists and objects of those (three levels deep at most). Anything else is
    dropped with a message — it is data for the page's widgets, never code.

    >>> p = []
    >>> clean_settings({"expr": "king - man", "k": 8, "bad key": 1, "deep": {"a": {"b": {"c": [1]}}}}, p)
    {'expr': 'king - man', 'k': 8, 'deep': {'a': {'b': {}}}}
    >>> p
    ["setting 'bad key' is not a name; dropped", "setting 'c' nests too deep; dropped"]
    """
    if not isinstance(raw, dict):
        problems.append(f"settings must be an object; got {type(raw).__name__}, ignored")
        return {}
    out: dict = {}
    for k, v in list(raw.items())[:MAX_SETTINGS]:
        if not (isinstance(k, str) and _NAME.match(k)):
            problems.append(f"setting {str(k)[:40]!r} is not a name; dropped")
            continue
        ok, value = _clean_value(k, v, problems, depth)
        if ok:
            out[k] = value
    if len(raw) > MAX_SETTINGS:
        problems.append(f"only the first {MAX_SETTINGS} settings kept")
    return out


def _clean_value(name: str, v, problems: list[str], depth: int):
    if v is None or isinstance(v, bool):
        return True, v
    if isinstance(v, int):
        if abs(v) >= 10**12:
            problems.append(f"setting {name!r} is too large a number; dropped")
            return False, None
        return True, v
    if isinstance(v, float):
        if not math.isfinite(v):
            problems.append(f"setting {name!r} is not a finite number; dropped")
            return False, None
        return True, v
    if isinstance(v, str):
        if len(v) > MAX_SETTING_TEXT:
            problems.append(f"setting {name!r} is longer than {MAX_SETTING_TEXT:,} characters; dropped")
            return False, None
        return True, v
    if isinstance(v, (list, dict)) and depth >= 3:
        problems.append(f"setting {name!r} nests too deep; dropped")
        return False, None
    if isinstance(v, list):
        items = []
        for item in v[:MAX_SETTINGS]:
            ok, value = _clean_value(name, item, problems, depth + 1)
            if ok:
                items.append(value)
        return True, items
    if isinstance(v, dict):
        return True, clean_settings(v, problems, depth + 1)
    problems.append(f"setting {name!r} has an unsupported value; dropped")
    return False, None


def _as_query(raw: dict) -> dict[str, str]:
    q: dict[str, str] = {}
    for key, qname in (("data", "data"), ("method", "method"), ("dims", "dims"), ("query", "q"),
                       ("color", "color"), ("labels", "labels")):
        if key in raw and raw[key] not in (None, ""):
            q[qname] = str(raw[key])
    if raw.get("regex"):
        q["regex"] = "1"
    hl = raw.get("highlight")
    if isinstance(hl, list):
        q["hl"] = ",".join(str(w) for w in hl)
    params = raw.get("params")
    if isinstance(params, dict):
        for k, v in params.items():
            q[f"p.{k}"] = _fmt(v)
    return q
