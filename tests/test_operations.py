"""Operations: the sync never stops silently (token renewal, connection self-healing), sync jobs
are searchable by name, and every button checks the group the form shows it to."""

import collections
import socket
from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError

from ..lib import errors, queries
from ..lib.client import fetch_client_credentials_token
from .common import ShopifyCase, company_user, temporary_handler
from .shopify_standin import ShopifyStandIn


class TokenFaultStandIn(ShopifyStandIn):
    """The stand-in whose token endpoint can answer as Shopify does when it is busy or down."""

    def reset(self):
        result = super().reset()
        self.token_faults = collections.deque()
        return result

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
        cls.cc_backend = cls.env["shopify.backend"].create(
            {
                "name": "Dev Dashboard store",
                "shop_domain": "ops-store.myshopify.com",
                "auth_mode": "client_credentials",
                "client_id": "cid-ops",
                "client_secret": "csecret-ops",
                "api_base_url": cls.cc_standin.base_url,
                "webhook_secret": "whsec_ops",
            }
        )


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

    def run_token_cron(self):
        with mute_logger("odoo.addons.shopify_sync.models.shopify_backend"):  # failures are logged as warnings
            self.env["shopify.backend"]._cron_refresh_tokens()

    def connection_failures(self, backend):
        return self.env["shopify.sync.job"].search(
            [("backend_id", "=", backend.id), ("workflow", "=", "connection"), ("state", "=", "failed")]
        )

    def test_429_from_token_endpoint_is_transient(self):
        self.cc_standin.queue_token_fault(429, retry_after=3)
        with self.assertRaises(errors.TransientError) as caught:
            fetch_client_credentials_token(
                "ops-store.myshopify.com", "cid-ops", "csecret-ops", base_url=self.cc_standin.base_url
            )
        self.assertEqual(caught.exception.retry_after, 3.0)
        for status in (408, 503):
            with self.subTest(status=status):
                self.cc_standin.queue_token_fault(status)
                with self.assertRaises(errors.TransientError):
                    fetch_client_credentials_token(
                        "ops-store.myshopify.com", "cid-ops", "csecret-ops", base_url=self.cc_standin.base_url
                    )

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
        self.run_token_cron()
        # A network error keeps the store in service and parks nothing as a credential problem.
        self.assertEqual(backend.state, "connected")
        self.assertFalse(
            self.connection_failures(backend).filtered(lambda j: j.failure_category in ("authentication", "permission"))
        )
        self.assertIn("Cannot reach", backend.last_check_message)
        # The catch-up of missed orders still runs for this store.
        self.env["shopify.backend"]._cron_catch_up_orders()
        self.assertTrue(
            self.env["shopify.sync.job"].search_count(
                [("backend_id", "=", backend.id), ("topic", "=", "orders/catch_up")]
            )
        )
        # Shopify is reachable again: the next run renews the token without anyone pressing a button.
        backend.api_base_url = self.cc_standin.base_url
        self.run_token_cron()
        self.assertEqual(self.cc_standin.token_grants, grants + 1)
        self.assertGreater(backend.token_expires_at, fields.Datetime.now() + timedelta(hours=23))
        self.assertEqual(backend.state, "connected")

    def test_store_in_error_is_retried_with_backoff_and_reconnected(self):
        backend = self.cc_backend
        backend.client_secret = "revoked"
        backend.token_expires_at = fields.Datetime.now()
        self.run_token_cron()
        # A real credential problem: the store is in error, and a failed job says what to do.
        self.assertEqual(backend.state, "error")
        failed = self.connection_failures(backend)
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed.failure_category, "authentication")
        self.assertIn("Dev Dashboard", failed.fix_hint)
        self.assertTrue(backend.connection_retry_at)
        # The crons keep running for a store in error.
        self.env["shopify.backend"]._cron_catch_up_orders()
        catch_ups = self.env["shopify.sync.job"].search(
            [("backend_id", "=", backend.id), ("topic", "=", "orders/catch_up")]
        )
        self.assertEqual(len(catch_ups), 1)
        # It meets the refused credentials and fails; later runs do not pile up failed catch-ups.
        self.assertTrue(self.perform(catch_ups).startswith("failed"))
        self.env["shopify.backend"]._cron_catch_up_orders()
        self.env["shopify.backend"]._cron_catch_up_orders()
        self.assertEqual(
            self.env["shopify.sync.job"].search_count(
                [("backend_id", "=", backend.id), ("topic", "=", "orders/catch_up")]
            ),
            1,
        )
        # Before the backoff has passed, nothing is tried; after, the same failure is counted on the
        # same job instead of a new failed job every hour.
        grants_refused = self.cc_standin.token_grants
        self.run_token_cron()
        self.assertEqual(backend.connection_failures, 1)
        first_wait = backend.connection_retry_at - fields.Datetime.now()
        backend.connection_retry_at = fields.Datetime.now() - timedelta(seconds=1)
        self.run_token_cron()
        self.assertEqual(backend.connection_failures, 2)
        self.assertGreater(backend.connection_retry_at - fields.Datetime.now(), first_wait)
        self.assertEqual(self.connection_failures(backend), failed)
        self.assertEqual(failed.attempts, 2)
        # The administrator fixes the secret in Shopify's app: the next due retry reconnects.
        backend.client_secret = "csecret-ops"
        backend.connection_retry_at = fields.Datetime.now() - timedelta(seconds=1)
        self.run_token_cron()
        self.assertEqual(self.cc_standin.token_grants, grants_refused + 1)
        self.assertEqual(backend.state, "connected")
        self.assertEqual(backend.connection_failures, 0)
        self.assertEqual(failed.state, "done", "the connection failure is resolved, not left to triage")
        # Connected again: the catch-up runs again and covers the gap.
        self.env["shopify.backend"]._cron_catch_up_orders()
        self.assertEqual(
            self.env["shopify.sync.job"].search_count(
                [("backend_id", "=", backend.id), ("topic", "=", "orders/catch_up")]
            ),
            2,
        )

    def test_retry_on_the_connection_failure_checks_again(self):
        backend = self.cc_backend
        backend.write({"client_secret": "revoked", "token_expires_at": fields.Datetime.now()})
        self.run_token_cron()
        failed = self.connection_failures(backend)
        self.assertEqual((backend.state, failed.topic), ("error", "connection/check"))
        # Still wrong: Retry fails again with the same category and fix.
        failed.action_retry()
        self.assertEqual(self.perform(failed), "failed: authentication")
        self.assertEqual(failed.state, "failed")
        # Fixed: Retry puts the store back in service.
        backend.client_secret = "csecret-ops"
        failed.action_retry()
        self.assertEqual(self.perform(failed), "done")
        self.assertEqual((failed.state, backend.state), ("done", "connected"))
        self.assertIn("Connected to", failed.result_summary)

    def test_missing_scope_keeps_the_store_in_error_as_a_permission_failure(self):
        backend = self.cc_backend
        backend.write({"state": "error", "connection_retry_at": fields.Datetime.now() - timedelta(seconds=1)})
        self.cc_standin.queue_fault("403")
        self.run_token_cron()
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
        job, _created = self.intake(
            "orders/create",
            {"id": 820982911946154500, "name": "#9999", "admin_graphql_api_id": "gid://shopify/Order/77"},
        )
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
        cls.reader = company_user(cls.env, "shopify_reader", cls.backend.company_id, "user")
        cls.job = cls.env["shopify.sync.job"]._create_outbound(cls.backend, "connection", "connection/test")
        cls.drift = cls.env["shopify.sync.catalog.drift"].create(
            {
                "backend_id": cls.backend.id,
                "kind": "unmatched",
                "shopify_variant_gid": "gid://shopify/ProductVariant/1",
            }
        )

    def guarded_buttons(self):
        """(model, method, groups) of every object button with ``groups`` in this addon's views."""
        views = self.env["ir.ui.view"].search([("model", "=like", "shopify.%")])
        views |= (
            self.env["ir.model.data"]
            .search([("module", "=", "shopify_sync"), ("model", "=", "ir.ui.view")])
            .mapped(lambda d: self.env["ir.ui.view"].browse(d.res_id))
        )
        found = set()
        for view in views:
            arch = etree.fromstring(view.arch_db.encode())
            for button in arch.iter("button"):
                # A button inside a group-restricted block is shown to that group only.
                groups = ",".join(
                    node.get("groups") for node in [button, *button.iterancestors()] if node.get("groups")
                )
                if button.get("type") == "object" and groups:
                    found.add((view.model, button.get("name"), groups))
        return found

    def test_every_guarded_button_refuses_users_outside_its_group(self):
        records = {
            "shopify.backend": self.backend,
            "shopify.sync.job": self.job,
            "shopify.sync.catalog.drift": self.drift,
        }
        buttons = self.guarded_buttons()
        names = {name for _model, name, _groups in buttons}
        # The ones the issue names, so the view scan cannot silently find nothing.
        self.assertTrue(
            {
                "action_register_webhooks",
                "action_check_catalog_drift",
                "action_test_connection",
                "action_open_queue_job",
            }
            <= names,
            names,
        )
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


