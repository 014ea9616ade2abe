"""AppArmor profile that is not the runtime default or a local profile.

## What it checks
The AppArmor annotations `container.apparmor.security.beta.kubernetes.io/<container>` are
empty, `runtime/default` or `localhost/<profile>`; the `appArmorProfile` fields of the pod
and of every container have type `RuntimeDefault` or `Localhost` (Pod Security Standards,
baseline, every version; the annotation is checked even when it names no container).

## Why
AKS guide: AppArmor is one of the further controls that confine what a process may do.
`unconfined` switches that confinement off.

## Fix
Remove the override, or set the type to `RuntimeDefault` (or `Localhost` with a profile
loaded on the nodes).
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/apparmor-profile", severity=Severity.HIGH, pss=Level.BASELINE,
            upstream_id="appArmorProfile", reason="forbidden AppArmor profile(s)", hazard="apparmor")

ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
ALLOWED_TYPES = ("RuntimeDefault", "Localhost")


def allowed_annotation(value: str) -> bool:
    return value in ("", "runtime/default") or value.startswith("localhost/")


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    annotations = pod.annotations
    for key, value in annotations.items():
        if key.startswith(ANNOTATION_PREFIX) and not allowed_annotation(value):
            yield Violation(pod.metadata.map("annotations").at(key),
                            f'annotation {key}="{value}" is not allowed')
    for who, sc in pod.iter_security_contexts():
        profile = sc.map_if_set("appArmorProfile")
        if profile is not None:
            kind = profile.str("type") or ""
            if kind not in ALLOWED_TYPES:
                yield Violation(profile.at("type"),
                                f'{who} must not set appArmorProfile.type="{kind}"')
