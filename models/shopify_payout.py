import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

PAYOUT_STATUSES = [
    ("SCHEDULED", "Scheduled"),
    ("IN_TRANSIT", "In transit"),
    ("PAID", "Paid"),
    ("FAILED", "Failed"),
    ("CANCELED", "Cancelled"),
]
DISPUTE_STATUSES = [
    ("NEEDS_RESPONSE", "Needs response"),
    ("UNDER_REVIEW", "Under review"),
    ("CHARGE_REFUNDED", "Charge refunded"),
    ("ACCEPTED", "Accepted"),
    ("WON", "Won"),
    ("LOST", "Lost"),
    ("PREVENTED", "Prevented"),
]


class ShopifySyncPayout(models.Model):
    """One Shopify Payments payout: a bank deposit (or withdrawal) netting balance transactions.

    Imported again and again (daily, or a period on demand) under its GID: a status change
    (SCHEDULED -> PAID or FAILED) updates this record. A paid payout gets one posted entry."""

    _name = "shopify.sync.payout"
    _description = "Shopify Payments payout"
    _order = "issued_at desc, id desc"

    name = fields.Char(required=True, readonly=True)
    backend_id = fields.Many2one(
        "shopify.backend", string="Store", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    shopify_gid = fields.Char(string="Shopify ID", required=True, readonly=True)
    legacy_id = fields.Char(string="Payout number", readonly=True, index=True)
    reference = fields.Char(
        readonly=True,
        help="The bank's trace ID when Shopify has it, else the payout number: what "
        "the bank statement line of the deposit is matched on.",
    )
    status = fields.Selection(PAYOUT_STATUSES, readonly=True, index=True)
    transaction_type = fields.Selection([("DEPOSIT", "Deposit"), ("WITHDRAWAL", "Withdrawal")], readonly=True)
    issued_at = fields.Datetime(readonly=True)
    date = fields.Date(readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    net_amount = fields.Monetary(string="Net", readonly=True)
    gross_amount = fields.Monetary(string="Gross", readonly=True, help="Sum of the transactions' amounts.")
    fee_amount = fields.Monetary(string="Fees", readonly=True)
    summary = fields.Text(string="Shopify summary", readonly=True)
    payload = fields.Text(readonly=True, help="The payout as Shopify sent it: the booking reads its exact net here.")
    line_ids = fields.One2many("shopify.sync.payout.line", "payout_id", string="Transactions", readonly=True)
    line_count = fields.Integer(compute="_compute_line_count")
    move_id = fields.Many2one("account.move", string="Journal entry", readonly=True, copy=False, index="btree_not_null")
    reconciled = fields.Boolean(
        readonly=True, help="Every charge and refund of the payout is reconciled with its Odoo payment."
    )
    open_line_count = fields.Integer(
        string="Waiting for Odoo", readonly=True, help="Charges and refunds whose order or payment is not in Odoo yet."
    )
    bank_statement_line_id = fields.Many2one(
        "account.bank.statement.line", string="Bank statement line", readonly=True, copy=False
    )
    returned_in_payout_id = fields.Many2one(
        "shopify.sync.payout",
        string="Returned in payout",
        readonly=True,
        help="A failed payout's money came back to the balance and was paid out with this payout.",
    )
    drift = fields.Char(
        compute="_compute_drift",
        store=True,
        help="Why this paid payout is not settled in Odoo: no entry, an entry changed since (not posted, "
        "bank line not the payout's net), transactions not reconciled, no bank statement line.",
    )
    needs_attention = fields.Boolean(compute="_compute_drift", store=True, index=True)

    _gid_unique = models.Constraint("UNIQUE(backend_id, shopify_gid)", "This payout is already imported.")

    def _compute_line_count(self):
        for payout in self:
            payout.line_count = len(payout.line_ids)

    @api.depends(
        "status",
        "net_amount",
        "reconciled",
        "open_line_count",
        "bank_statement_line_id",
        "bank_statement_line_id.is_reconciled",
        "move_id.state",
        "move_id.line_ids.amount_currency",
        "move_id.line_ids.account_id",
    )
    def _compute_drift(self):
        for payout in self:
            payout.drift = payout._drift_reason() if payout.status == "PAID" else False
            payout.needs_attention = bool(payout.drift)

    def _drift_reason(self):
        move = self.move_id
        if not move:
            return self.env._("No journal entry")
        if move.state != "posted":
            return self.env._("Entry %(entry)s is not posted", entry=move.name)
        transit = move.line_ids.filtered(lambda line: line.account_id == self.backend_id.payout_transit_account_id)
        booked = sum(transit.mapped("amount_currency"))
        if self.currency_id.compare_amounts(booked, self.net_amount) != 0:
            return self.env._(
                "Entry %(entry)s books %(booked)s on the bank, the payout's net is %(net)s",
                entry=move.name,
                booked=booked,
                net=self.net_amount,
            )
        if not self.reconciled:
            return self.env._("%(count)s transaction(s) not reconciled", count=self.open_line_count)
        if not self.bank_statement_line_id:
            return self.env._("No bank statement line")
        if not self.bank_statement_line_id.is_reconciled:
            return self.env._(
                "Bank statement line %(line)s is no longer reconciled", line=self.bank_statement_line_id.display_name
            )
        return False

    def _summary_dict(self):
        self.ensure_one()
        return json.loads(self.summary or "{}")

    def _jobs(self):
        return self.env["shopify.sync.job"].search(
            [
                ("backend_id", "in", self.backend_id.ids),
                ("shopify_gid", "in", self.mapped("shopify_gid")),
                ("workflow", "=", "payout"),
            ]
        )

    def _check_can_operate(self):
        """Shopify users (accountants among them) book and reconcile through jobs, like a Retry."""
        if not self.env.user.has_group("shopify_sync.group_shopify_user"):
            raise AccessError(self.env._("Only Shopify users and managers can book or match payouts."))
        self.check_access("read")

    def action_book(self):
        """Queue the booking (or the reconciliation, once booked) of paid payouts, as the import does."""
        self._check_can_operate()
        for payout in self.sudo().filtered(lambda p: p.status == "PAID"):
            payout._queue_job("payouts/reconcile" if payout.move_id else "payouts/book")
        return True

    def action_match_bank_statement(self):
        self._check_can_operate()
        self.env["account.bank.statement.line"].check_access("write")
        matched = self.sudo()._match_bank_statement_lines()
        if not matched:
            raise UserError(
                self.env._(
                    "No unreconciled bank statement line with this net amount and the payout's reference "
                    "(or 'Shopify' and no other candidate) in the payouts bank journal."
                )
            )
        return True

    def _queue_job(self, topic):
        """The payout's job for ``topic``: a queued or failed one is reused (and retried), so a
        daily import never stacks copies; else a new one."""
        self.ensure_one()
        Job = self.env["shopify.sync.job"].sudo()
        job = Job.search(
            [
                ("backend_id", "=", self.backend_id.id),
                ("topic", "=", topic),
                ("shopify_gid", "=", self.shopify_gid),
                ("state", "in", ("queued", "failed")),
            ],
            limit=1,
        )
        if job.state == "failed":  # e.g. reconciliation waiting for an order: try again now
            job.write({"failure_category": False, "error_message": False, "fix_hint": False, "date_done": False})
            job._enqueue()
        elif not job:
            job = Job._create_outbound(self.backend_id, "payout", topic, ref=self.name, gid=self.shopify_gid)
            job._enqueue()
        return job

    def _match_bank_statement_lines(self):
        """Match booked payouts with their deposits in the payouts bank journal: an unreconciled
        statement line of the payout's net (within 3 days before and 10 after the payout) whose label
        holds the payout's bank reference or number. Failing that, a line saying "Shopify" is taken
        only when it is the sole such line and no other open payout has the same net. The statement
        line's suspense counterpart moves to the payouts-in-transit account and is reconciled with
        the payout entry's line there. Returns the payouts matched."""
        todo = {}
        for payout in self.filtered(lambda p: p.move_id and not p.bank_statement_line_id.is_reconciled):
            backend = payout.backend_id
            journal = backend.payout_bank_journal_id
            transit = payout.move_id.line_ids.filtered(
                lambda line, backend=backend: (
                    line.account_id == backend.payout_transit_account_id and not line.reconciled
                )
            )[:1]
            if journal and transit and transit.currency_id == (journal.currency_id or journal.company_id.currency_id):
                todo[payout] = (journal, transit)

        def candidates(payout):
            journal, transit = todo[payout]
            lines = self.env["account.bank.statement.line"].search(
                [
                    ("journal_id", "=", journal.id),
                    ("is_reconciled", "=", False),
                    ("date", ">=", fields.Date.subtract(payout.date, days=3)),
                    ("date", "<=", fields.Date.add(payout.date, days=10)),
                ]
            )
            return lines.filtered(lambda st: st.currency_id.compare_amounts(st.amount, transit.amount_currency) == 0)

        matched = self.browse()
        for payout in todo:  # first pass: the reference is on the statement line
            tokens = [t for t in (payout.reference, payout.legacy_id) if t]
            found = candidates(payout).filtered(
                lambda st, tokens=tokens: any(t in (st.payment_ref or "") for t in tokens)
            )[:1]
            if found:
                payout._reconcile_with_statement_line(found, todo[payout][1])
                matched |= payout
        for payout in todo:  # second pass: an unambiguous "Shopify" deposit
            if payout in matched:
                continue
            found = candidates(payout).filtered(lambda st: "shopify" in (st.payment_ref or "").lower())
            same_net = [
                other
                for other in todo
                if other not in matched
                and other.currency_id == payout.currency_id
                and other.currency_id.compare_amounts(other.net_amount, payout.net_amount) == 0
            ]
            if len(found) == 1 and len(same_net) == 1:
                payout._reconcile_with_statement_line(found, todo[payout][1])
                matched |= payout
        return matched

    def _reconcile_with_statement_line(self, st_line, transit_line):
        _liquidity, suspense, _other = st_line._seek_for_lines()
        suspense.account_id = transit_line.account_id
        (suspense | transit_line).reconcile()
        self.bank_statement_line_id = st_line

    @api.model
    def action_open_clearing_balance(self):
        """What the clearing accounts still hold: payments not paid out yet, grouped by month."""
        accounts = self.env["shopify.backend"].search([]).payout_clearing_account_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Shopify Payments clearing balance by age"),
            "res_model": "account.move.line",
            "view_mode": "list,pivot",
            "domain": [("account_id", "in", accounts.ids), ("reconciled", "=", False), ("parent_state", "=", "posted")],
            "context": {"group_by": ["date:month"]},
        }

    def action_open_move(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
        }

    def action_open_jobs(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("shopify_sync.action_sync_job")
        action["domain"] = [("id", "in", self._jobs().ids)]
        action["context"] = {}
        return action


class ShopifySyncPayoutLine(models.Model):
    """One balance transaction of a payout (a charge, refund, fee, dispute, reserve...)."""

    _name = "shopify.sync.payout.line"
    _description = "Shopify Payments balance transaction"
    _order = "payout_id, transaction_date, id"

    payout_id = fields.Many2one("shopify.sync.payout", required=True, ondelete="cascade", index=True)
    backend_id = fields.Many2one(related="payout_id.backend_id", store=True, index=True)
    company_id = fields.Many2one(related="payout_id.company_id", store=True)
    shopify_gid = fields.Char(string="Shopify ID", required=True, readonly=True)
    transaction_type = fields.Char(string="Type", readonly=True)
    source_type = fields.Char(readonly=True)
    source_id = fields.Char(readonly=True)
    order_transaction_id = fields.Char(
        string="Order transaction", readonly=True, help="Shopify ID of the order transaction this money belongs to."
    )
    order_gid = fields.Char(string="Shopify order ID", readonly=True)
    order_name = fields.Char(string="Order", readonly=True)
    transaction_date = fields.Datetime(readonly=True)
    currency_id = fields.Many2one(related="payout_id.currency_id")
    amount = fields.Monetary(readonly=True)
    fee = fields.Monetary(readonly=True)
    net = fields.Monetary(readonly=True)
    payload = fields.Text(
        readonly=True, help="The transaction as Shopify sent it: the booking reads its exact amounts here."
    )
    sale_order_id = fields.Many2one("sale.order", readonly=True)
    payment_id = fields.Many2one("account.payment", readonly=True)
    dispute_id = fields.Many2one("shopify.sync.dispute", readonly=True)
    move_line_id = fields.Many2one("account.move.line", string="Entry line", readonly=True)
    reconciled = fields.Boolean(readonly=True)
    issue = fields.Char(readonly=True, help="Why this line is not reconciled yet, and what to do.")

    _gid_unique = models.Constraint("UNIQUE(payout_id, shopify_gid)", "This transaction is already on the payout.")

    def _payload_json(self):
        self.ensure_one()
        return json.loads(self.payload or "{}")


class ShopifySyncDispute(models.Model):
    """A Shopify Payments dispute (chargeback or inquiry), kept current by the disputes/create and
    disputes/update webhooks and the payout import."""

    _name = "shopify.sync.dispute"
    _description = "Shopify Payments dispute"
    _order = "initiated_at desc, id desc"

    name = fields.Char(required=True, readonly=True)
    backend_id = fields.Many2one(
        "shopify.backend", string="Store", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    shopify_gid = fields.Char(string="Shopify ID", required=True, readonly=True)
    kind = fields.Selection([("CHARGEBACK", "Chargeback"), ("INQUIRY", "Inquiry")], string="Type", readonly=True)
    status = fields.Selection(DISPUTE_STATUSES, readonly=True, index=True)
    reason = fields.Char(readonly=True)
    network_reason_code = fields.Char(readonly=True)
    order_gid = fields.Char(string="Shopify order ID", readonly=True)
    order_name = fields.Char(string="Order", readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(readonly=True)
    initiated_at = fields.Datetime(readonly=True)
    evidence_due_by = fields.Datetime(readonly=True)
    evidence_sent_on = fields.Datetime(readonly=True)
    finalized_on = fields.Datetime(readonly=True)
    last_event_at = fields.Datetime(readonly=True, help="Time of the newest Shopify event applied.")
    line_ids = fields.One2many("shopify.sync.payout.line", "dispute_id", string="Payout transactions")

    _gid_unique = models.Constraint("UNIQUE(backend_id, shopify_gid)", "This dispute is already recorded.")


class ShopifySyncPayoutImport(models.TransientModel):
    """Import the payouts (and disputes) Shopify issued during a period."""

    _name = "shopify.sync.payout.import"
    _description = "Import Shopify payouts of a period"

    backend_id = fields.Many2one("shopify.backend", string="Store", required=True)
    date_from = fields.Date(
        string="Issued from", required=True, default=lambda self: fields.Date.subtract(fields.Date.today(), days=30)
    )
    date_to = fields.Date(string="Issued up to", help="Empty: up to today.")

    def action_start(self):
        self.ensure_one()
        if self.date_to and self.date_to < self.date_from:
            raise UserError(self.env._("'Issued up to' must not be before 'Issued from'."))
        job = self.backend_id._start_payout_import(self.date_from, self.date_to)
        return {
            "type": "ir.actions.act_window",
            "res_model": "shopify.sync.job",
            "view_mode": "list,form",
            "domain": [("backend_id", "=", self.backend_id.id), ("workflow", "=", "payout"), ("id", ">=", job.id)],
            "name": self.env._("Payout import"),
        }
