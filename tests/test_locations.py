from odoo.tests import tagged

from ..lib import errors
from .common import ShopifyCase


@tagged("post_install", "-at_install")
class TestLocationMapping(ShopifyCase):
    def test_unmapped_location_names_itself_then_mapping_resolves(self):
        Location = self.env["shopify.sync.location"]
        with self.assertRaises(errors.ConfigurationError) as caught:
            Location._stock_location_for(self.backend, 655441491, name="Warehouse East")
        self.assertIn("Warehouse East", caught.exception.message)
        self.assertIn("gid://shopify/Location/655441491", caught.exception.message)

        warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.backend.company_id.id)], limit=1)
        row = Location.create(
            {
                "backend_id": self.backend.id,
                "name": "Warehouse East",
                "shopify_gid": "gid://shopify/Location/655441491",
                "warehouse_id": warehouse.id,
            }
        )
        self.assertEqual(row.location_id, warehouse.lot_stock_id)
        # Numeric id and GID name the same location.
        self.assertEqual(Location._stock_location_for(self.backend, "655441491"), warehouse.lot_stock_id)
        self.assertEqual(
            Location._stock_location_for(self.backend, "gid://shopify/Location/655441491"), warehouse.lot_stock_id
        )

        row.active = False
        with self.assertRaises(errors.ConfigurationError):
            Location._stock_location_for(self.backend, 655441491)
