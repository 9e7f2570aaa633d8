from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib.errors import SyncError
from ..lib.product_mapping import normalise_sku

KINDS = [
    ("unmatched", "Shopify variant without Odoo product"),
    ("duplicate_sku_shopify", "SKU used by several Shopify variants"),
    ("duplicate_sku_odoo", "SKU used by several Odoo products"),
    ("sku_mismatch", "Odoo SKU differs from its Shopify variant"),
    ("archived_listed", "Archived in Odoo, active in Shopify"),
]


class ShopifySyncCatalogDrift(models.Model):
    """One finding of the catalog drift check. The rows of a store are replaced at every check
    (button or daily job); each offers the fix that applies: bind, create or unbind."""

    _name = "shopify.sync.catalog.drift"
    _description = "Shopify catalog drift"
    _order = "backend_id, kind, shopify_title, id"

    backend_id = fields.Many2one("shopify.backend", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    kind = fields.Selection(KINDS, required=True, readonly=True, index=True)
    message = fields.Char(readonly=True)
    shopify_product_gid = fields.Char(string="Shopify product", readonly=True)
    shopify_variant_gid = fields.Char(string="Shopify variant", readonly=True)
    shopify_inventory_item_gid = fields.Char(string="Shopify inventory item", readonly=True)
    shopify_title = fields.Char(string="Shopify title", readonly=True)
    shopify_sku = fields.Char(string="Shopify SKU", readonly=True)
    shopify_status = fields.Char(readonly=True)
    product_id = fields.Many2one(
        "product.product",
        string="Odoo product",
        check_company=True,
        context={"active_test": False},
        help="The bound product, or the one to bind (a candidate found by SKU or barcode is proposed).",
    )
    odoo_sku = fields.Char(related="product_id.default_code", string="Odoo SKU")
    can_bind = fields.Boolean(compute="_compute_actions")
    can_create = fields.Boolean(compute="_compute_actions")
    can_unbind = fields.Boolean(compute="_compute_actions")

    @api.depends("kind")
    def _compute_actions(self):
        for row in self:
            row.can_bind = row.kind in ("unmatched", "duplicate_sku_shopify", "duplicate_sku_odoo", "sku_mismatch")
            row.can_create = row.kind == "unmatched"
            row.can_unbind = row.kind in ("sku_mismatch", "archived_listed", "duplicate_sku_shopify")

    # -- the check ---------------------------------------------------------------------------

    @api.model
    def _refresh(self, backend, products):
        """Replace the store's findings with those of ``products`` (lib.product_mapping.Product,
        the whole Shopify catalog)."""
        from ..handlers.products import ProductMatcher  # handlers import models: import late

        mode = backend.sku_match_mode
        bindings = self.env["shopify.binding"]
        matcher = ProductMatcher(backend)
        bundles = (
            self.env["shopify.sync.bundle"]
            .with_context(active_test=False)
            .search([("backend_id", "=", backend.id)])
            .mapped("shopify_variant_gid")
        )
        rows, by_sku = [], defaultdict(list)
        for product in products:
            for variant in product.variants:
                base = {
                    "backend_id": backend.id,
                    "shopify_product_gid": product.gid,
                    "shopify_variant_gid": variant.gid,
                    "shopify_inventory_item_gid": variant.inventory_item_gid,
                    "shopify_title": f"{product.title} / {variant.title}" if product.has_options else product.title,
                    "shopify_sku": variant.sku,
                    "shopify_status": product.status,
                }
                if variant.gid in bundles:
                    continue
                key = normalise_sku(variant.sku, mode)
                if key:
                    by_sku[key].append(base)
                bound = bindings._record_for(backend, variant.gid)
                if not bound:
                    try:
                        candidate = matcher.match(None, variant.sku, variant.barcode, methods=["sku", "barcode"])
                    except SyncError:
                        candidate = matcher.Product
                    rows.append(
                        dict(
                            base,
                            kind="unmatched",
                            product_id=candidate.id,
                            message="Proposed by SKU/barcode: bind it, or create a product."
                            if candidate
                            else "No Odoo product has this SKU or barcode.",
                        )
                    )
                    continue
                if normalise_sku(bound.default_code, mode) != key:
                    rows.append(
                        dict(
                            base,
                            kind="sku_mismatch",
                            product_id=bound.id,
                            message=f"Odoo SKU '{bound.default_code or ''}', Shopify SKU '{variant.sku}'.",
                        )
                    )
                if product.status == "active" and not (bound.active and bound.product_tmpl_id.active):
                    rows.append(
                        dict(
                            base,
                            kind="archived_listed",
                            product_id=bound.id,
                            message="Archived in Odoo but still active in Shopify.",
                        )
                    )
        for _sku, variants in by_sku.items():
            if len(variants) > 1:
                rows += [
                    dict(
                        base,
                        kind="duplicate_sku_shopify",
                        product_id=(bindings._record_for(backend, base["shopify_variant_gid"]) or matcher.Product).id,
                        message=f"{len(variants)} Shopify variants share this SKU: bind each explicitly.",
                    )
                    for base in variants
                ]
        for key, products_ in self._odoo_duplicates(backend, set(by_sku)).items():
            base = by_sku[key][0]
            rows.append(
                dict(
                    base,
                    kind="duplicate_sku_odoo",
                    product_id=products_[0],
                    message=f"{len(products_)} Odoo products share this SKU: bind the right one.",
                )
            )
        self.search([("backend_id", "=", backend.id)]).unlink()
        return self.create(rows)

    @api.model
    def _odoo_duplicates(self, backend, keys):
        """{normalised SKU: [product ids]} for the SKUs among ``keys`` that several active Odoo
        products of the store's company share."""
        if not keys:
            return {}
        mode = backend.sku_match_mode
        Product = self.env["product.product"]
        Product.flush_model(["default_code", "active", "product_tmpl_id"])
        key_sql = (
            r"lower(btrim(regexp_replace(pp.default_code, '\s+', ' ', 'g')))"
            if mode == "normalised"
            else "pp.default_code"
        )
        self.env.cr.execute(
            f"""
            SELECT {key_sql}, array_agg(pp.id ORDER BY pp.id)
              FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pp.active AND pp.default_code IS NOT NULL
               AND (pt.company_id IS NULL OR pt.company_id = %s)
               AND {key_sql} = ANY(%s)
          GROUP BY 1 HAVING count(*) > 1""",
            [backend.company_id.id, list(keys)],
        )
        return dict(self.env.cr.fetchall())

    # -- fixes -------------------------------------------------------------------------------

    def _check_manager(self):
        self.check_access("write")
        self.env["shopify.binding"].check_access("create")

    def action_bind(self):
        self._check_manager()
        Binding = self.env["shopify.binding"]
        for row in self:
            if not row.product_id:
                raise UserError(self.env._("Choose the Odoo product to bind %(title)s to.", title=row.shopify_title))
            Binding._bind(row.backend_id, row.shopify_variant_gid, row.product_id)
            if row.shopify_inventory_item_gid:
                Binding._bind(row.backend_id, row.shopify_inventory_item_gid, row.product_id)
        self._resolved()
        return True

    def action_unbind(self):
        self._check_manager()
        gids = [gid for row in self for gid in (row.shopify_variant_gid, row.shopify_inventory_item_gid) if gid]
        self.env["shopify.binding"].search(
            [("backend_id", "in", self.backend_id.ids), ("shopify_gid", "in", gids)]
        ).unlink()
        self._resolved()
        return True

    def action_create(self):
        """Create the Odoo product of the Shopify product (all its variants), read fresh from Shopify."""
        self._check_manager()
        from ..handlers.products import CatalogImporter, fetch_product

        for backend in self.backend_id:
            rows = self.filtered(lambda r, backend=backend: r.backend_id == backend)
            importer = CatalogImporter(backend, create=True)
            for gid in dict.fromkeys(rows.mapped("shopify_product_gid")):
                try:
                    product = fetch_product(backend, gid)
                    if not product:
                        raise UserError(self.env._("%(gid)s no longer exists in Shopify.", gid=gid))
                    importer.apply(product)
                except SyncError as err:
                    raise UserError(str(err)) from err
            self.search(
                [
                    ("backend_id", "=", backend.id),
                    ("kind", "=", "unmatched"),
                    ("shopify_product_gid", "in", rows.mapped("shopify_product_gid")),
                ]
            ).unlink()
        self._resolved()
        return True

    def _resolved(self):
        """Drop the fixed rows (and the 'without Odoo product' rows of the same variants)."""
        rows = self.exists()
        if rows:
            self.search(
                [
                    ("backend_id", "in", rows.backend_id.ids),
                    ("kind", "=", "unmatched"),
                    ("shopify_variant_gid", "in", rows.mapped("shopify_variant_gid")),
                ]
            ).unlink()
            rows.exists().unlink()
