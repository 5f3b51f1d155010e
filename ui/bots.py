"""Several bots in one install: the Service's registry of them, built lazily by name.

A bot is a name, its own knowledge base (named after it), a persona (``bot/persona.py``) and model
settings (overrides of a few ``Settings`` fields). The *default* bot is the install as it was
before there were several: today's knowledge base (``HELPDESK_KB``), today's routes, rows marked
``default``; it answers to ``HELPDESK_BOT_NAME`` too. Other bots are rows of the ``bots`` table
(``ui/storage/bots.py``); :meth:`Bots.get` builds one on first use, sharing the loaded generator
when its model settings are the default's (or another loaded bot's), and keeps at most
``MAX_LOADED`` of them, the least recently used going first.

    >>> service.bots.get("acme").ask("How long is the warranty?")
    >>> service.bots.admin("acme").save_faq("Opening hours?", "9 to 5.")
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from bot.persona import Persona
from bot.settings import Settings
from knowledge.errors import InputError, NotFound

from .storage import DEFAULT_BOT, check_bot_name

__all__ = ["Bots", "bot_settings", "MAX_LOADED", "MODEL_KEYS"]

log = logging.getLogger("helpdesk.ui.bots")

MAX_LOADED = 16  # bots kept built at once (each holds its knowledge base's handles, not a model)
MODEL_KEYS = ("generator", "model", "answer_style", "openai_base_url", "llm", "retrieval")


def bot_settings(settings: Settings, model: dict[str, Any] | None) -> Settings:
    """``settings`` with a bot's model settings applied (only ``MODEL_KEYS``; ``llm`` and ``retrieval``
    are groups whose fields may be given one by one); InputError names a key or value that is wrong."""
    model = model or {}
    if not isinstance(model, dict):
        raise InputError("a bot's model settings are an object, e.g. {\"model\": \"qwen2.5-0.5b\"}")
    update: dict[str, Any] = {}
    for key, value in model.items():
        if key not in MODEL_KEYS:
            raise InputError(f"a bot's model settings may set {', '.join(MODEL_KEYS)}, not {str(key)[:40]!r}")
        field = Settings.model_fields[key]
        try:
            if key in ("llm", "retrieval"):
                group = getattr(settings, key)
                if not isinstance(value, dict):
                    raise InputError(f"the bot's {key} settings are an object of {key} fields")
                update[key] = type(group).model_validate({**group.model_dump(), **value})
            else:
                kind = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
                update[key] = TypeAdapter(kind).validate_python(value)
        except ValidationError as exc:
            raise InputError(f"invalid bot model setting {key}: {exc.errors()[0]['msg']}") from None
    return settings.model_copy(update=update)


class Bots:
    """The bots a Service answers as, by name: rows of the store, built into Bots on first use."""

    def __init__(self, settings: Settings, storage, service=None):
        self.settings, self.storage, self.service = settings, storage, service  # no service: the CLI
        self.store = storage.bots
        self._loaded: OrderedDict[str, Any] = OrderedDict()
        self._admins: dict[str, Any] = {}
        self._lock = threading.RLock()  # building a bot opens its knowledge base: once per name

    def resolve(self, name: Any) -> str:
        """The stored name of the bot called ``name`` (``default`` for the install's own bot, also
        called ``HELPDESK_BOT_NAME``); NotFound naming it for any other name, however malformed."""
        if name in (DEFAULT_BOT, self.settings.bot_name):
            return DEFAULT_BOT
        try:
            check_bot_name(name)
        except InputError:
            raise NotFound(f"no bot {str(name)[:40]!r}: GET /api/v1/bots lists them") from None
        if self.store.get(name) is None:
            raise NotFound(f"no bot {name!r}: GET /api/v1/bots lists them")
        return name

    def public_name(self, name: str) -> str:
        """What clients call a stored bot name (the default bot is ``HELPDESK_BOT_NAME``)."""
        return self.settings.bot_name if name == DEFAULT_BOT else name

    def names(self) -> list[str]:
        """Every bot's public name, the default first."""
        return [self.settings.bot_name] + [b["name"] for b in self.store.list()]

    def get(self, name: str = DEFAULT_BOT):
        """The Bot called ``name``, built on first use (NotReady until the server's models are loaded)."""
        name = self.resolve(name)
        default = self.service.require_bot()
        if name == DEFAULT_BOT:
            return default
        with self._lock:
            if name in self._loaded:
                self._loaded.move_to_end(name)
                return self._loaded[name]
            row = self.store.get(name)
            if row is None:
                raise NotFound(f"no bot {name!r}")
            bot = self._build(row, default)
            self._loaded[name] = bot
            while len(self._loaded) > MAX_LOADED:
                dropped, _ = self._loaded.popitem(last=False)
                self._admins.pop(dropped, None)
            return bot

    def _build(self, row: dict[str, Any], default):
        from bot.factory import build_bot

        settings = bot_settings(self.settings, row["model"])
        same = _model_key(settings) == _model_key(self.settings)
        generator = default.generator if same else next(
            (b.generator for b in self._loaded.values() if _model_key(b.settings) == _model_key(settings)), None)
        bot = build_bot(settings, kb_name=row["name"], progress=False, generator=generator,
                        conversations=self.storage.conversations.of_bot(row["name"]),
                        persona=Persona.from_dict(row["display_name"], row["persona"]))
        bot.settings = settings  # what its generator was made from, to share it with the next bot
        log.info("bot %s loaded (%s generator)", row["name"], "shared" if generator is not None else "own")
        return bot

    def admin(self, name: str = DEFAULT_BOT):
        """The KnowledgeAdmin of bot ``name``'s documents and FAQ entries."""
        from .knowledge_admin import KnowledgeAdmin

        name = self.resolve(name)
        if name == DEFAULT_BOT:
            return self.service.knowledge_admin
        with self._lock:
            if name not in self._admins:
                self._admins[name] = KnowledgeAdmin(self.service, bot=name)
            return self._admins[name]

    def persona(self, name: str) -> Persona:
        """Bot ``name``'s persona (the default bot's is empty: the catalogue as it is)."""
        name = self.resolve(name)
        row = self.store.get(name) if name != DEFAULT_BOT else None
        return Persona.from_dict(row["display_name"], row["persona"]) if row else Persona()

    # -- adding and removing -----------------------------------------------------------------

    def add(self, name: str, display_name: str = "", persona: dict | None = None,
            model: dict | None = None) -> dict[str, Any]:
        """A new bot with a checked persona and model settings (its knowledge base starts empty)."""
        check_bot_name(name)
        if name in (self.settings.bot_name, self.settings.kb):
            raise InputError(f"{name!r} is the default bot's name or knowledge base: choose another name")
        checked = Persona.from_dict(display_name, persona)
        bot_settings(self.settings, model)
        return self.store.add(name, display_name=display_name, persona=checked.as_dict(), model=model or {})

    def remove(self, name: str, delete_knowledge: bool = False) -> dict[str, Any]:
        """Remove bot ``name``; its knowledge base goes too only with ``delete_knowledge``, and while
        it holds documents the bot is not removed without it."""
        name = self.resolve(name)
        if name == DEFAULT_BOT:
            raise InputError("the default bot cannot be removed")
        kb = self.knowledge(name)
        docs = kb.documents()
        if docs and not delete_knowledge:
            raise InputError(f"bot {name!r} has {len(docs)} documents in its knowledge base: "
                             "remove them first, or delete them with the bot "
                             "(--delete-knowledge, ?delete_knowledge=true)")
        for doc in docs:
            kb.delete(doc.source)
        for entry in self.storage.faq.entries(name):
            self.storage.faq.delete(entry["id"], name)
        with self._lock:
            self._loaded.pop(name, None)
            self._admins.pop(name, None)
        self.store.remove(name)
        return {"name": name, "status": "removed", "documents_deleted": len(docs)}

    def knowledge(self, name: str):
        """Bot ``name``'s knowledge base: the loaded bot's, else opened from the settings (the CLI)."""
        name = self.resolve(name)
        with self._lock:
            if name in self._loaded:
                return self._loaded[name].knowledge
        from bot.factory import knowledge_from_settings

        return knowledge_from_settings(self.settings, None if name == DEFAULT_BOT else name, progress=False)


def _model_key(settings: Settings) -> str:
    return json.dumps([settings.generator, settings.model, settings.openai_base_url,
                       settings.llm.model_dump()], sort_keys=True, default=str)
