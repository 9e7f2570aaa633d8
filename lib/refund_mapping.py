"""Shopify ``refunds/create`` payload -> plain, Decimal-exact structure (no ORM).

Shopify's arithmetic for a refund (REST shape):

    refunded = sum(refund line subtotal + tax) + sum(shipping refunded + tax)
               - sum(order adjustment amount + tax)

Order adjustments are "calculated minus actual": a positive one means less money went back than
the lines are worth (a refund discrepancy). An adjustment's ``amount`` is without tax, its
``tax_amount`` added to it. In a store whose prices include tax a refunded line's ``subtotal`` holds
its tax (``total_tax`` is the part of it), while refunded shipping still comes without its tax:

    refunded = sum(refund line subtotal) + sum(shipping refunded + tax) - sum(adjustment amount + tax)

Before API 2024-10 a refunded shipping cost came as an adjustment of kind ``shipping_refund`` with
a negative amount; from 2024-10 it comes in ``refund_shipping_lines``, and Shopify still sends the
``shipping_refund`` adjustment beside it for the same money (its documented refund of 5.00 shipping,
REST 2025-10 and 2026-01): a body with ``refund_shipping_lines`` is read from them alone, an older
one from its adjustments, so either payload gives the same credit note.

Duties given back come in ``duties`` ([{duty_id, amount_set}], ``total_duties_set`` their sum), apart
from the lines they were charged on: ``refunded`` above adds them.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .gid import payload_gid, to_gid
from .order_mapping import ZERO, amount, money
from .transaction_mapping import parse_transaction

RESTOCK_TYPES = ("return", "cancel", "legacy_restock")
# On sale.shopify_sync_state, from the order version applied (order_refunds):
REFUNDS_KEY = "shopify_refunds"  # [[refund GID, created_at]] of the refunds the order lists
# On sale.shopify_sync_state, from every order version processed, applied or older (order_version):
VERSIONS_KEY = "shopify_versions"  # [[updated_at, total_price, total_outstanding, received, [refund GIDs]]]
KEPT_VERSIONS = 40


@dataclass
class RefundLine:
    line_item_gid: str
    variant_gid: str
    sku: str
    title: str
    quantity: Decimal
    subtotal: Decimal  # net of discounts, for ``quantity``; tax included when the store's prices include it
    tax: Decimal
    restock_type: str  # no_restock, cancel, return, legacy_restock
    location_id: object = None  # Shopify location id (or None)
    unit_price: Decimal = ZERO  # the line item's undiscounted price
    gift_card: bool = False  # a gift card sold (``line_item.gift_card``): a debt to its holder, not goods

    @property
    def restocks(self):
        return self.restock_type in RESTOCK_TYPES


@dataclass
class Adjustment:
    kind: str
    reason: str
    amount: Decimal  # calculated minus actual (positive: less refunded), without tax
    tax: Decimal  # added to ``amount``


@dataclass
class Refund:
    gid: str
    order_gid: str
    note: str
    created_at: str
    lines: list
    shipping: Decimal  # refunded shipping, untaxed (in either kind of store)
    shipping_tax: Decimal
    adjustments: list = field(default_factory=list)
    transactions: list = field(default_factory=list)  # successful refund OrderTransactions
    pending: list = field(default_factory=list)  # refund OrderTransactions Shopify has not settled yet
    duties: Decimal = ZERO  # duties given back (untaxed, as Shopify gives them)
    # The order's prices include tax (its ``taxes_included``, not in the refund body): a refunded
    # line's subtotal then holds its tax; shipping and adjustments still come without theirs.
    taxes_included: bool = False
    # The Shopify return this refund processes (``return`` {id, admin_graphql_api_id}, API 2023-04 and
    # later), or None: what it does not pay back in money usually pays for the exchange items.
    return_gid: str = None

    @property
    def lines_total(self):
        if self.taxes_included:
            return sum((line.subtotal for line in self.lines), ZERO)
        return sum((line.subtotal + line.tax for line in self.lines), ZERO)

    @property
    def adjustments_total(self):
        return sum((adj.amount + adj.tax for adj in self.adjustments), ZERO)

    @property
    def total(self):
        """What Shopify gave back, tax included."""
        return self.lines_total + self.shipping + self.shipping_tax + self.duties - self.adjustments_total

    @property
    def total_tax(self):
        return (
            sum((line.tax for line in self.lines), ZERO)
            + self.shipping_tax
            - sum((adj.tax for adj in self.adjustments), ZERO)
        )


def parse_refund(payload, currency_mode="shop"):
    lines = []
    for item in payload.get("refund_line_items") or []:
        line_item = item.get("line_item") or {}
        lines.append(
            RefundLine(
                line_item_gid=to_gid("LineItem", line_item.get("admin_graphql_api_id") or item.get("line_item_id")),
                variant_gid=to_gid("ProductVariant", line_item["variant_id"]) if line_item.get("variant_id") else None,
                sku=line_item.get("sku") or None,
                title=line_item.get("name") or line_item.get("title") or "",
                quantity=Decimal(str(item.get("quantity") or 0)),
                subtotal=amount(item, "subtotal", currency_mode),
                tax=amount(item, "total_tax", currency_mode),
                restock_type=item.get("restock_type") or "no_restock",
                location_id=item.get("location_id"),
                unit_price=amount(line_item, "price", currency_mode),
                gift_card=bool(line_item.get("gift_card")),
            )
        )
    shipping = shipping_tax = ZERO
    for ship in payload.get("refund_shipping_lines") or []:
        shipping += amount(ship, "subtotal_amount", currency_mode)
        shipping_tax += amount(ship, "tax_amount", currency_mode)
    shipping_lines_given = bool(payload.get("refund_shipping_lines"))
    adjustments = {}  # (kind, reason) -> Adjustment: Shopify may send one discrepancy and its reverse
    for adj in payload.get("order_adjustments") or []:
        value, tax = amount(adj, "amount", currency_mode), amount(adj, "tax_amount", currency_mode)
        if adj.get("kind") == "shipping_refund":
            if not shipping_lines_given:
                # Legacy shape of a shipping refund: negative "calculated minus actual".
                shipping -= value
                shipping_tax -= tax
            continue  # else the same money as refund_shipping_lines
        kind, reason = adj.get("kind") or "refund_discrepancy", adj.get("reason") or ""
        known = adjustments.setdefault((kind, reason), Adjustment(kind=kind, reason=reason, amount=ZERO, tax=ZERO))
        known.amount += value
        known.tax += tax
    duties = sum((amount(duty, "amount", currency_mode) for duty in _dicts(payload.get("duties"))), ZERO)
    order_gid = to_gid("Order", payload.get("order_id")) if payload.get("order_id") else None
    # Amounts stay in the transaction's own currency (the customer's, in REST bodies): the
    # handler books them in the store's chosen currency (handlers/transactions.py).
    refunds = [
        tx
        for tx in (parse_transaction(raw, order_gid) for raw in payload.get("transactions") or [])
        if tx.kind == "refund"
    ]
    return Refund(
        gid=payload_gid("Refund", payload),
        order_gid=order_gid,
        note=payload.get("note") or "",
        created_at=payload.get("processed_at") or payload.get("created_at"),
        lines=lines,
        shipping=shipping,
        shipping_tax=shipping_tax,
        adjustments=[adj for adj in adjustments.values() if adj.amount or adj.tax],
        transactions=[tx for tx in refunds if tx.is_money],
        pending=[tx for tx in refunds if tx.status == "pending"],
        duties=duties,
        return_gid=payload_gid("Return", payload.get("return")),
    )


def shopify_received(order_payload, currency_mode="shop"):
    """What Shopify had received for an order when it sent this ``orders/*`` body (GraphQL's
    ``totalReceived``, before refunds): its net payment, ``current_total_price - total_outstanding``
    (``total_outstanding`` is negative while Shopify owes the customer an edit's balance), plus what
    the refunds it lists paid back. None when the body cannot tell: no ``total_outstanding`` or
    ``current_total_price`` (an older or pulled body), a listed refund without its transactions, or
    a customer currency other than the store's (``total_outstanding`` is in the store's money, refund
    transactions in the customer's)."""
    payload = order_payload
    if payload.get("total_outstanding") in (None, "") or "refunds" not in payload:
        return None
    if payload.get("current_total_price") in (None, "") and not payload.get("current_total_price_set"):
        return None
    currency = payload.get("currency")
    if (payload.get("presentment_currency") or currency) != currency:
        return None
    refunds = payload.get("refunds") or []
    if not isinstance(refunds, list) or any(not isinstance(r, dict) or "transactions" not in r for r in refunds):
        return None
    order_gid = payload_gid("Order", payload)
    try:
        paid_back = ZERO
        for refund in refunds:
            for raw in refund["transactions"] or []:
                tx = parse_transaction(raw, order_gid)
                if tx.kind == "refund" and tx.is_money:
                    paid_back += tx.amount_in(currency, currency_mode) or tx.amount
        net = amount(payload, "current_total_price", currency_mode) - money(payload["total_outstanding"])
    except (ArithmeticError, TypeError, ValueError, AttributeError):
        return None  # figures Shopify does not send: unknown, Odoo's books decide
    return net + paid_back


def order_refunds(order_payload):
    """REFUNDS_KEY of an ``orders/*`` body: the refunds it lists, with their dates."""
    return [
        [payload_gid("Refund", refund), _text(refund.get("processed_at") or refund.get("created_at"))]
        for refund in _listed(order_payload)
        if refund.get("id") or refund.get("admin_graphql_api_id")
    ]


def order_version(order_payload, currency_mode="shop"):
    """Shopify's money figures of one order version, as kept in VERSIONS_KEY: [updated_at,
    total_price (after edits, refunds not deducted), total_outstanding, received (shopify_received),
    sorted GIDs of the refunds it lists]; None when the body cannot tell them."""
    payload = order_payload
    received = shopify_received(payload, currency_mode)
    if received is None or not isinstance(payload.get("updated_at"), str):
        return None
    try:
        _when(payload["updated_at"])
    except ValueError:
        return None  # not a date Shopify sends: the order import says so, not this
    return [
        payload["updated_at"],
        str(amount(payload, "total_price", currency_mode)),
        str(money(payload["total_outstanding"])),
        str(received),
        sorted(payload_gid("Refund", refund) for refund in _listed(payload)),
    ]


def kept_versions(versions, version):
    """``versions`` with ``version`` added (once per updated_at), the newest KEPT_VERSIONS."""
    rows = {row[0]: row for row in versions or []}
    rows[version[0]] = version
    return sorted(rows.values(), key=lambda row: _when(row[0]))[-KEPT_VERSIONS:]


def refund_balance(versions, refund_gid):
    """What a refund paid back of what Shopify owed the customer (an edit's "refund owed"), from
    the order versions Shopify sent just before and just after it: the newest not listing the refund
    and the oldest listing it, when they differ by this refund only. Outstanding = current total -
    (received - refunded), so between them

        paid back = change of total_outstanding - change of total_price + change of received

    (payments and edits in between cancel out). None when no such pair of versions was seen."""
    rows = sorted(versions or [], key=lambda row: _when(row[0]))
    before = [row for row in rows if refund_gid not in row[4]]
    after = [row for row in rows if refund_gid in row[4]]
    if not before or not after:
        return None
    before, after = before[-1], after[0]
    if set(after[4]) != set(before[4]) | {refund_gid} or _when(before[0]) > _when(after[0]):
        return None
    outstanding, total, received = (Decimal(after[i]) - Decimal(before[i]) for i in (2, 1, 3))
    return outstanding - total + received


def _dicts(value):
    """The objects of a list Shopify sends (its Refund resource example wraps it: {"duties": [...]})."""
    if isinstance(value, dict):
        value = next(iter(value.values()), None) if len(value) == 1 else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value):
    return value if isinstance(value, str) else None


def _listed(order_payload):
    refunds = order_payload.get("refunds")
    return [refund for refund in refunds if isinstance(refund, dict)] if isinstance(refunds, list) else []


def _when(text):
    """A Shopify timestamp (ISO 8601, fractions up to nanoseconds, any offset) as an aware datetime."""
    return datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00")))
