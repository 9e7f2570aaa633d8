#!/usr/bin/env bash
# Hostile-input run: N random hostile bodies (default 2000) for every handled webhook topic, posted
# through the real HTTP route and run through the job runner (tests/test_hostile_input.py).
#   bash tools/run_hostile_input.sh [N]
#   TEMPLATE_DB=shopify_sync_deps bash tools/run_hostile_input.sh 5000
# Prints bodies tried, outcomes per mutation and per result, and the violations (must be 0).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LOG=$(mktemp "${TMPDIR:-/tmp}/shopify_sync_hostile.XXXXXX.log")
HOSTILE_EXAMPLES="${1:-2000}" HOSTILE_RANDOM=1 TEST_TAGS=/shopify_sync:TestHostileInput \
  bash tools/run_tests.sh >"$LOG" 2>&1
rc=$?
grep -oE "hostile input( violation)?: .*" "$LOG" | sed 's/ *$//'
tail -n 1 "$LOG"
echo "full log: $LOG"
exit $rc
