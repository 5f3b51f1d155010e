"""The console's text catalogue (ui/console_texts.py): every key in English and Chinese, every key
the console modules use present, and no English literal left in their Gradio components."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from ui.console_texts import CONSOLE_TEXTS, STAFF_TEXTS, console_table, headers, texts

UI = Path(__file__).resolve().parents[2] / "ui"
MODULES = [UI / name for name in ("admin.py", "admin_keys.py", "admin_api_keys.py", "admin_sources.py",
                                                  "admin_inbox.py", "admin_bots.py", "admin_staff.py")]
TEXT_ARGS = ("label", "placeholder", "info", "value")
SHOWS_FIRST_ARG = {"Button", "Markdown", "Tab"}  # their first positional argument is what staff read
CHOICE_VALUE = {"Radio", "Dropdown", "CheckboxGroup"}  # their value= is a choice's value, not a label
_WORD = re.compile(r"[A-Za-z]{2,}")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("catalogue", [CONSOLE_TEXTS, STAFF_TEXTS], ids=["console", "staff"])
def test_every_key_is_in_english_and_chinese_with_the_same_placeholders(catalogue):
    assert set(catalogue) == {"en", "zh"}
    assert sorted(catalogue["en"]) == sorted(catalogue["zh"])
    for key, english in catalogue["en"].items():
        chinese = catalogue["zh"][key]
        assert english.strip() and chinese.strip(), key
        assert _fields(english) == _fields(chinese), key


def test_the_chinese_texts_are_chinese():
    """A text copied over untranslated is caught: labels and messages carry Chinese characters
    (column headers that are symbols or names, like "#" or "ID", are the exceptions)."""
    symbols = {"col_num", "col_id", "col_up", "col_down", "col_webhook"}
    untranslated = [k for k, v in CONSOLE_TEXTS["zh"].items()
                    if k not in symbols and not re.search(r"[\u4e00-\u9fff]", v)]
    assert untranslated == []


def test_every_conversation_state_and_hand_off_reason_has_an_inbox_text():
    """The inbox shows states and reasons in the staff's language: a new one in ui/livechat.py
    without a text here would show up untranslated."""
    from ui.livechat import REASONS, TRANSITIONS

    states = {state for moves in TRANSITIONS.values() for move in moves.items() for state in move}
    wanted = {f"inbox_state_{s}" for s in states} | {f"inbox_reason_{r}" for r in REASONS}
    assert states >= {"bot", "waiting", "agent", "closed"}
    assert sorted(wanted - set(CONSOLE_TEXTS["en"])) == []


def _gr_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "gr"):
            yield node.func.attr, node


def _literal_english(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and _WORD.search(node.value):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return ast.unparse(node)
    return None


def english_literals(source: str) -> list[str]:
    """English string literals in gr.* components' labels, values, placeholders, infos, button and
    Markdown texts, and choices: what staff read that would not follow their language."""
    found = []
    for component, call in _gr_calls(ast.parse(source)):
        args = [kw.value for kw in call.keywords
                if kw.arg in TEXT_ARGS and not (kw.arg == "value" and component in CHOICE_VALUE)]
        if component in SHOWS_FIRST_ARG and call.args:
            args.append(call.args[0])
        if component in CHOICE_VALUE and call.args and isinstance(call.args[0], ast.List):
            args += call.args[0].elts  # a choice given as a bare string is shown as it is
        if component in ("Warning", "Info", "Error") and call.args:
            args.append(call.args[0])
        found += [f"gr.{component}: {text!r}" for text in map(_literal_english, args) if text]
    return found


def test_the_check_finds_english_literals():
    source = ('gr.Textbox(label="Website name")\ngr.Button("Save")\ngr.Markdown(f"Hi {x}")\n'
              'gr.Radio(["light", "dark"], value="light")\ngr.Warning("Choose a file")\n'
              'gr.Textbox(label=t("key_name"), value="6h")\ngr.Number(label=t("look_z"), value=0)\n')
    assert english_literals(source) == ["gr.Textbox: 'Website name'", "gr.Button: 'Save'", "gr.Markdown: \"f'Hi {x}'\"",
                                        "gr.Radio: 'light'", "gr.Radio: 'dark'", "gr.Warning: 'Choose a file'"]


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_no_english_literal_is_left_in_the_console_components(module):
    assert english_literals(module.read_text("utf-8")) == []


def _used_keys(source: str) -> set[str]:
    """Catalogue keys a module names: t("k"), say("k"), console_text(service, "k"), *_COLUMNS lists."""
    keys = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name, args = node.func.id, node.args
            if name == "console_text":
                args = args[1:]
            if name in ("t", "say", "console_text") and args and isinstance(args[0], ast.Constant):
                keys.add(args[0].value)
            elif name in ("t", "say") and args and isinstance(args[0], ast.JoinedStr):  # t(f"look_{v}")
                prefix = args[0].values[0]
                keys |= {k for k in CONSOLE_TEXTS["en"] if k.startswith(prefix.value)} if isinstance(
                    prefix, ast.Constant) else set()
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.endswith("COLUMNS") and isinstance(node.value, ast.List)):
            keys |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    return keys


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_every_key_a_console_module_uses_is_in_the_catalogue(module):
    used = _used_keys(module.read_text("utf-8"))
    assert used, "the check found no keys at all"
    assert sorted(used - set(texts("en"))) == []


def test_table_headers_follow_the_language():
    assert headers(["col_source", "col_chunks"]) == ["source", "chunks"]
    assert headers(["col_source", "col_chunks"], "zh") == ["来源", "文本块"]

    class NoStaff:  # outside an event (no request) the console's language is English
        staff = None

    assert console_table(NoStaff(), ["col_id"], [[1]]) == {"headers": ["id"], "data": [[1]]}
