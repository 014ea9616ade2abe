"""What the identity rules share: the Azure Workload Identity webhook's keys and how it reads them.

Private to the family (the registry skips ``_`` modules).
"""

import re

from podwarden.rules.api import PodView

PREFIX = "azure.workload.identity/"
USE = PREFIX + "use"
CLIENT_ID = PREFIX + "client-id"
SKIP_CONTAINERS = PREFIX + "skip-containers"
INJECT_PROXY = PREFIX + "inject-proxy-sidecar"
CSI_DRIVER = "secrets-store.csi.k8s.io"


def opted_in(pod: PodView) -> bool:
    """The webhook mutates only pods labelled ``azure.workload.identity/use: "true"`` exactly."""
    return pod.labels.get(USE) == "true"


def norm(key: str) -> str:
    """A key with case and punctuation dropped, to recognise misspellings."""
    return re.sub(r"[^a-z0-9]", "", key.lower())
