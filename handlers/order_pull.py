"""Orders read from Shopify instead of pushed by webhooks: the backfill wizard (``orders/backfill``,
workflow *historical*) and the scheduled catch-up of missed webhooks (``orders/catch_up``,
workflow *scheduled*).

Both list the orders updated in a time window and store every order Odoo does not already have at
that version as an ordinary ``orders/updated`` job on the imports channel, so it goes through the
same importer, bindings and checks as a webhook; the stored orders are imported in batches
(handlers/order_batch.py), each keeping its own job and verdict. A job handles one page and queues
the next page as a new job: each step is short, visible and retried on its own.

Large windows use a Shopify bulk operation instead (one query, a JSONL file, no page cost): the
first job starts it, the next job polls it (a transient "still running" retry) and reads the file.
"""

import json
from datetime import timedelta

from odoo import fields

from ..lib import order_batching, order_graphql, queries
from ..lib.errors import DataError, _lt
from ..lib.registry import register, require_workflow
from ..models.shopify_sync_job import parse_shopify_datetime
from . import bulk

BULK_THRESHOLD = 2000  # orders in the window above which "auto" mode uses a bulk operation
CATCH_UP_OVERLAP = timedelta(minutes=15)  # re-read a margin: Shopify's updated_at and our clock differ


def search_query(since, until=None):
    """Shopify search syntax for orders updated in [since, until)."""
    terms = [f"updated_at:>='{since}'"]
    if until:
        terms.append(f"updated_at:<'{until}'")
    return " ".join(terms)


class OrderPull:
    def __init__(self, job):
        self.job = job
        self.env = job.env
        self.backend = job.backend_id
        self.params = job._payload_json() or {}
        self.query = search_query(self.params["since"], self.params.get("until"))
        self.stored = self.env["shopify.sync.job"]  # order jobs stored by this run, for their batches

    def run(self):
        params = self.params
        if params.get("bulk_operation_id"):
            return self._read_bulk()
        mode = params.get("mode") or "paginated"
        if mode == "auto" and not params.get("after"):
            count = self._client().execute(queries.ORDERS_COUNT, {"query": self.query})["ordersCount"]
            mode = "bulk" if count and count["count"] > BULK_THRESHOLD else "paginated"
        if mode == "bulk":
            return self._start_bulk()
        return self._read_page()

    def _client(self):
        return self.backend._get_client()

    # -- paginated ---------------------------------------------------------------------------

    def _read_page(self):
        page = self._client().execute(queries.ORDERS_UPDATED, {"query": self.query, "after": self.params.get("after")})
        orders = page["orders"]
        queued = current = 0
        for edge in orders["edges"]:
            node = edge["node"]
            if self._is_current(node["id"], node["updatedAt"]):
                current += 1
                continue
            self._store(self._read_order(node["id"]))
            queued += 1
        number = self.params.get("page", 1)
        self._queue_batches(f"page {number}")
        summary = f"Page {number}: {queued} order(s) queued, {current} already up to date in Odoo."
        if orders["pageInfo"]["hasNextPage"]:
            self._follow_up(
                dict(self.params, after=orders["pageInfo"]["endCursor"], page=number + 1), f"page {number + 1}"
            )
        else:
            self._finished()
        self.job._mark_done(summary=summary)

    def _read_order(self, order_gid):
        """One order with all its lines (several requests only for orders over 30 lines)."""
        client, lines, after = self._client(), [], None
        while True:
            node = client.execute(queries.ORDER_DETAIL, {"id": order_gid, "linesAfter": after})["order"]
            if not node:
                raise DataError(_lt("Shopify no longer has order %(order_gid)s.", order_gid=order_gid))
            lines += [edge["node"] for edge in node["lineItems"]["edges"]]
            info = node["lineItems"]["pageInfo"]
            if not info["hasNextPage"]:
                return order_graphql.rest_order(node, line_items=lines)
            after = info["endCursor"]

    # -- bulk --------------------------------------------------------------------------------

    def _start_bulk(self):
        document = queries.BULK_ORDERS_QUERY_TEMPLATE % json.dumps(self.query)
        operation = bulk.start(self._client(), document, "order import")
        self._follow_up(dict(self.params, bulk_operation_id=operation), "bulk result")
        self.job._mark_done(summary=f"Bulk operation {operation} started; the next job reads its result.")

    def _read_bulk(self):
        lines = bulk.result_lines(
            self.job,
            self._client(),
            self.params["bulk_operation_id"],
            access_fix=_lt(
                "Grant the app read_orders (and read_all_orders for orders older than 60 days), "
                "then start the import again."
            ),
        )
        queued = current = 0
        for order in order_graphql.orders_from_bulk_lines(lines):
            if self._is_current(order["admin_graphql_api_id"], order["updated_at"]):
                current += 1
                continue
            self._store(order)
            queued += 1
        self._queue_batches("bulk result")
        self._finished()
        self.job._mark_done(summary=f"Bulk result: {queued} order(s) queued, {current} already up to date in Odoo.")

    # -- shared ------------------------------------------------------------------------------

    def _is_current(self, order_gid, updated_at):
        """Odoo already holds this version (or a newer one) of the order."""
        binding = self.env["shopify.binding"]._find(self.backend, order_gid)
        if not (binding and binding.shopify_updated_at):
            return False
        when = parse_shopify_datetime(updated_at)
        return bool(when and when <= binding.shopify_updated_at)

    def _store(self, order):
        job, created = self.env["shopify.sync.job"]._intake_pulled(
            self.backend, order, self.job.workflow, enqueue=False
        )
        if created:
            self.stored |= job

    def _queue_batches(self, label):
        order_batching.queue_batches(
            self.backend, self.job.workflow, self.stored, f"{self.params.get('label')} {label}"
        )

    def _follow_up(self, params, label):
        follow = self.env["shopify.sync.job"]._create_outbound(
            self.backend,
            self.job.workflow,
            self.job.topic,
            payload=params,
            ref=f"{params.get('label') or self.job.topic} ({label})",
        )
        follow._enqueue()

    def _finished(self):
        if self.job.topic == "orders/catch_up" and self.params.get("until"):
            until = parse_shopify_datetime(self.params["until"])
            if not self.backend.order_catch_up_at or until > self.backend.order_catch_up_at:
                self.backend.order_catch_up_at = until


@register("orders/backfill", "historical", webhook=False)
@register("orders/catch_up", "scheduled", webhook=False)
def pull_orders(job):
    require_workflow(job.backend_id, "order")
    OrderPull(job).run()


def start_pull(backend, topic, since, until=None, mode="paginated"):
    """Create and queue the first job of a backfill or catch-up. ``since``/``until`` are aware or
    naive-UTC datetimes."""
    workflow = "historical" if topic == "orders/backfill" else "scheduled"
    params = {"since": _iso(since), "until": _iso(until) if until else None, "mode": mode, "page": 1}
    params["label"] = f"{params['since'][:16]} to {params['until'][:16] if until else 'now'}"
    job = (
        backend.env["shopify.sync.job"]
        .sudo()
        ._create_outbound(backend, workflow, topic, payload=params, ref=params["label"])
    )
    job._enqueue()
    return job


def _iso(value):
    return fields.Datetime.to_datetime(value).strftime("%Y-%m-%dT%H:%M:%SZ")
