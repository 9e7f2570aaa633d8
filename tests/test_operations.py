"""Operations: the sync never stops silently (token renewal, connection self-healing), sync jobs
are searchable by name, and every button checks the group the form shows it to."""

import collections
import socket
from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError

from ..lib import errors, queries
from ..lib.client import fetch_client_credentials_token
from .common import ShopifyCase, temporary_handler
from .shopify_standin import ShopifyStandIn


class TokenFaultStandIn(ShopifyStandIn):
    """The stand-in whose token endpoint can answer as Shopify does when it is busy or down."""

    def reset(self):
        super().reset()
        self.token_faults = collections.deque()

    def queue_token_fault(self, status, retry_after=None, count=1):
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.token_faults.extend([(status, headers)] * count)

    def _token_grant(self, request, raw):
        if self.token_faults:
            status, headers = self.token_faults.popleft()
            body = {"errors": "Exceeded the rate limit" if status == 429 else "Internal Server Error"}
            return self._send(request, status, body, headers)
        return super()._token_grant(request, raw)


def closed_port_url():
    """A loopback URL nobody listens on: a network error, as when Shopify is unreachable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class CredentialsMixin:
    @classmethod
    def setup_cc_backend(cls):
        cls.cc_standin = TokenFaultStandIn(api_version="2026-10", client_id="cid-ops", client_secret="csecret-ops")
        cls.cc_standin.start()
        cls.addClassCleanup(cls.cc_standin.stop)
        cls.cc_backend = cls.env["shopify.backend"].create({
            "name": "Dev Dashboard store",
            "shop_domain": "ops-store.myshopify.com",
            "auth_mode": "client_credentials",
            "client_id": "cid-ops",
            "client_secret": "csecret-ops",
            "api_base_url": cls.cc_standin.base_url,
            "webhook_secret": "whsec_ops",
        })


class TestTokenRenewal(CredentialsMixin, ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_cc_backend()

    def setUp(self):
        super().setUp()
        self.cc_standin.reset()
        self.cc_backend.action_test_connection()
        self.assertEqual(self.cc_backend.state, "connected", self.cc_backend.last_check_message)

    def connection_failures(self, backend):
        return self.env["shopify.sync.job"].search([
            ("backend_id", "=", backend.id), ("workflow", "=", "connection"), ("state", "=", "failed")])

    def test_429_from_token_endpoint_is_transient(self):
        self.cc_standin.queue_token_fault(429, retry_after=3)
        with self.assertRaises(errors.TransientError) as caught:
            fetch_client_credentials_token("ops-store.myshopify.com", "cid-ops", "csecret-ops",
                                           base_url=self.cc_standin.base_url)
        self.assertEqual(caught.exception.retry_after, 3.0)
        for status in (408, 503):
            with self.subTest(status=status):
                self.cc_standin.queue_token_fault(status)
                with self.assertRaises(errors.TransientError):
                    fetch_client_credentials_token("ops-store.myshopify.com", "cid-ops", "csecret-ops",
                                                   base_url=self.cc_standin.base_url)

    def test_429_on_token_renewal_retries_the_job(self):
        """A job that meets an expiring token while the token endpoint is throttled is retried
        later by the queue, not parked as an authentication failure."""
        self.cc_backend.token_expires_at = fields.Datetime.now() + timedelta(minutes=5)
        self.cc_standin.queue_token_fault(429, retry_after=2)

        def handler(job):
            return job.backend_id._get_client().execute(queries.SHOP_INFO)

        with temporary_handler("test/needs_token", "order", handler):
            job = self.env["shopify.sync.job"].sudo()._create_outbound(self.cc_backend, "order", "test/needs_token")
            job._enqueue()
            with self.assertRaises(RetryableJobError):
                self.perform(job)
            self.assertEqual(job.state, "queued")
            self.assertFalse(job.failure_category)
            # The throttle is over: the retry renews the token and succeeds.
            self.assertEqual(self.perform(job), "done")
        self.assertEqual(self.cc_backend.state, "connected")

    def test_token_cron_recovers_by_itself_after_a_network_error(self):
        backend = self.cc_backend
        grants = self.cc_standin.token_grants
        backend.token_expires_at = fields.Datetime.now() + timedelta(minutes=30)
        backend.api_base_url = closed_port_url()
        with mute_logger("odoo.addons.shopify_sync.models.shopify_backend"):
            self.env["shopify.backend"]._cron_refresh_tokens()
        # A network error keeps the store in service and parks nothing as a credential problem.
        self.assertEqual(backend.state, "connected")
        self.assertFalse(self.connection_failures(backend).filtered(
            lambda j: j.failure_category in ("authentication", "permission")))
        self.assertIn("Cannot reach", backend.last_check_message)
        # The catch-up of missed orders still runs for this store.
        self.env["shopify.backend"]._cron_catch_up_orders()
        self.assertTrue(self.env["shopify.sync.job"].search_count([
            ("backend_id", "=", backend.id), ("topic", "=", "orders/catch_up")]))
        # Shopify is reachable again: the next run renews the token without anyone pressing a button.
        backend.api_base_url = self.cc_standin.base_url
        self.env["shopify.backend"]._cron_refresh_tokens()
        self.assertEqual(self.cc_standin.token_grants, grants + 1)
        self.assertGreater(backend.token_expires_at, fields.Datetime.now() + timedelta(hours=23))
        self.assertEqual(backend.state, "connected")

    def test_store_in_error_is_retried_with_backoff_and_reconnected(self):
        backend = self.cc_backend
        backend.client_secret = "revoked"
        backend.token_expires_at = fields.Datetime.now()
        self.env["shopify.backend"]._cron_refresh_tokens()
        # A real credential problem: the store is in error, and a failed job says what to do.
        self.assertEqual(backend.state, "error")
        failed = self.connection_failures(backend)
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed.failure_category, "authentication")
        self.assertIn("Dev Dashboard", failed.fix_hint)
        self.assertTrue(backend.connection_retry_at)
        # The crons keep running for a store in error.
        self.env["shopify.backend"]._cron_catch_up_orders()
        self.assertTrue(self.env["shopify.sync.job"].search_count([
            ("backend_id", "=", backend.id), ("topic", "=", "orders/catch_up")]))
        # Before the backoff has passed, nothing is tried; after, the same failure is counted on the
        # same job instead of a new failed job every hour.
        grants_refused = self.cc_standin.token_grants
        self.env["shopify.backend"]._cron_refresh_tokens()
        self.assertEqual(backend.connection_failures, 1)
        first_wait = backend.connection_retry_at - fields.Datetime.now()
        backend.connection_retry_at = fields.Datetime.now() - timedelta(seconds=1)
        self.env["shopify.backend"]._cron_refresh_tokens()
        self.assertEqual(backend.connection_failures, 2)
        self.assertGreater(backend.connection_retry_at - fields.Datetime.now(), first_wait)
        self.assertEqual(self.connection_failures(backend), failed)
        self.assertEqual(failed.attempts, 2)
        # The administrator fixes the secret in Shopify's app: the next due retry reconnects.
        backend.client_secret = "csecret-ops"
        backend.connection_retry_at = fields.Datetime.now() - timedelta(seconds=1)
        self.env["shopify.backend"]._cron_refresh_tokens()
        self.assertEqual(self.cc_standin.token_grants, grants_refused + 1)
        self.assertEqual(backend.state, "connected")
        self.assertEqual(backend.connection_failures, 0)
        self.assertEqual(failed.state, "done", "the connection failure is resolved, not left to triage")

    def test_missing_scope_keeps_the_store_in_error_as_a_permission_failure(self):
        backend = self.cc_backend
        backend.write({"state": "error", "connection_retry_at": fields.Datetime.now() - timedelta(seconds=1)})
        self.cc_standin.queue_fault("403")
        self.env["shopify.backend"]._cron_refresh_tokens()
        self.assertEqual(backend.state, "error")
        failed = self.connection_failures(backend)
        self.assertEqual(failed.failure_category, "permission")
        self.assertIn("scope", failed.fix_hint)

    def test_transient_error_on_test_connection_keeps_the_store_connected(self):
        self.cc_standin.queue_fault("503")
        self.cc_standin.queue_fault("503")
        self.cc_backend.action_test_connection()
        self.assertEqual(self.cc_backend.state, "connected")
        self.assertIn("HTTP 503", self.cc_backend.last_check_message)


class TestSyncJobName(ShopifyCase):
    def test_name_search_finds_jobs_by_topic_and_reference(self):
        job, _created = self.intake("orders/create", {"id": 820982911946154500, "name": "#9999",
                                                      "admin_graphql_api_id": "gid://shopify/Order/77"})
        Job = self.env["shopify.sync.job"]
        found = Job.name_search("#9999")
        self.assertIn(job.id, [row[0] for row in found])
        self.assertIn(job, Job.search([("display_name", "ilike", "orders/create")]))
        self.assertNotIn(job, Job.search([("display_name", "ilike", "products/update")]))
        # The display name is unchanged: topic and reference.
        self.assertEqual(job.display_name, f"orders/create {job.shopify_ref or job.shopify_gid}")


class TestButtonRights(ShopifyCase):
    """Every button a view shows to a group only is refused, over RPC, to a user outside it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reader = new_test_user(
            cls.env, login="shopify_reader", groups="base.group_user,shopify_sync.group_shopify_user",
            company_id=cls.backend.company_id.id, company_ids=[cls.backend.company_id.id])
        cls.job = cls.env["shopify.sync.job"]._create_outbound(cls.backend, "connection", "connection/test")
        cls.drift = cls.env["shopify.sync.catalog.drift"].create({
            "backend_id": cls.backend.id, "kind": "unmatched", "shopify_variant_gid": "gid://shopify/ProductVariant/1",
        })

    def guarded_buttons(self):
        """(model, method, groups) of every object button with ``groups`` in this addon's views."""
        views = self.env["ir.ui.view"].search([("model", "=like", "shopify.%")])
        views |= self.env["ir.model.data"].search([
            ("module", "=", "shopify_sync"), ("model", "=", "ir.ui.view")]).mapped(
            lambda d: self.env["ir.ui.view"].browse(d.res_id))
        found = set()
        for view in views:
            arch = etree.fromstring(view.arch_db.encode())
            for button in arch.iter("button"):
                # A button inside a group-restricted block is shown to that group only.
                groups = ",".join(node.get("groups") for node in [button, *button.iterancestors()]
                                  if node.get("groups"))
                if button.get("type") == "object" and groups:
                    found.add((view.model, button.get("name"), groups))
        return found

    def test_every_guarded_button_refuses_users_outside_its_group(self):
        records = {"shopify.backend": self.backend, "shopify.sync.job": self.job,
                   "shopify.sync.catalog.drift": self.drift}
        buttons = self.guarded_buttons()
        names = {name for _model, name, _groups in buttons}
        # The ones the issue names, so the view scan cannot silently find nothing.
        self.assertTrue({"action_register_webhooks", "action_check_catalog_drift", "action_test_connection",
                         "action_open_queue_job"} <= names, names)
        jobs_before = self.env["shopify.sync.job"].search_count([])
        checked = 0
        for model, method, groups in sorted(buttons):
            record = records.get(model)
            if not record:
                continue
            if all(self.reader.has_group(group) for group in groups.split(",")):
                continue
            with self.subTest(model=model, button=method), self.assertRaises(AccessError):
                getattr(record.with_user(self.reader), method)()
            checked += 1
        self.assertGreaterEqual(checked, 8)
        self.assertEqual(self.env["shopify.sync.job"].search_count([]), jobs_before, "a refused button did work")
