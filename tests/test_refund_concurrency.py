"""A refund and an update of the same Shopify order applied at the same instant by two workers, each
in its own committed transaction, with the books on. Shopify sends ``refunds/create`` and, right
after, ``orders/updated``; an edit's ``orders/updated`` and the refund of its balance follow each
other within seconds too. Whatever the interleaving, neither event is lost or applied twice, and a
database conflict between them is retried as a conflict (never a failure).

These tests commit for real (the test database is throw-away), each in its own company, store and
order numbers, so they touch nothing the other tests look at.
"""

import uuid
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..handlers import delivery
from .common import CommittedCase
from .money_invariant import money_violations, order_credit_notes
from .order_simulator import CATALOG, SimulatedOrder

SECRET = "race-secret"


@tagged("post_install", "-at_install")
class TestConcurrentRefundAndOrderUpdate(CommittedCase):
    def setup_store(self, env, tag):
        """A US company with a chart of accounts, Shopify's CA tax mapped, a card gateway journal,
        and the simulator's lamp and mug in stock; the store keeps its books."""
        company = env["res.company"].create(
            {
                "name": f"Refund race {tag}",
                "country_id": env.ref("base.us").id,
                "currency_id": env.ref("base.USD").id,
                "tax_calculation_rounding_method": "round_per_line",
            }
        )
        env.user.company_ids |= company
        env = env(context=dict(env.context, allowed_company_ids=[company.id]))
        env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        group = env["account.tax.group"].create({"name": "CA race", "company_id": company.id})
        tax = env["account.tax"].create(
            {
                "name": "CA 7.25% race",
                "amount": 7.25,
                "type_tax_use": "sale",
                "company_id": company.id,
                "tax_group_id": group.id,
            }
        )
        backend = self.store_with_tax(
            env,
            company,
            tax,
            "CA State Tax",
            7.25,
            name=f"Refund race {tag}",
            shop_domain=f"refund-race-{tag}.myshopify.com",
            webhook_secret=SECRET,
            create_invoice=True,
        )
        bank = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        env["shopify.gateway.map"].create(
            {"backend_id": backend.id, "gateway": "shopify_payments", "journal_id": bank.id}
        )
        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        backend.warehouse_id = warehouse
        for variant in (8101, 8102):
            sku, _price = CATALOG[variant]
            product = env["product.product"].create(
                {
                    "name": sku,
                    "default_code": sku,
                    "type": "consu",
                    "is_storable": True,
                    "invoice_policy": "order",
                    "taxes_id": False,
                    "company_id": company.id,
                }
            )
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 50)
        return backend

    def run_queue(self, backend_id, rounds=40):
        """What the queue does after the race: run every queued job again, one at a time, until none is left."""
        for _round in range(rounds):
            with self.registry.cursor() as cr:
                env = self.env_for(cr)
                queued = env["shopify.sync.job"].search([("backend_id", "=", backend_id), ("state", "=", "queued")])
                if not queued:
                    return
                for job in queued:
                    try:
                        with cr.savepoint():
                            Job.load(env, job.queue_job_id.uuid).perform()
                    except RetryableJobError:
                        job.queue_job_id.retry += 1
        self.fail("jobs never finished")

    def check_books(self, backend_id, sim, more=None):
        """Every job done; the money invariant; the deliveries as Shopify's quantities; then ``more(env,
        sale, refund credit notes)``."""
        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            backend = env["shopify.backend"].browse(backend_id)
            env = env(context=dict(env.context, allowed_company_ids=[backend.company_id.id]))
            backend = backend.with_env(env)
            jobs = env["shopify.sync.job"].search([("backend_id", "=", backend_id)])
            self.assertEqual(set(jobs.mapped("state")), {"done"}, jobs.mapped("error_message"))
            wrong = money_violations(
                env, backend, sim.gid, sim.versions, sim.refund_totals, sim.transactions, drained=True
            )
            self.assertFalse(wrong)
            sale = env["shopify.binding"]._record_for(backend, sim.gid)
            figures = {line.product_id.default_code: figure for line, figure in delivery.line_figures(sale).items()}
            for line in sim.lines:
                self.assertEqual(Decimal(str(figures[line.sku]["current"])), line.current, sim.describe())
                self.assertEqual(Decimal(str(figures[line.sku]["pending"])), line.fulfillable, sim.describe())
            edits = sale.order_line.invoice_lines.move_id
            if more:
                more(env, sale, order_credit_notes(env, sale) - edits)

    def paid_order(self, number):
        tag = uuid.uuid4().hex[:8]
        sim = SimulatedOrder(number, [(8101, 1), (8102, 3)], books=True)
        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            backend = self.setup_store(env, tag)
            backend_id = backend.id
            self.enqueue(env, backend, [sim.create(), sim.transaction("sale", sim.total())])
        self.run_queue(backend_id)
        return sim, backend_id

    def start(self, backend_id, events):
        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            return self.enqueue(env, env["shopify.backend"].browse(backend_id), events)

    def test_refund_and_the_order_update_after_it_at_once(self):
        sim, backend_id = self.paid_order(881001)
        refund, transaction = sim.refund([(1, 2, "cancel", 11)])
        updated = sim.updated()
        # Three workers: the refund, its transaction's own webhook (the same payment) and the order's update.
        outcomes = self.run_jobs_at_once(self.start(backend_id, [refund, transaction, updated]))
        self.assertFalse([o for o in outcomes if o not in ("done", "retry", "conflict")], outcomes)
        self.assertIn("done", outcomes)
        self.start(backend_id, [refund])  # and Shopify redelivers the refund
        self.run_queue(backend_id)

        def one_credit_note(_env, _sale, notes):
            self.assertEqual(len(notes), 1, "one credit note for the refund, however the two met")

        self.check_books(backend_id, sim, one_credit_note)

    def test_edit_and_the_refund_of_its_balance_at_once(self):
        sim, backend_id = self.paid_order(881002)
        before = sim.total()
        edit = sim.edit_reduce(1, 2)
        refund, *transactions, updated = sim.settle_edit(before)
        # Four workers: the edit's update, the refund of its balance, its transaction, the update after it.
        outcomes = self.run_jobs_at_once(self.start(backend_id, [edit, refund, *transactions, updated]))
        self.assertFalse([o for o in outcomes if o not in ("done", "retry", "conflict")], outcomes)
        self.assertIn("done", outcomes)
        self.run_queue(backend_id)

        def edit_credited_once(_env, sale, notes):
            self.assertFalse(notes, "the edit is credited once; its balance refund credits nothing more")
            edits = sale.order_line.invoice_lines.move_id.filtered(lambda m: m.move_type == "out_refund")
            self.assertEqual(len(edits), 1)

        self.check_books(backend_id, sim, edit_credited_once)

    def import_fulfilments(self, backend_id):
        """The store delivers in Odoo what Shopify fulfils, from its location 11 (its warehouse)."""
        with self.registry.cursor() as cr:
            env = self.env_for(cr)
            backend = env["shopify.backend"].browse(backend_id)
            env = env(context=dict(env.context, allowed_company_ids=[backend.company_id.id]))
            backend = backend.with_env(env)
            backend.import_fulfillments = True
            env["shopify.sync.location"].create(
                {
                    "backend_id": backend_id,
                    "name": "Shop",
                    "shopify_gid": "gid://shopify/Location/11",
                    "warehouse_id": backend.warehouse_id.id,
                    "location_id": backend.warehouse_id.lot_stock_id.id,
                }
            )

    def test_a_fulfilment_and_its_cancellation_at_once(self):
        # Shopify fulfilled the lamp and cancelled that fulfilment a moment later: two workers take
        # both webhooks at the same instant. Before, the cancellation found nothing delivered while
        # the other worker delivered the lamp, and the lamp stayed out for good.
        sim, backend_id = self.paid_order(881004)
        self.import_fulfilments(backend_id)
        fulfilment = sim.fulfil({0: 1})
        cancellation = sim.cancel_fulfilment(fulfilment[1]["id"])
        outcomes = self.run_jobs_at_once(self.start(backend_id, [fulfilment, cancellation]))
        self.assertFalse([o for o in outcomes if o not in ("done", "retry", "conflict")], outcomes)
        self.run_queue(backend_id)

        def nothing_left_out(env, sale, _notes):
            warehouse = env["shopify.backend"].browse(backend_id).warehouse_id
            lamp = sale.order_line.filtered(lambda line: line.product_id.default_code == "LAMP-1").product_id
            self.assertEqual(lamp.with_context(warehouse_id=warehouse.id).qty_available, 50)
            figures = {line.product_id.default_code: f for line, f in delivery.line_figures(sale).items()}
            self.assertEqual((figures["LAMP-1"]["delivered"], figures["LAMP-1"]["pending"]), (0, 1))

        self.check_books(backend_id, sim, nothing_left_out)

    def test_fulfilment_cancellation_and_a_return_of_its_units_at_once(self):
        # Shopify fulfilled the lamp and the 3 mugs, a refund returned 1 mug, then the fulfilment was
        # cancelled: the refund, its transaction, the cancellation and both order updates run at once.
        sim, backend_id = self.paid_order(881003)
        self.import_fulfilments(backend_id)
        fulfilment = sim.fulfil({0: 1, 1: 3})
        self.start(backend_id, [fulfilment])
        self.run_queue(backend_id)
        refund, transaction = sim.refund([(1, 1, "return", 11)])
        events = [refund, transaction, sim.updated(), sim.cancel_fulfilment(fulfilment[1]["id"]), sim.updated()]
        outcomes = self.run_jobs_at_once(self.start(backend_id, events))
        self.assertFalse([o for o in outcomes if o not in ("done", "retry", "conflict")], outcomes)
        self.run_queue(backend_id)

        def everything_back_once(env, sale, notes):
            self.assertEqual(len(notes), 1, "one credit note for the refund")
            warehouse = env["shopify.backend"].browse(backend_id).warehouse_id
            on_hand = {
                line.product_id.default_code: line.product_id.with_context(warehouse_id=warehouse.id).qty_available
                for line in sale.order_line.filtered("product_id.is_storable")
            }
            self.assertEqual(on_hand, {"LAMP-1": 50, "MUG-1": 50}, "the refund's mug and the rest back, once")
            figures = {line.product_id.default_code: f for line, f in delivery.line_figures(sale).items()}
            self.assertEqual((figures["LAMP-1"]["delivered"], figures["MUG-1"]["delivered"]), (0, 1))

        self.check_books(backend_id, sim, everything_back_once)
