from collections import namedtuple

from odoo import api, fields, models, tools

# A row of the table as matching reads it (records, read when used).
MappedTax = namedtuple("MappedTax", "row country_id state_id tax_id")


class ShopifyTaxMap(models.Model):
    """Shopify tax line (title + rate, optionally per destination) -> Odoo tax, per store.

    Kept as data an accountant edits, never code: a tax line that matches no row fails the order
    as a configuration error naming the title, rate and company, and Retry completes it once the
    row exists.
    """

    _name = "shopify.tax.map"
    _description = "Shopify tax mapping"
    _order = "backend_id, name, rate_percent, state_id desc, country_id desc"

    backend_id = fields.Many2one("shopify.backend", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    name = fields.Char(string="Shopify tax title", required=True, help="As Shopify shows it, e.g. 'CA State Tax'.")
    rate_percent = fields.Float(string="Rate (%)", digits=(7, 4), required=True)
    country_id = fields.Many2one("res.country", string="Destination country", help="Empty: any destination.")
    state_id = fields.Many2one(
        "res.country.state",
        string="Destination state",
        domain="[('country_id', '=?', country_id)]",
        help="Empty: any state.",
    )
    tax_id = fields.Many2one(
        "account.tax",
        string="Odoo tax",
        required=True,
        check_company=True,
        domain="[('type_tax_use', '=', 'sale'), ('company_id', '=', company_id)]",
    )

    _rule_unique = models.Constraint(
        "UNIQUE(backend_id, name, rate_percent, country_id, state_id)",
        "This Shopify tax already has a mapping for that destination.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        self.env.registry.clear_cache()  # _lookup_rows, in every worker
        return rows

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    @api.model
    @tools.ormcache("backend_id")
    def _lookup_rows(self, backend_id):
        """((title, rate) key, row id, country id, state id, tax id) of every row of a store, in the
        model's order; cached per worker (every order reads them; an accountant rarely edits them)."""
        rows = (
            self.sudo()
            .with_context(active_test=False)
            .search_fetch(
                [("backend_id", "=", backend_id)], ["name", "rate_percent", "country_id", "state_id", "tax_id"]
            )
        )
        return tuple(
            (
                (row.name.strip().lower(), round(row.rate_percent, 4)),
                row.id,
                row.country_id.id,
                row.state_id.id,
                row.tax_id.id,
            )
            for row in rows
        )

    @api.model
    def _lookup_table(self, backend):
        """All rows of a store, keyed for fast matching inside one order (ties: first row wins)."""
        table = {}
        for key, row_id, country_id, state_id, tax_id in self._lookup_rows(backend.id):
            row = MappedTax(
                self.browse(row_id),
                self.env["res.country"].browse(country_id),
                self.env["res.country.state"].browse(state_id),
                self.env["account.tax"].browse(tax_id),
            )
            table.setdefault(key, []).append(row)
        return table
