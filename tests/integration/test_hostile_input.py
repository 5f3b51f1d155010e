"""Hostile input against the real knowledge base (packaged e5 embedder, embedded Chroma): files
that expand enormously are refused fast through ``KnowledgeBase.ingest`` and change nothing; a
maximum-length question is searched by a bounded part of it."""

from __future__ import annotations

import time
import uuid

import pytest

from knowledge import open_knowledge
from knowledge.query import MAX_TERMS, SEARCH_CHARS
from tests import hostile

pytestmark = pytest.mark.integration

WARRANTY = """# Warranty

## Kettle warranty
The Lumen kettle has a two-year warranty. Claim a free repair with the order number and a photo of the fault.

## Delivery
Parcels to Germany arrive in 2 business days.
"""
ASK_ZH, ASK_EN = "请问电水壶的保修期是多久？", " How long is the kettle warranty?"
LONG_ZH = ("我的电水壶在使用三个月后出现漏水问题，底座也有些发烫。" * 200)[:4000 - len(ASK_ZH)] + ASK_ZH
LONG_EN = ("I bought several things last year and most of them were fine, thank you. " * 60)[:4000 - len(ASK_EN)] + ASK_EN


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def kb(e5, data_dir, tmp_path_factory):
    kb = open_knowledge(data_dir, embedder=e5, name=f"t{uuid.uuid4().hex[:8]}", progress=False)
    folder = tmp_path_factory.mktemp("help")
    (folder / "warranty.md").write_text(WARRANTY)
    assert kb.ingest([folder]).failed == []
    return kb


def _hostile(tmp_path):
    yaml = tmp_path / "faq.yaml"
    yaml.write_text(hostile.yaml_alias_bomb())
    return {
        hostile.docx_empty_paragraphs(tmp_path / "manual.docx", 2_000_000): "more than 200,000 paragraphs "
                                                                           "(limit HELPDESK_INGEST__MAX_PARAGRAPHS)",
        hostile.xlsx_wide(tmp_path / "wide.xlsx", 130): "more than 2,000,000 cells (limit HELPDESK_INGEST__MAX_CELLS)",
        yaml: "(limit HELPDESK_INGEST__MAX_EXPANDED_MB)",
    }


def test_files_that_expand_enormously_are_refused_fast_and_change_nothing(kb, tmp_path):
    before = [(d.source, d.hash) for d in kb.documents()]
    for path, message in _hostile(tmp_path).items():
        start = time.perf_counter()
        report = kb.ingest([path])
        seconds = time.perf_counter() - start
        (doc,) = report.documents
        assert doc.status == "failed" and doc.error.startswith(f"{path.name}: ") and message in doc.error
        assert seconds < 30, f"{path.name} took {seconds:.1f} s to refuse"
    assert [(d.source, d.hash) for d in kb.documents()] == before


def test_a_sheet_declaring_a_huge_range_is_ingested_for_what_it_holds(kb, tmp_path):
    path = hostile.xlsx_declaring(tmp_path / "prices.xlsx", "A1:XFD20000")
    start = time.perf_counter()
    (doc,) = kb.ingest([path]).documents
    assert doc.status == "added" and doc.chunks == 1 and time.perf_counter() - start < 30
    assert "Kettle; Price: 89" in kb.chunks_of("prices.xlsx")[0].text
    kb.delete("prices.xlsx")


class _Recording:
    """The real embedder, recording what it is asked to embed."""

    def __init__(self, embedder):
        self._e, self.texts = embedder, []
        self.name, self.dim, self.max_tokens = embedder.name, embedder.dim, embedder.max_tokens

    def embed(self, texts, *, query=False):
        self.texts += list(texts)
        return self._e.embed(texts, query=query)

    def count_tokens(self, text):
        return self._e.count_tokens(text)


@pytest.mark.parametrize("question", [LONG_ZH, LONG_EN], ids=["zh", "en"])
def test_a_maximum_length_question_is_searched_by_a_bounded_part(kb, e5, data_dir, question):
    recording = _Recording(e5)
    asked_to_translate: list[str] = []
    searched_terms: list[int] = []
    # The same knowledge base, opened with a recording embedder and a recording translator.
    seen = open_knowledge(data_dir, embedder=recording, name=kb.name, progress=False,
                          translator=lambda text, lang: asked_to_translate.append(text) or "kettle warranty",
                          translate_into={"en", "zh"})
    index = seen.keyword_index()  # cached until the knowledge base changes: the one the search uses
    real_search = index.search

    def counting_search(tokens, k):
        searched_terms.append(len(tokens))
        return real_search(tokens, k)

    index.search = counting_search
    recording.texts.clear()
    start = time.perf_counter()
    hits = seen.search(question, 4)
    seconds = time.perf_counter() - start
    assert len(question) == 4000
    assert recording.texts and all(e5.count_tokens(t) <= e5.max_tokens for t in recording.texts)
    assert searched_terms and all(n <= MAX_TERMS for n in searched_terms)  # the patched index was searched
    assert all(len(t) <= 400 for t in asked_to_translate)
    # The ask at the end of the question survives the cut: the warranty section is found first.
    assert hits[0].chunk.section.endswith("Kettle warranty")
    assert seconds < 10  # 6 s in the embedder alone before the bound, on an idle 2-core machine
    assert SEARCH_CHARS < len(question)
