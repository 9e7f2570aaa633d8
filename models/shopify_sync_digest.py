"""The daily digest: one e-mail per company saying what went wrong since the previous one, grouped so
that 300 failures with one cause are one line, each with its fix and a link."""

import logging
from datetime import timedelta

import pytz

from odoo import api, fields, models

from ..lib.errors import SyncError
from .res_config_settings import int_param

_logger = logging.getLogger(__name__)


class ShopifySyncDigest(models.AbstractModel):
    _name = "shopify.sync.digest"
    _description = "Shopify daily digest"

    @api.model
    def _cron_send_digest(self, now=None):
        """Hourly: one digest per company with an active store, once a day after its digest time.
        Nothing is sent for a company where all is well unless the setting asks for it."""
        now = now or fields.Datetime.now()
        backends = self.env["shopify.backend"].sudo().search([])
        sent = self.env["mail.mail"]
        for company in backends.company_id:
            if not self._digest_due(company, now):
                continue
            company_backends = backends.filtered(lambda b, company=company: b.company_id == company)
            for backend in company_backends.filtered_domain(backends._in_service_domain()):
                try:
                    backend._check_webhook_subscriptions()
                except SyncError as err:  # reported by the store's own state and jobs, not here
                    _logger.warning("Shopify webhook check of %s failed: %s", backend.shop_domain, err)
            sent |= self._send_company_digest(company, now)
        return sent

    @api.model
    def _digest_due(self, company, now):
        """Past today's digest time in the company's time zone, and not sent since then."""
        zone = pytz.timezone(company.partner_id.tz or "UTC")
        local_now = pytz.utc.localize(now).astimezone(zone)
        minutes = round((company.shopify_digest_hour or 0.0) * 60)
        send_at = local_now.replace(hour=min(minutes // 60, 23), minute=minutes % 60, second=0, microsecond=0)
        if local_now < send_at:
            return False
        last = company.shopify_digest_last_sent_at
        return not last or pytz.utc.localize(last).astimezone(zone) < send_at

    def _send_company_digest(self, company, now):
        company = company.sudo()
        since = company.shopify_digest_last_sent_at or now - timedelta(days=1)
        # In the language the template renders in (the company's), like the template's own text.
        digest = self.with_context(lang=company.partner_id.lang)._digest_values(company, since, now)
        send_when_clean = self.env["ir.config_parameter"].sudo().get_param("shopify_sync.digest_when_clean")
        recipients = self._recipients(company)
        mail = self.env["mail.mail"]
        if recipients and (not digest["is_clean"] or send_when_clean):
            template = self.env.ref("shopify_sync.mail_template_shopify_digest").sudo()
            mail_id = template.with_context(digest=digest).send_mail(
                company.id, email_values={"recipient_ids": [(6, 0, recipients.ids)]}
            )
            mail = self.env["mail.mail"].sudo().browse(mail_id)
        company.shopify_digest_last_sent_at = now
        return mail

    def _noun(self, workflow, count):
        """How a count of jobs of a workflow reads in the digest: "1 order", "12 orders"."""
        _ = self.env._
        nouns = {
            "order": (_("order"), _("orders")),
            "product": (_("product"), _("products")),
            "customer": (_("customer"), _("customers")),
            "inventory": (_("stock job"), _("stock jobs")),
            "refund": (_("refund"), _("refunds")),
            "fulfillment": (_("fulfilment"), _("fulfilments")),
            "payout": (_("payout"), _("payouts")),
            "historical": (_("order import"), _("order imports")),
            "scheduled": (_("scheduled check"), _("scheduled checks")),
            "connection": (_("connection check"), _("connection checks")),
        }
        singular, plural = nouns.get(workflow, (workflow, workflow))
        return singular if count == 1 else plural

    def _recipients(self, company):
        group = company.shopify_digest_group_id or self.env.ref("shopify_sync.group_shopify_manager")
        users = group.sudo().all_user_ids.filtered(
            lambda user: user.active and not user.share and company in user.company_ids
        )
        return (users.partner_id | company.shopify_digest_partner_ids).filtered("email")

    def _digest_values(self, company, since, now):
        Job = self.env["shopify.sync.job"].sudo()
        Backend = self.env["shopify.backend"].sudo()
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        categories = dict(Job._fields["failure_category"].selection)
        company_jobs = [("company_id", "=", company.id)]
        new_failures = company_jobs + [("state", "=", "failed"), ("date_done", ">", since)]
        groups = []
        for category, cause, workflow, count, last_id in Job._read_group(
            new_failures, ["failure_category", "cause", "workflow"], ["__count", "id:max"]
        ):
            sample = Job.browse(last_id)
            groups.append(
                {
                    "category": categories.get(category, category or ""),
                    "cause": cause or sample.error_message or "",
                    "count": count,
                    "noun": self._noun(workflow, count),
                    "fix": sample.fix_hint or "",
                    "url": f"{base_url}/odoo/action-shopify_sync.action_sync_job_failed/{sample.id}",
                }
            )
        groups.sort(key=lambda group: (group["category"], -group["count"], group["cause"]))
        late_before = now - timedelta(hours=int_param(self.env, "shopify_sync.digest_queued_hours"))
        late = []
        for backend, workflow, count, oldest in Job._read_group(
            company_jobs + [("state", "=", "queued"), ("date_received", "<", late_before)],
            ["backend_id", "workflow"],
            ["__count", "date_received:min"],
        ):
            late.append(
                {
                    "store": backend.name,
                    "noun": self._noun(workflow, count),
                    "count": count,
                    "oldest": fields.Datetime.to_string(oldest),
                }
            )
        backends = Backend.search([("company_id", "=", company.id)])
        in_error = [
            {
                "store": b.name,
                "message": b.last_check_message or "",
                "url": f"{base_url}/odoo/action-shopify_sync.action_backend/{b.id}",
            }
            for b in backends
            if b.state == "error"
        ]
        unsubscribed = [
            {"store": b.name, "topics": b.webhook_missing_topics}
            for b in backends
            if b.webhook_missing_topics and b.state != "disconnected"
        ]
        silent = [
            {
                "store": b.name,
                "since": fields.Datetime.to_string(b.last_webhook_at) if b.last_webhook_at else "",
                "pulled": b.pulled_since_webhook,
            }
            for b in backends
            if b.is_silent
        ]
        return {
            "company": company.name,
            "since": fields.Datetime.to_string(since),
            "failed_groups": groups,
            "failed_count": sum(group["count"] for group in groups),
            "failed_waiting": Job.search_count(company_jobs + [("state", "=", "failed")]),
            "late_queued": late,
            "late_hours": int_param(self.env, "shopify_sync.digest_queued_hours"),
            "stores_in_error": in_error,
            "silent_stores": silent,
            "unsubscribed_stores": unsubscribed,
            "failed_url": f"{base_url}/odoo/action-shopify_sync.action_sync_job_failed",
            "is_clean": not (groups or late or in_error or silent or unsubscribed),
        }
