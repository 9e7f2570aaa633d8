"""What a webhook payload is about: its canonical GID and a human reference for the job list."""

from .gid import payload_gid, to_gid

# Topic prefix -> GraphQL resource type of the payload's ``id``.
_RESOURCE_TYPES = {
    "orders": "Order",
    "draft_orders": "DraftOrder",
    "products": "Product",
    "customers": "Customer",
    "refunds": "Refund",
    "order_transactions": "OrderTransaction",
    "returns": "Return",
    "fulfillments": "Fulfillment",
    "fulfillment_orders": "FulfillmentOrder",
    "inventory_items": "InventoryItem",
    "locations": "Location",
    "collections": "Collection",
    "app": "Shop",
    "shop": "Shop",
}


def resource_type(topic):
    return _RESOURCE_TYPES.get((topic or "").split("/")[0])


def describe(topic, payload):
    """(gid, reference) of a webhook payload; either may be None."""
    if not isinstance(payload, dict):
        return None, None
    prefix = (topic or "").split("/")[0]
    gid = None
    ref = None
    if topic in ("customers/redact", "customers/data_request"):
        customer = payload.get("customer") or {}
        gid = to_gid("Customer", customer.get("id")) if customer.get("id") else None
        ref = customer.get("email") or (gid and f"customer {customer.get('id')}")
    elif topic == "shop/redact" or prefix == "app":
        shop_id = payload.get("shop_id") or payload.get("id")
        gid = to_gid("Shop", shop_id) if shop_id else None
        ref = payload.get("shop_domain") or payload.get("myshopify_domain") or payload.get("domain")
    elif prefix == "inventory_levels":
        item, location = payload.get("inventory_item_id"), payload.get("location_id")
        gid = to_gid("InventoryItem", item) if item else None
        ref = f"item {item} @ location {location}" if item else None
    else:
        kind = _RESOURCE_TYPES.get(prefix)
        try:
            gid = payload_gid(kind, payload) if kind else None
        except ValueError:
            gid = None
        ref = payload.get("name") or payload.get("title") or payload.get("email")
        if prefix == "refunds" and payload.get("order_id"):
            ref = ref or f"refund of order {payload['order_id']}"
        if prefix == "order_transactions":
            ref = (
                f"{payload.get('kind') or 'transaction'} {payload.get('amount') or ''} {payload.get('currency') or ''}"
                f" ({payload.get('gateway') or '?'}) of order {payload.get('order_id') or '?'}"
            )
    return gid, (str(ref)[:200] if ref else None)
