import logging
import re
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib import queries, registry
from ..lib.client import ShopifyClient, fetch_client_credentials_token
from ..lib.errors import TRANSIENT, ConfigurationError, SyncError, _lt
from ..lib.webhook import normalize_shop_domain

_logger = logging.getLogger(__name__)

# Newest stable Admin API version at release time (quarterly versions, each supported ~12 months).
DEFAULT_API_VERSION = "2026-10"
API_VERSION_RE = re.compile(r"^20\d\d-(01|04|07|10)$")
SHOP_DOMAIN_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
MANAGER_GROUP = "shopify_sync.group_shopify_manager"
# Renew a client-credentials token this long before Shopify expires it (tokens live ~24 h).
TOKEN_RENEW_MARGIN = timedelta(hours=2)
# A store in error is checked again after 15 min, 30 min, 1 h, ... at most every 6 h (the token cron's
# schedule rounds these up to its own interval).
RETRY_BACKOFF_FIRST = timedelta(minutes=15)
RETRY_BACKOFF_MAX = timedelta(hours=6)
# The failed job that stands for a store's credential or scope problem found by the scheduled check.
CONNECTION_CHECK_TOPIC = "connection/check"
USER_GROUP = "shopify_sync.group_shopify_user"

# Access scopes each workflow needs. A write scope implies its read scope.
WORKFLOW_SCOPES = {
    "order": ["read_orders", "read_customers"],
    "product": ["read_products"],
    "customer": ["read_customers"],
    "inventory": ["read_inventory", "write_inventory", "read_locations"],
    "refund": ["read_orders"],
    "fulfillment": [
        "read_merchant_managed_fulfillment_orders",
        "write_merchant_managed_fulfillment_orders",
    ],
    "payout": ["read_shopify_payments_payouts", "read_shopify_payments_disputes"],
}
# Topics Shopify only delivers through the app configuration, never through the API.
COMPLIANCE_TOPICS = {"customers/data_request", "customers/redact", "shop/redact"}


