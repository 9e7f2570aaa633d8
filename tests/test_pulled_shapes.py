"""Orders read back from Shopify (backfill, catch-up) import exactly like their webhook: a POS sale
leaves from its location's warehouse, a B2B order is sold to the Shopify company, custom items and
gift cards keep their kind. The GraphQL order carries what routes an order (source, retail
location, purchasing company, product of each line) and the converter gives it the webhook's shape."""

import json
import os
from datetime import datetime
from decimal import Decimal

from odoo.tests import tagged

from ..handlers.orders import odoo_amount
from ..lib import order_graphql
from ..lib.order_mapping import parse_order
from .common import ShopifyCase
from .order_payloads import b2b_order_payload, graphql_order, order_payload
from .test_order_corpus import CORPUS, corpus_files
from .test_order_pull import FakeShopOrders

CA = [("CA State Tax", 7.25)]
ADDRESS_KEYS = (
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "zip",
    "province",
    "province_code",
    "country",
    "country_code",
    "phone",
)
ORDER_FIELDS = (
    "gid",
    "name",
    "source_name",
    "location_gid",
    "company_gid",
    "company_location_gid",
    "email",
    "currency",
    "total_price",
    "total_tax",
    "subtotal_price",
    "total_discounts",
)
LINE_FIELDS = (
    "kind",
    "title",
    "custom",
    "variant_gid",
    "product_gid",
    "sku",
    "quantity",
    "unit_price",
    "discount",
    "tax_amount",
)


def pulled_body(payload):
    """The webhook body as the backfill stores it: Shopify's GraphQL order (JSON numbers as
    floats), converted, then read back as the job reads it."""
    node = json.loads(json.dumps(graphql_order(json.loads(json.dumps(payload, default=float)))))
    for connection in ("lineItems", "shippingLines"):
        node[connection] = {"edges": [{"node": child} for child in node[connection]]}
    return json.loads(order_graphql.dumps(order_graphql.rest_order(node)), parse_float=Decimal)


