"""Key Vault identity mode flags that conflict or do not parse.

## What it checks
In a SecretProviderClass with `spec.provider: azure`, at most one of `usePodIdentity`,
`useVMManagedIdentity` and `useAzureTokenProxy` is true, and each one set reads as a
boolean the way Go's ParseBool reads it (`true`, `false`, `1`, `0`, `t`, `f`, `TRUE`, `True`
...; `yes`, `on` are errors).

## Why
AKS guide, Azure Key Vault with the Secrets Store CSI driver: the identity the provider
uses decides who can read the vault. The provider refuses the mount when more than one
mode is on ("only one identity mode can be enabled at a time") or when a flag does not
parse (source: Azure/secrets-store-csi-driver-provider-azure, pkg/provider/provider.go
`GetSecretsStoreObjectContent`, pkg/provider/types/parameters.go).

## Fix
Keep one mode; for workload identity keep none of these flags and set `clientID`.
"""

from collections.abc import Iterator

from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.vault._spc import FALSE, MODES, TRUE, azure_parameters

RULE = rule("vault/identity-mode-invalid", severity=Severity.MEDIUM, target="object",
            kinds=("SecretProviderClass",))


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    found = azure_parameters(obj)
    if found is None:
        return
    node, params = found.node, found.values
    on = []
    for key in MODES:
        value = params.get(key, "").strip()
        if value in TRUE:
            on.append(key)
        elif value and value not in FALSE:
            yield Violation(node.at(key), f'{key} must be true or false, not "{value}"')
    if len(on) > 1:
        yield Violation(node.at(on[-1]), f"{' and '.join(on)} are both enabled: the provider "
                        "allows one identity mode")