def fail_job(env, backend, order_name, message, fix, workflow="order", category="data", topic="orders/create"):
    """A job that went through the real failure path (_mark_failed), as a handler leaves it."""
    job = env["shopify.sync.job"].sudo()._create_outbound(backend, workflow, topic, ref=order_name)
    job._mark_failed(category, message, fix)
    return job


def digest_mails(env, company):
    """The digest mails of ``company``."""
    return env["mail.mail"].sudo().search([("model", "=", "res.company"), ("res_id", "=", company.id)])


MISSING_SKU = "Order {}: SKU GHOST-1 (variant {}, 'Ghost tee') has no Odoo product."
MISSING_SKU_FIX = (
    "Create the product in Odoo with that internal reference (or barcode), or bind the variant, then Retry."
)


class TestSyncStatistics(ShopifyCase):
    def test_cause_groups_failures_without_their_identifiers(self):
        def handler(job):
            payload = job._payload_json()
            raise errors.DataError(MISSING_SKU.format(payload["name"], payload["variant"]), fix=MISSING_SKU_FIX)

        with temporary_handler("test/cause", "order", handler):
            for number in range(1001, 1004):
                job, _created = self.intake(
                    "test/cause", {"id": number, "name": f"#{number}", "variant": 44000 + number}
                )
                self.perform(job)
        other = fail_job(
            self.env,
            self.backend,
            "#2001",
            "Order #2001: SKU OTHER-7 (variant 998877, 'Cap') has no Odoo product.",
            MISSING_SKU_FIX,
        )
        Job = self.env["shopify.sync.job"]
        groups = dict(
            Job._read_group([("backend_id", "=", self.backend.id), ("state", "=", "failed")], ["cause"], ["__count"])
        )
        self.assertEqual(
            groups,
            {
                "Order #…: SKU GHOST-1 (variant …, 'Ghost tee') has no Odoo product.": 3,
                other.cause: 1,
            },
        )
        self.assertIn("OTHER-7", other.cause)
        self.assertNotIn("2001", other.cause)
        self.assertEqual(
            Job.search_count([("cause", "=", "Order #…: SKU GHOST-1 (variant …, 'Ghost tee') has no Odoo product.")]), 3
        )

    def test_statistics_views_load_and_measure_time_and_retries(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("shopify_sync.action_sync_job_statistics")
        self.assertEqual(action["view_mode"].split(",")[:2], ["graph", "pivot"])
        views = self.env["shopify.sync.job"].get_views([(False, "graph"), (False, "pivot"), (False, "search")])
        self.assertIn("date_received", views["views"]["graph"]["arch"])
        self.assertIn("duration_hours", views["views"]["pivot"]["arch"])
        self.assertIn("group_cause", views["views"]["search"]["arch"])
        now = fields.Datetime.now()
        slow = self.env["shopify.sync.job"]._create_outbound(self.backend, "order", "orders/create", ref="#1")
        fast = self.env["shopify.sync.job"]._create_outbound(self.backend, "order", "orders/create", ref="#2")
        slow.write({"date_received": now - timedelta(hours=3), "attempts": 3})
        fast.write({"date_received": now - timedelta(hours=1), "attempts": 1})
        (slow | fast)._mark_done()
        [(hours, retries)] = self.env["shopify.sync.job"]._read_group(
            [("id", "in", (slow | fast).ids)], [], ["duration_hours:avg", "retry_count:sum"]
        )
        self.assertAlmostEqual(hours, 2.0, places=2)
        self.assertEqual(retries, 2)
        by_day = self.env["shopify.sync.job"].formatted_read_group(
            [("backend_id", "=", self.backend.id)], ["date_received:day", "state"], ["duration_hours:avg"]
        )
        self.assertTrue(by_day)


class TestDigest(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.backend.company_id
        cls.company.shopify_digest_hour = 0.0  # due at any time of the day the tests run
        cls.manager = company_user(cls.env, "digest_manager", cls.company, "manager", email="manager@example.com")
        cls.accountant = company_user(cls.env, "digest_accountant", cls.company, "user", email="accountant@example.com")

    def digests(self, company=None):
        return digest_mails(self.env, company or self.company)

    def send(self):
        return self.env["shopify.sync.digest"]._cron_send_digest()

    def test_digest_groups_failures_by_category_and_cause_with_fix_and_link(self):
        for number in range(1001, 1013):
            fail_job(
                self.env, self.backend, f"#{number}", MISSING_SKU.format(f"#{number}", 44000 + number), MISSING_SKU_FIX
            )
        tax = fail_job(
            self.env,
            self.backend,
            "#1020",
            "Order #1020: Shopify tax 'NY State Tax' 4% has no mapping.",
            "Add the tax mapping, then Retry.",
            category="configuration",
        )
        self.send()
        mail = self.digests()
        self.assertEqual(len(mail), 1)
        body = mail.body_html
        self.assertIn("12 orders:", body)
        self.assertIn("SKU GHOST-1", body)
        self.assertNotIn("#1005", body, "order numbers are not the cause")
        self.assertIn("1 order:", body)
        self.assertIn("NY State Tax", body)
        self.assertIn("Add the tax mapping", body)
        self.assertIn("Create the product in Odoo", body)
        self.assertIn(f"/odoo/action-shopify_sync.action_sync_job_failed/{tax.id}", body)
        # Configuration comes before Data; each cause once.
        self.assertLess(body.index("NY State Tax"), body.index("GHOST-1"))
        self.assertEqual(body.count("GHOST-1"), 1)
        self.assertIn("13 new failed jobs", mail.subject)
        self.assertIn(self.manager.partner_id, mail.recipient_ids)
        self.assertNotIn(self.accountant.partner_id, mail.recipient_ids, "default recipients: Shopify managers")
        # The next digest reports only what failed after this one.
        self.send()
        self.assertEqual(len(self.digests()), 1)

    def test_sent_once_a_day_after_the_company_digest_time(self):
        self.company.write({"shopify_digest_hour": 7.5})
        self.company.partner_id.tz = "Europe/Brussels"  # UTC+1 in winter
        today = fields.Datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
        # Every failure is dated within the simulated days, whatever the time the test runs at.
        before_first = fail_job(self.env, self.backend, "#1", MISSING_SKU.format("#1", 44556601), MISSING_SKU_FIX)
        before_first.date_done = today + timedelta(hours=6)
        Digest = self.env["shopify.sync.digest"]
        Digest._cron_send_digest(now=today + timedelta(hours=6, minutes=15))  # 07:15 in Brussels
        self.assertFalse(self.digests())
        Digest._cron_send_digest(now=today + timedelta(hours=6, minutes=45))  # 07:45
        self.assertEqual(len(self.digests()), 1)
        after_first = fail_job(self.env, self.backend, "#2", MISSING_SKU.format("#2", 44556602), MISSING_SKU_FIX)
        after_first.date_done = today + timedelta(hours=8)
        Digest._cron_send_digest(now=today + timedelta(hours=10))
        self.assertEqual(len(self.digests()), 1, "one digest a day")
        late = fail_job(self.env, self.backend, "#3", MISSING_SKU.format("#3", 44556603), MISSING_SKU_FIX)
        late.date_done = today + timedelta(days=1, hours=5)
        Digest._cron_send_digest(now=today + timedelta(days=1, hours=6, minutes=31))
        first, second = self.digests().sorted("id")
        self.assertIn("1 order:", first.body_html)
        self.assertIn("2 orders:", second.body_html, "what failed after the previous digest, and only that")

    def test_configurable_recipients(self):
        self.company.write(
            {
                "shopify_digest_group_id": self.env.ref("shopify_sync.group_shopify_user").id,
                "shopify_digest_partner_ids": [
                    (
                        6,
                        0,
                        self.env["res.partner"]
                        .create({"name": "Outside accountant", "email": "books@example.com"})
                        .ids,
                    )
                ],
            }
        )
        fail_job(self.env, self.backend, "#1", MISSING_SKU.format("#1", 1), MISSING_SKU_FIX)
        self.send()
        emails = set(self.digests().recipient_ids.mapped("email"))
        self.assertTrue({"accountant@example.com", "manager@example.com", "books@example.com"} <= emails)

    def test_nothing_sent_when_all_is_well_unless_asked(self):
        self.env["shopify.sync.job"]._create_outbound(self.backend, "order", "orders/create")._mark_done()
        self.send()
        self.assertFalse(self.digests())
        self.assertTrue(self.company.shopify_digest_last_sent_at, "a clean day counts as reported")
        self.env["ir.config_parameter"].set_param("shopify_sync.digest_when_clean", "1")
        self.company.shopify_digest_last_sent_at = False
        self.send()
        self.assertEqual(len(self.digests()), 1)
        self.assertIn("Nothing failed", self.digests().body_html)

    def test_late_queued_jobs_and_stores_in_error_are_reported(self):
        late = self.env["shopify.sync.job"]._create_outbound(self.backend, "inventory", "inventory/export")
        late.date_received = fields.Datetime.now() - timedelta(hours=5)
        fresh = self.env["shopify.sync.job"]._create_outbound(self.backend, "order", "orders/create")
        self.assertEqual((late | fresh).mapped("state"), ["queued", "queued"])
        self.backend.write({"state": "error", "last_check_message": "Shopify refused the access token (HTTP 401)"})
        self.send()
        body = self.digests().body_html
        self.assertIn("1 stock job", body)
        self.assertNotIn("orders,", body, "a job queued a minute ago is not late")
        self.assertIn("Stores in error", body)
        self.assertIn("HTTP 401", body)

    def test_one_digest_per_company(self):
        other_company = self.env["res.company"].create(
            {"name": "Second shop company", "email": "b@example.com", "shopify_digest_hour": 0.0}
        )
        other_manager = company_user(
            self.env, "digest_manager_b", other_company, "manager", email="manager-b@example.com"
        )
        other_backend = self.backend.copy(
            {
                "shop_domain": "second-shop.myshopify.com",
                "name": "Second shop",
                "company_id": other_company.id,
                "warehouse_id": False,
                "team_id": False,
            }
        )
        fail_job(self.env, self.backend, "#1", MISSING_SKU.format("#1", 44556601), MISSING_SKU_FIX)
        fail_job(self.env, self.backend, "#2", MISSING_SKU.format("#2", 44556602), MISSING_SKU_FIX)
        fail_job(self.env, other_backend, "#B1", "Order #B1: customer has no country.", "Fix the address in Shopify.")
        self.send()
        first, second = self.digests(), self.digests(other_company)
        self.assertEqual((len(first), len(second)), (1, 1))
        self.assertIn("2 orders:", first.body_html)
        self.assertNotIn("no country", first.body_html)
        self.assertIn("1 order:", second.body_html)
        self.assertNotIn("GHOST-1", second.body_html)
        self.assertIn(other_manager.partner_id, second.recipient_ids)
        self.assertNotIn(self.manager.partner_id, second.recipient_ids)


class TestStoreHealth(ShopifyCase):
    def digest_to_shop_admin(self):
        """The company's daily digest, due at any hour, sent to a shop admin now: its mail."""
        admin = self.env["res.partner"].create({"name": "Shop admin", "email": "shop-admin@example.com"})
        self.backend.company_id.write({"shopify_digest_hour": 0.0, "shopify_digest_partner_ids": admin.ids})
        self.env["shopify.sync.digest"]._cron_send_digest()
        return digest_mails(self.env, self.backend.company_id)

    def test_health_figures(self):
        Job = self.env["shopify.sync.job"]
        order_job, _created = self.intake("orders/create", {"id": 1, "name": "#1"})
        product_job, _created = self.intake("products/update", {"id": 2, "title": "Tee"})
        self.assertEqual((order_job.state, product_job.state), ("queued", "queued"))
        order_job.date_received = fields.Datetime.now() - timedelta(hours=3)
        fail_job(self.env, self.backend, "#5", "Order #5: tax has no mapping.", "Map it.", category="configuration")
        export = Job._create_outbound(self.backend, "inventory", "inventory/export")
        export._mark_done()
        self.backend.write({"order_catch_up": True, "order_catch_up_at": fields.Datetime.now() - timedelta(hours=4)})
        self.backend.invalidate_recordset()
        backend = self.backend
        self.assertEqual(backend.token_state, "permanent")
        self.assertIn("orders/create", backend.webhook_health_html)
        self.assertIn("products/update", backend.webhook_health_html)
        self.assertEqual(backend.last_webhook_at, product_job.date_received)
        self.assertEqual(backend.oldest_queued_at, order_job.date_received)
        self.assertIn("Orders", backend.queue_health_html)
        self.assertIn("Configuration", backend.failed_health_html)
        self.assertEqual(backend.last_stock_export_at, export.date_done)
        self.assertAlmostEqual(backend.catch_up_lag_hours, 4.0, places=1)
        self.assertEqual(backend.health_state, "warning")
        self.assertFalse(backend.is_silent)
        # The payout import writes its hook; the dashboard shows it.
        backend.payout_last_import_at = fields.Datetime.now()
        self.assertTrue(backend.payout_last_import_at)

    def test_token_state_of_a_client_credentials_store(self):
        backend = self.backend.copy(
            {
                "shop_domain": "cc-health.myshopify.com",
                "auth_mode": "client_credentials",
                "client_id": "x",
                "client_secret": "y",
            }
        )
        self.assertEqual(backend.token_state, "missing")
        backend.write({"access_token": "t", "token_expires_at": fields.Datetime.now() + timedelta(hours=10)})
        self.assertEqual(backend.token_state, "valid")
        backend.token_expires_at = fields.Datetime.now() + timedelta(hours=1)
        backend.invalidate_recordset(["token_state"])
        self.assertEqual(backend.token_state, "renewing")
        backend.token_expires_at = fields.Datetime.now() - timedelta(minutes=1)
        backend.invalidate_recordset(["token_state"])
        self.assertEqual(backend.token_state, "expired")

    def test_silent_store_is_flagged_and_in_the_digest(self):
        self.backend.state = "connected"
        webhook_job, _created = self.intake("orders/create", {"id": 1, "name": "#1"})
        webhook_job.date_received = fields.Datetime.now() - timedelta(hours=10)
        self.backend.invalidate_recordset()
        self.assertFalse(self.backend.is_silent, "quiet is not silent while Shopify reports nothing new")
        # The catch-up finds an order Shopify has and no webhook brought.
        pulled, created = (
            self.env["shopify.sync.job"]
            .sudo()
            ._intake_pulled(
                self.backend,
                {"id": "gid://shopify/Order/5", "name": "#5", "updated_at": "2026-11-30T01:00:00Z"},
                "scheduled",
            )
        )
        self.assertTrue(created)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.pulled_since_webhook, 1)
        self.assertTrue(self.backend.is_silent)
        mail = self.digest_to_shop_admin()
        self.assertIn("Silent stores", mail.body_html)
        self.assertIn("Test store", mail.body_html)

    def test_webhook_subscriptions_present_vs_expected(self):
        self.backend.state = "connected"
        # The daily digest checks the subscriptions in Shopify: none yet, so all are missing.
        mail = self.digest_to_shop_admin()
        expected = self.backend._webhook_topics()
        self.assertEqual(self.backend.webhook_missing_topics, ", ".join(expected))
        self.assertTrue(self.backend.webhook_checked_at)
        self.assertEqual(self.backend.health_state, "warning")
        self.assertIn("Webhook subscriptions missing", mail.body_html)
        self.assertIn("orders/create", mail.body_html)
        self.backend.action_register_webhooks()
        self.assertFalse(self.backend.webhook_missing_topics)
        # Shopify dropped one subscription (its deliveries kept failing): the check names it.
        self.standin.subscriptions[:] = [sub for sub in self.standin.subscriptions if sub["topic"] != "ORDERS_CREATE"]
        self.assertEqual(self.backend._check_webhook_subscriptions(), ["orders/create"])
        self.assertEqual(self.backend.webhook_missing_topics, "orders/create")

    def test_dashboard_and_form_load(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("shopify_sync.action_backend_health")
        self.assertTrue(action["view_mode"].startswith("kanban"))
        views = self.env["shopify.backend"].get_views([(action["view_id"][0], "kanban"), (False, "form")])
        self.assertIn("health_state", views["views"]["kanban"]["arch"])
        self.assertIn("webhook_health_html", views["views"]["form"]["arch"])
        self.assertIn("payout_last_import_at", views["views"]["form"]["arch"])
        # Accountants (Shopify User) open the dashboard too: every field the card shows is readable.
        accountant = company_user(self.env, "health_accountant", self.backend.company_id, "user")
        fail_job(self.env, self.backend, "#7", "Order #7: tax has no mapping.", "Map it.", category="configuration")
        Backend = self.env["shopify.backend"].with_user(accountant)
        loaded = Backend.get_views([(action["view_id"][0], "kanban")])
        fields_shown = {name: {} for name in loaded["models"]["shopify.backend"]["fields"]}
        records = Backend.web_search_read([("id", "=", self.backend.id)], fields_shown)
        self.assertEqual(records["length"], 1)
        card = records["records"][0]
        self.assertEqual(card["health_state"], "warning")
        self.assertEqual(card["failed_job_count"], 1)
        self.assertIn("Configuration", card["failed_health_html"])
        self.assertEqual(card["token_state"], "permanent")


class TestPayloadRetention(ShopifyCase):
    def aged(self, state, days):
        job = self.env["shopify.sync.job"]._create_outbound(
            self.backend, "order", "orders/create", payload={"id": days}
        )
        if state == "done":
            job._mark_done()
        else:
            job._mark_failed("data", "broken", None)
        job.date_done = fields.Datetime.now() - timedelta(days=days)
        return job

    def test_old_done_payloads_are_cleared_in_batches_failed_kept(self):
        old_done = self.aged("done", 100) | self.aged("done", 95) | self.aged("done", 91)
        recent_done = self.aged("done", 10)
        old_failed = self.aged("failed", 200)
        cleared = self.env["shopify.sync.job"]._cron_clear_old_payloads(batch_size=2)
        self.assertEqual(cleared, 3)
        for job in old_done:
            self.assertTrue(job.payload_redacted)
            self.assertNotIn('"id"', job.payload)
        self.assertIn('"id": 10', recent_done.payload)
        self.assertIn('"id": 200', old_failed.payload)
        self.assertEqual(self.env["shopify.sync.job"]._cron_clear_old_payloads(), 0)
        # A shorter retention setting reaches the recent one too; 0 keeps everything.
        self.env["ir.config_parameter"].set_param("shopify_sync.payload_retention_days", "5")
        self.assertEqual(self.env["shopify.sync.job"]._cron_clear_old_payloads(), 1)
        self.env["ir.config_parameter"].set_param("shopify_sync.payload_retention_days", "0")
        self.aged("done", 400)
        self.assertEqual(self.env["shopify.sync.job"]._cron_clear_old_payloads(), 0)
        cron = self.env.ref("shopify_sync.cron_shopify_payload_retention")
        self.assertTrue(cron.active)
