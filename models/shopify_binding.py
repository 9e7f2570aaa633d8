from odoo import api, fields, models
from odoo.sql_db import Cursor

from ..lib.errors import TransientError, _lt


class ShopifyBinding(models.Model):
    """Shopify resource (backend + GID) <-> Odoo record.

    The unique constraint is what makes concurrent or replayed events safe: two workers importing
    the same Shopify order cannot both bind it; the loser fails transiently, retries, and finds the
    winner's record through the binding.
    """

    _name = "shopify.binding"
    _description = "Shopify binding"
    _order = "id desc"

    backend_id = fields.Many2one("shopify.backend", required=True, index=True, ondelete="cascade")
    # Precomputed: set in the INSERT, not by a second UPDATE of every new binding.
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True, precompute=True)
    resource_type = fields.Char(required=True, help="Shopify GraphQL type, e.g. Order, ProductVariant.")
    shopify_gid = fields.Char(string="Shopify ID", required=True)
    res_model = fields.Char(string="Odoo model", required=True, index=True)
    res_id = fields.Many2oneReference(string="Odoo record ID", model_field="res_model", required=True)
    shopify_updated_at = fields.Datetime(
        help="updated_at of the newest Shopify version applied: older events change nothing."
    )
    last_sync_date = fields.Datetime(default=fields.Datetime.now)

    _gid_unique = models.Constraint(
        "UNIQUE(backend_id, shopify_gid)", "This Shopify resource is already bound to an Odoo record."
    )
    _record_idx = models.Index("(res_model, res_id)")

    @api.depends("resource_type", "shopify_gid", "res_model", "res_id")
    def _compute_display_name(self):
        for binding in self:
            binding.display_name = f"{binding.shopify_gid} -> {binding.res_model},{binding.res_id}"

    @api.model
    def _find(self, backend, gid):
        return self.search([("backend_id", "=", backend.id), ("shopify_gid", "=", gid)], limit=1)

    @api.model
    def _find_each(self, backend, gids):
        """{gid: its binding, or an empty recordset} for each of ``gids`` (None skipped), in one query."""
        gids = [gid for gid in gids if gid]
        found = self.search([("backend_id", "=", backend.id), ("shopify_gid", "in", gids)]) if gids else self
        by_gid = {binding.shopify_gid: binding for binding in found}
        return {gid: by_gid.get(gid, self.browse()) for gid in gids}

    @api.model
    def _record_for(self, backend, gid):
        """The bound Odoo record, or an empty recordset (also when it was deleted since)."""
        return self._find(backend, gid)._bound_record()

    def _bound_record(self):
        """The Odoo record of this binding (empty when it was deleted since), or None without a binding."""
        if not self:
            return None
        self.ensure_one()
        return self.env[self.res_model].browse(self.res_id).exists()

    @api.model
    def _records_for_model(self, backend, res_model, resource_type=None):
        domain = [("backend_id", "=", backend.id), ("res_model", "=", res_model)]
        if resource_type:
            domain.append(("resource_type", "=", resource_type))
        return self.env[res_model].browse(self.search(domain).mapped("res_id")).exists()

    @api.model
    def _bind(self, backend, gid, record, updated_at=None, binding=None):
        """Bind ``gid`` to ``record`` (create or repoint). Concurrent binders: one wins, the other's
        job fails on a database conflict (or a TransientError) and is retried. ``binding``: what
        ``_find`` returned for ``gid`` earlier in this transaction (empty when none), if known."""
        if binding is None:
            binding = self._find(backend, gid)
        vals = {
            "res_model": record._name,
            "res_id": record.id,
            "shopify_updated_at": updated_at or binding.shopify_updated_at,
            "last_sync_date": fields.Datetime.now(),
        }
        if binding:
            # Re-binding to the same record with nothing newer writes nothing: product bindings are
            # touched by every order, and concurrent orders would otherwise fight over the row.
            unchanged = (binding.res_model, binding.res_id) == (record._name, record.id) and (
                not updated_at or updated_at == binding.shopify_updated_at
            )
            if not unchanged:
                binding.write(vals)
            return binding

        # One statement, no savepoint: a clash with a concurrent job's binding is a database conflict
        # (serialization failure in the job's transaction) or no row, and the job is retried whole.
        binding_id = self._insert_new(self.env.cr, backend, gid, record, vals["shopify_updated_at"])
        if not binding_id:
            raise TransientError(_lt("%(gid)s was bound by a concurrent job; retrying", gid=gid))
        return self.browse(binding_id)

    @api.model
    def _insert_new(self, cr, backend, gid, record, updated_at=None):
        """INSERT ... ON CONFLICT DO NOTHING of a new binding on ``cr``: its id, or None when ``gid``
        is bound already. The company is the store's, read in the same statement."""
        self.env["shopify.backend"].flush_model(["company_id"])
        cr.execute(
            "INSERT INTO shopify_binding (backend_id, company_id, resource_type, shopify_gid, res_model, res_id, "
            "shopify_updated_at, last_sync_date, create_uid, create_date, write_uid, write_date) "
            "SELECT b.id, b.company_id, %s, %s, %s, %s, %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC', "
            "%s, now() AT TIME ZONE 'UTC' FROM shopify_backend b WHERE b.id = %s "
            "ON CONFLICT (backend_id, shopify_gid) DO NOTHING RETURNING id",
            [
                gid.split("/")[3],
                gid,
                record._name,
                record.id,
                updated_at or None,
                self.env.uid,
                self.env.uid,
                backend.id,
            ],
        )
        row = cr.fetchone()
        return row[0] if row else None

    @api.model
    def _bind_shared(self, backend, gid, record):
        """Bind a catalog resource that many jobs bind at once (the product variants of order lines).

        A new binding is written in a short transaction of its own, INSERT ... ON CONFLICT DO
        NOTHING at READ COMMITTED, and committed at once: two order jobs of the same new variant no
        longer clash on the unique key (in the job's REPEATABLE READ transaction, the second would
        fail and run again). The match of a variant to a product holds whether or not the job that
        found it commits. An existing binding goes through ``_bind`` (repointed only if it changed).
        """
        if self._find(backend, gid):
            return self._bind(backend, gid, record)
        with self.env.registry.cursor() as cr:
            if isinstance(cr, Cursor):  # a real new transaction (not a test's cursor sharing the test's)
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            self._insert_new(cr, backend, gid, record)
        return self._find(backend, gid)

    @api.model
    def _is_outdated(self, backend, gid, updated_at):
        """True when an event is older than what was already applied (out-of-order delivery)."""
        return self._find(backend, gid)._is_newer_than(updated_at)

    def _is_newer_than(self, updated_at):
        """True when this binding already applied a version newer than ``updated_at``."""
        return bool(self and self.shopify_updated_at and updated_at and updated_at < self.shopify_updated_at)
