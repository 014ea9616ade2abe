"""A ``\\ud800`` escape (half of a UTF-16 pair) can't become UTF-8 text: in YAML it is an
error, as in go-yaml and libyaml; in JSON it reads as U+FFFD, as Go's JSON decoder reads
it.  Either way every report can be written (it once ended in an internal error)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from podwarden.cli import main
from podwarden.errors import InputError
from podwarden.load import yaml as yamlload

YAML_POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "a\\ud800"\nspec:\n  containers:\n  - {name: c, image: nginx}\n'
JSON_POD = ('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a\\ud800", "labels": {"\\udc00": "x"}},\n'
            ' "spec": {"containers": [{"name": "c\\ud83d\\ude00", "image": "nginx"}]}}')


def test_yaml_refuses_it_with_its_line() -> None:
    with pytest.raises(InputError) as caught:
        yamlload.parse(YAML_POD, "pod.yaml")
    assert caught.value.line == 4 and "escape" in caught.value.message


def test_yaml_read_as_yaml_1_2_refuses_it_too(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object) -> bool:  # what libyaml says of YAML 1.2 syntax it does not know
        raise yaml.MarkedYAMLError(problem="found something YAML 1.2 allows")

    monkeypatch.setattr(yamlload._Loader, "check_node", refuse)
    first = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    with pytest.raises(InputError, match="lone surrogate") as caught:
        yamlload.parse(first + "---\n" + YAML_POD, "pod.yaml")
    assert caught.value.line == 5  # the document that holds it
    assert yamlload.parse(first, "pod.yaml")[0].data["metadata"] == {"name": "x"}  # read as YAML 1.2


def test_json_reads_it_as_the_replacement_character() -> None:
    data = yamlload.parse(JSON_POD, "pod.json")[0].data
    assert data["metadata"]["name"] == "a\ufffd"
    assert data["metadata"]["labels"] == {"\ufffd": "x"}
    assert data["spec"]["containers"][0]["name"] == "c\U0001f600"  # a whole pair stays itself


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "html"])
def test_every_report_is_written(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "pod.json").write_text(JSON_POD)
    (tmp_path / "pod.yaml").write_text(YAML_POD)
    result = CliRunner().invoke(main, ["check", str(tmp_path), "-o", fmt])
    assert result.exit_code == 2, result.stderr  # the YAML file's error
    assert "internal error" not in result.stdout + result.stderr
    assert "pod.yaml:4:" in result.stderr
    if fmt == "json":
        assert json.loads(result.stdout)["summary"]["objects"] == 1
