#!/usr/bin/env bash
# Build the addon's wheel with whool (pyproject.toml) into ${1:-dist}:
#   odoo_addon_shopify_sync-<version>-py3-none-any.whl
# whool names the distribution after the addon's directory (pip resolves links), so it builds from a
# clone named shopify_sync: any checkout name gives the right wheel. It packages what is committed
# (HEAD), as whool ships only the files git tracks.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
OUT=$(mkdir -p "${1:-$ADDON_DIR/dist}" && cd "${1:-$ADDON_DIR/dist}" && pwd)
SRC=$(mktemp -d "${TMPDIR:-/tmp}/shopify_sync_wheel.XXXXXX")
trap 'rm -rf "$SRC"' EXIT
git clone --quiet --shared "$ADDON_DIR" "$SRC/shopify_sync" || die "could not clone $ADDON_DIR (a git checkout is needed)."
"$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$OUT" "$SRC/shopify_sync" \
  || die "pip could not build the wheel (whool is fetched from PyPI)."
ls "$OUT"/odoo_addon_shopify_sync-*.whl
