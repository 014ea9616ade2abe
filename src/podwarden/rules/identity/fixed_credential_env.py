"""Fixed Azure credential in a container's environment.

## What it checks
Containers setting `AZURE_CLIENT_SECRET`, `AZURE_CLIENT_CERTIFICATE_PATH`,
`AZURE_CLIENT_CERTIFICATE_PASSWORD`, `AZURE_USERNAME` or `AZURE_PASSWORD`, by `env`
(value or reference) or through `envFrom` of a Secret or ConfigMap found in the input or
`--context` that holds such a key (with the `envFrom` prefix applied). Values are never
shown.

## Why
AKS guide, limit credential exposure: avoid fixed or shared credentials; give the pod
its own identity instead. These are the variables of the Azure Identity
`EnvironmentCredential` (https://learn.microsoft.com/dotnet/api/azure.identity.environmentcredential),
a service principal secret, certificate or user password that must be rotated by hand
and works from anywhere it leaks to. `DefaultAzureCredential` tries it before workload
identity, so it also silently wins over the pod's own identity.

## Fix
Give the pod workload identity (ServiceAccount annotated with the client id, pod label
`azure.workload.identity/use: "true"`), grant that identity the access, remove the
variables and revoke the service principal secret.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, PodView, Severity, Violation, rule

RULE = rule("identity/fixed-credential-env", severity=Severity.HIGH, uses_index=True)

NAMES = frozenset({
    "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "AZURE_USERNAME", "AZURE_PASSWORD",
})


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    for c in pod.containers():
        for env in c.node.maps("env"):
            name = env.str("name")
            if name in NAMES:
                yield Violation(env.at("name"), f"{c.describe()} sets {name}: a fixed credential "
                                "where workload identity should be")
        if ctx.index is None:
            continue
        for source in c.node.maps("envFrom"):
            prefix = source.str("prefix") or ""
            for ref_key, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                ref = source.map(ref_key)
                name = ref.str("name")
                entry = ctx.index.lookup(kind, pod.obj, name) if name else None
                if entry is None:
                    continue
                keys = set(entry.obj.root.map("data").data) | set(entry.obj.root.map("stringData").data)
                found = sorted(k for k in NAMES if k[len(prefix):] in keys and k.startswith(prefix))
                if found:
                    yield Violation(ref.at("name"), f'{c.describe()} loads {", ".join(found)} from '
                                    f'{kind} "{name}": a fixed credential where workload identity '
                                    "should be")
