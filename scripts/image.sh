#!/usr/bin/env bash
# Builds the container image without a Docker engine or a registry: the Dockerfile's `rootfs` stage
# is assembled on this host (scripts/rootfs.sh, from the local Node.js), then buildah builds the
# Dockerfile's `runtime` stage on top of it. A smoke test then runs the image with podman.
#
#   scripts/image.sh [--tag NAME] [--no-smoke]
#
# Needs (Debian packages): buildah podman runc binutils redis-server redis-tools; curl for /metrics.
set -euo pipefail
cd "$(dirname "$0")/.."

tag="suma-redis:$(node -p 'require("./package.json").version')"
smoke=1
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=${2:?--tag needs a name}; shift 2 ;;
    --no-smoke) smoke=0; shift ;;
    *) echo "usage: scripts/image.sh [--tag NAME] [--no-smoke]" >&2; exit 2 ;;
  esac
done

# shellcheck source=lib/packages.sh
. scripts/lib/packages.sh
ensure_commands buildah:buildah podman:podman runc:runc strip:binutils redis-server:redis-server redis-cli:redis-tools curl:curl

# No systemd here: cgroups are managed through the file system, and runc is the runtime.
podman=(podman --runtime runc --cgroup-manager cgroupfs)
# podman raises the open-files and process limits by default, which needs CAP_SYS_RESOURCE; a
# sandbox without it can only keep or lower them.
limits=(--ulimit "nofile=$(ulimit -n):$(ulimit -Hn)" --ulimit nproc=4096:4096)
work=$(mktemp -d "${TMPDIR:-/tmp}/suma-redis-image.XXXXXX")
container="suma-redis-smoke-$$"
redis_pid=""
# podman's messages (such as its complaint that there is no systemd for health-check timers) go to
# a log, shown when a step fails.
pm() { "${podman[@]}" "$@" 2>>"$work/podman.log"; }
cleanup() {
  "${podman[@]}" rm -f "$container" >/dev/null 2>&1 || true
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '== %s\n' "$*" >&2; }
fail() {
  printf 'image: FAILED: %s\n' "$*" >&2
  if [ -s "$work/podman.log" ]; then sed 's/^/  podman: /' "$work/podman.log" >&2; fi
  exit 1
}

step "build and bundle"
npm run --silent build
npm run --silent bundle

step "runtime file system (the Dockerfile's rootfs stage) from $(command -v node) $(node --version)"
sh scripts/rootfs.sh "$work/rootfs"

step "buildah build --target runtime -t $tag"
mkdir "$work/context"
previous=$(pm image inspect --format '{{.Id}}' "$tag" || true)
# Docker format: the OCI image format has no HEALTHCHECK.
buildah build --quiet --format docker --layers=false --build-context "rootfs=$work/rootfs" \
  --target runtime -f Dockerfile -t "$tag" "$work/context" >/dev/null
# The image this tag named before would be left behind without a name.
if [ -n "$previous" ] && [ "$previous" != "$(pm image inspect --format '{{.Id}}' "$tag")" ]; then
  pm rmi "$previous" >/dev/null || true
fi

