"""Policy per namespace, compatible with Pod Security Admission's labels.

Where the webhook learns a namespace's policy, lowest to highest precedence:

1. built-in defaults: enforce ``baseline``, warn and audit ``restricted``, all at
   ``latest``; the other families warn; no mutation;
2. ``defaults:`` of the policy file (``podwarden serve --policy FILE``);
3. the namespace's labels, read from the Kubernetes API when it is reachable
   (``pod-security.kubernetes.io/<mode>[-version]`` as PSA reads them, and
   ``podwarden.io/<family>``, ``podwarden.io/mutate``, ``podwarden.io/workloads``);
4. ``namespaces: {<name>: {...}}`` of the policy file, so a cluster admin can pin a
   namespace whatever its labels say.

Without API access, layers 1, 2 and 4 still apply.  The policy file::

    defaults:
      enforce: baseline            # privileged | baseline | restricted
      enforce-version: latest      # v1.N | latest
      warn: restricted
      audit: restricted
      credentials: warn            # enforce | warn | audit | off, per family
      mutate: "false"
      workloads: warn              # enforce: deny workloads (Deployment, ...) too
    namespaces:
      payments: {enforce: restricted, mutate: "true"}
    exemptions:
      usernames: [system:serviceaccount:kube-system:replicaset-controller]
      namespaces: [kube-system]
      runtimeClassNames: [kata-cc]
    onError: deny                  # deny | allow, when evaluation fails or times out
    honourIgnoreAnnotations: false # podwarden.io/ignore does not bypass admission
    rules: {<rule id>: {...}}      # rule settings, as in .podwarden.yaml
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from podwarden.config import read_yaml_file
from podwarden.errors import ConfigError
from podwarden.rules.api import Level, Version

PSA_PREFIX = "pod-security.kubernetes.io/"
PODWARDEN_PREFIX = "podwarden.io/"
MODES = ("enforce", "audit", "warn")
FAMILIES = ("credentials", "identity", "vault", "hardening")
KNOWN_KEYS = frozenset(
    {*MODES, *(f"{m}-version" for m in MODES), *FAMILIES, "mutate", "workloads"}
)
EXEMPTION_KEYS = frozenset({"usernames", "namespaces", "runtimeClassNames"})
PSA_LEVELS = frozenset(level.value for level in Level)
PSA_VERSION = re.compile(r"v1\.(0|[1-9][0-9]*)")
TOP_KEYS = frozenset({"defaults", "namespaces", "exemptions", "onError", "honourIgnoreAnnotations", "rules"})

BUILTIN_DEFAULTS: dict[str, str] = {
    "enforce": "baseline",
    "audit": "restricted",
    "warn": "restricted",
    **dict.fromkeys(FAMILIES, "warn"),
    "mutate": "false",
    "workloads": "warn",
}


class Mode(enum.Enum):
    """What a finding of a family does to the request."""

    ENFORCE = "enforce"
    WARN = "warn"
    AUDIT = "audit"
    OFF = "off"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class LevelVersion:
    """A PSS level at a Kubernetes version (None = latest)."""

    level: Level
    version: Version | None = None

    def __str__(self) -> str:
        return f"{self.level}:{self.version or 'latest'}"


@dataclass(frozen=True, slots=True)
class NamespacePolicy:
    """Everything that decides one namespace's answers."""

    enforce: LevelVersion
    audit: LevelVersion
    warn: LevelVersion
    families: tuple[tuple[str, Mode], ...]
    mutate: bool = False
    enforce_workloads: bool = False
    #: labels or values that could not be parsed; they fell back to the strict choice
    problems: tuple[str, ...] = ()
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # computed once: policies key the verdict cache on every request
        fields = (self.enforce, self.audit, self.warn, self.families, self.mutate,
                  self.enforce_workloads, self.problems)
        object.__setattr__(self, "_hash", hash(fields))

    def __hash__(self) -> int:
        return self._hash

    def family_mode(self, family: str) -> Mode:
        return dict(self.families).get(family, Mode.OFF)

    @property
    def strictest(self) -> LevelVersion:
        """The most restrictive of the three levels (what mutation fixes towards)."""
        rank = {Level.PRIVILEGED: 0, Level.BASELINE: 1, Level.RESTRICTED: 2}
        return max((self.enforce, self.warn, self.audit), key=lambda lv: rank[lv.level])


@dataclass(frozen=True, slots=True)
class Exemptions:
    """As in PSA's AdmissionConfiguration: requests that are never evaluated."""

    usernames: frozenset[str] = frozenset()
    namespaces: frozenset[str] = frozenset()
    runtime_classes: frozenset[str] = frozenset()


@dataclass(slots=True)
class PolicyConfig:
    """The webhook's policy: defaults, per-namespace pins, exemptions, failure mode."""

    defaults: dict[str, str] = field(default_factory=dict)
    namespaces: dict[str, dict[str, str]] = field(default_factory=dict)
    exemptions: Exemptions = field(default_factory=Exemptions)
    fail_open: bool = False
    honour_ignore_annotations: bool = False
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    _cache: dict[tuple[str, tuple[tuple[str, str], ...]], NamespacePolicy] = field(
        default_factory=dict, repr=False, compare=False
    )

    def resolve(self, namespace: str, labels: Mapping[str, str] | None = None) -> NamespacePolicy:
        """The policy of ``namespace`` given its labels (None when unknown); cached."""
        key = (namespace, tuple(sorted((labels or {}).items())))
        found = self._cache.get(key)
        if found is None:
            values = dict(BUILTIN_DEFAULTS)
            values.update(self.defaults)
            values.update(labels_to_values(labels or {}))
            values.update(self.namespaces.get(namespace, {}))
            found = build(values)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[key] = found
        return found


