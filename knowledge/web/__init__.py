"""Websites as knowledge: a guarded, polite fetcher, a crawler for sites and sitemaps, and the
sync that ingests changed pages and deletes gone ones."""

from .crawl import crawl
from .fetch import CrawlOptions, Fetched, Fetcher
from .guard import Refused, address_allowed, address_kind
from .pages import Page, PageRecord
from .sync import KnowledgeTarget, PageReport, SyncReport, sync_site

__all__ = [
    "crawl", "sync_site", "CrawlOptions", "Fetcher", "Fetched", "Page", "PageRecord",
    "KnowledgeTarget", "SyncReport", "PageReport", "Refused", "address_allowed", "address_kind",
]
