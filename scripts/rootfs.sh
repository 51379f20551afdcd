#!/bin/sh
# Assembles the runtime file system of the container image in DEST: the Node.js binary (stripped),
# the shared libraries it loads, the bundled suma-redis, and a passwd entry for the non-root user.
# The Dockerfile runs it in its build stage; scripts/image.sh runs it on the host.
#   scripts/rootfs.sh DEST [NODE_BINARY]      (run after npm run build && npm run bundle)
set -eu
cd "$(dirname "$0")/.."

dest=${1:?usage: scripts/rootfs.sh DEST [NODE_BINARY]}
node_bin=${2:-$(command -v node)}
uid=65532

for f in dist/suma-redis.mjs dist/THIRD_PARTY_LICENSES; do
  [ -f "$f" ] || { echo "rootfs: $f is missing: run npm run build && npm run bundle" >&2; exit 1; }
done
command -v strip >/dev/null 2>&1 || { echo "rootfs: strip is missing (Debian package binutils)" >&2; exit 1; }

# Replace only an earlier rootfs or an empty directory, never whatever DEST happens to name.
if [ -e "$dest" ] && [ ! -f "$dest/usr/local/bin/node" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
  echo "rootfs: $dest exists and is not an earlier rootfs: give a new or empty directory" >&2
  exit 1
fi
rm -rf "$dest"
mkdir -p "$dest/usr/local/bin" "$dest/app" "$dest/etc" "$dest/tmp"
chmod 1777 "$dest/tmp"

# Symbols and debug sections are a quarter of the binary and unused at run time.
cp "$node_bin" "$dest/usr/local/bin/node"
strip --strip-all "$dest/usr/local/bin/node"

# Each library at the path the dynamic loader reports, the file itself rather than its symlink.
ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u | while read -r lib; do
  mkdir -p "$dest$(dirname "$lib")"
  cp -L "$lib" "$dest$lib"
done

cp dist/suma-redis.mjs dist/THIRD_PARTY_LICENSES "$dest/app/"

printf 'root:x:0:0:root:/nonexistent:/sbin/nologin\nsuma:x:%s:%s:suma-redis:/nonexistent:/sbin/nologin\n' "$uid" "$uid" >"$dest/etc/passwd"
printf 'root:x:0:\nsuma:x:%s:\n' "$uid" >"$dest/etc/group"
# glibc reads this for getaddrinfo; the container runtime provides hosts and resolv.conf.
printf 'hosts: files dns\n' >"$dest/etc/nsswitch.conf"

# One time for every file, so two builds of the same inputs give the same layer (1980-01-01 unless
# SOURCE_DATE_EPOCH says otherwise: tools that store times, such as gzip and zip, refuse 1970).
find "$dest" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-315532800}" {} +
