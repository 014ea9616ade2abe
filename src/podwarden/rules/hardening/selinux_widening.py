"""SELinux options that widen access.

## What it checks
On Linux pods, the `seLinuxOptions` of the pod and of every container keep the container
policy: `type` is empty or one of `container_t`, `container_init_t`, `container_kvm_t`,
`container_engine_t`; no custom `user` or `role` is set; and `level` does not grant the
whole category range (`c0.c1023`), which would let the container reach every other
container's files. `spc_t` ("super privileged container") and `unconfined_t` are high
severity, every other finding medium. Applies at every Pod Security Standards level
(`pss/selinux-options` also checks type, user and role from the baseline level). Windows
pods are skipped.

## Why
AKS guide, security context: SELinux labels define the access policy for services,
processes and the file system; keep them to the minimum. These options do the opposite.

## Fix
Remove `user`, `role`, the custom `type` and the wide `level`; usually remove
`seLinuxOptions` altogether and let the runtime assign a per-container label. No
automatic fix.
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule

RULE = rule("hardening/selinux-widening", severity=Severity.MEDIUM, hazard="selinux")

CONTAINER_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t",
                             "container_engine_t"})
UNCONFINED_TYPES = frozenset({"spc_t", "unconfined_t"})
FULL_RANGE = "c0.c1023"


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if pod.is_windows:
        return
    for who, sc in pod.iter_security_contexts():
        options = sc.map_if_set("seLinuxOptions")
        if options is None:
            continue
        kind = options.str("type") or ""
        if kind in UNCONFINED_TYPES:
            yield Violation(options.at("type"), f'{who} sets seLinuxOptions.type="{kind}", which is '
                            "not confined by the container policy", severity=Severity.HIGH)
        elif kind not in CONTAINER_TYPES:
            yield Violation(options.at("type"), f'{who} sets seLinuxOptions.type="{kind}" instead of '
                            "a container type")
        for key in ("user", "role"):
            value = options.str(key)
            if value:
                yield Violation(options.at(key), f'{who} sets a custom seLinuxOptions.{key}="{value}"')
        level = options.str("level") or ""
        if FULL_RANGE in level:
            yield Violation(options.at("level"), f'{who} sets seLinuxOptions.level="{level}", which '
                            "covers every category of every container")
