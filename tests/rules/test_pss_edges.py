"""Edge cases of the ``pss`` family that the upstream fixtures do not reach.

The upstream set (tests/conformance) is 4,537 bare two-container pods checked for
accept/reject only.  Here: every edge case of design/pss-spec.md §7, workload kinds and
their paths, multi-document files and ``*List``, ephemeral containers, the appArmorProfile
fields, pod/container disagreement, version boundaries (v1.22/23, v1.25, v1.31, v1.34/35,
``latest``), exact strings; each asserting rule ids, field paths and messages.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from podwarden.engine import Engine, Result, Selection
from podwarden.rules.api import Level, Version
from podwarden.rules.registry import default_registry
from tests.rules.fixtures import Fixture, all_fixtures

IMAGE = "myregistry.azurecr.io/{name}:1.0"

#: a container that satisfies restricted at every version
CLEAN_SC: dict[str, Any] = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "seccompProfile": {"type": "RuntimeDefault"},
    "capabilities": {"drop": ["ALL"]},
}


def container(name: str = "app", **sc: Any) -> dict[str, Any]:
    """A container whose securityContext is CLEAN_SC updated with ``sc`` (None removes)."""
    merged = {**copy.deepcopy(CLEAN_SC), **sc}
    merged = {k: v for k, v in merged.items() if v is not None}
    out: dict[str, Any] = {"name": name, "image": IMAGE.format(name=name)}
    if merged:
        out["securityContext"] = merged
    return out


def bare(name: str = "app", **extra: Any) -> dict[str, Any]:
    """A container with no securityContext at all."""
    return {"name": name, "image": IMAGE.format(name=name), **extra}


def pod(*containers: dict[str, Any], annotations: dict[str, str] | None = None,
        **spec: Any) -> dict[str, Any]:
    """A Pod; ``spec`` keys go to the pod spec (initContainers=[...], securityContext=...)."""
    body: dict[str, Any] = {"containers": list(containers) or [container()], **spec}
    meta: dict[str, Any] = {"name": "demo"}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": body}


def write(tmp_path: Path, *docs: dict[str, Any], name: str = "manifest.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return path


def scan(tmp_path: Path, *docs: dict[str, Any], level: str = "restricted",
         version: str = "latest") -> Result:
    selection = Selection(level=Level.parse(level), version=Version.parse(version),
                          only=frozenset({"pss"}))
    result = Engine(selection).run([str(write(tmp_path, *docs))])
    assert not result.errors, [str(e) for e in result.errors]
    return result


def found(result: Result) -> list[tuple[str, str, str]]:
    """(rule id, field path, message) of every finding, in report order."""
    return [(f.rule_id, f.path, f.message) for f in result.findings]


def rule_ids(result: Result) -> set[str]:
    return {f.rule_id for f in result.findings}


def line_of(path: Path, text: str) -> int:
    """1-based number of the only line of ``path`` containing ``text``."""
    hits = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def test_clean_pod_passes_restricted_everywhere(tmp_path: Path) -> None:
    # the base every other test mutates: it must itself be clean, or the tests prove little
    for version in ("v1.0", "v1.8", "v1.19", "v1.22", "v1.23", "v1.25", "v1.35", "latest"):
        assert found(scan(tmp_path, pod(), version=version)) == [], version


# -- §7: pod and container settings that disagree ----------------------------------------


def test_pod_run_as_non_root_false_fails_even_if_every_container_is_true(tmp_path: Path) -> None:
    p = pod(container("app"), container("sidecar"), securityContext={"runAsNonRoot": False})
    assert found(scan(tmp_path, p)) == [
        ("pss/run-as-non-root", "spec.securityContext.runAsNonRoot",
         "pod must not set runAsNonRoot=false"),
    ]


def test_container_run_as_non_root_false_fails_under_pod_true(tmp_path: Path) -> None:
    p = pod(container("app"), container("sidecar", runAsNonRoot=False),
            securityContext={"runAsNonRoot": True})
    assert found(scan(tmp_path, p)) == [
        ("pss/run-as-non-root", "spec.containers[1].securityContext.runAsNonRoot",
         'container "sidecar" must not set runAsNonRoot=false'),
    ]


def test_unset_init_container_fails_when_pod_does_not_set_run_as_non_root(tmp_path: Path) -> None:
    p = pod(container("app"), initContainers=[container("setup", runAsNonRoot=None)])
    assert found(scan(tmp_path, p)) == [
        ("pss/run-as-non-root", "spec.initContainers[0].securityContext.runAsNonRoot",
         'init container "setup" must set runAsNonRoot=true (here or at pod level)'),
    ]


def test_pod_level_run_as_non_root_covers_unset_containers(tmp_path: Path) -> None:
    p = pod(container("app", runAsNonRoot=None), initContainers=[container("setup", runAsNonRoot=None)],
            securityContext={"runAsNonRoot": True})
    assert found(scan(tmp_path, p)) == []


def test_pod_run_as_user_zero_fails_from_v1_23_even_if_containers_override(tmp_path: Path) -> None:
    p = pod(container("app", runAsUser=1000), container("sidecar", runAsUser=1000),
            securityContext={"runAsUser": 0})
    assert found(scan(tmp_path, p, version="v1.23")) == [
        ("pss/run-as-user", "spec.securityContext.runAsUser", "pod must not set runAsUser=0"),
    ]
    assert found(scan(tmp_path, p, version="v1.22")) == []


def test_run_as_non_root_with_uid_zero_passes_v1_22_fails_v1_23(tmp_path: Path) -> None:
    p = pod(container("app", runAsUser=0))
    assert found(scan(tmp_path, p, version="v1.22")) == []
    assert found(scan(tmp_path, p, version="v1.23")) == [
        ("pss/run-as-user", "spec.containers[0].securityContext.runAsUser",
         'container "app" must not set runAsUser=0'),
    ]


@pytest.mark.parametrize(("level", "rule_id"), [
    ("restricted", "pss/seccomp-profile-restricted"),
    ("baseline", "pss/seccomp-profile-baseline"),
])
def test_pod_seccomp_unconfined_fails_even_if_every_container_is_runtime_default(
    tmp_path: Path, level: str, rule_id: str
) -> None:
    p = pod(container("app"), container("sidecar"), securityContext={"seccompProfile": {"type": "Unconfined"}})
    assert found(scan(tmp_path, p, level=level)) == [
        (rule_id, "spec.securityContext.seccompProfile.type",
         'pod must not set seccompProfile.type="Unconfined"'),
    ]


def test_container_localhost_under_pod_runtime_default_passes(tmp_path: Path) -> None:
    p = pod(container("app", seccompProfile=None),
            container("sidecar", seccompProfile={"type": "Localhost", "localhostProfile": "p.json"}),
            securityContext={"seccompProfile": {"type": "RuntimeDefault"}})
    assert found(scan(tmp_path, p)) == []


def test_missing_seccomp_is_reported_per_container_where_it_would_be_set(tmp_path: Path) -> None:
    p = pod(container("app", seccompProfile=None), bare("sidecar",
            securityContext={k: v for k, v in CLEAN_SC.items() if k != "seccompProfile"}))
    assert found(scan(tmp_path, p)) == [
        ("pss/seccomp-profile-restricted", "spec.containers[0].securityContext.seccompProfile.type",
         'container "app" must set seccompProfile.type to RuntimeDefault or Localhost (here or at pod level)'),
        ("pss/seccomp-profile-restricted", "spec.containers[1].securityContext.seccompProfile.type",
         'container "sidecar" must set seccompProfile.type to RuntimeDefault or Localhost (here or at pod level)'),
    ]
    # baseline accepts an unset profile
    assert found(scan(tmp_path, p, level="baseline")) == []


def test_empty_seccomp_profile_object_is_a_bad_type(tmp_path: Path) -> None:
    # a profile object with no type is present but not RuntimeDefault/Localhost
    p = pod(container("app", seccompProfile={}))
    assert found(scan(tmp_path, p, level="baseline")) == [
        ("pss/seccomp-profile-baseline", "spec.containers[0].securityContext.seccompProfile.type",
         'container "app" must not set seccompProfile.type=""'),
    ]


# -- §7: exact capability strings ---------------------------------------------------------


@pytest.mark.parametrize(("caps", "level", "version", "expected"), [
    ({"drop": ["all"]}, "restricted", "latest",
     [("spec.containers[0].securityContext.capabilities.drop", 'container "app" must set capabilities.drop=["ALL"]')]),
    ({"drop": ["CAP_ALL"]}, "restricted", "latest",
     [("spec.containers[0].securityContext.capabilities.drop", 'container "app" must set capabilities.drop=["ALL"]')]),
    ({"drop": ["ALL"], "add": ["CAP_NET_BIND_SERVICE"]}, "restricted", "latest",
     [("spec.containers[0].securityContext.capabilities.add[0]",
       'container "app" must not add capability "CAP_NET_BIND_SERVICE"')]),
    ({"drop": ["ALL"], "add": ["net_bind_service"]}, "restricted", "latest",
     [("spec.containers[0].securityContext.capabilities.add[0]",
       'container "app" must not add capability "net_bind_service"')]),
    ({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}, "restricted", "latest", []),
    ({"drop": ["NET_RAW", "ALL"]}, "restricted", "latest", []),
    # restricted from v1.22 allows only NET_BIND_SERVICE, even from the default set
    ({"drop": ["ALL"], "add": ["CHOWN"]}, "restricted", "latest",
     [("spec.containers[0].securityContext.capabilities.add[0]", 'container "app" must not add capability "CHOWN"')]),
    ({"add": ["chown"]}, "baseline", "latest",
     [("spec.containers[0].securityContext.capabilities.add[0]", 'container "app" must not add capability "chown"')]),
    ({"add": ["CAP_CHOWN"]}, "baseline", "latest",
     [("spec.containers[0].securityContext.capabilities.add[0]", 'container "app" must not add capability "CAP_CHOWN"')]),
    ({"add": ["CHOWN", "KILL", "SYS_ADMIN"]}, "baseline", "latest",
     [("spec.containers[0].securityContext.capabilities.add[2]", 'container "app" must not add capability "SYS_ADMIN"')]),
    # baseline does not look at drop
    ({"drop": ["all"], "add": ["CHOWN"]}, "baseline", "latest", []),
])
def test_capability_names_are_exact(
    tmp_path: Path, caps: dict[str, list[str]], level: str, version: str,
    expected: list[tuple[str, str]],
) -> None:
    result = scan(tmp_path, pod(container("app", capabilities=caps)), level=level, version=version)
    rule_id = "pss/unrestricted-capabilities" if level == "restricted" else "pss/non-default-capabilities"
    assert found(result) == [(rule_id, path, msg) for path, msg in expected]


def test_restricted_before_v1_22_uses_the_baseline_capability_list(tmp_path: Path) -> None:
    caps = {"add": ["CHOWN", "SYS_TIME"]}  # no drop: not required before v1.22
    result = scan(tmp_path, pod(container("app", capabilities=caps)), version="v1.21")
    assert found(result) == [
        ("pss/non-default-capabilities", "spec.containers[0].securityContext.capabilities.add[1]",
         'container "app" must not add capability "SYS_TIME"'),
    ]


def test_missing_capabilities_point_at_the_container(tmp_path: Path) -> None:
    p = pod(bare("app", securityContext={"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                                         "seccompProfile": {"type": "RuntimeDefault"}}))
    path = write(tmp_path, p)
    result = Engine(Selection(only=frozenset({"pss"}))).run([str(path)])
    (f,) = result.findings
    assert (f.rule_id, f.path) == ("pss/unrestricted-capabilities",
                                   "spec.containers[0].securityContext.capabilities.drop")
    # absent field: the line of the nearest present parent (the securityContext mapping)
    assert f.line == line_of(path, "runAsNonRoot: true")


# -- §7: host ports, annotations, volumes -------------------------------------------------


def test_host_port_zero_passes_and_ephemeral_ports_are_checked(tmp_path: Path) -> None:
    p = pod(bare("app", ports=[{"containerPort": 8080, "hostPort": 0}]),
            ephemeralContainers=[bare("debugger", ports=[{"containerPort": 2345, "hostPort": 2345}])])
    assert found(scan(tmp_path, p, level="baseline")) == [
        ("pss/host-ports", "spec.ephemeralContainers[0].ports[0].hostPort",
         'ephemeral container "debugger" must not use hostPort 2345'),
    ]


def test_apparmor_annotation_naming_no_container_is_still_checked(tmp_path: Path) -> None:
    key = "container.apparmor.security.beta.kubernetes.io/ghost"
    p = pod(bare("app"), annotations={key: "unconfined"})
    assert found(scan(tmp_path, p, level="baseline")) == [
        ("pss/apparmor-profile", f"metadata.annotations['{key}']", f'annotation {key}="unconfined" is not allowed'),
    ]


@pytest.mark.parametrize(("value", "allowed"), [
    ("", True), ("runtime/default", True), ("localhost/k8s-nginx", True),
    ("unconfined", False), ("docker/default", False), ("localhost", False), ("Runtime/Default", False),
])
def test_apparmor_annotation_values(tmp_path: Path, value: str, allowed: bool) -> None:
    key = "container.apparmor.security.beta.kubernetes.io/app"
    result = scan(tmp_path, pod(bare("app"), annotations={key: value}), level="baseline")
    expected = [] if allowed else [
        ("pss/apparmor-profile", f"metadata.annotations['{key}']", f'annotation {key}="{value}" is not allowed')
    ]
    assert found(result) == expected


@pytest.mark.parametrize("version", ["v1.0", "v1.18"])
def test_seccomp_annotations_up_to_v1_18(tmp_path: Path, version: str) -> None:
    annotations = {
        "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
        "container.seccomp.security.alpha.kubernetes.io/app": "",  # empty is not allowed either
        "container.seccomp.security.alpha.kubernetes.io/ghost": "unconfined",  # no such container: ignored
        "container.seccomp.security.alpha.kubernetes.io/debugger": "localhost/p.json",
    }
    p = pod(bare("app"), annotations=annotations, ephemeralContainers=[bare("debugger")])
    assert found(scan(tmp_path, p, level="baseline", version=version)) == [
        ("pss/seccomp-profile-baseline", "metadata.annotations['seccomp.security.alpha.kubernetes.io/pod']",
         'annotation seccomp.security.alpha.kubernetes.io/pod="unconfined" is not allowed'),
        ("pss/seccomp-profile-baseline", "metadata.annotations['container.seccomp.security.alpha.kubernetes.io/app']",
         'annotation container.seccomp.security.alpha.kubernetes.io/app="" is not allowed'),
    ]


def test_seccomp_annotations_ignored_from_v1_19(tmp_path: Path) -> None:
    annotations = {"seccomp.security.alpha.kubernetes.io/pod": "unconfined",
                   "container.seccomp.security.alpha.kubernetes.io/app": "unconfined"}
    p = pod(bare("app"), annotations=annotations)
    assert found(scan(tmp_path, p, level="baseline", version="v1.19")) == []
    # and the fields are ignored before v1.19
    fields = pod(bare("app", securityContext={"seccompProfile": {"type": "Unconfined"}}))
    assert found(scan(tmp_path, fields, level="baseline", version="v1.18")) == []
    assert rule_ids(scan(tmp_path, fields, level="baseline", version="v1.19")) == {"pss/seccomp-profile-baseline"}


def test_restricted_up_to_v1_18_still_reads_seccomp_annotations(tmp_path: Path) -> None:
    p = pod(container("app", seccompProfile=None, capabilities=None),
            annotations={"seccomp.security.alpha.kubernetes.io/pod": "unconfined"})
    assert rule_ids(scan(tmp_path, p, version="v1.18")) == {"pss/seccomp-profile-baseline"}
    # from v1.19 restricted replaces it with the field-based rule, which wants a profile
    assert rule_ids(scan(tmp_path, p, version="v1.19")) == {"pss/seccomp-profile-restricted"}


def test_volume_with_only_a_name_is_an_empty_dir(tmp_path: Path) -> None:
    p = pod(container("app"), volumes=[{"name": "scratch"}, {"name": "cache", "emptyDir": {}}])
    assert found(scan(tmp_path, p)) == []


def test_restricted_reports_host_path_as_a_volume_type(tmp_path: Path) -> None:
    p = pod(container("app"), volumes=[{"name": "logs", "hostPath": {"path": "/var/log"}},
                                       {"name": "share", "nfs": {"server": "10.0.0.4", "path": "/x"}}])
    assert found(scan(tmp_path, p)) == [
        ("pss/volume-types", "spec.volumes[0].hostPath", 'volume "logs" must not use volume type hostPath'),
        ("pss/volume-types", "spec.volumes[1].nfs", 'volume "share" must not use volume type nfs'),
    ]
    assert found(scan(tmp_path, p, level="baseline")) == [
        ("pss/host-path-volumes", "spec.volumes[0].hostPath", 'volume "logs" must not use hostPath'),
    ]


# -- §7: user namespaces (hostUsers: false), v1.34 vs v1.35 --------------------------------


USERNS_POD = pod(container("app", runAsNonRoot=None, procMount="Unmasked"),
                 hostUsers=False, securityContext={"runAsUser": 0})


@pytest.mark.parametrize(("level", "version", "expected"), [
    ("baseline", "v1.34", {"pss/proc-mount"}),
    ("baseline", "v1.35", set()),
    ("baseline", "latest", set()),
    ("restricted", "v1.34", {"pss/proc-mount", "pss/run-as-non-root", "pss/run-as-user"}),
    ("restricted", "v1.35", {"pss/proc-mount-restricted"}),
    ("restricted", "latest", {"pss/proc-mount-restricted"}),
])
def test_host_users_false_relaxes_from_v1_35(tmp_path: Path, level: str, version: str, expected: set[str]) -> None:
    assert rule_ids(scan(tmp_path, USERNS_POD, level=level, version=version)) == expected


@pytest.mark.parametrize("host_users", [True, None])
def test_only_an_explicit_host_users_false_relaxes(tmp_path: Path, host_users: bool | None) -> None:
    p = copy.deepcopy(USERNS_POD)
    if host_users is None:
        del p["spec"]["hostUsers"]
    else:
        p["spec"]["hostUsers"] = host_users
    assert rule_ids(scan(tmp_path, p, version="v1.35")) == {
        "pss/proc-mount-restricted", "pss/run-as-non-root", "pss/run-as-user"}
    assert rule_ids(scan(tmp_path, p, level="baseline", version="v1.35")) == {"pss/proc-mount"}


def test_proc_mount_messages(tmp_path: Path) -> None:
    result = scan(tmp_path, USERNS_POD, version="latest")
    assert found(result) == [
        ("pss/proc-mount-restricted", "spec.containers[0].securityContext.procMount",
         'container "app" must not set procMount="Unmasked"'),
    ]


# -- §7 and the v1.25 boundary: Windows pods -------------------------------------------------


WINDOWS_EXEMPT = {"pss/allow-privilege-escalation", "pss/seccomp-profile-restricted",
                  "pss/unrestricted-capabilities"}


@pytest.mark.parametrize(("version", "expected"), [
    ("v1.24", WINDOWS_EXEMPT | {"pss/run-as-non-root"}),
    ("v1.25", {"pss/run-as-non-root"}),
    ("latest", {"pss/run-as-non-root"}),
])
def test_windows_boundary_at_v1_25(tmp_path: Path, version: str, expected: set[str]) -> None:
    p = pod(bare("iis"), os={"name": "windows"})
    assert rule_ids(scan(tmp_path, p, version=version)) == expected


def test_windows_pod_still_needs_run_as_non_root(tmp_path: Path) -> None:
    p = pod(bare("iis"), os={"name": "windows"})
    assert found(scan(tmp_path, p)) == [
        ("pss/run-as-non-root", "spec.containers[0].securityContext.runAsNonRoot",
         'container "iis" must set runAsNonRoot=true (here or at pod level)'),
    ]
    p["spec"]["securityContext"] = {"runAsNonRoot": True}
    assert found(scan(tmp_path, p)) == []


@pytest.mark.parametrize("spec", [
    {"nodeSelector": {"kubernetes.io/os": "windows"}},
    {"os": {"name": "linux"}},
    {"os": {"name": "Windows"}},
])
def test_only_os_name_windows_exempts(tmp_path: Path, spec: dict[str, Any]) -> None:
    p = pod(bare("iis"), securityContext={"runAsNonRoot": True}, **spec)
    assert rule_ids(scan(tmp_path, p, version="v1.25")) == WINDOWS_EXEMPT


def test_windows_host_process_applies_to_every_pod(tmp_path: Path) -> None:
    for os_name in ("windows", "linux"):
        p = pod(bare("app", securityContext={"windowsOptions": {"hostProcess": True}}),
                os={"name": os_name}, securityContext={"windowsOptions": {"hostProcess": True}})
        assert found(scan(tmp_path, p, level="baseline")) == [
            ("pss/windows-host-process", "spec.securityContext.windowsOptions.hostProcess",
             "pod must not set hostProcess=true"),
            ("pss/windows-host-process", "spec.containers[0].securityContext.windowsOptions.hostProcess",
             'container "app" must not set hostProcess=true'),
        ], os_name


# -- SELinux: container_engine_t from v1.31 --------------------------------------------------


@pytest.mark.parametrize(("version", "allowed"), [
    ("v1.0", False), ("v1.30", False), ("v1.31", True), ("latest", True),
])
def test_container_engine_t_allowed_from_v1_31(tmp_path: Path, version: str, allowed: bool) -> None:
    p = pod(bare("podman", securityContext={"seLinuxOptions": {"type": "container_engine_t"}}),
            securityContext={"seLinuxOptions": {"type": "container_engine_t", "level": "s0:c1,c2"}})
    expected = [] if allowed else [
        ("pss/selinux-options", "spec.securityContext.seLinuxOptions.type",
         'pod must not set seLinuxOptions.type="container_engine_t"'),
        ("pss/selinux-options", "spec.containers[0].securityContext.seLinuxOptions.type",
         'container "podman" must not set seLinuxOptions.type="container_engine_t"'),
    ]
    assert found(scan(tmp_path, p, level="baseline", version=version)) == expected


def test_selinux_user_role_and_type(tmp_path: Path) -> None:
    options = {"type": "spc_t", "user": "system_u", "role": "system_r", "level": "s0"}
    p = pod(bare("app", securityContext={"seLinuxOptions": options}),
            initContainers=[bare("setup", securityContext={"seLinuxOptions": {"type": "container_init_t"}})])
    assert found(scan(tmp_path, p, level="baseline")) == [
        ("pss/selinux-options", "spec.containers[0].securityContext.seLinuxOptions.type",
         'container "app" must not set seLinuxOptions.type="spc_t"'),
        ("pss/selinux-options", "spec.containers[0].securityContext.seLinuxOptions.user",
         'container "app" must not set seLinuxOptions.user="system_u"'),
        ("pss/selinux-options", "spec.containers[0].securityContext.seLinuxOptions.role",
         'container "app" must not set seLinuxOptions.role="system_r"'),
    ]


# -- appArmorProfile fields ----------------------------------------------------------------


@pytest.mark.parametrize(("profile", "allowed"), [
    ({"type": "RuntimeDefault"}, True),
    ({"type": "Localhost", "localhostProfile": "k8s-nginx"}, True),
    ({"type": "Unconfined"}, False),
    ({"type": "runtime/default"}, False),
    ({}, False),
])
@pytest.mark.parametrize("where", ["pod", "container", "ephemeral"])
def test_apparmor_profile_fields(tmp_path: Path, profile: dict[str, str], allowed: bool, where: str) -> None:
    sc = {"appArmorProfile": profile}
    if where == "pod":
        p = pod(bare("app"), securityContext=sc)
        path, who = "spec.securityContext.appArmorProfile", "pod"
    elif where == "container":
        p = pod(bare("app", securityContext=sc))
        path, who = "spec.containers[0].securityContext.appArmorProfile", 'container "app"'
    else:
        p = pod(bare("app"), ephemeralContainers=[bare("debugger", securityContext=sc)])
        path, who = "spec.ephemeralContainers[0].securityContext.appArmorProfile", 'ephemeral container "debugger"'
    kind = profile.get("type", "")
    expected = [] if allowed else [
        ("pss/apparmor-profile", f"{path}.type", f'{who} must not set appArmorProfile.type="{kind}"')
    ]
    assert found(scan(tmp_path, p, level="baseline")) == expected


def test_apparmor_has_no_version_split(tmp_path: Path) -> None:
    p = pod(bare("app", securityContext={"appArmorProfile": {"type": "Unconfined"}}))
    for version in ("v1.0", "v1.29", "latest"):
        assert rule_ids(scan(tmp_path, p, level="baseline", version=version)) == {"pss/apparmor-profile"}


# -- ephemeral containers, rule by rule ---------------------------------------------------


@pytest.mark.parametrize(("level", "sc", "rule_id", "suffix", "message"), [
    ("baseline", {"privileged": True}, "pss/privileged", "privileged", "must not set privileged=true"),
    ("baseline", {"procMount": "Unmasked"}, "pss/proc-mount", "procMount", 'must not set procMount="Unmasked"'),
    ("baseline", {"capabilities": {"add": ["SYS_PTRACE"]}}, "pss/non-default-capabilities",
     "capabilities.add[0]", 'must not add capability "SYS_PTRACE"'),
    ("baseline", {"windowsOptions": {"hostProcess": True}}, "pss/windows-host-process",
     "windowsOptions.hostProcess", "must not set hostProcess=true"),
    ("restricted", {"allowPrivilegeEscalation": True}, "pss/allow-privilege-escalation",
     "allowPrivilegeEscalation", "must set allowPrivilegeEscalation=false"),
    ("restricted", {"runAsNonRoot": False}, "pss/run-as-non-root", "runAsNonRoot",
     "must not set runAsNonRoot=false"),
    ("restricted", {"runAsUser": 0}, "pss/run-as-user", "runAsUser", "must not set runAsUser=0"),
    ("restricted", {"seccompProfile": {"type": "Unconfined"}}, "pss/seccomp-profile-restricted",
     "seccompProfile.type", 'must not set seccompProfile.type="Unconfined"'),
    ("restricted", {"capabilities": {"drop": ["NET_RAW"]}}, "pss/unrestricted-capabilities",
     "capabilities.drop", 'must set capabilities.drop=["ALL"]'),
])
def test_ephemeral_containers_are_checked(
    tmp_path: Path, level: str, sc: dict[str, Any], rule_id: str, suffix: str, message: str
) -> None:
    debugger = container("debugger", **sc) if level == "restricted" else bare("debugger", securityContext=sc)
    app = container("app") if level == "restricted" else bare("app")
    p = pod(app, ephemeralContainers=[debugger])
    assert found(scan(tmp_path, p, level=level)) == [
        (rule_id, f"spec.ephemeralContainers[0].securityContext.{suffix}", f'ephemeral container "debugger" {message}'),
    ]


def test_containers_are_visited_init_regular_ephemeral(tmp_path: Path) -> None:
    p = pod(bare("b", securityContext={"privileged": True}),
            initContainers=[bare("a", securityContext={"privileged": True})],
            ephemeralContainers=[bare("c", securityContext={"privileged": True})])
    assert [m for _, _, m in found(scan(tmp_path, p, level="baseline"))] == [
        'init container "a" must not set privileged=true',
        'container "b" must not set privileged=true',
        'ephemeral container "c" must not set privileged=true',
    ]


# -- probes and lifecycle hooks (v1.34) ------------------------------------------------------


def test_probe_and_lifecycle_hosts(tmp_path: Path) -> None:
    app = bare(
        "app",
        livenessProbe={"httpGet": {"host": "127.0.0.1", "port": 8080}},
        readinessProbe={"tcpSocket": {"host": "", "port": 8080}},  # empty: allowed
        startupProbe={"tcpSocket": {"host": "::1", "port": 8080}},
        lifecycle={"postStart": {"httpGet": {"host": "localhost", "port": 80}},
                   "preStop": {"tcpSocket": {"host": "drain", "port": 81}}},
    )
    p = pod(app)
    assert found(scan(tmp_path, p, level="baseline", version="v1.33")) == []
    assert found(scan(tmp_path, p, level="baseline", version="v1.34")) == [
        ("pss/probe-host", "spec.containers[0].livenessProbe.httpGet.host",
         'container "app" livenessProbe.httpGet.host="127.0.0.1" is not allowed'),
        ("pss/probe-host", "spec.containers[0].startupProbe.tcpSocket.host",
         'container "app" startupProbe.tcpSocket.host="::1" is not allowed'),
        ("pss/probe-host", "spec.containers[0].lifecycle.postStart.httpGet.host",
         'container "app" lifecycle.postStart.httpGet.host="localhost" is not allowed'),
        ("pss/probe-host", "spec.containers[0].lifecycle.preStop.tcpSocket.host",
         'container "app" lifecycle.preStop.tcpSocket.host="drain" is not allowed'),
    ]


# -- sysctls per version, latest and future versions ----------------------------------------


@pytest.mark.parametrize(("name", "since"), [
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ping_group_range", 0),
    ("net.ipv4.ip_local_reserved_ports", 27),
    ("net.ipv4.tcp_keepalive_probes", 29),
    ("net.ipv4.tcp_fin_timeout", 29),
    ("net.ipv4.tcp_wmem", 32),
    ("net.ipv4.tcp_slow_start_after_idle", 37),
    ("net.ipv4.tcp_notsent_lowat", 37),
])
def test_safe_sysctls_by_version(tmp_path: Path, name: str, since: int) -> None:
    p = pod(bare("app"), securityContext={"sysctls": [{"name": name, "value": "1"}]})
    assert found(scan(tmp_path, p, level="baseline", version=f"v1.{since}")) == []
    if since:
        assert found(scan(tmp_path, p, level="baseline", version=f"v1.{since - 1}")) == [
            ("pss/unsafe-sysctls", "spec.securityContext.sysctls[0].name", f'pod must not set sysctl "{name}"'),
        ]


def test_sysctl_names_are_exact(tmp_path: Path) -> None:
    p = pod(bare("app"), securityContext={"sysctls": [
        {"name": "net/ipv4/ip_local_port_range", "value": "1024 65535"},
        {"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"},
        {"name": "kernel.msgmax", "value": "65536"},
    ]})
    assert found(scan(tmp_path, p, level="baseline")) == [
        ("pss/unsafe-sysctls", "spec.securityContext.sysctls[0].name",
         'pod must not set sysctl "net/ipv4/ip_local_port_range"'),
        ("pss/unsafe-sysctls", "spec.securityContext.sysctls[2].name", 'pod must not set sysctl "kernel.msgmax"'),
    ]


@pytest.mark.parametrize("version", ["latest", "v1.37", "v1.38", "v1.99"])
def test_latest_and_future_versions_behave_as_v1_37(tmp_path: Path, version: str) -> None:
    sysctl = pod(bare("app"), securityContext={"sysctls": [{"name": "net.ipv4.tcp_notsent_lowat", "value": "1"}]})
    assert found(scan(tmp_path, sysctl, level="baseline", version=version)) == []
    assert rule_ids(scan(tmp_path, sysctl, level="baseline", version="v1.36")) == {"pss/unsafe-sysctls"}
    # and the v1.35 rules are in force
    assert rule_ids(scan(tmp_path, USERNS_POD, version=version)) == {"pss/proc-mount-restricted"}
    assert default_registry().minor(Version.parse(version)) == 37


def test_privileged_level_runs_no_check(tmp_path: Path) -> None:
    p = pod(bare("app", securityContext={"privileged": True, "runAsUser": 0}),
            hostNetwork=True, volumes=[{"name": "root", "hostPath": {"path": "/"}}])
    assert found(scan(tmp_path, p, level="privileged")) == []
    assert rule_ids(scan(tmp_path, p, level="baseline")) == {
        "pss/privileged", "pss/host-namespaces", "pss/host-path-volumes"}


def test_findings_come_baseline_first(tmp_path: Path) -> None:
    p = pod(bare("app", securityContext={"privileged": True}), hostPID=True)
    ids = [rid for rid, _, _ in found(scan(tmp_path, p))]
    levels = [default_registry().rules[rid].pss for rid in ids]
    assert levels == sorted(levels, key=lambda lv: lv is Level.RESTRICTED)
    assert ids[:2] == ["pss/host-namespaces", "pss/privileged"]


# -- workload kinds: the pod template is found and paths point into it ------------------------


def _wrap(kind: str, spec: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``kind`` carrying the pod spec, and the path prefix of that spec."""
    template = {"metadata": {"labels": {"app": "demo"}}, "spec": spec}
    selector = {"matchLabels": {"app": "demo"}}
    meta = {"name": "demo", "namespace": "shop"}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": spec}, "spec"
    if kind == "PodTemplate":
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "template": template}, "template.spec"
    if kind == "ReplicationController":
        return {"apiVersion": "v1", "kind": kind, "metadata": meta,
                "spec": {"selector": {"app": "demo"}, "template": template}}, "spec.template.spec"
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta,
                "spec": {"selector": selector, "template": template}}, "spec.template.spec"
    if kind == "Job":
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": meta,
                "spec": {"template": template}}, "spec.template.spec"
    assert kind == "CronJob"
    return {"apiVersion": "batch/v1", "kind": kind, "metadata": meta,
            "spec": {"schedule": "0 2 * * *", "jobTemplate": {"spec": {"template": template}}}}, \
        "spec.jobTemplate.spec.template.spec"


