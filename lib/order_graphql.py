"""A GraphQL ``Order`` (as lib/queries.ORDER_DETAIL or a bulk operation returns it) -> the REST
webhook shape that ``lib.order_mapping.parse_order`` reads.

Orders pulled by a backfill or a catch-up then go through exactly the same importer as webhook
orders: one code path, one set of checks to the cent. Amount strings are passed through untouched
(never via float); tax rates, which Shopify's GraphQL sends as JSON numbers, are carried as the
Decimal of their shortest text form.
"""

import json
from decimal import Decimal

from .bulk_jsonl import read_objects
from .gid import numeric_id
from .queries import PULLED_REFUNDS


def _money_set(bag):
    """GraphQL MoneyBag -> REST ``*_set``."""
    bag = bag or {}
    return {
        "shop_money": _money(bag.get("shopMoney")),
        "presentment_money": _money(bag.get("presentmentMoney") or bag.get("shopMoney")),
    }


def _money(money):
    money = money or {}
    return {"amount": str(money.get("amount") or "0"), "currency_code": money.get("currencyCode")}


def _shop_amount(bag):
    return _money_set(bag)["shop_money"]["amount"]


def _rate(value):
    return Decimal(str(value)) if value is not None else Decimal(0)


def _tax_lines(tax_lines):
    return [
        {
            "title": tax.get("title") or "",
            "rate": _rate(tax.get("rate")),
            "price": _shop_amount(tax.get("priceSet")),
            "price_set": _money_set(tax.get("priceSet")),
        }
        for tax in tax_lines or []
    ]


def _allocations(allocations):
    return [
        {
            "amount": _shop_amount(a.get("allocatedAmountSet")),
            "amount_set": _money_set(a.get("allocatedAmountSet")),
        }
        for a in allocations or []
    ]


