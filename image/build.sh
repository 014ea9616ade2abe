#!/usr/bin/env bash
# Build podwarden's image from Containerfile:  image/build.sh [--print-name]
#
#   IMAGE       repository            default ghcr.io/podwarden/podwarden (what deploy/ names)
#   TAG         tag                   default the version in pyproject.toml
#   BUILD_TOOL  buildah|podman|docker default the first one found, in that order
#   BASE        base image, or `debian` for localhost/podwarden-base:bookworm made from
#               Debian's packages (image/debian-base.sh: root, buildah, debootstrap).
#               Default: `debian` with buildah as root (machines without a container
#               registry, such as this project's), otherwise the Containerfile's default,
#               the official python:3.11-slim-bookworm.
#
# --print-name prints IMAGE:TAG and exits (the tests compare it with deploy/).
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -n 1)
[ -n "$version" ] || { echo "build: no version in pyproject.toml" >&2; exit 1; }
IMAGE=${IMAGE:-ghcr.io/podwarden/podwarden}
TAG=${TAG:-$version}
name=$IMAGE:$TAG
if [ "${1:-}" = --print-name ]; then
    echo "$name"
    exit 0
fi

tool=${BUILD_TOOL:-}
if [ -z "$tool" ]; then
    for candidate in buildah podman docker; do
        if command -v "$candidate" >/dev/null; then tool=$candidate; break; fi
    done
fi
[ -n "$tool" ] || { echo "build: needs buildah, podman or docker (apt-get install buildah)" >&2; exit 1; }

base=${BASE:-}
if [ -z "$base" ] && [ "$tool" = buildah ] && [ "$(id -u)" = 0 ]; then
    base=debian
fi
if [ "$base" = debian ]; then
    image/debian-base.sh
    base=${PODWARDEN_BASE_IMAGE:-localhost/podwarden-base:bookworm}
fi

args=(-f Containerfile -t "$name" --build-arg "VERSION=$version")
[ -z "$base" ] || args+=(--build-arg "BASE=$base")
# a network that inspects TLS (a proxy with its own CA): pip in the build trusts what the
# machine's pip trusts, through a build secret that no layer keeps
ca=${PIP_CERT:-${SSL_CERT_FILE:-}}
if [ -z "$ca" ] && [ -s /etc/ssl/certs/ca-certificates.crt ]; then ca=/etc/ssl/certs/ca-certificates.crt; fi
if [ -n "$ca" ] && [ -s "$ca" ]; then
    args+=(--secret "id=pip-ca,src=$ca")
    echo "build: pip in the build trusts the CA bundle $ca" >&2
fi
echo "build: $name with $tool, base ${base:-of the Containerfile (official Python image)}" >&2
case $tool in
    buildah) buildah bud --isolation chroot --layers --force-rm "${args[@]}" . ;;
    podman) podman build --layers "${args[@]}" . ;;
    docker) docker build "${args[@]}" . ;;
    *) echo "build: unknown BUILD_TOOL $tool" >&2; exit 1 ;;
esac
echo "build: made $name" >&2
