"""Quoted answers built from blocks of the page: whole procedures, tables with their header, one
block per part of a multi-part question, each cited, as Markdown.

The hits' sections are read whole and cut into blocks (``bot/blocks.py``). Each block scores the
question words it shares (BM25 idf), a share of those only its section heading holds, and the
embedder's similarity to the question, less a little per rank of its hit, with small bonuses for
a procedure under a "how do I" question and a number under a "how long" one. The best block comes
first. Another block follows, while the answer stays short, when it is the closest to one part of
a question asked in several (the second half of "can I return it, and who pays shipping?"), brings
question words the chosen ones lack, is about as close to the question from the same page, or
continues the best block's section as close to it; a short section headed by what the question
names comes whole.

A block too long for the answer keeps its lead-in and what the question names: the list items or
table rows that share its words (a bullet list of return conditions answers "can I return opened
tea?" with the tea item alone), the stanzas of a code block that name it (a comment and its
setting in a long list of variables), or the sentences around the one that shares the most. A
numbered procedure is never thinned: it comes whole, or cut at its end with an ellipsis.

    >>> compose("How do I return an item?", hits, sections, weight)
    Composed(parts=[Part(hit=0, text='To return an item:\\n1. Sign in ...')], ...)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from knowledge.keyword import tokenize
from knowledge.lang import detect_language
from knowledge.sentences import split_sentences
from knowledge.types import Hit

from .answerable import asks_price, states_price
from .blocks import Block, prose_language, row_cells

__all__ = ["Part", "Composed", "compose", "ANSWER_CHARS"]

# The longest answer, in characters (citation marks aside): room for a five-step procedure, still
# short enough to read in a chat bubble.
ANSWER_CHARS = {"en": 560, "zh": 280}
# A paragraph longer than the answer is cut to the sentences around the one that answers, in at
# most this many characters: a wall of text is trimmed harder than a short page is quoted.
PROSE_WINDOW = {"en": 300, "zh": 150}
# Cosine similarity to the question counts this many word-score points per unit.
SIMILARITY_WEIGHT = 50.0
# Characters of a block compared by similarity (its opening says what it is about; embedding
# whole long paragraphs cost ~1 s an answer on XQuAD).
SIMILARITY_CHARS = 400
# Blocks compared by similarity too (the best by words).
CANDIDATES = 12
HIT_PENALTY = 1.0
HEADING_SHARE = 0.3
# A further block joins the answer, while it fits, when it comes from the best block's section and
# is about as close to the question (within this much cosine), or brings at least MIN_GAIN of the question's word
# weight that the chosen blocks lack while still close (within FAR).
NEAR = 0.02
FAR = 0.06
# What follows the best block in its section joins while within this much cosine of it.
FOLLOW = 0.04
MIN_GAIN = 0.2
MAX_PARTS = 4
# A section of at most this many blocks, headed by what the question names, is quoted whole when
# it fits.
WHOLE_BLOCKS = 6
# A list or table this short is quoted whole: thinning it saves nothing ("CPU >= 2 Core" without
# "RAM >= 4 GiB").
SHORT_LIST = 100
# A code block answers a question about code or commands; for others its words count this much.
CODE_SHARE = 0.5
# A long code block keeps the stanzas sharing at least this share of the best one's question words.
CODE_STANZA = 0.8
_ASKS_CODE = re.compile(r"\b(?:code|command|snippet|script|config\w*|setting|variable|env|css|html|json|yaml|cli)\b"
                        r"|代码|命令|配置|脚本|变量", re.IGNORECASE)
# "How do I ...?" is answered by a procedure: a numbered list scores this much more.
STEPS_BONUS = 2.0
# ... and a procedure about what it names leads the answer when it scores within this much of the
# best block: an overview paragraph ("The chat bubble presents your app ...") often scores a little
# higher than the steps, and quoted first it leaves the steps no room.
PROCEDURE_MARGIN = 3.0
# "How long / how much / when" is answered by a block with a number in it.
CUE_BONUS = 2.0
_WANTS_NUMBER = re.compile(r"^\s*(?:how (?:many|much|long|far|old|large|big|soon|often)|when|what year|which year|what time)\b"
                           r"|多少|几|多大|多长|多久|多远|什么时候|何时|哪一?年", re.IGNORECASE)
# A number: digits, or Chinese numerals, "一" only with a unit ("一个链接" is "a link", "一个月" a month).
_NUMBER = re.compile(r"\d|[二三四五六七八九十百千万两]|[一半](?:个?(?:月|小时|星期|工作日)|[天周年次倍分秒])")
_HOW_TO = re.compile(r"^\s*(?:how (?:do|can|should|would) (?:i|we|you)\b(?! (?:know|tell))|how to\b|what are the steps"
                     r"|what do i (?:need to )?do\b)|怎么(?!回事|样)|如何|怎样|步骤|流程", re.IGNORECASE)


# A part of the question counts as answered when the chosen blocks hold this share of its words.
PART_COVERED = 0.5
_PARTS = re.compile(r"(?<=[?？])\s*|[,，;；]?\s+(?:and|also|plus)\s+(?=(?:who|what|when|where|which|how|why|can|could|is|are|do|does|"
                    r"will|would|should|if)\b)|[，;；]\s*(?:还有|另外|以及|并且|而且)", re.IGNORECASE)


def question_parts(question: str) -> list[str]:
    """Each part of a question asked in several: sentences ending in a question mark, or clauses
    joined by "and who / and how ..." ("can I return it and who pays shipping?")."""
    return [p.strip() for p in _PARTS.split(question) if p and p.strip() and tokenize(p)]


@dataclass
class Part:
    """One cited piece of the answer: its Markdown text and the index of its hit."""

    hit: int
    text: str


@dataclass
class Composed:
    """The answer's parts, in the order they are quoted."""

    parts: list[Part]

    def by_hit(self) -> dict[int, str]:
        """What was quoted from each hit, its parts joined: a price question is refused when no
        part states a price, so a hit's later part must not hide an earlier one."""
        out: dict[int, str] = {}
        for p in self.parts:
            out[p.hit] = f"{out[p.hit]}\n\n{p.text}" if p.hit in out else p.text
        return out


