#!/usr/bin/env bash
# Fault drill in a throw-away database (bench/fault_drill.py says what it does): redeliveries racing
# the first delivery, two workers on one order, a worker killed mid-job, database connections cut
# under load. Prints deliveries sent, jobs, sale orders, duplicates (0) and losses (0).
#   N=30 bash tools/run_fault_drill.sh
#   TEMPLATE_DB=shopify_sync_deps N=10 bash tools/run_fault_drill.sh   # faster: copy installed deps
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
prepare_odoo
DB="shopify_sync_faults_$$"
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$LINK_DIR"' EXIT
if [ -n "${TEMPLATE_DB:-}" ]; then
  createdb -T "$TEMPLATE_DB" "$DB" || die "could not copy the template database $TEMPLATE_DB."
fi
echo "Installing shopify_sync in $DB ..."
"$PYTHON" "$ADDON_DIR/tools/odoo_run.py" server -d "$DB" --addons-path="$ADDONS_PATH" -i shopify_sync \
  --stop-after-init --without-demo=1 --log-level=warn --http-port="$(free_port)" >/dev/null 2>&1 \
  || die "installing shopify_sync in $DB failed."
"$PYTHON" "$ADDON_DIR/bench/fault_drill.py" --db "$DB" --addons-path "$ADDONS_PATH" -n "${N:-30}"
