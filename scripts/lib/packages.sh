# Sourced by the project's scripts: installs the Debian packages of commands that are missing.
#   ensure_commands "redis-server:redis-server" "yamllint:yamllint" ...   (command:package pairs)
ensure_commands() {
  local pair missing=() packages=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 && continue
    missing+=("${pair%%:*}")
    packages+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing ${packages[*]} (missing: ${missing[*]})" >&2
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "not root and no sudo: install ${packages[*]} first" >&2
      return 1
    fi
    as_root=(sudo)
  fi
  "${as_root[@]}" apt-get update
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"
}
