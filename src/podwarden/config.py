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

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from podwarden.errors import ConfigError, InputError
from podwarden.load import yaml as yamlload

if TYPE_CHECKING:
    from pathlib import Path

    from podwarden.rules.registry import Registry

FILE_NAMES = (".podwarden.yaml", ".podwarden.yml")
KNOWN_KEYS = frozenset({"level", "k8s-version", "only", "skip", "min-severity", "rules"})


class Config:
    """Settings read from a file; empty when none was found."""

    __slots__ = ("options", "path", "settings")

    def __init__(self, path: Path | None = None, options: dict[str, Any] | None = None,
                 settings: dict[str, dict[str, Any]] | None = None) -> None:
        self.path = path
        self.options: dict[str, Any] = {} if options is None else options
        self.settings: dict[str, dict[str, Any]] = {} if settings is None else settings


def discover(start: str | None = None) -> Path | None:
    """The nearest ``.podwarden.yaml`` in ``start`` (default: the working directory) or a
    parent directory.  Walked with ``os.path``: pathlib is imported only for a file found."""
    folder = os.path.realpath(start or os.getcwd())
    while True:
        for name in FILE_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                from pathlib import Path

                return Path(candidate)
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def read_yaml_file(path: Path) -> Any:
    """A settings file's YAML, read by the manifest loader (so a key written twice, alias
    bombs and deep nesting are refused as in manifests); a problem is one line naming the
    file and line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    try:
        docs = yamlload.parse(yamlload.decode(raw, str(path)), str(path))
    except InputError as exc:
        problem = exc.message if exc.message.startswith("invalid ") else f"invalid YAML: {exc.message}"
        raise ConfigError(f"{path}:{exc.line}: {problem}" if exc.line > 0 else f"{path}: {problem}") from None
    if len(docs) > 1:
        raise ConfigError(f"{path}:{docs[1].line}: one YAML document expected, found more")
    return docs[0].data if docs else None


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
    for key, (kind, meaning) in _VALUES.items():
        value = options.get(key)
        if value is None:
            continue
        from podwarden.rules import api

        try:
            getattr(api, kind).parse(_text(value))
        except ValueError:
            # where, never the value: a settings file is read in CI logs too
            raise ConfigError(f"{_where(path, key)}: '{key}' must be {meaning}") from None
    for key in ("only", "skip"):
        value = options.get(key)
        if isinstance(value, str):
            options[key] = [v.strip() for v in value.split(",") if v.strip()]
        elif value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ConfigError(f"{path}: '{key}' is a list of families or rule ids")
    return Config(path, options, {str(k): dict(v or {}) for k, v in rules.items()})


#: option values a settings file may give, checked when it is read: the type that reads
#: each (in podwarden.rules.api) and what the value may be
_VALUES: dict[str, tuple[str, str]] = {
    "level": ("Level", "privileged, baseline or restricted"),
    "k8s-version": ("Version", "v1.N (quoted, so that 1.30 stays 1.30) or latest"),
    "min-severity": ("Severity", "info, low, medium, high or critical"),
}


def _text(value: object) -> str:
    """A setting's text; a number only where it reads one way (``1.29``; ``1.30`` has
    become 1.3, which it cannot tell from v1.3)."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and len(repr(value).partition(".")[2]) > 1:
        return repr(value)
    return ""


def _where(path: Path, key: str) -> str:
    """``path:line`` of a top-level key (the file is read again: only for an error)."""
    try:
        docs = yamlload.parse(yamlload.decode(path.read_bytes(), str(path)), str(path))
        return f"{path}:{docs[0].locate((key,))[0]}"
    except (OSError, InputError, IndexError):
        return str(path)


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
