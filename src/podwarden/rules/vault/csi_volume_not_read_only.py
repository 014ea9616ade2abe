"""Secrets Store CSI volume not read-only.

## What it checks
Every pod volume with `csi.driver: secrets-store.csi.k8s.io` sets `csi.readOnly: true`.

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver: secret content is delivered
to the pod as files, never to be written back. The driver refuses to publish a volume
whose request is not read-only ("Readonly is not true in request"; source:
kubernetes-sigs/secrets-store-csi-driver, pkg/secrets-store/nodeserver.go
`NodePublishVolume`), so the pod stays in ContainerCreating.

## Fix
Add `readOnly: true` under the volume's `csi`.
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule
from podwarden.rules.vault._spc import DRIVER, csi_volumes

RULE = rule("vault/csi-volume-not-read-only", severity=Severity.MEDIUM)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    for volume, csi in csi_volumes(pod):
        if csi.bool("readOnly") is not True:
            yield Violation(csi.at("readOnly"), f'volume "{volume.str("name") or ""}" of driver '
                            f"{DRIVER} must set readOnly=true")
