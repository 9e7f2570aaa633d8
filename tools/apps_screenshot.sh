#!/usr/bin/env bash
# The Apps page picture (static/description/apps_page.png, shown in the README's Install): a
# throw-away database with shopify_sync installed, Odoo on loopback, and Apps > Shopify Sync taken
# by the demo's screenshot helper (demo/screenshots.py: playwright and Debian's chromium), then
# scaled down and reduced to a palette so that the PNG stays small.
#
#   bash tools/apps_screenshot.sh                          # writes static/description/apps_page.png
#   TEMPLATE_DB=shopify_sync_deps bash tools/apps_screenshot.sh [OUT.png]   # faster
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

OUT=${1:-$ADDON_DIR/static/description/apps_page.png}
WIDTH=${APPS_SHOT_WIDTH:-1100}     # pixels of the saved picture (taken 1440 wide)
HEIGHT=${APPS_SHOT_HEIGHT:-1250}   # window height: the module's header and the start of its page
DB=shopify_sync_apps_$$
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/shopify_sync_apps.XXXXXX")

require_odoo
ensure_postgres
"$PYTHON" -c "import playwright" 2>/dev/null || die "playwright is missing: pip install playwright (and apt-get install chromium)."
prepare_addons_path
ODOO_PID=
cleanup() {
  if [ -n "$ODOO_PID" ]; then kill "$ODOO_PID" 2>/dev/null && wait "$ODOO_PID" 2>/dev/null || true; fi
  dropdb --if-exists "$DB" 2>/dev/null || true
  rm -rf "$LINK_DIR" "$RUN_DIR"
}
trap cleanup EXIT INT TERM

PORT=$(free_port)
cat >"$RUN_DIR/odoo.conf" <<CONF
[options]
addons_path = $ADDONS_PATH
db_name = $DB
dbfilter = ^$DB\$
http_interface = 127.0.0.1
http_port = $PORT
workers = 0
max_cron_threads = 0
without_demo = True
log_level = warn
logfile = $RUN_DIR/odoo.log
CONF

if [ -n "${TEMPLATE_DB:-}" ]; then createdb -T "$TEMPLATE_DB" "$DB"; fi
echo "apps_screenshot: installing shopify_sync in $DB ..."
"$PYTHON" -m odoo server -c "$RUN_DIR/odoo.conf" -i shopify_sync --stop-after-init \
  || die "Odoo could not install shopify_sync; see the log above."
"$PYTHON" -m odoo server -c "$RUN_DIR/odoo.conf" &
ODOO_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 90); do curl -sf "$URL/web/health" >/dev/null 2>&1 && break; sleep 1; done
curl -sf "$URL/web/health" >/dev/null || die "Odoo did not start; see $RUN_DIR/odoo.log"

module_id=$(psql -d "$DB" -tAc "SELECT id FROM ir_module_module WHERE name = 'shopify_sync' AND state = 'installed'")
[ -n "$module_id" ] || die "shopify_sync is not installed in $DB."
# Apps' window action with the module's id opens its page, as clicking it in Apps does.
"$PYTHON" "$ADDON_DIR/demo/screenshots.py" --url "$URL" --out "$RUN_DIR" "apps_page@$HEIGHT=base.open_module_tree/$module_id"

"$PYTHON" - "$RUN_DIR/apps_page.png" "$OUT" "$WIDTH" <<'PY'
import os, sys
from PIL import Image
source, target, width = sys.argv[1], sys.argv[2], int(sys.argv[3])
image = Image.open(source).convert("RGB")
image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
# A screen of flat colours: a 256-colour palette keeps the text sharp at a fraction of the size.
image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(target, optimize=True)
print(f"apps_screenshot: {target} ({image.width}x{image.height}, {os.path.getsize(target) // 1024} KB)")
PY
