"""Containers set to run as UID 0.

## What it checks
Neither the pod nor any container sets `securityContext.runAsUser: 0` (Pod Security
Standards, restricted, from v1.23; a pod-level 0 fails even when every container overrides
it). From v1.35 a pod in its own user namespace (`hostUsers: false`) is exempt.

## Why
AKS guide, security context: run as a defined user, not root. `runAsUser: 0` states root
outright, even where `runAsNonRoot` would otherwise be trusted.

## Fix
Set `runAsUser` to the non-zero UID the image is built for (for example 10001). The
fixer replaces `runAsUser: 0` only with the value given (`--run-as-user 10001`): the
image's files must be usable by that user.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Edit, Level, PodView, Severity, Violation, rule

RULE = rule("pss/run-as-user", severity=Severity.HIGH, pss=Level.RESTRICTED,
            upstream_id="runAsUser", reason="runAsUser=0", hazard="run-as-root")


@RULE.check(since="1.23")
def check_v1_23(pod: PodView) -> Iterator[Violation]:
    for who, sc in pod.iter_security_contexts():
        if sc.int("runAsUser") == 0:
            yield Violation(sc.at("runAsUser"), f"{who} must not set runAsUser=0")


@RULE.check(since="1.35")  # user-namespaced pods are exempt
def check_v1_35(pod: PodView) -> Iterator[Violation]:
    if not pod.host_users_false:
        yield from check_v1_23(pod)


@RULE.fix(safe=False, enabled_by=("run_as_user",), unsafe_reason="a concrete user id must "
          "match the image: files it owns may not be usable by another user")
def fix(pod: PodView, v: Violation, ctx: Context) -> Iterator[Edit]:
    user = ctx.fix_options.get("run_as_user")
    if isinstance(user, int) and not isinstance(user, bool) and user > 0:
        yield Edit.set(v.path, user)
