"""The engine: select rules, stream sources through them, turn violations into findings.

Only the engine knows files and lines; rules know objects and paths, reporters only
format.  Files are read and evaluated one at a time, so memory does not grow with the
number of files.  A line is looked up only for the paths that have findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from podwarden.errors import InputError, RuleError
from podwarden.load import yaml as yamlload
from podwarden.load.sources import Source, expand
from podwarden.model.index import INDEX_KINDS, Index
from podwarden.model.objects import KubeObject, ObjectRef, ShapeError
from podwarden.model.paths import render
from podwarden.rules.api import Context, Level, Rule, Severity, Version, Violation
from podwarden.rules.registry import Active, Registry, default_registry


@dataclass(frozen=True, slots=True)
class Finding:
    """A violation placed in its file: what every reporter prints."""

    rule_id: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int
    object: ObjectRef
    path: str
    secret: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (documented in the README)."""
        out: dict[str, Any] = {
            "rule": self.rule_id,
            "severity": str(self.severity),
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "object": self.object.as_dict(),
            "path": self.path,
        }
        if self.secret is not None:
            out["secret"] = self.secret
        return out


@dataclass(slots=True)
class Selection:
    """Which rules run and how: PSS level and version, families or ids, severity floor."""

    level: Level = Level.RESTRICTED
    version: Version | None = None
    only: frozenset[str] = frozenset()
    skip: frozenset[str] = frozenset()
    min_severity: Severity = Severity.INFO
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def wants(self, r: Rule) -> bool:
        if self.only and r.id not in self.only and r.family not in self.only:
            return False
        return r.id not in self.skip and r.family not in self.skip


@dataclass(slots=True)
class ObjectResult:
    """Every object evaluated, with its findings: what per-object reports need."""

    file: str
    object: ObjectRef
    line: int
    pod: bool
    findings: list[Finding]


