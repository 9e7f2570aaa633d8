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

# -- catalog (products and variants) --------------------------------------------------------------
# One shape for a product everywhere (paged import, single product) so one parser
# (lib.product_mapping.parse_graphql_product) reads them all.
_CATALOG_VARIANT_FIELDS = """
      id title sku barcode price
      selectedOptions { name value }
      inventoryItem { id tracked }
"""
_CATALOG_PRODUCT_FIELDS = """
    id title status updatedAt
    options { name optionValues { name } }
"""

CATALOG_PRODUCTS = """
query CatalogProducts($first: Int!, $after: String) {
  products(first: $first, after: $after) {
    nodes {
%s
      variants(first: 100) {
        nodes { %s }
        pageInfo { hasNextPage endCursor }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
""" % (_CATALOG_PRODUCT_FIELDS, _CATALOG_VARIANT_FIELDS)

# Products with more than 100 variants (Shopify allows 2048): the rest, page by page.
CATALOG_PRODUCT_VARIANTS = """
query CatalogProductVariants($id: ID!, $after: String) {
  product(id: $id) {
    variants(first: 250, after: $after) {
      nodes { %s }
      pageInfo { hasNextPage endCursor }
    }
  }
}
""" % _CATALOG_VARIANT_FIELDS

CATALOG_PRODUCT = """
query CatalogProduct($id: ID!) {
  product(id: $id) {
%s
    variants(first: 100) {
      nodes { %s }
      pageInfo { hasNextPage endCursor }
    }
  }
}
""" % (_CATALOG_PRODUCT_FIELDS, _CATALOG_VARIANT_FIELDS)

ALL["CATALOG_PRODUCTS"] = CATALOG_PRODUCTS
ALL["CATALOG_PRODUCT_VARIANTS"] = CATALOG_PRODUCT_VARIANTS
ALL["CATALOG_PRODUCT"] = CATALOG_PRODUCT
