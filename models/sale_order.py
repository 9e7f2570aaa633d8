from odoo import fields, models


class SaleOrder(models.Model):
    """What the lifecycle of a Shopify order needs to remember on its sale order (see handlers/delivery.py)."""

    _inherit = "sale.order"

    shopify_sync_customer_note = fields.Text(
        string="Customer note (Shopify)",
        copy=False,
        readonly=True,
        help="The note the shopper left at checkout. Also posted in the chatter; never printed on documents.",
    )
    # {"lines": {sale line id: [key product id, units per Shopify unit]},
    #  "refunds": {key product id: {refund gid: [units, restock type]}},
    #  "signature": [[product id, quantity, Shopify unit price, Shopify discount], ...]}
    shopify_sync_state = fields.Json(copy=False, readonly=True)
