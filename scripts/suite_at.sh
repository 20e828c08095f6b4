#!/usr/bin/env bash
# Runs the test suite with the machine's clock moved (libfaketime), to show it passes
# at any hour and on any date: the tests take their time from tests/conftest.py's Clock.
#   scripts/suite_at.sh                          # 03:30 UTC, 15:30 UTC, 2026-12-31 23:59:50 Shanghai
#   scripts/suite_at.sh '2027-02-28 15:59:55'    # a UTC time of your own; extra args go to pytest
# Needs libfaketime (Debian: apt-get install faketime); FAKETIME_LIB may point at it.
set -euo pipefail
cd "$(dirname "$0")/.."

lib="${FAKETIME_LIB:-}"
for candidate in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 \
                 /usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1 \
                 /usr/lib/faketime/libfaketime.so.1; do
  [ -z "$lib" ] && [ -e "$candidate" ] && lib="$candidate"
done
[ -n "$lib" ] || { echo "libfaketime not found (apt-get install faketime, or set FAKETIME_LIB)"; exit 2; }

today="$(date -u +%F)"
times=("$today 03:30:00" "$today 15:30:00" "2026-12-31 15:59:50")
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]{4}- ]]; then times=("$1"); shift; fi

status=0
for at in "${times[@]}"; do
  # An offset from the real clock, not a start time: every process (the worker processes
  # test_workers starts, yishi subprocesses) then sees the same moved clock; with "@…"
  # each would start its own clock at that moment, minutes apart.
  offset=$(( $(date -u -d "$at" +%s) - $(date -u +%s) ))
  [ "$offset" -ge 0 ] && offset="+$offset"
  export LD_PRELOAD="$lib" FAKETIME="$offset" TZ=UTC
  seen="$(.venv/bin/python -c 'import datetime; print(datetime.datetime.now(datetime.UTC))')"
  echo "== suite at $at UTC (the test process sees $seen)"
  .venv/bin/pytest -q -p no:cacheprovider "$@" || status=1
  unset LD_PRELOAD FAKETIME
done
exit $status
