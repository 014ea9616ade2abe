"""Properties of ``fix`` over generated pods and over every file of the shared corpus:
the output parses, only security-related paths change, and fixing again changes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podwarden.engine import Engine, Selection
from podwarden.fix.apply import Fixer
from podwarden.load import yaml as yamlload
from podwarden.load.sources import MANIFEST_SUFFIXES, Source
from tests.fix.helpers import unsafe_changes

CORPUS = Path(os.environ.get("PODWARDEN_CORPUS", "/work/shared/corpus"))

SAFE = Fixer(Selection())
UNSAFE = Fixer(Selection(), unsafe=True, values={"run_as_user": 10001})

# -- generated pods ---------------------------------------------------------------------

# (plain y and n are booleans to Kubernetes' YAML reader: no name)
names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True).filter(lambda name: name not in ("y", "n"))
caps = st.lists(st.sampled_from(["NET_BIND_SERVICE", "NET_ADMIN", "SYS_ADMIN", "ALL", "CHOWN"]),
                max_size=3, unique=True)
security_context = st.fixed_dictionaries({}, optional={
    "allowPrivilegeEscalation": st.booleans(),
    "privileged": st.booleans(),
    "runAsNonRoot": st.booleans(),
    "runAsUser": st.integers(0, 2000),
    "readOnlyRootFilesystem": st.booleans(),
    "capabilities": st.fixed_dictionaries({}, optional={"add": caps, "drop": caps}),
    "seccompProfile": st.fixed_dictionaries(
        {"type": st.sampled_from(["RuntimeDefault", "Unconfined", "Localhost"])}),
})
container = st.fixed_dictionaries(
    {"name": names, "image": st.sampled_from(["nginx", "busybox:1.36", "example.azurecr.io/app@sha256:00"])},
    optional={
        "securityContext": security_context,
        "ports": st.lists(st.fixed_dictionaries({"containerPort": st.integers(1, 9000)}), max_size=2),
        "args": st.lists(names, max_size=2),
    },
)
pod_spec = st.fixed_dictionaries(
    {"containers": st.lists(container, min_size=1, max_size=3)},
    optional={
        "initContainers": st.lists(container, min_size=1, max_size=2),
        "securityContext": security_context.map(
            lambda sc: {k: v for k, v in sc.items() if k not in ("privileged", "capabilities",
                                                                 "allowPrivilegeEscalation",
                                                                 "readOnlyRootFilesystem")}),
        "automountServiceAccountToken": st.booleans(),
        "hostNetwork": st.booleans(),
    },
)


def as_manifest(kind: str, spec: dict[str, object]) -> dict[str, object]:
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}
    template = {"metadata": {"labels": {"app": "a"}}, "spec": spec}
    if kind == "CronJob":
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
                "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "d"},
            "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": template}}


def render_yaml(doc: object, style: int, seq_indent: bool) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False if seq_indent else indentless)

    return yaml.dump(doc, Dumper=Dumper, sort_keys=False, indent=style,
                     default_flow_style=None if style == 2 and not seq_indent else False)


def check_fix(fixer: Fixer, text: str, name: str, unsafe: bool) -> str | None:
    """Fix ``text``: the result parses, changes only security paths, and is a fixed point."""
    out = fixer.fix_bytes(text.encode(), name)
    assert not out.errors, [str(e) for e in out.errors]
    if not out.changed:
        return None
    fixed = out.fixed_text or ""
    yamlload.parse(fixed, name)  # parses (raises otherwise)
    assert unsafe_changes(text, fixed, unsafe) == []
    again = fixer.fix_bytes(fixed.encode(), name)
    assert not again.errors and not again.changed, "fixing a fixed file must change nothing"
    return fixed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["Pod", "Deployment", "CronJob", "StatefulSet"]),
    spec=pod_spec,
    style=st.sampled_from([2, 4]),
    seq_indent=st.booleans(),
    unsafe=st.booleans(),
    comment=st.booleans(),
)
def test_generated_pods(kind: str, spec: dict[str, object], style: int, seq_indent: bool,
                        unsafe: bool, comment: bool) -> None:
    text = render_yaml(as_manifest(kind, spec), style, seq_indent)
    if comment:
        text = "# generated\n" + text.replace("\n", "  # note\n", 1) + "---\nkind: ConfigMap\napiVersion: v1\n"
    fixed = check_fix(UNSAFE if unsafe else SAFE, text, "gen.yaml", unsafe)
    if fixed is not None and comment:
        assert fixed.startswith(text.split("\n", 2)[0] + "\n" + text.split("\n", 2)[1] + "\n")
        assert fixed.endswith("---\nkind: ConfigMap\napiVersion: v1\n")


# -- the shared corpus, read in place --------------------------------------------------


def corpus_files() -> list[str]:
    out = []
    for root, dirs, files in os.walk(CORPUS):
        dirs.sort()
        out.extend(os.path.join(root, f) for f in sorted(files) if f.endswith(MANIFEST_SUFFIXES))
    return out


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_corpus(unsafe: bool) -> None:
    """Every corpus file: fixed output parses, changes only security paths, is idempotent,
    and ``check`` then reports nothing a fix could still remove."""
    fixer = UNSAFE if unsafe else SAFE
    engine = Engine(Selection(only=frozenset(r.id for r in fixer.rules)))
    changed = 0
    problems: list[str] = []
    for name in corpus_files():
        with open(name, "rb") as handle:
            raw = handle.read()
        out = fixer.fix_bytes(raw, name, explicit=False)
        if any("not rewritten" in e.message for e in out.errors):
            problems.append(f"{name}: {out.errors[0]}")
        if not out.changed:
            continue
        changed += 1
        fixed = out.fixed_text or ""
        try:
            bad = unsafe_changes(out.text, fixed, unsafe)
        except Exception as exc:  # the output must parse
            problems.append(f"{name}: fixed output does not parse: {exc}")
            continue
        if bad:
            problems.append(f"{name}: changed {bad[:3]}")
        again = fixer.fix_bytes(out.fixed_bytes(), name)
        if again.changed or again.errors:
            problems.append(f"{name}: not idempotent")
        if unsafe:
            continue  # the safe sweep compares with `check`; this one covers the unsafe edits
        # the findings the fix removed are gone from `check`
        fixed_rules = {a.rule_id for a in out.applied}
        before = engine.scan_file(Source(name, True), raw)
        after = engine.scan_file(Source(name, True), out.fixed_bytes())
        gone = {(f.rule_id, f.object, f.path) for f in before.findings} - {
            (f.rule_id, f.object, f.path) for f in after.findings}
        removed = {(a.rule_id, a.path) for a in out.applied}
        if not {(r, p) for r, _, p in gone} >= {(r, p) for r, p in removed if r in fixed_rules}:
            problems.append(f"{name}: check still reports a finding the fix claims to have removed")
    assert problems == []
    assert changed > 1000  # the sweep really fixed files (2,483 safe, 2,516 unsafe when written)
