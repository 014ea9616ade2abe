"""Volume types outside the restricted set.

## What it checks
Every volume is one of: configMap, csi, downwardAPI, emptyDir, ephemeral, image,
persistentVolumeClaim, projected, secret (Pod Security Standards, restricted, every
version; replaces the baseline hostPath rule). A volume with no source counts as the
emptyDir the API server gives it.

## Why
AKS guide, security context: limit access to the node. Other volume types (hostPath, nfs,
azureFile with an account key in a Secret, gitRepo ...) reach the node or outside storage
directly instead of through a PersistentVolumeClaim the cluster controls.

## Fix
Mount the storage through a PersistentVolumeClaim (or a CSI volume such as the Secrets
Store CSI driver), or use an emptyDir.
"""

from collections.abc import Iterator

from podwarden.rules.api import Level, PodView, Severity, Violation, rule

RULE = rule("pss/volume-types", severity=Severity.MEDIUM, pss=Level.RESTRICTED,
            upstream_id="restrictedVolumes", reason="restricted volume types")

ALLOWED_SOURCES = frozenset({
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
    "persistentVolumeClaim", "projected", "secret",
})


@RULE.check(since="1.0", overrides=("pss/host-path-volumes",))
def check(pod: PodView) -> Iterator[Violation]:
    for volume in pod.volumes():
        source = pod.volume_source(volume)
        if source not in ALLOWED_SOURCES:
            # hostPath reaches the node itself: as severe as the baseline rule it replaces
            yield Violation(volume.at(source),
                            f'volume "{volume.raw("name")}" must not use volume type {source}',
                            severity=Severity.HIGH if source == "hostPath" else None)
