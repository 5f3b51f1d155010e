"""Splitting is pure logic, so a simple deterministic token counter stands in for the embedder's."""

from __future__ import annotations

import re

import pytest

from knowledge.splitting import embedding_text, sentence_texts, split
from knowledge.types import Chunk, Document

_CJK = re.compile(r"[\u3400-\u9fff]")


def count_tokens(text: str) -> int:
    """One token per whitespace-separated word plus one per CJK character."""
    return len(_CJK.findall(text)) + len(_CJK.sub(" ", text).split())


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def within_budget(chunks: list[Chunk], max_tokens: int, count=count_tokens) -> bool:
    return all(count(embedding_text(c)) <= max_tokens for c in chunks)


ZH_SENTENCES = [
    "我们的退货政策非常简单。",
    "收到商品后三十天内都可以申请退货！",
    "请问您保留了购物小票吗？",
    "如果没有小票，我们也可以查询订单记录；",
    "退款会在五个工作日内原路返回。",
    "他说：“这样就放心了。”",
    "有问题请随时联系客服。",
]


def test_chinese_splits_at_sentence_ends_and_never_mid_sentence():
    doc = Document("".join(ZH_SENTENCES), "policy.md", title="退货", section="退货")
    chunks = split([doc], count_tokens, max_tokens=40)
    assert len(chunks) > 2
    assert within_budget(chunks, 40)
    assert squash("".join(c.text for c in chunks)) == squash(doc.text)
    for chunk in chunks:
        assert chunk.text.endswith(("。", "！", "？", "；", "”"))
        # Each chunk is a run of whole sentences.
        assert any(chunk.text == "".join(ZH_SENTENCES[i:j]) for i in range(7) for j in range(i, 8))
    assert "他说：“这样就放心了。”" in "".join(c.text for c in chunks)


def test_english_sentence_ends_need_whitespace():
    text = "The kettle costs 3.5 EUR at example.com today. Is it cheap? Yes! It is."
    chunks = split([Document(text, "a.md")], count_tokens, max_tokens=8)
    assert [c.text for c in chunks] == [
        "The kettle costs 3.5 EUR at example.com today.",
        "Is it cheap? Yes! It is.",
    ]


def test_list_lines_are_sentence_boundaries():
    text = "Bring:\n- your receipt\n- the original box\n- the charger\n1. pack it\n2. post it"
    chunks = split([Document(text, "a.md")], count_tokens, max_tokens=7)
    assert within_budget(chunks, 7)
    for chunk in chunks:
        for line in chunk.text.split("\n"):
            assert line in text.split("\n")


@pytest.mark.parametrize("max_tokens", [8, 25, 60, 500])
def test_every_chunk_fits_including_the_context_line(max_tokens):
    english = " ".join(
        f"Sentence number {i} tells the customer something useful." for i in range(40)
    )
    docs = [
        Document(english, "guide.md", title="Shipping policy", section="Shipping policy > Returns"),
        Document("".join(ZH_SENTENCES * 5), "zh.md", title="售后服务指南", section="退货 > 退款"),
        Document("no punctuation at all " * 60, "raw.txt", title="Raw"),
    ]
    chunks = split(docs, count_tokens, max_tokens)
    assert within_budget(chunks, max_tokens)
    for doc in docs:
        mine = [c for c in chunks if c.source == doc.source]
        assert squash("".join(c.text for c in mine)) == squash(doc.text)


def test_exact_check_catches_what_summed_counts_miss():
    # A counter that charges for blank lines and adds special tokens, as real tokenizers can.
    def lumpy(text: str) -> int:
        return 2 + len(text.split()) + 3 * text.count("\n")

    paragraphs = "\n\n".join(f"Short paragraph {i} here." for i in range(30))
    chunks = split([Document(paragraphs, "a.md", title="T")], lumpy, max_tokens=20)
    assert within_budget(chunks, 20, lumpy)
    assert squash("".join(c.text for c in chunks)) == squash(paragraphs)


def test_text_that_misses_the_exact_count_moves_on_instead_of_becoming_a_scrap():
    # Joining costs a token per sentence boundary here, which summed sentence counts miss.
    def joiny(text: str) -> int:
        return len(text.split()) + text.count(". ")

    sentences = [f"Words {i} here." for i in range(20)]
    chunks = split([Document(" ".join(sentences), "a.md")], joiny, max_tokens=20)
    assert within_budget(chunks, 20, joiny)
    assert [c.text.count(".") for c in chunks] == [5, 5, 5, 5]


