"""The server's SQL storage: conversations, feedback, hand-offs, FAQ entries, limits, secrets,
site keys and kept originals, on one engine and one schema versioned by Alembic migrations.

SQLite in the data dir by default; PostgreSQL when several replicas share it. ``bot/`` knows none
of this: the Bot gets :class:`SqlConversations` through the ``Conversations`` protocol.
"""

from .audit import AuditLog
from .bots import DEFAULT_BOT, BotStore, check_bot_name
from .conversations import SqlConversations
from .engine import database_url, make_engine
from .faq import FaqEntries
from .feedback import Feedback
from .handoffs import Handoffs, transcript_text
from .limits import LoginFailures, RateCounters
from .originals import Originals
from .secrets import Secrets
from .site_keys import BadToken, SiteKeys, normalize_origin
from .sources import SourceStore
from .stores import Storage
from .users import StaffUsers

__all__ = ["Storage", "SqlConversations", "Feedback", "Handoffs", "FaqEntries", "Secrets", "RateCounters",
           "LoginFailures", "SiteKeys", "SourceStore", "BadToken", "Originals", "database_url", "make_engine",
           "normalize_origin", "transcript_text", "AuditLog", "StaffUsers", "BotStore", "DEFAULT_BOT",
           "check_bot_name"]
