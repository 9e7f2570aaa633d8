from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..lib.gid import to_gid
from ..lib.product_mapping import bundle_availability


class ShopifySyncBundle(models.Model):
    """A Shopify variant sold as a kit of Odoo components.

    On an order the bundle line keeps Shopify's price on the bundle's sale product (a service, so it
    moves no stock) and each component follows as a line at price 0 that the delivery consumes."""

    _name = "shopify.sync.bundle"
    _description = "Shopify bundle (kit)"
    _order = "name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    backend_id = fields.Many2one("shopify.backend", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    shopify_variant_gid = fields.Char(
        string="Shopify variant",
        required=True,
        help="gid://shopify/ProductVariant/N (a numeric variant ID is accepted).",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Sale product",
        required=True,
        check_company=True,
        domain="[('type', '=', 'service')]",
        help="Service product that carries the bundle's Shopify price on the sale order.",
    )
    line_ids = fields.One2many("shopify.sync.bundle.line", "bundle_id", string="Components", copy=True)

    _variant_unique = models.Constraint(
        "UNIQUE(backend_id, shopify_variant_gid)", "This Shopify variant already has a bundle."
    )

    @api.model
    def _normalise(self, vals):
        if vals.get("shopify_variant_gid"):
            vals["shopify_variant_gid"] = to_gid("ProductVariant", vals["shopify_variant_gid"].strip())
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        bundles = super().create([self._normalise(vals) for vals in vals_list])
        self.env.registry.clear_cache()  # _bundled_variant_gids, in every worker
        bundles._mark_for_stock_export()
        return bundles

    def write(self, vals):
        before = self.product_id
        if "shopify_variant_gid" in vals or "product_id" in vals:
            # Another variant or sale product: the old inventory item link is wrong; the next export relinks.
            self._inventory_item_bindings().unlink()
        result = super().write(self._normalise(vals))
        if {"shopify_variant_gid", "active", "backend_id"} & set(vals):
            self.env.registry.clear_cache()  # _bundled_variant_gids, in every worker
        if {"shopify_variant_gid", "product_id", "line_ids", "active", "backend_id"} & set(vals):
            self._mark_for_stock_export(extra_products=before - self.product_id)
        return result

    def _inventory_item_bindings(self):
        return (
            self.env["shopify.binding"]
            .sudo()
            .search(
                [
                    ("backend_id", "in", self.backend_id.ids),
                    ("resource_type", "=", "InventoryItem"),
                    ("res_model", "=", "product.product"),
                    ("res_id", "in", self.product_id.ids),
                ]
            )
        )

    def _mark_for_stock_export(self, extra_products=None):
        """A new or changed bundle changes what Shopify should show for it: queue its export.
        The export job links the bundle to its Shopify inventory item when that is not known yet.
        A sale product that stopped being a bundle is exported too (it then publishes 0)."""
        for backend in self.backend_id:
            products = self.filtered(lambda b, backend=backend: b.backend_id == backend).product_id
            if extra_products:
                products |= extra_products
            backend._mark_stock_dirty(products.ids, unbound_ok=True)

    @api.constrains("product_id", "line_ids")
    def _check_shape(self):
        for bundle in self:
            if bundle.product_id.type != "service":
                raise ValidationError(
                    self.env._(
                        "Bundle %(name)s: the sale product %(product)s must be a service, or the order would "
                        "deliver it as well as its components.",
                        name=bundle.name,
                        product=bundle.product_id.display_name,
                    )
                )
            if bundle.product_id in bundle.line_ids.product_id:
                raise ValidationError(self.env._("Bundle %(name)s contains itself.", name=bundle.name))
            # The sale product carries the bundle's Shopify inventory item: one bundle per product.
            twin = self.search(
                [
                    ("id", "!=", bundle.id),
                    ("backend_id", "=", bundle.backend_id.id),
                    ("product_id", "=", bundle.product_id.id),
                ],
                limit=1,
            )
            if twin:
                raise ValidationError(
                    self.env._(
                        "Bundles %(name)s and %(other)s use the same sale product %(product)s; give each bundle "
                        "its own, so each publishes its own availability.",
                        name=bundle.name,
                        other=twin.name,
                        product=bundle.product_id.display_name,
                    )
                )

    @api.model
    @tools.ormcache("backend_id")
    def _bundled_variant_gids(self, backend_id):
        """Variants of the store's active bundles, cached per worker (cleared when a bundle is added,
        archived or pointed elsewhere): most stores have none, and every order line asks. A bundle
        deleted since only costs _for_variants its search."""
        bundles = self.sudo().with_context(active_test=True).search([("backend_id", "=", backend_id)])
        return frozenset(bundles.mapped("shopify_variant_gid"))

    @api.model
    def _for_variants(self, backend, variant_gids):
        """{variant gid: bundle} of the active bundles among ``variant_gids``."""
        bundled = self._bundled_variant_gids(backend.id)
        gids = [gid for gid in variant_gids if gid in bundled]
        if not gids:
            return {}
        bundles = self.search([("backend_id", "=", backend.id), ("shopify_variant_gid", "in", gids)])
        return {bundle.shopify_variant_gid: bundle for bundle in bundles}

    @api.model
    def _by_sale_product(self, backend, product_ids):
        """{sale product id: bundle} of the store's active bundles among ``product_ids``."""
        bundles = self.search([("backend_id", "=", backend.id), ("product_id", "in", list(product_ids))])
        return {bundle.product_id.id: bundle for bundle in bundles}

    @api.model
    def _sale_products_using(self, backend, component_ids):
        """Sale products of the store's active bundles made of any of ``component_ids``: a component's
        stock change changes their availability."""
        lines = self.env["shopify.sync.bundle.line"].search(
            [
                ("bundle_id.backend_id", "=", backend.id),
                ("bundle_id.active", "=", True),
                ("product_id", "in", list(component_ids)),
            ]
        )
        return lines.bundle_id.product_id.ids

    def _components(self):
        self.ensure_one()
        return [(line.product_id.id, line.quantity) for line in self.line_ids]

    @api.model
    def _available_quantity(self, bundle, quantities_by_product):
        """Whole bundles the components allow: min over components of floor(quantity / per bundle).

        ``quantities_by_product``: {product.product id: available quantity}. Used by the stock export
        to publish a bundle's availability."""
        return bundle_availability(bundle._components(), quantities_by_product)


class ShopifySyncBundleLine(models.Model):
    _name = "shopify.sync.bundle.line"
    _description = "Shopify bundle component"

    bundle_id = fields.Many2one("shopify.sync.bundle", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="bundle_id.company_id", store=True)
    product_id = fields.Many2one("product.product", string="Component", required=True, check_company=True)
    quantity = fields.Float(string="Quantity per bundle", default=1.0, required=True, digits="Product Unit")

    _quantity_positive = models.Constraint("CHECK(quantity > 0)", "A component quantity must be positive.")

    # Components edited on their own (not through the bundle form) change the availability too.
    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.bundle_id._mark_for_stock_export()
        return lines

    def write(self, vals):
        result = super().write(vals)
        self.bundle_id._mark_for_stock_export()
        return result

    def unlink(self):
        bundles = self.bundle_id
        result = super().unlink()
        bundles.exists()._mark_for_stock_export()
        return result
