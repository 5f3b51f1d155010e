"""The exception tree drawn in knowledge/errors.py is the real one: every class stands where the
drawing puts it, defined in the module it names, and every error helpdesk defines is drawn."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import knowledge.errors as errors
from knowledge.errors import HelpdeskError

ROOT = Path(__file__).resolve().parents[2]


def _drawn() -> dict[str, tuple[str, str | None]]:
    """Each drawn class: (module, parent name)."""
    out: dict[str, tuple[str, str | None]] = {}
    parents: list[str] = []
    for line in errors.__doc__.splitlines():
        m = re.match(r"^    ((?:[│ ]   )*(?:[├└]── )?)([A-Z]\w+)\s+(?:([\w/]+)\.py:)?", line)
        if not m:
            continue
        depth, name = len(m.group(1)) // 4, m.group(2)
        module = m.group(3).replace("/", ".") if m.group(3) else "knowledge.errors"
        parents[depth:] = [name]
        out[name] = (module, parents[depth - 1] if depth else None)
    return out


def _every_module():
    for package in ("knowledge", "bot", "ui"):
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            yield importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    return {sub for child in cls.__subclasses__() for sub in {child} | _subclasses(child)}


def test_every_drawn_class_is_where_the_drawing_says():
    drawn = _drawn()
    assert {"HelpdeskError", "InputError", "Busy", "RateLimited", "NotReady", "BadToken",
            "ModelPackagesMissing"} <= set(drawn)
    for name, (module, parent) in drawn.items():
        cls = getattr(importlib.import_module(module), name)
        assert cls.__module__ == module, f"{name} is defined in {cls.__module__}, drawn in {module}"
        if parent is None:
            assert cls is HelpdeskError
        else:
            base = getattr(importlib.import_module(drawn[parent][0]), parent)
            assert base in cls.__bases__, f"{name} is drawn under {parent}, subclasses {cls.__bases__}"


def test_every_error_helpdesk_defines_is_drawn():
    for _ in _every_module():
        pass
    ours = {c for c in _subclasses(HelpdeskError) if c.__module__.split(".")[0] in ("knowledge", "bot", "ui")}
    assert {c.__name__ for c in ours} == set(_drawn()) - {"HelpdeskError"}
