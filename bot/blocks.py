"""A help-center section as blocks: paragraphs, lists with their lead-in, tables, code.

A customer's answer is rarely one sentence of a help page: a procedure is a numbered list under
a lead-in ("To return an item:"), a price is a table row under its header, an example is a code
block. Cutting such a page into sentences loses all of that (steps 3-4 of a 5-step list), so the
answer is built from these blocks instead (``bot/compose.py``).

    >>> [b.kind for b in parse("To return an item:\\n\\n1. Sign in.\\n2. Click Return.")]
    ['steps']
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from knowledge.lang import detect_language
from knowledge.sentences import split_sentences
from knowledge.types import Chunk

__all__ = ["Block", "parse", "section_blocks", "prose_language", "row_cells"]

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ORDERED = re.compile(r"^\s{0,3}(?:\d{1,3}[.)、]|[一二三四五六七八九十]+、)\s*")
# A step written out as prose ("Step 2: Upload files.", "步骤 2：上传文件。", "第 2 步：…"), as MDX
# <Step> components and many help centers write them.
_STEP = re.compile(r"^\s{0,3}(?:\*\*)?(?:step\s*\d{1,2}\b|步骤\s*\d{1,2}|第\s*[\d一二三四五六七八九十]{1,3}\s*步)",
                   re.IGNORECASE)
_BULLET = re.compile(r"^\s{0,3}[-*+•·▪]\s+")
_TABLE_ROW = re.compile(r"^\s*\|")
_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BLANK = re.compile(r"^\s*$")


@dataclass
class Block:
    """One block of a section: ``kind`` is prose, steps (an ordered list), list, table or code.

    ``lead`` is the sentence that introduces a list, table or code block ("Paid back within:");
    ``items`` are a list's items or a table's rows (the header is ``head``), each whole.
    """

    kind: str
    lead: str = ""
    items: list[str] = field(default_factory=list)
    head: list[str] = field(default_factory=list)
    body: str = ""

    def render(self, items: list[str] | None = None, *, cut: bool = False) -> str:
        """The block as Markdown, with only ``items`` (default: all) and an ellipsis if ``cut``."""
        items = self.items if items is None else items
        if self.kind in ("prose", "code"):
            core = self.body
        elif self.kind == "table":
            core = "\n".join(self.head + items)
        else:
            prose_steps = items and not (_ORDERED.match(items[0]) or _BULLET.match(items[0]))
            core = ("\n\n" if prose_steps else "\n").join(items)
        if cut:
            core += "\n…" if self.kind != "prose" else "…"
        return f"{self.lead}\n{core}".strip() if self.lead else core

    @property
    def text(self) -> str:
        """The whole block as Markdown."""
        return self.render()

    @property
    def core(self) -> str:
        """The block without its lead-in: the same list read from two chunks whose lead-ins
        differ is the same block."""
        return Block(self.kind, items=self.items, head=self.head, body=self.body).render()


def parse(text: str) -> list[Block]:
    """The blocks of a section's Markdown text, in order."""
    out: list[Block] = []
    for kind, lines in _paragraphs(text):
        prev = out[-1] if out else None
        if kind in ("steps", "list") and prev is not None and prev.kind == kind and not prev.head:
            prev.items.extend(_items(lines))  # a loose list: items apart by blank lines
            continue
        if kind == "code" and prev is not None and prev.kind == "steps":
            # A command or address right under a step is part of that step ("1. Open the setup
            # page:" and its URL): the procedure stays one block, indented as Markdown nests it.
            prev.items[-1] += "\n\n" + _indent(textwrap.dedent("\n".join(lines)).strip())
            continue
        block = _block(kind, lines)
        if kind == "steps" and _continues(out, block):
            # "3. Start the containers" after steps 1-2 and a note between them: one procedure,
            # commands kept in the step they follow, the notes after the procedure.
            between: list[Block] = []
            while out[-1].kind != "steps":
                between.insert(0, out.pop())
            steps = out[-1]
            steps.items[-1] += "".join("\n\n" + _indent(b.text) for b in between if b.kind == "code")
            steps.items.extend(block.items)
            out.extend(b for b in between if b.kind != "code")
            continue
        if block.kind in ("steps", "list", "table", "code") and prev is not None and prev.kind == "prose" \
                and _leads_in(prev.body):
            # "Meet the following requirements." before "Hardware:\n- CPU >= 2 Core": both lead in.
            out.pop()
            _lead_with(block, prev.body)
        out.append(block)
    return out


_NUMBER = re.compile(r"^\s{0,3}(?:(\d{1,3})[.)、]|(?:\*\*)?(?:step|步骤|第)\s*(\d{1,2}))", re.IGNORECASE)
# Blocks that may stand between two parts of one numbered procedure (a note, a command).
_BETWEEN = 2


