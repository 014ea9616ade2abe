"""Slack token or webhook in a manifest.

## What it checks
Every string of every object (Secret values decoded) for Slack tokens by their published
prefixes: bot, user, workspace, legacy and session tokens (`xoxb-`, `xoxp-`, `xoxa-`,
`xoxo-`, `xoxr-`, `xoxs-`), configuration and refresh tokens (`xoxe.xoxb-`, `xoxe.xoxp-`,
`xoxe-`), app-level tokens (`xapp-`), and webhook URLs (`hooks.slack.com/services/`,
`/workflows/`, `/triggers/`), e.g. in an Alertmanager configuration kept in a ConfigMap.
Masked samples (`xoxp-...-####`, `xoxb-your-token`) are not reported.

## Why
AKS guide, limit credential exposure: a webhook URL or token posts to (or reads) the
workspace for whoever holds it.

## Fix
Keep the webhook URL or token in Azure Key Vault and mount it with the Secrets Store CSI
driver (Alertmanager reads `api_url_file`). Revoke the exposed token or webhook.
"""

from collections.abc import Iterator

from podwarden.rules.api import Severity, rule
from podwarden.rules.credentials._detectors import detector
from podwarden.rules.credentials._leaf import Hit, Leaf
from podwarden.rules.credentials._pattern import lazy
from podwarden.rules.credentials._scan import check_for

RULE = rule("credentials/slack-token", severity=Severity.HIGH, target="object")

_TOKEN = lazy(
    r"(?<![A-Za-z0-9.-])(?:(?:xoxe\.)?xox[abposr]-[0-9]{8,13}-[A-Za-z0-9-]{10,}(?![A-Za-z0-9#*.-])"
    r"|xoxe(?:\.xox[bp])?-\d-[A-Za-z0-9]{100,}"
    r"|xapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{32,})")
_WEBHOOK = lazy(r"hooks\.slack\.com/(?:services|workflows|triggers)/([A-Z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]{20,})")


@detector(RULE, markers=("xox", "xapp-", "hooks.slack.com/"))
def detect(leaf: Leaf) -> Iterator[Hit]:
    for match in _TOKEN.finditer(leaf.text):
        yield Hit(match.group(0), "slack token")
    for match in _WEBHOOK.finditer(leaf.text):
        yield Hit(match.group(1), "slack webhook URL")


check = RULE.check(since="1.0")(check_for(RULE.id))
