"""Store health: what an accountant or administrator needs to see to trust that a store is in sync,
on the store form and on the Sync health dashboard (kanban), and what the daily digest reports."""

from datetime import timedelta

from markupsafe import Markup, escape

from odoo import api, fields, models

from ..lib import registry
from .res_config_settings import int_param
from .shopify_backend import TOKEN_RENEW_MARGIN

PULLED_EVENT_PREFIX = "pull:"  # event ids of orders read by catch-up/backfill (see _intake_pulled)


def _table(headers, rows):
    if not rows:
        return False
    head = Markup("").join(Markup("<th>%s</th>") % h for h in headers)
    body = Markup("").join(
        Markup("<tr>%s</tr>") % Markup("").join(Markup("<td>%s</td>") % escape(cell) for cell in row) for row in rows
    )
    return Markup(
        '<table class="table table-sm o_shopify_health"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>'
    ) % (head, body)


class ShopifyBackendHealth(models.Model):
    _inherit = "shopify.backend"

    token_state = fields.Selection(
        [
            ("permanent", "Permanent (legacy custom app)"),
            ("valid", "Valid"),
            ("renewing", "Due for renewal"),
            ("expired", "Expired"),
            ("missing", "None yet"),
        ],
        compute="_compute_health",
        string="Access token",
    )
    last_webhook_at = fields.Datetime(compute="_compute_health", string="Last webhook")
    webhook_health_html = fields.Html(compute="_compute_health", string="Last webhook per topic", sanitize=False)
    catch_up_lag_hours = fields.Float(
        compute="_compute_health",
        string="Catch-up lag (hours)",
        help="Age of the catch-up high-water mark: orders older than this are known to be in Odoo.",
    )
    oldest_queued_at = fields.Datetime(compute="_compute_health", string="Oldest queued job")
    queue_health_html = fields.Html(compute="_compute_health", string="Queue backlog per channel", sanitize=False)
    failed_health_html = fields.Html(compute="_compute_health", string="Failed jobs by category", sanitize=False)
    last_stock_export_at = fields.Datetime(compute="_compute_health", string="Last stock export")
    # payout_last_import_at (the payout import's own field) is shown beside these figures.
    pulled_since_webhook = fields.Integer(
        compute="_compute_health",
        string="Orders pulled since the last webhook",
        help="Orders Shopify reported to the catch-up after the last webhook arrived.",
    )
    is_silent = fields.Boolean(
        compute="_compute_health",
        string="Silent",
        help="No webhook for the configured number of hours while Shopify reports new orders: the "
        "subscriptions or the public URL are probably broken. Press Register webhooks.",
    )
    health_state = fields.Selection(
        [("ok", "Healthy"), ("warning", "Needs attention"), ("error", "Out of service")],
        compute="_compute_health",
        string="Health",
    )

    @api.depends("state", "auth_mode", "access_token", "token_expires_at", "order_catch_up", "order_catch_up_at")
    def _compute_health(self):
        now = fields.Datetime.now()
        silent_after = timedelta(hours=int_param(self.env, "shopify_sync.silent_hours"))
        late_after = timedelta(hours=int_param(self.env, "shopify_sync.digest_queued_hours"))
        Job = self.env["shopify.sync.job"].sudo()
        ids = [("backend_id", "in", self.ids)]
        webhooks = Job._read_group(ids + [("webhook_id", "!=", False)], ["backend_id", "topic"], ["date_received:max"])
        queued = Job._read_group(
            ids + [("state", "=", "queued")], ["backend_id", "workflow"], ["__count", "date_received:min"]
        )
        failed = Job._read_group(ids + [("state", "=", "failed")], ["backend_id", "failure_category"], ["__count"])
        exports = dict(
            Job._read_group(
                ids + [("topic", "=", "inventory/export"), ("state", "=", "done")], ["backend_id"], ["date_done:max"]
            )
        )
        categories = dict(self.env["shopify.sync.job"]._fields["failure_category"].selection)
        workflows = dict(registry.WORKFLOW_SELECTION)
        for backend in self:
            by_topic = sorted((topic, last) for b, topic, last in webhooks if b == backend)
            backend.last_webhook_at = max((last for _t, last in by_topic), default=False)
            backend.webhook_health_html = _table(
                [self.env._("Topic"), self.env._("Last received (UTC)")], [(t, last) for t, last in by_topic]
            )
            backlog = sorted((workflows.get(wf, wf), count, oldest) for b, wf, count, oldest in queued if b == backend)
            backend.oldest_queued_at = min((oldest for _w, _c, oldest in backlog), default=False)
            backend.queue_health_html = _table(
                [self.env._("Channel"), self.env._("Queued"), self.env._("Oldest (UTC)")], backlog
            )
            backend.failed_health_html = _table(
                [self.env._("Category"), self.env._("Failed")],
                sorted((categories.get(cat, cat), count) for b, cat, count in failed if b == backend),
            )
            backend.last_stock_export_at = exports.get(backend, False)
            backend.catch_up_lag_hours = (
                (now - backend.order_catch_up_at).total_seconds() / 3600
                if backend.order_catch_up and backend.order_catch_up_at
                else 0.0
            )
            backend.token_state = backend._token_state(now)
            reference = backend.last_webhook_at or backend.create_date
            backend.pulled_since_webhook = (
                Job.search_count(
                    [
                        ("backend_id", "=", backend._origin.id),
                        ("event_id", "=like", PULLED_EVENT_PREFIX + "%"),
                        ("date_received", ">", reference),
                    ]
                )
                if backend._origin.id and reference
                else 0
            )
            backend.is_silent = bool(
                backend.state in ("connected", "error")
                and reference
                and now - reference > silent_after
                and backend.pulled_since_webhook
            )
            late = backend.oldest_queued_at and now - backend.oldest_queued_at > late_after
            if backend.state in ("error", "disconnected"):
                backend.health_state = "error"
            elif (
                backend.is_silent
                or late
                or backend.failed_job_count
                or backend.missing_scopes
                or backend.webhook_missing_topics
                or backend.token_state == "expired"
            ):
                backend.health_state = "warning"
            else:
                backend.health_state = "ok"

    def _token_state(self, now):
        backend = self.sudo()
        if backend.auth_mode == "legacy_token":
            return "permanent" if backend.access_token else "missing"
        if not backend.access_token or not backend.token_expires_at:
            return "missing"
        if backend.token_expires_at <= now:
            return "expired"
        return "renewing" if backend.token_expires_at - TOKEN_RENEW_MARGIN <= now else "valid"
