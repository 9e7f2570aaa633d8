"""OCA ``shopify_connector``'s order import, set up for bench/bench_orders.py to compare with ours.

Only used when that module is installed in the bench database; nothing of it is a requirement
of shopify_sync. Its order job reads the order from Shopify with its own GraphQL query, so the
Shopify stand-in answers that query (root field ``order``) with the same orders our handler
imports, in the shape its query selects.
"""

from decimal import ROUND_HALF_UP, Decimal

import order_payloads

MODULE = "shopify_connector"
HOW_TO_ENABLE = 'pip install --no-deps "odoo-addon-shopify-connector==19.0.*"'
CENT = Decimal("0.01")


def importable():
    import importlib.util

    return importlib.util.find_spec(f"odoo.addons.{MODULE}") is not None


def installed(env):
    return bool(env["ir.module.module"].search_count([("name", "=", MODULE), ("state", "=", "installed")]))


def _money(amount, currency):
    money = {"amount": f"{Decimal(amount).quantize(CENT, ROUND_HALF_UP)}", "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": dict(money)}


def _connection(nodes):
    return {"nodes": nodes, "edges": [{"node": node} for node in nodes]}


def order_node(payload):
    """The REST order ``payload`` as Shopify's GraphQL ``order`` answers the connector's query:
    our REST->GraphQL conversion plus the fields its query selects that ORDER_DETAIL does not."""
    node = order_payloads.graphql_order(payload)
    currency = payload["currency"]
    zero = _money("0", currency)
    code = (payload["discount_codes"] or [{"code": ""}])[0]["code"]
    for item, line in zip(payload["line_items"], node["lineItems"], strict=False):
        discount = sum((Decimal(a["amount"]) for a in item["discount_allocations"]), Decimal(0))
        net = Decimal(item["price"]) * item["quantity"] - discount
        line.update(
            {
                "refundableQuantity": item["current_quantity"],
                "isGiftCard": item["gift_card"],
                "variant": {"id": f"gid://shopify/ProductVariant/{item['variant_id']}", "sku": item["sku"]},
                "product": None,
                "discountedUnitPriceAfterAllDiscountsSet": _money(net / item["quantity"], currency),
                "discountedTotalSet": _money(net, currency),
                "discountAllocations": [
                    {
                        "allocatedAmountSet": allocation["allocatedAmountSet"],
                        "discountApplication": {
                            "__typename": "DiscountCodeApplication",
                            "code": code,
                            "targetType": "LINE_ITEM",
                        },
                    }
                    for allocation in line["discountAllocations"]
                ],
            }
        )
    for line in node["shippingLines"]:
        line.update({"code": line["title"], "currentDiscountedPriceSet": line["originalPriceSet"]})
    node.update(
        {
            "number": payload["order_number"],
            "displayFulfillmentStatus": "UNFULFILLED",
            "sourceName": "web",
            "sourceIdentifier": None,
            "retailLocation": None,
            "totalCashRoundingAdjustment": {"paymentSet": zero, "refundSet": zero},
            "tags": [],
            "currentSubtotalPriceSet": node["subtotalPriceSet"],
            "currentTotalDiscountsSet": node["totalDiscountsSet"],
            "currentShippingPriceSet": _money(payload["total_shipping_price_set"]["shop_money"]["amount"], currency),
            "currentTotalTaxSet": node["totalTaxSet"],
            "currentTotalPriceSet": node["totalPriceSet"],
            "risk": {"assessments": [], "recommendation": "ACCEPT"},
            "lineItems": _connection(node["lineItems"]),
            "shippingLines": _connection(node["shippingLines"]),
            "transactions": [
                {
                    "id": f"gid://shopify/OrderTransaction/{payload['id']}",
                    "gateway": "shopify_payments",
                    "formattedGateway": "Shopify Payments",
                    "kind": "SALE",
                    "status": "SUCCESS",
                    "processedAt": payload["processed_at"],
                    "amountSet": node["totalPriceSet"],
                }
            ]
            if payload["financial_status"] == "paid"
            else [],
            "refunds": [],
            "returns": _connection([]),
        }
    )
    return node