KINDS = ["Pod", "PodTemplate", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
         "ReplicationController", "Job", "CronJob"]


@pytest.mark.parametrize("kind", KINDS)
def test_workload_kinds_report_paths_inside_the_template(tmp_path: Path, kind: str) -> None:
    spec = {"restartPolicy": "Never", "securityContext": {"runAsNonRoot": False},
            "initContainers": [container("setup")],
            "containers": [container("app"), container("sidecar", privileged=True)]}
    obj, base = _wrap(kind, spec)
    path = write(tmp_path, obj)
    result = Engine(Selection(only=frozenset({"pss"}))).run([str(path)])
    assert [(f.rule_id, f.path, f.message) for f in result.findings] == [
        ("pss/privileged", f"{base}.containers[1].securityContext.privileged",
         'container "sidecar" must not set privileged=true'),
        ("pss/run-as-non-root", f"{base}.securityContext.runAsNonRoot", "pod must not set runAsNonRoot=false"),
    ]
    priv, rann = result.findings
    assert (priv.object.kind, priv.object.namespace, priv.object.name) == (kind, "shop", "demo")
    assert priv.line == line_of(path, "privileged: true")
    assert rann.line == line_of(path, "runAsNonRoot: false")


def test_cronjob_init_container_path(tmp_path: Path) -> None:
    obj, base = _wrap("CronJob", {"initContainers": [container("fetch", runAsUser=0)],
                                  "containers": [container("report")]})
    assert base == "spec.jobTemplate.spec.template.spec"
    assert found(scan(tmp_path, obj)) == [
        ("pss/run-as-user", "spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.runAsUser",
         'init container "fetch" must not set runAsUser=0'),
    ]


