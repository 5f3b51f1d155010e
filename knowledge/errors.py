"""The one exception tree of helpdesk, translated only at the edges (CLI, API, UI).

    HelpdeskError                 anything helpdesk raises on purpose (CLI exit 1, HTTP 500)
    ├── InputError                bad usage or input, the user can fix it (CLI exit 2, HTTP 400)
    │   ├── UnsupportedFile       a file type no loader reads, or content that is not what it claims (HTTP 415)
    │   ├── FileTooLarge          over the configured size limit (HTTP 413)
    │   │   └── LimitExceeded     knowledge/limits.py: more rows, pages, bytes or time than parsing may take
    │   ├── NotFound              a document, knowledge base or session that does not exist (HTTP 404)
    │   │   └── ModelNotFound     ui/openai_shapes.py: a model (bot) that does not exist or the API key may not use
    │   ├── BadToken              ui/storage/site_keys.py: a widget token malformed, forged or expired (HTTP 401)
    │   ├── BadApiKey             ui/storage/api_keys.py: an API key missing, unknown or revoked (HTTP 401)
    │   ├── Unsupported           ui/openai_shapes.py: what the OpenAI API cannot do (tools, n > 1, images)
    │   ├── WrongState            ui/livechat.py: a hand-off move that does not fit the conversation's state (HTTP 409)
    │   └── Refused               knowledge/web/guard.py: a URL, address or redirect a crawl may not follow
    ├── StoreUnavailable          the vector store cannot be reached (HTTP 503)
    ├── ModelError                a model could not be loaded or failed while generating
    ├── MissingExtra              an optional dependency is not installed; names the extra to add
    │   └── ModelPackagesMissing  bot/generators/models.py: the pip packages of a packaged model
    ├── NotReady                  ui/errors.py: the server is still loading, or failed to start (HTTP 503)
    ├── Busy                      ui/gate.py: every answer slot and queue place is taken (HTTP 503)
    └── RateLimited               ui/gate.py: a client sent more than its limit allows (HTTP 429)
        └── BudgetSpent           ui/turn.py: a site key's messages for the day are used up

Classes without a module named are defined here. The tree lives in ``knowledge`` because that is
the lowest layer; each child that only one layer raises is defined in that layer's module.
"""

from __future__ import annotations

__all__ = [
    "HelpdeskError",
    "InputError",
    "UnsupportedFile",
    "FileTooLarge",
    "NotFound",
    "StoreUnavailable",
    "ModelError",
    "MissingExtra",
]


class HelpdeskError(Exception):
    """Base of every error helpdesk raises on purpose."""


class InputError(HelpdeskError):
    """Bad usage or input that the user can correct."""


class UnsupportedFile(InputError):
    """A file that no loader can read, or whose content does not match its type."""


class FileTooLarge(InputError):
    """A file over the configured size limit."""


class NotFound(InputError):
    """A document, knowledge base or session that does not exist."""


class StoreUnavailable(HelpdeskError):
    """The vector store (embedded or server) cannot be reached."""


class ModelError(HelpdeskError):
    """A model could not be loaded, or failed while running."""


class MissingExtra(HelpdeskError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, package: str, extra: str, purpose: str):
        super().__init__(
            f"{purpose} needs the '{package}' package: pip install 'helpdesk[{extra}]'"
        )
        self.package, self.extra = package, extra
