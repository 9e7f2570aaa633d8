"""Pulled orders imported in batches (handlers/order_batch.py): the same sale orders as one job per
order, to the cent and line by line; one bad order fails alone and Retry completes it; reruns and
redeliveries create nothing twice; books on, invoices and payments as one by one."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from odoo.addons.queue_job.job import Job as QueueJob

from ..handlers.orders import odoo_amount
from ..lib import order_batching, order_graphql
from .common import CommittedCase, ShopifyCase, automatic_reordering_rule
from .order_payloads import graphql_order, graphql_transaction, lamp_and_mug_order, order_payload
from .test_books import BooksCase

CA = [("CA State Tax", 7.25)]


def pulled(payload):
    """The order as a backfill stores it: Shopify's GraphQL order, as JSON."""
    node = graphql_order(payload)
    order = order_graphql.rest_order(node, line_items=node["lineItems"], shipping_lines=node["shippingLines"])
    return json.loads(order_graphql.dumps(order), parse_float=Decimal)


class BatchMixin:
    def store_pulled(self, orders, workflow="historical"):
        """Order jobs stored as a backfill page stores them (no queue job of their own), and the
        batch jobs queued for them."""
        Job = self.env["shopify.sync.job"].sudo()
        stored = Job
        for order in orders:
            job, created = Job._intake_pulled(self.backend, pulled(order), workflow, enqueue=False)
            if created:
                stored |= job
        order_batching.queue_batches(self.backend, workflow, stored, "test")
        return stored

    def run_batches(self):
        batches = self.jobs(topic=order_batching.TOPIC, state="queued")
        for batch in batches:
            self.perform(batch)
            self.assertEqual(batch.state, "done", batch.error_message)
        return batches

    def import_one_by_one(self, orders):
        Job = self.env["shopify.sync.job"].sudo()
        for order in orders:
            job, _created = Job._intake_pulled(self.backend, pulled(order), "historical")
            self.perform(job)
            self.assertEqual(job.state, "done", job.error_message)

    def sale_of(self, payload):
        return self.env["shopify.binding"]._record_for(self.backend, payload["admin_graphql_api_id"])

    def sales_named(self, payload):
        return self.env["sale.order"].search([("client_order_ref", "=", payload["name"])])


