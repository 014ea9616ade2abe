"""``podwarden fix`` through the command line: diff, --write, exit codes, held-back notes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from podwarden.cli import main

DEPLOYMENT = """\
# web front end
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx   # pinned elsewhere
        ports:
        - containerPort: 80
      - name: side
        image: busybox
        securityContext:
          runAsNonRoot: false
          capabilities: {add: [NET_ADMIN]}
"""

PSS_FIXED = ("pss/allow-privilege-escalation", "pss/unrestricted-capabilities",
             "pss/seccomp-profile-restricted", "pss/run-as-non-root")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, text: str, name: str = "deploy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_dry_run_prints_a_diff_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, DEPLOYMENT)
    code, out, err = run("fix", "--only", "pss", str(path))
    assert code == 1
    assert out.startswith(f"--- {path}\n+++ {path}\n@@")
    assert "+          allowPrivilegeEscalation: false\n" in out
    assert path.read_text() == DEPLOYMENT
    assert "run with --write" in err


def test_write_then_check_reports_none_of_the_fixed_findings(tmp_path: Path) -> None:
    path = write(tmp_path, DEPLOYMENT)
    os.chmod(path, 0o604)
    code, _, err = run("fix", "--write", "--only", "pss", str(path))
    assert code == 1, err  # written, but findings remain (listed below)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o604
    fixed = path.read_text()
    assert fixed.startswith("# web front end\n") and "image: nginx   # pinned elsewhere\n" in fixed
    code, out, _ = run("check", "-o", "json", "--only", ",".join(PSS_FIXED), str(path))
    # what remains needs --unsafe: the explicit runAsNonRoot=false, and so the capabilities
    # of that container that may run as root (drop ALL, and its NET_ADMIN)
    assert code == 1
    remaining = sorted((f["rule"], f["path"]) for f in json.loads(out)["findings"])
    side = "spec.template.spec.containers[1].securityContext."
    assert remaining == [
        ("pss/run-as-non-root", side + "runAsNonRoot"),
        ("pss/unrestricted-capabilities", side + "capabilities.add[0]"),
        ("pss/unrestricted-capabilities", side + "capabilities.drop"),
    ]
    # held back, and said why: each finding on its own line, in the fixed file
    assert "left: pss/unrestricted-capabilities: unsafe part not applied without --unsafe" in err
    assert f"  {path}:25: Deployment/web {side}capabilities.drop\n" in err
    assert f"  {path}:25: Deployment/web {side}capabilities.add[0]\n" in err
    assert "left: pss/run-as-non-root: unsafe part not applied without --unsafe" in err
    assert err.rstrip().endswith("fixed 6 finding(s) in 1 file(s); 3 finding(s) left")
    # fixing again changes nothing, and the same three are left
    code, out, err = run("fix", "--only", "pss", str(path))
    assert (code, out) == (1, "") and "would fix 0 finding(s) in 0 file(s); 3 finding(s) left" in err


def test_run_as_non_root_fix_cautions_about_root_images(tmp_path: Path) -> None:
    path = write(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                           "spec:\n  containers:\n    - {name: app, image: nginx}\n")
    _, _, err = run("fix", "--only", "pss/run-as-non-root", str(path))
    caution = [line for line in err.splitlines() if line.startswith("caution: pss/run-as-non-root:")]
    assert len(caution) == 1 and "refuses to start a container whose image runs as root" in caution[0]
    assert "check each image, or give --run-as-user" in caution[0]
    assert "Pod/p spec.containers[0].securityContext.runAsNonRoot" in caution[0]
    # a concrete user settles it; a file the fix does not change gets no caution
    _, _, err = run("fix", "--only", "pss/run-as-non-root,pss/run-as-user", "--run-as-user", "10001", str(path))
    assert "caution:" not in err
    run("fix", "--write", "--only", "pss/run-as-non-root", str(path))
    assert "caution:" not in run("fix", "--only", "pss/run-as-non-root", str(path))[2]


def test_unsafe_fixes_everything_the_pss_fixers_can(tmp_path: Path) -> None:
    path = write(tmp_path, DEPLOYMENT)
    code, _, err = run("fix", "--write", "--unsafe", "--only", ",".join(PSS_FIXED), str(path))
    assert code == 0, err
    assert run("check", "--only", ",".join(PSS_FIXED), str(path))[0] == 0


def test_run_as_user_value_enables_the_concrete_user_fix(tmp_path: Path) -> None:
    text = DEPLOYMENT.replace("runAsNonRoot: false", "runAsUser: 0")
    path = write(tmp_path, text)
    code, out, err = run("fix", "--only", "pss/run-as-user", str(path))
    assert code == 1 and out == ""  # nothing to change, one finding left
    assert "left: pss/run-as-user: needs a value (--run-as-user)" in err
    code, out, _ = run("fix", "--only", "pss/run-as-user", "--run-as-user", "10001", str(path))
    assert code == 1
    assert "-          runAsUser: 0\n+          runAsUser: 10001\n" in out


def test_a_template_is_left_untouched_with_exit_2(tmp_path: Path) -> None:
    text = DEPLOYMENT.replace("  name: web", '  name: web\n  labels: {app: "x"}\n  # {{ include "labels" . }}')
    path = write(tmp_path, text)
    good = write(tmp_path, DEPLOYMENT, "good.yaml")
    code, _, err = run("fix", "--write", "--only", "pss", str(path), str(good))
    assert code == 2
    assert path.read_text() == text
    assert f"error: {path}:7: not rewritten: looks like a template" in err  # the line of the '{{'

    assert good.read_text() != DEPLOYMENT  # the other file is still fixed


def test_unparsable_and_json_duplicates_exit_2(tmp_path: Path) -> None:
    bad = write(tmp_path, "apiVersion: v1\nkind: Pod\nspec: [\n", "bad.yaml")
    dup = write(tmp_path, '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "name": "b"},'
                          ' "spec": {"containers": [{"name": "c", "image": "x"}]}}\n', "dup.json")
    code, _, err = run("fix", "--write", str(bad), str(dup))
    assert code == 2
    assert "bad.yaml" in err and "dup.json:1: duplicate key" in err
    assert dup.read_text().count('"name"') == 3


def test_nothing_to_fix_exits_0(tmp_path: Path) -> None:
    path = write(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    assert run("fix", str(path)) == (0, "", "would fix 0 finding(s) in 0 file(s)\n")


def test_run_as_group_and_fs_group_enable_their_fixes(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 10001}
  containers:
    - name: c
      image: x
      volumeMounts: [{name: data, mountPath: /data}]
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: data}
"""
    path = write(tmp_path, text)
    code, _, err = run("fix", "--only", "hardening/root-group,hardening/fs-group-missing", str(path))
    assert code == 1 and "--run-as-group" in err and "--fs-group" in err  # held back, and why
    code, _, _ = run("fix", "--write", "--only", "hardening/root-group,hardening/fs-group-missing",
                     "--run-as-group", "3000", "--fs-group", "2000", str(path))
    fixed = path.read_text()
    assert code == 0 and "runAsGroup: 3000" in fixed and "fsGroup: 2000" in fixed
    code, _, _ = run("check", "--only", "hardening/root-group,hardening/fs-group-missing", str(path))
    assert code == 0


