from datetime import timedelta

from odoo import api, fields, models

from .res_config_settings import int_param

RETENTION_BATCH = 1000


class ShopifySyncJobRetention(models.Model):
    """Payloads are the audit trail while a job matters; done jobs past the retention period drop
    theirs (the job row, its verdict and the Odoo record it made stay). Failed jobs keep them."""

    _inherit = "shopify.sync.job"

    @api.model
    def _cron_clear_old_payloads(self, batch_size=RETENTION_BATCH):
        days = int_param(self.env, "shopify_sync.payload_retention_days")
        if days <= 0:  # 0 keeps payloads forever
            return 0
        domain = [
            ("state", "=", "done"),
            ("date_done", "<", fields.Datetime.now() - timedelta(days=days)),
            ("payload", "!=", False),
            ("payload_redacted", "=", False),
        ]
        Job = self.sudo()
        cleared = 0
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        while True:
            batch = Job.search(domain, limit=batch_size, order="id")
            if not batch:
                break
            batch._redact_payload(f"done more than {days} days ago, cleared by the retention setting")
            cleared += len(batch)
            # Inside the scheduled action, commit each batch and stop when its time is up; the
            # next run continues where this one stopped.
            if in_cron and self.env["ir.cron"]._commit_progress(len(batch)) <= 0:
                break
        return cleared
