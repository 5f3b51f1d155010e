"""Sources without a crawl: intervals, the store, what a location may be, and how a source's name
becomes a citation link (SQLite on a temporary file; loopback names only, never resolved elsewhere)."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from knowledge.errors import InputError, NotFound
from ui.safe_markdown import source_markdown
from ui.sources import SourceSync, describe_every, parse_every
from ui.storage import Storage


@pytest.mark.parametrize("text, seconds", [("30m", 1800), ("6h", 21600), ("1d", 86400), (" 90s ", 90), ("2H", 7200)])
def test_intervals_read_as_durations(text, seconds):
    assert parse_every(text) == seconds


@pytest.mark.parametrize("bad", ["", "6", "6 hours", "-1h", "0m", "30s", "400d", "1e3h", "6h;drop", None, 6, "١h"])
def test_bad_intervals_are_refused_naming_the_value(bad):
    with pytest.raises(InputError, match="interval") as refused:
        parse_every(bad)
    assert repr(bad)[:20] in str(refused.value)


def test_intervals_are_shown_in_their_largest_unit():
    assert [describe_every(s) for s in (1800, 21600, 86400, 90)] == ["30m", "6h", "1d", "90s"]


@pytest.fixture
def storage(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    yield storage
    storage.close()


def _sync(storage, tmp_path, allow_private=False) -> SourceSync:
    settings = Settings(data_dir=tmp_path, sync={"allow_private": allow_private})
    return SourceSync(storage, settings, knowledge=lambda: pytest.fail("no sync in these tests"))


def test_sources_are_added_listed_and_removed_with_their_job(storage, tmp_path):
    sync = _sync(storage, tmp_path, allow_private=True)
    site = sync.add("HTTP://127.0.0.1:8080/help/#top", "6h")
    assert site["kind"] == "site" and site["location"] == "http://127.0.0.1:8080/help/"
    folder = sync.add(str(tmp_path), "30m")
    assert folder["kind"] == "folder" and folder["every_s"] == 1800
    listed = sync.list()
    assert [s["id"] for s in listed] == [site["id"], folder["id"]]
    assert listed[0]["next_run"] == "now" and listed[0]["last_status"] == "" and listed[0]["every"] == "6h"
    with pytest.raises(InputError, match="already source"):
        sync.add("http://127.0.0.1:8080/help/")
    storage.sources.save_state(site["id"], {"pages": {"x": {"url": "x"}}})
    assert storage.sources.state(site["id"]) == {"pages": {"x": {"url": "x"}}}
    assert sync.remove(site["id"])["location"] == "http://127.0.0.1:8080/help/"
    assert storage.jobs.get(f"source:{site['id']}") is None
    assert [s["id"] for s in sync.list()] == [folder["id"]]
    for unknown in (site["id"], 999, -1, 0, 10**20, True, "1"):
        with pytest.raises(NotFound):
            sync.remove(unknown)


@pytest.mark.parametrize("location, why", [
    ("ftp://example.com/help/", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("javascript:alert(1)", "no such folder"),
    ("http://", "host"),
    ("http://127.0.0.1/help/", "HELPDESK_SYNC__ALLOW_PRIVATE"),
    ("http://[::1]/", "loopback"),
    ("http://0.0.0.0/", "never crawled"),
    ("/no/such/folder", "no such folder"),
    ("", "give a website URL"),
    ("  ", "give a website URL"),
    ("a\x00b", "NUL"),
    ("https://example.com/" + "a" * 3000, "2000"),
    (["http://example.com/"], "give a website URL"),
])
def test_hostile_locations_are_refused_naming_the_problem(storage, tmp_path, location, why):
    with pytest.raises(InputError, match=why):
        _sync(storage, tmp_path).add(location, "6h")
    assert storage.sources.list() == []


def test_a_page_url_source_becomes_a_link_anything_else_code():
    assert source_markdown("https://help.example.com/returns") == \
        "[https\\:\\/\\/help\\.example\\.com\\/returns](https://help.example.com/returns)"
    for not_a_page in ("returns.md", "javascript:alert(1)", "https://x/a)b", 'https://x/"><img src=x>',
                       "https://x/a b", "mailto:a@b.c", "data:text/html,<b>"):
        assert source_markdown(not_a_page) == f"`{not_a_page}`"
