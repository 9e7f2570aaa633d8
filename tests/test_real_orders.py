"""Order shapes real stores send (issue 17), each on the smallest body that shows it: non-taxable
items with 0.00 tax lines, orders without customer, custom items, product matching without an API
call, Odoo's own configuration errors, customers per company, deliveries to another recipient."""

import json
from decimal import Decimal

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..handlers import orders as orders_handler
from .common import WEBHOOK_SECRET, ShopifyCase, parsed_headers
from .order_payloads import _set, b2b_order_payload, order_payload

CA = [("CA State Tax", 7.25)]


def zero_tax_line(title, rate_percent, currency="USD"):
    """The 0.00 tax line Shopify sends on a non-taxable item (or a tax-exempt customer's)."""
    return {
        "title": title,
        "rate": float(Decimal(str(rate_percent)) / 100),
        "price": "0.00",
        "price_set": _set("0.00", currency),
        "channel_liable": False,
    }


@tagged("post_install", "-at_install")
class TestRealOrderShapes(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.backend.company_id
        cls.tax_ca = cls.setup_us_sales_tax()
        cls.tax_vat = cls.env["account.tax"].create(
            {
                "name": "VAT 20% incl.",
                "amount": 20.0,
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": cls.company.id,
            }
        )
        cls.env["shopify.tax.map"].create(
            {"backend_id": cls.backend.id, "name": "VAT", "rate_percent": 20.0, "tax_id": cls.tax_vat.id}
        )
        Product = cls.env["product.product"]
        cls.mug = Product.create(
            {"name": "Mug", "default_code": "MUG-1", "type": "consu", "is_storable": True, "taxes_id": False}
        )
        cls.card = Product.create({"name": "Card", "default_code": "CARD-1", "type": "consu", "taxes_id": False})

    def setUp(self):
        super().setUp()
        orders_handler._BARCODE_CACHE.clear()
        self.standin.root["nodes"] = lambda _info, ids: [
            {"__typename": "ProductVariant", "id": gid, "sku": "", "barcode": None} for gid in ids
        ]

    def import_payload(self, payload, topic="orders/create", backend=None):
        if backend:
            body = json.dumps(payload).encode()
            headers = parsed_headers(body, topic, shop=backend.shop_domain)
            job, _created = self.env["shopify.sync.job"].sudo()._intake_webhook(backend, headers, body, payload)
        else:
            job, _created = self.intake(topic, payload)
        self.perform(job)
        return job

    def sale_of(self, payload, backend=None):
        return self.env["shopify.binding"]._record_for(backend or self.backend, payload["admin_graphql_api_id"])

    def assert_exact(self, job, payload, backend=None):
        self.assertEqual(job.state, "done", job.error_message)
        sale = self.sale_of(payload, backend)
        self.assertEqual(orders_handler.odoo_amount(sale.amount_total), Decimal(payload["total_price"]))
        self.assertEqual(orders_handler.odoo_amount(sale.amount_tax), Decimal(payload["total_tax"]))
        return sale

    # -- 1. taxes Shopify did not charge -----------------------------------------------------

    def test_non_taxable_item_with_zero_tax_line_imports_exact(self):
        payload = order_payload(
            1701,
            lines=[
                {"sku": "MUG-1", "price": "20.00", "taxes": CA},
                {"sku": "CARD-1", "price": "10.00"},
            ],
        )
        card = payload["line_items"][1]
        card["taxable"] = False
        card["tax_lines"] = [zero_tax_line("CA State Tax", 7.25)]
        self.assertEqual(payload["total_tax"], "1.45")
        sale = self.assert_exact(self.import_payload(payload), payload)
        line = sale.order_line.filtered(lambda ln: ln.product_id == self.card)
        self.assertFalse(line.tax_ids, "Shopify charged no tax on the non-taxable item")

    def test_non_taxable_item_on_tax_included_store_with_only_shipping_taxed(self):
        payload = order_payload(
            1702,
            taxes_included=True,
            lines=[{"sku": "CARD-1", "price": "30.00"}],
            shipping={"price": "6.00", "taxes": [("VAT", 20)]},
        )
        payload["line_items"][0]["taxable"] = False
        payload["line_items"][0]["tax_lines"] = [zero_tax_line("VAT", 20)]
        self.assertEqual(payload["total_tax"], "1.00")
        sale = self.assert_exact(self.import_payload(payload), payload)
        shipping = sale.order_line.filtered(lambda ln: ln.product_id == self.backend.shipping_product_id)
        self.assertEqual(shipping.tax_ids, self.tax_vat)

    def test_tax_exempt_customer_with_zero_tax_lines_imports_exact(self):
        payload = order_payload(1703, lines=[{"sku": "MUG-1", "price": "20.00", "quantity": 2}])
        payload["tax_exempt"] = True
        payload["customer"]["tax_exempt"] = True
        payload["line_items"][0]["tax_lines"] = [zero_tax_line("CA State Tax", 7.25)]
        sale = self.assert_exact(self.import_payload(payload), payload)
        self.assertEqual(orders_handler.odoo_amount(sale.amount_total), Decimal("40.00"))

    def test_order_in_company_currency_ignores_the_customers_pricelist_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        pricelist = self.env["product.pricelist"].create({"name": "Export EUR", "currency_id": eur.id})
        self.env["res.partner"].create(
            {"name": "Known", "email": "buyer1704@example.com", "property_product_pricelist": pricelist.id}
        )
        payload = order_payload(1704, lines=[{"sku": "MUG-1", "price": "20.00", "taxes": CA}])
        sale = self.assert_exact(self.import_payload(payload), payload)
        self.assertEqual(sale.currency_id.name, "USD")

    # -- 2. no customer ----------------------------------------------------------------------

    def _anonymous(self, number):
        payload = order_payload(number, customer=None, lines=[{"sku": "MUG-1", "price": "12.00", "taxes": CA}])
        payload.update(email=None, billing_address=None, shipping_address=None, source_name="shopify_draft_order")
        return payload

    def test_order_without_customer_email_or_address_imports_on_default_customer(self):
        payload = self._anonymous(1711)
        sale = self.assert_exact(self.import_payload(payload), payload)
        walk_in = self.env.ref("shopify_sync.partner_walk_in")
        self.assertEqual(self.backend.default_customer_id, walk_in)
        self.assertEqual((sale.partner_id, sale.partner_invoice_id, sale.partner_shipping_id), (walk_in,) * 3)

    def test_order_without_customer_and_no_default_customer_names_the_setting(self):
        self.backend.default_customer_id = False
        payload = self._anonymous(1712)
        job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"), job.error_message)
        self.assertIn("Customer of orders without one", job.fix_hint)
        counter = self.env["res.partner"].create({"name": "Counter sales"})
        self.backend.default_customer_id = counter
        job.action_retry()
        self.perform(job)
        self.assertEqual(self.assert_exact(job, payload).partner_id, counter)

    # -- 3. custom items ---------------------------------------------------------------------

    def test_custom_item_imports_on_the_custom_item_product_with_its_title_and_taxes(self):
        payload = order_payload(
            1721,
            lines=[
                {"sku": "MUG-1", "variant_id": 8801, "product_id": 8800, "price": "20.00", "taxes": CA},
                {"title": "Engraving service", "price": "15.00", "taxes": CA},
                {"title": "Rush fee", "price": "5.00"},
            ],
        )
        for item in payload["line_items"][1:]:
            item["product_exists"] = False
            self.assertIsNone(item["variant_id"])
        sale = self.assert_exact(self.import_payload(payload), payload)
        custom = self.env.ref("shopify_sync.product_custom_item")
        lines = sale.order_line.filtered(lambda ln: ln.product_id == custom).sorted("id")
        self.assertEqual(lines.mapped("name"), ["Engraving service", "Rush fee"])
        self.assertEqual(lines[0].tax_ids, self.tax_ca)
        self.assertFalse(lines[1].tax_ids)
        self.assertEqual(self.standin.requests_log, [], "custom items need no API call")

    def test_line_that_lost_its_variant_but_has_an_unknown_sku_fails_naming_it(self):
        payload = order_payload(1722, lines=[{"sku": "GONE-1", "title": "Retired lamp", "price": "20.00"}])
        job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertIn("SKU GONE-1 (variant none, 'Retired lamp')", job.error_message)

    # -- 4. matching order -------------------------------------------------------------------

    def test_sku_match_needs_no_api_call_even_when_shopify_is_down(self):
        self.assertEqual(self.backend.product_match, "binding_sku_barcode")
        self.standin.queue_fault("503", count=50)
        payload = order_payload(1731, lines=[{"variant_id": 7731, "sku": "MUG-1", "price": "20.00", "taxes": CA}])
        sale = self.assert_exact(self.import_payload(payload), payload)
        self.assertEqual(sale.order_line[0].product_id, self.mug)
        self.assertEqual(self.standin.requests_log, [])

    def test_barcode_is_asked_once_per_variant_only_when_sku_fails(self):
        payload = order_payload(
            1732,
            lines=[
                {"variant_id": 7732, "sku": "NOPE-1", "price": "20.00", "taxes": CA},
                {"variant_id": 7733, "sku": "MUG-1", "price": "20.00", "taxes": CA},
            ],
        )
        job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        self.assertIn("SKU NOPE-1 (variant 7732", job.error_message)
        asked = [entry["json"]["variables"]["ids"] for entry in self.standin.requests_log]
        self.assertEqual(asked, [["gid://shopify/ProductVariant/7732"]])
        job.action_retry()
        self.perform(job)
        self.assertEqual(len(self.standin.requests_log), 1, "the variant's barcode is cached")

    # -- 5. Odoo's own configuration errors --------------------------------------------------

    def test_store_form_refuses_a_company_without_warehouse(self):
        company = self.env["res.company"].create({"name": "No Stock Ltd"})
        self.env["stock.warehouse"].search([("company_id", "=", company.id)]).active = False
        with self.assertRaisesRegex(ValidationError, "No Stock Ltd has no warehouse"):
            self.backend.company_id = company

    def test_company_without_warehouse_is_a_configuration_error_with_odoos_message(self):
        company = self.env["res.company"].create(
            {"name": "Lost Warehouse Inc", "currency_id": self.env.ref("base.USD").id}
        )
        self.env.user.company_ids |= company
        self.backend.company_id = company
        self.env["stock.warehouse"].search([("company_id", "=", company.id)]).active = False
        payload = order_payload(1741, lines=[{"sku": "MUG-1", "price": "20.00"}])
        with mute_logger("odoo.addons.shopify_sync.models.shopify_sync_job"):
            job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"), job.error_message)
        self.assertIn("Please create a warehouse for company Lost Warehouse Inc", job.fix_hint)
        self.assertNotIn("Report this to the addon maintainers", job.fix_hint)
        self.assertFalse(self.sale_of(payload))

    # -- 6. customers per company ------------------------------------------------------------

    def _other_store(self, share=False):
        company = self.env["res.company"].create(
            {"name": "Second Shop LLC", "currency_id": self.env.ref("base.USD").id}
        )
        self.env.user.company_ids |= company
        return self.env["shopify.backend"].create(
            {
                "name": "Second store",
                "shop_domain": "second-store.myshopify.com",
                "auth_mode": "legacy_token",
                "access_token": "shpat_legacy_token",
                "webhook_secret": WEBHOOK_SECRET,
                "api_base_url": self.standin.base_url,
                "company_id": company.id,
                "share_customers": share,
            }
        )

    def test_customers_belong_to_the_store_company_unless_shared(self):
        other = self._other_store()
        first = order_payload(1751, lines=[{"sku": "MUG-1", "price": "20.00", "taxes": CA}])
        mine = self.assert_exact(self.import_payload(first), first).partner_id
        self.assertEqual(mine.company_id, self.company)
        second = order_payload(
            1752, lines=[{"sku": "CARD-1", "price": "8.00"}], customer=dict(first["customer"], id=99_1752)
        )
        theirs = self.assert_exact(self.import_payload(second, backend=other), second, other).partner_id
        self.assertNotEqual(theirs, mine)
        self.assertEqual((theirs.email, theirs.company_id), (mine.email, other.company_id))
        # A store that shares its customers creates them for every company: the other store reuses them.
        self.backend.share_customers = True
        third = order_payload(1753, lines=[{"sku": "MUG-1", "price": "20.00", "taxes": CA}])
        shared = self.assert_exact(self.import_payload(third), third).partner_id
        self.assertFalse(shared.company_id)
        fourth = order_payload(
            1754, lines=[{"sku": "CARD-1", "price": "8.00"}], customer=dict(third["customer"], id=99_1754)
        )
        self.assertEqual(
            self.assert_exact(self.import_payload(fourth, backend=other), fourth, other).partner_id, shared
        )

    def test_email_match_is_exact_case_insensitive_and_skips_staff(self):
        wildcard = self.env["res.partner"].create({"name": "Other", "email": "axb@example.com"})
        staff = (
            self.env["res.users"]
            .create({"name": "Clerk", "login": "clerk@example.com", "email": "clerk@example.com"})
            .partner_id
        )
        known = self.env["res.partner"].create({"name": "Known", "email": "known@example.com"})
        cases = [
            ("a_b@example.com", lambda p: p != wildcard),
            ("clerk@example.com", lambda p: p != staff),
            ("KNOWN@Example.com", lambda p: p == known),
        ]
        for number, (email, check) in enumerate(cases, start=1761):
            payload = order_payload(
                number,
                lines=[{"sku": "CARD-1", "price": "8.00"}],
                customer={"id": number * 10, "email": email, "first_name": "A", "last_name": "B"},
            )
            partner = self.assert_exact(self.import_payload(payload), payload).partner_id
            self.assertTrue(check(partner), f"{email} matched {partner.display_name} ({partner.email})")

    # -- 7. deliveries to another recipient --------------------------------------------------

    def test_delivery_to_another_recipient_at_the_same_address_is_addressed_to_them(self):
        billing = {
            "first_name": "John",
            "last_name": "Buyer",
            "address1": "1 Market St",
            "city": "San Francisco",
            "zip": "94105",
            "province_code": "CA",
            "country_code": "US",
            "phone": "(415) 555-0100",
        }
        shipping = dict(billing, first_name="Jane", last_name="Receiver", company="Acme Labs", phone="(415) 555-0199")
        payload = order_payload(
            1771,
            customer={
                "id": 1771,
                "email": "john@example.com",
                "first_name": "John",
                "last_name": "Buyer",
                "default_address": billing,
            },
            billing=billing,
            shipping_address=shipping,
            lines=[{"sku": "MUG-1", "price": "20.00", "taxes": CA}],
        )
        sale = self.assert_exact(self.import_payload(payload), payload)
        self.assertEqual(sale.partner_invoice_id, sale.partner_id)
        delivery = sale.partner_shipping_id
        self.assertNotEqual(delivery, sale.partner_id)
        self.assertEqual(
            (delivery.name, delivery.company_name, delivery.phone, delivery.street),
            ("Jane Receiver", "Acme Labs", "+14155550199", "1 Market St"),
        )
        # The same recipient again: the same delivery contact; the buyer's own address: the buyer.
        again = order_payload(
            1772,
            customer=payload["customer"],
            billing=billing,
            shipping_address=shipping,
            lines=[{"sku": "MUG-1", "price": "20.00", "taxes": CA}],
        )
        self.assertEqual(self.assert_exact(self.import_payload(again), again).partner_shipping_id, delivery)
        own = order_payload(
            1773, customer=payload["customer"], billing=billing, lines=[{"sku": "MUG-1", "price": "20.00", "taxes": CA}]
        )
        self.assertEqual(self.assert_exact(self.import_payload(own), own).partner_shipping_id, sale.partner_id)

    # -- POS and B2B -------------------------------------------------------------------------

    def test_pos_sale_leaves_from_the_mapped_warehouse_or_names_the_location(self):
        payload = self._anonymous(1781)
        payload.update(source_name="pos", location_id=55501)
        job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "configuration"), job.error_message)
        self.assertIn("gid://shopify/Location/55501", job.error_message)
        warehouse = self.warehouse_at_location(55501, "DTS")
        job.action_retry()
        self.perform(job)
        sale = self.assert_exact(job, payload)
        self.assertEqual(sale.warehouse_id, warehouse)
        self.assertEqual(sale.picking_ids.picking_type_id.warehouse_id, warehouse)

    def test_b2b_order_is_sold_to_the_company_with_the_buyer_as_its_contact(self):
        buyers = ("ana@ortiz.example", "ben@ortiz.example")
        orders = []
        for number, buyer in zip((1791, 1792), buyers, strict=True):
            customer = {"id": number, "email": buyer, "first_name": "A", "last_name": "B"}
            payload = b2b_order_payload(number, customer, 4401)
            orders.append(self.assert_exact(self.import_payload(payload), payload))
        for sale, buyer in zip(orders, buyers, strict=True):
            self.assert_sold_to_b2b_company(sale, 4401, buyer)
        self.assertEqual(orders[0].partner_shipping_id, orders[1].partner_shipping_id)

    # -- binding a variant without SKU -------------------------------------------------------

    def test_bind_action_picks_the_product_of_a_variant_without_sku_and_retries(self):
        self.env.user.group_ids |= self.env.ref("shopify_sync.group_shopify_manager")
        payload = order_payload(
            1801,
            lines=[
                {"variant_id": 8011, "sku": "", "title": "Poster A2", "price": "20.00", "taxes": CA},
                {"variant_id": 8012, "sku": "MUG-1", "price": "20.00", "taxes": CA},
            ],
        )
        job = self.import_payload(payload)
        self.assertEqual((job.state, job.failure_category), ("failed", "data"))
        wizard = self.env["shopify.sync.bind.variant"].with_context(active_id=job.id).create({})
        self.assertEqual(wizard.line_ids.mapped("title"), ["Poster A2", "Product 2"])
        self.assertEqual(wizard.line_ids.mapped("product_id"), self.mug, "an SKU Odoo knows proposes its product")
        poster = self.env["product.product"].create({"name": "Poster", "type": "consu", "taxes_id": False})
        wizard.line_ids[0].product_id = poster
        wizard.action_bind()
        self.assertEqual(job.state, "queued")
        self.perform(job)
        sale = self.assert_exact(job, payload)
        self.assertEqual(sale.order_line[0].product_id, poster)
        calls = len(self.standin.requests_log)
        again = order_payload(1802, lines=[{"variant_id": 8011, "sku": "", "price": "20.00", "taxes": CA}])
        self.assertEqual(self.assert_exact(self.import_payload(again), again).order_line[0].product_id, poster)
        self.assertEqual(len(self.standin.requests_log), calls)
