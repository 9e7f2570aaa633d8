"""Refunds late in an order's life, with the books on: the balance Shopify gives back after an order
was edited down once paid (a refund with no line and a ``refund_discrepancy`` order adjustment),
money given back beyond the lines that no edit owed, and gift cards sold then refunded. Each test
plays Shopify's events (tests/order_simulator.py) and checks the money invariant
(tests/money_invariant.py) on the real invoices, credit notes and payments.
"""

from datetime import datetime
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError

from ..handlers import order_pull
from ..handlers.orders import odoo_amount
from ..handlers.refunds import EDIT_BALANCE_KEY
from ..lib.refund_mapping import VERSIONS_KEY, order_version, refund_balance, shopify_received
from .money_invariant import order_credit_notes, order_payments
from .order_simulator import GIFT_CARD, SimulatedOrder
from .test_lifecycle import TestBooksLifecycle
from .test_order_pull import FakeShopOrders


class RefundLifecycleCase(TestBooksLifecycle):
    """TestBooksLifecycle's store and helpers; its own tests are not run again here."""

    def refund_notes(self, sale):
        """Credit notes of refunds (those of edits stand on the sale lines)."""
        edits = sale.order_line.invoice_lines.move_id
        return order_credit_notes(self.env, sale) - edits

    def refund_record(self, sim, n=-1):
        return self.env["shopify.binding"]._record_for(self.backend, f"gid://shopify/Refund/{sim.refund_ids[n]}")

    def refund_job(self, sim, n=-1):
        return self.jobs(topic="refunds/create").filtered(
            lambda j: j.shopify_gid == f"gid://shopify/Refund/{sim.refund_ids[n]}"
        )

    def waiting(self, job):
        """Run ``job`` once; the reason it waits (a transient failure, retried), or None when it ran."""
        try:
            self.perform(job)
        except RetryableJobError as err:
            job.queue_job_id.retry += 1
            return str(err)
        return None

    def send_balance_refund_of_an_edit(self, sim, line, quantity):
        """``line`` of the order edited down by ``quantity``, then the refund of the balance and the
        events Shopify sends with it delivered: the others are run once, the refund's job is
        returned not run."""
        before = sim.total()
        self.play(sim.edit_reduce(line, quantity))
        refund, *events = sim.settle_edit(before)
        job = self.send(refund)
        for event in events:
            self.send(event)
        for other in self.queued() - job:
            self.attempt(other)
        return job

    def outbound(self, sale):
        return order_payments(self.env, sale).filtered(lambda p: p.payment_type == "outbound")

    def open_receivable(self, sale):
        """What the order's documents leave open on the customer's account (positive: owed by them)."""
        moves = sale.invoice_ids | order_credit_notes(self.env, sale) | order_payments(self.env, sale).move_id
        lines = moves.filtered(lambda m: m.state == "posted").line_ids.filtered(
            lambda ln: ln.account_id.account_type == "asset_receivable"
        )
        return odoo_amount(sum(lines.mapped("amount_residual")))


