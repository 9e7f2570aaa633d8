#!/usr/bin/env bash
# Run the shopify_sync test suite on real Odoo 19 + PostgreSQL, in a throw-away database.
#   bash tools/run_tests.sh            # whole suite
#   TEST_TAGS=/shopify_sync:TestWebhookIntake bash tools/run_tests.sh   # one class
#   TEMPLATE_DB=shopify_sync_deps bash tools/run_tests.sh  # start from a copy of a database that
#       already has the dependencies installed (make it once with tools/make_template_db.sh)
#   SHOPIFY_SYNC_FROM_WHEEL=1 bash tools/run_tests.sh  # (CI) test the addon installed from its wheel
#       into a scratch venv beside Odoo, not the checkout
#   TEST_RUNNER=pytest bash tools/run_tests.sh  # the same suite under pytest-odoo (installed from PyPI)
# Exits non-zero on any failure; prints "shopify_sync: N passed, N failed" last.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

require_odoo
ensure_postgres
install_python_requirements
bash "$ADDON_DIR/tools/fetch_shopify_reference.sh" >/dev/null
[ -z "${SHOPIFY_SYNC_FROM_WHEEL:-}" ] || install_addon_from_wheel
prepare_addons_path

DB="shopify_sync_test_$$"
LOG=$(mktemp "${TMPDIR:-/tmp}/shopify_sync_test.XXXXXX.log")
cleanup() { dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$LINK_DIR" "${WHEEL_ENV:-}"; }
trap cleanup EXIT

if [ -n "${TEMPLATE_DB:-}" ]; then
  createdb -T "$TEMPLATE_DB" "$DB" || die "could not copy the template database $TEMPLATE_DB."
fi

if [ "${TEST_RUNNER:-odoo}" = pytest ]; then
  # pytest-odoo: install the module without its tests, then pytest runs them on that database
  # (HttpCase tests too: --odoo-http). pytest's own summary is the last line.
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "pytest-odoo==2.3.0" \
    || die "pip could not install pytest-odoo."
  "$PYTHON" -m odoo server -d "$DB" --addons-path="$ADDONS_PATH" -i shopify_sync --stop-after-init --no-http \
    --workers=0 --max-cron-threads=0 --log-level=warn --without-demo=1 || die "installing shopify_sync in $DB failed."
  CONF="$LINK_DIR/odoo.conf"
  # No cron threads, as with Odoo's runner (--max-cron-threads=0): pytest-odoo's HTTP server
  # would otherwise start them, and queue_job's crons race the tests that commit queue_job rows.
  printf '[options]\naddons_path = %s\ndb_name = %s\nwithout_demo = True\nhttp_interface = 127.0.0.1\nworkers = 0\nmax_cron_threads = 0\n' \
    "$ADDONS_PATH" "$DB" >"$CONF"
  if [ -n "${ADDON_FROM_WHEEL:-}" ]; then
    TESTS_DIR=$("$PYTHON" -c 'import importlib.util, os
print(os.path.join(os.path.dirname(importlib.util.find_spec("odoo.addons.shopify_sync").origin), "tests"))')
  else
    TESTS_DIR="$LINK_DIR/shopify_sync/tests"
  fi
  # TEST_TAGS=/shopify_sync:TestA,/shopify_sync:TestB.test_x  ->  -k "TestA or (TestB and test_x)"
  select=$("$PYTHON" -c 'import sys
specs = [t.split(":", 1)[-1] for t in sys.argv[1].split(",") if t.strip()]
print(" or ".join("(%s)" % " and ".join(filter(None, s.split("."))) for s in specs if s.strip("/")))' "${TEST_TAGS:-}")
  set +e
  (cd "$LINK_DIR" && "$PYTHON" -m pytest -p no:cacheprovider --tb=short --odoo-config="$CONF" --odoo-http \
    ${select:+-k "$select"} "$TESTS_DIR")
  exit $?
fi

set +e
"$PYTHON" -m odoo server -d "$DB" --addons-path="$ADDONS_PATH" --db-filter="^${DB}\$" \
  -i shopify_sync --test-enable --test-tags "${TEST_TAGS:-/shopify_sync}" --stop-after-init \
  --http-interface=127.0.0.1 --http-port="$(free_port)" --workers=0 --max-cron-threads=0 \
  --log-level="${LOG_LEVEL:-test}" --without-demo=1 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e

"$PYTHON" - "$LOG" "$rc" <<'PY'
import re, sys
log = open(sys.argv[1], encoding="utf-8", errors="replace").read()
rc = int(sys.argv[2])
m = re.findall(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests", log)
if not m:
    print("shopify_sync: no test summary in the Odoo log (did the module install?)")
    sys.exit(1)
failed = sum(int(f) + int(e) for f, e, _ in m)
total = sum(int(t) for _, _, t in m)
# Errors logged outside test cases (a view that does not load, a crashing post-install) fail too.
stray = [l for l in log.splitlines() if re.search(r" (ERROR|CRITICAL) ", l)]
if failed == 0 and stray:
    failed = 1
    print("shopify_sync: errors were logged outside the tests:", *stray[:5], sep="\n  ")
if total == 0:
    print("shopify_sync: no test ran")
    sys.exit(1)
print(f"shopify_sync: {total - failed} passed, {failed} failed")
sys.exit(1 if failed or rc else 0)
PY
