#!/usr/bin/env bash
# Set up, then run the test suite; arguments go to vitest (a file, -t NAME ...).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx vitest run "$@"