@tagged("post_install", "-at_install")
class TestEditBalanceRefunds(RefundLifecycleCase):
    """An order edited down once paid: its edit is credited when the edit arrives (handlers/orders.py
    ``_invoice_edit``); the refund of its balance then pays the customer back without crediting it twice."""

    def test_balance_refund_after_an_edit_is_a_payment_not_a_second_credit_note(self):
        baseline = self.stock()
        sim, sale = self.paid_order(7401, [(8101, 1), (8102, 3)])
        before = sim.total()
        self.play(sim.edit_reduce(1, 2), *sim.settle_edit(before))
        refund = next(payload for topic, payload in sim.events if topic == "refunds/create")
        self.assertEqual(refund["refund_line_items"], [], "Shopify's shape: no line")
        self.assertEqual(Decimal(refund["order_adjustments"][0]["amount"]), sim.total() - before)
        self.assertFalse(self.refund_notes(sale), "the edit's credit note already took the balance back")
        self.assertEqual(self.refund_record(sim), sale, "the refund is applied, bound to its order")
        self.assertEqual([odoo_amount(p.amount) for p in self.outbound(sale)], [before - sim.total()])
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"), "the refund settles the edit's credit")
        self.assertIn("already credited", self.refund_job(sim).result_summary)
        self.assert_books(sim)
        self.assert_lifecycle(sim, baseline)

    def test_balance_refund_delivered_before_the_edit_waits_for_it(self):
        sim, sale = self.paid_order(7402, [(8101, 1), (8102, 3)])
        before = sim.total()
        edit = sim.edit_reduce(1, 2)
        refund, *transactions, updated = sim.settle_edit(before)
        job = self.send(refund)
        for event in transactions:
            self.send(event)
        reason = self.waiting(job)  # without the edit, Odoo cannot tell the balance of an edit
        self.assertIn("waiting for the order's update sent with the refund", reason or "")
        self.send(edit)
        self.send(updated)
        self.drain()
        self.assertEqual(job.state, "done", job.error_message)
        self.assertFalse(self.refund_notes(sale))
        self.assert_books(sim)

    def test_balance_refund_before_the_checkout_payment_waits_for_it(self):
        sim = SimulatedOrder(7403, [(8101, 1), (8102, 3)], books=True)
        sim.money_fields = False  # Odoo's books decide (TestBalanceRefundReckonedOnShopifysFigures: Shopify's)
        self.play(sim.create())
        payment = sim.transaction("sale", sim.total())  # queued in Shopify, not delivered yet
        sale = self.sale_of(sim)
        job = self.send_balance_refund_of_an_edit(sim, 1, 2)
        reason = self.waiting(job)  # Shopify gives back no more than it received
        self.assertIn("waiting for the order's payment transactions", reason or "")
        self.play(payment)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertFalse(self.refund_notes(sale))
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)

    def test_balance_refund_of_an_order_first_invoiced_after_its_edit(self):
        # Found by the books soak (seed 2075): the update sent after the refund came first, so the
        # order was invoiced as edited (no edit credit note) and the balance was credited as a refund.
        sim = SimulatedOrder(7409, [(8101, 1), (8102, 3)], books=True)
        create, payment = sim.create(), sim.transaction("sale", sim.total())
        before = sim.total()
        edit = sim.edit_reduce(1, 2)
        refund, *transactions, updated = sim.settle_edit(before)
        self.play(updated, payment)
        sale = self.sale_of(sim)
        self.assertEqual(Decimal(str(sale.invoice_ids.amount_total)), sim.total(), "invoiced as edited")
        self.play(refund, *transactions, create, edit)
        self.assertFalse(self.refund_notes(sale), "the customer overpaid the invoice: the refund pays that back")
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)

    def test_balance_refund_before_the_gift_card_part_of_the_payment_waits_for_it(self):
        # Found by the books soak (seed 2096): the card alone covers the refund, the gift card's 10.00
        # was still queued, and 10.00 of the balance was credited as a refund.
        sim = SimulatedOrder(7410, [(8101, 3)], books=True)
        sim.money_fields = False
        self.play(sim.create())
        gift = sim.transaction("sale", Decimal("10.00"), GIFT_CARD)  # queued in Shopify, not delivered yet
        self.play(sim.transaction("sale", sim.total() - Decimal("10.00")))
        sale = self.sale_of(sim)
        job = self.send_balance_refund_of_an_edit(sim, 0, 2)
        self.assertIn("waiting for the order's payment transactions", self.waiting(job) or "")
        self.play(gift)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertFalse(self.refund_notes(sale))
        self.assert_books(sim)

    def test_balance_refunded_in_two_parts_then_more_is_credited_once(self):
        sim, sale = self.paid_order(7404, [(8101, 1), (8102, 3)])
        before = sim.total()
        self.play(sim.edit_reduce(1, 2))
        owed = before - sim.total()
        first = Decimal("10.00")
        self.play(*sim.refund([], balance=first), sim.updated())
        self.play(*sim.refund([], balance=owed - first), sim.updated())
        self.assertFalse(self.refund_notes(sale), "both parts settle the edit")
        self.assertEqual(
            {Decimal(v) for v in sale.shopify_sync_state[EDIT_BALANCE_KEY].values()}, {first, owed - first}
        )
        # Then 3.00 more than the lamp is worth: nothing is owed for the edit any more, all of it is credited.
        self.play(*sim.refund([(0, 1, "no_restock", 11)], extra=Decimal("3.00")), sim.updated())
        note = self.refund_record(sim)
        self.assertEqual(note, self.refund_notes(sale))
        adjustment = note.invoice_line_ids.filtered(
            lambda ln: ln.product_id == self.backend.refund_adjustment_product_id
        )
        self.assertEqual(odoo_amount(adjustment.price_subtotal), Decimal("3.00"))
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)

    def test_one_refund_of_a_line_and_of_an_edit_balance_credits_the_line_only(self):
        sim, sale = self.paid_order(7405, [(8101, 1), (8102, 3)])
        before = sim.total()
        self.play(sim.edit_reduce(1, 1))
        owed = before - sim.total()
        self.play(*sim.refund([(0, 1, "no_restock", 11)], balance=owed), sim.updated())
        note = self.refund_record(sim)
        self.assertEqual(
            odoo_amount(note.amount_total), sim.refund_totals[f"gid://shopify/Refund/{sim.refund_ids[-1]}"]
        )
        self.assertEqual(note.invoice_line_ids.product_id, self.lamp, "the lamp only: no adjustment line")
        paid_back = sum((odoo_amount(p.amount) for p in self.outbound(sale)), Decimal(0))
        self.assertEqual(paid_back, odoo_amount(note.amount_total) + owed)
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)

    def test_money_beyond_the_lines_of_an_order_never_edited_is_credited(self):
        sim, sale = self.paid_order(7406, [(8101, 1)])
        self.play(*sim.refund([], extra=Decimal("5.00")), sim.updated())
        note = self.refund_record(sim)
        self.assertEqual(note, self.refund_notes(sale))
        self.assertEqual(odoo_amount(note.amount_total), Decimal("5.00"))
        self.assertEqual(note.invoice_line_ids.product_id, self.backend.refund_adjustment_product_id)
        self.assertFalse((sale.shopify_sync_state or {}).get(EDIT_BALANCE_KEY))
        self.assert_books(sim)

    def test_whole_order_refunded_as_an_amount_real_shape(self):
        # A real refunds/create body (a store refunding an order by its amount, in PayPal): no line,
        # one order adjustment "kind": "refund_discrepancy", "amount": minus the order's total.
        sim, sale = self.paid_order(7407, [(8102, 2)])
        total = sim.total()
        refund_events = sim.refund([], extra=total)
        refund = refund_events[0][1]
        refund["order_adjustments"][0].update(kind="refund_discrepancy", reason="Refund discrepancy")
        self.assertEqual(refund["order_adjustments"][0]["amount"], f"{-total}")
        self.play(*refund_events, sim.updated())
        note = self.refund_record(sim)
        self.assertEqual(odoo_amount(note.amount_total), total)
        self.assertEqual(note.reversed_entry_id, sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice"))
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)

    def test_balance_refund_with_the_books_off_books_nothing(self):
        self.backend.create_invoice = False
        sim = SimulatedOrder(7408, [(8101, 1), (8102, 3)], books=True)
        self.play(sim.create(), sim.transaction("sale", sim.total()))
        before = sim.total()
        self.play(sim.edit_reduce(1, 2), *sim.settle_edit(before))
        sale = self.sale_of(sim)
        self.assertFalse(self.jobs(state="failed"))
        self.assertFalse(order_credit_notes(self.env, sale) | sale.invoice_ids)
        self.assertFalse(order_payments(self.env, sale))
        self.assertIn("invoicing is off", self.refund_job(sim).warning_message)