@dataclass(slots=True)
class Result:
    """The outcome of one run."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    objects: list[ObjectResult] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.paths)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.findings else 0


class Engine:
    """Runs a selection of rules over sources."""

    def __init__(self, selection: Selection, registry: Registry | None = None) -> None:
        self.registry = registry or default_registry()
        self.selection = selection
        self.active: list[Active] = [
            a for a in self.registry.active(selection.level, selection.version)
            if selection.wants(a.rule) and a.rule.severity >= selection.min_severity
        ]
        self.pod_checks = [a for a in self.active if a.rule.target == "pod"]
        self.object_checks = [a for a in self.active if a.rule.target == "object"]
        self.uses_index = any(a.rule.uses_index for a in self.active)
        self.context = Context(selection.level, selection.version, selection.settings, None)

    # -- running ------------------------------------------------------------------------

    def run(
        self,
        paths: Sequence[str],
        context_paths: Sequence[str] = (),
        progress: Callable[[int], None] | None = None,
    ) -> Result:
        """Evaluate every source; objects of ``context_paths`` only feed the index."""
        result = Result()
        sources: list[Source] = []
        for item in expand(paths):
            if isinstance(item, InputError):
                result.errors.append(item)
            else:
                sources.append(item)
        stdin: dict[str, bytes] = {}
        if any(s.name == "-" for s in sources):
            stdin["-"] = Source("-", True).read()
        if self.uses_index:
            self.context.index = self._build_index(
                [*sources, *(s for s in expand(context_paths) if isinstance(s, Source))],
                stdin,
                result,
            )
        for n, source in enumerate(sources, 1):
            self.scan_source(source, result, stdin.get(source.name))
            if progress:
                progress(n)
        return result

    def scan_source(self, source: Source, result: Result, raw: bytes | None = None) -> None:
        """Evaluate one source into ``result``."""
        result.paths.append(source.name)
        try:
            docs = self._load(source, raw)
        except InputError as exc:
            result.errors.append(exc)
            return
        found_object = False
        for doc in docs:
            for prefix, data in yamlload.iter_objects(doc):
                problem = _object_problem(data)
                if problem:
                    if source.explicit or found_object:
                        line, _ = doc.locate(prefix)
                        result.errors.append(InputError(source.name, line, problem))
                    continue
                found_object = True
                self.evaluate(KubeObject(data, prefix), doc, source.name, result)
        if not found_object and not source.explicit:
            result.skipped.append(source.name)

    def evaluate(self, obj: KubeObject, doc: yamlload.Document, file: str, result: Result) -> None:
        """Run the active rules on one object and record its findings."""
        findings: list[Finding] = []
        seen_errors: set[str] = set()

        def place(rule: Rule, v: Violation) -> Finding:
            line, column = doc.locate((*obj.path, *v.path))
            return Finding(rule.id, rule.severity, v.message, file, line, column, obj.ref,
                           render(v.path), v.secret)

        def shape_error(exc: ShapeError) -> None:
            line, _ = doc.locate((*obj.path, *exc.path))
            error = InputError(file, line, f"{obj.ref}: {exc}")
            if str(error) not in seen_errors:
                seen_errors.add(str(error))
                result.errors.append(error)

        pod = None
        try:
            pod = obj.pod
        except ShapeError as exc:
            shape_error(exc)
        checks: list[tuple[Active, Any]] = []
        if pod is not None:
            checks.extend((a, pod) for a in self.pod_checks)
        checks.extend(
            (a, obj) for a in self.object_checks if not a.rule.kinds or obj.kind in a.rule.kinds
        )
        for active, target in checks:
            try:
                for violation in active.fn(target, self.context):
                    findings.append(place(active.rule, violation))
            except ShapeError as exc:
                shape_error(exc)
            except Exception as exc:  # a crashing rule is an error, never a silent pass
                line, _ = doc.locate(obj.path)
                crash = RuleError(f"rule {active.rule.id} failed on {obj.ref}: {type(exc).__name__}")
                result.errors.append(InputError(file, line, str(crash)))
        result.findings.extend(findings)
        result.objects.append(ObjectResult(file, obj.ref, doc.locate(obj.path)[0], pod is not None, findings))

    # -- helpers ------------------------------------------------------------------------

    def _load(self, source: Source, raw: bytes | None) -> list[yamlload.Document]:
        data = raw if raw is not None else source.read()
        text = yamlload.decode(data, source.name)
        return yamlload.parse(text, source.name)

    def _build_index(self, sources: Iterable[Source], stdin: dict[str, bytes], result: Result) -> Index:
        """Index the kinds cross-resource rules ask about; a byte search skips other files."""
        index = Index()
        for source in sources:
            try:
                raw = stdin.get(source.name)
                raw = raw if raw is not None else source.read()
                if not _INDEX_KIND_PATTERN.search(raw) and b"\x00" not in raw[:4]:
                    continue
                for doc in yamlload.parse(yamlload.decode(raw, source.name), source.name):
                    for prefix, data in yamlload.iter_objects(doc):
                        if not _object_problem(data):
                            index.add(KubeObject(data, prefix), source.name)
            except InputError:
                continue  # reported when the file itself is scanned (context files: ignored)
        return index


_INDEX_KIND_PATTERN = re.compile(
    rb"""kind["']?\s*:\s*["']?(?:""" + b"|".join(k.encode() for k in sorted(INDEX_KINDS)) + rb")\b"
)


def _object_problem(data: Any) -> str:
    """Why a document is not a Kubernetes object, or '' when it is one."""
    if not isinstance(data, dict):
        return f"not a Kubernetes object: the document is {_shape(data)}, not a mapping"
    api_version, kind = data.get("apiVersion"), data.get("kind")
    missing = [k for k, v in (("apiVersion", api_version), ("kind", kind)) if not v]
    if missing:
        return f"not a Kubernetes object: no {' or '.join(missing)}"
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return "not a Kubernetes object: apiVersion and kind must be strings"
    return ""


def _shape(data: Any) -> str:
    return "a list" if isinstance(data, list) else f"a {type(data).__name__}"
