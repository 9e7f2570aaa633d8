#!/usr/bin/env bash
# The deployment of a large store, on one machine: NODES Odoo HTTP nodes (prefork, WORKERS workers
# each) on loopback ports behind one address (bench/rr_proxy.py, round robin per connection, as a
# load balancer would), ONE queue_job job runner (in the first node) dispatching jobs through that
# same address to every node, one PostgreSQL database shared by all. The intake benchmark
# (bench/bench_webhook_intake.py, via bench/multinode_intake.py for bodies that import) fires N
# signed orders/create webhooks (10 % delivered twice) at the proxy while the jobs run; then the
# queue drains and every count is checked: one sync job, one queue job and one sale order per
# unique delivery, every job done, each run once.
#   N=400 CONCURRENCY=8 NODES=2 WORKERS=3 [TEMPLATE_DB=shopify_sync_deps] bash bench/run_multinode.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
source "$ADDON_DIR/bench/queue_workers.sh"
N=${N:-400}; CONCURRENCY=${CONCURRENCY:-8}; NODES=${NODES:-2}; WORKERS=${WORKERS:-3}
# Every node's workers take webhooks and jobs; the runner keeps one worker per node free for webhooks.
ORDER_JOBS=$((NODES * (WORKERS - 1) - 1)); [ "$ORDER_JOBS" -ge 1 ] || ORDER_JOBS=1
CHANNELS="root:$((ORDER_JOBS + 1)),root.shopify.orders:$ORDER_JOBS,root.shopify.inventory:1"
prepare_odoo
DB="shopify_sync_multinode_$$"
SECRET="bench-secret-$$"
SHOP="multinode-$$.myshopify.com"
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/shopify_sync_multinode.XXXXXX")
PROXY_PORT=$(free_port)
NODE_PIDS=()
PROXY_PID=
cleanup() {
  [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null || true
  for pid in "${NODE_PIDS[@]}"; do stop_odoo "$pid"; done
  dropdb --if-exists "$DB" >/dev/null 2>&1 || true
  rm -rf "$LINK_DIR"
}
trap cleanup EXIT

echo "Installing shopify_sync in $DB (logs in $RUN_DIR) ..."
[ -n "${TEMPLATE_DB:-}" ] && { createdb -T "$TEMPLATE_DB" "$DB" || die "could not copy the template database $TEMPLATE_DB."; }
"$PYTHON" -m odoo server -d "$DB" --addons-path="$ADDONS_PATH" -i shopify_sync --stop-after-init \
  --without-demo=1 --log-level=warn --http-port="$(free_port)" >"$RUN_DIR/install.log" 2>&1 \
  || die "installing shopify_sync in $DB failed; see $RUN_DIR/install.log"
# The store and the products of bench/bench_common.py's LINES, in stock, matched on SKU (no API call).
"$PYTHON" -m odoo shell -d "$DB" --addons-path="$ADDONS_PATH" --log-level=warn --no-http >>"$RUN_DIR/install.log" 2>&1 <<PY
import sys
sys.path.insert(0, "$ADDON_DIR/bench")
from bench_common import LINES
company = env.company
company.tax_calculation_rounding_method = "round_per_line"
tax = env["account.tax"].create({"name": "CA 7.25%", "amount": 7.25, "type_tax_use": "sale", "company_id": company.id})
stock = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1).lot_stock_id
for spec in LINES:
    product = env["product.product"].create({"name": spec["sku"], "default_code": spec["sku"], "type": "consu",
        "is_storable": True, "company_id": company.id, "taxes_id": [(6, 0, tax.ids)]})
    env["stock.quant"]._update_available_quantity(product, stock, 1000000)
backend = env["shopify.backend"].create({"name": "Multinode", "shop_domain": "$SHOP", "auth_mode": "legacy_token",
    "access_token": "x", "webhook_secret": "$SECRET", "product_match": "binding_sku", "api_base_url": "http://127.0.0.1:9"})
env["shopify.tax.map"].create({"backend_id": backend.id, "name": "CA State Tax", "rate_percent": 7.25, "tax_id": tax.id})
env.cr.commit()
PY

NODE_URLS=()
for node in $(seq 1 "$NODES"); do
  port=$(free_port)
  if [ "$node" = 1 ]; then
    # The one job runner: it sends each job to the proxy's address, so any node may run it.
    ODOO_QUEUE_JOB_HOST=127.0.0.1 ODOO_QUEUE_JOB_PORT=$PROXY_PORT \
      start_odoo_with_runner "$DB" "$port" "$WORKERS" "$CHANNELS" "$RUN_DIR/node$node.log"
  else
    start_odoo_http "$DB" "$port" "$WORKERS" "$RUN_DIR/node$node.log"
  fi
  NODE_PIDS+=("$ODOO_PID")
  NODE_URLS+=("127.0.0.1:$port")