@tagged("post_install", "-at_install")
class TestGiftCardRefunds(RefundLifecycleCase):
    """A gift card sold (``gift_card: true``) is a debt to its holder, booked to the gift card liability
    account; refunding it takes the debt back, never revenue."""

    def liability(self):
        account = self.backend._gift_card_account()
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted"), ("company_id", "=", self.company.id)]
        )
        return account, odoo_amount(sum(lines.mapped("balance")))

    def test_gift_card_refunded_takes_back_the_liability_even_with_a_catalog_product_of_its_sku(self):
        # The catalog import made an ordinary product of Shopify's gift card product (same SKU, revenue account).
        catalog_card = self.env["product.product"].create(
            {"name": "Gift card", "default_code": "GIFT-25", "type": "service", "taxes_id": False}
        )
        self.env["shopify.binding"]._bind(self.backend, "gid://shopify/ProductVariant/8105", catalog_card)
        sim, sale = self.paid_order(7411, [(8101, 1), (8105, 2)])
        account, sold = self.liability()
        self.assertEqual(sold, Decimal("-50.00"), "two 25.00 cards sold: 50.00 owed to their holders")
        self.play(*sim.refund([(1, 1, "no_restock", 11)]), sim.updated())
        self.assertEqual(self.refund_job(sim).state, "done", self.refund_job(sim).error_message)
        note = self.refund_record(sim)
        card_line = note.invoice_line_ids
        self.assertEqual(card_line.product_id, self.backend.gift_card_product_id)
        self.assertEqual(card_line.account_id, account, "the refund takes back the debt, not revenue")
        self.assertEqual(odoo_amount(note.amount_total), Decimal("25.00"))
        self.assertEqual(odoo_amount(note.amount_tax), Decimal("0.00"))
        self.assertEqual(self.liability()[1], Decimal("-25.00"), "one card still owed")
        self.assert_books(sim)


