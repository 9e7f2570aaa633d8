#!/usr/bin/env bash
# Play many random Shopify order lifecycles (tests/test_lifecycle.py, TestLifecycleSequences) on real
# Odoo + PostgreSQL and print: sequences run, events applied, invariant violations (must be 0) and the
# shortest failing sequence when there is one.
#   bash tools/run_lifecycle_soak.sh            # 300 sequences
#   N=1000 SEED=5000 STEPS=8 bash tools/run_lifecycle_soak.sh
#   TEMPLATE_DB=shopify_sync_deps bash tools/run_lifecycle_soak.sh   # faster start (see run_tests.sh)
#   BOOKS=1 N=100 bash tools/run_lifecycle_soak.sh   # books on: invoices, payments, refunds, and the
#                                                     # money invariant after every step (TestBooksLifecycleSequences)
#   TAXES_INCLUDED=1 BOOKS=1 N=50 bash tools/run_lifecycle_soak.sh   # a store whose prices include tax (VAT 20 %)
# Exits non-zero when an invariant was violated.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG=$(mktemp "${TMPDIR:-/tmp}/shopify_sync_soak.XXXXXX.log")
export LIFECYCLE_SEQUENCES="${N:-300}" LIFECYCLE_SEED="${SEED:-1000}" LIFECYCLE_STEPS="${STEPS:-6}"
export LIFECYCLE_TAXES_INCLUDED="${TAXES_INCLUDED:-0}"
start=$(date +%s)
set +e
CLASS=TestLifecycleSequences
[ "${BOOKS:-0}" = "0" ] || CLASS=TestBooksLifecycleSequences
TEST_TAGS="/shopify_sync:$CLASS" bash "$HERE/run_tests.sh" >"$LOG" 2>&1
rc=$?
set -e
echo "$CLASS: seeds ${LIFECYCLE_SEED}..$((LIFECYCLE_SEED + LIFECYCLE_SEQUENCES - 1)), ${LIFECYCLE_STEPS} steps each, $(( $(date +%s) - start )) s"
if ! sed -n '/^LIFECYCLE SOAK$/,/^LIFECYCLE END$/p' "$LOG" | grep -v '^LIFECYCLE'; then
  echo "no soak report: see $LOG"
  exit 1
fi
[ "$rc" -eq 0 ] || echo "full log: $LOG"
exit "$rc"
