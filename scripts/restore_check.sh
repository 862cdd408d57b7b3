#!/usr/bin/env bash
# Prove a dump restores: load it into a scratch database, check the schema matches the code and
# the audit chain (with the published heads and the draw records) verifies, then drop the scratch.
# Usage: scripts/restore_check.sh DUMP [SERVER_URL]   (SERVER_URL without a database name,
#        default postgres://postgres@127.0.0.1:5432). Exit status 0 only when everything holds.
set -euo pipefail
cd "$(dirname "$0")/.."
dump=${1:?dump file}
server=${2:-postgres://postgres@127.0.0.1:5432}
scratch="ssj_restore_check_$$_$(date +%s)"
PY=${PYTHON:-.venv/bin/python}

psql "$server/postgres" -Xqc "CREATE DATABASE \"$scratch\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
trap 'psql "$server/postgres" -Xqc "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null' EXIT
pg_restore --no-owner --exit-on-error --jobs=2 --dbname="$server/$scratch" "$dump"

export DATABASE_URL="$server/$scratch"
unset REDIS_URL TEST_DATABASE_NAME
"$PY" manage.py migrate --check --noinput >/dev/null || { echo "restore check: the schema does not match the code (unapplied migrations)" >&2; exit 1; }
"$PY" manage.py verify_audit
echo "restore check: OK ($dump)"
