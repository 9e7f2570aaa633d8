"""Shopify Payments payouts: import from the stand-in's Shopify Payments account, one balanced entry
per paid payout in Shopify's exact amounts, reconciliation with the payments bound to Shopify order
transactions, failed and retried payouts, another currency, disputes, bank statement matching."""

from datetime import date
from decimal import Decimal

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..lib import payout_mapping as plan
from ..lib.errors import ConfigurationError, DataError
from .common import ShopifyCase
from .shopify_reference import webhook_example
from .shopify_standin import PaymentsLedger

CENT = Decimal("0.01")


def dec(value):
    return Decimal(str(value)).quantize(CENT)


@tagged("post_install", "-at_install")
class TestPayouts(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company = cls.setup_books_company("Payout Books")
        Account = cls.env["account.account"]

        def account(code, name, kind, reconcile=False):
            return Account.create(
                {"code": code, "name": name, "account_type": kind, "reconcile": reconcile, "company_ids": [company.id]}
            )

        cls.clearing = account("SHPCLR", "Shopify Payments clearing", "asset_current", True)
        cls.transit = account("SHPTRN", "Shopify payouts in transit", "asset_current", True)
        cls.fees = account("SHPFEE", "Shopify Payments fees", "expense")
        cls.adjustments = account("SHPADJ", "Shopify adjustments", "expense")
        cls.reserve = account("SHPRSV", "Shopify reserved funds", "asset_current")
        cls.chargebacks = account("SHPCHB", "Chargebacks", "expense")
        cls.rounding = account("SHPFX", "Payout currency difference", "expense")
        Journal = cls.env["account.journal"]
        cls.payout_journal = Journal.create(
            {"name": "Shopify payouts", "code": "SHPO", "type": "general", "company_id": company.id}
        )
        # The journal the order payments are registered in (gateway shopify_payments): its
        # outstanding accounts are the clearing account.
        cls.payments_journal = Journal.create(
            {"name": "Shopify Payments", "code": "SHPP", "type": "bank", "company_id": company.id}
        )
        (
            cls.payments_journal.inbound_payment_method_line_ids | cls.payments_journal.outbound_payment_method_line_ids
        ).payment_account_id = cls.clearing
        cls.bank_journal = Journal.create(
            {"name": "Main bank", "code": "BNKP", "type": "bank", "company_id": company.id}
        )
        cls.backend.write(
            {
                "state": "connected",
                "sync_payouts": True,
                "payout_journal_id": cls.payout_journal.id,
                "payout_transit_account_id": cls.transit.id,
                "payout_bank_journal_id": cls.bank_journal.id,
                "payout_clearing_account_id": cls.clearing.id,
                "payout_fee_account_id": cls.fees.id,
                "payout_adjustment_account_id": cls.adjustments.id,
                "payout_reserve_account_id": cls.reserve.id,
                "payout_dispute_account_id": cls.chargebacks.id,
                "payout_currency_account_id": cls.rounding.id,
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Shopify customer"})
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True

    def setUp(self):
        super().setUp()
        self.ledger = PaymentsLedger(self.standin, currency="USD")
        self.addCleanup(self.standin.root.clear)
        self.order_number = 1000

    # -- helpers -----------------------------------------------------------------------------

    def pay(self, order_transaction_id, amount, outbound=False, currency=None, when="2026-11-18"):
        """The payment books (issue 15) makes for a Shopify order transaction, bound to it."""
        payment = self.env["account.payment"].create(
            {
                "payment_type": "outbound" if outbound else "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": float(Decimal(amount)),
                "date": when,
                "journal_id": self.payments_journal.id,
                "currency_id": (currency or self.company.currency_id).id,
            }
        )
        payment.action_post()
        self.env["shopify.binding"]._bind(
            self.backend, f"gid://shopify/OrderTransaction/{order_transaction_id}", payment
        )
        return payment

    def charge(self, amount, fee, paid=True, currency=None, when="2026-11-18"):
        """A Shopify Payments charge of a new order, and (``paid``) its payment in Odoo."""
        self.order_number += 1
        tx_id = 70000 + self.order_number
        if paid:
            self.pay(tx_id, amount, currency=currency, when=when)
        return self.ledger.transaction(
            "CHARGE",
            amount,
            fee,
            order=(self.order_number, f"#{self.order_number}"),
            order_transaction_id=tx_id,
            currency=currency and currency.name,
        )

    def dispute_move(self, kind, amount, order_number, dispute_id, fee="0.00"):
        """A payout's ``kind`` of transaction of Shopify's dispute ``dispute_id`` on order ``order_number``:
        the disputed amount withdrawn (with its fee) or given back."""
        order = (order_number, f"#{order_number}")
        return self.ledger.transaction(kind, amount, fee, order=order, source_type="DISPUTE", source_id=dispute_id)

    def refund(self, amount, currency=None):
        self.order_number += 1
        tx_id = 80000 + self.order_number
        self.pay(tx_id, amount, outbound=True, currency=currency)
        return self.ledger.transaction(
            "REFUND",
            f"-{amount}",
            "0.00",
            order=(self.order_number, f"#{self.order_number}"),
            order_transaction_id=tx_id,
            currency=currency and currency.name,
        )

    def import_payouts(self, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30)):
        wizard = self.env["shopify.sync.payout.import"].create(
            {"backend_id": self.backend.id, "date_from": date_from, "date_to": date_to}
        )
        wizard.action_start()
        self.run_payout_jobs()

    def run_payout_jobs(self):
        for _round in range(20):
            queued = self.jobs(workflow="payout", state="queued")
            if not queued:
                return
            for job in queued:
                self.perform(job)
        self.fail("payout jobs keep queueing jobs")

    def payout(self, node):
        return self.env["shopify.sync.payout"].search(
            [("backend_id", "=", self.backend.id), ("shopify_gid", "=", node["id"])]
        )

    def lines_on(self, move, account):
        return move.line_ids.filtered(lambda line: line.account_id == account)

    def total(self, lines, field="balance"):
        return sum((dec(value) for value in lines.mapped(field)), Decimal("0"))

    def account_balance(self, account):
        lines = self.env["account.move.line"].search([("account_id", "=", account.id), ("parent_state", "=", "posted")])
        return self.total(lines)

    def twenty_transactions(self):
        transactions = [
            self.charge(f"{100 + 7 * n}.{(13 * n) % 100:02d}", f"{3 + n % 4}.{(29 * n) % 100:02d}") for n in range(12)
        ]
        transactions += [self.refund("24.50"), self.refund("9.99"), self.refund("130.00")]
        ledger = self.ledger
        transactions += [
            ledger.transaction("RESERVED_FUNDS", "-50.00"),
            ledger.transaction("RESERVED_FUNDS_REVERSAL", "20.00"),
            ledger.transaction("SHIPPING_LABEL", "-7.45"),
            ledger.transaction("ADJUSTMENT", "2.10", "0.00"),
            self.dispute_move("DISPUTE_WITHDRAWAL", "-45.00", 999, 4242, fee="15.00"),
        ]
        return transactions

    # -- booking -------------------------------------------------------------------------------

    def test_paid_payout_of_20_transactions_books_one_entry_equal_to_shopify_and_clears(self):
        node = self.ledger.payout(self.twenty_transactions(), issued_at="2026-11-20T09:00:00Z")
        self.import_payouts()

        payout = self.payout(node)
        self.assertEqual((payout.status, len(payout.line_ids)), ("PAID", 20))
        move = payout.move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.journal_id, self.payout_journal)
        self.assertEqual(move.date, date(2026, 11, 20))
        self.assertIn(payout.reference, move.ref)
        self.assertEqual(self.total(move.line_ids, "debit"), self.total(move.line_ids, "credit"))

        summary = {name: Decimal(money["amount"]) for name, money in node["summary"].items()}
        self.assertEqual(self.total(self.lines_on(move, self.transit)), Decimal(node["net"]["amount"]))
        self.assertEqual(dec(payout.net_amount), Decimal(node["net"]["amount"]))
        self.assertEqual(
            -self.total(self.lines_on(move, self.clearing)), summary["chargesGross"] + summary["refundsFeeGross"]
        )
        fees = sum((summary[name] for name in summary if name.endswith(("Fee", "Fees"))), Decimal("0"))
        self.assertEqual(self.total(self.lines_on(move, self.fees)), fees)
        self.assertEqual(-self.total(self.lines_on(move, self.reserve)), summary["reservedFundsGross"])
        self.assertEqual(self.total(self.lines_on(move, self.chargebacks)), Decimal("45.00"))
        self.assertEqual(-self.total(self.lines_on(move, self.adjustments)), Decimal("2.10") - Decimal("7.45"))
        self.assertFalse(self.lines_on(move, self.rounding), "same currency: no currency difference line")

        # Every charge and refund reconciled with its payment: the clearing account is back to zero.
        self.assertTrue(payout.reconciled)
        self.assertEqual(payout.open_line_count, 0)
        self.assertTrue(all(self.lines_on(move, self.clearing).mapped("reconciled")))
        self.assertEqual(self.account_balance(self.clearing), Decimal("0"))
        clearing_lines = payout.line_ids.filtered(lambda line: line.transaction_type in ("CHARGE", "REFUND"))
        self.assertEqual(len(clearing_lines.payment_id), 15)
        self.assertEqual(self.jobs(topic="payouts/book").mapped("state"), ["done"])
        self.assertFalse(self.jobs(topic="payouts/reconcile"))

    def test_importing_the_same_range_twice_changes_nothing(self):
        node = self.ledger.payout([self.charge("80.00", "2.62"), self.refund("10.00")])
        scheduled = self.ledger.payout(
            [self.charge("15.00", "0.74")], status="SCHEDULED", issued_at="2026-11-25T09:00:00Z"
        )
        self.import_payouts()
        payouts = self.env["shopify.sync.payout"].search([("backend_id", "=", self.backend.id)])

        def snapshot():
            payouts.invalidate_recordset()
            return (
                [(p.id, p.write_date, p.status, p.move_id.id) for p in payouts],
                [(line.id, line.write_date) for line in payouts.line_ids],
                self.env["account.move"].search_count([]),
                len(self.jobs(topic="payouts/book")),
                len(self.jobs(topic="payouts/reconcile")),
            )

        before = snapshot()
        self.import_payouts()
        self.assertEqual(snapshot(), before)
        self.assertEqual(len(payouts), 2)
        self.assertEqual(len(self.jobs(topic="payouts/import")), 2)
        self.assertIn("0 new, 0 updated, 2 unchanged", self.jobs(topic="payouts/import")[-1].result_summary)
        self.assertTrue(self.payout(node).move_id)

        # The scheduled payout is paid: the same record changes status and is booked, once.
        self.ledger.set_status(scheduled, "PAID")
        self.import_payouts()
        self.import_payouts()
        paid = self.payout(scheduled)
        self.assertIn(paid, payouts)
        self.assertEqual(paid.status, "PAID")
        self.assertEqual(paid.move_id.state, "posted")
        self.assertEqual(len(self.jobs(topic="payouts/book")), 2)
        self.assertEqual(self.env["account.move"].search_count([("journal_id", "=", self.payout_journal.id)]), 2)

    def test_failed_payout_updates_the_same_record_and_is_booked_with_its_retry(self):
        first = [self.charge("60.00", "2.04"), self.charge("40.00", "1.46")]
        failed_node = self.ledger.payout(first, status="SCHEDULED", issued_at="2026-11-10T09:00:00Z")
        self.import_payouts()
        failed = self.payout(failed_node)
        self.assertEqual((failed.status, failed.move_id.id), ("SCHEDULED", False))

        self.ledger.set_status(failed_node, "FAILED")  # the bank refused the deposit
        self.import_payouts()
        self.assertEqual(self.payout(failed_node), failed)
        self.assertEqual((failed.status, failed.move_id.id), ("FAILED", False))
        self.assertFalse(self.jobs(topic="payouts/book"))

        returned = self.ledger.transaction(
            "TRANSFER_FAILURE",
            failed_node["net"]["amount"],
            source_type="TRANSFER",
            source_id=failed_node["legacyResourceId"],
        )
        retry_node = self.ledger.payout([self.charge("25.00", "1.03"), returned], issued_at="2026-11-20T09:00:00Z")
        self.import_payouts()

        retry = self.payout(retry_node)
        move = retry.move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(failed.returned_in_payout_id, retry)
        self.assertEqual(self.total(self.lines_on(move, self.transit)), Decimal(retry_node["net"]["amount"]))
        # The failed payout's charges are booked (and cleared) with the payout that paid them out.
        self.assertEqual(-self.total(self.lines_on(move, self.clearing)), Decimal("125.00"))
        self.assertEqual(self.total(self.lines_on(move, self.fees)), Decimal("4.53"))
        self.assertTrue(retry.reconciled)
        self.assertTrue(all(failed.line_ids.mapped("reconciled")))
        self.assertEqual(self.account_balance(self.clearing), Decimal("0"))

    def test_payout_in_another_currency(self):
        self.ledger.currency = "EUR"
        early = self.ledger.payout(
            [self.charge("12.00", "0.65", currency=self.eur)], currency="EUR", issued_at="2026-11-05T09:00:00Z"
        )
        self.import_payouts()
        job = self.jobs(topic="payouts/book")
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertIn("No EUR rate on or before 2026-11-05", job.error_message)
        self.assertFalse(self.payout(early).move_id, "never converted at a made-up rate")
        self.env["res.currency.rate"].create(
            [
                {"currency_id": self.eur.id, "name": "2026-11-01", "rate": 0.9, "company_id": self.company.id},
                {"currency_id": self.eur.id, "name": "2026-11-20", "rate": 0.8, "company_id": self.company.id},
            ]
        )
        transactions = [
            self.charge("33.33", "1.27", currency=self.eur),
            self.charge("66.67", "2.23", currency=self.eur),
            self.charge("10.01", "0.59", currency=self.eur),
            self.refund("5.55", currency=self.eur),
        ]
        node = self.ledger.payout(transactions, currency="EUR", issued_at="2026-11-20T09:00:00Z")
        self.import_payouts()
        self.assertEqual(job.state, "done", "the daily import retried the booking once the rate exists")
        self.assertTrue(self.payout(early).reconciled)

        payout = self.payout(node)
        move = payout.move_id
        self.assertEqual(payout.currency_id, self.eur)
        self.assertEqual(move.state, "posted")
        self.assertEqual(self.total(move.line_ids, "debit"), self.total(move.line_ids, "credit"))
        bank = self.lines_on(move, self.transit)
        self.assertEqual(bank.currency_id, self.eur)
        self.assertEqual(self.total(bank, "amount_currency"), Decimal(node["net"]["amount"]))  # exact, in EUR
        self.assertEqual(
            self.total(bank), dec(Decimal(node["net"]["amount"]) * Decimal("1.25"))
        )  # at the payout's rate
        self.assertEqual(-self.total(self.lines_on(move, self.clearing), "amount_currency"), Decimal("104.46"))
        # Charges converted one by one: the cents rounding leaves go to the currency difference account.
        rounding = self.total(self.lines_on(move, self.rounding))
        self.assertEqual(rounding, -self.total(move.line_ids - self.lines_on(move, self.rounding)))
        self.assertLessEqual(abs(rounding), Decimal("0.05"))
        # Reconciled with the EUR payments booked at the earlier rate: nothing left in EUR or in USD
        # (Odoo books the exchange difference of the rate change).
        self.assertTrue(payout.reconciled)
        clearing = self.env["account.move.line"].search(
            [("account_id", "=", self.clearing.id), ("parent_state", "=", "posted")]
        )
        self.assertEqual(self.total(clearing, "amount_residual_currency"), Decimal("0"))
        self.assertEqual(self.account_balance(self.clearing), Decimal("0"))

    def test_payout_whose_order_arrives_later_is_reconciled_on_retry(self):
        late = self.charge("49.90", "1.75", paid=False)
        node = self.ledger.payout([self.charge("20.00", "0.88"), late])
        self.import_payouts()

        payout = self.payout(node)
        self.assertEqual(payout.move_id.state, "posted", "the entry does not wait for Odoo's orders")
        self.assertFalse(payout.reconciled)
        self.assertEqual(payout.open_line_count, 1)
        waiting = payout.line_ids.filtered("issue")
        self.assertEqual(waiting.order_name, late["associatedOrder"]["name"])
        self.assertIn("not in Odoo", waiting.issue)
        job = self.jobs(topic="payouts/reconcile")
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertIn(late["associatedOrder"]["name"], job.error_message)
        self.assertIn("Import those orders", job.fix_hint)
        self.assertEqual(self.account_balance(self.clearing), Decimal("49.90") * -1)
        aging = self.env["shopify.sync.payout"].action_open_clearing_balance()
        still_open = self.env["account.move.line"].search(aging["domain"])
        self.assertEqual(still_open, waiting.move_line_id, "the clearing balance report shows what is not cleared")

        # The daily import tries again: the same job, still failed, nothing stacked.
        self.import_payouts()
        self.assertEqual(self.jobs(topic="payouts/reconcile"), job)
        self.assertEqual(job.state, "failed")
        self.assertEqual(len(self.jobs(topic="payouts/book")), 1)

        # The order and its payment arrive (orders/create, books' payment per transaction); Retry.
        self.pay(late["sourceOrderTransactionId"], "49.90")
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "done")
        self.assertTrue(payout.reconciled)
        self.assertFalse(waiting.issue)
        self.assertEqual(self.account_balance(self.clearing), Decimal("0"))
        self.assertEqual(len(self.env["account.move"].search([("journal_id", "=", self.payout_journal.id)])), 1)

    def test_mismatch_or_missing_account_fails_the_booking_without_a_plug_line(self):
        node = self.ledger.payout([self.charge("30.00", "1.17")], net_override="28.00")
        self.import_payouts()
        payout = self.payout(node)
        job = self.jobs(topic="payouts/book")
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertIn("add up to 28.83", job.error_message)
        self.assertIn("Import the payout's period again", job.fix_hint)
        self.assertFalse(payout.move_id)

        self.backend.payout_fee_account_id = False
        good_node = self.ledger.payout([self.charge("12.00", "0.65")], issued_at="2026-11-21T09:00:00Z")
        self.import_payouts()
        good = self.payout(good_node)
        job = self.jobs(topic="payouts/book", shopify_gid=good.shopify_gid)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertIn("Payment fees", job.error_message)
        self.assertFalse(good.move_id)
        self.backend.payout_fee_account_id = self.fees
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "done")
        self.assertTrue(good.move_id and good.reconciled)

    # -- disputes --------------------------------------------------------------------------------

    def dispute_event(self, topic, dispute_id, status, triggered_at, order_id=5150):
        body = dict(
            webhook_example(topic), id=dispute_id, order_id=order_id, status=status, amount="45.00", currency="USD"
        )
        job, _created = self.intake(topic, body)
        job.triggered_at = triggered_at
        self.perform(job)
        return job

    def test_dispute_opened_then_won_or_lost(self):
        opened = self.dispute_event("disputes/create", 4242, "needs_response", "2026-11-19 08:00:00")
        self.assertEqual(opened.state, "done")
        dispute = self.env["shopify.sync.dispute"].search(
            [("shopify_gid", "=", "gid://shopify/ShopifyPaymentsDispute/4242")]
        )
        self.assertEqual(
            (dispute.status, dispute.kind, dispute.order_gid),
            ("NEEDS_RESPONSE", "CHARGEBACK", "gid://shopify/Order/5150"),
        )
        self.dispute_event("disputes/update", 4242, "under_review", "2026-11-21 08:00:00")
        self.dispute_event("disputes/update", 4242, "won", "2026-11-28 08:00:00")
        late = self.dispute_event("disputes/update", 4242, "under_review", "2026-11-22 08:00:00")  # delivered late
        self.assertEqual(late.state, "done")
        self.assertEqual(dispute.status, "WON")
        self.assertEqual(len(self.env["shopify.sync.dispute"].search([("backend_id", "=", self.backend.id)])), 1)

        ledger = self.ledger
        withdrawn = ledger.payout(
            [
                self.charge("100.00", "3.20"),
                self.dispute_move("DISPUTE_WITHDRAWAL", "-45.00", 5150, 4242, fee="15.00"),
            ],
            issued_at="2026-11-20T09:00:00Z",
        )
        returned = ledger.payout(
            [
                self.charge("50.00", "1.75"),
                self.dispute_move("DISPUTE_REVERSAL", "45.00", 5150, 4242),
            ],
            issued_at="2026-11-28T09:00:00Z",
        )
        # A second dispute, lost: its money stays withdrawn.
        self.dispute_event("disputes/create", 4343, "under_review", "2026-11-19 09:00:00", order_id=5151)
        self.dispute_event("disputes/update", 4343, "lost", "2026-11-27 09:00:00", order_id=5151)
        inquiry = ledger.dispute(order=(5152, "#5152"), amount="20.00", status="UNDER_REVIEW")
        lost_payout = ledger.payout(
            [
                self.charge("70.00", "2.33"),
                self.dispute_move("DISPUTE_WITHDRAWAL", "-30.00", 5151, 4343, fee="15.00"),
            ],
            issued_at="2026-11-21T09:00:00Z",
        )
        self.import_payouts()

        for node in (withdrawn, returned, lost_payout):
            self.assertEqual(self.payout(node).move_id.state, "posted")
        self.assertEqual(len(dispute.line_ids), 2)
        won_lines = dispute.line_ids.payout_id.move_id.line_ids.filtered(
            lambda line: line.account_id == self.chargebacks
        )
        self.assertEqual(self.total(won_lines), Decimal("0"), "a won dispute returns what it took")
        lost = self.env["shopify.sync.dispute"].search(
            [("shopify_gid", "=", "gid://shopify/ShopifyPaymentsDispute/4343")]
        )
        self.assertEqual(lost.status, "LOST")
        self.assertEqual(self.account_balance(self.chargebacks), Decimal("30.00"), "the lost dispute is the loss")
        dispute_fees = self.env["account.move.line"].search(
            [("account_id", "=", self.fees.id), ("name", "like", "Dispute withdrawal")]
        )
        self.assertEqual(self.total(dispute_fees), Decimal("30.00"))
        self.assertEqual(self.account_balance(self.clearing), Decimal("0"))

        # Disputes without a webhook (opened while Odoo was unreachable) come with the import.
        imported = self.env["shopify.sync.dispute"].search([("shopify_gid", "=", inquiry["id"])])
        self.assertEqual((imported.status, imported.amount, imported.order_name), ("UNDER_REVIEW", 20.0, "#5152"))
        inquiry["status"] = "WON"
        self.import_payouts()
        self.assertEqual(imported.status, "WON")
        self.assertEqual(dispute.status, "WON", "the webhook-fed dispute is not in the import range: unchanged")

    # -- bank matching, workflow switch, planning ------------------------------------------------

    def test_deposit_statement_line_is_matched_to_the_payout(self):
        node = self.ledger.payout([self.charge("210.00", "6.39")], external_trace_id="TRACE-77881")
        other = self.ledger.payout([self.charge("210.00", "6.39")], issued_at="2026-11-21T09:00:00Z")
        self.import_payouts()
        payout, twin = self.payout(node), self.payout(other)
        StLine = self.env["account.bank.statement.line"]
        deposit = StLine.create(
            {
                "journal_id": self.bank_journal.id,
                "date": "2026-11-22",
                "amount": 203.61,
                "payment_ref": "SHOPIFY PAYOUT TRACE-77881",
            }
        )
        stranger = StLine.create(
            {"journal_id": self.bank_journal.id, "date": "2026-11-22", "amount": 203.61, "payment_ref": "Rent refund"}
        )
        self.env["shopify.backend"]._cron_import_payouts()
        self.assertEqual(payout.bank_statement_line_id, deposit)
        self.assertTrue(deposit.is_reconciled)
        self.assertTrue(self.lines_on(payout.move_id, self.transit).reconciled)
        self.assertFalse(twin.bank_statement_line_id, "same amount, no reference: not guessed")
        self.assertFalse(stranger.is_reconciled)
        self.assertFalse(payout.needs_attention)
        self.assertTrue(twin.needs_attention)
        self.assertIn(twin, self.env["shopify.sync.payout"].search([("needs_attention", "=", True)]))
        self.assertEqual(twin.drift, "No bank statement line")

        # Someone undoes the deposit's reconciliation, then resets the payout's entry and changes
        # the bank amount: the drift report says so each time.
        deposit.action_undo_reconciliation()
        self.assertIn("is no longer reconciled", payout.drift)
        self.assertTrue(payout.needs_attention)
        payout.action_match_bank_statement()  # the accountant matches it again
        self.assertTrue(deposit.is_reconciled)
        self.assertFalse(payout.drift)
        move = payout.move_id
        move.button_draft()
        self.assertIn("is not posted", payout.drift)
        bank_line, fee_line = self.lines_on(move, self.transit), self.lines_on(move, self.fees)
        move.write({"line_ids": [(1, bank_line.id, {"balance": 203.00}), (1, fee_line.id, {"balance": 7.00})]})
        move.action_post()
        self.assertIn("books 203.0 on the bank", payout.drift)
        self.assertIn(payout, self.env["shopify.sync.payout"].search([("needs_attention", "=", True)]))

    def test_payouts_checkbox_drives_disputes_webhooks_and_import(self):
        self.assertIn("disputes/update", self.backend._webhook_topics())
        self.assertIn("read_shopify_payments_disputes", self.backend.required_scopes)
        self.backend.sync_payouts = False
        self.assertNotIn("disputes/create", self.backend._webhook_topics())
        self.env["shopify.backend"]._cron_import_payouts()
        self.assertFalse(self.jobs(topic="payouts/import"))
        job = self.backend._start_payout_import(date(2026, 11, 1))
        self.perform(job)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.backend.sync_payouts = True
        self.env["shopify.backend"]._cron_import_payouts()
        self.assertEqual(len(self.jobs(topic="payouts/import", state="queued")), 1)

    def test_planning_refuses_what_does_not_add_up(self):
        tx = plan.Transaction(
            "gid://shopify/ShopifyPaymentsBalanceTransaction/1",
            "CHARGE",
            Decimal("10.00"),
            Decimal("0.59"),
            Decimal("9.41"),
            "USD",
            "#1",
            None,
        )
        accounts = {route: 1 for route in plan.ACCOUNT_LABELS}
        with self.assertRaises(DataError):
            plan.check_transactions(Decimal("9.40"), "USD", [tx])
        with self.assertRaises(DataError):
            plan.check_transactions(Decimal("9.41"), "USD", [tx._replace(net=Decimal("9.42"))])
        with self.assertRaises(ConfigurationError) as raised:
            plan.plan_entry(Decimal("9.41"), [tx], dict(accounts, clearing=None))
        self.assertIn("Shopify Payments clearing", str(raised.exception))
        summary = {"chargesGross": Decimal("10.00"), "chargesFee": Decimal("0.60")}
        with self.assertRaises(DataError) as raised:
            plan.check_transactions(Decimal("9.41"), "USD", [tx], summary)
        self.assertIn("charges of 10.00 (fees 0.60)", str(raised.exception))
        plan.check_transactions(Decimal("9.41"), "USD", [tx], dict(summary, chargesFee=Decimal("0.59")))
        lines = plan.plan_entry(Decimal("9.41"), [tx], accounts, rate="1.1111")
        self.assertEqual(sum(line.balance for line in lines), Decimal("0"))
        self.assertEqual([line.route for line in lines], ["bank", "clearing", "fee", "currency"])

    def test_accountants_read_payouts_of_their_company_only(self):
        node = self.ledger.payout([self.charge("18.00", "0.82")])
        self.import_payouts()
        payout = self.payout(node)
        accountant = self.env["res.users"].create(
            {
                "name": "Accountant",
                "login": "payout-accountant",
                "company_id": self.company.id,
                "company_ids": [self.company.id],
                "group_ids": [
                    (6, 0, [self.env.ref("account.group_account_readonly").id, self.env.ref("base.group_user").id])
                ],
            }
        )
        as_accountant = payout.with_user(accountant).with_context(allowed_company_ids=[self.company.id])
        self.assertEqual(as_accountant.net_amount, 17.18)
        self.assertEqual(len(as_accountant.line_ids), 1)
        with self.assertRaises(AccessError):
            as_accountant.action_book()
        other_company = self.env["res.company"].create({"name": "Elsewhere"})
        outsider = self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "payout-outsider",
                "company_id": other_company.id,
                "company_ids": [other_company.id],
                "group_ids": [(6, 0, [self.env.ref("shopify_sync.group_shopify_manager").id])],
            }
        )
        Payout = (
            self.env["shopify.sync.payout"].with_user(outsider).with_context(allowed_company_ids=[other_company.id])
        )
        self.assertFalse(Payout.search([]))
        self.assertFalse(
            self.env["shopify.sync.payout.line"]
            .with_user(outsider)
            .with_context(allowed_company_ids=[other_company.id])
            .search([])
        )
