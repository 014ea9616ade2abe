"""What a run produces: findings placed in their files, per-object and per-file results,
and the selection of rules that produced them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from podwarden.errors import InputError
from podwarden.model.objects import ObjectRef
from podwarden.rules.api import Level, Rule, Severity, Version

if TYPE_CHECKING:  # the blast radius is imported only by runs that ask for it
    from podwarden.rules.blast import BlastRadius

#: ``str(severity)`` without the enum's name lookup (it is asked once per finding per report)
SEVERITY_NAMES = {s: str(s) for s in Severity}


@dataclass(slots=True, unsafe_hash=True)
class Finding:
    """A violation placed in its file: what every reporter prints.

    A value: never changed once made (``dataclasses.replace`` makes a changed copy).  Not
    declared frozen because a frozen dataclass's constructor costs 4-5 times as much, and
    the engine makes one per violation (tens of thousands in a large run).
    """

    rule_id: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int
    object: ObjectRef
    path: str
    secret: str | None = None
    #: a live cluster's workload finding: how many of its running pods have it
    pods: int | None = None
    #: rules that found the same hazard at the same field, folded into this finding
    also: tuple[str, ...] = ()
    #: advice fitting this finding (text output), when the rule's own does not
    hint: str | None = None

    def __reduce__(self) -> tuple[type[Finding], tuple[Any, ...]]:
        # from a worker process: one constructor call, not dataclasses' generic setstate
        return Finding, (self.rule_id, self.severity, self.message, self.file, self.line, self.column,
                         self.object, self.path, self.secret, self.pods, self.also, self.hint)

    def with_also(self, also: tuple[str, ...]) -> Finding:
        """This finding naming the rules ``also`` folded into it (``dataclasses.replace``
        without its generic, slower path: hazards merge findings of most workloads)."""
        return Finding(self.rule_id, self.severity, self.message, self.file, self.line, self.column,
                       self.object, self.path, self.secret, self.pods, also, self.hint)

    @property
    def fingerprint(self) -> str:
        """Stable identity for baselines: rule, object, field path and secret fingerprint.
        Neither the line (it moves when the file is edited) nor the file path (it depends
        on where the command runs from, and files get moved)."""
        o = self.object
        key = "\x1f".join((self.rule_id, o.kind, o.namespace or "", o.name, self.path, self.secret or ""))
        import hashlib  # here: most runs (text output) never ask, and its import costs each start

        return hashlib.sha256(key.encode()).hexdigest()[:20]

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


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A finding silenced by a ``podwarden.io/ignore`` annotation, with the reason given."""

    finding: Finding
    reason: str


@dataclass(slots=True)
class Selection:
    """Which rules run and how: PSS level and version, families or ids, severity floor,
    per-rule settings (``severity`` overrides and rule options) and a baseline."""

    level: Level = Level.RESTRICTED
    version: Version | None = None
    only: frozenset[str] = frozenset()
    skip: frozenset[str] = frozenset()
    min_severity: Severity = Severity.INFO
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    baseline: frozenset[str] = frozenset()
    #: compute each workload's blast radius (check --blast-radius)
    blast_radius: bool = False

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
    #: what an attacker controlling this workload reaches (with --blast-radius)
    blast: BlastRadius | None = None

    def __reduce__(self) -> tuple[type[ObjectResult], tuple[Any, ...]]:
        return ObjectResult, (self.file, self.object, self.line, self.pod, self.findings, self.blast)


@dataclass(slots=True)
class FileResult:
    """What one source produced."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    objects: list[ObjectResult] = field(default_factory=list)
    baselined: int = 0
    skipped: bool = False
    #: why the file was skipped, when it is worth saying (not a regular file)
    note: str = ""
    #: a later part of a large file whose earlier parts were already yielded
    continued: bool = False
    #: things worth saying that are neither findings nor errors (a pod template patch)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Result:
    """The outcome of one run, collected from its FileResults."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    objects: list[ObjectResult] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    baselined: int = 0

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
