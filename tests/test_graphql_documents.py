"""Every GraphQL document the addon sends must be valid for Shopify's published Admin schema, so a
misspelt field fails here and not in a merchant's store."""

from graphql import parse

from odoo.tests import BaseCase

from ..handlers import inventory, products
from ..lib import queries, registry
from ..models.shopify_backend import COMPLIANCE_TOPICS, DEFAULT_API_VERSION
from .shopify_reference import load_admin_schema, validate_operation
from .shopify_standin import MAX_QUERY_COST, page_size_problems, shopify_requested_cost

# The default version, and the oldest one the backend accepts for stores pinned to it.
VERSIONS = [DEFAULT_API_VERSION, "2026-01"]


class TestGraphqlDocuments(BaseCase):
    def test_every_document_is_valid_for_supported_versions(self):
        self.assertTrue(queries.ALL)
        for version in VERSIONS:
            schema = load_admin_schema(version)
            for name, document in queries.ALL.items():
                with self.subTest(version=version, document=name):
                    self.assertEqual(validate_operation(schema, document), [])

    def test_every_document_stays_under_shopifys_single_query_cost_limit(self):
        """Nested connections multiply: a page size that looks harmless can cost 15,000 points,
        which Shopify refuses outright (MAX_COST_EXCEEDED). Checked with the largest variables
        the addon sends."""
        largest = {
            "CATALOG_PRODUCTS": {"first": products.PAGE_SIZE},
            "VARIANT_BARCODES": {"ids": ["id"] * 250},  # Shopify's maximum for nodes(ids:)
            "INVENTORY_ITEMS_TRACKED": {"ids": ["id"] * inventory.TRACKED_PAGE},
            "BUNDLE_VARIANT_ITEMS": {"ids": ["id"] * inventory.TRACKED_PAGE},
            "INVENTORY_ITEMS_LEVELS": {"ids": ["id"] * inventory.RELOAD_PAGE},
        }
        schema = load_admin_schema(DEFAULT_API_VERSION)
        for name, document in queries.ALL.items():
            with self.subTest(document=name):
                cost = shopify_requested_cost(schema, parse(document), largest.get(name))
                self.assertLessEqual(cost, MAX_QUERY_COST)
        # The calculator does multiply: the catalog page with Shopify's 100 variants per product would not pass.
        too_big = queries.CATALOG_PRODUCTS.replace("variants(first: 10)", "variants(first: 100)")
        self.assertGreater(
            shopify_requested_cost(schema, parse(too_big), {"first": products.PAGE_SIZE}), MAX_QUERY_COST
        )

    def test_every_connection_asks_for_a_page_shopify_accepts(self):
        """Outside bulk queries Shopify wants first or last (at most 250) on every connection."""
        schema = load_admin_schema(DEFAULT_API_VERSION)
        for name, document in queries.ALL.items():
            if name in ("BULK_ORDERS_QUERY", "BULK_CATALOG_QUERY"):  # run by bulkOperationRunQuery: no pages
                continue
            with self.subTest(document=name):
                self.assertEqual(page_size_problems(schema, parse(document)), [])
        self.assertTrue(page_size_problems(schema, parse(queries.BULK_CATALOG_QUERY)))
        self.assertTrue(page_size_problems(schema, parse("{ products(first: 300) { nodes { id } } }")))

    def test_validator_catches_a_misspelt_field(self):
        schema = load_admin_schema(DEFAULT_API_VERSION)
        broken = queries.SHOP_INFO.replace("currencyCode", "currency_code")
        errors = validate_operation(schema, broken)
        self.assertTrue(errors)
        self.assertIn("currency_code", " ".join(errors))

    def test_registered_topics_exist_in_the_schema(self):
        topic_enum = load_admin_schema(DEFAULT_API_VERSION).get_type("WebhookSubscriptionTopic")
        for topic in registry.registered_topics():
            if topic in COMPLIANCE_TOPICS:
                # Compliance topics are declared in the app configuration, not via the API.
                self.assertNotIn(registry.topic_to_enum(topic), topic_enum.values)
                continue
            with self.subTest(topic=topic):
                self.assertIn(registry.topic_to_enum(topic), topic_enum.values)
