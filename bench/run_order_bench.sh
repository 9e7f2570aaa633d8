#!/usr/bin/env bash
# Order import benchmark in a throw-away database:  N=500 bash bench/run_order_bench.sh
# Then the hot-products burst (bench/bench_hot_products.py): HOT_N orders (150) over 3 products
# against the same over distinct products, with Odoo's queue_job runner and 2 order workers.
#   HOT=0 skips it; HOT_ONLY=1 runs only it; HOT_ROUNDS=2 alternates two bursts of each kind.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
# OCA's shopify_connector is compared when it is importable (never a requirement of ours):
#   pip install --no-deps "odoo-addon-shopify-connector==19.0.*"
MODULES=shopify_sync
if "$PYTHON" -c "import importlib.util, sys; sys.exit(not importlib.util.find_spec('odoo.addons.shopify_connector'))" \
    2>/dev/null; then
  MODULES=shopify_sync,shopify_connector
fi
source "$ADDON_DIR/bench/queue_workers.sh"

# Odoo with queue_job's runner: 2 workers on the orders channel (as README "Workers and channels"),
# one more process for the other channels.
hot_products_bench() {
  local port log
  port=$(free_port)
  log=$(mktemp "${TMPDIR:-/tmp}/shopify_sync_hot.XXXXXX.log")
  trap 'stop_odoo "${ODOO_PID:-}"; dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$LINK_DIR"' EXIT
  start_odoo_with_runner "$DB" "$port" 3 "root:3,root.shopify.orders:2,root.shopify.inventory:1" "$log"
  echo "Hot products: Odoo with queue_job's runner on 127.0.0.1:$port (3 workers, orders channel 2); log $log"
  "$PYTHON" "$ADDON_DIR/bench/bench_hot_products.py" --db "$DB" --addons-path "$ADDONS_PATH" \
    -n "${HOT_N:-150}" --rounds "${HOT_ROUNDS:-1}"
}

# TEMPLATE_DB (as for tools/run_tests.sh): start from a copy of a database with the dependencies installed.
if [ -n "${TEMPLATE_DB:-}" ]; then
  createdb -T "$TEMPLATE_DB" "shopify_sync_orderbench_$$" || die "could not copy the template database $TEMPLATE_DB."
fi
bench_database orderbench "$MODULES"
if [ -z "${HOT_ONLY:-}" ]; then
  "$PYTHON" "$ADDON_DIR/bench/bench_orders.py" --db "$DB" --addons-path "$ADDONS_PATH" -n "${N:-500}"
fi
[ "${HOT:-1}" = 0 ] || hot_products_bench
