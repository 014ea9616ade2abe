"""Where manifests come from: files, directories walked recursively, and stdin (``-``).

Only regular files are read: a device, FIFO or socket (also behind a symlink) named on the
command line is an error, and one met in a directory walk is skipped with a note.  Reads
are bounded by bytes (``MAX_BYTES``), never trusted to end: ``/dev/zero`` or a pipe that
never closes cannot exhaust memory.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator

from podwarden.errors import InputError
from podwarden.model.record import Record, Value

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
#: directories never worth walking into
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})
#: the largest input read, in bytes (a file, or standard input)
MAX_BYTES = 32 * 1024 * 1024
_MIB = _CHUNK = 1024 * 1024


class Source(Value):
    """One input: a path as given or found, or ``-`` for standard input.

    ``explicit`` sources were named by the user; files met while walking a directory are
    not, and are skipped with a note when they hold no Kubernetes object.  A value, never
    changed once made (not a frozen ``Record``: a walk makes one per file).
    """

    __slots__ = ("explicit", "name")
    _fields = ("name", "explicit")

    def __init__(self, name: str, explicit: bool) -> None:
        self.name = name
        self.explicit = explicit

    def read(self) -> bytes:
        """The raw bytes, or InputError naming the file (missing, not a regular file, too large)."""
        if self.name == "-":
            return read_bounded(sys.stdin.buffer.read, "-")
        try:
            # O_NONBLOCK: opening a FIFO must not wait for a writer; the kind is checked on
            # the open descriptor, so a file swapped for a FIFO after the walk is caught too
            fd = os.open(self.name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise InputError(self.name, 0, exc.strerror or type(exc).__name__) from None
        try:
            status = os.fstat(fd)
            kind = special_kind(status.st_mode)
            if kind:
                raise InputError(self.name, 0, f"not a regular file ({kind}): not read")
            if status.st_size > MAX_BYTES:
                raise InputError(self.name, 0, _too_large(MAX_BYTES))
            # a regular file (O_NONBLOCK does not change its reads): one read of its size and
            # a byte more; read on (bounded) unless it gave exactly the size, so a read cut
            # short (a network file system, a signal) or a file that grew loses nothing
            first = os.read(fd, status.st_size + 1)
            if len(first) == status.st_size:
                return first
            return read_bounded(lambda n: os.read(fd, n), self.name, start=first)
        except OSError as exc:
            raise InputError(self.name, 0, exc.strerror or type(exc).__name__) from None
        finally:
            os.close(fd)


def read_bounded(read: Callable[[int], bytes], name: str, limit: int | None = None, start: bytes = b"") -> bytes:
    """``start`` and every byte ``read`` gives after it, up to ``limit`` (``MAX_BYTES``) in
    all; InputError when there are more."""
    limit = MAX_BYTES if limit is None else limit
    chunks = [start]
    size = len(start)
    if size > limit:
        raise InputError(name, 0, _too_large(limit))
    while True:
        chunk = read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise InputError(name, 0, _too_large(limit))


def _too_large(limit: int) -> str:
    size_text = f"{limit // _MIB} MiB" if limit % _MIB == 0 else f"{limit} bytes"
    return f"larger than {size_text}: refused"


def special_kind(mode: int) -> str:
    """What a file that is not a regular file is ('' for a regular file)."""
    if stat.S_ISREG(mode):
        return ""
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


HELM_TEMPLATE = "Helm chart template"


class Skipped(Record):
    """A file met in a directory walk that is not worth reading (a Helm chart template)."""

    __slots__ = ("name", "reason")
    _fields = ("name", "reason")
    name: str
    reason: str

    def __init__(self, name: str, reason: str) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "reason", reason)


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
            kind = special_kind(os.stat(path).st_mode)
            yield InputError(path, 0, f"not a regular file ({kind}): not read") if kind else Source(path, True)
        else:
            yield InputError(path, 0, "no such file or directory")


def _walk(top: str) -> Iterator[Source | Skipped]:
    """Every manifest below ``top``: symlinks to directories are followed, each real
    directory and file is read once (a link back up the tree is a loop, said and skipped)."""
    seen_dirs: dict[tuple[int, int], str] = {}
    seen_files: dict[tuple[int, int], str] = {}
    for root, dirs, files in os.walk(top, followlinks=True):
        try:
            info = os.stat(root)
        except OSError:
            continue
        first = seen_dirs.setdefault((info.st_dev, info.st_ino), root)
        if first != root:
            dirs[:] = []
            yield Skipped(root, f"the directory already read as {first} (a symlink loop or a second "
                                "path to it): skipped")
            continue
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        if "Chart.yaml" in files and "templates" in dirs:
            # a Helm chart: its templates are Go templates, meaningful only once rendered
            dirs.remove("templates")
            for troot, _, tfiles in os.walk(os.path.join(root, "templates")):
                for name in sorted(tfiles):
                    if name.endswith(MANIFEST_SUFFIXES):
                        yield Skipped(os.path.join(troot, name), HELM_TEMPLATE)
        prefix = os.path.join(root, "")  # prefix + name: os.path.join(root, name) at a tenth of its cost
        for name in sorted(files):
            if name.endswith(MANIFEST_SUFFIXES):
                path = prefix + name
                try:
                    st = os.stat(path)
                    kind = special_kind(st.st_mode)
                except OSError:
                    yield Skipped(path, "a broken symbolic link: skipped")
                    continue
                if kind:
                    yield Skipped(path, f"not a regular file ({kind}): skipped")
                elif (st.st_dev, st.st_ino) in seen_files:
                    yield Skipped(path, f"the same file as {seen_files[(st.st_dev, st.st_ino)]}: skipped")
                else:
                    seen_files[(st.st_dev, st.st_ino)] = path
                    yield Source(path, False)