@dataclass
class _Candidate:
    hit: int
    block: Block
    text: str
    words: set[str]
    score: float
    sim: float = 0.0
    procedure: bool = False  # a procedure about what a "how do I" question names


def compose(question: str, hits: list[Hit], sections: list[list[Block]],
            weight: Callable[[str], float],
            similarity: Callable[[list[str]], Sequence[float]] | None = None,
            limit: int | None = None, focus: str = "",
            part_similarity: Callable[[str, list[str]], Sequence[float]] | None = None) -> Composed | None:
    """The blocks of ``sections`` (one list per hit, the hit's section) that answer ``question``.
    ``focus``: the words that matter most, e.g. a follow-up's own ("And on Windows?") within the
    question it was completed into; they count twice. ``similarity`` scores texts against the
    question, ``part_similarity`` against one part of it (a multi-part question's)."""
    q = set(tokenize(question))
    focused = q & set(tokenize(focus))
    total = sum(weight(t) for t in q) or 1.0
    steps_bonus = STEPS_BONUS if _HOW_TO.search(question) else 0.0
    cue_bonus = CUE_BONUS if _WANTS_NUMBER.search(question) else 0.0
    # "How much does it cost" is answered by an amount of money, not by any number ("30 days").
    cued = (lambda text: states_price([text])) if asks_price(question) else _NUMBER.search
    # A command or a config file is how many things are done: it answers "how do I" as well.
    code_share = 1.0 if _ASKS_CODE.search(question) or steps_bonus else CODE_SHARE
    seen: set[str] = set()
    cands: list[_Candidate] = []
    for hi, (hit, blocks) in enumerate(zip(hits, sections)):
        heading = q & set(tokenize(hit.chunk.section or hit.chunk.title or ""))
        leaf = q & set(tokenize((hit.chunk.section or hit.chunk.title or "").rsplit(" > ", 1)[-1]))
        for block in blocks:
            key = block.core.strip()
            if not key or key in seen or not _says_something(block):
                continue
            seen.add(key)
            # What would be quoted is what is scored: a long list by the items the question names.
            text = _fit(block, q, weight, limit or ANSWER_CHARS.get(prose_language(block.text), ANSWER_CHARS["en"]),
                        focused)
            if not text:
                continue
            words = q & set(tokenize(text))
            share = code_share if block.kind == "code" else 1.0
            procedure = bool(steps_bonus) and block.kind == "steps" and _titled(block, leaf, q)
            score = (share * sum(weight(t) for t in words) + sum(weight(t) for t in words & focused)
                     + HEADING_SHARE * sum(weight(t) for t in heading - words)
                     - HIT_PENALTY * hi + (steps_bonus if procedure else 0.0)
                     + (cue_bonus if cued(text) else 0.0))
            cands.append(_Candidate(hi, block, text, words | heading, score, procedure=procedure))
    if not cands:
        return None
    cands.sort(key=lambda c: c.score, reverse=True)
    cands = cands[:CANDIDATES]
    if similarity is not None:
        sims = similarity([c.text[:SIMILARITY_CHARS] for c in cands])
        for c, s in zip(cands, sims):
            c.sim = float(s)
            c.score += SIMILARITY_WEIGHT * c.sim
        cands.sort(key=lambda c: c.score, reverse=True)
    # A procedure on the best block's page answers a "how do I" about it, titled or not.
    page = hits[cands[0].hit].chunk.source
    lead = next((c for c in cands if c.procedure or (steps_bonus and c.block.kind == "steps"
                                                     and hits[c.hit].chunk.source == page)), None)
    if lead is not None and lead is not cands[0] and lead.score >= cands[0].score - PROCEDURE_MARGIN:
        cands.remove(lead)
        cands.insert(0, lead)
    best = cands[0]
    budget = limit or ANSWER_CHARS.get(prose_language(best.text), ANSWER_CHARS["en"])
    chosen: list[tuple[_Candidate, str]] = [(best, best.text)]
    quoted = {best.block.core.strip()}
    covered = set(best.words)
    used = len(best.text)

    def take(c: _Candidate, scope: set[str]) -> bool:
        nonlocal used, covered
        room = budget - used - 2
        if c.block.kind in ("list", "table") and not _named(c.block.items, scope, weight):
            scope = q  # the rows the question names, though another block covered their words
        piece = c.text if len(c.text) <= room else _fit(c.block, scope, weight, room)
        if room < 40 or not piece or len(piece) > room or c.block.core.strip() in quoted:
            return False  # no room, or the same words from another hit of the same section
        quoted.add(c.block.core.strip())
        chosen.append((c, piece))
        covered |= c.words
        used += len(piece) + 2
        return True

    # Each part of a question asked in several ("How long to Chengdu? And the shipping cost?")
    # gets the block closest to that part alone: by its words, and by its similarity to the part
    # (the whole question reads like its longest part). When that block is quoted already but holds
    # too few of the part's words, the next closest that holds some. A follow-up's own part only.
    parts = question_parts(question)
    for part in parts if len(parts) > 1 else []:
        words = q & set(tokenize(part))
        if focused and not words & focused:
            continue
        sims = part_similarity(part, [c.text[:SIMILARITY_CHARS] for c in cands]) if part_similarity \
            else [c.sim for c in cands]
        ranked = [c for c, _ in sorted(zip(cands, sims), key=lambda x: sum(weight(t) for t in words & x[0].words)
                                       + SIMILARITY_WEIGHT * float(x[1]), reverse=True)]
        pick: _Candidate | None = ranked[0]
        if any(pick is x for x, _ in chosen):
            want = sum(weight(t) for t in words)
            if not want or sum(weight(t) for t in words & covered) >= PART_COVERED * want:
                continue
            pick = next((c for c in ranked if all(c is not x for x, _ in chosen) and words & c.words), None)
        if pick is not None and len(chosen) < MAX_PARTS:
            take(pick, words or q)
    # A short section headed by what the question names is quoted whole, in the page's order: the
    # sentence after a config block ("Simply replace the URL ...") is not the answer without it.
    # Its own heading only, not the page title: a page's untitled opening is no such section.
    sec = sections[best.hit]
    leaf = q & set(tokenize((hits[best.hit].chunk.section or "").rsplit(" > ", 1)[-1]))
    thinned = best.block.kind in ("list", "table") and best.text != best.block.text
    fits = sum(len(b.text) + 2 for b in sec) <= budget - used + len(best.text)
    if leaf and not thinned and 1 < len(sec) <= WHOLE_BLOCKS and fits:
        for b in sec:
            if b is not best.block and _says_something(b):
                take(_Candidate(best.hit, b, b.text, q & set(tokenize(b.text)), 0.0, best.sim), q)
    # Another part of the question, answered elsewhere; or as close to the question in the same page.
    for c in cands[1:]:
        if len(chosen) >= MAX_PARTS:
            break
        gain = sum(weight(t) for t in c.words - covered) / total
        near = (hits[c.hit].chunk.source == hits[best.hit].chunk.source and similarity is not None
                and c.sim >= best.sim - NEAR)
        far = similarity is not None and c.sim < best.sim - FAR
        if near or (gain >= MIN_GAIN and not far):
            take(c, q - covered or q)
    # What follows the best block in its section, while it fits and stays as close to the question:
    # a help page's next paragraph often holds the condition or the number the first one lacks.
    # Not after the items of a list or table the question named: they are the answer.
    blocks = sections[best.hit]
    at = next((i for i, b in enumerate(blocks) if b is best.block), None)
    if at is not None and not thinned and len(chosen) < MAX_PARTS:
        taken = {id(c.block) for c, _ in chosen}
        known = {id(c.block): c.sim for c in cands}
        after = [(b, _fit(b, q, weight, budget)) for b in blocks[at + 1:at + 3]
                 if id(b) not in taken and _says_something(b)]
        after = [(b, t) for b, t in after if t]
        missing = [t[:SIMILARITY_CHARS] for b, t in after if id(b) not in known]
        if similarity is not None and missing:
            known.update(zip([id(b) for b, _ in after if id(b) not in known], map(float, similarity(missing))))
        for b, t in after:
            sim = known.get(id(b), best.sim)
            if len(chosen) >= MAX_PARTS or sim < best.sim - FOLLOW:
                break
            if not take(_Candidate(best.hit, b, t, q & set(tokenize(t)), 0.0, sim), q):
                break
    # In the page's order within the best block's section, the other parts after it.
    order = {id(b): i for i, b in enumerate(blocks)}
    same = sorted((x for x in chosen if x[0].hit == best.hit and id(x[0].block) in order),
                  key=lambda x: order[id(x[0].block)])
    rest = [x for x in chosen if not (x[0].hit == best.hit and id(x[0].block) in order)]
    parts = [Part(c.hit, text) for c, text in same + rest]
    return Composed(parts)


