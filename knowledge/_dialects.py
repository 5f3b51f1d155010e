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

from ._tags import TAG, TagLines, callout_line
from .lang import detect_language

__all__ = ["normalise", "FrontMatter"]

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
_GITHUB_ALERT = re.compile(r"^[ \t]*>[ \t]*\[!(\w+)\][+-]?[ \t]*(.*)$")
_MKDOCS = re.compile(r"^(!!!|\?\?\?\+?)[ \t]+(\w+)(?:[ \t]+\"(.*)\")?[ \t]*$")
_DOCUSAURUS_OPEN = re.compile(
    r"^[ \t]*:{3,}[ \t]*(\w+)(?:[ \t]*\[(.*)\]|[ \t]+(.*?))?[ \t]*(?:\{.*\})?[ \t]*$"
)
_DOCUSAURUS_CLOSE = re.compile(r"^[ \t]*:{3,}[ \t]*$")
_CODE = "\x03"  # wraps the number of an inline code span kept aside


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
    kept: list[str] = []  # code spans and fences, set aside so that no rule touches them

    def keep(code: str) -> str:
        kept.append(code)
        return f"{_CODE}{len(kept) - 1}{_CODE}"

    # One pass over the whole page: a <Steps> or an accordion may hold code fences.
    tags = TagLines(lang)
    prose: list[str] = [front.description, ""] if front.description else []
    lines = iter(text.split("\n"))
    for line in lines:
        opened = _FENCE.match(line)
        if not opened:
            prose.append(line)
            continue
        tags.feed(_prose("\n".join(prose), lang, mdx, keep))
        prose.clear()
        tags.feed(["", "```" + keep(_fence(opened, lines)), ""])  # read as a block by the pass
    tags.feed(_prose("\n".join(prose), lang, mdx, keep))
    out = re.sub(f"(?:```)?{_CODE}(\\d+){_CODE}", lambda m: kept[int(m.group(1))], "\n".join(tags.finish()))
    return re.sub(r"\n{3,}", "\n\n", out).strip() + "\n", front


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


def _fence(opened: re.Match, lines) -> str:
    """A code fence verbatim, moved to the left margin; an unclosed one is closed."""
    indent, marker, info = opened.groups()
    close = re.compile(rf"^[ \t]*{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
    block = [marker + info.rstrip()]
    for line in lines:
        if close.match(line):
            break
        block.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
    else:  # the file ends inside the fence: its trailing blank lines are not code
        while len(block) > 1 and not block[-1].strip():
            block.pop()
    return "\n".join([*block, marker])


def _prose(text: str, lang: str, mdx: bool, keep) -> list[str]:
    """Prose lines with every dialect's markup made text (code spans set aside by ``keep``)."""
    text = _CODE_SPAN.sub(lambda m: keep(m.group(0)), _COMMENTS.sub("", text))
    if mdx:
        text = _IMPORTS.sub("", text)
    text = _EMBEDS.sub("", text)
    text = _WIKI.sub(_wiki_text, text)
    text = _LINK.sub(_link_text, text)
    text = _BLOCK_ID.sub("", text)
    text = _HIGHLIGHT.sub(r"\1", text)
    text = _ESCAPE.sub(r"\1", text)
    # A tag written over several lines is one tag: put it on one line for the line pass.
    text = TAG.sub(lambda m: " ".join(m.group(0).split()), text)
    return _admonitions(text.split("\n"), lang)


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
            out += ["", callout_line(lang, found.group(1), found.group(2))]
            i += 1
            while i < len(lines) and lines[i].lstrip().startswith(">"):
                out.append(re.sub(r"^[ \t]*>[ \t]?", "", lines[i]))
                i += 1
            out.append("")
            continue
        if found := _MKDOCS.match(line):
            out += ["", callout_line(lang, found.group(2), found.group(3) or "")]
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(("    ", "\t"))):
                out.append(lines[i][4:] if lines[i].startswith("    ") else lines[i].lstrip("\t"))
                i += 1
            out.append("")
            continue
        if (found := _DOCUSAURUS_OPEN.match(line)) and not _DOCUSAURUS_CLOSE.match(line):
            out += ["", callout_line(lang, found.group(1), found.group(2) or found.group(3) or "")]
        elif _DOCUSAURUS_CLOSE.match(line):
            out.append("")
        else:
            out.append(line)
        i += 1
    return out


