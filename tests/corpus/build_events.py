"""Writes the generated cases of tests/corpus/events/ (see SOURCES there).

    python3 tests/corpus/build_events.py

Each case is one order (an ``orders/create`` body made by build_orders.build, Shopify's arithmetic)
followed by the webhooks Shopify sends about it afterwards, in the REST shape of real captures:
refunds, fulfilments, transactions, cancellation. ``expect`` holds Shopify's own figures for what
Odoo must then hold (money received and given back, what was credited, goods delivered and in
stock), worked out here from the bodies, never from Odoo. Not imported by Odoo.
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import json
import os
from decimal import Decimal

from build_orders import CA, build, r

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "events")
STOCK = 10  # units of each storable product in stock before the order (tests/test_event_corpus.py)


def money_set(value, currency="USD"):
    bag = {"amount": str(value), "currency_code": currency}
    return {"shop_money": bag, "presentment_money": dict(bag)}


def transaction(order, number, kind, amount, gateway="shopify_payments", status="success", **extra):
    """An order transaction as order_transactions/create and a refund's ``transactions`` carry it."""
    tx_id = order["id"] * 10 + number
    body = {
        "id": tx_id,
        "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{tx_id}",
        "order_id": order["id"],
        "kind": kind,
        "gateway": gateway,
        "status": status,
        "message": None,
        "created_at": "2026-11-21T10:00:00-05:00",
        "processed_at": "2026-11-21T10:00:00-05:00",
        "test": False,
        "authorization": None,
        "location_id": None,
        "user_id": None,
        "parent_id": None,
        "device_id": None,
        "error_code": None,
        "source_name": "web",
        "receipt": {},
        "amount": str(amount),
        "currency": order["currency"],
        "payment_id": f"{order['name']}.{number}",
        "manual_payment_gateway": gateway == "manual",
        "amount_rounding": None,
    }
    body.update(extra)
    return body


def money_pair(shop, presentment, order):
    return {
        "shop_money": {"amount": str(shop), "currency_code": order["currency"]},
        "presentment_money": {"amount": str(presentment), "currency_code": order["presentment_currency"]},
    }


def refund_line(order, index, quantity, restock_type, location_id=None, currency="shop_money"):
    """A refund line for ``quantity`` units of the order's line ``index``: Shopify's subtotal (net of
    its discounts, pro rata) and tax (its tax lines, pro rata), each rounded to the cent in each
    currency. Returns it with what it is worth, tax included, in ``currency``."""
    item = order["line_items"][index]
    share = Decimal(quantity) / Decimal(item["quantity"])
    figures = {}
    for bag in ("shop_money", "presentment_money"):
        net = Decimal(item["price_set"][bag]["amount"]) * item["quantity"] - sum(
            (Decimal(a["amount_set"][bag]["amount"]) for a in item["discount_allocations"]), Decimal(0)
        )
        tax = sum((Decimal(t["price_set"][bag]["amount"]) for t in item["tax_lines"]), Decimal(0))
        figures[bag] = (r(net * share), r(tax * share))
    (subtotal, tax), (p_subtotal, p_tax) = figures["shop_money"], figures["presentment_money"]
    line_id = item["id"] * 10 + 7
    return {
        "id": line_id,
        "line_item_id": item["id"],
        "quantity": quantity,
        "location_id": location_id,
        "restock_type": restock_type,
        "subtotal": float(subtotal),
        "total_tax": float(tax),
        "subtotal_set": money_pair(subtotal, p_subtotal, order),
        "total_tax_set": money_pair(tax, p_tax, order),
        "line_item": dict(item),
    }, sum(figures[currency])


def refund(order, number, lines=(), transactions=(), adjustments=(), shipping_lines=(), duties=(), note=None):
    refund_id = order["id"] * 100 + number
    duty_total = sum((Decimal(d["amount_set"]["shop_money"]["amount"]) for d in duties), Decimal(0))
    return {
        "id": refund_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "order_id": order["id"],
        "created_at": "2026-11-22T11:00:00-05:00",
        "processed_at": "2026-11-22T11:00:00-05:00",
        "note": note,
        "user_id": 548380009,
        "restock": any(line["restock_type"] != "no_restock" for line in lines),
        "duties": list(duties),
        "total_duties_set": money_set(r(duty_total)),
        "additional_fees": [],
        "total_additional_fees_set": money_set("0.00"),
        "return": None,
        "refund_line_items": list(lines),
        "refund_shipping_lines": list(shipping_lines),
        "order_adjustments": list(adjustments),
        "transactions": list(transactions),
    }


def adjustment(order, refund_number, number, amount, kind="refund_discrepancy", reason="Refund discrepancy"):
    return {
        "id": order["id"] * 1000 + refund_number * 10 + number,
        "order_id": order["id"],
        "refund_id": order["id"] * 100 + refund_number,
        "amount": str(amount),
        "tax_amount": "0.00",
        "kind": kind,
        "reason": reason,
        "amount_set": money_set(amount),
        "tax_amount_set": money_set("0.00"),
    }


def fulfillment(order, number, items, status="success", service="manual", tracking=(), location_id=11, **extra):
    """A fulfilment of ``items`` [(line index, quantity)]: each line item as the order has it, with the
    fulfilled quantity (and what is left to fulfil, as Shopify reports it after this fulfilment)."""
    fulfillment_id = order["id"] * 10 + number
    lines = []
    for index, quantity in items:
        item = order["line_items"][index]
        left = item["quantity"] - quantity
        lines.append(
            dict(
                item,
                quantity=quantity,
                fulfillable_quantity=left,
                fulfillment_status="fulfilled" if not left else "partial",
            )
        )
    numbers = list(tracking)
    body = {
        "id": fulfillment_id,
        "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
        "order_id": order["id"],
        "name": f"{order['name']}.{number}",
        "status": status,
        "service": service,
        "created_at": "2026-11-21T12:00:00-05:00",
        "updated_at": "2026-11-21T12:00:00-05:00",
        "location_id": location_id,
        "origin_address": None,
        "email": order["email"],
        "destination": None if service == "gift_card" else order["shipping_address"],
        "tracking_company": "UPS" if numbers else None,
        "tracking_number": numbers[0] if numbers else None,
        "tracking_numbers": numbers,
        "tracking_url": f"https://www.ups.com/track?tracknum={numbers[0]}" if numbers else None,
        "tracking_urls": [f"https://www.ups.com/track?tracknum={n}" for n in numbers],
        "shipment_status": None,
        "receipt": {},
        "line_items": lines,
    }
    body.update(extra)
    return body


def event(topic, body, **expect):
    return {"topic": topic, "body": body, "expect": dict({"state": "done"}, **expect)}


LAMP = {"title": "Event lamp", "sku": "EV-LAMP", "variant_id": 9_100_001, "product_id": 9_100_000, "taxes": CA}


def lamp_order(number, qty=2, price="49.95", extra_items=(), **kwargs):
    items = [dict(LAMP, price=price, qty=qty), *extra_items]
    return build(number, items, shipping=[{"title": "UPS Ground", "price": "8.90", "taxes": CA}], **kwargs)


def paid(order, number=1, gateway="shopify_payments", amount=None):
    sale = transaction(order, number, "sale", amount or order["total_price"], gateway)
    return event("order_transactions/create", sale)


