"""GitHub token in a manifest.

## What it checks
Every string of every object (Secret values decoded) for GitHub tokens in their
identifiable forms: personal access tokens `ghp_`, OAuth `gho_`, user-to-server `ghu_`,
server-to-server `ghs_` and refresh `ghr_` tokens (prefix + 36 alphanumerics), and
fine-grained personal access tokens `github_pat_` (+ 82 characters). Masked samples
(`ghp_xxxx...`) are not reported.

## Why
AKS guide, limit credential exposure: a token in a manifest (a GitOps controller's repo
credentials, a CI runner's registration) opens the repositories it can reach.

## Fix
Use a GitHub App with short-lived installation tokens or OIDC federation, and keep any
long-lived token in Azure Key Vault (Secrets Store CSI driver). Revoke the exposed token.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/github-token", severity=Severity.HIGH, target="object")

_TOKEN = lazy(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])")


@detector(RULE, markers=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _TOKEN.finditer(leaf.text):
        yield Hit(match.group(0), "github token")


check = RULE.check(since="1.0")(check_for(RULE.id))
