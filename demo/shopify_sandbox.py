"""Shopify sandbox for the demo: a fake store that answers the Admin GraphQL API and sends signed
order webhooks to Odoo, like a real store on a busy morning.

    python3 demo/shopify_sandbox.py --odoo http://127.0.0.1:8069 --secret S --port 8790 [--orders 8]

It is the test suite's stand-in (tests/shopify_standin.py: GraphQL executed against Shopify's
published Admin schema) with a demo catalogue, and the test suite's order builder
(tests/order_payloads.py: Shopify's own arithmetic) for the webhook bodies. Among the orders:
one with a SKU Odoo does not know, one with a tax that has no mapping, one delivered twice
(the second copy must not make a second job), and one paid by gift card and card, then partly
refunded (its transactions and refund as Shopify sends them). The card payments of the orders
that import and the refund go out in one paid Shopify Payments payout (fees 2.9% + 0.30 per
charge), answered as ``shopifyPaymentsAccount`` like the tests' ledger. It keeps answering GraphQL
until stopped.
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from decimal import ROUND_HALF_UP, Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))  # plain modules, no Odoo import

from order_payloads import _round, _set, order_payload  # noqa: E402
from shopify_standin import PaymentsLedger, ShopifyStandIn, sign_webhook  # noqa: E402

SHOP_DOMAIN = "demo-store.myshopify.com"
ACCESS_TOKEN = "shpat_demo_sandbox"
PAYOUT_TRACE_ID = "DEMO-PAYOUT-1125"  # the reference the bank prints on the deposit

# The demo catalogue: variant id -> (SKU, barcode, title, price). demo/demo_setup.py creates the
# same products in Odoo, except GHOST-1, which "someone added in Shopify only".
CATALOGUE = {
    41001: ("MUG-BLUE", "4006381333931", "Blue mug", "14.90"),
    41002: ("TEE-M", "4006381333948", "T-shirt M", "24.00"),
    41003: ("CAP-RED", "4006381333955", "Red cap", "18.50"),
    41004: ("POSTER-A2", "4006381333962", "Poster A2", "32.00"),
    41099: ("GHOST-1", "4006381333999", "Limited tote bag", "39.00"),
}
CA = [("CA State Tax", 7.25)]
NY = [("NY State Tax", 4)]


def line(variant_id, quantity=1, discount=None, taxes=CA):  # pylint: disable=dangerous-default-value  # CA is never mutated
    sku, _barcode, title, price = CATALOGUE[variant_id]
    spec = {"variant_id": variant_id, "sku": sku, "title": title, "price": price, "quantity": quantity, "taxes": taxes}
    if discount:
        spec["discount"] = discount
    return spec


NEW_YORK = {
    "first_name": "Sam",
    "last_name": "Rivera",
    "address1": "350 5th Ave",
    "city": "New York",
    "zip": "10118",
    "province_code": "NY",
    "province": "New York",
    "country_code": "US",
    "country": "United States",
    "phone": "(212) 555-0199",
}


def demo_orders(start):
    """(label, payload) in the order they are sent."""
    n = start
    yield (
        "3 lines, a discount, shipping",
        order_payload(
            n, lines=[line(41001, 2), line(41002, 1, "4.00"), line(41003)], shipping={"price": "5.90", "taxes": CA}
        ),
    )
    yield "one line, a tip", order_payload(n + 1, lines=[line(41004)], tip="3.00")
    yield "unknown SKU GHOST-1 (fails: data)", order_payload(n + 2, lines=[line(41001), line(41099)])
    yield (
        "New York tax, not mapped (fails: configuration)",
        order_payload(
            n + 3, lines=[line(41002, 2, taxes=NY)], billing=NEW_YORK, shipping={"price": "7.00", "taxes": NY}
        ),
    )
    yield "2 lines", order_payload(n + 4, lines=[line(41003, 3), line(41001)], shipping={"price": "5.90", "taxes": CA})
    yield "guest checkout, no e-mail", order_payload(n + 5, lines=[line(41002)], customer=None)


def card_transaction(order, n, kind, amount, processed_at=None):
    """A Shopify Payments (or other gateway's) order transaction as order_transactions/create sends it."""
    tx_id = order["id"] * 10 + n
    when = processed_at or order["processed_at"]
    return {
        "id": tx_id,
        "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{tx_id}",
        "order_id": order["id"],
        "kind": kind,
        "gateway": "shopify_payments",
        "status": "success",
        "amount": amount,
        "currency": "USD",
        "processed_at": when,
        "created_at": when,
        "test": False,
    }


def card_fee(amount):
    """Shopify Payments' US online rate: 2.9% + 0.30 per charge, to the cent."""
    return (Decimal(amount) * Decimal("0.029") + Decimal("0.30")).quantize(Decimal("0.01"), ROUND_HALF_UP)


def demo_payout(ledger, paid):
    """One PAID payout of ``paid``: (order, transaction, fee) charges and refunds, issued the day
    after the refund, with the bank reference Odoo matches the deposit by."""
    balance = []
    for order, tx, fee in paid:
        kind = "REFUND" if tx["kind"] == "refund" else "CHARGE"
        amount = Decimal(tx["amount"]) * (-1 if kind == "REFUND" else 1)
        balance.append(
            ledger.transaction(
                kind,
                amount,
                fee,
                order=(order["id"], order["name"]),
                order_transaction_id=tx["id"],
                date="2026-11-25T15:00:00Z",
            )
        )
    return ledger.payout(balance, status="PAID", issued_at="2026-11-26T09:00:00Z", external_trace_id=PAYOUT_TRACE_ID)


def split_payment_stream(number):
    """(topic, payload, label): an order paid 20.00 by gift card and the rest by card (authorised,
    then captured), then one mug refunded to the card."""
    order = order_payload(number, lines=[line(41001, 2), line(41002)], shipping={"price": "5.90", "taxes": CA})
    order["payment_gateway_names"] = ["gift_card", "shopify_payments"]
    rest = f"{Decimal(order['total_price']) - 20}"

    def transaction(n, kind, amount, gateway):
        return dict(card_transaction(order, n, kind, amount), gateway=gateway)

    item = order["line_items"][0]  # two mugs: one goes back, with its tax
    subtotal = Decimal(item["price"])
    tax = sum((_round(subtotal * Decimal(str(t["rate"]))) for t in item["tax_lines"]), Decimal(0))
    refund_id = order["id"] * 10 + 9
    refund = {
        "id": refund_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "order_id": order["id"],
        "created_at": "2026-11-25T10:00:00-05:00",
        "processed_at": "2026-11-25T10:00:00-05:00",
        "note": None,
        "restock": False,
        "refund_shipping_lines": [],
        "order_adjustments": [],
        "duties": [],
        "refund_line_items": [
            {
                "id": refund_id + 1,
                "line_item_id": item["id"],
                "line_item": item,
                "quantity": 1,
                "restock_type": "no_restock",
                "location_id": None,
                "subtotal": f"{subtotal}",
                "subtotal_set": _set(subtotal, "USD"),
                "total_tax": f"{tax}",
                "total_tax_set": _set(tax, "USD"),
            }
        ],
        "transactions": [
            dict(
                transaction(4, "refund", f"{subtotal + tax}", "shopify_payments"),
                processed_at="2026-11-25T10:00:00-05:00",
            )
        ],
    }
    yield "orders/create", order, "gift card + card"
    yield "order_transactions/create", transaction(1, "sale", "20.00", "gift_card"), "gift card 20.00"
    yield (
        "order_transactions/create",
        transaction(2, "authorization", rest, "shopify_payments"),
        f"card authorised {rest}",
    )
    yield "order_transactions/create", transaction(3, "capture", rest, "shopify_payments"), f"card captured {rest}"
    yield "refunds/create", refund, f"one mug refunded ({refund['transactions'][0]['amount']} to the card)"


def post_webhook(odoo_url, secret, topic, payload, webhook_id=None):
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        f"{odoo_url}/shopify/webhook",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign_webhook(secret, body),
            "X-Shopify-Shop-Domain": SHOP_DOMAIN,
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def start_store(port):
    store = ShopifyStandIn(api_version="2026-10", access_token=ACCESS_TOKEN, shop_name="Demo Store")
    store.shop["myshopifyDomain"] = SHOP_DOMAIN
    store.granted_scopes = [
        "read_orders",
        "read_customers",
        "read_products",
        "read_inventory",
        "write_inventory",
        "read_locations",
        "read_merchant_managed_fulfillment_orders",
        "write_merchant_managed_fulfillment_orders",
        "read_shopify_payments_payouts",
        "read_shopify_payments_disputes",
    ]
    barcodes = {f"gid://shopify/ProductVariant/{vid}": spec for vid, spec in CATALOGUE.items()}
    store.root["nodes"] = lambda _info, ids: [
        {"__typename": "ProductVariant", "id": gid, "sku": barcodes[gid][0], "barcode": barcodes[gid][1]}
        if gid in barcodes
        else None
        for gid in ids
    ]
    return store.start(port=port)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--odoo", default="http://127.0.0.1:8069", help="Odoo base URL")
    parser.add_argument("--secret", required=True, help="webhook secret configured on the Odoo store")
    parser.add_argument("--port", type=int, default=8790, help="port of the sandbox's Admin API")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between orders")
    parser.add_argument("--first-number", type=int, default=1001)
    args = parser.parse_args()

    store = start_store(args.port)
    ledger = PaymentsLedger(store, currency="USD")
    print(f"sandbox: Shopify Admin API for {SHOP_DOMAIN} on {store.base_url} (token {ACCESS_TOKEN})", flush=True)
    sent = None
    charged = []  # orders that import: Shopify Payments charged their total
    for label, payload in demo_orders(args.first_number):
        webhook_id = str(uuid.uuid4())
        status = post_webhook(args.odoo, args.secret, "orders/create", payload, webhook_id)
        print(f"sandbox: orders/create {payload['name']:6} {label}: HTTP {status}", flush=True)
        if sent is None:
            sent = (payload, webhook_id)
        if "fails" not in label:
            charged.append(payload)
        time.sleep(args.interval)
    # Shopify retries a delivery it thinks failed: same X-Shopify-Webhook-Id, same body.
    payload, webhook_id = sent
    status = post_webhook(args.odoo, args.secret, "orders/create", payload, webhook_id)
    print(f"sandbox: orders/create {payload['name']:6} delivered again (same webhook id): HTTP {status}", flush=True)
    paid = []  # (order, card transaction, fee) that the payout pays out
    for order in charged:
        tx = card_transaction(order, 1, "sale", order["total_price"])
        status = post_webhook(args.odoo, args.secret, "order_transactions/create", tx)
        print(
            f"sandbox: order_transactions/create {order['name']:6} card sale {tx['amount']}: HTTP {status}", flush=True
        )
        paid.append((order, tx, card_fee(tx["amount"])))
        time.sleep(0.5)
    orders = {}
    for topic, payload, label in split_payment_stream(args.first_number + 6):
        status = post_webhook(args.odoo, args.secret, topic, payload)
        print(f"sandbox: {topic} {label}: HTTP {status}", flush=True)
        if topic == "orders/create":
            orders[payload["id"]] = payload
        card = payload.get("transactions", [payload]) if topic != "orders/create" else []
        for tx in card:
            if tx.get("gateway") == "shopify_payments" and tx.get("kind") in ("sale", "capture", "refund"):
                # A refund gives its fee back only in part in Shopify; the demo keeps it simple: none.
                fee = card_fee(tx["amount"]) if tx["kind"] != "refund" else Decimal("0.00")
                paid.append((orders[tx["order_id"]], tx, fee))
        time.sleep(args.interval)
    payout = demo_payout(ledger, paid)
    print(
        f"sandbox: Shopify Payments payout {payout['legacyResourceId']} PAID on 2026-11-26: {len(paid)} "
        f"transactions, net {payout['net']['amount']} USD, bank reference {PAYOUT_TRACE_ID}",
        flush=True,
    )
    print("sandbox: all orders sent; still answering the Admin API (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        store.stop()


if __name__ == "__main__":
    main()