def cancelled_and_refunded_in_full(order):
    """A paid one-lamp order's full refund (line cancelled, shipping and its tax) and the
    orders/cancelled body listing it."""
    line, worth = refund_line(order, 0, 1, "cancel", location_id=11)
    ship = order["shipping_lines"][0]
    shipping_tax = Decimal(ship["tax_lines"][0]["price"])
    full = refund(
        order,
        1,
        lines=[line],
        shipping_lines=[
            {
                "id": order["id"] * 10 + 3,
                "shipping_line_id": ship["id"],
                "subtotal_amount_set": money_set(ship["price"]),
                "tax_amount_set": money_set(shipping_tax),
                "shipping_line": dict(ship),
            }
        ],
        transactions=[transaction(order, 5, "refund", order["total_price"], parent_id=order["id"] * 10 + 1)],
        note="Order canceled",
    )
    assert worth + Decimal(ship["price"]) + shipping_tax == Decimal(order["total_price"])
    cancelled = dict(
        order,
        cancelled_at="2026-11-22T11:00:00-05:00",
        cancel_reason="customer",
        financial_status="refunded",
        updated_at="2026-11-22T11:00:01-05:00",
        refunds=[full],
    )
    return full, cancelled


def cases():
    # -- refunds ---------------------------------------------------------------------------------------
    order = lamp_order(8101, qty=1, price="619.16")
    pending = refund(
        order,
        1,
        transactions=[
            transaction(
                order,
                5,
                "refund",
                "664.05",
                gateway="razorpay_cards_upi_netbanking_wallets_",
                status="pending",
                message="Transaction pending",
                parent_id=order["id"] * 10 + 1,
            )
        ],
        adjustments=[adjustment(order, 1, 1, "-664.05"), adjustment(order, 1, 2, "664.05")],
    )
    yield (
        "generated_refund_pending_transaction_discrepancy_pair",
        order,
        [paid(order, gateway="razorpay_cards_upi_netbanking_wallets_"), event("refunds/create", pending)],
        {"received": order["total_price"], "paid_back": "0.00", "credited": [], "warning": "664.05"},
    )

    # Shopify's documented refund of 5.00 shipping (REST 2025-10 and 2026-01): the shipping line refunded
    # in refund_shipping_lines AND, as before 2024-10, an order adjustment of kind shipping_refund.
    order = lamp_order(8102)
    ship = order["shipping_lines"][0]
    shipping_refund = refund(
        order,
        1,
        shipping_lines=[
            {
                "id": order["id"] * 10 + 3,
                "shipping_line_id": ship["id"],
                "subtotal_amount_set": money_set("5.00"),
                "shipping_line": dict(ship),
            }
        ],
        adjustments=[adjustment(order, 1, 1, "-5.00", kind="shipping_refund", reason="Shipping refund")],
        transactions=[transaction(order, 5, "refund", "5.00", parent_id=order["id"] * 10 + 1)],
    )
    yield (
        "generated_refund_shipping_lines_and_shipping_adjustment_both",
        order,
        [paid(order), event("refunds/create", shipping_refund)],
        {"received": order["total_price"], "paid_back": "5.00", "credited": ["5.00"]},
    )

    # Refunded duties (REST refund "duties": [{duty_id, amount_set}]) with the line they were charged on.
    order = build(
        8103,
        [
            {
                "title": "Event vase",
                "sku": "EV-VASE",
                "variant_id": 9_100_011,
                "product_id": 9_100_010,
                "price": "80.00",
                "qty": 1,
                "duties": [("9.83", [])],
            }
        ],
        shipping=[{"title": "DHL Express", "price": "15.00"}],
    )
    line, worth = refund_line(order, 0, 1, "no_restock")
    duty = order["line_items"][0]["duties"][0]
    duty_refund = refund(
        order,
        1,
        lines=[line],
        duties=[{"duty_id": duty["id"], "amount_set": money_set(duty["price"])}],
        transactions=[transaction(order, 5, "refund", worth + Decimal(duty["price"]), parent_id=order["id"] * 10 + 1)],
    )
    yield (
        "generated_refund_with_its_duties",
        order,
        [paid(order), event("refunds/create", duty_refund)],
        {
            "received": order["total_price"],
            "paid_back": str(worth + Decimal(duty["price"])),
            "credited": [str(worth + Decimal(duty["price"]))],
        },
    )

    # A refund to the gift card it was paid with and to the card (two gateways), after delivery, goods
    # returned (legacy_restock, as refunds made with the deprecated "restock" flag come).
    order = lamp_order(8104, qty=2)
    total = Decimal(order["total_price"])
    line, worth = refund_line(order, 0, 1, "legacy_restock", location_id=11)
    card = worth - Decimal("50.00")
    split = refund(
        order,
        1,
        lines=[line],
        transactions=[
            transaction(order, 5, "refund", "50.00", gateway="gift_card", receipt={"gift_card_id": 539685323008}),
            transaction(order, 6, "refund", card, parent_id=order["id"] * 10 + 2),
        ],
    )
    yield (
        "generated_refund_to_gift_card_and_card_after_delivery",
        order,
        [
            event(
                "order_transactions/create",
                transaction(
                    order,
                    1,
                    "sale",
                    "50.00",
                    gateway="gift_card",
                    source_name="checkout_one",
                    receipt={"gift_card_id": 539685323008, "gift_card_last_characters": "1zia"},
                ),
            ),
            paid(order, 2, amount=total - Decimal("50.00")),
            {"odoo": "deliver"},
            event("refunds/create", split),
        ],
        {
            "received": str(total),
            "paid_back": str(worth),
            "credited": [str(worth)],
            "on_hand": {"EV-LAMP": STOCK - 1},
            "delivered": {"EV-LAMP": 2},
        },
    )

    # A refund whose first attempt failed at the gateway and was retried.
    order = lamp_order(8105)
    line, worth = refund_line(order, 0, 1, "cancel", location_id=11)
    retried = refund(
        order,
        1,
        lines=[line],
        transactions=[
            transaction(order, 5, "refund", worth, status="failure", error_code="card_declined"),
            transaction(order, 6, "refund", worth),
        ],
    )
    yield (
        "generated_refund_failed_transaction_then_success",
        order,
        [paid(order), event("refunds/create", retried)],
        {
            "received": order["total_price"],
            "paid_back": str(worth),
            "credited": [str(worth)],
            "to_deliver": {"EV-LAMP": 1},
            "on_hand": {"EV-LAMP": STOCK},
        },
    )

    # -- fulfilments -----------------------------------------------------------------------------------
    order = lamp_order(8201, qty=1)
    card_item = order["line_items"][0]
    gift = dict(
        card_item,
        id=card_item["id"] + 50,
        admin_graphql_api_id=f"gid://shopify/LineItem/{card_item['id'] + 50}",
        title="Gift card",
        name="Gift card - $25",
        sku="",
        variant_id=9_100_021,
        product_id=9_100_020,
        price="25.00",
        price_set=money_set("25.00"),
        quantity=1,
        current_quantity=1,
        fulfillable_quantity=1,
        tax_lines=[],
        taxable=False,
        gift_card=True,
        requires_shipping=False,
        fulfillment_service="gift_card",
        discount_allocations=[],
        duties=[],
    )
    order["line_items"].append(gift)
    for key in ("subtotal_price", "total_line_items_price", "total_price"):
        order[key] = str(Decimal(order[key]) + Decimal("25.00"))
        order[f"{key}_set"] = money_set(order[key])
    yield (
        "generated_fulfillment_gift_card_then_goods",
        order,
        [
            paid(order),
            event("fulfillments/create", fulfillment(order, 1, [(1, 1)], service="gift_card", location_id=None)),
            event("fulfillments/create", fulfillment(order, 2, [(0, 1)], tracking=["1Z999AA10123456784"])),
        ],
        {
            "received": order["total_price"],
            "delivered": {"EV-LAMP": 1},
            "to_deliver": {"EV-LAMP": 0},
            "on_hand": {"EV-LAMP": STOCK - 1},
            "tracking": ["1Z999AA10123456784"],
        },
    )

    # A 3PL's fulfilment: pending, then open, then success with two parcels, then delivered.
    order = lamp_order(8202, qty=2)
    steps = [
        ("fulfillments/create", fulfillment(order, 1, [(0, 2)], status="pending", service="shipwire")),
        ("fulfillments/update", fulfillment(order, 1, [(0, 2)], status="open", service="shipwire")),
        (
            "fulfillments/update",
            fulfillment(
                order,
                1,
                [(0, 2)],
                service="shipwire",
                tracking=["1Z999AA10123456784", "1Z999AA10123456791"],
                updated_at="2026-11-21T15:00:00-05:00",
            ),
        ),
        (
            "fulfillments/update",
            fulfillment(
                order,
                1,
                [(0, 2)],
                service="shipwire",
                tracking=["1Z999AA10123456784", "1Z999AA10123456791"],
                shipment_status="delivered",
                updated_at="2026-11-23T09:00:00-05:00",
            ),
        ),
    ]
    yield (
        "generated_fulfillment_3pl_pending_open_success_delivered",
        order,
        [paid(order)] + [event(topic, body) for topic, body in steps],
        {
            "received": order["total_price"],
            "delivered": {"EV-LAMP": 2},
            "to_deliver": {"EV-LAMP": 0},
            "on_hand": {"EV-LAMP": STOCK - 2},
            "tracking": ["1Z999AA10123456784", "1Z999AA10123456791"],
        },
    )

    # A fulfilment request the 3PL failed, then the merchant fulfils part of it by hand.
    order = lamp_order(8203, qty=2)
    yield (
        "generated_fulfillment_failure_then_partial_success",
        order,
        [
            paid(order),
            event("fulfillments/create", fulfillment(order, 1, [(0, 2)], status="open", service="shipwire")),
            event("fulfillments/update", fulfillment(order, 1, [(0, 2)], status="failure", service="shipwire")),
            event("fulfillments/create", fulfillment(order, 2, [(0, 1)])),
        ],
        {
            "received": order["total_price"],
            "delivered": {"EV-LAMP": 1},
            "to_deliver": {"EV-LAMP": 1},
            "on_hand": {"EV-LAMP": STOCK - 1},
        },
    )

    # -- cancellations ---------------------------------------------------------------------------------
    # An unpaid order (manual payment, pending) cancelled: Shopify lists the refund that restocks it
    # (restock_type cancel, no money) in the orders/cancelled body, and sends it as refunds/create.
    order = lamp_order(8301, qty=2, extra={"financial_status": "pending", "payment_gateway_names": ["manual"]})
    line, _worth = refund_line(order, 0, 2, "cancel", location_id=11)
    line.update(subtotal=0.0, total_tax=0.0, subtotal_set=money_set("0.00"), total_tax_set=money_set("0.00"))
    restock = refund(order, 1, lines=[line], note="Order canceled")
    cancelled = dict(
        order,
        cancelled_at="2026-11-22T11:00:00-05:00",
        cancel_reason="customer",
        financial_status="voided",
        updated_at="2026-11-22T11:00:01-05:00",
        refunds=[restock],
    )
    yield (
        "generated_cancelled_unpaid_order_with_its_restock_refund",
        order,
        [event("orders/cancelled", cancelled), event("refunds/create", restock)],
        {
            "received": "0.00",
            "paid_back": "0.00",
            "credited": [],
            "sale_state": "cancel",
            "to_deliver": {"EV-LAMP": 0},
            "on_hand": {"EV-LAMP": STOCK},
        },
    )

    # A paid order cancelled and refunded in full: refunds/create, then orders/cancelled listing it.
    order = lamp_order(8302, qty=1)
    full, cancelled = cancelled_and_refunded_in_full(order)
    yield (
        "generated_cancelled_paid_order_refunded_in_full",
        order,
        [paid(order), event("refunds/create", full), event("orders/cancelled", cancelled)],
        {
            "received": order["total_price"],
            "paid_back": order["total_price"],
            "credited": [order["total_price"]],
            "sale_state": "cancel",
            "to_deliver": {"EV-LAMP": 0},
            "on_hand": {"EV-LAMP": STOCK},
        },
    )

    # The same, delivered the other way round: orders/cancelled first waits for its refund.
    order = lamp_order(8303, qty=1)
    full, cancelled = cancelled_and_refunded_in_full(order)
    yield (
        "generated_cancelled_paid_order_before_its_refund_arrives",
        order,
        [
            paid(order),
            event("orders/cancelled", cancelled, state="queued"),
            event("refunds/create", full),
            {"odoo": "retry"},
        ],
        {
            "received": order["total_price"],
            "paid_back": order["total_price"],
            "credited": [order["total_price"]],
            "sale_state": "cancel",
            "to_deliver": {"EV-LAMP": 0},
            "on_hand": {"EV-LAMP": STOCK},
            "settled": True,
        },
    )

    # -- transactions ----------------------------------------------------------------------------------
    # Paid with two gift cards (150.00 each, as a real checkout_one capture) and a card authorised then
    # captured; a declined attempt before.
    order = lamp_order(8401, qty=7)
    total = Decimal(order["total_price"])
    rest = total - Decimal("300.00")
    yield (
        "generated_transactions_gift_cards_declined_authorization_capture",
        order,
        [
            event(
                "order_transactions/create",
                transaction(order, 1, "sale", "150.00", gateway="gift_card", source_name="checkout_one"),
            ),
            event(
                "order_transactions/create",
                transaction(order, 2, "sale", "150.00", gateway="gift_card", source_name="checkout_one"),
            ),
            event(
                "order_transactions/create",
                transaction(order, 3, "authorization", rest, status="failure", error_code="card_declined"),
            ),
            event("order_transactions/create", transaction(order, 4, "authorization", rest)),
            event(
                "order_transactions/create",
                transaction(order, 5, "capture", rest, parent_id=order["id"] * 10 + 4),
            ),
        ],
        {"received": str(total), "paid_back": "0.00", "credited": [], "gift_card_payments": "300.00"},
    )


