from odoo import api, fields, models


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

    @api.model
    def _lookup_table(self, backend):
        """All rows of a store, keyed for fast matching inside one order."""
        table = {}
        # Rows and the fields matching reads in one query, in the model's order (ties: first row wins).
        rows = self.search_fetch(
            [("backend_id", "=", backend.id)], ["name", "rate_percent", "country_id", "state_id", "tax_id"]
        )
        for row in rows:
            key = (row.name.strip().lower(), round(row.rate_percent, 4))
            table.setdefault(key, []).append(row)
        return table
