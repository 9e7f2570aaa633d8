from odoo import fields, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    shopify_sync_inventory_tracked = fields.Boolean(
        string="Stock tracked by Shopify",
        copy=False,
        help="Set by the catalog import from the Shopify variant's inventory item: only tracked "
        "items have stock levels to export.",
    )
