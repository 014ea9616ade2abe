"""Numbers read as Kubernetes reads them: go-yaml v2 (Go's strconv after dropping
underscores, no base 60), then JSON, which writes a whole float as an integer."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podwarden.engine import Engine, Selection
from podwarden.errors import InputError
from podwarden.load import yaml as yamlload


def _value(text: str) -> object:
    return yamlload.parse(f"a: {text}\n", "n.yaml")[0].data["a"]


@pytest.mark.parametrize(("text", "expected"), [
    # base 60 is YAML 1.1 only: go-yaml leaves these strings (PyYAML: 90, 750, 685230.15)
    ("1:30", "1:30"), ("12:30", "12:30"), ("190:20:30.15", "190:20:30.15"),
    # Go's base prefixes, either case; a leading 0 is octal; underscores dropped first
    ("0o17", 15), ("0O17", 15), ("0x1F", 31), ("0X1F", 31), ("0b101", 5), ("0B101", 5),
    ("-0x1F", -31), ("+0o17", 15), ("0777", 511), ("0x_1F", 31), ("1_000", 1000), ("-_1", -1),
    ("0", 0), ("00", 0), ("-0", 0),
    # go-yaml's float form: no dot needed, an exponent without sign, a sign before the dot;
    # whole values are integers once the API has read them as JSON
    ("1e3", 1000), ("1.0e3", 1000), ("1.0e+3", 1000), ("08", 8), ("0.0", 0), ("-0.0", 0),
    ("100.0", 100), ("2.5", 2.5), ("-.5", -0.5), ("+.5", 0.5), (".5", 0.5), ("1e21", 1e21),
    # not numbers for go-yaml
    (".5_0", ".5_0"), ("_1", "_1"), ("+", "+"), ("0x", "0x"), ("0x_", "0x_"), ("1.2.3", "1.2.3"),
    ("0x1p3", "0x1p3"), ("2001-12-14", "2001-12-14"), ('"12"', "12"),
    # digits Python's str.isdigit takes and Go does not; floats too large for a float64
    ("10⁶", "10⁶"), ("1١٢", "1١٢"), ("1e400", "1e400"), (".5e400", ".5e400"), ("1e-400", 0),
])
def test_plain_numbers_are_read_as_kubernetes_reads_them(text: str, expected: object) -> None:
    value = _value(text)
    assert value == expected and type(value) is type(expected)


def test_special_floats() -> None:
    assert _value(".inf") == math.inf and _value("-.Inf") == -math.inf and _value("+.INF") == math.inf
    assert math.isnan(_value(".NaN"))  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [("!!float 8", 8), ("!!float 0x10", 16), ("!!int 0o10", 8),
                                                ("!!str 1e3", "1e3")])
def test_explicit_tags(text: str, expected: object) -> None:
    value = _value(text)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("text", ["!!int 1:30", "!!int 1.5", "!!float 1:30", "!!int ghp_token", "!!int 08",
                                  "!!float 1e400"])
def test_an_explicit_tag_its_value_does_not_fit_is_an_error_naming_no_value(text: str) -> None:
    with pytest.raises(InputError, match="not a valid") as caught:
        _value(text)
    assert text.split()[1] not in str(caught.value)


@pytest.mark.parametrize("text", ["0x" + "f" * 4000, "0o" + "7" * 5000, "0b" + "1" * 15000, "0" + "7" * 5000,
                                  "9" * 5000])
def test_an_integer_too_long_to_write_is_an_error_as_value_or_key(text: str) -> None:
    for document in (f"a: {text}\n", f"? {text}\n: a\n"):
        with pytest.raises(InputError, match="a number of more than"):
            yamlload.parse(document, "n.yaml")


def test_a_number_beside_a_privileged_pod_leaves_the_pod_checked() -> None:
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {scale: 10⁶}\n---\n"
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
            "spec: {containers: [{name: c, image: i, securityContext: {privileged: true}}]}\n")
    result = Engine(Selection(only=frozenset({"pss"}))).scan_docs(yamlload.parse(text, "s.yaml"), "s.yaml", True)
    assert "pss/privileged" in {f.rule_id for f in result.findings}
    assert not result.errors  # "10⁶" is a string, as the ConfigMap needs


def test_the_other_readers_of_a_file_read_numbers_alike() -> None:
    # YAML 1.2 syntax PyYAML refuses (a bare IPv6 in a flow list) goes through ruamel
    yaml_1_2 = "x: [2001:db8::]\na: 08\nb: .5_0\nc: yes\nd: 12:30\ne: 0o17\ng: 1.0\n"
    assert yamlload.parse(yaml_1_2, "y.yaml")[0].data == {
        "x": ["2001:db8::"], "a": 8, "b": ".5_0", "c": True, "d": "12:30", "e": 15, "g": 1}
    # JSON YAML 1.1 refuses (a lone surrogate escape) goes through the json module
    as_json = '{"a": 0.0, "b": "\\ud800", "c": 1.5, "d": 1e3, "e": 7}'
    data = yamlload.parse(as_json, "j.json")[0].data
    assert data == {"a": 0, "b": "\ufffd", "c": 1.5, "d": 1000, "e": 7} and type(data["a"]) is int


def test_whole_float_keys_are_the_integer_text() -> None:
    assert yamlload.parse("1.0: a\n1e3: b\n1.5: c\n", "k.yaml")[0].data == {"1": "a", "1000": "b", "1.5": "c"}


def test_a_root_user_written_as_a_float_is_checked_not_refused() -> None:
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 0.0}\n"
            "  containers: [{name: c, image: i}]\n")
    engine = Engine(Selection(only=frozenset({"pss"})))
    result = engine.scan_docs(yamlload.parse(text, "p.yaml"), "p.yaml", True)
    assert not result.errors
    assert "pss/run-as-user" in {f.rule_id for f in result.findings}


def test_a_time_of_day_in_a_config_map_is_a_string() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  backup: 12:30\n"
    engine = Engine(Selection())
    result = engine.scan_docs(yamlload.parse(text, "c.yaml"), "c.yaml", True)
    assert not result.errors


@given(st.integers(min_value=-(10**18), max_value=10**18), st.sampled_from(["d", "x", "o", "b"]))
def test_every_integer_written_in_a_go_base_reads_back(n: int, base: str) -> None:
    sign = "-" if n < 0 else ""
    digits = {"d": str(abs(n)), "x": f"0x{abs(n):x}", "o": f"0o{abs(n):o}", "b": f"0b{abs(n):b}"}[base]
    assert _value(sign + digits) == n


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_every_float_python_writes_reads_back(x: float) -> None:
    value = _value(repr(x))
    assert value == x
    assert type(value) is (int if x.is_integer() and abs(x) < 1e21 else float)
