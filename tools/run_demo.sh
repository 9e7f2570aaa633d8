#!/usr/bin/env bash
# The demo: a database with shopify_sync configured for a sandbox Shopify store, Odoo with the
# queue_job runner on http://127.0.0.1:${DEMO_PORT:-8069} (login admin / admin), and the sandbox
# sending a stream of orders, two of which fail and name their fix.
#
#   bash tools/run_demo.sh                     # interactive: Ctrl-C stops Odoo and the sandbox
#   DEMO_EXIT_AFTER=1 bash tools/run_demo.sh   # send, wait for the jobs, print a summary, stop
#   DEMO_EXIT_AFTER=1 DEMO_FIX_AND_RETRY=1 bash tools/run_demo.sh   # ... then fix both and Retry
#   DEMO_KEEP_DB=1 ...                         # reuse the demo database instead of recreating it
#   DEMO_SCREENSHOTS=static/description ...    # with DEMO_EXIT_AFTER: the README's screenshots
# With DEMO_EXIT_AFTER the demo ends with the accountant's side: the sandbox's Shopify Payments
# payout imported, booked, reconciled and matched to its bank deposit (demo/demo_payout.py).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DB=${DEMO_DB:-shopify_sync_demo}
ODOO_PORT=${DEMO_PORT:-8069}
SANDBOX_PORT=${DEMO_SANDBOX_PORT:-8790}
SECRET=${DEMO_SECRET:-demo-webhook-secret}
ODOO_URL="http://127.0.0.1:$ODOO_PORT"
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/shopify_sync_demo.XXXXXX")

prepare_odoo

ODOO_PID=; SANDBOX_PID=
stop() {  # TERM, then KILL if it lingers (the threaded server waits for its runner and cron)
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 10); do kill -0 "$1" 2>/dev/null || return 0; sleep 1; done
  kill -9 "$1" 2>/dev/null || true
}
cleanup() {
  stop "$SANDBOX_PID"
  stop "$ODOO_PID"
  rm -rf "$LINK_DIR" "$RUN_DIR"
}
trap cleanup EXIT INT TERM

# queue_job's runner lives in the Odoo server (server_wide_modules); one channel per workflow.
cat >"$RUN_DIR/odoo.conf" <<CONF
[options]
addons_path = $ADDONS_PATH
db_name = $DB
dbfilter = ^$DB\$
http_interface = 127.0.0.1
http_port = $ODOO_PORT
server_wide_modules = base,web,queue_job
workers = 0
max_cron_threads = 1
without_demo = True
log_level = warn
logfile = $RUN_DIR/odoo.log

[queue_job]
channels = root:2,root.shopify.orders:2,root.shopify.imports:1,root.shopify.app:1
CONF

