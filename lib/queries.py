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

# -- Orders pulled from Shopify (backfill and missed-webhook catch-up) -------------------------
# One field list for the paginated query and the bulk query, so both give the order converter
# (lib/order_graphql.py) the same shape, including what routes an order as its webhook does: the
# source ("pos"), the retail location of a POS sale, the B2B company and its location, and which
# lines are gift cards or custom items (no product). A connection (lineItems, shippingLines) comes as separate
# JSONL lines in a bulk result; the paginated query bounds it with `first`.

_MONEY = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"
_TAX_LINES = f"title rate priceSet {{ {_MONEY} }}"
_ADDRESS = "firstName lastName company address1 address2 city zip province provinceCode country countryCodeV2 phone"
# Money moves as transactions (payments per transaction, handlers/transactions.py): a list, not a
# connection, so a bulk result keeps them inside their order.
_TRANSACTION_FIELDS = (
    f"id kind status gateway test processedAt createdAt amountSet {{ {_MONEY} }} amountRoundingSet {{ {_MONEY} }}"
)


# Shopify's money figures of the order version read (lib/refund_mapping.order_version): what is
# outstanding, the current total, and the refunds with their lines and transactions. A few refunds
# of a few lines each keep the request under Shopify's cost limit (958 of 1,000 points; 757 without
# them); an order with more is read without them (lib/order_graphql.py: Odoo's books then decide
# what its refunds beyond the lines paid back). A bulk read has no cost limit and asks them all.
PULLED_REFUNDS = 4
PULLED_REFUND_LINES = 10
PULLED_REFUND_TRANSACTIONS = 2  # a refund split between a card and a gift card
_REFUND_LINE_FIELDS = "quantity restockType lineItem { id }"
_ORDER_MONEY_FIGURES = f"""
    currentTotalPriceSet {{ {_MONEY} }}
    totalOutstandingSet {{ {_MONEY} }}
    refunds(first: {PULLED_REFUNDS + 1}) {{
      id createdAt processedAt
      refundLineItems(first: {PULLED_REFUND_LINES}) {{
        nodes {{ {_REFUND_LINE_FIELDS} }}
        pageInfo {{ hasNextPage }}
      }}
      transactions(first: {PULLED_REFUND_TRANSACTIONS}) {{
        nodes {{ {_TRANSACTION_FIELDS} }}
        pageInfo {{ hasNextPage }}
      }}
    }}
"""
# The same figures in a bulk query: no cost limit, so every refund with all its lines and
# transactions. Shopify allows a bulk query five connections nested at most two deep: orders,
# lineItems, shippingLines and these two (orders > refunds, a list, > refundLineItems is two deep)
# are the five, so a further connection in the bulk order query needs one of these taken out.
# Their nodes come as lines of their own pointing to their refund (lib/order_graphql.py).
_BULK_ORDER_MONEY_FIGURES = f"""
    currentTotalPriceSet {{ {_MONEY} }}
    totalOutstandingSet {{ {_MONEY} }}
    refunds {{
      id createdAt processedAt
      refundLineItems {{ edges {{ node {{ {_REFUND_LINE_FIELDS} }} }} }}
      transactions {{ edges {{ node {{ {_TRANSACTION_FIELDS} }} }} }}
    }}
"""


def _order_fields(line_items_args="", shipping_lines_args="", line_items_page="", money_figures=""):
    return f"""
    id legacyResourceId name email phone note createdAt processedAt updatedAt cancelledAt test
    currencyCode presentmentCurrencyCode taxesIncluded displayFinancialStatus paymentGatewayNames
    sourceName
    retailLocation {{ id }}
    purchasingEntity {{ ... on PurchasingCompany {{ company {{ id }} location {{ id }} }} }}
    customer {{ id email firstName lastName phone }}
    billingAddress {{ {_ADDRESS} }}
    shippingAddress {{ {_ADDRESS} }}
    discountCodes
    subtotalPriceSet {{ {_MONEY} }}
    totalDiscountsSet {{ {_MONEY} }}
    totalTaxSet {{ {_MONEY} }}
    totalPriceSet {{ {_MONEY} }}
    totalTipReceivedSet {{ {_MONEY} }}
    currentTotalAdditionalFeesSet {{ {_MONEY} }}
    transactions {{ {_TRANSACTION_FIELDS} }}{money_figures}
    lineItems{line_items_args} {{
      {line_items_page}edges {{ node {{
        id name title sku quantity currentQuantity taxable requiresShipping isGiftCard
        variant {{ id }}
        product {{ id }}
        originalUnitPriceSet {{ {_MONEY} }}
        taxLines {{ {_TAX_LINES} }}
        discountAllocations {{ allocatedAmountSet {{ {_MONEY} }} }}
        duties {{ id price {{ {_MONEY} }} taxLines {{ {_TAX_LINES} }} }}
      }} }}
    }}
    shippingLines{shipping_lines_args} {{
      edges {{ node {{
        id title isRemoved
        originalPriceSet {{ {_MONEY} }}
        taxLines {{ {_TAX_LINES} }}
        discountAllocations {{ allocatedAmountSet {{ {_MONEY} }} }}
      }} }}
    }}
"""


