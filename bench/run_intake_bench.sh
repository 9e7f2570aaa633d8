#!/usr/bin/env bash
# Webhook intake benchmark: install the addon in a throw-away database, run Odoo on loopback
# (prefork, WORKERS workers, no queue runner: intake only), fire N signed webhooks, then count the
# stored jobs: every unique delivery must be exactly one sync job and one queue job.
# Each of the RUNS rounds also fires as many GETs at Odoo's no-op /web/health with the same client,
# in alternating slices: the machine may be shared, so the webhook/health ratio is the figure that
# compares. SQL queries per request come from Odoo's own request log (load-independent), CPU time
# per request of the Odoo processes and of the database's PostgreSQL backends from /proc (a busy
# machine inflates both routes alike: their ratio is what to read); the load average of each run.
#   N=2000 CONCURRENCY=8 WORKERS=4 RUNS=3 [TEMPLATE_DB=shopify_sync_deps] bash bench/run_intake_bench.sh
# When OCA's shopify_connector is importable, it is installed beside ours and the same deliveries
# are fired at its webhook route in the same slices: ours/OCA is printed. It is never a requirement:
#   pip install --no-deps --target /tmp/oca "odoo-addon-shopify-connector==19.0.*"
#   PYTHONPATH=/tmp/oca bash bench/run_intake_bench.sh
# DB_FILTER=0: Odoo started with --database only (see the README's scaling section), not --db-filter.
# DEDICATED=0 stores webhooks in the request's transaction instead of the intake's own connection
# (system parameter shopify_sync.intake_dedicated_connection): run both to compare. PLAN_COST=1 also
# prints PostgreSQL's CPU per intake statement on a pooled, reset connection and on the dedicated one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
N=${N:-2000}; CONCURRENCY=${CONCURRENCY:-8}; WORKERS=${WORKERS:-4}; TOPIC=${TOPIC:-orders/create}; RUNS=${RUNS:-3}
DEDICATED=${DEDICATED:-1}
prepare_odoo no-reference
DB="shopify_sync_bench_$$"
PORT=$(free_port)
SECRET="bench-secret-$$"
SHOP="bench-store.myshopify.com"
LOG=$(mktemp "${TMPDIR:-/tmp}/shopify_sync_bench.XXXXXX.log")
ODOO_PID=
cleanup() {
  [ -n "$ODOO_PID" ] && kill "$ODOO_PID" 2>/dev/null && wait "$ODOO_PID" 2>/dev/null || true
  dropdb --if-exists "$DB" >/dev/null 2>&1 || true
  rm -rf "$LINK_DIR"
}
trap cleanup EXIT

MODULES=shopify_sync
if "$PYTHON" -c "import importlib.util, sys; sys.exit(not importlib.util.find_spec('odoo.addons.shopify_connector'))" \
    2>/dev/null; then
  MODULES=shopify_sync,shopify_connector
fi
echo "Installing $MODULES in $DB ..."
# TEMPLATE_DB (as for tools/run_tests.sh): start from a copy of a database with the dependencies installed.
[ -n "${TEMPLATE_DB:-}" ] && { createdb -T "$TEMPLATE_DB" "$DB" || die "could not copy the template database $TEMPLATE_DB."; }
"$PYTHON" -m odoo server -d "$DB" --addons-path="$ADDONS_PATH" -i "$MODULES" --stop-after-init \
  --without-demo=1 --log-level=warn --http-port="$PORT" >"$LOG" 2>&1
"$PYTHON" -m odoo shell -d "$DB" --addons-path="$ADDONS_PATH" --log-level=warn --no-http >>"$LOG" 2>&1 <<PY
env["shopify.backend"].create({"name": "Bench", "shop_domain": "$SHOP", "auth_mode": "legacy_token",
                               "access_token": "x", "webhook_secret": "$SECRET"})
env["ir.config_parameter"].set_param("shopify_sync.intake_dedicated_connection", "False" if "$DEDICATED" == "0" else "True")
if "shopify.instance" in env:
    oca = env["shopify.instance"].create({"name": "Bench", "shop_url": "$SHOP", "webhook_secret": "$SECRET",
                                          "accept_webhooks": True})
    print("OCA_INSTANCE=%d" % oca.id)
env.cr.commit()
PY
OCA_ARGS=()
OCA_INSTANCE=$(sed -n 's/^OCA_INSTANCE=//p' "$LOG" | tail -n1)
[ -z "$OCA_INSTANCE" ] || OCA_ARGS=(--oca-url "http://127.0.0.1:$PORT/shopify/webhook/$OCA_INSTANCE")
"$PYTHON" -c "import gevent" 2>/dev/null || "$PYTHON" -m pip install -q gevent  # Odoo's own prefork requirement
# DB_FILTER=0 starts Odoo as a single-database server is best started (--database, no --db-filter):
# then a request without a session (every webhook) does not open a connection to list the databases.
DB_FILTER_ARGS=(--db-filter="^${DB}\$")
[ "${DB_FILTER:-1}" != 0 ] || DB_FILTER_ARGS=()
"$PYTHON" "$ADDON_DIR/tools/odoo_run.py" server -d "$DB" ${DB_FILTER_ARGS[@]+"${DB_FILTER_ARGS[@]}"} --addons-path="$ADDONS_PATH" --workers="$WORKERS" \
  --max-cron-threads=0 --http-interface=127.0.0.1 --http-port="$PORT" --log-level=warn \
  --log-handler=werkzeug:INFO >>"$LOG" 2>&1 &
