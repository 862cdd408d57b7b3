#!/usr/bin/env bash
# Make sure PostgreSQL and Redis are up, and that the databases we use have a UTF-8 LC_CTYPE
# (Chinese text search depends on it). Uses the machine's own commands; never installs a server.
set -euo pipefail
PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres
export PGHOST PGPORT PGUSER

if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  echo "PostgreSQL is down: starting it" >&2
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  else
    echo "PostgreSQL is not installed and not running on $PGHOST:$PGPORT; cannot run the suite." >&2; exit 1
  fi
  for _ in $(seq 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
fi
pg_isready -q -h "$PGHOST" -p "$PGPORT" || { echo "PostgreSQL did not come up" >&2; exit 1; }

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "Redis is down: starting it" >&2
  command -v redis-server >/dev/null || { echo "Redis is not installed and not running; cannot run the suite." >&2; exit 1; }
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 20); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis did not come up" >&2; exit 1; }

# A UTF-8 locale that exists in this cluster: C.UTF-8 where available.
locale_for_utf8() {
  psql -Atqc "SELECT collname FROM pg_collation WHERE collname IN ('C.UTF-8','C.utf8','en_US.UTF-8','en_US.utf8') ORDER BY collname LIMIT 1" postgres
}
ensure_db() {  # name
  local name=$1 ctype
  ctype=$(psql -Atqc "SELECT datctype FROM pg_database WHERE datname='$name'" postgres)
  if [ -n "$ctype" ] && ! echo "$ctype" | grep -qi 'utf-\?8'; then
    echo "database $name has LC_CTYPE=$ctype (not UTF-8): recreating it" >&2
    psql -qc "DROP DATABASE \"$name\"" postgres; ctype=""
  fi
  if [ -z "$ctype" ]; then
    local loc; loc=$(locale_for_utf8); loc=${loc:-C.UTF-8}
    psql -qc "CREATE DATABASE \"$name\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE '$loc' LC_CTYPE '$loc'" postgres
  fi
}
ensure_db shuangsuiji
ensure_db shuangsuiji_template
psql -qc "ALTER DATABASE shuangsuiji_template WITH IS_TEMPLATE true" postgres >/dev/null 2>&1 || true
