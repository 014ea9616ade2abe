"""Secret object committed with literal values.

## What it checks
Every `Secret` whose `data` or `stringData` holds at least one literal credential: a
value (base64 decoded) under a secret-sounding key (`password`, `token`, `clientsecret`
...), a value that looks generated (high entropy, binary), or one another credentials
rule recognises (a private key, a kubeconfig token ...); not empty, not a template or
variable reference, not a placeholder, not SOPS-encrypted (a top-level `sops:` block).
Dummy entries of test fixtures (`foo: bar`) and configuration without credentials
(`grafana.ini` with display settings) do not count. The Secret is reported once, at `data` (or `stringData`), naming its keys;
format rules (`credentials/private-key`, `credentials/container-registry-credential` ...)
still report what the values are, after decoding base64. `SealedSecret`,
`ExternalSecret` and `SecretProviderClass` objects hold no plaintext and are not Secrets.
A `kubernetes.io/service-account-token` Secret without data is filled in by the API
server and is not reported, and entries that only describe a credential (`url`, `type`,
`username`, `clientid` ...) do not make a Secret literal on their own.

## Why
AKS guide, limit credential exposure and Key Vault: credentials belong in a digital vault
(Azure Key Vault), fetched by the pod that needs them, not in manifests checked into
source control; base64 in `data` is an encoding, not encryption.

## Fix
Store the values in Azure Key Vault and deliver them with the Secrets Store CSI driver's
Azure provider (a `SecretProviderClass`, optionally `secretObjects` to sync a Kubernetes
Secret), authenticated with Workload ID. Remove the Secret from the repository (and its
history) and rotate the values it exposed.
"""

from collections.abc import Iterator

from podwarden.model.secret import fingerprint
from podwarden.rules.api import KubeObject, Severity, Violation, rule
from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._names import is_secret_name, looks_random, normalise
from podwarden.rules.credentials._scan import MEMO_KEY, filters_say_not_secret, violations
from podwarden.rules.credentials._text import b64decode_text

RULE = rule("credentials/committed-secret", severity=Severity.HIGH, target="object", kinds=("Secret",))

#: keys (normalised) that describe a credential without being one
_DESCRIPTIVE = frozenset({
    "type", "url", "name", "project", "username", "user", "namespace", "server", "host",
    "hostname", "port", "email", "insecure", "enablelfs", "proxy", "noproxy", "githubappid",
    "githubappinstallationid", "githubappenterprisebaseurl", "forcehttpbasicauth",
    "usehttpbasicauth", "clientid", "tenantid", "subscriptionid", "region", "endpoint",
})


@RULE.check(since="1.0")
def check(obj: KubeObject) -> Iterator[Violation]:
    if "sops" in obj.data:
        return
    violations(obj, RULE.id)  # the family's scan of the decoded values, for `detected`
    detected = {v.path[:2] for found in obj.memo.get(MEMO_KEY, {}).values() for v in found}
    literal: dict[str, str] = {}
    first = ""
    for field, encoded in (("data", True), ("stringData", False)):
        values = obj.data.get(field)
        if not isinstance(values, dict):
            continue
        for key, raw in values.items():
            # numbers and booleans (invalid in a Secret anyway) and descriptive entries
            # (`url`, `type`, `username` of an Argo CD repository Secret) are no credential
            if not isinstance(raw, str) or not raw or normalise(str(key)) in _DESCRIPTIVE:
                continue
            text = b64decode_text(raw) if encoded else raw
            if text is None:  # binary: no placeholder can be binary
                text = raw
            candidate = Candidate(RULE.id, text, str(key), text, (field, str(key)), obj.kind)
            # a value in which another rule found a credential (a kubeconfig, a PEM file)
            # is literal whatever the text around it looks like to the filters
            found_inside = (field, str(key)) in detected
            credential_like = is_secret_name(str(key)) or looks_random(text.strip())
            if found_inside or (credential_like and not filters_say_not_secret(candidate)):
                literal[str(key)] = text
                first = first or field
    if literal:
        keys = ", ".join(f'"{k}"' for k in sorted(literal)[:8]) + (", ..." if len(literal) > 8 else "")
        joined = "\x00".join(f"{k}\x00{v}" for k, v in sorted(literal.items()))
        yield Violation((first,), f"Secret commits {len(literal)} literal value"
                        f"{'s' if len(literal) != 1 else ''} ({keys}): keep them in Azure Key Vault",
                        secret=fingerprint(joined, prefix=False))
