"""Seccomp profile set to unconfined.

## What it checks
Up to v1.18, the annotations `seccomp.security.alpha.kubernetes.io/pod` and
`container.seccomp.security.alpha.kubernetes.io/<container>` (for containers that exist)
are `runtime/default`, `docker/default` or `localhost/<profile>`. From v1.19 only the
`seccompProfile` fields count: when set, on the pod or a container, the type is
`RuntimeDefault` or `Localhost` (Pod Security Standards, baseline; at restricted the
stricter seccomp rule takes its place from v1.19).

## Why
AKS guide: seccomp is one of the further controls limiting the system calls a process
may make. `Unconfined` removes that filter.

## Fix
Set `seccompProfile.type: RuntimeDefault` at pod level and remove the override.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/seccomp-profile-baseline", severity=Severity.HIGH, pss=Level.BASELINE,
            upstream_id="seccompProfile_baseline", reason="seccompProfile", hazard="seccomp")

POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
ALLOWED_TYPES = ("RuntimeDefault", "Localhost")


def allowed_annotation(value: str) -> bool:
    return value in ("runtime/default", "docker/default") or value.startswith("localhost/")


@RULE.check(since="1.0")
def check_v1_0(pod: PodView) -> Iterator[Violation]:
    annotations = pod.annotations
    where = pod.metadata.map("annotations")
    keys = [POD_ANNOTATION] + [CONTAINER_ANNOTATION + c.name for c in pod.containers()]
    for key in keys:
        value = annotations.get(key)
        if value is not None and not allowed_annotation(value):
            yield Violation(where.at(key), f'annotation {key}="{value}" is not allowed')


@RULE.check(since="1.19")  # the fields replace the annotations
def check_v1_19(pod: PodView) -> Iterator[Violation]:
    for who, sc in pod.iter_security_contexts():
        profile = sc.map("seccompProfile")
        if profile.present:
            kind = profile.str("type") or ""
            if kind not in ALLOWED_TYPES:
                yield Violation(profile.at("type"), f'{who} must not set seccompProfile.type="{kind}"')