def test_workload_annotations_are_not_the_pods(tmp_path: Path) -> None:
    key = "container.apparmor.security.beta.kubernetes.io/app"
    obj, _ = _wrap("Deployment", {"containers": [bare("app")]})
    obj["metadata"]["annotations"] = {key: "unconfined"}
    assert found(scan(tmp_path, obj, level="baseline")) == []
    obj["spec"]["template"]["metadata"]["annotations"] = {key: "unconfined"}
    assert found(scan(tmp_path, obj, level="baseline")) == [
        ("pss/apparmor-profile", f"spec.template.metadata.annotations['{key}']",
         f'annotation {key}="unconfined" is not allowed'),
    ]


def test_custom_resource_reusing_a_workload_kind_is_not_a_pod(tmp_path: Path) -> None:
    obj, _ = _wrap("Deployment", {"containers": [bare("app", securityContext={"privileged": True})]})
    obj["apiVersion"] = "example.com/v1"
    result = scan(tmp_path, obj, level="baseline")
    assert found(result) == []
    assert [o.pod for o in result.objects] == [False]


def test_workload_without_containers_is_a_patch_checked_for_what_it_sets(tmp_path: Path) -> None:
    # a kustomize patch: no container list, so not a pod Kubernetes would run; what it sets
    # is judged, what it leaves to the base is not
    patch = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "demo"},
             "spec": {"template": {"spec": {"hostNetwork": True}}}}
    result = scan(tmp_path, patch, level="baseline")
    assert [f.rule_id for f in result.findings] == ["pss/host-namespaces"]
    assert [o.pod for o in result.objects] == [True]
    clean = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "demo"},
             "spec": {"template": {"spec": {"nodeSelector": {"pool": "web"}}}}}
    assert found(scan(tmp_path, clean, level="restricted")) == []


