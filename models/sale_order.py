from odoo import fields, models

# Context keys of Shopify orders' import (handlers/orders.py, handlers/order_batch.py).
# IMPORTED_FROM_STORE: the store's name; each order's creation note then says which Shopify order
# and store it came from, instead of Odoo's "Sales Order created". QUIET_DELIVERIES: their
# deliveries get no "Transfer created" note (Odoo's note naming the order they come from says it;
# each note costs two statements per order).
IMPORTED_FROM_STORE = "shopify_sync_imported_from_store"
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
        store = self.env.context.get(IMPORTED_FROM_STORE)
        if not store:
            return super()._creation_message()
        return self.env._(
            "Sales Order imported from Shopify order %(order)s (store %(store)s).",
            order=self.client_order_ref,
            store=store,
        )
