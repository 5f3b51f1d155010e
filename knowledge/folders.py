"""Keep a knowledge base in step with a folder: ingest what changed, delete what is gone.

The ingestor already skips files whose content hash it holds, so a sync is one ``ingest`` of the
folder; what it adds is the other half: a file that was in the folder at the last sync and is not
now is deleted from the knowledge base. ``known`` (the source names the last sync left) is kept by
the caller between runs, like a site's page records.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from .errors import InputError, NotFound
from .web.sync import KnowledgeTarget, PageReport, SyncReport

__all__ = ["sync_folder"]


def sync_folder(knowledge: KnowledgeTarget, folder: Path, known: set[str], *,
                progress: Callable[[PageReport], None] | None = None) -> SyncReport:
    """Ingest ``folder`` (source names relative to it, as ``helpdesk ingest FOLDER`` gives) and
    delete the documents of files that left it since the last sync; ``known`` is updated in place.
    A file that failed to load keeps its old copy; a missing folder raises ``InputError``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    start = time.perf_counter()
    report = SyncReport(str(folder), on_page=progress)
    result = knowledge.ingest([folder])
    present = set()
    for doc in result.documents:
        present.add(doc.source)
        report.add(PageReport(doc.source, doc.status, doc.chunks, doc.error))
    for source in sorted(known - present):
        try:
            knowledge.delete(source)
        except NotFound:
            pass  # deleted by hand already: gone either way
        report.add(PageReport(source, "gone", error="no longer in the folder"))
    known.clear()
    known.update(present)
    report.seconds = time.perf_counter() - start
    return report
