"""What a site key's widget appearance may be (ui/widget_appearance.py), hostile values included,
and the identity hash a website's backend computes for its signed-in customer."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from knowledge.errors import InputError
from ui.storage.site_keys import identity_hash
from ui.widget_appearance import DEFAULT, MAX_AVATAR_BYTES, clean_appearance

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def _data(kind: str, raw: bytes) -> str:
    return f"data:image/{kind};base64," + base64.b64encode(raw).decode()


def test_defaults_and_a_full_valid_appearance():
    assert clean_appearance({}) == clean_appearance(None) == DEFAULT
    assert DEFAULT == {"avatar": "", "launcher_label": {}, "theme": "light", "color": "", "offset_x": 20,
                       "offset_y": 20, "z_index": 2147483000}
    look = clean_appearance({"avatar": "https://cdn.example.com/a/bot.png?v=2", "theme": "auto",
                             "launcher_label": {"en": " Chat with us ", "zh": "在线客服"}, "color": "#0F766E",
                             "offset_x": 0, "offset_y": 400, "z_index": 10})
    assert look == {"avatar": "https://cdn.example.com/a/bot.png?v=2", "theme": "auto",
                    "launcher_label": {"en": "Chat with us", "zh": "在线客服"}, "color": "#0f766e",
                    "offset_x": 0, "offset_y": 400, "z_index": 10}
    assert clean_appearance({"launcher_label": "Help"})["launcher_label"] == {"en": "Help", "zh": "Help"}
    assert clean_appearance({"avatar": _data("png", PNG)})["avatar"].startswith("data:image/png;base64,")
    webp = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8
    assert clean_appearance({"avatar": _data("webp", webp)})["avatar"]


@pytest.mark.parametrize("avatar, says", [
    ("javascript:alert(1)", "https://"),
    ("JavaScript:alert(1)", "https://"),
    ("http://cdn.example.com/a.png", "https://"),
    ("//cdn.example.com/a.png", "https://"),
    ("https://cdn.example.com/a.png\" onerror=\"alert(1)", "https://"),
    ("https://cdn.example.com/a.png) ; background:url(x", "https://"),
    ("https://user:pw@cdn.example.com/a.png", "user name"),
    ("https://" + "a" * 2000 + ".com/x.png", "longer than"),
    ("data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+", "SVG"),
    ("data:text/html;base64,PHNjcmlwdD4=", "SVG"),
    ("data:image/png,<svg onload=alert(1)>", "base64"),
    ("data:image/png;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "not a PNG"),
    ("data:image/gif;base64,!!!!", "base64"),
    ("data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_AVATAR_BYTES).decode(),
     "KB"),
])
def test_hostile_avatars_are_refused(avatar, says):
    with pytest.raises(InputError) as err:
        clean_appearance({"avatar": avatar})
    assert str(err.value).startswith("avatar") and says in str(err.value), str(err.value)


@pytest.mark.parametrize("field, value", [
    ("theme", "dark;}body{display:none"), ("theme", "DARK"), ("theme", 1),
    ("offset_x", "10px;background:url(https://evil.example)"), ("offset_x", "10"), ("offset_x", -1),
    ("offset_y", 401), ("offset_x", 1.5), ("offset_x", True), ("offset_y", None),
    ("z_index", 2147483648), ("z_index", "999 !important"), ("z_index", -5), ("z_index", False),
    ("color", "red"), ("color", "#12345"), ("color", "#fff;background:url(x)"),
    ("launcher_label", "Help\u202eevil"), ("launcher_label", "a\x00b"), ("launcher_label", "x" * 41),
    ("launcher_label", {"fr": "Aide"}), ("launcher_label", {"en": 5}), ("avatar", 5),
    ("position", "left"),
])
def test_hostile_values_are_refused_naming_the_field(field, value):
    with pytest.raises(InputError) as err:
        clean_appearance({field: value})
    assert str(err.value).startswith(field), str(err.value)


def test_identity_hash_is_hmac_sha256_hex_of_the_user_id():
    # RFC-style known vector (key "key"), and the same computation a website's backend does.
    assert identity_hash("key", "The quick brown fox jumps over the lazy dog") == (
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
    secret = "ids_abc"
    assert identity_hash(secret, "客户-42") == hmac.new(secret.encode(), "客户-42".encode(), hashlib.sha256).hexdigest()
    assert identity_hash(secret, "42") != identity_hash(secret, "43") != identity_hash("ids_abd", "42")