psql() { command psql -d postgres -tAc "$1"; }
if [ -z "${DEMO_KEEP_DB:-}" ] || [ -z "$(psql "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
  dropdb --if-exists "$DB"
  echo "demo: creating database $DB with shopify_sync (a minute or two) ..."
  "$PYTHON" -m odoo server -c "$RUN_DIR/odoo.conf" -i shopify_sync --stop-after-init
  DEMO_SECRET="$SECRET" DEMO_SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT" DEMO_ODOO_URL="$ODOO_URL" \
    "$PYTHON" -m odoo shell -c "$RUN_DIR/odoo.conf" --no-http <"$ADDON_DIR/demo/demo_setup.py" 2>>"$RUN_DIR/odoo.log" | grep '^demo:'
fi

"$PYTHON" -m odoo server -c "$RUN_DIR/odoo.conf" &
ODOO_PID=$!
for _ in $(seq 1 90); do curl -sf "$ODOO_URL/web/health" >/dev/null 2>&1 && break; sleep 1; done
curl -sf "$ODOO_URL/web/health" >/dev/null || die "Odoo did not start; see $RUN_DIR/odoo.log"

cat <<TXT

  Odoo:    $ODOO_URL   (login admin, password admin)
  Look at: Shopify Sync > All sync jobs (orders arriving), Sales > Orders, Shopify Sync > Failed jobs.
  Fix:     Inventory > Products > New (internal reference GHOST-1), and
           Shopify Sync > Configuration > Tax mappings > New (NY State Tax, 4%, tax "NY State Tax 4%"),
           then select the failed jobs and press Retry.

TXT

jobs_summary() {
  command psql -d "$DB" -tA -F' | ' -c "SELECT state, coalesce(failure_category, ''), count(*) FROM shopify_sync_job
    WHERE direction = 'in' GROUP BY 1, 2 ORDER BY 1, 2" | sed 's/^/  jobs: /'
  command psql -d "$DB" -tA -F': ' -c "SELECT shopify_ref, error_message FROM shopify_sync_job WHERE state = 'failed'
    ORDER BY id" | sed 's/^/  failed /'
  command psql -d "$DB" -tA -F' ' -c "SELECT 'sale orders:', count(*), 'confirmed:', count(*) FILTER (WHERE state = 'sale')
    FROM sale_order WHERE origin LIKE 'Shopify %'" | sed 's/^/  /'
}
wait_for_queue() {
  for _ in $(seq 1 120); do
    [ "$(command psql -d "$DB" -tAc "SELECT count(*) FROM shopify_sync_job WHERE state = 'queued'")" = 0 ] && return 0
    sleep 1
  done
  echo "demo: jobs still queued after 2 minutes"
}

# The sandbox keeps answering the Admin API after its stream (jobs may still ask it things).
"$PYTHON" "$ADDON_DIR/demo/shopify_sandbox.py" --odoo "$ODOO_URL" --secret "$SECRET" --port "$SANDBOX_PORT" \
  --interval "${DEMO_INTERVAL:-3}" --first-number "$(( $(date +%s) % 90000 + 1000 ))" > >(tee "$RUN_DIR/sandbox.log") &
SANDBOX_PID=$!  # the sandbox itself, not tee: stopped on exit

if [ -z "${DEMO_EXIT_AFTER:-}" ]; then
  wait "$ODOO_PID"
  exit 0
fi
for _ in $(seq 1 300); do grep -q "all orders sent" "$RUN_DIR/sandbox.log" 2>/dev/null && break; sleep 1; done
wait_for_queue
echo "demo: after the stream"
jobs_summary
screenshots() {  # DEMO_SCREENSHOTS=<dir>: README pictures (demo/screenshots.py)
  [ -n "${DEMO_SCREENSHOTS:-}" ] || return 0
  "$PYTHON" "$ADDON_DIR/demo/screenshots.py" --url "$ODOO_URL" --out "$DEMO_SCREENSHOTS" "$@"
}
screenshots demo_failed_jobs=shopify_sync.action_sync_job_failed
if [ -n "${DEMO_FIX_AND_RETRY:-}" ]; then
  "$PYTHON" -m odoo shell -c "$RUN_DIR/odoo.conf" --no-http <"$ADDON_DIR/demo/demo_fix.py" 2>>"$RUN_DIR/odoo.log" | grep '^demo:'
  sleep 2
  wait_for_queue
  echo "demo: after the fix and Retry"
  jobs_summary
  screenshots demo_sync_jobs=shopify_sync.action_sync_job demo_sale_orders=sale.action_orders
fi
# The payout of the orders' card payments: import, let the runner book it, then the bank deposit.
payout_step() {
  DEMO_PAYOUT_STEP="$1" "$PYTHON" -m odoo shell -c "$RUN_DIR/odoo.conf" --no-http <"$ADDON_DIR/demo/demo_payout.py" \
    2>>"$RUN_DIR/odoo.log" | grep '^demo:'
}
payout_step import
sleep 2
wait_for_queue
payout_step match
payout_id=$(command psql -d "$DB" -tAc "SELECT id FROM shopify_sync_payout ORDER BY id LIMIT 1")
[ -z "$payout_id" ] || screenshots "demo_payout@820=shopify_sync.action_payouts/$payout_id"
