"""Replicas' views of one Chroma server: what one ingests or deletes, the other's keyword index and
search see on their next query, without a restart (each replica caches its BM25 index per
revision token, and every change publishes a new token). Headers reach a Chroma server behind an
authenticating proxy, and refused credentials are a clear StoreUnavailable."""

from __future__ import annotations

import pytest

from knowledge import open_knowledge
from knowledge.keyword import tokenize
from knowledge.errors import StoreUnavailable
from tests.servers import chroma_server, token_proxy

pytestmark = pytest.mark.integration

V1 = "# Quoll scanner\n\nThe Quoll scanner reads barcodes printed on thermal labels.\n"
V2 = "# Quoll scanner\n\nThe Quoll scanner reads QR codes from phone screens.\n"


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    with chroma_server(tmp_path_factory.mktemp("shared-store") / "db") as u:
        yield u


def test_a_second_replica_sees_ingestion_and_deletion_in_keyword_results(url, e5, tmp_path):
    # Two clients stand for two replicas: neither shares a Python object with the other.
    writer = open_knowledge(tmp_path / "a", embedder=e5, name="shared", chroma_url=url, progress=False)
    reader = open_knowledge(tmp_path / "b", embedder=e5, name="shared", chroma_url=url, progress=False)
    search = reader.search

    def keyword_hits(words: str) -> list[str]:
        return [cid for cid, _ in reader.keyword_index().search(tokenize(words), 5)]

    assert keyword_hits("barcodes thermal") == []  # the reader has built (and cached) its index
    doc = tmp_path / "quoll.md"
    doc.write_text(V1, "utf-8")
    assert writer.ingest([doc]).documents[0].status == "added"
    hits = keyword_hits("barcodes thermal")
    assert len(hits) == 1 and hits[0] == search("barcodes on thermal labels", 1)[0].chunk.id

    doc.write_text(V2, "utf-8")
    assert writer.ingest([doc]).documents[0].status == "updated"
    assert keyword_hits("barcodes thermal") == []
    assert len(keyword_hits("phone screens")) == 1

    writer.delete("quoll.md")
    assert keyword_hits("phone screens") == [] and reader.documents() == []
    assert search("QR codes from phone screens", 4) == []


def test_headers_reach_a_chroma_behind_an_authenticating_proxy(url, e5, tmp_path):
    with token_proxy(url, "s3cret") as guarded:
        kb = open_knowledge(tmp_path, embedder=e5, name="auth", chroma_url=guarded,
                            chroma_headers={"Authorization": "Bearer s3cret"}, progress=False)
        assert kb.documents() == []
        with pytest.raises(StoreUnavailable, match="refused our credentials.*HELPDESK_CHROMA_HEADERS"):
            open_knowledge(tmp_path, embedder=e5, name="auth", chroma_url=guarded,
                           chroma_headers={"Authorization": "Bearer wrong"}, progress=False)