@tagged("post_install", "-at_install")
class TestOrderBatch(BatchMixin, ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.setup_us_sales_tax()
        Product = cls.env["product.product"]
        cls.mug = Product.create({"name": "Mug", "default_code": "MUG-1", "type": "consu", "is_storable": True})
        cls.cap = Product.create({"name": "Cap", "default_code": "CAP-1", "type": "consu"})
        cls.backend.shipping_product_id = Product.create({"name": "Shipping", "type": "service"})
        cls.env["stock.quant"]._update_available_quantity(
            cls.mug, cls.backend.warehouse_id.lot_stock_id or cls.env.ref("stock.stock_location_stock"), 100
        )

    def order(self, number, order_id=None, **kwargs):
        kwargs.setdefault(
            "lines",
            [
                {"sku": "MUG-1", "variant_id": 4401, "price": "19.99", "quantity": 3, "discount": "5.00", "taxes": CA},
                {"sku": "CAP-1", "variant_id": 4402, "price": "7.10", "quantity": 1 + number % 3, "taxes": CA},
            ],
        )
        kwargs.setdefault("shipping", {"price": "4.99", "taxes": CA})
        return order_payload(number, order_id=order_id, **kwargs)

    @staticmethod
    def snapshot(sale):
        """What an order import decides, without ids and names that differ between two imports."""
        lines = [
            (
                line.product_id.id,
                line.name,
                line.product_uom_qty,
                line.price_unit,
                line.discount,
                tuple(line.tax_ids.ids),
                odoo_amount(line.price_subtotal),
                odoo_amount(line.price_tax),
                odoo_amount(line.price_total),
            )
            for line in sale.order_line.sorted("id")
        ]
        moves = sorted((move.product_id.id, move.product_uom_qty, move.state) for move in sale.picking_ids.move_ids)
        partner = sale.partner_id
        return {
            "state": sale.state,
            "amounts": [odoo_amount(sale[f]) for f in ("amount_untaxed", "amount_tax", "amount_total")],
            "lines": lines,
            "moves": moves,
            "customer": (partner.name, partner.email),
            "shipping": (sale.partner_shipping_id.street, sale.partner_shipping_id.zip),
            "warehouse": sale.warehouse_id.id,
            "date_order": sale.date_order,
            "signature": (sale.shopify_sync_state or {}).get("signature"),
        }

    def test_a_batch_equals_one_job_per_order_line_by_line_and_to_the_cent(self):
        numbers = range(7101, 7106)
        alone = [self.order(n) for n in numbers]
        batched = [self.order(n) for n in numbers]  # the same orders, other Shopify ids
        for one, other in zip(alone, batched, strict=True):  # and the same customer e-mail each
            other["customer"] = dict(one["customer"], id=other["customer"]["id"])
            other["email"] = one["email"]
        self.import_one_by_one(alone)
        jobs = self.store_pulled(batched)
        self.assertFalse(jobs.queue_job_id, "batched orders have no queue job of their own")
        (batch,) = self.run_batches()
        self.assertEqual(batch.queue_job_id.channel, "root.shopify.imports")
        self.assertIn("5 created in batch", batch.result_summary)
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        for one, other, job in zip(alone, batched, jobs, strict=True):
            sale = self.sale_of(other)
            self.assertEqual((job.res_model, job.res_id), ("sale.order", sale.id))
            self.assertEqual(job.attempts, 1)
            self.assertEqual(self.snapshot(sale), self.snapshot(self.sale_of(one)))
            tax, total = Decimal(other["total_tax"]), Decimal(other["total_price"])
            self.assertEqual(
                [odoo_amount(sale[f]) for f in ("amount_untaxed", "amount_tax", "amount_total")],
                [total - tax, tax, total],
            )
            self.assertEqual(sale.partner_id, self.sale_of(one).partner_id, "the customer is matched, not doubled")

    def test_one_bad_order_fails_alone_and_retry_completes_it(self):
        good_before, good_after = self.order(7201), self.order(7203)
        unknown_sku = self.order(7202, lines=[{"sku": "LAMP-9", "variant_id": 4409, "price": "30.00", "taxes": CA}])
        self.standin.root["nodes"] = lambda _info, ids: [
            {"__typename": "ProductVariant", "id": gid, "sku": None, "barcode": None} for gid in ids
        ]
        jobs = self.store_pulled([good_before, unknown_sku, good_after])
        self.run_batches()
        bad = jobs.filtered(lambda j: j.shopify_ref == unknown_sku["name"])
        self.assertEqual((bad.state, bad.failure_category), ("failed", "data"))
        self.assertIn("LAMP-9", bad.error_message)
        self.assertIn("Retry", bad.fix_hint)
        self.assertEqual(bad.attempts, 1)
        self.assertFalse(self.sales_named(unknown_sku), "nothing of the bad order is kept")
        self.assertFalse(self.env["res.partner"].search_count([("email", "=", unknown_sku["email"])]), "no contact")
        for payload in (good_before, good_after):
            self.assertEqual(self.sale_of(payload).state, "sale", "its neighbours are imported")
        self.assertEqual((jobs - bad).mapped("state"), ["done", "done"])

        self.env["product.product"].create({"name": "Lamp", "default_code": "LAMP-9", "type": "consu"})
        bad.action_retry()
        self.perform(bad)
        self.assertEqual(bad.state, "done", bad.error_message)
        self.assertEqual(odoo_amount(self.sale_of(unknown_sku).amount_total), Decimal(unknown_sku["total_price"]))

    def test_an_order_failing_after_its_creation_is_isolated_by_halving(self):
        """Totals are checked after the batched create: the batch is halved until the order that
        does not match Shopify is alone; its neighbours commit, it fails with its own message."""
        orders = [self.order(n) for n in range(7301, 7306)]
        wrong = str(Decimal(orders[3]["total_price"]) + Decimal("0.01"))
        orders[3]["total_price"] = wrong
        for money in orders[3]["total_price_set"].values():
            money["amount"] = wrong
        jobs = self.store_pulled(orders)
        (batch,) = self.run_batches()
        self.assertIn("4 created in batch", batch.result_summary)
        bad = jobs.filtered(lambda j: j.shopify_ref == orders[3]["name"])
        self.assertEqual((bad.state, bad.failure_category), ("failed", "data"))
        self.assertIn("would not match Shopify to the cent", bad.error_message)
        self.assertEqual(jobs.mapped("attempts"), [1] * 5, "one run each, the halving is not counted")
        self.assertFalse(self.sales_named(orders[3]))
        for payload in orders[:3] + orders[4:]:
            self.assertEqual(odoo_amount(self.sale_of(payload).amount_total), Decimal(payload["total_price"]))

    def test_rerun_redelivery_and_versions_create_nothing_twice(self):
        first, second = self.order(7401), self.order(7402)
        newer = self.order(  # a second version of the same order, in the same batch
            7401,
            order_id=first["id"],
            updated_at="2026-11-23T12:00:00-05:00",
            lines=[{"sku": "MUG-1", "variant_id": 4401, "price": "19.99", "quantity": 5, "taxes": CA}],
        )
        # The webhook of the second order came in and ran first: the batch updates, never doubles.
        webhook_job, _created = self.intake("orders/create", second)
        self.perform(webhook_job)
        jobs = self.store_pulled([first, newer, second])
        (batch,) = self.run_batches()
        self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("error_message"))
        self.assertIn("1 created in batch", batch.result_summary)
        self.assertEqual(len(self.sales_named(first)), 1)
        self.assertEqual(len(self.sales_named(second)), 1)
        sale = self.sale_of(first)
        quantities = {line.product_id: line.product_uom_qty for line in sale.order_line}
        self.assertEqual((quantities[self.mug], quantities[self.cap]), (5.0, 0.0), "the newer version applied")
        self.assertEqual(odoo_amount(sale.amount_total), Decimal(newer["total_price"]))

        # The batch job run again (a worker died after the commit) and the same versions pulled again.
        self.perform(batch)
        self.assertFalse(self.store_pulled([first, newer, second]), "the same versions are not stored again")
        self.assertFalse(self.jobs(topic=order_batching.TOPIC, state="queued"))
        self.assertEqual(len(self.sales_named(first)), 1)
        self.assertEqual(len(self.sales_named(second)), 1)
        self.assertEqual(jobs.mapped("attempts"), [1, 1, 1])

    def test_new_customers_are_created_together_matched_as_one_by_one_and_never_doubled(self):
        """The batch's new contacts are made in one create for the customers and one for their
        addresses; each order gets the contact it would get alone: the same e-mail is one contact
        (another customer ID too), a contact of the store's company is matched, one of another
        company is not, the same delivery address is one delivery contact; a phone warning stays."""
        other_company = self.env["res.company"].create({"name": "Other shop company"})
        mine = self.env["res.partner"].create(
            {"name": "Known Buyer", "email": "known@example.com", "company_id": self.backend.company_id.id}
        )
        theirs = self.env["res.partner"].create(
            {"name": "Their Buyer", "email": "theirs@example.com", "company_id": other_company.id}
        )
        first = self.order(7801)
        again = self.order(7802)  # the same customer (ID, e-mail, address): a second order
        again["customer"], again["email"] = first["customer"], first["email"]
        same_email = self.order(7803)  # another customer ID, the same e-mail
        same_email["customer"] = dict(first["customer"], id=5_999_000_001)
        same_email["email"] = first["email"]
        known, foreign, bad_phone = self.order(7804), self.order(7805), self.order(7806)
        known["customer"]["email"] = known["email"] = mine.email
        foreign["customer"]["email"] = foreign["email"] = theirs.email
        bad_phone["customer"]["phone"] = "12"
        renamed = self.order(7807)  # the first customer ID with another e-mail: still that contact
        renamed["customer"] = dict(first["customer"], email="renamed@example.com")
        renamed["email"] = "renamed@example.com"
        orders = [first, again, same_email, known, foreign, bad_phone, renamed]

        inserts = []
        execute = type(self.env.cr).execute

        def counting(cr, query, params=None, log_exceptions=True):
            text = str(getattr(query, "code", query))
            if text.startswith('INSERT INTO "res_partner"'):
                inserts.append(text)
            return execute(cr, query, params, log_exceptions)

        jobs = self.store_pulled(orders)
        with patch.object(type(self.env.cr), "execute", counting):
            (batch,) = self.run_batches()
        self.assertIn("7 created in batch", batch.result_summary)
        self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("error_message"))
        self.assertEqual(len(inserts), 2, "one INSERT for the new customers, one for their new addresses")

        customers = {payload["name"]: self.sale_of(payload).partner_id for payload in orders}
        self.assertEqual(customers[first["name"]], customers[again["name"]])
        self.assertEqual(customers[first["name"]], customers[same_email["name"]], "the same e-mail: one contact")
        self.assertEqual(customers[first["name"]], customers[renamed["name"]], "the same customer ID: one contact")
        self.assertEqual(customers[known["name"]], mine, "a contact of the store's company is matched")
        self.assertNotEqual(customers[foreign["name"]], theirs, "another company's contact is not")
        self.assertEqual(customers[foreign["name"]].company_id, self.backend.company_id)
        Binding = self.env["shopify.binding"]
        for payload in (first, same_email):
            gid = f"gid://shopify/Customer/{payload['customer']['id']}"
            self.assertEqual(Binding._record_for(self.backend, gid), customers[first["name"]])
        deliveries = {payload["name"]: self.sale_of(payload).partner_shipping_id for payload in orders}
        self.assertEqual(deliveries[first["name"]], deliveries[again["name"]], "one delivery contact per address")
        self.assertEqual(len(customers[first["name"]].child_ids.filtered(lambda c: c.type == "delivery")), 1)
        store_contacts = [("parent_id", "=", False), ("company_id", "in", [False, self.backend.company_id.id])]
        for payload in orders[:-1]:  # renamed: none with its new e-mail
            contacts = self.env["res.partner"].search_count([("email", "=", payload["email"])] + store_contacts)
            self.assertEqual(contacts, 1, f"one contact of the store with {payload['email']}")
        self.assertFalse(self.env["res.partner"].search_count([("email", "=", renamed["email"])]))
        warned = jobs.filtered(lambda j: j.shopify_ref == bad_phone["name"])
        self.assertEqual(warned.warning_message.count("Phone '12' kept as given"), 1)
        self.assertFalse((jobs - warned).filtered("warning_message"))

    def test_a_bad_customer_fails_its_order_alone(self):
        """A customer Odoo cannot create (a country unknown to Odoo) is not created with the others:
        its order fails alone with the per-order verdict, its neighbours' customers are made."""
        good, other = self.order(7901), self.order(7903)
        bad = self.order(
            7902,
            billing={
                "first_name": "Bad",
                "last_name": "Land",
                "address1": "1 Nowhere",
                "city": "Atlantis",
                "zip": "0",
                "country_code": "XQ",
                "country": "Nowhere",
            },
        )
        jobs = self.store_pulled([good, bad, other])
        (batch,) = self.run_batches()
        self.assertIn("2 created in batch", batch.result_summary)
        failed = jobs.filtered(lambda j: j.shopify_ref == bad["name"])
        self.assertEqual((failed.state, failed.failure_category), ("failed", "data"))
        self.assertIn("'XQ'", failed.error_message)
        self.assertFalse(self.env["res.partner"].search_count([("email", "=", bad["email"])]), "nothing of it kept")
        for payload in (good, other):
            self.assertEqual(self.sale_of(payload).partner_id.email, payload["email"])

    def test_each_batched_order_says_which_shopify_order_it_came_from(self):
        payloads = [self.order(7861), self.order(7862)]
        self.store_pulled(payloads)
        self.run_batches()
        for payload in payloads:
            sale = self.sale_of(payload)
            self.assertEqual(
                sale.message_ids.mapped("body"),
                [f"<p>Sales Order imported from Shopify order {payload['name']} (store {self.backend.name}).</p>"],
            )
            self.assertEqual(len(sale.picking_ids.message_ids), 1, "Odoo's note naming the order, nothing more")

    def test_an_automatic_reordering_rule_of_a_batched_product_is_still_triggered(self):
        """The batch asks once which products have an automatic reordering rule and spares Odoo's
        search per stock move for the others only: the mug's rule still runs at confirmation."""
        self.store_pulled([self.order(7851), self.order(7852)])
        with automatic_reordering_rule(self.env, self.mug, self.backend) as (rule, triggered):
            self.run_batches()
        self.assertIn(rule.id, triggered)

    def test_backfill_pages_queue_batch_jobs_and_batch_size_one_queues_each_order(self):
        self.env["ir.config_parameter"].sudo().set_param(order_batching.BATCH_SIZE_PARAM, "2")
        jobs = self.store_pulled([self.order(n) for n in range(7501, 7506)])
        self.assertEqual(len(self.jobs(topic=order_batching.TOPIC)), 3)
        self.run_batches()
        self.assertEqual(set(jobs.mapped("state")), {"done"})

        self.env["ir.config_parameter"].sudo().set_param(order_batching.BATCH_SIZE_PARAM, "1")
        (alone,) = self.store_pulled([self.order(7506)])
        self.assertEqual(len(self.jobs(topic=order_batching.TOPIC)), 3, "no batch job for batch size 1")
        self.perform(alone)
        self.assertEqual(alone.state, "done", alone.error_message)

    def test_a_backlog_of_order_webhooks_is_regrouped_into_batches(self):
        """Webhooks waiting for a worker (a burst, or workers stopped): the scheduled action takes
        back the queue jobs no worker has taken and batches their orders on the orders channel."""
        self.env["ir.config_parameter"].sudo().set_param(order_batching.BATCH_SIZE_PARAM, "3")
        orders = [self.order(n) for n in range(7701, 7705)]
        jobs = self.env["shopify.sync.job"]
        for payload in orders:
            jobs |= self.intake("orders/create", payload)[0]
        queue_jobs = jobs.queue_job_id
        self.assertEqual(len(queue_jobs), 4)
        Backend = self.env["shopify.backend"]
        Backend._cron_batch_order_backlog(now=fields.Datetime.now())
        self.assertFalse(self.jobs(topic=order_batching.TOPIC), "just received: not a backlog yet")
        # A worker is about to run the first one: it stays with that worker.
        self.env.cr.execute("UPDATE queue_job SET state = 'enqueued' WHERE id = %s", [queue_jobs[0].id])
        Backend._cron_batch_order_backlog(now=fields.Datetime.now() + timedelta(minutes=1))
        (batch,) = self.jobs(topic=order_batching.TOPIC)
        self.assertEqual((batch.workflow, batch.queue_job_id.channel), ("order", "root.shopify.orders"))
        self.assertEqual(jobs[0].queue_job_id, queue_jobs[0])
        self.assertFalse(jobs[1:].queue_job_id)
        self.assertFalse(queue_jobs[1:].exists(), "their queue jobs are gone: no worker runs them")
        self.perform(batch)
        self.assertIn("3 created in batch", batch.result_summary)
        self.perform(jobs[0])
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        for payload in orders:
            self.assertEqual(len(self.sales_named(payload)), 1)
            self.assertEqual(odoo_amount(self.sale_of(payload).amount_total), Decimal(payload["total_price"]))

        # Fewer than a batch waiting: left to the workers one by one.
        (alone,) = self.intake("orders/create", self.order(7706))[:1]
        Backend._cron_batch_order_backlog(now=fields.Datetime.now() + timedelta(minutes=1))
        self.assertEqual(len(self.jobs(topic=order_batching.TOPIC)), 1)
        self.assertTrue(alone.queue_job_id.exists())


