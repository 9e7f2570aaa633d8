"""The money invariant of a Shopify order, as an assertion any test can run after any event.

For one Shopify order, with the store's books on:

- invoiced - credited = Shopify's current total (what it charged minus what it refunded);
- per gateway, payments received - refunds paid = Shopify's net successful SALE/CAPTURE minus
  REFUND transactions, in the journal mapped from that gateway;
- nothing twice: one posted invoice, one payment per money transaction (bound to its GID), one
  credit note per refund that moved money.

Shopify's side comes from the test's own payloads and Decimal arithmetic, never from the addon.
``money_violations`` checks the same on an order of any life (edits after invoicing, several
refunds, a cancellation, events not all applied yet) and answers what is wrong as sentences:
the random lifecycle sequences (tests/test_lifecycle.py) run it after every step.
"""

from collections import defaultdict
from decimal import Decimal

from odoo.addons.shopify_sync.models.shopify_sync_job import parse_shopify_datetime

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


def order_payments(env, sale):
    return env["account.payment"].search(
        [("shopify_sale_order_id", "=", sale.id), ("state", "not in", ("draft", "canceled"))]
    )


def order_credit_notes(env, sale):
    return env["account.move"].search(
        [
            ("move_type", "=", "out_refund"),
            ("state", "=", "posted"),
            ("invoice_origin", "=", sale.name),
            ("company_id", "=", sale.company_id.id),
        ]
    )


def money_violations(env, backend, order_gid, versions, refund_totals, transactions, drained):
    """What is wrong with the books of one Shopify order, as sentences (none: the invariant holds).

    ``versions``: updated_at of each order payload Shopify sent -> its Decimal ``total_price``;
    ``refund_totals``: refund GID -> Decimal money the refund took off the order's total;
    ``transactions``: every transaction body Shopify sent; ``drained``: every event sent was applied.
    Checked against what Odoo applied so far (the order version bound, the refunds and transactions
    bound), so it holds after any step, not only at the end."""
    sale = env["shopify.binding"]._record_for(backend, order_gid)
    if not sale:
        return []
    book = _OrderBooks(env, backend, sale)
    return book.invoice_violations(order_gid, versions, refund_totals, drained) + book.payment_violations(
        transactions, drained
    )


