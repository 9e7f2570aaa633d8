"""POST /shopify/webhook through Odoo's real HTTP stack: verify, store, dedupe, enqueue, answer."""

import json
import uuid

from odoo.tests import tagged

from ..lib.webhook import MAX_BODY_BYTES, read_headers
from .common import CommittedCase, ShopifyHttpCase, run_at_once, webhook_headers
from .shopify_reference import webhook_example_raw


@tagged("post_install", "-at_install")
class TestWebhookIntake(ShopifyHttpCase):
    def setUp(self):
        super().setUp()
        self.body = webhook_example_raw("app/uninstalled")
        self.jobs = self.env["shopify.sync.job"]
        self.queue_jobs_before = self.env["queue.job"].search_count([])

    def job_count(self):
        return self.jobs.search_count([("backend_id", "=", self.backend.id)])

    def test_signed_webhook_is_stored_and_queued_not_processed(self):
        headers = webhook_headers(self.body, "app/uninstalled")
        response = self.post_webhook(self.body, headers)
        self.assertEqual(response.status_code, 200, response.text)
        job = self.jobs.browse(response.json()["job"])
        self.assertEqual(job.topic, "app/uninstalled")
        self.assertEqual(job.workflow, "connection")
        self.assertEqual(job.webhook_id, headers["X-Shopify-Webhook-Id"])
        self.assertEqual(job.event_id, headers["X-Shopify-Event-Id"])
        self.assertEqual(job.api_version, "2026-10")
        self.assertEqual(job.payload.encode(), self.body, "the raw body is kept as received")
        self.assertEqual(job.shopify_gid, f"gid://shopify/Shop/{json.loads(self.body)['id']}")
        self.assertEqual(job.state, "queued")
        self.assertEqual(job.queue_job_id.channel, "root.shopify.app")
        self.assertEqual(job.queue_job_id.state, "pending")
        # The request did not run the handler: the store is still connected until the worker runs.
        self.assertNotEqual(self.backend.state, "disconnected")

    def test_bad_missing_or_tampered_hmac_is_refused_and_stores_nothing(self):
        good = webhook_headers(self.body, "app/uninstalled")
        bad_signature = dict(
            good, **{"X-Shopify-Hmac-Sha256": webhook_headers(self.body, "x", secret="nope")["X-Shopify-Hmac-Sha256"]}
        )
        missing = {k: v for k, v in good.items() if k != "X-Shopify-Hmac-Sha256"}
        cases = {
            "wrong secret": (self.body, bad_signature),
            "missing header": (self.body, missing),
            "tampered body": (self.body.replace(b"Super Toys", b"Super Toyz"), good),
            "unknown shop": (self.body, webhook_headers(self.body, "app/uninstalled", shop="stranger.myshopify.com")),
        }
        for name, (body, headers) in cases.items():
            with self.subTest(case=name):
                response = self.post_webhook(body, headers)
                self.assertEqual(response.status_code, 401)
        self.assertEqual(self.job_count(), 0)
        self.assertEqual(self.env["queue.job"].search_count([]), self.queue_jobs_before)

    def test_duplicate_delivery_is_one_job_and_still_200(self):
        headers = webhook_headers(self.body, "app/uninstalled")
        first = self.post_webhook(self.body, headers)
        second = self.post_webhook(self.body, headers)
        self.assertEqual((first.status_code, second.status_code), (200, 200))
        self.assertFalse(first.json()["duplicate"])
        self.assertTrue(second.json()["duplicate"])
        self.assertEqual(first.json()["job"], second.json()["job"])
        # Same event redelivered under a new webhook id (another subscription): still one job.
        third = self.post_webhook(self.body, dict(headers, **{"X-Shopify-Webhook-Id": str(uuid.uuid4())}))
        self.assertTrue(third.json()["duplicate"])
        self.assertEqual(self.job_count(), 1)
        self.assertEqual(self.env["queue.job"].search_count([]), self.queue_jobs_before + 1)

    def test_oversize_body_is_413_and_stores_nothing(self):
        body = b'{"pad": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
        response = self.post_webhook(body, webhook_headers(body, "app/uninstalled"))
        self.assertEqual(response.status_code, 413)
        self.assertEqual(self.job_count(), 0)

    def test_malformed_body(self):
        body = b'{"id": 1, "name": '
        # Unsigned garbage is refused before anyone reads it.
        unsigned = dict(webhook_headers(body, "orders/create"), **{"X-Shopify-Hmac-Sha256": "AAAA"})
        self.assertEqual(self.post_webhook(body, unsigned).status_code, 401)
        self.assertEqual(self.job_count(), 0)
        # Signed garbage is answered 400 and kept, classified, for someone to look at.
        response = self.post_webhook(body, webhook_headers(body, "orders/create"))
        self.assertEqual(response.status_code, 400)
        job = self.jobs.search([("backend_id", "=", self.backend.id)])
        self.assertEqual(len(job), 1)
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertEqual(job.payload, body.decode())
        self.assertIn("not valid JSON", job.error_message)

    def test_topic_without_handler_is_stored_as_configuration_failure(self):
        body = json.dumps({"id": 828155753, "name": "Comfort", "role": "main"}).encode()
        response = self.post_webhook(body, webhook_headers(body, "themes/publish"))
        self.assertEqual(response.status_code, 200)
        job = self.jobs.browse(response.json()["job"])
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertEqual(job.error_message, "No handler for topic themes/publish.")
        self.assertFalse(job.queue_job_id)

    def test_get_is_not_allowed(self):
        response = self.url_open("/shopify/webhook")
        self.assertEqual(response.status_code, 405)
        self.assertEqual(self.job_count(), 0)


