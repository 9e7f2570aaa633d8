"""Every GraphQL document the addon sends. Kept in one module so the test suite validates each one
against Shopify's published Admin schema for the backend's API version."""

SHOP_INFO = """
query ShopInfo {
  shop {
    id
    name
    myshopifyDomain
    currencyCode
    plan { displayName shopifyPlus partnerDevelopment }
  }
  currentAppInstallation {
    accessScopes { handle }
  }
}
"""

WEBHOOK_SUBSCRIPTIONS = """
query WebhookSubscriptions($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    nodes { id topic uri format }
    pageInfo { hasNextPage endCursor }
  }
}
"""

WEBHOOK_SUBSCRIPTION_CREATE = """
mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""

ALL = {
    "SHOP_INFO": SHOP_INFO,
    "WEBHOOK_SUBSCRIPTIONS": WEBHOOK_SUBSCRIPTIONS,
    "WEBHOOK_SUBSCRIPTION_CREATE": WEBHOOK_SUBSCRIPTION_CREATE,
}

# Barcodes are not in order webhooks: read once per variant (then cached) when matching by barcode.
VARIANT_BARCODES = """
query VariantBarcodes($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on ProductVariant { id sku barcode }
  }
}
"""

ALL["VARIANT_BARCODES"] = VARIANT_BARCODES

# -- stock ----------------------------------------------------------------------------------------

LOCATIONS = """
query Locations($after: String) {
  locations(first: 100, after: $after, includeInactive: true) {
    nodes { id name isActive fulfillsOnlineOrders }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# Absolute quantities with compare-and-swap (changeFromQuantity) and an idempotency key, so a
# resent batch (lost answer, retried job) is applied once. The key is required from 2026-04.
INVENTORY_SET_QUANTITIES = """
mutation InventorySetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}
"""

# Whether Shopify tracks each item's quantity (asked once per item, then remembered).
INVENTORY_ITEMS_TRACKED = """
query InventoryItemsTracked($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on InventoryItem { id tracked }
  }
}
"""

# Current quantities of a few items at every location: re-read after a stale compare.
INVENTORY_ITEMS_LEVELS = """
query InventoryItemsLevels($ids: [ID!]!, $names: [String!]!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      tracked
      inventoryLevels(first: 50) {
        nodes { location { id } quantities(names: $names) { name quantity } }
      }
    }
  }
}
"""

# Reconciliation: one location's levels page by page. One flat connection per location is the
# cheapest documented read (inventoryItems -> inventoryLevels nests two connections).
LOCATION_INVENTORY_LEVELS = """
query LocationInventoryLevels($id: ID!, $after: String, $names: [String!]!) {
  location(id: $id) {
    id
    inventoryLevels(first: 100, after: $after) {
      nodes { item { id tracked } quantities(names: $names) { name quantity } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

ALL["LOCATIONS"] = LOCATIONS
ALL["INVENTORY_SET_QUANTITIES"] = INVENTORY_SET_QUANTITIES
ALL["INVENTORY_ITEMS_TRACKED"] = INVENTORY_ITEMS_TRACKED
ALL["INVENTORY_ITEMS_LEVELS"] = INVENTORY_ITEMS_LEVELS
ALL["LOCATION_INVENTORY_LEVELS"] = LOCATION_INVENTORY_LEVELS
