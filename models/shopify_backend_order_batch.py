from odoo import api, models

from ..lib.order_batching import regroup_webhook_backlog


class ShopifyBackendOrderBatch(models.Model):
    """The scheduled action that batches a backlog of order webhooks (lib/order_batching.py)."""

    _inherit = "shopify.backend"

    @api.model
    def _cron_batch_order_backlog(self, now=None):
        for backend in self.sudo().search([("sync_orders", "=", True)]):
            regroup_webhook_backlog(backend, now=now)
