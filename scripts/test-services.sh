#!/usr/bin/env bash
# Start (or stop) the throwaway services the tests use, on loopback only:
# a PostgreSQL server (files in .test-services/pg, or /tmp/newsmill-test-pg-* as root). Installs Debian's postgresql
# package when it is missing and we are root (CI); otherwise prints why the
# PostgreSQL tests will be skipped. Writes the URL to .test-services/env.
# Also installs Debian's chromium (headless, for the Prefect UI test) when
# it is missing and we are root.
#   bash scripts/test-services.sh start|stop
set -uo pipefail
cd "$(dirname "$0")/.."
DIR="$PWD/.test-services"
# As root the server runs as `postgres`, which may not be able to enter the
# checkout (e.g. a clone under a 0700 mktemp directory): keep its files in
# a directory of its own under /tmp, one per checkout.
if [ "$(id -u)" = 0 ]; then
  PGROOT="/tmp/newsmill-test-pg-$(printf %s "$PWD" | md5sum | cut -c1-12)"
else
  PGROOT="$DIR/pg"
fi
PGDATA="$PGROOT/data"
ENVFILE="$DIR/env"
action="${1:-start}"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "$action" = stop ]; then
  BIN="$(pg_bin)"
  if [ -n "$BIN" ] && [ -f "$PGDATA/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -f "$ENVFILE"
  exit 0
fi

mkdir -p "$DIR"
rm -f "$ENVFILE"
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test-services: installing Chromium (Debian package) for the UI test..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "test-services: apt-get install chromium failed; the UI test will be skipped"
fi
BIN="$(pg_bin)"
if [ -z "$BIN" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test-services: installing PostgreSQL (Debian package)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
      || echo "test-services: apt-get install postgresql failed"
    BIN="$(pg_bin)"
  fi
fi
if [ -z "$BIN" ]; then
  echo "test-services: no PostgreSQL server available (not root or no apt); PostgreSQL tests will be skipped"
  exit 0
fi
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir "$PGROOT" --shell /usr/sbin/nologin postgres
fi

port_file="$PGROOT/port"
if [ -f "$PGDATA/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  PORT="$(cat "$port_file")"
else
  rm -rf "$PGROOT"
  mkdir -p "$PGROOT/sock"
  [ "$(id -u)" = 0 ] && chown -R postgres "$PGROOT"
  as_pg "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PGROOT/initdb.log" 2>&1 \
    || as_pg "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 >"$PGROOT/initdb.log" 2>&1 \
    || { echo "test-services: initdb failed:"; tail -5 "$PGROOT/initdb.log"; exit 0; }
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  echo "$PORT" >"$port_file"
  as_pg "$BIN/pg_ctl" -D "$PGDATA" -l "$PGROOT/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGROOT/sock -c fsync=off -c max_connections=100" start >/dev/null \
    || { echo "test-services: PostgreSQL did not start:"; tail -20 "$PGROOT/server.log"; exit 0; }
  as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres newsmill_test
fi
echo "NEWSMILL_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$PORT/newsmill_test" >"$ENVFILE"
echo "test-services: PostgreSQL on 127.0.0.1:$PORT"
