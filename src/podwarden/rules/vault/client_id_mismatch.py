"""Two identities for one pod: Key Vault clientID differs from the ServiceAccount's.

## What it checks
A pod mounting a SecretProviderClass (found in the input or `--context`) in workload
identity mode — `clientID` set, none of `usePodIdentity`, `useVMManagedIdentity`,
`useAzureTokenProxy` — whose ServiceAccount carries an `azure.workload.identity/client-id`
annotation with a different value (compared without case or surrounding space).

## Why
AKS guide, Microsoft Entra Workload ID and Key Vault: one pod, one identity, least
privilege. The provider exchanges the pod's own ServiceAccount token for the SPC's
`clientID` (the workload identity label is not needed for that path; source:
Azure/secrets-store-csi-driver-provider-azure, pkg/auth/auth.go
`getWorkloadIdentityTokenCredential`, issue #952), while the application authenticates
as the ServiceAccount's client id. Two identities means two federated credentials and two
sets of grants to audit, and usually one of them is the wrong one.

## Fix
Use the ServiceAccount's client id in the SecretProviderClass's `clientID` (or the
reverse), and grant that single identity read access to the vault.
"""

from collections.abc import Iterator

from podwarden.rules.api import Context, PodView, Severity, Violation, rule
from podwarden.rules.vault._spc import azure_spc, client_id, modes_on, spc_refs

RULE = rule("vault/client-id-mismatch", severity=Severity.MEDIUM, uses_index=True)

CLIENT_ID = "azure.workload.identity/client-id"


@RULE.check(since="1.0")
def check(pod: PodView, ctx: Context) -> Iterator[Violation]:
    if ctx.index is None:
        return
    sa_name, sa = ctx.index.service_account_of(pod)
    sa_client = sa.obj.annotations.get(CLIENT_ID, "").strip().lower() if sa is not None else ""
    if not sa_client:
        return
    for ref in spc_refs(pod):
        params = azure_spc(pod, ctx, ref.name) or {}
        client = client_id(params).lower()
        if client and not modes_on(params) and client != sa_client:
            yield Violation(ref.path,
                            f'SecretProviderClass "{ref.name}" uses clientID of another identity than '
                            f'service account "{sa_name}": one pod, two identities')
