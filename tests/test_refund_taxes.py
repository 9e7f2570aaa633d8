"""Taxes of refunds to the cent, in stores whose prices exclude tax and in stores whose prices
include it: refunded lines, refunded shipping (``refund_shipping_lines`` and the older
``shipping_refund`` order adjustment) and order adjustments carrying their own ``tax_amount``.
Goods and shipping are taxed differently here, so that a tax put on the wrong line shows.
"""

import copy
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from odoo.tests import tagged

from ..handlers.orders import odoo_amount
from .refund_payloads import refund_payload
from .shopify_reference import webhook_example
from .test_refunds_fulfillments import BooksAndStockCase

GOODS_EXCLUDED = [("CA State Tax", 7.25)]
SHIPPING_EXCLUDED = [("Shipping Tax", 5)]
GOODS_INCLUDED = [("VAT", 20)]
SHIPPING_INCLUDED = [("VAT", 5)]


class RefundTaxCase(BooksAndStockCase):
    taxes_included = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tax, Map = cls.env["account.tax"], cls.env["shopify.tax.map"]
        group = cls.tax.tax_group_id
        if cls.taxes_included:
            cls.goods_tax = Tax.create(
                {
                    "name": "VAT 20% incl.",
                    "amount": 20.0,
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                    "company_id": cls.company.id,
                    "tax_group_id": group.id,
                }
            )
            cls.shipping_tax = Tax.create(
                {
                    "name": "VAT 5% incl.",
                    "amount": 5.0,
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                    "company_id": cls.company.id,
                    "tax_group_id": group.id,
                }
            )
            Map.create({"backend_id": cls.backend.id, "name": "VAT", "rate_percent": 20.0, "tax_id": cls.goods_tax.id})
            Map.create(
                {"backend_id": cls.backend.id, "name": "VAT", "rate_percent": 5.0, "tax_id": cls.shipping_tax.id}
            )
        else:
            cls.goods_tax = cls.tax
            cls.shipping_tax = Tax.create(
                {
                    "name": "Shipping 5%",
                    "amount": 5.0,
                    "type_tax_use": "sale",
                    "company_id": cls.company.id,
                    "tax_group_id": group.id,
                }
            )
            Map.create(
                {
                    "backend_id": cls.backend.id,
                    "name": "Shipping Tax",
                    "rate_percent": 5.0,
                    "tax_id": cls.shipping_tax.id,
                }
            )

    def taxed_order(self, number):
        """An order paid in full, in the version Shopify sent after its refunds (a refund giving back
        more than its lines first waits for that update and for the payments, handlers/refunds.py)."""
        goods, shipping = (
            (GOODS_INCLUDED, SHIPPING_INCLUDED) if self.taxes_included else (GOODS_EXCLUDED, SHIPPING_EXCLUDED)
        )
        order, sale = self.import_order(
            number,
            taxes_included=self.taxes_included,
            updated_at="2026-11-25T12:00:00-05:00",
            lines=[
                {
                    "variant_id": 8101,
                    "sku": "LAMP-1",
                    "price": "49.95",
                    "quantity": 2,
                    "discount": "9.99",
                    "taxes": goods,
                },
                {"variant_id": 8102, "sku": "MUG-1", "price": "12.50", "quantity": 3, "taxes": goods},
            ],
            shipping={"price": "8.99", "taxes": shipping},
        )
        payment = copy.deepcopy(webhook_example("order_transactions/create"))
        tx_id = 6_800_000_000 + number
        payment.update(
            id=tx_id,
            admin_graphql_api_id=f"gid://shopify/OrderTransaction/{tx_id}",
            order_id=order["id"],
            kind="sale",
            gateway="shopify_payments",
            status="success",
            amount=order["total_price"],
            currency=order["currency"],
            authorization=None,
        )
        payment["total_unsettled_set"] = {
            "presentment_money": {"amount": "0.00", "currency": "USD"},
            "shop_money": {"amount": "0.00", "currency": "USD"},
        }
        job = self.run_webhook("order_transactions/create", payment)
        self.assertEqual(job.state, "done", job.error_message)
        return order, sale

    def apply(self, refund):
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual(job.state, "done", job.error_message)
        return self.credit_note_of(refund)

    def tax_report(self, move):
        """{tax: (base, tax)} of a posted credit note, as the tax report reads its journal items."""
        report = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for line in move.line_ids:
            for tax in line.tax_ids:
                report[tax][0] += odoo_amount(line.debit - line.credit)
            if line.tax_line_id:
                report[line.tax_line_id][1] += odoo_amount(line.debit - line.credit)
        return {tax: tuple(figures) for tax, figures in report.items()}

    def shopify_shipping(self, refund):
        """(untaxed, tax) of the shipping a refund body gives back, in either of Shopify's shapes."""
        untaxed = tax = Decimal(0)
        for ship in refund["refund_shipping_lines"]:
            untaxed += Decimal(ship["subtotal_amount_set"]["shop_money"]["amount"])
            tax += Decimal(ship["tax_amount_set"]["shop_money"]["amount"])
        for adjustment in refund["order_adjustments"]:
            if adjustment["kind"] == "shipping_refund":
                untaxed -= Decimal(adjustment["amount"])
                tax -= Decimal(adjustment["tax_amount"])
        return untaxed, tax


