"""Key Vault accessed with a service principal secret.

## What it checks
A pod volume with `csi.driver: secrets-store.csi.k8s.io` that sets `nodePublishSecretRef`.

## Why
AKS guide, limit credential exposure: avoid fixed or shared credentials. The referenced
Secret holds a service principal's `clientid` and `clientsecret` (source:
Azure/secrets-store-csi-driver-provider-azure, pkg/auth/auth.go `getCredential`): a fixed
credential kept in the cluster to fetch the other secrets, rotated by hand, and usable
from anywhere it leaks to. Even when a `clientID` makes the provider prefer workload
identity, the stored secret remains.

## Fix
Use workload identity: set `clientID` in the SecretProviderClass to an identity
federated with the pod's ServiceAccount, remove `nodePublishSecretRef`, delete the Secret
and revoke the service principal's secret.
"""

from collections.abc import Iterator

from podwarden.rules.api import PodView, Severity, Violation, rule
from podwarden.rules.vault._spc import csi_volumes

RULE = rule("vault/node-publish-secret-ref", severity=Severity.HIGH)


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    for volume, csi in csi_volumes(pod):
        if csi.has("nodePublishSecretRef"):
            yield Violation(csi.at("nodePublishSecretRef"),
                            f'volume "{volume.str("name") or ""}" reads Key Vault with a service '
                            "principal secret: use workload identity")
