# Odoo as production runs it, for the benchmarks: prefork HTTP workers, queue_job's job runner
# (server_wide_modules) dispatching jobs to them. Source it after tools/common.sh; do not run it.
#   start_odoo_with_runner DB PORT WORKERS CHANNELS LOG   -> sets ODOO_PID (stop it with stop_odoo)
#   start_odoo_http DB PORT WORKERS LOG                   -> an HTTP node without a job runner

_odoo_conf() {  # DB PORT WORKERS CHANNELS RUNNER(0/1) -> path of a config file
  local conf
  conf=$(mktemp "${TMPDIR:-/tmp}/shopify_sync_bench_odoo.XXXXXX.conf")
  cat >"$conf" <<CONF
[options]
addons_path = $ADDONS_PATH
db_name = $1
dbfilter = ^$1\$
http_interface = 127.0.0.1
http_port = $2
workers = $3
max_cron_threads = 0
without_demo = True
log_level = warn
server_wide_modules = $([ "$5" = 1 ] && echo base,web,queue_job || echo base,web)
limit_time_cpu = 600
limit_time_real = 1200

[queue_job]
channels = $4
CONF
  echo "$conf"
}

_wait_health() {  # PORT PID LOG
  for _ in $(seq 1 90); do
    curl -sf "http://127.0.0.1:$1/web/health" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 1
  done
  tail -20 "$3" >&2
  die "Odoo did not answer on port $1; see $3"
}

start_odoo_with_runner() {
  "$PYTHON" -c "import gevent" 2>/dev/null || "$PYTHON" -m pip install -q gevent  # Odoo's prefork requirement
  local conf; conf=$(_odoo_conf "$1" "$2" "$3" "$4" 1)
  "$PYTHON" "$ADDON_DIR/tools/odoo_run.py" server -c "$conf" --log-handler=odoo.addons.queue_job:INFO \
    --log-handler=werkzeug:INFO >>"$5" 2>&1 &
  ODOO_PID=$!
  disown "$ODOO_PID"  # stopped by stop_odoo, not waited for: no "Killed" notice from the shell
  _wait_health "$2" "$ODOO_PID" "$5"
}

start_odoo_http() {
  "$PYTHON" -c "import gevent" 2>/dev/null || "$PYTHON" -m pip install -q gevent
  local conf; conf=$(_odoo_conf "$1" "$2" "$3" "root:1" 0)
  "$PYTHON" "$ADDON_DIR/tools/odoo_run.py" server -c "$conf" --log-handler=werkzeug:INFO >>"$4" 2>&1 &
  ODOO_PID=$!
  disown "$ODOO_PID"
  _wait_health "$2" "$ODOO_PID" "$4"
}

stop_odoo() {  # PID: TERM, then KILL if it lingers
  [ -n "${1:-}" ] || return 0
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 15); do kill -0 "$1" 2>/dev/null || return 0; sleep 1; done
  kill -9 "$1" 2>/dev/null || true
}
