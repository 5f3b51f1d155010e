"""How the widget looks on a website, set per site key in the console or the admin API.

Every value reaches a customer's page, so each is checked here, in one place, as an attacker would
try it: the avatar is an ``https://`` address or a small ``data:`` PNG, JPEG, GIF or WebP image
(its bytes must be that image; never SVG, ``javascript:`` or anything else), the launcher's label is
plain text, and theme, offsets and z-index are a word from a list and bounded integers (a string
such as ``"10px;background:url(…)"`` is refused, so nothing reaches CSS as text). widget.js
applies them with DOM properties, never as markup, and checks the page's ``data-*`` overrides the
same way.

    >>> clean_appearance({"theme": "dark", "offset_x": 40, "launcher_label": {"en": "Help", "zh": "帮助"}})
    {'avatar': '', 'launcher_label': {'en': 'Help', 'zh': '帮助'}, 'theme': 'dark', 'color': '', 'offset_x': 40, 'offset_y': 20, 'z_index': 2147483000}
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

from knowledge.errors import InputError

__all__ = ["Appearance", "clean_appearance", "DEFAULT", "MAX_AVATAR_BYTES", "MAX_OFFSET", "MAX_Z"]

MAX_AVATAR_BYTES = 48 * 1024  # a data: image's decoded size; a 96x96 PNG is a few KB
MAX_URL = 2000
MAX_LABEL = 40
MAX_OFFSET = 400  # px from the screen's corner
MAX_Z = 2147483647  # the largest z-index browsers accept
_MAGIC = {"png": (b"\x89PNG\r\n\x1a\n",), "jpeg": (b"\xff\xd8\xff",), "gif": (b"GIF87a", b"GIF89a"),
          "webp": (b"RIFF",)}
_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/]+={0,2})", re.ASCII)
# What an address may hold: printable ASCII without quotes, brackets, backslash or spaces.
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%]+", re.ASCII)


class Appearance(BaseModel):
    """The widget's look for one site key; every field has a default, so ``{}`` is the plain widget."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    avatar: str = Field("", max_length=MAX_AVATAR_BYTES * 4 // 3 + 40, description=(
        "Shown in the chat's header: an https:// image address, or a data:image/png|jpeg|gif|webp;base64 "
        f"image of at most {MAX_AVATAR_BYTES // 1024} KB. Empty: none."))
    launcher_label: dict[Literal["en", "zh"], str] | str = Field("", description=(
        "Text beside the launcher's icon: one text, or one per language ({'en': 'Help', 'zh': '帮助'}). "
        "Empty: the icon alone."))
    theme: Literal["light", "dark", "auto"] = Field("light", description="auto follows the visitor's system.")
    color: str = Field("", max_length=7, description="Accent colour as #rgb or #rrggbb; empty: the default blue.")
    offset_x: StrictInt = Field(20, ge=0, le=MAX_OFFSET, description="Pixels from the screen's side edge.")
    offset_y: StrictInt = Field(20, ge=0, le=MAX_OFFSET, description="Pixels from the screen's bottom edge.")
    z_index: StrictInt = Field(2147483000, ge=0, le=MAX_Z, description=(
        "Stacking order: lower it when the website's own buttons must stay above the widget."))

    @field_validator("avatar")
    @classmethod
    def _avatar(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        if value[:5].lower() == "data:":
            return _data_image(value)
        if len(value) > MAX_URL:
            raise ValueError(f"the avatar's address is longer than {MAX_URL} characters")
        parts = urlsplit(value)
        if parts.scheme.lower() != "https" or not parts.hostname or not _URL_CHARS.fullmatch(value):
            raise ValueError("the avatar must be an https:// image address or a data:image/png, jpeg, gif or "
                             "webp image (no other scheme, no spaces or quotes)")
        if parts.username or parts.password:
            raise ValueError("the avatar's address must not carry a user name or password")
        return value

    @field_validator("launcher_label")
    @classmethod
    def _label(cls, value: dict[str, str] | str) -> dict[str, str]:
        texts = {"en": value, "zh": value} if isinstance(value, str) else dict(value)
        for lang, label in list(texts.items()):
            label = unicodedata.normalize("NFC", label).strip()
            if len(label) > MAX_LABEL:
                raise ValueError(f"the launcher label ({lang}) is longer than {MAX_LABEL} characters")
            if any(unicodedata.category(ch)[0] == "C" for ch in label):
                raise ValueError(f"the launcher label ({lang}) contains control or invisible characters")
            texts[lang] = label
        return {lang: label for lang, label in sorted(texts.items()) if label}

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r"#(?:[0-9a-fA-F]{3}){1,2}", value):
            raise ValueError("the colour must be written #rgb or #rrggbb, e.g. #2563eb")
        return value.lower()


DEFAULT: dict[str, Any] = Appearance().model_dump()


def clean_appearance(data: dict[str, Any] | None) -> dict[str, Any]:
    """``data`` checked and completed with the defaults; InputError naming the first bad field."""
    try:
        return Appearance.model_validate(data or {}).model_dump()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        raise InputError(f"{where}: {str(first.get('msg')).removeprefix('Value error, ')}") from None


def _data_image(value: str) -> str:
    m = _DATA.fullmatch(value)
    if m is None:
        raise ValueError("a data: avatar must be data:image/png, jpeg, gif or webp with base64 content "
                         "(SVG and other types are refused)")
    try:
        raw = base64.b64decode(m.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the data: avatar's base64 content is not valid") from None
    if len(raw) > MAX_AVATAR_BYTES:
        raise ValueError(f"the data: avatar is {len(raw) // 1024} KB; at most {MAX_AVATAR_BYTES // 1024} KB")
    kind = m.group(1)
    if not raw.startswith(_MAGIC[kind]) or (kind == "webp" and raw[8:12] != b"WEBP"):
        raise ValueError(f"the data: avatar says image/{kind} but its bytes are not a {kind.upper()} image")
    return value
