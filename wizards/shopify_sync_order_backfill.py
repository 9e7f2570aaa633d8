from odoo import fields, models
from odoo.exceptions import UserError

from ..handlers.order_pull import start_pull


class ShopifySyncOrderBackfill(models.TransientModel):
    """Import the orders updated in Shopify during a period (first connection, a long outage)."""

    _name = "shopify.sync.order.backfill"
    _description = "Import Shopify orders of a period"

    backend_id = fields.Many2one("shopify.backend", string="Store", required=True)
    date_from = fields.Datetime(
        string="Updated from",
        required=True,
        default=lambda self: fields.Datetime.now().replace(hour=0, minute=0, second=0),
    )
    date_to = fields.Datetime(string="Updated before", help="Empty: up to now.")
    mode = fields.Selection(
        [("auto", "Automatic"), ("paginated", "Page by page"), ("bulk", "Bulk operation")],
        default="auto",
        required=True,
        help="Automatic: page by page up to 2,000 orders, a Shopify bulk operation above (one query, "
        "no API budget spent per page).",
    )

    def action_start(self):
        self.ensure_one()
        if self.date_to and self.date_to <= self.date_from:
            raise UserError(self.env._("'Updated before' must be after 'Updated from'."))
        job = start_pull(self.backend_id, "orders/backfill", self.date_from, self.date_to, self.mode)
        return {
            "type": "ir.actions.act_window",
            "res_model": "shopify.sync.job",
            "view_mode": "list,form",
            "domain": [("backend_id", "=", self.backend_id.id), ("workflow", "=", "historical"), ("id", ">=", job.id)],
            "name": self.env._("Order import"),
        }
