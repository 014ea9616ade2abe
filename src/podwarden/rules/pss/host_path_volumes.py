"""hostPath volumes.

## What it checks
No volume of the pod is a `hostPath` volume (Pod Security Standards, baseline, every
version; at restricted the stricter volume-type rule takes its place).

## Why
AKS guide, security context: limit access to the node. A hostPath volume exposes the
node's file system to the pod, often including credentials and the container runtime.

## Fix
Use an emptyDir, a ConfigMap or Secret, or a PersistentVolumeClaim instead.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/host-path-volumes", severity=Severity.HIGH, pss=Level.BASELINE,
            upstream_id="hostPathVolumes", reason="hostPath volumes")


@RULE.check(since="1.0")
def check(pod: PodView) -> Iterator[Violation]:
    for volume in pod.volumes():
        if volume.has("hostPath"):
            yield Violation(volume.at("hostPath"),
                            f'volume "{volume.raw("name")}" must not use hostPath')
