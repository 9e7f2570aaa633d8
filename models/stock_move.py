"""Deliveries of Shopify orders are reserved by one serial job per store, not by the order job.

Reserving writes the product's stock.quant rows. Two order jobs of the same products (a Black
Friday best seller) reserving at the same time meet on those rows, and in Odoo's REPEATABLE READ
transactions the second fails with a serialization error and runs again, whole. So the order job
confirms without reserving (``defer_reservation``): its moves are marked for the store's
reservation job (topic ``stock/reserve``, on the inventory channel), which reserves every marked
move in the order they were confirmed, seconds later, and runs one at a time per channel. Only what
Odoo would reserve at confirmation is deferred (picking type reserving "At Confirmation", or a
reservation date already reached); manual and by-date reservation stay as the picking type says.
"""

from datetime import timedelta

import psycopg2

from odoo import api, fields, models

DEFER_RESERVATION = "shopify_sync_defer_reservation"  # context key: the store (shopify.backend id)
RESERVE_TOPIC = "stock/reserve"
RESERVABLE_STATES = ("confirmed", "partially_available")
_PRECOMMIT_KEY = "shopify_sync.reserve_later"
# A new reservation job starts this long after the order that made it: the orders confirmed
# meanwhile join it (one job per second of a burst, not one per order).
RESERVE_DELAY_SECONDS = 1


def defer_reservation(job):
    """Context of an order job whose deliveries the store's reservation job reserves."""
    return {DEFER_RESERVATION: job.backend_id.id}


class StockMove(models.Model):
    _inherit = "stock.move"

    shopify_sync_reserve_backend_id = fields.Many2one(
        "shopify.backend",
        string="Reserved by the reservation job of",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="set null",
        help="Confirmed by a Shopify order job; the store's reservation job reserves it within seconds.",
    )

    def _should_assign_at_confirm(self):
        if self.env.context.get(DEFER_RESERVATION) and not self._should_bypass_reservation():
            return False
        return super()._should_assign_at_confirm()

    def _action_confirm(self, merge=True, merge_into=False, create_proc=True):
        moves = super()._action_confirm(merge=merge, merge_into=merge_into, create_proc=create_proc)
        backend_id = self.env.context.get(DEFER_RESERVATION)
        if backend_id:
            plain = moves.with_context(**{DEFER_RESERVATION: False})
            deferred = plain.filtered(
                lambda m: (
                    m.state in RESERVABLE_STATES
                    and not m._should_bypass_reservation()
                    and m._should_assign_at_confirm()
                )
            )
            if deferred:
                deferred.shopify_sync_reserve_backend_id = backend_id
                self._shopify_sync_reserve_later(backend_id)
        return moves

    @api.model
    def _shopify_sync_reserve_later(self, backend_id):
        """Make sure, just before commit, that a reservation job of the store will see these moves."""
        precommit = self.env.cr.precommit
        pending = precommit.data.get(_PRECOMMIT_KEY)
        if pending is None:
            pending = precommit.data[_PRECOMMIT_KEY] = set()
            precommit.add(self._shopify_sync_ensure_reservation_jobs)
        pending.add(backend_id)

    @api.model
    def _shopify_sync_ensure_reservation_jobs(self):
        for backend_id in sorted(self.env.cr.precommit.data.pop(_PRECOMMIT_KEY, ())):
            self.env["shopify.backend"].sudo().browse(backend_id)._ensure_reservation_job()
        self.env.flush_all()


class ShopifyBackend(models.Model):
    _inherit = "shopify.backend"

    def _ensure_reservation_job(self):
        """The store's pending reservation job, or a new one (a burst of orders -> a few jobs).

        A pending job is relied on only once its queue job row is locked (FOR SHARE, just before
        this transaction commits): queue_job's runner cannot start it until then, so it starts
        after this commit and sees these moves. A job the runner took meanwhile cannot be locked
        (serialization failure, rolled back to the savepoint): a new job is made instead."""
        self.ensure_one()
        Job = self.env["shopify.sync.job"].sudo()
        pending = Job
        try:
            # One statement finds the newest pending job and locks its queue job row (the savepoint
            # flushes what the ORM holds first).
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    """SELECT job.id FROM shopify_sync_job job JOIN queue_job queued ON queued.id = job.queue_job_id
                        WHERE job.backend_id = %s AND job.topic = %s AND job.state = 'queued'
                          AND queued.state = 'pending'
                        ORDER BY job.id DESC LIMIT 1 FOR SHARE OF queued NOWAIT""",
                    [self.id, RESERVE_TOPIC],
                    log_exceptions=False,
                )
                row = self.env.cr.fetchone()
                pending = Job.browse(row[0]) if row else Job
        except (psycopg2.errors.SerializationFailure, psycopg2.errors.LockNotAvailable):
            pending = Job  # the runner is starting it: it may not see this transaction's moves
        if pending:
            return pending
        job = Job._create_outbound(self, "inventory", RESERVE_TOPIC, ref=self.name)
        job._enqueue()
        job.queue_job_id.eta = fields.Datetime.now() + timedelta(seconds=RESERVE_DELAY_SECONDS)
        return job
