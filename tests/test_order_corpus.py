"""Every order body of tests/corpus/orders/ through webhook -> job -> sale order (one subTest per
file; adding a file adds a case). The mapping a body needs (taxes, products by SKU or variant, its
currency's pricelist, a POS location's warehouse) is set up from the body itself, as an
administrator would; then the sale order must be Shopify's to the cent, or, for ``refused_*``
bodies, the job must fail with both figures and nothing written. No body may call Shopify."""

import json
import os
from decimal import Decimal

from odoo.tests import tagged

from ..handlers import orders as orders_handler
from ..lib.gid import to_gid
from .common import ShopifyCase

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "orders")


def corpus_files():
    return sorted(name for name in os.listdir(CORPUS) if name.endswith(".json"))


def mode_amount(obj, name, mode):
    """``obj[name]`` in shop or presentment money, from Shopify's strings."""
    money_set = obj.get(f"{name}_set")
    if money_set:
        return Decimal(money_set[f"{mode}_money"]["amount"])
    return Decimal(str(obj.get(name) or "0"))


def allocations(obj, mode):
    return sum((mode_amount(a, "amount", mode) for a in obj.get("discount_allocations") or []), Decimal(0))


@tagged("post_install", "-at_install")
class TestOrderCorpus(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.backend.company_id
        cls.company.write(
            {
                "country_id": cls.env.ref("base.us").id,
                "currency_id": cls.env.ref("base.USD").id,
                "tax_calculation_rounding_method": "round_per_line",
            }
        )
        cls.backend.skip_test_orders = False  # Shopify's documented examples are test orders

    def test_corpus_lists_its_sources(self):
        sources = open(os.path.join(CORPUS, "SOURCES"), encoding="utf-8").read()
        for name in corpus_files():
            self.assertIn(f"\n{name}  ", sources, f"{name} has no line in SOURCES")

    def test_every_corpus_body_imports_exact_or_is_refused(self):
        files = corpus_files()
        self.assertGreaterEqual(len(files), 16)
        self.outcomes = []
        for name in files:
            with open(os.path.join(CORPUS, name), "rb") as handle:
                raw = handle.read()
            body = json.loads(raw)
            modes = ["shop"]
            if body.get("presentment_currency") not in (None, body["currency"]):
                modes.append("presentment")
            for mode in modes:
                with self.subTest(body=name, currency=mode):
                    self.backend.order_currency_mode = mode
                    if mode == "presentment":
                        body, raw = self.as_another_order(body)
                    self.check_body(name, body, raw, mode)
        self.backend.order_currency_mode = "shop"
        # 3 Shopify documented examples and 2 generated bodies refused, the rest imported (one body twice)
        self.assertEqual(sorted(set(self.outcomes)), ["imported", "refused"])
        self.assertEqual(len(self.outcomes), len(files) + 1, self.outcomes)

    # -- one body ------------------------------------------------------------------------------

    @staticmethod
    def as_another_order(body):
        """The same body under another order id, to import it a second time in the other currency."""
        other_id = body["id"] + 900_000_000  # far from the ids of the corpus
        body = dict(body, id=other_id, admin_graphql_api_id=to_gid("Order", other_id), name=f"{body['name']}-P")
        return body, json.dumps(body).encode()

    def check_body(self, name, body, raw, mode):
        self.standin.reset()
        orders_handler._BARCODE_CACHE.clear()
        self.configure_from_body(body, mode)
        SaleOrder, Partner = self.env["sale.order"], self.env["res.partner"]
        counts = (SaleOrder.search_count([]), Partner.search_count([]))
        job, _created = self.intake("orders/create", raw)
        self.perform(job)
        self.assertEqual(self.standin.requests_log, [], "an order of the corpus called Shopify")
        sale = self.env["shopify.binding"]._record_for(self.backend, to_gid("Order", body["admin_graphql_api_id"]))
        total, tax = mode_amount(body, "total_price", mode), mode_amount(body, "total_tax", mode)
        if name.startswith("refused_"):
            self.assertEqual((job.state, job.failure_category), ("failed", "data"), job.error_message)
            self.assertIn("would not match Shopify to the cent", job.error_message)
            self.assertIn("Nothing was written", job.error_message)
            shown = f"Shopify {total}" in job.error_message or f"Shopify {tax}" in job.error_message
            self.assertTrue(shown and "Odoo " in job.error_message, job.error_message)
            self.assertFalse(sale)
            self.assertEqual((SaleOrder.search_count([]), Partner.search_count([])), counts)
            self.outcomes.append("refused")
            return
        self.assertEqual(job.state, "done", job.error_message)
        self.assertEqual(job.res_id, sale.id)
        odoo = orders_handler.odoo_amount
        self.assertEqual((odoo(sale.amount_total), odoo(sale.amount_tax)), (total, tax))
        currency = body["presentment_currency"] if mode == "presentment" else body["currency"]
        self.assertEqual(sale.currency_id.name, currency, f"pricelist {sale.pricelist_id.name} of {sale.name}")
        self.check_lines(body, sale, mode)
        self.check_customer(body, sale)
        self.assertEqual(sale.warehouse_id, self.expected_warehouse(body))
        self.outcomes.append("imported")

    def check_lines(self, body, sale, mode):
        """Shopify's lines in Shopify's order: items (each followed by its duties), shipping, tip; each
        line's net (after discounts, before tax unless prices include it) to the cent."""
        expected = []  # (kind, gross, net)
        for item in body["line_items"]:
            gross = mode_amount(item, "price", mode) * item["quantity"]
            expected.append(("item", gross, gross - allocations(item, mode)))
            for duty in item.get("duties") or []:
                price = mode_amount(duty, "price", mode)
                expected.append(("duty", price, price))
        for ship in body["shipping_lines"]:
            if not ship.get("is_removed"):
                price = mode_amount(ship, "price", mode)
                expected.append(("shipping", price, price - allocations(ship, mode)))
        lines = sale.order_line.filtered(lambda ln: not ln.display_type).sorted("id")
        tip = Decimal(body.get("total_tip_received") or "0")
        self.assertEqual(len(lines), len(expected) + (1 if tip else 0), [ln.name for ln in lines])
        included = body.get("taxes_included")
        odoo = orders_handler.odoo_amount
        for line, (kind, _gross, net) in zip(lines, expected, strict=False):
            self.assertEqual(odoo(line.price_total if included else line.price_subtotal), net, f"{kind} {line.name}")
        gross = sum((g for kind, g, _n in expected if kind in ("item", "shipping")), Decimal(0))
        net = sum((n for kind, _g, n in expected if kind in ("item", "shipping")), Decimal(0))
        self.assertEqual(gross - net, mode_amount(body, "total_discounts", mode), "discounts")
        shipping = sale.order_line.filtered(lambda ln: ln.product_id == self.backend.shipping_product_id)
        self.assertEqual(
            sum((odoo(ln.price_total if included else ln.price_subtotal) for ln in shipping), Decimal(0)),
            sum((n for kind, _g, n in expected if kind == "shipping"), Decimal(0)),
            "shipping",
        )
        for line, item in zip(
            lines.filtered(lambda ln: ln.product_id == self.backend.custom_item_product_id),
            [i for i in body["line_items"] if not (i.get("variant_id") or i.get("product_id") or i.get("sku"))],
            strict=False,
        ):
            self.assertEqual(line.name, item["name"])

    def check_customer(self, body, sale):
        customer = body.get("customer") or {}
        email = body.get("email") or customer.get("email")
        if body.get("company"):
            company = self.env["shopify.binding"]._record_for(self.backend, to_gid("Company", body["company"]["id"]))
            self.assertTrue(company.is_company)
            self.assertEqual(sale.partner_id.commercial_partner_id, company)
            self.assertEqual(company.name, body["billing_address"]["company"])
        elif email:
            self.assertEqual(sale.partner_id.email, email)
            self.assertEqual(sale.partner_id.company_id, self.company)
        elif not (body.get("billing_address") or body.get("shipping_address")):
            self.assertEqual(sale.partner_id, self.backend.default_customer_id)
        shipping = body.get("shipping_address")
        if shipping:
            delivery = sale.partner_shipping_id
            self.assertEqual(
                (delivery.name, delivery.street),
                (
                    " ".join(filter(None, [shipping.get("first_name"), shipping.get("last_name")])),
                    shipping.get("address1"),
                ),
            )

    def expected_warehouse(self, body):
        if body.get("source_name") == "pos" and body.get("location_id"):
            return (
                self.env["shopify.sync.location"]
                .search(
                    [
                        ("backend_id", "=", self.backend.id),
                        ("shopify_gid", "=", to_gid("Location", body["location_id"])),
                    ]
                )
                .warehouse_id
            )
        return self.backend.warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", self.company.id)], limit=1
        )

    # -- the administrator's part, read from the body ------------------------------------------

    def configure_from_body(self, body, mode):
        self.map_taxes(body)
        self.map_products(body)
        code = body["presentment_currency"] if mode == "presentment" else body["currency"]
        currency = self.env["res.currency"].with_context(active_test=False).search([("name", "=", code)])
        currency.active = True
        if currency != self.company.currency_id and not self.backend.pricelist_ids.filtered(
            lambda p: p.currency_id == currency
        ):
            self.backend.pricelist_ids |= self.env["product.pricelist"].create(
                {"name": f"Shopify {code}", "currency_id": currency.id, "company_id": self.company.id}
            )
        if body.get("source_name") == "pos" and body.get("location_id"):
            location_gid = to_gid("Location", body["location_id"])
            Location = self.env["shopify.sync.location"]
            if not Location.search([("backend_id", "=", self.backend.id), ("shopify_gid", "=", location_gid)]):
                warehouse = self.env["stock.warehouse"].create(
                    {
                        "name": f"Shop {body['location_id']}",
                        "code": f"S{str(body['location_id'])[-3:]}",
                        "company_id": self.company.id,
                    }
                )
                Location.create(
                    {
                        "backend_id": self.backend.id,
                        "name": f"Shop {body['location_id']}",
                        "shopify_gid": location_gid,
                        "warehouse_id": warehouse.id,
                    }
                )

    def map_taxes(self, body):
        included = bool(body.get("taxes_included"))
        carriers = list(body["line_items"]) + list(body["shipping_lines"])
        carriers += [duty for item in body["line_items"] for duty in item.get("duties") or []]
        Map = self.env["shopify.tax.map"]
        for carrier in carriers:
            for tax_line in carrier.get("tax_lines") or []:
                if not Decimal(tax_line["price"]):
                    continue  # a 0.00 line is no tax: nothing to map
                percent = (Decimal(str(tax_line["rate"])) * 100).normalize()
                if Map.search(
                    [
                        ("backend_id", "=", self.backend.id),
                        ("name", "=", tax_line["title"]),
                        ("rate_percent", "=", float(percent)),
                    ]
                ):
                    continue
                tax = self.env["account.tax"].create(
                    {
                        "name": f"{tax_line['title']} {percent}%",
                        "amount": float(percent),
                        "type_tax_use": "sale",
                        "company_id": self.company.id,
                        "price_include_override": "tax_included" if included else "tax_excluded",
                    }
                )
                Map.create(
                    {
                        "backend_id": self.backend.id,
                        "name": tax_line["title"],
                        "rate_percent": float(percent),
                        "tax_id": tax.id,
                    }
                )

    def map_products(self, body):
        Product = self.env["product.product"]
        for item in body["line_items"]:
            if item.get("sku"):
                if not Product.search([("default_code", "=", item["sku"])]):
                    Product.create(
                        {
                            "name": item["title"],
                            "default_code": item["sku"],
                            "type": "consu",
                            "is_storable": True,
                            "taxes_id": False,
                        }
                    )
            elif item.get("variant_id"):
                # A variant without SKU: the administrator binds it to its Odoo product.
                variant_gid = to_gid("ProductVariant", item["variant_id"])
                if not self.env["shopify.binding"]._record_for(self.backend, variant_gid):
                    product = Product.create({"name": item["title"], "type": "consu", "taxes_id": False})
                    self.env["shopify.binding"]._bind(self.backend, variant_gid, product)
