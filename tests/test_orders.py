"""Orders from Shopify webhook payloads to sale orders, exact to the cent."""

import json
from decimal import Decimal

from odoo.tests import tagged

from ..handlers import orders as orders_handler
from ..lib.order_mapping import parse_order
from .common import ShopifyCase
from .order_payloads import order_payload
from .shopify_reference import webhook_example


@tagged("post_install", "-at_install")
class TestOrderImport(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.backend.company_id
        us = cls.env.ref("base.us")
        cls.company.write(
            {
                "country_id": us.id,
                "currency_id": cls.env.ref("base.USD").id,
                "tax_calculation_rounding_method": "round_per_line",
            }
        )
        Tax = cls.env["account.tax"]
        cls.tax_ca = Tax.create(
            {"name": "CA 7.25%", "amount": 7.25, "type_tax_use": "sale", "company_id": cls.company.id}
        )
        cls.tax_county = Tax.create(
            {"name": "County 1%", "amount": 1.0, "type_tax_use": "sale", "company_id": cls.company.id}
        )
        cls.tax_vat = Tax.create(
            {
                "name": "VAT 20% incl.",
                "amount": 20.0,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": cls.company.id,
            }
        )
        Map = cls.env["shopify.tax.map"]
        Map.create(
            {"backend_id": cls.backend.id, "name": "CA State Tax", "rate_percent": 7.25, "tax_id": cls.tax_ca.id}
        )
        Map.create(
            {
                "backend_id": cls.backend.id,
                "name": "Los Angeles County Tax",
                "rate_percent": 1.0,
                "country_id": us.id,
                "tax_id": cls.tax_county.id,
            }
        )
        Map.create({"backend_id": cls.backend.id, "name": "VAT", "rate_percent": 20.0, "tax_id": cls.tax_vat.id})
        Product = cls.env["product.product"]
        cls.mug = Product.create(
            {"name": "Mug", "default_code": "MUG-1", "type": "consu", "is_storable": True, "taxes_id": False}
        )
        cls.shirt = Product.create({"name": "Shirt", "default_code": "SHIRT-M", "type": "consu", "taxes_id": False})
        cls.cap = Product.create({"name": "Cap", "barcode": "0123456789012", "type": "consu", "taxes_id": False})
        cls.bound = Product.create(
            {"name": "Bound poster", "default_code": "POSTER-OLD", "type": "consu", "taxes_id": False}
        )
        cls.env["shopify.binding"]._bind(cls.backend, "gid://shopify/ProductVariant/9001", cls.bound)

    def setUp(self):
        super().setUp()
        orders_handler._BARCODE_CACHE.clear()
        # Shopify knows one barcode: variant 9003's.
        self.standin.root["nodes"] = lambda _info, ids: [
            {
                "__typename": "ProductVariant",
                "id": gid,
                "sku": "",
                "barcode": "0123456789012" if gid.endswith("/9003") else None,
            }
            for gid in ids
        ]

    def import_payload(self, payload, topic="orders/create", **headers):
        job, _created = self.intake(topic, payload, **headers)
        self.perform(job)
        return job

    def assert_matches_shopify(self, sale, payload):
        """Untaxed, tax and total of the sale order equal the payload's, to the cent."""
        total, tax = Decimal(payload["total_price"]), Decimal(payload["total_tax"])
        self.assertEqual(orders_handler.odoo_amount(sale.amount_total), total)
        self.assertEqual(orders_handler.odoo_amount(sale.amount_tax), tax)
        self.assertEqual(orders_handler.odoo_amount(sale.amount_untaxed), total - tax)

    def sale_of(self, payload):
        return self.env["shopify.binding"]._record_for(self.backend, payload["admin_graphql_api_id"])

    def test_multi_line_order_with_discounts_shipping_tip_and_two_taxes(self):
        payload = order_payload(
            1001,
            lines=[
                {
                    "variant_id": 9001,
                    "sku": "POSTER-NEW",
                    "price": "19.99",
                    "quantity": 3,
                    "discount": "5.97",
                    "taxes": [("CA State Tax", 7.25), ("Los Angeles County Tax", 1)],
                },
                {
                    "variant_id": 9002,
                    "sku": "MUG-1",
                    "price": "12.50",
                    "quantity": 2,
                    "discount": "2.50",
                    "taxes": [("CA State Tax", 7.25)],
                },
                {"variant_id": 9003, "sku": "", "price": "33.33", "quantity": 1, "taxes": [("CA State Tax", 7.25)]},
            ],
            shipping={"price": "7.90", "title": "UPS Ground"},
            tip="3.00",
        )
        job = self.import_payload(payload)
        self.assertEqual(job.state, "done", job.error_message)
        sale = self.sale_of(payload)
        self.assertEqual(job.res_id, sale.id)
        self.assertEqual(sale.client_order_ref, "#1001")
        self.assertEqual(sale.state, "sale")
        self.assert_matches_shopify(sale, payload)
        products = sale.order_line.mapped("product_id")
        # variant binding wins over SKU; then SKU; then barcode (read once from Shopify)
        self.assertEqual(products[:3], self.bound | self.mug | self.cap)
        self.assertIn(self.backend.shipping_product_id, products)
        self.assertIn(self.backend.tip_product_id, products)
        line = sale.order_line.filtered(lambda ln: ln.product_id == self.bound)
        self.assertEqual(line.tax_ids, self.tax_ca | self.tax_county)
        self.assertEqual(orders_handler.odoo_amount(line.price_subtotal), Decimal("54.00"))  # 3 x 19.99 - 5.97
        self.assertEqual(self.standin.operations().count("VariantBarcodes"), 1)
        # The barcode match is now a binding: the next order needs no API call.
        calls = len(self.standin.requests_log)
        self.import_payload(order_payload(1002, lines=[{"variant_id": 9003, "price": "33.33"}]))
        self.assertEqual(len(self.standin.requests_log), calls)

    def test_duties_and_additional_fees_become_lines_on_their_products(self):
        payload = order_payload(
            1201,
            lines=[{"sku": "MUG-1", "price": "40.00", "quantity": 2, "taxes": [("CA State Tax", 7.25)]}],
            shipping={"price": "9.00"},
        )
        duty, fee = Decimal("6.35"), Decimal("1.50")

        def money(value):
            return {
                "shop_money": {"amount": str(value), "currency_code": "USD"},
                "presentment_money": {"amount": str(value), "currency_code": "USD"},
            }

        payload["line_items"][0]["duties"] = [
            {
                "id": 7001,
                "harmonized_system_code": "6912.00",
                "country_code_of_origin": "CN",
                "price": str(duty),
                "price_set": money(duty),
                "tax_lines": [],
            }
        ]
        payload["current_total_additional_fees_set"] = money(fee)
        total = Decimal(payload["total_price"]) + duty + fee
        payload["total_price"], payload["total_price_set"] = str(total), money(total)
        job = self.import_payload(payload)
        self.assertEqual(job.state, "done", job.error_message)
        sale = self.sale_of(payload)
        self.assert_matches_shopify(sale, payload)
        by_product = {line.product_id: line for line in sale.order_line}
        self.assertEqual(orders_handler.odoo_amount(by_product[self.backend.duty_product_id].price_subtotal), duty)
        self.assertEqual(orders_handler.odoo_amount(by_product[self.backend.fee_product_id].price_subtotal), fee)

    def test_company_rounding_per_tax_is_named_as_the_fix(self):
        self.company.tax_calculation_rounding_method = "round_globally"
        # Per line: 3.915 -> 3.92 and 1.63125 -> 1.63 (5.55); per tax over the order: 5.54625 -> 5.55
        # would match, so use amounts where the two methods part: 3 x 0.725 -> 0.73 each.
        payload = order_payload(
            1020,
            lines=[
                {"sku": "MUG-1", "price": "10.00", "taxes": [("CA State Tax", 7.25)]},
                {"sku": "SHIRT-M", "price": "10.00", "taxes": [("CA State Tax", 7.25)]},
                {"variant_id": 9001, "price": "10.00", "taxes": [("CA State Tax", 7.25)]},
            ],
        )
        self.assertEqual(payload["total_tax"], "2.19")
        job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"), job.error_message)
        self.assertIn("tax Odoo 2.18 vs Shopify 2.19", job.error_message)
        self.assertIn("Round per Line", job.fix_hint)
        self.company.tax_calculation_rounding_method = "round_per_line"
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assert_matches_shopify(self.sale_of(payload), payload)

    def test_taxes_included(self):
        payload = order_payload(
            1003,
            taxes_included=True,
            lines=[
                {
                    "variant_id": 9101,
                    "sku": "SHIRT-M",
                    "price": "24.99",
                    "quantity": 3,
                    "discount": "4.99",
                    "taxes": [("VAT", 20)],
                },
            ],
            shipping={"price": "4.99", "taxes": [("VAT", 20)]},
        )
        job = self.import_payload(payload)
        self.assertEqual(job.state, "done", job.error_message)
        self.assert_matches_shopify(self.sale_of(payload), payload)

    def test_unknown_sku_then_fix_then_retry(self):
        payload = order_payload(
            1004, lines=[{"variant_id": 4455, "sku": "ABC-1", "price": "10.00", "taxes": [("CA State Tax", 7.25)]}]
        )
        job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertIn("SKU ABC-1 (variant 4455", job.error_message)
        self.assertIn("has no Odoo product", job.error_message)
        self.assertFalse(self.sale_of(payload))
        partners_before = self.env["res.partner"].search_count([])
        self.env["product.product"].create({"name": "ABC", "default_code": "ABC-1", "type": "consu", "taxes_id": False})
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assert_matches_shopify(self.sale_of(payload), payload)
        self.assertEqual(self.env["sale.order"].search_count([("client_order_ref", "=", "#1004")]), 1)
        # the failed run left nothing behind: after the retry, one new customer ('Jane Buyer1004') and
        # its delivery contact (the shipping address is addressed to 'Jane Buyer'), nothing else
        self.assertEqual(self.env["res.partner"].search_count([]), partners_before + 2)

    def test_unmapped_tax_then_fix_then_retry(self):
        payload = order_payload(1005, lines=[{"sku": "MUG-1", "price": "10.00", "taxes": [("NY State Tax", 4)]}])
        job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertIn("tax 'NY State Tax' 4%", job.error_message)
        self.assertIn(f"no mapping for company {self.company.name}", job.error_message)
        tax = self.env["account.tax"].create(
            {"name": "NY 4%", "amount": 4, "type_tax_use": "sale", "company_id": self.company.id}
        )
        self.env["shopify.tax.map"].create(
            {"backend_id": self.backend.id, "name": "NY State Tax", "rate_percent": 4, "tax_id": tax.id}
        )
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        self.assert_matches_shopify(self.sale_of(payload), payload)

    def test_replay_and_out_of_order_updates(self):
        first = order_payload(
            1006,
            lines=[{"sku": "MUG-1", "price": "10.00", "taxes": [("CA State Tax", 7.25)]}],
            updated_at="2026-11-23T10:00:00-05:00",
        )
        self.backend.auto_confirm = False
        self.import_payload(first)
        sale = self.sale_of(first)
        newer = order_payload(
            1006,
            order_id=first["id"],
            customer=first["customer"],
            lines=[{"sku": "MUG-1", "price": "10.00", "quantity": 2, "taxes": [("CA State Tax", 7.25)]}],
            updated_at="2026-11-23T11:00:00-05:00",
        )
        job = self.import_payload(newer, topic="orders/updated")
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(sale.order_line.product_uom_qty, 2)
        self.assert_matches_shopify(sale, newer)
        # The older version arrives late: nothing changes.
        late = self.import_payload(first, topic="orders/updated")
        self.assertIn("Older than the version already applied", late.result_summary)
        self.assertEqual(sale.order_line.product_uom_qty, 2)
        # The same event delivered again under another webhook id: still one order.
        self.import_payload(newer, topic="orders/updated")
        self.assertEqual(self.env["sale.order"].search_count([("client_order_ref", "=", "#1006")]), 1)

    def test_cancellation(self):
        payload = order_payload(1007, lines=[{"sku": "MUG-1", "price": "10.00", "taxes": [("CA State Tax", 7.25)]}])
        self.import_payload(payload)
        sale = self.sale_of(payload)
        self.assertEqual(sale.state, "sale")
        cancelled = dict(payload, cancelled_at="2026-11-23T12:00:00-05:00", updated_at="2026-11-23T12:00:00-05:00")
        job = self.import_payload(cancelled, topic="orders/cancelled")
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(sale.state, "cancel")

    def test_guest_checkout_and_phone_warning(self):
        address = {
            "first_name": "Sam",
            "last_name": "Guest",
            "address1": "9 Elm St",
            "city": "Fresno",
            "zip": "93650",
            "province_code": "CA",
            "country_code": "US",
            "phone": "555-CALL-NOW",
        }
        payload = order_payload(
            1008,
            customer=None,
            billing=address,
            lines=[{"sku": "MUG-1", "price": "10.00", "taxes": [("CA State Tax", 7.25)]}],
        )
        job = self.import_payload(payload)
        self.assertEqual(job.state, "done", job.error_message)
        sale = self.sale_of(payload)
        self.assertEqual(sale.partner_id.name, "Sam Guest")
        self.assertFalse(sale.partner_id.email)
        self.assertIn("555-CALL-NOW", job.warning_message)
        again = order_payload(
            1009,
            customer=None,
            billing=address,
            lines=[{"sku": "MUG-1", "price": "10.00", "taxes": [("CA State Tax", 7.25)]}],
        )
        self.import_payload(again)
        self.assertEqual(self.sale_of(again).partner_id, sale.partner_id)

    def test_customer_matched_by_binding_then_email_and_phone_normalised(self):
        payload = order_payload(1010, lines=[{"sku": "MUG-1", "price": "10.00", "taxes": [("CA State Tax", 7.25)]}])
        self.import_payload(payload)
        partner = self.sale_of(payload).partner_id
        self.assertEqual(partner.email, "buyer1010@example.com")
        self.assertEqual(partner.phone, "+14155550100")
        # Same customer id, new e-mail in Shopify: the binding keeps it the same contact.
        again = order_payload(
            1011,
            customer=dict(payload["customer"], email="new@example.com"),
            lines=[{"sku": "MUG-1", "price": "10.00", "taxes": [("CA State Tax", 7.25)]}],
        )
        self.import_payload(again)
        self.assertEqual(self.sale_of(again).partner_id, partner)

    def test_unknown_state_is_a_data_error_naming_it(self):
        billing = {
            "first_name": "A",
            "last_name": "B",
            "address1": "x",
            "city": "y",
            "zip": "1",
            "province_code": "ZZ",
            "province": "Nowhere",
            "country_code": "US",
        }
        payload = order_payload(1012, billing=billing, lines=[{"sku": "MUG-1", "price": "10.00"}])
        job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertIn("State 'ZZ' (Nowhere)", job.error_message)

    def test_foreign_currency_needs_active_currency_and_pricelist(self):
        payload = order_payload(1013, currency="EUR", lines=[{"sku": "MUG-1", "price": "10.00"}])
        eur = self.env.ref("base.EUR")
        eur.active = False
        job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"))
        self.assertIn("EUR, which is not an active currency", job.error_message)
        eur.active = True
        job.action_retry()
        self.perform(job)
        self.assertIn("has no EUR pricelist", job.error_message)
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": eur.id})
        self.backend.pricelist_ids = pricelist
        job.action_retry()
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        sale = self.sale_of(payload)
        self.assertEqual(sale.currency_id, eur)
        self.assert_matches_shopify(sale, payload)

    def test_shopify_example_payload_is_refused_when_totals_disagree(self):
        # Shopify's documented orders/create example does not add up (its total leaves out
        # shipping): the importer must refuse it with both figures rather than write it.
        payload = webhook_example("orders/create")
        for item in payload["line_items"]:
            self.env["product.product"].create(
                {"name": item["title"], "default_code": item["sku"], "type": "consu", "taxes_id": False}
            )
        self.backend.skip_test_orders = False
        job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "data"), job.error_message)
        self.assertIn("would not match Shopify to the cent", job.error_message)
        self.assertIn(f"vs Shopify {payload['total_price']}", job.error_message)
        self.assertFalse(self.env["sale.order"].search([("client_order_ref", "=", payload["name"])]))

    def test_test_orders_skipped_and_unpaid_orders_wait(self):
        job = self.import_payload(order_payload(1014, test=True, lines=[{"sku": "MUG-1", "price": "1.00"}]))
        self.assertIn("Test order #1014 skipped", job.result_summary)
        self.backend.import_only_paid = True
        pending = order_payload(1015, financial_status="pending", lines=[{"sku": "MUG-1", "price": "1.00"}])
        job = self.import_payload(pending)
        self.assertEqual(job.state, "done")
        self.assertFalse(self.sale_of(pending))
        paid = dict(pending, financial_status="paid", updated_at="2026-11-23T11:00:00-05:00")
        self.import_payload(paid, topic="orders/paid")
        self.assertTrue(self.sale_of(paid))

    def test_parse_keeps_amounts_decimal(self):
        payload = order_payload(
            1016, lines=[{"sku": "MUG-1", "price": "0.10", "quantity": 3, "taxes": [("CA State Tax", 7.25)]}]
        )
        order = parse_order(json.loads(json.dumps(payload), parse_float=Decimal))
        self.assertEqual(order.lines[0].gross, Decimal("0.30"))
        self.assertIsInstance(order.lines[0].taxes[0].rate, Decimal)
        self.assertEqual(order.total_price, Decimal(payload["total_price"]))


