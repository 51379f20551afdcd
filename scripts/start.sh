#!/usr/bin/env bash
# Set up, then run a local HA group with the proxy in front: scripts/start.sh [--port P] [--log-level L]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec node bin/suma-redis.js up "$@"
