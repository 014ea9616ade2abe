"""Secrets Store CSI driver without secret rotation.

## What it checks
Where the driver's own DaemonSet is in the input (a container whose image is the
Secrets Store CSI driver, `.../secrets-store/driver:...`), its arguments enable rotation:
`--enable-secret-rotation` or `--enable-secret-rotation=true` (any value Go's flag parser
reads as true).

## Why
AKS guide, Azure Key Vault: rotate credentials regularly. Rotation is off by default and
then a mounted secret is fetched once, at pod start, and never refreshed (source:
kubernetes-sigs/secrets-store-csi-driver, cmd/secrets-store-csi-driver/main.go,
`enable-secret-rotation` default false, `rotation-poll-interval` default 2m). A rotated or
revoked secret keeps being served to running pods.

## Fix
Add `--enable-secret-rotation=true` (and if needed `--rotation-poll-interval`) to the
driver container; with the AKS add-on use `az aks addon update --enable-secret-rotation`,
with the Helm chart `enableSecretRotation: true`.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.vault._spc import TRUE

RULE = rule("vault/rotation-disabled", severity=Severity.MEDIUM, target="object",
            kinds=("DaemonSet",))

FLAG = "enable-secret-rotation"


def _enabled(args: list[str]) -> bool | None:
    """The flag's value (last one wins, as Go's flag package does); None when absent."""
    state = None
    for arg in args:
        name, eq, value = arg.lstrip("-").partition("=")
        if arg.startswith("-") and name == FLAG:
            state = value.strip() in TRUE if eq else True
    return state


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    pod = obj.pod
    if pod is None:
        return
    for c in pod.containers():
        image = c.node.str("image") or ""
        if "secrets-store/driver:" not in image and not image.endswith("secrets-store/driver"):
            continue
        args = c.node.strs("args")
        if not _enabled(args):
            path = c.node.at("args")
            for i, arg in enumerate(args):
                if arg.lstrip("-").startswith(FLAG):
                    path = (*c.node.at("args"), i)
            yield Violation(path, f"{c.describe()} runs the Secrets Store CSI driver without "
                            "--enable-secret-rotation=true: rotated secrets never reach pods")