@tagged("post_install", "-at_install")
class TestBalanceRefundReckonedOnShopifysFigures(RefundLifecycleCase):
    """What the customer overpaid is reckoned on what Shopify says it received (the order body's
    ``current_total_price - total_outstanding`` plus its refunds' transactions), not only on the
    payments Odoo has booked: a payment still queued is waited for."""

    def test_order_bodies_carry_shopifys_money_fields(self):
        sim, _sale = self.paid_order(7420, [(8101, 3)])
        before = sim.total()
        _topic, edited = sim.edit_reduce(0, 2)
        self.assertEqual(Decimal(edited["current_total_price"]), sim.total())
        self.assertEqual(Decimal(edited["total_outstanding"]), sim.total() - before, "refund owed: negative")
        refund, *_transactions, (_topic, after) = sim.settle_edit(before)
        self.assertEqual(Decimal(after["total_outstanding"]), Decimal("0.00"))
        listed = next(r for r in after["refunds"] if r["id"] == refund[1]["id"])
        self.assertEqual(listed["transactions"], refund[1]["transactions"])

    def test_order_first_seen_after_its_edit_waits_for_the_gift_card_part_of_its_payment(self):
        # Found by the books soak (seed 2096): Odoo got the order only as edited, so there was no
        # pre-edit invoice to compare its payments with; the card alone covered the refund, the gift
        # card's 10.00 was still queued, and 10.00 of the balance was credited as a refund.
        sim = SimulatedOrder(7421, [(8101, 3)], books=True)
        create = sim.create()
        gift = sim.transaction("sale", Decimal("10.00"), GIFT_CARD)
        card = sim.transaction("sale", sim.total() - Decimal("10.00"))
        before = sim.total()
        edit = sim.edit_reduce(0, 2)
        refund, *transactions, updated = sim.settle_edit(before)
        self.play(updated, card)
        sale = self.sale_of(sim)
        self.assertEqual(odoo_amount(sale.invoice_ids.amount_total), sim.total(), "invoiced as edited")
        job = self.send(refund)
        for event in transactions:
            self.send(event)
        for other in self.queued() - job:
            self.attempt(other)
        self.assertIn("waiting for the order's updates sent just before and after it", self.waiting(job) or "")
        self.play(gift, create, edit)
        self.assertEqual(job.state, "done", job.error_message)
        self.assertFalse(self.refund_notes(sale), "all of it pays back what the customer overpaid")
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)

    def test_goodwill_refund_applied_before_the_earlier_balance_refund_waits_for_it(self):
        # Found by the books soak (seed 2096, once the payment wait was fixed): a 1.00 goodwill refund
        # made after the balance refund was applied first, took 1.00 of the balance owed to the
        # customer as its own, and the balance refund then credited 1.00.
        self.goodwill_then_balance_refund(7422, "waiting for the order's updates sent just before and after it")

    def test_goodwill_refund_applied_before_the_earlier_balance_refund_waits_for_it_without_money_fields(self):
        self.goodwill_then_balance_refund(7425, "Refund {balance}", money_fields=False)

    def goodwill_then_balance_refund(self, number, waits_for, money_fields=True):
        sim = SimulatedOrder(number, [(8101, 3)], books=True)
        sim.money_fields = money_fields
        self.play(sim.create(), sim.transaction("sale", sim.total()))
        sale = self.sale_of(sim)
        before = sim.total()
        self.play(sim.edit_reduce(0, 2))
        balance_refund, *balance_events = sim.settle_edit(before)
        goodwill, *goodwill_events = sim.refund([], extra=Decimal("1.00")) + [sim.updated()]
        job = self.send(goodwill)
        for event in goodwill_events:
            self.send(event)
        for other in self.queued() - job:
            self.attempt(other)
        reason = self.waiting(job)
        self.assertIn(waits_for.format(balance=balance_refund[1]["id"]), reason or "")
        self.play(balance_refund, *balance_events)
        self.assertEqual(job.state, "done", job.error_message)
        notes = self.refund_notes(sale)
        self.assertEqual(notes, self.refund_record(sim), "the goodwill refund only is credited")
        self.assertEqual(odoo_amount(notes.amount_total), Decimal("1.00"))
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)

    def test_received_is_unknown_when_the_order_body_cannot_tell(self):
        sim, _sale = self.paid_order(7423, [(8101, 1)])
        self.play(*sim.refund([(0, 1, "no_restock", 11)]))
        _topic, body = sim.updated()
        self.assertEqual(shopify_received(body), sim.paid(), "net payment + what its refunds paid back")
        self.assertIsNone(shopify_received(dict(body, total_outstanding=None)), "an older or pulled body")
        self.assertIsNone(shopify_received(dict(body, presentment_currency="EUR")), "two currencies")
        bare = dict(body, refunds=[{k: v for k, v in body["refunds"][0].items() if k != "transactions"}])
        self.assertIsNone(shopify_received(bare), "a refund listed without its transactions")
        self.assertIsNone(shopify_received(dict(body, total_outstanding="n/a")), "not an amount")
        self.assertIsNone(shopify_received(dict(body, refunds=[7])), "not a refund")
        self.assertIsNone(order_version(dict(body, updated_at="yesterday")), "not a date")
        self.assertEqual(order_version(body)[3], f"{sim.paid()}")

    def test_goodwill_refund_reckoned_with_a_later_edit_applied_is_still_credited(self):
        # Found by the books soak (seed 2075): Odoo applied the order as edited after a 4.50 goodwill
        # refund, so the goodwill refund saw the balance that later edit owed the customer and took
        # 4.50 of it as its own; the later balance refund then credited 4.50.
        sim, sale = self.paid_order(7424, [(8101, 1), (8102, 3)])
        before = sim.total()
        self.play(sim.edit_reduce(1, 1), *sim.settle_edit(before))
        goodwill = sim.refund([], extra=Decimal("4.50")) + [sim.updated()]
        before = sim.total()
        edit = sim.edit_reduce(1, 1)
        *balance_refund, latest = sim.settle_edit(before)
        self.play(latest)
        self.play(*goodwill)
        self.play(edit, *balance_refund)
        self.assertEqual(
            odoo_amount(self.refund_record(sim, -2).amount_total), Decimal("4.50"), "the goodwill refund is credited"
        )
        self.assertEqual(self.refund_record(sim), sale, "the balance refund pays the edit back, no credit note")
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)

    def test_refund_balance_reads_the_versions_just_before_and_after_the_refund(self):
        one, two = "gid://shopify/Refund/1", "gid://shopify/Refund/2"
        edited = ["2026-11-23T15:01:00-00:00", "60.01", "-107.14", "167.15", []]
        paid_back = ["2026-11-23T15:03:00-00:00", "60.01", "0.00", "167.15", [one]]
        goodwill = ["2026-11-23T15:05:00-00:00", "60.01", "0.00", "167.15", [one, two]]
        self.assertEqual(refund_balance([goodwill, edited, paid_back], one), Decimal("107.14"))
        self.assertEqual(refund_balance([goodwill, edited, paid_back], two), Decimal("0.00"))
        self.assertIsNone(refund_balance([edited, goodwill], two), "two refunds between: unknown")
        self.assertIsNone(refund_balance([paid_back, goodwill], one), "no version before it: unknown")
        # A 1.00 goodwill refund, then an edit taking 10.00 off and a payment of 10.00 before the next
        # version (outstanding = current total 49.01 - net payment 69.01): none of it paid back owed money.
        later = ["2026-11-23T15:09:00-00:00", "50.01", "-20.00", "177.15", [one, two]]
        self.assertEqual(refund_balance([paid_back, later], two), Decimal("0.00"))