@tagged("post_install", "-at_install")
class TestOrderInvoicing(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.setup_books_company("Shopify Books Inc")
        cls.tax = cls.setup_us_sales_tax(cls.company)
        cls.env["product.product"].create(
            {"name": "Lamp", "default_code": "LAMP-1", "type": "consu", "invoice_policy": "order", "taxes_id": False}
        )
        cls.bank = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )

    def test_paid_order_is_invoiced_and_paid_once_the_gateway_is_mapped(self):
        payload = order_payload(
            2001,
            lines=[
                {
                    "sku": "LAMP-1",
                    "price": "49.95",
                    "quantity": 2,
                    "discount": "9.99",
                    "taxes": [("CA State Tax", 7.25)],
                }
            ],
            shipping={"price": "6.00"},
        )
        job, _created = self.intake("orders/create", payload)
        self.perform(job)
        self.assertEqual(job.state, "done", job.error_message)
        sale = self.env["shopify.binding"]._record_for(self.backend, payload["admin_graphql_api_id"])
        invoice = sale.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(orders_handler.odoo_amount(invoice.amount_total), Decimal(payload["total_price"]))
        self.assertEqual(orders_handler.odoo_amount(invoice.amount_tax), Decimal(payload["total_tax"]))
        # The money comes as a transaction; its gateway has no journal yet.
        tx = {
            "id": 61001,
            "admin_graphql_api_id": "gid://shopify/OrderTransaction/61001",
            "order_id": payload["id"],
            "kind": "sale",
            "status": "success",
            "gateway": "shopify_payments",
            "amount": payload["total_price"],
            "currency": "USD",
            "processed_at": payload["processed_at"],
            "test": False,
        }
        pay, _created = self.intake("order_transactions/create", tx)
        self.perform(pay)
        self.assertEqual((pay.state, pay.failure_category), ("failed", "configuration"))
        self.assertIn("Payment gateway 'shopify_payments'", pay.error_message)
        self.assertIn("has no journal", pay.error_message)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.env["shopify.gateway.map"].create(
            {"backend_id": self.backend.id, "gateway": "shopify_payments", "journal_id": self.bank.id}
        )
        pay.action_retry()
        self.perform(pay)
        self.assertEqual(pay.state, "done", pay.error_message)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        payment = self.env["shopify.binding"]._record_for(self.backend, tx["admin_graphql_api_id"])
        self.assertEqual(payment.journal_id, self.bank)
        self.assertEqual(orders_handler.odoo_amount(payment.amount), Decimal(payload["total_price"]))
        # orders/paid delivered afterwards: nothing more is invoiced.
        again, _created = self.intake("orders/paid", dict(payload, updated_at="2026-11-23T12:00:00-05:00"))
        self.perform(again)
        self.assertEqual(again.state, "done", again.error_message)
        self.assertEqual(len(sale.invoice_ids), 1)

    def test_an_order_imported_before_invoicing_was_on_is_completed_not_duplicated(self):
        """A sale order left without its invoice (invoicing off, or a run interrupted before it) is
        found through its binding on the next event and completed: one order, one invoice."""
        self.backend.create_invoice = False
        payload = order_payload(2101, lines=[{"sku": "LAMP-1", "price": "19.90", "taxes": [("CA State Tax", 7.25)]}])
        first, _created = self.intake("orders/create", payload)
        self.perform(first)
        sale = self.env["shopify.binding"]._record_for(self.backend, payload["admin_graphql_api_id"])
        self.assertEqual((sale.state, len(sale.invoice_ids)), ("sale", 0))

        self.backend.create_invoice = True
        self.env["shopify.gateway.map"].create(
            {"backend_id": self.backend.id, "gateway": "shopify_payments", "journal_id": self.bank.id}
        )
        replay, _created = self.intake("orders/updated", payload)
        self.perform(replay)
        self.assertEqual(replay.state, "done", replay.error_message)
        self.assertEqual(
            self.env["sale.order"].search_count(
                [("client_order_ref", "=", "#2101"), ("company_id", "=", self.company.id)]
            ),
            1,
        )
        self.assertEqual(len(sale.invoice_ids), 1)
        self.assertEqual(orders_handler.odoo_amount(sale.invoice_ids.amount_total), Decimal(payload["total_price"]))