def _step_number(item: str) -> int | None:
    m = _NUMBER.match(item)
    return int(m.group(1) or m.group(2)) if m else None


def _continues(out: list[Block], block: Block) -> bool:
    """Whether ``block``'s numbering carries on the last procedure in ``out``, with at most a few
    paragraphs or commands between them and no other list."""
    back = 0
    while back < len(out) and out[-1 - back].kind in ("prose", "code") and not out[-1 - back].lead:
        back += 1
    if back == 0 or back > _BETWEEN or back == len(out):
        return False
    steps = out[-1 - back]
    if steps.kind != "steps" or not steps.items or not block.items:
        return False
    last = _step_number(steps.items[-1].split("\n\n   ")[0])
    return last is not None and _step_number(block.items[0]) == last + 1


def _indent(text: str) -> str:
    """``text`` indented as Markdown nests it in a list item."""
    return "\n".join(f"   {line}" if line.strip() else "" for line in text.split("\n"))


_FOLLOWING = re.compile(r"\b(?:the following|as follows|below)\b|如下|以下", re.IGNORECASE)


def row_cells(line: str) -> list[str] | None:
    """The cells of a Markdown table row ("| Guard | $4.99 |" -> ["Guard", "$4.99"]), or None
    when the line is not one."""
    if not line.lstrip().startswith("|"):
        return None
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _lead_with(block: Block, text: str) -> None:
    """Put the sentence ``text`` that leads in before ``block``'s own lead-in, if it has one."""
    block.lead = f"{text}\n\n{block.lead}" if block.lead else text


def _leads_in(text: str) -> bool:
    """Whether a paragraph introduces what follows ("Paid back within:", "Meet the following
    requirements.")."""
    text = text.rstrip()
    return text.endswith((":", "：")) or (len(text) < 200 and bool(_FOLLOWING.search(text)))


def _paragraphs(text: str):
    """(kind, lines) per paragraph; a code fence is one paragraph whatever blank lines it holds."""
    lines = text.replace("\r\n", "\n").split("\n")
    i, n = 0, len(lines)
    while i < n:
        if _BLANK.match(lines[i]):
            i += 1
            continue
        fence = _FENCE.match(lines[i])
        if fence:
            j = i + 1
            while j < n and not lines[j].lstrip().startswith(fence.group(1)):
                j += 1
            yield "code", lines[i:j + 1]
            i = j + 1
            continue
        j = i
        while j < n and not _BLANK.match(lines[j]) and not (j > i and _FENCE.match(lines[j])):
            j += 1
        yield _kind(lines[i:j]), lines[i:j]
        i = j


def _kind(lines: list[str]) -> str:
    if all(_TABLE_ROW.match(line) for line in lines) and len(lines) >= 2:
        return "table"
    if _ORDERED.match(lines[0]) or _STEP.match(lines[0]):
        return "steps"
    if _BULLET.match(lines[0]):
        return "list"
    # A lead-in sentence and its list in one paragraph ("Paid back:\n- cards: 3 days").
    return "prose"


def _items(lines: list[str]) -> list[str]:
    """List lines grouped into items: a line that starts no item continues the one before."""
    items: list[str] = []
    for line in lines:
        starts = _ORDERED.match(line) or _BULLET.match(line) or _STEP.match(line)
        if not items or (starts and not line.startswith(("    ", "\t"))):
            items.append(line.rstrip())
        else:
            items[-1] += "\n" + line.rstrip()
    return items


def _block(kind: str, lines: list[str]) -> Block:
    if kind == "table":
        rule = next((i for i, line in enumerate(lines) if _RULE.match(line)), None)
        head = lines[: rule + 1] if rule is not None else lines[:1]
        return Block("table", head=[h.rstrip() for h in head], items=[r.rstrip() for r in lines[len(head):]])
    if kind in ("steps", "list"):
        return Block(kind, items=_items(lines))
    if kind == "code":
        return Block("code", body="\n".join(lines).strip())
    # A prose paragraph that holds its own list after a lead-in line.
    for i in range(1, len(lines)):
        if _leads_in(lines[i - 1]) and (_ORDERED.match(lines[i]) or _BULLET.match(lines[i])):
            rest = lines[i:]
            sub = "steps" if _ORDERED.match(rest[0]) else "list"
            return Block(sub, lead="\n".join(lines[:i]).strip(), items=_items(rest))
    return Block("prose", body="\n".join(line.strip() for line in lines).strip())


# A heading that numbers a step of a procedure ("1. Configure credentials", "Step 2: Import").
_NUMBERED_HEADING = re.compile(r"^\s*(?:\d{1,2}[.)、]\s*|step\s*\d{1,2}\s*[:.：-]?\s*|步骤\s*\d{1,2}\s*[:：.]?\s*"
                               r"|第\s*[\d一二三四五六七八九十]{1,3}\s*步\s*[:：]?\s*)", re.IGNORECASE)
