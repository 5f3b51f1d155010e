"""An answer as valid Markdown: what the chat, the widget and API clients render is never half-open.

A quote is cut from knowledge text and a model's answer can stop at its token limit, so an answer
may end inside a code fence, hold an odd ``**`` or backtick, or carry its citation mark on a
fence's closing line (where it stops the fence from closing). ``whole_markdown`` mends exactly
these; everything else is left as written.
"""

from __future__ import annotations

import re

__all__ = ["whole_markdown"]

_FENCE = re.compile(r"^ {0,3}(`{3,}(?!.*`)|~{3,})")
_MARK_ON_FENCE = re.compile(r"^( {0,3}(?:`{3,}|~{3,}))[ \t]+((?:\[\d{1,2}\][ \t]*)+)$")
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")


def whole_markdown(answer: str) -> str:
    """``answer`` with an open fence closed, stray emphasis or backticks dropped, marks moved off fences."""
    lines: list[str] = []
    fence = None
    for line in answer.split("\n"):
        if fence is not None:
            moved = _MARK_ON_FENCE.match(line)
            if moved and moved.group(1).strip()[0] == fence[0] and len(moved.group(1).strip()) >= len(fence):
                lines += [moved.group(1), moved.group(2).strip()]  # "``` [1]" does not close a fence
                fence = None
                continue
            lines.append(line)
            if re.match(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", line):
                fence = None
            continue
        opened = _FENCE.match(line)
        if opened:
            fence = opened.group(1)
            lines.append(line)
        else:
            lines.append(_balanced(line))
    if fence is not None:
        lines.append(fence)
    return "\n".join(lines)


def _balanced(line: str) -> str:
    """A line outside code without an unpaired ``**`` or backtick (an unpaired one would format the rest)."""
    prose = _CODE_SPAN.sub("", line)
    if prose.count("`"):
        line = line.replace("`", "")
        prose = line
    if prose.count("**") % 2:
        line = line.replace("**", "")
    return line
