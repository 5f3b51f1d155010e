"""Keyword tokens: the words a question and a passage are matched by, in English and Chinese."""

from __future__ import annotations

from knowledge.keyword import BM25Index, tokenize


def test_english_stop_words_go_and_plurals_meet_their_singular():
    assert tokenize("How do I return the kettles?") == ["return", "kettle"]
    assert tokenize("Which policies apply?") == ["policy", "apply"]
    assert tokenize("Can I get them out of the box on their own?") == ["box"]


def test_chinese_function_characters_are_no_content_words():
    # "在 Windows 上" is "on Windows": "上" says where, not what is asked about.
    tokens = tokenize("在 Windows 上，自动整理画布节点排列的快捷键是什么？")
    assert "上" not in tokens and "window" in tokens and {"自动", "排列", "快捷键"} <= set(tokens)
    assert not {"里", "要", "会", "还"} & set(tokenize("Notion 页面里的图片还要会导入吗？"))
    # Words that only begin with one of those characters stay whole ("上传", "下载"), and single
    # characters that name something stay ("寄": send by post).
    assert {"上传", "下载"} <= set(tokenize("上传和下载的文件")) and "寄" in tokenize("寄到上海")


def test_bm25_ranks_the_passage_holding_the_rarer_question_words_first():
    index = BM25Index({"a": tokenize("Returns within 30 days."), "b": tokenize("Shipping to Germany takes 3 days.")})
    assert index.search(tokenize("How long does shipping to Germany take?"), 2)[0][0] == "b"
