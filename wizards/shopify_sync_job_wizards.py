from odoo import api, fields, models


class ShopifySyncJobRetry(models.TransientModel):
    _name = "shopify.sync.job.retry"
    _description = "Retry Shopify sync jobs"

    job_ids = fields.Many2many("shopify.sync.job", string="Jobs")
    retryable_count = fields.Integer(compute="_compute_counts")
    skipped_count = fields.Integer(compute="_compute_counts")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "shopify.sync.job":
            values["job_ids"] = [(6, 0, self.env.context.get("active_ids", []))]
        return values

    @api.depends("job_ids.state")
    def _compute_counts(self):
        for wizard in self:
            retryable = wizard.job_ids.filtered(lambda j: j.state in ("failed", "cancelled"))
            wizard.retryable_count = len(retryable)
            wizard.skipped_count = len(wizard.job_ids) - len(retryable)

    def action_retry(self):
        self.ensure_one()
        self.job_ids.filtered(lambda j: j.state in ("failed", "cancelled")).action_retry()
        return {"type": "ir.actions.act_window_close"}


class ShopifySyncJobCancel(models.TransientModel):
    _name = "shopify.sync.job.cancel"
    _description = "Cancel (ignore) Shopify sync jobs"

    job_ids = fields.Many2many("shopify.sync.job", string="Jobs")
    reason = fields.Text(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "shopify.sync.job":
            values["job_ids"] = [(6, 0, self.env.context.get("active_ids", []))]
        return values

    def action_cancel(self):
        self.ensure_one()
        self.job_ids.action_cancel(self.reason)
        return {"type": "ir.actions.act_window_close"}
