"""What a run produces: findings placed in their files, per-object and per-file results,
and the selection of rules that produced them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from podwarden.errors import InputError
from podwarden.model.objects import ObjectRef
from podwarden.model.record import Record, Value
from podwarden.rules.api import Level, Rule, Severity, Version

if TYPE_CHECKING:  # the blast radius is imported only by runs that ask for it
    from podwarden.rules.blast import BlastRadius

#: ``hashlib.sha256``, imported with the first fingerprint: most runs (text output) never
#: ask, and its import costs each start
_sha256: Callable[[bytes], Any] | None = None

#: ``str(severity)`` without the enum's name lookup (it is asked once per finding per report)
SEVERITY_NAMES = {s: str(s) for s in Severity}


class Finding(Value):
    """A violation placed in its file: what every reporter prints.

    A value: never changed once made (``replace`` makes a changed copy).  Not a frozen
    ``Record`` because the engine makes one per violation (tens of thousands in a large
    run), and plain assignment is the fastest constructor.
    """

    __slots__ = _fields = ("rule_id", "severity", "message", "file", "line", "column", "object", "path",
                           "secret", "pods", "also", "hint")

    def __init__(self, rule_id: str, severity: Severity, message: str, file: str, line: int, column: int,
                 object: ObjectRef, path: str, secret: str | None = None, pods: int | None = None,
                 also: tuple[str, ...] = (), hint: str | None = None) -> None:
        self.rule_id = rule_id
        self.severity = severity
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.object = object
        self.path = path
        self.secret = secret
        #: a live cluster's workload finding: how many of its running pods have it
        self.pods = pods
        #: rules that found the same hazard at the same field, folded into this finding
        self.also = also
        #: advice fitting this finding (text output), when the rule's own does not
        self.hint = hint

    def with_also(self, also: tuple[str, ...]) -> Finding:
        """This finding naming the rules ``also`` folded into it (``replace`` without its
        generic, slower path: hazards merge findings of most workloads)."""
        return Finding(self.rule_id, self.severity, self.message, self.file, self.line, self.column,
                       self.object, self.path, self.secret, self.pods, also, self.hint)

    @property
    def fingerprint(self) -> str:
        """Stable identity for baselines: rule, object, field path and secret fingerprint.
        Neither the line (it moves when the file is edited) nor the file path (it depends
        on where the command runs from, and files get moved)."""
        o = self.object
        key = f"{self.rule_id}\x1f{o.kind}\x1f{o.namespace or ''}\x1f{o.name}\x1f{self.path}\x1f{self.secret or ''}"
        global _sha256
        if _sha256 is None:
            import hashlib

            _sha256 = hashlib.sha256
        return _sha256(key.encode()).hexdigest()[:20]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (documented in the README)."""
        out: dict[str, Any] = {
            "rule": self.rule_id,
            "severity": SEVERITY_NAMES[self.severity],
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "object": self.object.as_dict(),
            "path": self.path,
            "fingerprint": self.fingerprint,
        }
        if self.secret is not None:
            out["secret"] = self.secret
        if self.pods is not None:
            out["pods"] = self.pods
        if self.also:
            out["also"] = list(self.also)
        return out


class Suppressed(Record):
    """A finding silenced by a ``podwarden.io/ignore`` annotation, with the reason given."""

    __slots__ = _fields = ("finding", "reason")
    finding: Finding
    reason: str

    def __init__(self, finding: Finding, reason: str) -> None:
        object.__setattr__(self, "finding", finding)
        object.__setattr__(self, "reason", reason)


