"""Fulfilments both ways.

Out (``fulfillments/export``, an outbound job enqueued when a delivery of a Shopify order is
validated): the quantities the picking shipped are fulfilled in Shopify with ``fulfillmentCreate``
against the fulfilment orders assigned to the Shopify location the picking shipped from, with
carrier, tracking number and URL. One picking makes one fulfilment (a backorder makes its own).
The fulfilment is bound to the picking; a retry finds the binding and stops. A retry after a lost
answer (timeout, 5xx after Shopify did create it) first reads the order's fulfilments: an unbound
one with exactly this picking's quantities (and tracking number) is adopted instead of making a
second one.

In (``fulfillments/create`` and ``fulfillments/update``, when the store setting is on): the
quantities Shopify (or a 3PL) fulfilled are validated on the pending Odoo delivery, leaving a
backorder for the rest. Such pickings carry a context flag and are never exported back.
"""

from collections import defaultdict
from decimal import Decimal

from ..lib import queries
from ..lib.errors import ConfigurationError, DataError, TransientError, _lt
from ..lib.gid import payload_gid, to_gid
from ..lib.registry import register
from ..models.shopify_sync_job import parse_shopify_datetime
from ..models.stock_picking import FROM_SHOPIFY
from . import delivery
from .delivery import ZERO

OPEN_STATUSES = ("OPEN", "IN_PROGRESS")


def _product_resolver(env, backend, candidates):
    """Product of a Shopify line: variant binding, then SKU among ``candidates``, then any product."""
    Binding, Product = env["shopify.binding"], env["product.product"]

    def resolve(variant_gid, sku):
        product = Binding._record_for(backend, variant_gid) if variant_gid else None
        if not product and sku:
            product = candidates.filtered(lambda p: p.default_code == sku)[:1] or Product.search(
                [("default_code", "=", sku), ("company_id", "in", [False, backend.company_id.id])], limit=1
            )
        return product or Product

    return resolve


