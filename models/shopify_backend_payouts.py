from datetime import timedelta

from odoo import api, fields, models

from ..lib import payout_mapping as plan

# The daily import reads again a few days before the last run: a payout issued then can still
# change status (SCHEDULED -> PAID or FAILED) afterwards.
PAYOUT_IMPORT_OVERLAP = timedelta(days=7)
PAYOUT_FIRST_IMPORT_DAYS = 30

_ACCOUNT_DOMAIN = "[('company_ids', 'in', company_id)]"


class ShopifyBackendPayouts(models.Model):
    """Shopify Payments payouts settings of a store: where a payout's entry goes and which account
    each kind of balance transaction is booked on."""

    _inherit = "shopify.backend"

    payout_journal_id = fields.Many2one(
        "account.journal",
        string="Payout journal",
        check_company=True,
        domain="[('type', 'in', ('general', 'bank')), ('company_id', '=', company_id)]",
        help="Journal of the one entry booked per paid payout.",
    )
    payout_transit_account_id = fields.Many2one(
        "account.account",
        string="Bank / payouts in transit",
        check_company=True,
        domain=_ACCOUNT_DOMAIN,
        help="Receives each payout's net. Use a reconcilable 'payouts in transit' account: the deposit's "
        "bank statement line is then matched to it.",
    )
    payout_bank_journal_id = fields.Many2one(
        "account.journal",
        string="Bank journal of the deposits",
        check_company=True,
        domain="[('type', '=', 'bank'), ('company_id', '=', company_id)]",
        help="Bank journal whose statement lines are matched to payouts (reference and amount).",
    )
    payout_clearing_account_id = fields.Many2one(
        "account.account",
        string="Shopify Payments clearing",
        check_company=True,
        domain=_ACCOUNT_DOMAIN,
        help="The outstanding receipts/payments account of the Shopify Payments payment journal: charges "
        "and refunds are booked out of it and reconciled with their order payments.",
    )
    payout_fee_account_id = fields.Many2one(
        "account.account",
        string="Payment fees",
        check_company=True,
        domain=_ACCOUNT_DOMAIN,
        help="Expense account of Shopify Payments fees (transaction fees and dispute fees).",
    )
    payout_adjustment_account_id = fields.Many2one(
        "account.account",
        string="Adjustments",
        check_company=True,
        domain=_ACCOUNT_DOMAIN,
        help="Adjustments, shipping labels, billing debits and every other balance transaction type.",
    )
    payout_reserve_account_id = fields.Many2one(
        "account.account",
        string="Reserved funds",
        check_company=True,
        domain=_ACCOUNT_DOMAIN,
        help="Funds Shopify holds back (a receivable from Shopify until released).",
    )
    payout_dispute_account_id = fields.Many2one(
        "account.account",
        string="Chargebacks",
        check_company=True,
        domain=_ACCOUNT_DOMAIN,
        help="Disputed amounts withdrawn and returned; what remains for a lost dispute is the loss.",
    )
    payout_currency_account_id = fields.Many2one(
        "account.account",
        string="Currency difference",
        check_company=True,
        domain=_ACCOUNT_DOMAIN,
        help="Rounding of a payout in another currency than the company's, converted line by line.",
    )
    payout_last_import_at = fields.Datetime(
        string="Last payout import",
        readonly=True,
        copy=False,
        help="Payouts issued before this moment (less a week, re-read for status changes) are in Odoo.",
    )
    payout_count = fields.Integer(compute="_compute_payout_count")

    def _compute_payout_count(self):
        groups = self.env["shopify.sync.payout"]._read_group(
            [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
        )
        counts = {backend.id: count for backend, count in groups}
        for backend in self:
            backend.payout_count = counts.get(backend.id, 0)

    def _payout_accounts(self):
        """Route (lib.payout_mapping) -> account of this store."""
        self.ensure_one()
        return {
            plan.BANK: self.payout_transit_account_id,
            plan.CLEARING: self.payout_clearing_account_id,
            plan.FEE: self.payout_fee_account_id,
            plan.ADJUSTMENT: self.payout_adjustment_account_id,
            plan.RESERVE: self.payout_reserve_account_id,
            plan.DISPUTE: self.payout_dispute_account_id,
            plan.CURRENCY: self.payout_currency_account_id,
        }

    def _start_payout_import(self, date_from, date_to=None):
        """Queue the first page of an import of payouts issued in [date_from, date_to] (dates)."""
        self.ensure_one()
        params = {
            "since": fields.Date.to_string(date_from),
            "until": fields.Date.to_string(date_to) if date_to else None,
            "page": 1,
        }
        params["label"] = f"{params['since']} to {params['until'] or 'today'}"
        job = (
            self.env["shopify.sync.job"]
            .sudo()
            ._create_outbound(self, "payout", "payouts/import", payload=params, ref=params["label"])
        )
        job._enqueue()
        return job

    @api.model
    def _cron_import_payouts(self, now=None):
        """Daily: payouts issued since the last import (less the overlap) for every store with
        the Payouts workflow on; then the bank statement matching of booked payouts."""
        now = now or fields.Datetime.now()
        Job = self.env["shopify.sync.job"].sudo()
        for backend in self.search([("sync_payouts", "=", True), *self._in_service_domain()]):
            if Job.search_count(
                [("backend_id", "=", backend.id), ("topic", "=", "payouts/import"), ("state", "=", "queued")], limit=1
            ):
                continue
            since = (
                backend.payout_last_import_at - PAYOUT_IMPORT_OVERLAP
                if backend.payout_last_import_at
                else now - timedelta(days=PAYOUT_FIRST_IMPORT_DAYS)
            )
            backend._start_payout_import(since.date())
        self.env["shopify.sync.payout"].sudo().search(
            [
                ("move_id", "!=", False),
                "|",
                ("bank_statement_line_id", "=", False),
                ("bank_statement_line_id.is_reconciled", "=", False),
            ]
        )._match_bank_statement_lines()

    def action_open_payout_import(self):
        self.ensure_one()
        self._check_group()
        return {
            "type": "ir.actions.act_window",
            "res_model": "shopify.sync.payout.import",
            "view_mode": "form",
            "target": "new",
            "context": {"default_backend_id": self.id},
        }

    def action_open_payouts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("shopify_sync.action_payouts")
        action["domain"] = [("backend_id", "=", self.id)]
        return action
