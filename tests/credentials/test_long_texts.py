"""A long text with thousands of candidates costs in proportion to its length: no check
searches the whole text again for each candidate, and no pattern scans to the end of the
line from each of its many starts (a 48 KB value once took 16 s: the webhook stalled)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podwarden.engine import Engine, Selection
from podwarden.rules.credentials import _embedded, _scan, _text
from podwarden.rules.credentials.filters import key_vault_reference


def _config_map(value: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"run.sh": value}}


def _findings(value: str) -> list[str]:
    result = Engine(Selection(only=frozenset({"credentials"}))).evaluate_object(_config_map(value))
    return [f"{f.rule_id} {f.message}" for f in result.findings]


def test_the_vault_reference_filter_reads_a_text_once_however_many_candidates_it_holds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    searched: list[int] = []
    vault = key_vault_reference._VAULT

    class Counting:
        def search(self, text: str) -> Any:
            searched.append(len(text))
            return vault.search(text)

    monkeypatch.setattr(key_vault_reference, "_VAULT", Counting())
    key_vault_reference._vault_parts.clear()
    monkeypatch.setattr(key_vault_reference, "_last", ("", None))
    value = "".join(f"Password=Pw{n:05d}x;" for n in range(2000))
    assert _findings(value)  # thousands of candidates, each found
    assert sum(1 for n in searched if n == len(value)) == 1


#: what the command patterns were as single regexes: right, but quadratic on a long line
#: (from each of many commands, a look to the end of the line)
ONE_REGEX = {
    "mysql": re.compile(r"\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mariadb|mariadb-dump)\b"
                        r"[^\n;&|]*?\s-p(?![$\s])([^\s\"'`]{4,512})"),
    "curl": re.compile(r"\bcurl\b[^\n;|&]*?\s(?:-u|--user)[ =]?[\"']?([^\s\"':$]+):([^\s\"']+)"),
}
COMMANDS = {
    "mysql": (_embedded._MYSQL, _embedded._MYSQL_FLAG, _embedded._MYSQL_PASSWORD),
    "curl": (_embedded._CURL, _embedded._CURL_FLAG, _embedded._CURL_USER),
}
PIECES = ["mysql", "mariadb-dump", "curl", " ", " -p", "-p", "abcd", "S3cret!", " -u ", " --user=", "u:p",
          "user:pa;ss", ":", ";", "&", "|", "\n", "$X", "'", "x", "--opt=v ", "-h db "]


@settings(max_examples=3000)
@given(st.sampled_from(sorted(COMMANDS)), st.lists(st.sampled_from(PIECES), max_size=30))
def test_command_flags_are_found_as_the_single_regex_found_them(command: str, pieces: list[str]) -> None:
    text = "".join(pieces)
    expected = [m.groups() for m in ONE_REGEX[command].finditer(text)]
    assert [m.groups() for m in _embedded._command_flags(text, *COMMANDS[command])] == expected


def test_connection_string_names_are_bounded() -> None:
    source = _text._CONN_STRING.pattern
    assert "=[^;" in source  # the pattern's own text
    assert "]*=" not in source  # an unbounded name re-reads a long run of words from each start
    value = "AccountKey=x;Password=y; " + "word " * 200 + "Server=db;Password=Vq7Lx2pRm9Zt;"
    assert list(_text.connection_strings(value))[-1].endswith(" Server=db;Password=Vq7Lx2pRm9Zt;")


def test_a_password_after_long_options_is_still_found() -> None:
    flags = " ".join(f"--option{n:03d}=value" for n in range(300))  # some 5,000 characters of options
    assert any('(key "curl -u")' in f for f in _findings(f"curl {flags} -u admin:Vq7-Lx2!pRm9 https://x"))
    assert any('(key "-p")' in f for f in _findings(f"mysql {flags} -pVq7Lx2pRm9Zt -h db"))


@settings(max_examples=500)
@given(st.lists(st.text("ab1", min_size=1, max_size=6), max_size=60), st.text("ab1", max_size=12))
def test_reported_values_answer_as_the_plain_substring_test(reported: list[str], value: str) -> None:
    here = _scan._Reported()
    for seen in reported:
        here.add(seen)
    assert here.part_of(value) == any(seen in value for seen in reported)


# pieces of texts near and across a base64 run's bounds: base64 characters, padding,
# separators, whitespace the ASCII way and others (str.split's), characters beyond ASCII
_B64_PIECES = ["A" * 95, "A" * 96, "b" * 40, "9+/", "=", "==", "===", " ", "\n", "\t", "\x1c", "\x85", "\u2028",
               "\u3000", "\xa0", ":", "-", "_", ".", '"', "é", "ß"]


@settings(max_examples=2000)
@given(st.lists(st.sampled_from(_B64_PIECES), max_size=12))
def test_base64_runs_are_found_word_by_word_as_the_whole_text_search_finds_them(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert list(_text.b64_runs(text)) == [m.group(0) for m in _text.B64_RUN.finditer(text)]


@settings(max_examples=2000)
@given(st.lists(st.sampled_from(["0123", "6789", "789", "abc", "wxyz", "xyz", "z", "a", "9", "5", "-", "_", "ç", "é",
                                 "ê", "ë", "²³"]), max_size=10),
       st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyz-", max_size=12))
def test_an_ascii_value_without_four_consecutive_characters_has_no_run_of_four(pieces: list[str], tail: str) -> None:
    from podwarden.rules.credentials.filters import masked_or_patterned as masked

    low = "".join(pieces) + tail
    if low.isascii() and masked._FOUR.search(low) is None:
        assert max(masked._ascending_runs(low), default=0) < 4
