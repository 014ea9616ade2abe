"""References to secrets kept elsewhere.

`valueFrom.secretKeyRef`, `envFrom`, `secretRef`, `nodePublishSecretRef`,
`imagePullSecrets`, `existingSecret`, `*SecretName`, `passwordSecretRef` and ExternalSecret
`remoteRef` fields name a Secret or a vault entry: the manifest points at the credential,
as the AKS guide asks, instead of holding it. So do the fields of a mapping named like a
Secret (`passwordSecret: {secretName: kafka-user, password: password}` in Strimzi names
the key that holds the password, not the password).
"""

import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_REFERENCE_PART = lazy(
    r"^(?:valuefrom|envfrom|imagepullsecrets|existingsecret\w*|remoteref|secretstoreref|"
    r"\w*(?:ref|refs|reference|secretname|secretkey|secretkeyname|secretkeys))$"
)


#: a mapping that describes a Secret object (its name and keys)
_SECRET_OBJECT = lazy(r"^[a-z]+secret$", re.I)


def applies(c: Candidate) -> bool:
    parts = [p.lower() for p in c.path if isinstance(p, str)]
    if c.inner:
        parts.append(c.inner.lower())
    if any(_REFERENCE_PART.match(p.replace("-", "").replace("_", "")) for p in parts):
        return True
    ancestors = [p for p in c.path[:-1] if isinstance(p, str)]
    return bool(ancestors) and _SECRET_OBJECT.search(ancestors[-1]) is not None
