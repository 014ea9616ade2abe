"""References to secrets kept elsewhere.

`valueFrom.secretKeyRef`, `envFrom`, `secretRef`, `nodePublishSecretRef`,
`imagePullSecrets`, `existingSecret`, `*SecretName`, `passwordSecretRef` and ExternalSecret
`remoteRef` fields name a Secret or a vault entry: the manifest points at the credential,
as the AKS guide asks, instead of holding it.
"""

import re

from podwarden.rules.credentials._leaf import Candidate

_REFERENCE_PART = re.compile(
    r"^(?:valuefrom|envfrom|imagepullsecrets|existingsecret\w*|remoteref|secretstoreref|"
    r"\w*(?:ref|refs|reference|secretname|secretkey|secretkeyname|secretkeys))$"
)


def applies(c: Candidate) -> bool:
    parts = [p.lower() for p in c.path if isinstance(p, str)]
    if c.inner:
        parts.append(c.inner.lower())
    return any(_REFERENCE_PART.match(p.replace("-", "").replace("_", "")) for p in parts)
