from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib.order_mapping import parse_order


class ShopifySyncBindVariant(models.TransientModel):
    """Bind the Shopify variants of a failed order job that no product matched (no SKU, or an SKU
    Odoo does not have) by picking their Odoo products, then run the job again."""

    _name = "shopify.sync.bind.variant"
    _description = "Bind Shopify variants of an order to Odoo products"

    job_id = fields.Many2one("shopify.sync.job", required=True, readonly=True)
    company_id = fields.Many2one(related="job_id.backend_id.company_id")
    line_ids = fields.One2many("shopify.sync.bind.variant.line", "wizard_id", string="Variants")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        job = self.env["shopify.sync.job"].browse(self.env.context.get("active_id")).exists()
        if not job or job.workflow not in ("order", "historical", "scheduled") or job.direction != "in":
            raise UserError(self.env._("Bind works on one order job: open the failed job, then Bind."))
        job.check_access("read")
        values["job_id"] = job.id
        values["line_ids"] = [(0, 0, line) for line in self._unbound_variants(job)]
        if not values["line_ids"]:
            raise UserError(self.env._("Every variant of this order is already bound to an Odoo product."))
        return values

    @api.model
    def _unbound_variants(self, job):
        backend = job.sudo().backend_id
        payload = job.sudo()._payload_json()
        if not isinstance(payload, dict):
            return []
        order = parse_order(payload, backend.order_currency_mode)
        bindings, seen, result = self.env["shopify.binding"].sudo(), set(), []
        bundles = (
            self.env["shopify.sync.bundle"]
            .sudo()
            ._for_variants(backend, [line.variant_gid for line in order.lines if line.variant_gid])
        )
        for line in order.lines:
            gid = line.variant_gid
            if line.kind != "product" or not gid or gid in seen or gid in bundles or bindings._record_for(backend, gid):
                continue
            seen.add(gid)
            # An SKU Odoo knows proposes its product (the order's import binds it the same way).
            proposed = (
                self.env["product.product"].search(
                    [("default_code", "=", line.sku), ("company_id", "in", [False, backend.company_id.id])], limit=2
                )
                if line.sku
                else None
            )
            result.append(
                {
                    "variant_gid": gid,
                    "title": line.title,
                    "sku": line.sku or False,
                    "product_id": proposed.id if proposed and len(proposed) == 1 else False,
                }
            )
        return result

    def action_bind(self):
        """Bind each variant given a product, and retry the job when all of them have one."""
        self.ensure_one()
        if not self.env.user.has_group("shopify_sync.group_shopify_manager"):
            raise UserError(self.env._("Only Shopify managers can bind variants."))
        job = self.job_id.sudo()
        chosen = self.line_ids.filtered("product_id")
        for line in chosen:
            self.env["shopify.binding"].sudo()._bind(job.backend_id, line.variant_gid, line.product_id)
        if chosen == self.line_ids and job.state in ("failed", "cancelled"):
            self.job_id.action_retry()
        return {"type": "ir.actions.act_window_close"}


class ShopifySyncBindVariantLine(models.TransientModel):
    _name = "shopify.sync.bind.variant.line"
    _description = "Shopify variant to bind"

    wizard_id = fields.Many2one("shopify.sync.bind.variant", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="wizard_id.company_id")
    variant_gid = fields.Char(string="Shopify variant", required=True, readonly=True)
    title = fields.Char(string="Order line", readonly=True)
    sku = fields.Char(string="Shopify SKU", readonly=True)
    product_id = fields.Many2one(
        "product.product",
        string="Odoo product",
        check_company=True,
        domain="[('company_id', 'in', (company_id, False))]",
    )
