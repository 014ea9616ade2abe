"""SELinux options that widen access.

## What it checks
`seLinuxOptions` of the pod and of every container set no `user` or `role`, and a `type`
of only `container_t`, `container_init_t`, `container_kvm_t` or, from v1.31,
`container_engine_t` (Pod Security Standards, baseline). `level` is not restricted.

## Why
AKS guide, security context: SELinux labels define access to services, processes and the
file system; keep them to the minimum. A type such as `spc_t` runs the container
unconfined, and a custom user or role escapes the container policy.

## Fix
Remove `user`, `role` and any other `type`; usually remove `seLinuxOptions` altogether.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/selinux-options", severity=Severity.HIGH, pss=Level.BASELINE,
            upstream_id="seLinuxOptions", reason="seLinuxOptions", hazard="selinux")

ALLOWED_TYPES_1_0 = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
ALLOWED_TYPES_1_31 = ALLOWED_TYPES_1_0 | {"container_engine_t"}


def _check(pod: PodView, allowed: frozenset[str]) -> Iterator[Violation]:
    for who, sc in pod.iter_security_contexts():
        options = sc.map_if_set("seLinuxOptions")
        if options is None:
            continue
        selinux_type = options.str("type") or ""
        if selinux_type not in allowed:
            yield Violation(options.at("type"), f'{who} must not set seLinuxOptions.type="{selinux_type}"')
        for key in ("user", "role"):
            value = options.str(key)
            if value:
                yield Violation(options.at(key), f'{who} must not set seLinuxOptions.{key}="{value}"')


@RULE.check(since="1.0")
def check_v1_0(pod: PodView) -> Iterator[Violation]:
    yield from _check(pod, ALLOWED_TYPES_1_0)


@RULE.check(since="1.31")  # container_engine_t allowed
def check_v1_31(pod: PodView) -> Iterator[Violation]:
    yield from _check(pod, ALLOWED_TYPES_1_31)
