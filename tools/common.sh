# Shared by tools/run_tests.sh, tools/run_demo.sh and bench scripts. Source it; do not run it.
# Everything here works on a machine with Odoo 19 importable as `odoo` and PostgreSQL installed.

ADDON_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The environment tools/setup.sh made (.venv) when there is one, else the python3 on PATH.
if [ -z "${PYTHON:-}" ] && [ -x "${VENV:-$ADDON_DIR/.venv}/bin/python" ]; then
  PYTHON="${VENV:-$ADDON_DIR/.venv}/bin/python"
fi
PYTHON="${PYTHON:-python3}"

die() { echo "shopify_sync: $*" >&2; exit 2; }

require_odoo() {
  "$PYTHON" - <<'PY' 2>/dev/null || die "Odoo 19 is not importable as 'odoo' by $PYTHON: run 'bash tools/setup.sh' (or 'ODOO_SRC=/path/to/odoo-19.0 bash tools/setup.sh') first, then this again."
import odoo.release as r
assert r.version_info[0] == 19, r.version
PY
}

# Start the local PostgreSQL cluster when it is down and make sure the current OS user has a
# superuser role (Odoo connects over the local socket as that user).
ensure_postgres() {
  command -v pg_lsclusters >/dev/null || die "PostgreSQL is not installed (pg_lsclusters not found)."
  if ! pg_lsclusters --no-header | awk '{print $4}' | grep -q online; then
    local cluster
    cluster=$(pg_lsclusters --no-header | head -n1 | awk '{print $1" "$2}')
    [ -n "$cluster" ] || die "no PostgreSQL cluster exists (pg_createcluster first)."
    # shellcheck disable=SC2086
    pg_ctlcluster --skip-systemctl-redirect $cluster start || die "could not start PostgreSQL ($cluster)."
  fi
  for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
  pg_isready -q || die "PostgreSQL does not accept connections."
  local me; me=$(id -un)
  if ! psql -d postgres -tAc "select 1" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      su postgres -c "createuser --superuser '$me'" || die "could not create PostgreSQL role $me."
    else
      sudo -n -u postgres createuser --superuser "$me" || die "create a PostgreSQL superuser role named $me."
    fi
  fi
}

# Python packages the addon and its tests need, from PyPI. queue_job is installed without its
# `odoo` requirement because Odoo itself is not on PyPI; its other requirement is listed.
install_python_requirements() {
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r "$ADDON_DIR/requirements.txt" \
    -r "$ADDON_DIR/tests/requirements.txt" || die "pip could not install the requirements."
  if ! "$PYTHON" -c "import odoo.addons.queue_job" 2>/dev/null; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps "odoo-addon-queue-job==19.0.*" \
      || die "pip could not install odoo-addon-queue-job 19.0."
  fi
}

# Odoo's module name is the folder name: expose the checkout as `shopify_sync` whatever the
# clone is called, and build an addons path with Odoo's own addons and queue_job's. The module
# folder links the checkout's entries one by one, leaving out hidden ones (.venv and .odoo from
# tools/setup.sh, .git) and build output: Odoo's translation export reads every .py file under a
# module's folder, and would otherwise take a virtual environment's terms for the module's.
prepare_addons_path() {
  LINK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/shopify_sync_addons.XXXXXX")
  if [ -z "${ADDON_FROM_WHEEL:-}" ]; then
    mkdir "$LINK_DIR/shopify_sync"
    local entry
    for entry in "$ADDON_DIR"/*; do
      case "${entry##*/}" in build|dist) continue ;; esac
      ln -s "$entry" "$LINK_DIR/shopify_sync/"
    done
  fi
  ADDONS_PATH=$("$PYTHON" - "$LINK_DIR" <<'PY'
import os, sys
import odoo.addons
paths = [sys.argv[1]] if os.listdir(sys.argv[1]) else []  # empty when the module comes from its wheel
for path in list(odoo.addons.__path__):
    paths.append(path)
    sibling = os.path.join(os.path.dirname(os.path.dirname(path)), "addons")
    if os.path.isdir(sibling):
        paths.append(sibling)
seen = []
for p in paths:
    p = os.path.realpath(p)
    if p not in seen and os.path.isdir(p):
        seen.append(p)
print(",".join(seen))
PY
)
  export ADDONS_PATH LINK_DIR
}

# The addon as pip users get it (SHOPIFY_SYNC_FROM_WHEEL=1, CI): build its wheel, install it with
# --no-deps (Odoo is not on PyPI) into a scratch venv that also sees $PYTHON's packages (Odoo,
# queue_job, libraries), and switch PYTHON to that venv. prepare_addons_path then leaves the
# checkout out: Odoo can only find shopify_sync in the venv's odoo/addons.
install_addon_from_wheel() {
  WHEEL_ENV=$(mktemp -d "${TMPDIR:-/tmp}/shopify_sync_wheel_env.XXXXXX")
  bash "$ADDON_DIR/tools/build_wheel.sh" "$WHEEL_ENV/dist" >/dev/null
  "$PYTHON" -m venv "$WHEEL_ENV/venv" || die "could not create a virtual environment with $PYTHON."
  local parent_sites site
  parent_sites=$("$PYTHON" -c 'import site; print(repr(site.getsitepackages()))')
  site=$("$WHEEL_ENV/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "import site; list(map(site.addsitedir, $parent_sites))" >"$site/shopify_sync_parent_env.pth"
  "$WHEEL_ENV/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$WHEEL_ENV"/dist/*.whl \
    || die "pip could not install the wheel $(ls "$WHEEL_ENV"/dist)."
  PYTHON=$WHEEL_ENV/venv/bin/python
  "$PYTHON" - "$WHEEL_ENV/venv" <<'PY' || die "the installed wheel is not where Odoo looks for addons."
import importlib.metadata, importlib.util, os, sys
spec = importlib.util.find_spec("odoo.addons.shopify_sync")
assert spec and spec.origin.startswith(sys.argv[1] + os.sep), spec
print("shopify_sync %s from its wheel: %s" % (
    importlib.metadata.version("odoo-addon-shopify_sync"), os.path.dirname(spec.origin)))
PY
  ADDON_FROM_WHEEL=1
  export PYTHON ADDON_FROM_WHEEL WHEEL_ENV
}

free_port() {
  "$PYTHON" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}

# What a script that runs Odoo does first: Odoo 19 importable, PostgreSQL up, the Python
# requirements installed, Shopify's reference files fetched (not with "$1" = no-reference), and the
# addons path built (sets ADDONS_PATH and LINK_DIR).
prepare_odoo() {
  require_odoo
  ensure_postgres
  install_python_requirements
  [ "${1:-}" = no-reference ] || bash "$ADDON_DIR/tools/fetch_shopify_reference.sh" >/dev/null
  prepare_addons_path
}

# The benchmarks' database: everything the tests need, then a throw-away database named
# shopify_sync_<$1>_<pid> with the modules $2 installed, dropped on exit. Sets DB.
bench_database() {
  prepare_odoo
  DB="shopify_sync_${1}_$$"
  trap 'dropdb --if-exists "$DB" >/dev/null 2>&1 || true; rm -rf "$LINK_DIR"' EXIT
  echo "Installing $2 in $DB ..."
  "$PYTHON" "$ADDON_DIR/tools/odoo_run.py" server -d "$DB" --addons-path="$ADDONS_PATH" -i "$2" \
    --stop-after-init --without-demo=1 --log-level=warn --http-port="$(free_port)" >/dev/null 2>&1 \
    || die "installing $2 in $DB failed."
}
