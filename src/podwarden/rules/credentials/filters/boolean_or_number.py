"""Booleans, numbers, durations and versions.

`true`, `false`, `yes`, `no`, `on`, `off`, `42`, `3.14`, `0x1F`, `30s`, `1h30m`, `512Mi`,
`v1.2.3`, `2019-03-20T17:54:53Z`: settings and timestamps next to a secret-sounding name (`TOKEN_TTL`, `PASSWORD_MIN_LENGTH`,
`secretRotationInterval`), not secrets. A well-known numeric default password (`123456`)
given to a password is reported by `credentials/hard-coded-password`, not dropped here.
"""

import re

from podwarden.rules.credentials._leaf import Candidate
from podwarden.rules.credentials._pattern import lazy

_PLAIN = lazy(
    r"^(?:true|false|yes|no|on|off|enabled?|disabled?"
    r"|[+-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
    r"|0x[0-9a-f]+"
    r"|(?:\d+(?:\.\d+)?(?:ns|us|ms|s|m|h|d|w|y))+"
    r"|\d+(?:\.\d+)?(?:[kmgtpe]i?|[kmgtpe]i?b|b)"
    r"|v?\d+(?:\.\d+){1,3}(?:[-+][0-9a-z.-]+)?"
    r"|\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?)$",
    re.I,
)


def applies(c: Candidate) -> bool:
    if c.weak_default:
        return False
    return _PLAIN.match(c.value.strip()) is not None
