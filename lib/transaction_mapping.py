"""Shopify order transactions (``order_transactions/create`` body, the ``transactions`` of a
refund, or GraphQL ``Order.transactions`` converted by lib/order_graphql) -> plain structure.

Money moves only as transactions: a successful SALE or CAPTURE brought money in, a successful
REFUND or CHANGE (cash handed back at the counter) sent it back. An AUTHORIZATION only reserves
money and a VOID releases a reservation: neither is money in the books.

The REST body gives ``amount`` in the currency the customer paid in (``currency``); a GraphQL
transaction carries both monies (``amount_set``). ``amount_in`` answers in the currency the books
are kept in, or None when only a Shopify look-up can tell (handlers/transactions.py does it).

Cash rounding (Shopify POS, in countries without small coins): a cash transaction keeps the exact
``amount`` of the order and carries its ``amount_rounding`` (REST, the customer's currency) or
``amountRoundingSet`` (GraphQL, both monies); the cash that changed hands is their sum, e.g. 10.03
+ 0.02 = 10.05 paid, or a refund of 5.02 - 0.02 = 5.00 given back. ``rounding_in`` answers as
``amount_in`` does.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from .gid import payload_gid, to_gid
from .order_mapping import ZERO, money

MONEY_IN = ("sale", "capture")
# A refund, or the change handed back at a Shopify POS counter when cash paid more than the total
# (kind CHANGE: "the money returned to the customer when they've paid too much during a cash
# transaction"): both are money given back to the customer.
MONEY_OUT = ("refund", "change")
_FRACTION_RE = re.compile(r"(\.\d{6})\d+")


@dataclass
class OrderTransaction:
    gid: str
    order_gid: str
    kind: str  # sale, capture, authorization, refund, void (lower case)
    status: str  # success, pending, failure, error
    gateway: str
    amount: Decimal  # in ``currency``
    currency: str
    processed_at: str
    amount_set: dict = None  # {"shop_money": {...}, "presentment_money": {...}} when known
    test: bool = False
    amount_rounding: Decimal = None  # cash rounding in ``currency``; None when Shopify sent none
    amount_rounding_set: dict = None  # the same in both monies, when known

    @property
    def is_money(self):
        return self.status == "success" and self.kind in MONEY_IN + MONEY_OUT

    @property
    def inbound(self):
        return self.kind in MONEY_IN

    def amount_in(self, currency_code, currency_mode):
        """The amount in ``currency_code`` (the books' currency for ``currency_mode``), or None."""
        bag = (self.amount_set or {}).get(f"{currency_mode}_money") or {}
        if bag.get("amount") is not None and (bag.get("currency_code") or currency_code) == currency_code:
            return money(bag["amount"])
        if not self.currency or self.currency == currency_code:
            return self.amount
        return None

    def rounding_in(self, currency_code, currency_mode):
        """The cash rounding in ``currency_code`` (zero when there is none), or None when only a
        Shopify look-up can tell."""
        bag = (self.amount_rounding_set or {}).get(f"{currency_mode}_money") or {}
        if bag.get("amount") is not None and (bag.get("currency_code") or currency_code) == currency_code:
            return money(bag["amount"])
        if not self.amount_rounding:
            return ZERO  # no rounding is zero in every currency
        if not self.currency or self.currency == currency_code:
            return self.amount_rounding
        return None


def parse_transaction(payload, order_gid=None):
    kind = (payload.get("kind") or "").lower()
    return OrderTransaction(
        gid=payload_gid("OrderTransaction", payload),
        order_gid=order_gid or (to_gid("Order", payload["order_id"]) if payload.get("order_id") else None),
        kind=kind,
        status=(payload.get("status") or "").lower(),
        gateway=payload.get("gateway") or "manual",
        amount=money(payload.get("amount")),
        currency=payload.get("currency"),
        processed_at=payload.get("processed_at") or payload.get("created_at"),
        amount_set=payload.get("amount_set"),
        test=bool(payload.get("test")),
        amount_rounding=money(payload["amount_rounding"]) if payload.get("amount_rounding") is not None else None,
        amount_rounding_set=payload.get("amount_rounding_set"),
    )


def local_date(value, tz_name=None):
    """The calendar date of a Shopify timestamp in ``tz_name`` (the company's timezone); without
    one, the date as Shopify wrote it (the shop's own offset). None when there is no timestamp."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(_FRACTION_RE.sub(r"\1", value.replace("Z", "+00:00")))
    except ValueError:
        return None
    if tz_name:
        if not parsed.tzinfo:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(ZoneInfo(tz_name)).date()
    return parsed.date()
