"""The knowledge base with the real packaged embedder, on embedded Chroma and a real Chroma server.

The same contract runs against both stores (one class, a parametrised ``chroma_url`` fixture),
through the facade that ``open_knowledge`` builds; what is left in Chroma is checked through a
second ``ChunkStore`` on the same collections, as another replica would see them.
"""

from __future__ import annotations

import uuid

import pytest

from knowledge import KnowledgeBase, open_knowledge
from knowledge.errors import NotFound
from knowledge.migrate import ensure_current
from knowledge.store import ChunkStore, make_client
from knowledge.types import Chunk
from tests.servers import chroma_server

pytestmark = pytest.mark.integration

RETURNS = """# Returns

## Return window
You can return any item within 30 days of delivery. The code PURPLE-WOMBAT-17 is printed on
every return label.

## Refunds
Refunds reach your card within 5 business days after we receive the parcel.
"""

SHIPPING = """# Shipping

## Delivery times
Orders inside Germany arrive in 2 business days. Deliveries to China take 7 to 12 days.

## Costs
Shipping is free for orders over 49 euros; below that it costs 4.90 euros.
"""

RETURNS_ZH = """# 退货政策

## 退货期限
收到商品后三十天内可以申请退货。退款会在我们收到包裹后的五个工作日内退回到您的支付账户。
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """One data directory (and calibration) for the module; each test opens a knowledge base of its own."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as url:
        yield url


@pytest.fixture(params=["embedded", "server"])
def chroma_url(request):
    return None if request.param == "embedded" else request.getfixturevalue("server_url")


@pytest.fixture
def kb(data_dir, chroma_url, e5) -> KnowledgeBase:
    return open_knowledge(data_dir, embedder=e5, name=f"t{uuid.uuid4().hex[:8]}", chroma_url=chroma_url,
                          progress=False)


@pytest.fixture
def store(kb, data_dir, chroma_url, e5) -> ChunkStore:
    """The same knowledge base's records in Chroma, through a client of its own."""
    return ChunkStore.open(make_client(data_dir, chroma_url), e5, kb.name)


@pytest.fixture
def help_center(tmp_path):
    folder = tmp_path / "help"
    (folder / "zh").mkdir(parents=True)
    (folder / "returns.md").write_text(RETURNS, "utf-8")
    (folder / "shipping.md").write_text(SHIPPING, "utf-8")
    (folder / "zh" / "退货.md").write_text(RETURNS_ZH, "utf-8")
    (folder / "faq.csv").write_text(
        "question,answer\nDo you ship to Switzerland?,\"Yes, in 3 to 5 days, duties included.\"\n"
        "可以开发票吗？,可以，请在结账时填写发票抬头。\n", "utf-8")
    return folder


def _texts(hits):
    return " ".join(h.chunk.text for h in hits)