def more_cases():
    # An order paid by hand (manual gateway, "Mark as paid"): pending when created, its sale
    # transaction, then orders/paid.
    order = lamp_order(8501, extra={"financial_status": "pending", "payment_gateway_names": ["manual"]})
    paid_body = dict(order, financial_status="paid", updated_at="2026-11-21T10:00:01-05:00")
    yield (
        "generated_manual_payment_then_orders_paid",
        order,
        [
            event("order_transactions/create", transaction(order, 1, "sale", order["total_price"], gateway="manual")),
            event("orders/paid", paid_body),
        ],
        {"received": order["total_price"], "paid_back": "0.00", "credited": [], "invoiced": order["total_price"]},
    )

    # A customer paying in EUR in a USD store: REST transactions carry the customer's money only, so
    # the shop money is read from Shopify (the nodes answered below, as Shopify's GraphQL would).
    order = lamp_order(8502, presentment="EUR", fx="0.9213")
    pres_total = order["total_price_set"]["presentment_money"]["amount"]
    sale_tx = transaction(order, 1, "sale", pres_total, currency="EUR")
    line, worth = refund_line(order, 0, 1, "cancel", location_id=11)
    _line, pres_worth = refund_line(order, 0, 1, "cancel", location_id=11, currency="presentment_money")
    refund_tx = transaction(order, 5, "refund", pres_worth, currency="EUR", parent_id=sale_tx["id"])
    eur_refund = refund(order, 1, lines=[line], transactions=[refund_tx])

    def node(tx, shop, presentment):
        return {
            "__typename": "OrderTransaction",
            "id": tx["admin_graphql_api_id"],
            "amountSet": {
                "shopMoney": {"amount": str(shop), "currencyCode": "USD"},
                "presentmentMoney": {"amount": str(presentment), "currencyCode": "EUR"},
            },
            "amountRoundingSet": None,
        }

    yield (
        "generated_presentment_currency_transactions_and_refund",
        order,
        [event("order_transactions/create", sale_tx), event("refunds/create", eur_refund)],
        {
            "received": order["total_price"],
            "paid_back": str(worth),
            "credited": [str(worth)],
            "shopify_nodes": [node(sale_tx, order["total_price"], pres_total), node(refund_tx, worth, pres_worth)],
        },
    )


