"""A Shopify order that lives: create, edit (add, remove, reduce a line), fulfil (in part, at a
location), refund (each restock type, shipping), cancel; every event is the webhook body Shopify
would send at that moment, in the REST shape, with Shopify's arithmetic (tests/order_payloads.py,
tests/refund_payloads.py), and the order's own bookkeeping per line:

    ordered, removed (edits), refunded [(refund id, units, restock type)], fulfilled

from which Shopify's ``current_quantity`` and ``fulfillable_quantity`` follow. ``expected()`` says
what Odoo must hold once every event was applied, whatever their order of arrival.

With ``books=True`` the order also moves money as Shopify does: ``order_transactions/create``
bodies (built on Shopify's published example of that webhook) for the payment at checkout (gift
card + card, a card sale or an authorisation then its capture), for the balance an edit adds, and
for every refund (the same transactions the ``refunds/create`` body carries, split over the
gateways that were paid); an edit that removes goods of a paid order is followed by the refund of
the balance, in the shape Shopify gives a "refund owed" after an edit: no line, the money in a
``refund_discrepancy`` order adjustment (calculated 0 minus actual), and its transactions.
``transactions``, ``refund_totals`` and ``versions`` are Shopify's
side of the money invariant (tests/money_invariant.py). Every order body carries Shopify's money
fields as they stand when it is sent: ``current_total_price``, ``total_outstanding`` (negative while
an edit's balance is owed to the customer) and, in ``refunds``, each refund's transactions.
"""

import copy
import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from .order_payloads import _set, order_payload
from .refund_payloads import refund_payload
from .shopify_reference import webhook_example

CA = [("CA State Tax", 7.25)]
VAT = [("VAT", 20)]  # a store whose prices include tax (``taxes_included``)
SHIPPED = ("return", "legacy_restock")
_line_ids = itertools.count(6_100_000_001)
_fulfillment_ids = itertools.count(6_500_000_001)
_transaction_ids = itertools.count(6_700_000_001)

# Catalogue of the simulated store: variant id -> (sku, price).
CATALOG = {
    8101: ("LAMP-1", "49.95"),
    8102: ("MUG-1", "12.50"),
    8103: ("VASE-1", "20.00"),
    8104: ("KIT-1", "30.00"),
    8105: ("GIFT-25", "25.00"),
}
BUNDLES = {"KIT-1": {"LAMP-1": 1, "MUG-1": 2}}  # KIT-1 is a bundle in the tests: it ships as its parts
GIFT_CARDS = {8105}  # sold as a gift card (``gift_card: true``, untaxed, nothing to ship)
CARD, GIFT_CARD = "shopify_payments", "gift_card"


class Line:
    def __init__(self, variant_id, quantity):
        self.id = next(_line_ids)
        self.variant_id = variant_id
        self.sku, self.price = CATALOG[variant_id]
        self.ordered = quantity
        self.removed = 0
        self.refunds = []  # (refund id, units, restock type)
        self.fulfilled = 0  # units in fulfilments Shopify did not cancel
        # Units refunded with a return whose fulfilment Shopify cancelled since: they came back
        # (Odoo keeps them delivered then returned by the refund), none of them is still out.
        self.unshipped_returns = 0
        self.gift_card = variant_id in GIFT_CARDS

    @property
    def sold(self):
        return self.ordered - self.removed

    @property
    def refunded(self):
        return sum(units for _id, units, _type in self.refunds)

    @property
    def returned(self):
        return sum(units for _id, units, restock in self.refunds if restock in SHIPPED)

    @property
    def current(self):
        return self.sold - self.refunded

    @property
    def out(self):
        """Units shipped and still with the customer (fulfilled, not returned by a refund)."""
        return max(0, self.fulfilled - (self.returned - self.unshipped_returns))

    @property
    def fulfillable(self):
        if self.gift_card:
            return 0  # Shopify issues the card: nothing to ship or remove (a refund takes it back)
        return max(0, self.current - self.out)


