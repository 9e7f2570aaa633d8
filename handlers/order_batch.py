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

from odoo import fields, tools

from odoo.addons.queue_job.exception import RetryableJobError

from ..lib.gid import payload_gid
from ..lib.order_batching import TOPIC
from ..lib.registry import register
from ..models.sale_order import IMPORTED_FROM_STORE, QUIET_DELIVERIES
from ..models.shopify_sync_job import database_conflict, parse_shopify_datetime
from ..models.stock_move_order_batch import orderpoint_context
from . import orders, partners, products  # modules, not names: models import order_pull, which imports this early
from .transactions import books_on

_logger = logging.getLogger(__name__)


class BatchLookups:
    """What the orders of a batch look up alike, looked up once for the batch: the products bound
    to their variants (one query), each variant's match, the contacts never matched as customers
    (staff), countries and states, the customers bound or created for the batch."""

    def __init__(self, backend):
        self.countries, self.states = {}, {}
        self.staff_partner_ids = None
        self.matcher = _BatchProductMatcher(backend)
        self.customers = {}  # customer GID -> its bound contact
        self.emails = {}  # normalized e-mail -> a contact found or created with it


class _BatchPartnerResolver(partners.PartnerResolver):
    """PartnerResolver of one order of a batch (warnings go to its job), answering from the batch's
    lookups what it would otherwise query per order."""

    def __init__(self, job, lookups):
        super().__init__(job)
        self.lookups = lookups
        self._countries = lookups.countries

    def _staff_partners(self):
        if self.lookups.staff_partner_ids is None:
            self.lookups.staff_partner_ids = super()._staff_partners()
        return self.lookups.staff_partner_ids

    def state(self, country, code, name, label):
        key = (country.id, code, name)
        if key not in self.lookups.states:
            self.lookups.states[key] = super().state(country, code, name, label)
        return self.lookups.states[key]

    def buyer(self, order, parent=None):
        customer_gid = payload_gid("Customer", order.customer) if order.customer else None
        # A bound customer is the answer before anything else, as in PartnerResolver.buyer.
        known = self.lookups.customers.get(customer_gid) if customer_gid else None
        return known or super().buyer(order, parent)

    def by_email(self, email):
        known = self.lookups.emails.get(tools.email_normalize(email) or email)
        return known or super().by_email(email)


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


class _BatchBindings:
    """``shopify.binding`` as the importers of a batch see it: a variant already bound to the
    product it matched (read by _BatchProductMatcher.prefetch, or bound earlier in the batch) is not
    looked up and bound again, since ``_bind_shared`` would leave it as it is."""

    def __init__(self, bindings, matcher):
        self._bindings, self._matcher = bindings, matcher

    def _bind_shared(self, backend, gid, record):
        if self._matcher.bound.get(gid) != record:
            self._bindings._bind_shared(backend, gid, record)
            self._matcher.bound[gid] = record

    def __getattr__(self, name):
        return getattr(self._bindings, name)


class _BatchedImporter(orders.OrderImporter):
    """OrderImporter of one order of a batch: the same mapping, with the batch's shared lookups."""

    def __init__(self, job, lookups):
        super().__init__(job)
        self.lookups = lookups
        self.bindings = _BatchBindings(self.bindings, lookups.matcher)

    def _partner_resolver(self):
        return _BatchPartnerResolver(self.job, self.lookups)

    def _product_matcher(self):
        return self.lookups.matcher