def pos_cases():
    # Cash at the counter (Shopify POS): the customer hands over more than the total and gets change
    # back, a transaction of kind change (GraphQL OrderTransactionKind CHANGE, "the money returned to
    # the customer when they've paid too much during a cash transaction").
    order = build(
        8601,
        [dict(LAMP, price="49.95")],
        extra={"source_name": "pos", "location_id": 11, "payment_gateway_names": ["cash"]},
    )
    handed = Decimal("60.00")
    change = handed - Decimal(order["total_price"])
    pos = {"source_name": "pos", "location_id": 11, "device_id": 4242}
    yield (
        "generated_pos_cash_sale_with_change",
        order,
        [
            event("order_transactions/create", transaction(order, 1, "sale", handed, gateway="cash", **pos)),
            event("order_transactions/create", transaction(order, 2, "change", change, gateway="cash", **pos)),
        ],
        {"received": str(handed), "paid_back": str(change), "credited": [], "settled": True},
    )


def other_cases():
    # A chargeback on a paid order, in the shape of Shopify's documented disputes/create example
    # (type chargeback, reason fraudulent, network reason 4837, under review).
    order = lamp_order(8701)
    dispute_id = order["id"] * 10 + 9
    chargeback = {
        "id": dispute_id,
        "admin_graphql_api_id": f"gid://shopify/ShopifyPaymentsDispute/{dispute_id}",
        "order_id": order["id"],
        "type": "chargeback",
        "amount": order["total_price"],
        "currency": order["currency"],
        "reason": "fraudulent",
        "network_reason_code": "4837",
        "status": "under_review",
        "evidence_due_by": "2026-12-10T19:00:00-05:00",
        "evidence_sent_on": None,
        "finalized_on": None,
        "initiated_at": "2026-11-25T19:00:00-05:00",
    }
    yield (
        "generated_dispute_chargeback_after_payment",
        order,
        [paid(order), event("disputes/create", chargeback), event("disputes/update", dict(chargeback, status="won"))],
        {"received": order["total_price"], "paid_back": "0.00", "credited": [], "dispute": "WON"},
    )

    # A fulfilment service (3PL) ships from its own location, which the store has not mapped to an
    # Odoo warehouse: nothing is delivered from a warehouse the goods did not leave.
    order = lamp_order(8702)
    yield (
        "generated_fulfillment_at_an_unmapped_3pl_location",
        order,
        [
            paid(order),
            event(
                "fulfillments/create",
                fulfillment(order, 1, [(0, 2)], service="shipbob", location_id=77_777),
                state="failed",
                category="configuration",
                error="gid://shopify/Location/77777",
            ),
        ],
        {
            "received": order["total_price"],
            "delivered": {"EV-LAMP": 0},
            "to_deliver": {"EV-LAMP": 2},
            "on_hand": {"EV-LAMP": STOCK},
        },
    )


def return_cases():
    # Goods sent back to a Shopify location the store has not mapped (a returns centre): the refund
    # fails as configuration naming the location, and nothing of it is kept (no credit note, no
    # refund payment, no stock), so Retry after mapping applies it whole.
    order = lamp_order(8801, qty=2)
    line, worth = refund_line(order, 0, 1, "return", location_id=88_888)
    back = refund(order, 1, lines=[line], transactions=[transaction(order, 5, "refund", worth)])
    yield (
        "generated_refund_return_to_an_unmapped_location",
        order,
        [
            paid(order),
            {"odoo": "deliver"},
            event(
                "refunds/create", back, state="failed", category="configuration", error="gid://shopify/Location/88888"
            ),
        ],
        {
            "received": order["total_price"],
            "paid_back": "0.00",
            "credited": [],
            "delivered": {"EV-LAMP": 2},
            "on_hand": {"EV-LAMP": STOCK - 2},
        },
    )


def split_restock_cases():
    # Two units refunded in one refund, one shipped and sent back (return), one never shipped
    # (cancel): Shopify lists the same line item twice, once per restock type (in either order).
    for number, first in ((8802, "return"), (8803, "cancel")):
        order = lamp_order(number, qty=2)
        returned, worth_returned = refund_line(order, 0, 1, "return", location_id=11)
        cancelled, worth_cancelled = refund_line(order, 0, 1, "cancel", location_id=11)
        cancelled["id"] += 1
        worth = worth_returned + worth_cancelled
        lines = [returned, cancelled] if first == "return" else [cancelled, returned]
        both = refund(order, 1, lines=lines, transactions=[transaction(order, 5, "refund", worth)])
        yield (
            f"generated_refund_one_line_{first}_listed_first_returned_and_cancelled_at_once",
            order,
            [
                paid(order),
                {"odoo": "deliver", "quantities": {"EV-LAMP": 1}},
                event("refunds/create", both),
            ],
            {
                "received": order["total_price"],
                "paid_back": str(worth),
                "credited": [str(worth)],
                # Shipped once (the sale order keeps what was sold and shipped; the return is its own
                # picking), nothing left to ship, the returned unit back in stock.
                "delivered": {"EV-LAMP": 1},
                "to_deliver": {"EV-LAMP": 0},
                "on_hand": {"EV-LAMP": STOCK},
            },
        )


# -- exchanges (Shopify Returns, Admin API 2023-04 and later) -------------------------------------
# The customer sends an item back in exchange for another. Shopify records a return; when it is
# processed, a refund whose "return" names it lists the returned line (restock_type return) and moves
# only the balance of money (none for an even exchange; Shopify floors the refund at 0 when the new
# item costs more and the customer pays the difference as a new sale), the exchange item becomes a new
# line item of the order (orders/updated, total_price with it), and it is fulfilled like any line.
ZERO_TAX = Decimal(0)
LAMP_LARGE = {"title": "Event lamp, large", "sku": "EV-LAMP-L", "variant_id": 9_100_031, "product_id": 9_100_000}


