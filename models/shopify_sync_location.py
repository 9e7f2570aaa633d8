from odoo import api, fields, models

from ..lib import errors, gid
from ..lib.errors import _lt


class ShopifyLocation(models.Model):
    """A Shopify location of one store and the Odoo stock location it stands for.

    Stock is exported from, and returns and fulfilments land in, the mapped Odoo location. Rows are
    created by the location import (or by hand); a location without an Odoo location is a
    configuration error that names it, never a guess.
    """

    _name = "shopify.sync.location"
    _description = "Shopify location mapping"
    _order = "backend_id, name"

    backend_id = fields.Many2one("shopify.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    name = fields.Char(string="Shopify location", required=True)
    shopify_gid = fields.Char(string="Shopify ID", required=True, help="gid://shopify/Location/<id>")
    warehouse_id = fields.Many2one("stock.warehouse", check_company=True, domain="[('company_id', '=', company_id)]")
    location_id = fields.Many2one(
        "stock.location",
        string="Odoo location",
        check_company=True,
        compute="_compute_location_id",
        store=True,
        readonly=False,
        domain="[('usage', '=', 'internal'), ('company_id', 'in', (company_id, False))]",
        help="Where this Shopify location's stock lives in Odoo. Defaults to the warehouse's stock location.",
    )
    active = fields.Boolean(default=True)

    _gid_unique = models.Constraint("UNIQUE(backend_id, shopify_gid)", "This Shopify location is already mapped.")

    @api.depends("warehouse_id")
    def _compute_location_id(self):
        for row in self:
            if row.warehouse_id and not row.location_id:
                row.location_id = row.warehouse_id.lot_stock_id

    @api.model
    def _stock_location_for(self, backend, location_id, name=None):
        """Odoo stock location mapped to a Shopify location (numeric id or GID).

        Raises a configuration error naming the location when it has no mapping."""
        location_gid = gid.to_gid("Location", location_id)
        row = self.with_context(active_test=False).search(
            [("backend_id", "=", backend.id), ("shopify_gid", "=", location_gid)], limit=1
        )
        if row.location_id and row.active:
            return row.location_id
        label = name or row.name or location_gid
        raise errors.ConfigurationError(
            _lt(
                "Shopify location '%(label)s' (%(location_gid)s) has no Odoo location on store %(backend)s.",
                label=label,
                location_gid=location_gid,
                backend=backend.name,
            ),
            fix=_lt("Map it under Shopify Sync > Configuration > Locations, then press Retry."),
        )
