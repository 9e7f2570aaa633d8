from datetime import timedelta

from odoo import api, fields, models

from ..handlers.order_pull import CATCH_UP_OVERLAP, start_pull


class ShopifyBackendPull(models.Model):
    """Catch-up of missed order webhooks: Shopify delivers webhooks at least once, but "once" can
    be never (an endpoint down longer than Shopify retries, a subscription Shopify removed). The
    scheduled action lists orders updated since the last catch-up and imports what Odoo lacks."""

    _inherit = "shopify.backend"

    order_catch_up = fields.Boolean(
        string="Catch up missed order webhooks",
        default=True,
        help="Every run of the scheduled action 'Shopify: catch up missed orders', read the orders "
        "updated in Shopify since the previous run and import those Odoo does not have at that version.",
    )
    order_catch_up_at = fields.Datetime(
        string="Orders caught up to",
        copy=False,
        help="Orders updated before this moment are known to be in Odoo. Empty: the next run looks back one day.",
    )

    @api.model
    def _cron_catch_up_orders(self, now=None):
        now = now or fields.Datetime.now()
        backends = self.search([("sync_orders", "=", True), ("order_catch_up", "=", True), *self._in_service_domain()])
        Job = self.env["shopify.sync.job"].sudo()
        for backend in backends:
            # One catch-up at a time per store: a slow one is not stacked behind another. A store
            # in error whose last catch-up failed already shows its problem: no new failed job every
            # 15 minutes; once it is connected again, the next run covers the gap from the mark.
            waiting = ["queued", "failed"] if backend.state == "error" else ["queued"]
            if Job.search_count(
                [("backend_id", "=", backend.id), ("topic", "=", "orders/catch_up"), ("state", "in", waiting)], limit=1
            ):
                continue
            since = (backend.order_catch_up_at or now - timedelta(days=1)) - CATCH_UP_OVERLAP
            start_pull(backend, "orders/catch_up", since, now)

    def action_open_order_backfill(self):
        self.ensure_one()
        self._check_group()
        return {
            "type": "ir.actions.act_window",
            "res_model": "shopify.sync.order.backfill",
            "view_mode": "form",
            "target": "new",
            "context": {"default_backend_id": self.id},
        }
