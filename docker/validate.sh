#!/usr/bin/env bash
# Checks the deployment files without a Docker engine or a cluster: the compose and Swarm files
# through docker-compose's own parser, every YAML file with yamllint, the start script with sh -n.
# Installs the Debian packages docker-compose and yamllint when they are missing.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=../scripts/lib/packages.sh
. ../scripts/lib/packages.sh
ensure_commands docker-compose:docker-compose yamllint:yamllint

compose_config() {
  local out
  # docker-compose resolves ${VAR} while parsing: the defaults written in the file are checked.
  if ! out=$(docker-compose -f "$1" config --quiet 2>&1); then
    printf '%s\n' "$out" >&2
    exit 1
  fi
  echo "$1: docker-compose config ok"
}
compose_config compose.yaml
# The Swarm-only keys (configs, deploy) are validated too, though docker-compose would not run them.
compose_config stack.yaml
yamllint --strict -c .yamllint.yaml .
echo "yamllint: $(find . -name '*.yaml' | wc -l) files ok"
sh -n config/start.sh
echo "config/start.sh: sh -n ok"
