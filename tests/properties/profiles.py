"""Hypothesis settings for the property suite: ``ci`` (``make test``: derandomized, a fixed
number of examples, about a minute on 2 cores) and ``fuzz`` (``make fuzz``: random, no
shrinking, examples in rounds until the time is up; failures are recorded, not raised).

``PODWARDEN_PROPERTIES=fuzz`` (set by ``fuzz.py`` before the tests are imported) selects
the second; ``PODWARDEN_PROPERTY_SCALE=N`` multiplies the ``ci`` example counts.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

PROFILE = os.environ.get("PODWARDEN_PROPERTIES", "ci")
SCALE = float(os.environ.get("PODWARDEN_PROPERTY_SCALE", "1"))
FUZZ_ROUND = int(os.environ.get("PODWARDEN_FUZZ_ROUND", "10"))  # examples per round
#: corpus seeds no larger than this (bigger files cost seconds per command)
CORPUS_BYTES = 16_384 if PROFILE == "ci" else 262_144

_common = {
    "deadline": None,
    "database": None,
    "suppress_health_check": list(HealthCheck),
    "print_blob": False,
}
# no shrinking: each example runs a dozen commands, and a failing case is saved as a
# reproducer (its path is in the assertion message) instead
settings.register_profile("ci", derandomize=True, phases=[Phase.explicit, Phase.generate], **_common)
settings.register_profile("fuzz", derandomize=False, phases=[Phase.generate], **_common)


def examples(n: int) -> settings:
    """Settings for a test worth ``n`` examples in ``make test``."""
    count = max(1, round(n * SCALE)) if PROFILE == "ci" else FUZZ_ROUND
    return settings(settings.get_profile(PROFILE), max_examples=count)