@tagged("post_install", "-at_install")
class TestOrderBatchBooks(BatchMixin, BooksCase):
    """Books on: each batched order gets its posted invoice of what Shopify charged and the
    payments of the transactions it carries, reconciled, as when it is imported alone."""

    def with_transactions(self, order, gateway="shopify_payments"):
        order["transactions_graphql"] = [graphql_transaction(order, 1, "SALE", Decimal(order["total_price"]), gateway)]
        return order

    def test_batched_orders_are_invoiced_and_paid_to_the_cent(self):
        orders = [self.with_transactions(lamp_and_mug_order(n)) for n in (7601, 7602, 7603)]
        orders[1] = self.with_transactions(lamp_and_mug_order(7602), gateway="paypal")
        jobs = self.store_pulled(orders)
        (batch,) = self.run_batches()
        self.assertIn("3 created in batch", batch.result_summary)
        self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("error_message"))
        for order in orders:
            sale = self.sale_of(order)
            (invoice,) = sale.invoice_ids
            self.assertEqual(invoice.state, "posted")
            self.assertEqual(odoo_amount(invoice.amount_total), Decimal(order["total_price"]))
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            # One payment per transaction, on its gateway's journal (PayPal for the second), to the cent.
            self.assert_money_invariant(order, transactions=pulled(order)["transactions"])