_CODE = re.compile(r"(`{3,}|~{3,})[\s\S]*?(?:\1|\Z)")
# A section shorter than this that only leads in ("meet the following requirements.") is read
# with its first few subsections.
_LEAD_ONLY = 300
_CHILDREN = 3
# Characters of each step when a procedure is gathered from its numbered sections.
STEP_CHARS = {"en": 180, "zh": 90}
# ... and of the whole procedure, so that every step fits in an answer (bot/compose.py ANSWER_CHARS).
PROCEDURE_CHARS = {"en": 480, "zh": 240}


def section_blocks(chunks: list[Chunk], chunk: Chunk) -> list[Block]:
    """The blocks of ``chunk``'s section, from ``chunks`` (its whole document, in order).

    A section that is one step of a procedure written as numbered headings ("Firecrawl > 1.
    Configure credentials", "Firecrawl > 2. Import") brings the whole procedure first, as one steps
    block: each step's title and its opening sentences.
    """
    same = [c for c in chunks if c.section == chunk.section] or [chunk]
    blocks = parse("\n\n".join(c.text for c in same))
    if blocks and all(b.kind == "prose" for b in blocks) and _leads_in(blocks[-1].body) \
            and sum(len(b.body) for b in blocks) < _LEAD_ONLY:
        children = _children(chunks, chunk.section)
        if children and children[0].kind != "prose":
            # The sentence that leads in leads the first of what it announces ("... the following
            # minimum requirements." + "Hardware:\n- CPU >= 2 Core"), quoted together.
            _lead_with(children[0], blocks.pop().body)
        blocks += children
    parent, _, leaf = chunk.section.rpartition(" > ")
    if not _NUMBERED_HEADING.match(leaf):
        return blocks
    steps: dict[str, list[str]] = {}
    for c in chunks:
        p, _, name = c.section.rpartition(" > ")
        if p == parent and _NUMBERED_HEADING.match(name):
            steps.setdefault(name, []).append(c.text)
    if len(steps) < 2:
        return blocks
    titles = [_NUMBERED_HEADING.sub("", name).strip() for name in steps]
    lang = detect_language(" ".join(titles + [t for texts in steps.values() for t in texts]))
    lang = lang if lang in STEP_CHARS else "en"
    # Every step in the answer: the openings share what the titles leave of PROCEDURE_CHARS.
    room = PROCEDURE_CHARS[lang] - sum(len(t) + 10 for t in titles)
    limit = max(STEP_CHARS[lang] // 3, min(STEP_CHARS[lang], room // len(steps)))
    items = [f"{i}. **{title}**: {_opening(' '.join(texts), limit)}"
             for i, (title, texts) in enumerate(zip(titles, steps.values()), 1)]
    lead = parent.rsplit(" > ", 1)[-1]
    return [Block("steps", lead=f"{lead}:" if lead else "", items=items)] + blocks


def _children(chunks: list[Chunk], section: str) -> list[Block]:
    """The blocks of the first few sections under ``section``, each led by its heading: a section
    that only says "meet the following requirements" has them in its subsections (Hardware,
    Software)."""
    names: dict[str, list[str]] = {}
    for c in chunks:
        parent, _, name = c.section.rpartition(" > ")
        if parent == section and (name in names or len(names) < _CHILDREN):
            names.setdefault(name, []).append(c.text)
    out: list[Block] = []
    for name, texts in names.items():
        blocks = parse("\n\n".join(texts))
        if blocks and blocks[0].kind != "prose" and not blocks[0].lead:
            blocks[0].lead = f"{name}:"
        out += blocks
    return out


def _opening(text: str, limit: int) -> str:
    """The opening sentences of a step's text, up to ``limit`` characters."""
    text = " ".join(_CODE.sub(" ", text).split())
    out = ""
    for sentence in split_sentences(text):
        joined = (out + ("" if detect_language(sentence) == "zh" else " ") + sentence).strip()
        if out and len(joined) > limit:
            break
        out = joined
    return out if len(out) <= limit else out[: limit - 1].rstrip() + "…"


_NOT_PROSE = re.compile(r"(`{3,}|~{3,})[\s\S]*?(?:\1|\Z)|`[^`\n]*`|https?://\S+|\[[^\]]*\]\([^)]*\)")


def prose_language(text: str) -> str:
    """The language a block is written in, judged on its prose: code, links and addresses are no
    language ("打开页面：`http://localhost/install`" is Chinese)."""
    prose = _NOT_PROSE.sub(" ", text)
    return detect_language(prose if prose.strip() else text)