ODOO_PID=$!
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/web/health" >/dev/null 2>&1 && break; sleep 1
done
echo "Odoo up on 127.0.0.1:$PORT ($WORKERS workers, $(nproc) cores); $RUNS runs of $N webhooks at concurrency $CONCURRENCY, dedicated intake connection: $DEDICATED"
if [ "${DB_FILTER:-1}" != 0 ]; then
  echo "Started with --db-filter: Odoo lists the databases on a new PostgreSQL connection for every request without a" \
    "session (/web/health too); webhook requests reuse the list for 10 s (controllers/database_list.py)." \
    "DB_FILTER=0 starts Odoo with --database only: neither route lists them."
else
  echo "Started with --database only (DB_FILTER=0): no request lists the databases."
fi
expected=0
: >"$LOG.ratios"
for run in $(seq 1 "$RUNS"); do
  echo "-- run $run/$RUNS"
  "$PYTHON" "$ADDON_DIR/bench/bench_webhook_intake.py" --url "http://127.0.0.1:$PORT/shopify/webhook" \
    --health-url "http://127.0.0.1:$PORT/web/health" ${OCA_ARGS[@]+"${OCA_ARGS[@]}"} \
    --shop "$SHOP" --secret "$SECRET" -n "$N" --concurrency "$CONCURRENCY" --topic "$TOPIC" \
    --server-pid "$ODOO_PID" --database "$DB" | tee "$LOG.out"
  tail -n1 "$LOG.out" >>"$LOG.ratios"
  expected=$((expected + $(tail -n1 "$LOG.out" | "$PYTHON" -c "import json,sys; print(json.load(sys.stdin)['unique_deliveries'])")))
done
# Odoo's request log line ends with: <queries> <query seconds> <other seconds>.
"$PYTHON" - "$LOG" "$LOG.ratios" <<'PY'
import json, os, re, statistics, sys
counts = {}
for line in open(sys.argv[1], errors="replace"):
    found = re.search(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d+) \S+ (\d+) [\d.]+ [\d.]+', line)
    if found:
        counts.setdefault((found[2], found[3]), []).append(int(found[4]))
for (path, status), values in sorted(counts.items()):
    print(f"SQL queries per request {path} {status}: median {statistics.median(values):g}, "
          f"max {max(values)} over {len(values)} requests")
runs = [json.loads(line) for line in open(sys.argv[2])]
throughput = [run["ratio_throughput"] for run in runs]
p99 = [run["ratio_p99"] for run in runs]
print(f"webhook/health over {len(runs)} runs: throughput ratio {throughput} (median {statistics.median(throughput)}), "
      f"p99 ratio {p99} (median {statistics.median(p99)})")
if all("ratio_cpu" in run for run in runs):
    cpu = [run["ratio_cpu"] for run in runs]
    print(f"CPU per request (Odoo + PostgreSQL), health/webhook over {len(runs)} runs: {cpu} "
          f"(median {statistics.median(cpu)}); webhook ms "
          f"{[round(sum(run['cpu_ms_per_request'].values()), 2) for run in runs]}, health ms "
          f"{[round(sum(run['health']['cpu_ms_per_request'].values()), 2) for run in runs]}")
print("load average (1 min) before/after each run: "
      + ", ".join(f"{run['load_before']}/{run['load_after']}" for run in runs) + f" on {os.cpu_count()} cores")
if all("ours_oca_throughput" in run for run in runs):
    oca = [run["ours_oca_throughput"] for run in runs]
    oca_p99 = [run["ours_oca_p99"] for run in runs]
    print(f"ours/OCA shopify_connector over {len(runs)} runs: throughput ratio {oca} "
          f"(median {statistics.median(oca)}), p99 ratio {oca_p99} (median {statistics.median(oca_p99)})")
else:
    print("ours/OCA: not measured (OCA's shopify_connector is not importable: see the top of this script)")
PY
if [ "${PLAN_COST:-0}" != 0 ]; then
  "$PYTHON" -m odoo shell -d "$DB" --addons-path="$ADDONS_PATH" --log-level=warn --no-http \
    <"$ADDON_DIR/bench/intake_plan_cost.py" 2>>"$LOG" | grep "^PostgreSQL CPU"
fi
intake_connections=$(psql -d "$DB" -tA -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND application_name LIKE 'shopify_sync intake%'")
echo "dedicated intake connections open: $intake_connections (DEDICATED=$DEDICATED)"
read -r jobs distinct qjobs < <(psql -d "$DB" -tAF' ' -c "SELECT count(*), count(DISTINCT webhook_id), (SELECT count(*) FROM queue_job WHERE model_name = 'shopify.sync.job') FROM shopify_sync_job WHERE direction = 'in'")
echo "rows: $jobs sync jobs, $distinct distinct webhook ids, $qjobs queue jobs, for $expected unique deliveries"
if [ -n "$OCA_INSTANCE" ]; then
  read -r oca_events oca_distinct < <(psql -d "$DB" -tAF' ' -c "SELECT count(*), count(DISTINCT webhook_id) FROM shopify_webhook_event")
  echo "OCA rows: $oca_events webhook events, $oca_distinct distinct webhook ids, for $expected unique deliveries"
fi
if [ "$jobs" = "$expected" ] && [ "$distinct" = "$expected" ] && [ "$qjobs" = "$expected" ]; then
  echo "no delivery lost, none duplicated"
else
  echo "MISMATCH: lost or duplicated deliveries"; exit 1
fi
