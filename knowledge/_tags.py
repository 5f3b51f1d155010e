"""Tags in Markdown prose -> text: MDX components and inline HTML, with labels in the page's language.

``TagLines`` is the line pass behind ``_dialects.normalise``: a component alone on its lines is a
block (a callout gets a label line, a step a numbered label, an accordion a heading), a tag inside
a line is inline (a callout label, a line break, "a; b" for a list in a table cell); the markup
itself goes. Label lines (also made by ``callout_line`` for other dialects' callouts) are joined
to the prose line after them.
"""

from __future__ import annotations

import re

__all__ = ["CALLOUT_KINDS", "TAG", "TagLines", "callout_label", "callout_line", "merge_labels"]

_LABELS = {
    "en": {"note": "Note", "tip": "Tip", "important": "Important", "warning": "Warning",
           "caution": "Caution", "danger": "Danger", "step": "Step {n}"},
    "zh": {"note": "注意", "tip": "提示", "important": "重要", "warning": "警告",
           "caution": "小心", "danger": "危险", "step": "第 {n} 步"},
}
# Callout names of every dialect (Obsidian has the most) -> the label kinds above.
_CALLOUTS = {
    "note": "note", "info": "note", "abstract": "note", "summary": "note", "tldr": "note",
    "todo": "note", "example": "note", "quote": "note", "cite": "note", "seealso": "note",
    "check": "note", "success": "note", "done": "note", "question": "note", "help": "note",
    "faq": "note", "tip": "tip", "hint": "tip", "important": "important", "warning": "warning",
    "warn": "warning", "attention": "warning", "caution": "caution", "danger": "danger",
    "error": "danger", "failure": "danger", "fail": "danger", "missing": "danger", "bug": "danger",
}

CALLOUT_KINDS = frozenset(_CALLOUTS)


def callout_label(kind: str, lang: str) -> str:
    """The reader's label for a callout kind ("warning" -> "Warning" / "警告"); unknown kinds are notes."""
    return _LABELS[lang][_CALLOUTS.get(kind.lower(), "note")]


_TAG_ATTRS = r"(?:[^>\"'{}]|\"[^\"]*\"|'[^']*'|\{[^{}]*\})*"
TAG = re.compile(rf"<(/?)([A-Za-z][\w.:-]*)({_TAG_ATTRS}?)(/?)>", re.S)
_TITLE_ATTR = re.compile(r"""\btitle\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*["'`]([^"'`]*)["'`]\s*\})""")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_BADGE = re.compile(r"<(Badge|Tag|Pill|Chip)\b[^>]*>(.*?)</\1>", re.I)
_LIST_ITEM = re.compile(r"^([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+")
_BLOCK_START = re.compile(r"^(?:[-*+][ \t]|\d{1,9}[.)][ \t]|\||#|>|`{3}|~{3})")
_LABEL = "\x01"  # wraps a label line until the next line is known: LABEL text JOIN joiner LABEL
_JOIN = "\x02"
_INLINE_BREAKS = {"br", "hr"}
_SECTIONS = {"accordion", "expandable", "details"}  # collapsed blocks whose title is a heading
_LIST_TAGS = {"ul", "ol", "li"}


def callout_line(lang: str, kind: str, title: str = "") -> str:
    """The label line of a callout: "Note" (the next line joins it as "Note: ...") or "Note: title"."""
    name = callout_label(kind, lang)
    title = TAG.sub("", title).strip()
    colon = "：" if lang == "zh" else ": "
    return _label_line(f"{name}{colon}{title}", _sentence(lang)) if title else _label_line(name, colon)


def _label_line(text: str, joiner: str) -> str:
    """A line that the next prose line joins (``text + joiner + line``), or that stands alone."""
    return f"{_LABEL}{text}{_JOIN}{joiner}{_LABEL}"


def _sentence(lang: str) -> str:
    return "。" if lang == "zh" else ". "


