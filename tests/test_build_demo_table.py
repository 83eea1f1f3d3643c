"""The demo table's tagging rules (scripts/build_demo_table.py), without WordNet or the model."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
build = pytest.importorskip("build_demo_table")


@pytest.mark.parametrize("word, pos, expected, absent", [
    ("james", "v", ["jame"], ["jam"]),  # morph.c's ("es", "") made the name a form of "jam"
    ("bees", "v", ["bee"], ["be"]),
    ("nodes", "v", ["node"], ["nod"]),
    ("pushes", "v", ["pushe", "push"], []),  # after a sibilant "-es" is an ending
    ("goes", "v", ["goe", "go"], []),
    ("makes", "v", ["make"], ["mak"]),
    ("boxes", "n", ["boxe", "box"], []),  # noun rules are morph.c's own
])
def test_detach_cuts_es_only_after_a_sibilant_or_o(word, pos, expected, absent):
    forms = build.detach(word, pos)
    assert all(f in forms for f in expected), forms
    assert not any(f in forms for f in absent), forms
