"""A long text with thousands of candidates costs in proportion to its length: no check
searches the whole text again for each candidate, and no pattern scans to the end of the
line from each of its many starts (a 48 KB value once took 16 s: the webhook stalled)."""

from __future__ import annotations

from typing import Any

import pytest

from podwarden.engine import Engine, Selection
from podwarden.rules.credentials import _embedded, _text
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
    key_vault_reference._vault_parts.cache_clear()
    value = "".join(f"Password=Pw{n:05d}x;" for n in range(2000))
    assert _findings(value)  # thousands of candidates, each found
    assert sum(1 for n in searched if n == len(value)) == 1


@pytest.mark.parametrize("pattern", ["_CURL_USER", "_MYSQL_PASSWORD"])
def test_command_patterns_look_a_bounded_way_along_the_line(pattern: str) -> None:
    source = getattr(_embedded, pattern).pattern
    assert "curl" in source or "mysql" in source  # the pattern's own text
    assert "]*?" not in source  # from each start to the end of the line: quadratic on a long line


def test_connection_string_names_are_bounded() -> None:
    source = _text._CONN_STRING.pattern
    assert "=[^;" in source  # the pattern's own text
    assert "]*=" not in source  # an unbounded name re-reads a long run of words from each start
    value = "AccountKey=x;Password=y; " + "word " * 200 + "Server=db;Password=Vq7Lx2pRm9Zt;"
    assert list(_text.connection_strings(value))[-1].endswith(" Server=db;Password=Vq7Lx2pRm9Zt;")


def test_a_password_after_long_options_is_still_found() -> None:
    flags = " ".join(f"--option{n:03d}=value" for n in range(90))  # some 1,600 characters of options
    assert any('(key "curl -u")' in f for f in _findings(f"curl {flags} -u admin:Vq7-Lx2!pRm9 https://x"))
    assert any('(key "-p")' in f for f in _findings(f"mysql {flags} -pVq7Lx2pRm9Zt -h db"))
