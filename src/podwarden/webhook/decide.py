"""The decisions: validate and mutate one admission request under a namespace policy.

Synchronous and pure apart from the engine cache, so the app can run them in worker
threads under a time limit.  Rules are those of ``podwarden check``, evaluated on the
object the request carries.  What a decision holds, the verdict cache and the answers'
limits are in ``verdict``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from podwarden.engine import Engine, FileResult, Finding, Selection
from podwarden.fix.jsonpatch import PatchBuilder, PatchError
from podwarden.model.objects import KubeObject, ShapeError, without_per_object_metadata
from podwarden.model.podspec import POD_TEMPLATE_PATHS
from podwarden.rules.api import Level, Rule, Version, Violation
from podwarden.rules.registry import Active, Registry, default_registry
from podwarden.webhook import wi
from podwarden.webhook.policy import FAMILIES, Mode, NamespacePolicy, PolicyConfig
from podwarden.webhook.review import AdmissionRequest
from podwarden.webhook.verdict import (
    MAX_AUDIT_CHARS,
    Decision,
    InternalError,
    InvalidObject,
    Verdict,
    VerdictCache,
    clip,
    deny_lines,
    warnings_within_limits,
)
from podwarden.webhook.warnings import DENIED_PREFIX, warning_lines

WORKLOAD_KINDS = frozenset(POD_TEMPLATE_PATHS) - {"Pod"}
MAX_PLANS = 256
#: verdicts kept by the findings they were routed from, for objects with at most
#: MAX_ROUTED_FINDINGS findings (keys and verdicts of some 30 KB at most)
MAX_ROUTES = 256
MAX_ROUTED_FINDINGS = 64
#: one way of reading findings: label (``restricted:v1.30``, ``hardening``), its mode, the
#: engine whose findings it reads, and the rule ids among them it reports
Lens = tuple[str, Mode, Engine, frozenset[str]]

__all__ = ["Decision", "Evaluator", "InternalError", "InvalidObject", "Verdict", "VerdictCache"]


class Evaluator:
    """Validates and mutates requests; holds one engine per (level, version, families)."""

    def __init__(
        self, config: PolicyConfig, registry: Registry | None = None, wi_settings: wi.Settings | None = None,
        cache_size: int = 1024,
    ) -> None:
        self.config = config
        self.registry = registry or default_registry()
        self.wi_settings = wi_settings
        self._engines: dict[tuple[Level, Version | None, frozenset[str]], Engine] = {}
        self._lock = threading.Lock()
        self._unions: dict[frozenset[int], Engine] = {}
        self._plans: dict[NamespacePolicy, list[Lens]] = {}
        #: verdicts by the findings they were routed from (``_judge``)
        self._routes: dict[tuple[Any, ...], Verdict] = {}
        self.cache = VerdictCache(cache_size)
        self._known = set(self.registry.families) | set(self.registry.rules)

    def engine(self, level: Level, version: Version | None, only: Iterable[str]) -> Engine:
        """The engine for a selection; ``only`` names at least one known family or rule id."""
        key = (level, version, frozenset(f for f in only if f in self._known))
        if not key[2]:
            raise ValueError("an empty selection would run every rule")
        found = self._engines.get(key)
        if found is None:
            with self._lock:
                found = self._engines.get(key)
                if found is None:
                    # rules about references missing from a set of manifests mean nothing
                    # for one object under admission
                    static = frozenset(r.id for r in self.registry.rules.values() if r.static_only)
                    selection = Selection(level=level, version=version, only=key[2],
                                          skip=static, settings=self.config.settings)
                    found = Engine(selection, self.registry)
                    self._engines[key] = found
        return found

    # -- validation ---------------------------------------------------------------------

    def exemption(self, request: AdmissionRequest) -> str:
        """Why the request is exempt ('namespace', 'username', 'runtimeClass') or ''."""
        ex = self.config.exemptions
        if request.get("namespace", "") in ex.namespaces:
            return "namespace"
        if request.get("userInfo", {}).get("username", "") in ex.usernames:
            return "username"
        if ex.runtime_classes:
            view = _pod_spec(request.get("object") or {})
            runtime = view.get("runtimeClassName") if view else None
            if isinstance(runtime, str) and runtime in ex.runtime_classes:
                return "runtimeClass"
        return ""

    def validate(self, request: AdmissionRequest, policy: NamespacePolicy, deadline: float | None = None) -> Decision:
        """The validation decision, evaluating the object unless an identical one was."""
        found = self.prepare(request, policy, deadline)
        return found if isinstance(found, Decision) else found()

    def prepare(
        self, request: AdmissionRequest, policy: NamespacePolicy, deadline: float | None = None
    ) -> Decision | Callable[[], Decision]:
        """The decision when it needs no evaluation (not evaluated at all, exempt, cached),
        else the evaluation to run: the app answers the first on the event loop and runs the
        second in a worker thread, under the time limit.  An evaluation that ends after
        ``deadline`` (``time.perf_counter``) is not cached: its request was answered by the
        failure mode, and the next identical one must be too."""
        operation = request["operation"]
        sub = request.get("subResource", "") or ""
        if operation not in ("CREATE", "UPDATE") or sub not in ("", "ephemeralcontainers"):
            return Decision()
        exempt = self.exemption(request)
        if exempt:
            return Decision(audit={"exempt": exempt}, exempt=exempt)
        obj = request.get("object") or {}
        kind = request["kind"]
        is_pod = kind["kind"] == "Pod" and kind["group"] == ""
        if operation == "UPDATE" and is_pod and not sub and _same_pod_spec(obj, request.get("oldObject")):
            return Decision()  # metadata-only pod updates are not re-evaluated (as PSA does)
        enforcing = is_pod or policy.enforce_workloads
        meta = obj.get("metadata")
        name = (meta.get("name") or meta.get("generateName")) if isinstance(meta, dict) else None
        where = f'{kind["kind"]} "{name}"' if name else kind["kind"]
        stable = without_per_object_metadata(obj)
        key = self.cache.key(stable, policy, enforcing)
        verdict = self.cache.get(key)
        if verdict is not None:
            return verdict.decision(where)

        def evaluate() -> Decision:
            try:
                verdict = self._judge(stable, policy, enforcing)
            except (InvalidObject, InternalError) as exc:
                # name the object as it was sent, not as evaluated (without its name)
                seen, sent = str(KubeObject(stable).ref), str(KubeObject(obj).ref)
                raise type(exc)(str(exc).replace(seen, sent, 1)) from None
            if deadline is None or time.perf_counter() <= deadline:
                self.cache.put(key, verdict)
            return verdict.decision(where)

        return evaluate

    def _judge(self, obj: dict[str, Any], policy: NamespacePolicy, enforcing: bool) -> Verdict:
        """Evaluate the object under every level, version and family of the policy (one
        pass) and route each finding by its mode: deny, warning or audit annotation."""
        lenses = self._plans.get(policy)
        if lenses is None:
            if len(self._plans) >= MAX_PLANS:
                self._plans.clear()  # namespaces' labels vary without bound; plans are cheap
            lenses = self._plans[policy] = self._plan(policy)
        found = self._findings_of(obj, [engine for _, _, engine, _ in lenses])
        if sum(map(len, found.values())) > MAX_ROUTED_FINDINGS:
            return self._route(lenses, found, policy, enforcing)
        # routing reads only these fields of the findings: objects found with the same
        # findings (pods of different workloads with the same gaps) are routed once
        said = (policy, enforcing, tuple(tuple((f.rule_id, f.severity, f.message, f.path) for f in findings)
                                          for findings in found.values()))
        verdict = self._routes.get(said)
        if verdict is None:
            if len(self._routes) >= MAX_ROUTES:
                self._routes.clear()
            verdict = self._routes[said] = self._route(lenses, found, policy, enforcing)
        return verdict

    def _route(self, lenses: list[Lens], found: dict[int, list[Finding]], policy: NamespacePolicy,
               enforcing: bool) -> Verdict:
        """Each finding to its mode (deny, warning or audit annotation), worded."""
        deny: list[Finding] = []
        candidates: list[tuple[str, str, Finding]] = []
        audit: list[str] = []
        rules: list[str] = []
        seen: set[tuple[str, str, str]] = set()
        enforce_labels: list[str] = []
        for label, mode, engine, reports in lenses:
            for f in found[id(engine)]:
                if f.rule_id not in reports:
                    continue
                if mode is Mode.ENFORCE and enforcing and label not in enforce_labels:
                    enforce_labels.append(label)  # the heading names what denies
                key = (f.rule_id, f.path, f.message)
                rules.append(f.rule_id)
                if mode is Mode.ENFORCE and enforcing:
                    deny.append(f)
                    seen.add(key)
                elif mode in (Mode.ENFORCE, Mode.WARN):
                    if key not in seen:
                        seen.add(key)
                        candidates.append((label, DENIED_PREFIX if mode is Mode.ENFORCE else "warning", f))
                elif mode is Mode.AUDIT:
                    audit.append(f"{label} {f.rule_id}: {f.message} ({f.path})")
        warnings = warning_lines(candidates, deny, self.registry)

        annotations = {"enforce-policy": str(policy.enforce)}
        if audit:
            annotations["audit-violations"] = clip("; ".join(audit), MAX_AUDIT_CHARS)
        if policy.problems:
            warnings.append(f"podwarden: invalid namespace policy value(s) {', '.join(policy.problems)}; "
                            "the strictest choice applies")
        return Verdict(tuple(deny_lines(deny, self.registry)), tuple(warnings_within_limits(warnings)),
                       tuple(annotations.items()),
                       tuple(sorted(set(rules))), tuple(enforce_labels), len(deny))

    def _plan(self, policy: NamespacePolicy) -> list[Lens]:
        """What a policy evaluates, computed once per policy: PSS enforce, each family on,
        PSS warn and audit.  A family lens reports its family's rules but those PSS says
        at least as loudly (one finding per hazard, as ``check`` reports it)."""
        pss: dict[Mode, Lens] = {}
        for lv, mode in ((policy.enforce, Mode.ENFORCE), (policy.warn, Mode.WARN), (policy.audit, Mode.AUDIT)):
            if lv.level is not Level.PRIVILEGED:
                engine = self.engine(lv.level, lv.version, ["pss"])
                pss[mode] = (str(lv), mode, engine, engine.rule_ids)
        families = [f for f in FAMILIES if policy.family_mode(f) is not Mode.OFF and f in self._known]
        lenses = [pss[Mode.ENFORCE]] if Mode.ENFORCE in pss else []
        if families:
            engine = self.engine(Level.RESTRICTED, None, families)
            for family in families:
                mode = policy.family_mode(family)
                reports = frozenset(a.rule.id for a in engine.active
                                    if a.rule.family == family and not _said_by_pss(a.rule, mode, pss.values()))
                lenses.append((family, mode, engine, reports))
        lenses.extend(pss[mode] for mode in (Mode.WARN, Mode.AUDIT) if mode in pss)
        return lenses

    def _findings_of(self, obj: dict[str, Any], engines: list[Engine]) -> dict[int, list[Finding]]:
        """Each engine's findings (by ``id(engine)``) from one pass per Kubernetes version:
        the union of their checks runs once, and each engine keeps its own rules' findings.
        Within one version a rule id has a single check, so filtering by id is exact."""
        by_minor: dict[int, list[Engine]] = {}
        for engine in engines:
            by_minor.setdefault(self.registry.minor(engine.selection.version), []).append(engine)
        out: dict[int, list[Finding]] = {}
        for group in by_minor.values():
            findings = self._findings(self._union(group), obj)
            for engine in group:
                out[id(engine)] = [f for f in findings if f.rule_id in engine.rule_ids]
        return out

    def _union(self, engines: list[Engine]) -> Engine:
        """One engine running every check of ``engines`` (all at one version), cached."""
        key = frozenset(id(e) for e in engines)
        found = self._unions.get(key)
        if found is None:
            chosen: dict[str, Active] = {}
            for engine in engines:
                for active in engine.active:
                    chosen.setdefault(active.rule.id, active)
            order = list(self.registry.rules)
            union = sorted(chosen.values(), key=lambda a: order.index(a.rule.id))
            found = self._unions[key] = Engine(engines[0].selection, self.registry, union)
        return found

    def _findings(self, engine: Engine, obj: dict[str, Any]) -> list[Finding]:
        out: FileResult = engine.evaluate_object(obj, "<admission>")
        crashes = [e.message for e in out.errors if " failed on " in e.message]
        if crashes:
            raise InternalError(crashes[0])
        if out.errors:
            # a shape the API server would not have let through: refuse, naming the field
            raise InvalidObject(out.errors[0].message)
        findings = list(out.findings)
        if not self.config.honour_ignore_annotations:
            findings.extend(s.finding for s in out.suppressed)
        return findings

    # -- mutation -----------------------------------------------------------------------

    def needs_service_account(self, request: AdmissionRequest) -> bool:
        """True when mutating this request injects workload identity (an API read)."""
        kind = request["kind"]
        return (
            self.wi_settings is not None
            and request["operation"] == "CREATE"
            and not request.get("subResource")
            and kind["kind"] == "Pod" and kind["group"] == ""
            and wi.wants_injection(request.get("object") or {})
        )

    def mutate(
        self, request: AdmissionRequest, policy: NamespacePolicy, sa_annotations: dict[str, str] | None
    ) -> Decision:
        """Security defaults (namespaces that opt in) and workload identity injection."""
        kind = request["kind"]
        operation = request["operation"]
        if request.get("subResource") or kind["group"] not in ("", "apps", "batch"):
            return Decision()
        is_pod = kind["kind"] == "Pod" and kind["group"] == ""
        if not ((operation == "CREATE" and (is_pod or kind["kind"] in WORKLOAD_KINDS))
                or (operation == "UPDATE" and kind["kind"] in WORKLOAD_KINDS)):
            return Decision()
        obj = request.get("object") or {}
        builder = PatchBuilder(obj)
        decision = Decision()
        if policy.mutate and not self.exemption(request):
            skipped = 0
            cautions: dict[str, str] = {}
            for rule, edit in self._default_edits(obj, policy):
                try:
                    builder.apply(edit)
                except PatchError:
                    skipped += 1
                    continue
                if rule.fix_caution:
                    cautions[rule.id] = rule.fix_caution
            if skipped:
                decision.warnings.append(f"podwarden: {skipped} security default(s) could not be applied")
            # what to check after a default is set (runAsNonRoot=true and root images)
            decision.warnings.extend(f"podwarden: default set for {rule_id}: {caution}"
                                     for rule_id, caution in cautions.items())
        if self.needs_service_account(request):
            assert self.wi_settings is not None
            try:
                injected = wi.edits(builder.document, sa_annotations, self.wi_settings)
            except wi.InjectionError as exc:
                return Decision(allowed=False, message=str(exc), code=400, reason="BadRequest")
            builder.apply_all(injected)
            if sa_annotations is None and injected:
                missing = "AZURE_CLIENT_ID" + ("" if self.wi_settings.tenant_id else " and AZURE_TENANT_ID")
                decision.warnings.append(f"podwarden: service account not readable (no API access): {missing} "
                                         "from its annotations not injected")
        decision.patch = builder.ops
        return decision

    def _default_edits(self, obj: dict[str, Any], policy: NamespacePolicy) -> list[tuple[Rule, Any]]:
        """Edits of the safe fixers of every rule selected for the namespace, each with
        its rule."""
        lv = policy.strictest
        families = ["pss", *(f for f in FAMILIES if policy.family_mode(f) is not Mode.OFF)]
        engine = self.engine(lv.level, lv.version, families)
        kube = KubeObject(obj)
        try:
            pod = kube.pod
        except ShapeError:
            return []
        try:
            return self._fixer_edits(engine, kube, pod)
        finally:
            kube.release()

    def _fixer_edits(self, engine: Engine, kube: KubeObject, pod: Any) -> list[tuple[Rule, Any]]:
        edits: list[tuple[Rule, Any]] = []
        targets: list[tuple[Any, Any]] = []
        if pod is not None:
            targets.extend((a, pod) for a in engine.pod_checks)
        targets.extend((a, kube) for a in engine.object_checks if not a.rule.kinds or kube.kind in a.rule.kinds)
        for active, target in targets:
            fixer = active.rule.fixer
            if fixer is None or not active.rule.fix_safe:
                continue
            try:
                violations: list[Violation] = list(active.fn(target, engine.context))
                for violation in violations:
                    edits.extend((active.rule, e) for e in fixer(target, violation, engine.context) or ())
            except ShapeError:
                continue
            except Exception as exc:
                raise InternalError(f"fixer of {active.rule.id} failed: {type(exc).__name__}") from None
        return edits


#: how much a mode does to a request: a finding in a weaker one adds nothing to a stronger
_MODE_RANK = {Mode.AUDIT: 1, Mode.WARN: 2, Mode.ENFORCE: 3}


def _said_by_pss(rule: Rule, mode: Mode, pss_lenses: Iterable[Lens]) -> bool:
    """True when PSS reports ``rule``'s hazard at least as loudly as ``mode`` would.

    Hardening's "drop ALL" says what PSS restricted's capabilities check says: it stays
    quiet when every rule covering it runs in one PSS level whose mode is at least its own
    (restricted warned, hardening warned), and speaks otherwise (restricted only audited,
    or hardening enforced while restricted warns).
    """
    return bool(rule.covered_by) and any(
        _MODE_RANK[pss_mode] >= _MODE_RANK[mode] and all(c in ids for c in rule.covered_by)
        for _, pss_mode, _, ids in pss_lenses
    )


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    kind = obj.get("kind")
    path = POD_TEMPLATE_PATHS.get(kind) if isinstance(kind, str) else None
    if path is None:
        return None
    node: Any = obj
    for part in (*path, "spec"):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def _same_pod_spec(new: dict[str, Any], old: dict[str, Any] | None) -> bool:
    return isinstance(old, dict) and new.get("spec") == old.get("spec")
