"""Configuration: ``.podwarden.yaml`` found upward from the working directory, or ``--config``.

```yaml
level: restricted            # PSS level for the pss family
k8s-version: latest
only: [pss, hardening]       # families or rule ids
skip: [hardening/read-only-root-filesystem]
min-severity: low
rules:                       # per-rule settings
  hardening/added-capabilities:
    severity: medium         # severity override
    allow: [NET_ADMIN]       # rule-specific keys, documented on each rule
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from podwarden.errors import ConfigError

if TYPE_CHECKING:
    from podwarden.rules.registry import Registry

FILE_NAMES = (".podwarden.yaml", ".podwarden.yml")
KNOWN_KEYS = frozenset({"level", "k8s-version", "only", "skip", "min-severity", "rules"})


@dataclass(slots=True)
class Config:
    """Settings read from a file; empty when none was found."""

    path: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)


def discover(start: Path | None = None) -> Path | None:
    """The nearest ``.podwarden.yaml`` in ``start`` or a parent directory."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in FILE_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


class _SettingsLoader(yaml.CSafeLoader):
    """Refuses a key written twice in a mapping, as kubectl refuses it in a manifest: the
    second would silently win (``enforce: baseline`` after ``enforce: restricted``)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[str, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                line = key_node.start_mark.line + 1
                if key_node.value in first:
                    raise yaml.constructor.ConstructorError(
                        None, None, f'duplicate key "{key_node.value}" (first at line {first[key_node.value]})',
                        key_node.start_mark)
                first[key_node.value] = line
        return super().construct_mapping(node, deep)


def read_yaml_file(path: Path) -> Any:
    """A settings file's YAML; a problem is one line naming the file (and line)."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SettingsLoader)
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None


def load_config(path: Path) -> Config:
    """Read and validate one configuration file."""
    data = read_yaml_file(path)
    if data is None:
        return Config(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_KEYS))})")
    rules = data.get("rules") or {}
    if not isinstance(rules, dict) or not all(isinstance(v, dict | None) for v in rules.values()):
        raise ConfigError(f"{path}: 'rules' maps rule ids to mappings of settings")
    options = {k: v for k, v in data.items() if k != "rules"}
    for key in ("only", "skip"):
        value = options.get(key)
        if isinstance(value, str):
            options[key] = [v.strip() for v in value.split(",") if v.strip()]
        elif value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{path}: '{key}' is a list of families or rule ids")
    return Config(path, options, {str(k): dict(v or {}) for k, v in rules.items()})


def check_rule_settings(settings: Mapping[str, Mapping[str, Any]], registry: Registry, where: str) -> None:
    """Refuse ``rules:`` settings that name an unknown rule or setting, or that the rule
    cannot read (a wrong type), so a mistake fails when the file is loaded, not on every
    object later."""
    from podwarden.rules.api import Severity

    for rule_id, opts in settings.items():
        declared = registry.get(rule_id)
        if declared is None:
            raise ConfigError(f"{where}: 'rules' names unknown rule {rule_id!r}")
        unknown = sorted(set(opts) - {"severity", *declared.settings})
        if unknown:
            known = ", ".join(["severity", *declared.settings])
            raise ConfigError(f"{where}: rules.{rule_id}: unknown setting(s) {', '.join(unknown)} (known: {known})")
        try:
            if "severity" in opts:
                Severity.parse(str(opts["severity"]))
            if declared.settings_reader is not None:
                declared.settings_reader(opts)
        except ValueError as exc:
            raise ConfigError(f"{where}: rules.{rule_id}: {exc}") from None
