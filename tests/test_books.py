"""Books that match Shopify to the cent (issue 15): payments per transaction, gift cards, dates,
invoicing whatever the status or product policy, currencies, and no company-wide side effects.

Each test is named after the issue's item it covers; the money invariant (tests/money_invariant.py)
is checked on a gift card + card order with a partial refund, after every event and redelivery."""

import itertools
import logging
from datetime import date, datetime
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError

from ..handlers.orders import odoo_amount
from ..lib import order_graphql
from .common import ShopifyCase
from .money_invariant import MoneyInvariantMixin
from .order_payloads import CA, graphql_order, graphql_transaction, lamp_and_mug_order, order_payload
from .refund_payloads import refund_payload

_logger = logging.getLogger(__name__)
_tx_ids = itertools.count(9_100_000_001)


def transaction(order, kind, amount, gateway="shopify_payments", status="success", processed_at=None, currency=None):
    """An ``order_transactions/create`` body, in the shape of Shopify's documented example."""
    tx_id = next(_tx_ids)
    when = processed_at or order["processed_at"]
    return {
        "id": tx_id,
        "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{tx_id}",
        "order_id": order["id"],
        "kind": kind,
        "gateway": gateway,
        "status": status,
        "message": None,
        "created_at": when,
        "processed_at": when,
        "test": False,
        "authorization": None,
        "parent_id": None,
        "source_name": "web",
        "amount": f"{amount}",
        "currency": currency or order["presentment_currency"],
        "payment_id": f"{order['name']}.1",
        "amount_rounding": None,
        "manual_payment_gateway": False,
    }


