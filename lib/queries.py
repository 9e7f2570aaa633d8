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

# Fulfilment export: what is left to fulfil, per fulfilment order and location, and the fulfilments
# already made (to recognise one whose creation answer was lost). Page sizes keep the query cost
# under Shopify's 1000-point limit for a single query.
ORDER_FULFILLMENT_ORDERS = """
query OrderFulfillmentOrders($id: ID!) {
  order(id: $id) {
    id
    name
    fulfillmentOrders(first: 10) {
      nodes {
        id
        status
        assignedLocation { location { id } name }
        lineItems(first: 50) {
          nodes { id remainingQuantity sku variant { id } lineItem { id sku } }
        }
      }
    }
    fulfillments(first: 10) {
      id
      name
      status
      trackingInfo { company number url }
      fulfillmentLineItems(first: 30) { nodes { quantity lineItem { id } } }
    }
  }
}
"""

FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id name status }
    userErrors { field message }
  }
}
"""

ALL["ORDER_FULFILLMENT_ORDERS"] = ORDER_FULFILLMENT_ORDERS
ALL["FULFILLMENT_CREATE"] = FULFILLMENT_CREATE
