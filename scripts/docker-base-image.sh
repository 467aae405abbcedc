#!/usr/bin/env bash
# Makes `node:20-bookworm-slim` in the Docker engine named by DOCKER_HOST from this machine's Node and
# Debian's libraries, for machines that cannot reach a container registry (PRODUCT.md §10). With a
# registry, none of this is needed: `docker build` pulls the real image.
#
#   bash scripts/docker-base-image.sh [--force]    (skips when the engine already has the image)
#
# The image trusts this machine's CA bundle (NODE_EXTRA_CA_CERTS), so that `npm ci` inside
# `docker build --network host` works behind a proxy with its own certificate authority.
set -euo pipefail
tag=node:20-bookworm-slim
docker=${PADDOCK_DOCKER_CLI:-/usr/bin/docker}
if [[ ${1:-} != --force ]] && "$docker" image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag is already in the engine"
  exit 0
fi
node=$(command -v node)
node_major=$("$node" -p 'process.versions.node.split(".")[0]')
[[ $node_major == 20 ]] || { echo "docker-base-image: this machine's Node is $("$node" --version), not 20: it cannot stand in for $tag" >&2; exit 1; }
busybox=$(command -v busybox || true)
[[ -n $busybox ]] && "$busybox" --list >/dev/null 2>&1 || { echo "docker-base-image: needs Debian's busybox-static (apt-get install -y busybox-static)" >&2; exit 1; }
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")

root=$(mktemp -d /tmp/paddock-base-image.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,usr/bin,usr/local/bin,usr/lib,lib64,etc/ssl/certs,tmp,root,home/node}
# Bookworm's merged /usr: /lib is usr/lib (dpkg still lists libc6's files under /lib).
ln -s usr/lib "$root/lib"
chmod 755 "$root"  # mktemp made it 0700: user node could not even reach /usr
chmod 1777 "$root/tmp"

# Node and npm where the official image has them (/usr/local), plus the shared libraries Node, npm and
# Vite's native bundler load (librt, libpthread, libdl … come with libc6).
cp "$node" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
for pkg in libc6 libstdc++6 libgcc-s1 zlib1g; do
  dpkg -L "$pkg" | grep -E '\.so(\.[0-9]+)*$' | while read -r lib; do
    [[ -e $lib ]] || continue
    dest=$root/usr${lib#/usr}
    mkdir -p "$(dirname "$dest")"
    cp -a "$lib" "$dest"
  done
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"

# A shell and the usual commands (mkdir, chown, env …) from busybox.
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
done
ln -s /bin/env "$root/usr/bin/env"

cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || echo 'nameserver 127.0.0.1' >"$root/etc/resolv.conf"
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
chown 1000:1000 "$root/home/node"

tar -C "$root" -c . | "$docker" import \
  -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  -c 'CMD ["node"]' \
  - "$tag" >/dev/null
echo "$tag made from this machine's Node $("$node" --version) and Debian's libraries"