class FulfillmentExporter:
    def __init__(self, job):
        self.job = job
        self.env = job.env
        self.backend = job.backend_id
        self.bindings = self.env["shopify.binding"]

    def run(self):
        if self.job.direction != "out":
            raise DataError(
                _lt("fulfillments/export is an operation Odoo starts, not a Shopify webhook."),
                fix=_lt("Cancel this job."),
            )
        payload = self.job._payload_json() or {}
        picking = self.env["stock.picking"].browse(payload.get("picking_id")).exists()
        if not picking:
            self.job._mark_done(summary="The delivery was deleted in Odoo: nothing to send.")
            return None
        self.picking = picking
        bound = picking._shopify_sync_fulfillment_binding().shopify_gid
        if bound:
            self.job._mark_done(picking, summary=f"{picking.name} is already Shopify fulfilment {bound}.")
            return picking
        order_gid = picking._shopify_sync_order_binding().shopify_gid
        order = self.backend._get_client().execute(queries.ORDER_FULFILLMENT_ORDERS, {"id": order_gid})["order"]
        if not order:
            raise DataError(
                _lt(
                    "Shopify has no order %(order_gid)s (delivery %(picking)s).",
                    order_gid=order_gid,
                    picking=picking.name,
                ),
                fix=_lt("The order was deleted in Shopify: fulfil by hand, then Ignore this job."),
            )
        if order["fulfillmentOrders"]["pageInfo"]["hasNextPage"] or any(
            fo["lineItems"]["pageInfo"]["hasNextPage"] for fo in order["fulfillmentOrders"]["nodes"]
        ):
            # Read in one request under Shopify's cost limit: 5 fulfilment orders of 50 lines.
            raise DataError(
                _lt(
                    (
                        "Order %(order)s has more than 5 fulfilment orders, or more than 50 lines in one; "
                        "delivery %(picking)s is not sent to Shopify."
                    ),
                    order=order["name"],
                    picking=picking.name,
                ),
                fix=_lt("Mark the order fulfilled in Shopify by hand, then Ignore this job."),
            )
        self.order = order
        wanted = self._wanted()
        if not wanted:
            self.job._mark_done(picking, summary=f"{picking.name} shipped no goods: nothing to send.")
            return picking
        resolve = _product_resolver(self.env, self.backend, picking.move_ids.product_id)
        self.line_products = {}  # Shopify LineItem gid -> product
        fo_lines = []  # (fulfillment order, its line item, product)
        nodes = [item for fo in order["fulfillmentOrders"]["nodes"] for item in fo["lineItems"]["nodes"]]
        bundles = self.env["shopify.sync.bundle"]._for_variants(
            self.backend, [(item.get("variant") or {}).get("id") for item in nodes]
        )
        for fo in order["fulfillmentOrders"]["nodes"]:
            for item in fo["lineItems"]["nodes"]:
                variant = (item.get("variant") or {}).get("id")
                bundle = bundles.get(variant)
                product = (
                    bundle.product_id if bundle else resolve(variant, item.get("sku") or item["lineItem"].get("sku"))
                )
                self.line_products[item["lineItem"]["id"]] = product
                fo_lines.append((fo, item, product))
        wanted = _as_bundles(wanted, bundles.values())
        adopted = self._adopt_lost(wanted)
        if adopted:
            return picking
        selection = self._allocate(wanted, fo_lines)
        company, number, url = picking._shopify_sync_tracking()
        tracking = {key: value for key, value in (("company", company), ("number", number), ("url", url)) if value}
        variables = {
            "fulfillment": {
                "notifyCustomer": bool(self.backend.fulfillment_notify_customer),
                "lineItemsByFulfillmentOrder": [
                    {
                        "fulfillmentOrderId": fo_id,
                        "fulfillmentOrderLineItems": [
                            {"id": item_id, "quantity": qty} for item_id, qty in items.items()
                        ],
                    }
                    for fo_id, items in selection.items()
                ],
            }
        }
        if tracking:
            variables["fulfillment"]["trackingInfo"] = tracking
        result = self.backend._get_client().execute(queries.FULFILLMENT_CREATE, variables)["fulfillmentCreate"]
        if result.get("userErrors"):
            messages = "; ".join(error["message"] for error in result["userErrors"])
            raise DataError(
                _lt(
                    "Shopify refused the fulfilment of %(picking)s for %(order)s: %(messages)s",
                    picking=picking.name,
                    order=order["name"],
                    messages=messages,
                ),
                fix=_lt("Check the order in Shopify (on hold, already fulfilled, cancelled), then Retry or Ignore."),
            )
        fulfillment = result["fulfillment"]
        self.bindings._bind(self.backend, fulfillment["id"], picking)
        self.job._mark_done(
            picking, summary=f"{picking.name} -> Shopify fulfilment {fulfillment['name']} of {order['name']}."
        )
        return picking

    def _wanted(self):
        wanted = defaultdict(int)
        for move in self.picking.move_ids.filtered(lambda m: m.state == "done" and m.product_id.type == "consu"):
            wanted[move.product_id] += int(
                round(move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id))
            )
        return {product: qty for product, qty in wanted.items() if qty}

    def _adopt_lost(self, wanted):
        """An earlier attempt may have created the fulfilment and lost the answer: adopt it."""
        _company, number, _url = self.picking._shopify_sync_tracking()
        order = self.backend._get_client().execute(queries.ORDER_FULFILLMENTS, {"id": self.order["id"]})["order"]
        for fulfillment in (order or {}).get("fulfillments") or []:
            if fulfillment.get("status") != "SUCCESS" or self.bindings._find(self.backend, fulfillment["id"]):
                continue
            shipped = defaultdict(int)
            for node in fulfillment["fulfillmentLineItems"]["nodes"]:
                shipped[self.line_products.get(node["lineItem"]["id"])] += node.get("quantity") or 0
            numbers = {info.get("number") for info in fulfillment.get("trackingInfo") or []}
            if dict(shipped) == wanted and (not number or number in numbers):
                self.bindings._bind(self.backend, fulfillment["id"], self.picking)
                self.job._mark_done(
                    self.picking,
                    summary=(
                        f"{self.picking.name} was already fulfilled in Shopify as {fulfillment['name']} (an earlier "
                        "attempt's answer was lost): bound to it, nothing created."
                    ),
                )
                return True
        return False

    def _allocate(self, wanted, fo_lines):
        """{fulfillment order id: {line item id: quantity}} at one Shopify location."""
        open_lines = [
            (fo, item, product)
            for fo, item, product in fo_lines
            if fo["status"] in OPEN_STATUSES and item["remainingQuantity"] > 0
        ]
        location = self._location(open_lines)
        selection, missing = defaultdict(dict), []
        for product, quantity in wanted.items():
            left = quantity
            for fo, item, item_product in open_lines:
                if left <= 0:
                    break
                if item_product != product or fo["assignedLocation"]["location"]["id"] != location:
                    continue
                take = min(left, item["remainingQuantity"])
                selection[fo["id"]][item["id"]] = take
                left -= take
            if left:
                missing.append(f"{left} x {product.display_name}")
        if missing:
            raise DataError(
                _lt(
                    (
                        "%(picking)s shipped more than %(order)s has left to fulfil in Shopify at that "
                        "location: %(missing)s."
                    ),
                    picking=self.picking.name,
                    order=self.order["name"],
                    missing=", ".join(missing),
                ),
                fix=_lt(
                    "Check the order in Shopify (already fulfilled, refunded, or assigned to another location), "
                    "then Retry, or fulfil by hand and Ignore."
                ),
            )
        return selection

    def _location(self, open_lines):
        """The Shopify location the picking shipped from, among those with something to fulfil."""
        locations = {}
        for fo, _item, _product in open_lines:
            locations[fo["assignedLocation"]["location"]["id"]] = fo["assignedLocation"].get("name")
        if not locations:
            raise DataError(
                _lt(
                    "%(order)s has nothing left to fulfil in Shopify (%(picking)s).",
                    order=self.order["name"],
                    picking=self.picking.name,
                ),
                fix=_lt("It was fulfilled in Shopify already: Ignore this job."),
            )
        source = self.picking.location_id
        rows = self.env["shopify.sync.location"].search(
            [("backend_id", "=", self.backend.id), ("shopify_gid", "in", list(locations))]
        )
        for row in rows:
            if row.location_id and (source.parent_path or "").startswith(row.location_id.parent_path):
                return row.shopify_gid
        for row in rows:
            if row.warehouse_id and row.warehouse_id == source.warehouse_id:
                return row.shopify_gid
        if len(locations) == 1 and not self.env["shopify.sync.location"].search_count(
            [("backend_id", "=", self.backend.id)]
        ):
            return next(iter(locations))  # a store that maps no location ships from its only one
        names = ", ".join(f"'{name or gid}' ({gid})" for gid, name in locations.items())
        raise ConfigurationError(
            _lt(
                (
                    "%(picking)s shipped from %(source)s, which no Shopify location of %(order)s maps "
                    "to (open at: %(locations)s)."
                ),
                picking=self.picking.name,
                source=source.display_name,
                order=self.order["name"],
                locations=names,
            ),
            fix=_lt(
                "Map the Shopify location to this warehouse under Shopify Sync > Configuration > Locations, "
                "or move the fulfilment order in Shopify, then Retry."
            ),
        )


