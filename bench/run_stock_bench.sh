#!/usr/bin/env bash
# Stock export benchmark in a throw-away database:  N=5000 bash bench/run_stock_bench.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tools/common.sh"
bench_database stockbench shopify_sync
"$PYTHON" "$ADDON_DIR/bench/bench_stock_export.py" --db "$DB" --addons-path "$ADDONS_PATH" -n "${N:-5000}"
