"""Random order walks on two workers: the walks of tests/test_lifecycle.py (create and pay, edit,
fulfil in part, refund each way, cancel a fulfilment or the order, redeliver), with the books on,
run as production runs them: each job in its own committed transaction, two workers taking the
queued jobs at the same time, oldest first (now and then in another order, as redeliveries and
retries come), a job sent back to the queue (a wait, a database conflict) taken again later with
its retry counted as queue_job counts it.

After every walk: every job done, none failed; the sale order's quantities sold, delivered and
still to deliver as Shopify's; stock per warehouse as Shopify's locations moved it; the money
invariant on the invoices, credit notes and payments (tests/money_invariant.py).

``TWO_WORKER_WALKS`` / ``TWO_WORKER_SEED`` / ``TWO_WORKER_STEPS`` raise the count for a soak:
    TWO_WORKER_WALKS=20 TWO_WORKER_SEED=5000 TEST_TAGS=/shopify_sync:TestOrderWalksOnTwoWorkers \
        bash tools/run_tests.sh
"""

import collections
import os
import random
import threading
import uuid
from decimal import Decimal
from unittest.mock import patch

from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job

from ..handlers import delivery
from . import test_refund_concurrency as refund_race
from .common import CommittedCase, job_outcome
from .money_invariant import money_violations
from .order_simulator import GIFT_CARD, SimulatedOrder
from .test_lifecycle import random_step

SKUS = ("LAMP-1", "MUG-1", "VASE-1")
LOCATIONS = (11, 22)  # Shopify locations of the simulator: the store's warehouse and a second one
MAX_RUNS_PER_JOB = 40


