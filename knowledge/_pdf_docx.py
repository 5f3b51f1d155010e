"""PDF (one Document per page) and DOCX (heading sections and table rows) loaders."""

from __future__ import annotations

import io
import logging
import re

from ._markup import Sections
from ._tabular import table_documents
from ._textio import tidy
from .errors import HelpdeskError, UnsupportedFile
from .limits import budget, check_zip
from .types import Document, LoadedFile

__all__ = ["load_pdf", "load_docx"]


def load_pdf(data: bytes, source: str, stem: str) -> LoadedFile:
    """A PDF with a text layer: one Document per page, ``page`` 1-based."""
    from pypdf import PdfReader

    # pypdf logs every recoverable oddity of a damaged file; the exception below says enough.
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnsupportedFile(f"{source} is a password-protected PDF")
        current = budget(source)
        if len(reader.pages) > current.limits.max_pages:
            current.add("pages", len(reader.pages))  # refuses, naming the limit
        texts = []
        for page in reader.pages:
            current.add("pages")
            texts.append(tidy(page.extract_text() or ""))
        metadata = reader.metadata
        meta_title = metadata.title if metadata is not None else None
    except HelpdeskError:
        raise
    except Exception as exc:  # pypdf raises many error types on damaged files
        raise UnsupportedFile(f"{source} is not a readable PDF ({exc})") from exc
    finally:
        logger.setLevel(level)
    if not texts:
        raise UnsupportedFile(f"{source} is empty: the PDF has no pages")
    if not any(texts):
        raise UnsupportedFile(
            f"{source} has no text layer (scanned?): run OCR on it first, then add it again"
        )
    title = " ".join(str(meta_title).split()) if isinstance(meta_title, str) else ""
    title = title or stem
    documents = [
        Document(text, source, title, page=number)
        for number, text in enumerate(texts, start=1)
        if text
    ]
    return LoadedFile(source, title, documents)


_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.I)


def load_docx(data: bytes, source: str, stem: str) -> LoadedFile:
    """A Word document: headings make the section path, tables become row documents."""
    import docx
    from docx.table import Table

    check_zip(data, source)
    _count_docx(data, source)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zip, XML and key errors alike on bad files
        raise UnsupportedFile(f"{source} is not a readable DOCX document ({exc})") from exc
    sections = Sections(source)
    first_heading = ""
    paragraphs: list[str] = []
    tables: list[tuple[int, list[list[str]], str]] = []  # index into documents, rows, section

    def flush() -> None:
        sections.text("\n\n".join(paragraphs))
        paragraphs.clear()

    current = budget(source)
    for block in document.iter_inner_content():
        current.check_time()
        if isinstance(block, Table):
            flush()
            rows = [[cell.text for cell in row.cells] for row in block.rows]
            tables.append((len(sections.documents), rows, sections.path))
            continue
        text = tidy(block.text)
        if not text:
            continue
        level = _heading_level(block.style.name if block.style is not None else "")
        if level is None:
            paragraphs.append(text)
            continue
        flush()
        first_heading = first_heading or text
        sections.heading(level, text)
    flush()
    title = first_heading or stem
    loaded = sections.finish(title)
    # Table rows go in at their place in the text; later inserts first keeps indexes valid.
    for at, rows, section in reversed(tables):
        docs, faq = table_documents(rows, source, title, section)
        loaded.documents[at:at] = docs
        loaded.faq[0:0] = faq
    return loaded


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_COUNTED = {f"{_W}p": "paragraphs", f"{_W}tr": "rows", f"{_W}tc": "cells"}


def _count_docx(data: bytes, source: str) -> None:
    """Count paragraphs, table rows and cells in a streaming pass before python-docx builds its
    tree of them (two million empty paragraphs are 18 KB zipped, and 50 s and 280 MB as objects)."""
    import zipfile

    from lxml import etree

    current = budget(source)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return  # python-docx says what is wrong with it
    with archive:
        for name in archive.namelist():
            if not (name.startswith("word/") and name.endswith(".xml")):
                continue
            with archive.open(name) as part:
                # Entities are not expanded and nothing is fetched: XXE and billion laughs stay inert.
                events = etree.iterparse(part, events=("end",), tag=list(_COUNTED), resolve_entities=False,
                                         no_network=True, load_dtd=False, huge_tree=False)
                try:
                    for _, element in events:
                        current.add(_COUNTED[element.tag])
                        element.clear()
                        while element.getprevious() is not None:  # keep memory flat
                            del element.getparent()[0]
                except etree.LxmlError:
                    return  # malformed XML: python-docx reports it


def _heading_level(style_name: str) -> int | None:
    if style_name.strip().lower() == "title":
        return 0  # above Heading 1, so "Title > Heading 1" nests like a Markdown H1 > H2
    found = _HEADING_STYLE.match(style_name.strip())
    return int(found.group(1)) if found else None
