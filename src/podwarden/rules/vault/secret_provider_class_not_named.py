"""Secrets Store CSI volume naming no SecretProviderClass.

## What it checks
Every pod volume with `csi.driver: secrets-store.csi.k8s.io` names a SecretProviderClass
in `csi.volumeAttributes.secretProviderClass`.

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver: the SecretProviderClass says
which vault and which objects the pod receives. Without it the driver fails the mount
("secretProviderClass is not set"; source: kubernetes-sigs/secrets-store-csi-driver,
pkg/secrets-store/nodeserver.go) and the pod never starts.

## Fix
Set `volumeAttributes.secretProviderClass` to the name of a SecretProviderClass in the
pod's namespace.
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule
from podwarden.rules.vault._spc import csi_volumes

RULE = rule("vault/secret-provider-class-not-named", severity=Severity.MEDIUM)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    for volume, csi in csi_volumes(pod):
        attributes = csi.map("volumeAttributes")
        if not (attributes.str("secretProviderClass") or "").strip():
            yield Violation(attributes.at("secretProviderClass"),
                            f'volume "{volume.str("name") or ""}" must name a SecretProviderClass')
