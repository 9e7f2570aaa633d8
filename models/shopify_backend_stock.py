import logging
from datetime import timedelta

from odoo import api, fields, models

from ..lib import errors, queries
from ..lib.errors import _lt
from ..lib.stock_mapping import buffered_quantity

_logger = logging.getLogger(__name__)

EXPORT_TOPIC = "inventory/export"
RECONCILE_TOPIC = "inventory/reconcile"
# The export job waits this long after the first change, so a burst of moves is sent as one.
EXPORT_DELAY = timedelta(seconds=5)


class ShopifyBackend(models.Model):
    """Stock settings of a store, and the entry points of stock export."""

    _inherit = "shopify.backend"

    stock_export_enabled = fields.Boolean(
        string="Export stock to Shopify",
        default=True,
        help="Odoo owns stock: every change of a bound product's quantity is pushed to its mapped locations.",
    )
    stock_quantity_name = fields.Selection(
        [("available", "Available (on hand minus reserved)"), ("on_hand", "On hand")],
        string="Quantity exported",
        default="available",
        required=True,
        help="Available: Odoo's free quantity (reservations lower it) is set as Shopify's 'available'. "
        "On hand: Odoo's on-hand quantity is set as Shopify's 'on_hand'.",
    )
    stock_buffer_type = fields.Selection(
        [("units", "Units"), ("percent", "Percent")], string="Safety buffer in", default="units", required=True
    )
    stock_buffer_value = fields.Float(
        string="Safety buffer",
        default=0.0,
        help="Held back from Shopify: that many units, or that share of the stock. A product category "
        "can override it. The published quantity never goes below zero.",
    )
    stock_drift_policy = fields.Selection(
        [("flag", "Flag for review"), ("overwrite", "Overwrite Shopify with Odoo's figure")],
        string="When Shopify's stock differs",
        default="flag",
        required=True,
        help="A quantity typed in Shopify admin never changes Odoo stock. Flag: the drift job fails "
        "for review. Overwrite: Odoo's figure is pushed back at once.",
    )
    stock_pending_count = fields.Integer(compute="_compute_stock_pending_count", string="Pending stock updates")

    def _compute_stock_pending_count(self):
        groups = self.env["shopify.sync.stock.dirty"]._read_group(
            [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
        )
        counts = {backend.id: count for backend, count in groups}
        for backend in self:
            backend.stock_pending_count = counts.get(backend.id, 0)

    # -- locations -------------------------------------------------------------------------

    def action_import_locations(self):
        """Read the store's locations into the mapping table (new rows wait for an Odoo location)."""
        self.ensure_one()
        self.env["shopify.sync.location"].check_access("create")
        job = self.env["shopify.sync.job"].sudo()._create_outbound(self, "inventory", "locations/import")
        try:
            created, updated = self.sudo()._import_locations()
        except errors.SyncError as err:
            job._mark_failed(err.category, err.message, err.fix)
            return True
        unmapped = self.sudo().location_ids.filtered(lambda r: r.active and not r.location_id)
        summary = self.env._("Locations: %(created)s new, %(updated)s updated.", created=created, updated=updated)
        if unmapped:
            summary += " " + self.env._("Map to an Odoo location: %(names)s.", names=", ".join(unmapped.mapped("name")))
        job._mark_done(summary=summary)
        self.sudo().last_check_message = summary
        return True

    def _import_locations(self):
        client = self._get_client()
        Location = self.env["shopify.sync.location"].with_context(active_test=False)
        existing = {row.shopify_gid: row for row in Location.search([("backend_id", "=", self.id)])}
        created = updated = 0
        after = None
        while True:
            page = client.execute(queries.LOCATIONS, {"after": after})["locations"]
            for node in page["nodes"]:
                row = existing.get(node["id"])
                if row:
                    if row.name != node["name"]:
                        row.name = node["name"]
                        updated += 1
                    if not node["isActive"] and row.active:
                        row.active = False
                        updated += 1
                    continue
                existing[node["id"]] = Location.create(
                    {
                        "backend_id": self.id,
                        "name": node["name"],
                        "shopify_gid": node["id"],
                        "active": bool(node["isActive"]),
                    }
                )
                created += 1
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        return created, updated

    def _stock_locations(self):
        """Active mapped locations; an active location without Odoo location is a configuration error."""
        self.ensure_one()
        rows = self.env["shopify.sync.location"].search([("backend_id", "=", self.id)])
        if not rows:
            raise errors.ConfigurationError(
                _lt("Store %(backend)s has no Shopify location to export stock to.", backend=self.name),
                fix=_lt("Press 'Import locations' on the store, map each location to an Odoo location, then Retry."),
            )
        for row in rows:
            if not row.location_id:
                # Same message as everywhere else an unmapped location is met.
                self.env["shopify.sync.location"]._stock_location_for(self, row.shopify_gid, name=row.name)
        return rows

    # -- quantities ------------------------------------------------------------------------

    def _exportable_quantities(self, products, location_rows):
        """Odoo's raw quantity per (product id, location row id), before the safety buffer.

        The one place a quantity is decided. A bundle's sale product (a service, no stock of its
        own) publishes what its components allow at that location: the minimum over components of
        floor(quantity / per bundle). An archived bundle publishes 0: its orders could not be mapped.
        """
        self.ensure_one()
        bundles = self.env["shopify.sync.bundle"].sudo()._by_sale_product(self, products.ids)
        components = self.env["product.product"].browse(
            {product_id for bundle in bundles.values() for product_id, _qty in bundle._components()}
        )
        own = self._stock_quantities((products | components).filtered(lambda p: p.id not in bundles), location_rows)
        result = {}
        for product in products:
            bundle = bundles.get(product.id)
            for row in location_rows:
                if bundle:
                    at_row = {product_id: own[(product_id, row.id)] for product_id, _qty in bundle._components()}
                    result[(product.id, row.id)] = bundle._available_quantity(bundle, at_row)
                else:
                    result[(product.id, row.id)] = own.get((product.id, row.id), 0.0)
        return result

    def _stock_quantities(self, products, location_rows):
        """Odoo's stock per (product id, location row id): on hand, less reservations for 'available'."""
        Quant = self.env["stock.quant"].sudo()
        result = {}
        for row in location_rows:
            groups = Quant._read_group(
                [("product_id", "in", products.ids), ("location_id", "child_of", row.location_id.id)],
                ["product_id"],
                ["quantity:sum", "reserved_quantity:sum"],
            )
            found = {}
            for product, quantity, reserved in groups:
                found[product.id] = quantity - (reserved if self.stock_quantity_name == "available" else 0.0)
            for product in products:
                result[(product.id, row.id)] = found.get(product.id, 0.0)
        return result

    def _buffer_for(self, product):
        category = product.categ_id
        while category:
            if category.shopify_sync_buffer_type:
                return category.shopify_sync_buffer_type, category.shopify_sync_buffer_value
            category = category.parent_id
        return self.stock_buffer_type, self.stock_buffer_value

    def _published_quantities(self, products, location_rows):
        """{(product id, location row id): whole units to publish}, buffer applied, never negative."""
        raw = self._exportable_quantities(products, location_rows)
        buffers = {product.id: self._buffer_for(product) for product in products}
        return {key: buffered_quantity(quantity, *buffers[key[0]]) for key, quantity in raw.items()}

    def _inventory_items(self, product_ids=None):
        """{product id: [inventory item gid, ...]} from the InventoryItem bindings."""
        domain = [
            ("backend_id", "=", self.id),
            ("res_model", "=", "product.product"),
            ("resource_type", "=", "InventoryItem"),
        ]
        if product_ids is not None:
            domain.append(("res_id", "in", list(product_ids)))
        items = {}
        for binding in self.env["shopify.binding"].sudo().search_read(domain, ["res_id", "shopify_gid"]):
            items.setdefault(binding["res_id"], []).append(binding["shopify_gid"])
        return items

    # -- export queue ----------------------------------------------------------------------

    def _mark_stock_dirty(self, product_ids, unbound_ok=False):
        """Note products to export and make sure ONE export job is pending per store.

        Bundles made of these products are noted too. ``unbound_ok``: also products without an
        inventory item yet (a new bundle: the export job links it), on stores whose stock export
        is set up (a mapped location)."""
        Dirty = self.env["shopify.sync.stock.dirty"].sudo()
        Bundle = self.env["shopify.sync.bundle"].sudo()
        for backend in self.sudo():
            ids = set(product_ids) | set(Bundle._sale_products_using(backend, product_ids))
            if unbound_ok:
                ready = backend._exports_stock() and backend.location_ids.filtered("location_id")
                marked = sorted(ids) if ready else []
            else:
                marked = list(backend._inventory_items(ids))
            if not marked:
                continue
            Dirty._mark(backend, marked)
            backend._ensure_export_job()

    def _exports_stock(self):
        self.ensure_one()
        return self.active and self.stock_export_enabled and self.sync_inventory and self.state != "disconnected"

    def _ensure_export_job(self):
        """The pending export job of this store, or a new one (many changes -> one job)."""
        self.ensure_one()
        Job = self.env["shopify.sync.job"].sudo()
        pending = Job.search(
            [
                ("backend_id", "=", self.id),
                ("topic", "=", EXPORT_TOPIC),
                ("state", "=", "queued"),
                ("queue_job_id.state", "in", ("pending", "enqueued", "wait_dependencies")),
            ],
            limit=1,
        )
        if pending:
            return pending
        job = Job._create_outbound(self, "inventory", EXPORT_TOPIC, ref=self.name)
        job._enqueue()
        if job.queue_job_id:
            job.queue_job_id.sudo().eta = fields.Datetime.now() + EXPORT_DELAY
        return job

    def action_export_stock(self):
        """Push every bound product now (e.g. after setting up locations or changing the buffer)."""
        self.ensure_one()
        self.env["shopify.sync.job"].check_access("create")
        self._mark_stock_dirty(list(self._inventory_items()))
        return True

    @api.model
    def _cron_export_stock(self):
        """Safety net: a store with pending rows and no pending export job gets one."""
        backends = self.env["shopify.sync.stock.dirty"].sudo().search([]).mapped("backend_id")
        for backend in backends.filtered(lambda b: b.active and b.stock_export_enabled and b.state != "disconnected"):
            backend._ensure_export_job()

    @api.model
    def _cron_reconcile_stock(self):
        """Nightly: compare every bound item and location with Shopify, as a sync job per store."""
        backends = self.sudo().search(
            [("sync_inventory", "=", True), ("stock_export_enabled", "=", True), ("state", "!=", "disconnected")]
        )
        for backend in backends:
            job = (
                self.env["shopify.sync.job"]
                .sudo()
                ._create_outbound(backend, "inventory", RECONCILE_TOPIC, ref=backend.name)
            )
            job._enqueue()

    def action_open_stock_reconcile(self):
        self.ensure_one()
        self._check_group()
        return {
            "type": "ir.actions.act_window",
            "res_model": "shopify.sync.stock.reconcile",
            "view_mode": "form",
            "target": "new",
            "context": {"default_backend_id": self.id},
        }
