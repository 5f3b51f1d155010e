"""Tables (CSV, TSV, XLSX, and DOCX tables) and FAQ files (tabular, JSON, YAML).

A table row becomes one Document that repeats the header names ("Product: Kettle; Price: 30"),
so any group of rows the splitter makes still says what each value means.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from ._textio import decode_text
from .errors import UnsupportedFile
from .limits import Budget, budget, check_zip
from .types import Document, FaqEntry, LoadedFile

__all__ = [
    "cell_text",
    "table_documents",
    "load_csv",
    "load_tsv",
    "load_xlsx",
    "load_json",
    "load_yaml",
]

_QUESTION_NAMES = {"question", "questions", "q", "问题", "问"}
_ANSWER_NAMES = {"answer", "answers", "a", "答案", "答"}
_DELIMITERS = (",", ";", "\t", "|")
_SHAPE = (
    'expected a list of {"question": ..., "answer": ...} objects, '
    'or {"faq": [...]} holding such a list'
)


def cell_text(value: Any, keep_lines: bool = False) -> str:
    """A spreadsheet or CSV cell as text (one line unless keep_lines), numbers and dates plain."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(round(value, 10))  # hides binary noise such as 0.30000000000000004
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").strip()
    return text if keep_lines else " ".join(text.split())


def table_documents(
    rows: Sequence[Sequence[Any]], source: str, title: str, section: str = ""
) -> tuple[list[Document], list[FaqEntry]]:
    """Rows of one table, the first non-empty row being the header, as row or FAQ documents."""
    cells = [[cell_text(v) for v in row] for row in rows]
    start = next((i for i, row in enumerate(cells) if any(row)), None)
    if start is None:
        return [], []
    header = cells[start]
    q_col, a_col = _faq_columns(header)
    documents: list[Document] = []
    faq: list[FaqEntry] = []
    for number, row in enumerate(cells[start + 1 :], start=1):
        if not any(row):
            continue
        meta = dict(source=source, title=title, section=section, row=number)
        if q_col is not None:
            # Answers are returned word for word, so their line breaks stay.
            raw = [cell_text(v, keep_lines=True) for v in rows[start + number]]
            question, answer = _at(row, q_col), _at(raw, a_col)
            if question and answer:
                faq.append(FaqEntry(question, answer, source))
                documents.append(Document(f"Q: {question}\nA: {answer}", kind="faq", **meta))
            continue
        pairs: list[tuple[str, str]] = []
        for i, value in enumerate(row):
            pair = (_at(header, i) or f"Column {i + 1}", value)
            # A merged cell (DOCX, XLSX) repeats under every column it spans: say it once.
            if value and (not pairs or pairs[-1] != pair):
                pairs.append(pair)
        text = "; ".join(f"{name}: {value}" for name, value in pairs)
        documents.append(Document(text, kind="table", **meta))
    return documents, faq


def _at(row: Sequence[str], index: int | None) -> str:
    return row[index] if index is not None and index < len(row) else ""


def _faq_columns(header: Sequence[str]) -> tuple[int | None, int | None]:
    names = [h.strip().rstrip(":：").strip().lower() for h in header]
    q_col = next((i for i, n in enumerate(names) if n in _QUESTION_NAMES), None)
    a_col = next((i for i, n in enumerate(names) if n in _ANSWER_NAMES), None)
    return (q_col, a_col) if q_col is not None and a_col is not None else (None, None)


# --- CSV and TSV -------------------------------------------------------------------------------


def load_csv(data: bytes, source: str, stem: str, delimiter: str | None = None) -> LoadedFile:
    """CSV (comma, semicolon, tab or pipe, guessed from the header line): rows or FAQ pairs."""
    text = decode_text(data, source)
    if delimiter is None:
        # csv.Sniffer guesses wrong on prose cells; the header line rarely holds a delimiter.
        header_line = next((line for line in text.split("\n") if line.strip()), "")
        delimiter = max(_DELIMITERS, key=header_line.count)
        if not header_line.count(delimiter):
            delimiter = ","
    try:
        rows = _counted(csv.reader(io.StringIO(text), delimiter=delimiter), budget(source))
    except csv.Error as exc:
        raise UnsupportedFile(f"{source} is not a readable CSV file: {exc}") from exc
    return LoadedFile(source, stem, *table_documents(rows, source, stem))


def load_tsv(data: bytes, source: str, stem: str) -> LoadedFile:
    """Tab-separated values: rows or FAQ pairs."""
    return load_csv(data, source, stem, delimiter="\t")


# --- XLSX --------------------------------------------------------------------------------------


