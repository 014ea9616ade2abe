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

``fix`` reads a file as ``check`` does, through the engine (``Engine.scan_file``): an
error ``check`` reports (a shape error, an object without a kind) is the file's error, and
the file is not edited.  So is a shape error a fixer meets (``check`` would meet it once
the fix lets a rule look there), and an error ``check`` would report on the fixed text.
What ``check`` still reports after the edits is ``Remaining``, each with the reason fix
left it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from podwarden.engine import (
    Engine,
    FileResult,
    Finding,
    Raised,
    Selection,
    auto_jobs,
    batch_size,
    ignores_of,
    object_problem,
    suppressed_by,
)
from podwarden.errors import InputError
from podwarden.fix import yamlfile
from podwarden.fix.outcome import NO_FIXER, NOT_HERE, Applied, FileFix, HeldBack, Remaining, ValueSet
from podwarden.fix.redact import credentials_in
from podwarden.load import yaml as yamlload
from podwarden.load.sources import Skipped, Source, expand
from podwarden.model.edits import Edit
from podwarden.model.objects import KubeObject, ShapeError
from podwarden.model.paths import FieldPath, render
from podwarden.model.podspec import PodView
from podwarden.rules.api import Context, Rule, Violation
from podwarden.rules.registry import Active, Registry

#: rounds of fixing before giving up (fixers that keep changing each other's work)
MAX_ROUNDS = 5

#: explicit values (``--run-as-user`` ...) written at pod level: option -> securityContext
#: field.  ``fs_group`` is left to ``hardening/fs-group-missing``, which knows which pods
#: mount a disk that needs it.
POD_VALUES = {"run_as_user": "runAsUser", "run_as_group": "runAsGroup"}


def _may_run_as_root(pod: PodView) -> bool:
    """Some container's effective user is not a non-zero ``runAsUser``: its image's own
    user decides, and may be root."""
    for c in pod.containers():
        user = c.effective("runAsUser")[0]
        if not (isinstance(user, int) and not isinstance(user, bool) and user > 0):
            return True
    return False


