from odoo import api, fields, models
from odoo.tools import SQL


class ShopifyStockDirty(models.Model):
    """A product whose stock changed since its last export to one store.

    Stock hooks only insert rows here (one per backend and product, however many moves); the
    export job reads the quantities at run time, so a burst of moves becomes one update carrying
    the latest value. ``seq`` changes on every new mark: the job only deletes rows it has seen
    unchanged, so a move that lands while it runs is exported by the next job, not lost.
    """

    _name = "shopify.sync.stock.dirty"
    _description = "Shopify stock export pending"
    _log_access = False

    backend_id = fields.Many2one("shopify.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    product_id = fields.Many2one("product.product", required=True, ondelete="cascade")
    seq = fields.Integer(required=True, default=0)
    marked_at = fields.Datetime(default=fields.Datetime.now)

    _product_unique = models.Constraint("UNIQUE(backend_id, product_id)", "Already pending.")

    @api.model
    def _mark(self, backend, product_ids):
        """Mark products dirty (INSERT ... ON CONFLICT: no read first, no race error)."""
        if not product_ids:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO shopify_sync_stock_dirty (backend_id, company_id, product_id, seq, marked_at)
               SELECT %s, %s, unnest(%s::int[]), nextval('shopify_sync_stock_dirty_id_seq'), now() at time zone 'UTC'
               ON CONFLICT (backend_id, product_id)
               DO UPDATE SET seq = EXCLUDED.seq, marked_at = EXCLUDED.marked_at""",
                backend.id,
                backend.company_id.id,
                sorted(set(product_ids)),
            )
        )
        self.invalidate_model()

    @api.model
    def _pending(self, backend):
        """{product_id: seq} of the backend's pending products."""
        self.env.cr.execute(
            SQL("SELECT product_id, seq FROM shopify_sync_stock_dirty WHERE backend_id = %s", backend.id)
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _clear(self, backend, seen):
        """Delete the rows exported, unless they were marked again since ``seen`` was read."""
        if not seen:
            return
        self.env.cr.execute(
            SQL(
                """DELETE FROM shopify_sync_stock_dirty d USING unnest(%s::int[], %s::int[]) AS s(product_id, seq)
               WHERE d.backend_id = %s AND d.product_id = s.product_id AND d.seq = s.seq""",
                list(seen),
                [seen[p] for p in seen],
                backend.id,
            )
        )
        self.invalidate_model()


class ShopifyStockLevel(models.Model):
    """What Shopify holds for one inventory item at one location, as far as Odoo knows.

    ``shopify_qty`` is the value Shopify was left with by our last export (or last read): it is
    sent as ``changeFromQuantity`` so a change made in Shopify meanwhile is detected, and an
    unchanged quantity is not sent again.
    """

    _name = "shopify.sync.stock.level"
    _description = "Shopify inventory level"
    _order = "backend_id, product_id, location_map_id"

    backend_id = fields.Many2one("shopify.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    product_id = fields.Many2one("product.product", required=True, ondelete="cascade", index=True)
    inventory_item_gid = fields.Char(string="Inventory item", required=True)
    location_map_id = fields.Many2one(
        "shopify.sync.location", string="Shopify location", required=True, ondelete="cascade"
    )
    shopify_qty = fields.Integer(string="Shopify quantity")
    shopify_qty_known = fields.Boolean(help="False until a value was exported or read.")
    odoo_qty = fields.Integer(string="Odoo quantity (after buffer)")
    tracked = fields.Selection(
        [("unknown", "Unknown"), ("yes", "Tracked"), ("no", "Not tracked")], default="unknown", required=True
    )
    date_exported = fields.Datetime(readonly=True)

    _level_unique = models.Constraint(
        "UNIQUE(backend_id, inventory_item_gid, location_map_id)", "One row per inventory item and location."
    )
