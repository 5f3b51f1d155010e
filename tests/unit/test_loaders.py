"""Loaders: every format from a real file made in tmp_path, and every refusal."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import openpyxl
import pytest
from fpdf import FPDF

from knowledge.errors import FileTooLarge, InputError, NotFound, UnsupportedFile
from knowledge.loaders import SUPPORTED_SUFFIXES, iter_files, load_file


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def by_section(loaded) -> dict[str, str]:
    return {doc.section: doc.text for doc in loaded.documents}


# --- Markdown and plain text -------------------------------------------------------------------


def test_markdown_headings_become_section_paths(tmp_path):
    path = write(
        tmp_path,
        "returns.md",
        "Intro before any heading.\n\n"
        "# Shipping policy\n\nWe ship worldwide.\n\n"
        "## Returns\n\nReturn within 30 days.\n\n```\n# not a heading\n```\n\n"
        "### Damaged items\n\nSend a photo.\n\n"
        "Refunds\n-------\n\nMoney back in 5 days.\n",
    )
    loaded = load_file(path)
    assert loaded.source == "returns.md"
    assert loaded.title == "Shipping policy"
    sections = by_section(loaded)
    assert sections[""] == "Intro before any heading."
    assert sections["Shipping policy"] == "We ship worldwide."
    assert sections["Shipping policy > Returns"].startswith("Return within 30 days.")
    assert "# not a heading" in sections["Shipping policy > Returns"]
    assert sections["Shipping policy > Returns > Damaged items"] == "Send a photo."
    assert sections["Shipping policy > Refunds"] == "Money back in 5 days."
    assert all(d.title == "Shipping policy" and d.kind == "text" for d in loaded.documents)
    assert all(d.source == "returns.md" for d in loaded.documents)


def test_plain_text_without_heading_uses_stem_and_given_source(tmp_path):
    path = write(tmp_path, "opening-hours.txt", "Open 9 to 5.\r\nClosed on Sunday.\r\n")
    loaded = load_file(path, source="kb/opening-hours.txt")
    assert loaded.title == "opening-hours"
    assert loaded.source == "kb/opening-hours.txt"
    assert [d.text for d in loaded.documents] == ["Open 9 to 5.\nClosed on Sunday."]
    assert loaded.documents[0].source == "kb/opening-hours.txt"


# --- HTML --------------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head><title>Help centre</title><style>body {color: red}</style></head>
<body>
<header>Site banner</header>
<nav><a href="/">Home</a><a href="/shop">Shop</a></nav>
<div role="navigation">Breadcrumbs here</div>
<p>Text outside main is left out.</p>
<main>
  <h1>Returns</h1>
  <p>Send the item back
     within <b>30 days</b>.</p>
  <script>alert("tracking")</script>
  <form><label>Search</label><input></form>
  <ul><li>Keep the receipt</li><li>Use the original box</li></ul>
  <h2>Refunds</h2>
  <p>Refunds take 5 days.</p>
  <aside>Related: gift cards</aside>
  <noscript>Enable JavaScript</noscript>
</main>
<footer>Copyright ACME</footer>
</body></html>"""



def test_html_ordered_lists_are_numbered_steps(tmp_path):
    page = ("<main><h1>How to make a claim</h1><ol><li>Run a <strong>diagnostic</strong> first.</li>"
            "<li>Open <b>Warranty claim</b>.</li></ol><p>Or:</p><ol start=\"3\"><li>Call us.</li></ol>"
            "<ul><li>Keep the receipt</li></ul></main>")
    sections = by_section(load_file(write(tmp_path, "claim.html", page)))
    assert sections["How to make a claim"] == (
        "1. Run a diagnostic first.\n2. Open Warranty claim.\n\nOr:\n\n3. Call us.\n\n- Keep the receipt")

def test_html_keeps_main_text_and_drops_page_chrome(tmp_path):
    loaded = load_file(write(tmp_path, "help.html", PAGE))
    assert loaded.title == "Help centre"
    sections = by_section(loaded)
    assert set(sections) == {"Returns", "Returns > Refunds"}
    assert sections["Returns"] == (
        "Send the item back within 30 days.\n\n- Keep the receipt\n- Use the original box"
    )
    assert sections["Returns > Refunds"] == "Refunds take 5 days."
    everything = "\n".join(sections.values())
    for junk in (
        "banner",
        "Home",
        "Breadcrumbs",
        "outside main",
        "alert",
        "Search",
        "gift cards",
        "JavaScript",
        "Copyright",
        "color",
    ):
        assert junk not in everything


