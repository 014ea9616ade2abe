"""One object through the active rules: violations placed, filtered and merged into findings.

This is the engine's inner loop (every check on every object), so it keeps per-violation
work small: a line is looked up and a path rendered only for violations that are kept,
suppression and baseline are consulted only when the object or the run has some.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from podwarden.engine.hazards import merge_hazards
from podwarden.engine.results import FileResult, Finding, ObjectResult, Suppressed
from podwarden.engine.suppression import ignores_of, suppressed_by
from podwarden.errors import InputError, RuleError
from podwarden.load import yaml as yamlload
from podwarden.model.objects import KubeObject, ShapeError
from podwarden.model.paths import FieldPath, render
from podwarden.model.record import Record
from podwarden.model.shape import check_data
from podwarden.model.shape import check_pod as check_pod_shape
from podwarden.rules.api import SharedCheck, TargetOnly, Violation
from podwarden.rules.registry import Active

if TYPE_CHECKING:  # the engine hands itself in; only its settings are read here
    from podwarden.engine.core import Engine

#: credentials shorter than this are not hidden in other messages (a password "admin" would
#: hide every "admin" of the object); they are never quoted by the rule that finds them
MIN_HIDDEN = 8
#: up to this many credentials in an object, a text is first tested for each of them
QUICK_HIDDEN = 32


class Raised(Record):
    """A violation as a rule raised it, with what it was raised on (what ``fix`` plans from)."""

    __slots__ = ("check", "object", "target", "violation")
    _fields = ("object", "check", "target", "violation")
    object: KubeObject
    check: Active
    target: Any
    violation: Violation

    def __init__(self, obj: KubeObject, check: Active, target: Any, violation: Violation) -> None:
        set_field = object.__setattr__
        set_field(self, "object", obj)
        set_field(self, "check", check)
        set_field(self, "target", target)
        set_field(self, "violation", violation)


#: a check as the evaluation runs it: ``(active, call, takes_ctx, members)``; ``call`` is
#: called with the target (and the context when ``takes_ctx``), or, for a run of checks
#: sharing one pass (``members``, else None), it is the pass.  A plain tuple, not a named
#: one: the loop unpacks ~30 a pod, and a tuple subclass takes CPython's slow path (+0.7%)
Step = tuple[Active, Callable[..., Any], bool, list[Active] | None]


def plan_steps(checks: list[Active]) -> list[Step]:
    """``checks`` in order, each run of two or more sharing one pass folded into one step,
    a check that takes the target alone (``TargetOnly``) planned as its function."""
    steps: list[Step] = []
    for active in checks:
        fn = active.fn
        last = steps[-1] if steps else None
        if isinstance(fn, TargetOnly):
            steps.append((active, fn.check, False, None))
        elif not isinstance(fn, SharedCheck):
            steps.append((active, fn, True, None))
        elif last is not None and last[3] is not None and last[1] is fn.shared:
            last[3].append(active)  # another check of the run sharing this pass
        elif last is not None and isinstance(last[1], SharedCheck) and last[1].shared is fn.shared:
            steps[-1] = (last[0], fn.shared, True, [last[0], active])  # a run begins
        else:
            steps.append((active, fn, True, None))
    return steps


def evaluate_into(engine: Engine, obj: KubeObject, doc: yamlload.Document, file: str, out: FileResult,
             record: list[Raised] | None = None) -> None:
    """Run the engine's active rules on one object and record its findings in ``out`` (and
    in ``record``, when given, every violation raised, in check order)."""
    errors = _ObjectErrors(obj, doc, file, out)
    pod = None
    try:
        pod = obj.pod
        if pod is not None:
            check_pod_shape(pod)  # every field rules read, whatever rules are selected
        else:
            check_data(obj)
    except ShapeError as exc:
        errors.add(exc)
    try:
        ignores = ignores_of(obj, pod)
    except ShapeError as exc:
        errors.add(exc)
        ignores = []
    patch = pod is not None and pod.patch
    if patch:
        where = doc.locate(obj.path)[0]
        out.notes.append(f"{file}:{where}: {obj.ref}: pod template without containers: treated as a "
                         "patch, only the fields it sets are checked")
    selection = engine.selection
    min_severity = selection.min_severity
    baseline = selection.baseline
    severities = engine.severities
    ctx = engine.context
    locate = doc.locate
    obj_path, ref = obj.path, obj.ref
    findings: list[Finding] = []
    paths: list[FieldPath] = []  # each finding's field path, to hide credentials in
    silenced: list[tuple[Finding, str, FieldPath]] = []  # suppressed, with reason and path
    hidden: dict[str, str] = {}  # credential found in this object -> its fingerprint
    runs = ((pod, engine.pod_steps), (obj, engine.object_steps_for(obj.kind))) if pod is not None \
        else ((obj, engine.object_steps_for(obj.kind)),)

    def place(active: Active, target: Any, violation: Violation) -> None:
        """Record one violation of ``active``'s rule as a finding (or a suppressed one)."""
        if record is not None:
            record.append(Raised(obj, active, target, violation))
        value = violation.value
        if value and violation.secret and len(value) >= MIN_HIDDEN:
            hidden[value] = violation.secret
        path = violation.path
        if patch and not _present(obj.data, path):
            return  # a patch leaves unset fields to what it patches
        rule = active.rule
        # a configured severity, else the violation's own, else the rule's (INFO is 0: no ``or``)
        severity = severities.get(rule.id) if severities else None
        if severity is None:
            severity = rule.severity if violation.severity is None else violation.severity
        if severity < min_severity:
            return
        line, column = locate((*obj_path, *path) if obj_path else path)
        finding = Finding(rule.id, severity, violation.message, file, line, column, ref,
                          render(path), violation.secret, None, (), violation.hint)
        reason = suppressed_by(ignores, rule.id, path, pod) if ignores else None
        if reason is not None:
            silenced.append((finding, reason, path))
        else:
            findings.append(finding)
            paths.append(path)

    def failed(active: Active, exc: Exception) -> None:
        """A rule's check (or a pass it shares) raised: a wrong shape is an input error, any
        other exception a crashed rule, an error too, never a silent pass."""
        if isinstance(exc, ShapeError):
            errors.add(exc)
        else:
            line, _ = locate(obj_path)
            crash = RuleError(f"rule {active.rule.id} failed on {ref}: {type(exc).__name__}")
            errors.found.append(InputError(file, line, str(crash)))

    for target, steps in runs:
        for active, call, takes_ctx, members in steps:
            if members is not None:  # a run sharing one pass
                try:
                    shares = call(target, ctx)
                except Exception as exc:
                    failed(active, exc)
                    continue
                # each member on its own, as if called alone: one that fails stops no other
                for member in members if shares else ():
                    try:
                        for violation in shares.get(member.rule.id, ()):
                            place(member, target, violation)
                    except Exception as exc:
                        failed(member, exc)
                continue
            try:
                for violation in call(target, ctx) if takes_ctx else call(target):
                    place(active, target, violation)
            except Exception as exc:
                failed(active, exc)
    # credentials are hidden once every rule has run: one found by a later rule is hidden
    # in the findings of earlier ones, suppressed ones (message, path, reason) included
    hide = Hidden(hidden) if hidden else None
    if hide:
        findings = [_hidden_in(f, p, hide) for f, p in zip(findings, paths, strict=True)]
    errors.report(hide)
    if silenced:
        out.suppressed.extend(Suppressed(_hidden_in(f, p, hide), hide(reason)) if hide
                              else Suppressed(f, reason) for f, reason, p in silenced)
    if engine.merge_hazards:
        findings = merge_hazards(findings, engine.registry)
    if baseline:
        # after merging: a baseline records the merged findings (one per hazard and field),
        # and the fingerprints of hidden paths
        kept = [f for f in findings if f.fingerprint not in baseline]
        out.baselined += len(findings) - len(kept)
        findings = kept
    out.findings.extend(findings)
    blast = None
    if pod is not None and selection.blast_radius:
        import dataclasses  # only with --blast-radius, as what follows

        from podwarden.rules.blast import BlastRadius, blast_radius

        try:
            blast = blast_radius(pod, ctx.index, findings, selection.version)
            if hide:
                blast = BlastRadius(tuple(dataclasses.replace(
                    line, summary=hide(line.summary),
                    details=tuple(hide(d) for d in line.details)) for line in blast.lines))
        except ShapeError as exc:
            errors.add(exc)
            errors.report(hide)
    out.objects.append(ObjectResult(file, ref, locate(obj_path)[0], pod is not None, findings, blast))
    obj.release()


