"""Namespace policy: PSA labels, podwarden labels, the policy file and its precedence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from podwarden.errors import ConfigError
from podwarden.rules.api import Level, Version
from podwarden.webhook.policy import LevelVersion, Mode, load, parse_config


def test_default_policy_without_config_or_labels() -> None:
    p = parse_config(None).resolve("team", None)
    assert (str(p.enforce), str(p.warn), str(p.audit)) == ("baseline:latest", "restricted:latest",
                                                           "restricted:latest")
    assert p.family_mode("credentials") is Mode.WARN and not p.mutate and not p.enforce_workloads


def test_psa_labels_set_levels_and_versions() -> None:
    p = parse_config(None).resolve("team", {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "v1.25",
        "pod-security.kubernetes.io/warn": "privileged",
        "podwarden.io/credentials": "enforce",
        "podwarden.io/mutate": "true",
        "unrelated": "x",
    })
    assert p.enforce.level is Level.RESTRICTED and p.enforce.version == Version(25)
    assert p.warn.level is Level.PRIVILEGED
    assert p.family_mode("credentials") is Mode.ENFORCE and p.mutate


def test_invalid_labels_fall_back_to_strict() -> None:
    p = parse_config(None).resolve("team", {"pod-security.kubernetes.io/enforce": "lenient",
                                            "podwarden.io/vault": "maybe"})
    assert str(p.enforce) == "restricted:latest"
    assert p.family_mode("vault") is Mode.ENFORCE
    assert len(p.problems) == 2


def test_precedence_defaults_labels_namespace_pins() -> None:
    config = parse_config({
        "defaults": {"enforce": "restricted", "hardening": "off"},
        "namespaces": {"legacy": {"enforce": "privileged", "mutate": True}},
    })
    assert config.resolve("team").enforce.level is Level.RESTRICTED
    assert config.resolve("team").family_mode("hardening") is Mode.OFF
    labelled = {"pod-security.kubernetes.io/enforce": "baseline"}
    assert config.resolve("team", labelled).enforce.level is Level.BASELINE
    pinned = config.resolve("legacy", {"pod-security.kubernetes.io/enforce": "restricted"})
    assert pinned.enforce.level is Level.PRIVILEGED and pinned.mutate


def test_strictest_level() -> None:
    p = parse_config({"defaults": {"enforce": "privileged", "warn": "baseline", "audit": "privileged"}}).resolve("x")
    assert p.strictest.level is Level.BASELINE


@pytest.mark.parametrize("doc, problem", [
    ({"defaults": {"enforce": "strict"}}, "invalid value"),
    ({"defaults": {"enfroce": "baseline"}}, "unknown key"),
    ({"onError": "maybe"}, "onError"),
    ({"exemptions": {"usernames": "alice"}}, "list of strings"),
    ({"colour": 1}, "unknown key"),
    ({"defaults": {"mutate": "yes-please"}}, "mutate='yes-please'"),
    ({"exemptions": {"usernamess": ["alice"]}}, "exemptions: unknown key"),
    ({"honourIgnoreAnnotations": "maybe"}, "honourIgnoreAnnotations is true or false"),
    # levels and versions exactly as PSA reads them
    ({"defaults": {"enforce": "Privileged"}}, "enforce='Privileged'"),
    ({"defaults": {"warn-version": "1.25"}}, "warn-version='1.25'"),
    # YAML reads 1.30 as 1.3: refused rather than pinned to v1.3
    ({"defaults": {"enforce-version": 1.3}}, "write the version as text"),
    ({"namespaces": {"team": {"warn-version": 1}}}, "write the version as text"),
])
def test_config_errors(doc: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_config(doc)


def test_exemptions_and_failure_mode() -> None:
    config = parse_config({"exemptions": {"usernames": ["ci"], "namespaces": ["kube-system"],
                                          "runtimeClassNames": ["kata"]}, "onError": "allow"})
    assert config.exemptions.usernames == {"ci"} and config.exemptions.runtime_classes == {"kata"}
    assert config.fail_open


def test_a_policy_file_with_broken_yaml_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("defaults:\n  enforce: baseline\nnamespaces: {team: {enforce: restricted}\n")
    with pytest.raises(ConfigError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:4: invalid YAML:") and "\n" not in message


def test_serve_refuses_a_bad_policy_before_making_certificates(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("defaults:\n  enforce-version: 1.30\n")
    certs = tmp_path / "certs"
    done = subprocess.run(
        [sys.executable, "-c", "from podwarden.cli import run; run()", "serve", "--self-signed", str(certs),
         "--policy", str(policy)], capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2 and done.stdout == ""  # no caBundle printed
    assert done.stderr.splitlines() == [
        f'error: {policy}: defaults: enforce-version: write the version as text ("v1.N" or latest): '
        "YAML reads an unquoted enforce-version as the number 1.3"
    ]
    assert not certs.exists()


@pytest.mark.parametrize(("written", "honoured"), [(False, False), ("false", False), ("False", False),
                                                   (True, True), ("true", True)])
def test_honour_ignore_annotations_reads_quoted_booleans(written: object, honoured: bool) -> None:
    # "false" in quotes, as the other booleans of the file are written, must not mean true
    assert parse_config({"honourIgnoreAnnotations": written}).honour_ignore_annotations is honoured


def test_namespace_labels_are_read_as_pod_security_admission_reads_them() -> None:
    config = parse_config({})
    strict = config.resolve("a", {"pod-security.kubernetes.io/enforce": "Privileged"})
    assert strict.enforce == LevelVersion(Level.RESTRICTED, None) and strict.problems
    unversioned = config.resolve("b", {"pod-security.kubernetes.io/enforce": "baseline",
                                       "pod-security.kubernetes.io/enforce-version": "1.25"})
    assert unversioned.enforce == LevelVersion(Level.BASELINE, None) and unversioned.problems
    pinned = config.resolve("c", {"pod-security.kubernetes.io/enforce": "baseline",
                                  "pod-security.kubernetes.io/enforce-version": "v1.25"})
    assert pinned.enforce == LevelVersion(Level.BASELINE, Version(25)) and not pinned.problems


def test_a_key_written_twice_in_the_policy_file_is_refused(tmp_path: Path) -> None:
    # the second would silently win: restricted then baseline weakens the policy
    path = tmp_path / "policy.yaml"
    path.write_text("defaults:\n  enforce: restricted\n  enforce: baseline\n")
    with pytest.raises(ConfigError, match=f"^{path}:3: invalid YAML: duplicate key at column 3 \\(first at line 2, column 3\\)$"):
        load(path)