@tagged("post_install", "-at_install")
class TestConcurrentDelivery(CommittedCase):
    """Two deliveries of one webhook at the same instant, each in its own database transaction,
    as two Odoo workers would handle them. Data is committed for real, then removed."""

    def test_two_simultaneous_deliveries_make_one_job(self):
        """Inside a transaction that holds other work (a batch, a backfill): a savepoint."""
        self._race(owns_transaction=False)

    def test_two_simultaneous_webhook_requests_make_one_job(self):
        """In the webhook request's own transaction, without a savepoint: the loser rolls back and
        answers with the winner's job."""
        job_ids = self._race(owns_transaction=True)
        self.assertEqual(len(set(job_ids)), 1, job_ids)

    def _race(self, owns_transaction):
        domain = f"race-{uuid.uuid4().hex[:8]}.myshopify.com"
        backend_id = self.committed_store("Race store", domain)
        body = webhook_example_raw("app/uninstalled")
        headers = read_headers(webhook_headers(body, "app/uninstalled", shop=domain))

        def deliver(together):
            with self.registry.cursor() as cr:
                env = self.env_for(cr)
                backend = env["shopify.backend"].browse(backend_id)
                together()
                job, created = env["shopify.sync.job"]._intake_webhook(
                    backend, headers, body, json.loads(body), owns_transaction=owns_transaction
                )
                return job.id, created

        results = run_at_once([deliver, deliver], timeout=30)
        self.assertEqual([repr(r) for r in results if isinstance(r, Exception)], [])
        self.assertEqual(sorted(created for _job_id, created in results), [False, True])
        with self.registry.cursor() as cr:
            cr.execute("SELECT count(*) FROM shopify_sync_job WHERE backend_id = %s", [backend_id])
            self.assertEqual(cr.fetchone()[0], 1)
            cr.execute(
                "SELECT count(*) FROM queue_job WHERE identity_key IN "
                "(SELECT 'shopify.sync.job:' || id FROM shopify_sync_job WHERE backend_id = %s)",
                [backend_id],
            )
            self.assertEqual(cr.fetchone()[0], 1)
        return [job_id for job_id, _created in results]

    def test_redelivery_while_the_first_job_runs_answers_at_once(self):
        """A worker running the job holds its row for the whole job. Shopify's redelivery must
        still be answered within its 5 s, not after the job ends."""
        domain = f"busy-{uuid.uuid4().hex[:8]}.myshopify.com"
        body = webhook_example_raw("app/uninstalled")
        headers = read_headers(webhook_headers(body, "app/uninstalled", shop=domain))
        backend_id = self.committed_store("Busy store", domain)
        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            job, _created = env["shopify.sync.job"]._intake_webhook(
                env["shopify.backend"].browse(backend_id), headers, body, json.loads(body)
            )
            job_id = job.id

        with self.registry.cursor() as worker_cr:
            worker_cr.execute(
                "UPDATE shopify_sync_job SET state = 'queued', attempts = attempts + 1 WHERE id = %s", [job_id]
            )  # the job is running: its row is locked
            with self.registry.cursor() as cr:
                cr.execute("SET LOCAL statement_timeout = '2s'")
                env = self.env_for(cr)
                again, created = env["shopify.sync.job"]._intake_webhook(
                    env["shopify.backend"].browse(backend_id), headers, body, json.loads(body)
                )
            self.assertFalse(created)
            self.assertEqual(again.id, job_id)
            worker_cr.rollback()
