"""Answers are valid Markdown: a cut fence is closed, stray markers go, quotes hold no fence markers."""

from __future__ import annotations

from bot.answer_markdown import whole_markdown
from bot.extract import quote
from bot.prompts import hit_sentences
from knowledge.types import Chunk, Hit


def hit(text: str) -> Hit:
    return Hit(Chunk("c1", text, "guide.md"), score=0.9, relevance=0.9)


def test_a_cut_fence_is_closed():
    assert whole_markdown("Run this:\n\n```bash\nhelpdesk serve --port") == (
        "Run this:\n\n```bash\nhelpdesk serve --port\n```"
    )


def test_a_citation_mark_on_the_closing_fence_moves_below_it():
    assert whole_markdown("Run:\n```\nhelpdesk serve\n``` [1]") == "Run:\n```\nhelpdesk serve\n```\n[1]"


def test_stray_bold_and_backticks_go_but_code_and_pairs_stay():
    assert whole_markdown("Click **Save and close. [1]") == "Click Save and close. [1]"
    assert whole_markdown("Type `npm i and **go**. [2]") == "Type npm i and **go**. [2]"
    same = "Click **Save**, then `a ** b`.\n\n```\nx ** y `\n```\n\n1. one\n2. two [1]"
    assert whole_markdown(same) == same


def test_quotes_never_hold_fence_markers():
    text = "Start the server:\n\n```bash\nhelpdesk serve --port 8000\n```\n\nIt listens on port 8000."
    assert hit_sentences(hit(text)) == [
        "Start the server:", "helpdesk serve --port 8000", "It listens on port 8000."]
    found = quote("Which port does the server listen on?", [hit(text)])
    assert found is not None and "```" not in found.text


def test_a_quoted_list_reads_as_one_line_without_bullets():
    text = "Common issues to watch for:\n\n- Chunks are **too short**.\n\n- Chunks are **too long**."
    found = quote("What common issues should I watch for?", [hit(text)])
    assert found.text == "Common issues to watch for: Chunks are **too short**.; Chunks are **too long**."
