"""Markdown, MDX, plain text and HTML loaders: one Document per heading section."""

from __future__ import annotations

import re

from ._dialects import normalise
from ._tags import CALLOUT_KINDS, callout_label
from ._textio import decode_text, tidy
from .lang import detect_language
from .types import Document, LoadedFile

__all__ = ["Sections", "load_markdown", "load_mdx", "load_text", "load_html"]


class Sections:
    """Collects text under the current heading path ("A > B") into one Document per section."""

    def __init__(self, source: str):
        self.source = source
        self.documents: list[Document] = []
        self.first_h1 = ""
        self._stack: list[tuple[int, str]] = []

    @property
    def path(self) -> str:
        """The current heading path, outermost first."""
        return " > ".join(text for _, text in self._stack)

    def heading(self, level: int, text: str) -> None:
        """Enter a heading; deeper or equal headings before it are closed."""
        text = " ".join(text.split())
        if not text:
            return
        if level <= 1 and not self.first_h1:
            self.first_h1 = text
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text))

    def text(self, body: str) -> None:
        """Add a block of text to the current section; blank text is ignored."""
        if body.strip():
            self.documents.append(Document(body, self.source, section=self.path))

    def finish(self, title: str) -> LoadedFile:
        """Stamp the file title on every document and return the loaded file."""
        for doc in self.documents:
            doc.title = title
        return LoadedFile(self.source, title, self.documents)


# --- Markdown ----------------------------------------------------------------------------------

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"\*\*|__|\*|`")
_BLANK_LINES = re.compile(r"\n{3,}")


def load_markdown(data: bytes, source: str, stem: str) -> LoadedFile:
    """Markdown of any common dialect: normalised (see ``_dialects``), then split by heading."""
    text, front = normalise(decode_text(data, source))
    return _sections(text, source, front.title or "", stem)


def load_mdx(data: bytes, source: str, stem: str) -> LoadedFile:
    """MDX (Docusaurus, Mintlify, Nextra): components keep their text and lose their markup."""
    text, front = normalise(decode_text(data, source), mdx=True)
    return _sections(text, source, front.title or "", stem)


def load_text(data: bytes, source: str, stem: str) -> LoadedFile:
    """Plain text, read as written; Markdown-style headings still start sections."""
    return _sections(decode_text(data, source), source, "", stem)


