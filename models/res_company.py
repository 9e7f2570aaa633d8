from odoo import fields, models


class ResCompany(models.Model):
    """Who receives the daily Shopify digest of a company, and since when it reports."""

    _inherit = "res.company"

    shopify_digest_group_id = fields.Many2one(
        "res.groups",
        string="Shopify digest to group",
        default=lambda self: self.env.ref("shopify_sync.group_shopify_manager", raise_if_not_found=False),
        help="Members of this group who work in the company receive the daily Shopify digest "
        "(empty: the Shopify managers).",
    )
    shopify_digest_partner_ids = fields.Many2many(
        "res.partner",
        "res_company_shopify_digest_partner_rel",
        "company_id",
        "partner_id",
        string="Shopify digest also to",
        help="Further recipients of the daily Shopify digest.",
    )
    shopify_digest_hour = fields.Float(
        string="Shopify digest at",
        default=6.0,
        help="Time of day (the company's time zone, else UTC) after which the daily Shopify digest is sent.",
    )
    shopify_digest_last_sent_at = fields.Datetime(
        string="Last Shopify digest",
        readonly=True,
        copy=False,
        help="The next digest reports what failed after this moment.",
    )
