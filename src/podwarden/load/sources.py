"""Where manifests come from: files, directories walked recursively, and stdin (``-``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from podwarden.errors import InputError

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
#: directories never worth walking into
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a path as given or found, or ``-`` for standard input.

    ``explicit`` sources were named by the user; files met while walking a directory are
    not, and are skipped with a note when they hold no Kubernetes object.
    """

    name: str
    explicit: bool

    def read(self) -> bytes:
        """The raw bytes, or InputError naming the file."""
        if self.name == "-":
            return sys.stdin.buffer.read()
        try:
            with open(self.name, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise InputError(self.name, 0, exc.strerror or str(exc)) from None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file met in a directory walk that is not worth reading (a Helm chart template)."""

    name: str
    reason: str


def expand(paths: Iterable[str]) -> Iterator[Source | InputError | Skipped]:
    """Sources for the given paths, in a stable order; missing paths become errors."""
    stdin_seen = False
    for path in paths:
        if path == "-":
            if not stdin_seen:  # standard input can be read once
                stdin_seen = True
                yield Source("-", True)
        elif os.path.isdir(path):
            yield from _walk(path)
        elif os.path.exists(path):
            yield Source(path, True)
        else:
            yield InputError(path, 0, "no such file or directory")


def _walk(top: str) -> Iterator[Source | Skipped]:
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        if "Chart.yaml" in files and "templates" in dirs:
            # a Helm chart: its templates are Go templates, meaningful only once rendered
            dirs.remove("templates")
            for troot, _, tfiles in os.walk(os.path.join(root, "templates")):
                for name in sorted(tfiles):
                    if name.endswith(MANIFEST_SUFFIXES):
                        yield Skipped(os.path.join(troot, name), "Helm chart template")
        for name in sorted(files):
            if name.endswith(MANIFEST_SUFFIXES):
                yield Source(os.path.join(root, name), False)