class RefundTaxTests:
    """The same walks in both kinds of store (the classes below)."""

    def test_shipping_refund_in_both_shapes_is_taxed_on_the_shipping_tax(self):
        order, _sale = self.taxed_order(3601 + 10 * self.taxes_included)
        for legacy in (False, True):
            refund, expected = refund_payload(order, shipping="2.50", legacy_shipping=legacy)
            untaxed, tax = self.shopify_shipping(refund)
            self.assertTrue(tax, "precondition: the shipping refunded carries tax")
            move = self.apply(refund)
            self.assert_credit_note(move, expected)
            self.assertEqual(self.tax_report(move), {self.shipping_tax: (untaxed, tax)})

    def test_order_adjustment_with_its_own_tax_is_split_on_the_tax_that_gives_it(self):
        order, _sale = self.taxed_order(3602 + 10 * self.taxes_included)
        # 5.00 more given back than the mugs, taxed at the shipping rate (5 %), as a discrepancy.
        refund, expected = refund_payload(
            order,
            lines=[{"index": 1, "quantity": 1}],
            adjustments=[("-5.00", "-0.25", "Shipping goodwill", "refund_discrepancy")],
        )
        move = self.apply(refund)
        self.assert_credit_note(move, expected)
        report = self.tax_report(move)
        self.assertEqual(report[self.shipping_tax], (Decimal("5.00"), Decimal("0.25")))
        mug = Decimal(refund["refund_line_items"][0]["subtotal"]).quantize(Decimal("0.01"))
        mug_tax = Decimal(refund["refund_line_items"][0]["total_tax"]).quantize(Decimal("0.01"))
        self.assertEqual(report[self.goods_tax], (mug - mug_tax if self.taxes_included else mug, mug_tax))

    def test_order_adjustment_with_tax_and_no_line_keeps_the_goods_tax(self):
        order, _sale = self.taxed_order(3603 + 10 * self.taxes_included)
        rate = Decimal("0.20") if self.taxes_included else Decimal("0.0725")
        tax = (Decimal("10.00") * rate).quantize(Decimal("0.01"), ROUND_HALF_UP)  # as Shopify rounds
        refund, expected = refund_payload(order, adjustments=[("-10.00", f"{-tax}", "Price adjustment")])
        move = self.apply(refund)
        self.assert_credit_note(move, expected)
        self.assertEqual(self.tax_report(move), {self.goods_tax: (Decimal("10.00"), tax)})

    def test_order_adjustment_whose_tax_no_order_tax_gives_fails_naming_it(self):
        order, _sale = self.taxed_order(3604 + 10 * self.taxes_included)
        refund, _expected = refund_payload(order, adjustments=[("-10.00", "-0.99", "Price adjustment")])
        job = self.run_webhook("refunds/create", refund)
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertIn("0.99", job.error_message)
        self.assertFalse(self.credit_note_of(refund))

    def test_whole_order_refunded_credits_the_invoice_tax_for_tax(self):
        order, sale = self.taxed_order(3605 + 10 * self.taxes_included)
        refund, expected = refund_payload(order, lines=[{"index": 0}, {"index": 1}], shipping="full")
        self.assertEqual(expected["total"], Decimal(order["total_price"]))
        move = self.apply(refund)
        self.assert_credit_note(move, expected)
        invoice = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        credited = {tax: (-base, -tax_amount) for tax, (base, tax_amount) in self.tax_report(move).items()}
        self.assertEqual(credited, self.tax_report(invoice), "the credit note takes back each tax as invoiced")


@tagged("post_install", "-at_install")
class TestRefundTaxesExcluded(RefundTaxCase, RefundTaxTests):
    """Prices without tax (US): Shopify adds the tax to every amount."""

    allow_inherited_tests_method = True  # the tests of RefundTaxTests


@tagged("post_install", "-at_install")
class TestRefundTaxesIncluded(RefundTaxCase, RefundTaxTests):
    """Prices with tax included (EU VAT): a line's subtotal holds its tax; shipping refunded and
    order adjustments come without theirs."""

    taxes_included = True
    allow_inherited_tests_method = True
