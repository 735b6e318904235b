#!/usr/bin/env bash
# Build the action's container image without a Docker engine (see ENVIRONMENT.md).
#
# No registry is reachable, so python:3.12-slim cannot be pulled: a Debian bookworm base
# with python3 and git is built once with debootstrap and cached as
# localhost/debian-python:bookworm; the Dockerfile is then built on it with buildah.
#
# Usage: .ci/image.sh            builds localhost/dump-models:<hash> (override with IMAGE=...),
#                                 the hash being of what the Dockerfile copies (.ci/image_tag.py):
#                                 tests/test_image.py runs that exact image, never another build.
# Needs root. Installs buildah, podman and debootstrap with apt-get when they are missing.
set -euo pipefail

cd "$(dirname "$0")/.."

IMAGE="${IMAGE:-$(python3 .ci/image_tag.py)}"
BASE="${BASE:-localhost/debian-python:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
STORAGE=(--storage-driver vfs)

missing=()
for tool in buildah podman debootstrap; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "image.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
        buildah podman debootstrap debian-archive-keyring ca-certificates >/dev/null
fi

if podman "${STORAGE[@]}" image exists "$BASE"; then
    echo "image.sh: base $BASE cached"
else
    echo "image.sh: building base $BASE with debootstrap (about a minute)"
    rootfs="$(mktemp -d)"
    trap 'rm -rf "$rootfs"' EXIT
    debootstrap --variant=minbase \
        --include=python3,python3-venv,python3-pip,git,ca-certificates \
        bookworm "$rootfs" "$MIRROR" >/dev/null
    # The stand-in imitates python:3.12-slim: python3 on PATH as "python3", nothing else.
    tar -C "$rootfs" -c . | podman "${STORAGE[@]}" import --quiet - "$BASE" >/dev/null
    rm -rf "$rootfs"
    trap - EXIT
fi

# The host's CA bundle is mounted only for the build (PyPI may sit behind a TLS proxy);
# the Dockerfile does not know about it.
mounts=()
if [[ -f "$CA_BUNDLE" ]]; then
    mounts=(-v "$CA_BUNDLE:$CA_BUNDLE:ro")
fi

# Each build is labelled with this checkout's path, so that the images it built before (other
# hashes) can be told from other checkouts' and removed: vfs stores every layer in full.
CHECKOUT_LABEL="dump-models.checkout=$PWD"

echo "image.sh: building $IMAGE"
buildah "${STORAGE[@]}" bud --isolation chroot --network host --quiet \
    "${mounts[@]}" \
    --build-arg "BASE_IMAGE=$BASE" \
    --label "$CHECKOUT_LABEL" \
    -t "$IMAGE" . >/dev/null
for old in $(buildah "${STORAGE[@]}" images --noheading --filter "label=$CHECKOUT_LABEL" \
    --format '{{.Name}}:{{.Tag}}'); do
    # <none>: an image a rebuild under the same name left untagged (pruned below).
    [[ "$old" == "$IMAGE" || "$old" == *"<none>"* ]] && continue
    buildah "${STORAGE[@]}" rmi "$old" >/dev/null || echo "image.sh: could not remove $old"
done
# ... and the image a rebuild under the same name replaced.
buildah "${STORAGE[@]}" rmi --prune >/dev/null 2>&1 || true
buildah "${STORAGE[@]}" images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$IMAGE"
