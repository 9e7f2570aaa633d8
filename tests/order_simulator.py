"""A Shopify order that lives: create, edit (add, remove, reduce a line), fulfil (in part, at a
location), refund (each restock type, shipping), cancel; every event is the webhook body Shopify
would send at that moment, in the REST shape, with Shopify's arithmetic (tests/order_payloads.py,
tests/refund_payloads.py), and the order's own bookkeeping per line:

    ordered, removed (edits), refunded [(refund id, units, restock type)], fulfilled

from which Shopify's ``current_quantity`` and ``fulfillable_quantity`` follow. ``expected()`` says
what Odoo must hold once every event was applied, whatever their order of arrival.
"""

import itertools
from datetime import datetime, timedelta

from .order_payloads import order_payload
from .refund_payloads import refund_payload

CA = [("CA State Tax", 7.25)]
SHIPPED = ("return", "legacy_restock")
_line_ids = itertools.count(6_100_000_001)
_fulfillment_ids = itertools.count(6_500_000_001)

# Catalogue of the simulated store: variant id -> (sku, price).
CATALOG = {8101: ("LAMP-1", "49.95"), 8102: ("MUG-1", "12.50"), 8103: ("VASE-1", "20.00"), 8104: ("KIT-1", "30.00")}
BUNDLES = {"KIT-1": {"LAMP-1": 1, "MUG-1": 2}}  # KIT-1 is a bundle in the tests: it ships as its parts


class Line:
    def __init__(self, variant_id, quantity):
        self.id = next(_line_ids)
        self.variant_id = variant_id
        self.sku, self.price = CATALOG[variant_id]
        self.ordered = quantity
        self.removed = 0
        self.refunds = []  # (refund id, units, restock type)
        self.fulfilled = 0

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
    def fulfillable(self):
        return max(0, self.current - max(0, self.fulfilled - self.returned))


class SimulatedOrder:
    """One Shopify order and the events it sent, in the order Shopify sent them."""

    def __init__(self, number, lines, shipping="6.00", customer=None):
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
            financial_status=self._financial_status(),
            lines=[
                {
                    "variant_id": line.variant_id,
                    "sku": line.sku,
                    "price": line.price,
                    "quantity": line.sold,
                    "title": line.sku,
                    "taxes": CA,
                }
                for line in self.lines
            ],
            shipping={"price": self.shipping, "taxes": CA},
        )
        for line, item in zip(self.lines, payload["line_items"], strict=False):
            item.update(id=line.id, admin_graphql_api_id=f"gid://shopify/LineItem/{line.id}")
        return payload

    def _financial_status(self):
        if not any(line.refunds for line in self.lines):
            return "paid"
        return "refunded" if all(line.current == 0 for line in self.lines) else "partially_refunded"

    def order_payload(self, updated_at):
        payload = self._base(updated_at)
        refunds = {}
        for line, item in zip(self.lines, payload["line_items"], strict=False):
            item.update(
                quantity=line.ordered,
                current_quantity=line.current,
                fulfillable_quantity=line.fulfillable,
                fulfillment_status="fulfilled" if line.fulfilled and not line.fulfillable else None,
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
        payload["refunds"] = [
            {
                "id": refund_id,
                "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
                "order_id": self.id,
                "refund_line_items": items,
            }
            for refund_id, items in sorted(refunds.items())
        ]
        return payload

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
        created_at = self._tick()
        return self._send(
            "fulfillments/create",
            {
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
            },
        )

    def refund(self, specs, shipping=None):
        """specs: [(line index, units, restock type, location id)]; returns the refunds/create event
        (the orders/updated Shopify sends right after is a separate call: ``updated()``)."""
        base = self._base(self.clock.strftime("%Y-%m-%dT%H:%M:%S-00:00"))
        payload, _expected = refund_payload(
            base,
            lines=[
                {"index": index, "quantity": units, "restock_type": restock, "location_id": location}
                for index, units, restock, location in specs
            ],
            shipping=shipping,
        )
        payload["created_at"] = payload["processed_at"] = self._tick()
        if shipping:
            assert not self.shipping_refunded
            self.shipping_refunded = True
        for index, units, restock, location in specs:
            line = self.lines[index]
            assert units <= (
                line.current - max(0, line.fulfilled - line.returned)
                if restock == "cancel"
                else max(0, line.fulfilled - line.returned)
                if restock in SHIPPED
                else line.current
            )
            line.refunds.append((payload["id"], units, restock))
            if restock in SHIPPED:
                for sku, per in BUNDLES.get(line.sku, {line.sku: 1}).items():
                    key = (sku, location)
                    self.restocked[key] = self.restocked.get(key, 0) + units * per
        return self._send("refunds/create", payload)

    def cancel(self):
        self.cancelled_at = self._tick()
        return self._send("orders/cancelled", self.order_payload(self.cancelled_at))

    # -- what Odoo must hold -------------------------------------------------------------------

    def expected(self):
        """{sku: dict(sold, current, fulfilled, pending)} of the goods that ship, summed over the
        lines (a bundle line counts as its parts)."""
        result = {}
        for line in self.lines:
            for sku, per in BUNDLES.get(line.sku, {line.sku: 1}).items():
                row = result.setdefault(sku, {"sold": 0, "current": 0, "fulfilled": 0, "pending": 0})
                row["sold"] += line.sold * per
                row["current"] += line.current * per
                row["fulfilled"] += line.fulfilled * per
                row["pending"] += line.fulfillable * per if not self.cancelled_at else 0
        return result