# Listing is cheap (ids and dates only); the full order is read one at a time, and only for orders
# Odoo does not already have at that version. Shopify caps a single query at 1,000 points: 30
# lines per request keeps one order under it; longer orders are read in further pages of lines.
ORDERS_UPDATED = """
query OrdersUpdated($query: String!, $after: String) {
  orders(first: 25, after: $after, query: $query, sortKey: UPDATED_AT) {
    edges { node { id name updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

ORDER_DETAIL = f"""
query OrderDetail($id: ID!, $linesAfter: String) {{
  order(id: $id) {{ {
    _order_fields(
        "(first: 30, after: $linesAfter)",
        "(first: 5, includeRemovals: true)",
        "pageInfo { hasNextPage endCursor } ",
        _ORDER_MONEY_FIGURES,
    )
} }}
}}
"""

ORDERS_COUNT = """
query OrdersCount($query: String!) {
  ordersCount(query: $query) { count precision }
}
"""

# Sent as the `query` argument of bulkOperationRunQuery: no `first`, Shopify streams everything.
BULK_ORDERS_QUERY_TEMPLATE = (
    "{ orders(query: %s, sortKey: UPDATED_AT) { edges { node { "
    + _order_fields(money_figures=_BULK_ORDER_MONEY_FIGURES)
    + " } } } }"
)

BULK_OPERATION_RUN_QUERY = """
mutation BulkOperationRunQuery($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}
"""

BULK_OPERATION_STATUS = """
query BulkOperationStatus($id: ID!) {
  bulkOperation(id: $id) { id status errorCode objectCount url partialDataUrl }
}
"""

# Both monies of transactions whose webhook body gave only the customer's currency (amount and
# cash rounding).
TRANSACTION_AMOUNTS = """
query TransactionAmounts($ids: [ID!]!) {
  nodes(ids: $ids) { ... on OrderTransaction { id amountSet { %s } amountRoundingSet { %s } } }
}
""" % (_MONEY, _MONEY)

ALL.update(
    {
        "TRANSACTION_AMOUNTS": TRANSACTION_AMOUNTS,
        "ORDERS_UPDATED": ORDERS_UPDATED,
        "ORDER_DETAIL": ORDER_DETAIL,
        "ORDERS_COUNT": ORDERS_COUNT,
        "BULK_ORDERS_QUERY": BULK_ORDERS_QUERY_TEMPLATE % "\"updated_at:>='2026-01-01T00:00:00Z'\"",
        "BULK_OPERATION_RUN_QUERY": BULK_OPERATION_RUN_QUERY,
        "BULK_OPERATION_STATUS": BULK_OPERATION_STATUS,
    }
)
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

# Shopify refuses a query whose requested cost passes 1,000 points, and nested connections multiply:
# products(first: 20) x variants(first: 10) costs about 700. Products with more than 10 variants
# are completed with CATALOG_PRODUCT_VARIANTS; large catalogs use the bulk query (no cost limit).
CATALOG_PRODUCTS = """
query CatalogProducts($first: Int!, $after: String) {
  products(first: $first, after: $after) {
    nodes {
%s
      variants(first: 10) {
        nodes { %s }
        pageInfo { hasNextPage endCursor }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
""" % (_CATALOG_PRODUCT_FIELDS, _CATALOG_VARIANT_FIELDS)

# Products with more than 100 variants (Shopify allows 2048): the rest, page by page.
CATALOG_PRODUCT_VARIANTS = (
    """
query CatalogProductVariants($id: ID!, $after: String) {
  product(id: $id) {
    variants(first: 250, after: $after) {
      nodes { %s }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
    % _CATALOG_VARIANT_FIELDS
)

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
# Fulfilment export: what is left to fulfil, per fulfilment order and location. Page sizes keep the
# query cost under Shopify's 1000-point limit for a single query.
ORDER_FULFILLMENT_ORDERS = """
query OrderFulfillmentOrders($id: ID!) {
  order(id: $id) {
    id
    name
    fulfillmentOrders(first: 5) {
      nodes {
        id
        status
        assignedLocation { location { id } name }
        lineItems(first: 50) {
          nodes { id remainingQuantity sku variant { id } lineItem { id sku } }
          pageInfo { hasNextPage }
        }
      }
      pageInfo { hasNextPage }
    }
  }
}
"""

# The fulfilments Shopify already holds for an order (to adopt one whose creation answer was lost).
# A query of its own: with the fulfilment orders above it would pass the 1,000-point limit.
ORDER_FULFILLMENTS = """
query OrderFulfillments($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 10) {
      id
      name
      status
      trackingInfo { company number url }
      fulfillmentLineItems(first: 40) { nodes { quantity lineItem { id } } }
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
ALL["ORDER_FULFILLMENTS"] = ORDER_FULFILLMENTS
ALL["FULFILLMENT_CREATE"] = FULFILLMENT_CREATE

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

# The inventory item of bundle variants (a bundle made in Odoo after its product was imported).
BUNDLE_VARIANT_ITEMS = """
query BundleVariantItems($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on ProductVariant { id inventoryItem { id tracked } }
  }
}
"""
ALL["BUNDLE_VARIANT_ITEMS"] = BUNDLE_VARIANT_ITEMS

# products/delete: which of the variants bound to the deleted product's Odoo products Shopify still
# has under another product (a duplicate matched by SKU); deleted ones answer null.
VARIANT_PRODUCTS = """
query VariantProducts($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on ProductVariant { id product { id } inventoryItem { id } }
  }
}
"""
ALL["VARIANT_PRODUCTS"] = VARIANT_PRODUCTS

# Catalog import of large stores: how many products, and the whole catalog as one bulk query
# (no page cost; Shopify writes a JSONL file of products, each followed by its variants).
PRODUCTS_COUNT = """
query ProductsCount {
  productsCount(limit: null) { count precision }
}
"""
BULK_CATALOG_QUERY = "{ products { edges { node { %s variants { edges { node { %s } } } } } } }" % (
    " ".join(_CATALOG_PRODUCT_FIELDS.split()),
    " ".join(_CATALOG_VARIANT_FIELDS.split()),
)
ALL["PRODUCTS_COUNT"] = PRODUCTS_COUNT
ALL["BULK_CATALOG_QUERY"] = BULK_CATALOG_QUERY

# Shopify Payments payouts (scope read_shopify_payments_payouts): payouts issued in a period, then
# each payout's balance transactions (the payout transfer itself hidden), and disputes
# (read_shopify_payments_disputes). Amounts are MoneyV2 strings, read as Decimal.
_MONEY = "amount currencyCode"
PAYOUTS = """
query Payouts($query: String!, $after: String) {
  shopifyPaymentsAccount {
    defaultCurrency
    payouts(first: 25, after: $after, query: $query, sortKey: ISSUED_AT) {
      nodes {
        id legacyResourceId status transactionType issuedAt externalTraceId
        net { %(money)s }
        summary {
          chargesGross { %(money)s } chargesFee { %(money)s }
          refundsFeeGross { %(money)s } refundsFee { %(money)s }
          adjustmentsGross { %(money)s } adjustmentsFee { %(money)s }
          reservedFundsGross { %(money)s } reservedFundsFee { %(money)s }
          retriedPayoutsGross { %(money)s } retriedPayoutsFee { %(money)s }
          advanceGross { %(money)s } advanceFees { %(money)s }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
""" % {"money": _MONEY}
PAYOUT_BALANCE_TRANSACTIONS = """
query PayoutBalanceTransactions($query: String!, $after: String) {
  shopifyPaymentsAccount {
    balanceTransactions(first: 100, after: $after, query: $query, hideTransfers: true) {
      nodes {
        id type sourceType sourceId sourceOrderTransactionId transactionDate test adjustmentReason
        amount { %(money)s } fee { %(money)s } net { %(money)s }
        associatedOrder { id name }
        associatedPayout { id status }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
""" % {"money": _MONEY}
DISPUTES = """
query Disputes($query: String!, $after: String) {
  shopifyPaymentsAccount {
    disputes(first: 50, after: $after, query: $query) {
      nodes {
        id legacyResourceId status type initiatedAt evidenceDueBy evidenceSentOn finalizedOn
        amount { %(money)s }
        order { id name }
        reasonDetails { reason networkReasonCode }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
""" % {"money": _MONEY}
ALL["PAYOUTS"] = PAYOUTS
ALL["PAYOUT_BALANCE_TRANSACTIONS"] = PAYOUT_BALANCE_TRANSACTIONS
ALL["DISPUTES"] = DISPUTES
