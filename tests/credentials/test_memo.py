"""What the scan remembers per distinct text: the same answers as computing afresh, and
memory bounded by characters."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from podwarden.model.objects import KubeObject
from podwarden.rules.credentials import _scan
from podwarden.rules.credentials._detectors import CACHED_TEXT, plan
from podwarden.rules.credentials._memo import TextMemo

PW = "Vq8#nR2!tLz5xK"


def test_memo_computes_each_text_once_and_forgets_past_its_budget() -> None:
    calls: list[str] = []

    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    memo = TextMemo(upper, budget=9, longest=6)
    assert memo("abcd") == "ABCD" and memo("abcd") == "ABCD"
    assert calls == ["abcd"]
    assert memo("efghij") == "EFGHIJ"  # 4 + 6 > 9: the first is forgotten
    assert memo.chars == 6 and list(memo.results) == ["efghij"]
    assert memo("abcdefg") == "ABCDEFG" and memo("abcdefg") == "ABCDEFG"  # too long: never kept
    assert calls == ["abcd", "efghij", "abcdefg", "abcdefg"]


def test_holds_marker_agrees_with_the_prefilter_after_its_cache_is_full() -> None:
    p = plan()
    p.holds_marker.clear()
    for i in range(p.holds_marker.budget // 64 + 3):
        p.holds_marker(f"value-{i}")
    assert p.holds_marker.chars <= p.holds_marker.budget
    assert len(p.holds_marker.results) < p.holds_marker.budget // 64
    for text in ("ghp_ABCDEF", "GHP_abcdef", "plain words", "x" * (CACHED_TEXT + 1) + "Token", "value-3"):
        assert p.holds_marker(text) == (p.prefilter.search(text.lower()) is not None)
        assert p.holds_marker(text) == (p.prefilter.search(text.lower()) is not None)


def test_marked_agrees_with_every_detectors_markers() -> None:
    p = plan()
    p.marked.clear()
    overlapping = ("password=", "PASSWORD =", "passwd=x pwd=", "sk_live_sk_test_", "glpat-glrtr-gldt-",
                   "xoxb ghp_ghs_ hvs.hvb.", "accountkey=sharedaccesskey=", "+asb+aeh", "Secret=token",
                   "\"auths\": dockerconfigjson", "private keyputty-user-key-file")
    for text in ("DB_PASSWORD=x; AccountKey=abc", "https://u:p@h", "nothing here", "eyJhbGciOi.xox",
                 *overlapping, "".join(overlapping), "".join(p.markers), " ".join(reversed(p.markers))):
        low = text.lower()
        want = [det for markers, det in p.by_marker if any(m in low for m in markers)]
        assert list(p.marked(text)) == want
        assert list(p.marked(text)) == want  # remembered
    for a in p.markers:  # markers that overlap or run into one another
        for b in p.markers:
            text = a[:-1] + b.upper()
            assert list(p._marked(text)) == [det for markers, det in p.by_marker
                                             if any(m in text.lower() for m in markers)], text


def _report(data: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    found = _scan.scan(KubeObject(data))
    return [(rule, v.message, v.secret) for rule, vs in sorted(found.items()) for v in vs]


def test_a_warm_scan_reports_what_a_cold_one_does() -> None:
    data = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m", "labels": {"app": "a"}},
            "data": {"DB_PASSWORD": PW, "app.properties": f"db.password={PW}\nuser=x\n",
                     "url": "https://user:Xk2#pLq9mW@db.example.com/x"}}
    plan().holds_marker.clear()
    plan().marked.clear()
    plan().decoded_runs.clear()
    cold = _report(copy.deepcopy(data))
    assert cold  # the case must find something, or the comparison proves nothing
    assert _report(copy.deepcopy(data)) == cold


def _rule_paths(data: dict[str, Any]) -> dict[str, list[str]]:
    from podwarden.model.paths import render

    return {rule: [render(v.path) for v in vs] for rule, vs in _scan.scan(KubeObject(data)).items()}


def test_a_string_that_gave_nothing_is_read_again_under_another_name() -> None:
    plan().barren.clear()
    text = "db.password=Vq8nR2tLz5xKq9"
    prose = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"description": text}}
    assert _rule_paths(prose) == {}
    assert (text, "description") in plan().barren.items  # remembered: it gave nothing
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}, "data": {"settings": text}}
    assert _rule_paths(config) == {"credentials/generic-secret": ["data.settings"]}
    assert _rule_paths(prose) == {}


def test_a_label_hard_coded_password_ignores_is_reported_elsewhere() -> None:
    # labels are public metadata: hard-coded-password drops what it finds there, which must
    # not make the same string under the same name pass unread anywhere else
    plan().barren.clear()
    labelled = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "a", "labels": {"password": "quokka7"}, "annotations": {"password": "quokka7"}}}
    assert _rule_paths(labelled) == {"credentials/hard-coded-password": ["metadata.annotations.password"]}
    assert _rule_paths(labelled) == {"credentials/hard-coded-password": ["metadata.annotations.password"]}
    only_label = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "labels": {"password": "quokka7"}}}
    assert _rule_paths(only_label) == {}
    annotated = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {"password": "quokka7"}}}
    assert _rule_paths(annotated) == {"credentials/hard-coded-password": ["metadata.annotations.password"]}


def test_a_name_first_met_on_a_mapping_still_calls_for_its_detectors_on_a_string() -> None:
    # the key of a mapping or a list is remembered for its text only (Plan.key_reads): the
    # detectors its name calls for are found when it first names a string
    p = plan()
    p.key_rules.clear()
    p.key_reads.clear()
    p.barren.clear()
    nested = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},
              "data": {"x": "y"}, "spec": {"dbPassword": {"x": "y"}, "apiToken": ["a", "b"]}}
    assert _rule_paths(nested) == {}
    assert "dbPassword" in p.key_reads and "dbPassword" not in p.key_rules
    named = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"},
             "spec": {"dbPassword": "quokka7", "apiToken": PW}}
    found = _rule_paths(named)
    assert found == {"credentials/hard-coded-password": ["spec.dbPassword"],
                     "credentials/generic-secret": ["spec.apiToken"]}
    p.key_rules.clear()
    p.key_reads.clear()
    p.barren.clear()
    assert _rule_paths(named) == found  # as a cold scan finds


@pytest.mark.parametrize("early", [True, False])  # pattern by pattern, then by all in one
def test_keyed_agrees_with_every_detectors_key_pattern(early: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from podwarden.rules.credentials._detectors import keyed
    from podwarden.rules.credentials._names import normalise

    p = plan()
    monkeypatch.setattr(p, "unkeyed", 10**6 if early else 0)
    names = ["DB_PASSWORD", "pwd", "AWS_SECRET_ACCESS_KEY", "cosmosKey2", "SharedAccessKey", "storageAccountKey",
             ".dockerconfigjson", "DD_API_KEY", "twilio_auth", "VAULT_ADDR", "clientSecret", "replicas", "image",
             "apiVersion", "x-datadog-tags", "password_file"]
    for name in names:
        want = tuple(d for d in p.keyed if d.keys is not None and d.keys.search(normalise(name)))
        assert keyed.__wrapped__(name) == want, name
    assert any(keyed.__wrapped__(name) for name in names) and not all(keyed.__wrapped__(name) for name in names)
