"""The redacted fingerprint: never the value, a shorter prefix for short values."""

from __future__ import annotations

import pytest

from podwarden.model.secret import Redacted, fingerprint, prefix_length


@pytest.mark.parametrize("length,shown", [(1, 0), (8, 0), (11, 0), (12, 2), (19, 2), (20, 4), (88, 4)])
def test_prefix_grows_with_length(length: int, shown: int) -> None:
    assert prefix_length(length) == shown


def test_short_password_shows_nothing_but_length_and_hash() -> None:
    fp = fingerprint("hunter22")
    assert fp.startswith("...(8)#") and "hunter" not in fp and len(fp.split("#")[1]) == 8


def test_long_value_shows_four_characters() -> None:
    value = "ghp_joQoaF1LlqsajAIxNKu8iS2G8NPRVdD53X83"
    fp = fingerprint(value)
    assert fp.startswith("ghp_...(40)#")
    assert value[4:] not in fp and value[4:8] not in fp


def test_no_prefix_on_request_and_no_odd_characters() -> None:
    assert fingerprint("PtYgjmUhBel31iEl2hpChYg", prefix=False).startswith("...(23)#")
    assert fingerprint('"quoted value long enough"').startswith("...(")


def test_hash_is_stable_and_keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    a = fingerprint("PtYgjmUhBel31iEl2hpChYg")
    assert a == fingerprint("PtYgjmUhBel31iEl2hpChYg")
    assert a != fingerprint("PtYgjmUhBel31iEl2hpChYh")
    monkeypatch.setenv("PODWARDEN_FINGERPRINT_KEY", "another installation")
    assert fingerprint("PtYgjmUhBel31iEl2hpChYg") != a


def test_redacted_prints_only_the_fingerprint() -> None:
    value = "Tr0ub4dor-Zx91-Qq"
    r = Redacted(value)
    assert value not in str(r) and value not in repr(r) and r.length == 17
    assert r == Redacted(value) and hash(r) == hash(Redacted(value)) and r != Redacted(value + "x")


def test_random_values_show_no_character() -> None:
    # a password or a random key is not a format marker: nothing of it is shown
    assert fingerprint("Tr0ub4dor&3-kx9Q!vR2").startswith("...(20)#")
    assert fingerprint("xIF1" + "A" * 84).startswith("...(88)#")
    assert fingerprint("AKIAIOSFODNN7EXAMPLE").startswith("AKIA...(20)#")


@pytest.mark.parametrize("marker", ["npm_", "pypi", "sk_l", "rk_l", "SG.", "hvs.", "sha2", "glrt", "xoxe"])
def test_published_prefixes_of_newer_formats_are_shown(marker: str) -> None:
    # the marker tells the format; the rest stays hidden
    full = {"pypi": "pypi-", "sk_l": "sk_live_", "rk_l": "rk_live_", "sha2": "sha256~", "glrt": "glrt-",
            "xoxe": "xoxe.xoxp-"}.get(marker, marker)
    value = full + "Zq8xR2mK7vLp3NwY6tB9cD4fH1jS5gA0"
    fp = fingerprint(value)
    assert fp.startswith(f"{marker}...({len(value)})#")
    assert value[len(marker):len(marker) + 4] not in fp