class SimulatedOrder:
    """One Shopify order and the events it sent, in the order Shopify sent them."""

    def __init__(self, number, lines, shipping="6.00", customer=None, books=False, taxes_included=False):
        self.number = number
        self.id = 5_900_000_000 + number
        self.lines = [Line(variant, quantity) for variant, quantity in lines]
        self.shipping = shipping
        self.customer = customer or {
            "id": 4_400_000_000 + number,
            "email": f"life{number}@example.com",
            "first_name": "Life",
            "last_name": f"Cycle{number}",
        }
        self.clock = datetime(2026, 11, 23, 15, 0, 0)
        self.cancelled_at = None
        self.shipping_refunded = False
        self.events = []  # (topic, payload)
        self.restocked = {}  # (sku, Shopify location id) -> units back in stock by refunds
        self.shipped = {}  # (sku, Shopify location id) -> units that left by fulfilments, cancelled ones too
        self.unshipped = {}  # (sku, Shopify location id) -> units back in stock by cancelled fulfilments
        self.fulfillments = {}  # id of each fulfilment Shopify did not cancel -> (its body, {line index: units})
        self.books = books
        self.taxes_included = taxes_included
        self.transactions = []  # every transaction body Shopify sent (webhook or inside a refund)
        self.refund_totals = {}  # refund GID -> Decimal money it took back from the order's total
        self.versions = {}  # updated_at of each order payload sent -> its Decimal total_price
        self.refund_ids = []  # every refund made, in Shopify's order
        self.refund_transactions = {}  # refund id -> the transaction bodies its refunds/create carried
        self.refund_times = {}  # refund id -> its created_at
        # False: order bodies without Shopify's money fields (as older or pulled bodies may come)
        self.money_fields = True

    @property
    def gid(self):
        return f"gid://shopify/Order/{self.id}"

    def _tick(self):
        self.clock += timedelta(minutes=1)
        return self.clock.strftime("%Y-%m-%dT%H:%M:%S-00:00")

    def _send(self, topic, payload):
        self.events.append((topic, payload))
        return topic, payload

    def describe(self):
        return "Shopify lines: " + "; ".join(
            f"{line.sku} ordered {line.ordered} removed {line.removed} fulfilled {line.fulfilled} refunds "
            f"{[(units, restock) for _id, units, restock in line.refunds]}"
            + (f" unshipped returns {line.unshipped_returns}" if line.unshipped_returns else "")
            for line in self.lines
        )

    # -- payloads ------------------------------------------------------------------------------

    def _base(self, updated_at):
        """Shopify's figures for what the order sold now (refunds do not change them)."""
        payload = order_payload(
            self.number,
            order_id=self.id,
            customer=self.customer,
            updated_at=updated_at,
            cancelled_at=self.cancelled_at,
            financial_status="paid",  # set below, from the total
            lines=[
                {
                    "variant_id": line.variant_id,
                    "sku": line.sku,
                    "price": line.price,
                    "quantity": line.sold,
                    "title": line.sku,
                    "taxes": [] if line.gift_card else self._taxes,
                }
                for line in self.lines
            ],
            shipping={"price": self.shipping, "taxes": self._taxes},
            taxes_included=self.taxes_included,
        )
        for line, item in zip(self.lines, payload["line_items"], strict=False):
            item.update(id=line.id, admin_graphql_api_id=f"gid://shopify/LineItem/{line.id}")
            if line.gift_card:
                item.update(gift_card=True, requires_shipping=False)
        payload["financial_status"] = self._financial_status(Decimal(payload["total_price"]))
        return payload

    @property
    def _taxes(self):
        return VAT if self.taxes_included else CA

    def _financial_status(self, total):
        if self.books and self.transactions:
            paid, refunded = self.paid(), self.paid(kinds=("refund",))
            if refunded:
                return "refunded" if paid == refunded else "partially_refunded"
            return "paid" if paid >= total else "partially_paid"
        if not any(line.refunds for line in self.lines):
            return "paid"
        return "refunded" if all(line.current == 0 for line in self.lines) else "partially_refunded"

    # -- money (books=True) ----------------------------------------------------------------------

    def total(self):
        """Shopify's ``total_price`` now: what the order sold after its edits, refunds not deducted."""
        return Decimal(self._base(self.clock.strftime("%Y-%m-%dT%H:%M:%S-00:00"))["total_price"])

    def paid(self, gateway=None, kinds=("sale", "capture")):
        return sum(
            (
                Decimal(tx["amount"])
                for tx in self.transactions
                if tx["status"] == "success" and tx["kind"] in kinds and (gateway is None or tx["gateway"] == gateway)
            ),
            Decimal(0),
        )

    def net(self, gateway):
        return self.paid(gateway) - self.paid(gateway, kinds=("refund",))

    def transaction(self, kind, amount, gateway=CARD, status="success"):
        """The ``order_transactions/create`` event of one transaction, on Shopify's example body."""
        body = copy.deepcopy(webhook_example("order_transactions/create"))
        tx_id = next(_transaction_ids)
        when = self._tick()
        body.update(
            id=tx_id,
            admin_graphql_api_id=f"gid://shopify/OrderTransaction/{tx_id}",
            order_id=self.id,
            kind=kind,
            gateway=gateway,
            status=status,
            created_at=when,
            processed_at=when,
            amount=f"{Decimal(amount):.2f}",
            currency="USD",
            payment_id=f"#{self.number}.{len(self.transactions) + 1}",
            manual_payment_gateway=False,
            authorization=None,
        )
        body["total_unsettled_set"] = {
            "presentment_money": {"amount": "0.00", "currency": "USD"},
            "shop_money": {"amount": "0.00", "currency": "USD"},
        }
        self.transactions.append(body)
        return self._send("order_transactions/create", body)

    def pay_at_checkout(self, rng):
        """Checkout: part by gift card (or none), the rest by card as a sale or an authorisation and
        its capture, a declined attempt now and then."""
        total = self.total()
        gift = min(Decimal(rng.choice(["0", "0", "10.00", "20.00"])), total)
        events = []
        if gift:
            events.append(self.transaction("sale", gift, GIFT_CARD))
        if total == gift:
            return events
        if rng.random() < 0.25:
            events.append(self.transaction("sale", total - gift, CARD, status="failure"))
        if rng.random() < 0.5:
            events.append(self.transaction("authorization", total - gift))
            events.append(self.transaction("capture", total - gift))
        else:
            events.append(self.transaction("sale", total - gift))
        return events

    def _refund_transactions(self, payload, amount):
        """Shopify gives money back to the card first, then to the gift card (their net paid)."""
        card = min(amount, max(Decimal(0), self.net(CARD)))
        parts = [(CARD, card), (GIFT_CARD, amount - card)]
        template = payload["transactions"][0] if payload["transactions"] else None
        bodies = []
        for n, (gateway, part) in enumerate((g, p) for g, p in parts if p > 0):
            body = dict(template or {}, gateway=gateway, amount=f"{part:.2f}")
            body.update(
                id=next(_transaction_ids),
                admin_graphql_api_id=f"gid://shopify/OrderTransaction/{payload['id']}{n}",
                order_id=self.id,
                kind="refund",
                status="success",
                currency="USD",
                created_at=payload["processed_at"],
                processed_at=payload["processed_at"],
                test=False,
                source_name="web",
            )
            bodies.append(body)
        payload["transactions"] = bodies
        self.transactions.extend(bodies)
        return [("order_transactions/create", body) for body in bodies]

    def order_payload(self, updated_at):
        payload = self._base(updated_at)
        self.versions[updated_at] = Decimal(payload["total_price"])
        refunds = {}
        for line, item in zip(self.lines, payload["line_items"], strict=False):
            item.update(
                quantity=line.ordered,
                current_quantity=line.current,
                fulfillable_quantity=line.fulfillable,
                fulfillment_status=_fulfillment_status(line.fulfilled, line.fulfillable),
            )
            for refund_id, units, restock in line.refunds:
                refunds.setdefault(refund_id, []).append(
                    {
                        "id": refund_id * 10 + len(refunds.get(refund_id, [])),
                        "line_item_id": line.id,
                        "quantity": units,
                        "restock_type": restock,
                        "line_item": {"id": line.id},
                    }
                )
        goods = [line for line in self.lines if not line.gift_card]
        payload["fulfillment_status"] = _fulfillment_status(
            sum(line.fulfilled for line in goods), sum(line.fulfillable for line in goods)
        )
        for refund_id in self.refund_ids:  # refunds of shipping or of a balance: no line
            refunds.setdefault(refund_id, [])
        payload["refunds"] = [
            {
                "id": refund_id,
                "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
                "order_id": self.id,
                "created_at": self.refund_times[refund_id],
                "processed_at": self.refund_times[refund_id],
                "refund_line_items": items,
                "transactions": copy.deepcopy(self.refund_transactions.get(refund_id, [])),
            }
            for refund_id, items in sorted(refunds.items())
        ]
        self._money_figures(payload)
        return payload

    def _money_figures(self, payload):
        """Shopify's money fields of the order now: ``current_total_price`` (after edits and what
        refunds took off it) and ``total_outstanding`` (current total - net payment: negative while
        Shopify owes the customer an edit's balance, the "refund owed"). Books off, no transaction is
        modelled: the order is paid (its financial status) and nothing is outstanding."""
        if not self.money_fields:
            return
        current = Decimal(payload["total_price"]) - sum(self.refund_totals.values(), Decimal(0))
        outstanding = current - self.paid() + self.paid(kinds=("refund",)) if self.books else Decimal(0)
        currency = payload["currency"]
        payload.update(
            current_total_price=f"{current:.2f}",
            current_total_price_set=_set(current, currency),
            total_outstanding=f"{outstanding:.2f}",
        )

    # -- events --------------------------------------------------------------------------------

    def create(self):  # pylint: disable=method-required-super  # Shopify's orders/create event, not a model
        return self._send("orders/create", self.order_payload(self._tick()))

    def updated(self, topic="orders/updated"):
        return self._send(topic, self.order_payload(self._tick()))

    def edit_add(self, variant_id, quantity=1):
        self.lines.append(Line(variant_id, quantity))
        return self.updated()

    def edit_reduce(self, index, units=1):
        """Remove ``units`` not yet fulfilled of line ``index`` (Shopify only removes those)."""
        line = self.lines[index]
        assert units <= line.fulfillable
        line.removed += units
        return self.updated()

    def settle_edit(self, before):
        """Books on: after an edit of a paid order, the customer pays what it added (then Shopify
        sends orders/paid) or gets back what it removed (a refund of the balance: no line, a
        refund discrepancy and its transactions, then orders/updated). ``before``: the order's total before the edit."""
        change = self.total() - before
        if change > 0:
            return [self.transaction("sale", change), self.updated("orders/paid")]
        if change < 0:
            return self.refund([], balance=-change) + [self.updated()]
        return []

    def fulfil(self, quantities, location_id=11):
        """quantities: {line index: units}; returns the fulfillments/create event."""
        fulfillment_id = next(_fulfillment_ids)
        base = self._base(self.clock.strftime("%Y-%m-%dT%H:%M:%S-00:00"))
        items = []
        for index, units in sorted(quantities.items()):
            line = self.lines[index]
            assert 0 < units <= line.fulfillable
            line.fulfilled += units
            items.append(dict(base["line_items"][index], quantity=units))
            for sku, per in BUNDLES.get(line.sku, {line.sku: 1}).items():
                self.shipped[(sku, location_id)] = self.shipped.get((sku, location_id), 0) + units * per
        created_at = self._tick()
        body = {
            "id": fulfillment_id,
            "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
            "order_id": self.id,
            "status": "success",
            "name": f"#{self.number}.{len(self.events)}",
            "location_id": location_id,
            "created_at": created_at,
            "updated_at": created_at,
            "tracking_company": None,
            "tracking_number": None,
            "line_items": items,
        }
        self.fulfillments[fulfillment_id] = (body, dict(quantities))
        return self._send("fulfillments/create", body)

    def cancel_fulfilment(self, fulfillment_id):
        """Shopify cancels a fulfilment it made: ``fulfillments/update`` of the same fulfilment, status
        ``cancelled``; its units are to fulfil again (the order's next ``orders/updated`` shows them
        fulfillable; ``updated()``). What it shipped comes back to its location, except units a refund
        returned already: those stay returned, never twice."""
        body, quantities = self.fulfillments.pop(fulfillment_id)
        location = body["location_id"]
        for index, units in quantities.items():
            line = self.lines[index]
            back = min(units, line.out)
            line.fulfilled -= units
            line.unshipped_returns += units - back
            for sku, per in BUNDLES.get(line.sku, {line.sku: 1}).items():
                self.unshipped[(sku, location)] = self.unshipped.get((sku, location), 0) + back * per
        return self._send("fulfillments/update", dict(body, status="cancelled", updated_at=self._tick()))

    def refund(self, specs, shipping=None, balance=None, extra=None):
        """specs: [(line index, units, restock type, location id)]; returns the refunds/create event
        (the orders/updated Shopify sends right after is a separate call: ``updated()``). Books on:
        a list, the refunds/create event then the ``order_transactions/create`` of each refund
        transaction; ``balance``: money given back with no line (what an edit removed); ``extra``:
        money given back beyond the lines that no edit owed (a goodwill refund, credited)."""
        base = self._base(self.clock.strftime("%Y-%m-%dT%H:%M:%S-00:00"))
        payload, expected = refund_payload(
            base,
            lines=[
                {"index": index, "quantity": units, "restock_type": restock, "location_id": location}
                for index, units, restock, location in specs
            ],
            shipping=shipping,
            # Money given back beyond the lines is what Shopify calls a refund discrepancy: an order
            # adjustment of "calculated minus actual", negative when more went back than the lines.
            adjustments=[(f"{-(balance or 0) - (extra or 0):.2f}", "0.00", "Refund discrepancy")]
            if balance or extra
            else (),
        )
        payload["created_at"] = payload["processed_at"] = self._tick()
        self.refund_ids.append(payload["id"])
        self.refund_times[payload["id"]] = payload["created_at"]
        # The balance of an edit was taken off the order's total by the edit, not by this refund.
        self.refund_totals[payload["admin_graphql_api_id"]] = expected["total"] - (balance or 0)
        if self.books:
            transactions = self._refund_transactions(payload, expected["total"])
            self.refund_transactions[payload["id"]] = payload["transactions"]
        if shipping:
            assert not self.shipping_refunded
            self.shipping_refunded = True
        for index, units, restock, location in specs:
            line = self.lines[index]
            assert units <= (
                line.current - max(0, line.fulfilled - line.returned)
                if restock == "cancel"
                else line.out
                if restock in SHIPPED
                else line.current
            )
            line.refunds.append((payload["id"], units, restock))
            if restock in SHIPPED:
                for sku, per in BUNDLES.get(line.sku, {line.sku: 1}).items():
                    key = (sku, location)
                    self.restocked[key] = self.restocked.get(key, 0) + units * per
        event = self._send("refunds/create", payload)
        return [event, *transactions] if self.books else event

    def cancel(self):
        """Books on: Shopify cancels a paid order with its refund (every unit still held, restock
        ``cancel``, and the shipping): a list of events, the refund's first."""
        events = []
        if self.books:
            specs = [(i, line.current, "cancel", 11) for i, line in enumerate(self.lines) if line.current]
            if specs or not self.shipping_refunded:
                events = self.refund(specs, shipping=None if self.shipping_refunded else "full")
        self.cancelled_at = self._tick()
        event = self._send("orders/cancelled", self.order_payload(self.cancelled_at))
        return [*events, event] if self.books else event

    # -- what Odoo must hold -------------------------------------------------------------------

    def expected(self):
        """{sku: dict(sold, current, fulfilled, delivered, pending)} of the goods that ship, summed
        over the lines (a bundle line counts as its parts). ``delivered``: what Odoo keeps delivered,
        the units of fulfilments not cancelled and those a refund returned before their fulfilment
        was cancelled (delivered, then returned by the refund)."""
        result = {}
        for line in self.lines:
            for sku, per in BUNDLES.get(line.sku, {line.sku: 1}).items():
                row = result.setdefault(sku, {"sold": 0, "current": 0, "fulfilled": 0, "delivered": 0, "pending": 0})
                row["sold"] += line.sold * per
                row["current"] += line.current * per
                row["fulfilled"] += line.fulfilled * per
                row["delivered"] += (line.fulfilled + line.unshipped_returns) * per
                row["pending"] += line.fulfillable * per if not self.cancelled_at else 0
        return result

    def stock_change(self, sku, location):
        """Units of ``sku`` on hand at a Shopify location now, against before the order."""
        key = (sku, location)
        return self.restocked.get(key, 0) + self.unshipped.get(key, 0) - self.shipped.get(key, 0)


def _fulfillment_status(fulfilled, fulfillable):
    """Shopify's REST ``fulfillment_status`` of a line or of the order, from its fulfilments not
    cancelled: null (none), partial or fulfilled."""
    if not fulfilled:
        return None
    return "partial" if fulfillable else "fulfilled"
