"""Hypothesis strategies shared by the property tests and ``fuzz.py``: manifests with
planted credentials, seeds read in place from ../shared/corpus, and mutation operators.

A :class:`Case` is a small set of input files; its ``repr`` (what Hypothesis prints for a
falsifying example) names the files, sizes, hashes and mutations, never their content,
which holds planted credentials.
"""

from __future__ import annotations

import base64
import codecs
import functools
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from tests.properties import planted

CORPUS = Path(os.environ.get("PODWARDEN_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus"))
SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Case:
    """Input files (relative name, bytes) and how they were made."""

    files: tuple[tuple[str, bytes], ...]
    origin: tuple[str, ...] = ()
    stdin: bool = False  # the first file is also given as ``-`` on standard input
    explicit: bool = True  # files named one by one, else the directory is walked
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __repr__(self) -> str:
        files = ", ".join(f"{n}({len(b)} bytes, sha256 {hashlib.sha256(b).hexdigest()[:12]})"
                          for n, b in self.files)
        return (f"Case(files=[{files}], origin={list(self.origin)}, stdin={self.stdin}, "
                f"explicit={self.explicit})")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints a falsifying dataclass field by field: show the safe repr."""
        printer.text(repr(self))


# -- seeds from the shared corpus, read in place --------------------------------------


@functools.cache
def corpus_files(max_bytes: int) -> tuple[str, ...]:
    """Manifest files of the corpus no larger than ``max_bytes``, in a stable order."""
    out: list[str] = []
    if not CORPUS.is_dir():
        return ()
    for root, dirs, files in os.walk(CORPUS):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(SUFFIXES):
                path = os.path.join(root, name)
                if os.path.getsize(path) <= max_bytes:
                    out.append(path)
    return tuple(out)


def corpus_seed(max_bytes: int) -> st.SearchStrategy[tuple[str, bytes]]:
    """One corpus file: (its path relative to the corpus, its bytes)."""
    files = corpus_files(max_bytes)
    if not files:
        return st.nothing()

    def read(path: str) -> tuple[str, bytes]:
        return os.path.relpath(path, CORPUS), Path(path).read_bytes()

    return st.sampled_from(files).map(read)


# -- generated manifests with planted credentials ------------------------------------

#: where a credential can stand; each is rendered by ``_render_plant``
PLACES = (
    "env-value", "env-value-tagged", "arg", "command", "annotation-value", "annotation-key",
    "configmap-value", "configmap-key", "configmap-key-duplicate", "secret-data-base64",
    "secret-string-data", "value-duplicate-key", "env-value-and-arg", "unterminated-quote",
    "flow-broken", "json-broken", "label-value-tagged", "binary-tag", "block-scalar",
)
TAGS = ("!!int", "!!float", "!!binary", "!!bool", "!!null", "!!timestamp", "!!map", "!!seq",
        "!!set", "!!omap", "!custom", "!!python/object:os.system")

_names = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
_caps = st.lists(st.sampled_from(["NET_BIND_SERVICE", "NET_ADMIN", "SYS_ADMIN", "ALL", "CHOWN"]),
                 max_size=3, unique=True)
_security_context = st.fixed_dictionaries({}, optional={
    "allowPrivilegeEscalation": st.booleans(),
    "privileged": st.booleans(),
    "runAsNonRoot": st.booleans(),
    "runAsUser": st.integers(0, 70000),
    "readOnlyRootFilesystem": st.booleans(),
    "capabilities": st.fixed_dictionaries({}, optional={"add": _caps, "drop": _caps}),
    "seccompProfile": st.fixed_dictionaries(
        {"type": st.sampled_from(["RuntimeDefault", "Unconfined", "Localhost"])}),
})
_container = st.fixed_dictionaries(
    {"name": _names, "image": st.sampled_from(["nginx:1.27", "busybox", "contoso.azurecr.io/shop/api:2.1"])},
    optional={
        "securityContext": _security_context,
        "ports": st.lists(st.fixed_dictionaries({"containerPort": st.integers(1, 65535)}), max_size=2),
        "env": st.lists(st.fixed_dictionaries({"name": st.from_regex(r"[A-Z][A-Z_]{0,8}", fullmatch=True),
                                               "value": _names}), max_size=2),
    },
)
_pod_spec = st.fixed_dictionaries(
    {"containers": st.lists(_container, min_size=1, max_size=2)},
    optional={
        "initContainers": st.lists(_container, min_size=1, max_size=1),
        "hostPID": st.booleans(),
        "hostNetwork": st.booleans(),
        "automountServiceAccountToken": st.booleans(),
        "serviceAccountName": _names,
    },
)


def _workload(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "shop"}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
    template = {"metadata": {"labels": {"app": name}}, "spec": spec}
    if kind == "CronJob":
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": meta,
                "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": template}}}}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta,
            "spec": {"selector": {"matchLabels": {"app": name}}, "template": template}}


def _marker(i: int) -> str:
    return f"plantmarker{i}x"


def _place(doc: dict[str, Any], place: str, marker: str) -> dict[str, Any] | None:
    """Put ``marker`` at ``place`` in ``doc`` (a workload); returns a second document when
    the place is in a ConfigMap or Secret."""
    spec = doc["spec"] if doc["kind"] == "Pod" else (
        doc["spec"]["jobTemplate"]["spec"]["template"]["spec"] if doc["kind"] == "CronJob"
        else doc["spec"]["template"]["spec"])
    c = spec["containers"][0]
    meta = doc["metadata"]
    if place.startswith("env-value") or place in ("value-duplicate-key", "unterminated-quote",
                                                  "flow-broken", "json-broken", "binary-tag"):
        c.setdefault("env", []).append({"name": "SHOP_CREDENTIAL", "value": marker})
        if place == "env-value-and-arg":
            c["args"] = ["--connection", marker]
    elif place == "arg":
        c["args"] = ["--token", marker]
    elif place == "command":
        c["command"] = ["/app/run", f"--password={marker}"]
    elif place == "annotation-value":
        meta["annotations"] = {"shop.contoso.com/token": marker}
    elif place == "annotation-key":
        meta["annotations"] = {marker: "true"}
    elif place == "label-value-tagged":
        meta["labels"] = {"tier": marker}
    elif place.startswith("configmap"):
        data = {marker: "enabled"} if "key" in place else {"token": marker}
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shop-config", "namespace": "shop"},
                "data": data}
    elif place == "secret-data-base64":
        return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "shop-secret", "namespace": "shop"},
                "type": "Opaque", "data": {"token": marker}}
    elif place in ("secret-string-data", "block-scalar"):
        return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "shop-tls", "namespace": "shop"},
                "type": "Opaque", "stringData": {"key": marker}}
    return None


def _render_plant(text: str, marker: str, place: str, secret: str, tag: str, is_json: bool) -> str:
    """Replace ``marker`` (as the dumper wrote it) with ``secret`` written for ``place``."""
    quoted = json.dumps(secret)
    plain = quoted if "\n" in secret or secret.startswith(("-", "!", "&", "*")) else secret
    pattern = re.compile(r'"?' + re.escape(marker) + r'"?')
    if place == "secret-data-base64":
        return pattern.sub(json.dumps(base64.b64encode(secret.encode()).decode()), text)
    if place in ("env-value-tagged", "label-value-tagged", "binary-tag") and not is_json:
        chosen = "!!binary" if place == "binary-tag" else tag
        return pattern.sub(lambda _: f"{chosen} {plain}", text)
    if place in ("configmap-key-duplicate", "value-duplicate-key") and not is_json:
        lines = text.splitlines(keepends=True)
        for i, line in enumerate(lines):
            if marker in line:
                lines.insert(i + 1, line)
                break
        return pattern.sub(lambda _: quoted, "".join(lines))
    if place == "unterminated-quote":
        return pattern.sub(lambda _: '"' + secret.replace("\n", " ") + (" x" if is_json else ""), text)
    if place == "flow-broken":
        return pattern.sub(lambda _: "{" + plain + ": [", text)
    if place == "json-broken":
        return pattern.sub(lambda _: quoted + ",,", text)
    if place == "block-scalar" and not is_json and "\n" in secret:
        m = re.search(r"^( *)(\S[^\n]*?)" + re.escape(marker), text, re.M)
        if m:
            indent = " " * (len(m.group(1)) + 2)
            block = "|\n" + "".join(indent + line + "\n" for line in secret.splitlines())
            return text[:m.start(2)] + m.group(2) + block + text[m.end():].lstrip("\n")
    return pattern.sub(lambda _: quoted, text)


@st.composite
def planted_manifest(draw: st.DrawFn) -> tuple[str, bytes, str]:
    """A file of one workload, maybe a ConfigMap or Secret, with 1-3 planted credentials:
    (file name, bytes, a description of the plants)."""
    kind = draw(st.sampled_from(["Pod", "Deployment", "CronJob", "StatefulSet", "DaemonSet"]))
    doc = _workload(kind, draw(_names), draw(_pod_spec))
    fmt = draw(st.sampled_from(["block", "block", "flow", "json"]))
    plants = draw(st.lists(st.tuples(st.sampled_from(PLACES), st.sampled_from(list(planted.TEXTS)),
                                     st.sampled_from(TAGS)), min_size=1, max_size=3))
    extra: list[dict[str, Any]] = []
    for i, (place, _, _) in enumerate(plants):
        more = _place(doc, place, _marker(i))
        if more is not None:
            extra.append(more)
    docs = [doc, *extra]
    if fmt == "json":
        text = json.dumps(docs[0] if len(docs) == 1 else {"apiVersion": "v1", "kind": "List",
                                                            "items": docs}, indent=2) + "\n"
    else:
        text = yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=fmt == "flow", width=4096)
    for i, (place, secret, tag) in enumerate(plants):
        text = _render_plant(text, _marker(i), place, secret, tag, fmt == "json")
    described = ", ".join(f"{planted.TEXTS[s].name}@{p}" + (f"({t})" if "tagged" in p else "")
                          for p, s, t in plants)
    name = f"planted-{kind.lower()}.{'json' if fmt == 'json' else draw(st.sampled_from(['yaml', 'yml']))}"
    return name, text.encode(), f"{fmt}: {described}"


# -- mutation operators ----------------------------------------------------------------

Pick = Callable[[int, int], int]  # an integer in [lo, hi], drawn by Hypothesis
Mutation = Callable[[bytes, Pick], tuple[bytes, str]]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _choice(pick: Pick, items: list[Any] | tuple[Any, ...]) -> Any:
    return items[pick(0, len(items) - 1)]


def flip_byte(data: bytes, pick: Pick) -> tuple[bytes, str]:
    if not data:
        return b"\xff", "flip@0"
    i = pick(0, len(data) - 1)
    value = _choice(pick, [data[i] ^ (1 << pick(0, 7)), 0x00, 0x80, 0xC3, 0xFF, ord(":"), ord("\t"),
                           ord("{"), ord('"'), ord("-")])
    return data[:i] + bytes([value]) + data[i + 1:], f"flip@{i}={value:#04x}"


def truncate(data: bytes, pick: Pick) -> tuple[bytes, str]:
    i = pick(0, len(data))
    return data[:i], f"truncate@{i}"


def duplicate_line(data: bytes, pick: Pick) -> tuple[bytes, str]:
    lines = _lines(data)
    i = pick(0, len(lines) - 1)
    line = lines[i] if lines[i].endswith(b"\n") else lines[i] + b"\n"
    return b"".join([*lines[:i + 1], line, *lines[i + 1:]]), f"dup-line@{i + 1}"


def delete_line(data: bytes, pick: Pick) -> tuple[bytes, str]:
    lines = _lines(data)
    i = pick(0, len(lines) - 1)
    return b"".join(lines[:i] + lines[i + 1:]), f"del-line@{i + 1}"


_VALUE = re.compile(rb"^(\s*(?:- )?[\w.\-/\"]+\"?: ?)(\S.*)?$")
_KEY_LINES = re.compile(rb"^\s*(?:- )?\"?[\w.\-/]+\"?:(?: |$)", re.M)


def _value_lines(data: bytes) -> list[int]:
    return [i for i, line in enumerate(_lines(data)) if _KEY_LINES.match(line)]


def inject_tag(data: bytes, pick: Pick) -> tuple[bytes, str]:
    candidates = _value_lines(data)
    tag = _choice(pick, TAGS).encode()
    if not candidates:
        return tag + b" " + data, f"tag {tag.decode()}@1"
    lines = _lines(data)
    i = _choice(pick, candidates)
    m = _VALUE.match(lines[i].rstrip(b"\r\n"))
    if m is None:
        return data, "tag (no value)"
    end = lines[i][len(lines[i].rstrip(b"\r\n")):]
    lines[i] = m.group(1) + (b"" if m.group(1).endswith(b" ") else b" ") + tag + b" " + (m.group(2) or b"") + end
    return b"".join(lines), f"tag {tag.decode()}@{i + 1}"


def anchors_aliases(data: bytes, pick: Pick) -> tuple[bytes, str]:
    lines = _lines(data)
    candidates = _value_lines(data)
    how = pick(0, 3)
    if how == 0 or len(candidates) < 2:  # a small "billion laughs" document
        depth = pick(2, 12)
        bomb = [b"a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"]
        bomb += [f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}]\n".encode()
                 for n in range(1, depth)]
        return data + b"\n---\n" + b"".join(bomb), f"alias-bomb depth {depth}"
    i, j = sorted((_choice(pick, candidates), _choice(pick, candidates)))
    mi, mj = _VALUE.match(lines[i].rstrip(b"\r\n")), _VALUE.match(lines[j].rstrip(b"\r\n"))
    if mi is None or mj is None:
        return data, "alias (no value)"
    lines[i] = mi.group(1) + b" &anc " + (mi.group(2) or b"") + b"\n"
    if how == 1:
        lines[j] = mj.group(1) + b" *anc\n"
        return b"".join(lines), f"alias {i + 1}->{j + 1}"
    if how == 2:  # a merge key
        indent = lines[j][:len(lines[j]) - len(lines[j].lstrip())]
        lines.insert(j + 1, indent.replace(b"- ", b"  ") + b"<<: *anc\n")
        return b"".join(lines), f"merge {i + 1}->{j + 2}"
    lines[j] = mj.group(1) + b" *undefined\n"
    return b"".join(lines), f"undefined-alias@{j + 1}"


def deep_nesting(data: bytes, pick: Pick) -> tuple[bytes, str]:
    depth = _choice(pick, [64, 255, 257, 1000, 100_000])
    style = pick(0, 2)
    if style == 0:
        value = b"[" * depth + b"]" * depth
    elif style == 1:
        value = b"{a: " * depth + b"1" + b"}" * depth
    else:
        value = b"".join(b"  " * n + b"a:\n" for n in range(min(depth, 600))) + b"  " * min(depth, 600) + b"b: 1\n"
        return data + b"\n---\n" + value, f"deep-block {min(depth, 600)}"
    lines = _lines(data)
    candidates = _value_lines(data)
    if candidates:
        i = _choice(pick, candidates)
        m = _VALUE.match(lines[i].rstrip(b"\r\n"))
        if m is not None:
            lines[i] = m.group(1) + b" " + value + b"\n"
            return b"".join(lines), f"deep-{'seq' if style == 0 else 'map'} {depth}@{i + 1}"
    return data + b"\n---\nx: " + value + b"\n", f"deep-{'seq' if style == 0 else 'map'} {depth}"


KNOWN_FIELDS = (b"containers", b"initContainers", b"securityContext", b"env", b"ports", b"capabilities",
                b"metadata", b"spec", b"template", b"name", b"image", b"args", b"command", b"value",
                b"data", b"stringData", b"annotations", b"labels", b"drop", b"add", b"containerPort",
                b"runAsUser", b"privileged", b"hostPID", b"volumes", b"items", b"kind", b"apiVersion",
                b"seccompProfile", b"allowPrivilegeEscalation", b"volumeMounts", b"jobTemplate")
WRONG_VALUES = (b'"x"', b"42", b"[1, 2]", b"{a: 1}", b"null", b"true", b"-1e999", b".nan", b"80x",
                b"ALL", b"[[]]", b"''", b"0x1F", b"2001-12-14", b"~", b"[{}]", b"{value: {}}")


def wrong_type(data: bytes, pick: Pick) -> tuple[bytes, str]:
    lines = _lines(data)
    hits = [i for i, line in enumerate(lines)
            if any(re.match(rb'^\s*(?:- )?"?' + f + rb'"?\s*:', line) for f in KNOWN_FIELDS)]
    if not hits:
        return data, "wrong-type (no field)"
    i = _choice(pick, hits)
    wrong = _choice(pick, WRONG_VALUES)
    line = lines[i]
    head = line[:line.index(b":") + 1]
    indent = len(line) - len(line.lstrip(b" -"))
    j = i + 1
    if not line.rstrip(b"\r\n").rstrip().endswith(b":"):
        j = i + 1  # the value was on this line
    else:  # drop the nested block under it
        while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip(b" ")) > indent
                                  or (lines[j].lstrip().startswith(b"- ")
                                      and len(lines[j]) - len(lines[j].lstrip(b" ")) >= indent and j > i)):
            j += 1
    comma = b"," if line.rstrip().endswith(b",") else b""
    lines[i:j] = [head + b" " + wrong + comma + b"\n"]
    return b"".join(lines), f"wrong-type {head.strip().decode(errors='replace')} {wrong.decode()}@{i + 1}"


def huge_number(data: bytes, pick: Pick) -> tuple[bytes, str]:
    digits = _choice(pick, [4301, 5000, 20_000])
    number = _choice(pick, [b"1" * digits, b"-" + b"9" * digits, b"1" * digits + b".5", b"1e99999",
                            b"0." + b"1" * digits])
    lines = _lines(data)
    candidates = _value_lines(data)
    if candidates:
        i = _choice(pick, candidates)
        m = _VALUE.match(lines[i].rstrip(b"\r\n"))
        if m is not None:
            comma = b"," if (m.group(2) or b"").endswith(b",") else b""
            lines[i] = m.group(1) + b" " + number + comma + b"\n"
            return b"".join(lines), f"huge-number {len(number)} chars@{i + 1}"
    return data + b"\n---\nn: " + number + b"\n", f"huge-number {len(number)} chars"


def reencode(data: bytes, pick: Pick) -> tuple[bytes, str]:
    how = _choice(pick, ["utf-16-le-bom", "utf-16-be-bom", "utf-16-le", "utf-32-bom", "utf-8-bom",
                         "latin-1", "invalid-utf8", "nul", "crlf", "mixed-eol", "cr-only",
                         "lone-surrogate", "bom-mid"])
    text = data.decode("utf-8", errors="replace")
    if how == "utf-16-le-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le"), how
    if how == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be"), how
    if how == "utf-16-le":
        return text.encode("utf-16-le"), how
    if how == "utf-32-bom":
        return text.encode("utf-32"), how
    if how == "utf-8-bom":
        return codecs.BOM_UTF8 + data, how
    i = pick(0, len(data))
    if how == "latin-1":
        return data[:i] + "# café naïve\n".encode("latin-1") + data[i:], f"{how}@{i}"
    if how == "invalid-utf8":
        return data[:i] + _choice(pick, [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"]) + data[i:], f"{how}@{i}"
    if how == "nul":
        return data[:i] + b"\x00" + data[i:], f"{how}@{i}"
    if how == "crlf":
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), how
    if how == "mixed-eol":
        lines = _lines(data)
        k = pick(0, len(lines) - 1)
        lines[k] = lines[k].rstrip(b"\r\n") + b"\r\n"
        return b"".join(lines), f"{how}@{k + 1}"
    if how == "cr-only":
        return data.replace(b"\n", b"\r"), how
    if how == "lone-surrogate":
        return data[:i] + b"\xed\xb2\x80" + data[i:], f"{how}@{i}"
    return data[:i] + codecs.BOM_UTF8 + data[i:], f"{how}@{i}"


EMPTY_DOCUMENTS = (b"", b"---", b"---\n---\n", b"\n\n", b"null\n", b"~", b"[]", b"{}", b"# comment\n",
                   b"...\n", b"--- |\n  text\n", b"\xef\xbb\xbf", b"- 1\n", b"\"just a string\"\n", b"0\n")


def empty_document(data: bytes, pick: Pick) -> tuple[bytes, str]:
    doc = _choice(pick, EMPTY_DOCUMENTS)
    if pick(0, 1):
        return doc, f"replace-with {doc!r}"
    lines = _lines(data)
    i = pick(0, len(lines))
    return b"".join([*lines[:i], b"---\n", doc, b"\n---\n", *lines[i:]]), f"insert-doc {doc!r}@{i + 1}"


def split_document(data: bytes, pick: Pick) -> tuple[bytes, str]:
    lines = _lines(data)
    i = pick(0, len(lines))
    sep = _choice(pick, [b"---\n", b"--- \n", b"...\n", b"---\n...\n", b"--- # c\n", b"---\t\n"])
    return b"".join([*lines[:i], sep, *lines[i:]]), f"split {sep!r}@{i + 1}"


def long_scalar(data: bytes, pick: Pick) -> tuple[bytes, str]:
    n = _choice(pick, [4096, 70_000, 300_000])
    return data + b"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: long}\ndata: {k: " + b"a" * n + b"}\n", f"long-scalar {n}"


def plant_in_place(data: bytes, pick: Pick) -> tuple[bytes, str]:
    """A planted credential where it does not belong: as a key, a tag's value, a line."""
    secret = _choice(pick, [planted.GITHUB_TOKEN.value, planted.STORAGE_KEY.value, planted.CONNECTION_STRING]).encode()
    lines = _lines(data)
    i = pick(0, len(lines))
    how = pick(0, 5)
    snippet = [
        secret + b": x\n",
        b"k: !!int " + secret + b"\n",
        b"k: !!float " + secret + b"\n",
        b"- " + secret + b"\n",
        b"\"" + secret + b"\n",
        b"{" + secret + b": [\n",
    ][how]
    return b"".join([*lines[:i], snippet, *lines[i:]]), f"plant#{how}@{i + 1}"