class Selection(Value):
    """Which rules run and how: PSS level and version, families or ids, severity floor,
    per-rule settings (``severity`` overrides and rule options) and a baseline."""

    __slots__ = _fields = ("level", "version", "only", "skip", "min_severity", "settings", "baseline",
                           "blast_radius")

    def __init__(self, level: Level = Level.RESTRICTED, version: Version | None = None,
                 only: frozenset[str] = frozenset(), skip: frozenset[str] = frozenset(),
                 min_severity: Severity = Severity.INFO, settings: dict[str, dict[str, Any]] | None = None,
                 baseline: frozenset[str] = frozenset(), blast_radius: bool = False) -> None:
        self.level = level
        self.version = version
        self.only = only
        self.skip = skip
        self.min_severity = min_severity
        self.settings: dict[str, dict[str, Any]] = {} if settings is None else settings
        self.baseline = baseline
        #: compute each workload's blast radius (check --blast-radius)
        self.blast_radius = blast_radius

    def wants(self, r: Rule) -> bool:
        if self.only and r.id not in self.only and r.family not in self.only:
            return False
        return r.id not in self.skip and r.family not in self.skip


class ObjectResult(Value):
    """Every object evaluated, with its findings: what per-object reports need."""

    __slots__ = _fields = ("file", "object", "line", "pod", "findings", "blast")

    def __init__(self, file: str, object: ObjectRef, line: int, pod: bool, findings: list[Finding],
                 blast: BlastRadius | None = None) -> None:
        self.file = file
        self.object = object
        self.line = line
        self.pod = pod
        self.findings = findings
        #: what an attacker controlling this workload reaches (with --blast-radius)
        self.blast = blast


class FileResult(Value):
    """What one source produced."""

    __slots__ = _fields = ("path", "findings", "suppressed", "errors", "objects", "baselined", "skipped",
                           "note", "continued", "notes")

    def __init__(self, path: str, findings: list[Finding] | None = None,
                 suppressed: list[Suppressed] | None = None, errors: list[InputError] | None = None,
                 objects: list[ObjectResult] | None = None, baselined: int = 0, skipped: bool = False,
                 note: str = "", continued: bool = False, notes: list[str] | None = None) -> None:
        self.path = path
        self.findings: list[Finding] = [] if findings is None else findings
        self.suppressed: list[Suppressed] = [] if suppressed is None else suppressed
        self.errors: list[InputError] = [] if errors is None else errors
        self.objects: list[ObjectResult] = [] if objects is None else objects
        self.baselined = baselined
        self.skipped = skipped
        #: why the file was skipped, when it is worth saying (not a regular file)
        self.note = note
        #: a later part of a large file whose earlier parts were already yielded
        self.continued = continued
        #: things worth saying that are neither findings nor errors (a pod template patch)
        self.notes: list[str] = [] if notes is None else notes


class Result(Value):
    """The outcome of one run, collected from its FileResults."""

    __slots__ = _fields = ("findings", "errors", "skipped", "objects", "paths", "suppressed", "baselined")

    def __init__(self, findings: list[Finding] | None = None, errors: list[InputError] | None = None,
                 skipped: list[str] | None = None, objects: list[ObjectResult] | None = None,
                 paths: list[str] | None = None, suppressed: list[Suppressed] | None = None,
                 baselined: int = 0) -> None:
        self.findings: list[Finding] = [] if findings is None else findings
        self.errors: list[InputError] = [] if errors is None else errors
        self.skipped: list[str] = [] if skipped is None else skipped
        self.objects: list[ObjectResult] = [] if objects is None else objects
        self.paths: list[str] = [] if paths is None else paths
        self.suppressed: list[Suppressed] = [] if suppressed is None else suppressed
        self.baselined = baselined

    @property
    def files(self) -> int:
        return len(self.paths)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.findings else 0

    def add(self, fr: FileResult) -> None:
        """Fold one file's result (or a later part of it) in."""
        if not fr.continued:
            self.paths.append(fr.path)
        self.findings.extend(fr.findings)
        self.suppressed.extend(fr.suppressed)
        self.errors.extend(fr.errors)
        self.objects.extend(fr.objects)
        self.baselined += fr.baselined
        if fr.skipped:
            self.skipped.append(fr.path)