def test_html_without_main_prefers_article_and_falls_back_to_h1_title(tmp_path):
    html = (
        "<html><body><div class='menu'>Menu links</div>"
        "<article><header><h1>Warranty</h1></header><p>Two years on all kettles.</p></article>"
        "</body></html>"
    )
    loaded = load_file(write(tmp_path, "warranty.htm", html))
    assert loaded.title == "Warranty"
    assert by_section(loaded) == {"Warranty": "Two years on all kettles."}


# --- PDF ---------------------------------------------------------------------------------------


def make_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
    pdf.output(str(path))
    return path


def test_pdf_gives_one_document_per_page_with_page_numbers(tmp_path):
    path = make_pdf(
        tmp_path / "manual.pdf",
        ["Kettle safety rules.", "", "Descaling steps."],
        title="Kettle manual",
    )
    loaded = load_file(path)
    assert loaded.title == "Kettle manual"
    assert [(d.page, d.text) for d in loaded.documents] == [
        (1, "Kettle safety rules."),
        (3, "Descaling steps."),
    ]


def test_pdf_without_metadata_title_uses_stem(tmp_path):
    loaded = load_file(make_pdf(tmp_path / "leaflet.pdf", ["Hello."]))
    assert loaded.title == "leaflet"


def test_pdf_without_text_layer_is_refused(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", ["", ""])
    with pytest.raises(UnsupportedFile, match=r"scan\.pdf has no text layer \(scanned\?\)"):
        load_file(path)


def test_corrupt_pdf_is_refused(tmp_path):
    path = write(tmp_path, "broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog garbage \x00\xff")
    with pytest.raises(UnsupportedFile, match=r"broken\.pdf is not a readable PDF"):
        load_file(path)


def test_text_renamed_pdf_is_refused(tmp_path):
    path = write(tmp_path, "notes.pdf", "Just some notes, not a PDF at all.")
    with pytest.raises(UnsupportedFile, match=r"notes\.pdf is not a PDF file"):
        load_file(path)


# --- DOCX --------------------------------------------------------------------------------------


def test_docx_headings_and_table_rows(tmp_path):
    doc = docx.Document()
    doc.add_heading("Product guide", 0)
    doc.add_paragraph("Read this first.")
    doc.add_heading("Warranty", 1)
    doc.add_paragraph("Two years on everything.")
    table = doc.add_table(rows=3, cols=3)
    for r, values in enumerate(
        [
            ("Product", "Price", "Warranty"),
            ("Kettle", "30 EUR", "2 years"),
            ("Toaster", "", "1 year"),
        ]
    ):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    doc.add_paragraph("Text after the table.")
    doc.add_heading("Repairs", 2)
    doc.add_paragraph("Call us.")
    path = tmp_path / "guide.docx"
    doc.save(str(path))

    loaded = load_file(path)
    assert loaded.title == "Product guide"
    got = [(d.kind, d.section, d.row, d.text) for d in loaded.documents]
    assert got == [
        ("text", "Product guide", None, "Read this first."),
        ("text", "Product guide > Warranty", None, "Two years on everything."),
        (
            "table",
            "Product guide > Warranty",
            1,
            "Product: Kettle; Price: 30 EUR; Warranty: 2 years",
        ),
        ("table", "Product guide > Warranty", 2, "Product: Toaster; Warranty: 1 year"),
        ("text", "Product guide > Warranty", None, "Text after the table."),
        ("text", "Product guide > Warranty > Repairs", None, "Call us."),
    ]


def test_text_renamed_docx_is_refused(tmp_path):
    with pytest.raises(UnsupportedFile, match=r"letter\.docx is not a DOCX file"):
        load_file(write(tmp_path, "letter.docx", "Dear customer"))


def test_zip_that_is_not_a_docx_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "fake.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(UnsupportedFile, match=r"fake\.docx is not a readable DOCX"):
        load_file(path)


# --- Tables ------------------------------------------------------------------------------------


def test_csv_rows_repeat_the_header(tmp_path):
    path = write(
        tmp_path,
        "prices.csv",
        'Product,Price,Note\nKettle,30 EUR,"Steel, 1.7 l"\n,,\nToaster,25 EUR,\n',
    )
    loaded = load_file(path)
    assert loaded.title == "prices" and loaded.faq == []
    assert [(d.kind, d.row, d.text) for d in loaded.documents] == [
        ("table", 1, "Product: Kettle; Price: 30 EUR; Note: Steel, 1.7 l"),
        ("table", 3, "Product: Toaster; Price: 25 EUR"),
    ]


def test_semicolon_csv_and_tsv(tmp_path):
    semi = load_file(write(tmp_path, "eu.csv", "Produkt;Preis\nKessel;30,00\n"))
    assert semi.documents[0].text == "Produkt: Kessel; Preis: 30,00"
    tsv = load_file(write(tmp_path, "t.tsv", "Product\tPrice\nKettle\t30\n"))
    assert tsv.documents[0].text == "Product: Kettle; Price: 30"


def test_xlsx_rows_with_sheet_as_section(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Kettles"
    sheet.append(["Product", "Price", "Stock"])
    sheet.append(["Classic", 30.0, 12])
    sheet.append(["Deluxe", 49.9, None])
    other = book.create_sheet("Toasters")
    other.append(["Product", "Price"])
    other.append(["Slim", 25])
    path = tmp_path / "catalogue.xlsx"
    book.save(str(path))

    loaded = load_file(path)
    assert [(d.section, d.row, d.kind, d.text) for d in loaded.documents] == [
        ("Kettles", 1, "table", "Product: Classic; Price: 30; Stock: 12"),
        ("Kettles", 2, "table", "Product: Deluxe; Price: 49.9"),
        ("Toasters", 1, "table", "Product: Slim; Price: 25"),
    ]


# --- FAQ files ---------------------------------------------------------------------------------


def faq_pairs(loaded) -> list[tuple[str, str]]:
    return [(e.question, e.answer) for e in loaded.faq]


def test_faq_csv_english_headers(tmp_path):
    path = write(
        tmp_path, "faq.csv", 'ID,Question,Answer\n1,How do I return?,"Post it back.\nFree."\n'
    )
    loaded = load_file(path)
    assert faq_pairs(loaded) == [("How do I return?", "Post it back.\nFree.")]
    assert loaded.faq[0].source == "faq.csv"
    doc = loaded.documents[0]
    assert (doc.kind, doc.row, doc.text) == (
        "faq",
        1,
        "Q: How do I return?\nA: Post it back.\nFree.",
    )


def test_faq_csv_and_tsv_chinese_and_short_headers(tmp_path):
    zh = load_file(write(tmp_path, "常见问题.csv", "问题,答案\n怎么退货？,三十天内寄回即可。\n"))
    assert faq_pairs(zh) == [("怎么退货？", "三十天内寄回即可。")]
    assert zh.documents[0].text == "Q: 怎么退货？\nA: 三十天内寄回即可。"
    short = load_file(write(tmp_path, "qa.tsv", "Q\tA\nOpen on Sunday?\tNo.\n"))
    assert faq_pairs(short) == [("Open on Sunday?", "No.")]
    one_char = load_file(write(tmp_path, "zh.tsv", "问\t答\n几点开门？\t九点。\n"))
    assert faq_pairs(one_char) == [("几点开门？", "九点。")]


def test_faq_xlsx(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["问题", "答案"])
    book.active.append(["运费多少？", "满百包邮。"])
    path = tmp_path / "faq.xlsx"
    book.save(str(path))
    loaded = load_file(path)
    assert faq_pairs(loaded) == [("运费多少？", "满百包邮。")]
    assert loaded.documents[0].kind == "faq"


def test_faq_json_list_and_object(tmp_path):
    items = [
        {"question": "Do you ship abroad?", "answer": "Yes, to the EU."},
        {"Question": "退货要钱吗？", "Answer": "不要钱。"},
    ]
    loaded = load_file(write(tmp_path, "faq.json", json.dumps(items, ensure_ascii=False)))
    assert faq_pairs(loaded) == [
        ("Do you ship abroad?", "Yes, to the EU."),
        ("退货要钱吗？", "不要钱。"),
    ]
    assert [d.text for d in loaded.documents] == [
        "Q: Do you ship abroad?\nA: Yes, to the EU.",
        "Q: 退货要钱吗？\nA: 不要钱。",
    ]
    assert all(d.kind == "faq" for d in loaded.documents)
    wrapped = load_file(write(tmp_path, "more.json", json.dumps({"faq": items[:1]})))
    assert faq_pairs(wrapped) == [("Do you ship abroad?", "Yes, to the EU.")]


def test_faq_yaml_list_and_object(tmp_path):
    listed = load_file(
        write(tmp_path, "faq.yaml", "- question: Gift wrap?\n  answer: Yes, 2 EUR.\n")
    )
    assert faq_pairs(listed) == [("Gift wrap?", "Yes, 2 EUR.")]
    zh = load_file(write(tmp_path, "faq.yml", "faq:\n  - 问题: 可以开发票吗？\n    答案: 可以。\n"))
    assert faq_pairs(zh) == [("可以开发票吗？", "可以。")]


@pytest.mark.parametrize(
    "name, content",
    [
        ("settings.json", '{"theme": "dark"}'),
        ("list.json", '[{"title": "no question here"}]'),
        ("numbers.yaml", "- 1\n- 2\n"),
        ("config.yml", "debug: true\n"),
    ],
)
def test_json_or_yaml_that_is_not_faq_is_refused(tmp_path, name, content):
    with pytest.raises(UnsupportedFile, match=rf"{name}.*expected a list of"):
        load_file(write(tmp_path, name, content))


def test_invalid_json_is_refused(tmp_path):
    with pytest.raises(UnsupportedFile, match=r"bad\.json is not valid JSON \(line 1"):
        load_file(write(tmp_path, "bad.json", '[{"question": '))


# --- Text decoding -----------------------------------------------------------------------------

TEXT = "# 退货政策\n\n三十天内可以退货。\nReturns within 30 days.\n"


@pytest.mark.parametrize(
    "encoded",
    [
        TEXT.encode("utf-16"),  # with its BOM, little-endian here
        "\ufeff".encode("utf-16-be") + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-8-sig"),
        TEXT.encode("gb18030"),
        TEXT.replace("\n", "\r\n").encode("gbk"),
    ],
    ids=["utf-16-le", "utf-16-be", "utf-8-sig", "gb18030", "gbk-crlf"],
)
def test_text_encodings_decode(tmp_path, encoded):
    loaded = load_file(write(tmp_path, "policy.md", encoded))
    assert loaded.title == "退货政策"
    assert [d.text for d in loaded.documents] == ["三十天内可以退货。\nReturns within 30 days."]


def test_latin1_text_is_guessed(tmp_path):
    text = (
        "Nous expédions vos commandes sous trois jours ouvrés. Les retours sont gratuits pendant "
        "trente jours après la réception du colis, à condition que l'article soit complet."
    )
    loaded = load_file(write(tmp_path, "livraison.txt", text.encode("cp1252")))
    assert loaded.documents[0].text == text


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 4, b"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 50, b"\x89PNG\r\n\x1a\n"],
    ids=["nul-bytes", "control-characters", "png"],
)
def test_binary_file_named_txt_is_refused(tmp_path, content):
    with pytest.raises(UnsupportedFile, match=r"data\.txt looks like a binary file, not text"):
        load_file(write(tmp_path, "data.txt", content))


# --- Refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content",
    [
        ("empty.md", b""),
        ("spaces.txt", b"  \n\n\t \n"),
        ("chrome.html", b"<html><body><nav>Home</nav><script>x()</script></body></html>"),
        ("header-only.csv", b"Product,Price\n"),
        ("blank16.txt", " \n ".encode("utf-16")),
    ],
)
def test_empty_files_are_refused(tmp_path, name, content):
    with pytest.raises(UnsupportedFile, match=rf"{name} is empty"):
        load_file(write(tmp_path, name, content))


