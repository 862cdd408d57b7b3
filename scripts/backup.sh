#!/usr/bin/env bash
# Dump the database in PostgreSQL's custom format (restorable in parallel, table by table).
# Usage: scripts/backup.sh DATABASE_URL OUTPUT.dump
set -euo pipefail
url=${1:?DATABASE_URL}
out=${2:?output file}
pg_dump --format=custom --compress=6 --no-owner --file="$out.partial" "$url"
mv "$out.partial" "$out"   # a dump that exists is a complete dump
echo "dumped to $out ($(du -h "$out" | cut -f1))"
