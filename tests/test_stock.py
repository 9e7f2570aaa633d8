"""Stock: locations, export (batched, coalesced, compare-and-swap, buffered), Shopify-side drift,
reconciliation. Shopify's inventory is a dict in the test, served through the stand-in."""

from odoo.exceptions import ValidationError
from odoo.tests import BaseCase, tagged

from ..lib import errors
from ..lib.stock_mapping import batches, buffered_quantity, coalesce, plan_quantities, split_user_errors
from .common import ShopifyCase
from .stock_fake import LOC_A, LOC_B, FakeShopifyInventory


class StockCase(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.backend.company_id
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        cls.stock = cls.warehouse.lot_stock_id
        cls.popup = cls.env["stock.location"].create(
            {"name": "Pop-up", "usage": "internal", "location_id": cls.warehouse.view_location_id.id}
        )
        Product = cls.env["product.product"]
        cls.mug = Product.create({"name": "Mug", "default_code": "MUG", "is_storable": True})
        cls.cap = Product.create({"name": "Cap", "default_code": "CAP", "is_storable": True})
        Binding = cls.env["shopify.binding"]
        for number, product in ((1, cls.mug), (2, cls.cap)):
            Binding._bind(cls.backend, f"gid://shopify/ProductVariant/{number}", product)
            Binding._bind(cls.backend, f"gid://shopify/InventoryItem/{500 + number}", product)
        cls.mug_item, cls.cap_item = "gid://shopify/InventoryItem/501", "gid://shopify/InventoryItem/502"

    def setUp(self):
        super().setUp()
        self.shopify = FakeShopifyInventory()
        self.shopify.install(self.standin)

    def map_locations(self):
        Location = self.env["shopify.sync.location"]
        Location.create(
            {
                "backend_id": self.backend.id,
                "name": "Main warehouse",
                "shopify_gid": LOC_A,
                "warehouse_id": self.warehouse.id,
            }
        )
        Location.create(
            {"backend_id": self.backend.id, "name": "Pop-up store", "shopify_gid": LOC_B, "location_id": self.popup.id}
        )

    def add_stock(self, product, quantity, location=None):
        self.env["stock.quant"]._update_available_quantity(product, location or self.stock, quantity)

    def export_jobs(self, state="queued"):
        return self.env["shopify.sync.job"].search(
            [("backend_id", "=", self.backend.id), ("topic", "=", "inventory/export"), ("state", "=", state)]
        )

    def export(self):
        """What a commit does (run the stock hooks), then run the pending export job as a worker."""
        self.env.cr.flush()
        jobs = self.export_jobs()
        self.assertEqual(len(jobs), 1, "one pending export job per store")
        self.perform(jobs)
        return jobs

    def set_calls(self):
        return [op for op in self.standin.operations() if op == "InventorySetQuantities"]


@tagged("post_install", "-at_install")
class TestStockLocations(StockCase):
    def test_import_then_unmapped_location_fails_naming_it_then_mapping_fixes(self):
        self.backend.action_import_locations()
        rows = self.backend.location_ids
        self.assertEqual(sorted(rows.mapped("shopify_gid")), [LOC_A, LOC_B])
        self.assertFalse(rows.location_id, "imported locations are never guessed")
        self.backend.action_import_locations()  # idempotent
        self.assertEqual(len(self.backend.location_ids), 2)

        self.add_stock(self.mug, 7)
        job = self.export()
        self.assertEqual(job.state, "failed")
        self.assertEqual(job.failure_category, errors.CONFIGURATION)
        self.assertIn("Main warehouse", job.error_message)
        self.assertFalse(self.set_calls())

        rows.filtered(lambda r: r.shopify_gid == LOC_A).warehouse_id = self.warehouse
        rows.filtered(lambda r: r.shopify_gid == LOC_B).location_id = self.popup
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 7)
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_B), 0)


