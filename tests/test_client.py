"""The Shopify client against the stand-in: real HTTP on loopback, real status codes and bodies."""

from odoo.tests import BaseCase

from ..lib import client as client_module
from ..lib import errors, queries
from ..lib.client import ShopifyClient, fetch_client_credentials_token
from .shopify_standin import ShopifyStandIn


class TestShopifyClient(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.standin = ShopifyStandIn(
            api_version="2026-10", access_token="shpat_ok", client_id="cid", client_secret="csecret"
        )
        cls.standin.start()
        cls.addClassCleanup(cls.standin.stop)

    def setUp(self):
        super().setUp()
        self.sleeps = []
        # A fresh shop name per test: pacing state is per shop and process-wide by design.
        self.shop = f"client-{self._testMethodName.replace('_', '-')}.myshopify.com"[:60]
        client_module._THROTTLE_STATES.pop(self.shop, None)
        self.standin.reset()

    def make_client(self, token="shpat_ok", **kwargs):
        return ShopifyClient(
            self.shop, "2026-10", token, base_url=self.standin.base_url, sleep=self.sleeps.append, **kwargs
        )

    def test_shop_query_returns_schema_shaped_data(self):
        data = self.make_client().execute(queries.SHOP_INFO)
        self.assertEqual(data["shop"]["name"], "Sync Test Store")
        self.assertEqual(data["shop"]["currencyCode"], "USD")
        self.assertIn("displayName", data["shop"]["plan"])
        self.assertIsInstance(data["currentAppInstallation"]["accessScopes"], list)

    def test_query_over_shopifys_cost_limit_is_refused_and_not_retried(self):
        too_big = queries.CATALOG_PRODUCTS.replace("variants(first: 10)", "variants(first: 100)")
        cli = self.make_client()
        with self.assertRaises(errors.DataError) as caught:
            cli.execute(too_big, {"first": 50})
        self.assertIn("exceeds the single query max cost limit (1000)", caught.exception.message)
        self.assertEqual(cli.calls, 1)
        self.assertEqual(len(self.standin.refused_costs), 1)

    def test_429_waits_retry_after_then_succeeds(self):
        self.standin.queue_fault("429", retry_after=2.5)
        cli = self.make_client()
        data = cli.execute(queries.SHOP_INFO)
        self.assertTrue(data["shop"]["name"])
        self.assertEqual(cli.calls, 2)
        self.assertIn(2.5, self.sleeps)

    def test_throttled_waits_for_the_bucket_then_succeeds(self):
        self.standin.queue_fault("throttled", available=0)
        cli = self.make_client()
        cli.execute(queries.SHOP_INFO)
        self.assertEqual(cli.calls, 2)
        # Waits (requested cost - available) / restore rate, not a fixed guess.
        self.assertTrue(self.sleeps and self.sleeps[0] > 0)

    def test_persistent_throttling_becomes_transient_with_retry_after(self):
        self.standin.queue_fault("429", count=10, retry_after=1)
        cli = self.make_client(max_attempts=3)
        with self.assertRaises(errors.TransientError) as caught:
            cli.execute(queries.SHOP_INFO)
        self.assertEqual(cli.calls, 3)
        self.assertEqual(caught.exception.retry_after, 1.0)

    def test_long_throttle_is_not_slept_in_the_worker(self):
        self.standin.queue_fault("429", retry_after=120)
        with self.assertRaises(errors.TransientError) as caught:
            self.make_client(max_wait=10).execute(queries.SHOP_INFO)
        self.assertEqual(caught.exception.retry_after, 120.0)
        self.assertEqual(self.sleeps, [])

    def test_paces_from_currently_available(self):
        cli = self.make_client()
        cli.execute(queries.SHOP_INFO)
        # Pretend the bucket is empty: the next call must wait before sending, not get refused.
        state = client_module.throttle_state(self.shop)
        state.update({"throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 0.0, "restoreRate": 100.0}})
        cli.execute(queries.SHOP_INFO)
        self.assertEqual(cli.calls, 2)
        self.assertTrue(self.sleeps and self.sleeps[0] > 0.0)

    def test_error_classes(self):
        cases = {
            "401": errors.AuthenticationFailed,
            "402": errors.ConfigurationError,
            "403": errors.PermissionDenied,
            "404": errors.ConfigurationError,
            "423": errors.ConfigurationError,
            "500": errors.TransientError,
            "503": errors.TransientError,
            "access_denied": errors.PermissionDenied,
        }
        for kind, error_class in cases.items():
            with self.subTest(kind=kind):
                self.standin.queue_fault(kind)
                with self.assertRaises(error_class) as caught:
                    self.make_client().execute(queries.SHOP_INFO)
                self.assertEqual(type(caught.exception), error_class)
                self.assertTrue(caught.exception.message)
                if error_class is not errors.TransientError:
                    self.assertTrue(caught.exception.fix, f"{kind} must name its fix")

    def test_bad_token_is_authentication_error_with_shopify_text(self):
        with self.assertRaises(errors.AuthenticationFailed) as caught:
            self.make_client(token="shpat_wrong").execute(queries.SHOP_INFO)
        self.assertIn("401", caught.exception.message)
        self.assertIn("Invalid API key or access token", caught.exception.message)

    def test_timeout_is_transient(self):
        # Odoo's test harness raises any timeout below 10 s to 10 s, hence the long hang.
        self.standin.queue_fault("hang", seconds=11)
        with self.assertRaises(errors.TransientError) as caught:
            self.make_client(timeout=1).execute(queries.SHOP_INFO)
        self.assertIn("did not answer", caught.exception.message)

    def test_unreachable_shop_is_transient(self):
        cli = ShopifyClient(self.shop, "2026-10", "x", base_url="http://127.0.0.1:9", timeout=1)
        with self.assertRaises(errors.TransientError):
            cli.execute(queries.SHOP_INFO)

    def test_invalid_query_is_data_error_naming_the_field(self):
        with self.assertRaises(errors.DataError) as caught:
            self.make_client().execute("query { shop { nmae } }")
        self.assertIn("nmae", caught.exception.message)

    def test_client_credentials_grant_and_refresh_on_401(self):
        answer = fetch_client_credentials_token(self.shop, "cid", "csecret", base_url=self.standin.base_url)
        self.assertTrue(answer["access_token"].startswith("shpat_"))
        self.assertEqual(answer["expires_in"], 86399)
        with self.assertRaises(errors.AuthenticationFailed):
            fetch_client_credentials_token(self.shop, "cid", "wrong", base_url=self.standin.base_url)

        # A token that died between two renewals: one 401, one refresh, then success.
        def refresher():
            return fetch_client_credentials_token(self.shop, "cid", "csecret", base_url=self.standin.base_url)[
                "access_token"
            ]

        cli = self.make_client(token="shpat_expired", token_refresher=refresher)
        self.assertTrue(cli.execute(queries.SHOP_INFO)["shop"]["name"])
        self.assertEqual(cli.calls, 2)