def exchanged_order(number, price, restock_type="return", item=None, status="success", vat=False):
    """A one-lamp order paid and shipped, and what Shopify sends once the lamp is exchanged for the
    large lamp at ``price``: the order with the exchange item (same line ids), the return's refund,
    the order's update listing it, and the money each way. ``vat``: a store whose prices include
    20% VAT."""
    if vat:
        taxes, options = [("VAT", 20)], {"taxes_included": True}
        shipping = [{"title": "Post", "price": "4.80", "taxes": taxes}]
        order = build(number, [dict(LAMP, price="49.95", qty=1, taxes=taxes)], shipping=shipping, **options)
        exchanged = build(
            number,
            [dict(LAMP, price="49.95", qty=1, taxes=taxes), dict(item or LAMP_LARGE, price=price, qty=1, taxes=taxes)],
            shipping=shipping,
            **options,
        )
    else:
        order = lamp_order(number, qty=1)
        exchanged = lamp_order(number, qty=1, extra_items=[dict(item or LAMP_LARGE, price=price, qty=1, taxes=CA)])
    exchange_item = exchanged["line_items"][1]
    returned, worth = refund_line(order, 0, 1, restock_type, location_id=11)
    new_worth = Decimal(exchange_item["price"]) + (
        ZERO_TAX if vat else sum(Decimal(t["price"]) for t in exchange_item["tax_lines"])
    )
    if vat:
        worth = Decimal(returned["subtotal_set"]["shop_money"]["amount"])  # the subtotal holds the VAT
    balance = worth - new_worth  # > 0: owed to the customer; < 0: the customer pays it
    return_id = order["id"] * 10 + 4
    money_back = (
        [transaction(order, 5, "refund", balance, status=status, parent_id=order["id"] * 10 + 1)] if balance > 0 else []
    )
    back = dict(
        refund(order, 1, lines=[returned], transactions=money_back, note="Exchange"),
        **{"return": {"id": return_id, "admin_graphql_api_id": f"gid://shopify/Return/{return_id}"}},
    )
    lamp = dict(exchanged["line_items"][0], current_quantity=0, fulfillable_quantity=0, fulfillment_status="fulfilled")
    updated = dict(
        exchanged,
        line_items=[lamp, exchange_item],
        refunds=[back],
        updated_at="2026-11-22T11:00:01-05:00",
        financial_status="partially_refunded" if balance > 0 else ("paid" if not balance else "partially_paid"),
    )
    expect = {
        "invoiced": str(Decimal(order["total_price"]) + new_worth),
        "received": str(Decimal(order["total_price"]) - min(balance, Decimal(0))),
        "paid_back": str(max(balance, Decimal(0))),
        "credited": [str(worth)],
        # The lamp shipped once and came back once; the exchange item shipped once.
        "delivered": {"EV-LAMP": 1, "EV-LAMP-L": 1},
        "to_deliver": {"EV-LAMP": 0, "EV-LAMP-L": 0},
        "on_hand": {"EV-LAMP": STOCK, "EV-LAMP-L": STOCK - 1},
    }
    return order, exchanged, back, updated, balance, expect


def exchange_events(order, exchanged, back, updated, refund_first=True, before=(), between=()):
    """The lamp paid and shipped; ``before`` (order updates); the return's refund and the order's
    update listing it, in the order given; ``between`` (the customer's payment of a difference);
    then the exchange item shipped."""
    middle = [event("refunds/create", back), event("orders/updated", updated)]
    if not refund_first:
        middle.reverse()
    return [
        paid(order),
        event("fulfillments/create", fulfillment(order, 1, [(0, 1)])),
        *before,
        *middle,
        *between,
        event("fulfillments/create", fulfillment(exchanged, 2, [(1, 1)])),
    ]


def exchange_cases():
    for number, price, label in (
        (8901, "49.95", "even"),
        (8902, "79.95", "customer_pays_the_difference"),
        (8903, "29.95", "difference_refunded_to_the_customer"),
    ):
        order, exchanged, back, updated, balance, expect = exchanged_order(number, price)
        difference = [paid(order, 2, amount=-balance)] if balance < 0 else []
        events = exchange_events(order, exchanged, back, updated, between=difference)
        # The refund comes before the order's update with the exchange items: its credit note waits
        # for their invoice, and the job says so (no "until the money goes back").
        expect.update(warning="the items the customer took in exchange", not_warned="until the money goes back")
        yield f"generated_exchange_{label}", order, events, expect

    # Shopify adds the exchange item to the order when the return is created (ReturnInput
    # exchangeLineItems, "the new line items to be added to the order"), before it is processed: an
    # orders/updated with the item and the lamp not refunded yet; then the return processed, its
    # refund delivered after the order's update that lists it.
    order, exchanged, back, updated, _balance, expect = exchanged_order(8904, "49.95")
    created = dict(exchanged, updated_at="2026-11-22T10:00:00-05:00", financial_status="partially_paid")
    yield (
        "generated_exchange_return_created_then_processed_refund_last",
        order,
        exchange_events(order, exchanged, back, updated, refund_first=False, before=[event("orders/updated", created)]),
        dict(expect, not_warned="until the money goes back"),
    )

    # The exchange item taken off the return before it is processed (removeFromReturn, or the return
    # cancelled): the order's update has the item with nothing left on it (current_quantity 0, no
    # refund). Odoo credits what it had invoiced for it and ships nothing; the lamp stays sold.
    order, exchanged, _back, _updated, _balance, _expect = exchanged_order(8906, "49.95")
    created = dict(exchanged, updated_at="2026-11-22T10:00:00-05:00", financial_status="partially_paid")
    withdrawn = dict(
        exchanged,
        line_items=[
            exchanged["line_items"][0],
            dict(exchanged["line_items"][1], current_quantity=0, fulfillable_quantity=0),
        ],
        updated_at="2026-11-22T12:00:00-05:00",
        # Shopify's totals without the removed item: the order's own.
        **{key: order[key] for key in order if key.startswith(("subtotal_price", "total_tax", "total_price"))},
    )
    exchange_worth = Decimal(created["total_price"]) - Decimal(order["total_price"])
    yield (
        "generated_exchange_item_removed_before_the_return_is_processed",
        order,
        [
            paid(order),
            event("fulfillments/create", fulfillment(order, 1, [(0, 1)])),
            event("orders/updated", created),
            event("orders/updated", withdrawn),
        ],
        {
            "invoiced": str(Decimal(order["total_price"]) + exchange_worth),
            "received": order["total_price"],
            "paid_back": "0.00",
            "credited": [str(exchange_worth)],
            "delivered": {"EV-LAMP": 1, "EV-LAMP-L": 0},
            "to_deliver": {"EV-LAMP": 0, "EV-LAMP-L": 0},
            "on_hand": {"EV-LAMP": STOCK - 1, "EV-LAMP-L": STOCK},
        },
    )

    # A faulty lamp replaced by the same lamp: the exchange item is a second line of the same variant.
    # Each line keeps its own units: the first shipped and came back, the second ships.
    order, exchanged, back, updated, _balance, expect = exchanged_order(8907, "49.95", item=LAMP)
    yield (
        "generated_exchange_for_the_same_item",
        order,
        exchange_events(order, exchanged, back, updated),
        dict(expect, delivered={"EV-LAMP": 2}, to_deliver={"EV-LAMP": 0}, on_hand={"EV-LAMP": STOCK - 1}),
    )

    # The cheaper exchange, its refund of the difference still pending at the gateway: the credit note
    # waits for that money (no payment booked), not for exchange items.
    order, exchanged, back, updated, balance, expect = exchanged_order(8908, "29.95", status="pending")
    yield (
        "generated_exchange_difference_refund_pending",
        order,
        exchange_events(order, exchanged, back, updated, refund_first=False),
        dict(
            expect,
            paid_back="0.00",
            settled=False,
            warning=f"Shopify's refund transaction of {balance} USD (shopify_payments) is pending",
            not_warned="the items the customer took in exchange",
        ),
    )

    # A store whose prices include 20% VAT (as in the EU): the cheaper exchange, the refund line's subtotal holding
    # its VAT (Shopify's REST refund in a tax-included store).
    order, exchanged, back, updated, _balance, expect = exchanged_order(8909, "29.95", vat=True)
    yield (
        "generated_exchange_vat_included_difference_refunded",
        order,
        exchange_events(order, exchanged, back, updated),
        dict(expect, warning="the items the customer took in exchange"),
    )

    # The returned lamp refunded without restock (no_restock): Shopify may have restocked it through
    # the return's disposition, which is not in the refund. Odoo's stock stays as it is and the job
    # says how to receive the goods if they came back.
    order, exchanged, back, updated, _balance, expect = exchanged_order(8905, "49.95", restock_type="no_restock")
    yield (
        "generated_exchange_returned_item_not_restocked",
        order,
        exchange_events(order, exchanged, back, updated, refund_first=False),
        dict(
            expect,
            on_hand={"EV-LAMP": STOCK - 1, "EV-LAMP-L": STOCK - 1},
            warning="without restocking 1 x",
            not_warned="until the money goes back",
        ),
    )