#: when a rule's fix caution can apply to a pod once fixed, by the hazard the rule reports:
#: the runAsNonRoot caution (an image running as root will not start) only where some
#: container has no non-zero runAsUser
CAUTION_APPLIES: dict[str, Callable[[PodView], bool]] = {"run-as-root": _may_run_as_root}


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
        self._fixable = {id(a) for a in fixable}

    # -- files ----------------------------------------------------------------------------

    def iter_files(self, paths: Sequence[str], jobs: int | None = 1) -> Iterator[FileFix]:
        """One FileFix per source (stdin ``-`` included), in order, whatever ``jobs`` is:
        files are fixed in that many processes (None: as ``check`` decides, one per CPU when
        the files are many and large enough)."""
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
        files = [s for s in sources if s.name not in stdin]
        if jobs is None:
            jobs = auto_jobs(files)
        if self.engine.uses_index:
            self.engine.context.index = self.engine.build_index(sources, stdin)
        if jobs > 1 and len(files) > 1:
            yield from self._parallel(sources, stdin, jobs)
            return
        for source in sources:
            yield self.fix_source(source, stdin.get(source.name))

    def fix_source(self, source: Source, raw: bytes | None = None) -> FileFix:
        """Fix one source (read here unless ``raw`` is given)."""
        try:
            raw = raw if raw is not None else source.read()
        except InputError as exc:
            return FileFix(source.name, errors=[exc])
        return self.fix_bytes(raw, source.name, explicit=source.explicit)

    def _parallel(self, sources: list[Source], stdin: dict[str, bytes], jobs: int) -> Iterator[FileFix]:
        """Fix files in worker processes (forked once the index is built); results come
        back in source order, stdin is fixed here."""
        import multiprocessing

        global _WORKER_FIXER
        _WORKER_FIXER = self
        pending = [s for s in sources if s.name not in stdin]
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.imap(_fix_in_worker, pending, chunksize=batch_size(len(pending), jobs))
            for source in sources:
                yield self.fix_source(source, stdin[source.name]) if source.name in stdin else next(results)

    def fix_bytes(self, raw: bytes, name: str, explicit: bool = True) -> FileFix:
        """Fix one file's content."""
        out = FileFix(name)
        try:
            out.text, out.encoding = yamlfile.decode(raw, name)
            docs = yamlload.parse(out.text, name)
        except InputError as exc:
            out.errors.append(exc)
            return out
        # what check says of the file as it is: its errors are fix's, before any edit;
        # each round plans from the violations its check raised (``raised``)
        raised: list[Raised] = []
        before = self.check(docs, name, explicit, raised)
        if before.errors:
            out.errors.extend(before.errors)
            return out
        if not any(object_problem(data) == "" for doc in docs for _, data in yamlload.iter_objects(doc)):
            if explicit:  # as check says it: a named file without objects (a failed render)
                out.errors.append(InputError(name, 0, "no Kubernetes objects in this file"))
            else:
                out.skipped = True
            return out
        text = out.text
        original = docs
        applied: dict[Applied, None] = {}
        values_set: dict[ValueSet, None] = {}
        held: list[HeldBack] = []
        after = before  # what check says of ``docs``, the documents of ``text``
        raised_before = raised
        for round_ in range(MAX_ROUNDS):
            if round_:
                raised = []
                after = self.check(docs, name, explicit, raised)
            try:
                # a check with errors stopped some rules half-way: those rules are run again
                plan, round_applied, held = self.plan(docs, name, values_set,
                                                      None if after.errors else raised)
            except FixerShapeError as exc:
                out.errors.append(exc.error)
                return out
            if not plan:
                break
            try:
                new_text, new_docs = yamlfile.rewrite(text, docs, plan, name)
            except yamlfile.FixRefused as exc:
                out.errors.append(InputError(name, exc.line, f"not rewritten: {exc}"))
                return out
            if new_text == text:
                break
            applied.update(dict.fromkeys(round_applied))
            text, docs = new_text, new_docs
        else:
            out.errors.append(InputError(name, 0, "not rewritten: fixes did not settle after "
                                                  f"{MAX_ROUNDS} rounds (a bug: please report it)"))
            return out
        if text != out.text:
            # what check will say of the fixed file: no error it would not give now
            if after.errors:
                out.errors.extend(InputError(e.file, e.line, f"not rewritten: once fixed, {e.message}")
                                  for e in after.errors)
                return out
            out.fixed_text = text
            # a diff shows lines around each change: hide the credentials among them
            recorded = self._records_credentials
            credentials_in(self.credentials, out.text, original, out.redact, raised_before if recorded else None)
            credentials_in(self.credentials, text, docs, out.redact, raised if recorded else None)
        out.applied = list(applied)
        out.values_set = list(values_set)
        out.cautions = self._cautions(docs, out.applied)
        out.held_back = held
        out.remaining = self._remaining(before, after, held)
        return out

    def check(self, docs: Sequence[yamlload.Document], name: str, explicit: bool,
              raised: list[Raised] | None = None) -> FileResult:
        """What ``check`` reports on a file's parsed documents: ``Engine.scan_file`` after
        its parse (the documents are already parsed here, once per version of the text);
        every violation the rules raised is added to ``raised``."""
        return self.engine.scan_docs(docs, name, explicit, raised)

    def _remaining(self, before: FileResult, after: FileResult, held: Sequence[HeldBack]) -> list[Remaining]:
        """Each finding of ``after`` with the reason fix leaves it."""
        why = {(h.rule_id, h.object, h.path): h.why for h in held}
        was = {(f.rule_id, str(f.object), f.path): f.line for f in before.findings}
        out = []
        for f in after.findings:
            key = (f.rule_id, str(f.object), f.path)
            reason = why.get(key) or self._why_left(f)
            out.append(Remaining(f.rule_id, f.file, f.line, was.get(key, 0), str(f.object), f.path, reason))
        return out

    def _why_left(self, finding: Finding) -> str:
        rule = self.engine.registry.get(finding.rule_id)
        return NO_FIXER if rule is None or rule.fixer is None else NOT_HERE

    @functools.cached_property
    def credentials(self) -> Engine:
        """The credentials family, whatever the selection: what a diff must not show."""
        return Engine(Selection(only=frozenset({"credentials"})), self.engine.registry)

    @functools.cached_property
    def _records_credentials(self) -> bool:
        """Whether the checks ``fix`` runs raise everything ``credentials`` would: it runs
        each of its object checks (their violations can be taken from the record)."""
        running = {(id(a.rule), id(a.fn)) for a in self.engine.object_checks}
        return all((id(a.rule), id(a.fn)) in running for a in self.credentials.object_checks)

    # -- planning -------------------------------------------------------------------------

    def plan(self, docs: Sequence[yamlload.Document], name: str,
             values_set: dict[ValueSet, None] | None = None, raised: Sequence[Raised] | None = None,
             ) -> tuple[dict[int, list[Edit]], list[Applied], list[HeldBack]]:
        """Edits per document index that change something, what they fix, what is held back;
        the explicit values written are added to ``values_set``.  ``raised``: what the
        rules raised on ``docs`` in a check without errors (``check``), else they run here."""
        by_object: dict[tuple[int, FieldPath], list[Raised]] | None = None
        if raised is not None:
            by_object = {}
            for r in raised:
                if id(r.check) in self._fixable:
                    by_object.setdefault((id(r.object.data), r.object.path), []).append(r)
        plan: dict[int, list[Edit]] = {}
        applied: list[Applied] = []
        held: list[HeldBack] = []
        for doc in docs:
            edits: dict[tuple[str, FieldPath, str], Edit] = {}
            for prefix, data in yamlload.iter_objects(doc):
                if object_problem(data):
                    continue
                obj = KubeObject(data, prefix)
                found = self._raise(obj) if by_object is None else by_object.get((id(data), prefix), [])
                for active, target, violation in self._unsuppressed(obj, found):
                    try:
                        made = self._fix(active, target, violation)
                        why = "" if made else self._why_held(active.rule, target, violation)
                    except ShapeError as exc:
                        line, _ = doc.locate((*prefix, *exc.path))
                        raise FixerShapeError(InputError(name, line, f"{obj.ref}: {exc}")) from None
                    where = str(obj.ref)
                    if made:
                        applied.append(Applied(active.rule.id, where, render(violation.path)))
                        for edit in made:
                            full = Edit(edit.op, (*prefix, *edit.path), edit.value)
                            edits.setdefault((full.op, full.path, repr(full.value)), full)
                    elif why:
                        held.append(HeldBack(active.rule.id, where, render(violation.path), why))
                for edit in self._value_edits(obj):
                    full = Edit(edit.op, (*prefix, *edit.path), edit.value)
                    if (full.op, full.path, repr(full.value)) in edits:
                        continue
                    edits[(full.op, full.path, repr(full.value))] = full
                    if values_set is not None:
                        option = next(k for k, f in POD_VALUES.items() if f == edit.path[-1])
                        values_set[ValueSet(option, edit.value, str(obj.ref), render(edit.path))] = None
            if edits:
                plan[doc.index] = list(edits.values())
        return plan, applied, held

    def _value_edits(self, obj: KubeObject) -> list[Edit]:
        """The explicit values asked for, at pod level, in a Linux pod that does not set
        the field at pod level and has a container without its own: never over a value
        written in the manifest (a pod-level 0 is the rules' to replace)."""
        wanted = {f: self.values[k] for k, f in POD_VALUES.items() if k in self.values}
        if not wanted:
            return []
        try:
            pod = obj.pod
            if pod is None or pod.is_windows:
                return []
            sc = pod.security_context
            return [Edit.set(sc.at(key), value) for key, value in wanted.items()
                    if not sc.has(key) and any(not c.security_context.has(key) for c in pod.containers())]
        except ShapeError:
            return []  # ``check`` reports the shape error

    def _cautions(self, docs: Sequence[yamlload.Document], applied: Sequence[Applied]) -> list[Applied]:
        """The applied fixes whose rule's caution can apply to the pod as fixed."""
        pods: dict[str, PodView | None] = {}
        for doc in docs:
            for prefix, data in yamlload.iter_objects(doc):
                if object_problem(data):
                    continue
                obj = KubeObject(data, prefix)
                try:
                    pods[str(obj.ref)] = obj.pod
                except ShapeError:
                    pods[str(obj.ref)] = None
        out = []
        for done in applied:
            rule = self.engine.registry.get(done.rule_id)
            if rule is None or not rule.fix_caution or any(k in self.values for k in rule.fix_caution_unless):
                continue
            applies = CAUTION_APPLIES.get(rule.hazard or "")
            pod = pods.get(done.object)
            if applies is not None and pod is not None and not applies(pod):
                continue
            out.append(done)
        return out

    def _raise(self, obj: KubeObject) -> list[Raised]:
        """The fixable rules' violations on ``obj``; none of a rule that meets a field of
        the wrong shape, none at all when the pod does (``check`` reports it)."""
        try:
            pod = obj.pod
        except ShapeError:
            return []
        targets: list[tuple[Active, Any]] = []
        if pod is not None:
            targets.extend((a, pod) for a in self.pod_checks)
        targets.extend(
            (a, obj) for a in self.object_checks if not a.rule.kinds or obj.kind in a.rule.kinds
        )
        found = []
        for active, target in targets:
            try:
                found.extend([Raised(obj, active, target, v) for v in active.fn(target, self.engine.context)])
            except ShapeError:
                continue
        return found

    def _unsuppressed(self, obj: KubeObject, found: Sequence[Raised]) -> Iterator[tuple[Active, Any, Violation]]:
        """The violations of ``found`` (on ``obj``) no ``podwarden.io/ignore`` suppresses."""
        if not found:
            return
        try:
            pod = obj.pod
            ignores = ignores_of(obj, pod)
        except ShapeError:
            return  # ``check`` reports the shape error; nothing is fixed in this object
        for r in found:
            if suppressed_by(ignores, r.check.rule.id, r.violation.path, pod) is None:
                yield r.check, r.target, r.violation

    def _enabled(self, rule: Rule) -> bool:
        return rule.fix_safe or self.unsafe or any(k in self.values for k in rule.fix_enabled_by)

    def _fix(self, active: Active, target: Any, violation: Violation) -> list[Edit]:
        rule = active.rule
        if rule.fixer is None or not self._enabled(rule):
            return []
        return list(rule.fixer(target, violation, self.engine.context) or ())

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
        probe = list(rule.fixer(target, violation, self.probe_context) or ())
        if probe:
            return f"unsafe part not applied without --unsafe: {reason}"
        return ""


class FixerShapeError(Exception):
    """A fixer met a field of the wrong shape: the file's error (as ``check`` reports it)."""

    def __init__(self, error: InputError) -> None:
        super().__init__(str(error))
        self.error = error


def _with_options(ctx: Context, options: dict[str, Any]) -> Context:
    return Context(ctx.level, ctx.version, ctx.settings, ctx.index, ctx.known_rules, options)


_WORKER_FIXER: Fixer | None = None


def _fix_in_worker(source: Source) -> FileFix:
    assert _WORKER_FIXER is not None
    return _WORKER_FIXER.fix_source(source)
