"""Order jobs imported in batches: ``orders/batch`` (orders read by a backfill or catch-up, and a
backlog of order webhooks; see lib/order_batching.py).

A backlog of thousands of orders is imported many per transaction: the new orders of a batch are
created in one ``sale.order.create`` and confirmed in one ``action_confirm`` (Odoo runs their
procurements together), their bindings are written in one INSERT. Each order keeps its own sync
job, which ends done or failed on its own, exactly as when it runs alone:

- the mapping (partners, products, taxes, lines, totals, invoice and payments) is
  handlers/orders.py's ``OrderImporter``, called piece by piece;
- an order that cannot be batched (already in Odoo, a second version of an order of the same
  batch, cancelled, skipped by a store setting, or whose mapping fails) runs through the ordinary
  per-order path (``shopify.sync.job._run``) in the same transaction, in its savepoint: its
  verdict, category and fix are the per-order ones, and Retry runs it alone;
- when the batched create or confirmation fails, the batch is halved until the failing order is
  alone, which then runs the per-order path: one bad order never rolls back its neighbours;
- a database conflict (a concurrent job bound the same order, or reserved the same stock) retries
  the whole batch job within seconds (an order already bound is then updated, not created twice);
  a transient error of one order (Shopify throttling a barcode lookup) queues that order alone.

Which jobs go to batches, and how many per batch: lib/order_batching.py.
"""

import copy
import logging

from odoo import fields

from odoo.addons.queue_job.exception import RetryableJobError

from ..lib.order_batching import TOPIC
from ..lib.registry import register
from ..models.shopify_sync_job import database_conflict, parse_shopify_datetime
from . import orders, products  # modules, not names: models import order_pull, which imports this early

_logger = logging.getLogger(__name__)


class BatchLookups:
    """What the orders of a batch look up alike, looked up once for the batch: the products bound
    to their variants (one query), each variant's match, the contacts never matched as customers
    (staff), countries."""

    def __init__(self, backend):
        self.countries = {}
        self.staff_partner_ids = None
        self.matcher = _BatchProductMatcher(backend)

    def shared_resolver(self, resolver):
        """``resolver`` (a PartnerResolver of one order: warnings go to its job) with the batch's caches."""
        resolver._countries = self.countries
        if self.staff_partner_ids is None:
            self.staff_partner_ids = resolver._staff_partners()
        resolver._staff_partner_ids = self.staff_partner_ids
        return resolver


class _BatchProductMatcher(products.ProductMatcher):
    """ProductMatcher answering each (variant, SKU, barcode) once per batch, the variants' bindings
    read in one query beforehand (``prefetch``)."""

    def __init__(self, backend):
        super().__init__(backend)
        self.bound, self.answers = {}, {}

    def prefetch(self, variant_gids):
        if not variant_gids:
            return
        found = self.bindings.search(
            [
                ("backend_id", "=", self.backend.id),
                ("shopify_gid", "in", sorted(variant_gids)),
                ("res_model", "=", "product.product"),
            ]
        )
        existing = set(self.Product.browse(found.mapped("res_id")).exists().ids)
        self.bound = {b.shopify_gid: self.Product.browse(b.res_id) for b in found if b.res_id in existing}

    def match(self, variant_gid, sku=None, barcode=None, methods=None):
        key = (variant_gid, sku, barcode, tuple(methods) if methods is not None else None)
        if key not in self.answers:
            bound = self.bound.get(variant_gid)
            # The binding comes first in ProductMatcher.match too.
            self.answers[key] = bound or super().match(variant_gid, sku, barcode, methods)
        return self.answers[key]


class _BatchedImporter(orders.OrderImporter):
    """OrderImporter of one order of a batch: the same mapping, with the batch's shared lookups."""

    def __init__(self, job, lookups):
        super().__init__(job)
        self.lookups = lookups

    def _partner_resolver(self):
        return self.lookups.shared_resolver(super()._partner_resolver())

    def _product_matcher(self):
        return self.lookups.matcher


class _NotBatchable(Exception):
    """The order runs the per-order path instead (no verdict of its own)."""


