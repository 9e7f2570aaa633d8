"""Hot products: order jobs of the same products run side by side without database conflicts.

The order job confirms without reserving; the store's reservation job (stock/reserve) reserves the
deliveries in the order they were confirmed (models/stock_move.py). Product variants are bound in a
short transaction of their own (shopify.binding._bind_shared)."""

import uuid

from odoo.tests import tagged

from odoo.addons.queue_job.job import Job

from ..models.stock_move import RESERVE_TOPIC
from .common import CommittedCase, ShopifyCase
from .order_payloads import order_payload
from .test_stock import StockCase


def lines(tag, quantities=(2, 1)):
    return [
        {
            "sku": f"HOT-{tag}-{k}",
            "variant_id": 9_100_000_000 + k + 10 * (int(tag, 16) % 10_000_000),
            "price": price,
            "quantity": quantity,
            "taxes": [("CA State Tax", 7.25)],
        }
        for k, (price, quantity) in enumerate(zip(("19.99", "5.49"), quantities, strict=True))
    ]


class TestDeferredReservation(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tax = cls.setup_us_sales_tax()
        cls.tag = uuid.uuid4().hex[:6]
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.backend.company_id.id)], limit=1)
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": spec["sku"],
                    "default_code": spec["sku"],
                    "type": "consu",
                    "is_storable": True,
                    "taxes_id": [(6, 0, tax.ids)],
                }
                for spec in lines(cls.tag)
            ]
        )
        for product in cls.products:
            cls.env["stock.quant"]._update_available_quantity(product, cls.warehouse.lot_stock_id, 5)
        cls.backend.warehouse_id = cls.warehouse

    def import_order(self, number, quantities=(2, 1)):
        job, _created = self.intake("orders/create", order_payload(number, lines=lines(self.tag, quantities)))
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.env.cr.flush()  # what the commit does: precommit hooks (the reservation job)
        return self.env["sale.order"].browse(job.res_id)

    def reservation_jobs(self):
        return self.jobs(topic=RESERVE_TOPIC)

    def reserved(self, product):
        quants = self.env["stock.quant"].search(
            [("product_id", "=", product.id), ("location_id", "=", self.warehouse.lot_stock_id.id)]
        )
        return sum(quants.mapped("reserved_quantity"))

    def test_order_job_confirms_and_the_reservation_job_reserves_in_order(self):
        first = self.import_order(771001)
        second = self.import_order(771002, quantities=(3, 1))
        # Confirmed, not reserved yet: nothing written on the products' quants by the order jobs.
        self.assertEqual(first.state, "sale")
        self.assertEqual(first.picking_ids.state, "confirmed")
        self.assertEqual([self.reserved(p) for p in self.products], [0, 0])
        moves = (first | second).picking_ids.move_ids
        self.assertEqual(moves.shopify_sync_reserve_backend_id, self.backend)
        # One job for the burst: the second order relied on the pending one.
        job = self.reservation_jobs()
        self.assertEqual(len(job), 1)
        self.assertEqual(job.workflow, "inventory")
        self.assertEqual(job.queue_job_id.channel, "root.shopify.inventory")

        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        # 5 in stock of the first product: the first order (2) is ready, the second (3) too, the
        # second product (1 + 1) too; both deliveries are ready for the clerk.
        self.assertEqual((first | second).picking_ids.mapped("state"), ["assigned", "assigned"])
        self.assertEqual([self.reserved(p) for p in self.products], [5, 2])
        self.assertFalse(moves.shopify_sync_reserve_backend_id)
        self.assertIn("4 delivery moves of 2 transfers reserved: 4 fully", job.result_summary)

    def test_first_confirmed_is_first_served_when_stock_is_short(self):
        first = self.import_order(771011, quantities=(4, 1))
        second = self.import_order(771012, quantities=(4, 1))  # 8 of a product with 5 in stock
        self.perform(self.reservation_jobs())
        self.assertEqual(first.picking_ids.move_ids.mapped("state"), ["assigned", "assigned"])
        short = second.picking_ids.move_ids.filtered(lambda m: m.product_id == self.products[0])
        self.assertEqual((short.state, short.quantity), ("partially_available", 1))
        self.assertEqual(self.reserved(self.products[0]), 5)
        self.assertIn("waiting for stock", self.reservation_jobs().result_summary)

    def test_a_started_reservation_job_is_not_relied_on(self):
        self.import_order(771021)
        running = self.reservation_jobs()
        # queue_job's runner took it: its transaction may not see the next order's moves.
        running.queue_job_id.state = "started"
        self.import_order(771022)
        self.assertEqual(len(self.reservation_jobs()), 2)

    def test_manual_reservation_stays_manual(self):
        self.warehouse.out_type_id.reservation_method = "manual"
        sale = self.import_order(771031)
        self.assertEqual(sale.picking_ids.state, "confirmed")
        self.assertFalse(sale.picking_ids.move_ids.shopify_sync_reserve_backend_id)
        self.assertFalse(self.reservation_jobs())

    def test_reservation_outside_order_jobs_is_unchanged(self):
        """A sale order confirmed in Odoo (not by a Shopify job) reserves at confirmation, as before."""
        sale = self.env["sale.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Walk-in"}).id,
                "warehouse_id": self.warehouse.id,
                "order_line": [(0, 0, {"product_id": self.products[0].id, "product_uom_qty": 1})],
            }
        )
        sale.action_confirm()
        self.assertEqual(sale.picking_ids.state, "assigned")
        self.assertFalse(self.reservation_jobs())


