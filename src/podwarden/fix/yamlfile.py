"""Apply edits to a manifest file without touching a byte the edits do not need.

YAML is edited in place as text, at the positions the YAML composer reports for each
node (libyaml, or ruamel.yaml's YAML 1.2 parser for what libyaml refuses): a new key is
inserted as new lines after the last entry of its mapping, at that mapping's
indentation; a changed scalar replaces exactly its own characters; a list item is
appended after the last item, with the file's own sequence indentation.  Comments, key
order, quoting, anchors, flow style, blank lines, line endings, document separators and
every other document stay byte-identical, which re-emitting a round-trip tree (ruamel's
dumper normalises spacing, flow lists and indentation of the whole document) cannot
promise.  Each result is checked: it must parse to exactly the data the edits ask for
(``jsonpatch.PatchBuilder`` applied to the parsed original), or the file is refused.

JSON files are edited the same way, at the edited values' characters (``jsonedit``).

The pieces: ``yamlnodes`` finds nodes and positions in the text, ``yamlrender`` writes
new values in the file's style, ``yamledit`` makes each edit; this module checks and
writes the result.

What cannot be rewritten safely raises ``FixRefused`` with a one-line reason: Helm
templates, JSON with duplicate keys, edits through YAML aliases or merge keys, and
anything whose result would not parse back to the expected data.  Its ``line`` is the
line of the object (or document) concerned.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from podwarden.errors import InputError
from podwarden.fix.jsonedit import edit_json
from podwarden.fix.jsonpatch import PatchBuilder, PatchError
from podwarden.fix.yamledit import edit_yaml, ordered
from podwarden.fix.yamlnodes import FixRefused
from podwarden.load import yaml as yamlload
from podwarden.model.edits import Edit

__all__ = ["Encoding", "FixRefused", "apply_edits", "decode", "is_json", "rewrite", "write_atomic"]


# -- encoding ---------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class Encoding:
    """How a file's text is stored: byte-order mark and codec, written back the same way."""

    bom: bytes = b""
    codec: str = "utf-8"

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


class EditedText:
    """What a fix made of a file's text: a base for records with ``text``, ``fixed_text``
    (None until a fix is made) and ``encoding`` fields."""

    __slots__ = ()
    text: str
    fixed_text: str | None
    encoding: Encoding

    @property
    def changed(self) -> bool:
        return self.fixed_text is not None and self.fixed_text != self.text

    def fixed_bytes(self) -> bytes:
        assert self.fixed_text is not None
        return self.encoding.encode(self.fixed_text)


def decode(raw: bytes, file: str) -> tuple[str, Encoding]:
    """The text of a file and how to encode it back (InputError when not readable)."""
    text = yamlload.decode(raw, file)
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return text, Encoding(bom, codec)
    return text, Encoding()


def is_json(text: str) -> bool:
    """Kubernetes reads a document that starts like JSON as JSON (as the loader does)."""
    stripped = text.lstrip()
    return stripped[:1] in ("{", "[") and not stripped.startswith("{{")


# -- public entry point -----------------------------------------------------------------


def apply_edits(text: str, docs: Sequence[yamlload.Document], edits: dict[int, list[Edit]],
                file: str) -> str:
    """``text`` with ``edits`` applied; ``edits`` maps a document index to edits on paths
    relative to that document.  Raises FixRefused when that cannot be done safely."""
    return rewrite(text, docs, edits, file)[0]


def rewrite(text: str, docs: Sequence[yamlload.Document], edits: dict[int, list[Edit]],
            file: str) -> tuple[str, list[yamlload.Document]]:
    """``apply_edits``, and the documents of the new text as ``yamlload.parse`` reads them
    (the check that the result holds exactly the intended data parses it anyway)."""
    by_index = {doc.index: doc for doc in docs}
    expected: dict[int, Any] = {}
    effective: dict[int, list[Edit]] = {}
    for index, doc_edits in edits.items():
        builder = PatchBuilder(by_index[index].data)
        kept = effective[index] = []
        for edit in ordered(doc_edits):
            changes = builder.changes
            try:
                builder.apply(edit)
            except PatchError as exc:
                raise FixRefused(f"cannot apply a fix: {exc}", object_line(by_index[index], doc_edits)) from None
            if builder.changes != changes:
                kept.append(edit)  # an edit that changes nothing is not made in the text
        expected[index] = builder.document
    if is_json(text):
        if len(docs) != 1:
            raise FixRefused("a JSON file holds one document", docs[1].line if docs else 0)
        new_text = edit_json(text, effective.get(docs[0].index, []))
    else:
        _refuse_templates(text, docs)
        new_text = edit_yaml(text, by_index, effective)
    return new_text, _verify(new_text, docs, expected, file, edits)


def object_line(doc: yamlload.Document, edits: Sequence[Edit]) -> int:
    """The line of the object the edits change: an item of a ``*List`` or the document."""
    paths = {e.path[:2] for e in edits if len(e.path) >= 2 and e.path[0] == "items"}
    if len(paths) == 1:
        return doc.locate(next(iter(paths)))[0]
    return doc.locate(())[0]


def _verify(new_text: str, docs: Sequence[yamlload.Document], expected: dict[int, Any],
            file: str, edits: dict[int, list[Edit]]) -> list[yamlload.Document]:
    """The result must parse to exactly the expected documents: they are returned."""
    try:
        parsed = yamlload.parse(new_text, file)
    except InputError as exc:
        raise FixRefused(f"the fixed file would not parse ({exc.message}); left untouched", exc.line) from None
    want = [expected.get(doc.index, doc.data) for doc in docs]
    got = [doc.data for doc in parsed]
    if got != want:
        line = 0
        for doc, data in zip(docs, got, strict=False):
            if data != expected.get(doc.index, doc.data):
                line = object_line(doc, edits.get(doc.index, []))
                break
        raise FixRefused("the fixed file would not hold exactly the intended change; left untouched",
                         line or (docs[0].line if docs else 0))
    return parsed


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path`` by ``data`` through a temporary file in the same directory, keeping
    the file's permission bits; a crash leaves the old file or the new one, never half.
    A symbolic link stays a link: the file it leads to is the one replaced."""
    path = os.path.realpath(path)
    mode = os.stat(path).st_mode & 0o7777
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".podwarden-fix-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_TEMPLATE = "{{"


def _refuse_templates(text: str, docs: Sequence[yamlload.Document]) -> None:
    """``{{`` anywhere but inside string values means an unrendered template."""
    if _TEMPLATE not in text:
        return
    in_values = 0
    for doc in docs:
        stack = [doc.data]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                in_values += item.count(_TEMPLATE)
            elif isinstance(item, dict):
                stack.extend(item.values())
                stack.extend(k for k in item if isinstance(k, str))
            elif isinstance(item, list):
                stack.extend(item)
    if text.count(_TEMPLATE) > in_values:
        raise FixRefused("looks like a template ('{{' outside string values): render it first, "
                         "fix rewrites plain manifests only", _template_line(text, docs))


def _template_line(text: str, docs: Sequence[yamlload.Document]) -> int:
    """The first line holding ``{{`` that no string value of the documents explains."""
    values: list[str] = []
    for doc in docs:
        stack = [doc.data]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                values.append(item)
            elif isinstance(item, dict):
                stack.extend(item.values())
                stack.extend(k for k in item if isinstance(k, str))
            elif isinstance(item, list):
                stack.extend(item)
    for number, line in enumerate(text.splitlines(), 1):
        if _TEMPLATE in line and not any(_TEMPLATE in v and line.strip() in v for v in values):
            return number
    return 0