class BatchContacts:
    """The new contacts of a batch's orders created together: one ``create`` for the new customers,
    one for their new invoice and delivery addresses, one for the customers' bindings. Each is
    decided as PartnerResolver decides it for one order after the other (bound customer, then the
    same e-mail inside the store's company, then a new contact; an address reused when it is the
    same), so the orders then find them and create nothing. An order whose contacts cannot be
    planned (an unknown country, a B2B or guest order) creates its own in its turn, and a failure
    of a batched ``create`` leaves every order to create its own: a bad customer fails its order
    alone. Only orders whose lines mapped (products, taxes) get their contacts here; one failing
    after that (its totals, its confirmation) keeps them, and its Retry finds them."""

    def __init__(self, env, backend, lookups):
        self.env, self.backend, self.lookups = env, backend, lookups
        self.Partner = env["res.partner"]
        self.bound_gids = set()

    def make(self, candidates):
        planned = [(job, importer, importer._partner_resolver()) for job, importer in candidates]
        planned = [row for row in planned if not row[1].order.company_gid]  # B2B: the per-order way
        if not planned:
            return
        self._known_customers(planned)
        holders = self._create_customers(planned)
        if holders:
            self._create_addresses(planned)

    @staticmethod
    def _customer(order):
        """(customer GID or None, e-mail as given, normalized e-mail) of an order."""
        customer = order.customer or {}
        email = (order.email or customer.get("email") or "").strip()
        gid = payload_gid("Customer", customer) if customer else None
        return gid, email, tools.email_normalize(email) if email else False

    def _known_customers(self, planned):
        """The customers already bound, and the contacts with the orders' e-mails (one query each)."""
        gids, emails = set(), set()
        for _job, importer, _resolver in planned:
            gid, _email, normalized = self._customer(importer.order)
            gids.add(gid)
            emails.add(normalized)
        gids.discard(None)
        emails.discard(False)
        bindings = self.env["shopify.binding"].search(
            [("backend_id", "=", self.backend.id), ("shopify_gid", "in", sorted(gids))]
        )
        # A binding whose contact was deleted is repointed by the order's own run (PartnerResolver).
        self.bound_gids = set(bindings.mapped("shopify_gid"))
        bound = {binding.res_id: binding.shopify_gid for binding in bindings if binding.res_model == "res.partner"}
        for partner in self.Partner.browse(list(bound)).exists():
            self.lookups.customers[bound[partner.id]] = partner
        if emails:
            resolver = planned[0][2]
            domain = [("email_normalized", "in", sorted(emails))] + resolver._candidates()
            for partner in self.Partner.search(domain, order="id desc"):  # the first one wins, as in by_email
                self.lookups.emails[partner.email_normalized] = partner

    def _create_customers(self, planned):
        """Create the orders' new customers and bind the customer GIDs; True when some order has
        its customer now (its addresses can be planned)."""
        new, to_bind, found = {}, {}, False  # normalized e-mail -> (values, GIDs); GID -> contact
        claimed = set()  # GIDs given a contact by an earlier order of the batch: bound from then on
        for job, importer, resolver in planned:
            gid, email, normalized = self._customer(importer.order)
            if gid and (gid in self.lookups.customers or gid in claimed):
                found = True
                continue
            if not normalized or gid in self.bound_gids:
                continue  # a guest, an e-mail Odoo does not normalize, a stale binding: the per-order way
            partner = self.lookups.emails.get(normalized)
            if partner:
                found = True
                if gid:
                    to_bind[gid] = partner
                    claimed.add(gid)
                continue
            if normalized not in new:
                try:
                    values = resolver.new_buyer_values(importer.order, email)
                except Exception as err:  # noqa: BLE001 - the order meets it again, alone
                    _logger.debug("Order job %s: its customer is created with it: %s", job.id, err)
                    continue
                new[normalized] = (values, [])
            if gid:
                new[normalized][1].append(gid)
                claimed.add(gid)
        if new:
            try:
                with self.env.cr.savepoint():
                    created = self.Partner.create([values for values, _gids in new.values()])
            except Exception as err:  # noqa: BLE001 - each order creates its own, a bad one fails alone
                if database_conflict(err):
                    raise
                _logger.info("Customers of an order batch not created together (%s): one by one", err)
                created = self.Partner
            for (normalized, (_values, gids)), partner in zip(new.items(), created, strict=False):
                self.lookups.emails[normalized] = partner
                to_bind.update(dict.fromkeys(gids, partner))
                found = True
        if to_bind:
            now = fields.Datetime.now()
            # A concurrent job binding the same customer: UniqueViolation, the batch retries in seconds.
            self.env["shopify.binding"].create(
                [
                    {
                        "backend_id": self.backend.id,
                        "shopify_gid": gid,
                        "resource_type": gid.split("/")[3],
                        "res_model": partner._name,
                        "res_id": partner.id,
                        "last_sync_date": now,
                    }
                    for gid, partner in to_bind.items()
                ]
            )
            self.lookups.customers.update(to_bind)
        return found

    def _holder(self, order):
        gid, _email, normalized = self._customer(order)
        return (self.lookups.customers.get(gid) if gid else None) or (
            self.lookups.emails.get(normalized) if normalized else None
        )

    def _create_addresses(self, planned):
        """Create the invoice and delivery contacts the orders of known customers need."""
        # Read the customers' addresses together.
        holders = self.Partner.browse(
            {partner.id for partner in list(self.lookups.customers.values()) + list(self.lookups.emails.values())}
        )
        by_id = {partner.id: partner for partner in holders}
        new = {}  # (parent, kind, values) -> values
        for job, importer, resolver in planned:
            order = importer.order
            holder = self._holder(order)
            if not holder:
                continue
            holder = by_id[holder.id]
            warnings = job.warning_message  # the order's own run notes them again when it meets them
            try:
                for address, kind, label in (
                    (order.billing_address, "invoice", f"the billing address of {order.name}"),
                    (order.shipping_address, "delivery", f"the shipping address of {order.name}"),
                ):
                    found, values = resolver.existing_address(holder, address, kind, label)
                    if not found:
                        values = dict(values, type=kind, parent_id=holder.id)
                        new.setdefault(tuple(sorted(values.items())), values)
            except Exception as err:  # noqa: BLE001 - the order meets it again, alone
                _logger.debug("Order job %s: its addresses are created with it: %s", job.id, err)
            finally:
                if job.warning_message != warnings:
                    job.warning_message = warnings
        if not new:
            return
        try:
            with self.env.cr.savepoint():
                values_list = list(new.values())
                children = self.Partner.create(
                    [{key: value for key, value in values.items() if key != "company_name"} for values in values_list]
                )
                for child, values in zip(children, values_list, strict=True):
                    if values["company_name"]:
                        child.company_name = values["company_name"]  # create() drops it for a child contact
        except Exception as err:  # noqa: BLE001 - each order creates its own, a bad one fails alone
            if database_conflict(err):
                raise
            _logger.info("Addresses of an order batch not created together (%s): one by one", err)
        holders.invalidate_recordset(["child_ids"])


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
        bound = self._bound(importer.order.gid for _job, importer in parsed if importer and importer.order.gid)
        candidates, alone, seen = [], [], set()
        for job, importer in parsed:
            if importer and self._batchable(importer, bound, seen):
                candidates.append((job, importer))
            else:
                alone.append(job)
        for job, _importer in candidates:
            if job.warning_message:  # as _run starts: warnings are the run's own
                job.warning_message = False
        # Lines first: the contacts are created only for orders whose products and taxes map.
        mapped, prepared = [], []
        for job, importer in candidates:
            lines = self._map(job, importer._line_values)
            if lines is None:
                alone.append(job)
            else:
                mapped.append((job, importer, lines))
        BatchContacts(jobs.env, self.backend, lookups).make([(job, importer) for job, importer, _lines in mapped])
        for job, importer, lines in mapped:
            values = self._map(job, importer._order_values)
            if values is None:
                alone.append(job)
            else:
                values["order_line"] = [(0, 0, line) for line in lines]
                prepared.append((job, importer, values))
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

    def _bound(self, gids):
        """The order GIDs among ``gids`` already bound to an Odoo record (one query)."""
        found = self.env["shopify.binding"].search(
            [("backend_id", "=", self.backend.id), ("shopify_gid", "in", sorted(set(gids)))]
        )
        return set(found.mapped("shopify_gid"))

    def _batchable(self, importer, bound, seen):
        """A new order to create in the batch; False when it goes the per-order way: already in
        Odoo, a second version of an order of the batch, cancelled, or skipped by a store setting."""
        order, backend = importer.order, self.backend
        if (
            not order.gid
            or order.gid in seen
            or order.gid in bound
            or order.cancelled_at
            or (order.test and backend.skip_test_orders)
            or (backend.import_only_paid and order.financial_status not in orders.PAID_STATUSES)
        ):
            return False
        seen.add(order.gid)
        return True

    def _map(self, job, step):
        """``step()`` (the sale order values or line values of a new order, its partners or products
        resolved) in a savepoint; None when the order goes the per-order way (it failed)."""
        try:
            with self.cr.savepoint():
                return step()
        except Exception as err:  # noqa: BLE001 - the per-order run records the verdict
            self.env.invalidate_all()
            if database_conflict(err):
                raise  # a variant or contact bound by a concurrent job: the batch is retried in seconds
            _logger.debug("Order job %s runs alone: %s", job.id, err)
            return None

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
        sales = (
            env["sale.order"]
            .with_context(**{IMPORTED_FROM_STORE: backend.name})
            .create([copy.deepcopy(values) for _job, _importer, values in prepared])
        )
        for importer, sale in zip(importers, sales, strict=True):
            importer._remember(sale, sale.order_line.filtered(lambda ln: not ln.display_type).sorted("id"))
            importer._settle_totals(sale)
        if backend.auto_confirm:
            context = dict(orderpoint_context(env, sales.order_line.product_id), **{QUIET_DELIVERIES: True})
            sales.with_context(**context).action_confirm()
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
            if books_on(backend) and importer.order.financial_status in orders.INVOICED_STATUSES:
                # Its savepoint flushes: skipped when _invoice_and_pay has nothing to book.
                importer._books(sale)
            if job.state != "failed":  # _books failed it and kept the order: its verdict stands
                job._mark_done(sale)


@register(TOPIC, "historical", webhook=False)
def import_order_batch(job):
    return OrderBatch(job).run()
