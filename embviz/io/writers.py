"""One writer per format: ``writer(emb, path, gz) -> list[Path]`` (the files written).

Every writer only says which files to write and how (:data:`Job`); :func:`write_all` writes them
all to temporary files beside their final names and renames them into place together
(:func:`~.atomic.atomic_paths`), so a failure — a key the format cannot hold, a full disk, an
interrupt — leaves no partial file at any final path. Formats that cannot hold metadata get a
``<stem>.metadata.tsv`` beside them, which :func:`embviz.load` reads back.
"""
from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

from . import arrays, binary, parquet, tables, text
from .atomic import atomic_paths

SIDECAR = ".metadata.tsv"  # metadata beside formats that cannot hold it
Job = tuple[Path, Callable[[BinaryIO], None]]


def target(path: Path, gz: bool) -> Path:
    return path.with_name(path.name + ".gz") if gz else path


def write_all(jobs: list[Job], gz: bool) -> list[Path]:
    finals = [target(path, gz) for path, _ in jobs]
    with atomic_paths(finals) as temps:
        for tmp, (path, write) in zip(temps, jobs):
            with open(tmp, "wb") as raw:
                if gz:  # the name inside the gzip header is the final one, not the temporary's
                    with gzip.GzipFile(filename=path.name, fileobj=raw, mode="wb", mtime=0) as f:
                        write(f)
                else:
                    write(raw)
    return finals


def _sidecar(emb, path: Path) -> list[Job]:
    if not len(emb.metadata.columns):
        return []
    return [(path.with_name(path.stem + SIDECAR),
             lambda f: tables.write_projector_metadata(f, emb.keys, emb.metadata, label=str(path)))]


def text_writer(header: bool):
    def write(emb, path: Path, gz: bool) -> list[Path]:
        job = (path, lambda f: text.write_text(f, emb.keys, emb.vectors, header=header, label=str(path)))
        return write_all([job, *_sidecar(emb, path)], gz)
    return write


def write_binary(emb, path: Path, gz: bool) -> list[Path]:
    job = (path, lambda f: binary.write_word2vec_binary(f, emb.keys, emb.vectors, label=str(path)))
    return write_all([job, *_sidecar(emb, path)], gz)


def write_projector(emb, path: Path, gz: bool) -> list[Path]:
    if path.is_dir() or not path.suffix:
        vec, meta = path / "vectors.tsv", path / "metadata.tsv"
    else:
        vec, meta = path, path.with_name(path.stem + "_metadata.tsv")
    return write_all([
        (vec, lambda f: text.write_text(f, None, emb.vectors, header=False, sep="\t", label=str(vec))),
        (meta, lambda f: tables.write_projector_metadata(f, emb.keys, emb.metadata, label=str(meta))),
    ], gz)


def write_npy(emb, path: Path, gz: bool) -> list[Path]:
    text.check_keys_for_text(emb.keys, str(path), forbidden="\r\n")
    keys_path = path.with_name(path.stem + ".keys.txt")
    return write_all([
        (path, lambda f: np.lib.format.write_array(f, emb.vectors, allow_pickle=False)),
        (keys_path, lambda f: f.write(("\n".join(emb.keys) + "\n").encode("utf-8"))),
        *_sidecar(emb, path),
    ], gz)


def table_writer(write_fn):
    def write(emb, path: Path, gz: bool) -> list[Path]:
        return write_all([(path, lambda f: write_fn(f, emb.keys, emb.vectors, emb.metadata,
                                                    label=str(path)))], gz)
    return write


write_npz = table_writer(arrays.write_npz)
write_csv = table_writer(tables.write_csv)
write_parquet = table_writer(parquet.write_parquet)
