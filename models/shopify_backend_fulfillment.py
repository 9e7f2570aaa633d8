from odoo import fields, models


class ShopifyBackend(models.Model):
    """Refund and fulfilment settings of a store."""

    _inherit = "shopify.backend"

    export_fulfillments = fields.Boolean(
        string="Send deliveries to Shopify",
        default=True,
        help="When a delivery of a Shopify order is validated in Odoo, the shipped quantities are "
        "fulfilled in Shopify (one fulfilment per delivery, backorders included), with tracking.",
    )
    fulfillment_notify_customer = fields.Boolean(
        string="Shopify e-mails the customer",
        default=True,
        help="Shopify sends its shipping confirmation to the customer for each fulfilment Odoo creates.",
    )
    import_fulfillments = fields.Boolean(
        string="Deliver in Odoo what Shopify fulfils",
        help="For stores that fulfil in Shopify or through a 3PL: fulfilments/create and fulfilments/update "
        "validate the matching quantities of the Odoo delivery. Those deliveries are not sent back.",
    )
    refund_adjustment_product_id = fields.Many2one(
        "product.product",
        string="Refund adjustment product",
        default=lambda self: self.env.ref("shopify_sync.product_refund_adjustment", raise_if_not_found=False),
        help="Credit note line for the difference between what the refunded lines are worth and what "
        "Shopify gave back (Shopify's order adjustments).",
    )
