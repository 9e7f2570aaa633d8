"""The intake's fast path keeps its guarantees: the cached store lookup follows every change of the
store's domain, secret or status, and the queue job made in the INSERT is the one with_delay makes."""

import uuid

from odoo.tests import tagged

from odoo.addons.queue_job.job import Job

from ..models.shopify_sync_job import TRANSIENT_MAX_RETRIES
from .common import WEBHOOK_SECRET, ShopifyHttpCase, webhook_headers
from .shopify_reference import webhook_example_raw


@tagged("post_install", "-at_install")
class TestIntakeFastPath(ShopifyHttpCase):
    def setUp(self):
        super().setUp()
        self.body = webhook_example_raw("app/uninstalled")

    def post(self, secret=WEBHOOK_SECRET, shop=None):
        headers = webhook_headers(self.body, "app/uninstalled", secret=secret, shop=shop or self.backend.shop_domain)
        self.env.flush_all()  # the request reads the store through its own environment
        return self.post_webhook(self.body, headers)

    def test_cached_store_lookup_follows_secret_domain_and_archiving(self):
        self.assertEqual(self.post().status_code, 200)  # the lookup is now cached in this worker
        self.backend.webhook_secret = "whsec_rotated"
        self.assertEqual(self.post().status_code, 401, "the old secret must stop working at once")
        self.assertEqual(self.post(secret="whsec_rotated").status_code, 200)
        old_domain = self.backend.shop_domain
        self.backend.shop_domain = f"moved-{uuid.uuid4().hex[:6]}.myshopify.com"
        self.assertEqual(self.post(secret="whsec_rotated", shop=old_domain).status_code, 401)
        self.assertEqual(self.post(secret="whsec_rotated").status_code, 200)
        self.backend.active = False
        self.assertEqual(self.post(secret="whsec_rotated").status_code, 401)

    def test_queue_job_made_in_the_insert_matches_with_delay(self):
        response = self.post()
        self.assertEqual(response.status_code, 200, response.text)
        job = self.env["shopify.sync.job"].browse(response.json()["job"])
        queue_job = job.queue_job_id
        self.assertEqual(self.env["queue.job"].search([("identity_key", "=", f"shopify.sync.job:{job.id}")]), queue_job)
        self.assertEqual(queue_job.state, "pending")
        self.assertEqual(queue_job.channel, "root.shopify.app")
        self.assertEqual(queue_job.method_name, "_job_run_connection")
        self.assertEqual(queue_job.job_function_id.method, "_job_run_connection")
        self.assertEqual(queue_job.max_retries, TRANSIENT_MAX_RETRIES)
        self.assertEqual(queue_job.company_id, self.backend.company_id)
        self.assertEqual(queue_job.user_id.id, 1)
        self.assertEqual(queue_job.records, job)
        self.assertTrue(queue_job.name.startswith("Shopify app/uninstalled"))
        # A Retry of the same sync job through with_delay keeps the same identity: one queue job.
        job._enqueue()
        self.assertEqual(job.queue_job_id, queue_job)
        # The worker loads and runs it like any queue job (Shopify refuses the token once the app
        # is gone: app/uninstalled acts only then).
        self.standin.access_token = "revoked"
        self.assertEqual(Job.load(self.env, queue_job.uuid).perform(), "done")
        job.invalidate_recordset()
        self.assertEqual(job.state, "done")
