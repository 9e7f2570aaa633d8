#!/usr/bin/env bash
# Regenerate i18n/shopify_sync.pot from the module (Odoo's `i18n export`: field strings, selection
# labels, views, menus, and code strings wrapped in _()), then merge it into every i18n/*.po so new
# terms appear there untranslated and removed ones are marked obsolete. One command:
#   bash tools/update_pot.sh
#   TEMPLATE_DB=shopify_sync_deps bash tools/update_pot.sh   # faster: start from a copy of it
# TestTranslationTemplate fails when the committed .pot differs from what this produces.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
prepare_odoo no-reference

DB="shopify_sync_pot_$$"
CONF=$(mktemp "${TMPDIR:-/tmp}/shopify_sync_pot.XXXXXX.conf")
trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$LINK_DIR" "$CONF"' EXIT
printf '[options]\naddons_path = %s\ndb_name = %s\nwithout_demo = True\nlog_level = warn\n' \
  "$ADDONS_PATH" "$DB" >"$CONF"

if [ -n "${TEMPLATE_DB:-}" ]; then
  createdb -T "$TEMPLATE_DB" "$DB" || die "could not copy the template database $TEMPLATE_DB."
fi
echo "update_pot: installing shopify_sync in $DB ..."
"$PYTHON" -m odoo server -c "$CONF" -i shopify_sync --stop-after-init --no-http --workers=0 --max-cron-threads=0 \
  || die "installing shopify_sync failed."
mkdir -p "$ADDON_DIR/i18n"
"$PYTHON" -m odoo i18n export -c "$CONF" -o "$ADDON_DIR/i18n/shopify_sync.pot" shopify_sync \
  || die "Odoo could not export the translation template."
"$PYTHON" - "$ADDON_DIR/i18n" <<'PY'
import glob, os, sys
import polib
pot = polib.pofile(os.path.join(sys.argv[1], "shopify_sync.pot"))
print(f"update_pot: i18n/shopify_sync.pot: {len(pot)} terms")
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.po"))):
    po = polib.pofile(path, wrapwidth=78)
    po.merge(pot)
    po.save(path)
    print(f"update_pot: {os.path.basename(path)}: {po.percent_translated()}% translated, "
          f"{len(po.untranslated_entries())} untranslated")
PY
