"""The plain-Python pieces, checked on their own (no HTTP, no ORM state needed)."""

from datetime import datetime

from odoo.tests import BaseCase

from ..lib import gid, references, registry, webhook
from ..models.shopify_sync_job import parse_shopify_datetime


class TestPureFunctions(BaseCase):
    def test_hmac_matches_shopify_library_vector(self):
        # Vector from Shopify's own library tests.
        body = b'{"foo": "bar"}'
        expected = "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="
        self.assertEqual(webhook.compute_hmac("test_secret_key", body), expected)
        self.assertTrue(webhook.verify_hmac("test_secret_key", body, expected))
        self.assertFalse(webhook.verify_hmac("test_secret_key", b'{"foo": "baz"}', expected))
        self.assertFalse(webhook.verify_hmac("other_secret", body, expected))
        self.assertFalse(webhook.verify_hmac("test_secret_key", body, None))
        self.assertFalse(webhook.verify_hmac("", body, expected))

    def test_gid_canonical_form(self):
        self.assertEqual(gid.to_gid("Order", 450789469), "gid://shopify/Order/450789469")
        self.assertEqual(gid.to_gid("Order", "450789469"), "gid://shopify/Order/450789469")
        self.assertEqual(gid.to_gid("Order", "gid://shopify/Order/1?x=1"), "gid://shopify/Order/1")
        self.assertEqual(gid.numeric_id("gid://shopify/Order/820982911946154508"), 820982911946154508)
        with self.assertRaises(ValueError):
            gid.to_gid("Order", "1e5")
        # admin_graphql_api_id wins over a numeric id that JSON tooling may have rounded.
        payload = {"id": 820982911946154500, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508"}
        self.assertEqual(gid.payload_gid("Order", payload), "gid://shopify/Order/820982911946154508")

    def test_references_of_payloads(self):
        self.assertEqual(
            references.describe("orders/create", {"id": 1, "name": "#1001"}),
            ("gid://shopify/Order/1", "#1001"),
        )
        self.assertEqual(
            references.describe("customers/redact", {"customer": {"id": 7, "email": "a@b.c"}}),
            ("gid://shopify/Customer/7", "a@b.c"),
        )
        self.assertEqual(
            references.describe("shop/redact", {"shop_id": 9, "shop_domain": "x.myshopify.com"}),
            ("gid://shopify/Shop/9", "x.myshopify.com"),
        )
        self.assertEqual(references.describe("orders/create", ["not", "a", "dict"]), (None, None))

    def test_shopify_timestamps(self):
        self.assertEqual(
            parse_shopify_datetime("2026-11-23T10:15:01.123456789Z"), datetime(2026, 11, 23, 10, 15, 1, 123456)
        )
        self.assertEqual(parse_shopify_datetime("2026-11-23T05:15:01-05:00"), datetime(2026, 11, 23, 10, 15, 1))
        self.assertFalse(parse_shopify_datetime("yesterday"))
        self.assertFalse(parse_shopify_datetime(None))

    def test_registry_files_unknown_topics_by_prefix(self):
        self.assertEqual(registry.workflow_for("app/uninstalled"), "connection")
        self.assertEqual(registry.workflow_for("customers/redact"), "customer")
        self.assertEqual(registry.workflow_for("refunds/create"), "refund")
        self.assertEqual(registry.workflow_for("themes/publish"), "connection")
        self.assertEqual(registry.topic_to_enum("inventory_levels/update"), "INVENTORY_LEVELS_UPDATE")
        with self.assertRaises(ValueError):
            registry.register("x/y", "no-such-workflow")

    def test_header_parsing_normalises_shop_and_topic(self):
        headers = webhook.read_headers(
            {
                "X-Shopify-Topic": " Orders/Create ",
                "X-Shopify-Shop-Domain": "Sync-Test.MyShopify.com",
            }
        )
        self.assertEqual(headers["topic"], "orders/create")
        self.assertEqual(headers["shop_domain"], "sync-test.myshopify.com")
        self.assertIsNone(headers["webhook_id"])