class _OrderBooks:
    """Odoo's side of one order's books, read from the real records."""

    def __init__(self, env, backend, sale):
        self.env, self.backend, self.sale = env, backend, sale
        self.bindings = env["shopify.binding"]
        self.exact = Decimal(1).scaleb(-sale.currency_id.decimal_places)

    def odoo(self, value):
        return Decimal(repr(value)).quantize(self.exact)

    def total_of(self, moves):
        return sum((self.odoo(m.amount_total) for m in moves), Decimal(0))

    def invoice_violations(self, order_gid, versions, refund_totals, drained):
        """invoiced - credited = Shopify's current total; one credit note per refund that moved money."""
        sale, bindings, wrong = self.sale, self.bindings, []
        binding = bindings.search([("backend_id", "=", self.backend.id), ("shopify_gid", "=", order_gid)], limit=1)
        applied = {gid: total for gid, total in refund_totals.items() if bindings._record_for(self.backend, gid)}
        # Invoices and the credit notes of edits are on the sale lines; a refund's credit note is not.
        documents = sale.order_line.invoice_lines.move_id.filtered(lambda m: m.state == "posted")
        invoices = documents.filtered(lambda m: m.move_type == "out_invoice")
        edit_notes = documents.filtered(lambda m: m.move_type == "out_refund")
        refund_notes = order_credit_notes(self.env, sale) - edit_notes
        if not invoices:
            if refund_notes:
                wrong.append(f"{len(refund_notes)} refund credit note(s) on {sale.name}, which was never invoiced")
            if drained and sale.state == "sale":
                wrong.append(f"{sale.name} is confirmed and paid in Shopify but not invoiced")
            return wrong
        for gid, total in applied.items():
            notes = refund_notes.filtered(lambda m, g=gid: bindings._record_for(self.backend, g) == m)
            if len(notes) != (1 if total else 0) or (total and self.total_of(notes) != total):
                wrong.append(f"refund {gid.rsplit('/', 1)[-1]} of {total}: credit notes {notes.mapped('name')}")
        if len(refund_notes) != len([t for t in applied.values() if t]):
            wrong.append(f"{len(refund_notes)} refund credit notes for {len(applied)} refunds applied: one each")
        invoiced = self.total_of(invoices) - self.total_of(edit_notes)
        version = next(
            (total for stamp, total in versions.items() if parse_shopify_datetime(stamp) == binding.shopify_updated_at),
            None,
        )
        if version is not None and invoiced != version:
            wrong.append(f"invoiced {invoiced} (edits included) but Shopify's order totals {version}")
        current = (version if version is not None else invoiced) - sum(applied.values(), Decimal(0))
        credited = self.total_of(refund_notes)
        if invoiced - credited != current:
            wrong.append(f"invoiced - credited = {invoiced - credited} but Shopify's current total is {current}")
        return wrong

    def payment_violations(self, transactions, drained):
        """One payment per money transaction, bound to it, in its gateway's journal; per gateway,
        Odoo's net = Shopify's net once everything was applied."""
        sent = {tx["admin_graphql_api_id"]: tx for tx in transactions}
        money = {  # a transaction of zero moved no money
            gid: tx
            for gid, tx in sent.items()
            if tx["status"] == "success" and tx["kind"] in MONEY_IN + ("refund",) and Decimal(tx["amount"])
        }
        journals = {row.gateway: row.journal_id for row in self.backend.gateway_map_ids}
        booked, wrong = {}, []
        for payment in order_payments(self.env, self.sale):
            gids = self.bindings.search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("res_model", "=", "account.payment"),
                    ("res_id", "=", payment.id),
                ]
            ).mapped("shopify_gid")
            if len(gids) != 1 or gids[0] not in money:
                wrong.append(f"payment {payment.name} of {payment.amount} is bound to {gids}, not to one transaction")
                continue
            tx = money[gids[0]]
            booked[gids[0]] = payment
            direction = "inbound" if tx["kind"] in MONEY_IN else "outbound"
            if (self.odoo(payment.amount), payment.payment_type, payment.journal_id) != (
                Decimal(tx["amount"]),
                direction,
                journals[tx["gateway"]],
            ):
                wrong.append(
                    f"payment {payment.name}: {self.odoo(payment.amount)} {payment.payment_type} in "
                    f"{payment.journal_id.name}, Shopify's transaction {tx['kind']} {tx['amount']} ({tx['gateway']})"
                )
        elsewhere = [gid for gid in money if gid not in booked and self.bindings._record_for(self.backend, gid)]
        if elsewhere:
            wrong.append(f"transactions bound to something else than their payment: {elsewhere}")
        if not drained:
            return wrong
        missing = [f"{tx['kind']} {tx['amount']} ({tx['gateway']})" for gid, tx in money.items() if gid not in booked]
        if missing:
            wrong.append(f"money transactions with no payment once everything was applied: {missing}")
        for gateway, shopify_net in shopify_net_by_gateway(money.values()).items():
            signed = [
                self.odoo(p.amount) * (1 if p.payment_type == "inbound" else -1)
                for p in booked.values()
                if p.journal_id == journals[gateway]
            ]
            if sum(signed, Decimal(0)) != shopify_net:
                wrong.append(
                    f"net payments of gateway {gateway}: Odoo {sum(signed, Decimal(0))}, Shopify {shopify_net}"
                )
        return wrong


class MoneyInvariantMixin:
    def sale_of(self, order):
        return self.env["shopify.binding"]._record_for(self.backend, order["admin_graphql_api_id"])

    def order_payments(self, sale):
        return order_payments(self.env, sale)

    def order_credit_notes(self, sale):
        return order_credit_notes(self.env, sale)

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