class ShopifyBackend(models.Model):
    _name = "shopify.backend"
    _description = "Shopify store"
    _inherit = ["mail.thread"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    shop_domain = fields.Char(
        required=True, tracking=True, help="The store's permanent domain, e.g. my-store.myshopify.com."
    )
    api_version = fields.Char(
        string="API version",
        required=True,
        default=DEFAULT_API_VERSION,
        tracking=True,
        help="Shopify Admin API version (YYYY-01/04/07/10). Each is supported for about a year.",
    )
    auth_mode = fields.Selection(
        [
            ("client_credentials", "Dev Dashboard app (client ID + secret)"),
            ("legacy_token", "Legacy custom app (Admin API access token)"),
        ],
        string="Credentials",
        required=True,
        default="client_credentials",
        tracking=True,
    )
    client_id = fields.Char(string="Client ID")
    client_secret = fields.Char(groups=MANAGER_GROUP, copy=False)
    access_token = fields.Char(groups=MANAGER_GROUP, copy=False)
    token_expires_at = fields.Datetime(readonly=True, copy=False)
    webhook_secret = fields.Char(
        groups=MANAGER_GROUP,
        copy=False,
        help="Secret that signs Shopify webhooks. Leave empty for a Dev Dashboard app: its client "
        "secret is used. A legacy custom app uses its API secret key.",
    )
    api_base_url = fields.Char(
        string="API base URL override",
        help="Only for tests and the demo sandbox: replaces https://<shop domain>.",
    )
    webhook_base_url = fields.Char(
        string="Public Odoo URL",
        help="Base URL Shopify can reach for webhooks; defaults to the database's web.base.url.",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, tracking=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        domain="[('company_id', '=', company_id)]",
    )
    team_id = fields.Many2one("crm.team", string="Sales team", check_company=True)

    state = fields.Selection(
        [
            ("draft", "Not checked"),
            ("connected", "Connected"),
            ("error", "Connection error"),
            ("disconnected", "App uninstalled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    shop_name = fields.Char(readonly=True, copy=False)
    shop_plan = fields.Char(readonly=True, copy=False)
    shop_currency = fields.Char(readonly=True, copy=False)
    granted_scopes = fields.Char(readonly=True, copy=False)
    required_scopes = fields.Char(compute="_compute_scopes")
    missing_scopes = fields.Char(compute="_compute_scopes")
    last_check_date = fields.Datetime(readonly=True, copy=False)
    last_check_message = fields.Text(readonly=True, copy=False)
    disconnected_at = fields.Datetime(readonly=True, copy=False)
    connection_failures = fields.Integer(
        readonly=True, copy=False, help="Scheduled connection checks failed in a row (credentials or scopes)."
    )
    connection_retry_at = fields.Datetime(
        string="Next automatic check",
        readonly=True,
        copy=False,
        help="When the scheduled action checks a store in error again; the wait doubles with every failure.",
    )

    sync_orders = fields.Boolean(string="Orders", default=True)
    sync_products = fields.Boolean(string="Products", default=True)
    sync_customers = fields.Boolean(string="Customers", default=True)
    sync_inventory = fields.Boolean(string="Inventory", default=True)
    sync_refunds = fields.Boolean(string="Refunds", default=True)
    sync_fulfillments = fields.Boolean(string="Fulfilments", default=True)
    sync_payouts = fields.Boolean(string="Payouts", default=False)

    job_ids = fields.One2many("shopify.sync.job", "backend_id")
    location_ids = fields.One2many(
        "shopify.sync.location", "backend_id", string="Locations", context={"active_test": False}
    )
    webhook_missing_topics = fields.Char(
        string="Webhook subscriptions missing",
        readonly=True,
        copy=False,
        help="Topics this store should send that have no subscription to this Odoo in Shopify, at the last check.",
    )
    webhook_checked_at = fields.Datetime(string="Subscriptions checked", readonly=True, copy=False)
    failed_job_count = fields.Integer(compute="_compute_job_counts")
    queued_job_count = fields.Integer(compute="_compute_job_counts")

    _shop_domain_unique = models.Constraint("UNIQUE(shop_domain)", "This Shopify store already has a backend.")

    # -- constraints and computes ------------------------------------------------------------

    @api.model
    def _normalize_vals(self, vals):
        if vals.get("shop_domain"):
            vals["shop_domain"] = normalize_shop_domain(vals["shop_domain"])
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._normalize_vals(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._normalize_vals(vals))

    @api.constrains("shop_domain", "api_version")
    def _check_domain_and_version(self):
        for backend in self:
            if not SHOP_DOMAIN_RE.match(backend.shop_domain or ""):
                raise ValidationError(
                    self.env._(
                        "Shop domain %(domain)s is not a Shopify domain: use the permanent "
                        "name-of-store.myshopify.com domain (Settings > Domains in Shopify).",
                        domain=backend.shop_domain,
                    )
                )
            if not API_VERSION_RE.match(backend.api_version or ""):
                raise ValidationError(
                    self.env._(
                        "API version %(version)s is not a Shopify version (YYYY-01, -04, -07 or -10).",
                        version=backend.api_version,
                    )
                )

    def _enabled_workflows(self):
        self.ensure_one()
        flags = {
            "order": self.sync_orders,
            "product": self.sync_products,
            "customer": self.sync_customers,
            "inventory": self.sync_inventory,
            "refund": self.sync_refunds,
            "fulfillment": self.sync_fulfillments,
            "payout": self.sync_payouts,
        }
        return [workflow for workflow, enabled in flags.items() if enabled]

    @api.depends(
        "granted_scopes",
        "sync_orders",
        "sync_products",
        "sync_customers",
        "sync_inventory",
        "sync_refunds",
        "sync_fulfillments",
        "sync_payouts",
    )
    def _compute_scopes(self):
        for backend in self:
            required = sorted({s for wf in backend._enabled_workflows() for s in WORKFLOW_SCOPES[wf]})
            granted = set(filter(None, (backend.granted_scopes or "").split(",")))
            # write_x implies read_x
            granted |= {"read_" + s[len("write_") :] for s in granted if s.startswith("write_")}
            backend.required_scopes = ", ".join(required)
            backend.missing_scopes = (
                ", ".join(s for s in required if s not in granted) if backend.granted_scopes else False
            )

    def _compute_job_counts(self):
        groups = self.env["shopify.sync.job"]._read_group(
            [("backend_id", "in", self.ids), ("state", "in", ("failed", "queued"))],
            ["backend_id", "state"],
            ["__count"],
        )
        counts = {(backend.id, state): count for backend, state, count in groups}
        for backend in self:
            backend.failed_job_count = counts.get((backend.id, "failed"), 0)
            backend.queued_job_count = counts.get((backend.id, "queued"), 0)

    # -- credentials -------------------------------------------------------------------------

    def _get_webhook_secret(self):
        """Secret that signs this store's webhooks (read with sudo by the webhook controller)."""
        self.ensure_one()
        backend = self.sudo()
        if backend.webhook_secret:
            return backend.webhook_secret
        if backend.auth_mode == "client_credentials":
            return backend.client_secret
        return False

    def _refresh_access_token(self):
        """Client-credentials grant: a new token, stored with its expiry and granted scopes."""
        self.ensure_one()
        backend = self.sudo()
        if backend.auth_mode != "client_credentials":
            raise ConfigurationError(
                _lt("Backend %(backend)s uses a fixed Admin API token, which cannot be renewed.", backend=backend.name),
                fix=_lt("Paste a valid Admin API access token on the backend."),
            )
        if not (backend.client_id and backend.client_secret):
            raise ConfigurationError(
                _lt("Backend %(backend)s has no client ID or client secret.", backend=backend.name),
                fix=_lt("Copy both from the app's settings in the Shopify Dev Dashboard."),
            )
        answer = fetch_client_credentials_token(
            backend.shop_domain, backend.client_id, backend.client_secret, base_url=backend.api_base_url
        )
        expires_in = int(answer.get("expires_in") or 86399)
        backend.write(
            {
                "access_token": answer["access_token"],
                "token_expires_at": fields.Datetime.now() + timedelta(seconds=expires_in),
                "granted_scopes": answer.get("scope") or backend.granted_scopes,
            }
        )
        return answer["access_token"]

    def _valid_access_token(self):
        self.ensure_one()
        backend = self.sudo()
        if backend.auth_mode == "legacy_token":
            if not backend.access_token:
                raise ConfigurationError(
                    _lt("Backend %(backend)s has no Admin API access token.", backend=backend.name),
                    fix=_lt("Paste the legacy custom app's Admin API access token on the backend."),
                )
            return backend.access_token
        expiring = not backend.token_expires_at or (
            backend.token_expires_at - TOKEN_RENEW_MARGIN <= fields.Datetime.now()
        )
        if not backend.access_token or expiring:
            return backend._refresh_access_token()
        return backend.access_token

    def _get_client(self, allow_disconnected=False):
        """Shopify client with a valid token. Outbound work stops while the app is uninstalled."""
        self.ensure_one()
        if self.state == "disconnected" and not allow_disconnected:
            raise ConfigurationError(
                _lt(
                    "The Shopify app was uninstalled from %(shop_domain)s on %(date)s; nothing is sent to Shopify.",
                    shop_domain=self.shop_domain,
                    date=self.disconnected_at,
                ),
                fix=_lt(
                    "Reinstall the app in Shopify, update the credentials if they changed, then press Test connection."
                ),
            )
        refresher = self._refresh_access_token if self.auth_mode == "client_credentials" else None
        return ShopifyClient(
            self.shop_domain,
            self.api_version,
            self._valid_access_token(),
            base_url=self.api_base_url,
            token_refresher=refresher,
        )

    # -- buttons -----------------------------------------------------------------------------

    def _check_group(self, group=MANAGER_GROUP):
        """Buttons are hidden from users outside ``group``; this refuses the same call over RPC."""
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(
                self.env._("This action is reserved to %(group)s.", group=self.env.ref(group).sudo().name)
            )

    def action_test_connection(self):
        """Call the `shop` query and show the store, or the exact error and its fix."""
        self.ensure_one()
        self._check_group()
        job = self.env["shopify.sync.job"].sudo()._create_outbound(self, "connection", "connection/test")
        err = self._check_connection()
        if err:
            job._mark_failed(err.category, err.message, err.fix)
        else:
            job._mark_done(summary=self.last_check_message)
        return True

    def _check_connection(self):
        """Call the `shop` query and store what Shopify says. Returns the error, or None when connected.

        Only a real problem (credentials, scopes, a frozen or unknown shop) takes the store out of
        service; a network error or a busy Shopify leaves its state as it was."""
        self.ensure_one()
        backend = self.sudo()
        now = fields.Datetime.now()
        try:
            data = self._get_client(allow_disconnected=True).execute(queries.SHOP_INFO)
        except SyncError as err:
            values = {"last_check_date": now, "last_check_message": str(err)}
            if err.category != TRANSIENT:
                values["state"] = "error"
            backend.write(values)
            return err
        shop = data.get("shop") or {}
        scopes = [s["handle"] for s in (data.get("currentAppInstallation") or {}).get("accessScopes", [])]
        backend.write(
            {
                "state": "connected",
                "disconnected_at": False,
                "connection_failures": 0,
                "connection_retry_at": False,
                "shop_name": shop.get("name"),
                "shop_plan": (shop.get("plan") or {}).get("displayName"),
                "shop_currency": shop.get("currencyCode"),
                "granted_scopes": ",".join(scopes),
                "last_check_date": now,
            }
        )
        message = self.env._(
            "Connected to %(shop)s (%(plan)s, %(currency)s).",
            shop=backend.shop_name,
            plan=backend.shop_plan,
            currency=backend.shop_currency,
        )
        if backend.missing_scopes:
            message += " " + self.env._("Missing access scopes: %(scopes)s.", scopes=backend.missing_scopes)
        backend.last_check_message = message
        # The credential problem found earlier is solved: its failed job is no longer work to do.
        self.env["shopify.sync.job"].sudo().search(
            [
                ("backend_id", "=", self.id),
                ("topic", "=", CONNECTION_CHECK_TOPIC),
                ("state", "=", "failed"),
            ]
        )._mark_done(summary=message)
        return None

    def _connection_trouble(self, err):
        """A scheduled renewal or check failed. Transient: note it, keep the store in service.
        Otherwise: state error, the next check after a growing wait, and one failed job (not one per
        run) with the category and fix, so the problem is in Failed jobs and in the digest."""
        self.ensure_one()
        backend = self.sudo()
        now = fields.Datetime.now()
        if err.category == TRANSIENT:
            values = {"last_check_date": now, "last_check_message": str(err)}
            if backend.state == "error":
                values["connection_retry_at"] = now + RETRY_BACKOFF_FIRST
            backend.write(values)
            return
        failures = backend.connection_failures + 1
        backend.write(
            {
                "state": "error",
                "connection_failures": failures,
                "connection_retry_at": now + min(RETRY_BACKOFF_FIRST * 2 ** (failures - 1), RETRY_BACKOFF_MAX),
                "last_check_date": now,
                "last_check_message": str(err),
            }
        )
        Job = self.env["shopify.sync.job"].sudo()
        job = Job.search(
            [("backend_id", "=", self.id), ("topic", "=", CONNECTION_CHECK_TOPIC), ("state", "=", "failed")], limit=1
        )
        if not job:
            job = Job._create_outbound(self, "connection", CONNECTION_CHECK_TOPIC, ref=backend.name)
        job.attempts += 1
        job._mark_failed(err.category, err.message, err.fix)

    def _webhook_callback_url(self):
        base = self.webhook_base_url or self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        return (base or "").rstrip("/") + "/shopify/webhook"

    def _webhook_topics(self):
        """Topics this backend subscribes to: the handled topics of its enabled workflows."""
        self.ensure_one()
        workflows = set(self._enabled_workflows()) | {"connection"}
        return [
            topic
            for topic in registry.registered_topics()
            if topic not in COMPLIANCE_TOPICS and registry.handler_for(topic).workflow in workflows
        ]

    def action_register_webhooks(self):
        """Create the missing webhook subscriptions; existing ones are left alone (idempotent)."""
        self.ensure_one()
        self._check_group()
        job = self.env["shopify.sync.job"].sudo()._create_outbound(self, "connection", "webhooks/register")
        try:
            created, existing = self._register_webhooks()
        except SyncError as err:
            self.sudo().last_check_message = str(err)
            job._mark_failed(err.category, err.message, err.fix)
            return True
        message = self.env._(
            "Webhooks: %(created)s created, %(existing)s already registered.",
            created=len(created),
            existing=len(existing),
        )
        self.sudo().last_check_message = message
        job._mark_done(summary=message)
        return True

    @staticmethod
    def _present_subscriptions(client):
        """(topic enum, uri) of every webhook subscription the app has in Shopify."""
        present = set()
        after = None
        while True:
            page = client.execute(queries.WEBHOOK_SUBSCRIPTIONS, {"after": after})["webhookSubscriptions"]
            present |= {(node["topic"], node["uri"]) for node in page["nodes"]}
            if not page["pageInfo"]["hasNextPage"]:
                return present
            after = page["pageInfo"]["endCursor"]

    def _check_webhook_subscriptions(self):
        """Compare the subscriptions in Shopify with the expected ones (store health); returns the
        missing topics. Shopify removes a subscription whose deliveries keep failing."""
        self.ensure_one()
        uri = self._webhook_callback_url()
        present = self._present_subscriptions(self._get_client())
        missing = [topic for topic in self._webhook_topics() if (registry.topic_to_enum(topic), uri) not in present]
        self.sudo().write(
            {"webhook_missing_topics": ", ".join(missing) or False, "webhook_checked_at": fields.Datetime.now()}
        )
        return missing

    def _register_webhooks(self):
        client = self._get_client()
        uri = self._webhook_callback_url()
        present = self._present_subscriptions(client)
        created, existing = [], []
        for topic in self._webhook_topics():
            enum = registry.topic_to_enum(topic)
            if (enum, uri) in present:
                existing.append(topic)
                continue
            answer = client.execute(queries.WEBHOOK_SUBSCRIPTION_CREATE, {"topic": enum, "uri": uri})
            errors = answer["webhookSubscriptionCreate"]["userErrors"]
            if errors:
                raise ConfigurationError(
                    _lt(
                        "Shopify refused the %(topic)s subscription to %(uri)s: %(errors)s",
                        topic=topic,
                        uri=uri,
                        errors="; ".join(e["message"] for e in errors),
                    ),
                    fix=_lt("Check the public Odoo URL on the backend (Shopify needs HTTPS)."),
                )
            created.append(topic)
        self.sudo().write({"webhook_missing_topics": False, "webhook_checked_at": fields.Datetime.now()})
        return created, existing

    def action_open_jobs(self):
        self.ensure_one()
        self._check_group(USER_GROUP)
        action = self.env["ir.actions.act_window"]._for_xml_id("shopify_sync.action_sync_job")
        action["domain"] = [("backend_id", "=", self.id)]
        action["context"] = {"search_default_failed": 1}
        return action

    # -- scheduled ---------------------------------------------------------------------------

    @api.model
    def _in_service_domain(self):
        """Stores the scheduled actions work for: a store in error too, so a problem shows as failed
        jobs instead of silence (only an uninstalled app or an unchecked store stops them)."""
        return [("state", "in", ("connected", "error"))]

    @api.model
    def _cron_refresh_tokens(self):
        """Renew client-credentials tokens before they expire, so no job ever meets a dead one, and
        check stores in error again (with a growing wait) until they are connected."""
        now = fields.Datetime.now()
        Backend = self.sudo()
        due = Backend.search(
            [
                ("auth_mode", "=", "client_credentials"),
                ("state", "not in", ("disconnected", "error")),
                "|",
                ("token_expires_at", "=", False),
                ("token_expires_at", "<=", now + TOKEN_RENEW_MARGIN),
            ]
        )
        for backend in due:
            try:
                backend._refresh_access_token()
            except SyncError as err:
                _logger.warning("Shopify token renewal failed for %s: %s", backend.shop_domain, err)
                backend._connection_trouble(err)
        to_check = Backend.search(
            [
                ("state", "=", "error"),
                "|",
                ("connection_retry_at", "=", False),
                ("connection_retry_at", "<=", now),
            ]
        )
        for backend in to_check:
            err = backend._check_connection()
            if err:
                _logger.warning("Shopify store %s still unavailable: %s", backend.shop_domain, err)
                backend._connection_trouble(err)

    def _mark_disconnected(self):
        """app/uninstalled: drop the dead token and cancel outbound work that can no longer run."""
        self.sudo().write(
            {
                "state": "disconnected",
                "disconnected_at": fields.Datetime.now(),
                "access_token": False,
                "token_expires_at": False,
            }
        )
        pending = (
            self.env["shopify.sync.job"]
            .sudo()
            .search(
                [
                    ("backend_id", "in", self.ids),
                    ("direction", "=", "out"),
                    ("state", "=", "queued"),
                ]
            )
        )
        pending._cancel("The Shopify app was uninstalled from the store.")
        return pending

    def unlink(self):
        if self.env["shopify.sync.job"].sudo().search_count([("backend_id", "in", self.ids)], limit=1):
            raise UserError(self.env._("Archive this backend instead: its sync jobs are the audit trail."))
        return super().unlink()
