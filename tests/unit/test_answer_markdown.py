"""Answers are valid Markdown: a cut fence is closed, stray markers go, quotes hold no fence markers."""

from __future__ import annotations

from bot.answer_markdown import whole_markdown
from bot.blocks import parse
from bot.compose import compose
from bot.context import hit_sentences
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


def test_a_quoted_code_block_keeps_both_fences_and_prompts_hold_no_markers():
    text = "Start the server:\n\n```bash\nhelpdesk serve --port 8000\n```\n\nIt listens on port 8000."
    assert hit_sentences(hit(text)) == [
        "Start the server:", "helpdesk serve --port 8000", "It listens on port 8000."]
    found = compose("Which command starts the server?", [hit(text)], [parse(text)], lambda t: 1.0)
    quoted = "\n\n".join(p.text for p in found.parts)
    assert "helpdesk serve --port 8000" in quoted and quoted.count("```") % 2 == 0
    assert whole_markdown(quoted) == quoted


def test_a_quoted_list_keeps_its_lead_in_and_bullets():
    text = "Common issues to watch for:\n\n- Chunks are **too short**.\n\n- Chunks are **too long**."
    found = compose("What common issues should I watch for?", [hit(text)], [parse(text)], lambda t: 1.0)
    assert found.parts[0].text == "Common issues to watch for:\n- Chunks are **too short**.\n- Chunks are **too long**."