@tagged("post_install", "-at_install")
class TestOrderBatchConcurrency(CommittedCase):
    """A batch job and the webhook job of one of its orders run at the same instant, each in its own
    committed transaction (the test database is throw-away; own company, store and numbers)."""

    def test_batch_and_webhook_of_the_same_order_make_one_sale_order(self):
        tag = uuid.uuid4().hex[:8]
        payload = order_payload(881000, lines=[{"sku": f"BATCH-{tag}", "price": "10.00", "taxes": [("Batch Tax", 5)]}])
        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            backend = self.one_product_store(env, "Batch", tag)
            (webhook_uuid,) = self.enqueue(env, backend, [("orders/create", payload)])
            Job = env["shopify.sync.job"]
            pulled_job, _created = Job._intake_pulled(backend, payload, "historical", enqueue=False)
            (batch,) = order_batching.queue_batches(backend, "historical", pulled_job, "race")
            uuids = [webhook_uuid, batch.queue_job_id.uuid]
            backend_id = backend.id

        outcomes = self.run_jobs_at_once(uuids, timeout=120, quiet=["odoo.addons.shopify_sync.handlers.order_batch"])
        # One wins the order's binding; the other is sent back to the queue, to retry in seconds.
        self.assertEqual(sorted(outcomes), ["done", "retry"])

        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            jobs = env["shopify.sync.job"].search([("backend_id", "=", backend_id)])
            for job in jobs.filtered(lambda j: j.state == "queued" and j.queue_job_id):
                QueueJob.load(env, job.queue_job_id.uuid).perform()
            self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("error_message"))
            company = env["shopify.backend"].browse(backend_id).company_id
            orders = env["sale.order"].search([("client_order_ref", "=", "#881000"), ("company_id", "=", company.id)])
            self.assertEqual(len(orders), 1)
            # This store's customers only: other tests commit contacts with the same address.
            customers = [("email", "=", payload["email"]), ("company_id", "=", company.id)]
            self.assertEqual(env["res.partner"].search_count(customers), 1)
            self.assertEqual(odoo_amount(orders.amount_total), Decimal(payload["total_price"]))
