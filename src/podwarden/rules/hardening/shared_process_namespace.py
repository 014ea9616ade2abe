"""Process namespace shared between containers.

## What it checks
A Linux pod does not set `spec.shareProcessNamespace: true`. Windows pods are skipped
(they do not support it).

## Why
AKS guide, least privilege and limiting credential exposure. With a shared process
namespace every container sees the others' processes: it can signal them and, running as
the same user, read their environment and files through `/proc/<pid>/environ` and
`/proc/<pid>/root`, credentials included; with `SYS_PTRACE` it can attach to them. The
pause container also stops being each container's PID 1.

## Fix
Remove `shareProcessNamespace`, or keep it only for a deliberate debugging or sidecar
design. For ad-hoc debugging use `kubectl debug --target`, which shares one container's
namespace for the session only. The fixer is unsafe (a sidecar built on it stops
working): it sets `false`.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, PodView, Severity, Violation, rule

RULE = rule("hardening/shared-process-namespace", severity=Severity.LOW)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    if not pod.is_windows and pod.spec.bool("shareProcessNamespace") is True:
        yield Violation(pod.spec.at("shareProcessNamespace"),
                        "pod sets shareProcessNamespace=true: its containers see and can signal "
                        "each other's processes and read their environment")


@RULE.fix(safe=False)
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    yield Edit.set(v.path, False)
