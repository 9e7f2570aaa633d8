#!/usr/bin/env bash
# Fresh machine, first command: a virtual environment (.venv) with Odoo 19.0, Odoo's Python
# requirements, OCA queue_job and this addon's requirements, and a running PostgreSQL. Second
# command: bash tools/run_tests.sh or bash tools/run_demo.sh (they use .venv when it exists).
#
#   ODOO_SRC=/path/to/odoo-19.0 bash tools/setup.sh   # an Odoo 19.0 source tree you have
#   bash tools/setup.sh      # Odoo 19 already importable by python3: reuse it (and its libraries);
#                            # otherwise download Odoo 19.0 (git, then the nightly source archive)
#
# Settings: VENV (default .venv), BASE_PYTHON (python3, 3.10 or newer), ODOO_DIR (where a download
# goes, default .odoo/odoo-19.0), ODOO_GIT_URL and ODOO_ARCHIVE_URL (Odoo's public repository and
# nightly source archive), SETUP_STEP=odoo (only obtain the Odoo tree and print its path; tests use it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

VENV=${VENV:-$ADDON_DIR/.venv}
BASE_PYTHON=${BASE_PYTHON:-python3}
ODOO_DIR=${ODOO_DIR:-$ADDON_DIR/.odoo/odoo-19.0}
ODOO_GIT_URL=${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}
ODOO_ARCHIVE_URL=${ODOO_ARCHIVE_URL:-https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz}

say() { echo "setup: $*"; }

# An Odoo 19 source tree: odoo/release.py says 19 and Odoo's requirements.txt is beside it.
is_odoo19_tree() {
  [ -f "$1/odoo/release.py" ] && [ -f "$1/requirements.txt" ] \
    && grep -Eq '^version_info = \(19, ' "$1/odoo/release.py"
}

# Odoo's public repository first (shallow, branch 19.0), then its nightly source archive.
download_odoo() {
  local tmp; tmp="$ODOO_DIR.partial"
  rm -rf "$tmp"; mkdir -p "$(dirname "$ODOO_DIR")"
  say "downloading Odoo 19.0 from $ODOO_GIT_URL ..."
  if GIT_TERMINAL_PROMPT=0 git clone --quiet --depth 1 --branch 19.0 "$ODOO_GIT_URL" "$tmp" 2>/dev/null \
     && is_odoo19_tree "$tmp"; then
    mv "$tmp" "$ODOO_DIR"; return 0
  fi
  rm -rf "$tmp"; mkdir -p "$tmp"
  say "trying the nightly source archive $ODOO_ARCHIVE_URL ..."
  if curl -sSfL --connect-timeout 20 "$ODOO_ARCHIVE_URL" 2>/dev/null | tar -xz -C "$tmp" --strip-components=1 2>/dev/null \
     && is_odoo19_tree "$tmp"; then
    mv "$tmp" "$ODOO_DIR"; return 0
  fi
  rm -rf "$tmp"
  return 1
}

# --- 1. Odoo 19.0 --------------------------------------------------------------------------------
REUSE_ODOO=
if [ -n "${ODOO_SRC:-}" ]; then
  ODOO_SRC=$(cd "$ODOO_SRC" 2>/dev/null && pwd) || die "ODOO_SRC=$ODOO_SRC is not a directory."
  is_odoo19_tree "$ODOO_SRC" || die "ODOO_SRC=$ODOO_SRC is not an Odoo 19.0 source tree (no odoo/release.py for 19 with requirements.txt)."
elif [ -z "${SETUP_STEP:-}" ] && "$BASE_PYTHON" -c 'import odoo.release as r; assert r.version_info[0] == 19' 2>/dev/null; then
  REUSE_ODOO=1
elif is_odoo19_tree "$ODOO_DIR" || download_odoo; then
  ODOO_SRC=$ODOO_DIR
else
  die "cannot download Odoo 19.0 from $ODOO_GIT_URL or $ODOO_ARCHIVE_URL (no network access?): connect this machine to the internet, or point ODOO_SRC at an Odoo 19.0 source tree: ODOO_SRC=/path/to/odoo-19.0 bash tools/setup.sh"
fi
if [ "${SETUP_STEP:-}" = odoo ]; then
  echo "$ODOO_SRC"; exit 0
fi

# --- 2. The virtual environment ------------------------------------------------------------------
"$BASE_PYTHON" -c 'import sys; assert sys.version_info >= (3, 10)' 2>/dev/null \
  || die "Odoo 19 needs Python 3.10 or newer; $BASE_PYTHON is older (set BASE_PYTHON)."
if [ ! -x "$VENV/bin/python" ]; then
  if [ -n "$REUSE_ODOO" ]; then
    say "Odoo 19 is importable by $BASE_PYTHON: creating $VENV on top of it (--system-site-packages)"
    "$BASE_PYTHON" -m venv --system-site-packages "$VENV"
  else
    say "creating $VENV"
    "$BASE_PYTHON" -m venv "$VENV"
  fi
fi
PYTHON=$VENV/bin/python
PIP=("$PYTHON" -m pip install --quiet --disable-pip-version-check)

if [ -z "$REUSE_ODOO" ]; then
  # Odoo's own pins, with two changes so nothing needs a C compiler and system headers:
  # psycopg2 -> psycopg2-binary (same version), and python-ldap (only for the auth_ldap module)
  # left out unless the LDAP headers are installed (Debian: libldap2-dev libsasl2-dev).
  reqs=$(mktemp); trap 'rm -f "$reqs"' EXIT
  sed -E 's/^psycopg2==/psycopg2-binary==/' "$ODOO_SRC/requirements.txt" >"$reqs"
  if [ ! -f /usr/include/lber.h ] || [ ! -f /usr/include/sasl/sasl.h ]; then
    sed -i -E '/^python-ldap==/d' "$reqs"
    say "python-ldap skipped (no LDAP headers; only Odoo's auth_ldap needs it)"
  fi
  say "installing Odoo's Python requirements into $VENV (a few minutes the first time) ..."
  "${PIP[@]}" --upgrade pip setuptools wheel >/dev/null
  "${PIP[@]}" -r "$reqs" || die "pip could not install Odoo's requirements ($ODOO_SRC/requirements.txt)."
  # Odoo is not on PyPI: the venv imports it from the source tree (like an editable install).
  site=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$ODOO_SRC" >"$site/odoo19_src.pth"
fi
require_odoo

# --- 3. queue_job, this addon's requirements (runtime and tests) -----------------------------------
say "installing OCA queue_job and shopify_sync's requirements ..."
install_python_requirements

# --- 4. PostgreSQL -------------------------------------------------------------------------------
if ! command -v pg_lsclusters >/dev/null; then
  say "installing PostgreSQL from Debian's packages ..."
  if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo -n); fi
  "${SUDO[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq postgresql >/dev/null \
    || die "could not install PostgreSQL: run 'apt-get install postgresql' as root, then this again."
fi
ensure_postgres

where=$([ -n "$REUSE_ODOO" ] && echo "the Odoo $BASE_PYTHON already imports" || echo "$ODOO_SRC")
say "ready: $VENV with Odoo 19.0 ($where), queue_job, PostgreSQL running."
say "next: bash tools/run_tests.sh   or   bash tools/run_demo.sh"
