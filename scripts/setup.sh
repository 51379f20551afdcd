#!/usr/bin/env bash
# Idempotent set-up on Debian with Node.js 20+: the Redis binaries, the npm dependencies, the build.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# shellcheck source=lib/packages.sh
. scripts/lib/packages.sh
# The packages may start system services on 6379 and 26379; they are left alone, since every
# process of ours listens on a free port the kernel picks.
ensure_commands redis-server:redis-server redis-sentinel:redis-sentinel redis-cli:redis-tools redis-benchmark:redis-tools

# npm records each install in node_modules/.package-lock.json; a newer lock file means stale modules.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi
npm run build
