"""Cash rounding (issue 15, item 6): Shopify POS rounds cash payments and refunds to the smallest
coin (0.05 CHF). The invoice stays what Shopify charged, the payment is the cash that changed hands
(transaction ``amount`` + ``amount_rounding``, as Shopify documents it) and the difference goes to
the store's cash rounding account, so the invoice is paid and the receivable is zero. Real Odoo,
Shopify on loopback; a Swiss company keeping its books in CHF."""

from decimal import Decimal

from odoo.tests import tagged

from ..handlers.orders import odoo_amount
from ..lib import order_graphql
from .order_payloads import graphql_money, graphql_order, graphql_transaction, order_payload
from .refund_payloads import refund_payload
from .test_books import BooksCase, transaction


def rounding_set(value, currency="CHF"):
    """An order's ``total_cash_rounding_*_adjustment_set`` as Shopify sends it."""
    return {
        "shop_money": {"amount": value, "currency_code": currency},
        "presentment_money": {"amount": value, "currency_code": currency},
    }


@tagged("post_install", "-at_install")
class TestCashRounding(BooksCase):
    @classmethod
    def setUpClass(cls):
        super(BooksCase, cls).setUpClass()  # the store and the stand-in; the books are Swiss here
        cls.company = cls.setup_books_company("Shopify Kasse AG")
        chf = cls.env.ref("base.CHF")
        chf.active = True
        cls.company.write({"currency_id": chf.id, "country_id": cls.env.ref("base.ch").id})
        cls.company.partner_id.tz = "Europe/Zurich"
        Account = cls.env["account.account"]

        def account(code, name, kind):
            return Account.create(
                {"code": code, "name": name, "account_type": kind, "company_ids": [(6, 0, cls.company.ids)]}
            )

        cls.gain = account("753000", "Cash rounding gains", "income_other")
        cls.loss = account("653000", "Cash rounding losses", "expense")
        cls.swiss_rounding = cls.env["account.cash.rounding"].create(
            {"name": "CHF 0.05", "rounding": 0.05, "rounding_method": "HALF-UP"}
        )
        rounding = cls.swiss_rounding.with_company(cls.company)
        rounding.profit_account_id = cls.gain
        rounding.loss_account_id = cls.loss
        cls.backend.cash_rounding_id = cls.swiss_rounding
        Journal = cls.env["account.journal"]
        cls.till = Journal.create({"name": "Till", "code": "TILL", "type": "cash", "company_id": cls.company.id})
        cls.env["shopify.gateway.map"].create(
            {"backend_id": cls.backend.id, "gateway": "cash", "journal_id": cls.till.id}
        )
        Product = cls.env["product.product"]
        cls.chocolate = Product.create(
            {
                "name": "Chocolate",
                "default_code": "CHOC-1",
                "type": "consu",
                "invoice_policy": "order",
                "taxes_id": False,
            }
        )
        cls.cheese = Product.create(
            {
                "name": "Cheese",
                "default_code": "CHEESE-1",
                "type": "consu",
                "invoice_policy": "order",
                "taxes_id": False,
            }
        )

    def pos_order(self, number, *prices, payment_rounding="0.00"):
        """A CHF order paid in cash at the counter; ``prices`` of its lines, no tax, no shipping."""
        skus = (("CHOC-1", 9101), ("CHEESE-1", 9102))
        order = order_payload(
            number,
            currency="CHF",
            lines=[
                {"variant_id": variant, "sku": sku, "price": price}
                for (sku, variant), price in zip(skus, prices, strict=False)
            ],
        )
        order["payment_gateway_names"] = ["cash"]
        order["total_cash_rounding_payment_adjustment_set"] = rounding_set(payment_rounding)
        order["total_cash_rounding_refund_adjustment_set"] = rounding_set("0.00")
        return order

    @staticmethod
    def cash_tx(order, kind, amount, rounding):
        tx = transaction(order, kind, amount, gateway="cash", currency="CHF")
        tx["amount_rounding"] = rounding
        return tx

    def lines_on(self, sale, account):
        moves = sale.invoice_ids | self.order_credit_notes(sale) | self.order_payments(sale).move_id
        return moves.filtered(lambda m: m.state == "posted").line_ids.filtered(lambda ln: ln.account_id == account)

    def balance(self, lines):
        return odoo_amount(sum(lines.mapped("balance")), self.company.currency_id)

    def open_receivable(self, sale):
        moves = sale.invoice_ids | self.order_credit_notes(sale) | self.order_payments(sale).move_id
        lines = moves.line_ids.filtered(lambda ln: ln.account_id.account_type == "asset_receivable")
        return odoo_amount(sum(lines.mapped("amount_residual")), self.company.currency_id)

    def test_cash_payment_rounded_up_books_the_cash_and_the_rounding(self):
        order = self.pos_order(5101, "10.03", payment_rounding="0.02")
        _job, sale = self.import_order(order)
        self.assertEqual(sale.currency_id.name, "CHF")
        cash = self.cash_tx(order, "sale", "10.03", "0.02")  # 10.03 charged, 10.05 handed over
        self.pay(cash)
        invoice, payment = sale.invoice_ids, self.payment_of(cash)
        self.assertEqual(odoo_amount(invoice.amount_total), Decimal("10.03"), "the invoice is what Shopify charged")
        self.assertEqual((payment.journal_id, odoo_amount(payment.amount)), (self.till, Decimal("10.05")))
        self.assertEqual(self.balance(self.lines_on(sale, self.gain)), Decimal("-0.02"), "0.02 credited as a gain")
        self.assertFalse(self.lines_on(sale, self.loss))
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        # Redelivered (new webhook id), and the order updated: nothing posted twice.
        again = self.run_webhook("order_transactions/create", dict(cash))
        self.assertEqual(again.state, "done", again.error_message)
        self.assertIn("already booked", again.result_summary)
        self.import_order(dict(order, updated_at="2026-11-23T10:05:00-05:00"), topic="orders/updated")
        self.assertEqual(self.balance(self.lines_on(sale, self.gain)), Decimal("-0.02"))
        self.assert_money_invariant(order, transactions=[cash, cash], amounts={cash["admin_graphql_api_id"]: "10.05"})

    def test_cash_payment_rounded_down_is_a_loss(self):
        order = self.pos_order(5102, "10.02", payment_rounding="-0.02")
        _job, sale = self.import_order(order)
        cash = self.cash_tx(order, "sale", "10.02", "-0.02")
        self.pay(cash)
        self.assertEqual(odoo_amount(self.payment_of(cash).amount), Decimal("10.00"))
        self.assertEqual(self.balance(self.lines_on(sale, self.loss)), Decimal("0.02"), "0.02 debited as a loss")
        self.assertEqual(sale.invoice_ids.payment_state, "paid")
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))

    def test_cash_refund_with_refund_adjustment(self):
        order = self.pos_order(5103, "10.02", "5.01", payment_rounding="0.02")  # 15.03 charged, 15.05 paid
        _job, sale = self.import_order(order)
        cash = self.cash_tx(order, "sale", "15.03", "0.02")
        self.pay(cash)
        refund, expected = refund_payload(order, lines=[{"index": 0}], gateway="cash")
        self.assertEqual(expected["total"], Decimal("10.02"))
        refund_tx = refund["transactions"][0]
        refund_tx["amount_rounding"] = "-0.02"  # 10.02 refunded, 10.00 given back
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertNotIn("difference open", job.warning_message or "")
        credit_note, given_back = self.order_credit_notes(sale), self.payment_of(refund_tx)
        self.assertEqual(odoo_amount(credit_note.amount_total), Decimal("10.02"))
        self.assertEqual(
            (given_back.payment_type, given_back.journal_id, odoo_amount(given_back.amount)),
            ("outbound", self.till, Decimal("10.00")),
        )
        self.assertEqual(self.balance(self.lines_on(sale, self.gain)), Decimal("-0.04"), "0.02 + 0.02 kept")
        self.assertEqual((sale.invoice_ids.payment_state, credit_note.payment_state), ("paid", "paid"))
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        # Shopify's order then says both adjustments; the refund and its transaction come again.
        updated = dict(
            order,
            financial_status="partially_refunded",
            updated_at="2026-11-25T10:05:00-05:00",
            total_cash_rounding_refund_adjustment_set=rounding_set("-0.02"),
        )
        self.import_order(updated, topic="orders/updated")
        self.assertEqual(self.run_webhook("refunds/create", refund).state, "done")
        self.assertEqual(self.run_webhook("order_transactions/create", refund_tx).state, "done")
        self.assertEqual(self.balance(self.lines_on(sale, self.gain)), Decimal("-0.04"))
        self.assert_money_invariant(
            order,
            refund_totals=[expected["total"]],
            transactions=[cash, refund_tx],
            amounts={cash["admin_graphql_api_id"]: "15.05", refund_tx["admin_graphql_api_id"]: "10.00"},
        )

    def test_missing_rounding_account_is_a_configuration_error_and_retry_books_once(self):
        self.backend.cash_rounding_id = False
        self.company.write(
            {"default_cash_difference_income_account_id": False, "default_cash_difference_expense_account_id": False}
        )
        order = self.pos_order(5104, "10.03", payment_rounding="0.02")
        _job, sale = self.import_order(order)
        cash = self.cash_tx(order, "sale", "10.03", "0.02")
        job = self.run_webhook("order_transactions/create", cash)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertIn("cash difference income account", job.error_message)
        self.assertIn("Cash rounding", job.fix_hint)
        self.assertFalse(self.payment_of(cash))
        self.assertFalse(self.order_payments(sale), "nothing posted")
        # A cash rounding without the account this difference needs is named too.
        self.backend.cash_rounding_id = self.env["account.cash.rounding"].create(
            {"name": "No accounts", "rounding": 0.05}
        )
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "failed")
        self.assertIn("'No accounts' has no profit account", job.error_message)
        self.backend.cash_rounding_id = self.swiss_rounding
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.pay(dict(cash))
        self.assertEqual(len(self.order_payments(sale)), 1, "one payment, even after retry and redelivery")
        self.assertEqual(self.balance(self.lines_on(sale, self.gain)), Decimal("-0.02"))
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))

    def test_refund_without_rounding_account_posts_nothing_until_retry(self):
        order = self.pos_order(5108, "10.02", "5.01")
        _job, sale = self.import_order(order)
        self.pay(self.cash_tx(order, "sale", "15.03", None))  # paid by card-exact cash: no rounding
        self.backend.cash_rounding_id = self.env["account.cash.rounding"].create(
            {"name": "Loss only", "rounding": 0.05}
        )
        self.backend.cash_rounding_id.with_company(self.company).loss_account_id = self.loss
        refund, _expected = refund_payload(order, lines=[{"index": 0}], gateway="cash")
        refund["transactions"][0]["amount_rounding"] = "-0.02"  # a gain: this cash rounding has no profit account
        job, _created = self.intake("refunds/create", refund)
        self.perform(job)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertIn("'Loss only' has no profit account", job.error_message)
        self.assertFalse(self.order_credit_notes(sale), "the credit note waits with its refund payment")
        self.backend.cash_rounding_id = self.swiss_rounding
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(self.run_webhook("refunds/create", refund).state, "done")  # redelivered
        self.assertEqual(len(self.order_credit_notes(sale)), 1)
        self.assertEqual(len(self.order_payments(sale)), 2)
        self.assertEqual(self.balance(self.lines_on(sale, self.gain)), Decimal("-0.02"))
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))

    def test_company_cash_difference_accounts_are_the_default(self):
        self.backend.cash_rounding_id = False
        income = self.company.default_cash_difference_income_account_id
        self.assertTrue(income, "the chart of accounts sets the company's cash difference accounts")
        order = self.pos_order(5105, "10.03", payment_rounding="0.02")
        _job, sale = self.import_order(order)
        self.pay(self.cash_tx(order, "sale", "10.03", "0.02"))
        self.assertEqual(self.balance(self.lines_on(sale, income)), Decimal("-0.02"))
        self.assertEqual(sale.invoice_ids.payment_state, "paid")

    def test_store_in_shop_currency_reads_the_rounding_in_shop_money(self):
        # The customer paid in EUR; the store keeps CHF books: the webhook's EUR rounding is not used.
        order = self.pos_order(5106, "10.03", payment_rounding="0.02")
        order["presentment_currency"] = "EUR"
        cash = self.cash_tx(order, "sale", "10.40", "0.05")
        cash["currency"] = "EUR"
        gid = cash["admin_graphql_api_id"]
        self.shopify_transactions = {
            gid: {
                "id": gid,
                "amountSet": {
                    "shopMoney": {"amount": "10.03", "currencyCode": "CHF"},
                    "presentmentMoney": {"amount": "10.40", "currencyCode": "EUR"},
                },
                "amountRoundingSet": {
                    "shopMoney": {"amount": "0.02", "currencyCode": "CHF"},
                    "presentmentMoney": {"amount": "0.05", "currencyCode": "EUR"},
                },
            }
        }
        _job, sale = self.import_order(order)
        self.pay(cash)
        self.assertEqual(odoo_amount(self.payment_of(cash).amount), Decimal("10.05"))
        self.assertEqual(self.balance(self.lines_on(sale, self.gain)), Decimal("-0.02"))
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))

    def test_pulled_order_books_its_rounded_cash_transaction(self):
        order = self.pos_order(5107, "10.03", payment_rounding="0.02")
        rounding = graphql_money("0.02", order["currency"])
        order["transactions_graphql"] = [
            graphql_transaction(order, 1, "SALE", "10.03", "cash", amountRoundingSet=rounding)
        ]
        gid = order["transactions_graphql"][0]["id"]
        node = graphql_order(order)
        pulled = order_graphql.rest_order(node, line_items=node["lineItems"], shipping_lines=node["shippingLines"])
        job, _created = self.env["shopify.sync.job"].sudo()._intake_pulled(self.backend, pulled, "historical")
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        sale = self.sale_of(order)
        payment = self.env["shopify.binding"]._record_for(self.backend, gid)
        self.assertEqual(odoo_amount(payment.amount), Decimal("10.05"))
        self.assertEqual(self.balance(self.lines_on(sale, self.gain)), Decimal("-0.02"))
        self.assertEqual(sale.invoice_ids.payment_state, "paid")
