"""Orders read from Shopify: the backfill wizard (paginated and bulk) and the scheduled catch-up of
missed webhooks, through the same importer as webhooks."""

import json
import re
from datetime import datetime, timedelta
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError

from ..handlers import order_pull
from ..handlers.orders import odoo_amount
from ..lib import order_graphql
from ..lib.order_mapping import parse_order
from .common import ShopifyCase
from .order_payloads import graphql_order, order_payload


class FakeShopOrders:
    """Orders of a fake store, answered through the stand-in's GraphQL root fields."""

    def __init__(self, standin):
        self.nodes = {}  # gid -> GraphQL order with plain lists of lines
        root = standin.root
        root["orders"] = self.orders
        root["order"] = self.order
        root["ordersCount"] = lambda _info, query=None, **_: {"count": len(self._matching(query)), "precision": "EXACT"}

    def add(self, payload):
        self.nodes[payload["admin_graphql_api_id"]] = graphql_order(payload, paid=True)
        return payload

    def _matching(self, query):
        since = re.search(r"updated_at:>='([^']+)'", query or "")
        until = re.search(r"updated_at:<'([^']+)'", query or "")
        selected = []
        for node in self.nodes.values():
            when = _utc(node["updatedAt"])
            if since and when < _utc(since[1]):
                continue
            if until and when >= _utc(until[1]):
                continue
            selected.append(node)
        return sorted(selected, key=lambda n: _utc(n["updatedAt"]))

    def orders(self, _info, first=None, after=None, query=None, **_):
        nodes = [self._resolvable(node) for node in self._matching(query)]
        start = int(after or 0)
        page = nodes[start : start + first] if first else nodes[start:]  # no first: a bulk query
        return {
            "edges": [{"cursor": str(start + i + 1), "node": node} for i, node in enumerate(page)],
            "pageInfo": {"hasNextPage": start + len(page) < len(nodes), "endCursor": str(start + len(page))},
        }

    def order(self, _info, id):  # noqa: A002 - GraphQL argument name
        node = self.nodes.get(id)
        return self._resolvable(node) if node else None

    @staticmethod
    def _resolvable(node):
        return dict(node, lineItems=_connection(node["lineItems"]), shippingLines=_connection(node["shippingLines"]))


def _connection(nodes):
    def resolve(_info, first=None, after=None, **_):
        start = int(after or 0)
        page = nodes[start : start + (first or len(nodes))]
        return {
            "edges": [{"cursor": str(start + i + 1), "node": n} for i, n in enumerate(page)],
            "pageInfo": {"hasNextPage": start + len(page) < len(nodes), "endCursor": str(start + len(page))},
        }

    return resolve


