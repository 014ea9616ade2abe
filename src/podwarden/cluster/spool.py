"""Objects read from a cluster, filed by namespace on a temporary file, so that memory
holds one page and one namespace at a time, never the cluster.

Lists arrive a resource type at a time (cluster-wide lists in any order the server
keeps), while the audit evaluates a namespace at a time: each object is written as it
arrives (``marshal``, compressed) and only its place in the file is remembered, by
namespace and kind.  A list is committed when it completes; a list that starts again
(an expired continue token) drops what it had written, so nothing is seen twice.
"""

from __future__ import annotations

import marshal
import os
import tempfile
import threading
import zlib
from array import array
from collections.abc import Iterator
from typing import Any


class Spool:
    """Objects by (namespace, kind), in the order they were listed; thread-safe writes."""

    def __init__(self, directory: str | None = None) -> None:
        # closed by close(); unlinked at once, so nothing is left behind whatever happens
        self._file = tempfile.TemporaryFile(prefix="podwarden-audit-", dir=directory)  # noqa: SIM115
        self._fd = self._file.fileno()
        self._end = 0
        self._lock = threading.Lock()
        #: (namespace, kind) -> offsets and lengths, alternately
        self._places: dict[tuple[str, str], array[int]] = {}
        #: namespaces in the order their first object was committed
        self.namespaces: dict[str, None] = {}
        self.bytes = 0

    def close(self) -> None:
        self._file.close()

    def writer(self, kind: str) -> Writer:
        """A writer for one list of ``kind`` objects; nothing is visible until ``commit``."""
        return Writer(self, kind)

    def _write(self, blob: bytes) -> int:
        with self._lock:
            where = self._end
            self._end += len(blob)
            self.bytes += len(blob)
        os.pwrite(self._fd, blob, where)
        return where

    def _commit(self, kind: str, places: dict[str, array[int]]) -> None:
        with self._lock:
            for namespace, found in places.items():
                self.namespaces.setdefault(namespace, None)
                have = self._places.get((namespace, kind))
                if have is None:
                    self._places[(namespace, kind)] = found
                else:
                    have.extend(found)

    def count(self, namespace: str, kind: str) -> int:
        return len(self._places.get((namespace, kind), ())) // 2

    def read(self, namespace: str, kind: str) -> Iterator[dict[str, Any]]:
        """The ``kind`` objects of a namespace ('' for cluster-scoped), one at a time."""
        places = self._places.get((namespace, kind))
        if not places:
            return
        for i in range(0, len(places), 2):
            blob = os.pread(self._fd, places[i + 1], places[i])
            obj = marshal.loads(zlib.decompress(blob))
            if isinstance(obj, dict):
                yield obj


class Writer:
    """Writes one list's objects; ``commit`` makes them visible."""

    def __init__(self, spool: Spool, kind: str) -> None:
        self.spool = spool
        self.kind = kind
        self._places: dict[str, array[int]] = {}
        self.written = 0

    def add(self, objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            meta = obj.get("metadata")
            ns = meta.get("namespace") if isinstance(meta, dict) else None
            namespace = ns if isinstance(ns, str) and obj.get("kind") != "Namespace" else ""
            blob = zlib.compress(marshal.dumps(obj), 1)
            where = self.spool._write(blob)
            places = self._places.get(namespace)
            if places is None:
                places = self._places[namespace] = array("q")
            places.append(where)
            places.append(len(blob))
            self.written += 1

    def restart(self) -> None:
        """The list starts again: forget what it wrote (the bytes stay, unused)."""
        self._places = {}
        self.written = 0

    def commit(self) -> None:
        self.spool._commit(self.kind, self._places)
        self._places = {}