step "size"
uncompressed=$(pm image inspect --format '{{.Size}}' "$tag")
# What a registry stores and a pull transfers: the compressed layers, the config and the manifest.
pushed_size() { # pushed_size NAME PUSH-OPTIONS...
  local dir="$work/pushed-$1"; shift
  buildah push --quiet "$@" "$tag" "dir:$dir" >/dev/null
  du -cb "$dir"/* | awk 'END { print $1 }'
}
gzip_size=$(pushed_size gzip --format v2s2)
zstd_size=$(pushed_size zstd --format oci --compression-format zstd --compression-level 19)
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }
echo "image $tag: $(mb "$uncompressed") uncompressed; pushed with gzip layers $(mb "$gzip_size"), with zstd layers $(mb "$zstd_size")"
[ "$zstd_size" -le 35000000 ] || fail "compressed size $(mb "$zstd_size") is over 35 MB"

[ "$smoke" = 1 ] || exit 0

free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_for() { # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

step "smoke test: a Redis on loopback, the image in front of it"
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --enable-debug-command yes \
  --dir "$work" --logfile "$work/redis.log" &
redis_pid=$!
wait_for 10 redis-cli -p "$redis_port" ping || fail "redis-server did not start"

proxy_port=$(free_port)
serve=(serve --upstream "127.0.0.1:$redis_port" --port "$proxy_port" --bind 127.0.0.1)
admin_port=""
if pm run --rm --network none "${limits[@]}" "$tag" serve --help | grep -q -- '--admin-port'; then
  admin_port=$(free_port)
  serve+=(--admin-port "$admin_port" --admin-bind 127.0.0.1)
fi
# Host network: the container reaches the Redis on loopback and the tests reach the container.
pm run -d --name "$container" --network host --read-only --cap-drop all --security-opt no-new-privileges \
  "${limits[@]}" "$tag" "${serve[@]}" >/dev/null || fail "podman run"
pid=$(pm inspect --format '{{.State.Pid}}' "$container")

wait_for 20 sh -c "redis-cli -p $proxy_port ping | grep -qx PONG" || {
  pm logs "$container" >&2 || true
  fail "the container does not answer PING"
}
echo "PING -> PONG"
[ "$(redis-cli -p "$proxy_port" set smoke:key through-the-image)" = OK ] || fail "SET through the container"
[ "$(redis-cli -p "$redis_port" get smoke:key)" = through-the-image ] || fail "the write did not reach Redis"
echo "SET through the container reaches Redis"

# PID 1 inside the container, as uid 65532, on a read-only root.
grep -qE '^NSpid:[[:space:]]+[0-9]+[[:space:]]+1$' "/proc/$pid/status" || fail "node is not PID 1 in the container"
grep -qE '^Uid:[[:space:]]+65532[[:space:]]' "/proc/$pid/status" || fail "the process does not run as uid 65532"
[ "$(pm inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$container")" = true ] || fail "root file system is not read-only"
echo "node runs as PID 1, uid 65532, read-only root"

pm healthcheck run "$container" || fail "the HEALTHCHECK command failed: $(pm exec "$container" /usr/local/bin/node /app/suma-redis.mjs ctl probe)"
echo "HEALTHCHECK passes: $(pm exec "$container" /usr/local/bin/node /app/suma-redis.mjs ctl probe)"

if [ -n "$admin_port" ]; then
  command -v curl >/dev/null 2>&1 || fail "curl is needed to check /metrics"
  curl -fsS "http://127.0.0.1:$admin_port/livez" >/dev/null || fail "/livez"
  curl -fsS "http://127.0.0.1:$admin_port/readyz" >/dev/null || fail "/readyz"
  metrics=$(curl -fsS "http://127.0.0.1:$admin_port/metrics") || fail "/metrics"
  grep -q '^# TYPE ' <<<"$metrics" || fail "/metrics has no metrics"
  echo "/livez, /readyz and /metrics answer ($(grep -c '^# TYPE ' <<<"$metrics") metric families)"
else
  echo "serve has no admin port in this build: /metrics and /livez not checked"
fi

step "SIGTERM with a command in flight"
redis-cli -p "$proxy_port" debug sleep 1 >"$work/inflight" 2>&1 &
inflight=$!
sleep 0.3
started=$(date +%s%N)
pm kill --signal TERM "$container" >/dev/null
code=$(pm wait "$container")
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
wait "$inflight" || true
[ "$code" = 0 ] || { pm logs "$container" >&2; fail "exit status $code after SIGTERM"; }
[ "$(cat "$work/inflight")" = OK ] || fail "the command in flight got '$(cat "$work/inflight")' instead of OK"
[ "$elapsed_ms" -lt 10000 ] || fail "stopping took ${elapsed_ms} ms"
echo "SIGTERM: the command in flight got its reply, exit status 0 after ${elapsed_ms} ms"

echo "smoke test passed: $tag"
