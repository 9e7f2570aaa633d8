"""refunds/create webhook bodies in Shopify's REST shape, built from an ``order_payload`` with
Shopify's arithmetic in Decimal: a refunded line's subtotal is its share of the discounted line
total, its tax is computed on that subtotal per tax line and rounded half-up to the cent, refunded
shipping is taxed the same way, and the transaction gives back

    lines (subtotal + tax) + shipping (+ tax) - order adjustments (amount + tax).

In a store whose prices include tax (``taxes_included``) a line's subtotal is in its price's terms,
tax included (the tax is the part of it), while a refunded shipping line's ``subtotal_amount`` and
an order adjustment's ``amount`` are without tax, their ``tax_amount`` added to it:

    lines subtotal + shipping (+ tax) - order adjustments (amount + tax).
"""

import itertools
from decimal import Decimal

from .order_payloads import CENT, _round, _set

_ids = itertools.count(7_000_000_001)


def _tax(amount, tax_lines, included):
    total_rate = sum(Decimal(str(t["rate"])) for t in tax_lines)
    tax = Decimal(0)
    for line in tax_lines:
        rate = Decimal(str(line["rate"]))
        tax += _round(amount * rate / (1 + total_rate)) if included else _round(amount * rate)
    return tax


def refund_payload(
    order,
    lines=(),
    shipping=None,
    adjustments=(),
    transactions="auto",
    gateway="shopify_payments",
    legacy_shipping=False,
    refund_id=None,
    note=None,
):
    """lines: dicts {index, quantity, restock_type ('no_restock'|'return'|'cancel'), location_id};
    shipping: amount refunded (str, as the order's shipping price: tax included when the store's
    prices include it) or "full"; adjustments: [(amount, tax, reason)] or [(amount, tax, reason,
    kind)] in Shopify's "calculated minus actual" sign (positive: less given back), amount without tax.

    Returns (payload, expected) where expected = {"total", "tax"} of the refund, as Decimal."""
    currency = order["currency"]
    included = order["taxes_included"]
    refund_id = refund_id or next(_ids)
    refund_lines, total, total_tax = [], Decimal(0), Decimal(0)
    for spec in lines:
        item = order["line_items"][spec.get("index", 0)]
        quantity = int(spec.get("quantity", item["quantity"]))
        discount = sum((Decimal(a["amount"]) for a in item["discount_allocations"]), Decimal(0))
        line_net = Decimal(item["price"]) * item["quantity"] - discount
        subtotal = line_net if quantity == item["quantity"] else _round(line_net * quantity / item["quantity"])
        tax = (
            sum((Decimal(t["price"]) for t in item["tax_lines"]), Decimal(0))
            if quantity == item["quantity"]
            else _tax(subtotal, item["tax_lines"], included)
        )
        total += subtotal if included else subtotal + tax
        total_tax += tax
        refund_lines.append(
            {
                "id": next(_ids),
                "quantity": quantity,
                "line_item_id": item["id"],
                "location_id": spec.get("location_id"),
                "restock_type": spec.get("restock_type", "no_restock"),
                "subtotal": float(subtotal),
                "total_tax": float(tax),
                "subtotal_set": _set(subtotal, currency),
                "total_tax_set": _set(tax, currency),
                "line_item": item,
            }
        )
    shipping_lines, order_adjustments = [], []
    if shipping:
        ship = order["shipping_lines"][0]
        amount = Decimal(ship["price"]) if shipping == "full" else Decimal(shipping)
        tax = _tax(amount, ship["tax_lines"], included)
        if included:
            amount -= tax  # refunded shipping is reported without its tax
        total += amount + tax
        total_tax += tax
        if legacy_shipping:
            order_adjustments.append(
                {
                    "id": next(_ids),
                    "order_id": order["id"],
                    "refund_id": refund_id,
                    "kind": "shipping_refund",
                    "reason": "Shipping refund",
                    "amount": f"{-amount}",
                    "tax_amount": f"{-tax}",
                    "amount_set": _set(-amount, currency),
                    "tax_amount_set": _set(-tax, currency),
                }
            )
        else:
            shipping_lines.append(
                {
                    "id": next(_ids),
                    "shipping_line_id": ship["id"],
                    "subtotal_amount_set": _set(amount, currency),
                    "tax_amount_set": _set(tax, currency),
                    "shipping_line": ship,
                }
            )
    for amount, tax, reason, *kind in adjustments:
        amount, tax = Decimal(amount), Decimal(tax)
        total -= amount + tax
        total_tax -= tax
        order_adjustments.append(
            {
                "id": next(_ids),
                "order_id": order["id"],
                "refund_id": refund_id,
                "kind": kind[0] if kind else "refund_discrepancy",
                "reason": reason,
                "amount": f"{amount}",
                "tax_amount": f"{tax}",
                "amount_set": _set(amount, currency),
                "tax_amount_set": _set(tax, currency),
            }
        )
    if transactions == "auto":
        transactions = [total] if total else []
    return {
        "id": refund_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "order_id": order["id"],
        "created_at": "2026-11-25T10:00:00-05:00",
        "processed_at": "2026-11-25T10:00:00-05:00",
        "note": note,
        "user_id": 548380009,
        "restock": any(spec.get("restock_type", "no_restock") != "no_restock" for spec in lines),
        "duties": [],
        "total_duties_set": _set(Decimal(0), currency),
        "return": None,
        "refund_line_items": refund_lines,
        "refund_shipping_lines": shipping_lines,
        "order_adjustments": order_adjustments,
        "transactions": [
            {
                "id": next(_ids),
                "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{refund_id}{n}",
                "order_id": order["id"],
                "kind": "refund",
                "gateway": gateway,
                "status": "success",
                "amount": f"{Decimal(value).quantize(CENT)}",
                "currency": currency,
                "created_at": "2026-11-25T10:00:00-05:00",
                "processed_at": "2026-11-25T10:00:00-05:00",
                "test": False,
                "source_name": "web",
            }
            for n, value in enumerate(transactions)
        ],
    }, {"total": total.quantize(CENT), "tax": total_tax.quantize(CENT)}
