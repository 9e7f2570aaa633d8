"""The money invariant of a Shopify order, as an assertion any test can run after any event.

For one Shopify order, with the store's books on:

- invoiced - credited = Shopify's current total (what it charged minus what it refunded);
- per gateway, payments received - refunds paid = Shopify's net successful SALE/CAPTURE minus
  REFUND transactions, in the journal mapped from that gateway;
- nothing twice: one posted invoice, one payment per money transaction (bound to its GID), one
  credit note per refund that moved money.

Shopify's side comes from the test's own payloads and Decimal arithmetic, never from the addon.
"""

from collections import defaultdict
from decimal import Decimal

MONEY_IN = ("sale", "capture")


def shopify_net_by_gateway(transactions):
    net = defaultdict(Decimal)
    for tx in transactions:
        if tx.get("status") != "success":
            continue
        if tx["kind"] in MONEY_IN:
            net[tx["gateway"]] += Decimal(tx["amount"])
        elif tx["kind"] == "refund":
            net[tx["gateway"]] -= Decimal(tx["amount"])
    return net


class MoneyInvariantMixin:
    def sale_of(self, order):
        return self.env["shopify.binding"]._record_for(self.backend, order["admin_graphql_api_id"])

    def order_payments(self, sale):
        return self.env["account.payment"].search(
            [("shopify_sale_order_id", "=", sale.id), ("state", "not in", ("draft", "canceled"))]
        )

    def order_credit_notes(self, sale):
        return self.env["account.move"].search(
            [
                ("move_type", "=", "out_refund"),
                ("state", "=", "posted"),
                ("invoice_origin", "=", sale.name),
                ("company_id", "=", sale.company_id.id),
            ]
        )

    def assert_money_invariant(self, order, refund_totals=(), transactions=(), amounts=None):
        """``order``: the order payload; ``refund_totals``: Decimal totals of the refunds applied;
        ``transactions``: every transaction payload Shopify sent (duplicates allowed);
        ``amounts``: tx gid -> amount in the books' currency when it differs from ``amount``."""
        sale = self.sale_of(order)
        self.assertTrue(sale, f"order {order['name']} has no sale order")
        decimals = sale.currency_id.decimal_places
        exact = Decimal(1).scaleb(-decimals)

        def odoo(value):
            return Decimal(repr(value)).quantize(exact)

        invoices = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        self.assertEqual(len(invoices), 1, "exactly one posted invoice per order")
        credit_notes = self.order_credit_notes(sale)
        self.assertEqual(len(credit_notes), len([t for t in refund_totals if t]), "one credit note per refund")
        current_total = Decimal(order["total_price"]) - sum(refund_totals, Decimal(0))
        invoiced = sum((odoo(m.amount_total) for m in invoices), Decimal(0))
        credited = sum((odoo(m.amount_total) for m in credit_notes), Decimal(0))
        self.assertEqual(invoiced - credited, current_total, "invoiced - credited = Shopify's current total")

        unique = {tx["admin_graphql_api_id"]: tx for tx in transactions}
        if amounts:
            unique = {gid: dict(tx, amount=amounts.get(gid, tx["amount"])) for gid, tx in unique.items()}
        money = [tx for tx in unique.values() if tx.get("status") == "success" and tx["kind"] in MONEY_IN + ("refund",)]
        payments = self.order_payments(sale)
        self.assertEqual(len(payments), len(money), "one payment per money transaction, none twice")
        bound = {self.env["shopify.binding"]._record_for(self.backend, tx["admin_graphql_api_id"]) for tx in money}
        self.assertEqual(set(payments), bound, "each payment is bound to its transaction GID")
        journals = {row.gateway: row.journal_id for row in self.backend.gateway_map_ids}
        for gateway, shopify_net in shopify_net_by_gateway(money).items():
            in_journal = payments.filtered(lambda p, j=journals[gateway]: p.journal_id == j)
            odoo_net = sum(
                (odoo(p.amount) * (1 if p.payment_type == "inbound" else -1) for p in in_journal), Decimal(0)
            )
            self.assertEqual(odoo_net, shopify_net, f"net payments of gateway {gateway}")
        return sale

    def journal_items(self, sale):
        """(move, account code and name, debit, credit, date) of every posted entry of the order."""
        moves = sale.invoice_ids | self.order_credit_notes(sale) | self.order_payments(sale).move_id
        lines = moves.filtered(lambda m: m.state == "posted").line_ids.sorted(
            lambda ln: (ln.date, ln.move_id.id, ln.id)
        )
        return [
            (
                line.move_id.name,
                f"{line.account_id.code} {line.account_id.name}",
                Decimal(repr(line.debit)),
                Decimal(repr(line.credit)),
                str(line.date),
            )
            for line in lines
        ]
