from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    shopify_sync_buffer_type = fields.Selection(
        [("units", "Units"), ("percent", "Percent")],
        string="Shopify safety buffer in",
        help="Overrides the store's safety buffer for products of this category (and its subcategories).",
    )
    shopify_sync_buffer_value = fields.Float(string="Shopify safety buffer")
