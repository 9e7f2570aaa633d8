"""Database conflicts (hot products: two order jobs reserving the same stock, binding the same
Shopify id) retry within seconds, with jitter, not on the transient back-off meant for outages."""

import psycopg2

from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..lib import errors
from ..models.shopify_sync_job import CONFLICT_RETRY_MAX_SECONDS
from .common import ShopifyCase, temporary_handler

TRANSIENT_FIRST_DELAY = 10  # data/queue_job_data.xml: the first step of every workflow's retry pattern


class TestConflictRetry(ShopifyCase):
    def run_until_retry(self, job):
        """Perform the queue job once as the worker does; return (queue job, delay drawn for the retry)."""
        queued = Job.load(self.env, job.queue_job_id.uuid)
        with self.assertRaises(RetryableJobError) as caught:
            queued.perform()
        return queued, caught.exception

    def test_serialization_failure_retries_after_a_short_jittered_delay(self):
        country = self.env.ref("base.be")
        # The job's transaction has its snapshot; another worker then changes the row and commits
        # (what a second order job does to a hot product's stock.quant).
        self.env.cr.execute("SELECT id FROM res_country WHERE id = %s", [country.id])

        def handler(job):
            with self.registry.cursor() as other:
                other.execute("SET LOCAL lock_timeout = '5s'")
                other.execute("UPDATE res_country SET write_date = write_date WHERE id = %s", [country.id])
            job.env.cr.execute("UPDATE res_country SET write_date = write_date WHERE id = %s", [country.id])

        with temporary_handler("test/hot-product", "order", handler), mute_logger("odoo.sql_db"):
            job, _created = self.intake("test/hot-product", {"id": 11})
            queued, retry = self.run_until_retry(job)
        self.assertIsInstance(retry.__cause__, psycopg2.errors.SerializationFailure)
        self.assertIn("Database conflict", str(retry))
        low, high = retry.seconds
        self.assertGreaterEqual(low, 1)
        self.assertLess(high, TRANSIENT_FIRST_DELAY)
        # queue_job draws the delay from that window (jitter), and it is shorter than the first
        # step of the retry pattern an outage gets.
        drawn = {queued._get_retry_seconds(retry.seconds) for _ in range(200)}
        self.assertTrue(drawn <= set(range(low, high + 1)))
        self.assertGreater(len(drawn), 1, "the delay must vary, or two conflicting jobs meet again")
        self.assertEqual(queued._get_retry_seconds(None), TRANSIENT_FIRST_DELAY)
        job.invalidate_recordset()
        self.assertEqual(job.state, "queued")

    def test_binding_clash_retries_quickly_and_widens_with_attempts(self):
        def handler(job):
            partner = job.env["res.partner"].create({"name": "P"})
            job.env["shopify.binding"]._bind(job.backend_id, "gid://shopify/Customer/78", partner)
            # A concurrent job bound the same GID: the unique key refuses the second row, and the
            # binder reports it as a TransientError raised from the UniqueViolation (as _bind does).
            try:
                with job.env.cr.savepoint():
                    job.env.cr.execute(
                        "INSERT INTO shopify_binding (backend_id, resource_type, shopify_gid, res_model, res_id) "
                        "VALUES (%s, 'Customer', 'gid://shopify/Customer/78', 'res.partner', %s)",
                        [job.backend_id.id, partner.id],
                    )
            except psycopg2.errors.UniqueViolation as err:
                raise errors.TransientError("gid://shopify/Customer/78 was bound by a concurrent job") from err

        with temporary_handler("test/bind-clash", "customer", handler), mute_logger("odoo.sql_db"):
            job, _created = self.intake("test/bind-clash", {"id": 12})
            _queued, first = self.run_until_retry(job)
            self.assertIn("Database conflict", str(first))
            job.invalidate_recordset()
            job.attempts = 30  # a job that kept meeting the same conflict
            _queued, later = self.run_until_retry(job)
        self.assertLess(first.seconds[1], TRANSIENT_FIRST_DELAY)
        self.assertGreater(later.seconds[1], first.seconds[1])
        self.assertLessEqual(later.seconds[1], CONFLICT_RETRY_MAX_SECONDS)

    def test_outage_keeps_the_transient_back_off(self):
        def handler(job):
            raise errors.TransientError("Shopify server error (HTTP 503)")

        with temporary_handler("test/outage", "order", handler):
            job, _created = self.intake("test/outage", {"id": 13})
            queued, retry = self.run_until_retry(job)
        self.assertFalse(retry.seconds)
        self.assertEqual(queued._get_retry_seconds(retry.seconds), TRANSIENT_FIRST_DELAY)