class TestKnowledgeContract:
    def test_ingest_then_search_finds_the_right_document(self, kb, help_center):
        report = kb.ingest([help_center])
        assert sorted((d.source, d.status) for d in report.documents) == [
            ("faq.csv", "added"), ("returns.md", "added"), ("shipping.md", "added"), ("zh/退货.md", "added")]
        assert kb.search("How long do I have to send an item back?", 4)[0].chunk.source == "returns.md"
        # e5-small prefers same-language passages; the English answer must still rank high.
        assert "shipping.md" in {h.chunk.source for h in kb.search("送到中国要多久？", 2)}
        assert kb.search("退款多久到账", 4)[0].chunk.source in {"zh/退货.md", "returns.md"}
        top = kb.search("free shipping threshold", 1)[0]
        assert top.chunk.section.endswith("Costs") and 0.5 < top.score <= 1.0 and top.relevance > 0.5
        docs = {d.source: d for d in kb.documents()}
        assert docs["returns.md"].chunks >= 1 and docs["returns.md"].title == "Returns"
        assert kb.document("returns.md") == docs["returns.md"] and kb.document("nope.md") is None
        assert [c.source for c in kb.chunks_of("returns.md")] == ["returns.md"] * docs["returns.md"].chunks

    def test_unrelated_question_scores_low(self, kb, help_center):
        kb.ingest([help_center])
        unrelated = kb.search("Who won the football world cup in 1998?", 1)[0]
        related = kb.search("When will my refund arrive?", 1)[0]
        assert unrelated.relevance < 0.5 < related.relevance
        zh_unrelated = kb.search("1998年世界杯冠军是哪个国家？", 1)[0]
        assert zh_unrelated.relevance < 0.5

    def test_reingesting_unchanged_files_is_a_no_op(self, kb, store, help_center):
        kb.ingest([help_center])
        revision = store.registry()["revision"]
        again = kb.ingest([help_center])
        assert {d.status for d in again.documents} == {"unchanged"}
        assert store.registry()["revision"] == revision

    def test_replaced_text_never_comes_back(self, kb, store, help_center):
        kb.ingest([help_center])
        assert "PURPLE-WOMBAT-17" in _texts(kb.search("PURPLE-WOMBAT-17 return label", 4))
        (help_center / "returns.md").write_text(RETURNS.replace("PURPLE-WOMBAT-17", "ORANGE-KOALA-42"), "utf-8")
        report = kb.ingest([help_center / "returns.md"])
        assert [(d.source, d.status) for d in report.documents] == [("returns.md", "updated")]
        assert "PURPLE-WOMBAT-17" not in _texts(kb.search("PURPLE-WOMBAT-17 return label", 10))
        assert "ORANGE-KOALA-42" in _texts(kb.search("ORANGE-KOALA-42", 4))
        leftovers = store._col().get(where_document={"$contains": "PURPLE-WOMBAT"})
        assert leftovers["ids"] == []
        current = {c.id for c in kb.chunks_of("returns.md")}
        units = store._col("-units").get(where={"doc_id": kb.document("returns.md").doc_id})
        assert units["ids"] and {m["chunk"] for m in units["metadatas"]} <= current  # old sentences gone

    def test_delete_removes_every_chunk(self, kb, store, help_center):
        kb.ingest([help_center])
        info = kb.delete("returns.md")
        assert "returns.md" not in {d.source for d in kb.documents()}
        assert all(h.chunk.source != "returns.md" for h in kb.search("return window refund", 10))
        assert store._col().get(where={"doc_id": info.doc_id})["ids"] == []
        assert store._col("-units").get(where={"doc_id": info.doc_id})["ids"] == []
        with pytest.raises(NotFound):
            kb.delete("returns.md")

    def test_a_chunk_is_as_close_as_its_closest_sentence(self, kb, store, tmp_path):
        """A question about one sentence of a broad paragraph is compared with that sentence too."""
        page = tmp_path / "team.md"
        page.write_text(
            "# Team\n\n## Members\nOpen Settings and choose Members to see everyone in your workspace. "
            "Owners can change roles at any time. Admins manage billing and integrations. Editors build "
            "apps but cannot invite anyone. Invitation links expire after 72 hours. Removed members lose "
            "access at once, and their apps stay in the workspace.\n", "utf-8")
        kb.ingest([page])
        question = "How long is an invitation link valid?"
        vector = kb.embed_query(question)
        (chunk,) = kb.chunks_of("team.md")
        whole = store.fetch([chunk.id], vector)[0][1]
        closest = store.sentence_similarity([chunk.id], vector)[chunk.id]
        assert closest > whole
        hit = kb.search(question, 1)[0]
        assert hit.chunk.id == chunk.id
        calibration = kb._searcher.calibration
        assert hit.dense == pytest.approx(min(max(float(calibration.linear(closest)), 0.0), 1.0), abs=1e-5)

    def test_what_a_dead_writer_left_is_healed_sentences_too(self, kb, store, help_center):
        """Chunks and sentence vectors of a version no manifest record commits (a process killed
        mid-ingest) are deleted by heal(), and committed documents keep theirs."""
        kb.ingest([help_center])
        kept = store._col("-units").count()
        orphan = Chunk(id="orphan-0123456789-0", text="Left behind. Never committed.", source="gone.md")
        vectors = store.embedder.embed(["Left behind.", "Never committed."], query=False)
        store.add_chunks([orphan], vectors[:1], "orphan", "0123456789" * 4, [["left"]])
        store.add_units([orphan.id, orphan.id], vectors, "orphan", "0123456789" * 4)
        assert store.heal() == 3
        assert store._col().get(where={"doc_id": "orphan"})["ids"] == []
        assert store._col("-units").get(where={"doc_id": "orphan"})["ids"] == []
        assert store._col("-units").count() == kept > 0

    def test_bad_files_fail_clearly_and_lose_nothing(self, kb, help_center, tmp_path):
        kb.ingest([help_center])
        bad = tmp_path / "bad"
        bad.mkdir()
        (bad / "empty.md").write_text("", "utf-8")
        (bad / "fake.pdf").write_text("this is not a pdf", "utf-8")
        (bad / "binary.txt").write_bytes(bytes(range(256)) * 20)
        (bad / "virus.exe").write_bytes(b"MZ\x90\x00")
        (bad / "ok.md").write_text("# Gift cards\nGift cards never expire.", "utf-8")
        report = kb.ingest([bad])
        status = {d.source: (d.status, d.error or "") for d in report.documents}
        assert status["ok.md"][0] == "added"
        for name in ("empty.md", "fake.pdf", "binary.txt", "virus.exe"):
            assert status[name][0] == "failed" and name in status[name][1]
        # A broken new version of a document keeps the old one searchable.
        (help_center / "returns.md").write_bytes(b"\x00\x01\x02garbage" * 100)
        report = kb.ingest([help_center / "returns.md"])
        assert report.documents[0].status == "failed"
        assert kb.search("return window", 1)[0].chunk.source == "returns.md"

    def test_faq_entries_are_stored_verbatim(self, kb, help_center):
        assert kb.faq_match(kb.embed_query("Do you deliver to Switzerland?"), "Do you deliver to Switzerland?") is None
        kb.ingest([help_center])
        question = "Do you deliver to Switzerland?"
        match = kb.faq_match(kb.embed_query(question), question)
        assert match.entry.answer == "Yes, in 3 to 5 days, duties included." and match.cosine > 0.9
        assert match.score > 0.9  # calibrated: a rewording of the listed question
        match = kb.faq_match(kb.embed_query("能开发票吗"), "能开发票吗")
        assert match.entry.answer == "可以，请在结账时填写发票抬头。"
        far = kb.faq_match(kb.embed_query("Who won the football world cup in 1998?"),
                           "Who won the football world cup in 1998?")
        assert far.score < 0.5 and far.cosine < match.cosine

    def test_english_question_finds_chinese_knowledge(self, kb, tmp_path):
        (tmp_path / "zh.md").write_text(RETURNS_ZH, "utf-8")
        (tmp_path / "zh2.md").write_text("# 配送\n\n德国境内订单两个工作日送达。运往中国需要七到十二天。", "utf-8")
        kb.ingest([tmp_path / "zh.md", tmp_path / "zh2.md"])
        assert kb.search("How many days do I have to return an item?", 1)[0].chunk.source == "zh.md"
        assert kb.search("How long does delivery to China take?", 1)[0].chunk.source == "zh2.md"

    def test_langchain_retriever_searches_like_the_knowledge_base(self, kb, help_center):
        kb.ingest([help_center])
        docs = kb.as_retriever(k=2).invoke("When does my refund arrive?")
        assert len(docs) == 2 and docs[0].metadata["source"] == "returns.md"
        assert "5 business days" in docs[0].page_content
        # The same searcher and calibration as the Bot's: the same hits with the same scores.
        hits = kb.search("When does my refund arrive?", 2)
        assert [(d.metadata["chunk_id"], d.metadata["score"]) for d in docs] == [(h.chunk.id, h.score) for h in hits]


