#!/usr/bin/env bash
# Make the local base image `localhost/podwarden-base:bookworm` from Debian's packages, for
# machines that reach Debian's mirror and PyPI but no container registry.
#
#   debootstrap --variant=minbase bookworm  +  python3 (3.11), python3-venv, python3-pip
#   with bookworm-updates and bookworm-security applied, apt lists and caches removed,
#   then imported into buildah's storage (`buildah from scratch` + copy + commit).
#
# Cached on this machine: the image in buildah's storage, and the root file system as a
# tarball under $PODWARDEN_IMAGE_CACHE (default /var/cache/podwarden-image as root, else
# ~/.cache/podwarden-image), so a machine whose buildah storage was reset imports it again
# without downloading.  The cache is refreshed after PODWARDEN_BASE_MAX_AGE_DAYS (default 7)
# days, so security updates come in.  Needs root, debootstrap and buildah.
set -euo pipefail

BASE_IMAGE=${PODWARDEN_BASE_IMAGE:-localhost/podwarden-base:bookworm}
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
MAX_AGE_DAYS=${PODWARDEN_BASE_MAX_AGE_DAYS:-7}
if [ "$(id -u)" = 0 ]; then
    CACHE=${PODWARDEN_IMAGE_CACHE:-/var/cache/podwarden-image}
else
    CACHE=${PODWARDEN_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/podwarden-image}
fi
TARBALL=$CACHE/debian-$SUITE-python3-minbase.tar

log() { printf 'debian-base: %s\n' "$*" >&2; }

fresh() {  # is FILE younger than MAX_AGE_DAYS?
    [ -f "$1" ] && [ -n "$(find "$1" -mtime "-$MAX_AGE_DAYS" 2>/dev/null)" ]
}

if [ "${1:-}" != --refresh ] && fresh "$TARBALL" && buildah inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
    log "$BASE_IMAGE is present (cache $TARBALL)"
    exit 0
fi

for tool in buildah debootstrap; do
    command -v "$tool" >/dev/null || { log "$tool is missing (apt-get install -y buildah debootstrap)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { log "debootstrap needs root"; exit 1; }

mkdir -p "$CACHE"
if [ "${1:-}" = --refresh ] || ! fresh "$TARBALL"; then
    work=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    rootfs=$work/rootfs
    log "debootstrap --variant=minbase $SUITE from $MIRROR (a few minutes)"
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip \
        "$SUITE" "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 30 "$work/debootstrap.log" >&2; log "debootstrap failed"; exit 1; }
    cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
SOURCES
    log "applying $SUITE-updates and $SUITE-security"
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        sh -c 'apt-get -q update && apt-get -q -y upgrade && apt-get clean' >"$work/upgrade.log" 2>&1 \
        || { tail -n 30 "$work/upgrade.log" >&2; log "upgrade failed"; exit 1; }
    # nothing of this machine's in the image: no DNS setting, host name, apt lists, logs, caches
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/* \
        "$rootfs"/tmp/* "$rootfs"/var/tmp/* "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
    : >"$rootfs/etc/resolv.conf"
    tar --numeric-owner --xattrs -C "$rootfs" -cf "$work/rootfs.tar" .
    mv "$work/rootfs.tar" "$TARBALL"
    rm -rf "$work"
    trap - EXIT
fi

log "importing $TARBALL as $BASE_IMAGE"
ctr=$(buildah from scratch)
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
mnt=$(buildah mount "$ctr")
tar --numeric-owner --xattrs -C "$mnt" -xf "$TARBALL"
buildah umount "$ctr" >/dev/null
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --cmd '["python3"]' \
    --label org.opencontainers.image.description="Debian $SUITE minbase with python3, from Debian's packages" \
    "$ctr"
buildah commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
trap - EXIT
log "made $BASE_IMAGE"