def test_standard_input_is_fixed_with_every_family_selected() -> None:
    # rules that read other objects (identity, vault) index the input first: standard input
    # can be read only once, so the index and the fix must share it
    command = [sys.executable, "-c", "from podwarden.cli import run; run()", "fix"]
    dry = subprocess.run([*command, "-"], input=DEPLOYMENT, capture_output=True, text=True, timeout=60, check=False)
    assert dry.returncode == 1 and "+++ -" in dry.stdout and "allowPrivilegeEscalation: false" in dry.stdout
    assert "would fix 0" not in dry.stderr
    done = subprocess.run([*command, "--write", "-"], input=DEPLOYMENT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 1 and "finding(s) left" in done.stderr  # what needs --unsafe stays
    again = subprocess.run([*command, "-"], input=done.stdout, capture_output=True, text=True, timeout=60, check=False)
    assert again.stdout == ""  # what --write printed is fixed
    assert "would fix 0 finding(s)" in again.stderr


POD_WITH_CREDENTIALS = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: nginx
    env:
    - name: TLS_KEY
      value: |
        -----BEGIN RSA PRIVATE KEY-----
        MIIEowIBAAKCAQEA1c2VjcmV0LWtleS1ib2R5LWZvci1hLXRlc3QtMDEyMzQ1Njc4
        OWFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6QUJDREVGR0hJSktMTU5PUFFSU1RV
        -----END RSA PRIVATE KEY-----
    - {name: DB_PASSWORD, value: "Hunter2-Sup3rS3cret!x"}
"""


def test_the_diff_hides_credentials_next_to_a_change(tmp_path: Path) -> None:
    # the diff's context lines are the file's own: a password beside a fixed field showed
    path = write(tmp_path, POD_WITH_CREDENTIALS, "pod.yaml")
    code, out, err = run("fix", "--only", "pss", str(path))
    assert code == 1 and "+    securityContext:" in out
    shown = out + err
    for fragment in ("Hunter2-Sup3rS3cret!x", "MIIEowIBAAKCAQEA1c2VjcmV0", "OWFiY2RlZmdoaWprbG1ub3Bx"):
        assert fragment not in shown
    # each in its place: the password (21 characters) and the key's lines
    assert "- {name: DB_PASSWORD, value: <redacted ...(21)#" in out
    assert "         <redacted ----...(193)#" in out
    # the file itself is only ever rewritten, never redacted
    run("fix", "--write", "--only", "pss", str(path))
    assert "Hunter2-Sup3rS3cret!x" in path.read_text() and "MIIEowIBAAKCAQEA1c2VjcmV0" in path.read_text()


def test_a_named_file_without_objects_is_an_error_as_in_check(tmp_path: Path) -> None:
    empty = write(tmp_path, "---\n...\n", "empty.yaml")
    good = write(tmp_path, DEPLOYMENT)
    code, _, err = run("fix", str(empty), str(good))
    assert code == 2
    assert f"error: {empty}: no Kubernetes objects in this file" in err
    check_code, _, check_err = run("check", str(empty))
    assert check_code == 2 and f"{empty}: no Kubernetes objects in this file" in check_err


TWO_USERS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx
      - name: side
        image: busybox
        securityContext:
          runAsUser: 2000
"""


def test_run_as_user_is_written_at_pod_level_and_shown(tmp_path: Path) -> None:
    for extra in ((), ("--unsafe",), ("--only", "pss")):
        path = write(tmp_path, TWO_USERS)
        code, out, err = run("fix", *extra, "--run-as-user", "10001", "--run-as-group", "10002", str(path))
        assert code == 1
        assert "+        runAsUser: 10001\n" in out and "+        runAsGroup: 10002\n" in out
        assert "would set: --run-as-user 10001 at pod level in 1 pod(s)" in err
        assert "caution:" not in err
        code, _, err = run("fix", *extra, "--run-as-user", "10001", "--run-as-group", "10002", "--write", str(path))
        pod = yaml.safe_load(path.read_text())["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == 10001
        assert pod["securityContext"]["runAsGroup"] == 10002
        assert pod["containers"][1]["securityContext"]["runAsUser"] == 2000  # its own, kept
        # fixing a fixed file changes nothing
        code, out, _ = run("fix", *extra, "--run-as-user", "10001", "--run-as-group", "10002", str(path))
        assert out == ""


def test_run_as_user_is_not_written_where_every_container_has_its_own(tmp_path: Path) -> None:
    text = TWO_USERS.replace("      - name: app\n        image: nginx\n",
                             "      - name: app\n        image: nginx\n        securityContext: {runAsUser: 1000}\n")
    path = write(tmp_path, text)
    code, out, err = run("fix", "--only", "pss", "--run-as-user", "10001", str(path))
    assert "runAsUser: 10001" not in out and "would set:" not in err


def test_the_root_image_caution_only_where_it_can_apply(tmp_path: Path) -> None:
    every = TWO_USERS.replace("      - name: app\n        image: nginx\n",
                              "      - name: app\n        image: nginx\n        securityContext: {runAsUser: 1000}\n")
    path = write(tmp_path, every)
    code, out, err = run("fix", "--only", "pss", str(path))
    assert code == 1 and "+        runAsNonRoot: true\n" in out
    assert "caution:" not in err  # every container runs as a non-zero user
    path = write(tmp_path, TWO_USERS)
    code, out, err = run("fix", "--only", "pss", str(path))
    assert code == 1 and "caution: pss/run-as-non-root:" in err  # "app" runs as its image's user
