"""What makes two pods alike for evaluation: the pod without what the cluster sets on
each one, so the replicas of a workload are evaluated once.

``PER_OBJECT_METADATA`` (name, uid, ...) is left out, as the webhook's cache leaves it out:
no rule reads it.  Two more strings differ from replica to replica, the node a pod runs on
and the name of its projected service-account token volume (``kube-api-access-x7k2p``):
rules may quote them, so they are replaced by placeholders in the key and in what is
remembered, and put back for each pod.  A remembered evaluation is therefore exactly
the one a fresh evaluation gives.
"""

from __future__ import annotations

import marshal
from typing import Any

from podwarden.model.objects import without_per_object_metadata

#: distinct pods remembered per namespace before the memory starts again
LIMIT = 2048


class Shape:
    """A pod's key, and its per-pod strings with their placeholders."""

    __slots__ = ("key", "subs")

    def __init__(self, obj: dict[str, Any]) -> None:
        spec = obj.get("spec")
        subs: list[tuple[str, str]] = []
        if isinstance(spec, dict):
            node = spec.get("nodeName")
            if isinstance(node, str) and len(node) > 3:
                subs.append((node, "\x00node\x00"))
            for volume in spec.get("volumes") or ():
                name = volume.get("name") if isinstance(volume, dict) else None
                if isinstance(name, str) and name.startswith("kube-api-access-"):
                    subs.append((name, "\x00token-volume\x00"))
                    break
        key = marshal.dumps(without_per_object_metadata(obj))
        for real, placeholder in subs:
            key = key.replace(real.encode(), placeholder.encode())
        self.key = key
        self.subs = subs

    def generic(self, text: str) -> str:
        """``text`` with this pod's own strings replaced by placeholders."""
        for real, placeholder in self.subs:
            text = text.replace(real, placeholder)
        return text

    def own(self, text: str) -> str:
        """``text`` with the placeholders replaced by this pod's own strings."""
        for real, placeholder in self.subs:
            text = text.replace(placeholder, real)
        return text


def is_pod(obj: dict[str, Any]) -> bool:
    return obj.get("kind") == "Pod" and obj.get("apiVersion") == "v1"
