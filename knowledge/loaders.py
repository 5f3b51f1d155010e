"""File -> documents with metadata: one registry of loaders by suffix, and folder walking.

Every loader takes ``(data, source, stem)`` and returns a ``LoadedFile``; ``load_file`` does the
checks all formats share (existence, size, emptiness, magic bytes) so that loaders stay small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ._markup import load_html, load_markdown, load_mdx, load_text
from ._pdf_docx import load_docx, load_pdf
from ._textio import strip_tags
from ._tabular import load_csv, load_json, load_tsv, load_xlsx, load_yaml
from .errors import FileTooLarge, HelpdeskError, InputError, NotFound, UnsupportedFile
from .limits import ParseLimits, parsing
from .types import LoadedFile

__all__ = ["SUPPORTED_SUFFIXES", "LOADERS", "load_file", "iter_files"]

Loader = Callable[[bytes, str, str], LoadedFile]

LOADERS: dict[str, Loader] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".mdx": load_mdx,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".csv": load_csv,
    ".tsv": load_tsv,
    ".xlsx": load_xlsx,
    ".json": load_json,
    ".yaml": load_yaml,
    ".yml": load_yaml,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(LOADERS)

_ZIP = b"PK\x03\x04"
_MAGIC = {".pdf": (b"%PDF", "a PDF"), ".docx": (_ZIP, "a DOCX"), ".xlsx": (_ZIP, "an XLSX")}
# Readers accept a PDF header anywhere in the first kilobyte (some generators prepend junk).
_PDF_HEADER_WINDOW = 1024
DEFAULT_MAX_BYTES = 50 * 2**20


def load_file(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, source: str | None = None,
    limits: ParseLimits | None = None,
) -> LoadedFile:
    """Read one file into documents (and FAQ entries); errors name the file and the problem.
    ``limits`` bound what parsing it may cost (see ``knowledge/limits.py``)."""
    path = Path(path)
    source = source or path.name
    if not path.exists():
        raise NotFound(f"{path} does not exist")
    if path.is_dir():
        raise UnsupportedFile(f"{source} is a folder, not a file")
    suffix = path.suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        kind = f"'{suffix}' files" if suffix else "files without a suffix"
        raise UnsupportedFile(
            f"{source}: {kind} are not supported; supported types: "
            + ", ".join(sorted(SUPPORTED_SUFFIXES))
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(f"{source} is {_mb(size)}, over the limit of {_mb(max_bytes)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source} cannot be read: {exc.strerror or exc}") from exc
    if not data.strip():
        raise UnsupportedFile(f"{source} is empty")
    _check_magic(data, suffix, source)
    try:
        with parsing(source, limits) as budget:
            loaded = loader(data, source, path.stem)
            budget.check_time()
    except HelpdeskError:
        raise
    except Exception as exc:  # parsers raise a zoo of types on malformed input; name the file
        raise UnsupportedFile(f"{source} could not be read as {suffix[1:].upper()}: {exc}") from exc
    _without_markup(loaded, path.stem)
    loaded.documents = [doc for doc in loaded.documents if doc.text.strip()]
    if not loaded.documents and not loaded.faq:
        raise UnsupportedFile(f"{source} is empty")
    return loaded


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Files as given, folders recursed in sorted order without hidden entries; each file once."""
    missing = [p for p in map(Path, paths) if not p.exists()]
    if missing:
        raise NotFound(f"{missing[0]} does not exist")
    seen: set[Path] = set()
    for path in map(Path, paths):
        for found in _walk(path, set()) if path.is_dir() else [path]:
            key = found.resolve()
            if key not in seen:
                seen.add(key)
                yield found


def _walk(folder: Path, visiting: set[Path]) -> Iterator[Path]:
    real = folder.resolve()
    if real in visiting:  # a symlink loop would recurse forever
        return
    visiting.add(real)
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _walk(entry, visiting)
        elif entry.is_file():
            yield entry
    visiting.discard(real)


def _without_markup(loaded: LoadedFile, stem: str) -> None:
    """Strip HTML from every text, title and section a file gave (a Markdown page may hold
    ``<script>`` or ``<img onerror=...>``, an HTML title may hold tags): what is indexed is
    what may be quoted to a customer or shown as a source's title."""
    loaded.title = _plain(loaded.title) or stem
    for doc in loaded.documents:
        doc.text, doc.section = strip_tags(doc.text), _plain(doc.section)
        doc.title = _plain(doc.title) or loaded.title
    for entry in loaded.faq:
        entry.question, entry.answer = _plain(entry.question), strip_tags(entry.answer).strip()
    loaded.faq = [e for e in loaded.faq if e.question and e.answer]


def _plain(text: str) -> str:
    return " ".join(strip_tags(text).split())


def _check_magic(data: bytes, suffix: str, source: str) -> None:
    if suffix not in _MAGIC:
        return
    magic, kind = _MAGIC[suffix]
    head = data[:_PDF_HEADER_WINDOW] if suffix == ".pdf" else data[: len(magic)]
    if magic not in head:
        raise UnsupportedFile(
            f"{source} is not {kind} file (its content does not start like one); "
            "was another kind of file renamed?"
        )


def _mb(size: int) -> str:
    value = size / 2**20
    text = f"{value:.2f}".rstrip("0").rstrip(".") if value >= 0.01 else f"{value:.2g}"
    return f"{text} MB"
