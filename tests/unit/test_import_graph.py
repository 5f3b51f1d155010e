"""The import graph of bot/, knowledge/ and ui/, read from the source tree as it is: no module
imports in a circle, and imports flow ui -> bot -> knowledge, never back.

Every ``import`` statement counts, the ones inside functions (lazy imports) and under
``TYPE_CHECKING`` included: a lazy import only moves a circle from import time to call time, and
a type-only one still ties the two modules together for every reader and type checker.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "knowledge", "ui")
# What each package must never import.
FORBIDDEN = {"knowledge": {"bot", "ui"}, "bot": {"ui"}, "ui": set()}


def modules(root: Path) -> dict[str, Path]:
    """Every module of the three packages by dotted name (a package by its own name)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _known(name: str, known: dict[str, Path]) -> str | None:
    """``name`` or its nearest enclosing module that is one of ours (None for other libraries)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of ours that ``name`` imports anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                # ``from pkg import mod`` imports the module; ``from pkg import name`` the package.
                sub = f"{module}.{alias.name}"
                targets.add(sub if sub in known else module)
    return {t for t in (_known(t, known) for t in targets) if t and t != name}


def graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports."""
    known = modules(root)
    return {name: imports(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other in a circle (Tarjan's strongly connected
    components of more than one module; a module never counts as importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def backward(edges: dict[str, set[str]]) -> list[str]:
    """Imports against the flow ui -> bot -> knowledge, as "importer -> imported"."""
    return sorted(f"{a} -> {b}" for a, targets in edges.items() for b in targets
                  if b.split(".")[0] in FORBIDDEN[a.split(".")[0]])


def test_the_tree_has_no_import_circle():
    edges = graph(ROOT)
    assert len(edges) > 50 and "knowledge.base" in edges["bot.bot"]  # the real tree was read
    assert cycles(edges) == []


def test_imports_flow_from_ui_to_bot_to_knowledge():
    assert backward(graph(ROOT)) == []


def _write(root: Path, files: dict[str, str]) -> None:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, "utf-8")


def test_a_lazy_or_type_only_import_closing_a_circle_is_found(tmp_path):
    _write(tmp_path, {
        "knowledge/__init__.py": "from .store import Store\n",
        "knowledge/store.py": "import numpy\n\ndef search():\n    from .search import run\n",
        "knowledge/search.py": "from knowledge.store import Store\n",
        "bot/bot.py": "from knowledge import Store\n\ndef build():\n    from . import factory\n",
        "bot/factory.py": "def build_bot():\n    from .bot import Bot\n",
        "ui/service.py": "from bot.bot import Bot\n",
        "ui/__init__.py": "def __getattr__(name):\n    from .service import Service\n",
        "ui/fetch.py": "from .robots import Robots\n",
        "ui/robots.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .fetch import Fetched\n",
    })
    edges = graph(tmp_path)
    assert edges["knowledge"] == {"knowledge.store"} and edges["bot.bot"] == {"knowledge", "bot.factory"}
    assert sorted(cycles(edges)) == [["bot.bot", "bot.factory"], ["knowledge.search", "knowledge.store"],
                                     ["ui.fetch", "ui.robots"]]
    assert backward(edges) == []


def test_an_import_against_the_flow_is_found(tmp_path):
    _write(tmp_path, {
        "knowledge/store.py": "def hook():\n    import bot.settings\n",
        "bot/settings.py": "X = 1\n",
        "bot/cli.py": "def serve():\n    from ui.server import serve\n",
        "ui/server.py": "from bot.settings import X\n",
    })
    assert backward(graph(tmp_path)) == ["bot.cli -> ui.server", "knowledge.store -> bot.settings"]
    assert cycles(graph(tmp_path)) == []