def _utc(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@tagged("post_install", "-at_install")
class TestOrderPull(ShopifyCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_us_sales_tax()
        cls.env["product.product"].create({"name": "Mug", "default_code": "MUG-1", "type": "consu", "taxes_id": False})
        cls.backend.write({"auto_confirm": False, "state": "connected"})

    def setUp(self):
        super().setUp()
        self.shop = FakeShopOrders(self.standin)
        self.addCleanup(self.standin.root.clear)

    def shop_order(self, number, updated_at="2026-11-23T10:00:00-05:00", lines=1, order_id=None):
        return self.shop.add(
            order_payload(
                number,
                updated_at=updated_at,
                order_id=order_id,
                lines=[
                    {"sku": "MUG-1", "price": f"{12 + n}.50", "quantity": 1 + n % 3, "taxes": [("CA State Tax", 7.25)]}
                    for n in range(lines)
                ],
                shipping={"price": "4.99"},
            )
        )

    def run_queued(self, topic):
        """Perform every queued job of a topic, including the follow-ups they queue."""
        while True:
            queued = self.jobs(topic=topic, state="queued")
            if not queued:
                return
            for job in queued:
                self.perform(job)

    def backfill(self, mode="paginated", date_to=None):
        wizard = self.env["shopify.sync.order.backfill"].create(
            {"backend_id": self.backend.id, "date_from": datetime(2026, 11, 1), "date_to": date_to, "mode": mode}
        )
        wizard.action_start()

    def sale_order(self, payload):
        return self.env["shopify.binding"]._record_for(self.backend, payload["admin_graphql_api_id"])

    # -- converter ---------------------------------------------------------------------------

    def test_graphql_order_parses_like_the_webhook_payload(self):
        payload = order_payload(
            5101,
            lines=[
                {
                    "sku": "MUG-1",
                    "variant_id": 4401,
                    "price": "19.99",
                    "quantity": 3,
                    "discount": "5.00",
                    "taxes": [("CA State Tax", 7.25), ("Los Angeles County Tax", 1)],
                },
                {"sku": "CAP", "price": "7.10", "taxes": [("CA State Tax", 7.25)]},
            ],
            shipping={"price": "6.00", "taxes": [("CA State Tax", 7.25)]},
            tip="2.00",
        )
        node = json.loads(json.dumps(graphql_order(payload)))  # as received: JSON numbers are floats
        for connection in ("lineItems", "shippingLines"):
            node[connection] = {"edges": [{"node": child} for child in node[connection]]}
        pulled = json.loads(order_graphql.dumps(order_graphql.rest_order(node)), parse_float=Decimal)
        webhook = parse_order(json.loads(json.dumps(payload), parse_float=Decimal))  # as the job stores it
        graph = parse_order(pulled)
        for name in (
            "gid",
            "name",
            "currency",
            "taxes_included",
            "financial_status",
            "total_price",
            "total_tax",
            "subtotal_price",
            "total_discounts",
            "discount_codes",
            "updated_at",
            "email",
        ):
            self.assertEqual(getattr(graph, name), getattr(webhook, name), name)
        self.assertEqual(len(graph.lines), len(webhook.lines))
        for mine, theirs in zip(graph.lines, webhook.lines, strict=True):
            for name in ("kind", "quantity", "unit_price", "discount", "variant_gid", "sku", "tax_amount"):
                self.assertEqual(getattr(mine, name), getattr(theirs, name), name)
            self.assertEqual(
                [(t.title, t.rate, t.amount) for t in mine.taxes], [(t.title, t.rate, t.amount) for t in theirs.taxes]
            )

    # -- backfill ----------------------------------------------------------------------------

    def test_backfill_imports_what_odoo_lacks_and_nothing_twice(self):
        known = self.shop_order(5201)
        self.perform(self.intake("orders/create", known)[0])  # this one arrived by webhook
        missed = [self.shop_order(5202, lines=2), self.shop_order(5203, lines=3)]
        self.shop_order(5299, updated_at="2026-10-02T10:00:00-05:00")  # outside the period

        self.backfill()
        self.run_queued("orders/backfill")
        pulled = self.jobs(topic="orders/updated", workflow="historical")
        self.assertEqual(sorted(pulled.mapped("shopify_ref")), ["#5202", "#5203"])
        # Imported in batches (handlers/order_batch.py) by jobs on the imports channel.
        self.assertFalse(pulled.queue_job_id)
        self.assertEqual(self.jobs(topic="orders/batch").queue_job_id.channel, "root.shopify.imports")
        # Known order: listed, not read again. Two reads of a full order in all.
        self.assertEqual(self.standin.operations().count("OrderDetail"), 2)

        self.run_queued("orders/batch")
        self.assertEqual(set(pulled.mapped("state")), {"done"})
        for payload in missed:
            sale = self.sale_order(payload)
            self.assertEqual(sale.client_order_ref, payload["name"])
            self.assertEqual(odoo_amount(sale.amount_total), Decimal(payload["total_price"]))
            self.assertEqual(odoo_amount(sale.amount_tax), Decimal(payload["total_tax"]))

        # Again: everything is current, nothing is read or queued.
        self.standin.reset()
        self.backfill()
        self.run_queued("orders/backfill")
        self.assertEqual(len(self.jobs(topic="orders/updated", workflow="historical")), 2)
        self.assertNotIn("OrderDetail", self.standin.operations())
        self.assertIn("already up to date", self.jobs(topic="orders/backfill")[-1].result_summary)

    def test_a_newer_version_in_shopify_is_pulled_again(self):
        payload = self.shop_order(5301)
        self.perform(self.intake("orders/create", payload)[0])
        self.shop_order(5301, updated_at="2026-11-23T12:00:00-05:00", order_id=payload["id"], lines=2)
        self.backfill()
        self.run_queued("orders/backfill")
        (pulled,) = self.jobs(topic="orders/updated", workflow="historical")
        self.run_queued("orders/batch")
        self.assertEqual(pulled.state, "done", pulled.error_message)
        self.assertEqual(len(self.sale_order(payload).order_line.filtered("product_id.default_code")), 2)

    def test_pages_chain_as_jobs_and_long_orders_are_read_in_pages_of_lines(self):
        for number in range(5400, 5427):  # 27 orders: two listing pages of 25
            self.shop_order(number)
        long_order = self.shop_order(5499, lines=35)
        self.backfill()
        self.run_queued("orders/backfill")
        pages = self.jobs(topic="orders/backfill")
        self.assertEqual(len(pages), 2)
        self.assertEqual(set(pages.mapped("state")), {"done"})
        self.assertEqual(len(self.jobs(topic="orders/updated", workflow="historical")), 28)
        self.assertEqual(self.standin.operations().count("OrdersUpdated"), 2)
        self.assertEqual(self.standin.operations().count("OrderDetail"), 29)  # 27 + 2 pages of the long one

        self.assertEqual(len(self.jobs(topic="orders/batch")), 2, "a batch job per page")
        self.run_queued("orders/batch")
        sale = self.sale_order(long_order)
        self.assertEqual(len(sale.order_line.filtered(lambda ln: ln.product_id.default_code == "MUG-1")), 35)
        self.assertEqual(odoo_amount(sale.amount_total), Decimal(long_order["total_price"]))

    def test_bulk_backfill_polls_then_reads_the_file(self):
        orders = [self.shop_order(5501), self.shop_order(5502, lines=2)]
        self.backfill(mode="bulk")
        start = self.jobs(topic="orders/backfill")
        self.perform(start)
        self.assertEqual(start.state, "done")
        # The stand-in accepted the bulk query (valid for the real schema and for Shopify's bulk
        # restrictions), and it filters the period.
        (operation,) = self.standin.bulk_operations.values()
        self.assertIn("updated_at:>='2026-11-01T00:00:00Z'", operation["query"])

        poll = self.jobs(topic="orders/backfill", state="queued")
        with self.assertRaises(RetryableJobError):
            self.perform(poll)  # still running: the queue asks again later
        self.perform(poll)
        self.assertEqual(poll.state, "done", poll.error_message)
        pulled = self.jobs(topic="orders/updated", workflow="historical")
        self.assertEqual(sorted(pulled.mapped("shopify_ref")), ["#5501", "#5502"])
        self.run_queued("orders/batch")
        for payload in orders:
            self.assertEqual(odoo_amount(self.sale_order(payload).amount_total), Decimal(payload["total_price"]))

    def test_failed_bulk_operation_is_a_visible_failure(self):
        self.shop_order(5601)
        self.standin.bulk_failure, self.standin.bulk_running_polls = "INTERNAL_SERVER_ERROR", 0
        self.backfill(mode="bulk")
        self.perform(self.jobs(topic="orders/backfill"))
        poll = self.jobs(topic="orders/backfill", state="queued")
        self.perform(poll)
        self.assertEqual((poll.state, poll.failure_category), ("failed", "data"))
        self.assertIn("FAILED", poll.error_message)

    def test_auto_mode_uses_bulk_above_the_threshold(self):
        self.shop_order(5701)
        self.shop_order(5702)
        self.patch(order_pull, "BULK_THRESHOLD", 1)
        self.backfill(mode="auto")
        self.perform(self.jobs(topic="orders/backfill"))
        self.assertEqual(len(self.standin.bulk_operations), 1)
        self.assertNotIn("OrdersUpdated", self.standin.operations())

    # -- catch-up ----------------------------------------------------------------------------

    def test_catch_up_finds_a_webhook_that_never_arrived(self):
        now = datetime(2026, 11, 23, 16, 0)
        self.backend.order_catch_up_at = now - timedelta(minutes=15)
        missed = self.shop_order(5801, updated_at="2026-11-23T10:55:00-05:00")  # 15:55 UTC
        self.env["shopify.backend"]._cron_catch_up_orders(now=now)
        self.env["shopify.backend"]._cron_catch_up_orders(now=now)  # still queued: not stacked
        catch_up = self.jobs(topic="orders/catch_up")
        self.assertEqual(len(catch_up), 1)
        self.assertEqual(catch_up.workflow, "scheduled")
        self.run_queued("orders/catch_up")
        (pulled,) = self.jobs(topic="orders/updated", workflow="scheduled")
        self.assertEqual(self.jobs(topic="orders/batch").workflow, "scheduled")
        self.run_queued("orders/batch")
        self.assertEqual(odoo_amount(self.sale_order(missed).amount_total), Decimal(missed["total_price"]))
        self.assertEqual(self.backend.order_catch_up_at, now)

    def test_catch_up_is_off_when_the_store_says_so(self):
        self.backend.order_catch_up = False
        self.env["shopify.backend"]._cron_catch_up_orders()
        self.assertFalse(self.jobs(topic="orders/catch_up"))