@tagged("post_install", "-at_install")
class TestStockExport(StockCase):
    def setUp(self):
        super().setUp()
        self.map_locations()

    def test_export_after_delivery_and_inventory_adjustment(self):
        self.add_stock(self.mug, 10)
        self.add_stock(self.mug, 4, self.popup)
        self.export()
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 10)
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_B), 4)
        self.assertEqual(self.shopify.qty(self.cap_item, LOC_A), None, "untouched products are not sent")

        # Delivery of 3 from the main warehouse: reservation then done move.
        customer = self.env.ref("stock.stock_location_customers")
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.stock.id,
                "location_dest_id": customer.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.mug.id,
                            "product_uom_qty": 3,
                            "location_id": self.stock.id,
                            "location_dest_id": customer.id,
                        },
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        self.export()  # "available" setting: the reservation already lowers it
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 7)
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.standin.reset()
        self.export()
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 7)
        self.assertFalse(self.set_calls(), "an unchanged quantity is not sent again")

        # Inventory adjustment in the pop-up: 4 -> 9, sent with the compare value Shopify holds.
        quant = self.env["stock.quant"].search([("product_id", "=", self.mug.id), ("location_id", "=", self.popup.id)])
        quant.inventory_quantity = 9
        quant.action_apply_inventory()
        self.standin.reset()
        self.export()
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_B), 9)
        sent = self.standin.requests_log[-1]["json"]["variables"]["input"]["quantities"]
        self.assertEqual(
            sent, [{"inventoryItemId": self.mug_item, "locationId": LOC_B, "quantity": 9, "changeFromQuantity": 4}]
        )

    def test_many_moves_coalesce_into_one_job_and_one_call_with_the_latest_value(self):
        for _step in range(10):
            self.add_stock(self.mug, 1)
            self.add_stock(self.cap, 2, self.popup)
            self.env.cr.flush()  # ten separate commits
        self.assertEqual(len(self.export_jobs()), 1)
        self.export()
        self.assertEqual(len(self.set_calls()), 1)
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 10)
        self.assertEqual(self.shopify.qty(self.cap_item, LOC_B), 20)
        self.assertFalse(self.env["shopify.sync.stock.dirty"].search([("backend_id", "=", self.backend.id)]))
        # The idempotency key is derived from the request: the same batch resent is the same key.
        call = next(e for e in self.standin.requests_log if e["operation"] == "InventorySetQuantities")
        self.assertTrue(call["json"]["variables"]["key"].startswith("odoo-shopify-sync-"))

    def test_batches_of_at_most_250_quantities(self):
        products = self.env["product.product"].create([{"name": f"Bulk {i}", "is_storable": True} for i in range(130)])
        for index, product in enumerate(products):
            self.env["shopify.binding"]._bind(self.backend, f"gid://shopify/InventoryItem/{9000 + index}", product)
            self.add_stock(product, index + 1)
        self.export()
        calls = [e for e in self.standin.requests_log if e["operation"] == "InventorySetQuantities"]
        self.assertEqual([len(c["json"]["variables"]["input"]["quantities"]) for c in calls], [250, 10])
        self.assertEqual(self.shopify.qty("gid://shopify/InventoryItem/9129", LOC_A), 130)

    def test_change_in_shopify_is_detected_by_compare_and_flagged(self):
        self.add_stock(self.mug, 10)
        self.export()
        self.shopify.quantities[(self.mug_item, LOC_A)]["available"] = 25  # typed in Shopify admin
        self.add_stock(self.mug, 2)
        self.add_stock(self.cap, 5)
        job = self.export()
        self.assertEqual(job.state, "done")
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 25, "flag policy: not overwritten")
        self.assertEqual(self.shopify.qty(self.cap_item, LOC_A), 5, "the rest of the batch still goes")
        self.assertIn("InventoryItemsLevels", self.standin.operations(), "the stale quantity is re-read")
        drift = self.env["shopify.sync.job"].search(
            [("topic", "=", "inventory/drift"), ("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(drift.state, "failed")
        self.assertIn("Shopify 25, Odoo 12", drift.error_message)
        self.assertEqual(self.mug.with_context(location=self.stock.id).qty_available, 12, "Odoo stock untouched")
        # Retry of the drift job = Odoo wins.
        drift.action_retry()
        self.perform(drift)
        self.export()
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 12)

    def test_change_in_shopify_is_overwritten_with_overwrite_policy(self):
        self.backend.stock_drift_policy = "overwrite"
        self.add_stock(self.mug, 10)
        self.export()
        self.shopify.quantities[(self.mug_item, LOC_A)]["available"] = 25
        self.add_stock(self.mug, 2)
        job = self.export()
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 12)
        self.assertIn("Shopify 25", job.warning_message)
        self.assertEqual(len(self.set_calls()), 3, "first export, stale refusal, resend with the re-read base")

    def test_safety_buffer_units_percent_category_never_negative(self):
        self.backend.write({"stock_buffer_type": "units", "stock_buffer_value": 3})
        self.add_stock(self.mug, 2)
        self.add_stock(self.cap, 25)
        self.export()
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 0, "2 - 3 publishes 0, not -1")
        self.assertEqual(self.shopify.qty(self.cap_item, LOC_A), 22)
        category = self.env["product.category"].create(
            {"name": "Fragile", "shopify_sync_buffer_type": "percent", "shopify_sync_buffer_value": 10}
        )
        self.cap.categ_id = category
        self.backend.action_export_stock()
        self.export()
        self.assertEqual(self.shopify.qty(self.cap_item, LOC_A), 22, "25 - ceil(2.5)")
        self.add_stock(self.cap, 15)
        self.export()
        self.assertEqual(self.shopify.qty(self.cap_item, LOC_A), 36, "40 - 4")

    def test_untracked_item_is_reported_not_silently_skipped(self):
        self.shopify.untracked.add(self.cap_item)
        self.add_stock(self.mug, 3)
        self.add_stock(self.cap, 3)
        job = self.export()
        self.assertEqual(job.state, "done")
        self.assertIn("Not tracked in Shopify", job.warning_message)
        self.assertIn("Cap", job.warning_message)
        self.assertIn("1 untracked", job.result_summary)
        self.assertIsNone(self.shopify.qty(self.cap_item, LOC_A))
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 3)
        levels = self.env["shopify.sync.stock.level"].search([("inventory_item_gid", "=", self.cap_item)])
        self.assertEqual(set(levels.mapped("tracked")), {"no"})
        # The merchant turns on "Track quantity": the cap's next change is exported, no warning.
        self.shopify.untracked.clear()
        self.add_stock(self.cap, 1)
        job = self.export()
        self.assertEqual(self.shopify.qty(self.cap_item, LOC_A), 4)
        self.assertFalse(job.warning_message)
        self.assertEqual(set(levels.mapped("tracked")), {"yes"})

    def test_item_deleted_in_shopify_is_reported_and_does_not_block_the_rest(self):
        self.shopify.deleted.add(self.cap_item)
        self.add_stock(self.mug, 2)
        self.add_stock(self.cap, 2)
        job = self.export()
        self.assertEqual(job.state, "done")
        self.assertIn("Unknown to Shopify", job.warning_message)
        self.assertIn("Cap", job.warning_message)
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 2)
        self.assertIsNone(self.shopify.qty(self.cap_item, LOC_A))

    def test_throttled_export_backs_off_and_completes(self):
        self.add_stock(self.mug, 6)
        self.env.cr.flush()
        job = self.export_jobs()
        self.standin.queue_fault("throttled", count=4)  # more than the client's own attempts
        with self.assertRaises(Exception) as caught:
            self.perform(job)
        self.assertIn("RetryableJobError", type(caught.exception).__name__)
        self.assertEqual(job.state, "queued")
        self.assertIsNone(self.shopify.qty(self.mug_item, LOC_A))
        self.standin.queue_fault("throttled", count=1)  # the client waits this one out itself
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 6)


