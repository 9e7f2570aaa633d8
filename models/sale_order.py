from odoo import fields, models

# Context keys of a Shopify order's import (handlers/orders.py). CREATION_NOTE: the text of the
# order's creation note, saying where it came from, instead of Odoo's "Sales Order created".
# QUIET_DELIVERIES: its deliveries get no "Transfer created" note; Odoo's note naming the order
# they come from says it, and each costs two statements per order.
CREATION_NOTE = "shopify_sync_creation_note"
QUIET_DELIVERIES = "shopify_sync_quiet_deliveries"


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

    def _creation_message(self):
        return self.env.context.get(CREATION_NOTE) or super()._creation_message()
