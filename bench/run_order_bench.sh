#!/usr/bin/env bash
# Order import benchmark in a throw-away database:  N=500 bash bench/run_order_bench.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
# OCA's shopify_connector is compared when it is importable (never a requirement of ours):
#   pip install --no-deps "odoo-addon-shopify-connector==19.0.*"
MODULES=shopify_sync
if "$PYTHON" -c "import importlib.util, sys; sys.exit(not importlib.util.find_spec('odoo.addons.shopify_connector'))" \
    2>/dev/null; then
  MODULES=shopify_sync,shopify_connector
fi
bench_database orderbench "$MODULES"
"$PYTHON" "$ADDON_DIR/bench/bench_orders.py" --db "$DB" --addons-path "$ADDONS_PATH" -n "${N:-500}"
