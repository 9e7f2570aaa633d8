#!/usr/bin/env bash
# Developers' shortcut: a database with shopify_sync's dependencies installed, to copy for each
# test run (TEMPLATE_DB=shopify_sync_deps bash tools/run_tests.sh) instead of installing ~60
# modules every time. CI does not use it: it always starts from an empty database.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
prepare_odoo no-reference
trap 'rm -rf "$LINK_DIR"' EXIT
NAME="${1:-shopify_sync_deps}"
dropdb --if-exists "$NAME"
deps=$("$PYTHON" -c "import ast,sys; print(','.join(ast.literal_eval(open(sys.argv[1]).read())['depends']))" "$ADDON_DIR/__manifest__.py")
"$PYTHON" -m odoo server -d "$NAME" --addons-path="$ADDONS_PATH" -i "$deps" --stop-after-init \
  --http-port="$(free_port)" --workers=0 --max-cron-threads=0 --without-demo=1 --log-level=warn
echo "template database $NAME ready (modules: $deps)"
