"""Files that declare or expand into enormous work are read for what they hold, or refused fast
with an error naming the limit (knowledge/limits.py); XXE and billion laughs stay inert."""

from __future__ import annotations

import time

import pytest

from knowledge.errors import FileTooLarge, UnsupportedFile
from knowledge.limits import LimitExceeded, ParseLimits
from knowledge.loaders import load_file
from tests import hostile


def timed(fn):
    start = time.perf_counter()
    try:
        return fn(), time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 - returned for the test to check
        return exc, time.perf_counter() - start


def test_a_sheet_declaring_a_huge_range_is_read_for_the_cells_it_holds(tmp_path):
    path = hostile.xlsx_declaring(tmp_path / "prices.xlsx", "A1:XFD20000")
    assert path.stat().st_size < 8000
    loaded, seconds = timed(lambda: load_file(path))
    assert [d.text for d in loaded.documents] == ["Product: Kettle; Price: 89", "Product: Teapot; Price: 25"]
    assert seconds < 5


def test_a_sheet_wider_than_the_cell_limit_is_refused_naming_it(tmp_path):
    path = hostile.xlsx_wide(tmp_path / "wide.xlsx", 130)  # 130 rows x 16,384 columns = 2.1M cells
    assert path.stat().st_size < 20_000
    error, seconds = timed(lambda: load_file(path))
    assert isinstance(error, LimitExceeded) and isinstance(error, FileTooLarge)
    assert str(error) == "wide.xlsx: more than 2,000,000 cells (limit HELPDESK_INGEST__MAX_CELLS)"
    assert seconds < 30


def test_two_million_empty_docx_paragraphs_are_refused_fast(tmp_path):
    path = hostile.docx_empty_paragraphs(tmp_path / "manual.docx", 2_000_000)
    assert path.stat().st_size < 60_000
    error, seconds = timed(lambda: load_file(path))
    assert str(error) == "manual.docx: more than 200,000 paragraphs (limit HELPDESK_INGEST__MAX_PARAGRAPHS)"
    assert seconds < 10  # 50 s before the limit


def test_docx_under_the_paragraph_limit_still_loads(tmp_path):
    path = hostile.docx_empty_paragraphs(tmp_path / "manual.docx", 1000)
    assert [d.text for d in load_file(path).documents] == ["Descale the kettle every four weeks."]


def test_yaml_aliases_are_measured_spelled_out_and_refused(tmp_path):
    path = tmp_path / "faq.yaml"
    path.write_text(hostile.yaml_alias_bomb())
    assert path.stat().st_size < 250_000
    error, seconds = timed(lambda: load_file(path))
    assert isinstance(error, LimitExceeded)
    assert str(error).startswith("faq.yaml: expands (through its aliases) to 286 MB, more than 200 MB")
    assert "HELPDESK_INGEST__MAX_EXPANDED_MB" in str(error) and seconds < 5

    path.write_text(hostile.yaml_laughs())
    error, seconds = timed(lambda: load_file(path))
    assert isinstance(error, LimitExceeded) and "expands (through its aliases)" in str(error) and seconds < 5


def test_yaml_with_a_few_aliases_and_recursive_aliases(tmp_path):
    path = tmp_path / "faq.yml"
    path.write_text("shipping: &ship Parcels leave within a day.\n"
                    "faq:\n  - {question: 'When do parcels leave?', answer: *ship}\n"
                    "  - {question: 'Is shipping fast?', answer: *ship}\n")
    assert [e.answer for e in load_file(path).faq] == ["Parcels leave within a day."] * 2
    path.write_text("faq: &loop\n  - question: Why?\n    answer: *loop\n")
    with pytest.raises(LimitExceeded, match="expands"):
        load_file(path)


@pytest.mark.parametrize("name, content, limits, message", [
    ("rows.csv", "q,a\n" + "x,y\n" * 50, ParseLimits(max_rows=40),
     "rows.csv: more than 40 rows (limit HELPDESK_INGEST__MAX_ROWS)"),
    ("cells.tsv", "a\tb\tc\n" * 10, ParseLimits(max_cells=20),
     "cells.tsv: more than 20 cells (limit HELPDESK_INGEST__MAX_CELLS)"),
    ("faq.json", '[' + ",".join(['{"question": "q?", "answer": "a"}'] * 30) + ']', ParseLimits(max_rows=20),
     "faq.json: more than 20 rows (limit HELPDESK_INGEST__MAX_ROWS)"),
])
def test_row_and_cell_limits_are_settings(tmp_path, name, content, limits, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(LimitExceeded) as caught:
        load_file(path, limits=limits)
    assert str(caught.value) == message


def test_pdf_page_limit(tmp_path):
    from tests.unit.test_loaders import make_pdf

    path = make_pdf(tmp_path / "manual.pdf", ["One.", "Two.", "Three."])
    assert len(load_file(path, limits=ParseLimits(max_pages=3)).documents) == 3
    with pytest.raises(LimitExceeded, match=r"^manual\.pdf: more than 2 pages \(limit HELPDESK_INGEST__MAX_PAGES\)$"):
        load_file(path, limits=ParseLimits(max_pages=2))


def test_parse_time_limit(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("product,price\n" + "".join(f"item {i},{i}\n" for i in range(50_000)))
    with pytest.raises(LimitExceeded, match=r"^big\.csv: parsing took longer than 0.001 s "
                                           r"\(limit HELPDESK_INGEST__PARSE_SECONDS\)$"):
        load_file(path, limits=ParseLimits(parse_seconds=0.001))


def test_office_parts_that_unpack_past_the_limit_are_refused(tmp_path):
    path = hostile.docx_empty_paragraphs(tmp_path / "manual.docx", 300_000)  # ~1.7 MB of XML
    with pytest.raises(LimitExceeded, match=r"^manual\.docx: unpacks to \d MB, more than 1 MB "
                                           r"\(limit HELPDESK_INGEST__MAX_EXPANDED_MB\)$"):
        load_file(path, limits=ParseLimits(max_expanded_mb=1))


@pytest.mark.parametrize("make", [hostile.docx_with_doctype, hostile.xlsx_with_doctype])
def test_external_entities_are_never_read(tmp_path, make):
    path = make(tmp_path / ("x.docx" if make is hostile.docx_with_doctype else "x.xlsx"), hostile.XXE,
                "&xxe; Descaling takes ten minutes.")
    result, _ = timed(lambda: load_file(path))
    text = "" if isinstance(result, Exception) else " ".join(d.text for d in result.documents)
    assert "root:" not in text
    assert isinstance(result, UnsupportedFile) or "Descaling takes ten minutes." in text


@pytest.mark.parametrize("make", [hostile.docx_with_doctype, hostile.xlsx_with_doctype])
def test_billion_laughs_are_never_expanded(tmp_path, make):
    path = make(tmp_path / ("x.docx" if make is hostile.docx_with_doctype else "x.xlsx"), hostile.LAUGHS,
                "&l9; Descaling takes ten minutes.")
    result, seconds = timed(lambda: load_file(path))
    assert seconds < 5
    text = "" if isinstance(result, Exception) else " ".join(d.text for d in result.documents)
    assert "lollollol" not in text
    assert isinstance(result, UnsupportedFile) or "Descaling takes ten minutes." in text