done
"$PYTHON" "$ADDON_DIR/bench/rr_proxy.py" --port "$PROXY_PORT" "${NODE_URLS[@]}" >"$RUN_DIR/proxy.log" 2>&1 &
PROXY_PID=$!
for _ in $(seq 1 30); do curl -sf "http://127.0.0.1:$PROXY_PORT/web/health" >/dev/null 2>&1 && break; sleep 0.5; done
echo "$NODES Odoo nodes (${NODE_URLS[*]}, $WORKERS workers each, one job runner: $CHANNELS) behind 127.0.0.1:$PROXY_PORT; $(nproc) cores"
echo "load before: $(uptime)"

START=$(date +%s.%N)
"$PYTHON" "$ADDON_DIR/bench/multinode_intake.py" --url "http://127.0.0.1:$PROXY_PORT/shopify/webhook" \
  --health-url "http://127.0.0.1:$PROXY_PORT/web/health" --shop "$SHOP" --secret "$SECRET" -n "$N" \
  --concurrency "$CONCURRENCY" | tee "$RUN_DIR/intake.out"
echo "load after intake: $(uptime)"
expected=$(tail -n1 "$RUN_DIR/intake.out" | "$PYTHON" -c "import json,sys; print(json.load(sys.stdin)['unique_deliveries'])")

q() { psql -d "$DB" -tAF' ' -c "$1"; }
for _ in $(seq 1 1800); do
  left=$(q "SELECT (SELECT count(*) FROM shopify_sync_job WHERE state = 'queued') + (SELECT count(*) FROM queue_job WHERE state IN ('pending', 'enqueued', 'started'))")
  [ "$left" = 0 ] && break
  sleep 1
done
DRAINED=$(date +%s.%N)
echo "load after drain: $(uptime)"
kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true; PROXY_PID=

read -r jobs distinct done_jobs qjobs run_once sales < <(q "
  SELECT count(*), count(DISTINCT j.webhook_id), count(*) FILTER (WHERE j.state = 'done'), count(q.id),
         count(*) FILTER (WHERE q.retry = 1),
         (SELECT count(DISTINCT client_order_ref) FROM sale_order WHERE origin LIKE 'Shopify %')
  FROM shopify_sync_job j LEFT JOIN queue_job q ON q.id = j.queue_job_id WHERE j.direction = 'in'")
read -r sale_rows reserve_jobs reserve_done unreserved < <(q "
  SELECT (SELECT count(*) FROM sale_order WHERE origin LIKE 'Shopify %'),
         count(*), count(*) FILTER (WHERE state = 'done'),
         (SELECT count(*) FROM stock_move WHERE state IN ('confirmed', 'partially_available'))
  FROM shopify_sync_job WHERE topic = 'stock/reserve'")
"$PYTHON" - "$START" "$DRAINED" "$expected" "$RUN_DIR" "$NODES" <<'PY'
import json, re, sys
start, drained, expected, run_dir, nodes = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
print(f"all {expected} deliveries imported and reserved {drained - start:.0f} s after the first webhook "
      f"({expected / (drained - start):.1f} orders/s end to end)")
for node in range(1, nodes + 1):
    text = open(f"{run_dir}/node{node}.log", errors="replace").read()
    webhooks = len(re.findall(r'"POST /shopify/webhook HTTP[^"]*" 200', text))
    jobs = len(re.findall(r'"GET /queue_job/runjob\?', text))
    print(f"node {node}: {webhooks} webhooks answered 200, {jobs} jobs run")
print(open(f"{run_dir}/proxy.log").read().strip().splitlines()[-1])
PY
echo "rows: $jobs sync jobs, $distinct distinct webhook ids, $qjobs queue jobs, $done_jobs done, $run_once run exactly once;" \
  "$sales Shopify orders in $sale_rows sale orders; $reserve_done/$reserve_jobs reservation jobs done, $unreserved moves unreserved; for $expected unique deliveries"
if [ "$jobs" = "$expected" ] && [ "$distinct" = "$expected" ] && [ "$qjobs" = "$expected" ] && [ "$done_jobs" = "$expected" ] \
   && [ "$sales" = "$expected" ] && [ "$sale_rows" = "$expected" ] && [ "$unreserved" = 0 ]; then
  echo "no delivery lost, none doubled, every job done ($run_once of $expected in one run)"
else
  echo "MISMATCH: lost, doubled or unfinished deliveries"; exit 1
fi
