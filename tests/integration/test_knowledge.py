"""The knowledge base with the real packaged embedder, on embedded Chroma and a real Chroma server.

The same contract runs against both stores (one class, a parametrised ``client`` fixture).
"""

from __future__ import annotations

import uuid

import pytest

from knowledge.calibration import load_or_calibrate
from knowledge.errors import NotFound
from knowledge.ingest import Ingestor
from knowledge.search import Searcher
from knowledge.store import KnowledgeBase, make_client
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
def calibration(e5):
    return load_or_calibrate(e5, None)


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as url:
        yield url


@pytest.fixture(params=["embedded", "server"])
def client(request, tmp_path):
    if request.param == "embedded":
        return make_client(tmp_path)
    return make_client(tmp_path, request.getfixturevalue("server_url"))


@pytest.fixture
def kb(client, e5):
    return KnowledgeBase.open(client, e5, f"t{uuid.uuid4().hex[:8]}")


@pytest.fixture
def searcher(kb, calibration):
    return Searcher(kb, calibration)


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
    def test_ingest_then_search_finds_the_right_document(self, kb, searcher, help_center):
        report = Ingestor(kb, progress=False).ingest([help_center])
        assert sorted((d.source, d.status) for d in report.documents) == [
            ("faq.csv", "added"), ("returns.md", "added"), ("shipping.md", "added"), ("zh/退货.md", "added")]
        assert searcher.search("How long do I have to send an item back?", 4)[0].chunk.source == "returns.md"
        # e5-small prefers same-language passages; the English answer must still rank high.
        assert "shipping.md" in {h.chunk.source for h in searcher.search("送到中国要多久？", 2)}
        assert searcher.search("退款多久到账", 4)[0].chunk.source in {"zh/退货.md", "returns.md"}
        top = searcher.search("free shipping threshold", 1)[0]
        assert top.chunk.section.endswith("Costs") and 0.5 < top.score <= 1.0 and top.relevance > 0.5
        docs = {d.source: d for d in kb.documents()}
        assert docs["returns.md"].chunks >= 1 and docs["returns.md"].title == "Returns"

    def test_unrelated_question_scores_low(self, kb, searcher, help_center):
        Ingestor(kb, progress=False).ingest([help_center])
        unrelated = searcher.search("Who won the football world cup in 1998?", 1)[0]
        related = searcher.search("When will my refund arrive?", 1)[0]
        assert unrelated.relevance < 0.5 < related.relevance
        zh_unrelated = searcher.search("1998年世界杯冠军是哪个国家？", 1)[0]
        assert zh_unrelated.relevance < 0.5

    def test_reingesting_unchanged_files_is_a_no_op(self, kb, help_center):
        ing = Ingestor(kb, progress=False)
        ing.ingest([help_center])
        revision = kb.registry()["revision"]
        again = ing.ingest([help_center])
        assert {d.status for d in again.documents} == {"unchanged"}
        assert kb.registry()["revision"] == revision

    def test_replaced_text_never_comes_back(self, kb, searcher, help_center):
        ing = Ingestor(kb, progress=False)
        ing.ingest([help_center])
        assert "PURPLE-WOMBAT-17" in _texts(searcher.search("PURPLE-WOMBAT-17 return label", 4))
        (help_center / "returns.md").write_text(RETURNS.replace("PURPLE-WOMBAT-17", "ORANGE-KOALA-42"), "utf-8")
        report = ing.ingest([help_center / "returns.md"])
        assert [(d.source, d.status) for d in report.documents] == [("returns.md", "updated")]
        assert "PURPLE-WOMBAT-17" not in _texts(searcher.search("PURPLE-WOMBAT-17 return label", 10))
        assert "ORANGE-KOALA-42" in _texts(searcher.search("ORANGE-KOALA-42", 4))
        leftovers = kb._col().get(where_document={"$contains": "PURPLE-WOMBAT"})
        assert leftovers["ids"] == []

    def test_delete_removes_every_chunk(self, kb, searcher, help_center):
        Ingestor(kb, progress=False).ingest([help_center])
        info = kb.delete("returns.md")
        assert "returns.md" not in {d.source for d in kb.documents()}
        assert all(h.chunk.source != "returns.md" for h in searcher.search("return window refund", 10))
        assert kb._col().get(where={"doc_id": info.doc_id})["ids"] == []
        with pytest.raises(NotFound):
            kb.delete("returns.md")

    def test_bad_files_fail_clearly_and_lose_nothing(self, kb, searcher, help_center, tmp_path):
        ing = Ingestor(kb, progress=False)
        ing.ingest([help_center])
        bad = tmp_path / "bad"
        bad.mkdir()
        (bad / "empty.md").write_text("", "utf-8")
        (bad / "fake.pdf").write_text("this is not a pdf", "utf-8")
        (bad / "binary.txt").write_bytes(bytes(range(256)) * 20)
        (bad / "virus.exe").write_bytes(b"MZ\x90\x00")
        (bad / "ok.md").write_text("# Gift cards\nGift cards never expire.", "utf-8")
        report = ing.ingest([bad])
        status = {d.source: (d.status, d.error or "") for d in report.documents}
        assert status["ok.md"][0] == "added"
        for name in ("empty.md", "fake.pdf", "binary.txt", "virus.exe"):
            assert status[name][0] == "failed" and name in status[name][1]
        # A broken new version of a document keeps the old one searchable.
        (help_center / "returns.md").write_bytes(b"\x00\x01\x02garbage" * 100)
        report = ing.ingest([help_center / "returns.md"])
        assert report.documents[0].status == "failed"
        assert searcher.search("return window", 1)[0].chunk.source == "returns.md"

    def test_faq_entries_are_stored_verbatim(self, kb, help_center):
        Ingestor(kb, progress=False).ingest([help_center])
        from knowledge.embedders import embed_query

        entry, cos = kb.faq_nearest(embed_query(kb.embedder, "Do you deliver to Switzerland?"), 1)[0]
        assert entry.answer == "Yes, in 3 to 5 days, duties included." and cos > 0.9
        entry, _ = kb.faq_nearest(embed_query(kb.embedder, "能开发票吗"), 1)[0]
        assert entry.answer == "可以，请在结账时填写发票抬头。"

    def test_english_question_finds_chinese_knowledge(self, kb, searcher, tmp_path):
        (tmp_path / "zh.md").write_text(RETURNS_ZH, "utf-8")
        (tmp_path / "zh2.md").write_text("# 配送\n\n德国境内订单两个工作日送达。运往中国需要七到十二天。", "utf-8")
        Ingestor(kb, progress=False).ingest([tmp_path / "zh.md", tmp_path / "zh2.md"])
        assert searcher.search("How many days do I have to return an item?", 1)[0].chunk.source == "zh.md"
        assert searcher.search("How long does delivery to China take?", 1)[0].chunk.source == "zh2.md"

    def test_langchain_retriever(self, kb, help_center):
        Ingestor(kb, progress=False).ingest([help_center])
        docs = kb.as_retriever(k=2).invoke("When does my refund arrive?")
        assert len(docs) == 2 and docs[0].metadata["source"] == "returns.md"
        assert "5 business days" in docs[0].page_content