@tagged("post_install", "-at_install")
class TestPulledOrderShapes(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.backend.company_id
        cls.tax_ca = cls.setup_us_sales_tax()
        cls.mug = cls.env["product.product"].create(
            {"name": "Mug", "default_code": "MUG-1", "type": "consu", "is_storable": True, "taxes_id": False}
        )
        cls.backend.write({"auto_confirm": False, "state": "connected"})

    def setUp(self):
        super().setUp()
        self.shop = FakeShopOrders(self.standin)
        self.addCleanup(self.standin.root.clear)

    def pull(self, payload, mode="paginated"):
        """Shopify holds the order (no webhook came); a backfill reads it and its job imports it."""
        self.shop.add(payload)
        self.standin.bulk_running_polls = 0  # the bulk result is ready at the first poll
        self.env["shopify.sync.order.backfill"].create(
            {"backend_id": self.backend.id, "date_from": datetime(2026, 11, 1), "mode": mode}
        ).action_start()
        while queued := self.jobs(topic="orders/backfill", state="queued"):
            for job in queued:
                self.perform(job)
        job = self.jobs(topic="orders/updated", workflow="historical", shopify_ref=payload["name"])
        self.assertEqual(len(job), 1)
        for batch in self.jobs(topic="orders/batch", state="queued"):  # pulled orders import in batches
            self.perform(batch)
        self.assertEqual(job.state, "done", job.error_message)
        sale = self.env["shopify.binding"]._record_for(self.backend, payload["admin_graphql_api_id"])
        self.assertEqual(odoo_amount(sale.amount_total), Decimal(payload["total_price"]))
        self.assertEqual(odoo_amount(sale.amount_tax), Decimal(payload["total_tax"]))
        return job, sale

    # -- converter parity --------------------------------------------------------------------

    def test_pulled_order_parses_like_its_webhook_for_every_corpus_body(self):
        """Every corpus body (POS, B2B, custom items, no customer, duties, discounts...) read back
        through GraphQL parses as its webhook: routing, customer, addresses, lines, totals."""
        names = corpus_files()
        self.assertIn("generated_pos_sale_no_customer.json", names)
        self.assertIn("generated_b2b_company_location.json", names)
        for name in names:
            with open(os.path.join(CORPUS, name), encoding="utf-8") as handle:
                payload = json.load(handle, parse_float=Decimal)
            pulled = pulled_body(payload)
            for mode in ("shop", "presentment"):
                with self.subTest(body=name, money=mode):
                    webhook, graph = parse_order(payload, mode), parse_order(pulled, mode)
                    for field in ORDER_FIELDS:
                        self.assertEqual(getattr(graph, field), getattr(webhook, field), field)
                    self.assertEqual(graph.customer.get("id"), webhook.customer.get("id"))
                    for kind in ("billing_address", "shipping_address"):
                        self.assertEqual(
                            {k: getattr(graph, kind).get(k) for k in ADDRESS_KEYS},
                            {k: getattr(webhook, kind).get(k) for k in ADDRESS_KEYS},
                            kind,
                        )
                    self.assertEqual(len(graph.lines), len(webhook.lines))
                    for mine, theirs in zip(graph.lines, webhook.lines, strict=True):
                        if mode == "presentment" and mine.kind == "tip":
                            continue  # the stand-in's order gives the tip in shop money only, as webhooks do
                        for field in LINE_FIELDS:
                            self.assertEqual(getattr(mine, field), getattr(theirs, field), (mine.title, field))

    def test_converter_reads_routing_fields_from_the_graphql_order(self):
        payload = order_payload(6101, lines=[{"sku": "MUG-1", "price": "12.00"}])
        payload.update(source_name="pos", location_id=55601, company={"id": 4601, "location_id": 4602})
        pulled = pulled_body(payload)
        self.assertEqual(
            (pulled["source_name"], pulled["location_id"], pulled["company"]),
            ("pos", 55601, {"id": 4601, "location_id": 4602}),
        )
        # A customer's own purchase: purchasingEntity is the Customer, not a company.
        plain = pulled_body(order_payload(6102, lines=[{"sku": "MUG-1", "price": "12.00"}]))
        self.assertEqual((plain["source_name"], plain["location_id"], plain["company"]), (None, None, None))

    # -- shapes end to end -------------------------------------------------------------------

    def test_pulled_pos_order_leaves_from_its_locations_warehouse(self):
        warehouse = self.warehouse_at_location(55701, "DTP")
        self.assertNotEqual(warehouse, self.backend.warehouse_id)
        for number, mode in ((6201, "paginated"), (6202, "bulk")):
            with self.subTest(mode=mode):
                payload = order_payload(number, customer=None, lines=[{"sku": "MUG-1", "price": "12.00", "taxes": CA}])
                payload.update(
                    email=None, billing_address=None, shipping_address=None, source_name="pos", location_id=55701
                )
                _job, sale = self.pull(payload, mode)
                self.assertEqual(sale.warehouse_id, warehouse)
                self.assertEqual(sale.partner_id, self.backend.default_customer_id)

    def test_pulled_b2b_order_is_sold_to_the_company_with_the_buyer_as_contact(self):
        customer = {"id": 6301, "email": "ana@ortiz-pulled.example", "first_name": "Ana", "last_name": "Ortiz"}
        _job, sale = self.pull(b2b_order_payload(6301, customer, 4701))
        self.assert_sold_to_b2b_company(sale, 4701, "ana@ortiz-pulled.example")

    def test_pulled_custom_item_and_gift_card_keep_their_products(self):
        payload = order_payload(
            6401,
            lines=[
                {"sku": "MUG-1", "variant_id": 6411, "product_id": 6410, "price": "20.00", "taxes": CA},
                {"title": "Engraving service", "price": "15.00", "taxes": CA},
                {"title": "Gift card $25", "variant_id": 6421, "product_id": 6420, "sku": "", "price": "25.00"},
            ],
        )
        payload["line_items"][2]["gift_card"] = True
        _job, sale = self.pull(payload)
        custom = self.env.ref("shopify_sync.product_custom_item")
        self.assertEqual(
            sale.order_line.filtered(lambda ln: ln.product_id == custom).mapped("name"), ["Engraving service"]
        )
        self.assertEqual(
            sale.order_line.filtered(lambda ln: ln.product_id == self.backend.gift_card_product_id).mapped(
                "price_unit"
            ),
            [25.0],
        )