@tagged("post_install", "-at_install")
class TestBundleStock(StockCase):
    """A bundle publishes what its components allow, per location, and follows their changes."""

    BUNDLE_VARIANT, BUNDLE_ITEM = "gid://shopify/ProductVariant/77", "gid://shopify/InventoryItem/577"

    def setUp(self):
        super().setUp()
        self.map_locations()
        self.add_stock(self.mug, 9)
        self.add_stock(self.cap, 3)
        self.add_stock(self.mug, 5, self.popup)
        self.export()
        self.shopify.variants[self.BUNDLE_VARIANT] = self.BUNDLE_ITEM
        self.box = self.env["product.product"].create({"name": "Gift box", "type": "service"})

    def make_bundle(self):
        return self.env["shopify.sync.bundle"].create(
            {
                "name": "Mug + cap",
                "backend_id": self.backend.id,
                "shopify_variant_gid": self.BUNDLE_VARIANT,
                "product_id": self.box.id,
                "line_ids": [
                    (0, 0, {"product_id": self.mug.id, "quantity": 2}),
                    (0, 0, {"product_id": self.cap.id, "quantity": 1}),
                ],
            }
        )

    def test_new_bundle_is_linked_and_publishes_the_minimum_over_components(self):
        self.standin.reset()
        bundle = self.make_bundle()
        job = self.export()
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(self.env["shopify.binding"]._record_for(self.backend, self.BUNDLE_ITEM), self.box)
        # Main: min(9 // 2, 3 // 1) = 3. Pop-up: 5 mugs but no cap = 0.
        self.assertEqual(self.shopify.qty(self.BUNDLE_ITEM, LOC_A), 3)
        self.assertEqual(self.shopify.qty(self.BUNDLE_ITEM, LOC_B), 0)
        self.assertEqual(self.standin.operations().count("BundleVariantItems"), 1)

        # Five more caps: the cap and the bundle are exported in one call, the bundle now limited by mugs.
        self.add_stock(self.cap, 5)
        self.standin.reset()
        self.export()
        self.assertEqual(len(self.set_calls()), 1)
        self.assertEqual(self.shopify.qty(self.cap_item, LOC_A), 8)
        self.assertEqual(self.shopify.qty(self.BUNDLE_ITEM, LOC_A), 4)
        self.assertNotIn("BundleVariantItems", self.standin.operations(), "linked once, not on every export")

        # Three mugs per bundle from now on: the bundle's figure follows its recipe.
        bundle.line_ids.filtered(lambda ln: ln.product_id == self.mug).quantity = 3
        self.export()
        self.assertEqual(self.shopify.qty(self.BUNDLE_ITEM, LOC_A), 3)
        # Pointed at another Shopify variant: relinked to that variant's inventory item.
        self.shopify.variants["gid://shopify/ProductVariant/78"] = "gid://shopify/InventoryItem/578"
        bundle.shopify_variant_gid = "78"
        self.export()
        self.assertEqual(
            self.env["shopify.binding"]._record_for(self.backend, "gid://shopify/InventoryItem/578"), self.box
        )
        self.assertFalse(self.env["shopify.binding"]._find(self.backend, self.BUNDLE_ITEM))
        self.assertEqual(self.shopify.qty("gid://shopify/InventoryItem/578", LOC_A), 3)
        # Archived: its orders could no longer be mapped, so Shopify is told it has none.
        bundle.active = False
        self.export()
        self.assertEqual(self.shopify.qty("gid://shopify/InventoryItem/578", LOC_A), 0)

    def test_bundle_availability_takes_the_safety_buffer_and_the_drift_guard(self):
        self.backend.write({"stock_buffer_type": "units", "stock_buffer_value": 1})
        self.make_bundle()
        self.export()
        self.assertEqual(self.shopify.qty(self.BUNDLE_ITEM, LOC_A), 2)  # 3 possible, 1 held back
        # Someone types 10 in Shopify admin: flagged, Odoo unchanged.
        job, _created = self.intake(
            "inventory_levels/update",
            {
                "inventory_item_id": 577,
                "location_id": 1001,
                "available": 10,
                "updated_at": "2026-11-23T10:00:00-05:00",
                "admin_graphql_api_id": "gid://shopify/InventoryLevel/1001?inventory_item_id=577",
            },
        )
        self.perform(job)
        self.assertEqual((job.state, job.failure_category), ("failed", errors.DATA))
        self.assertIn(
            "Stock of Gift box at Main warehouse was changed in Shopify: Shopify 10, Odoo 2", job.error_message
        )

    def test_variant_unknown_to_shopify_is_reported_and_the_rest_exported(self):
        self.shopify.variants.clear()
        self.make_bundle()
        self.add_stock(self.mug, 1)
        job = self.export()
        self.assertEqual(job.state, "done", job.error_message)
        self.assertIn("bundle Mug + cap (gid://shopify/ProductVariant/77)", job.warning_message)
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 10)

    def test_one_sale_product_per_bundle(self):
        self.make_bundle()
        with self.assertRaises(ValidationError):
            self.env["shopify.sync.bundle"].create(
                {
                    "name": "Other",
                    "backend_id": self.backend.id,
                    "shopify_variant_gid": "78",
                    "product_id": self.box.id,
                    "line_ids": [(0, 0, {"product_id": self.cap.id, "quantity": 1})],
                }
            )