# -- the store's other topics: catalog, stock, privacy, uninstall, disputes --------------------
# A case without "order" plays only its events (tests/test_event_corpus.py, play_store); each starts
# from the same store: "backend" settings for it, "app_removed" when Shopify refuses the token.


def variant(product_id, number, title, sku=None, barcode=None, price="19.99", options=(), tracked=True):
    """A variant as products/create|update carry it (Shopify's documented REST shape)."""
    variant_id = product_id * 1000 + number
    body = {
        "admin_graphql_api_id": f"gid://shopify/ProductVariant/{variant_id}",
        "barcode": barcode,
        "compare_at_price": None,
        "created_at": "2026-11-19T19:00:00-05:00",
        "id": variant_id,
        "inventory_policy": "deny",
        "position": number,
        "price": price,
        "product_id": product_id,
        "sku": sku,
        "taxable": True,
        "title": title,
        "updated_at": "2026-11-20T10:00:00-05:00",
        "option1": None,
        "option2": None,
        "option3": None,
        "image_id": None,
        "inventory_item_id": variant_id + 500_000,
        "inventory_quantity": 0,
        "old_inventory_quantity": 0,
        # Older API versions; null when Shopify does not track the variant's stock.
        "inventory_management": "shopify" if tracked else None,
    }
    for position, value in enumerate(options, start=1):
        body[f"option{position}"] = value
    return body


def product_body(product_id, title, variants, options=(), status="active", variant_gids=None, **extra):
    """products/create|update: ``options`` [(name, [values])]; ``variant_gids`` every variant's id
    (Shopify lists all of them there but details only the first 100 in ``variants``)."""
    body = {
        "admin_graphql_api_id": f"gid://shopify/Product/{product_id}",
        "body_html": "",
        "created_at": "2026-11-19T19:00:00-05:00",
        "handle": title.lower().replace(" ", "-"),
        "id": product_id,
        "product_type": "",
        "published_at": None if status != "active" else "2026-11-19T19:00:00-05:00",
        "template_suffix": None,
        "title": title,
        "updated_at": "2026-11-20T10:00:00-05:00",
        "vendor": "Store events",
        "status": status,
        "published_scope": "web",
        "tags": "",
        "variants": variants,
        "options": [
            {"name": name, "values": values, "position": position, "product_id": product_id}
            for position, (name, values) in enumerate(options, start=1)
        ],
        "images": [],
        "image": None,
        "media": [],
        "variant_gids": [
            {"admin_graphql_api_id": gid, "updated_at": "2026-11-20T15:00:00.000Z"}
            for gid in (variant_gids or [v["admin_graphql_api_id"] for v in variants])
        ],
        "has_variants_that_requires_components": False,
        "category": None,
    }
    body.update(extra)
    return body


def gql_twin(body):
    """What Shopify's Admin API answers about a product (lib.queries.CATALOG_PRODUCT), every
    variant of it, first page of 100 then the rest."""
    names = [o["name"] for o in body["options"]]

    def node(raw):
        selected = [{"name": n, "value": raw[f"option{i}"]} for i, n in enumerate(names, start=1)]
        return {
            "id": raw["admin_graphql_api_id"],
            "title": raw["title"],
            "sku": raw["sku"] or "",
            "barcode": raw["barcode"],
            "price": raw["price"],
            "selectedOptions": selected or [{"name": "Title", "value": "Default Title"}],
            "inventoryItem": {
                "id": f"gid://shopify/InventoryItem/{raw['inventory_item_id']}",
                "tracked": raw["inventory_management"] == "shopify",
            },
        }

    nodes = [node(raw) for raw in body["_all_variants"]]
    return {
        "id": body["admin_graphql_api_id"],
        "title": body["title"],
        "status": body["status"].upper(),
        "updatedAt": "2026-11-20T15:00:00Z",
        "options": [{"name": o["name"], "optionValues": [{"name": v} for v in o["values"]]} for o in body["options"]],
        "variants": {"nodes": nodes[:100], "pageInfo": {"hasNextPage": len(nodes) > 100, "endCursor": "v1"}},
        "_more_variants": nodes[100:],
    }


def level(item_id, location_id, available, minute=0):
    """inventory_levels/update (Shopify's documented shape; the GraphQL id carries the exact item id)."""
    return {
        "inventory_item_id": item_id,
        "location_id": location_id,
        "available": available,
        "updated_at": f"2026-11-21T10:{minute:02d}:00-05:00",
        "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{location_id}?inventory_item_id={item_id}",
    }


def dispute(number, order_id, kind, status, amount, currency="USD", reason="fraudulent", code="4837"):
    """disputes/create|update, the shape of Shopify's documented example."""
    return {
        "id": number,
        "admin_graphql_api_id": f"gid://shopify/ShopifyPaymentsDispute/{number}",
        "order_id": order_id,
        "type": kind,
        "amount": amount,
        "currency": currency,
        "reason": reason,
        "network_reason_code": code,
        "status": status,
        "evidence_due_by": "2026-12-10T19:00:00-05:00",
        "evidence_sent_on": None,
        "finalized_on": None if status in ("needs_response", "under_review") else "2026-12-20T19:00:00-05:00",
        "initiated_at": "2026-11-25T19:00:00-05:00",
    }


CREATE = {"unmatched_variants": "create"}


