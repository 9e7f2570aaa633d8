"""Sync jobs from queue to verdict: handlers, classification, retry from the UI, cancel."""

import json

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs

from ..lib import errors, registry
from ..models.shopify_sync_job import TRANSIENT_MAX_RETRIES
from .common import ShopifyCase, temporary_handler
from .shopify_reference import webhook_example


class TestSyncJobs(ShopifyCase):
    def test_app_uninstalled_disconnects_and_stops_outbound_work(self):
        outbound = self.env["shopify.sync.job"]._create_outbound(self.backend, "inventory", "inventory/export")
        outbound._enqueue()
        self.assertEqual(outbound.state, "queued")
        self.standin.access_token = "revoked"  # Shopify refuses the token once the app is gone
        job, created = self.intake("app/uninstalled", webhook_example("app/uninstalled"))
        self.assertTrue(created)
        self.assertEqual(self.perform(job), "done")
        self.assertEqual(job.state, "done")
        self.assertEqual(self.backend.state, "disconnected")
        self.assertFalse(self.backend.access_token)
        self.assertEqual(outbound.state, "cancelled")
        self.assertEqual(outbound.queue_job_id.state, "cancelled")
        self.assertIn("uninstalled", outbound.cancel_reason)
        with self.assertRaises(errors.ConfigurationError) as caught:
            self.backend._get_client()
        self.assertIn("uninstalled", caught.exception.message)
        # Replaying the event changes nothing more.
        self.assertEqual(job._run(), "already done")

    def test_each_failure_class_is_recorded_with_its_fix(self):
        cases = [
            (errors.ConfigurationError("tax 'CA State Tax' 7.25% has no mapping", fix="Add it"), "configuration"),
            (errors.DataError("SKU ABC-1 (variant 4455) has no Odoo product", fix="Create it"), "data"),
            (errors.PermissionDenied("missing read_orders", fix="Grant it"), "permission"),
            (errors.AuthenticationFailed("token expired", fix="Renew it"), "authentication"),
            (AccessError("You are not allowed to create Sales Orders"), "permission"),
            (ValidationError("The partner has no country"), "data"),
            (KeyError("line_items"), "data"),
        ]
        for exception, category in cases:

            def handler(job, exception=exception):
                raise exception

            with (
                self.subTest(category=category, exception=type(exception).__name__),
                temporary_handler("test/failure", "order", handler),
                mute_logger("odoo.addons.shopify_sync.models.shopify_sync_job"),
            ):
                job, _created = self.intake("test/failure", {"id": 1})
                self.assertEqual(job.queue_job_id.channel, "root.shopify.orders")
                self.assertEqual(self.perform(job), f"failed: {category}")
                self.assertEqual((job.state, job.failure_category), ("failed", category))
                self.assertTrue(job.error_message)
                if isinstance(exception, errors.SyncError):
                    self.assertEqual(job.error_message, exception.message)
                    self.assertEqual(job.fix_hint, exception.fix)
                # The queue job itself ended normally: no blind retry of a non-transient failure.
                self.assertEqual(job.queue_job_id.retry, 0)

    def test_partial_work_is_rolled_back_on_failure(self):
        def handler(job):
            job.env["res.partner"].create({"name": "Half-imported customer"})
            raise errors.DataError("SKU X has no product")

        with temporary_handler("test/partial", "order", handler):
            job, _created = self.intake("test/partial", {"id": 2})
            self.perform(job)
        self.assertEqual(job.state, "failed")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Half-imported customer")]))

    def test_transient_failure_goes_back_to_queue_then_fails_when_exhausted(self):
        def handler(job):
            raise errors.TransientError("Shopify server error (HTTP 503)", retry_after=7)

        with temporary_handler("test/transient", "order", handler):
            job, _created = self.intake("test/transient", {"id": 3})
            self.assertEqual(job.queue_job_id.max_retries, TRANSIENT_MAX_RETRIES)
            queued = Job.load(self.env, job.queue_job_id.uuid)
            with self.assertRaises(RetryableJobError) as caught:
                queued.perform()
            self.assertEqual(caught.exception.seconds, 8)
            self.assertIn("HTTP 503", str(caught.exception))
            # The last allowed attempt turns into a failure, which queue_job reports through
            # on_fail: the sync job is then parked as failed/transient with the exact error.
            queued.retry = queued.max_retries - 1
            with self.assertRaises(FailedJobError) as exhausted:
                queued.perform()
            queued.on_fail(
                {
                    "exc_name": "odoo.addons.queue_job.exception.FailedJobError",
                    "exc_message": str(exhausted.exception),
                    "exc_info": "",
                }
            )
        job.invalidate_recordset()
        self.assertEqual((job.state, job.failure_category), ("failed", "transient"))
        self.assertIn("HTTP 503", job.error_message)

    def test_database_conflict_is_transient(self):
        def handler(job):
            binding = job.env["shopify.binding"]
            partner = job.env["res.partner"].create({"name": "P"})
            binding._bind(job.backend_id, "gid://shopify/Customer/77", partner)
            # A second binder of the same GID under another record (what a concurrent job does).
            job.env.cr.execute(
                "INSERT INTO shopify_binding (backend_id, resource_type, shopify_gid, res_model, res_id) "
                "VALUES (%s, 'Customer', 'gid://shopify/Customer/77', 'res.partner', %s)",
                [job.backend_id.id, partner.id],
            )

        with temporary_handler("test/conflict", "customer", handler), mute_logger("odoo.sql_db"):
            job, _created = self.intake("test/conflict", {"id": 4})
            with self.assertRaises(RetryableJobError):
                Job.load(self.env, job.queue_job_id.uuid).perform()

    def test_retry_after_fix_runs_through_queue_with_same_identity(self):
        job, _created = self.intake("test/later", {"id": 5, "name": "#1005"})
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertEqual(job.error_message, "No handler for topic test/later.")
        made = []

        def handler(job):
            made.append(job.id)
            return job.env["res.partner"].create({"name": f"Customer of {job.shopify_ref}"})

        # The "fix" lands (here: the handler); Retry enqueues it again, on the handler's workflow.
        with temporary_handler("test/later", "order", handler):
            with trap_jobs() as trap:
                job.action_retry()
                self.assertEqual(job.state, "queued")
                self.assertFalse(job.error_message)
                trap.assert_jobs_count(1)
                trap.assert_enqueued_job(
                    job._job_run_order,
                    properties={
                        "channel": "root.shopify.orders",
                        "identity_key": f"shopify.sync.job:{job.id}",
                    },
                )
                trap.perform_enqueued_jobs()
        self.assertEqual(job.state, "done")
        self.assertEqual(job.res_model, "res.partner")
        self.assertEqual(self.env["res.partner"].browse(job.res_id).name, "Customer of #1005")
        self.assertEqual(made, [job.id])
        with self.assertRaises(UserError):
            job.action_retry()  # done jobs are not retried

    def test_double_retry_enqueues_once(self):
        job, _created = self.intake("test/double", {"id": 6})
        with temporary_handler("test/double", "order", lambda j: None):
            job.action_retry()
            first = job.queue_job_id
            job.state = "failed"  # a second click racing the first
            job.action_retry()
        self.assertEqual(job.queue_job_id, first)

    def test_retry_and_cancel_wizards_on_a_selection(self):
        failed = self.env["shopify.sync.job"]
        for n in range(3):
            failed |= self.intake("test/wizard", {"id": 100 + n})[0]
        done = self.env["shopify.sync.job"]._create_outbound(self.backend, "connection", "connection/test")
        done._mark_done()
        selection = failed | done
        wizard = (
            self.env["shopify.sync.job.retry"]
            .with_context(active_model="shopify.sync.job", active_ids=selection.ids)
            .create({})
        )
        self.assertEqual((wizard.retryable_count, wizard.skipped_count), (3, 1))
        with temporary_handler("test/wizard", "product", lambda j: None):
            wizard.action_retry()
        self.assertEqual(set(failed.mapped("state")), {"queued"})
        self.assertEqual(set(failed.mapped("queue_job_id.channel")), {"root.shopify.products"})
        self.assertEqual(done.state, "done")

        cancel = (
            self.env["shopify.sync.job.cancel"]
            .with_context(active_model="shopify.sync.job", active_ids=failed[:2].ids)
            .create({"reason": "Test orders"})
        )
        cancel.action_cancel()
        self.assertEqual(failed[:2].mapped("state"), ["cancelled", "cancelled"])
        self.assertEqual(failed[:2].mapped("cancel_reason"), ["Test orders", "Test orders"])
        self.assertEqual(set(failed[:2].mapped("queue_job_id.state")), {"cancelled"})
        self.assertEqual(failed[2].state, "queued")

    def test_each_workflow_has_its_channel_and_retry_pattern(self):
        functions = self.env["queue.job.function"].search([("model_id.model", "=", "shopify.sync.job")])
        by_method = {f.method: f for f in functions}
        for workflow, channel in registry.WORKFLOW_CHANNEL.items():
            with self.subTest(workflow=workflow):
                function = by_method[f"_job_run_{workflow}"]
                self.assertEqual(function.channel, channel)
                self.assertEqual(function._parse_retry_pattern(), {1: 10, 5: 60, 10: 300, 15: 1800})
                self.assertEqual(function.on_fail_method, "_on_queue_job_failed")
                self.assertTrue(hasattr(self.env["shopify.sync.job"], f"_job_run_{workflow}"))

    def test_warnings_are_kept_on_a_done_job(self):
        def handler(job):
            job._add_warning("phone '555-CALL-NOW' kept as given: not a valid number")
            return None

        with temporary_handler("test/warning", "customer", handler):
            job, _created = self.intake("test/warning", {"id": 7})
            self.perform(job)
        self.assertEqual(job.state, "done")
        self.assertIn("555-CALL-NOW", job.warning_message)
        self.assertEqual(json.loads(job.payload), {"id": 7})
