#!/usr/bin/env bash
# Catalog import benchmark (paged vs bulk) in a throw-away database:  N=5000 bash bench/run_catalog_bench.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
require_odoo
ensure_postgres
install_python_requirements
bash "$ADDON_DIR/tools/fetch_shopify_reference.sh" >/dev/null
prepare_addons_path
DB="shopify_sync_catalogbench_$$"
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$LINK_DIR"' EXIT
echo "Installing shopify_sync in $DB ..."
"$PYTHON" "$ADDON_DIR/tools/odoo_run.py" server -d "$DB" --addons-path="$ADDONS_PATH" -i shopify_sync \
  --stop-after-init --without-demo=1 --log-level=warn --http-port="$(free_port)" >/dev/null 2>&1
"$PYTHON" "$ADDON_DIR/bench/bench_catalog_import.py" --db "$DB" --addons-path "$ADDONS_PATH" -n "${N:-5000}"