class BooksCase(MoneyInvariantMixin, ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.setup_books_company("Shopify Ledger Inc")
        cls.company.partner_id.tz = "America/New_York"
        cls.tax = cls.setup_us_sales_tax(cls.company)
        # Sales tax owed to the state, as a US chart books it (the shared fixture leaves it on revenue).
        tax_payable = cls.env["account.account"].create(
            {
                "name": "Sales tax payable",
                "code": "251100",
                "account_type": "liability_current",
                "company_ids": [(6, 0, cls.company.ids)],
            }
        )
        (cls.tax.invoice_repartition_line_ids | cls.tax.refund_repartition_line_ids).filtered(
            lambda r: r.repartition_type == "tax"
        ).account_id = tax_payable
        Journal = cls.env["account.journal"]
        cls.bank = Journal.search([("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1)
        cls.paypal = Journal.create({"name": "PayPal", "code": "PPL", "type": "bank", "company_id": cls.company.id})
        cls.gift_journal = Journal.create(
            {"name": "Gift cards", "code": "GFT", "type": "bank", "company_id": cls.company.id}
        )
        Map = cls.env["shopify.gateway.map"]
        for gateway, journal in (
            ("shopify_payments", cls.bank),
            ("paypal", cls.paypal),
            ("gift_card", cls.gift_journal),
        ):
            Map.create({"backend_id": cls.backend.id, "gateway": gateway, "journal_id": journal.id})
        Product = cls.env["product.product"]
        cls.lamp = Product.create(
            {"name": "Lamp", "default_code": "LAMP-1", "type": "consu", "invoice_policy": "order", "taxes_id": False}
        )
        cls.mug = Product.create(
            {"name": "Mug", "default_code": "MUG-1", "type": "consu", "invoice_policy": "order", "taxes_id": False}
        )
        cls.book = Product.create(
            {"name": "Book", "default_code": "BOOK-1", "type": "consu", "invoice_policy": "delivery", "taxes_id": False}
        )

    def setUp(self):
        super().setUp()
        self.shopify_transactions = {}  # gid -> GraphQL OrderTransaction, for amount look-ups
        self.standin.root["nodes"] = self._nodes

    def _nodes(self, _info, ids):
        found = []
        for gid in ids:
            if gid in self.shopify_transactions:
                found.append(dict(self.shopify_transactions[gid], __typename="OrderTransaction"))
            else:
                found.append({"__typename": "ProductVariant", "id": gid, "sku": "", "barcode": None})
        return found

    def import_order(self, payload, topic="orders/create"):
        job = self.run_webhook(topic, payload)
        self.assertEqual(job.state, "done", job.error_message)
        return job, self.sale_of(payload)

    def pay(self, *transactions):
        for tx in transactions:
            job = self.run_webhook("order_transactions/create", tx)
            self.assertEqual(job.state, "done", job.error_message)

    def payment_of(self, tx):
        return self.env["shopify.binding"]._record_for(self.backend, tx["admin_graphql_api_id"])


@tagged("post_install", "-at_install")
class TestBooks(BooksCase):
    # -- item 1: payments per transaction ---------------------------------------------------

    def test_item1_each_captured_transaction_is_a_payment_in_its_gateways_journal(self):
        order = lamp_and_mug_order(4101)
        order["payment_gateway_names"] = ["gift_card", "shopify_payments"]
        total = Decimal(order["total_price"])
        _job, sale = self.import_order(order)
        authorization = transaction(order, "authorization", total - 20)
        capture = transaction(order, "capture", total - 20)
        gift = transaction(order, "sale", "20.00", gateway="gift_card")
        failed = transaction(order, "sale", "5.00", gateway="paypal", status="failure")
        self.pay(authorization, gift, capture, failed)
        self.assertFalse(self.payment_of(authorization), "an authorisation is not money")
        self.assertFalse(self.payment_of(failed), "a failed transaction is not money")
        card, redeemed = self.payment_of(capture), self.payment_of(gift)
        self.assertEqual((card.journal_id, odoo_amount(card.amount, card.currency_id)), (self.bank, total - 20))
        self.assertEqual((redeemed.journal_id, odoo_amount(redeemed.amount)), (self.gift_journal, Decimal("20.00")))
        self.assertEqual((card.payment_type, card.state), ("inbound", "paid"))
        self.assertEqual(sale.invoice_ids.payment_state, "paid")
        # Redelivered (new webhook id): nothing twice.
        self.pay(dict(capture))
        self.assert_money_invariant(order, transactions=[authorization, gift, capture, failed])

    def test_item1_refund_transaction_is_an_outbound_payment_and_unmapped_gateway_is_named(self):
        order = lamp_and_mug_order(4102)
        _job, sale = self.import_order(order)
        self.pay(transaction(order, "sale", order["total_price"]))
        refund_tx = transaction(order, "refund", "13.41")
        self.pay(refund_tx)
        payment = self.payment_of(refund_tx)
        self.assertEqual(
            (payment.payment_type, payment.journal_id, odoo_amount(payment.amount)),
            ("outbound", self.bank, Decimal("13.41")),
        )
        unmapped = transaction(order, "sale", "1.00", gateway="Cash on Delivery (COD)")
        job = self.run_webhook("order_transactions/create", unmapped)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertIn("'Cash on Delivery (COD)'", job.error_message)
        self.assertIn("Payment gateways", job.fix_hint)
        self.assertFalse(self.payment_of(unmapped))

    def test_item1_transaction_before_its_order_waits_then_books(self):
        order = lamp_and_mug_order(4103)
        sale_tx = transaction(order, "sale", order["total_price"])
        job, _created = self.intake("order_transactions/create", sale_tx)
        with self.assertRaises(RetryableJobError):
            self.perform(job)
        self.import_order(order)
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assert_money_invariant(order, transactions=[sale_tx])

    def test_item1_pulled_order_books_the_transactions_it_carries_once(self):
        order = lamp_and_mug_order(4104)
        total = Decimal(order["total_price"])
        order["transactions_graphql"] = [
            graphql_transaction(order, 1, "SALE", "15.00", "gift_card"),
            graphql_transaction(order, 2, "AUTHORIZATION", total - 15),
            graphql_transaction(order, 3, "CAPTURE", total - 15),
        ]
        node = graphql_order(order)
        pulled = order_graphql.rest_order(node, line_items=node["lineItems"], shipping_lines=node["shippingLines"])
        Job = self.env["shopify.sync.job"].sudo()
        job, _created = Job._intake_pulled(self.backend, pulled, "historical")
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        # The same transactions by webhook afterwards, and a newer pull: nothing twice.
        self.pay(*[dict(tx, gateway=tx["gateway"]) for tx in pulled["transactions"]])
        again, _created = Job._intake_pulled(
            self.backend, dict(pulled, updated_at="2026-11-24T10:00:00-05:00"), "scheduled"
        )
        self.perform(again)
        self.assertEqual(again.state, "done", again.error_message)
        self.assert_money_invariant(order, transactions=pulled["transactions"])

    # -- item 2: gift cards -----------------------------------------------------------------

    def test_item2_gift_card_sold_is_a_liability_and_its_redemption_settles_it(self):
        sold = order_payload(
            4201,
            lines=[
                {"variant_id": 8201, "sku": "GC-50", "title": "Gift card", "price": "50.00"},
                {"variant_id": 8101, "sku": "LAMP-1", "price": "10.00"},
            ],
        )
        sold["line_items"][0]["gift_card"] = True
        sold["line_items"][0]["requires_shipping"] = False
        _job, sale = self.import_order(sold)
        self.pay(transaction(sold, "sale", sold["total_price"]))
        liability = self.backend.gift_card_account_id
        self.assertEqual(liability.account_type, "liability_current")
        invoice = sale.invoice_ids
        gift_line = invoice.invoice_line_ids.filtered(lambda ln: ln.product_id == self.backend.gift_card_product_id)
        self.assertEqual((gift_line.account_id, odoo_amount(gift_line.credit)), (liability, Decimal("50.00")))
        revenue = invoice.line_ids.filtered(lambda ln: ln.account_id.internal_group == "income")
        self.assertEqual(odoo_amount(sum(revenue.mapped("credit"))), Decimal("10.00"), "only the lamp is revenue")

        spent = order_payload(4202, lines=[{"variant_id": 8101, "sku": "LAMP-1", "price": "50.00"}])
        spent["payment_gateway_names"] = ["gift_card"]
        _job, sale2 = self.import_order(spent)
        redemption = transaction(spent, "sale", "50.00", gateway="gift_card")
        self.pay(redemption)
        payment_lines = self.payment_of(redemption).move_id.line_ids
        self.assertEqual(
            odoo_amount(payment_lines.filtered(lambda ln: ln.account_id == liability).debit),
            Decimal("50.00"),
            "the redemption settles the liability, not the bank",
        )
        balance = self.env["account.move.line"].search(
            [("account_id", "=", liability.id), ("parent_state", "=", "posted")]
        )
        self.assertEqual(odoo_amount(sum(balance.mapped("balance"))), Decimal("0.00"))
        self.assertEqual(sale2.invoice_ids.payment_state, "paid")

    # -- item 3: dates ----------------------------------------------------------------------

    def test_item3_dates_are_shopifys_processed_at_in_the_company_timezone(self):
        # 22:30 in New York on 30 October is 02:30 UTC on the 31st, and the job runs weeks later.
        order = lamp_and_mug_order(4301)
        order["processed_at"] = order["created_at"] = "2026-10-30T22:30:00-04:00"
        job, sale = self.import_order(order)
        self.assertEqual(sale.date_order, datetime(2026, 10, 31, 2, 30), "confirmation keeps Shopify's date")
        invoice = sale.invoice_ids
        self.assertEqual((invoice.invoice_date, invoice.date), (date(2026, 10, 30), date(2026, 10, 30)))
        self.assertIn("2026-10-30", job.result_summary)
        capture = transaction(order, "sale", order["total_price"], processed_at="2026-10-30T22:31:05-04:00")
        self.pay(capture)
        self.assertEqual(self.payment_of(capture).date, date(2026, 10, 30))
        refund, _expected = refund_payload(order, lines=[{"index": 1, "quantity": 1}])
        refund["processed_at"] = refund["created_at"] = "2026-11-01T23:10:00-05:00"
        for tx in refund["transactions"]:
            tx["processed_at"] = "2026-11-01T23:10:00-05:00"
        self.run_webhook("refunds/create", refund)
        credit_note = self.order_credit_notes(sale)
        self.assertEqual(credit_note.invoice_date, date(2026, 11, 1))
        self.assertEqual(self.payment_of(refund["transactions"][0]).date, date(2026, 11, 1))

    def test_item3_locked_period_posts_on_the_first_open_day_and_says_so(self):
        self.company.fiscalyear_lock_date = date(2026, 10, 31)
        order = lamp_and_mug_order(4302)
        order["processed_at"] = "2026-10-30T10:00:00-04:00"
        job, sale = self.import_order(order)
        invoice = sale.invoice_ids
        self.assertEqual(invoice.invoice_date, date(2026, 10, 30), "the customer's document keeps Shopify's date")
        self.assertGreater(invoice.date, date(2026, 10, 31), "posted in the first period Odoo's lock dates allow")
        self.assertIn(f"accounting date {invoice.date}", job.result_summary)
        self.assertIn("locked", job.result_summary)

    # -- item 4: every charged order is invoiced; no credit note without books ---------------

    def test_item4_order_first_seen_partially_refunded_or_refunded_is_invoiced(self):
        for number, status in ((4401, "partially_refunded"), (4402, "refunded")):
            order = lamp_and_mug_order(number, financial_status=status)
            _job, sale = self.import_order(order, topic="orders/updated")
            self.assertEqual(odoo_amount(sale.invoice_ids.amount_total), Decimal(order["total_price"]), status)

    def test_item4_with_books_off_a_refund_posts_no_credit_note_nor_payment(self):
        self.backend.create_invoice = False
        order = lamp_and_mug_order(4403)
        _job, sale = self.import_order(order)
        self.pay(transaction(order, "sale", order["total_price"]))
        refund, _expected = refund_payload(order, lines=[{"index": 1, "quantity": 1}])
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertFalse(self.order_credit_notes(sale))
        self.assertFalse(self.order_payments(sale))
        self.assertIn("invoicing is off", job.warning_message)

    def test_item4_order_cancelled_before_invoicing_gets_no_credit_note_but_its_money_back(self):
        order = lamp_and_mug_order(4404, financial_status="refunded", cancelled_at="2026-11-23T11:00:00-05:00")
        capture = transaction(order, "sale", order["total_price"])
        _job, sale = self.import_order(order)
        self.pay(capture)
        self.assertEqual((sale.state, sale.invoice_ids), ("cancel", self.env["account.move"]))
        refund, expected = refund_payload(order, lines=[{"index": 0}, {"index": 1}], shipping="full")
        self.assertEqual(expected["total"], Decimal(order["total_price"]))
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertFalse(self.order_credit_notes(sale), "no negative revenue without a sale behind it")
        self.assertIn("never invoiced", job.warning_message)
        payments = self.order_payments(sale)
        self.assertEqual(sorted(payments.mapped("payment_type")), ["inbound", "outbound"])
        lines = payments.move_id.line_ids.filtered(lambda ln: ln.account_id.account_type == "asset_receivable")
        self.assertTrue(all(lines.mapped("reconciled")), "the money in and back settle each other")

    # -- item 5: invoice what Shopify charged, never undo the sale order -----------------------

    def test_item5_invoice_covers_what_shopify_charged_whatever_the_product_policy(self):
        order = order_payload(
            4501,
            lines=[{"variant_id": 8301, "sku": "BOOK-1", "price": "20.00", "taxes": CA}],
            shipping={"price": "5.00"},
        )
        _job, sale = self.import_order(order)
        self.assertEqual(odoo_amount(sale.invoice_ids.amount_total), Decimal(order["total_price"]))
        self.assertEqual(sale.invoice_status, "invoiced", "nothing left to invoice (or to credit) on the order")

    def test_item5_invoicing_failure_keeps_the_sale_order_and_retry_completes(self):
        sales_journals = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company.id)]
        )
        sales_journals.active = False
        order = lamp_and_mug_order(4502)
        job, _created = self.intake("orders/create", order)
        self.perform(job)
        self.assertEqual(job.state, "failed")
        sale = self.sale_of(order)
        self.assertTrue(sale, "the sale order and its binding stay")
        self.assertEqual((sale.state, sale.invoice_ids), ("sale", self.env["account.move"]))
        self.assertIn(sale.name, job.error_message)
        self.assertIn("Retry", job.fix_hint)
        sales_journals.active = True
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(self.env["sale.order"].search_count([("client_order_ref", "=", order["name"])]), 1)
        self.assertEqual(odoo_amount(sale.invoice_ids.amount_total), Decimal(order["total_price"]))

    def test_item5_first_classified_failure_is_kept_when_queue_job_fails_later(self):
        self.env["shopify.gateway.map"].search([("backend_id", "=", self.backend.id)]).unlink()
        order = lamp_and_mug_order(4503)
        self.import_order(order)
        tx = transaction(order, "sale", order["total_price"])
        job, _created = self.intake("order_transactions/create", tx)
        self.perform(job)
        first = job.error_message
        self.assertEqual(job.failure_category, "configuration")
        # queue_job's own failure hook, after a crash past the handler (rolled back to queued).
        job.write({"state": "queued"})
        job._on_queue_job_failed(
            exc_name="odoo.exceptions.MissingError",
            exc_message="Record does not exist or has been deleted. (Record: res.partner(7,))",
        )
        self.assertEqual(job.failure_category, "configuration")
        self.assertTrue(job.error_message.startswith(first), job.error_message)
        self.assertIn("res.partner(7,)", job.error_message)

    # -- item 6: currencies -----------------------------------------------------------------

    def _currency_order(self, number, code, price, shipping):
        currency = self.env.ref(f"base.{code}")
        currency.active = True
        pricelist = self.env["product.pricelist"].create(
            {"name": f"Shopify {code}", "currency_id": currency.id, "company_id": self.company.id}
        )
        self.backend.pricelist_ids = [(4, pricelist.id)]
        order = order_payload(
            number, currency=code, lines=[{"variant_id": 8101, "sku": "LAMP-1", "price": "1"}], shipping={"price": "1"}
        )
        total = Decimal(price) + Decimal(shipping)
        money = {
            "shop_money": {"amount": None, "currency_code": code},
            "presentment_money": {"amount": None, "currency_code": code},
        }

        def bag(value):
            return {key: dict(val, amount=value) for key, val in money.items()}

        item, ship = order["line_items"][0], order["shipping_lines"][0]
        item.update(price=price, price_set=bag(price))
        ship.update(price=shipping, price_set=bag(shipping), discounted_price=shipping)
        order.update(
            subtotal_price=price,
            subtotal_price_set=bag(price),
            total_price=f"{total}",
            total_price_set=bag(f"{total}"),
            total_tax="0",
            total_tax_set=bag("0"),
        )
        return order

    def test_item6_three_decimal_currency_kwd_to_the_fils(self):
        order = self._currency_order(4601, "KWD", "12.345", "1.500")
        _job, sale = self.import_order(order)
        self.assertEqual(odoo_amount(sale.invoice_ids.amount_total, sale.currency_id), Decimal("13.845"))
        capture = transaction(order, "sale", "13.845")
        self.pay(capture)
        self.assertEqual(odoo_amount(self.payment_of(capture).amount, sale.currency_id), Decimal("13.845"))
        self.assert_money_invariant(order, transactions=[capture])

    def test_item6_zero_decimal_currency_jpy(self):
        order = self._currency_order(4602, "JPY", "1500", "500")
        _job, sale = self.import_order(order)
        capture = transaction(order, "sale", "2000")
        self.pay(capture)
        self.assert_money_invariant(order, transactions=[capture])

    def _customer_in_eur(self, order):
        """The customer paid in EUR at exactly 2 EUR per USD (sums stay exact); the store keeps USD."""

        def walk(value):
            if isinstance(value, dict):
                if set(value) == {"shop_money", "presentment_money"}:
                    shop = value["shop_money"]["amount"]
                    value["presentment_money"] = {"amount": f"{Decimal(shop) * 2}", "currency_code": "EUR"}
                for child in value.values():
                    walk(child)
            elif isinstance(value, list):
                for child in value:
                    walk(child)

        walk(order)
        order["presentment_currency"] = "EUR"
        return order

    def test_item6_refund_transactions_follow_the_shop_or_customer_currency_setting(self):
        order = self._customer_in_eur(
            order_payload(4603, lines=[{"variant_id": 8101, "sku": "LAMP-1", "price": "30.00", "quantity": 2}])
        )
        _job, sale = self.import_order(order)
        capture = transaction(order, "sale", "120.00", currency="EUR")  # REST: presentment amount
        refund, expected = refund_payload(order, lines=[{"index": 0, "quantity": 1}])
        refund_tx = refund["transactions"][0]
        refund_tx.update(amount="60.00", currency="EUR")
        self.shopify_transactions = {
            tx["admin_graphql_api_id"]: {
                "id": tx["admin_graphql_api_id"],
                "amountSet": {
                    "shopMoney": {"amount": shop, "currencyCode": "USD"},
                    "presentmentMoney": {"amount": tx["amount"], "currencyCode": "EUR"},
                },
            }
            for tx, shop in ((capture, "60.00"), (refund_tx, "30.00"))
        }
        self.pay(capture)
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(odoo_amount(self.payment_of(refund_tx).amount), Decimal("30.00"), "USD books")
        self.assert_money_invariant(
            order,
            refund_totals=[expected["total"]],
            transactions=[capture, refund_tx],
            amounts={capture["admin_graphql_api_id"]: "60.00", refund_tx["admin_graphql_api_id"]: "30.00"},
        )

    def test_item6_tip_in_customer_currency(self):
        self.backend.order_currency_mode = "presentment"
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.backend.pricelist_ids = [
            (
                4,
                self.env["product.pricelist"]
                .create({"name": "Shopify EUR", "currency_id": eur.id, "company_id": self.company.id})
                .id,
            )
        ]
        order = self._customer_in_eur(
            order_payload(4604, lines=[{"variant_id": 8101, "sku": "LAMP-1", "price": "30.00"}], tip="5.00")
        )
        _job, sale = self.import_order(order)
        self.assertEqual(sale.currency_id, eur)
        tip_line = sale.order_line.filtered(lambda ln: ln.product_id == self.backend.tip_product_id)
        self.assertEqual(odoo_amount(tip_line.price_total), Decimal("10.00"))
        self.assertEqual(odoo_amount(sale.invoice_ids.amount_total), Decimal("70.00"))

    # -- item 7: nothing changed outside Shopify's orders -----------------------------------

    def test_item7_company_tax_rounding_is_asked_explicitly_never_changed_by_an_import(self):
        self.company.tax_calculation_rounding_method = "round_globally"
        # 3 x 10.00 at 7.25 %: per line 3 x 0.73 = 2.19 (Shopify), over the order 2.175 -> 2.18.
        order = order_payload(
            4701,
            lines=[
                {"variant_id": 8101 + n, "sku": sku, "price": "10.00", "taxes": CA}
                for n, sku in enumerate(("LAMP-1", "MUG-1", "BOOK-1"))
            ],
        )
        job, _created = self.intake("orders/create", order)
        self.perform(job)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertIn("every document of the company", job.fix_hint)
        self.assertEqual(self.company.tax_calculation_rounding_method, "round_globally")
        self.backend.action_round_tax_per_line()
        self.assertEqual(self.company.tax_calculation_rounding_method, "round_per_line")
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)

    def test_item7_install_leaves_the_database_discount_precision_alone(self):
        precision = self.env.ref("product.decimal_discount")
        self.assertEqual(precision.digits, 2, "Odoo's default Discount precision is kept")
        self.backend.action_raise_discount_precision()
        self.assertEqual(precision.digits, 6, "raised only when the administrator asks")


