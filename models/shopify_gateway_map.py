from odoo import fields, models


class ShopifyGatewayMap(models.Model):
    """Shopify payment gateway (as orders name it: 'shopify_payments', 'paypal', 'manual'...) ->
    the Odoo journal its money lands in. Used to register the payment of paid orders."""

    _name = "shopify.gateway.map"
    _description = "Shopify payment gateway mapping"
    _order = "backend_id, gateway"

    backend_id = fields.Many2one("shopify.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    gateway = fields.Char(required=True, help="Gateway name exactly as in the order's payment_gateway_names.")
    journal_id = fields.Many2one(
        "account.journal",
        required=True,
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash', 'credit')), ('company_id', '=', company_id)]",
    )

    _gateway_unique = models.Constraint("UNIQUE(backend_id, gateway)", "This gateway already has a journal.")