def _address(address):
    if not address:
        return None
    return {
        "first_name": address.get("firstName"),
        "last_name": address.get("lastName"),
        "company": address.get("company"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "zip": address.get("zip"),
        "province": address.get("province"),
        "province_code": address.get("provinceCode"),
        "country": address.get("country"),
        "country_code": address.get("countryCodeV2"),
        "phone": address.get("phone"),
    }


def _nodes(connection):
    connection = connection or {}
    if "edges" in connection:
        return [edge["node"] for edge in connection["edges"]]
    return connection.get("nodes") or []


def _line_item(node):
    variant = node.get("variant") or {}
    return {
        "id": numeric_id(node.get("id")),
        "admin_graphql_api_id": node.get("id"),
        "variant_id": numeric_id(variant.get("id")),
        "product_id": numeric_id((node.get("product") or {}).get("id")),
        "gift_card": bool(node.get("isGiftCard")),
        "name": node.get("name"),
        "title": node.get("title"),
        "sku": node.get("sku") or "",
        "quantity": node.get("quantity"),
        "current_quantity": node.get("currentQuantity"),
        "taxable": node.get("taxable"),
        "requires_shipping": node.get("requiresShipping"),
        "price": _shop_amount(node.get("originalUnitPriceSet")),
        "price_set": _money_set(node.get("originalUnitPriceSet")),
        "tax_lines": _tax_lines(node.get("taxLines")),
        "discount_allocations": _allocations(node.get("discountAllocations")),
        "duties": [
            {
                "id": numeric_id(duty.get("id")),
                "price_set": _money_set(duty.get("price")),
                "tax_lines": _tax_lines(duty.get("taxLines")),
            }
            for duty in node.get("duties") or []
        ],
    }


def _shipping_line(node):
    return {
        "id": numeric_id(node.get("id")),
        "admin_graphql_api_id": node.get("id"),
        "title": node.get("title"),
        "is_removed": bool(node.get("isRemoved")),
        "price": _shop_amount(node.get("originalPriceSet")),
        "price_set": _money_set(node.get("originalPriceSet")),
        "tax_lines": _tax_lines(node.get("taxLines")),
        "discount_allocations": _allocations(node.get("discountAllocations")),
    }


def _transaction(node, order_gid):
    """GraphQL OrderTransaction -> REST shape (``amount``/``currency`` in the customer's money, as
    webhooks send them, plus ``amount_set`` with both)."""
    money_set = _money_set(node.get("amountSet"))
    return {
        "id": numeric_id(node.get("id")),
        "admin_graphql_api_id": node.get("id"),
        "order_id": numeric_id(order_gid),
        "kind": (node.get("kind") or "").lower(),
        "status": (node.get("status") or "").lower(),
        "gateway": node.get("gateway"),
        "test": bool(node.get("test")),
        "processed_at": node.get("processedAt"),
        "created_at": node.get("createdAt"),
        "amount": money_set["presentment_money"]["amount"],
        "currency": money_set["presentment_money"]["currency_code"],
        "amount_set": money_set,
        # Cash rounding (Shopify POS): the cash that changed hands is amount + rounding.
        "amount_rounding_set": _money_set(node["amountRoundingSet"]) if node.get("amountRoundingSet") else None,
    }


def _refund(node, order_gid):
    """GraphQL Refund -> the REST refund an ``orders/*`` body lists (lines and transactions)."""
    return {
        "id": numeric_id(node.get("id")),
        "admin_graphql_api_id": node.get("id"),
        "order_id": numeric_id(order_gid),
        "created_at": node.get("createdAt"),
        "processed_at": node.get("processedAt"),
        "refund_line_items": [
            {
                "line_item_id": numeric_id((item.get("lineItem") or {}).get("id")),
                "line_item": {
                    "id": numeric_id((item.get("lineItem") or {}).get("id")),
                    "admin_graphql_api_id": (item.get("lineItem") or {}).get("id"),
                },
                "quantity": item.get("quantity"),
                "restock_type": (item.get("restockType") or "NO_RESTOCK").lower(),
            }
            for item in _nodes(node.get("refundLineItems"))
        ],
        "transactions": [_transaction(tx, order_gid) for tx in _nodes(node.get("transactions"))],
    }


def _money_figures(node, refunds_whole=False):
    """Shopify's money figures of the order version read (lib/queries ORDER_DETAIL, or a bulk
    result: ``refunds_whole``, never cut short): the current total, what is outstanding (store's
    money, as the webhook's ``total_outstanding``) and the refunds. Nothing when the query did not
    ask, or when the refunds were too many to read whole: a partial list would misstate what was
    refunded (lib/refund_mapping.order_version); the refund handlers then reckon on Odoo's books."""
    if not node.get("totalOutstandingSet") or not isinstance(node.get("refunds"), list):
        return {}
    refunds = node["refunds"]
    if (len(refunds) > PULLED_REFUNDS and not refunds_whole) or any(
        ((refund.get(connection) or {}).get("pageInfo") or {}).get("hasNextPage")
        for refund in refunds
        for connection in ("refundLineItems", "transactions")
    ):
        return {}
    return {
        "current_total_price": _shop_amount(node.get("currentTotalPriceSet")),
        "current_total_price_set": _money_set(node.get("currentTotalPriceSet")),
        "total_outstanding": _shop_amount(node.get("totalOutstandingSet")),
        "refunds": [_refund(refund, node["id"]) for refund in refunds],
    }


def _company(entity):
    """B2B: a ``PurchasingCompany`` -> the webhook's ``company`` ({id, location_id}); a plain
    customer purchase (``Customer``, or nothing) has none."""
    if not (entity and entity.get("company")):
        return None
    return {
        "id": numeric_id(entity["company"].get("id")),
        "location_id": numeric_id((entity.get("location") or {}).get("id")),
    }


def rest_order(node, line_items=None, shipping_lines=None, refunds_whole=False):
    """REST-shaped order dict. ``line_items``/``shipping_lines`` (GraphQL nodes) replace the
    node's own connections: a bulk result delivers them as separate lines, and a long order is
    read in several pages of lines. ``refunds_whole``: the node lists all the order's refunds
    (a bulk result), not the first few (ORDER_DETAIL)."""
    if line_items is None:
        line_items = _nodes(node.get("lineItems"))
    if shipping_lines is None:
        shipping_lines = _nodes(node.get("shippingLines"))
    customer = node.get("customer")
    status = node.get("displayFinancialStatus")
    return {
        "id": numeric_id(node["id"]),
        "admin_graphql_api_id": node["id"],
        "name": node.get("name"),
        "email": node.get("email"),
        "phone": node.get("phone"),
        "note": node.get("note"),
        "created_at": node.get("createdAt"),
        "processed_at": node.get("processedAt"),
        "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "test": bool(node.get("test")),
        "currency": node.get("currencyCode"),
        "presentment_currency": node.get("presentmentCurrencyCode"),
        "taxes_included": bool(node.get("taxesIncluded")),
        "financial_status": status.lower() if status else None,
        "payment_gateway_names": list(node.get("paymentGatewayNames") or []),
        # Routing as the webhook gives it: "pos" sales leave from their location's warehouse.
        "source_name": node.get("sourceName"),
        "location_id": numeric_id((node.get("retailLocation") or {}).get("id")),
        "company": _company(node.get("purchasingEntity")),
        "customer": {
            "id": numeric_id(customer.get("id")),
            "admin_graphql_api_id": customer.get("id"),
            "email": customer.get("email"),
            "first_name": customer.get("firstName"),
            "last_name": customer.get("lastName"),
            "phone": customer.get("phone"),
        }
        if customer
        else None,
        "billing_address": _address(node.get("billingAddress")),
        "shipping_address": _address(node.get("shippingAddress")),
        "discount_codes": [{"code": code} for code in node.get("discountCodes") or []],
        "subtotal_price": _shop_amount(node.get("subtotalPriceSet")),
        "subtotal_price_set": _money_set(node.get("subtotalPriceSet")),
        "total_discounts": _shop_amount(node.get("totalDiscountsSet")),
        "total_discounts_set": _money_set(node.get("totalDiscountsSet")),
        "total_tax": _shop_amount(node.get("totalTaxSet")),
        "total_tax_set": _money_set(node.get("totalTaxSet")),
        "total_price": _shop_amount(node.get("totalPriceSet")),
        "total_price_set": _money_set(node.get("totalPriceSet")),
        "total_tip_received": _shop_amount(node.get("totalTipReceivedSet")),
        "total_tip_received_set": _money_set(node.get("totalTipReceivedSet")),
        "transactions": [_transaction(tx, node["id"]) for tx in node.get("transactions") or []],
        "current_total_additional_fees_set": _money_set(node["currentTotalAdditionalFeesSet"])
        if node.get("currentTotalAdditionalFeesSet")
        else None,
        "line_items": [_line_item(item) for item in line_items],
        "shipping_lines": [_shipping_line(ship) for ship in shipping_lines],
        "tax_lines": [],
        "source": "graphql",
        **_money_figures(node, refunds_whole),
    }


def dumps(order):
    """JSON text of a REST order (Decimal tax rates written as numbers)."""
    return json.dumps(order, default=lambda value: float(value) if isinstance(value, Decimal) else str(value))


def orders_from_bulk_lines(lines):
    """Reassemble orders from a bulk operation's JSONL: each order, then its line items and
    shipping lines as separate objects pointing back with ``__parentId``; the order's ``refunds``
    (a list, kept in the order's object) each with its lines and transactions as separate objects
    pointing back to the refund. Yields REST orders in the file's order, with Shopify's money
    figures as the paginated read gives them (``_money_figures``)."""
    orders, children = read_objects(lines)
    for node in orders:
        kids = children.get(node["id"], [])
        if isinstance(node.get("refunds"), list):
            node = dict(
                node, refunds=[_bulk_refund(refund, children.get(refund.get("id"), [])) for refund in node["refunds"]]
            )
        yield rest_order(
            node,
            line_items=[k for k in kids if k.get("id", "").startswith("gid://shopify/LineItem/")],
            shipping_lines=[k for k in kids if k.get("id", "").startswith("gid://shopify/ShippingLine/")],
            refunds_whole=True,
        )


def _bulk_refund(refund, kids):
    """A refund of a bulk result with its refund lines and transactions (objects of their own in the
    file, pointing to the refund) back as the connections the paginated read has. A bulk result is
    never cut short, so no ``pageInfo``: the list is whole."""
    return dict(
        refund,
        refundLineItems={"nodes": [k for k in kids if "lineItem" in k]},
        transactions={"nodes": [k for k in kids if k.get("id", "").startswith("gid://shopify/OrderTransaction/")]},
    )