def point_client_at(standin):
    """The connector's client always calls https://<shop domain>/admin/api/...; no setting points it
    elsewhere, so in this bench process only its endpoint is replaced by the stand-in's."""
    from odoo.addons.shopify_connector.lib import client

    original_init = client.ShopifyClient.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.endpoint = standin.graphql_url(self.api_version)

    client.ShopifyClient.__init__ = init


def setup(env, standin, products, tax, access_token, country_code="US"):
    """A ``shopify.instance`` that auto-confirms paid orders like ours, with the same products
    (bound by variant: the connector matches order lines only through its variant bindings) and
    the same tax (its tax mappings are keyed by Shopify's rate as a fraction and the country).

    ``products``: {sku: (product.product id, variant id)}. Returns the instance id."""
    instance = env["shopify.instance"].create(
        {
            "name": "Bench OCA",
            "shop_url": "bench-oca.myshopify.com",
            "access_token": access_token,
            "company_id": env.company.id,
            "order_confirmation_policy": "auto",
            "order_invoicing_policy": "manual",
            "order_currency_policy": "shop",
        }
    )
    country = env["res.country"].search([("code", "=", country_code)], limit=1)
    env["shopify.tax.mapping"].create(
        {
            "instance_id": instance.id,
            "rate": str(tax.amount / 100),
            "country_id": country.id,
            "price_included": False,
            "tax_id": tax.id,
        }
    )
    for sku, (product_id, variant_id) in products.items():
        product = env["product.product"].browse(product_id)
        template = env["shopify.product.template"].create(
            {
                "instance_id": instance.id,
                "shopify_id": f"gid://shopify/Product/{variant_id}",
                "odoo_id": product.product_tmpl_id.id,
                "status": "ACTIVE",
                "state": "synced",
            }
        )
        env["shopify.product.variant"].create(
            {
                "instance_id": instance.id,
                "shopify_id": f"gid://shopify/ProductVariant/{variant_id}",
                "template_binding_id": template.id,
                "odoo_id": product.id,
                "sku_snapshot": sku,
                "state": "synced",
            }
        )
    point_client_at(standin)
    return instance.id


def import_order(env, instance_id, payload):
    """What the connector's order job does for one orders/create event: read the order from Shopify
    (GraphQL ``order``), normalise it, build and confirm the sale order."""
    result = env["shopify.order"]._job_import_order_from_api(instance_id, payload["admin_graphql_api_id"])
    if not result:
        binding = env["shopify.order"].search(
            [("instance_id", "=", instance_id), ("shopify_id", "=", payload["admin_graphql_api_id"])]
        )
        raise SystemExit(f"OCA import of {payload['name']} failed: {binding.error_message or 'no binding'}")


def totals_differing(env, instance_id, payloads):
    """How many of ``payloads`` the connector imported with a sale order total other than Shopify's
    ``total_price`` (to the cent), how many have no synced sale order at all, and how many of those
    it has are not confirmed (ours and plain ORM confirm every paid order)."""
    bindings = env["shopify.order"].search(
        [("instance_id", "=", instance_id), ("shopify_id", "in", [p["admin_graphql_api_id"] for p in payloads])]
    )
    by_gid = {b.shopify_id: b for b in bindings}
    differing = missing = unconfirmed = 0
    for payload in payloads:
        binding = by_gid.get(payload["admin_graphql_api_id"])
        if not binding or binding.state != "synced" or not binding.odoo_id:
            missing += 1
            continue
        total = Decimal(str(binding.odoo_id.amount_total)).quantize(CENT, ROUND_HALF_UP)
        differing += total != Decimal(payload["total_price"])
        unconfirmed += binding.odoo_id.state != "sale"
    return differing, missing, unconfirmed