class _ObjectErrors:
    """An object's errors (wrong shapes, one per field whichever reader met it first; rules
    that crashed), reported once its rules have run, so that a credential one of them found
    is hidden in the errors too (a field path names a ConfigMap key, which can be a token)."""

    __slots__ = ("doc", "file", "found", "obj", "out", "seen")

    def __init__(self, obj: KubeObject, doc: yamlload.Document, file: str, out: FileResult) -> None:
        self.obj, self.doc, self.file, self.out = obj, doc, file, out
        self.seen: set[str] | None = None
        self.found: list[InputError] = []

    def add(self, exc: ShapeError) -> None:
        line, _ = self.doc.locate((*self.obj.path, *exc.path))
        error = InputError(self.file, line, f"{self.obj.ref}: {exc}")
        key = render(exc.path)
        if self.seen is None:
            self.seen = set()
        if key not in self.seen:
            self.seen.add(key)
            self.found.append(error)

    def report(self, hide: Hidden | None) -> None:
        """Move the errors found so far to the file's, with ``hide``'s credentials hidden."""
        if self.found:
            self.out.errors.extend(InputError(e.file, e.line, hide(e.message)) if hide else e for e in self.found)
            self.found = []


class Hidden:
    """The credentials found in one object, each with its fingerprint: ``hidden(text)`` is
    ``text`` with each of them (any letter case) replaced by its fingerprint, so a credential
    a rule found is never shown by another rule's message.  One pass over the text for all
    of them, longest first: an object of thousands of credentials stays linear."""

    __slots__ = ("_pattern", "by_lower", "quick", "secrets")

    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = secrets
        self.by_lower = {value.lower(): secret for value, secret in secrets.items()}
        #: a few credentials, all ASCII: in ASCII text, a case-blind match of one is a match of
        #: the lower cases, which a substring test finds without compiling the pattern
        self.quick = len(secrets) <= QUICK_HIDDEN and all(value.isascii() for value in secrets)
        self._pattern: re.Pattern[str] | None = None

    def __call__(self, text: str) -> str:
        if self.quick and text.isascii():
            low = text.lower()
            if not any(value in low for value in self.by_lower):
                return text  # most texts: none of them, and no pattern to compile
        pattern = self._pattern
        if pattern is None:
            pattern = self._pattern = re.compile(
                "|".join(map(re.escape, sorted(self.secrets, key=len, reverse=True))), re.IGNORECASE)
        return pattern.sub(self._fingerprint, text)

    def _fingerprint(self, match: re.Match[str]) -> str:
        found = match.group(0)
        secret = self.by_lower.get(found.lower())
        if secret is None:  # a case the regex folds and str.lower does not (the long s, Kelvin)
            secret = next(s for v, s in self.secrets.items() if re.fullmatch(re.escape(v), found, re.IGNORECASE))
        return secret


def _hidden_in(f: Finding, path: FieldPath, hide: Hidden) -> Finding:
    """``f`` with ``hidden`` credentials replaced in its message and in the keys of its path
    (a credential written as a mapping key), the path then rendered again."""
    message = hide(f.message)
    keys = tuple(hide(part) if isinstance(part, str) else part for part in path)
    rendered = f.path if keys == path else render(keys)
    if message == f.message and rendered == f.path:
        return f
    return f.replace(message=message, path=rendered)


def _present(data: Any, path: FieldPath) -> bool:
    """Whether ``path`` names a value written in ``data``."""
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or part >= len(data):
                return False
        elif not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return data is not None