# -- several objects per file: multi-document YAML and kind: List -----------------------------


def test_multi_document_file(tmp_path: Path) -> None:
    clean = pod(container("app"))
    bad, _ = _wrap("Deployment", {"containers": [container("web", allowPrivilegeEscalation=True)]})
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "b"}}
    path = write(tmp_path, clean, bad, config)
    result = Engine(Selection(only=frozenset({"pss"}))).run([str(path)])
    assert [(o.object.kind, o.pod, len(o.findings)) for o in result.objects] == [
        ("Pod", True, 0), ("Deployment", True, 1), ("ConfigMap", False, 0)]
    (f,) = result.findings
    assert (f.rule_id, f.path, f.object.kind) == (
        "pss/allow-privilege-escalation", "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
        "Deployment")
    assert f.line == line_of(path, "allowPrivilegeEscalation: true")
    assert result.objects[1].line == line_of(path, "apiVersion: apps/v1")  # where the object starts


@pytest.mark.parametrize("list_kind", ["List", "PodList", "DeploymentList"])
def test_list_items_are_objects_with_their_own_paths(tmp_path: Path, list_kind: str) -> None:
    first = pod(bare("app", securityContext={"privileged": True}))
    second, _ = _wrap("Deployment", {"containers": [bare("web")], "hostIPC": True})
    doc = {"apiVersion": "v1", "kind": list_kind, "items": [first, second]}
    path = write(tmp_path, doc)
    result = Engine(Selection(level=Level.BASELINE, only=frozenset({"pss"}))).run([str(path)])
    assert [(f.rule_id, f.path, f.object.kind) for f in result.findings] == [
        ("pss/privileged", "spec.containers[0].securityContext.privileged", "Pod"),
        ("pss/host-namespaces", "spec.template.spec.hostIPC", "Deployment"),
    ]
    assert [f.line for f in result.findings] == [line_of(path, "privileged: true"), line_of(path, "hostIPC: true")]


# -- the fixtures themselves -------------------------------------------------------------------


PSS_FIXTURES = [fx for fx in all_fixtures() if fx.rule_id.startswith("pss/")]


@pytest.mark.parametrize("fx", PSS_FIXTURES, ids=[fx.id for fx in PSS_FIXTURES])
def test_fixtures_hold_real_pods(fx: Fixture) -> None:
    # a pass fixture whose object is not a pod would pass for the wrong reason
    selection = Selection(level=Level.parse(fx.level), version=Version.parse(fx.version),
                          only=frozenset({fx.rule_id}))
    result = Engine(selection).run([str(fx.path)])
    assert result.objects and all(o.pod for o in result.objects), fx.path.name


def test_every_pss_rule_has_fixtures() -> None:
    pss_rules = {r.id for r in default_registry() if r.family == "pss"}
    assert len(pss_rules) == 19
    by_rule: dict[str, set[bool]] = {}
    for fx in PSS_FIXTURES:
        by_rule.setdefault(fx.rule_id, set()).add(fx.passing)
    assert {r for r, kinds in by_rule.items() if kinds == {True, False}} == pss_rules
