"""The knowledge an admin manages: documents (upload, list, delete, re-ingest), FAQ entries, tests.

Every change goes through the knowledge base's ingestion, so a failed file leaves the knowledge base as it was and
an updated one replaces its old version in one step. FAQ entries live in the database and are
published as one FAQ document, ``admin-faq.json``, re-ingested on each change: the Bot's
canned-answer path serves them like any FAQ file.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any, BinaryIO

from knowledge.errors import HelpdeskError, InputError, NotFound

from .errors import status_of
from .storage import DEFAULT_BOT
from .uploads import check_count, copy_limited, safe_name

__all__ = ["KnowledgeAdmin", "FAQ_SOURCE"]

log = logging.getLogger("helpdesk.ui.knowledge_admin")

FAQ_SOURCE = "admin-faq.json"


class KnowledgeAdmin:
    """Documents and FAQ entries of one bot's knowledge base (the default bot's unless ``bot`` names
    another, see ``ui/bots.py``), changed one at a time."""

    def __init__(self, service, bot: str = DEFAULT_BOT):
        self.service, self.bot = service, bot
        # in the shared database, so any replica re-ingests; another bot's under its own prefix
        self.originals = (service.storage.originals if bot == DEFAULT_BOT
                          else _BotOriginals(service.storage.originals, f"bot:{bot}/"))
        self.tmp = Path(service.settings.data_dir) / "tmp"
        self._lock = threading.RLock()  # one change at a time in this process

    @property
    def knowledge(self):
        """The Bot's KnowledgeBase (raises NotReady before the Bot is built)."""
        if self.bot != DEFAULT_BOT:
            return self.service.bots.get(self.bot).knowledge
        bot = self.service.bot if self.service.bot is not None else self.service.require_bot()
        return bot.knowledge

    def on_load(self) -> None:
        """After the Bot loaded: add the demo help center to an empty knowledge base; publish the FAQ."""
        kb = self.knowledge
        if self.service.settings.server.demo_kb and not kb.documents():
            self.seed_demo()
        if self.service.storage.faq.entries():
            self.sync_faq()

    def seed_demo(self):
        """Ingest the bundled demo help center (fictional shop, English and Chinese)."""
        import bot.demo

        root = Path(bot.demo.__file__).resolve().parent / "kb"
        log.info("the knowledge base is empty: adding the demo help center from %s", root)
        report = self.knowledge.ingest([root])
        for d in report.documents:
            if d.status != "failed":
                self.originals.keep(d.source, root / d.source)
        return report

    # -- documents ---------------------------------------------------------------------------

    def documents(self) -> list[dict[str, Any]]:
        """Committed documents with chunk counts, size, ingestion time and whether a copy is kept."""
        kept = self.originals.sources()
        return [{**d.as_dict(), "kept": d.source in kept} for d in self.knowledge.documents()]

    def find(self, ident: str) -> str:
        """The source name of the document whose id or source name is ``ident``."""
        for d in self.knowledge.documents():
            if ident in (d.doc_id, d.source):
                return d.source
        raise NotFound(f"no document {ident!r}")

    def upload(self, files: list[tuple[str, BinaryIO]], *, actor: str = "system") -> Iterator[list[dict[str, Any]]]:
        """Ingest uploaded files one by one, yielding every file's row after each step; each file
        ingested or failed is written to the audit log as ``actor``'s.

        A row is ``{"file", "source", "status", "chunks", "error", "code"}``; status goes from
        ``waiting`` through ``ingesting`` to ``added``, ``updated``, ``unchanged`` or ``failed``
        (``code`` is then the HTTP status that fits: 413 too large, 415 wrong type, 400 other).
        """
        s = self.service.settings.server
        check_count(len(files), s.upload_max_files)
        knowledge = self.knowledge
        self.tmp.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="upload-", dir=self.tmp))
        rows = [{"file": str(name)[-200:], "source": "", "status": "waiting", "chunks": 0, "error": "",
                 "code": 200} for name, _ in files]
        staged: list[tuple[int, Path, str]] = []
        try:
            for i, (name, stream) in enumerate(files):
                try:
                    source = safe_name(name)
                    if source == FAQ_SOURCE:
                        raise InputError(f"{FAQ_SOURCE} is the FAQ of the admin console; edit it there")
                    if any(src == source for _, _, src in staged):
                        raise InputError(f"{source}: two files with this name in one upload")
                    (folder / str(i)).mkdir()
                    path = folder / str(i) / source
                    copy_limited(stream, path, int(s.upload_max_mb * 2**20), source)
                    rows[i]["source"] = source
                    staged.append((i, path, source))
                except HelpdeskError as exc:
                    self.service.metrics.ingested("failed")
                    rows[i].update(status="failed", error=str(exc), code=status_of(exc))
            yield _copy(rows)
            for i, path, source in staged:
                rows[i]["status"] = "ingesting"
                yield _copy(rows)
                with self._lock:
                    report = knowledge.ingest([path], names={path: source})
                    d = report.documents[0]
                    if d.status != "failed":
                        self.originals.keep(source, path)
                self.service.metrics.ingested(d.status)
                rows[i].update(status=d.status, chunks=d.chunks, error=d.error or "",
                               code=(413 if d.too_large else 415) if d.status == "failed" else 200)
                log.info("upload %s: %s %s", source, d.status, d.error or "")
                self.service.audit.record(actor, "document.upload", source,
                                          {"status": d.status, "chunks": d.chunks, "error": d.error or ""})
                yield _copy(rows)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def delete(self, ident: str, *, actor: str = "system") -> dict[str, Any]:
        """Remove a document (by id or source name) and every chunk of it."""
        source = self.find(ident)
        if source == FAQ_SOURCE:
            raise InputError(f"{FAQ_SOURCE} holds the console's FAQ entries: delete entries there")
        with self._lock:
            info = self.knowledge.delete(source)
            self.originals.forget(source)
        log.info("deleted %s (%d chunks)", source, info.chunks)
        self.service.audit.record(actor, "document.delete", source, {"chunks": info.chunks})
        return {"source": info.source, "id": info.doc_id, "chunks": info.chunks, "status": "deleted"}

    def reingest(self, ident: str, *, actor: str = "system") -> dict[str, Any]:
        """Ingest a document's kept original again (it changes nothing if nothing changed)."""
        source = self.find(ident)
        self.service.audit.record(actor, "document.reingest", source)
        if source == FAQ_SOURCE:
            d = self.sync_faq()
            return {"source": source, "status": d.status if d else "deleted", "chunks": d.chunks if d else 0,
                    "error": None}
        self.tmp.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="reingest-", dir=self.tmp) as tmp:
            path = self.originals.restore(source, Path(tmp))
            if path is None:
                raise InputError(f"the original file of {source} is not kept: upload it again")
            with self._lock:
                report = self.knowledge.ingest([path], names={path: source})
        self.service.metrics.ingested(report.documents[0].status)
        return report.as_dict()["documents"][0]

    # -- FAQ ---------------------------------------------------------------------------------

    def save_faq(self, question: str, answer: str, entry_id: int | None = None, *, actor: str = "system") -> int:
        """Add or change an FAQ entry and publish the FAQ; returns the entry's id."""
        added = entry_id is None
        entry_id = self.service.storage.faq.save(question, answer, entry_id, self.bot)
        self.service.audit.record(actor, "faq.add" if added else "faq.change", f"#{entry_id}",
                                  {"question": question.strip()[:300]})
        self.sync_faq()
        return entry_id

    def delete_faq(self, entry_id: int, *, actor: str = "system") -> None:
        """Remove an FAQ entry and publish the FAQ."""
        self.service.storage.faq.delete(entry_id, self.bot)
        self.service.audit.record(actor, "faq.delete", f"#{entry_id}")
        self.sync_faq()

    def sync_faq(self):
        """Publish the FAQ entries as the document ``admin-faq.json`` (removed when there are none)."""
        entries = self.service.storage.faq.entries(self.bot)
        knowledge = self.knowledge
        with self._lock:
            if not entries:
                if knowledge.document(FAQ_SOURCE) is not None:
                    knowledge.delete(FAQ_SOURCE)
                return None
            self.tmp.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix="faq-", dir=self.tmp))
            try:
                path = folder / FAQ_SOURCE
                body = {"faq": [{"question": e["question"], "answer": e["answer"]} for e in entries]}
                path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
                d = knowledge.ingest([path], names={path: FAQ_SOURCE}).documents[0]
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        if d.status == "failed":
            raise HelpdeskError(f"the FAQ could not be published: {d.error}")
        return d

    # -- testing -----------------------------------------------------------------------------

    def test(self, question: str) -> dict[str, Any]:
        """The chunks a question retrieves, with scores, and the answer the bot would give."""
        bot = self.service.bots.get(self.bot)
        question = self.service.check_message(question)
        k = max(bot.options.top_k, 5)
        # A question searched in translation asks the model: it waits its turn like an answer.
        with self.service.admission() if bot.knowledge.translates(question) else nullcontext(()) as waiting:
            for _ in waiting:
                pass
            found, usable, gate = bot.retrieve(question, k=k)
        used = {h.chunk.id for h in usable}
        hits = [{**h.as_dict(), "dense": round(h.dense, 4), "keyword": round(h.keyword, 4),
                 "used": h.chunk.id in used}
                for h in found]
        sid = f"admin-test-{uuid.uuid4().hex[:16]}"
        answer = None
        try:
            for event in self.service.answer_stream(question, sid, bot=self.bot):
                if event.kind == "done":
                    answer = event.data
        finally:
            self.service.storage.conversations.drop_session(sid)
        result = answer.as_dict() if answer else {}
        result.pop("session_id", None)
        return {"hits": hits, "min_score": gate, "answer": result,
                "error": bool(answer and answer.error)}


def _copy(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


class _BotOriginals:
    """The kept originals of another bot than the default, under a prefix of their source names
    (``bot:NAME/``, which no uploaded file's name can take)."""

    def __init__(self, originals, prefix: str):
        self.originals, self.prefix = originals, prefix

    def keep(self, source: str, path: Path) -> None:
        self.originals.keep(self.prefix + source, path)

    def sources(self) -> set[str]:
        return {s[len(self.prefix):] for s in self.originals.sources() if s.startswith(self.prefix)}

    def restore(self, source: str, folder: Path) -> Path | None:
        return self.originals.restore(self.prefix + source, folder)

    def forget(self, source: str) -> None:
        self.originals.forget(self.prefix + source)
