from odoo import fields, models

# Defaults of the operations settings (ir.config_parameter), read with these helpers.
PARAM_DEFAULTS = {
    "shopify_sync.payload_retention_days": 90,
    "shopify_sync.digest_queued_hours": 2,
    "shopify_sync.silent_hours": 6,
}


def int_param(env, key):
    value = env["ir.config_parameter"].sudo().get_param(key)
    try:
        return int(value) if value not in (None, False, "") else PARAM_DEFAULTS[key]
    except ValueError:
        return PARAM_DEFAULTS[key]


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    shopify_digest_group_id = fields.Many2one(related="company_id.shopify_digest_group_id", readonly=False)
    shopify_digest_partner_ids = fields.Many2many(related="company_id.shopify_digest_partner_ids", readonly=False)
    shopify_digest_hour = fields.Float(related="company_id.shopify_digest_hour", readonly=False)
    shopify_digest_when_clean = fields.Boolean(
        string="Send the digest when nothing is wrong", config_parameter="shopify_sync.digest_when_clean"
    )
    shopify_digest_queued_hours = fields.Integer(
        string="Queued job is late after (hours)",
        config_parameter="shopify_sync.digest_queued_hours",
        default=PARAM_DEFAULTS["shopify_sync.digest_queued_hours"],
    )
    shopify_silent_hours = fields.Integer(
        string="Store is silent after (hours)",
        config_parameter="shopify_sync.silent_hours",
        default=PARAM_DEFAULTS["shopify_sync.silent_hours"],
        help="A store that has sent no webhook for this long while Shopify reports new orders is flagged.",
    )
    shopify_payload_retention_days = fields.Integer(
        string="Keep payloads of done jobs (days)",
        config_parameter="shopify_sync.payload_retention_days",
        default=PARAM_DEFAULTS["shopify_sync.payload_retention_days"],
        help="Payloads of done jobs older than this are cleared by a scheduled action; failed jobs keep theirs.",
    )
