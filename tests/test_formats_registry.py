"""The one format table: every extension it offers reads and writes, the dashboard's lists and
upload box come from it, and embviz/io imports without a circle."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embviz import Embeddings
from embviz.formats import FORMATS, load, save, sniff
from embviz.io import registry

ROOT = Path(__file__).resolve().parents[1]
IO = ROOT / "embviz" / "io"
MODULES = sorted(p.stem for p in IO.glob("*.py") if p.stem != "__init__")


@pytest.fixture
def table(rng):
    return Embeddings([f"w{i}" for i in range(6)], rng.normal(size=(6, 3)).astype(np.float32),
                      pd.DataFrame({"pos": list("nvnvnv")}))


@pytest.mark.parametrize("fmt,ext", [(f.name, e) for f in FORMATS.values() for e in f.extensions])
@pytest.mark.parametrize("gz", [False, True])
def test_every_extension_in_the_table_writes_and_reads(tmp_path, table, fmt, ext, gz):
    path = tmp_path / f"t{ext}{'.gz' if gz else ''}"
    written = save(table, path)
    assert written[0] == path
    expected = registry.EXTENSIONS[ext]  # .txt means word2vec when no format is given
    assert sniff(written[0]) == expected
    back = load(written[0])
    assert back.keys == table.keys and back.vectors.tobytes() == table.vectors.tobytes()
    assert back.metadata["pos"].tolist() == table.metadata["pos"].tolist()


def test_every_format_has_its_reader_writer_sniffing_rule_and_help():
    for name, info in FORMATS.items():
        assert callable(info.reader) and callable(info.writer), name
        assert info.sniff and info.help and info.label and info.description, name
    assert [m for m, _ in registry.MAGIC] == [b"\x93NUMPY", b"PK\x03\x04", b"PK\x05\x06", b"PAR1"]


def test_the_dashboard_offers_exactly_the_table():
    from embviz.app import security

    exts = {e for f in FORMATS.values() if f.uploadable for e in f.extensions}
    assert set(security.SUFFIXES) == exts | {e + ".gz" for e in exts}
    assert set(registry.upload_types()) == {e.lstrip(".") for e in exts} | {"gz"}
    help_text = registry.upload_help()
    for info in FORMATS.values():
        assert info.help in help_text
    for ext in (".w2v", ".glove", ".pq"):  # offered, therefore read and written (tested above)
        assert ext in security.SUFFIXES


def test_data_folder_listing_uses_the_table(tmp_path):
    from embviz.app import security

    for name in ("a.pq", "b.w2v.gz", "c.glove", "d.json", "e.tar.gz", "f.model"):
        (tmp_path / name).write_bytes(b"x")
    assert security.list_files(tmp_path) == ["a.pq", "b.w2v.gz", "c.glove"]


@pytest.mark.parametrize("module", MODULES)
def test_each_io_module_imports_alone_in_a_fresh_interpreter(module):
    done = subprocess.run([sys.executable, "-c", f"import embviz.io.{module}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def _imports(path: Path) -> set[str]:
    """embviz modules that ``path`` imports at module level (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("embviz"):
                out.add(name)
                out.update(f"{name}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("embviz"))
    return out


def test_no_import_circle_between_formats_and_io():
    files = {f"embviz.io.{m}": IO / f"{m}.py" for m in MODULES}
    files["embviz.formats"] = ROOT / "embviz" / "formats.py"
    graph = {name: {i for i in _imports(path) if i in files and i != name} for name, path in files.items()}
    assert "embviz.formats" not in graph["embviz.io.sniff"]
    seen, stack = set(), []

    def visit(node):
        if node in stack:
            raise AssertionError("import circle: " + " -> ".join(stack[stack.index(node):] + [node]))
        if node in seen:
            return
        stack.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        stack.pop()
        seen.add(node)

    for name in graph:
        visit(name)
    assert not any("embviz.formats" in deps for name, deps in graph.items() if name.startswith("embviz.io"))
