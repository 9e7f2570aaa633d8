from odoo import fields, models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    # The sale order a Shopify transaction paid (or refunded): how an order's payments are found
    # to reconcile them with its invoice and credit notes, whichever arrives first.
    shopify_sale_order_id = fields.Many2one(
        "sale.order", string="Shopify order", index="btree_not_null", readonly=True, copy=False, ondelete="restrict"
    )
