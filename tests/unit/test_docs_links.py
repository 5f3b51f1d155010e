"""Every relative link in README.md and docs/*.md points to a file of the repository, and every
``#anchor`` to a heading of its page, so the docs cannot rot as files and sections move.

Anchors follow GitHub's rule: the heading's text, lower-cased, without punctuation other than
``-`` and ``_``, spaces turned into ``-``; a repeated heading gets ``-1``, ``-2``, ...
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE = re.compile(r"(`+).+?\1", re.DOTALL)
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto:, ...


def _prose(text: str) -> str:
    """The page without code: links and headings in code blocks and spans are not links."""
    return _CODE.sub("", _FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading counts by its text
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor a page's headings make."""
    seen: dict[str, int] = {}
    found = set()
    for heading in _HEADING.findall(_FENCE.sub("", page.read_text("utf-8"))):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def links(page: Path) -> list[str]:
    """The relative link targets of a page (external URLs left out)."""
    return [t for t in _LINK.findall(_prose(page.read_text("utf-8"))) if not _EXTERNAL.match(t)]


def broken(page: Path, root: Path = ROOT) -> list[str]:
    """The page's links whose file or anchor does not exist in ``root``, each with the reason."""
    problems = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.is_relative_to(root):
            problems.append(f"{target}: outside the repository")
        elif not dest.exists():
            problems.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{target}: no heading makes #{anchor} in {dest.relative_to(root)}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    assert broken(page) == []


def test_readme_links_into_docs_and_docs_exist():
    assert len(PAGES) > 1, "docs/ holds no pages"
    targets = {t.partition("#")[0] for t in links(ROOT / "README.md")}
    assert "docs/architecture.md" in targets


def test_the_checker_finds_broken_links_and_anchors(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## Run it: `helpdesk serve`\n\n## Run it: `helpdesk serve`\n")
    page.write_text(
        "# Page\n\n[ok](other.md) [ok](other.md#run-it-helpdesk-serve-1) [ok](#page) "
        "[web](https://example.com/x) `[code](missing.md)`\n\n```\n[fenced](missing.md)\n```\n\n"
        "[gone](missing.md) [bad anchor](other.md#nope) [up](../../etc/passwd)\n"
    )
    assert broken(page, tmp_path) == [
        "missing.md: no such file",
        "other.md#nope: no heading makes #nope in other.md",
        "../../etc/passwd: outside the repository",
    ]


def test_slug_follows_githubs_rule():
    assert slug("The server: `helpdesk serve`") == "the-server-helpdesk-serve"
    assert slug("Help centers (`bench/helpcenter.py`)") == "help-centers-benchhelpcenterpy"
    assert slug("GPU check (`bench/gpu.sh`)") == "gpu-check-benchgpush"
    assert slug("Scale-out") == "scale-out"
