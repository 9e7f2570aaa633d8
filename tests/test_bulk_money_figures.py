"""Orders read by a Shopify bulk operation (lib/queries BULK_ORDERS_QUERY_TEMPLATE, a JSONL file)
carry Shopify's money figures as orders read page by page do (TestPulledOrderVersions): what is
outstanding, the current total and the refunds with their lines and transactions, which the bulk
result gives as lines of their own pointing to their refund. A refund beyond its lines after bulk
pulled versions is then reckoned on them, and the order ends in Odoo as the paginated read leaves it."""

from decimal import Decimal

from odoo.tests import tagged

from ..handlers.orders import odoo_amount
from ..handlers.refunds import EDIT_BALANCE_KEY
from ..lib.queries import PULLED_REFUNDS
from ..lib.refund_mapping import VERSIONS_KEY, order_version
from .money_invariant import order_payments
from .test_refund_lifecycle import PulledOrdersCase


@tagged("post_install", "-at_install")
class TestBulkPulledMoneyFigures(PulledOrdersCase):
    def setUp(self):
        super().setUp()
        self.standin.bulk_running_polls = 0  # the result is ready when first asked
        self.pulled = []  # (mode, order body) of every order version pulled

    def pull(self, mode, *events):
        """The catch-up reads each order version in turn (PulledOrdersCase.catch_up), remembered."""
        self.catch_up(*events, mode=mode)
        self.pulled += [(mode, body) for _topic, body in events]

    def walk(self, number, mode):
        """A paid order edited down (its balance refunded), then a refund of its shipping with 4.50
        more as goodwill, a refund of one of its two lamps and a second edit down with its balance
        refund; every order version Shopify sends is missed as a webhook and pulled (``mode``), each
        refund delivered after the versions that list it."""
        sim, sale = self.paid_order(number, [(8101, 2), (8102, 3)])
        before = sim.total()
        edit = sim.edit_reduce(1, 1)
        balance_refund, *events = sim.settle_edit(before)
        for event in (balance_refund, *events[:-1]):
            self.send(event)
        self.pull(mode, edit, events[-1])
        self.drain()
        *shipping, shipping_version = sim.refund([], shipping="full", extra=Decimal("4.50")) + [sim.updated()]
        *partial, partial_version = sim.refund([(0, 1, "no_restock", 11)]) + [sim.updated()]
        before = sim.total()
        sim.edit_reduce(1, 1)
        *balance_refund, latest = sim.settle_edit(before)
        self.pull(mode, shipping_version, partial_version, latest)
        self.play(*shipping)
        self.play(*partial)
        self.play(*balance_refund)
        return sim, sale, {"shipping": shipping[0][1], "partial": partial[0][1]}

    def snapshot(self, sim, sale):
        """What Odoo holds of the order, Shopify's ids (different for each order) named by role."""
        names = {f"gid://shopify/Refund/{refund_id}": f"refund {n}" for n, refund_id in enumerate(sim.refund_ids)}

        def document(move):
            lines = sorted(
                (line.product_id.default_code or "", str(line.quantity), str(odoo_amount(line.price_subtotal)))
                for line in move.invoice_line_ids
            )
            figures = (move.amount_untaxed, move.amount_tax, move.amount_total)
            return (move.move_type, move.state, *(str(odoo_amount(value)) for value in figures), lines)

        state = sale.shopify_sync_state or {}
        return {
            "sale": (sale.state, str(odoo_amount(sale.amount_untaxed)), str(odoo_amount(sale.amount_total))),
            "lines": sorted(
                (line.product_id.default_code or "", line.product_uom_qty, line.qty_invoiced, line.price_unit)
                for line in sale.order_line
            ),
            "invoices": sorted(document(move) for move in sale.invoice_ids),
            "refund notes": sorted(document(move) for move in self.refund_notes(sale)),
            "payments": sorted(
                (p.payment_type, p.journal_id.code, p.state, str(odoo_amount(p.amount)))
                for p in order_payments(self.env, sale)
            ),
            "versions": [[*row[:4], [names[gid] for gid in row[4]]] for row in state.get(VERSIONS_KEY) or []],
            "edit balances": {names[gid]: value for gid, value in (state.get(EDIT_BALANCE_KEY) or {}).items()},
        }

    def assert_figures(self, sim, sale, refunds):
        """The order and its credit notes as Shopify holds them, to the cent."""
        self.assertEqual(odoo_amount(sale.amount_total), sim.total())
        # Every order version pulled is kept with Shopify's figures, as its webhook body would give them.
        versions = sale.shopify_sync_state[VERSIONS_KEY]
        for _mode, body in self.pulled:
            self.assertIn(order_version(body), versions, body["updated_at"])

        def paid_back(body):
            return sum((Decimal(tx["amount"]) for tx in body["transactions"]), Decimal(0))

        shipping_note = self.refund_record(sim, -3)
        shipping_body = refunds["shipping"]
        self.assertEqual(
            odoo_amount(shipping_note.amount_total),
            paid_back(shipping_body),
            "the shipping and the goodwill credited, none of it taken for an edit's balance",
        )
        partial_note = self.refund_record(sim, -2)
        partial_body = refunds["partial"]
        self.assertEqual(odoo_amount(partial_note.amount_total), paid_back(partial_body))
        self.assertEqual(
            odoo_amount(partial_note.amount_tax),
            Decimal(partial_body["refund_line_items"][0]["total_tax_set"]["shop_money"]["amount"]),
        )
        self.assertEqual(self.refund_record(sim), sale, "the last edit's balance is paid back, not credited again")
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)

    def test_bulk_pulled_order_with_a_shipping_refund_and_a_partial_refund_ends_as_the_paginated_one(self):
        bulk_sim, bulk_sale, bulk_refunds = self.walk(7460, "bulk")
        self.assert_figures(bulk_sim, bulk_sale, bulk_refunds)
        # Shopify's wire shape: the refunds inside their order's line, their lines and transactions
        # as lines of their own pointing to the refund, not to the order.
        served = [row for operation in self.standin.bulk_operations.values() for row in operation["lines"]]
        orders = [row for row in served if "__parentId" not in row]
        self.assertEqual(len(orders), len(self.standin.bulk_operations), "one order per bulk read")
        listed = [refund for row in orders for refund in row.get("refunds") or []]
        self.assertTrue(listed and all({"refundLineItems", "transactions"}.isdisjoint(r) for r in listed), listed)
        shipping_gid = bulk_refunds["shipping"]["admin_graphql_api_id"]
        shipping_rows = [row for row in served if row.get("__parentId") == shipping_gid]
        self.assertTrue(shipping_rows and all(row["kind"] == "REFUND" for row in shipping_rows), shipping_rows)
        lamp = {"id": f"gid://shopify/LineItem/{bulk_sim.lines[0].id}"}
        partial_gid = bulk_refunds["partial"]["admin_graphql_api_id"]
        refund_line = {"quantity": 1, "restockType": "NO_RESTOCK", "lineItem": lamp, "__parentId": partial_gid}
        self.assertIn(refund_line, served)

        self.pulled = []
        paged_sim, paged_sale, paged_refunds = self.walk(7461, "paginated")
        self.assert_figures(paged_sim, paged_sale, paged_refunds)
        self.assertEqual(self.snapshot(bulk_sim, bulk_sale), self.snapshot(paged_sim, paged_sale))

    def test_a_bulk_read_keeps_shopifys_figures_of_an_order_with_more_refunds_than_a_page_reads(self):
        # ORDER_DETAIL reads the first PULLED_REFUNDS refunds (Shopify's cost limit) and an order with
        # more without its figures; a bulk read has no such limit: every refund, and the figures.
        sim, sale = self.paid_order(7462, [(8101, 1), (8102, PULLED_REFUNDS + 2)])
        for _refund in range(PULLED_REFUNDS + 1):
            self.play(*sim.refund([(1, 1, "no_restock", 11)]))
        latest = sim.updated()
        self.pull("bulk", latest)
        (pulled,) = self.jobs(topic="orders/updated", workflow="scheduled")
        order = pulled._payload_json()
        self.assertEqual(
            [refund["admin_graphql_api_id"] for refund in order["refunds"]],
            [refund["admin_graphql_api_id"] for refund in latest[1]["refunds"]],
        )
        self.assertEqual(
            [[tx["admin_graphql_api_id"] for tx in refund["transactions"]] for refund in order["refunds"]],
            [[tx["admin_graphql_api_id"] for tx in refund["transactions"]] for refund in latest[1]["refunds"]],
        )
        self.assertEqual(Decimal(order["total_outstanding"]), Decimal(latest[1]["total_outstanding"]))
        self.assertIn(order_version(latest[1]), sale.shopify_sync_state[VERSIONS_KEY])
        self.assertEqual(odoo_amount(sale.amount_total), sim.total(), "refunded units are still sold")
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)
