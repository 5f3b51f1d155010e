"""Markdown dialects and MDX -> plain CommonMark that reads like the rendered page.

Help centers write Obsidian (wiki links, ``![[embeds]]``, ``^block-ids``, ``> [!note]``
callouts), GitHub alerts, MkDocs ``!!!`` and Docusaurus ``:::`` admonitions, and MDX
(Docusaurus, Mintlify, Nextra: ``import`` lines, ``<Note>``, ``<Steps>``, ``<Tabs>``...).
``normalise`` keeps what a reader sees: prose, headings, lists, tables, code fences (whole, never
altered inside), bold and web links; callouts become labelled text ("Note: ..." / "注意：..."),
steps become "Step 1: Title. ..." lines, an accordion's title becomes a heading one level down
(so the splitter's sections follow it); images, embeds, comments and other markup go.
It is a line-based pass, not a parser: MDX is not CommonMark (indented component bodies would
read as code blocks to a Markdown parser), and the loader after it only needs headings and blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lang import detect_language

__all__ = ["normalise", "FrontMatter", "callout_label", "CALLOUT_KINDS"]

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


_FENCE = re.compile(r"^([ \t]*)(`{3,}(?!.*`)|~{3,})(.*)$")  # "```a```" is inline code, not a fence
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_COMMENTS = re.compile(r"<!--.*?-->|\{/\*.*?\*/\}|%%.*?%%", re.S)
# MDX reads a paragraph that starts with import/export at the margin as JavaScript.
_IMPORTS = re.compile(r"^(?:import|export)\s(?:[^\n]+\n)*?[^\n]*?(?:['\"];?|;|\})[ \t]*$", re.M)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_EMBEDS = re.compile(
    r"!\[\[[^\]\n]*\]\]|!\[[^\]\n]*\]\([^)\n]*\)|!\[[^\]\n]*\]\[[^\]\n]*\]"
    r"|<(?:img|video|audio|iframe|source)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>(?:\s*</(?:video|audio|iframe)>)?",
    re.I,
)
_WIKI = re.compile(r"\[\[([^\]|#\n]*)(?:#\^?([^\]|\n]*))?(?:\|([^\]\n]*))?\]\]")
_LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)\n]*)?\)")
_BLOCK_ID = re.compile(r"(?m)(?:^|[ \t]+)\^[A-Za-z0-9][A-Za-z0-9-]*[ \t]*$")
_HIGHLIGHT = re.compile(r"==([^=\n]+)==")
_ESCAPE = re.compile(r"\\([$<>{}])")
_TAG_ATTRS = r"(?:[^>\"'{}]|\"[^\"]*\"|'[^']*'|\{[^{}]*\})*"
_TAG = re.compile(rf"<(/?)([A-Za-z][\w.:-]*)({_TAG_ATTRS}?)(/?)>", re.S)
_TITLE_ATTR = re.compile(r"""\btitle\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*["'`]([^"'`]*)["'`]\s*\})""")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_LIST_ITEM = re.compile(r"^([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+")
_BLOCK_START = re.compile(r"^(?:[-*+][ \t]|\d{1,9}[.)][ \t]|\||#|>|`{3}|~{3})")
_GITHUB_ALERT = re.compile(r"^[ \t]*>[ \t]*\[!(\w+)\][+-]?[ \t]*(.*)$")
_MKDOCS = re.compile(r"^(!!!|\?\?\?\+?)[ \t]+(\w+)(?:[ \t]+\"(.*)\")?[ \t]*$")
_DOCUSAURUS_OPEN = re.compile(
    r"^[ \t]*:{3,}[ \t]*(\w+)(?:[ \t]*\[(.*)\]|[ \t]+(.*?))?[ \t]*(?:\{.*\})?[ \t]*$"
)
_DOCUSAURUS_CLOSE = re.compile(r"^[ \t]*:{3,}[ \t]*$")
_LABEL = "\x01"  # wraps a label line until the next line is known: LABEL text JOIN joiner LABEL
_JOIN = "\x02"
_CODE = "\x03"  # wraps the number of an inline code span kept aside
_INLINE_BREAKS = {"br", "hr"}
_SECTIONS = {"accordion", "expandable", "details"}  # collapsed blocks whose title is a heading
_LIST_TAGS = {"ul", "ol", "li"}


@dataclass
class FrontMatter:
    """What a page's front matter says about it."""

    title: str = ""
    description: str = ""
    fields: dict = field(default_factory=dict)


def normalise(text: str, *, mdx: bool = False) -> tuple[str, FrontMatter]:
    """Markdown of any dialect (or MDX) -> CommonMark prose, and the page's front matter."""
    front, text = _front_matter(text)
    lang = detect_language(front.description + _COMMENTS.sub("", text))
    out: list[str] = [front.description, ""] if front.description else []
    prose: list[str] = []
    lines = iter(text.split("\n"))
    for line in lines:
        opened = _FENCE.match(line)
        if not opened:
            prose.append(line)
            continue
        out.extend(_prose("\n".join(prose), lang, mdx))
        prose.clear()
        out.extend(_fence(opened, lines))
    out.extend(_prose("\n".join(prose), lang, mdx))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n", front


def _front_matter(text: str) -> tuple[FrontMatter, str]:
    found = _FRONT_MATTER.match(text)
    if not found:
        return FrontMatter(), text
    import yaml

    try:
        fields = yaml.safe_load(found.group(1))
    except yaml.YAMLError:
        fields = None
    if not isinstance(fields, dict):  # not YAML after all: a thematic break, keep the text
        return FrontMatter(), text
    fields = {str(k): v for k, v in fields.items()}

    def string(key: str) -> str:
        value = fields.get(key)
        return " ".join(str(value).split()) if isinstance(value, (str, int, float)) else ""

    return FrontMatter(string("title"), string("description"), fields), text[found.end() :]


