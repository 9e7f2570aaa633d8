from odoo import api, models
from odoo.exceptions import ValidationError


class ShopifyBackend(models.Model):
    """A store's company must be able to deliver its orders."""

    _inherit = "shopify.backend"

    @api.constrains("company_id")
    def _check_company_has_warehouse(self):
        """Sale orders need a warehouse of the store's company; refuse the store here rather than
        fail every order."""
        Warehouse = self.env["stock.warehouse"].sudo()
        for backend in self:
            if not Warehouse.search_count([("company_id", "=", backend.company_id.id)], limit=1):
                raise ValidationError(
                    self.env._(
                        "Company %(company)s has no warehouse: Shopify orders cannot be delivered from it. "
                        "Create a warehouse for it (Inventory > Configuration > Warehouses) or choose "
                        "another company.",
                        company=backend.company_id.name,
                    )
                )