class OrderBatch:
    def __init__(self, job):
        self.job = job
        self.env = job.env
        self.backend = job.backend_id
        self.cr = job.env.cr
        self.counts = {"batched": 0, "alone": 0, "requeued": 0}

    def run(self):
        ids = (self.job._payload_json() or {}).get("job_ids") or []
        jobs = (
            self.env["shopify.sync.job"]
            .browse(ids)
            .exists()
            .filtered(
                # Still waiting for this batch: not done, not retried on its own since.
                lambda j: j.state == "queued" and not j.queue_job_id and j.backend_id == self.backend
            )
            .sudo()
            .with_company(self.backend.company_id)
        )
        lookups = BatchLookups(self.backend)
        parsed = []  # (job, importer or None when its payload does not parse: it runs alone)
        for job in jobs:
            try:
                parsed.append((job, _BatchedImporter(job, lookups)))
            except Exception:  # noqa: BLE001 - the per-order run records the verdict
                parsed.append((job, None))
        lookups.matcher.prefetch(
            {
                line.variant_gid
                for _job, importer in parsed
                if importer
                for line in importer.order.lines
                if line.kind == "product" and line.variant_gid
            }
        )
        prepared, alone, seen = [], [], set()
        for job, importer in parsed:
            ready = self._prepare(job, importer, seen) if importer else None
            if ready:
                prepared.append(ready)
            else:
                alone.append(job)
        self._apply(prepared, alone)
        for job in sorted(alone, key=lambda j: j.id):
            self._run_alone(job)
        done = jobs.filtered(lambda j: j.state == "done")
        failed = jobs.filtered(lambda j: j.state == "failed")
        self.job.result_summary = (
            f"{len(jobs)} order job(s): {len(done)} done, {len(failed)} failed, "
            f"{self.counts['requeued']} queued again on their own; {self.counts['batched']} created in batch, "
            f"{self.counts['alone']} run one by one."
        )
        return None

    # -- per order ---------------------------------------------------------------------------

    def _prepare(self, job, importer, seen):
        """(job, importer, sale order values) of a new order, its partners and products resolved;
        None when it goes the per-order way."""
        try:
            with self.cr.savepoint():
                order, backend = importer.order, self.backend
                if (
                    not order.gid
                    or order.gid in seen
                    or order.cancelled_at
                    or (order.test and backend.skip_test_orders)
                    or (backend.import_only_paid and order.financial_status not in orders.PAID_STATUSES)
                    or importer.bindings._find(backend, order.gid)
                ):
                    raise _NotBatchable
                seen.add(order.gid)
                if job.warning_message:  # as _run starts: warnings are the run's own
                    job.warning_message = False
                values = importer._order_values()
                values["order_line"] = [(0, 0, line) for line in importer._line_values()]
        except Exception as err:  # noqa: BLE001 - the per-order run records the verdict
            self.env.invalidate_all()
            if database_conflict(err):
                raise  # a variant or contact bound by a concurrent job: the batch is retried in seconds
            if not isinstance(err, _NotBatchable):
                _logger.debug("Order job %s runs alone: %s", job.id, err)
            return None
        return job, importer, values

    def _run_alone(self, job):
        """The per-order path, in this transaction; a transient failure queues the job on its own."""
        self.counts["alone"] += 1
        try:
            job._run()
        except RetryableJobError:
            self.env.invalidate_all()
            job._enqueue()
            self.counts["requeued"] += 1

    # -- the batch ---------------------------------------------------------------------------

    def _apply(self, prepared, alone):
        """Create and confirm ``prepared`` together; on failure halve it, and an order failing
        alone joins ``alone``."""
        if not prepared:
            return
        try:
            with self.cr.savepoint():
                self._create_and_confirm(prepared)
        except Exception as err:
            self.env.invalidate_all()
            if database_conflict(err):
                raise  # the whole batch is retried in seconds (see the module docstring)
            if len(prepared) == 1:
                alone.append(prepared[0][0])
                return
            _logger.info("Order batch of %s failed (%s): halved", len(prepared), err)
            half = len(prepared) // 2
            self._apply(prepared[:half], alone)
            self._apply(prepared[half:], alone)
            return
        self.counts["batched"] += len(prepared)

    def _create_and_confirm(self, prepared):
        """What OrderImporter.run does for a new order, for all of them at once where Odoo can."""
        backend = self.backend
        importers = [importer for _job, importer, _values in prepared]
        env = importers[0].env
        sales = env["sale.order"].create([copy.deepcopy(values) for _job, _importer, values in prepared])
        for importer, sale in zip(importers, sales, strict=True):
            importer._remember(sale, sale.order_line.filtered(lambda ln: not ln.display_type).sorted("id"))
            importer._settle_totals(sale)
        if backend.auto_confirm:
            sales.action_confirm()
        env["shopify.binding"].create(
            [
                {
                    "backend_id": backend.id,
                    "shopify_gid": importer.order.gid,
                    "resource_type": importer.order.gid.split("/")[3],
                    "res_model": sale._name,
                    "res_id": sale.id,
                    "shopify_updated_at": parse_shopify_datetime(importer.order.updated_at),
                }
                for importer, sale in zip(importers, sales, strict=True)
            ]
        )
        for (job, importer, _values), sale in zip(prepared, sales, strict=True):
            # What _run writes when a job starts; rolled back with the batch if the order then runs alone.
            job.write({"attempts": job.attempts + 1, "date_started": fields.Datetime.now()})
            importer._customer_note(sale)
            importer._follow_lifecycle(sale)
            importer._books(sale)
            if job.state != "failed":  # _books failed it and kept the order: its verdict stands
                job._mark_done(sale)


@register(TOPIC, "historical", webhook=False)
def import_order_batch(job):
    return OrderBatch(job).run()
