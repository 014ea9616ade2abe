"""Windows HostProcess containers.

## What it checks
Neither the pod nor any container sets `securityContext.windowsOptions.hostProcess: true`
(Pod Security Standards, baseline, every version, whatever the pod's OS).

## Why
AKS guide, security context: never use the security context to obtain more privilege. A
HostProcess container runs directly on the Windows node with its privileges.

## Fix
Remove `hostProcess` or set it to `false`.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/windows-host-process", severity=Severity.CRITICAL, pss=Level.BASELINE,
            upstream_id="windowsHostProcess", reason="hostProcess")


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    for who, sc in pod.iter_security_contexts():
        options = sc.map_if_set("windowsOptions")
        if options is not None and options.bool("hostProcess"):
            yield Violation(options.at("hostProcess"), f"{who} must not set hostProcess=true")
