#!/usr/bin/env bash
# `koinon ledger bench` on a throwaway, durable PostgreSQL cluster (fsync on, synchronous_commit
# on: the defaults), started from the machine's initdb/pg_ctl as the `postgres` user.
#
#   bash bench/ledger-postgres.sh [--transfers N] [--accounts A] ...   (arguments go to the bench)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/koinon
PGBIN=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
DIR=$(mktemp -d /tmp/koinon-bench-pg.XXXXXX)
PORT=${PORT:-55432}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
trap 'as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
as_pg "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_wal_size=4GB" -l "$DIR/log" -w start >/dev/null
"$BIN" --database-url "postgres://postgres@127.0.0.1:$PORT/postgres" ledger bench "$@"
