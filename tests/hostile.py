"""Small files that declare or expand into enormous work, built for the tests (never shipped).

Each is a real file of its format, made with the format's own library and then edited at the
XML level the way an attacker would: a sheet that claims ``A1:XFD20000``, two million empty DOCX
paragraphs, entity declarations (XXE, billion laughs), a YAML file whose aliases repeat one
answer thousands of times.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _rewrite_zip(data: bytes, part: str, edit) -> bytes:
    """The same ZIP with one part's text passed through ``edit``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == part:
                body = edit(body.decode("utf-8")).encode("utf-8")
            dst.writestr(info.filename, body, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def xlsx_bytes(rows: list[list], title: str = "Prices") -> bytes:
    """A workbook with one sheet holding ``rows``."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_declaring(path: Path, ref: str = "A1:XFD20000") -> Path:
    """A tiny real price list whose sheet declares the range ``ref`` (1.6 KB claiming 327M cells)."""
    data = xlsx_bytes([["Product", "Price"], ["Kettle", 89], ["Teapot", 25]])
    path.write_bytes(_rewrite_zip(data, "xl/worksheets/sheet1.xml",
                                  lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', xml)))
    return path


def xlsx_wide(path: Path, rows: int) -> Path:
    """``rows`` rows, each with one value in the last column (XFD): every row is 16,384 cells wide."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for r in range(1, rows + 1):
        sheet.cell(row=r, column=16384, value=f"v{r}")
    book.save(path)
    return path


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A DOCX with these paragraphs."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_empty_paragraphs(path: Path, n: int, text: str = "Descale the kettle every four weeks.") -> Path:
    """One real paragraph followed by ``n`` empty ones (2,000,000 of them zip to about 18 KB)."""
    data = docx_bytes([text])
    path.write_bytes(_rewrite_zip(data, "word/document.xml",
                                  lambda xml: xml.replace("<w:sectPr", "<w:p/>" * n + "<w:sectPr", 1)))
    return path


def docx_with_doctype(path: Path, doctype: str, paragraph: str) -> Path:
    """A DOCX whose document part declares ``doctype`` and holds ``paragraph`` (raw XML text)."""
    data = docx_bytes(["PLACEHOLDER"])

    def edit(xml: str) -> str:
        xml = re.sub(r"^(<\?xml[^>]*\?>)", rf"\1{doctype}", xml.lstrip())
        return xml.replace("PLACEHOLDER", paragraph)

    path.write_bytes(_rewrite_zip(data, "word/document.xml", edit))
    return path


def xlsx_with_doctype(path: Path, doctype: str, cell: str) -> Path:
    """An XLSX whose sheet declares ``doctype`` and whose one text cell is ``cell`` (raw XML)."""
    data = xlsx_bytes([["Question", "Answer"], ["PLACEHOLDER", "yes"]])

    def edit(xml: str) -> str:
        xml = re.sub(r"^(<\?xml[^>]*\?>)", rf"\1{doctype}", xml.lstrip())
        if not xml.startswith("<?xml"):
            xml = doctype + xml
        return xml.replace("PLACEHOLDER", cell)

    path.write_bytes(_rewrite_zip(data, "xl/worksheets/sheet1.xml", edit))
    return path


XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = ('<!DOCTYPE x [<!ENTITY l0 "lol">'
          + "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10)) + "]>")


def yaml_alias_bomb(entries: int = 3000, answer_chars: int = 100_000) -> str:
    """An FAQ whose every answer is an alias of one long string: ~{entries * 20} bytes of YAML that
    spell out ``entries * answer_chars`` characters."""
    lines = [f'long: &a "{"x" * answer_chars}"', "faq:"]
    lines += [f"  - {{question: 'Question {i}?', answer: *a}}" for i in range(entries)]
    return "\n".join(lines) + "\n"


def yaml_laughs(levels: int = 9) -> str:
    """The billion-laughs shape in YAML: each level a list of ten aliases of the previous one."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    lines.append("faq: [{question: 'Why?', answer: *l%d}]" % levels)
    return "\n".join(lines) + "\n"
