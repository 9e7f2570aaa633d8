from odoo import api, fields, models


class ShopifySyncCatalogImport(models.TransientModel):
    """Import the store's catalog now, paged (one job) or through a Shopify bulk operation (a job
    that starts it, one that reads the file, one per part of the catalog)."""

    _name = "shopify.sync.catalog.import"
    _description = "Import the Shopify catalog"

    backend_id = fields.Many2one("shopify.backend", required=True)
    unmatched_variants = fields.Selection(
        [("create", "Create the Odoo product"), ("leave", "Leave unmatched (listed in the drift report)")],
        string="Variants without Odoo product",
        required=True,
    )
    mode = fields.Selection(
        [("auto", "Automatic"), ("paginated", "Page by page"), ("bulk", "Bulk operation")],
        string="Read the catalog",
        default="auto",
        required=True,
        help="Automatic: page by page up to 1,000 products, a bulk operation above. A bulk operation "
        "costs no API points and is applied in parts of 100 products, each its own job; Shopify can "
        "take minutes to prepare the file.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        backend = self.env["shopify.backend"].browse(values.get("backend_id"))
        if backend and "unmatched_variants" in fields_list:
            values["unmatched_variants"] = backend.unmatched_variants
        return values

    def action_import(self):
        self.ensure_one()
        self.env["shopify.sync.job"].check_access("create")
        job = (
            self.env["shopify.sync.job"]
            .sudo()
            ._create_outbound(
                self.backend_id,
                "historical",
                "catalog/import",
                payload={"create": self.unmatched_variants == "create", "mode": self.mode},
            )
        )
        job._enqueue()
        return {
            "type": "ir.actions.act_window",
            "res_model": "shopify.sync.job",
            "res_id": job.id,
            "view_mode": "form",
            "target": "current",
        }
