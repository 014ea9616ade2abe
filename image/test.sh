#!/usr/bin/env bash
# `make image-test`: build the image (image/build.sh), then run it as deploy/ runs it and
# check it from outside:  image/test.sh [--no-build]
#
# Every run below uses image/run-readonly.sh: the image's root file system read-only, its
# own USER (65532:65532), ENV, WORKDIR and ENTRYPOINT, no capabilities, no_new_privs, and a
# host directory at /tmp standing for the emptyDir of deploy/.  Checked:
#   - the user, a read-only root, a writable /tmp; no pip, apt, dpkg or compiler inside;
#     bytecode for every module, so nothing needs writing at run time;
#   - `podwarden check`: deploy/manifests pass with zero findings, a privileged pod fails
#     (exit 1, pss/privileged in the JSON), with -j 2 (worker processes, /dev/shm);
#   - `podwarden serve --self-signed /tmp/certs`: /healthz over HTTPS on 127.0.0.1, a
#     privileged pod denied, a hardened one allowed, /readyz and /metrics (image/probe.py),
#     then SIGTERM and a drained exit;
#   - `podwarden check` through `buildah run --isolation chroot` too (the standard way; its
#     root is writable).
# Needs root and buildah (as image/build.sh does on these machines).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != --no-build ]; then
    image/build.sh
fi
name=$(image/build.sh --print-name)
run=image/run-readonly.sh
started=$SECONDS

work=$(mktemp -d /tmp/podwarden-image-test.XXXXXX)
server=
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server" 2>/dev/null || true; wait "$server" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "image-test: FAILED: $*" >&2; exit 1; }
ok() { echo "image-test: ok: $*"; }

# an emptyDir: a host directory, world-writable as the kubelet makes it
mkdir -m 0777 "$work/tmp" "$work/tmp-serve"
chmod 0777 "$work/tmp" "$work/tmp-serve"
mkdir "$work/manifests"
cp deploy/manifests/*.yaml "$work/manifests/"
cat >"$work/privileged.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: privileged, namespace: team}
spec:
  containers:
    - name: app
      image: registry.example/app:1.0
      securityContext: {privileged: true}
YAML

# --- the image's user, its read-only root, what it holds --------------------------------
out=$("$run" -v "$work/tmp:/tmp" --entrypoint sh "$name" -c '
    set -u
    echo "user $(id -u):$(id -g) groups $(id -G)"
    if touch /probe 2>/dev/null; then echo "root writable"; fi
    touch /tmp/probe && echo "tmp writable"
    for tool in pip pip3 apt apt-get dpkg gcc cc c++ make; do
        if command -v "$tool" >/dev/null 2>&1; then echo "has $tool"; fi
    done
    if python3 -m pip --version >/dev/null 2>&1; then echo "has python3 -m pip"; fi
    if python3 -m ensurepip --version >/dev/null 2>&1; then echo "has ensurepip"; fi
    grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status | tr -s "\t" " "
') || fail "the shell in the image: $out"
echo "$out" | sed 's/^/  /'
[ "$(echo "$out" | head -n 1)" = "user 65532:65532 groups 65532" ] || fail "not 65532:65532 alone"
echo "$out" | grep -qx "tmp writable" || fail "/tmp is not writable"
if echo "$out" | grep -q "^root writable"; then fail "the root file system is writable"; fi
if echo "$out" | grep -q "^has "; then fail "$(echo "$out" | grep "^has ")"; fi
echo "$out" | grep -qx "CapEff: 0000000000000000" || fail "capabilities left"
echo "$out" | grep -qx "NoNewPrivs: 1" || fail "no_new_privs not set"
ok "user 65532:65532, read-only root, writable /tmp, no pip/apt/dpkg/compiler, no capabilities"

"$run" --entrypoint python3 "$name" -c '
import importlib.util, pathlib, sys
missing = [str(p) for root in ("/opt/podwarden", *sys.path[1:]) if root and pathlib.Path(root).is_dir()
           for p in pathlib.Path(root).rglob("*.py")
           if "/test/" not in str(p) and "/tests/" not in str(p) and "/idlelib/" not in str(p)
           and not pathlib.Path(importlib.util.cache_from_source(str(p))).exists()]
print(f"{len(missing)} modules without bytecode", *missing[:10], sep="\n  ")
sys.exit(1 if missing else 0)
' || fail "modules without bytecode: a read-only root would recompile them at every start"
ok "bytecode for every module of podwarden and the standard library"

# --- podwarden check ------------------------------------------------------------------------
status=0
out=$("$run" -v "$work/tmp:/tmp" -v "$work/manifests:/work:ro" "$name" check /work) || status=$?
[ "$status" = 0 ] || fail "check of deploy/manifests: exit $status: $out"
ok "check deploy/manifests in the image: exit 0 ($(echo "$out" | tail -n 1))"
cp "$work/privileged.yaml" "$work/manifests/"
status=0
out=$("$run" -v "$work/tmp:/tmp" -v "$work/manifests:/work:ro" "$name" check -j 2 -o json --min-severity high /work) \
    || status=$?
[ "$status" = 1 ] || fail "check of a privileged pod: exit $status, expected 1: $out"
echo "$out" | python3 -c '
import json, sys
report = json.load(sys.stdin)
rules = {f["rule"] for f in report["findings"]}
files = {f["file"] for f in report["findings"]}
assert "pss/privileged" in rules and files == {"/work/privileged.yaml"}, (rules, files)
' || fail "check -o json does not report pss/privileged on privileged.yaml alone: $out"
ok "check -j 2 in the image: the privileged pod fails with pss/privileged (exit 1), the manifests pass"

# --- podwarden serve --------------------------------------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$run" -v "$work/tmp-serve:/tmp" "$name" serve --self-signed /tmp/certs --port "$port" --kube-api off \
    >"$work/serve.log" 2>&1 &
server=$!
if ! python3 image/probe.py "$port" "$work/tmp-serve/certs/ca.crt"; then
    sed 's/^/  serve: /' "$work/serve.log" >&2
    fail "the webhook in the image"
fi
kill -TERM "$server"
status=0
wait "$server" || status=$?
server=
# uvicorn re-raises the signal once drained: SIGTERM's status (143) or 0, after its "stopped"
if { [ "$status" != 0 ] && [ "$status" != 143 ]; } || ! grep -q '"event":"stopped"' "$work/serve.log"; then
    sed 's/^/  serve: /' "$work/serve.log" >&2
    fail "serve exited $status after SIGTERM, or without draining"
fi
if grep -qi "traceback\|read-only file system" "$work/serve.log"; then
    sed 's/^/  serve: /' "$work/serve.log" >&2
    fail "serve logged an error"
fi
ok "serve --self-signed in the image: healthz, deny privileged, allow hardened over HTTPS; drained exit on SIGTERM"

# --- the standard way: buildah run -----------------------------------------------------------
ctr=$(buildah from --pull=never --quiet "$name")
status=0
out=$(buildah run --isolation chroot --volume "$work/manifests:/work:ro" "$ctr" -- podwarden check /work/privileged.yaml \
    2>"$work/buildah-run.err") \
    || status=$?
buildah rm "$ctr" >/dev/null
[ "$status" = 1 ] && echo "$out" | grep -q "pss/privileged" || fail "buildah run podwarden check: exit $status: $out"
ok "buildah run --isolation chroot: podwarden check finds pss/privileged"

echo "image-test: $name passed every check in $((SECONDS - started)) s"