def _sections(text: str, source: str, meta_title: str, stem: str) -> LoadedFile:
    """ATX and setext headings become the section path; code fences are never read as headings."""
    sections = Sections(source)
    body: list[str] = []

    def flush() -> None:
        sections.text(_BLANK_LINES.sub("\n\n", "\n".join(line.rstrip() for line in body)).strip())
        body.clear()

    fence = ""
    for line in text.split("\n"):
        if fence:
            body.append(line)
            if re.match(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", line):
                fence = ""
            continue
        if opened := _FENCE.match(line):
            fence = opened.group(1)
            body.append(line)
        elif heading := _ATX.match(line):
            flush()
            sections.heading(len(heading.group(1)), _inline(heading.group(2) or ""))
        elif underline := _SETEXT.match(line):
            # Only a one-line paragraph right above counts; otherwise "---" is a thematic break.
            if body and body[-1].strip() and (len(body) == 1 or not body[-2].strip()):
                heading_text = body.pop()
                flush()
                sections.heading(1 if underline.group(1)[0] == "=" else 2, _inline(heading_text))
            elif underline.group(1)[0] == "=":
                body.append(line)
        else:
            body.append(line)
    flush()
    return sections.finish(meta_title or sections.first_h1 or stem)


def _inline(text: str) -> str:
    return _EMPHASIS.sub("", _LINK.sub(r"\1", text)).strip()


# --- HTML --------------------------------------------------------------------------------------

_DROP = ["script", "style", "nav", "aside", "form", "noscript", "template", "iframe", "svg", "head"]
_PAGE_CHROME = ["header", "footer"]
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = set(
    "p div section article main blockquote ul ol dl dt dd table figure figcaption address"
    " details summary hr header footer caption fieldset center".split()
)
_WHITESPACE = re.compile(r"\s+")
_LONE_BULLET = re.compile(r"(?m)^-[ \t]*\n+(?=\S)")
# Class words that mark a callout box in exported help centers (MkDocs "admonition note",
# Docusaurus "theme-admonition-tip", GitHub "markdown-alert-warning", Bootstrap "alert-info").
_CALLOUT_BOX = {"admonition", "callout", "alert", "notice", "aside"}
_CODE = "\x03"  # wraps the number of a code block kept aside from whitespace tidying


def load_html(data: bytes, source: str, stem: str) -> LoadedFile:
    """HTML: the main text only, page chrome dropped; h1-h6 become the section path."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(data, source), "lxml")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(_DROP) + soup.find_all(attrs={"role": "navigation"}):
        if not tag.decomposed:
            tag.decompose()
    for tag in soup.find_all(_PAGE_CHROME):
        # A header inside an article usually holds its h1, so only page-level chrome goes.
        if not tag.decomposed and tag.find_parent(["main", "article"]) is None:
            tag.decompose()
    roots = _outermost(soup, "main") or _outermost(soup, "article") or [soup.body or soup]
    lang = detect_language(" ".join(root.get_text(" ") for root in roots))
    walker = _HtmlWalker(Sections(source), lang)
    for root in roots:
        walker.walk(root)
        walker.flush()
    sections = walker.sections
    return sections.finish(" ".join(page_title.split()) or sections.first_h1 or stem)


def _outermost(soup, name: str) -> list:
    return [tag for tag in soup.find_all(name) if tag.find_parent(name) is None]


def _callout_kind(tag) -> str | None:
    """The callout kind of a box ("warning"), or None when the element is not a callout."""
    classes = [cls.lower() for cls in tag.get("class") or []]
    words = [w for cls in classes for w in re.split(r"[-_]+", cls)]
    if tag.get("role") == "alert" or _CALLOUT_BOX & set(words) or CALLOUT_KINDS & set(classes):
        return next((w for w in words if w in CALLOUT_KINDS), "note")
    return None


class _HtmlWalker:
    """Appends a section's text as Markdown: lists, tables with a header rule, fenced code."""

    def __init__(self, sections: Sections, lang: str, code: list[str] | None = None):
        self.sections, self.lang = sections, lang
        self.buf: list[str] = []
        self.code: list[str] = [] if code is None else code

    def text(self) -> str:
        """The buffered text, tidied, with its code blocks back in place."""
        text = _LONE_BULLET.sub("- ", tidy("".join(self.buf)))
        return re.sub(f"{_CODE}(\\d+){_CODE}", lambda m: self.code[int(m.group(1))], text)

    def flush(self) -> None:
        self.sections.text(self.text())
        self.buf.clear()

    def walk(self, node) -> None:
        from bs4.element import NavigableString, PreformattedString, Tag

        for child in node.children:
            if isinstance(child, PreformattedString):  # comments, doctype, CDATA
                continue
            if isinstance(child, NavigableString):
                self.buf.append(_WHITESPACE.sub(" ", str(child)))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _HEADINGS:
                self.flush()
                self.sections.heading(int(name[1]), child.get_text(" ", strip=True))
            elif name == "br":
                self.buf.append("\n")
            elif name == "pre":
                self.buf.append(f"\n\n{self.keep_code(child)}\n\n")
            elif name == "code":
                code = child.get_text()
                tick = "``" if "`" in code else "`"
                self.buf.append(f"{tick}{code}{tick}" if code.strip() else "")
            elif name == "table":
                self.buf.append("\n\n" + _table(child) + "\n\n")
            elif name == "li":
                self.buf.append(f"\n{_marker(child)} ")
                self.walk(child)
            elif (kind := _callout_kind(child)) is not None:
                self.buf.append("\n\n" + self.callout(child, kind) + "\n\n")
            elif name in _BLOCKS:
                self.buf.append("\n\n")
                self.walk(child)
                self.buf.append("\n\n")
            else:
                self.walk(child)

    def keep_code(self, pre) -> str:
        code = pre.get_text().strip("\n")
        found = re.search(r"(?:lang|language)-([\w+#-]+)", " ".join(
            pre.get("class", []) + [c for t in pre.find_all("code") for c in t.get("class", [])]))
        fence = "````" if "```" in code else "```"
        self.code.append(f"{fence}{found.group(1) if found else ''}\n{code}\n{fence}")
        return f"{_CODE}{len(self.code) - 1}{_CODE}"

    def callout(self, box, kind: str) -> str:
        """A callout box as "Label: text"; its own title line is the label or follows it."""
        label = callout_label(kind, self.lang)
        heading = box.find(class_=re.compile(r"title|heading", re.I))
        title = heading.get_text(" ", strip=True) if heading else ""
        if heading:
            heading.decompose()
        if title and title.lower() not in CALLOUT_KINDS and title != label:
            label = f"{label}{'：' if self.lang == 'zh' else ': '}{title}"
        inner = _HtmlWalker(Sections(""), self.lang, self.code)
        inner.walk(box)
        body = _LONE_BULLET.sub("- ", tidy("".join(inner.buf)))
        if not body or body.startswith(("- ", "|", _CODE)):
            return f"{label}\n\n{body}"
        joiner = ("。" if self.lang == "zh" else ". ") if label != callout_label(kind, self.lang) else (
            "：" if self.lang == "zh" else ": ")
        return f"{label}{joiner}{body}"


def _marker(item) -> str:
    """A list item's Markdown marker: "3." in an ordered list (its ``start`` counted in), so the
    steps of an HTML procedure stay steps; "-" otherwise."""
    parent = item.parent
    if parent is None or parent.name != "ol":
        return "-"
    start = int(parent["start"]) if str(parent.get("start", "")).lstrip("-").isdigit() else 1
    return f"{start + len(item.find_previous_siblings('li'))}."


def _table(table) -> str:
    """A table as a Markdown table whose first row is the header."""
    rows = []
    for tr in table.find_all("tr"):
        cells = [c.get_text(" ", strip=True).replace("|", "\\|") for c in tr.find_all(["td", "th"])]
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
            if len(rows) == 1:
                rows.append("|" + " --- |" * len(cells))
    return "\n".join(rows)
