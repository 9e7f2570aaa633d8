from odoo import api, fields, models

from ..handlers.inventory import Reconciler, summary_of
from ..lib.errors import SyncError


class ShopifyStockReconcile(models.TransientModel):
    """Compare Shopify's and Odoo's quantities for every bound item and location, then push Odoo's."""

    _name = "shopify.sync.stock.reconcile"
    _description = "Shopify stock reconciliation"

    backend_id = fields.Many2one("shopify.backend", required=True)
    state = fields.Selection([("new", "New"), ("compared", "Compared"), ("pushed", "Pushed")], default="new")
    summary = fields.Text(readonly=True)
    checked_count = fields.Integer(readonly=True)
    drift_count = fields.Integer(readonly=True)
    missing_count = fields.Integer(readonly=True)
    untracked_count = fields.Integer(readonly=True)
    line_ids = fields.One2many("shopify.sync.stock.reconcile.line", "wizard_id", readonly=True)

    def _check_rights(self):
        self.env["shopify.sync.job"].check_access("create")

    def action_compare(self):
        self.ensure_one()
        self._check_rights()
        backend = self.backend_id.sudo()
        job = (
            self.env["shopify.sync.job"]
            .sudo()
            ._create_outbound(backend, "inventory", "inventory/reconcile", ref=backend.name)
        )
        reconciler = Reconciler(backend)
        try:
            lines, counts = reconciler.compare()
        except SyncError as err:
            job._mark_failed(err.category, err.message, err.fix)
            self.write({"summary": str(err), "state": "new"})
            return self._reopen()
        summary = summary_of(counts, reconciler.calls)
        job._mark_done(summary=summary)
        self.line_ids.unlink()
        self.write(
            {
                "state": "compared",
                "summary": summary,
                "checked_count": counts["checked"],
                "drift_count": counts["drift"],
                "missing_count": counts["missing"],
                "untracked_count": counts["untracked"],
                "line_ids": [(0, 0, line) for line in lines],
            }
        )
        return self._reopen()

    def action_push(self):
        self.ensure_one()
        self._check_rights()
        lines = [
            {
                "product_id": ln.product_id.id,
                "location_map_id": ln.location_map_id.id,
                "inventory_item_gid": ln.inventory_item_gid,
                "shopify_qty": ln.shopify_qty if ln.shopify_known else None,
                "odoo_qty": ln.odoo_qty,
            }
            for ln in self.line_ids
        ]
        export = Reconciler(self.backend_id.sudo()).push(lines)
        self.write(
            {
                "state": "pushed",
                "summary": (self.summary or "")
                + (f"\nOdoo's figures are pushed by export job {export.id}." if export else "\nNothing to push."),
            }
        )
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }


class ShopifyStockReconcileLine(models.TransientModel):
    _name = "shopify.sync.stock.reconcile.line"
    _description = "Shopify stock difference"

    wizard_id = fields.Many2one("shopify.sync.stock.reconcile", required=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", readonly=True)
    location_map_id = fields.Many2one("shopify.sync.location", string="Shopify location", readonly=True)
    inventory_item_gid = fields.Char(string="Inventory item", readonly=True)
    shopify_qty = fields.Integer(string="Shopify", readonly=True)
    shopify_known = fields.Boolean(string="Stocked in Shopify", readonly=True)
    odoo_qty = fields.Integer(string="Odoo (after buffer)", readonly=True)
    difference = fields.Integer(compute="_compute_difference")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals["shopify_known"] = vals.get("shopify_qty") is not None
            vals["shopify_qty"] = vals.get("shopify_qty") or 0
        return super().create(vals_list)

    @api.depends("shopify_qty", "odoo_qty")
    def _compute_difference(self):
        for line in self:
            line.difference = line.odoo_qty - line.shopify_qty
