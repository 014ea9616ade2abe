"""Whether the user may change a file, judged by its mode bits.

``os.access`` asks the kernel, which lets root write anything: a read-only (0444) manifest
would be replaced silently when ``fix --write`` runs as root (in a container, in CI).  A
file's write bits say what its owner meant, so they decide: the owner's bit when the user
owns it, the group's when the user is in its group, the others' bit otherwise.
"""

from __future__ import annotations

import os
import stat


def problem(path: str) -> str:
    """Why ``path`` must not be rewritten (``not writable (mode 0444)``), or ''."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"not writable ({exc.strerror or type(exc).__name__})"
    mode = stat.S_IMODE(info.st_mode)
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if not mode_allows(mode, info.st_uid, info.st_gid):
        return f"not writable (mode {mode:04o})"
    if not os.access(path, os.W_OK):
        return f"not writable (mode {mode:04o})"
    return ""


def mode_allows(mode: int, owner: int, group: int) -> bool:
    """The write bit that applies to this process's user: owner, group, or others."""
    uid = os.geteuid()
    if uid == owner:
        return bool(mode & stat.S_IWUSR)
    if group == os.getegid() or group in os.getgroups():
        return bool(mode & stat.S_IWGRP)
    return bool(mode & stat.S_IWOTH)