@tagged("post_install", "-at_install")
class TestStockDrift(StockCase):
    def setUp(self):
        super().setUp()
        self.map_locations()
        self.add_stock(self.mug, 10)
        self.export()

    def level_payload(self, available, location_id=1001):
        return {
            "inventory_item_id": 501,
            "location_id": location_id,
            "available": available,
            "updated_at": "2026-11-23T10:00:00-05:00",
            "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{location_id}?inventory_item_id=501",
        }

    def test_echo_of_our_export_is_no_drift(self):
        job, _created = self.intake("inventory_levels/update", self.level_payload(10))
        self.perform(job)
        self.assertEqual(job.state, "done")
        self.assertIn("agrees", job.result_summary)

    def test_manual_change_in_shopify_is_flagged_and_never_changes_odoo(self):
        job, _created = self.intake("inventory_levels/update", self.level_payload(40))
        self.perform(job)
        self.assertEqual(job.state, "failed")
        self.assertEqual(job.failure_category, errors.DATA)
        self.assertIn("Shopify 40, Odoo 10", job.error_message)
        self.assertEqual(self.mug.with_context(location=self.stock.id).qty_available, 10)
        self.assertFalse(self.export_jobs())

    def test_manual_change_overwritten_back_from_odoo(self):
        self.backend.stock_drift_policy = "overwrite"
        self.shopify.quantities[(self.mug_item, LOC_A)]["available"] = 40
        job, _created = self.intake("inventory_levels/update", self.level_payload(40))
        self.perform(job)
        self.assertEqual(job.state, "done")
        self.export()
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 10)
        self.assertEqual(self.mug.with_context(location=self.stock.id).qty_available, 10)

    def test_unmapped_location_in_webhook_is_configuration_error(self):
        job, _created = self.intake("inventory_levels/update", self.level_payload(3, location_id=777))
        self.perform(job)
        self.assertEqual(job.failure_category, errors.CONFIGURATION)
        self.assertIn("gid://shopify/Location/777", job.error_message)

    def test_reconciliation_lists_drift_and_pushes_odoo_figures(self):
        self.add_stock(self.cap, 4, self.popup)
        self.export()
        self.shopify.quantities[(self.mug_item, LOC_A)]["available"] = 13
        self.shopify.quantities.pop((self.cap_item, LOC_B))
        wizard = self.env["shopify.sync.stock.reconcile"].create({"backend_id": self.backend.id})
        wizard.action_compare()
        self.assertEqual(wizard.checked_count, 4)
        self.assertEqual((wizard.drift_count, wizard.missing_count), (1, 1))
        mug_line = wizard.line_ids.filtered(lambda ln: ln.product_id == self.mug)
        self.assertEqual((mug_line.shopify_qty, mug_line.odoo_qty), (13, 10))
        wizard.action_push()
        self.export()
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 10)
        self.assertEqual(self.shopify.qty(self.cap_item, LOC_B), 4)

    def test_scheduled_reconciliation_is_a_sync_job(self):
        self.backend.stock_drift_policy = "overwrite"  # under "flag" differences wait for review (test_lifecycle)
        self.shopify.quantities[(self.mug_item, LOC_A)]["available"] = 2
        self.env["shopify.backend"]._cron_reconcile_stock()
        job = self.env["shopify.sync.job"].search(
            [("topic", "=", "inventory/reconcile"), ("backend_id", "=", self.backend.id)]
        )
        self.perform(job)
        self.assertEqual(job.state, "done")
        self.assertIn("1 differ", job.result_summary)
        self.export()
        self.assertEqual(self.shopify.qty(self.mug_item, LOC_A), 10)


