#!/usr/bin/env bash
# Builds the sandbox image (npm run sandbox:build), or with SANDBOX_FLAVOR=node the Node.js/TypeScript base
# image of project environments (npm run sandbox:build:node). Idempotent: the image is labelled with a hash of
# sandbox/*, and nothing happens when that label matches. FORCE=1 rebuilds anyway.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
flavor="${SANDBOX_FLAVOR:-python}"
data_dir="${DATA_DIR:-$root/.data}"
cache_dir="$data_dir/sandbox"
suite=bookworm
# python3-pip brings setuptools and wheel: repositories install without build isolation, offline.
packages=python3,python3-pytest,python3-pip,git,ca-certificates
case "$flavor" in
  python) image="${SANDBOX_IMAGE:-autocodeai-sandbox:latest}"; dockerfile=Dockerfile; base_image=python:3.12-slim ;;
  # The resident runner is Python, so the Node image carries python3 too; Debian's nodejs is 18.20 with npm.
  node) image="${SANDBOX_NODE_IMAGE:-autocodeai-sandbox-node:latest}"; dockerfile=Dockerfile.node; base_image=node:20-bookworm-slim ;;
  *) echo "SANDBOX_FLAVOR must be python or node" >&2; exit 1 ;;
esac
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

inputs_hash="$(cd "$here" && cat "$dockerfile" build.sh runner.py | sha256sum | cut -c1-16)"
label=ai.autocode.sandbox-hash

if ! docker info >/dev/null 2>&1; then
  echo "Docker engine is not reachable. Start Docker (e.g. 'sudo dockerd &' or Docker Desktop) and retry." >&2
  exit 1
fi

current="$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$image" 2>/dev/null || true)"
if [ "$current" = "$inputs_hash" ] && [ -z "${FORCE:-}" ]; then
  echo "Sandbox image $image is up to date ($inputs_hash)."
  exit 0
fi

# A registry may be reachable on a user's machine: a short pull decides, so an offline host fails fast.
if timeout 20 docker pull -q "$base_image" >/dev/null 2>&1; then
  echo "Building $image from $dockerfile ..."
  docker build -f "$here/$dockerfile" --label "$label=$inputs_hash" --label ai.autocode.sandbox-image=true -t "$image" "$here"
  exit 0
fi

if [ "$flavor" = node ]; then
  # Debian's npm does not configure inside debootstrap; apt in a container of the Python image does it in a minute.
  python_image="${SANDBOX_IMAGE:-autocodeai-sandbox:latest}"
  SANDBOX_FLAVOR=python bash "$here/build.sh"
  echo "No image registry reachable; adding Debian's nodejs and npm to $python_image as $image."
  builder="autocode-build-node-$$"
  trap 'docker rm -f "$builder" >/dev/null 2>&1 || true' EXIT
  docker run --name "$builder" -u 0 --tmpfs /tmp --network bridge "$python_image" sh -ec \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null \
     && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb && (corepack enable 2>/dev/null || true) && node --version && npm --version'
  docker commit \
    --change 'USER 10001:10001' \
    --change 'WORKDIR /workspace' \
    --change 'CMD ["python3", "/opt/autocode/runner.py"]' \
    --change "LABEL $label=$inputs_hash ai.autocode.sandbox-image=true" \
    "$builder" "$image" >/dev/null
  echo "Built $image ($inputs_hash)."
  exit 0
fi

echo "No image registry reachable; building $image from a Debian $suite root filesystem."
mkdir -p "$cache_dir"
rootfs_key="$(printf '%s %s %s' "$suite" "$packages" "$mirror" | sha256sum | cut -c1-12)"
rootfs_tar="$cache_dir/rootfs-$suite-$rootfs_key.tar"
work="$(mktemp -d "$cache_dir/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [ ! -s "$rootfs_tar" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "debootstrap needs root: run 'sudo npm run sandbox:build' once (the root filesystem is then cached)." >&2
    exit 1
  fi
  command -v debootstrap >/dev/null || { echo "Install debootstrap (apt-get install debootstrap)." >&2; exit 1; }
  echo "debootstrap $suite (about a minute; cached in $rootfs_tar) ..."
  debootstrap --variant=minbase --include="$packages" "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -cf "$rootfs_tar.partial" .
  mv "$rootfs_tar.partial" "$rootfs_tar"
  rm -rf "$work/rootfs"
fi

stage="$work/stage"
mkdir -p "$stage"
tar -C "$stage" -xf "$rootfs_tar"
# The same user and layout as the Dockerfile, written directly (no chroot needed).
grep -q '^sandbox:' "$stage/etc/passwd" || {
  echo 'sandbox:x:10001:10001:sandbox:/home/sandbox:/usr/sbin/nologin' >>"$stage/etc/passwd"
  echo 'sandbox:x:10001:' >>"$stage/etc/group"
  echo 'sandbox:!:19000:0:99999:7:::' >>"$stage/etc/shadow"
}
mkdir -p "$stage/home/sandbox" "$stage/workspace" "$stage/out" "$stage/opt/autocode"
chown 10001:10001 "$stage/home/sandbox" "$stage/workspace" "$stage/out"
install -m 0755 "$here/runner.py" "$stage/opt/autocode/runner.py"

tar -C "$stage" -c . | docker import \
  --change 'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOME=/tmp PYTHONPATH=/workspace/.packages PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'USER 10001:10001' \
  --change 'WORKDIR /workspace' \
  --change 'CMD ["python3", "/opt/autocode/runner.py"]' \
  --change "LABEL $label=$inputs_hash ai.autocode.sandbox-image=true" \
  - "$image" >/dev/null
echo "Built $image ($inputs_hash)."