def _titled(block: Block, leaf: set[str], q: set[str]) -> bool:
    """Whether a procedure is about what the question names: its own heading (``leaf``: the
    question words it holds) or its lead-in shares a word."""
    return bool(leaf or q & set(tokenize(block.lead)))


def _place(hit: Hit) -> tuple[str, str]:
    return hit.chunk.source, hit.chunk.section


def _says_something(block: Block) -> bool:
    text = block.text
    if block.kind == "prose" and text.rstrip().endswith(("?", "？")) and len(text) < 200:
        return False  # a question does not answer a question ("Q: How long ...?")
    return bool(re.search(r"[^\W_]", text))


def _fit(block: Block, q: set[str], weight, budget: int, focused: set[str] | frozenset = frozenset()) -> str:
    """The block in at most ``budget`` characters, keeping what the question names (``focused``:
    the words that matter most, a follow-up's own)."""
    whole = block.render()
    if block.kind == "prose":
        if len(whole) <= budget:
            return whole
        window = PROSE_WINDOW.get(prose_language(whole), PROSE_WINDOW["en"])
        return _sentences(block.body, q, weight, min(budget, window))
    if block.kind == "code":
        return whole if len(whole) <= budget else _code_lines(block, q, weight, budget)
    items = block.items
    if block.kind in ("list", "table"):
        # Only the items the question names, when it names some but not all of them.
        named = _named(items, q, weight, focused)
        if named and len(named) < len(items) and not _names_all(block, q) \
                and len(block.core) > SHORT_LIST:
            items = named
    # The items named, when not all fit, by how much of the question their label or first cell
    # names ("Glass teapots" before "Clay teapots", the "Guard Plus" row before the "Guard" one),
    # else in the page's order; quoted in the page's order, and a whole list from its start.
    ranked = sorted(items, key=lambda it: -sum(weight(t) for t in q & _name(it))) \
        if items is not block.items else items
    kept: list[str] = []
    for item in ranked:
        trial = [it for it in items if it in kept or it == item]
        if len(block.render(trial, cut=True)) > budget:
            break
        kept = trial
    if not kept:
        # Not even one item fits: a lead-in alone ("Troubleshooting:") says nothing, nor does a
        # table row without its header.
        lead = "" if block.lead.rstrip().endswith((":", "：")) \
            else block.lead or (items[0] if items and block.kind != "table" else "")
        return _sentences(lead, q, weight, budget) if lead else ""
    # A list thinned to the items asked about says that it goes on ("What gets exported: - App
    # configuration" is not the whole of it); a table's header already says it is an excerpt.
    listed = block.items if block.kind == "list" else items
    return block.render(kept, cut=len(kept) < len(listed))


