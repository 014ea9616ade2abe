"""GitLab token in a manifest.

## What it checks
Every string of every object (Secret values decoded) for GitLab tokens by their published
prefixes, followed by at least 20 characters of `[A-Za-z0-9_-]`: personal, project and
group access tokens (`glpat-`), OAuth application secrets (`gloas-`), deploy tokens
(`gldt-`), runner authentication tokens (`glrt-`, `glrtr-`), CI/CD job tokens (`glcbt-`),
pipeline trigger tokens (`glptt-`), feed tokens (`glft-`), incoming mail tokens
(`glimt-`), agent tokens (`glagent-`), SCIM tokens (`glsoat-`), feature flag client
tokens (`glffct-`), and legacy runner registration tokens (`GR1348941`).

## Why
AKS guide, limit credential exposure: a token in a manifest opens every project it can
reach, for as long as it lives.

## Fix
Use CI/CD job tokens or OIDC federation, and keep long-lived tokens in Azure Key Vault
(Secrets Store CSI driver). Revoke the exposed token.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/gitlab-token", severity=Severity.HIGH, target="object")

_PREFIXES = ("glpat-", "gloas-", "gldt-", "glrt-", "glrtr-", "glcbt-", "glptt-", "glft-", "glimt-", "glagent-",
             "glsoat-", "glffct-")
_TOKEN = lazy(r"(?<![A-Za-z0-9_-])(?:gl(?:pat|oas|dt|rtr?|cbt|ptt|ft|imt|agent|soat|ffct)-[A-Za-z0-9_-]{20,}"
                    r"|GR1348941[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])")


@detector(RULE, markers=(*_PREFIXES, "gr1348941"))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _TOKEN.finditer(leaf.text):
        yield Hit(match.group(0), "gitlab token")


check = RULE.check(since="1.0")(check_for(RULE.id))