def test_each_sentence_is_counted_once():
    calls: list[str] = []

    def counting(text: str) -> int:
        calls.append(text)
        return count_tokens(text)

    sentences = [f"This is sentence {i} of the text." for i in range(50)]
    chunks = split([Document(" ".join(sentences), "a.md", title="T")], counting, max_tokens=40)
    # Each sentence once, three probes (empty text, context line), one exact check per chunk.
    assert len(calls) <= len(sentences) + len(chunks) + 3
    assert within_budget(chunks, 40)


def test_sections_and_metadata_are_kept():
    docs = [
        Document(
            "Send it back.", "p.md", title="Shipping policy", section="Shipping policy > Returns"
        ),
        Document(
            "We refund.", "p.md", title="Shipping policy", section="Shipping policy > Refunds"
        ),
        Document("Page text.", "m.pdf", title="Manual", page=3),
        Document("Page two.", "m.pdf", title="Manual", page=4),
    ]
    chunks = split(docs, count_tokens, max_tokens=100)
    assert [(c.id, c.text, c.section, c.page) for c in chunks] == [
        ("", "Send it back.", "Shipping policy > Returns", None),
        ("", "We refund.", "Shipping policy > Refunds", None),
        ("", "Page text.", "", 3),
        ("", "Page two.", "", 4),
    ]
    assert all(c.kind == "text" for c in chunks)
    assert embedding_text(chunks[0]) == "Shipping policy > Returns\nSend it back."
    assert embedding_text(chunks[2]) == "Manual\nPage text."


def test_embedding_text_context_line():
    assert embedding_text(Chunk("", "Body.", "s")) == "Body."
    assert embedding_text(Chunk("", "Body.", "s", title="Policy")) == "Policy\nBody."
    assert (
        embedding_text(Chunk("", "Body.", "s", title="Policy", section="Policy")) == "Policy\nBody."
    )
    assert embedding_text(Chunk("", "Body.", "s", title="Shipping policy", section="Returns")) == (
        "Shipping policy > Returns\nBody."
    )
    assert embedding_text(Chunk("", "Body.", "s", section="Returns")) == "Returns\nBody."
    long = embedding_text(Chunk("", "Body.", "s", title="T", section="word " * 200))
    assert len(long.split("\n")[0]) <= 200


def test_each_sentence_list_line_and_table_row_is_embedded_on_its_own_under_the_context_line():
    text = ("Invite members from Settings. Links expire after 72 hours.\n\nRoles:\n- Owner: everything\n"
            "- Editor: builds apps\n\n| Plan | Seats |\n|---|---|\n| Team | 50 |\n\n邀请链接七十二小时后失效。被移除的成员立即失去访问权限。")
    got = sentence_texts(Chunk("", text, "s", title="Team", section="Members"))
    assert got == ["Team > Members\n" + s for s in [
        "Invite members from Settings.", "Links expire after 72 hours.", "- Owner: everything",
        "- Editor: builds apps", "| Plan | Seats |", "| Team | 50 |", "邀请链接七十二小时后失效。",
        "被移除的成员立即失去访问权限。"]]  # "Roles:" and the table rule say nothing alone


def test_a_chunk_of_one_sentence_needs_no_second_vector():
    assert sentence_texts(Chunk("", "Refunds take 5 business days.", "s", title="Refunds")) == []
    assert sentence_texts(Chunk("", "Refunds take 5 days. Always.", "s")) == ["Refunds take 5 days."]


def test_paragraphs_stay_whole_when_they_fit():
    paragraphs = ["Aa bb cc. Dd ee ff.", "Gg hh ii. Jj kk ll. Mm nn oo.", "Pp qq rr."]
    chunks = split([Document("\n\n".join(paragraphs), "a.md")], count_tokens, max_tokens=12)
    # Filling the first chunk with sentences would give 12 tokens but cut the second paragraph;
    # and a chunk past a tenth of the budget (1 token) starts no new paragraph.
    assert [c.text for c in chunks] == paragraphs


