from odoo import api, fields, models

from .sale_order import QUIET_DELIVERIES

# Context flag on stock operations made because of Shopify (returns, inbound fulfilments): they
# are not sent back to Shopify.
FROM_SHOPIFY = "shopify_sync_from_shopify"
EXPORT_TOPIC = "fulfillments/export"


class StockPicking(models.Model):
    """Deliveries of Shopify orders: tracking to send, and the Shopify fulfilment they became."""

    _inherit = "stock.picking"

    shopify_sync_tracking_company = fields.Char(
        string="Carrier (Shopify)",
        copy=False,
        help="Carrier name sent to Shopify; defaults to the delivery carrier when the Delivery app is installed.",
    )
    shopify_sync_tracking_number = fields.Char(
        string="Tracking number (Shopify)",
        copy=False,
        help="Sent to Shopify; defaults to the carrier tracking reference when the Delivery app is installed.",
    )
    shopify_sync_tracking_url = fields.Char(string="Tracking URL (Shopify)", copy=False)
    shopify_sync_order = fields.Boolean(compute="_compute_shopify_sync_fulfillment")
    shopify_sync_fulfillment_gid = fields.Char(string="Shopify fulfilment", compute="_compute_shopify_sync_fulfillment")

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get(QUIET_DELIVERIES):
            return super().create(vals_list)
        pickings = super(StockPicking, self.with_context(mail_create_nolog=True)).create(vals_list)
        return pickings.with_env(self.env)

    def _compute_shopify_sync_fulfillment(self):
        for picking in self:
            picking.shopify_sync_fulfillment_gid = picking._shopify_sync_fulfillment_binding().shopify_gid or False
            picking.shopify_sync_order = bool(picking.id and picking._shopify_sync_order_binding())

    def _shopify_sync_fulfillment_binding(self):
        """The Shopify fulfilment this picking became (or came from), if any."""
        self.ensure_one()
        return (
            self.env["shopify.binding"]
            .sudo()
            .search(
                [("res_model", "=", "stock.picking"), ("res_id", "=", self.id), ("resource_type", "=", "Fulfillment")],
                limit=1,
            )
        )

    def _shopify_sync_order_binding(self):
        """The binding of the Shopify order this picking delivers, if any."""
        self.ensure_one()
        sale = self.sale_id
        if not sale:
            return self.env["shopify.binding"]
        return (
            self.env["shopify.binding"]
            .sudo()
            .search(
                [("res_model", "=", "sale.order"), ("res_id", "=", sale.id), ("resource_type", "=", "Order")], limit=1
            )
        )

    def _shopify_sync_tracking(self):
        """(company, number, url) to send: our fields, else the Delivery app's when installed."""
        self.ensure_one()
        company = self.shopify_sync_tracking_company
        number = self.shopify_sync_tracking_number
        url = self.shopify_sync_tracking_url
        if not company and "carrier_id" in self._fields and self.carrier_id:
            company = self.carrier_id.name
        if not number and "carrier_tracking_ref" in self._fields:
            number = self.carrier_tracking_ref or False
        if not url and "carrier_tracking_url" in self._fields:
            url = self.carrier_tracking_url or False
        return company or None, number or None, url or None

    def _action_done(self):
        result = super()._action_done()
        if not self.env.context.get(FROM_SHOPIFY):
            self._shopify_sync_export_fulfillments()
        return result

    def _shopify_sync_export_fulfillments(self):
        """One outbound sync job per validated delivery of a Shopify order (backorders included)."""
        Job = self.env["shopify.sync.job"].sudo()
        for picking in self.filtered(lambda p: p.state == "done" and p.picking_type_code == "outgoing"):
            binding = picking._shopify_sync_order_binding()
            backend = binding.backend_id
            if not binding or not (backend.sync_fulfillments and backend.export_fulfillments):
                continue
            job = Job._create_outbound(
                backend,
                "fulfillment",
                EXPORT_TOPIC,
                payload={"picking_id": picking.id},
                ref=f"{picking.name} ({picking.sale_id.client_order_ref or picking.sale_id.name})",
                gid=binding.shopify_gid,
            )
            job._enqueue()
