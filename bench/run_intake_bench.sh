#!/usr/bin/env bash
# Webhook intake benchmark: install the addon in a throw-away database, run Odoo on loopback
# (prefork, WORKERS workers, no queue runner: intake only), fire N signed webhooks, then count the
# stored jobs: every unique delivery must be exactly one sync job and one queue job.
#   N=2000 CONCURRENCY=8 WORKERS=4 bash bench/run_intake_bench.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
N=${N:-2000}; CONCURRENCY=${CONCURRENCY:-8}; WORKERS=${WORKERS:-4}; TOPIC=${TOPIC:-orders/create}
require_odoo
ensure_postgres
install_python_requirements
prepare_addons_path
DB="shopify_sync_bench_$$"
PORT=$(free_port)
SECRET="bench-secret-$$"
SHOP="bench-store.myshopify.com"
LOG=$(mktemp "${TMPDIR:-/tmp}/shopify_sync_bench.XXXXXX.log")
ODOO_PID=
cleanup() {
  [ -n "$ODOO_PID" ] && kill "$ODOO_PID" 2>/dev/null && wait "$ODOO_PID" 2>/dev/null || true
  dropdb --if-exists "$DB" >/dev/null 2>&1 || true
  rm -rf "$LINK_DIR"
}
trap cleanup EXIT

echo "Installing shopify_sync in $DB ..."
"$PYTHON" -m odoo server -d "$DB" --addons-path="$ADDONS_PATH" -i shopify_sync --stop-after-init \
  --without-demo=1 --log-level=warn --http-port="$PORT" >"$LOG" 2>&1
"$PYTHON" -m odoo shell -d "$DB" --addons-path="$ADDONS_PATH" --log-level=warn --no-http >>"$LOG" 2>&1 <<PY
env["shopify.backend"].create({"name": "Bench", "shop_domain": "$SHOP", "auth_mode": "legacy_token",
                               "access_token": "x", "webhook_secret": "$SECRET"})
env.cr.commit()
PY
"$PYTHON" -c "import gevent" 2>/dev/null || "$PYTHON" -m pip install -q gevent  # Odoo's own prefork requirement
"$PYTHON" "$ADDON_DIR/tools/odoo_run.py" server -d "$DB" --db-filter="^${DB}\$" --addons-path="$ADDONS_PATH" --workers="$WORKERS" \
  --max-cron-threads=0 --http-interface=127.0.0.1 --http-port="$PORT" --log-level=warn >>"$LOG" 2>&1 &
ODOO_PID=$!
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/web/health" >/dev/null 2>&1 && break; sleep 1
done
echo "Odoo up on 127.0.0.1:$PORT ($WORKERS workers, $(nproc) cores); firing $N webhooks at concurrency $CONCURRENCY"
"$PYTHON" "$ADDON_DIR/bench/bench_webhook_intake.py" --url "http://127.0.0.1:$PORT/shopify/webhook" \
  --shop "$SHOP" --secret "$SECRET" -n "$N" --concurrency "$CONCURRENCY" --topic "$TOPIC" | tee "$LOG.out"
expected=$(tail -n1 "$LOG.out" | "$PYTHON" -c "import json,sys; print(json.load(sys.stdin)['unique_deliveries'])")
read -r jobs distinct qjobs < <(psql -d "$DB" -tAF' ' -c "SELECT count(*), count(DISTINCT webhook_id), (SELECT count(*) FROM queue_job WHERE model_name = 'shopify.sync.job') FROM shopify_sync_job WHERE direction = 'in'")
echo "rows: $jobs sync jobs, $distinct distinct webhook ids, $qjobs queue jobs, for $expected unique deliveries"
if [ "$jobs" = "$expected" ] && [ "$distinct" = "$expected" ] && [ "$qjobs" = "$expected" ]; then
  echo "no delivery lost, none duplicated"
else
  echo "MISMATCH: lost or duplicated deliveries"; exit 1
fi