def test_only_scraps_of_paragraphs_are_joined():
    paragraphs = ["Note:", "Aa bb cc dd.", "Ee ff gg hh ii jj.", "Kk ll."]
    chunks = split([Document("\n\n".join(paragraphs), "a.md")], count_tokens, max_tokens=30)
    # "Note:" is 1 token, under 3 (30 // 10): the next paragraph joins it; then each stands alone.
    assert [c.text for c in chunks] == ["Note:\n\nAa bb cc dd.", paragraphs[2], paragraphs[3]]


def test_sentences_are_merged_greedily():
    text = "One two. Three four. Five six. Seven eight. Nine ten."
    chunks = split([Document(text, "a.md")], count_tokens, max_tokens=4)
    assert [c.text for c in chunks] == [
        "One two. Three four.",
        "Five six. Seven eight.",
        "Nine ten.",
    ]


def table_rows(source="prices.csv", section="", start=1, n=10) -> list[Document]:
    return [
        Document(
            f"Product: Item {i}; Price: {i} EUR",
            source,
            title="prices",
            section=section,
            row=i,
            kind="table",
        )
        for i in range(start, start + n)
    ]


def test_table_rows_are_grouped_and_never_cut():
    rows = table_rows()
    chunks = split(rows, count_tokens, max_tokens=20)  # context "prices" + 3 rows of 6 tokens
    assert within_budget(chunks, 20)
    assert [c.row for c in chunks] == [1, 4, 7, 10]
    row_texts = {r.text for r in rows}
    for chunk in chunks:
        assert chunk.kind == "table"
        assert all(line in row_texts for line in chunk.text.split("\n"))
    assert chunks[0].text == "\n".join(r.text for r in rows[:3])


def test_separate_tables_and_sheets_are_not_merged():
    docs = [*table_rows(n=2), *table_rows(n=2), *table_rows(section="Sheet2", n=2)]
    chunks = split(docs, count_tokens, max_tokens=200)
    assert [(c.section, c.row, c.text.count("\n") + 1) for c in chunks] == [
        ("", 1, 2),
        ("", 1, 2),
        ("Sheet2", 1, 2),
    ]


def test_an_oversized_row_gets_its_own_chunks():
    rows = table_rows(n=3)
    rows.insert(
        1,
        Document(
            "Product: Huge; Notes: " + "word " * 40,
            "prices.csv",
            title="prices",
            row=2,
            kind="table",
        ),
    )
    for i, row in enumerate(rows, start=1):
        row.row = i
    chunks = split(rows, count_tokens, max_tokens=20)
    assert within_budget(chunks, 20)
    huge = [c for c in chunks if c.row == 2]
    assert len(huge) >= 3
    assert all("Item" not in c.text for c in huge)
    assert [c.text for c in chunks if c.row != 2] == [
        rows[0].text,
        rows[2].text + "\n" + rows[3].text,
    ]


def test_huge_single_sentence_is_cut_into_pieces_that_fit():
    words = [f"w{i}" for i in range(500)]
    doc = Document(" ".join(words), "a.txt", title="Title", section="Part")
    chunks = split([doc], count_tokens, max_tokens=50)
    assert within_budget(chunks, 50)
    assert all(count_tokens(embedding_text(c)) >= 45 for c in chunks[:-1])  # nearly full
    assert " ".join(c.text for c in chunks).split() == words  # cut between words, nothing lost


def test_huge_chinese_sentence_without_punctuation_is_cut():
    text = "这是一段没有任何标点符号的非常长的中文文本" * 20
    chunks = split([Document(text, "a.txt")], count_tokens, max_tokens=30)
    assert within_budget(chunks, 30)
    assert "".join(c.text for c in chunks) == text


def test_faq_documents_are_one_chunk_each():
    faqs = [
        Document(f"Q: Question {i}?\nA: Answer {i}.", "faq.csv", title="faq", row=i, kind="faq")
        for i in range(1, 4)
    ]
    chunks = split(faqs, count_tokens, max_tokens=200, overlap_tokens=10)
    assert [(c.text, c.kind, c.row) for c in chunks] == [(f.text, "faq", f.row) for f in faqs]