def test_too_large_file_is_refused(tmp_path):
    path = write(tmp_path, "big.txt", "word " * (2**19 // 5))  # half a MiB
    with pytest.raises(FileTooLarge, match=r"big\.txt is 0\.5 MB, over the limit of 0\.25 MB"):
        load_file(path, max_bytes=2**18)
    assert load_file(path).documents  # the default limit is 50 MB


def test_unknown_suffix_is_refused_with_supported_types(tmp_path):
    with pytest.raises(
        UnsupportedFile, match=r"photo\.png: '\.png' files are not supported"
    ) as err:
        load_file(write(tmp_path, "photo.png", b"\x89PNG\r\n\x1a\n"))
    for suffix in (".md", ".pdf", ".docx", ".xlsx", ".csv", ".json", ".yaml", ".html"):
        assert suffix in str(err.value)


def test_supported_suffixes():
    assert {
        ".md",
        ".markdown",
        ".mdx",
        ".txt",
        ".html",
        ".htm",
        ".pdf",
        ".docx",
        ".csv",
        ".tsv",
        ".xlsx",
        ".json",
        ".yaml",
        ".yml",
    } == SUPPORTED_SUFFIXES


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(NotFound, match="nothing.md does not exist"):
        load_file(tmp_path / "nothing.md")


def test_every_refusal_is_an_input_error():
    for error in (UnsupportedFile, FileTooLarge, NotFound):
        assert issubclass(error, InputError)


# --- iter_files --------------------------------------------------------------------------------


def test_iter_files_recurses_sorted_and_skips_hidden(tmp_path):
    for name in [
        "kb/b.md",
        "kb/a.txt",
        "kb/sub/c.pdf",
        "kb/.hidden.md",
        "kb/.git/config",
        "kb/z/.secret/x.md",
        "single.csv",
    ]:
        write(tmp_path, name, "x")
    files = list(iter_files([tmp_path / "kb", tmp_path / "single.csv", tmp_path / "kb" / "b.md"]))
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "kb/a.txt",
        "kb/b.md",
        "kb/sub/c.pdf",
        "single.csv",
    ]


def test_iter_files_missing_path_is_not_found(tmp_path):
    write(tmp_path, "a.md", "x")
    with pytest.raises(NotFound, match="missing"):
        list(iter_files([tmp_path / "a.md", tmp_path / "missing"]))