@tagged("post_install", "-at_install")
class TestMoneyInvariant(BooksCase):
    def test_split_gift_card_and_card_with_partial_refund_redelivered(self):
        order = lamp_and_mug_order(4901)
        order["payment_gateway_names"] = ["gift_card", "shopify_payments"]
        total = Decimal(order["total_price"])
        gift = transaction(order, "sale", "25.00", gateway="gift_card")
        authorization = transaction(order, "authorization", total - 25)
        capture = transaction(order, "capture", total - 25)
        seen = []
        refunds = []

        def deliver(topic, payload, *transactions):
            job = self.run_webhook(topic, payload)
            self.assertEqual(job.state, "done", job.error_message)
            seen.extend(transactions)
            if self.sale_of(order).invoice_ids:
                self.assert_money_invariant(order, refund_totals=refunds, transactions=seen)

        early, _created = self.intake("order_transactions/create", gift)  # before its order: waits
        with self.assertRaises(RetryableJobError):
            self.perform(early)
        deliver("orders/create", order)
        self.perform(early)
        self.assertEqual(early.state, "done", early.error_message)
        seen.append(gift)
        deliver("order_transactions/create", gift, gift)
        deliver("order_transactions/create", authorization, authorization)
        deliver("order_transactions/create", capture, capture)
        deliver("orders/paid", dict(order, updated_at="2026-11-23T10:05:00-05:00"))
        refund, expected = refund_payload(order, lines=[{"index": 1, "quantity": 1}], shipping="full")
        refund["processed_at"] = "2026-11-25T10:00:00-05:00"
        refunds.append(expected["total"])
        deliver("refunds/create", refund, *refund["transactions"])
        for tx in refund["transactions"]:
            deliver("order_transactions/create", tx, tx)
        deliver("refunds/create", refund)  # redelivered
        deliver("order_transactions/create", capture)  # redelivered
        sale = self.assert_money_invariant(order, refund_totals=refunds, transactions=seen)
        items = self.journal_items(sale)
        _logger.info(
            "Journal items of %s (Shopify total %s, refunded %s):\n%s",
            order["name"],
            total,
            expected["total"],
            "\n".join(f"{m:<22} {a:<40} {d:>10} {c:>10} {t}" for m, a, d, c, t in items),
        )
        debit = sum(d for _m, _a, d, _c, _t in items)
        credit = sum(c for _m, _a, _d, c, _t in items)
        self.assertEqual(debit, credit)
        receivable = sale.partner_invoice_id.commercial_partner_id.property_account_receivable_id
        open_receivable = self.env["account.move.line"].search(
            [
                ("account_id", "=", receivable.id),
                (
                    "move_id",
                    "in",
                    [
                        m.id
                        for m in sale.invoice_ids | self.order_credit_notes(sale) | self.order_payments(sale).move_id
                    ],
                ),
            ]
        )
        self.assertEqual(
            odoo_amount(sum(open_receivable.mapped("amount_residual"))),
            Decimal("0.00"),
            "everything the customer owed and was paid is settled",
        )
