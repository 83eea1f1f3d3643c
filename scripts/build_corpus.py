"""Build ``data/corpus.txt.gz``: the small English training corpus that ships with embviz.

Three freely licensed sources, all taken from Debian packages (``apt-get download`` +
``dpkg-deb -x``, no root needed for either; run ``apt-get update`` once first):

* ``bible-kjv-text``      the King James Bible, one verse per line (reference stripped);
* ``wordnet-base``        WordNet 3.0 glosses, one synset gloss per line;
* ``r-cran-janeaustenr``  Jane Austen's six novels, one sentence per line.

The output is UTF-8, one sentence (verse / gloss) per line, gzip with ``mtime=0`` so that
re-running the script gives a byte-identical file for the same package versions.  With ``--check``
it also trains gensim CBOW on the result and reports where "queen" lands for king - man + woman.

Build-time only (not part of CI).  Needs: ``apt-get``, ``dpkg-deb``, ``rdata`` (and ``gensim`` for
``--check``).  Licences and provenance: ``data/LICENSES.md``.

    python scripts/build_corpus.py [--check] [--debs DIR] [--out data/corpus.txt.gz]
"""
from __future__ import annotations

import argparse
import gzip
import re
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
from itertools import pairwise
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "data" / "corpus.txt.gz"
PACKAGES = ("bible-kjv-text", "wordnet-base", "r-cran-janeaustenr")

BIBLE_DATA = "usr/lib/bible.data"
WORDNET_DIR = "usr/share/wordnet"
AUSTEN_DATA = "usr/lib/R/site-library/janeaustenr/data/Rdata"
# Publication order.
AUSTEN_BOOKS = ("sensesensibility", "prideprejudice", "mansfieldpark", "emma",
                "northangerabbey", "persuasion")
WORDNET_POS = ("noun", "verb", "adj", "adv")


