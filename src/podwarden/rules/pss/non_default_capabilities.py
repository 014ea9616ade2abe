"""Capabilities beyond the container runtime's default set.

## What it checks
Every entry of `securityContext.capabilities.add`, in every container, is one of the
runtime's default capabilities: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL,
MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT. Names are compared
exactly: `CAP_CHOWN` or `chown` are not `CHOWN` (Pod Security Standards, baseline).

## Why
AKS guide, security context: Linux capabilities give a pod access to node processes;
assign them with care, the minimum. The guide's own example adds NET_ADMIN and SYS_TIME,
both outside this set.

## Fix
Remove the capability, or replace the container's need for it.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/non-default-capabilities", severity=Severity.HIGH, pss=Level.BASELINE,
            upstream_id="capabilities_baseline", reason="non-default capabilities", hazard="capabilities")

DEFAULT_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    for c in pod.containers():
        caps = c.security_context.map("capabilities")
        for i, cap in enumerate(caps.strs("add")):
            if cap not in DEFAULT_CAPABILITIES:
                yield Violation((*caps.at("add"), i), f'{c.describe()} must not add capability "{cap}"')
