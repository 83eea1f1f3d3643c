"""A deck: the slides of a talk, in order — Learn steps and saved views, each with a title and a note.

Every slide is a :class:`embviz.app.state.View` (pure data, no streamlit): a saved view from a page
(``page`` names it, ``settings`` holds what that page needs to redraw it) or a Learn step
(``page="learn"``, ``settings={"step": n}``). ``name`` is the slide's title and ``note`` its
speaker note. A deck is saved as the saved-views JSON file (one more top-level field, ``title``),
so a file of saved views written before decks existed opens as a deck, and a deck file opens
wherever saved views are read.

>>> deck = Deck([learn_slide(1, "One-hot versus dense")], title="Embeddings in 20 minutes")
>>> deck.add(View(page="explore", method="umap", name="UMAP of 20,000 words", note="pause here"))
1
>>> deck.move(1, -1), [s.name for s in deck]
(0, ['UMAP of 20,000 words', 'One-hot versus dense'])
>>> back, problems = Deck.from_json(deck.to_json())
>>> back == deck, problems
(True, [])
>>> deck.delete(5)
Traceback (most recent call last):
...
embviz.app.state.ViewsError: there is no slide 6; the deck has 2 slides
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from embviz.app.state import (
    MAX_NOTE,
    MAX_TEXT,
    MAX_VIEWS,
    View,
    ViewsError,
    dump_views,
    read_document,
    views_from_document,
)

DeckError = ViewsError  # one error type for every unreadable deck or saved-views file
LEARN = "learn"
DEFAULT_TITLE = "embviz talk"


def learn_slide(step: int, title: str, note: str = "") -> View:
    """The Learn step ``step`` (1-based) as a slide."""
    if not isinstance(step, int) or isinstance(step, bool) or step < 1:
        raise DeckError(f"a Learn step is a number from 1; got {step!r}")
    return View(page=LEARN, name=title, note=note, settings={"step": step})


def learn_step(view: View) -> int | None:
    """The Learn step (1-based) a slide shows, or ``None`` for a saved view."""
    if view.page != LEARN:
        return None
    step = view.settings.get("step")
    return step if isinstance(step, int) and not isinstance(step, bool) and step >= 1 else 1


@dataclass
class Deck:
    """An ordered list of slides (views) and the talk's title."""

    slides: list[View] = field(default_factory=list)
    title: str = DEFAULT_TITLE

    def __len__(self) -> int:
        return len(self.slides)

    def __iter__(self) -> Iterator[View]:
        return iter(self.slides)

    def __getitem__(self, i: int) -> View:
        return self.slides[self._index(i)]

    def _index(self, i: int) -> int:
        if not isinstance(i, int) or not 0 <= i < len(self.slides):
            raise DeckError(f"there is no slide {i + 1 if isinstance(i, int) else i!r}; "
                            f"the deck has {len(self.slides)} slide{'s' * (len(self.slides) != 1)}")
        return i

    def add(self, view: View, at: int | None = None) -> int:
        """Insert ``view`` (a copy) at ``at`` (default: the end); returns its index."""
        if len(self.slides) >= MAX_VIEWS:
            raise DeckError(f"a deck holds at most {MAX_VIEWS} slides")
        at = len(self.slides) if at is None else max(0, min(int(at), len(self.slides)))
        self.slides.insert(at, replace(view, params=dict(view.params), highlight=list(view.highlight),
                                       settings=json.loads(json.dumps(view.settings))))
        return at

    def move(self, i: int, delta: int) -> int:
        """Move slide ``i`` by ``delta`` places (clamped to the ends); returns its new index."""
        i = self._index(i)
        j = max(0, min(len(self.slides) - 1, i + int(delta)))
        self.slides.insert(j, self.slides.pop(i))
        return j

    def rename(self, i: int, title: str) -> None:
        self.slides[self._index(i)].name = _text(title, MAX_TEXT, "title") or f"Slide {i + 1}"

    def set_note(self, i: int, note: str) -> None:
        self.slides[self._index(i)].note = _text(note, MAX_NOTE, "note")

    def delete(self, i: int) -> View:
        return self.slides.pop(self._index(i))

    def next_title(self, i: int) -> str:
        """The title of the slide after ``i`` ("" at the end)."""
        return self.slides[i + 1].name if 0 <= i + 1 < len(self.slides) else ""

    # -- files ---------------------------------------------------------------------------------
    def to_json(self) -> str:
        doc = json.loads(dump_views(self.slides))
        doc["title"] = self.title
        return json.dumps(doc, indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> tuple[Deck, list[str]]:
        """A deck from its JSON file (or a saved-views file), plus one message per value dropped.

        Raises :class:`DeckError` (a ``ValueError``) when the file is not a deck at all."""
        doc = read_document(text)
        views, problems = views_from_document(doc)
        title = doc.get("title")
        if title is not None and not isinstance(title, str):
            problems.append(f"deck title must be text; got {type(title).__name__}, using {DEFAULT_TITLE!r}")
            title = None
        return cls(views, (title or DEFAULT_TITLE)[:MAX_TEXT]), problems


def _text(value: str, limit: int, what: str) -> str:
    if not isinstance(value, str):
        raise DeckError(f"a slide's {what} must be text; got {type(value).__name__}")
    return value.strip()[:limit]


def learn_deck(titles: list[str], notes: list[str] | None = None) -> Deck:
    """The Learn page's steps as a deck (``titles[i]`` is step ``i + 1``)."""
    notes = notes or [""] * len(titles)
    return Deck([learn_slide(i + 1, t, n) for i, (t, n) in enumerate(zip(titles, notes))], title="Learn")