# --------------------------------------------------------------------------- Debian packages
def fetch_debian_packages(names: Iterable[str], dest: Path) -> Path:
    """Download Debian packages with ``apt-get download`` and unpack them under ``dest/root``.

    Returns the unpack root.  Prints the exact versions used (they decide the output bytes).
    """
    dest.mkdir(parents=True, exist_ok=True)
    root = dest / "root"
    names = list(names)
    try:
        subprocess.run(["apt-get", "download", *names], cwd=dest, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError:
        sys.exit("apt-get not found: this script needs a Debian-based system.")
    except subprocess.CalledProcessError as exc:
        sys.exit(f"apt-get download {' '.join(names)} failed (run 'apt-get update' first?):\n"
                 f"{exc.stderr}")
    for deb in sorted(dest.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        print(f"  unpacked {deb.name}")
    return root


def package_root(debs: Path | None, names: Iterable[str], tmp: Path) -> Path:
    """An unpacked tree holding ``names``: ``debs`` if given (already unpacked), else downloaded."""
    if debs is not None:
        return debs
    return fetch_debian_packages(names, tmp)


# --------------------------------------------------------------------------- King James Bible
def lzw_decompress(data: bytes, max_bits: int = 16) -> bytes:
    """Decode one block of Unix ``compress`` LZW data (block mode, no 3-byte header).

    Codes are read least-significant bit first in groups of ``n_bits`` bytes; whenever the code
    width grows or a CLEAR code (256) arrives, the rest of the current group is skipped, exactly as
    ``compress(1)`` writes it.
    """
    clear, max_entries = 256, 1 << max_bits
    table: list[bytes] = []
    out = bytearray()
    pos, n_bits = 0, 9
    prev: bytes | None = None

    def reset() -> list[bytes]:
        return [bytes([c]) for c in range(256)] + [b""]  # index 256 is CLEAR

    table = reset()
    while pos < len(data):
        group = data[pos:pos + n_bits]
        pos += len(group)
        bits, value, offset = len(group) * 8, int.from_bytes(group, "little"), 0
        while offset + n_bits <= bits:
            code = (value >> offset) & ((1 << n_bits) - 1)
            offset += n_bits
            if code == clear:
                table, prev, n_bits = reset(), None, 9
                break
            if prev is None:
                entry = table[code]
            elif code < len(table):
                entry = table[code]
                if len(table) < max_entries:
                    table.append(prev + entry[:1])
            elif code == len(table):  # the KwKwK case
                entry = prev + prev[:1]
                table.append(entry)
            else:
                raise ValueError(f"corrupt LZW data: code {code} with {len(table)} entries")
            out += entry
            prev = entry
            if len(table) > (1 << n_bits) - 1 and n_bits < max_bits:
                n_bits += 1
                break
    return bytes(out)


def read_brs_text(path: Path) -> str:
    """The plain text of a Bible Retrieval System data file (``bible.data`` of bible-kjv-text).

    Layout (BRS 4.x ``tsl.h``): 2-byte magic, 2-byte version, 80-byte description, then big-endian
    window size and window count, a table of ``count + 1`` big-endian file offsets, and each window
    compressed independently with LZW (``compress -b16``).
    """
    raw = path.read_bytes()
    if not raw[4:24].startswith(b"Compressed Data File"):
        raise ValueError(f"{path}: not a Bible Retrieval System data file")
    window, count = struct.unpack(">ii", raw[84:92])
    offsets = struct.unpack(f">{count + 1}i", raw[92:92 + 4 * (count + 1)])
    parts = [lzw_decompress(raw[a:b]) for a, b in pairwise(offsets)]
    if any(len(p) != window for p in parts[:-1]):
        raise ValueError(f"{path}: a window did not decompress to {window} bytes")
    return b"".join(parts).decode("ascii")


VERSE = re.compile(r"^[1-3]?[A-Za-z]+\d+:\d+ (.*)$")


def bible_verses(root: Path) -> Iterator[str]:
    """The 31,102 KJV verses without their references ("Ge1:1 In the beginning ...")."""
    lines = read_brs_text(root / BIBLE_DATA).splitlines()
    for line in lines[1:]:  # line 0 is the file's title
        if line:
            match = VERSE.match(line)
            if match is None:
                raise ValueError(f"unexpected line in bible.data: {line[:60]!r}")
            yield match.group(1)


# --------------------------------------------------------------------------- WordNet glosses
def wordnet_glosses(root: Path) -> Iterator[str]:
    """Every synset gloss (definition plus quoted examples) of WordNet 3.0, in file order."""
    for pos in WORDNET_POS:
        with open(root / WORDNET_DIR / f"data.{pos}", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("  "):  # the licence header
                    continue
                _, sep, gloss = line.partition(" | ")
                if sep and gloss.strip():
                    yield gloss.strip()


# --------------------------------------------------------------------------- Jane Austen
def read_lazyload(stem: Path) -> dict[str, object]:
    """Read an R lazy-load database (``stem.rdx`` + ``stem.rdb``) into ``{name: python object}``.

    The ``.rdx`` index is a gzip-compressed serialized list whose ``variables`` element maps each
    name to (offset, length) in the ``.rdb``; each record there is a 4-byte big-endian uncompressed
    length followed by a zlib stream of one serialized R object.
    """
    import rdata
    from rdata.parser import parse_data

    def parse(blob: bytes) -> object:
        import warnings
        with warnings.catch_warnings():  # rdata warns "assumed RDS" for bare serializations
            warnings.simplefilter("ignore", UserWarning)
            return rdata.conversion.convert(parse_data(blob))

    index = parse(gzip.decompress(stem.with_suffix(".rdx").read_bytes()))
    rdb = stem.with_suffix(".rdb").read_bytes()
    objects = {}
    for name, (offset, length) in index["variables"].items():
        record = rdb[offset:offset + length]
        expected = struct.unpack(">I", record[:4])[0]
        serialized = zlib.decompress(record[4:])
        if len(serialized) != expected:
            raise ValueError(f"{stem}.rdb: record {name!r} has the wrong length")
        objects[str(name)] = parse(serialized)
    return objects


HEADING = re.compile(r"^(CHAPTER|Chapter|VOLUME|Volume)\b[\w\s.]*$")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')]*\s+(?=[\"'(]?[A-Z])")
ABBREVIATIONS = ("Mr.", "Mrs.", "Dr.", "St.", "Col.", "Capt.", "Messrs.", "Lieut.", "Gen.", "Adm.")


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph at sentence ends, not after titles like "Mr."."""
    pieces, start = [], 0
    for match in SENTENCE_END.finditer(paragraph):
        head = paragraph[start:match.start()].rstrip("\"')")
        if head.endswith(ABBREVIATIONS):
            continue
        pieces.append(paragraph[start:match.end()].strip())
        start = match.end()
    pieces.append(paragraph[start:].strip())
    return [p for p in pieces if p]


def paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """Join hard-wrapped lines into paragraphs (blank-line separated); drop chapter headings."""
    block: list[str] = []
    for line in [*lines, ""]:
        line = line.strip()
        if line:
            block.append(line)
        elif block:
            text = " ".join(block).replace("_", "")  # _word_ marks italics in the source
            block = []
            if not HEADING.match(text):
                yield text


def austen_sentences(root: Path) -> Iterator[str]:
    """The sentences of Jane Austen's six novels, in publication order."""
    books = read_lazyload(root / AUSTEN_DATA)
    missing = set(AUSTEN_BOOKS) - set(books)
    if missing:
        raise ValueError(f"janeaustenr data lacks {sorted(missing)}")
    for name in AUSTEN_BOOKS:
        for paragraph in paragraphs(str(line) for line in books[name]):
            yield from split_sentences(paragraph)


# --------------------------------------------------------------------------- output + check
WORD = re.compile(r"[^\W_]+")


def tokenize(line: str) -> list[str]:
    """Lowercase, punctuation-stripped tokens (the check's and the counts' tokenizer)."""
    return WORD.findall(line.lower())


def write_gzip_lines(lines: Iterable[str], path: Path) -> int:
    """Write ``lines`` as deterministic gzip (mtime 0, no file name); returns the line count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                               compresslevel=9, mtime=0) as out:
        for line in lines:
            out.write(line.encode("utf-8") + b"\n")
            count += 1
    tmp.replace(path)
    return count


def check_training(path: Path) -> None:
    """Train gensim CBOW on the corpus and print the time and where "queen" ranks."""
    from gensim.models import Word2Vec

    with gzip.open(path, "rt", encoding="utf-8") as handle:
        sentences = [tokens for tokens in map(tokenize, handle) if tokens]
    start = time.perf_counter()
    model = Word2Vec(sentences, vector_size=100, window=5, min_count=5, epochs=5, workers=2,
                     sg=0, seed=0)
    seconds = time.perf_counter() - start
    hits = [w for w, _ in model.wv.most_similar(positive=["king", "woman"], negative=["man"],
                                                topn=100)]
    rank = hits.index("queen") + 1 if "queen" in hits else None
    print(f"CBOW (100d, window 5, min_count 5, 5 epochs, 2 workers): {seconds:.1f} s, "
          f"vocabulary {len(model.wv):,}")
    print(f"king - man + woman: queen at rank {rank or '>100'}; top 5: {hits[:5]}")


def build(root: Path, out: Path) -> None:
    """Assemble the three sources into ``out`` and print what each contributed."""
    sources = {"King James Bible": list(bible_verses(root)),
               "WordNet glosses": list(wordnet_glosses(root)),
               "Jane Austen": list(austen_sentences(root))}
    total_tokens = 0
    for label, lines in sources.items():
        tokens = sum(len(tokenize(line)) for line in lines)
        total_tokens += tokens
        print(f"  {label:<17} {len(lines):>8,} lines {tokens:>10,} tokens")
    count = write_gzip_lines((line for lines in sources.values() for line in lines), out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB gzip): {count:,} lines, "
          f"{total_tokens:,} tokens")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--debs", type=Path, default=None,
                        help="a directory where the three packages are already unpacked "
                             "(skips apt-get download)")
    parser.add_argument("--check", action="store_true",
                        help="train gensim CBOW on the result and report king - man + woman")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="embviz-corpus-") as tmp:
        root = package_root(args.debs, PACKAGES, Path(tmp))
        build(root, args.out)
    if args.check:
        check_training(args.out)


if __name__ == "__main__":
    main()
