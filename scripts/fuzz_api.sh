#!/usr/bin/env bash
# API fuzzing (issue 9, item 2): schemathesis against /api/schema/ as every demo role and anonymously.
#
# A fresh SQLite demo database in a temp dir, gunicorn on a free loopback port, a session per role
# (POST /accounts/login/ with the CSRF token), then `st run` with the session cookie and CSRF header,
# checking not_a_server_error and response_schema_conformance. Prints a counted summary per role and
# exits non-zero if any role had a failure.
#
#   scripts/fuzz_api.sh                 # 100 examples per operation, all roles
#   EXAMPLES=10 ROLES="scj_staff anonymous" scripts/fuzz_api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY="$ROOT/.venv/bin/python"
ST="$ROOT/.venv/bin/st"
EXAMPLES=${EXAMPLES:-100}
ROLES=${ROLES:-"anonymous scj_staff scj_chief scj_liaison scj_admin scj_inspector ga_staff ga_chief wjj_staff office discipline assessor superior"}
PASSWORD='Demo#2026ssj'

WORK=$(mktemp -d /tmp/fuzz_api.XXXXXX)
export PYTHONPATH=$ROOT SQLITE_PATH=$WORK/db.sqlite3 DEBUG=1
unset DATABASE_URL REDIS_URL || true
export PUBLIC_RATE_LIMIT= AXES_FAILURE_LIMIT=100000 CELERY_TASK_ALWAYS_EAGER=1
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

echo "== demo database in $WORK"
"$PY" manage.py migrate --noinput >"$WORK/migrate.log"
"$PY" manage.py seed_demo >"$WORK/seed.log"
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
"$ROOT/.venv/bin/gunicorn" config.wsgi --bind "127.0.0.1:$PORT" --workers 1 --threads 4 --timeout 60 \
  --log-level warning >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 60); do curl -fs "$BASE/api/schema/" >/dev/null 2>&1 && break; sleep 0.5; done

SUMMARY=$WORK/summary.txt; : >"$SUMMARY"
FAILED=0
for role in $ROLES; do
  HEADERS=()
  if [ "$role" != anonymous ]; then
    JAR=$WORK/$role.jar
    curl -fs -c "$JAR" -b "$JAR" "$BASE/accounts/login/" -o /dev/null
    CSRF=$(awk '$6=="csrftoken"{print $7}' "$JAR")
    curl -s -c "$JAR" -b "$JAR" -o /dev/null -H "Referer: $BASE/accounts/login/" \
      --data-urlencode "csrfmiddlewaretoken=$CSRF" --data-urlencode "username=$role" \
      --data-urlencode "password=$PASSWORD" "$BASE/accounts/login/"
    SID=$(awk '$6=="sessionid"{print $7}' "$JAR")
    CSRF=$(awk '$6=="csrftoken"{print $7}' "$JAR")
    if [ -z "$SID" ]; then echo "login failed for $role"; FAILED=1; continue; fi
    HEADERS=(-H "Cookie: sessionid=$SID; csrftoken=$CSRF" -H "X-CSRFToken: $CSRF" -H "Referer: $BASE/")
  fi
  echo "== $role"
  set +e
  "$ST" run "$BASE/api/schema/" --url "$BASE" "${HEADERS[@]}" -n "$EXAMPLES" \
    -c not_a_server_error,response_schema_conformance --phases examples,coverage,fuzzing \
    --generation-deterministic --no-color >"$WORK/$role.log" 2>&1
  rc=$?
  set -e
  [ $rc -ne 0 ] && FAILED=1
  ops=$(grep -Eo '[0-9]+ (selected|operations?)' "$WORK/$role.log" | head -1)
  tail -n 15 "$WORK/$role.log" | sed "s/^/  [$role] /"
  echo "$role exit=$rc $(grep -E '^[0-9]+ (passed|failed)|test cases|generated' "$WORK/$role.log" | tr '\n' ' ')" >>"$SUMMARY"
  [ $rc -ne 0 ] && cp "$WORK/$role.log" "/tmp/fuzz_api_$role.log" && echo "  full log: /tmp/fuzz_api_$role.log"
done
echo "== summary ($EXAMPLES examples per operation)"
cat "$SUMMARY"
grep -c " 500 " "$WORK/server.log" >/dev/null 2>&1 || true
exit $FAILED
