"""Plan and apply fixes: the engine's selection, each violation's fixer, one edit list per document.

For each file: parse it as ``check`` does, run the selected rules that have a fixer,
ask each fixer for the edits of each violation that no ``podwarden.io/ignore``
annotation suppresses, merge them (the same edit from two rules is made once), and
apply them with ``yamlfile``.  Fixes may enable one another (a container gets a
``securityContext`` before a rule can see it), so rounds repeat until nothing changes:
fixing a fixed file changes nothing.

A fixer declared ``safe=False`` runs only with ``unsafe`` or one of the explicit values
it names (``enabled_by``); a safe fixer may hold back an unsafe part of its fix.  What
stays unfixed for either reason is reported as ``HeldBack`` with the rule's reason.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from podwarden.engine import Engine, Selection, ignores_of, object_problem, suppressed_by
from podwarden.errors import InputError
from podwarden.fix import yamlfile
from podwarden.fix.redact import Redactions, credentials_in
from podwarden.load import yaml as yamlload
from podwarden.load.sources import Skipped, Source, expand
from podwarden.model.edits import Edit
from podwarden.model.objects import KubeObject, ShapeError
from podwarden.model.paths import FieldPath, render
from podwarden.rules.api import Context, Rule, Violation
from podwarden.rules.registry import Active, Registry

#: rounds of fixing before giving up (fixers that keep changing each other's work)
MAX_ROUNDS = 5


@dataclass(frozen=True, slots=True)
class Applied:
    """One violation a fix removed."""

    rule_id: str
    object: str
    path: str


@dataclass(frozen=True, slots=True)
class HeldBack:
    """A violation whose fix was not applied, and why."""

    rule_id: str
    object: str
    path: str
    why: str


@dataclass(slots=True)
class FileFix:
    """What fixing one file gave: the new text (None when unchanged) or why not."""

    path: str
    text: str = ""
    fixed_text: str | None = None
    encoding: yamlfile.Encoding = field(default_factory=yamlfile.Encoding)
    applied: list[Applied] = field(default_factory=list)
    held_back: list[HeldBack] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    skipped: bool = False
    #: credentials of the file, to hide in what is printed about it (``ff.redact(text)``)
    redact: Redactions = field(default_factory=Redactions, repr=False)

    @property
    def changed(self) -> bool:
        return self.fixed_text is not None and self.fixed_text != self.text

    def fixed_bytes(self) -> bytes:
        assert self.fixed_text is not None
        return self.encoding.encode(self.fixed_text)


def option_flag(key: str) -> str:
    """The command-line flag of a fix option: ``run_as_user`` -> ``--run-as-user``."""
    return "--" + key.replace("_", "-")


class Fixer:
    """Fixes files with the rules of a selection."""

    def __init__(self, selection: Selection, registry: Registry | None = None, *,
                 unsafe: bool = False, values: Mapping[str, Any] | None = None) -> None:
        self.engine = Engine(selection, registry)
        self.unsafe = unsafe
        self.values = dict(values or {})
        options: dict[str, Any] = dict(self.values)
        if unsafe:
            options["unsafe"] = True
        self.engine.context.fix_options = options
        self.probe_context = _with_options(self.engine.context, {**options, "unsafe": True})
        fixable = [a for a in self.engine.active if a.rule.fixer is not None]
        self.pod_checks = [a for a in fixable if a.rule.target == "pod"]
        self.object_checks = [a for a in fixable if a.rule.target == "object"]
        self.rules = [a.rule for a in fixable]

    # -- files ----------------------------------------------------------------------------

    def iter_files(self, paths: Sequence[str]) -> Iterator[FileFix]:
        """One FileFix per source (stdin ``-`` included), in order."""
        sources: list[Source] = []
        for item in expand(paths):
            if isinstance(item, InputError):
                yield FileFix(item.file, errors=[item])
            elif isinstance(item, Skipped):
                yield FileFix(item.name, skipped=True)
            else:
                sources.append(item)
        # standard input can be read once: the index and the fix share what was read
        stdin: dict[str, bytes] = {}
        try:
            if any(s.name == "-" for s in sources):
                stdin["-"] = Source("-", True).read()
        except InputError as exc:
            yield FileFix("-", errors=[exc])
            sources = [s for s in sources if s.name != "-"]
        if any(a.rule.uses_index for a in (*self.pod_checks, *self.object_checks)):
            self.engine.context.index = self.engine.build_index(sources, stdin)
        for source in sources:
            try:
                raw = stdin[source.name] if source.name in stdin else source.read()
            except InputError as exc:
                yield FileFix(source.name, errors=[exc])
                continue
            yield self.fix_bytes(raw, source.name, explicit=source.explicit)

    def fix_bytes(self, raw: bytes, name: str, explicit: bool = True) -> FileFix:
        """Fix one file's content."""
        out = FileFix(name)
        try:
            out.text, out.encoding = yamlfile.decode(raw, name)
            docs = yamlload.parse(out.text, name)
        except InputError as exc:
            out.errors.append(exc)
            return out
        if not any(object_problem(data) == "" for doc in docs for _, data in yamlload.iter_objects(doc)):
            out.skipped = not explicit
            return out
        text = out.text
        original = docs
        applied: dict[Applied, None] = {}
        for _ in range(MAX_ROUNDS):
            plan, round_applied, held = self.plan(docs, name)
            if not plan:
                out.held_back = held
                break
            try:
                new_text = yamlfile.apply_edits(text, docs, plan, name)
            except yamlfile.FixRefused as exc:
                out.errors.append(InputError(name, 0, f"not rewritten: {exc}"))
                return out
            if new_text == text:
                out.held_back = held
                break
            applied.update(dict.fromkeys(round_applied))
            text = new_text
            docs = yamlload.parse(text, name)
        else:
            out.errors.append(InputError(name, 0, "not rewritten: fixes did not settle after "
                                                  f"{MAX_ROUNDS} rounds (a bug: please report it)"))
            return out
        out.applied = list(applied)
        if text != out.text:
            out.fixed_text = text
            # a diff shows lines around each change: hide the credentials among them
            credentials_in(self.credentials, out.text, original, out.redact)
            credentials_in(self.credentials, text, docs, out.redact)
        return out

    @functools.cached_property
    def credentials(self) -> Engine:
        """The credentials family, whatever the selection: what a diff must not show."""
        return Engine(Selection(only=frozenset({"credentials"})), self.engine.registry)

    # -- planning -------------------------------------------------------------------------

    def plan(self, docs: Sequence[yamlload.Document], name: str
             ) -> tuple[dict[int, list[Edit]], list[Applied], list[HeldBack]]:
        """Edits per document index that change something, what they fix, what is held back."""
        plan: dict[int, list[Edit]] = {}
        applied: list[Applied] = []
        held: list[HeldBack] = []
        for doc in docs:
            edits: dict[tuple[str, FieldPath, str], Edit] = {}
            for prefix, data in yamlload.iter_objects(doc):
                if object_problem(data):
                    continue
                obj = KubeObject(data, prefix)
                for active, target, violation in self._violations(obj):
                    made = self._fix(active, target, violation)
                    where = str(obj.ref)
                    if made:
                        applied.append(Applied(active.rule.id, where, render(violation.path)))
                        for edit in made:
                            full = Edit(edit.op, (*prefix, *edit.path), edit.value)
                            edits.setdefault((full.op, full.path, repr(full.value)), full)
                    else:
                        why = self._why_held(active.rule, target, violation)
                        if why:
                            held.append(HeldBack(active.rule.id, where, render(violation.path), why))
            if edits:
                plan[doc.index] = list(edits.values())
        return plan, applied, held

    def _violations(self, obj: KubeObject) -> Iterator[tuple[Active, Any, Violation]]:
        try:
            pod = obj.pod
            ignores = ignores_of(obj, pod)
        except ShapeError:
            return  # ``check`` reports the shape error; nothing is fixed in this object
        targets: list[tuple[Active, Any]] = []
        if pod is not None:
            targets.extend((a, pod) for a in self.pod_checks)
        targets.extend(
            (a, obj) for a in self.object_checks if not a.rule.kinds or obj.kind in a.rule.kinds
        )
        for active, target in targets:
            try:
                violations = list(active.fn(target, self.engine.context))
            except ShapeError:
                continue
            for violation in violations:
                if suppressed_by(ignores, active.rule.id, violation.path, pod) is None:
                    yield active, target, violation

    def _enabled(self, rule: Rule) -> bool:
        return rule.fix_safe or self.unsafe or any(k in self.values for k in rule.fix_enabled_by)

    def _fix(self, active: Active, target: Any, violation: Violation) -> list[Edit]:
        rule = active.rule
        if rule.fixer is None or not self._enabled(rule):
            return []
        try:
            return list(rule.fixer(target, violation, self.engine.context) or ())
        except ShapeError:
            return []

    def _why_held(self, rule: Rule, target: Any, violation: Violation) -> str:
        """Why a violation with a fixer stays, or '' when no automatic fix exists for it."""
        reason = rule.fix_unsafe_reason or "it can change what the application does"
        if not self._enabled(rule):
            if rule.fix_enabled_by:
                flags = " or ".join(option_flag(k) for k in rule.fix_enabled_by)
                return f"needs a value ({flags}): {reason}"
            return f"unsafe, not applied without --unsafe: {reason}"
        if self.unsafe or rule.fixer is None:
            return ""
        try:
            probe = list(rule.fixer(target, violation, self.probe_context) or ())
        except ShapeError:
            return ""
        if probe:
            return f"unsafe part not applied without --unsafe: {reason}"
        return ""


def _with_options(ctx: Context, options: dict[str, Any]) -> Context:
    return Context(ctx.level, ctx.version, ctx.settings, ctx.index, ctx.known_rules, options)
