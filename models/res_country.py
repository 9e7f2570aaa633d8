"""Countries and states by code, cached per worker: every address an order brings asks, and they
change about never. Odoo clears its 'stable' cache when a country is created, recoded or deleted;
states do the same here."""

from odoo import api, models, tools


class ResCountry(models.Model):
    _inherit = "res.country"

    @api.model
    @tools.ormcache("code", cache="stable")
    def _shopify_sync_country_id(self, code):
        return self.search([("code", "=", code.upper())], limit=1).id


class ResCountryState(models.Model):
    _inherit = "res.country.state"

    @api.model
    @tools.ormcache("country_id", "code", cache="stable")
    def _shopify_sync_state_id(self, country_id, code):
        """The state of ``country_id`` whose code is ``code`` in any case (Shopify's province code)."""
        return self.search([("country_id", "=", country_id), ("code", "=ilike", code)], limit=1).id

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache("stable")
        return super().create(vals_list)

    def write(self, vals):
        if {"code", "country_id"} & set(vals):
            self.env.registry.clear_cache("stable")
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache("stable")
        return super().unlink()