def _fence(opened: re.Match, lines) -> list[str]:
    """A code fence verbatim, moved to the left margin; an unclosed one is closed."""
    indent, marker, info = opened.groups()
    close = re.compile(rf"^[ \t]*{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
    block = ["", marker + info.rstrip()]
    for line in lines:
        if close.match(line):
            break
        block.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
    else:  # the file ends inside the fence: its trailing blank lines are not code
        while len(block) > 2 and not block[-1].strip():
            block.pop()
    return [*block, marker, ""]


def _prose(text: str, lang: str, mdx: bool) -> list[str]:
    spans: list[str] = []

    def keep(m: re.Match) -> str:  # code spans are shown as written: no rule below touches them
        spans.append(m.group(0))
        return f"{_CODE}{len(spans) - 1}{_CODE}"

    text = _CODE_SPAN.sub(keep, _COMMENTS.sub("", text))
    if mdx:
        text = _IMPORTS.sub("", text)
    text = _EMBEDS.sub("", text)
    text = _WIKI.sub(_wiki_text, text)
    text = _LINK.sub(_link_text, text)
    text = _BLOCK_ID.sub("", text)
    text = _HIGHLIGHT.sub(r"\1", text)
    text = _ESCAPE.sub(r"\1", text)
    # A tag written over several lines is one tag: put it on one line for the line pass.
    text = _TAG.sub(lambda m: " ".join(m.group(0).split()), text)
    lines = _Lines(lang).run(_admonitions(text.split("\n"), lang))
    restore = re.compile(f"{_CODE}(\\d+){_CODE}")
    return [restore.sub(lambda m: spans[int(m.group(1))], line) for line in lines]


def _wiki_text(m: re.Match) -> str:
    page, heading, alias = (g.strip() if g else "" for g in m.groups())
    if alias:
        return alias
    if heading and not m.group(2).startswith("^"):
        return f"{page} > {heading}" if page else heading
    return page


def _link_text(m: re.Match) -> str:
    text, url = m.group(1), m.group(2)
    if not text.strip():
        return ""
    return m.group(0) if re.match(r"(?i)(?:https?://|mailto:)", url) else text


def _admonitions(lines: list[str], lang: str) -> list[str]:
    """GitHub/Obsidian ``> [!x]``, MkDocs ``!!! x`` and Docusaurus ``:::x`` blocks -> label lines."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if found := _GITHUB_ALERT.match(line):
            out += ["", _label(lang, found.group(1), found.group(2))]
            i += 1
            while i < len(lines) and lines[i].lstrip().startswith(">"):
                out.append(re.sub(r"^[ \t]*>[ \t]?", "", lines[i]))
                i += 1
            out.append("")
            continue
        if found := _MKDOCS.match(line):
            out += ["", _label(lang, found.group(2), found.group(3) or "")]
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(("    ", "\t"))):
                out.append(lines[i][4:] if lines[i].startswith("    ") else lines[i].lstrip("\t"))
                i += 1
            out.append("")
            continue
        if (found := _DOCUSAURUS_OPEN.match(line)) and not _DOCUSAURUS_CLOSE.match(line):
            out += ["", _label(lang, found.group(1), found.group(2) or found.group(3) or "")]
        elif _DOCUSAURUS_CLOSE.match(line):
            out.append("")
        else:
            out.append(line)
        i += 1
    return out


def _label(lang: str, kind: str, title: str = "") -> str:
    name = callout_label(kind, lang)
    title = _TAG.sub("", title).strip()
    colon = "：" if lang == "zh" else ": "
    return _label_line(f"{name}{colon}{title}", _sentence(lang)) if title else _label_line(name, colon)


def _label_line(text: str, joiner: str) -> str:
    """A line that the next prose line joins (``text + joiner + line``), or that stands alone."""
    return f"{_LABEL}{text}{_JOIN}{joiner}{_LABEL}"


def _sentence(lang: str) -> str:
    return "。" if lang == "zh" else ". "


class _Lines:
    """The line pass over prose: MDX/HTML tags, label lines, indentation, stray emphasis."""

    def __init__(self, lang: str):
        self.lang = lang
        self.colon = "：" if lang == "zh" else ": "
        self.out: list[str] = []
        self.steps: list[int] = []  # a counter per open <Steps>
        self.headings: list[tuple[int, str]] = []  # the Markdown headings above this line
        self.sections: list[tuple[int, str] | None] = []  # per open <Accordion>: heading to restore
        self.lists: list[int] = []  # raw indents of the open list levels

    def run(self, lines: list[str]) -> list[str]:
        for line in lines:
            stripped = line.strip()
            tags = [t for t in _TAG.finditer(stripped) if _is_markup(t)]
            if tags and not _TAG.sub("", stripped).strip():
                for tag in tags:
                    self.block_tag(tag)
            else:
                self.text(line)
        return _balance_emphasis(_merge_labels(self.out, self.lang))

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
            self.out.append(_label(self.lang, low))
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
        body = self.inline_tags(line.strip())
        if heading := _HEADING.match(body):
            self.note_heading(len(heading.group(1)), heading.group(2))
            self.lists.clear()
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
        line = _TAG.sub(replace, line)
        line = re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", line)
        if table:
            line = re.sub(r"[ \t]+;", ";", line)
            line = re.sub(r"([.。!?！？]);|;(?=[ \t]*(?:\||$))", r"\1", line)
        return re.sub(r"\n[ \t]+", "\n", line).strip(" ")


def _merge_labels(lines: list[str], lang: str) -> list[str]:
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
