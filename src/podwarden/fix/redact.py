"""Credentials hidden from what ``fix`` prints: a diff shows lines of the file around each
change, and those lines can hold a password."""

from __future__ import annotations

from collections.abc import Sequence

from podwarden.engine import Engine, object_problem
from podwarden.load import yaml as yamlload
from podwarden.model.objects import KubeObject, ShapeError
from podwarden.model.paths import FieldPath
from podwarden.model.secret import fingerprint


class Redactions:
    """Credential texts, each with the fingerprint printed in its place."""

    def __init__(self) -> None:
        self._fragments: dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self._fragments)

    def add(self, text: str, doc: yamlload.Document, path: FieldPath, value: str) -> str:
        """Hide ``value`` (at ``path`` of ``doc``, parsed from ``text``) and the lines of its
        YAML source, which can differ from the value (quotes, escapes, block scalars).
        Returns the fingerprint."""
        secret = fingerprint(value)
        self._fragments[value] = secret
        node = doc.node
        for part in path:
            if node is None:
                break
            node = yamlload.child_node(node, part)
        if node is not None:
            for line in text[node.start_mark.index:node.end_mark.index].splitlines():
                if len(line.strip()) >= 4:
                    self._fragments[line.strip()] = secret
        return secret

    def __call__(self, text: str) -> str:
        """``text`` with every credential fragment replaced by its fingerprint."""
        for fragment in sorted(self._fragments, key=len, reverse=True):
            if fragment in text:
                text = text.replace(fragment, f"<redacted {self._fragments[fragment]}>")
        return text


def credentials_in(engine: Engine, text: str, docs: Sequence[yamlload.Document],
                   into: Redactions | None = None) -> Redactions:
    """Every value the credentials family (``engine``) reports in a file's documents,
    added to ``into`` (or a new set)."""
    found = into if into is not None else Redactions()
    for doc in docs:
        for prefix, data in yamlload.iter_objects(doc):
            if object_problem(data):
                continue
            obj = KubeObject(data, prefix)
            for active in engine.object_checks:
                try:
                    violations = list(active.fn(obj, engine.context))
                except ShapeError:
                    continue
                for v in violations:
                    value = _value_at(data, v.path)
                    if isinstance(value, str):
                        found.add(text, doc, (*prefix, *v.path), value)
            obj.release()
    return found


def _value_at(data: object, path: FieldPath) -> object:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data