class PulledOrdersCase(RefundLifecycleCase):
    """Orders Shopify holds in the stand-in's store, read by the catch-up. No tests of its own."""

    def setUp(self):
        super().setUp()
        self.backend.state = "connected"
        self.shop = FakeShopOrders(self.standin)
        self.addCleanup(self.standin.root.clear)

    def catch_up(self, *events, mode="paginated"):
        """Each order version in turn is the one Shopify holds when the catch-up reads it (``mode``
        "bulk": one bulk operation, its JSONL file; "paginated": ORDER_DETAIL); it is imported as the
        catch-up imports (its orders/batch jobs)."""
        for _topic, body in events:
            self.shop.nodes.clear()
            self.shop.add(body)
            order_pull.start_pull(self.backend, "orders/catch_up", datetime(2026, 11, 1), mode=mode)
            while True:
                queued = self.jobs(state="queued").filtered(lambda j: j.topic in ("orders/catch_up", "orders/batch"))
                if not queued:
                    break
                for job in queued:
                    self.perform(job)
        self.assertFalse(self.jobs(state="failed").mapped("error_message"))


@tagged("post_install", "-at_install")
class TestPulledOrderVersions(PulledOrdersCase):
    """Orders read from Shopify by the catch-up (lib/queries ORDER_DETAIL, lib/order_graphql.py) carry
    Shopify's money figures as webhook bodies do: what is outstanding, the current total, the refunds
    with their transactions; a refund beyond its lines after them is reckoned on them."""

    def test_a_pulled_order_version_carries_what_is_outstanding(self):
        sim, sale = self.paid_order(7440, [(8101, 1), (8102, 3)])
        before = sim.total()
        edit = sim.edit_reduce(1, 2)
        self.assertLess(Decimal(edit[1]["total_outstanding"]), 0, "precondition: the edit's balance is owed")
        balance_refund, *transactions, paid_back = sim.settle_edit(before)
        for event in (balance_refund, *transactions):
            self.send(event)
        self.catch_up(edit, paid_back)
        self.drain()
        versions = sale.shopify_sync_state[VERSIONS_KEY]
        self.assertEqual(versions[-2:], [order_version(edit[1]), order_version(paid_back[1])])
        self.assertEqual(versions[-2][2], edit[1]["total_outstanding"])
        self.assertEqual(versions[-1][4], [balance_refund[1]["admin_graphql_api_id"]])
        self.assert_books(sim)

    def test_goodwill_refund_reckoned_on_pulled_versions_with_a_later_edit_applied_is_still_credited(self):
        # TestBalanceRefundReckonedOnShopifysFigures' seed-2075 walk, every order version pulled:
        # without Shopify's figures in pulled orders, Odoo's books decided, and took the later edit's
        # balance as the goodwill refund's own (nothing credited for it, the balance refund credited).
        sim, sale = self.paid_order(7441, [(8101, 1), (8102, 3)])
        before = sim.total()
        edit = sim.edit_reduce(1, 1)
        balance_refund, *events = sim.settle_edit(before)
        for event in (balance_refund, *events[:-1]):
            self.send(event)
        self.catch_up(edit, events[-1])
        self.drain()
        *goodwill, goodwill_version = sim.refund([], extra=Decimal("4.50")) + [sim.updated()]
        before = sim.total()
        edit = sim.edit_reduce(1, 1)
        *balance_refund, latest = sim.settle_edit(before)
        self.catch_up(goodwill_version, latest)
        self.play(*goodwill)
        self.play(*balance_refund)
        self.assertEqual(
            odoo_amount(self.refund_record(sim, -2).amount_total), Decimal("4.50"), "the goodwill refund is credited"
        )
        self.assertEqual(self.refund_record(sim), sale, "the balance refund pays the edit back, no credit note")
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)


