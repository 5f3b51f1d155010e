"""Sources end to end against a real website on 127.0.0.1 (tests/websites.py) and real folders:
``helpdesk ingest URL`` and a sitemap, ``helpdesk sources`` and ``helpdesk sync`` as processes,
a page that changes and one that disappears between syncs, a folder with a changed and a deleted
file, and two schedulers on one database that sync a source once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid

import pytest

from bot.settings import Settings
from tests.websites import Website
from ui.scheduler import Scheduler
from ui.sources import SourceSync
from ui.storage import Storage

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

SYNC_ENV = {"HELPDESK_SYNC__ALLOW_PRIVATE": "true", "HELPDESK_SYNC__DELAY_SECONDS": "0",
            "HELPDESK_SYNC__PAGE_SECONDS": "3", "HELPDESK_EMBEDDER": "all-minilm-l6-v2"}


def helpdesk(data, *args: str, code: int = 0) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env = {**clean, "HELPDESK_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1", **SYNC_ENV}
    proc = subprocess.run([sys.executable, "-m", "ui.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == code, f"helpdesk {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}"
    return proc


def _help_center(site: Website) -> None:
    site.page("/help/", "<main><h1>Help</h1><a href='returns'>Returns</a> <a href='shipping'>Shipping</a> "
                        "<a href='/blog/'>Blog</a></main>", title="Help")
    site.page("/help/returns", "<main><h1>Returns</h1><p>Return a kettle within 30 days.</p></main>", title="Returns")
    site.page("/help/shipping", "<main><h1>Shipping</h1><p>We ship to 40 countries in 3 days.</p></main>",
              title="Shipping")
    site.page("/blog/", "<p>outside the help center</p>")


@pytest.fixture
def site() -> Website:
    site = Website()
    _help_center(site)
    return site


def test_cli_ingests_a_site_and_a_sitemap_with_bounds(site, tmp_path):
    data = tmp_path / "data"
    with site.served() as root:
        site.sitemap("/sitemap.xml", [f"{root}/help/returns", f"{root}/help/shipping", f"{root}/blog/"])
        out = helpdesk(data, "ingest", f"{root}/help/", "--json")
        report = json.loads(out.stdout)
        assert set(report) == {"documents", "seconds"}
        assert sorted((d["source"], d["status"]) for d in report["documents"]) == [
            (f"{root}/help/", "added"), (f"{root}/help/returns", "added"), (f"{root}/help/shipping", "added")]
        assert all(d["chunks"] > 0 and d["error"] is None for d in report["documents"])
        assert f"{root}/help/returns" in out.stderr  # progress goes to stderr

        again = helpdesk(data, "ingest", f"{root}/sitemap.xml", "--max-pages", "2")
        lines = again.stdout.splitlines()
        assert len(lines) == 2 and all(line.startswith("unchanged") for line in lines), again.stdout
        depth0 = json.loads(helpdesk(data, "ingest", f"{root}/help/", "--depth", "0", "--json").stdout)
        assert [d["source"] for d in depth0["documents"]] == [f"{root}/help/"]
        docs = json.loads(helpdesk(data, "docs", "--json").stdout)["documents"]
        assert {d["source"] for d in docs} == {f"{root}/help/", f"{root}/help/returns", f"{root}/help/shipping"}

        refused = helpdesk(data, "ingest", "ftp://127.0.0.1/help/", code=2)
        assert "only http and https" in refused.stderr and refused.stdout == ""
        gone = helpdesk(data, "ingest", f"{root}/nothing/", "--json", code=2)  # a 404 start: nothing to take
        assert json.loads(gone.stdout)["documents"][0]["status"] == "failed"


def test_cli_sources_follow_a_site_and_a_folder_through_changes(site, tmp_path):
    data = tmp_path / "data"
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "warranty.md").write_text("# Warranty\n\nKettles have a two year warranty.\n", "utf-8")
    (folder / "care.md").write_text("# Care\n\nDescale the kettle every month.\n", "utf-8")
    with site.served() as root:
        assert "every 1d" in helpdesk(data, "sources", "add", f"{root}/help/", "--every", "1d").stdout
        helpdesk(data, "sources", "add", str(folder), "--every", "30m")
        bad = helpdesk(data, "sources", "add", str(folder), "--every", "often", code=2)
        assert "'often'" in bad.stderr
        listed = json.loads(helpdesk(data, "sources", "list", "--json").stdout)["sources"]
        assert [(s["kind"], s["every"], s["last_status"], s["next_run"]) for s in listed] == [
            ("site", "1d", "", "now"), ("folder", "30m", "", "now")]
        site_id, folder_id = listed[0]["id"], listed[1]["id"]

        first = helpdesk(data, "sync").stdout
        assert f"source {site_id} {root}/help/: 3 added, 0 updated, 0 removed, 0 unchanged, 0 failed" in first
        assert f"source {folder_id} {folder}: 2 added, 0 updated, 0 removed, 0 unchanged, 0 failed" in first

        site.page("/help/returns", "<main><h1>Returns</h1><p>Return a kettle within 60 days.</p></main>",
                  title="Returns")
        site.remove("/help/shipping")
        site.page("/help/", "<main><h1>Help</h1><a href='returns'>Returns</a></main>", title="Help")
        (folder / "warranty.md").write_text("# Warranty\n\nKettles have a five year warranty.\n", "utf-8")
        (folder / "care.md").unlink()
        second = json.loads(helpdesk(data, "sync", "--json").stdout)["sources"]
    by_id = {s["id"]: s for s in second}
    assert {k: by_id[site_id][k] for k in ("added", "updated", "removed", "unchanged", "failed")} == \
        {"added": 0, "updated": 2, "removed": 1, "unchanged": 0, "failed": 0}
    assert {k: by_id[folder_id][k] for k in ("added", "updated", "removed", "unchanged", "failed")} == \
        {"added": 0, "updated": 1, "removed": 1, "unchanged": 0, "failed": 0}
    docs = {d["source"] for d in json.loads(helpdesk(data, "docs", "--json").stdout)["documents"]}
    assert docs == {f"{root}/help/", f"{root}/help/returns", "warranty.md"}
    hits = json.loads(helpdesk(data, "search", "how long to return a kettle", "-k", "1", "--json").stdout)["hits"]
    assert hits[0]["source"] == f"{root}/help/returns" and "60 days" in hits[0]["text"]

    listed = json.loads(helpdesk(data, "sources", "list", "--json").stdout)["sources"]
    assert [s["last_status"] for s in listed] == ["ok", "ok"] and all(s["last_sync"] for s in listed)
    assert listed[0]["last_message"] == "0 added, 2 updated, 1 removed, 0 unchanged, 0 failed"
    assert listed[0]["next_run"] > listed[0]["last_sync"]
    assert "removed source" in helpdesk(data, "sources", "remove", str(site_id)).stdout
    assert "no source 999" in helpdesk(data, "sources", "remove", "999", code=2).stderr
    assert [s["id"] for s in json.loads(helpdesk(data, "sources", "list", "--json").stdout)["sources"]] == [folder_id]


def test_two_schedulers_on_one_database_sync_a_source_once(site, tmp_path, minilm):
    from knowledge import open_knowledge

    kb = open_knowledge(tmp_path / "data", embedder=minilm, name=f"t{uuid.uuid4().hex[:8]}", progress=False)
    settings = Settings(data_dir=tmp_path, sync={"allow_private": True, "delay_seconds": 0})
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    replicas = [Storage(url), Storage(url)]
    try:
        schedulers = [Scheduler(s.jobs) for s in replicas]
        syncs = [SourceSync(s, settings, lambda: kb, sch) for s, sch in zip(replicas, schedulers)]
        with site.served() as root:
            source = syncs[0].add(f"{root}/help/", "1h")
            for s in syncs:
                s.schedule()
            barrier = threading.Barrier(2)
            ran: list[list[str]] = []

            def tick(scheduler):
                barrier.wait()
                ran.append(scheduler.tick())

            threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            name = f"source:{source['id']}"
            assert sorted(n for names in ran for n in names) == [name]
            assert len(site.requested("/help/returns")) == 1
            assert schedulers[0].tick() == [] and schedulers[1].tick() == []  # not due for an hour
            state = syncs[1].list()[0]
            assert state["last_status"] == "ok" and state["last_message"].startswith("3 added")
            assert sorted(d.source for d in kb.documents()) == [f"{root}/help/", f"{root}/help/returns",
                                                                 f"{root}/help/shipping"]
            # A source removed on one replica leaves the other's schedule at its next tick.
            syncs[0].remove(source["id"])
            schedulers[1].tick()
            assert name not in schedulers[1]._registered
    finally:
        for s in replicas:
            s.close()
