"""Compare models, not only methods: two embedding tables side by side, word by word.

- :mod:`.compare` — the shared vocabulary and :func:`compare_models` (neighbour overlap, rank
  change, Procrustes in the original space);
- :mod:`.lists` — one exact neighbour pass per model and the agreement of two neighbour lists;
- :mod:`.maps` — two maps facing the same way;
- :mod:`.questions` — the same benchmark questions and analogies put to both.
"""
from __future__ import annotations

from .compare import CASES, ModelComparison, SharedVocabulary, compare_models, shared_vocabulary
from .lists import list_agreement, top_rows
from .maps import ModelMaps, align_maps, model_maps
from .questions import BothAnswers, SameQuestions, analogy_both, same_questions

__all__ = ["CASES", "BothAnswers", "ModelComparison", "ModelMaps", "SameQuestions", "SharedVocabulary",
           "align_maps", "analogy_both", "compare_models", "list_agreement", "model_maps", "same_questions",
           "shared_vocabulary", "top_rows"]
