#!/usr/bin/env bash
# Run podwarden's image the way a pod with readOnlyRootFilesystem runs it, without a
# container runtime (podman's cannot set limits in the build machines' sandbox):
#
#   image/run-readonly.sh [-v HOST:PATH[:ro]]... [--entrypoint PROG] IMAGE [ARG...]
#
# - the image's root file system (a buildah working container's mount) bind-mounted
#   read-only in a private mount namespace, then chroot into it;
# - the image's own USER (numeric UID:GID), ENV, WORKDIR and ENTRYPOINT (ARGs replace CMD),
#   switched to by the image's own setpriv (util-linux, in every Debian-based image):
#   supplementary groups dropped, no_new_privs set (allowPrivilegeEscalation: false), every
#   capability dropped, the bounding set included (capabilities.drop: [ALL]);
# - /proc, a small /dev (null, zero, full, random, urandom, tty, shm) and the -v volumes as
#   the only other mounts: a host directory at /tmp is what an emptyDir is.
#
# Not a container runtime: the network is the host's (the tests use 127.0.0.1), there is no
# PID, IPC or user namespace, no seccomp filter and no cgroup limit.  Root is needed (mount
# namespace, chroot).  The exit status is the command's; SIGTERM and SIGINT are passed on.
set -euo pipefail

die() { echo "run-readonly: $*" >&2; exit 125; }

volumes=()
entrypoint=
while [ $# -gt 0 ]; do
    case $1 in
        -v|--volume) [ $# -ge 2 ] || die "$1 needs HOST:PATH[:ro]"; volumes+=("$2"); shift 2 ;;
        --entrypoint) [ $# -ge 2 ] || die "--entrypoint needs a program"; entrypoint=$2; shift 2 ;;
        --) shift; break ;;
        -*) die "unknown option $1" ;;
        *) break ;;
    esac
done
[ $# -ge 1 ] || die "usage: run-readonly.sh [-v HOST:PATH[:ro]]... [--entrypoint PROG] IMAGE [ARG...]"
image=$1; shift
[ "$(id -u)" = 0 ] || die "needs root (a mount namespace and chroot)"

# the image's configuration, as NUL-separated fields: user, workdir, entrypoint, cmd, env
config=$(buildah inspect --type image "$image") || die "no image $image"
mapfile -d '' -t fields < <(python3 -c '
import json, sys
c = json.loads(sys.argv[1])["OCIv1"].get("config") or {}
out = [c.get("User") or "0:0", c.get("WorkingDir") or "/",
       "\x1f".join(c.get("Entrypoint") or []), "\x1f".join(c.get("Cmd") or []), *(c.get("Env") or [])]
sys.stdout.write("".join(f + "\0" for f in out))' "$config")
user=${fields[0]} workdir=${fields[1]}
IFS=$'\x1f' read -r -a image_entrypoint <<<"${fields[2]}" || true
IFS=$'\x1f' read -r -a image_cmd <<<"${fields[3]}" || true
env=("${fields[@]:4}")
[[ $user =~ ^([0-9]+):([0-9]+)$ ]] || die "USER $user: only a numeric UID:GID is supported"
uid=${BASH_REMATCH[1]} gid=${BASH_REMATCH[2]}
if [ -n "$entrypoint" ]; then image_entrypoint=("$entrypoint"); image_cmd=(); fi
if [ $# -gt 0 ]; then image_cmd=("$@"); fi
command=("${image_entrypoint[@]}" "${image_cmd[@]}")
[ ${#command[@]} -gt 0 ] || die "nothing to run"

ctr=$(buildah from --pull=never --quiet "$image")
root=$(mktemp -d /tmp/podwarden-rootfs.XXXXXX)
child= signalled=
cleanup() {
    buildah rm "$ctr" >/dev/null 2>&1 || true
    rmdir "$root" 2>/dev/null || true
}
trap cleanup EXIT
forward() { signalled=1; [ -z "$child" ] || kill "-$1" "$child" 2>/dev/null || true; }
trap 'forward TERM' TERM
trap 'forward INT' INT
mnt=$(buildah mount "$ctr")

mounts=()
for volume in "${volumes[@]}"; do
    IFS=: read -r host path mode <<<"$volume"
    [ -d "$host" ] || [ -f "$host" ] || die "volume $volume: $host does not exist"
    [ -e "$mnt$path" ] || die "volume $volume: $path does not exist in the image (the root is read-only)"
    mounts+=("$(realpath "$host")" "$path" "${mode:-rw}")
done

# in the new mount namespace: the read-only root, /proc, /dev, volumes; then chroot, drop
# to the image's user without capabilities, and exec the command (its PID is this child's)
inner='set -eu
mnt=$1 root=$2 n=$3; shift 3
mount --bind "$mnt" "$root"
mount -o remount,bind,ro,nosuid,nodev "$root"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t tmpfs -o mode=755,nosuid,size=1m tmpfs "$root/dev"
for dev in null zero full random urandom tty; do
    : >"$root/dev/$dev"; mount --bind "/dev/$dev" "$root/dev/$dev"
done
mkdir "$root/dev/shm"; mount -t tmpfs -o mode=1777,nosuid,nodev,size=64m tmpfs "$root/dev/shm"
while [ "$n" -gt 0 ]; do
    mount --bind "$1" "$root$2"
    if [ "$3" = ro ]; then mount -o remount,bind,ro,nosuid,nodev "$root$2"; fi
    shift 3; n=$((n - 1))
done
exec "$@"'
unshare --mount --propagation private -- sh -c "$inner" sh "$mnt" "$root" $((${#mounts[@]} / 3)) "${mounts[@]}" \
    env -i "${env[@]}" unshare --root="$root" --wd="$workdir" -- \
    setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs --bounding-set=-all --inh-caps=-all \
    -- "${command[@]}" &
child=$!
status=0
wait "$child" || status=$?
while [ -n "$signalled" ]; do  # woken by a forwarded signal: wait for the command's exit
    signalled= status=0
    wait "$child" || status=$?
done
exit "$status"
