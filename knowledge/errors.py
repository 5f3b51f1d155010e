"""The one exception tree of helpdesk, translated only at the edges (CLI, API, UI).

    HelpdeskError                 anything helpdesk raises on purpose (CLI exit 1)
    ├── InputError                bad usage or input, the user can fix it (CLI exit 2, HTTP 400)
    │   ├── UnsupportedFile       a file type no loader reads, or content that is not what it claims
    │   ├── FileTooLarge          over the configured size limit
    │   └── NotFound              a document, knowledge base or session that does not exist (HTTP 404)
    ├── StoreUnavailable          the vector store cannot be reached (HTTP 503)
    ├── ModelError                a model could not be loaded or failed while generating
    └── MissingExtra              an optional dependency is not installed; names the extra to add

It lives in ``knowledge`` because that is the lowest layer; ``bot`` re-exports it.
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
