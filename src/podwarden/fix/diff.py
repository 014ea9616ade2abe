"""Unified diffs of fixed files: what ``podwarden fix`` prints without ``--write``."""

from __future__ import annotations

import difflib


def unified(path: str, before: str, after: str) -> str:
    """A unified diff (``--- PATH`` / ``+++ PATH``, 3 lines of context), '' when equal.

    Line endings are shown as ``\\n``; a last line without one gets the usual marker.
    """
    if before == after:
        return ""
    old = before.replace("\r\n", "\n").splitlines(keepends=True)
    new = after.replace("\r\n", "\n").splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(old, new, path, path):
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
