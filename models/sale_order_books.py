from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    shopify_invoiced_as_charged = fields.Boolean(
        copy=False,
        readonly=True,
        help="Invoiced by shopify_sync for what Shopify charged when the order was placed: every line "
        "counts as invoiced on order, whatever its product's invoicing policy.",
    )

    def _prepare_confirmation_values(self):
        """An order imported from Shopify was placed when Shopify says (``date_order`` from its
        ``processed_at``): confirming it in Odoo must not re-date it, nor its deliveries."""
        values = super()._prepare_confirmation_values()
        if self.env.context.get("shopify_keep_date_order"):
            values.pop("date_order", None)
        return values


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.depends("order_id.shopify_invoiced_as_charged")
    def _compute_qty_to_invoice(self):
        result = super()._compute_qty_to_invoice()
        for line in self:
            if (
                line.order_id.shopify_invoiced_as_charged
                and line.state == "sale"
                and not line.display_type
                and line.product_id.type != "combo"
            ):
                line.qty_to_invoice = line.product_uom_qty - line.qty_invoiced
        return result