class TagLines:
    """The line pass over prose: MDX/HTML tags, label lines, indentation, stray emphasis.

    ``feed`` it a page's lines in order, then ``finish`` returns them with every tag turned into
    text or gone.
    """

    def __init__(self, lang: str):
        self.lang = lang
        self.colon = "：" if lang == "zh" else ": "
        self.out: list[str] = []
        self.steps: list[int] = []  # a counter per open <Steps>
        self.headings: list[tuple[int, str]] = []  # the Markdown headings above this line
        self.sections: list[tuple[int, str] | None] = []  # per open <Accordion>: heading to restore
        self.lists: list[int] = []  # raw indents of the open list levels

    def feed(self, lines: list[str]) -> None:
        """Read the next lines of the page."""
        for line in lines:
            stripped = line.strip()
            tags = [t for t in TAG.finditer(stripped) if _is_markup(t)]
            if tags and not TAG.sub("", stripped).strip():
                for tag in tags:
                    self.block_tag(tag)
            else:
                self.text(line)

    def finish(self) -> list[str]:
        """The page's lines, labels joined to their text and stray ``**`` gone."""
        return _balance_emphasis(merge_labels(self.out, self.lang))

    def block_tag(self, tag: re.Match) -> None:
        closing, name, attrs, selfclosing = tag.groups()
        low, title = name.lower(), _title(attrs)
        self.lists.clear()
        self.out.append("")
        if closing or selfclosing:
            if low == "steps" and closing and self.steps:
                self.steps.pop()
            elif low in _SECTIONS and closing:
                self.close_section()
        elif low in _CALLOUTS:
            self.out.append(callout_line(self.lang, low))
        elif low == "steps":
            self.steps.append(0)
        elif low == "step":
            if self.steps:
                self.steps[-1] += 1
            step = _LABELS[self.lang]["step"].format(n=self.steps[-1] if self.steps else 1)
            if title:
                self.out.append(_label_line(f"{step}{self.colon}{title}", _sentence(self.lang)))
            else:
                self.out.append(_label_line(step, self.colon))
        elif low in _SECTIONS:
            self.open_section(title)
        elif title:  # a tab, card, column...: its title leads its text
            self.out.append(_label_line(title, self.colon))

    def open_section(self, title: str) -> None:
        self.sections.append(self.headings[-1] if self.headings else None)
        if title:
            level = min(6, self.headings[-1][0] + 1 if self.headings else 2)
            self.out += ["#" * level + " " + title, ""]
            self.note_heading(level, title)

    def close_section(self) -> None:
        parent = self.sections.pop() if self.sections else None
        if parent:  # text after the accordion belongs to the heading above it again
            self.out += ["#" * parent[0] + " " + parent[1], ""]
            self.note_heading(*parent)

    def note_heading(self, level: int, text: str) -> None:
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, text))

    def text(self, line: str) -> None:
        indent = len(line) - len(line.lstrip())
        stripped, badges = line.strip(), []
        if _HEADING.match(stripped):  # badges beside a heading ("Team") are said under it, with it
            badges = [m.group(2).strip() for m in _BADGE.finditer(stripped) if m.group(2).strip()]
            stripped = _BADGE.sub("", stripped)
        body = self.inline_tags(stripped)
        if heading := _HEADING.match(body):
            self.note_heading(len(heading.group(1)), heading.group(2))
            self.lists.clear()
            if badges:  # said with what they label: "Load balancing: Professional, Team"
                body += f"\n\n{heading.group(2).strip()}: {', '.join(badges)}"
        if not body.strip():
            self.out.append("")
            return
        if _LIST_ITEM.match(line):
            while self.lists and self.lists[-1] > indent:
                self.lists.pop()
            if not self.lists or indent > self.lists[-1]:
                self.lists.append(indent)
            body = "    " * (len(self.lists) - 1) + body
        elif self.lists and indent <= self.lists[0] and self.out[-1:] == [""]:
            self.lists.clear()  # a paragraph at the list's margin ends the list
        self.out.extend(body.split("\n"))

    def inline_tags(self, line: str) -> str:
        table = line.startswith("|")

        def replace(tag: re.Match) -> str:
            closing, name, attrs, _ = tag.groups()
            low = name.lower()
            if not _is_markup(tag):
                return tag.group(0)
            if low in _CALLOUTS:
                return " " if closing else " " + _LABELS[self.lang][_CALLOUTS[low]] + self.colon
            if low in _INLINE_BREAKS:
                return " " if table else "\n"
            if low in _LIST_TAGS:
                if table:  # a list in a cell reads "a; b; c"
                    return "" if low == "li" and closing else "; "
                return "\n- " if (low == "li" and not closing) else "\n"
            if not closing and (title := _title(attrs)):
                return title + self.colon
            return ""

        if table:  # a list in a table cell reads "a; b": no separator before its first item
            line = re.sub(r"<(?:ul|ol)\b[^>]*>\s*<li\b[^>]*>", " ", line, flags=re.I)
        line = TAG.sub(replace, line)
        line = re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", line)
        if table:
            line = re.sub(r"[ \t]+;", ";", line)
            line = re.sub(r"([.。!?！？]);|;(?=[ \t]*(?:\||$))", r"\1", line)
        return re.sub(r"\n[ \t]+", "\n", line).strip(" ")


def merge_labels(lines: list[str], lang: str) -> list[str]:
    """A label line joins the prose line after it; before a list, table or code it stays alone."""
    out: list[str] = []
    pending: tuple[str, str] | None = None
    for line in lines:
        if line.startswith(_LABEL) and line.endswith(_LABEL):
            if pending:
                out += [pending[0], ""]
            text, joiner = line.strip(_LABEL).split(_JOIN)
            pending = (text, joiner)
            continue
        if pending and line.strip():
            text, joiner = pending
            pending = None
            if _BLOCK_START.match(line):
                out += [text, ""]
            else:
                if text[-1] in ".?!:。？！：":
                    joiner = " " if lang == "en" else ""
                line = text + joiner + line
        out.append(line)
    if pending:
        out.append(pending[0])
    return out


def _title(attrs: str) -> str:
    found = _TITLE_ATTR.search(attrs or "")
    return " ".join(next(g for g in found.groups() if g is not None).split()) if found else ""


def _is_markup(tag: re.Match) -> bool:
    # "a <b> c" in prose is markup, "x < 3 and y > 2" never matches; an autolink is not a tag.
    return ":" not in tag.group(2) and "@" not in tag.group(0)


def _balance_emphasis(lines: list[str]) -> list[str]:
    """A paragraph with an odd number of ``**`` loses them all: a stray one would bold the rest."""
    out: list[str] = []
    start = 0
    for i in range(len(lines) + 1):
        if i == len(lines) or not lines[i].strip():
            paragraph = lines[start:i]
            if sum(line.count("**") for line in paragraph) % 2:
                paragraph = [line.replace("**", "") for line in paragraph]
            out += paragraph
            if i < len(lines):
                out.append(lines[i])
            start = i + 1
    return out