def labels_to_values(labels: Mapping[str, str]) -> dict[str, str]:
    """Policy keys set by namespace labels (PSA's and podwarden's)."""
    out: dict[str, str] = {}
    for key, value in labels.items():
        for prefix in (PSA_PREFIX, PODWARDEN_PREFIX):
            if key.startswith(prefix):
                name = key[len(prefix):]
                if prefix == PSA_PREFIX and name not in MODES and name not in {f"{m}-version" for m in MODES}:
                    continue
                if name in KNOWN_KEYS:
                    out[name] = value
    return out


def build(values: Mapping[str, str]) -> NamespacePolicy:
    """A NamespacePolicy from flat keys; bad values fall back to the strict choice, as
    PSA falls back to ``restricted:latest`` for an unparseable level."""
    problems: list[str] = []

    def level_version(mode: str) -> LevelVersion:
        # exactly as PSA reads its labels: lower-case level names, "latest" or "v1.N"
        level_text = str(values.get(mode, "privileged"))
        if level_text not in PSA_LEVELS:
            problems.append(f"{mode}={level_text!r}")
            return LevelVersion(Level.RESTRICTED, None)
        version_text = str(values.get(f"{mode}-version", "latest"))
        if version_text != "latest" and not PSA_VERSION.fullmatch(version_text):
            problems.append(f"{mode}-version={version_text!r}")
            return LevelVersion(Level(level_text), None)
        return LevelVersion(Level(level_text), Version.parse(version_text))

    families = []
    for family in FAMILIES:
        text = str(values.get(family, "warn")).strip().lower()
        try:
            families.append((family, Mode(text)))
        except ValueError:
            problems.append(f"{family}={text!r}")
            families.append((family, Mode.ENFORCE))
    workloads = str(values.get("workloads", "warn")).strip().lower()
    if workloads not in ("warn", "enforce"):
        problems.append(f"workloads={workloads!r}")
    mutate = str(values.get("mutate", "false")).strip().lower()
    if mutate not in ("true", "false"):
        problems.append(f"mutate={mutate!r}")
    return NamespacePolicy(
        enforce=level_version("enforce"),
        audit=level_version("audit"),
        warn=level_version("warn"),
        families=tuple(families),
        mutate=mutate == "true",
        enforce_workloads=workloads == "enforce",
        problems=tuple(problems),
    )


def _flat(where: str, data: Any) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping")
    unknown = sorted(str(k) for k in data if k not in KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_KEYS))})")
    out = {}
    for key, value in data.items():
        if str(key).endswith("-version") and isinstance(value, int | float):
            # YAML reads 1.30 as the number 1.3: a silent v1.3 would be worse than an error
            raise ConfigError(f'{where}: {key}: write the version as text ("v1.N" or latest): YAML reads '
                              f"an unquoted {key} as the number {value!r}")
        text = str(value).lower() if isinstance(value, bool) else str(value)
        out[str(key)] = text
    # validate now, so a typo fails at start-up rather than falling back silently
    problems = build({**BUILTIN_DEFAULTS, **out}).problems
    if problems:
        raise ConfigError(f"{where}: invalid value(s) {', '.join(problems)}")
    return out


def _names(where: str, data: Any) -> frozenset[str]:
    if data is None:
        return frozenset()
    if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
        raise ConfigError(f"{where}: expected a list of strings")
    return frozenset(data)


def parse_config(data: Any, where: str = "policy") -> PolicyConfig:
    """Validate a policy document (already parsed YAML)."""
    if data is None:
        return PolicyConfig()
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping at the top")
    unknown = sorted(str(k) for k in data if k not in TOP_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(TOP_KEYS))})")
    namespaces = data.get("namespaces") or {}
    if not isinstance(namespaces, dict):
        raise ConfigError(f"{where}: 'namespaces' maps namespace names to settings")
    exemptions = data.get("exemptions") or {}
    if not isinstance(exemptions, dict):
        raise ConfigError(f"{where}: 'exemptions' is a mapping")
    unknown = sorted(str(k) for k in exemptions if k not in EXEMPTION_KEYS)
    if unknown:
        raise ConfigError(f"{where}: exemptions: unknown key(s) {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(EXEMPTION_KEYS))})")
    honour = data.get("honourIgnoreAnnotations", False)
    if not isinstance(honour, bool) and str(honour).lower() not in ("true", "false"):
        raise ConfigError(f"{where}: honourIgnoreAnnotations is true or false, not {honour!r}")
    on_error = str(data.get("onError", "deny"))
    if on_error not in ("deny", "allow"):
        raise ConfigError(f"{where}: onError is deny or allow, not {on_error!r}")
    rules = data.get("rules") or {}
    if not isinstance(rules, dict) or not all(isinstance(v, dict | None) for v in rules.values()):
        raise ConfigError(f"{where}: 'rules' maps rule ids to mappings of settings")
    return PolicyConfig(
        defaults=_flat(f"{where}: defaults", data.get("defaults")),
        namespaces={str(ns): _flat(f"{where}: namespaces.{ns}", v) for ns, v in namespaces.items()},
        exemptions=Exemptions(
            usernames=_names(f"{where}: exemptions.usernames", exemptions.get("usernames")),
            namespaces=_names(f"{where}: exemptions.namespaces", exemptions.get("namespaces")),
            runtime_classes=_names(f"{where}: exemptions.runtimeClassNames", exemptions.get("runtimeClassNames")),
        ),
        fail_open=on_error == "allow",
        honour_ignore_annotations=str(honour).lower() == "true",
        settings={str(k): dict(v or {}) for k, v in rules.items()},
    )


def load(path: Path) -> PolicyConfig:
    """Read a policy file."""
    return parse_config(read_yaml_file(path), str(path))