class TestStockArithmetic(BaseCase):
    def test_buffer(self):
        self.assertEqual(buffered_quantity(10, "units", 3), 7)
        self.assertEqual(buffered_quantity(2, "units", 3), 0)
        self.assertEqual(buffered_quantity(-5, "units", 0), 0)
        self.assertEqual(buffered_quantity(25, "percent", 10), 22)
        self.assertEqual(buffered_quantity(9.9, "units", 0), 9, "never publish a fraction upwards")
        self.assertEqual(buffered_quantity(1, "percent", 1), 0, "a percentage buffer holds back at least one unit")

    def test_plan_batches_coalesce_errors(self):
        targets = {("i1", "l1"): 5, ("i2", "l1"): 3, ("i3", "l1"): 0}
        plan = plan_quantities(targets, {("i1", "l1"): 5, ("i2", "l1"): 1})
        self.assertEqual(
            plan,
            [
                {"inventoryItemId": "i2", "locationId": "l1", "quantity": 3, "changeFromQuantity": 1},
                {"inventoryItemId": "i3", "locationId": "l1", "quantity": 0, "changeFromQuantity": None},
            ],
        )
        self.assertEqual([len(b) for b in batches(list(range(501)))], [250, 250, 1])
        self.assertEqual(coalesce([("a", 1), ("b", 2), ("a", 3)]), {"a": 3, "b": 2})
        stale, other = split_user_errors(
            [
                {
                    "field": ["input", "quantities", "1", "changeFromQuantity"],
                    "code": "CHANGE_FROM_QUANTITY_STALE",
                    "message": "stale",
                },
                {
                    "field": ["input", "quantities", "0", "inventoryItemId"],
                    "code": "INVALID_INVENTORY_ITEM",
                    "message": "not found",
                },
            ],
            plan,
        )
        self.assertEqual(stale, [1])
        self.assertEqual(other, ["INVALID_INVENTORY_ITEM: not found (i2 at l1)"])
