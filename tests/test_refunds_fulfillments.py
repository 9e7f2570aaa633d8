"""Refunds (credit notes, payments, restock) and fulfilments both ways, on real Odoo books and stock."""

from collections import defaultdict
from decimal import Decimal
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError

from ..handlers.orders import odoo_amount
from ..lib.client import ShopifyClient
from ..lib.errors import TransientError
from .common import ShopifyCase
from .order_payloads import CA, lamp_and_mug_order, order_payload
from .refund_payloads import refund_payload


class BooksAndStockCase(ShopifyCase):
    """A company with a chart of accounts, a tax map, a gateway journal, two warehouses mapped to two
    Shopify locations, and storable products in stock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.setup_books_company("Shopify Goods Inc")
        cls.wh1 = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.wh2 = cls.env["stock.warehouse"].create({"name": "East", "code": "EAST", "company_id": cls.company.id})
        cls.backend.write({"warehouse_id": cls.wh1.id})
        cls.tax = cls.setup_us_sales_tax(cls.company)
        cls.bank = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        cls.env["shopify.gateway.map"].create(
            {"backend_id": cls.backend.id, "gateway": "shopify_payments", "journal_id": cls.bank.id}
        )
        Location = cls.env["shopify.sync.location"]
        Location.create(
            {
                "backend_id": cls.backend.id,
                "name": "Main",
                "shopify_gid": "gid://shopify/Location/11",
                "warehouse_id": cls.wh1.id,
            }
        )
        Location.create(
            {
                "backend_id": cls.backend.id,
                "name": "East",
                "shopify_gid": "gid://shopify/Location/22",
                "warehouse_id": cls.wh2.id,
            }
        )
        Product = cls.env["product.product"]
        cls.lamp = Product.create(
            {
                "name": "Lamp",
                "default_code": "LAMP-1",
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "order",
                "taxes_id": False,
            }
        )
        cls.mug = Product.create(
            {
                "name": "Mug",
                "default_code": "MUG-1",
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "order",
                "taxes_id": False,
            }
        )
        Quant = cls.env["stock.quant"]
        Quant._update_available_quantity(cls.lamp, cls.wh1.lot_stock_id, 10)
        Quant._update_available_quantity(cls.mug, cls.wh1.lot_stock_id, 10)

    def setUp(self):
        super().setUp()
        # Barcode look-ups of the order import: Shopify knows none.
        self.standin.root["nodes"] = lambda _info, ids: [
            {"__typename": "ProductVariant", "id": gid, "sku": "", "barcode": None} for gid in ids
        ]

    # -- helpers -----------------------------------------------------------------------------

    def import_order(self, number, **kwargs):
        payload = lamp_and_mug_order(number, **kwargs)
        job = self.run_webhook("orders/create", payload)
        self.assertEqual(job.state, "done", job.error_message)
        return payload, self.env["shopify.binding"]._record_for(self.backend, payload["admin_graphql_api_id"])

    def on_hand(self, product, warehouse):
        return product.with_context(warehouse_id=warehouse.id).qty_available

    def deliver(self, sale, quantities=None):
        """Validate the pending delivery (partially: {product: qty}), leaving a backorder."""
        picking = sale.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertEqual(len(picking), 1)
        for move in picking.move_ids:
            quantity = (quantities or {}).get(move.product_id, move.product_uom_qty)
            move.quantity = quantity
            move.picked = bool(quantity)
        picking.with_context(skip_backorder=True).button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def credit_note_of(self, refund):
        return self.env["shopify.binding"]._record_for(self.backend, refund["admin_graphql_api_id"])

    def assert_credit_note(self, move, expected):
        self.assertEqual(move.move_type, "out_refund")
        self.assertEqual(move.state, "posted")
        self.assertEqual(odoo_amount(move.amount_total), expected["total"])
        self.assertEqual(odoo_amount(move.amount_tax), expected["tax"])


@tagged("post_install", "-at_install")
class TestRefunds(BooksAndStockCase):
    def test_full_refund_reverses_the_invoice_and_pays_back(self):
        order, sale = self.import_order(3001)
        invoice = sale.invoice_ids
        self.assertEqual(odoo_amount(invoice.amount_total), Decimal(order["total_price"]))
        refund, expected = refund_payload(order, lines=[{"index": 0}, {"index": 1}], shipping="full")
        self.assertEqual(expected["total"], Decimal(order["total_price"]))
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual(job.state, "done", job.error_message)
        move = self.credit_note_of(refund)
        self.assert_credit_note(move, expected)
        self.assertEqual(move.reversed_entry_id, invoice)
        self.assertEqual(move.partner_id, invoice.partner_id)
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        payment = self.env["account.payment"].search(
            [("partner_id", "=", sale.partner_id.commercial_partner_id.id), ("payment_type", "=", "outbound")]
        )
        self.assertEqual(len(payment), 1)
        self.assertEqual(payment.journal_id, self.bank)
        self.assertEqual(odoo_amount(payment.amount), Decimal(order["total_price"]))
        # Unlinked lines: the sale order does not offer to invoice the refunded goods again.
        self.assertEqual(sale.invoice_status, "invoiced")

    def test_partial_refund_of_one_line_with_restock_to_another_warehouse(self):
        order, sale = self.import_order(3002)
        self.deliver(sale)
        self.assertEqual(self.on_hand(self.lamp, self.wh1), 8)
        # 1 of the 2 discounted lamps comes back, to the East warehouse (Shopify location 22).
        refund, expected = refund_payload(
            order, lines=[{"index": 0, "quantity": 1, "restock_type": "return", "location_id": 22}]
        )
        self.assertEqual(refund["refund_line_items"][0]["subtotal_set"]["shop_money"]["amount"], "44.96")
        self.assertEqual(expected, {"total": Decimal("48.22"), "tax": Decimal("3.26")})
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual(job.state, "done", job.error_message)
        move = self.credit_note_of(refund)
        self.assert_credit_note(move, expected)
        self.assertEqual(move.invoice_line_ids.product_id, self.lamp)
        self.assertEqual(move.invoice_line_ids.quantity, 1)
        self.assertEqual(self.on_hand(self.lamp, self.wh1), 8)
        self.assertEqual(self.on_hand(self.lamp, self.wh2), 1)
        self.assertEqual(self.on_hand(self.mug, self.wh1), 7)
        returned = self.env["stock.picking"].search([("return_id", "in", sale.picking_ids.ids)])
        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.location_dest_id, self.wh2.lot_stock_id)

    def test_shipping_only_refund_both_payload_shapes(self):
        order, sale = self.import_order(3003)
        refund, expected = refund_payload(order, shipping="2.50")
        self.assertEqual(expected, {"total": Decimal("2.68"), "tax": Decimal("0.18")})
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual(job.state, "done", job.error_message)
        move = self.credit_note_of(refund)
        self.assert_credit_note(move, expected)
        self.assertEqual(move.invoice_line_ids.product_id, self.backend.shipping_product_id)
        # Before API 2024-10 the same refund came as a "shipping_refund" order adjustment.
        legacy, expected = refund_payload(order, shipping="3.50", legacy_shipping=True)
        self.assertFalse(legacy["refund_shipping_lines"])
        job = self.run_webhook("refunds/create", legacy)
        self.assertEqual(job.state, "done", job.error_message)
        self.assert_credit_note(self.credit_note_of(legacy), expected)
        self.assertEqual(expected["total"], Decimal("3.75"))

    def test_refund_discrepancy_is_an_adjustment_line(self):
        order, sale = self.import_order(3004)
        # Mugs refunded, but 5.00 less than they are worth (a restocking fee, kept by the store).
        refund, expected = refund_payload(
            order, lines=[{"index": 1, "quantity": 2}], adjustments=[("5.00", "0.00", "Restocking fee")]
        )
        self.assertEqual(expected["total"], Decimal("21.81"))  # 25.00 + 1.81 tax - 5.00
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual(job.state, "done", job.error_message)
        move = self.credit_note_of(refund)
        self.assert_credit_note(move, expected)
        adjustment = move.invoice_line_ids.filtered(
            lambda ln: ln.product_id == self.backend.refund_adjustment_product_id
        )
        self.assertEqual(odoo_amount(adjustment.price_subtotal), Decimal("-5.00"))
        self.assertIn("Restocking fee", adjustment.name)

    def test_refund_before_invoice_and_cancel_of_undelivered_goods(self):
        self.backend.create_invoice = False
        order, sale = self.import_order(3005)
        self.assertFalse(sale.invoice_ids)
        picking = sale.picking_ids
        self.assertEqual(picking.move_ids.filtered(lambda m: m.product_id == self.mug).product_uom_qty, 3)
        refund, expected = refund_payload(
            order, lines=[{"index": 1, "quantity": 1, "restock_type": "cancel", "location_id": 11}]
        )
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual(job.state, "done", job.error_message)
        # Invoicing off: no credit note (negative revenue with no sale behind it), stock only.
        self.assertEqual(self.credit_note_of(refund), sale)
        self.assertFalse(
            self.env["account.move"].search([("move_type", "=", "out_refund"), ("invoice_origin", "=", sale.name)])
        )
        self.assertIn(f"no credit note nor refund payment for the {expected['total']}", job.warning_message)
        # The undelivered mug is taken off the delivery; nothing came back into stock.
        self.assertEqual(picking.move_ids.filtered(lambda m: m.product_id == self.mug).product_uom_qty, 2)
        self.assertEqual(self.on_hand(self.mug, self.wh1), 10)
        self.assertFalse(self.env["stock.picking"].search([("return_id", "=", picking.id)]))
        # The order, invoiced later, bills what Shopify sold; with the credit note that nets to what it kept.
        self.assertEqual(sale.order_line.filtered(lambda ln: ln.product_id == self.mug).qty_to_invoice, 3)

    def test_refund_of_an_order_not_synced_waits_then_completes(self):
        order = order_payload(3006, lines=[{"variant_id": 8101, "sku": "LAMP-1", "price": "10.00", "taxes": CA}])
        refund, expected = refund_payload(order, lines=[{"index": 0}])
        job, _created = self.intake("refunds/create", refund)
        with self.assertRaises(RetryableJobError) as waiting:  # transient: queue_job retries it
            self.perform(job)
        self.assertIn(f"waiting for Shopify order {order['id']}", str(waiting.exception))
        self.assertEqual(job.state, "queued")
        self.run_webhook("orders/create", order)
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assert_credit_note(self.credit_note_of(refund), expected)
        self.assertEqual(expected["total"], Decimal("10.73"))

    def test_duplicate_refund_event_makes_one_credit_note(self):
        order, sale = self.import_order(3007)
        refund, expected = refund_payload(order, lines=[{"index": 1, "quantity": 1}])
        first = self.run_webhook("refunds/create", refund)
        again = self.run_webhook("refunds/create", refund)  # redelivered under another webhook id
        self.assertEqual((first.state, again.state), ("done", "done"))
        self.assertIn("already applied", again.result_summary)
        credit_notes = self.env["account.move"].search(
            [("move_type", "=", "out_refund"), ("invoice_origin", "=", sale.name)]
        )
        self.assertEqual(len(credit_notes), 1)
        self.assertEqual(
            self.env["account.payment"].search_count(
                [("payment_type", "=", "outbound"), ("journal_id", "=", self.bank.id)]
            ),
            1,
        )

    def test_unmapped_refund_gateway_is_a_configuration_error(self):
        order, sale = self.import_order(3008)
        refund, _expected = refund_payload(order, lines=[{"index": 1, "quantity": 1}], gateway="paypal")
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertIn("Payment gateway 'paypal'", job.error_message)
        self.assertFalse(self.credit_note_of(refund))
        self.assertFalse(
            self.env["account.move"].search([("move_type", "=", "out_refund"), ("invoice_origin", "=", sale.name)])
        )


@tagged("post_install", "-at_install")
class TestFulfillments(BooksAndStockCase):
    def setUp(self):
        super().setUp()
        self.shopify_orders = {}  # order gid -> {"fulfillmentOrders": [...], "fulfillments": [...]}
        self.created = []
        self.standin.root["order"] = self._answer_order
        self.standin.root["fulfillmentCreate"] = self._fulfillment_create

    # -- the Shopify side of the stand-in ------------------------------------------------------

    def shopify_order(self, payload, location=11):
        """Shopify's fulfilment orders for an imported order: one, at ``location``, every line open."""
        gid = payload["admin_graphql_api_id"]
        self.shopify_orders[gid] = {
            "name": payload["name"],
            "fulfillments": [],
            "fulfillmentOrders": [
                {
                    "id": f"gid://shopify/FulfillmentOrder/{payload['id']}",
                    "status": "OPEN",
                    "assignedLocation": {"location": {"id": f"gid://shopify/Location/{location}"}, "name": "Main"},
                    "lineItems": [
                        {
                            "id": f"gid://shopify/FulfillmentOrderLineItem/{item['id']}",
                            "remainingQuantity": item["quantity"],
                            "sku": item["sku"],
                            "variant": {"id": f"gid://shopify/ProductVariant/{item['variant_id']}"},
                            "lineItem": {"id": item["admin_graphql_api_id"], "sku": item["sku"]},
                        }
                        for item in payload["line_items"]
                    ],
                }
            ],
        }
        return self.shopify_orders[gid]

    def _answer_order(self, _info, id):
        state = self.shopify_orders.get(id)
        if not state:
            return None
        return {
            "id": id,
            "name": state["name"],
            "fulfillments": state["fulfillments"],
            "fulfillmentOrders": {
                "nodes": [
                    dict(fo, lineItems={"nodes": fo["lineItems"], "pageInfo": {"hasNextPage": False}})
                    for fo in state["fulfillmentOrders"]
                ],
                "pageInfo": {"hasNextPage": state.get("more_fulfillment_orders", False)},
            },
        }

    def _fulfillment_create(self, _info, fulfillment):
        for group in fulfillment["lineItemsByFulfillmentOrder"]:
            state = next(
                s
                for s in self.shopify_orders.values()
                if any(fo["id"] == group["fulfillmentOrderId"] for fo in s["fulfillmentOrders"])
            )
            fo = next(fo for fo in state["fulfillmentOrders"] if fo["id"] == group["fulfillmentOrderId"])
            lines = []
            for wanted in group["fulfillmentOrderLineItems"]:
                item = next(i for i in fo["lineItems"] if i["id"] == wanted["id"])
                if wanted["quantity"] > item["remainingQuantity"]:
                    return {
                        "fulfillment": None,
                        "userErrors": [
                            {
                                "field": ["fulfillment"],
                                "message": "Invalid fulfillment order line item quantity requested.",
                            }
                        ],
                    }
                item["remainingQuantity"] -= wanted["quantity"]
                lines.append({"quantity": wanted["quantity"], "lineItem": {"id": item["lineItem"]["id"]}})
        number = len(self.created) + 1
        created = {
            "id": f"gid://shopify/Fulfillment/{900 + number}",
            "name": f"{state['name']}.{number}",
            "status": "SUCCESS",
            "trackingInfo": [fulfillment.get("trackingInfo") or {}],
            "fulfillmentLineItems": {"nodes": lines},
            "notify": fulfillment.get("notifyCustomer"),
        }
        state["fulfillments"].append(created)
        self.created.append(created)
        return {"fulfillment": created, "userErrors": []}

    def export_jobs(self, picking):
        return self.env["shopify.sync.job"].search(
            [("topic", "=", "fulfillments/export"), ("shopify_ref", "like", picking.name)]
        )

    def shipped(self, created):
        return sorted((n["lineItem"]["id"], n["quantity"]) for n in created["fulfillmentLineItems"]["nodes"])

    # -- tests -------------------------------------------------------------------------------

    def test_partial_delivery_then_backorder_make_one_fulfilment_each(self):
        order, sale = self.import_order(4001)
        self.shopify_order(order)
        lamp_item, mug_item = (i["admin_graphql_api_id"] for i in order["line_items"])
        first = self.deliver(sale, {self.lamp: 1, self.mug: 3})
        first.shopify_sync_tracking_company = "UPS"
        first.shopify_sync_tracking_number = "1Z999"
        first.shopify_sync_tracking_url = "https://ups.example/1Z999"
        job = self.export_jobs(first)
        self.assertEqual(len(job), 1)
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(len(self.created), 1)
        self.assertEqual(self.shipped(self.created[0]), sorted([(lamp_item, 1), (mug_item, 3)]))
        self.assertEqual(
            self.created[0]["trackingInfo"][0],
            {"company": "UPS", "number": "1Z999", "url": "https://ups.example/1Z999"},
        )
        self.assertTrue(self.created[0]["notify"])
        first.invalidate_recordset()
        self.assertEqual(first.shopify_sync_fulfillment_gid, self.created[0]["id"])
        backorder = self.deliver(sale)
        job = self.export_jobs(backorder)
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(len(self.created), 2)
        self.assertEqual(self.shipped(self.created[1]), [(lamp_item, 1)])
        self.assertEqual(self.on_hand(self.lamp, self.wh1), 8)
        # Retrying a done export (or a redelivered job) never makes another fulfilment.
        again = self.env["shopify.sync.job"]._create_outbound(
            self.backend, "fulfillment", "fulfillments/export", payload={"picking_id": first.id}, ref=first.name
        )
        again._enqueue()
        self.perform(again)
        self.assertIn("already Shopify fulfilment", again.result_summary)
        self.assertEqual(len(self.created), 2)

    def test_retry_after_a_lost_answer_adopts_the_fulfilment_shopify_made(self):
        order, sale = self.import_order(4002)
        self.shopify_order(order)
        picking = self.deliver(sale)
        job = self.export_jobs(picking)
        real_execute = ShopifyClient.execute

        def lose_the_answer(client, document, variables=None):
            data = real_execute(client, document, variables)
            if "fulfillmentCreate" in document:
                raise TransientError("Shopify server error (HTTP 502): Bad Gateway")
            return data

        with patch.object(ShopifyClient, "execute", lose_the_answer), self.assertRaises(RetryableJobError):
            self.perform(job)
        self.assertEqual(len(self.created), 1, "Shopify did create it")
        self.assertEqual(job.state, "queued")
        picking.invalidate_recordset()
        self.assertFalse(picking.shopify_sync_fulfillment_gid)
        self.perform(job)  # queue_job's retry
        self.assertEqual(job.state, "done", job.error_message)
        self.assertIn("an earlier attempt's answer was lost", job.result_summary)
        self.assertEqual(len(self.created), 1)
        picking.invalidate_recordset()
        self.assertEqual(picking.shopify_sync_fulfillment_gid, self.created[0]["id"])

    def test_shipping_from_an_unmapped_warehouse_is_a_configuration_error(self):
        order, sale = self.import_order(4003)
        self.shopify_order(order, location=33)  # Shopify assigned it to a location Odoo does not map
        picking = self.deliver(sale)
        job = self.export_jobs(picking)
        self.perform(job)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertIn("gid://shopify/Location/33", job.error_message)
        self.assertFalse(self.created)

    def test_order_too_large_for_one_read_is_a_data_error_not_a_partial_fulfilment(self):
        order, sale = self.import_order(4005)
        self.shopify_order(order)["more_fulfillment_orders"] = True
        picking = self.deliver(sale)
        job = self.export_jobs(picking)
        self.perform(job)
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertIn("more than 5 fulfilment orders", job.error_message)
        self.assertFalse(self.created)

    def test_inbound_fulfilment_delivers_in_odoo_and_is_not_sent_back(self):
        order, sale = self.import_order(4004)
        self.shopify_order(order)
        lamp_item = order["line_items"][0]
        fulfillment = {
            "id": 555001,
            "admin_graphql_api_id": "gid://shopify/Fulfillment/555001",
            "order_id": order["id"],
            "status": "success",
            "name": "#4004.1",
            "location_id": 11,
            "tracking_company": "DHL",
            "tracking_number": "JD0001",
            "tracking_url": "https://dhl.example/JD0001",
            "line_items": [dict(lamp_item, quantity=1)],
        }
        job = self.run_webhook("fulfillments/create", fulfillment)
        self.assertEqual(job.state, "done")
        self.assertIn("off for this store", job.result_summary)
        self.assertFalse(sale.picking_ids.filtered(lambda p: p.state == "done"))
        self.backend.import_fulfillments = True
        job = self.run_webhook("fulfillments/create", fulfillment)
        self.assertEqual(job.state, "done", job.error_message)
        done = sale.picking_ids.filtered(lambda p: p.state == "done")
        self.assertEqual(len(done), 1)
        self.assertEqual(done.move_ids.filtered(lambda m: m.picked).mapped("quantity"), [1.0])
        self.assertEqual(done.shopify_sync_tracking_number, "JD0001")
        self.assertEqual(self.on_hand(self.lamp, self.wh1), 9)
        self.assertEqual(self.on_hand(self.mug, self.wh1), 10)
        self.assertFalse(self.export_jobs(done), "a delivery made because of Shopify is not exported back")
        backorder = sale.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertEqual(sorted(backorder.move_ids.mapped("product_uom_qty")), [1.0, 3.0])
        # fulfillments/update of the same fulfilment: tracking only, nothing delivered twice.
        update = dict(fulfillment, tracking_number="JD0002")
        job = self.run_webhook("fulfillments/update", update)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(done.shopify_sync_tracking_number, "JD0002")
        self.assertEqual(self.on_hand(self.lamp, self.wh1), 9)

    def lamp_fulfillment(self, order, fulfillment_id, quantity, status="success"):
        return {
            "id": fulfillment_id,
            "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
            "order_id": order["id"],
            "status": status,
            "name": f"{order['name']}.{fulfillment_id % 10}",
            "location_id": 11,
            "line_items": [dict(order["line_items"][0], quantity=quantity)],
        }

    def to_deliver(self, sale, product):
        moves = sale.picking_ids.move_ids.filtered(
            lambda m: m.product_id == product and m.picking_code == "outgoing" and m.state not in ("done", "cancel")
        )
        return sum(moves.mapped("product_uom_qty"))

    def test_a_fulfilment_cancelled_in_shopify_brings_the_goods_back_to_deliver_again(self):
        order, sale = self.import_order(4006)
        self.shopify_order(order)
        self.backend.import_fulfillments = True
        lamp_line = sale.order_line.filtered(lambda line: line.product_id == self.lamp)
        job = self.run_webhook("fulfillments/create", self.lamp_fulfillment(order, 556001, 1))
        self.assertEqual(job.state, "done", job.error_message)
        delivered = sale.picking_ids.filtered(lambda p: p.state == "done")
        self.assertEqual((self.on_hand(self.lamp, self.wh1), lamp_line.qty_delivered), (9, 1))
        # Shopify cancels it (fulfillments/update, status cancelled): Odoo had delivered it.
        job = self.run_webhook("fulfillments/update", self.lamp_fulfillment(order, 556001, 1, status="cancelled"))
        self.assertEqual(job.state, "done", job.error_message)
        returned = delivered.return_ids
        self.assertEqual(returned.mapped("state"), ["done"])
        self.assertEqual(job.res_id, returned.id)
        self.assertEqual(self.on_hand(self.lamp, self.wh1), 10)
        self.assertEqual(lamp_line.qty_delivered, 0)
        self.assertEqual(self.to_deliver(sale, self.lamp), 2, "Odoo proposes to deliver the whole line again")
        self.assertFalse(self.export_jobs(returned), "a return made because of Shopify is not sent back")
        # Another update of the cancelled fulfilment returns nothing twice.
        job = self.run_webhook("fulfillments/update", self.lamp_fulfillment(order, 556001, 1, status="cancelled"))
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(len(delivered.return_ids), 1)
        self.assertEqual(self.on_hand(self.lamp, self.wh1), 10)
        # Shopify fulfils the line again: delivered once more, from the goods waiting.
        job = self.run_webhook("fulfillments/create", self.lamp_fulfillment(order, 556002, 2))
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual((self.on_hand(self.lamp, self.wh1), lamp_line.qty_delivered), (8, 2))
        self.assertEqual(self.to_deliver(sale, self.lamp), 0)
        # One lamp sent back and refunded: it comes back to stock and is credited once.
        refund, expected = refund_payload(
            order, lines=[{"index": 0, "quantity": 1, "restock_type": "return", "location_id": 11}]
        )
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(self.on_hand(self.lamp, self.wh1), 9)
        self.assertEqual(odoo_amount(self.credit_note_of(refund).amount_total), expected["total"])
        self.assertEqual(self.to_deliver(sale, self.lamp), 0, "nothing is proposed to deliver again")

    def test_a_cancellation_applied_before_its_fulfilment_leaves_nothing_delivered(self):
        order, sale = self.import_order(4008)
        self.backend.import_fulfillments = True
        job = self.run_webhook("fulfillments/update", self.lamp_fulfillment(order, 556011, 1, status="cancelled"))
        self.assertEqual(job.state, "done", job.error_message)
        job = self.run_webhook("fulfillments/create", self.lamp_fulfillment(order, 556011, 1))
        self.assertEqual(job.state, "done", job.error_message)
        self.assertIn("cancelled", job.result_summary)
        self.assertFalse(sale.picking_ids.filtered(lambda p: p.state == "done"))
        self.assertEqual(self.on_hand(self.lamp, self.wh1), 10)

    def test_a_fulfilment_odoo_shipped_then_cancelled_in_shopify_is_left_to_the_warehouse(self):
        order, sale = self.import_order(4007)
        self.shopify_order(order)
        self.backend.import_fulfillments = True
        shipped = self.deliver(sale, {self.lamp: 1})
        export = self.export_jobs(shipped)
        self.perform(export)
        self.assertEqual(export.state, "done", export.error_message)
        gid = self.created[0]["id"]
        number = int(gid.rsplit("/", 1)[1])
        job = self.run_webhook("fulfillments/update", self.lamp_fulfillment(order, number, 1, status="cancelled"))
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertIn(shipped.name, job.error_message)
        self.assertIn("Return on", job.fix_hint)
        self.assertFalse(shipped.return_ids)
        self.assertEqual(self.on_hand(self.lamp, self.wh1), 9)


