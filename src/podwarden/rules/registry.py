"""Import every rule module, validate it, and precompute which checks run where.

Families are the sub-packages of ``podwarden.rules``; every non-underscore module in a
family must define ``RULE``.  ``RULE_MODULES`` lists them, so start-up walks no directory
(a test fails when it differs from the modules on disk).  Validation is strict (as Pod
Security Admission's registry is): unique ids, id = ``<family>/<slug>`` matching the module
name, documented sections present, versions strictly rising, overrides naming baseline PSS
rules.  The documentation check is skipped for the built-in rules at start-up: their
docstrings are fixed in the package, and the tests check them.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Iterator, Mapping

from podwarden.model.record import Record
from podwarden.rules.api import CheckFn, Level, Rule, Version
from podwarden.rules.modules import submodule

DOC_SECTIONS = ("What it checks", "Why", "Fix")
#: output order of families; unknown families follow, sorted
FAMILY_ORDER = ("pss", "hardening", "credentials", "identity", "vault")

#: the rule modules of each family (``find_rule_modules()`` as of the last change; tested)
RULE_MODULES: dict[str, tuple[str, ...]] = {
    "credentials": (
        "aws_access_key", "azure_cosmos_db_key", "azure_identifiable_key", "azure_sas_token",
        "azure_shared_access_key", "azure_storage_account_key", "committed_secret",
        "connection_string_password", "container_registry_credential", "datadog_api_key",
        "entra_client_secret", "generic_secret", "github_token", "gitlab_token", "google_api_key",
        "hard_coded_password", "jwt_token", "npm_token", "openshift_token", "private_key", "pypi_token",
        "secret_in_environment", "sendgrid_api_key", "slack_token", "stripe_key", "twilio_api_key",
        "url_with_password", "vault_token",
    ),
    "hardening": (
        "added_capabilities", "apparmor_unconfined", "automounted_service_account_token",
        "capabilities_not_dropped", "container_field_at_pod_level", "container_runtime_socket",
        "fs_group_missing", "pod_field_in_container", "privilege_escalation", "privileged_port_as_non_root",
        "read_only_root_filesystem", "root_group", "run_as_root", "seccomp_unconfined", "selinux_widening",
        "shared_process_namespace", "writable_host_path",
    ),
    "identity": (
        "aad_pod_identity", "annotation_key_misspelled", "annotation_on_wrong_object", "client_id_missing",
        "fixed_credential_env", "id_annotation_not_guid", "label_on_service_account",
        "proxy_init_rejected_by_pss", "proxy_sidecar_host_network", "service_account_not_found",
        "service_principal_secret_mounted", "skip_containers_unknown", "token_expiration_out_of_range",
        "use_label_as_annotation", "use_label_missing", "use_label_not_true", "use_label_on_workload",
    ),
    "pss": (
        "allow_privilege_escalation", "apparmor_profile", "host_namespaces", "host_path_volumes",
        "host_ports", "non_default_capabilities", "privileged", "probe_host", "proc_mount",
        "proc_mount_restricted", "run_as_non_root", "run_as_user", "seccomp_profile_baseline",
        "seccomp_profile_restricted", "selinux_options", "unrestricted_capabilities", "unsafe_sysctls",
        "volume_types", "windows_host_process",
    ),
    "rbac": (
        "admission_webhook_write", "broad_grant", "cluster_admin_binding", "csr_signing",
        "escalation_verbs", "full_api_access", "namespace_write", "node_proxy", "persistent_volume_create",
        "pod_exec", "role_not_found", "secret_read", "token_request", "workload_create",
    ),
    "suppression": (
        "unknown_annotation", "unknown_container", "unknown_rule_id",
    ),
    "vault": (
        "client_id_ignored", "client_id_mismatch", "csi_volume_not_read_only", "identity_mode_invalid",
        "keyvault_name_invalid", "no_identity", "node_publish_secret_ref", "object_alias_unsafe",
        "object_invalid", "object_version_pinned", "objects_unparsable", "pod_identity_mode",
        "required_parameter_missing", "rotation_disabled", "secret_provider_class_not_found",
        "secret_provider_class_not_named", "secret_provider_class_other_namespace", "secret_sync",
        "tenant_id_misspelled", "token_proxy_without_client_id", "vm_managed_identity_mode",
    ),
}


class RegistryError(Exception):
    """A rule module is malformed: a programming error caught at start-up and in tests."""


class Active(Record):
    """A rule with the variant of its check in force for one selection."""

    __slots__ = ("fn", "rule")
    _fields = ("rule", "fn")
    rule: Rule
    fn: CheckFn

    def __init__(self, rule: Rule, fn: CheckFn) -> None:
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "fn", fn)


class Registry:
    """All rules, by id, in output order."""

    def __init__(self, rules: Iterable[Rule], check_docs: bool = True) -> None:
        self.rules: dict[str, Rule] = {}
        for r in sorted(rules, key=_order):
            if r.id in self.rules:
                raise RegistryError(f"duplicate rule id {r.id}")
            self.rules[r.id] = r
        self._validate(check_docs)
        pss_since = [v.since for r in self.rules.values() if r.pss for v in r.variants]
        #: the newest Kubernetes minor with a PSS rule change: what ``latest`` means
        self.newest_minor = max(pss_since, default=0)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules.values())

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id)

    @property
    def families(self) -> list[str]:
        return sorted({r.family for r in self.rules.values()}, key=_family_key)

    def minor(self, version: Version | None) -> int:
        """``latest`` and versions newer than any rule change mean the newest one."""
        if version is None:
            return self.newest_minor
        return min(version.minor, self.newest_minor)

    def active(self, level: Level, version: Version | None) -> list[Active]:
        """Checks to run for a PSS level and version, in output order (cached)."""
        return self._active(level, self.minor(version))

    @functools.lru_cache(maxsize=64)  # noqa: B019 - the registry lives as long as the process
    def _active(self, level: Level, minor: int) -> list[Active]:
        chosen: list[Active] = []
        overridden: set[str] = set()
        for r in self.rules.values():
            variant = r.variant_at(minor)
            if variant is None:
                continue
            if r.pss is Level.RESTRICTED and level is not Level.RESTRICTED:
                continue
            if r.pss is Level.BASELINE and level is Level.PRIVILEGED:
                continue
            if r.pss is Level.RESTRICTED:
                overridden.update(variant.overrides)
            chosen.append(Active(r, variant.fn))
        return [a for a in chosen if a.rule.id not in overridden]

    def _validate(self, check_docs: bool = True) -> None:
        for r in self.rules.values():
            family, _, slug = r.id.partition("/")
            if not slug or slug != slug.lower() or " " in slug:
                raise RegistryError(f"{r.id}: id must be <family>/<kebab-slug>")
            expected_module = f"podwarden.rules.{family}.{slug.replace('-', '_')}"
            if r.module and r.module != expected_module:
                raise RegistryError(f"{r.id}: declared in {r.module}, expected {expected_module}")
            if check_docs:
                _validate_docs(r)
            if not r.variants:
                raise RegistryError(f"{r.id}: no check registered")
            sinces = [v.since for v in r.variants]
            if sinces != sorted(set(sinces)):
                raise RegistryError(f"{r.id}: check versions must rise strictly")
            for v in r.variants:
                for target in v.overrides:
                    other = self.rules.get(target)
                    if r.pss is not Level.RESTRICTED or other is None or other.pss is not Level.BASELINE:
                        raise RegistryError(f"{r.id}: may only override baseline rules, not {target}")


def _validate_docs(r: Rule) -> None:
    if not r.doc.strip():
        raise RegistryError(f"{r.id}: module docstring (the rule's docs) is missing")
    for section in DOC_SECTIONS:
        if not r.section(section):
            raise RegistryError(f"{r.id}: docstring lacks a '## {section}' section")


def _family_key(family: str) -> tuple[int, str]:
    order = FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)
    return order, family


def _order(r: Rule) -> tuple[tuple[int, str], int, str]:
    # as Pod Security Admission orders its checks: baseline first, then by upstream id
    level_rank = {Level.BASELINE: 0, Level.RESTRICTED: 1}.get(r.pss, 2) if r.pss else 2
    return _family_key(r.family), level_rank, r.upstream_id or r.id


def find_rule_modules() -> dict[str, tuple[str, ...]]:
    """The rule modules on disk, by family, as ``RULE_MODULES`` must list them."""
    import pkgutil

    import podwarden.rules as rules_package

    found: dict[str, tuple[str, ...]] = {}
    for family in sorted(pkgutil.iter_modules(rules_package.__path__), key=lambda m: m.name):
        if not family.ispkg or family.name.startswith("_"):
            continue
        package = importlib.import_module(f"podwarden.rules.{family.name}")
        found[family.name] = tuple(
            info.name for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name)
            if not info.ispkg and not info.name.startswith("_")
        )
    return found


def discover(modules: Mapping[str, Iterable[str]] = RULE_MODULES) -> list[Rule]:
    """Import the rule modules (by default every built-in one) and collect their ``RULE``s."""
    found: list[Rule] = []
    for family, names in modules.items():
        package = importlib.import_module(f"podwarden.rules.{family}")
        for name in names:
            module = submodule(package, name)
            r = getattr(module, "RULE", None)
            if not isinstance(r, Rule):
                raise RegistryError(f"{module.__name__}: defines no RULE")
            r.doc = module.__doc__ or ""
            r.module = module.__name__
            found.append(r)
    return found


@functools.cache
def default_registry() -> Registry:
    """The registry of every built-in rule (built once per process; the tests check the
    docs of the built-in rules, see ``Registry(discover())``)."""
    return Registry(discover(), check_docs=False)
