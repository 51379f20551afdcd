#!/bin/sh
# Starts a data node or a sentinel of the group from a writable copy of its config in /data.
#   start.sh redis|sentinel NAME
# NAME is the DNS name the others reach this one by; it is announced instead of the container's
# address. REDIS_PASSWORD_FILE, when set, names a file holding the data nodes' password.
set -eu
kind=$1
name=$2
conf=/data/$kind.conf
if [ ! -f "$conf" ]; then
  cp "/etc/suma-redis/$kind.conf" "$conf"
  if [ "$kind" = redis ] && [ -n "${REDIS_PASSWORD_FILE:-}" ]; then
    password=$(cat "$REDIS_PASSWORD_FILE")
    printf 'requirepass "%s"\nmasterauth "%s"\n' "$password" "$password" >>"$conf"
  fi
fi
case "$kind" in
  redis) exec redis-server "$conf" --replica-announce-ip "$name" ;;
  sentinel) exec redis-sentinel "$conf" --sentinel announce-ip "$name" ;;
  *) echo "start.sh: unknown kind '$kind' (redis or sentinel)" >&2; exit 2 ;;
esac
