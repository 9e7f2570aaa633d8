"""Catalog: product webhooks and the catalog import bind Shopify variants to Odoo products; drift
report; bundles on orders."""

from decimal import Decimal
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError

from ..handlers import orders as orders_handler
from ..handlers import products as products_handler
from ..lib.errors import DataError
from ..lib.product_mapping import (
    bundle_availability,
    catalog_from_bulk_lines,
    catalog_parts,
    normalise_sku,
    parse_webhook_product,
)
from .catalog_fake import gql_product, gql_variant, serve_catalog
from .common import ShopifyCase
from .order_payloads import order_payload
from .shopify_reference import webhook_example


def rest_product(number, title, variants, options=(), status="active", updated_at="2026-11-20T10:00:00-05:00"):
    """products/create body in Shopify's REST shape (the documented example, with our data)."""
    body = dict(webhook_example("products/create"))
    names = [name for name, _values in options]
    rest_variants = []
    for spec in variants:
        values = [spec.get("options", {}).get(name) for name in names] + [None, None, None]
        rest_variants.append(
            {
                "id": spec["id"],
                "admin_graphql_api_id": f"gid://shopify/ProductVariant/{spec['id']}",
                "title": " / ".join(v for v in values if v) or "Default Title",
                "sku": spec.get("sku"),
                "barcode": spec.get("barcode"),
                "price": spec.get("price", "10.00"),
                "product_id": number,
                "option1": values[0] or ("Default Title" if not names else None),
                "option2": values[1],
                "option3": values[2],
                "inventory_item_id": spec["id"] + 50000,
            }
        )
    body.update(
        {
            "id": number,
            "admin_graphql_api_id": f"gid://shopify/Product/{number}",
            "title": title,
            "status": status,
            "updated_at": updated_at,
            "variants": rest_variants,
            # Every variant's id (Shopify details only the first 100 in "variants").
            "variant_gids": [
                {"admin_graphql_api_id": v["admin_graphql_api_id"], "updated_at": "2026-11-20T15:00:00.000Z"}
                for v in rest_variants
            ],
            "options": [{"name": name, "position": i + 1, "values": values} for i, (name, values) in enumerate(options)]
            or [{"name": "Title", "position": 1, "values": ["Default Title"]}],
        }
    )
    return body


