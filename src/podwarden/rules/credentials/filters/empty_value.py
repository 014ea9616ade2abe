"""Empty values.

An empty string, whitespace, or a pair of empty quotes holds no credential: the field is
declared and left to be filled at deploy time.
"""

from podwarden.rules.credentials._leaf import Candidate


def applies(c: Candidate) -> bool:
    return not c.value.strip().strip("\"'`")
