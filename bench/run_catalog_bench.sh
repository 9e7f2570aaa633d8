#!/usr/bin/env bash
# Catalog import benchmark (paged vs bulk) in a throw-away database:  N=5000 bash bench/run_catalog_bench.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
bench_database catalogbench shopify_sync
"$PYTHON" "$ADDON_DIR/bench/bench_catalog_import.py" --db "$DB" --addons-path "$ADDONS_PATH" -n "${N:-5000}"