def test_changing_the_embedder_rebuilds_without_a_wipe(tmp_path, e5, minilm, calibration, help_center):
    from knowledge.migrate import ensure_current

    client = make_client(tmp_path)
    old = KnowledgeBase.open(client, minilm, "swap")
    Ingestor(old, progress=False).ingest([help_center])
    before = {d.source: d.chunks for d in old.documents()}
    assert old.registry()["embedder"] == "all-minilm-l6-v2"

    new = KnowledgeBase.open(client, e5, "swap")
    assert new.registry()["active"] == old.generation  # nothing switched yet
    assert ensure_current(new, chunk_tokens=300, progress=False)
    assert new.registry()["active"] == new.generation and new.registry()["embedder"] == e5.name
    assert set(before) == {d.source for d in new.documents()}
    names = {c.name for c in client.list_collections()}
    assert not any(n.startswith(old.generation) for n in names)  # old vectors dropped after switch
    hits = Searcher(new, calibration).search("退款多久到账", 2)
    assert {h.chunk.source for h in hits} & {"zh/退货.md", "returns.md"}
    from knowledge.embedders import embed_query

    entry, _ = new.faq_nearest(embed_query(e5, "Do you ship to Switzerland?"), 1)[0]
    assert entry.answer.startswith("Yes")
    assert not ensure_current(new, chunk_tokens=300, progress=False)  # second start: nothing to do
