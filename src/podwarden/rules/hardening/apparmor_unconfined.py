"""AppArmor switched off.

## What it checks
On Linux pods, no container runs `Unconfined` under AppArmor: neither the
`appArmorProfile.type` field (pod or container; the container's wins) nor the legacy
annotation `container.apparmor.security.beta.kubernetes.io/<container>: unconfined`.
An unset profile is fine: on nodes with AppArmor (AKS's Ubuntu nodes) the runtime applies
its default profile. Applies at every Pod Security Standards level (`pss/apparmor-profile`
also reports this from the baseline level, hence medium severity here). Windows pods are
skipped.

## Why
AKS guide: AppArmor is one of the further controls, usually put in place by cluster
operators, that confine what a process may do. `Unconfined` switches that confinement off
for the container.

## Fix
Remove the override (the runtime's default profile then applies), or use
`type: Localhost` with a profile loaded on the nodes. The fixer is unsafe (the workload
may need what the default profile denies): it sets `RuntimeDefault`, or the annotation to
`runtime/default`.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule

RULE = rule("hardening/apparmor-unconfined", severity=Severity.MEDIUM, hazard="apparmor")

ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if pod.is_windows:
        return
    for key, value in pod.annotations.items():
        if key.startswith(ANNOTATION_PREFIX) and value.strip() == "unconfined":
            name = key[len(ANNOTATION_PREFIX):]
            yield Violation(pod.metadata.map("annotations").at(key), f'annotation runs container "{name}" unconfined '
                            "by AppArmor")
    for who, sc in pod.iter_security_contexts():
        profile = sc.map_if_set("appArmorProfile")
        if profile is not None and profile.str("type") == "Unconfined":
            yield Violation(profile.at("type"), f'{who} sets appArmorProfile.type="Unconfined"')


@RULE.fix(safe=False)
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    yield Edit.set(v.path, "RuntimeDefault" if v.path[-1] == "type" else "runtime/default")
