#!/usr/bin/env bash
# Idempotent set-up on Debian with Node.js 20+: the Redis binaries, the npm dependencies, the build.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

missing=()
for bin in redis-server redis-sentinel redis-cli redis-benchmark; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("$bin")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Redis (missing: ${missing[*]})" >&2
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "setup: not root and no sudo: install redis-server redis-sentinel redis-tools first" >&2
      exit 1
    fi
    as_root=(sudo)
  fi
  "${as_root[@]}" apt-get update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server redis-sentinel redis-tools
  # The packages may start system services on 6379 and 26379; they are left alone, since every
  # process of ours listens on a free port the kernel picks.
fi

# npm records each install in node_modules/.package-lock.json; a newer lock file means stale modules.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi
npm run build