@tagged("post_install", "-at_install")
class TestOrderEditAfterImport(BooksAndStockCase):
    def test_confirmed_order_edited_before_delivery_is_updated(self):
        self.backend.create_invoice = False
        order, sale = self.import_order(5001)
        self.assertEqual(sale.state, "sale")
        edited = order_payload(
            5001,
            order_id=order["id"],
            customer=order["customer"],
            updated_at="2026-11-23T11:00:00-05:00",
            lines=[
                {"variant_id": 8101, "sku": "LAMP-1", "price": "49.95", "quantity": 3, "discount": "9.99", "taxes": CA}
            ],
            shipping={"price": "6.00", "taxes": CA},
        )
        job = self.run_webhook("orders/updated", edited)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(odoo_amount(sale.amount_total), Decimal(edited["total_price"]))
        self.assertEqual(odoo_amount(sale.amount_tax), Decimal(edited["total_tax"]))
        quantities = defaultdict(float)
        for move in sale.picking_ids.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            quantities[move.product_id] += move.product_uom_qty
        self.assertEqual({product: qty for product, qty in quantities.items() if qty}, {self.lamp: 3.0})

    def test_delivered_order_edited_fails_with_the_difference(self):
        order, sale = self.import_order(5002)
        self.deliver(sale)
        edited = order_payload(
            5002,
            order_id=order["id"],
            customer=order["customer"],
            updated_at="2026-11-23T11:00:00-05:00",
            lines=[{"variant_id": 8102, "sku": "MUG-1", "price": "12.50", "quantity": 3, "taxes": CA}],
            shipping={"price": "6.00", "taxes": CA},
        )
        job = self.run_webhook("orders/updated", edited)
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertIn(f"lines in Odoo only: [({self.lamp.id}, 2.0, 49.95)]", job.error_message)
        self.assertIn("was edited in Shopify after", job.error_message)
