"""The 10,000-order backlog (bench/run_backlog_bench.sh): N pulled orders stored as a backfill
stores them, then imported by Odoo's queue_job runner and its workers, timed until every job is done.

    python3 bench/bench_backlog.py store --db DB --addons-path PATH -n N --expect FILE
    python3 bench/bench_backlog.py wait  --db DB --addons-path PATH --expect FILE --started EPOCH

``store``: the bench's store (bench_common.bench_store), then N generated 3-line orders, each page
of 50 stored as pulled order jobs in one transaction with the batch jobs it queues (what the
backfill's page jobs do, handlers/order_pull.py; the Shopify reads themselves are not part of it).
Writes what ``wait`` checks to FILE. ``wait``: polls until no job of the store is waiting or
running, then prints wall time, orders/s and exact counts: sale orders, order jobs done and
failed, queue jobs by state, totals to the cent. Exits non-zero when a count is not exact.
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import order_payloads  # noqa: E402
from bench_common import LINES, bench_store  # noqa: E402
from bench_orders import totals_exact  # noqa: E402

PAGE = 50  # orders per listing page (what OrderPull stores per job)


def environment(args):
    from odoo import SUPERUSER_ID, api
    from odoo.tools import config

    config.parse_config(["-d", args.db, "--addons-path", args.addons_path, "--log-level", "warn"])
    from odoo.modules.registry import Registry

    registry = Registry(args.db)
    return registry, lambda cr: api.Environment(cr, SUPERUSER_ID, {})


def store(args):
    registry, env_for = environment(args)
    from odoo.addons.shopify_sync.lib import order_batching  # importable once the addons path is set

    with registry.cursor() as cr:
        # No Shopify call is expected (the products match by SKU); a closed port would fail loudly.
        backend = bench_store(env_for(cr), "http://127.0.0.1:9")[0]
        backend_id = backend.id
    payloads = [order_payloads.order_payload(200000 + i, lines=LINES) for i in range(args.n)]
    started, batches = time.perf_counter(), 0
    for start in range(0, len(payloads), PAGE):
        with registry.cursor() as cr:
            env = env_for(cr)
            Jobs = env["shopify.sync.job"]
            backend = env["shopify.backend"].browse(backend_id)
            stored = Jobs
            for payload in payloads[start : start + PAGE]:
                stored |= Jobs._intake_pulled(backend, payload, "historical", enqueue=False)[0]
            batches += len(order_batching.queue_batches(backend, "historical", stored, "backlog bench"))
    wall = time.perf_counter() - started
    with open(args.expect, "w", encoding="utf-8") as handle:
        json.dump({"backend_id": backend_id, "payloads": payloads, "store_s": round(wall, 1)}, handle)
    print(
        f"Stored {len(payloads)} pulled orders in {batches} batch jobs in {wall:.1f} s "
        f"({len(payloads) / wall:.0f} orders/s, one process, as the backfill's page jobs store them)"
    )


def counts(env, backend_id):
    """(order jobs by state, queue jobs of the store by state)."""
    cr = env.cr
    cr.execute(
        "SELECT state, count(*) FROM shopify_sync_job WHERE backend_id = %s AND topic LIKE 'orders/%%' "
        "AND topic != 'orders/batch' GROUP BY state",
        [backend_id],
    )
    jobs = dict(cr.fetchall())
    cr.execute(
        "SELECT queue.state, count(*) FROM queue_job queue JOIN shopify_sync_job job ON job.queue_job_id = queue.id "
        "WHERE job.backend_id = %s GROUP BY queue.state",
        [backend_id],
    )
    return jobs, dict(cr.fetchall())


def wait(args):
    registry, env_for = environment(args)
    with open(args.expect, encoding="utf-8") as handle:
        expected = json.load(handle)
    backend_id, payloads = expected["backend_id"], expected["payloads"]
    n, last_report = len(payloads), 0.0
    deadline = args.started + args.timeout
    while True:
        with registry.cursor() as cr:
            jobs, queue = counts(env_for(cr), backend_id)
        busy = sum(queue.get(state, 0) for state in ("pending", "enqueued", "started", "wait_dependencies"))
        waiting = jobs.get("queued", 0)
        now = time.time()
        if not busy and not waiting:
            break
        if now > deadline:
            print(f"Timed out after {args.timeout} s: order jobs {jobs}, queue jobs {queue}")
            sys.exit(1)
        if now - last_report >= 60:
            done = jobs.get("done", 0)
            print(f"  {now - args.started:6.0f} s: {done}/{n} order jobs done, queue jobs {queue}", flush=True)
            last_report = now
        time.sleep(1)
    wall = time.time() - args.started
    with registry.cursor() as cr:
        env = env_for(cr)
        jobs, queue = counts(env, backend_id)
        cr.execute(
            "SELECT min(queue.date_started), max(queue.date_done) FROM queue_job queue "
            "JOIN shopify_sync_job job ON job.queue_job_id = queue.id WHERE job.backend_id = %s",
            [backend_id],
        )
        first_started, last_done = cr.fetchone()
        # The last order imported, apart from the reservation jobs that follow (models/stock_move.py).
        cr.execute(
            "SELECT max(date_done) FROM shopify_sync_job WHERE backend_id = %s AND topic LIKE 'orders/%%' "
            "AND topic != 'orders/batch'",
            [backend_id],
        )
        (orders_done,) = cr.fetchone()
        cr.execute(
            "SELECT count(*), coalesce(sum(queue.retry), 0) FROM queue_job queue "
            "JOIN shopify_sync_job job ON job.queue_job_id = queue.id "
            "WHERE job.backend_id = %s AND job.topic = 'orders/batch'",
            [backend_id],
        )
        batches, runs = cr.fetchone()  # queue_job's retry: the number of the current try (1 the first time)
        cr.execute(
            "SELECT count(*), count(*) FILTER (WHERE sale.state = 'sale') FROM shopify_binding binding "
            "JOIN sale_order sale ON sale.id = binding.res_id WHERE binding.backend_id = %s "
            "AND binding.res_model = 'sale.order'",
            [backend_id],
        )
        sales, confirmed = cr.fetchone()
        exact = totals_exact(env, backend_id, payloads)
    drained = (last_done - first_started).total_seconds() if first_started and last_done else float("nan")
    print(
        f"Backlog of {n} orders: {wall:.0f} s wall ({wall / 60:.1f} min, Odoo's start included), "
        f"{n / wall:.1f} orders/s; queue_job's first start to last done: {drained:.0f} s ({n / drained:.1f} orders/s)"
    )
    if orders_done and first_started:
        imported = (orders_done - first_started).total_seconds()
        print(
            f"last order imported {imported:.0f} s after queue_job's first start ({n / imported:.1f} orders/s); "
            f"{batches} batch jobs run {runs} times (tried again after a conflict: {runs - batches})"
        )
    print(
        f"sale orders bound: {sales} ({confirmed} confirmed); order jobs: {jobs.get('done', 0)} done, "
        f"{jobs.get('failed', 0)} failed, {sum(jobs.values())} in all; queue jobs: {dict(sorted(queue.items()))}; "
        f"totals exact to the cent: {exact}/{n}"
    )
    print(
        f"storing the pulled orders beforehand (one process): {expected['store_s']} s; "
        f"with it: {(wall + expected['store_s']) / 60:.1f} min"
    )
    ok = sales == confirmed == n and jobs.get("done", 0) == n and len(jobs) == 1 and exact == n
    ok = ok and not queue.get("failed") and set(queue) <= {"done"}
    print(json.dumps({"orders": n, "wall_s": round(wall, 1), "drain_s": round(drained, 1), "exact": ok}))
    if not ok:
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=("store", "wait"))
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("-n", type=int, default=10000)
    parser.add_argument("--expect", required=True, help="file written by store, read by wait")
    parser.add_argument("--started", type=float, help="time.time() when the job runner was started")
    parser.add_argument("--timeout", type=int, default=3600)
    args = parser.parse_args()
    (store if args.phase == "store" else wait)(args)


if __name__ == "__main__":
    main()