MUTATIONS: dict[str, Mutation] = {
    "flip_byte": flip_byte,
    "truncate": truncate,
    "duplicate_line": duplicate_line,
    "delete_line": delete_line,
    "inject_tag": inject_tag,
    "anchors_aliases": anchors_aliases,
    "deep_nesting": deep_nesting,
    "wrong_type": wrong_type,
    "huge_number": huge_number,
    "reencode": reencode,
    "empty_document": empty_document,
    "split_document": split_document,
    "long_scalar": long_scalar,
    "plant_in_place": plant_in_place,
}


@st.composite
def mutated(draw: st.DrawFn, data: bytes, max_mutations: int = 3) -> tuple[bytes, list[str]]:
    """``data`` after 0..max_mutations operators, with their descriptions."""
    done: list[str] = []

    def pick(lo: int, hi: int) -> int:
        return draw(st.integers(lo, max(lo, hi)))

    count = draw(st.sampled_from([n for n in (0, 0, 1, 1, 2, 3) if n <= max_mutations]))
    for name in draw(st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=count, max_size=count)):
        data, what = MUTATIONS[name](data, pick)
        done.append(what)
    return data, done


# -- cases ---------------------------------------------------------------------------


@st.composite
def cases(draw: st.DrawFn, *, corpus_bytes: int = 16_384, use_corpus: bool | None = None,
          max_mutations: int = 3) -> Case:
    """One to three files: planted manifests and corpus seeds, one of them mutated."""
    files: list[tuple[str, bytes]] = []
    origin: list[str] = []
    with_corpus = draw(st.booleans()) if use_corpus is None else use_corpus
    if with_corpus and corpus_files(corpus_bytes):
        rel, raw = draw(corpus_seed(corpus_bytes))
        # credentials planted in the seed itself, as one more document
        _, extra, what = draw(planted_manifest())
        if draw(st.booleans()):
            raw = raw + (b"" if raw.endswith(b"\n") else b"\n") + b"---\n" + extra
            origin.append(f"corpus:{rel} + {what}")
        else:
            files.append(("planted.yaml", extra))
            origin.append(f"corpus:{rel}; planted.yaml: {what}")
        files.insert(0, ("seed" + (".json" if rel.endswith(".json") else ".yaml"), raw))
    else:
        for _ in range(draw(st.integers(1, 2))):
            name, raw, what = draw(planted_manifest())
            name = f"{len(files)}-{name}"
            files.append((name, raw))
            origin.append(f"{name}: {what}")
    target = draw(st.integers(0, len(files) - 1))
    name, raw = files[target]
    raw, done = draw(mutated(raw, max_mutations))
    files[target] = (name, raw)
    if done:
        origin.append(f"{name} mutated: {'; '.join(done)}")
    return Case(tuple(files), tuple(origin), stdin=draw(st.booleans()) and draw(st.booleans()),
                explicit=draw(st.booleans()) or (len(files) == 1 and draw(st.booleans())))
