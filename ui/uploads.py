"""Uploaded files: safe names and size limits (the kept originals live in ``ui.storage.originals``).

A name a browser or client sends is never used as a path: only its last component survives,
stripped of control and reserved characters, and the file is written into a fresh folder the
server made. Content is checked by the loaders (magic bytes, binary sniffing) during ingestion.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import BinaryIO

from knowledge.errors import FileTooLarge, InputError, UnsupportedFile
from knowledge.loaders import SUPPORTED_SUFFIXES

__all__ = ["safe_name", "copy_limited", "check_count"]

_RESERVED = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_WINDOWS = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_MAX_NAME = 120


def safe_name(name: str) -> str:
    """A file name safe to create anywhere: no folders, no control or reserved characters.

    >>> safe_name("../../etc/passwd.md")
    'passwd.md'
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = _RESERVED.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem.strip(" .")
    if not stem or stem.lower() in _WINDOWS:
        stem = f"upload_{stem}" if stem else "upload"
    suffix = suffix.lower()
    if f".{suffix}" not in SUPPORTED_SUFFIXES:
        kind = f"'.{suffix}' files" if suffix else "files without a suffix"
        raise UnsupportedFile(f"{name or 'the file'}: {kind} are not supported; supported types: "
                              + ", ".join(sorted(SUPPORTED_SUFFIXES)))
    stem = stem[: _MAX_NAME - len(suffix) - 1]
    return f"{stem}.{suffix}"


def copy_limited(src: BinaryIO, dest: Path, max_bytes: int, name: str) -> int:
    """Copy a stream into ``dest``; stop and remove it once it passes ``max_bytes``."""
    size = 0
    with open(dest, "xb") as out:
        while block := src.read(1 << 20):
            size += len(block)
            if size > max_bytes:
                out.close()
                dest.unlink(missing_ok=True)
                raise FileTooLarge(f"{name} is over the upload limit of {max_bytes / 2**20:g} MB")
            out.write(block)
    if size == 0:
        dest.unlink(missing_ok=True)
        raise UnsupportedFile(f"{name} is empty")
    return size


def check_count(n: int, limit: int) -> None:
    """Refuse an upload of no files or of more than ``limit`` files."""
    if n == 0:
        raise InputError("no files were uploaded")
    if n > limit:
        raise InputError(f"too many files at once: {n}, the limit is {limit}")
