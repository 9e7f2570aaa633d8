#!/usr/bin/env bash
# Order import benchmark in a throw-away database:  N=500 bash bench/run_order_bench.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
require_odoo
ensure_postgres
install_python_requirements
bash "$ADDON_DIR/tools/fetch_shopify_reference.sh" >/dev/null
prepare_addons_path
DB="shopify_sync_orderbench_$$"
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$LINK_DIR"' EXIT
# OCA's shopify_connector is compared when it is importable (never a requirement of ours):
#   pip install --no-deps "odoo-addon-shopify-connector==19.0.*"
MODULES=shopify_sync
if "$PYTHON" -c "import importlib.util, sys; sys.exit(not importlib.util.find_spec('odoo.addons.shopify_connector'))" \
    2>/dev/null; then
  MODULES=shopify_sync,shopify_connector
fi
echo "Installing $MODULES in $DB ..."
"$PYTHON" "$ADDON_DIR/tools/odoo_run.py" server -d "$DB" --addons-path="$ADDONS_PATH" -i "$MODULES" \
  --stop-after-init --without-demo=1 --log-level=warn --http-port="$(free_port)" >/dev/null 2>&1
"$PYTHON" "$ADDON_DIR/bench/bench_orders.py" --db "$DB" --addons-path "$ADDONS_PATH" -n "${N:-500}"
