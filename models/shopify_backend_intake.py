"""What the webhook controller needs of a store on every request, cached per worker.

Looking the store up by its domain and reading its secret cost two queries and an ORM record on
every webhook; a Black Friday burst sends thousands. The cache is Odoo's registry cache: a change
of any field it holds clears it in this worker and, through the registry's invalidation signal, in
every other worker before their next request.
"""

from odoo import api, models, tools

# Fields that decide which store a webhook belongs to and which secret verifies it.
INTAKE_FIELDS = ("shop_domain", "webhook_secret", "client_secret", "auth_mode", "company_id", "active")


class ShopifyBackend(models.Model):
    _inherit = "shopify.backend"

    @api.model
    @tools.ormcache("shop_domain")
    def _webhook_intake_key(self, shop_domain):
        """(backend id, webhook secret, company id) of the active store with this domain, or None."""
        backend = self.sudo().search([("shop_domain", "=", shop_domain)], limit=1) if shop_domain else None
        if not backend:
            return None
        return backend.id, backend._get_webhook_secret() or None, backend.company_id.id

    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        self.env.registry.clear_cache()
        return backends

    def write(self, vals):
        result = super().write(vals)
        if any(name in vals for name in INTAKE_FIELDS):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
