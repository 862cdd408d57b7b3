#!/usr/bin/env bash
# The whole suite, twice: on PostgreSQL + Redis + a real Celery worker + Chromium, then on the
# embedded SQLite default. Any failure exits non-zero; a skipped test fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
bash scripts/services.sh
bash scripts/browser.sh

REDIS_TEST_DB=${REDIS_TEST_DB:-15}
redis-cli -n "$REDIS_TEST_DB" flushdb >/dev/null
echo "== 1/2 PostgreSQL + Redis + Celery worker + Chromium =="
DATABASE_URL=postgres://postgres@127.0.0.1:5432/shuangsuiji \
REDIS_URL=redis://127.0.0.1:6379/$REDIS_TEST_DB \
TEST_DATABASE_TEMPLATE=shuangsuiji_template \
  $PY -m pytest -p no:cacheprovider -v --create-db "$@"

echo "== 2/2 embedded default: SQLite, tasks in-process =="
env -u DATABASE_URL -u REDIS_URL \
  $PY -m pytest -p no:cacheprovider -q -m "not postgres and not celery_worker and not e2e and not faults" "$@"