@tagged("post_install", "-at_install")
class TestOrderWalksOnTwoWorkers(CommittedCase):
    setup_books_store = refund_race.TestConcurrentRefundAndOrderUpdate.setup_store

    def walk_store(self, env, tag):
        """The refund race's store (books on, CA tax, card gateway, lamp and mug) with the vase, the
        kit bundle, the gift card gateway, fulfilments imported, Shopify location 11 at its warehouse
        and 22 at a second one, 50 of each product in each."""
        backend = self.setup_books_store(env, tag)
        company = backend.company_id
        env = env(context=dict(env.context, allowed_company_ids=[company.id]))
        backend = backend.with_env(env)
        Product = env["product.product"]
        vase = Product.create(
            {
                "name": "VASE-1",
                "default_code": "VASE-1",
                "type": "consu",
                "is_storable": True,
                "invoice_policy": "order",
                "taxes_id": False,
                "company_id": company.id,
            }
        )
        products = {sku: Product.search([("default_code", "=", sku), ("company_id", "=", company.id)]) for sku in SKUS}
        kit = Product.create(
            {
                "name": "KIT-1",
                "default_code": "KIT-1",
                "type": "service",
                "invoice_policy": "order",
                "taxes_id": False,
                "company_id": company.id,
            }
        )
        env["shopify.sync.bundle"].create(
            {
                "name": "Kit",
                "backend_id": backend.id,
                "shopify_variant_gid": "gid://shopify/ProductVariant/8104",
                "product_id": kit.id,
                "line_ids": [
                    (0, 0, {"product_id": products["LAMP-1"].id, "quantity": 1}),
                    (0, 0, {"product_id": products["MUG-1"].id, "quantity": 2}),
                ],
            }
        )
        gift_journal = env["account.journal"].create(
            {"name": f"Gift cards {tag}", "code": "GFT2", "type": "bank", "company_id": company.id}
        )
        env["shopify.gateway.map"].create(
            {"backend_id": backend.id, "gateway": GIFT_CARD, "journal_id": gift_journal.id}
        )
        second = env["stock.warehouse"].create({"name": f"Second {tag}", "code": "WK2", "company_id": company.id})
        for location_id, warehouse in zip(LOCATIONS, (backend.warehouse_id, second), strict=True):
            env["shopify.sync.location"].create(
                {
                    "backend_id": backend.id,
                    "name": f"Location {location_id}",
                    "shopify_gid": f"gid://shopify/Location/{location_id}",
                    "warehouse_id": warehouse.id,
                    "location_id": warehouse.lot_stock_id.id,
                }
            )
        Quant = env["stock.quant"]
        Quant._update_available_quantity(vase, backend.warehouse_id.lot_stock_id, 50)
        for product in products.values():
            Quant._update_available_quantity(product, second.lot_stock_id, 50)
        backend.import_fulfillments = True
        return backend

    def store_env(self, cr, backend_id):
        env = self.env_for(cr)
        company = env["shopify.backend"].browse(backend_id).company_id
        env = env(context=dict(env.context, allowed_company_ids=[company.id]))
        return env, env["shopify.backend"].browse(backend_id)

    def stock(self, env, backend):
        """{(sku, Shopify location): units on hand in its warehouse}."""
        result = {}
        for place in env["shopify.sync.location"].search([("backend_id", "=", backend.id)]):
            location_id = int(place.shopify_gid.rsplit("/", 1)[1])
            for sku in SKUS:
                product = env["product.product"].search(
                    [("default_code", "=", sku), ("company_id", "=", backend.company_id.id)]
                )
                result[(sku, location_id)] = product.with_context(warehouse_id=place.warehouse_id.id).qty_available
        return result

    # -- two workers -----------------------------------------------------------------------------

    def queued_jobs(self, backend_id):
        with self.registry.cursor() as cr:
            env, _backend = self.store_env(cr, backend_id)
            queued = env["shopify.sync.job"].search(
                [("backend_id", "=", backend_id), ("state", "=", "queued")], order="id"
            )
            return queued.queue_job_id.mapped("uuid")

    def run_two_workers(self, backend_id, rng):
        """Every queued job of the store, taken by two workers at once until none is left (jobs the
        runs enqueue too: a reservation, say). Returns {outcome: count} of all the runs; a job that
        fails otherwise than by a wait or a conflict is left for the walk's final checks (its sync
        job is not done)."""
        outcomes = collections.Counter()
        for _round in range(5):
            work = self.queued_jobs(backend_id)
            if not work:
                break
            if rng.random() < 0.3:
                rng.shuffle(work)
            outcomes += self._two_workers_on(collections.deque(work))
        return outcomes

    def _two_workers_on(self, work):
        """Run the queue jobs of ``work`` (uuids, oldest first) on two threads. A job sent back (a
        wait, a conflict) goes to the end of the line and is taken again only once another job has
        ended since, or when nothing else runs: queue_job retries it seconds later, when the job it
        waits for has usually ended; ``ORDER_WAIT_RETRIES`` counts retries, not seconds."""
        lock = threading.Condition()
        runs = collections.Counter()
        outcomes = collections.Counter()
        state = {"ended": 0, "busy": 0}
        back_at = {}  # uuid -> jobs ended when it was sent back

        def take():
            with lock:
                while work:
                    for job_uuid in list(work):
                        if runs[job_uuid] >= MAX_RUNS_PER_JOB:
                            work.remove(job_uuid)
                            continue
                        if back_at.get(job_uuid, -1) < state["ended"] or not state["busy"]:
                            work.remove(job_uuid)
                            runs[job_uuid] += 1
                            state["busy"] += 1
                            return job_uuid
                    if work and state["busy"]:
                        lock.wait(1)
            return None

        def run(job_uuid):
            try:
                with self.registry.cursor() as cr:
                    Job.load(self.env_for(cr), job_uuid).perform()
            except Exception as exc:  # noqa: BLE001 - classified below, as queue_job's runner does
                return exc
            return None

        def count_retry(job_uuid):
            with self.registry.cursor() as cr:
                queue_job = self.env_for(cr)["queue.job"].search([("uuid", "=", job_uuid)])
                queue_job.retry += 1

        def worker():
            while (job_uuid := take()) is not None:
                error = run(job_uuid)
                outcome = job_outcome(error) if error is not None else "done"
                if isinstance(error, RetryableJobError):
                    count_retry(job_uuid)
                with lock:
                    outcomes[outcome] += 1
                    state["busy"] -= 1
                    if outcome in ("retry", "conflict"):
                        back_at[job_uuid] = state["ended"]
                        work.append(job_uuid)
                    else:
                        state["ended"] += 1
                    lock.notify_all()

        # As CommittedCase.run_jobs_at_once: the workers commit as in production (see there).
        with mute_logger("odoo.sql_db"), patch.object(Registry, "_lock", threading.RLock()):
            threads = [threading.Thread(target=worker) for _n in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(600)
        return outcomes

    # -- the walk ----------------------------------------------------------------------------------

    def walk(self, seed, number, steps):
        """One random walk; returns what is wrong at its end (nothing: the invariants hold)."""
        rng = random.Random(seed)
        lines = [(rng.choice([8101, 8102, 8103, 8104]), rng.randint(1, 3)) for _line in range(rng.randint(1, 2))]
        sim = SimulatedOrder(number, lines, books=True)
        tag = uuid.uuid4().hex[:8]
        with self.registry.cursor() as cr:
            backend_id = self.walk_store(self.env_for(cr), tag).id
        with self.registry.cursor() as cr:  # env_for gives the cursor a new transaction: a cursor of its own
            baseline = self.stock(*self.store_env(cr, backend_id))
        log, outcomes = ["create"], collections.Counter()
        batch = [sim.create(), *sim.pay_at_checkout(rng)]
        for step in range(steps):
            with self.registry.cursor() as cr:
                env, backend = self.store_env(cr, backend_id)
                self.enqueue(env, backend, batch)
            # The workers catch up now, or the next events arrive before they do.
            if rng.random() < 0.5 or step == steps - 1:
                outcomes += self.run_two_workers(backend_id, rng)
            if step < steps - 1:
                choice, batch = random_step(sim, rng)
                log.append(choice)
        wrong = self.violations(backend_id, sim, baseline)
        if wrong:
            wrong += [f"seed {seed}: {' -> '.join(log)}", f"runs: {dict(outcomes)}", sim.describe()]
        return wrong, outcomes

    def violations(self, backend_id, sim, baseline):
        with self.registry.cursor() as cr:
            env, backend = self.store_env(cr, backend_id)
            jobs = env["shopify.sync.job"].search([("backend_id", "=", backend_id)])
            wrong = [f"{job.topic} {job.state}: {job.error_message}" for job in jobs if job.state != "done"]
            sales = env["sale.order"].search(
                [("client_order_ref", "=", f"#{sim.number}"), ("company_id", "=", backend.company_id.id)]
            )
            if len(sales) != 1:
                return [*wrong, f"{len(sales)} sale orders for one Shopify order"]
            figures = {sku: {"sold": 0, "delivered": 0, "pending": 0} for sku in SKUS}
            for line, figure in delivery.line_figures(sales).items():
                row = figures.get(line.product_id.default_code)
                if row is not None:
                    for key in row:
                        row[key] += Decimal(str(figure[key]))
            for sku, want in sim.expected().items():
                expected = {key: Decimal(want[key]) for key in ("sold", "delivered", "pending")}
                if sim.cancelled_at:  # a cancelled order: nothing left to deliver
                    if figures[sku]["pending"]:
                        wrong.append(f"{sku}: {figures[sku]['pending']} still to deliver on a cancelled order")
                elif figures[sku] != expected:
                    wrong.append(f"{sku}: Odoo {figures[sku]} vs Shopify {expected}")
            stock = self.stock(env, backend)
            for key, before in baseline.items():
                if stock[key] != before + sim.stock_change(*key):
                    wrong.append(f"{key} on hand {stock[key]}, expected {before + sim.stock_change(*key)}")
            wrong += money_violations(
                env, backend, sim.gid, sim.versions, sim.refund_totals, sim.transactions, drained=True
            )
        return wrong

    def test_random_order_walks_on_two_workers_keep_the_invariants(self):
        count = int(os.environ.get("TWO_WORKER_WALKS", "2"))
        first_seed = int(os.environ.get("TWO_WORKER_SEED", "3000"))
        steps = int(os.environ.get("TWO_WORKER_STEPS", "6"))
        failures, outcomes = [], collections.Counter()
        for n in range(count):
            wrong, runs = self.walk(first_seed + n, 883000 + first_seed + n, steps)
            outcomes += runs
            if wrong:
                failures.append(wrong)
        # stdout on purpose: a soak reads the figures
        print(  # pylint: disable=print-used
            f"TWO WORKER WALKS: {count} walks, {sum(outcomes.values())} job runs {dict(outcomes)}, "
            f"{len(failures)} failing",
            flush=True,
        )
        self.assertFalse(failures, "\n\n".join("\n".join(map(str, wrong)) for wrong in failures))
