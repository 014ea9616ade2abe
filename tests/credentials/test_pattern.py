"""Lazy patterns: compiled on first use, answering as ``re.compile`` does."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from podwarden.rules.credentials._detectors import PREFILTER_AFTER, plan
from podwarden.rules.credentials._pattern import lazy


def test_a_lazy_pattern_answers_as_the_compiled_one() -> None:
    source, text = r"(?<![a-z])(ab+)(c)?", "xabbc ab abbbc"
    pattern = lazy(source, re.I)
    assert "search" not in vars(pattern)  # nothing compiled yet
    compiled = re.compile(source, re.I)
    assert pattern.search(text.upper()).group(1) == compiled.search(text.upper()).group(1)  # type: ignore[union-attr]
    assert "search" in vars(pattern)  # from now on, the compiled pattern's own methods
    assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert pattern.findall(text) == compiled.findall(text)
    assert pattern.sub("-", text) == compiled.sub("-", text)
    assert pattern.split(text) == compiled.split(text)
    assert pattern.match(text, 6) is not None and pattern.fullmatch("abbc") is not None
    assert pattern.pattern == source


def test_holds_marker_answers_the_same_before_and_after_the_prefilter_is_compiled() -> None:
    p = plan()
    texts = ["plain words here", "x-ghp_token", "AccountKey=abc;", "nothing", "A" * 300 + "Sig=1"]
    p.holds_marker.clear()
    p.unfiltered = PREFILTER_AFTER
    early = [p.holds_marker(t) for t in texts]
    p.holds_marker.clear()
    p.unfiltered = 0
    late = [p.holds_marker(t) for t in texts]
    assert early == late == [p.prefilter.search(t.lower()) is not None for t in texts]
    assert early == [False, True, True, False, True]


def test_normalise_keeps_letters_and_digits_only_whatever_the_name() -> None:
    from podwarden.rules.credentials._names import normalise

    for name in ("DB_Password", "dbpassword", "x-api-key", "ConnectionStrings__Db", "İstanbulKey", "straße",
                 "naïve_token", "１２３", "", "__", "AZURE_CLIENT_SECRET", "tls.crt"):
        assert normalise(name) == re.sub(r"[^a-z0-9]", "", name.lower()), name


def _fragments() -> list[str]:
    """Every marker cut at each place, both halves, and a few other characters."""
    markers = plan().markers
    return sorted({part for m in markers for i in range(len(m) + 1) for part in (m[:i], m[i:])} | set(" ax_=-.\"k"))


@settings(max_examples=3000)
@given(st.lists(st.sampled_from(_fragments()), max_size=8))
def test_the_prefilter_is_found_where_a_marker_is(pieces: list[str]) -> None:
    p = plan()
    text = "".join(pieces)
    assert (p.prefilter.search(text) is not None) == any(m in text for m in p.markers)


def test_the_prefilter_finds_each_marker_alone_and_at_either_end() -> None:
    p = plan()
    for m in p.markers:
        for text in (m, f"x{m}", f"{m}x", m[1:], m[:-1]):
            assert (p.prefilter.search(text) is not None) == any(o in text for o in p.markers), text
