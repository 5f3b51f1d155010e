"""Upload safety: names never reach the file system unsanitised; sizes are capped (unit)."""

from __future__ import annotations

import io

import pytest

from knowledge.errors import FileTooLarge, UnsupportedFile
from ui.storage import Originals
from ui.uploads import copy_limited, safe_name


@pytest.mark.parametrize("given, expected", [
    ("../../etc/passwd.md", "passwd.md"),
    ("..\\..\\Windows\\win.ini.txt", "win.ini.txt"),
    ("/abs/path/Guide.PDF", "Guide.pdf"),
    ("a/b/../../../../x.md", "x.md"),
    (".hidden.md", "hidden.md"),
    ("  spaced   name .md", "spaced name.md"),
    ("con.txt", "upload_con.txt"),
    ("x\x00y\x1f<>:|?*.md", "x_y_______.md"),
    ("退货政策.md", "退货政策.md"),
    ("..md", None),
    ("....", None),
    ("", None),
    ("payload.exe", None),
    ("noext", None),
])
def test_safe_name(given, expected):
    if expected is None:
        with pytest.raises(UnsupportedFile):
            safe_name(given)
    else:
        got = safe_name(given)
        assert got == expected
        assert "/" not in got and "\\" not in got and not got.startswith(".")


def test_safe_name_caps_length_and_keeps_suffix():
    got = safe_name("a" * 500 + ".markdown")
    assert len(got) <= 120 and got.endswith(".markdown")


def test_copy_limited_refuses_over_the_limit_and_leaves_nothing(tmp_path):
    dest = tmp_path / "big.md"
    with pytest.raises(FileTooLarge):
        copy_limited(io.BytesIO(b"x" * 2049), dest, 2048, "big.md")
    assert not dest.exists()
    with pytest.raises(UnsupportedFile):
        copy_limited(io.BytesIO(b""), dest, 2048, "empty.md")
    assert copy_limited(io.BytesIO(b"hello"), dest, 2048, "ok.md") == 5


def test_originals_keep_restore_forget_in_the_database(tmp_path):
    from ui.storage import make_engine, migrate

    src = tmp_path / "in.md"
    src.write_text("v1")
    engine = make_engine(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    migrate.upgrade(engine)
    kept = Originals(engine)
    kept.keep("en/returns.md", src)
    out = tmp_path / "out"
    out.mkdir()
    assert kept.restore("en/returns.md", out).read_text() == "v1" and kept.sources() == {"en/returns.md"}
    src.write_text("v2")
    kept.keep("en/returns.md", src)
    assert kept.restore("en/returns.md", out) == out / "returns.md" and (out / "returns.md").read_text() == "v2"
    kept.forget("en/returns.md")
    assert kept.restore("en/returns.md", out) is None and kept.sources() == set()