@tagged("post_install", "-at_install")
class TestConcurrentHotOrders(CommittedCase):
    """Two order jobs of the same (new, unbound) products in stock, at the same instant on two
    workers, each in its own committed transaction (throw-away test database, own company)."""

    def test_two_orders_of_the_same_products_both_succeed_first_time(self):
        tag = uuid.uuid4().hex[:8]
        payloads = [order_payload(881000 + i, lines=lines(tag)) for i in range(2)]
        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            company, tax = self.us_company_with_tax(env, f"Hot Co {tag}", "Hot 7.25%", 7.25)
            warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
            products = env["product.product"].create(
                [
                    {
                        "name": spec["sku"],
                        "default_code": spec["sku"],
                        "type": "consu",
                        "is_storable": True,
                        "company_id": company.id,
                        "taxes_id": False,
                    }
                    for spec in lines(tag)
                ]
            )
            for product in products:
                env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10)
            backend = self.store_with_tax(
                env,
                company,
                tax,
                "CA State Tax",
                7.25,
                name="Hot store",
                shop_domain=f"hot-{tag}.myshopify.com",
                warehouse_id=warehouse.id,
                product_match="binding_sku",
            )
            uuids = self.enqueue(env, backend, [("orders/create", payload) for payload in payloads])
            backend_id, product_ids, stock_id = backend.id, products.ids, warehouse.lot_stock_id.id

        outcomes = self.run_jobs_at_once(uuids)
        # Neither met the other: no serialization failure on the quants, no clash on the bindings.
        self.assertEqual(outcomes, ["done", "done"])

        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            jobs = env["shopify.sync.job"].search([("backend_id", "=", backend_id)])
            order_jobs = jobs.filtered(lambda j: j.topic == "orders/create")
            self.assertEqual(order_jobs.mapped("state"), ["done", "done"], order_jobs.mapped("error_message"))
            bindings = env["shopify.binding"].search(
                [("backend_id", "=", backend_id), ("resource_type", "=", "ProductVariant")]
            )
            self.assertEqual(sorted(bindings.mapped("res_id")), sorted(product_ids))
            # The reservation job(s) the two commits left pending reserve both deliveries.
            reservations = jobs.filtered(lambda j: j.topic == RESERVE_TOPIC)
            self.assertTrue(reservations)
            for job in reservations:
                Job.load(env, job.queue_job_id.uuid).perform()
            sales = env["sale.order"].browse(order_jobs.mapped("res_id"))
            self.assertEqual(sales.picking_ids.mapped("state"), ["assigned", "assigned"])
            quants = env["stock.quant"].search([("product_id", "in", product_ids), ("location_id", "=", stock_id)])
            self.assertEqual(
                {q.product_id.id: q.reserved_quantity for q in quants}, {product_ids[0]: 4, product_ids[1]: 2}
            )


@tagged("post_install", "-at_install")
class TestDriftWhileReservationIsPending(StockCase):
    """inventory_levels/update between an order's import and its reservation is not drift."""

    def test_imported_order_not_reserved_yet_is_held_by_orders(self):
        self.map_locations()
        self.add_stock(self.mug, 10)
        self.export()
        order, _created = self.intake(
            "orders/create",
            order_payload(7301, lines=[{"variant_id": 1, "sku": "MUG", "price": "5.00", "quantity": 2}]),
        )
        self.perform(order)
        self.assertEqual(order.state, "done", order.error_message)
        sale = self.env["sale.order"].browse(order.res_id)
        self.assertEqual(sale.picking_ids.state, "confirmed", "not reserved yet")
        # Shopify took the 2 units off at checkout; Odoo reserves them when the reservation job runs.
        job, _created = self.intake(
            "inventory_levels/update",
            {
                "inventory_item_id": 501,
                "location_id": 1001,
                "available": 8,
                "updated_at": "2026-11-23T10:05:00-05:00",
                "admin_graphql_api_id": "gid://shopify/InventoryLevel/1001?inventory_item_id=501",
            },
        )
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertIn("held by orders", job.result_summary)
        self.assertFalse(self.jobs(state="failed"))