def test_overlap_repeats_the_last_sentences():
    sentences = [f"Sentence {i} ends here." for i in range(12)]  # 4 tokens each
    doc = Document(" ".join(sentences), "a.md")
    plain = split([doc], count_tokens, max_tokens=16)
    chunks = split([doc], count_tokens, max_tokens=16, overlap_tokens=4)
    assert within_budget(chunks, 16)
    assert len(chunks) > len(plain)
    for before, after in zip(chunks[:-1], chunks[1:], strict=True):
        last = before.text.split(". ")[-1].rstrip(".")
        assert after.text.startswith(last)
    assert chunks[1].text.startswith("Sentence 3 ends here. Sentence 4")
    covered = {s for c in chunks for s in sentences if s in c.text}
    assert covered == set(sentences)


def test_overlap_stays_within_a_section():
    docs = [
        Document("One two three. Four five six.", "a.md", section="A"),
        Document("Seven eight nine.", "a.md", section="B"),
    ]
    chunks = split(docs, count_tokens, max_tokens=4, overlap_tokens=3)
    assert [c.text for c in chunks] == ["One two three.", "Four five six.", "Seven eight nine."]
    assert all("Seven" not in c.text for c in chunks if c.section == "A")


def test_empty_documents_are_skipped_and_bad_budgets_refused():
    assert split([Document("  \n", "a.md")], count_tokens, max_tokens=10) == []
    with pytest.raises(ValueError):
        split([Document("text", "a.md")], count_tokens, max_tokens=0)
    with pytest.raises(ValueError, match="no room"):
        split([Document("text", "a.md")], lambda text: 5, max_tokens=4)


def test_a_context_line_over_half_the_window_is_shortened():
    heading = "A heading that is really a whole sentence of many words " * 3
    doc = Document("Body text of the section. " * 10, "page.html", title="Page", section=heading)
    chunks = split([doc], count_tokens, max_tokens=16)
    assert within_budget(chunks, 16)
    assert all(c.section.endswith("…") and heading.startswith(c.section[:-1]) for c in chunks)
    assert all(count_tokens(embedding_text(c).split("\n")[0]) <= 8 for c in chunks)
    assert all(c.title == "Page" for c in chunks)


# --- Markdown blocks: code fences and tables ------------------------------------------------------

CODE = ["def refund(order):", "", "    check(order)", "", "    return pay_back(order)"]


def test_a_fence_with_blank_lines_stays_whole_in_one_chunk():
    text = "Call it like this:\n\n```python\n" + "\n".join(CODE) + "\n```\n\nThat is all."
    chunks = split([Document(text, "a.md")], count_tokens, max_tokens=30)
    holding = [c.text for c in chunks if "```" in c.text]
    assert len(holding) == 1
    assert "```python\n" + "\n".join(CODE) + "\n```" in holding[0]


def test_a_fence_over_the_budget_is_closed_and_reopened_in_every_chunk():
    code = [f"step_{i} = run({i})  # line {i}" for i in range(40)]
    text = "Before the code.\n```bash\n" + "\n".join(code) + "\n```\nAfter the code."
    chunks = split([Document(text, "a.md", section="Install")], count_tokens, max_tokens=40)
    assert within_budget(chunks, 40)
    fenced = [c.text for c in chunks if "```" in c.text]
    assert len(fenced) > 2
    seen: list[str] = []
    for chunk in fenced:
        lines = chunk.split("\n")
        assert lines.count("```bash") == 1 and lines[-1] == "```", chunk
        seen += lines[lines.index("```bash") + 1 : -1]
    assert seen == code  # every line once, in order, none cut
    assert "Before the code." in chunks[0].text and chunks[-1].text.endswith("After the code.")


def test_an_unclosed_fence_is_closed_in_its_chunk():
    chunks = split([Document("Run:\n\n```\nhelpdesk serve", "a.md")], count_tokens, max_tokens=30)
    assert chunks[-1].text.endswith("```\nhelpdesk serve\n```")


def test_a_table_over_the_budget_repeats_its_header_in_every_chunk():
    rows = [f"| Plan {i} | {i * 10} members | {i} GB |" for i in range(30)]
    text = "| Plan | Members | Storage |\n|---|---|---|\n" + "\n".join(rows)
    chunks = split([Document(text, "plans.md")], count_tokens, max_tokens=40)
    assert len(chunks) > 2 and within_budget(chunks, 40)
    body: list[str] = []
    for chunk in chunks:
        lines = chunk.text.split("\n")
        assert lines[:2] == ["| Plan | Members | Storage |", "|---|---|---|"]
        body += lines[2:]
    assert body == rows
