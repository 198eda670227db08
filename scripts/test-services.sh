#!/bin/sh
# Installs the services the tests run for real, when they are missing: Debian's PostgreSQL
# (server binaries), redis-server, chromium and nginx. Silent when all are present; downloads nothing
# then. Needs Debian's apt-get and root (or sudo); says so clearly when it cannot install.
set -eu

missing=""
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$missing postgresql"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1 || missing="$missing nginx"
[ -z "$missing" ] && exit 0

fail() {
  echo "test-services: cannot install$missing: $1" >&2
  echo "test-services: install them by hand (Debian: apt-get install -y$missing) and run the tests again" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found (this script knows Debian and Ubuntu only)"
if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  fail "installing needs root (or password-less sudo)"
fi

echo "test-services: installing$missing" >&2
log=$(mktemp)
# shellcheck disable=SC2086 # $as_root and $missing are word lists on purpose
if ! { $as_root apt-get update && $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y $missing; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  fail "apt-get failed (its last lines are above)"
fi
rm -f "$log"
echo "test-services: installed$missing" >&2