def _code_lines(block: Block, q: set[str], weight, budget: int) -> str:
    """A long code block cut to the stanzas (lines between blank lines: a comment and its setting)
    that share the most question words, inside the fence, "…" where lines were left out: a
    config file or a list of variables answers a question about one setting with its lines."""
    lines = block.body.split("\n")
    if len(lines) < 3 or not lines[0].startswith(("```", "~~~")) or not lines[-1].startswith(lines[0][:3]):
        return ""  # not one whole fenced block: quoting part of it could leave a fence open
    stanzas: list[list[str]] = [[]]
    for line in lines[1:-1]:
        if line.strip():
            stanzas[-1].append(line)
        elif stanzas[-1]:
            stanzas.append([])
    stanzas = [st for st in stanzas if st]
    scores = [sum(weight(t) for t in q & set(tokenize("\n".join(st)))) for st in stanzas]
    top = max(scores, default=0)
    if not top:
        return ""
    kept: list[int] = []
    for i in sorted(range(len(stanzas)), key=lambda i: (-scores[i], i)):
        if scores[i] < CODE_STANZA * top:
            break
        trial = sorted(kept + [i])
        if len(_render_code(block, lines[0], lines[-1], stanzas, trial)) > budget:
            break
        kept = trial
    return _render_code(block, lines[0], lines[-1], stanzas, kept) if kept else ""