def test_changing_the_embedder_rebuilds_without_a_wipe(tmp_path, e5, minilm, help_center):
    old = open_knowledge(tmp_path, embedder=minilm, name="swap", progress=False)
    old.ingest([help_center])
    before = {d.source: d.chunks for d in old.documents()}
    client = make_client(tmp_path)
    assert ChunkStore.open(client, minilm, "swap").registry()["embedder"] == "all-minilm-l6-v2"
    old_generation = ChunkStore.open(client, minilm, "swap").generation
    assert ChunkStore.open(client, e5, "swap").registry()["active"] == old_generation  # nothing switched yet

    new = open_knowledge(tmp_path, embedder=e5, name="swap", chunk_tokens=300, progress=False)  # rebuilds
    store = ChunkStore.open(client, e5, "swap")
    assert store.registry()["active"] == store.generation and store.registry()["embedder"] == e5.name
    assert new.embedder_name == e5.name
    assert set(before) == {d.source for d in new.documents()}
    names = {c.name for c in client.list_collections()}
    assert not any(n.startswith(old_generation) for n in names)  # old vectors dropped after switch
    assert store._col("-units").count() > 0  # sentences re-embedded with the chunks
    hits = new.search("退款多久到账", 2)
    assert {h.chunk.source for h in hits} & {"zh/退货.md", "returns.md"}
    match = new.faq_match(new.embed_query("Do you ship to Switzerland?"), "Do you ship to Switzerland?")
    assert match.entry.answer.startswith("Yes")
    assert not ensure_current(store, chunk_tokens=300, progress=False)  # second start: nothing to do
