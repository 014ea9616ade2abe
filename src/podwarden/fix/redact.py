"""Credentials hidden from what ``fix`` prints: a diff shows lines of the file around each
change, and those lines can hold a password.

Every value the credentials family finds in a file is hidden wherever it stands in that
file, not only where it was reported: the same connection string in ``args`` and in an
env value, a token in a container and an init container, in an env value and an
annotation.  The family reports a field and the fingerprint of the secret in it (length
and keyed hash), never the secret: the secret is found again as the piece of the field's
text (or of its base64 decoding) with that fingerprint.  Then each occurrence is hidden:

- as written in the text (a substring of any line), and in the escaped forms a quoted
  scalar gives it (JSON and YAML double quotes);
- every source line of a scalar whose value holds it but whose text does not hold it as
  written (folded or escaped across lines, a line of a block scalar), and every line of
  the reported field itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from podwarden.engine import Engine, Raised, object_problem
from podwarden.load import yaml as yamlload
from podwarden.model.objects import KubeObject, ShapeError
from podwarden.model.paths import FieldPath
from podwarden.model.secret import fingerprint
from podwarden.rules.api import Violation
from podwarden.rules.registry import Active

#: the fingerprint's tail: ``...(LENGTH)#HASH``
_FINGERPRINT = re.compile(r"\((\d+)\)#([0-9a-f]{8})$")
#: fields longer than this are hidden whole, without looking for the secret inside
MAX_SEARCH = 1 << 16
#: source lines shorter than this are not hidden on their own (``|``, ``-``, ``"``)
MIN_LINE = 4


class Redactions:
    """Credential texts, each with the fingerprint printed in its place."""

    def __init__(self) -> None:
        self._fragments: dict[str, str] = {}
        self._values: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def __bool__(self) -> bool:
        return bool(self._fragments)

    def add(self, text: str, doc: yamlload.Document, path: FieldPath, value: str) -> str:
        """Hide ``value`` (the field at ``path`` of ``doc``, parsed from ``text``) and the
        lines of its YAML source, which can differ from the value (quotes, escapes, block
        scalars).  Returns the fingerprint."""
        secret = fingerprint(value)
        self.add_value(value, secret)
        node = _node_at(doc.node, path)
        if node is not None:
            self._add_lines(text[node.start_mark.index:node.end_mark.index], secret)
        return secret

    def add_value(self, value: str, secret: str | None = None) -> None:
        """Hide ``value`` wherever it stands, as written or escaped."""
        if not value.strip():
            return
        secret = secret or fingerprint(value)
        self._values[value] = secret
        for form in _written_forms(value):
            self._fragments.setdefault(form, secret)
        self._pattern = None

    def cover_nodes(self, text: str, docs: Sequence[yamlload.Document]) -> None:
        """Hide the source lines of every scalar (value or key) that holds a hidden value
        which its text does not show as written."""
        if not self._values:
            return
        for doc in docs:
            if doc.node is None:
                continue
            for node in _scalars(doc.node):
                value = node.value
                if not isinstance(value, str):
                    continue
                source = text[node.start_mark.index:node.end_mark.index]
                for secret_value, secret in self._values.items():
                    if secret_value in value and secret_value not in source:
                        self._add_lines(source, secret)

    def _add_lines(self, source: str, secret: str) -> None:
        for line in source.splitlines():
            if len(line.strip()) >= MIN_LINE:
                self._fragments.setdefault(line.strip(), secret)
        self._pattern = None

    def __call__(self, text: str) -> str:
        """``text`` with every credential fragment replaced by its fingerprint."""
        if not self._fragments:
            return text
        if self._pattern is None:
            ordered = sorted(self._fragments, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(f) for f in ordered))
        return self._pattern.sub(lambda m: f"<redacted {self._fragments[m.group(0)]}>", text)


#: checks ``credentials_in`` runs on every kind though the engine runs them on their own
#: kinds only, with the top-level fields without which they report nothing elsewhere
OTHER_KINDS_NEED = {"credentials/committed-secret": ("data", "stringData")}


def credentials_in(engine: Engine, text: str, docs: Sequence[yamlload.Document],
                   into: Redactions | None = None, raised: Sequence[Raised] | None = None,
                   ) -> Redactions:
    """Every value the credentials family (``engine``) reports in a file's documents,
    added to ``into`` (or a new set), hidden wherever it stands in ``text``.  ``raised``:
    what a check of ``docs`` without errors raised, when it ran every check of ``engine``
    (``Engine.scan_docs``): their violations are taken from it instead of run again."""
    found = into if into is not None else Redactions()
    recorded: dict[tuple[int, FieldPath], dict[str, list[Violation]]] | None = None
    if raised is not None:
        wanted = {a.rule.id for a in engine.object_checks}
        recorded = {}
        for r in raised:
            if r.check.rule.id in wanted:
                on = recorded.setdefault((id(r.object.data), r.object.path), {})
                on.setdefault(r.check.rule.id, []).append(r.violation)
    for doc in docs:
        for prefix, data in yamlload.iter_objects(doc):
            if object_problem(data):
                continue
            obj = KubeObject(data, prefix)
            on_object = recorded.get((id(data), prefix), {}) if recorded is not None else None
            for active in engine.object_checks:
                for v in _violations(engine, active, obj, on_object):
                    value = _value_at(data, v.path)
                    if isinstance(value, str):
                        found.add(text, doc, (*prefix, *v.path), value)
                        if v.secret:
                            for secret in secrets_in(value, v.secret):
                                found.add_value(secret, v.secret)
                    elif isinstance(value, dict):
                        _in_mapping(found, text, doc, (*prefix, *v.path), value, v.secret)
            obj.release()
    found.cover_nodes(text, docs)
    return found


def _violations(engine: Engine, active: Active, obj: KubeObject,
                recorded: dict[str, list[Violation]] | None) -> list[Violation]:
    """What ``active`` reports on ``obj``: recorded when its check ran on the object (all of
    them or none, on a field of the wrong shape)."""
    if recorded is not None:
        if not active.rule.kinds or obj.kind in active.rule.kinds:
            return recorded.get(active.rule.id, [])
        needs = OTHER_KINDS_NEED.get(active.rule.id)
        if needs is not None and not any(isinstance(obj.data.get(f), dict) for f in needs):
            return []
    try:
        return list(active.fn(obj, engine.context))
    except ShapeError:
        return []


def _in_mapping(found: Redactions, text: str, doc: yamlload.Document, path: FieldPath,
                mapping: dict[Any, Any], secret: str | None) -> None:
    """A finding at a mapping: a credential written as one of its keys (the scan reports a
    key at the path of its mapping, never in the path), or values the fingerprint covers
    together (``committed-secret``: one fingerprint of every literal entry of a Secret).
    The piece with the finding's fingerprint is looked for in the keys, then the values;
    when no piece has it, every string value of the mapping is hidden (more than needed,
    never less)."""
    if secret:
        pieces = [p for k in mapping if isinstance(k, str) for p in secrets_in(k, secret)]
        if not pieces:
            pieces = [p for v in mapping.values() if isinstance(v, str) for p in secrets_in(v, secret)]
        for piece in pieces:
            found.add_value(piece, secret)
        if pieces:
            return
    for key, value in mapping.items():
        if isinstance(value, str) and isinstance(key, str | int):
            found.add(text, doc, (*path, key), value)


def secrets_in(field: str, secret: str) -> Iterator[str]:
    """The pieces of ``field`` (or of its base64 decodings) whose fingerprint is ``secret``."""
    match = _FINGERPRINT.search(secret)
    if match is None:
        return
    length, digest = int(match.group(1)), match.group(2)
    texts = [field]
    decoded = _b64(field)
    if decoded is not None:
        texts.append(decoded)
        inner = _b64(decoded)
        if inner is not None:
            texts.append(inner)
    want = f"...({length})#{digest}"
    seen: set[str] = set()
    for text in texts:
        if len(text) > MAX_SEARCH:
            continue
        for start in range(len(text) - length + 1):
            piece = text[start:start + length]
            if piece not in seen and fingerprint(piece, prefix=False) == want:
                seen.add(piece)
                yield piece


def _b64(text: str) -> str | None:
    compact = "".join(text.split())
    if len(compact) < 8 or not re.fullmatch(r"[A-Za-z0-9+/_-]+={0,2}", compact):
        return None
    compact += "=" * (-len(compact) % 4)
    try:
        raw = base64.b64decode(compact.replace("-", "+").replace("_", "/"), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _written_forms(value: str) -> set[str]:
    """How a value can stand in YAML or JSON text: as is, JSON-escaped, single-quoted
    (quotes doubled), and each of its lines (a block scalar writes them indented)."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
             value.replace("'", "''")}
    if "\n" in value:
        forms.update(line.strip() for line in value.splitlines() if len(line.strip()) >= MIN_LINE)
    return {f for f in forms if f}


def _node_at(node: Any, path: FieldPath) -> Any:
    for part in path:
        if node is None:
            return None
        node = yamlload.child_node(node, part)
    return node


def _scalars(root: Any) -> Iterator[Any]:
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.id == "scalar":
            yield node
        elif node.id == "mapping":
            for key, value in node.value:
                stack.extend((key, value))
        elif node.id == "sequence":
            stack.extend(node.value)


def _value_at(data: object, path: FieldPath) -> object:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data
