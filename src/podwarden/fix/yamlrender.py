"""YAML text for new values, in the file's own style: scalars, flow and block collections."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Style:
    """Indentation of a document: mapping step and where ``-`` sits under a key."""

    step: int = 2
    seq_offset: int = 2
    newline: str = "\n"


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})


def scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text)


def flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def literal_lines(value: Any, col: int) -> list[str] | None:
    """A multi-line string as a ``|`` block scalar: the indicator, then its lines with
    content at column ``col``; None when a literal block could not hold it exactly (no
    final newline, several, tabs or control characters, a leading space, blank-looking
    lines made of spaces)."""
    if not isinstance(value, str) or "\n" not in value.rstrip("\n") or not value.endswith("\n"):
        return None
    if value.endswith("\n\n") or any(not ch.isprintable() and ch != "\n" for ch in value):
        return None
    lines = value[:-1].split("\n")
    if lines[0][:1] in ("", " ") or any(line and not line.strip() for line in lines):
        return None
    return ["|", *((" " * col + line) if line else "" for line in lines)]


def block_entry(key: str, value: Any, col: int, style: Style) -> list[str]:
    """Lines of ``key: value`` at column ``col`` (block style, nested as the file does)."""
    pad = " " * col
    literal = literal_lines(value, col + style.step)
    if literal is not None:
        return [f"{pad}{scalar(key)}: {literal[0]}", *literal[1:]]
    if isinstance(value, dict) and value:
        lines = [f"{pad}{scalar(key)}:"]
        for k, v in value.items():
            lines.extend(block_entry(str(k), v, col + style.step, style))
        return lines
    if isinstance(value, list) and value:
        lines = [f"{pad}{scalar(key)}:"]
        for item in value:
            lines.extend(block_item(item, col + style.seq_offset, style))
        return lines
    return [f"{pad}{scalar(key)}: {flow(value)}"]


def block_item(value: Any, col: int, style: Style) -> list[str]:
    """Lines of ``- value`` with the dash at column ``col``."""
    pad = " " * col
    if isinstance(value, dict) and value:
        lines: list[str] = []
        for k, v in value.items():
            lines.extend(block_entry(str(k), v, col + 2, style))
        lines[0] = pad + "- " + lines[0][col + 2:]
        return lines
    return [f"{pad}- {flow(value)}"]


