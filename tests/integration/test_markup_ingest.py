"""Real help-center pages (Mintlify MDX, an Obsidian vault page) into a real knowledge base.

No markup may survive in any chunk, every code fence is whole or closed in its chunk, and the facts
a customer asks about are still there, findable by the real embedder.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import pytest

from knowledge import ingest as ingest_module
from knowledge import open_knowledge

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parent.parent / "fixtures" / "helpcenter"
PAGES = ["billing.en.mdx", "billing.zh.mdx", "embed-web-app.en.mdx"]

VAULT_PAGE = """---
title: Kettle care
tags: [kettle, care]
---

# Kettle care

Descale the [[Aurora kettle|kettle]] every month. ^descale

![[aurora-descaling.png]]

> [!warning] Hot surface
> Wait **15 minutes** before cleaning the base.

!!! tip "Filtered water"
    Filtered water halves the limescale.

:::note
The warranty covers the heating element for <u>two years</u>.<br>Keep the receipt.
:::
"""

MARKUP = re.compile(r"<[A-Za-z/]|\[\[|!\[|\{/\*|:::|!!!|\[!\w+\]|(?:^|\s)\^[\w-]+$|title=", re.M)


@pytest.fixture(scope="module")
def loaded_kb(tmp_path_factory, e5):
    folder = tmp_path_factory.mktemp("helpcenter")
    for name in PAGES:
        shutil.copy(FIXTURES / name, folder / name)
    (folder / "kettle-care.md").write_text(VAULT_PAGE, "utf-8")
    kb = open_knowledge(tmp_path_factory.mktemp("db"), embedder=e5, name=f"t{uuid.uuid4().hex[:8]}", progress=False)
    report = kb.ingest([folder])
    assert {d.status for d in report.documents} == {"added"}, report.as_dict()
    return kb, folder


def _chunks(kb) -> list:
    return [c for d in kb.documents() for c in kb.chunks_of(d.source)]


def _prose(text: str) -> str:
    """The text outside code fences; fails if a fence is left open."""
    out, fence = [], ""
    for line in text.split("\n"):
        if re.match(r"(`{3,}|~{3,})", line):
            fence = "" if fence else line
        elif not fence:
            out.append(line)
    assert not fence, f"unclosed fence in chunk:\n{text}"
    return "\n".join(out)


def test_no_markup_survives_in_any_chunk(loaded_kb):
    kb, _ = loaded_kb
    chunks = _chunks(kb)
    assert len(chunks) > 15
    for chunk in chunks:
        prose = _prose(chunk.text)
        assert not MARKUP.search(prose), f"{chunk.source} {chunk.section}:\n{chunk.text}"
        assert prose.count("**") % 2 == 0, chunk.text
        assert not MARKUP.search(chunk.section) and not MARKUP.search(chunk.title)


def test_the_facts_survive_with_labels_steps_and_sections(loaded_kb):
    kb, _ = loaded_kb
    by_source: dict[str, str] = {}
    for chunk in _chunks(kb):
        by_source[chunk.source] = by_source.get(chunk.source, "") + "\n\n" + chunk.text
    en, zh = by_source["billing.en.mdx"], by_source["billing.zh.mdx"]
    assert "Note: The education discount only applies to the Yearly Professional plan." in en
    assert "Step 2: Apply for Verification. Go to **Settings** > **Billing** > **Get Education" in en
    assert "注意：教育优惠仅适用于年付 Professional 计划。" in zh
    assert "第 1 步：创建账户。使用教育邮箱在 [cloud.dify.ai](https://cloud.dify.ai/signin) 注册" in zh
    embed = by_source["embed-web-app.en.mdx"]
    assert "Chat Bubble Widget: Your web app as a floating button" in embed
    assert "token: 'YOUR_TOKEN'," in embed and "```html\n<iframe" in embed
    kettle = by_source["kettle-care.md"]
    assert "Descale the kettle every month." in kettle
    assert "Warning: Hot surface. Wait **15 minutes** before cleaning the base." in kettle
    assert "Tip: Filtered water. Filtered water halves the limescale." in kettle
    assert "Note: The warranty covers the heating element for two years.\nKeep the receipt." in kettle
    sections = {c.section for c in _chunks(kb) if c.source == "billing.en.mdx"}
    assert "Dify for Education > FAQ > Why was I charged $59?" in sections
    assert {d.source: d.title for d in kb.documents()}["billing.zh.mdx"] == "计费"


def test_a_long_code_sample_is_cut_into_closed_fences(loaded_kb):
    kb, _ = loaded_kb
    pieces = [c.text for c in kb.chunks_of("embed-web-app.en.mdx")
              if "window.difyChatbotConfig = {" in c.text or "user_id: 'USER_123'," in c.text]
    assert len(pieces) >= 1
    for text in pieces:
        _prose(text)  # fails on an open fence
        assert "```javascript\n" in text  # a later piece is reopened with the same language


def test_search_finds_a_step_and_an_accordion_answer(loaded_kb):
    kb, _ = loaded_kb
    top = kb.search("Why was I charged $59?", 1)[0].chunk
    assert top.section == "Dify for Education > FAQ > Why was I charged $59?"  # the accordion's title
    hits = kb.search("How do I get education verified?", 3)
    assert any("Get Education Verified" in h.chunk.text for h in hits)


def test_a_new_pipeline_version_re_splits_unchanged_files(loaded_kb, monkeypatch):
    kb, folder = loaded_kb
    again = kb.ingest([folder / "billing.en.mdx"])
    assert [d.status for d in again.documents] == ["unchanged"]
    monkeypatch.setattr(ingest_module, "_PIPELINE_VERSION", "next")
    bumped = kb.ingest([folder / "billing.en.mdx"])
    assert [d.status for d in bumped.documents] == ["updated"]