def _render_code(block: Block, opening: str, closing: str, stanzas: list[list[str]], kept: list[int]) -> str:
    out: list[str] = [opening]
    last = -1
    for i in kept:
        if i > last + 1:
            out.append("…")  # lines left out
        elif last >= 0:
            out.append("")  # the blank line between two stanzas kept side by side
        out.extend(stanzas[i])
        last = i
    if last < len(stanzas) - 1:
        out.append("…")
    out.append(closing)
    code = "\n".join(out)
    return f"{block.lead}\n{code}".strip() if block.lead else code


_LABEL = re.compile(r"^\s*(?:[-*+•]\s+)?(?:\*\*|__)?([^:：*_|\n]{1,60}?)(?:\*\*|__)?\s*[:：]|^\s*[-*+•]\s+\*\*([^*\n]{1,60})\*\*")


def _named(items: list[str], q: set[str], weight, focused: set[str] | frozenset = frozenset()) -> list[str]:
    """The items the question names: by their label ("**Tea:** ...") when labels name any, else
    those sharing nearly as much of the question as the best item; and those naming a ``focused``
    word ("用Visa呢？" after a question about Alipay refunds: the Visa row too)."""
    named = _by_words(items, q, weight)
    if focused:
        named = [it for it in items if it in named or focused & set(tokenize(it))]
    return named


def _by_words(items: list[str], q: set[str], weight) -> list[str]:
    """The items whose label names a question word, else those sharing the most question words;
    and the table rows whose first cell the question names in full (the "Nestwave Guard" row,
    which shares fewer words than the "Nestwave Guard Plus" one)."""
    by_label = [it for it in items if q & _label(it)]
    if by_label:
        return by_label
    scores = [sum(weight(t) for t in q & set(tokenize(it))) for it in items]
    top = max(scores, default=0)
    cells = [_first_cell(it) for it in items]
    return [it for it, sc, cell in zip(items, scores, cells) if (top and sc >= 0.6 * top) or (cell and cell <= q)]


def _label(item: str) -> set[str]:
    """The words of a list item's label ("**Glass teapots:** ...")."""
    return set(tokenize(m.group(1) or m.group(2))) if (m := _LABEL.match(item)) else set()


def _first_cell(item: str) -> set[str]:
    """The words of a table row's first cell."""
    return set(tokenize(row[0])) if (row := row_cells(item)) else set()


def _name(item: str) -> set[str]:
    """The words that name an item: its label, else a row's first cell (a row has no label)."""
    return _label(item) or _first_cell(item)


def _names_all(block: Block, q: set[str]) -> bool:
    """Whether the question is about the list as a whole (its lead-in holds the question's words)."""
    lead = q & set(tokenize(block.lead)) if block.lead else set()
    return len(lead) >= 2


def _sentences(text: str, q: set[str], weight, budget: int) -> str:
    """The sentence of ``text`` that shares the most question words, with the sentences around it
    while they fit in ``budget``; cut ends are marked with an ellipsis."""
    parts = split_sentences(text)
    if not parts:
        return ""
    joiner = "" if detect_language(text) == "zh" else " "
    best = max(range(len(parts)), key=lambda i: (sum(weight(t) for t in q & set(tokenize(parts[i]))), -i))
    if len(parts[best]) + 2 > budget:
        return parts[best][: budget - 2] + "…"
    lo = hi = best

    def size(a: int, b: int) -> int:
        return len(joiner.join(parts[a:b + 1])) + 2

    grew = True
    while grew:
        grew = False
        if hi + 1 < len(parts) and size(lo, hi + 1) <= budget:
            hi, grew = hi + 1, True
        if lo > 0 and size(lo - 1, hi) <= budget:
            lo, grew = lo - 1, True
    out = joiner.join(parts[lo:hi + 1])
    return ("…" if lo > 0 else "") + out + ("…" if hi < len(parts) - 1 else "")
