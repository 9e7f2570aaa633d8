"""Confirming a batch of Shopify orders (handlers/order_batch.py): the orderpoint check once per batch.

When a sale order is confirmed, Odoo confirms each of its deliveries and looks, for every stock
move, for an automatic reordering rule of its product (``_trigger_scheduler``: one search per move,
three per order of three lines). A batch asks once which of its products have any automatic rule
at all and passes the others in the context: their moves skip a search that could find nothing.
Moves of other products (kit components, a route's pulled moves of another product) are checked
as Odoo checks them.
"""

from odoo import models

PRODUCTS_WITHOUT_AUTO_ORDERPOINT = "shopify_sync_products_without_auto_orderpoint"  # context key: product ids


def orderpoint_context(env, products):
    """Context for confirming orders of ``products``: those without an automatic reordering rule."""
    auto = (
        env["stock.warehouse.orderpoint"].sudo().search([("product_id", "in", products.ids), ("trigger", "=", "auto")])
    )
    return {PRODUCTS_WITHOUT_AUTO_ORDERPOINT: tuple(sorted(set(products.ids) - set(auto.product_id.ids)))}


class StockMove(models.Model):
    _inherit = "stock.move"

    def _trigger_scheduler(self):
        without = self.env.context.get(PRODUCTS_WITHOUT_AUTO_ORDERPOINT)
        moves = self.filtered(lambda m: m.product_id.id not in without) if without else self
        return super(StockMove, moves)._trigger_scheduler()