def _returned(move):
    """Units of a done delivery move its done returns brought back."""
    return Decimal(str(sum(back.quantity for back in move.returned_move_ids if back.state == "done")))


def _as_bundles(wanted, bundles):
    """Components the picking shipped -> whole bundles of the order (what Shopify fulfils), and the rest."""
    wanted = dict(wanted)
    for bundle in bundles:
        parts = [(line.product_id, line.quantity) for line in bundle.line_ids]
        if not parts:
            continue
        count = min(int(wanted.get(product, 0) // quantity) for product, quantity in parts)
        if count <= 0:
            continue
        for product, quantity in parts:
            wanted[product] -= int(round(count * quantity))
        wanted[bundle.product_id] = wanted.get(bundle.product_id, 0) + count
    return {product: qty for product, qty in wanted.items() if qty}


class FulfillmentImporter:
    def __init__(self, job):
        self.job = job
        self.env = job.env
        self.backend = job.backend_id
        self.payload = job._payload_json()
        self.bindings = self.env["shopify.binding"]

    def run(self):
        payload, backend = self.payload, self.backend
        if not backend.import_fulfillments:
            self.job._mark_done(summary="Deliveries from Shopify fulfilments are off for this store.")
            return None
        gid = payload_gid("Fulfillment", payload)
        name = payload.get("name") or gid
        order_gid = to_gid("Order", payload.get("order_id")) if payload.get("order_id") else None
        sale = self.bindings._record_for(backend, order_gid) if order_gid else None
        if sale:
            # A fulfilment and its cancellation may run at the same time on two workers: one after
            # the other, or the cancellation finds nothing delivered while the delivery is made.
            delivery.claim_order(sale)
        picking = self.bindings._record_for(backend, gid)
        if picking and (payload.get("status") or "").lower() == "cancelled" and picking.state == "done":
            return self._undo_delivery(picking, name, gid)
        if picking:
            self._write_tracking(picking)
            self.job._mark_done(picking, summary=f"Fulfilment {name} is {picking.name}; tracking updated.")
            return picking
        if (payload.get("status") or "success") != "success":
            self.job._mark_done(summary=f"Fulfilment {name} is {payload.get('status')}: nothing delivered.")
            return None
        if self._cancellation(gid):  # its cancellation arrived first (webhooks are unordered)
            self.job._mark_done(summary=f"Fulfilment {name} was cancelled in Shopify since: nothing delivered.")
            return None
        if not sale:
            delivery.wait_for_order(self.job, order_gid, f"Fulfilment {name}")
        pending = sale.picking_ids.filtered(
            lambda p: p.picking_type_code == "outgoing" and p.state not in ("done", "cancel", "draft")
        )
        wanted = self._wanted(sale, pending, name)  # (product, sale line or None) -> units
        if not wanted:
            # Gift cards and services only (Shopify fulfils a gift card itself once it is paid): no goods.
            self.job._mark_done(sale, summary=f"Fulfilment {name} ships no goods: nothing to deliver in Odoo.")
            return sale
        if payload.get("location_id"):
            location = self.env["shopify.sync.location"]._stock_location_for(backend, payload["location_id"])
            pending = pending.sorted(lambda p: not (p.location_id.parent_path or "").startswith(location.parent_path))
        open_moves = pending.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))

        def moves_for(key, moves):
            product, line = key
            return moves.filtered(lambda m: m.product_id == product and (not line or m.sale_line_id == line))

        if any(
            qty > Decimal(str(sum(moves_for(key, open_moves).mapped("product_uom_qty")))) for key, qty in wanted.items()
        ):
            # More than Odoo has to deliver: the cancellation of a fulfilment that delivered them, or
            # an edit adding them, may still be queued.
            delivery.wait_for_fulfilment_cancellation(self.job, sale, f"Fulfilment {name}")
            delivery.wait_for_order_update(self.job, sale, payload.get("created_at"), f"Fulfilment {name}")
        picking = next((p for p in pending if any(moves_for(key, p.move_ids) for key in wanted)), None)
        if not picking:
            raise DataError(
                _lt(
                    "Fulfilment %(fulfillment)s of %(sale)s: no delivery waiting for these goods in Odoo.",
                    fulfillment=name,
                    sale=sale.name,
                ),
                fix=_lt("Check the deliveries of the sale order; validate by hand and Ignore, or Retry."),
            )
        for move in picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            key = (move.product_id, move.sale_line_id)
            key = key if wanted.get(key) else (move.product_id, self.env["sale.order.line"])
            take = min(wanted.get(key, Decimal(0)), Decimal(str(move.product_uom_qty)))
            move.quantity = float(take)
            move.picked = bool(take)
            if take:
                wanted[key] -= take
        self._write_tracking(picking)
        picking.with_context(**{FROM_SHOPIFY: True, "skip_backorder": True, "skip_sms": True}).button_validate()
        left = [f"{qty.normalize()} x {product.display_name}" for (product, _line), qty in wanted.items() if qty]
        if left:
            self.job._add_warning(f"Fulfilment {name} has more than {picking.name} had to deliver: {', '.join(left)}.")
        self.bindings._bind(backend, gid, picking)
        self.job._mark_done(picking, summary=f"Fulfilment {name} delivered {picking.name}.")
        return picking

    def _cancellation(self, gid):
        """An update of this fulfilment, applied already, saying Shopify cancelled it (for good: a
        cancelled fulfilment never ships again; Shopify makes a new one)."""
        applied = self.env["shopify.sync.job"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("shopify_gid", "=", gid),
                ("topic", "=", "fulfillments/update"),
                ("state", "=", "done"),
                ("id", "!=", self.job.id),
            ]
        )
        return next(
            (u for u in applied if ((u._payload_json() or {}).get("status") or "").lower() == "cancelled"), None
        )

    def _undo_delivery(self, picking, name, gid):
        """Shopify cancelled a fulfilment after Odoo delivered it. Made in Odoo because Shopify
        fulfilled it (or a 3PL did): what of it is still out comes back to stock and the sale order
        has it to deliver again, so the next fulfilment finds it waiting. Shipped by Odoo (the
        delivery was sent to Shopify): the goods may have left, so nobody but the warehouse can
        say; the job fails and names what to do."""
        sale = picking.sale_id
        if delivery.fulfilment_cancelled(sale, gid):
            self.job._mark_done(picking, summary=f"Fulfilment {name} was cancelled; {picking.name} is returned.")
            return picking
        goods = picking.move_ids.filtered(lambda m: m.state == "done" and m.product_id.type == "consu")
        shipped_by_odoo = self.env["shopify.sync.job"].search_count(
            [
                ("direction", "=", "out"),
                ("topic", "=", "fulfillments/export"),
                ("res_model", "=", "stock.picking"),
                ("res_id", "=", picking.id),
            ],
            limit=1,
        )
        if shipped_by_odoo:
            # Returned by hand (before a Retry): the units are to deliver again.
            if any(_returned(move) < Decimal(str(move.quantity)) for move in goods):
                raise DataError(
                    _lt(
                        "Fulfilment %(fulfillment)s was cancelled in Shopify, but Odoo shipped it as %(picking)s.",
                        fulfillment=name,
                        picking=picking.name,
                    ),
                    fix=_lt(
                        "If the goods did not leave, return them in Odoo (Return on %(picking)s), then Retry; "
                        "if they did, Ignore.",
                        picking=picking.name,
                    ),
                )
            back = {move: Decimal(str(move.quantity)) for move in goods}
            return self._taken_back(picking, name, gid, back, picking)
        # What the order had out when Shopify cancelled it: a refund may have returned some of these
        # units already (they came back then), a later fulfilment may have shipped them again. The
        # refunds made by then are listed by the order's versions sent since, applied or still
        # queued (one may be an edit waiting for this cancellation: it is read, not waited for).
        cancelled_at = parse_shopify_datetime(self.payload.get("updated_at"))
        version = self._order_body_since(sale, cancelled_at) if cancelled_at else None
        if (
            version is None
            and delivery.order_version_before(self.job, sale, self.payload.get("updated_at"))
            and delivery._retries(self.job) < delivery.ORDER_WAIT_RETRIES
        ):
            raise TransientError(
                _lt(
                    (
                        "Fulfilment %(fulfillment)s was cancelled in Shopify: waiting for the update of "
                        "%(sale)s that says what its refunds returned (attempt %(attempt)s of %(attempts)s)."
                    ),
                    fulfillment=name,
                    sale=sale.name,
                    attempt=delivery._retries(self.job) + 1,
                    attempts=delivery.ORDER_WAIT_RETRIES,
                )
            )
        back = self._still_out(sale, goods, cancelled_at, version)
        if not any(back.values()):
            return self._taken_back(picking, name, gid, back, picking)
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({"picking_id": picking.id})
        )
        for line in wizard.product_return_moves:
            line.quantity = float(back.get(line.move_id, 0))
        returned = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        for move in returned.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        returned.with_context(**{FROM_SHOPIFY: True})._action_done()
        return self._taken_back(picking, name, gid, back, returned)

    def _order_body_since(self, sale, when):
        """The oldest ``orders/*`` body of ``sale``'s order Odoo stored (applied or queued) that Shopify
        sent at ``when`` or after (its refunds made later are left out by the caller), or None."""
        order_gid = self.bindings.search(
            [
                ("backend_id", "=", self.backend.id),
                ("res_model", "=", "sale.order"),
                ("res_id", "=", sale.id),
                ("resource_type", "=", "Order"),  # a refund with no credit note is bound to the order too
            ],
            limit=1,
        ).shopify_gid
        oldest, body = None, None
        for job in self.env["shopify.sync.job"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("shopify_gid", "=", order_gid),
                ("topic", "=like", "orders/%"),
                ("direction", "=", "in"),
            ]
        ):
            payload = job._payload_json() or {}
            sent = parse_shopify_datetime(payload.get("updated_at"))
            if sent and sent >= when and (oldest is None or sent < oldest):
                oldest, body = sent, payload
        return body

    def _still_out(self, sale, goods, cancelled_at, version):
        """{done move: units to take back}: per sale line, what it had out when Shopify cancelled the
        fulfilment (delivered by fulfilments made by then, less what refunds listed in ``version``
        and earlier cancellations took back), at most what the move shipped; a move of no sale line,
        what it shipped less its returns."""
        if cancelled_at:
            refunds = delivery.refunds_listed_in(sale, version, cancelled_at) if version is not None else None
            figures = delivery.line_figures(sale, refunds, delivery.taken_back(sale, until=cancelled_at))
            later = self._delivered_after(sale, cancelled_at)
        else:
            figures, later = delivery.line_figures(sale), {}
        left = {line: max(figure["kept"] - later.get(line, ZERO), ZERO) for line, figure in figures.items()}
        back = {}
        for move in goods:
            shipped = Decimal(str(move.quantity))
            if move.sale_line_id in left:
                back[move] = min(shipped, left[move.sale_line_id])
                left[move.sale_line_id] -= back[move]
            else:
                back[move] = max(shipped - _returned(move), ZERO)
        return back

    def _delivered_after(self, sale, when):
        """{sale line: units} delivered for fulfilments Shopify made after ``when``."""
        pickings = sale.picking_ids.filtered(lambda p: p.state == "done" and p.picking_type_code == "outgoing")
        bindings = self.bindings.search(
            [
                ("backend_id", "=", self.backend.id),
                ("res_model", "=", "stock.picking"),
                ("res_id", "in", pickings.ids),
                ("resource_type", "=", "Fulfillment"),
            ]
        )
        made = {}
        for job in self.env["shopify.sync.job"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("shopify_gid", "in", bindings.mapped("shopify_gid")),
                ("topic", "in", ("fulfillments/create", "fulfillments/update")),
            ]
        ):
            created = parse_shopify_datetime((job._payload_json() or {}).get("created_at"))
            if created:
                made[job.shopify_gid] = created
        result = defaultdict(Decimal)
        for binding in bindings:
            if made.get(binding.shopify_gid) and made[binding.shopify_gid] > when:
                for move in pickings.browse(binding.res_id).move_ids.filtered(lambda m: m.state == "done"):
                    result[move.sale_line_id] += Decimal(str(move.quantity))
        return result

    def _taken_back(self, picking, name, gid, back, record):
        """Remember what the cancellation took back, propose it to deliver again, close the job."""
        sale = picking.sale_id
        taken_back = defaultdict(Decimal)
        for move, units in back.items():
            if move.sale_line_id:
                taken_back[move.sale_line_id] += units
        delivery.remember_cancelled_fulfilment(sale, gid, taken_back, self.payload.get("updated_at"))
        delivery.sync_pending_delivery(sale)
        if record == picking:
            summary = f"Fulfilment {name} was cancelled in Shopify: nothing of {picking.name} was still out."
        else:
            summary = (
                f"Fulfilment {name} was cancelled in Shopify: {picking.name} returned to stock by "
                f"{record.name}; the goods are to deliver again."
            )
        self.job._mark_done(record, summary=summary)
        return record

    def _wanted(self, sale, pending, name):
        """{(product, sale line): units} the fulfilment ships: each Shopify line on the sale line(s) it
        became (a bundle: its components), or by product for orders imported before lines were kept."""
        backend = self.backend
        lines_by_key = delivery.sale_lines_by_key(sale)
        resolve = _product_resolver(self.env, backend, pending.move_ids.product_id)
        items = self.payload.get("line_items") or []
        bundles = self.env["shopify.sync.bundle"]._for_variants(
            backend, [to_gid("ProductVariant", item["variant_id"]) for item in items if item.get("variant_id")]
        )
        no_line = self.env["sale.order.line"]
        wanted = defaultdict(Decimal)
        for item in items:
            if item.get("gift_card"):
                continue  # a gift card is a debt to its holder (the store's gift card product), not goods
            quantity = Decimal(str(item.get("quantity") or 0))
            line_gid = payload_gid("LineItem", item)
            if line_gid in lines_by_key:
                for sale_line, factor in lines_by_key[line_gid]:
                    if sale_line.product_id.type == "consu":
                        wanted[(sale_line.product_id, sale_line)] += quantity * factor
                continue
            if lines_by_key and line_gid:
                # A line the sale order does not have yet: its orders/updated is still queued.
                delivery.wait_for_order_update(self.job, sale, self.payload.get("created_at"), f"Fulfilment {name}")
            variant = to_gid("ProductVariant", item["variant_id"]) if item.get("variant_id") else None
            if variant in bundles:  # a bundle ships as its components
                for component in bundles[variant].line_ids:
                    wanted[(component.product_id, no_line)] += quantity * Decimal(str(component.quantity))
                continue
            product = resolve(variant, item.get("sku"))
            if not product:
                raise DataError(
                    _lt(
                        "Fulfilment %(fulfillment)s: no Odoo product for '%(item)s' (SKU %(sku)s).",
                        fulfillment=name,
                        item=item.get("name"),
                        sku=item.get("sku") or "none",
                    ),
                    fix=_lt("Bind the variant, then Retry."),
                )
            wanted[(product, no_line)] += quantity
        return wanted

    def _write_tracking(self, picking):
        payload = self.payload
        # A fulfilment of several parcels lists them all in tracking_numbers; tracking_number is the first.
        numbers = [n for n in payload.get("tracking_numbers") or [] if isinstance(n, str) and n]
        values = {
            "shopify_sync_tracking_company": payload.get("tracking_company") or False,
            "shopify_sync_tracking_number": ", ".join(numbers) if len(numbers) > 1 else payload.get("tracking_number"),
            "shopify_sync_tracking_url": payload.get("tracking_url") or False,
        }
        picking.write({key: value for key, value in values.items() if value})


@register("fulfillments/export", "fulfillment", webhook=False)
def export_fulfillment(job):
    return FulfillmentExporter(job).run()


@register("fulfillments/create", "fulfillment")
@register("fulfillments/update", "fulfillment")
def import_fulfillment(job):
    return FulfillmentImporter(job).run()
