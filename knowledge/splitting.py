"""Documents -> chunks that fit the embedder's window, measured in the embedder's own tokens.

Order of splitting: a Document is one section (or page, or FAQ pair) and is never merged with
another; inside it, paragraphs (blank lines), then list lines and sentences (``knowledge/sentences.py``),
then characters as a last resort. Pieces are merged greedily.
A Markdown code fence is one paragraph, blank lines and all; one over the budget is cut between
lines and every piece is closed and reopened, so no chunk holds half a fence. A Markdown table
over the budget is cut between rows and every piece repeats the header.
Consecutive rows of one table are grouped instead, and a row is never cut unless it alone is
over the budget. Every chunk is finally measured exactly as ``embedding_text`` renders it.
Chunks copy their document's metadata; only a title or section path that would fill more than
half the window is shortened (ending in "…").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ._context_line import context_line, short_context
from .sentences import split_sentences
from .types import Chunk, Document

__all__ = ["split", "embedding_text", "sentence_texts"]

CountTokens = Callable[[str], int]

# A line break before a list item or table row ends a sentence; others may wrap one.
_LIST_LINE = re.compile(r"\n(?=[ \t]*(?:[-*+•·▪][ \t]|\d{1,3}[.)、]|[一二三四五六七八九十]+、|\|))")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}(?!.*`)|~{3,})")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_SOFT_BREAKS = " \t\n，、,：:"
# Bounds the character binary search: no tokenizer packs more characters into one token.
_MAX_CHARS_PER_TOKEN = 24


def embedding_text(chunk: Chunk) -> str:
    """The text that is embedded and indexed: a "title > section" context line, then the text."""
    context = context_line(chunk.title, chunk.section)
    return f"{context}\n{chunk.text}" if context else chunk.text


# Shorter lines are headings, rules or labels: nothing a question could be matched against.
_MIN_SENTENCE_CHARS = 9
_WORDS = re.compile(r"[^\W_]")  # a table's rule line has none


def sentence_texts(chunk: Chunk) -> list[str]:
    """The texts embedded for each sentence of a chunk (a line of a list or table counts as one),
    under the chunk's "title > section" line. A chunk's vector averages all it says, so a question
    about one of its sentences (the 72-hour expiry in a paragraph about inviting members) can rank
    it below chunks that are broadly on topic; search also compares the question with these."""
    context = context_line(chunk.title, chunk.section)
    out: list[str] = []
    for line in chunk.text.splitlines():
        for sentence in split_sentences(line):
            if len(sentence) >= _MIN_SENTENCE_CHARS and _WORDS.search(sentence):
                out.append(f"{context}\n{sentence}" if context else sentence)
    out = list(dict.fromkeys(out))
    return [] if out == [embedding_text(chunk)] else out  # one sentence: the chunk's own vector


def split(
    documents: list[Document],
    count_tokens: CountTokens,
    max_tokens: int,
    overlap_tokens: int = 0,
) -> list[Chunk]:
    """Cut documents into chunks whose embedding_text is at most max_tokens; ids are left empty."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, not {max_tokens}")
    overhead = count_tokens("")  # special tokens a tokenizer adds to every text, counted once
    chunks: list[Chunk] = []
    for group in _groups(documents):
        head = group[0]
        title, section = short_context(head.title, head.section, count_tokens, max_tokens)
        fitter = _Fitter(count_tokens, max_tokens, context_line(title, section), overhead)
        if head.kind == "table":
            units = [u for n, doc in enumerate(group) for u in fitter.units(doc.text, n, doc.row)]
            separator, overlap = "\n", 0
        else:
            units = _text_units(head.text, fitter, head.row)
            separator, overlap = "\n\n", overlap_tokens if head.kind == "text" else 0
        # Text chunks follow paragraphs: a paragraph joins the chunk before it only while that
        # chunk is a scrap (under a tenth of the budget), so a chunk is about one topic. XQuAD,
        # against joining up to the full budget: zh hit@1 0.916 -> 0.926, en->zh hit@4 0.890 ->
        # 0.898, zh->en 0.863 -> 0.876; joining up to a third of the budget gained nothing in zh.
        join_under = None if head.kind == "table" else max(1, max_tokens // 10)
        for piece in fitter.pack(units, separator, max(0, overlap), head.kind == "table", join_under):
            chunks.append(
                Chunk(
                    id="",
                    text=_join(piece, separator),
                    source=head.source,
                    title=title,
                    section=section,
                    page=head.page,
                    row=piece[0].row,
                    kind=head.kind,
                )
            )
    return chunks


def _text_units(text: str, fitter: _Fitter, row: int | None) -> list[_Unit]:
    """Sentences of prose paragraphs; fences and tables whole, or in self-contained pieces."""
    units: list[_Unit] = []
    for block, kind in _blocks(text.strip()):
        if kind == "prose":
            para = len(units) and units[-1].para + 1
            units += [u for part in _sentences(block) for u in fitter.units(part, para, row)]
            continue
        lines = block.split("\n")
        if kind == "fence":
            head, body, tail = lines[:1], lines[1:-1], lines[-1:]
        else:
            head, body, tail = lines[:2], lines[2:], []
        for piece in fitter.block_pieces(head, body, tail) if not fitter.fits(block) else [block]:
            units.append(_Unit(piece, fitter.cost(piece), len(units) and units[-1].para + 1, row))
    return units


def _blocks(text: str) -> Iterator[tuple[str, str]]:
    """Paragraphs as ("prose" | "fence" | "table", text); a fence keeps its blank lines."""
    prose: list[str] = []

    def paragraphs() -> Iterator[tuple[str, str]]:
        for paragraph in _PARAGRAPH.split("\n".join(prose).strip()):
            if not paragraph.strip():
                continue
            rows = paragraph.split("\n")
            table = len(rows) > 2 and _TABLE_RULE.match(rows[1]) and rows[0].lstrip().startswith("|")
            yield paragraph, "table" if table else "prose"
        prose.clear()

    lines = iter(text.split("\n"))
    for line in lines:
        opened = _FENCE_OPEN.match(line)
        if not opened:
            prose.append(line)
            continue
        yield from paragraphs()
        marker = opened.group(1)
        close = re.compile(rf" {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
        fence = [line]
        for inner in lines:
            fence.append(inner)
            if close.match(inner):
                break
        else:
            fence.append(marker)  # an unclosed fence is closed where its text ends
        yield "\n".join(fence), "fence"
    yield from paragraphs()


@dataclass
class _Unit:
    text: str  # a raw slice: joining slices of one paragraph restores its spacing
    cost: int
    para: int  # paragraph (or table row) number inside the group
    row: int | None = None


class _Fitter:
    """Measures pieces of one group against the budget left beside its context line."""

    def __init__(self, count: CountTokens, max_tokens: int, context: str, overhead: int):
        self.count, self.max_tokens, self.context, self.overhead = (
            count,
            max_tokens,
            context,
            overhead,
        )
        self.budget = max_tokens - count(f"{context}\n" if context else "")
        if self.budget < 1:
            raise ValueError(f"max_tokens={max_tokens} leaves no room for any text")

    def fits(self, text: str) -> bool:
        """Exact check of a text as it will be embedded."""
        text = text.strip()
        return self.count(f"{self.context}\n{text}" if self.context else text) <= self.max_tokens

    def cost(self, text: str) -> int:
        """Tokens a text adds to a chunk, without the special tokens every count includes."""
        return max(0, self.count(text.strip()) - self.overhead)

    def units(self, text: str, para: int, row: int | None) -> list[_Unit]:
        """One unit for a sentence or row, or several pieces if it alone is over the budget."""
        if not text.strip():
            return []
        cost = self.cost(text)
        if cost <= self.budget:
            return [_Unit(text, cost, para, row)]
        return [_Unit(piece, self.cost(piece), para, row) for piece in self.cut(text)]

    def block_pieces(self, head: list[str], body: list[str], tail: list[str]) -> list[str]:
        """Body lines in pieces that each fit with the head and tail lines around them."""
        pieces: list[str] = []
        current: list[str] = []

        def wrap(lines: list[str]) -> str:
            return "\n".join([*head, *lines, *tail])

        for line in body:
            if self.fits(wrap([*current, line])):
                current.append(line)
                continue
            if current:
                pieces.append(wrap(current))
                current = []
            if self.fits(wrap([line])):
                current = [line]
            else:  # one line alone is over: cut it by characters, each cut wrapped
                pieces += [wrap([p]) for p in self.cut(line, wrap=lambda p: wrap([p]))]
        if current or not pieces:
            pieces.append(wrap(current))
        return pieces

    def cut(self, text: str, wrap: Callable[[str], str] = lambda p: p) -> list[str]:
        """Cut a text by binary search on characters into pieces that each fit (once wrapped)."""
        pieces: list[str] = []
        rest = text
        longest = self.max_tokens * _MAX_CHARS_PER_TOKEN
        while rest.strip():
            # Counting a long remainder again on every round would be quadratic.
            if len(rest) <= longest and self.fits(wrap(rest)):
                pieces.append(rest)
                break
            lo, hi = 1, min(len(rest) - 1, longest)
            best = 0
            while lo <= hi:
                mid = (lo + hi) // 2
                if self.fits(wrap(rest[:mid])):
                    best, lo = mid, mid + 1
                else:
                    hi = mid - 1
            if best == 0:
                raise ValueError(f"max_tokens={self.max_tokens} cannot hold even one character")
            end = _soft_end(rest, best)
            if end != best and not self.fits(wrap(rest[:end])):
                end = best
            pieces.append(rest[:end])
            rest = rest[end:]
        return pieces

    def pack(
        self, units: list[_Unit], separator: str, overlap: int, isolate: bool,
        join_under: int | None = None,
    ) -> list[list[_Unit]]:
        """Merge units greedily up to the budget; every chunk returned passes the exact count.

        A paragraph that fits alone is not split; with ``isolate`` a paragraph over the budget
        (a table row) gets chunks of its own. With ``join_under``, a chunk whose own text already
        has that many tokens takes no further paragraph.
        """
        packed: list[list[_Unit]] = []
        current: list[_Unit] = []
        fresh = 0  # units at the end of current that are not overlap from the previous chunk

        def emit() -> None:
            nonlocal current, fresh
            carry: list[_Unit] = []
            # Summed sentence counts can miss a few tokens of joining; the exact count decides,
            # and what does not fit moves on to the next chunk instead of becoming a scrap.
            while fresh and not self.fits(_join(current, separator)):
                if len(current) > fresh:
                    current.pop(0)  # overlap goes first: new text wins over repeated text
                elif fresh > 1:
                    carry.insert(0, current.pop())
                    fresh -= 1
                else:  # one unit alone is over: cut it by characters
                    unit = current.pop()
                    packed.extend([_Unit(p, 0, unit.para, unit.row)] for p in self.cut(unit.text))
                    fresh = 0
            if fresh:
                packed.append(current)
                current = _tail(current, overlap)
            current, fresh = current + carry, len(carry)
            make_room(0)

        def make_room(cost: int) -> None:
            while len(current) > fresh and _cost(current) + cost > self.budget:
                current.pop(0)

        def add(unit: _Unit) -> None:
            nonlocal fresh
            if _cost(current) + unit.cost > self.budget:
                emit()
                make_room(unit.cost)
            current.append(unit)
            fresh += 1

        for paragraph in _paragraphs(units):
            cost = _cost(paragraph)
            oversize = cost > self.budget
            if join_under is not None and fresh and _cost(current[-fresh:]) >= join_under:
                while fresh:
                    emit()
            if _cost(current) + cost > self.budget:
                emit()
                # Text carried over by emit must not push apart a paragraph that fits alone,
                # nor share the chunks of an isolated row.
                while fresh and (
                    (oversize and isolate) or (not oversize and _cost(current) + cost > self.budget)
                ):
                    emit()
                make_room(min(cost, self.budget))
            for unit in paragraph:
                add(unit)
            if isolate and oversize:
                while fresh:
                    emit()
        while fresh:
            emit()
        return packed


def _groups(documents: list[Document]) -> Iterator[list[Document]]:
    group: list[Document] = []
    for doc in documents:
        if not doc.text.strip():
            continue
        if group and _same_table(group[-1], doc):
            group.append(doc)
            continue
        if group:
            yield group
        group = [doc]
    if group:
        yield group


def _same_table(previous: Document, doc: Document) -> bool:
    # Row numbers restart at 1 in the next table, even under the same heading.
    return (
        previous.kind == doc.kind == "table"
        and (previous.source, previous.title, previous.section, previous.page)
        == (doc.source, doc.title, doc.section, doc.page)
        and previous.row is not None
        and doc.row is not None
        and doc.row > previous.row
    )


def _sentences(paragraph: str) -> list[str]:
    """The paragraph's sentences (``knowledge/sentences.py``) and list lines, joining back to it."""
    ends = [m.end() for m in _LIST_LINE.finditer(paragraph)]
    lines = [paragraph[a:b] for a, b in zip([0, *ends], [*ends, len(paragraph)], strict=True) if a < b]
    return [part for line in lines for part in split_sentences(line, exact=True)]


def _paragraphs(units: list[_Unit]) -> Iterator[list[_Unit]]:
    start = 0
    for i in range(1, len(units) + 1):
        if i == len(units) or units[i].para != units[start].para:
            yield units[start:i]
            start = i


def _tail(units: list[_Unit], limit: int) -> list[_Unit]:
    if limit <= 0:
        return []
    taken = 0
    # Never the whole chunk: the next one would then contain this one.
    for i in range(len(units) - 1, 0, -1):
        if taken + units[i].cost > limit:
            return units[i + 1 :]
        taken += units[i].cost
    return units[1:]


def _cost(units: list[_Unit]) -> int:
    return sum(u.cost for u in units)


def _join(units: list[_Unit], separator: str) -> str:
    text = ""
    for i, unit in enumerate(units):
        if i and unit.para != units[i - 1].para:
            text = text.rstrip() + separator
        text += unit.text
    return text.strip()


def _soft_end(text: str, end: int) -> int:
    # Prefer ending a piece at a space or comma in its second half rather than inside a word.
    at = max(text.rfind(ch, end // 2, end) for ch in _SOFT_BREAKS)
    return at + 1 if at > 0 else end