def catalog_cases():
    # Shopify's documented products/create example: two variants (Small, Medium) with option1 set,
    # no options listed, SKU, barcode and inventory item null. Odoo makes one product; the second
    # variant is reported, not bound to the first's product.
    docs = product_body(
        9_300_000,
        "Store docs tee",
        [variant(9_300_000, 1, "Small", options=["Small"]), variant(9_300_000, 2, "Medium", options=["Medium"])],
    )
    for raw in docs["variants"]:
        raw["inventory_item_id"] = None
    yield (
        "generated_products_create_documented_example_no_options_no_sku",
        None,
        [event("products/create", docs)],
        {
            "backend": CREATE,
            "bound": {"gid://shopify/ProductVariant/9300000001": ""},
            "unbound": ["gid://shopify/ProductVariant/9300000002"],
            "warning": "Odoo cannot make this combination",
        },
    )

    # Two options (Size x Colour, 6 variants), one without SKU or barcode, one not tracked, then an
    # update renaming a SKU and archiving the product (store owns SKU and status), then delete (id only).
    options = [("Size", ["S", "M", "L"]), ("Colour", ["Red", "Blue"])]
    pid = 9_310_000
    variants = []
    for number, (size, colour) in enumerate(((s, c) for s in ("S", "M", "L") for c in ("Red", "Blue")), start=1):
        sku = None if number == 6 else f"RS-TEE-{size}-{colour.upper()}"
        barcode = None if number == 6 else f"0{pid + number:011d}"
        variants.append(
            variant(pid, number, f"{size} / {colour}", sku, barcode, options=[size, colour], tracked=number != 5)
        )
    created = product_body(pid, "Store tee", variants, options)
    renamed = json.loads(json.dumps(created))
    renamed["variants"][0]["sku"] = "RS-TEE-S-RED-2"
    renamed.update(status="archived", updated_at="2026-11-21T10:00:00-05:00")
    yield (
        "generated_products_two_options_create_update_archive_delete",
        None,
        [
            event("products/create", created),
            event("products/update", renamed),
            event("products/delete", {"id": pid}),
        ],
        {
            "backend": dict(CREATE, shopify_owns_sku=True, shopify_owns_status=True),
            "variants": {"Store tee": 6},
            "storable": {"RS-TEE-S-RED-2": True},
            # Odoo stocks per template: the untracked variant is flagged, not made a consumable.
            "tracked": {"RS-TEE-S-RED-2": True, "RS-TEE-L-RED": False},
            "archived": ["RS-TEE-S-RED-2"],
            "unbound": [v["admin_graphql_api_id"] for v in variants] + [f"gid://shopify/Product/{pid}"],
        },
    )

    # A product duplicated in Shopify (same options, same SKUs: both match the same Odoo products),
    # then the copy deleted: the original stays bound. products/delete carries only the id; Shopify's
    # Admin API answers the original's variants (the copy's are gone: null).
    original_id, copy_id = 9_360_000, 9_361_000
    colours = [("Colour", ["Red", "Blue"])]

    def cap(product_id, title):
        return product_body(
            product_id,
            title,
            [
                variant(product_id, 1, "Red", "RS-CAP-RED", options=["Red"]),
                variant(product_id, 2, "Blue", "RS-CAP-BLUE", options=["Blue"]),
            ],
            colours,
        )

    original, copy = cap(original_id, "Store cap"), cap(copy_id, "Store cap copy")
    yield (
        "generated_products_duplicate_matched_by_sku_then_the_copy_deleted",
        None,
        [event("products/create", original), event("products/create", copy), event("products/delete", {"id": copy_id})],
        {
            "backend": dict(CREATE, shopify_owns_status=True),
            "shopify_nodes": [
                {
                    "__typename": "ProductVariant",
                    "id": raw["admin_graphql_api_id"],
                    "sku": raw["sku"],
                    "barcode": None,
                    "product": {"id": original["admin_graphql_api_id"]},
                    "inventoryItem": {"id": f"gid://shopify/InventoryItem/{raw['inventory_item_id']}"},
                }
                for raw in original["variants"]
            ],
            "bound": {
                **{raw["admin_graphql_api_id"]: raw["sku"] for raw in original["variants"]},
                **{
                    f"gid://shopify/InventoryItem/{raw['inventory_item_id']}": raw["sku"]
                    for raw in original["variants"]
                },
                original["admin_graphql_api_id"]: "",
            },
            "unbound": [raw["admin_graphql_api_id"] for raw in copy["variants"]] + [copy["admin_graphql_api_id"]],
            "active": ["RS-CAP-RED", "RS-CAP-BLUE"],
        },
    )

    # A draft product whose every variant is untracked: products Odoo does not stock.
    draft = product_body(
        9_320_000,
        "Store gift wrap",
        [variant(9_320_000, 1, "Default Title", "RS-WRAP", tracked=False)],
        [("Title", ["Default Title"])],
        status="draft",
    )
    yield (
        "generated_products_create_draft_untracked",
        None,
        [event("products/create", draft)],
        {
            "backend": CREATE,
            "bound": {"gid://shopify/ProductVariant/9320000001": "RS-WRAP"},
            "storable": {"RS-WRAP": False},
        },
    )

    # 120 variants (Shopify allows 2048): the webhook details the first 100 and lists all 120 in
    # variant_gids. Every one must be bound: the rest is read from Shopify's Admin API.
    pid = 9_330_000
    sizes = [f"W{w}" for w in range(24, 44)]
    colours = ["Black", "Blue", "Grey", "Sand", "Olive", "White"]
    every = [
        variant(pid, number, f"{w} / {c}", f"RS-JEAN-{w}-{c.upper()}", options=[w, c])
        for number, (w, c) in enumerate(((w, c) for w in sizes for c in colours), start=1)
    ]
    big = product_body(
        pid,
        "Store jeans",
        every[:100],
        [("Waist", sizes), ("Colour", colours)],
        variant_gids=[v["admin_graphql_api_id"] for v in every],
    )
    twin = gql_twin(dict(big, _all_variants=every))
    yield (
        "generated_products_create_120_variants_first_100_detailed",
        None,
        [event("products/create", big)],
        {
            "backend": CREATE,
            "shopify_products": [twin],
            "variants": {"Store jeans": 120},
            "bound": {
                every[0]["admin_graphql_api_id"]: "RS-JEAN-W24-BLACK",
                every[-1]["admin_graphql_api_id"]: "RS-JEAN-W43-WHITE",
            },
        },
    )

    # A bundle (has_variants_that_requires_components): its variant is an ordinary product here
    # until a shopify.sync.bundle maps it.
    bundle = product_body(
        9_340_000,
        "Store bundle",
        [variant(9_340_000, 1, "Default Title", "RS-BUNDLE")],
        [("Title", ["Default Title"])],
        has_variants_that_requires_components=True,
    )
    yield (
        "generated_products_create_bundle_parent",
        None,
        [event("products/create", bundle)],
        {"backend": CREATE, "bound": {"gid://shopify/ProductVariant/9340000001": "RS-BUNDLE"}},
    )


