"""Secret exposed as an environment variable.

## What it checks
Containers, init containers and ephemeral containers that read a Secret into their
environment: an `env[].valueFrom.secretKeyRef`, or `envFrom[].secretRef` (every key of the
Secret). A Secret that a SecretProviderClass the pod mounts syncs (`secretObjects`) is left
to `vault/secret-sync`, which reports that copy and its fix; the Azure service principal
variables are left to `identity/fixed-credential-env`. Low severity: the value is not in
the manifest, but it is exposed more widely than it needs to be.

## Why
AKS guide, Key Vault through the Secrets Store CSI driver: secrets are delivered to the
pod that needs them as files. An environment variable is visible to every process of
the container, is inherited by child processes, lands in crash dumps and debug output,
can be read from `/proc/<pid>/environ`, and does not follow rotation until the pod
restarts.

## Fix
Mount the secret as a file instead: a `csi` volume (driver `secrets-store.csi.k8s.io`)
naming a SecretProviderClass of the Azure provider, mounted read-only, and have the
application read the file (many images accept `<NAME>_FILE`). Where a Kubernetes Secret
must stay, mount it as a `secret` volume rather than environment variables.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, PodView, Severity, Violation, rule

RULE = rule("credentials/secret-in-environment", severity=Severity.LOW, uses_index=True)

CSI_DRIVER = "secrets-store.csi.k8s.io"
#: the variables identity/fixed-credential-env reports (a fixed service principal
#: credential): one finding per place
AZURE_IDENTITY_VARIABLES = frozenset({
    "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_USERNAME", "AZURE_PASSWORD",
})


def _synced_secrets(pod: PodView, ctx: Context) -> set[str]:
    """Names of the Secrets the SecretProviderClasses this pod mounts sync."""
    names: set[str] = set()
    if ctx.index is None:
        return names
    for volume in pod.volumes():
        csi = volume.map_if_set("csi")
        if csi is None or csi.str("driver") != CSI_DRIVER:
            continue
        spc_name = csi.map("volumeAttributes").str("secretProviderClass")
        entry = ctx.index.lookup("SecretProviderClass", pod.obj, spc_name) if spc_name else None
        if entry is not None:
            names.update(item.str("secretName") or "" for item in entry.obj.root.map("spec").maps("secretObjects"))
    return names


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    synced = _synced_secrets(pod, ctx)
    for c in pod.containers():
        for env in c.node.maps("env"):
            # most variables read no Secret: passed over without building their nodes
            value_from = env.data.get("valueFrom")
            if value_from is None or (type(value_from) is dict and value_from.get("secretKeyRef") is None):
                continue
            ref = env.map("valueFrom").map("secretKeyRef")
            secret = ref.str("name")
            if not ref.present or secret in synced or env.str("name") in AZURE_IDENTITY_VARIABLES:
                continue
            yield Violation(ref.path, f'{c.describe()} reads Secret "{secret or ""}" into env '
                            f'"{env.str("name") or ""}": mount it as a file instead')
        for source in c.node.maps("envFrom"):
            ref = source.map("secretRef")
            secret = ref.str("name")
            if ref.present and secret not in synced:
                yield Violation(ref.path, f'{c.describe()} loads every key of Secret "{secret or ""}" '
                                "into its environment: mount it as files instead")
