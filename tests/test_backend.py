from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError

from ..lib import registry
from .common import ShopifyCase, temporary_handler
from .shopify_standin import ShopifyStandIn


class TestBackend(ShopifyCase):
    def dev_dashboard_store(self, shop, shopify_secret, entered_secret):
        """A Shopify stand-in of a Dev Dashboard app (client ID + ``shopify_secret``) and a store
        ``shop`` with client credentials whose secret is ``entered_secret``."""
        client_id = f"cid-{shop}"
        standin = ShopifyStandIn(api_version="2026-10", client_id=client_id, client_secret=shopify_secret)
        standin.start()
        self.addCleanup(standin.stop)
        backend = self.env["shopify.backend"].create(
            {
                "name": f"Dev Dashboard store {shop}",
                "shop_domain": f"{shop}.myshopify.com",
                "auth_mode": "client_credentials",
                "client_id": client_id,
                "client_secret": entered_secret,
                "api_base_url": standin.base_url,
            }
        )
        return standin, backend

    def test_shop_domain_and_version_are_validated(self):
        with self.assertRaises(ValidationError):
            self.backend.copy({"shop_domain": "www.example.com"})
        with self.assertRaises(ValidationError):
            self.backend.copy({"shop_domain": "other.myshopify.com", "api_version": "2026-02"})
        other = self.backend.copy({"shop_domain": " HTTPS://Other-Store.MyShopify.com/ "})
        self.assertEqual(other.shop_domain, "other-store.myshopify.com")

    def test_test_connection_shows_shop_and_missing_scopes(self):
        self.standin.granted_scopes = ["read_orders", "read_customers", "write_products"]
        self.backend.action_test_connection()
        self.assertEqual(self.backend.state, "connected")
        self.assertEqual(self.backend.shop_name, "Sync Test Store")
        self.assertEqual(self.backend.shop_plan, "Basic")
        self.assertEqual(self.backend.shop_currency, "USD")
        # write_products implies read_products; inventory scopes are missing and named.
        self.assertEqual(
            self.backend.missing_scopes,
            "read_inventory, read_locations, read_merchant_managed_fulfillment_orders, "
            "write_inventory, write_merchant_managed_fulfillment_orders",
        )
        self.assertIn("Missing access scopes", self.backend.last_check_message)
        job = self.env["shopify.sync.job"].search([("topic", "=", "connection/test")], limit=1)
        self.assertEqual(job.state, "done")
        self.assertEqual(job.workflow, "connection")
        # Turning the workflows off removes their scopes from what is required.
        self.backend.write({"sync_inventory": False, "sync_fulfillments": False})
        self.assertFalse(self.backend.missing_scopes)

    def test_test_connection_shows_exact_error(self):
        for fault, state_text in [("401", "HTTP 401"), ("402", "frozen"), ("423", "locked"), ("404", "HTTP 404")]:
            with self.subTest(fault=fault):
                self.standin.queue_fault(fault)
                self.backend.action_test_connection()
                self.assertEqual(self.backend.state, "error")
                self.assertIn(state_text, self.backend.last_check_message)
                self.assertIn("Fix:", self.backend.last_check_message)
                job = self.env["shopify.sync.job"].search([("topic", "=", "connection/test")], limit=1)
                self.assertEqual(job.state, "failed")

    def test_register_webhooks_is_idempotent(self):
        # Topics no release handles, registered for this test only.
        with (
            temporary_handler("themes/publish", "connection", lambda job: None),
            temporary_handler("collections/update", "product", lambda job: None),
        ):
            self.backend.sync_products = False  # collections/update must not be subscribed
            self.backend.action_register_webhooks()
            subscribed = {(s["topic"], s["uri"]) for s in self.standin.subscriptions}
            uri = "https://odoo.example.com/shopify/webhook"
            expected = {(registry.topic_to_enum(t), uri) for t in self.backend._webhook_topics()}
            self.assertEqual(subscribed, expected)
            self.assertIn(("APP_UNINSTALLED", uri), subscribed)
            self.assertIn(("THEMES_PUBLISH", uri), subscribed)
            self.assertNotIn(("COLLECTIONS_UPDATE", uri), subscribed)
            calls = len(self.standin.requests_log)
            self.backend.action_register_webhooks()
            self.assertEqual(len(self.standin.subscriptions), len(expected), "second run must create nothing")
            # The second run only lists; it sends no create mutation.
            new_ops = [r.get("operation") for r in self.standin.requests_log[calls:]]
            self.assertNotIn("WebhookSubscriptionCreate", new_ops)
            self.assertIn(f"0 created, {len(expected)} already registered", self.backend.last_check_message)
        self.assertNotIn("themes/publish", registry.registered_topics())

    def test_client_credentials_token_obtained_and_renewed_by_cron(self):
        standin, backend = self.dev_dashboard_store("cc-store", "csecret-1", "csecret-1")
        # The client secret signs webhooks when no separate secret is set.
        self.assertEqual(backend._get_webhook_secret(), "csecret-1")
        backend.action_test_connection()
        self.assertEqual(backend.state, "connected", backend.last_check_message)
        self.assertEqual(standin.token_grants, 1)
        first_token = backend.access_token
        self.assertGreater(backend.token_expires_at, fields.Datetime.now() + timedelta(hours=23))

        # Not yet due: the cron leaves it alone.
        self.env["shopify.backend"]._cron_refresh_tokens()
        self.assertEqual(standin.token_grants, 1)
        # An hour before expiry, the cron renews it without anyone pressing a button.
        backend.token_expires_at = fields.Datetime.now() + timedelta(hours=1)
        self.env["shopify.backend"]._cron_refresh_tokens()
        self.assertEqual(standin.token_grants, 2)
        self.assertNotEqual(backend.access_token, first_token)
        backend.action_test_connection()
        self.assertEqual(backend.state, "connected")

    def test_wrong_client_secret_is_an_authentication_error(self):
        _standin, backend = self.dev_dashboard_store("bad-secret", "right", "wrong")
        backend.action_test_connection()
        self.assertEqual(backend.state, "error")
        self.assertIn("refused the client credentials", backend.last_check_message)
        job = self.env["shopify.sync.job"].search([("backend_id", "=", backend.id)], limit=1)
        self.assertEqual(job.failure_category, "authentication")