@tagged("post_install", "-at_install")
class TestTaxIncludedStoreLifecycle(RefundLifecycleCase):
    """A store whose prices include tax (VAT 20 %): edits, refunds of lines, of shipping and of an
    edit's balance keep the money invariant, every credit note's tax Shopify's to the cent."""

    def test_edit_refunds_and_shipping_refund_of_a_tax_included_order(self):
        baseline = self.stock()
        sim = SimulatedOrder(7430, [(8101, 1), (8102, 3)], books=True, taxes_included=True)
        self.play(sim.create(), sim.transaction("sale", sim.total()))
        sale = self.sale_of(sim)
        self.assertEqual(odoo_amount(sale.invoice_ids.amount_total), sim.total(), "prices hold their tax")
        before = sim.total()
        self.play(sim.edit_reduce(1, 1), *sim.settle_edit(before))
        self.play(*sim.refund([(1, 1, "no_restock", 11)]), sim.updated())
        line_refund = self.refund_record(sim)
        refund_body = next(p for t, p in reversed(sim.events) if t == "refunds/create")
        self.assertEqual(odoo_amount(line_refund.amount_total), Decimal(refund_body["transactions"][0]["amount"]))
        self.assertEqual(
            odoo_amount(line_refund.amount_tax),
            Decimal(refund_body["refund_line_items"][0]["total_tax_set"]["shop_money"]["amount"]),
        )
        self.play(*sim.refund([], shipping="full"), sim.updated())
        self.assertEqual(odoo_amount(self.refund_record(sim).amount_total), Decimal(sim.shipping))
        self.assertEqual(self.open_receivable(sale), Decimal("0.00"))
        self.assert_books(sim)
        self.assert_lifecycle(sim, baseline)
