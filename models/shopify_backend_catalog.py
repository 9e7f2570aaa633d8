from odoo import api, fields, models


class ShopifyBackend(models.Model):
    """Catalog settings of a store: how variants find their Odoo product, what is created, which
    product fields Shopify owns."""

    _inherit = "shopify.backend"

    sku_match_mode = fields.Selection(
        [("exact", "Exact"), ("normalised", "Ignore case and surrounding/repeated spaces")],
        string="SKU comparison",
        default="exact",
        required=True,
        help="'Product-A ' and 'product-a' are one SKU when spaces and case are ignored. Applies to "
        "the catalog import, product webhooks and order lines.",
    )
    unmatched_variants = fields.Selection(
        [("create", "Create the Odoo product"), ("leave", "Leave unmatched (listed in the drift report)")],
        string="Shopify variants without Odoo product",
        default="leave",
        required=True,
    )
    shopify_owns_title = fields.Boolean(string="Title", default=True)
    shopify_owns_sku = fields.Boolean(string="SKU (internal reference)")
    shopify_owns_barcode = fields.Boolean(string="Barcode")
    shopify_owns_price = fields.Boolean(string="Sales price")
    shopify_owns_status = fields.Boolean(
        string="Status",
        help="Archived in Shopify (or deleted) archives the Odoo product; active or draft makes it active again.",
    )
    catalog_drift_check = fields.Boolean(
        string="Check catalog drift daily",
        default=True,
        help="A scheduled job compares the Shopify catalog with Odoo and refreshes the drift report.",
    )
    bundle_ids = fields.One2many("shopify.sync.bundle", "backend_id", string="Bundles")
    drift_count = fields.Integer(compute="_compute_drift_count")

    def _compute_drift_count(self):
        groups = self.env["shopify.sync.catalog.drift"]._read_group(
            [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
        )
        counts = {backend.id: count for backend, count in groups}
        for backend in self:
            backend.drift_count = counts.get(backend.id, 0)

    def _shopify_owned_fields(self):
        self.ensure_one()
        return {name for name in ("title", "sku", "barcode", "price", "status") if self[f"shopify_owns_{name}"]}

    def action_import_catalog(self):
        self.ensure_one()
        self._check_group()
        return {
            "type": "ir.actions.act_window",
            "res_model": "shopify.sync.catalog.import",
            "view_mode": "form",
            "target": "new",
            "context": {"default_backend_id": self.id},
        }

    def action_check_catalog_drift(self):
        self._check_group()
        for backend in self:
            job = (
                self.env["shopify.sync.job"]
                .sudo()
                ._create_outbound(backend, "scheduled", "catalog/drift", payload={"mode": "auto"})
            )
            job._enqueue()
        return self.action_open_drift()

    def action_open_drift(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("shopify_sync.action_catalog_drift")
        action["domain"] = [("backend_id", "in", self.ids)]
        return action

    @api.model
    def _cron_catalog_drift(self):
        backends = self.sudo().search(
            [("catalog_drift_check", "=", True), ("sync_products", "=", True), *self._in_service_domain()]
        )
        for backend in backends:
            backend.action_check_catalog_drift()
