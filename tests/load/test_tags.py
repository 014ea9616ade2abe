"""Plain scalars get YAML 1.1's tags (as Kubernetes reads them), remembered per value
without letting a file of distinct values grow the memory."""

from __future__ import annotations

from podwarden.load import yaml as yamlload

TEXT = "a: [yes, no, on, 0777, 0x1F, 1_000, 1.5, ~, null, '0777', \"yes\", y, nginx, =]\n"
EXPECTED = [True, False, True, 0o777, 31, 1000, 1.5, None, None, "0777", "yes", True, "nginx", "="]  # y: go-yaml v2


def test_plain_scalars_read_the_same_every_time() -> None:
    for _ in range(3):  # the second and third parse answer from what the first remembered
        assert yamlload.parse(TEXT, "t.yaml")[0].data == {"a": EXPECTED}


def test_quoted_value_is_a_string_even_when_its_plain_twin_is_remembered() -> None:
    data = yamlload.parse("a: 0777\nb: '0777'\nc: 0777\n", "t.yaml")[0].data
    assert data == {"a": 0o777, "b": "0777", "c": 0o777}


def test_remembered_tags_are_bounded() -> None:
    count = yamlload._RESOLVED_MAX + 1000
    text = "a: [" + ", ".join(f"v{n}" for n in range(count)) + "]\n"
    data = yamlload.parse(text, "t.yaml")[0].data
    assert data["a"][-1] == f"v{count - 1}"
    assert len(yamlload._RESOLVED) <= yamlload._RESOLVED_MAX
    long_value = "x" * (yamlload._RESOLVED_LONGEST + 1)
    yamlload.parse(f"a: {long_value}\n", "t.yaml")
    assert long_value not in yamlload._RESOLVED
