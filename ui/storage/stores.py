"""Storage: the server's one database engine, migrated on open, and the stores that share it.

    >>> storage = Storage.from_settings(settings)   # or Storage("sqlite:///helpdesk.sqlite3")
    >>> sid = storage.conversations.start_session("api")
    >>> storage.feedback.transcript(sid)
    []
"""

from __future__ import annotations

from bot.settings import Settings, reveal

from .api_keys import ApiKeys
from .audit import AuditLog
from .bots import BotStore
from .conversations import SqlConversations
from .engine import database_url, make_engine
from .erase import Erasure
from .export import Export
from .faq import FaqEntries
from .feedback import Feedback
from .handoffs import Handoffs
from .jobs import Jobs
from .masking import masker
from .limits import LoginFailures, RateCounters
from .live import LiveStore
from .migrate import upgrade
from .originals import Originals
from .secrets import Secrets
from .site_keys import SiteKeys
from .sources import SourceStore
from .users import StaffUsers

__all__ = ["Storage"]


class Storage:
    """Every table the server keeps, on one engine; opening it upgrades the schema first."""

    def __init__(self, url: str, *, redact: bool = False):
        self.engine = make_engine(url)
        upgrade(self.engine)
        mask = masker(redact)
        self.conversations = SqlConversations(self.engine, mask)
        self.feedback = Feedback(self.engine, mask)
        self.handoffs = Handoffs(self.engine, self.feedback, mask)
        self.faq = FaqEntries(self.engine)
        self.secrets = Secrets(self.engine)
        self.counters = RateCounters(self.engine)
        self.logins = LoginFailures(self.engine)
        self.site_keys = SiteKeys(self.engine, self.secrets)
        self.originals = Originals(self.engine)
        self.jobs = Jobs(self.engine)
        self.export = Export(self.engine, mask)
        self.erasure = Erasure(self.engine)
        self.sources = SourceStore(self.engine)
        self.api_keys = ApiKeys(self.engine)
        self.audit = AuditLog(self.engine)
        self.users = StaffUsers(self.engine)
        self.live = LiveStore(self.engine, mask)
        self.bots = BotStore(self.engine)

    @classmethod
    def from_settings(cls, settings: Settings) -> Storage:
        """The configured database (``HELPDESK_DATABASE_URL``, else SQLite in the data dir), masking
        personal data in what it stores when ``HELPDESK_PRIVACY__REDACT`` is on."""
        return cls(database_url(reveal(settings.database_url), settings.data_dir), redact=settings.privacy.redact)

    def close(self) -> None:
        """Close the engine's connections."""
        self.engine.dispose()
