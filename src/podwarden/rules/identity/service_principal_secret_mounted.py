"""Service principal secret mounted into a pod.

## What it checks
Secret volumes and projected secret sources of a pod whose Secret (found in the input or
`--context`), or whose `items[].key`, holds a service principal credential: a key named
like `clientsecret`, `client-secret`, `AZURE_CLIENT_SECRET`, `aadClientSecret` or a
client certificate password (case and punctuation ignored). Values are never shown.

## Why
AKS guide, limit credential exposure: a service principal secret is a fixed credential
that works from anywhere it leaks to and must be rotated by hand; the guide asks for the
pod's own identity (Microsoft Entra Workload ID) instead. The Key Vault provider's own
service principal mode reads exactly such `clientid`/`clientsecret` keys (source:
Azure/secrets-store-csi-driver-provider-azure, pkg/auth/auth.go `getCredential`).

## Fix
Use workload identity for the pod, grant the identity the access the service principal
had, remove the volume and the Secret, and revoke the secret in Entra ID.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, Node, PodView, Severity, Violation, rule
from podwarden.rules.identity._wi import norm

RULE = rule("identity/service-principal-secret-mounted", severity=Severity.HIGH, uses_index=True)

SP_KEYS = frozenset({
    "clientsecret", "azureclientsecret", "aadclientsecret", "serviceprincipalsecret",
    "spclientsecret", "clientcertificatepassword", "azureclientcertificatepassword",
    "aadclientcertpassword",
})


def _secret_sources(pod: PodView) -> Iterator[tuple[Node, str]]:
    """(secret reference node, key holding the Secret's name)."""
    for volume in pod.volumes():
        secret = volume.map_if_set("secret")
        if secret is not None:
            yield secret, "secretName"
        projected = volume.map_if_set("projected")
        for source in projected.maps("sources") if projected is not None else ():
            ref = source.map_if_set("secret")
            if ref is not None:
                yield ref, "name"


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    for ref, name_key in _secret_sources(pod):
        name = ref.str(name_key) or ""
        keys = {item.str("key") or "" for item in ref.maps("items")}
        if ctx.index is not None and name:
            entry = ctx.index.lookup("Secret", pod.obj, name)
            if entry is not None:
                keys |= set(entry.obj.root.map("data").data) | set(entry.obj.root.map("stringData").data)
        if any(norm(k) in SP_KEYS for k in keys):
            yield Violation(ref.at(name_key), f'secret "{name}" holds a service principal '
                            "credential: use the pod's own workload identity")