def stock_cases():
    pid = 9_350_000
    body = product_body(
        pid,
        "Store mug",
        [
            variant(pid, 1, "Default Title", "RS-MUG"),
            variant(pid, 2, "Default Title", "RS-MUG-UNTRACKED", tracked=False),
        ],
    )
    body["variants"][1]["title"] = "Plain"
    body["variants"][0]["title"] = "Printed"
    body["variants"][0]["option1"], body["variants"][1]["option1"] = "Printed", "Plain"
    body["options"] = [{"name": "Style", "values": ["Printed", "Plain"], "position": 1, "product_id": pid}]
    item, untracked = body["variants"][0]["inventory_item_id"], body["variants"][1]["inventory_item_id"]
    item_gid, untracked_gid = f"gid://shopify/InventoryItem/{item}", f"gid://shopify/InventoryItem/{untracked}"
    yield (
        "generated_inventory_levels_agree_null_unknown_unmapped_negative",
        None,
        [
            event("products/create", body),
            {"odoo": "stock", "sku": "RS-MUG", "quantity": 7},
            # Shopify's own echo of Odoo's export: they agree.
            {"odoo": "export"},
            event("inventory_levels/update", level(item, 11, 7)),
            # Not tracked in Shopify (bold-commerce/bold-shopify-toolkit#74: available null).
            event("inventory_levels/update", level(untracked, 11, None)),
            # An inventory item no Odoo product is bound to.
            event("inventory_levels/update", level(9_999_999_001, 11, 4)),
            # A location the store has not mapped.
            event(
                "inventory_levels/update",
                level(item, 55_555, 3, minute=1),
                state="failed",
                category="configuration",
                error="gid://shopify/Location/55555",
            ),
            # Oversold in Shopify: drift, Odoo's stock untouched.
            event(
                "inventory_levels/update",
                level(item, 11, -2, minute=2),
                state="failed",
                category="data",
                error="Shopify -2, Odoo 7",
            ),
        ],
        {
            "backend": CREATE,
            "shopify_inventory": True,
            "stock_levels": {item_gid: 7, untracked_gid: None},
            "on_hand": {"RS-MUG": 7},
        },
    )


def privacy_cases():
    # A customer's order, then customers/data_request and customers/redact for them. Ids as strings
    # (a .NET model of the payload types them so: Exico.Shopify RedactCustomer, orders_to_redact as
    # List<string>), phone null (a Rails app's logged redact job).
    order = lamp_order(8901)
    customer = order["customer"]
    request = {
        "shop_id": 954889,
        "shop_domain": "store-events.myshopify.com",
        "customer": {"id": customer["id"], "email": customer["email"], "phone": None},
        "orders_requested": [order["id"]],
        "data_request": {"id": 8901},
    }
    yield (
        "generated_customers_data_request_orders_requested",
        None,
        [event("orders/create", order), event("customers/data_request", request)],
        {"exported_orders": [order["name"]]},
    )
    order = lamp_order(8903)
    customer = order["customer"]
    redact = {
        "shop_id": "954889",
        "shop_domain": "store-events.myshopify.com",
        "customer": {"id": str(customer["id"]), "email": customer["email"], "phone": None},
        "orders_to_redact": [str(order["id"])],
    }
    yield (
        "generated_customers_redact_ids_as_strings_phone_null",
        None,
        [event("orders/create", order), event("customers/redact", redact)],
        {
            "erased": [customer["email"], customer["last_name"]],
            "anonymised": [customer["email"], customer["last_name"]],
        },
    )

    # shop/redact and app/uninstalled: refused while Shopify still serves the store, applied once
    # Shopify refuses its token. The shop body is Shopify's documented app/uninstalled example's shape.
    shop = {
        "id": 548380009,
        "name": "Store Events",
        "email": "owner@store-events.example",
        "domain": None,
        "province": "Tennessee",
        "country": "US",
        "address1": "190 MacLaren Street",
        "zip": "37178",
        "city": "Houston",
        "phone": "3213213210",
        "primary_locale": "en",
        "country_code": "US",
        "currency": "USD",
        "shop_owner": "Store Owner",
        "plan_name": "enterprise",
        "myshopify_domain": None,
        "primary_location_id": 11,
        "enabled_presentment_currencies": ["USD"],
    }
    yield (
        "generated_app_uninstalled_while_connected_is_refused",
        None,
        [event("app/uninstalled", shop, state="failed", category="data", error="still accepts")],
        {"disconnected": False},
    )
    yield (
        "generated_app_uninstalled_then_shop_redact",
        None,
        [
            event("orders/create", lamp_order(8902)),
            event("app/uninstalled", shop),
            event("shop/redact", {"shop_id": 548380009, "shop_domain": "store-events.myshopify.com"}),
        ],
        {
            "app_removed": True,
            "disconnected": True,
            "credentials_removed": True,
            # The order's payload is erased; contacts are the merchant's records: they stay.
            "erased": ["buyer8902@example.com"],
        },
    )


def dispute_cases():
    # An inquiry on a paid order: needs_response, under_review, then lost (GraphQL's enum and the
    # REST statuses of Shopify's dispute reference).
    order = lamp_order(8704)
    number = order["id"] * 10 + 9
    steps = [
        dispute(
            number, order["id"], "inquiry", status, order["total_price"], reason="product_not_received", code="13.1"
        )
        for status in ("needs_response", "under_review", "lost")
    ]
    yield (
        "generated_dispute_inquiry_needs_response_under_review_lost",
        order,
        [
            paid(order),
            event("disputes/create", steps[0]),
            event("disputes/update", steps[1]),
            event("disputes/update", steps[2]),
        ],
        {"received": order["total_price"], "paid_back": "0.00", "credited": [], "dispute": "LOST"},
    )
    # Shopify's documented example as it is: a chargeback in CAD on an order Odoo never imported,
    # then accepted, then charge_refunded.
    number = 9_400_001
    yield (
        "generated_dispute_cad_chargeback_for_an_order_not_imported",
        None,
        [
            event("disputes/create", dispute(number, 9_400_000, "chargeback", "under_review", "11.50", "CAD")),
            event("disputes/update", dispute(number, 9_400_000, "chargeback", "accepted", "11.50", "CAD")),
            event("disputes/update", dispute(number, 9_400_000, "chargeback", "charge_refunded", "11.50", "CAD")),
        ],
        {
            "disputes": {
                f"gid://shopify/ShopifyPaymentsDispute/{number}": {
                    "status": "CHARGE_REFUNDED",
                    "kind": "CHARGEBACK",
                    "amount": "11.50",
                    "currency": "CAD",
                }
            }
        },
    )


def main():
    os.makedirs(HERE, exist_ok=True)
    every = [
        *cases(),
        *more_cases(),
        *pos_cases(),
        *other_cases(),
        *return_cases(),
        *split_restock_cases(),
        *exchange_cases(),
        *catalog_cases(),
        *stock_cases(),
        *privacy_cases(),
        *dispute_cases(),
    ]
    for name, order, events, expect in every:
        if "received" in expect and expect["received"] != "0.00":
            # Every invoice, credit note and payment matched: nothing left open on the customer.
            expect.setdefault("settled", True)
        path = os.path.join(HERE, f"{name}.json")
        with open(path, "w", encoding="utf-8") as handle:
            case = {"order": order, "events": events, "expect": expect}
            if order is None:  # the store's other topics: no order
                del case["order"]
            for key in ("shopify_nodes", "shopify_products", "shopify_inventory", "backend", "app_removed"):
                if key in expect:  # what Shopify's Admin API answers; the store's settings
                    case[key] = expect.pop(key)
            json.dump(case, handle, indent=1)
            handle.write("\n")
        print(path)


if __name__ == "__main__":
    main()