def load_xlsx(data: bytes, source: str, stem: str) -> LoadedFile:
    """An Excel workbook: every sheet's rows (section = sheet name), or FAQ pairs."""
    from openpyxl import load_workbook

    check_zip(data, source)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors alike on bad files
        raise UnsupportedFile(f"{source} is not a readable XLSX workbook ({exc})") from exc
    try:
        title = cell_text(book.properties.title) or stem
        documents: list[Document] = []
        faq: list[FaqEntry] = []
        current = budget(source)
        for sheet in book.worksheets:
            # The declared range ("A1:XFD20000") is the file's claim, not its content: read only the
            # cells it holds, or openpyxl pads every row to the declared width and height.
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()
            rows = _counted(sheet.iter_rows(values_only=True), current)
            docs, pairs = table_documents(rows, source, title, section=sheet.title)
            documents += docs
            faq += pairs
    finally:
        book.close()
    return LoadedFile(source, title, documents, faq)


def _counted(rows, current: Budget) -> list[Sequence[Any]]:
    """The rows of a reader, each counted against the file's row and cell limits as it is read."""
    out = []
    for row in rows:
        current.add("rows")
        current.add("cells", len(row))
        out.append(row)
    return out


# --- JSON and YAML FAQ files -------------------------------------------------------------------


def load_json(data: bytes, source: str, stem: str) -> LoadedFile:
    """A JSON FAQ file: a list of question/answer objects, or {"faq": [...]}."""
    try:
        obj = json.loads(decode_text(data, source))
    except json.JSONDecodeError as exc:
        raise UnsupportedFile(f"{source} is not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    return _faq_file(obj, source, stem)


def load_yaml(data: bytes, source: str, stem: str) -> LoadedFile:
    """A YAML FAQ file: a list of question/answer mappings, or {faq: [...]}."""
    import yaml

    loader = yaml.SafeLoader(decode_text(data, source))
    try:
        node = loader.get_single_node()
        # Aliases repeat a node without copying it in the file: count what they expand to first.
        if node is not None:
            budget(source).expanded(_expanded_size(node), "expands (through its aliases) to")
        obj = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise UnsupportedFile(f"{source} is not valid YAML{line}") from exc
    finally:
        loader.dispose()
    return _faq_file(obj, source, stem)


def _expanded_size(root) -> int:
    """Characters of scalars in a YAML node graph with every alias spelled out (each shared
    node is measured once, so this is linear in the file even when the expansion is not)."""
    import yaml

    sizes: dict[int, int] = {}
    open_: set[int] = set()  # the nodes on the current path: meeting one again is a cycle
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = len(node.value) + 1
            continue
        children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
        if done:
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            open_.discard(id(node))
        elif id(node) in open_:
            return sys.maxsize  # an alias inside its own anchor expands without end
        else:
            open_.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _faq_file(obj: Any, source: str, stem: str) -> LoadedFile:
    title = stem
    if isinstance(obj, dict):
        key = next((k for k in obj if str(k).strip().lower() in ("faq", "faqs")), None)
        if key is None:
            raise UnsupportedFile(f"{source} is not an FAQ file: {_SHAPE}")
        if isinstance(obj.get("title"), str) and obj["title"].strip():
            title = obj["title"].strip()
        obj = obj[key]
    if obj is None or obj == []:
        raise UnsupportedFile(f"{source} is empty: it holds no FAQ entries")
    if not isinstance(obj, list):
        raise UnsupportedFile(f"{source} is not an FAQ file: {_SHAPE}")
    budget(source).add("rows", len(obj))
    documents: list[Document] = []
    faq: list[FaqEntry] = []
    for number, item in enumerate(obj, start=1):
        if not isinstance(item, dict):
            raise UnsupportedFile(
                f"{source} is not an FAQ file: entry {number} is not an object; {_SHAPE}"
            )
        keys = {str(k).strip().lower(): k for k in item}
        question = _scalar(item, keys, _QUESTION_NAMES)
        answer = _scalar(item, keys, _ANSWER_NAMES)
        if not question or not answer:
            raise UnsupportedFile(
                f"{source}: FAQ entry {number} needs a non-empty question and answer; {_SHAPE}"
            )
        faq.append(FaqEntry(question, answer, source))
        documents.append(Document(f"Q: {question}\nA: {answer}", source, title, kind="faq"))
    return LoadedFile(source, title, documents, faq)


def _scalar(item: dict, keys: dict[str, Any], names: set[str]) -> str:
    key = next((keys[n] for n in keys if n in names), None)
    value = item.get(key) if key is not None else None
    if isinstance(value, (dict, list)):
        return ""
    # Answers keep their line breaks: they are returned word for word.
    return "" if value is None else str(value).strip()
