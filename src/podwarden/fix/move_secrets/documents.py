"""The text ``fix --move-secrets`` adds: a SecretProviderClass's ``objects`` parameter
extended in its own style, and new YAML documents appended to a file, each verified."""

from __future__ import annotations

import re
from typing import Any

import yaml

from podwarden.errors import InputError
from podwarden.fix import yamlfile, yamlnodes, yamlrender
from podwarden.load import yaml as yamlload


def objects_text(old: str, entries: list[str], new: list[str]) -> str | None:
    """The ``objects`` string with ``new`` entries appended; its own text kept when it can be."""
    want = [*entries, *new]
    candidates = []
    if old.strip() and old.endswith("\n"):
        dash = re.search(r"^( *)- ", old, re.M)
        pad = dash.group(1) if dash else "  "
        block = re.search(r"^( *)- [|>][-+]?\n( *)\S", old, re.M)  # the file's own entry indent
        inner = block.group(2) if block and len(block.group(2)) > len(block.group(1)) else pad + "  "
        candidates.append(old + "".join(
            f"{pad}- |\n" + "".join(f"{inner}{line}\n" for line in e.splitlines()) for e in new))
    lines = ["array:"]
    for e in want:
        if not e.endswith("\n") or e.endswith("\n\n") or e[:1] == " ":
            lines = []
            break
        lines.append("  - |")
        lines.extend(f"    {line}" if line else "" for line in e[:-1].split("\n"))
    if lines:
        candidates.append("\n".join(lines) + "\n")
    for text in candidates:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if isinstance(doc, dict) and doc.get("array") == want:
            return text
    return None


def append_documents(text: str, docs: list[dict[str, Any]], file: str) -> str:
    """``text`` followed by ``docs`` as new YAML documents; verified to parse back."""
    roots = [r for r in yamlnodes.compose_all(text) if r is not None]
    style = yamlnodes.detect_style(text, roots[0]) if roots else yamlrender.Style()
    nl = style.newline
    out = text
    if out and not out.endswith("\n"):
        out += nl
    for data in docs:
        lines = ["---"]
        for key, value in data.items():
            lines.extend(yamlrender.block_entry(key, value, 0, style))
        out += nl.join(lines) + nl
    before = [d.data for d in yamlload.parse(text, file)]
    try:
        after = [d.data for d in yamlload.parse(out, file)]
    except InputError as exc:
        raise yamlfile.FixRefused(f"the new documents would not parse ({exc.message})", exc.line) from None
    if after != [*before, *docs]:
        # the line where the new documents start
        raise yamlfile.FixRefused("the new documents would not parse back exactly; left untouched",
                                  text.count("\n") + 1)
    return out
