"""Two workers applying events of the same Shopify order at the same instant, each in its own
committed transaction. This test commits for real (the test database is throw-away), in its own
company, store and order numbers, so it touches nothing the other tests look at."""

import uuid
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.queue_job.job import Job

from ..handlers.orders import odoo_amount
from .common import CommittedCase
from .order_payloads import order_payload


@tagged("post_install", "-at_install")
class TestConcurrentOrderEvents(CommittedCase):
    def test_create_and_update_at_once_make_one_sale_order(self):
        tag = uuid.uuid4().hex[:8]
        payload = order_payload(880000, lines=[{"sku": f"RACE-{tag}", "price": "10.00", "taxes": [("Race Tax", 5)]}])
        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            backend = self.one_product_store(env, "Race", tag, auto_confirm=False)
            uuids = self.enqueue(env, backend, [("orders/create", payload), ("orders/updated", payload)])
            backend_id = backend.id

        outcomes = self.run_jobs_at_once(uuids)
        # One worker wins; the other meets the unique binding and is sent back to the queue.
        self.assertEqual(sorted(outcomes), ["done", "retry"])

        # The queue runs the postponed job again: it finds the order through its binding.
        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            jobs = env["shopify.sync.job"].search([("backend_id", "=", backend_id)])
            for job in jobs.filtered(lambda j: j.state == "queued"):
                Job.load(env, job.queue_job_id.uuid).perform()
            self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("error_message"))
            orders = env["sale.order"].search(
                [
                    ("client_order_ref", "=", "#880000"),
                    ("company_id", "=", env["shopify.backend"].browse(backend_id).company_id.id),
                ]
            )
            self.assertEqual(len(orders), 1)
            self.assertEqual(env["res.partner"].search_count([("email", "=", payload["email"])]), 1)
            self.assertEqual(odoo_amount(orders.amount_total), Decimal(payload["total_price"]))