@tagged("post_install", "-at_install")
class TestCatalog(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.product_a = Product.create(
            {
                "name": "Product A",
                "default_code": "Product-A ",
                "type": "consu",
                "is_storable": True,
                "list_price": 50.0,
            }
        )
        cls.by_barcode = Product.create({"name": "Barcode thing", "barcode": "4006381333931", "type": "consu"})

    # -- stand-in catalog ----------------------------------------------------------------------

    def serve(self, products):
        serve_catalog(self.standin, products)

    def import_catalog(self, create=None):
        payload = {} if create is None else {"create": create}
        job = self.env["shopify.sync.job"]._create_outbound(
            self.backend, "historical", "catalog/import", payload=payload
        )
        job._enqueue()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        return job

    def bound(self, gid):
        return self.env["shopify.binding"]._record_for(self.backend, gid)

    # -- pure ----------------------------------------------------------------------------------

    def test_pure_sku_normalisation_and_bundle_availability(self):
        self.assertEqual(normalise_sku("  Product-A\t B ", "normalised"), normalise_sku("product-a b", "normalised"))
        self.assertNotEqual(normalise_sku("Product-A ", "exact"), normalise_sku("product-a", "exact"))
        self.assertEqual(bundle_availability([(1, 2), (2, 1)], {1: 9, 2: 3}), 3)
        self.assertEqual(bundle_availability([(1, 2), (2, 1)], {1: 9}), 0)
        self.assertEqual(bundle_availability([(1, 0.5)], {1: Decimal("1.2")}), 2)
        # The documented webhook body parses: variants keep their GIDs, the placeholder option goes.
        parsed = parse_webhook_product(webhook_example("products/create"))
        self.assertEqual(parsed.gid, "gid://shopify/Product/788032119674292922")
        self.assertEqual(len(parsed.variants), 2)

    def test_pure_bulk_catalog_grouping_and_parts(self):
        lines = [
            '{"id": "gid://shopify/Product/1", "title": "One"}',
            '{"id": "gid://shopify/ProductVariant/11", "sku": "A", "__parentId": "gid://shopify/Product/1"}',
            "",
            '{"id": "gid://shopify/Product/2", "title": "Two"}',
            '{"id": "gid://shopify/ProductVariant/21", "sku": "B", "__parentId": "gid://shopify/Product/2"}',
            '{"id": "gid://shopify/ProductVariant/22", "sku": "C", "__parentId": "gid://shopify/Product/2"}',
        ]
        entries = catalog_from_bulk_lines(lines)
        self.assertEqual(
            [(e["product"]["title"], [v["sku"] for v in e["variants"]]) for e in entries],
            [("One", ["A"]), ("Two", ["B", "C"])],
        )
        self.assertNotIn("__parentId", entries[1]["variants"][0])

        def entry(variants):
            return {"product": {}, "variants": [{}] * variants}

        sizes = [
            [len(e["variants"]) for e in part]
            for part in catalog_parts(
                [entry(1), entry(1), entry(1), entry(6), entry(2), entry(9)], max_products=2, max_variants=5
            )
        ]
        # Two products per part at most; a part closes before it would pass 5 variants; a product
        # larger than a part is a part of its own.
        self.assertEqual(sizes, [[1, 1], [1], [6], [2], [9]])

    # -- matching ------------------------------------------------------------------------------

    def test_import_matches_by_sku_then_barcode_binds_variant_and_inventory_item(self):
        self.backend.sku_match_mode = "exact"
        exact = self.env["product.product"].create({"name": "Exact", "default_code": "EXACT-1", "type": "consu"})
        self.serve(
            [
                gql_product(1, "Exact", [gql_variant(11, sku="EXACT-1")]),
                gql_product(2, "Scanned", [gql_variant(21, sku="NOPE", barcode="4006381333931", tracked=False)]),
                gql_product(3, "Unknown", [gql_variant(31, sku="UNKNOWN-9")]),
                gql_product(4, "Spaced", [gql_variant(41, sku="product-a")]),
            ]
        )
        job = self.import_catalog(create=False)
        self.assertEqual(self.bound("gid://shopify/ProductVariant/11"), exact)
        self.assertEqual(self.bound("gid://shopify/InventoryItem/50011"), exact)
        self.assertTrue(exact.shopify_sync_inventory_tracked)
        self.assertEqual(self.bound("gid://shopify/ProductVariant/21"), self.by_barcode)
        self.assertEqual(self.bound("gid://shopify/InventoryItem/50021"), self.by_barcode)
        self.assertFalse(self.by_barcode.shopify_sync_inventory_tracked)
        # Left unmatched: no binding, named in the job
        self.assertFalse(self.bound("gid://shopify/ProductVariant/31"))
        self.assertIn("UNKNOWN-9", job.warning_message)
        # "Product-A " vs "product-a": the classic silent miss in exact mode...
        self.assertFalse(self.bound("gid://shopify/ProductVariant/41"))
        self.assertIn("product-a", job.warning_message)
        # ... found once the store ignores case and spaces.
        self.backend.sku_match_mode = "normalised"
        self.import_catalog(create=False)
        self.assertEqual(self.bound("gid://shopify/ProductVariant/41"), self.product_a)
        self.assertEqual(self.bound("gid://shopify/InventoryItem/50041"), self.product_a)

    def test_orders_use_the_same_matcher_normalised_sku(self):
        self.backend.sku_match_mode = "normalised"
        self.backend.product_match = "binding_sku"
        payload = order_payload(4101, lines=[{"variant_id": 777001, "sku": "PRODUCT-a", "price": "50.00"}])
        job, _created = self.intake("orders/create", payload)
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        sale = self.bound(payload["admin_graphql_api_id"])
        self.assertEqual(sale.order_line.product_id, self.product_a)

    def test_unmatched_variants_created_with_attributes_once(self):
        self.backend.unmatched_variants = "create"
        options = [("Size", ["S", "M"]), ("Colour", ["Teal"])]
        self.serve(
            [
                gql_product(
                    5,
                    "Hoodie",
                    [
                        gql_variant(51, sku="HOOD-S", options={"Size": "S", "Colour": "Teal"}, price="40.00"),
                        gql_variant(52, sku="HOOD-M", options={"Size": "M", "Colour": "Teal"}, price="42.00"),
                    ],
                    options=options,
                )
            ]
        )
        job = self.import_catalog()
        small, medium = self.bound("gid://shopify/ProductVariant/51"), self.bound("gid://shopify/ProductVariant/52")
        self.assertTrue(small and medium)
        template = self.bound("gid://shopify/Product/5")
        self.assertEqual(small.product_tmpl_id, template)
        self.assertEqual(medium.product_tmpl_id, template)
        self.assertEqual((small.default_code, medium.default_code), ("HOOD-S", "HOOD-M"))
        self.assertEqual(sorted(template.attribute_line_ids.attribute_id.mapped("name")), ["Colour", "Size"])
        self.assertEqual(small.product_template_attribute_value_ids.mapped("name"), ["S", "Teal"])
        self.assertEqual(self.bound("gid://shopify/InventoryItem/50052"), medium)
        self.assertIn("2 created", job.result_summary)
        # Again: the bindings find them, nothing new.
        templates = self.env["product.template"].search_count([])
        job = self.import_catalog()
        self.assertEqual(self.env["product.template"].search_count([]), templates)
        self.assertIn("0 created", job.result_summary)

    def test_variant_shape_conflict_names_the_options(self):
        material = self.env["product.attribute"].create(
            {"name": "Material", "value_ids": [(0, 0, {"name": "Cotton"}), (0, 0, {"name": "Wool"})]}
        )
        template = self.env["product.template"].create(
            {
                "name": "Scarf",
                "type": "consu",
                "attribute_line_ids": [
                    (0, 0, {"attribute_id": material.id, "value_ids": [(6, 0, material.value_ids.ids)]})
                ],
            }
        )
        template.product_variant_ids[0].default_code = "SCARF-1"
        payload = rest_product(
            6,
            "Scarf",
            [{"id": 61, "sku": "SCARF-1", "options": {"Size": "S", "Color": "Red"}}],
            options=[("Size", ["S"]), ("Color", ["Red"])],
        )
        job, _created = self.intake("products/update", payload)
        self.perform(job)
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertIn("option 'Color' is not an attribute", job.error_message)
        self.assertIn("option 'Size' is not an attribute", job.error_message)
        self.assertIn("Odoo attribute 'Material' is not an option in Shopify", job.error_message)
        self.assertFalse(self.bound("gid://shopify/ProductVariant/61"))

    def test_catalog_import_rolls_back_a_conflicting_product_alone(self):
        size = self.env["product.attribute"].create({"name": "Fit", "value_ids": [(0, 0, {"name": "Slim"})]})
        template = self.env["product.template"].create(
            {
                "name": "Jeans",
                "type": "consu",
                "attribute_line_ids": [(0, 0, {"attribute_id": size.id, "value_ids": [(6, 0, size.value_ids.ids)]})],
            }
        )
        template.product_variant_ids.default_code = "JEANS-1"
        self.serve(
            [
                gql_product(
                    301,
                    "Jeans",
                    [gql_variant(301, sku="JEANS-1", options={"Length": "32"})],
                    options=[("Length", ["32"])],
                ),
                gql_product(302, "Belt", [gql_variant(302, sku="BELT-1")]),
            ]
        )
        job = self.import_catalog(create=True)
        self.assertIn("1 product(s) not imported", job.result_summary)
        self.assertIn("Jeans (gid://shopify/Product/301)", job.warning_message)
        self.assertIn("option 'Length' is not an attribute", job.warning_message)
        self.assertFalse(self.bound("gid://shopify/ProductVariant/301"))
        self.assertEqual(self.bound("gid://shopify/ProductVariant/302").default_code, "BELT-1")

    def test_fields_shopify_does_not_own_are_kept(self):
        product = self.env["product.product"].create(
            {"name": "Odoo name", "default_code": "OWN-1", "type": "consu", "list_price": 50.0, "barcode": "111"}
        )
        payload = rest_product(7, "Shopify name", [{"id": 71, "sku": "OWN-1", "price": "40.00", "barcode": "222"}])
        job, _created = self.intake("products/create", payload)
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(self.bound("gid://shopify/ProductVariant/71"), product)
        self.assertEqual(self.bound("gid://shopify/InventoryItem/50071"), product)
        self.assertEqual(product.name, "Shopify name")  # title: Shopify's by default
        self.assertEqual(product.list_price, 50.0)  # price: Odoo's
        self.assertEqual(product.barcode, "111")
        self.backend.write({"shopify_owns_price": True, "shopify_owns_barcode": True})
        job, _created = self.intake(
            "products/update",
            rest_product(
                7,
                "Shopify name",
                [{"id": 71, "sku": "OWN-1", "price": "39.99", "barcode": "222"}],
                updated_at="2026-11-21T10:00:00-05:00",
            ),
        )
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(Decimal(str(product.list_price)), Decimal("39.99"))
        self.assertEqual(product.barcode, "222")
        # An older event changes nothing.
        job, _created = self.intake(
            "products/update",
            rest_product(
                7, "Stale", [{"id": 71, "sku": "OWN-1", "price": "1.00"}], updated_at="2026-11-19T10:00:00-05:00"
            ),
        )
        self.perform(job)
        self.assertEqual((product.name, product.list_price), ("Shopify name", 39.99))

    def test_products_delete_unbinds_and_archives_only_when_shopify_owns_status(self):
        # Asked which variants it still has, Shopify answers null: they went with the product.
        previous = self.standin.root.get("nodes")
        self.standin.root["nodes"] = lambda _info, ids: [None for _gid in ids]
        if previous:
            self.addCleanup(self.standin.root.update, {"nodes": previous})
        else:
            self.addCleanup(self.standin.root.pop, "nodes", None)
        for number, owns in ((8, False), (9, True)):
            product = self.env["product.product"].create(
                {"name": f"Gone {number}", "default_code": f"GONE-{number}", "type": "consu"}
            )
            job, _created = self.intake(
                "products/create",
                rest_product(number, f"Gone {number}", [{"id": number * 10 + 1, "sku": f"GONE-{number}"}]),
            )
            self.perform(job)
            self.assertEqual(self.bound(f"gid://shopify/ProductVariant/{number * 10 + 1}"), product)
            self.backend.shopify_owns_status = owns
            job, _created = self.intake("products/delete", {"id": number})
            self.perform(job)
            self.assertEqual(job.state, "done", job.error_message)
            for gid in (
                f"gid://shopify/Product/{number}",
                f"gid://shopify/ProductVariant/{number * 10 + 1}",
                f"gid://shopify/InventoryItem/{number * 10 + 1 + 50000}",
            ):
                self.assertFalse(self.env["shopify.binding"]._find(self.backend, gid), gid)
            self.assertEqual(product.active, not owns)

    def test_catalog_import_pages_through_products_and_long_variant_lists(self):
        catalog = [gql_product(100 + n, f"P{n}", [gql_variant(1000 + n, sku=f"PAGE-{n}")]) for n in range(5)]
        catalog[4] = gql_product(
            104,
            "Many",
            [gql_variant(1004, sku="PAGE-4", options={"Size": "S"})],
            options=[("Size", ["S", "M"])],
            more_variants=[gql_variant(1005, sku="PAGE-5", options={"Size": "M"})],
        )
        self.serve(catalog)
        with patch.object(products_handler, "PAGE_SIZE", 2):
            job = self.import_catalog(create=True)
        self.assertEqual(self.standin.operations().count("CatalogProducts"), 3)
        self.assertEqual(self.standin.operations().count("CatalogProductVariants"), 1)
        self.assertIn("5 product(s): 6 variant(s) bound, 6 created", job.result_summary)
        for n in range(6):
            self.assertEqual(self.bound(f"gid://shopify/ProductVariant/{1000 + n}").default_code, f"PAGE-{n}")

    def test_bulk_catalog_import_reads_one_file_and_applies_it_in_parts(self):
        sizes = [gql_variant(2100 + n, sku=f"BULK-S{n}", options={"Size": f"S{n}"}) for n in range(130)]
        catalog = [gql_product(200 + n, f"B{n}", [gql_variant(2000 + n, sku=f"BULK-{n}")]) for n in range(4)]
        catalog.append(
            gql_product(
                210, "Sizes", sizes[:100], options=[("Size", [f"S{n}" for n in range(130)])], more_variants=sizes[100:]
            )
        )
        self.serve(catalog)
        job = self.env["shopify.sync.job"]._create_outbound(
            self.backend, "historical", "catalog/import", payload={"create": True, "mode": "bulk"}
        )
        job._enqueue()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(self.standin.operations(), ["BulkOperationRunQuery"])

        poll = self.jobs(topic="catalog/import", state="queued")
        with self.assertRaises(RetryableJobError):
            self.perform(poll)  # Shopify is still writing the file: the queue asks again later
        with patch.object(products_handler, "CATALOG_PART_PRODUCTS", 2):
            self.perform(poll)
        self.assertEqual(poll.state, "done", poll.error_message)
        self.assertIn("5 product(s) (134 variants) queued in 3 part(s)", poll.result_summary)
        parts = self.jobs(topic="catalog/import", state="queued")
        self.assertEqual(sorted(parts.mapped("shopify_ref")), [f"Catalog part {n}/3" for n in (1, 2, 3)])
        for part in parts:
            self.perform(part)
            self.assertEqual(part.state, "done", part.error_message)
        for n in range(4):
            self.assertEqual(self.bound(f"gid://shopify/ProductVariant/{2000 + n}").default_code, f"BULK-{n}")
        sizes_template = self.bound("gid://shopify/Product/210")
        self.assertEqual(len(sizes_template.product_variant_ids), 130)
        self.assertEqual(
            self.bound("gid://shopify/InventoryItem/52229"), self.bound("gid://shopify/ProductVariant/2229")
        )
        # The file held every variant: no paged read at all.
        self.assertFalse({"CatalogProducts", "CatalogProductVariants"} & set(self.standin.operations()))

        # The same import again binds nothing twice and creates nothing.
        products_before = self.env["product.product"].search_count([])
        self.standin.reset()
        job = self.env["shopify.sync.job"]._create_outbound(
            self.backend, "historical", "catalog/import", payload={"create": True, "mode": "bulk"}
        )
        job._enqueue()
        self.perform(job)
        self.standin.bulk_running_polls = 0
        with patch.object(products_handler, "CATALOG_PART_PRODUCTS", 2):
            self.perform(self.jobs(topic="catalog/import", state="queued"))
        for part in self.jobs(topic="catalog/import", state="queued"):
            self.perform(part)
        self.assertEqual(self.env["product.product"].search_count([]), products_before)

    def test_auto_mode_pages_small_catalogs_and_bulk_reads_large_ones(self):
        self.serve([gql_product(300 + n, f"A{n}", [gql_variant(3000 + n, sku=f"AUTO-{n}")]) for n in range(3)])
        self.env["shopify.sync.catalog.import"].create(
            {"backend_id": self.backend.id, "unmatched_variants": "create"}
        ).action_import()
        self.perform(self.jobs(topic="catalog/import", state="queued"))
        self.assertEqual(self.standin.operations(), ["ProductsCount", "CatalogProducts"])
        self.standin.reset()
        with patch.object(products_handler, "CATALOG_BULK_THRESHOLD", 2):
            self.env["shopify.sync.catalog.import"].create(
                {"backend_id": self.backend.id, "unmatched_variants": "create"}
            ).action_import()
            self.perform(self.jobs(topic="catalog/import", state="queued"))
        self.assertEqual(self.standin.operations(), ["ProductsCount", "BulkOperationRunQuery"])

    def test_bulk_query_shopify_would_refuse_is_a_visible_data_error(self):
        from ..handlers import bulk

        # Shopify refuses a top-level nodes field in a bulk query; the stand-in checks the same rules.
        with self.assertRaises(DataError) as caught:
            bulk.start(self.backend._get_client(), '{ nodes(ids: ["gid://shopify/Product/1"]) { id } }', "test")
        self.assertIn("top-level node and nodes fields cannot be used", caught.exception.message)

    # -- drift ---------------------------------------------------------------------------------

    def test_drift_check_of_a_large_store_reads_a_bulk_operation(self):
        self.serve([gql_product(400, "Lonely", [gql_variant(4000, sku="NOPE-1")])])
        self.standin.bulk_running_polls = 0
        with patch.object(products_handler, "CATALOG_BULK_THRESHOLD", 0):
            self.backend.action_check_catalog_drift()
            self.perform(self.jobs(topic="catalog/drift", state="queued"))
        follow = self.jobs(topic="catalog/drift", state="queued")
        self.perform(follow)
        self.assertEqual(follow.state, "done", follow.error_message)
        self.assertEqual(self.standin.operations(), ["ProductsCount", "BulkOperationRunQuery", "BulkOperationStatus"])
        row = self.env["shopify.sync.catalog.drift"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual((row.kind, row.shopify_variant_gid), ("unmatched", "gid://shopify/ProductVariant/4000"))

    def test_drift_report_lists_and_fixes(self):
        Product = self.env["product.product"]
        candidate = Product.create({"name": "Candidate", "default_code": "DR-1", "type": "consu"})
        renamed = Product.create({"name": "Renamed", "default_code": "DR-3-NEW", "type": "consu"})
        archived = Product.create({"name": "Retired", "default_code": "DR-4", "type": "consu"})
        Product.create([{"name": f"Twin {i}", "default_code": "ODUP", "type": "consu"} for i in (1, 2)])
        Binding = self.env["shopify.binding"]
        Binding._bind(self.backend, "gid://shopify/ProductVariant/203", renamed)
        Binding._bind(self.backend, "gid://shopify/ProductVariant/204", archived)
        archived.active = False
        self.serve(
            [
                gql_product(201, "Candidate", [gql_variant(201, sku="DR-1")]),
                gql_product(202, "Nowhere", [gql_variant(202, sku="DR-2", price="12.00")]),
                gql_product(203, "Renamed", [gql_variant(203, sku="DR-3")]),
                gql_product(204, "Retired", [gql_variant(204, sku="DR-4")]),
                gql_product(
                    205,
                    "Twins",
                    [
                        gql_variant(205, sku="DUP", options={"Size": "S"}),
                        gql_variant(206, sku="DUP", options={"Size": "M"}),
                    ],
                    options=[("Size", ["S", "M"])],
                ),
                gql_product(207, "Odoo twins", [gql_variant(207, sku="ODUP")]),
            ]
        )
        self.backend.action_check_catalog_drift()
        job = self.env["shopify.sync.job"].search([("topic", "=", "catalog/drift")], limit=1)
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        Drift = self.env["shopify.sync.catalog.drift"]
        rows = Drift.search([("backend_id", "=", self.backend.id)])
        found = {(row.kind, row.shopify_variant_gid.rsplit("/", 1)[-1]) for row in rows}
        self.assertEqual(
            found,
            {
                ("unmatched", "201"),
                ("unmatched", "202"),
                ("sku_mismatch", "203"),
                ("archived_listed", "204"),
                ("unmatched", "205"),
                ("unmatched", "206"),
                ("duplicate_sku_shopify", "205"),
                ("duplicate_sku_shopify", "206"),
                ("unmatched", "207"),
                ("duplicate_sku_odoo", "207"),
            },
        )
        self.assertEqual(self.backend.drift_count, 10)

        def row(kind, number):
            return Drift.search([("backend_id", "=", self.backend.id)]).filtered(
                lambda r: r.kind == kind and r.shopify_variant_gid.endswith(f"/{number}")
            )

        # bind: the proposed product (found by SKU)
        self.assertEqual(row("unmatched", 201).product_id, candidate)
        row("unmatched", 201).action_bind()
        self.assertEqual(self.bound("gid://shopify/ProductVariant/201"), candidate)
        self.assertEqual(self.bound("gid://shopify/InventoryItem/50201"), candidate)
        # unbind: the SKU changed in Odoo, the binding goes
        row("sku_mismatch", 203).action_unbind()
        self.assertFalse(self.bound("gid://shopify/ProductVariant/203"))
        # create: read from Shopify and made in Odoo
        row("unmatched", 202).action_create()
        created = self.bound("gid://shopify/ProductVariant/202")
        self.assertEqual((created.name, created.default_code, created.list_price), ("Nowhere", "DR-2", 12.0))
        self.assertFalse(row("unmatched", 202).exists())
        self.assertEqual(len(Drift.search([("backend_id", "=", self.backend.id)])), 7)


@tagged("post_install", "-at_install")
class TestBundleOrders(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_us_sales_tax()
        Product = cls.env["product.product"]
        cls.mug = Product.create(
            {"name": "Mug", "default_code": "B-MUG", "type": "consu", "is_storable": True, "taxes_id": False}
        )
        cls.cap = Product.create(
            {"name": "Cap", "default_code": "B-CAP", "type": "consu", "is_storable": True, "taxes_id": False}
        )
        cls.box = Product.create({"name": "Gift box", "type": "service", "taxes_id": False})
        cls.bundle = cls.env["shopify.sync.bundle"].create(
            {
                "name": "Mug + cap gift box",
                "backend_id": cls.backend.id,
                "shopify_variant_gid": "7001",
                "product_id": cls.box.id,
                "line_ids": [
                    (0, 0, {"product_id": cls.mug.id, "quantity": 2}),
                    (0, 0, {"product_id": cls.cap.id, "quantity": 1}),
                ],
            }
        )

    def test_bundle_line_keeps_price_and_components_are_delivered(self):
        self.standin.root["nodes"] = lambda _info, ids: [
            {"__typename": "ProductVariant", "id": gid, "sku": "", "barcode": None} for gid in ids
        ]
        self.assertEqual(self.bundle.shopify_variant_gid, "gid://shopify/ProductVariant/7001")
        payload = order_payload(
            4201,
            lines=[
                {
                    "variant_id": 7001,
                    "sku": "GIFT",
                    "price": "29.99",
                    "quantity": 2,
                    "discount": "3.00",
                    "taxes": [("CA State Tax", 7.25)],
                },
                {"variant_id": 7002, "sku": "B-MUG", "price": "9.95", "taxes": [("CA State Tax", 7.25)]},
            ],
            shipping={"price": "5.00"},
        )
        job, _created = self.intake("orders/create", payload)
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        sale = self.env["shopify.binding"]._record_for(self.backend, payload["admin_graphql_api_id"])
        self.assertEqual(orders_handler.odoo_amount(sale.amount_total), Decimal(payload["total_price"]))
        self.assertEqual(orders_handler.odoo_amount(sale.amount_tax), Decimal(payload["total_tax"]))
        lines = sale.order_line
        box_line = lines.filtered(lambda ln: ln.product_id == self.box)
        self.assertEqual((box_line.product_uom_qty, box_line.price_unit), (2, 29.99))
        components = lines.filtered(lambda ln: ln.price_unit == 0 and ln.product_id in self.mug | self.cap)
        self.assertEqual(
            sorted((ln.product_id.name, ln.product_uom_qty) for ln in components), [("Cap", 2.0), ("Mug", 4.0)]
        )
        moves = sale.picking_ids.move_ids
        self.assertEqual(sum(moves.filtered(lambda m: m.product_id == self.mug).mapped("product_uom_qty")), 5.0)
        self.assertEqual(sum(moves.filtered(lambda m: m.product_id == self.cap).mapped("product_uom_qty")), 2.0)
        self.assertFalse(moves.filtered(lambda m: m.product_id == self.box))
        # The bundle variant is not bound to a product of its own: the bundle decides every time.
        self.assertFalse(self.env["shopify.binding"]._find(self.backend, "gid://shopify/ProductVariant/7001"))

    def test_catalog_import_leaves_bundle_variants_to_their_bundle(self):
        self.standin.root["products"] = lambda _info, first, after=None, **_a: {
            "nodes": [gql_product(700, "Gift box", [gql_variant(7001, sku="B-MUG")])],
            "pageInfo": {"hasNextPage": False, "endCursor": None},
        }
        job = self.env["shopify.sync.job"]._create_outbound(
            self.backend, "historical", "catalog/import", payload={"create": True}
        )
        job._enqueue()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertFalse(self.env["shopify.binding"]._find(self.backend, "gid://shopify/ProductVariant/7001"))
        # Its inventory item carries the bundle's availability: bound to the bundle's sale product.
        self.assertEqual(
            self.env["shopify.binding"]._record_for(self.backend, "gid://shopify/InventoryItem/57001"), self.box
        )

    def test_available_quantity_for_the_stock_export(self):
        Bundle = self.env["shopify.sync.bundle"]
        self.assertEqual(Bundle._available_quantity(self.bundle, {self.mug.id: 9, self.cap.id: 3}), 3)
        self.assertEqual(Bundle._available_quantity(self.bundle, {self.mug.id: 9, self.cap.id: 7}), 4)
        self.assertEqual(Bundle._available_quantity(self.bundle, {self.mug.id: 9}), 0)
