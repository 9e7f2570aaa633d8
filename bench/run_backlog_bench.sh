#!/usr/bin/env bash
# The 10,000-order backlog with 2 workers, in a throw-away database:
#   N=10000 bash bench/run_backlog_bench.sh
# N pulled orders (bench/bench_orders.py's 3-line orders) are stored as a backfill stores them, in
# batch jobs of the store's batch size (50); then Odoo starts as production runs it (prefork, 2
# workers, queue_job's job runner, channels root:2 so that never more than 2 jobs run at once) and
# imports them. Printed: wall time until every job is done, orders/s, and exact counts (N sale
# orders, N order jobs done, 0 failed, totals to the cent); the exit status is non-zero otherwise.
#   TEMPLATE_DB: start from a copy of a database with the dependencies installed (as tools/run_tests.sh).
#   WORKERS (2), TIMEOUT (3600 s).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
source "$ADDON_DIR/bench/queue_workers.sh"
N=${N:-10000}
WORKERS=${WORKERS:-2}

if [ -n "${TEMPLATE_DB:-}" ]; then
  createdb -T "$TEMPLATE_DB" "shopify_sync_backlog_$$" || die "could not copy the template database $TEMPLATE_DB."
fi
bench_database backlog shopify_sync
EXPECT=$(mktemp "${TMPDIR:-/tmp}/shopify_sync_backlog.XXXXXX.json")
LOG=$(mktemp "${TMPDIR:-/tmp}/shopify_sync_backlog.XXXXXX.log")
trap 'stop_odoo "${ODOO_PID:-}"; dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$LINK_DIR" "$EXPECT"' EXIT

echo "Load before: $(uptime)"
"$PYTHON" "$ADDON_DIR/bench/bench_backlog.py" store --db "$DB" --addons-path "$ADDONS_PATH" -n "$N" --expect "$EXPECT"
STARTED=$("$PYTHON" -c "import time; print(time.time())")
start_odoo_with_runner "$DB" "$(free_port)" "$WORKERS" "root:$WORKERS,root.shopify.imports:$WORKERS,root.shopify.inventory:1" "$LOG"
echo "Odoo with queue_job's runner: $WORKERS workers, channels root:$WORKERS (log $LOG)"
"$PYTHON" "$ADDON_DIR/bench/bench_backlog.py" wait --db "$DB" --addons-path "$ADDONS_PATH" --expect "$EXPECT" \
  --started "$STARTED" --timeout "${TIMEOUT:-3600}"
echo "Load after: $(uptime)"
