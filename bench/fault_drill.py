"""Fault drill: orders delivered and processed while things go wrong, then counted.

    python3 bench/fault_drill.py --db DB --addons-path PATH [-n 30]

(tools/run_fault_drill.sh makes the database and calls this.) Every order is one ``orders/create``
and one ``orders/updated`` delivery, each in its own database transaction as Odoo workers handle
them, with a Shopify stand-in on loopback:

1. redeliveries racing the first delivery: each delivery is posted 3 times at once (same webhook
   id, as Shopify redelivers), from 8 threads;
2. two workers on one order: the create and the update of one order run at the same instant on two
   workers; a job sent back to the queue (RetryableJobError) runs again, as queue_job does;
3. a worker killed mid-job: a separate process runs an order's job and is SIGKILLed after the
   handler did its work but before it committed; the job then runs again;
4. PostgreSQL connections cut under load: while deliveries and jobs run, every other connection
   of the drill database is terminated (pg_terminate_backend, what clients see when the server
   restarts) several times; a delivery that got no answer is redelivered, a job whose worker lost
   its connection runs again. (The shared cluster itself is not restarted: other people's tests
   run on it.)

Printed: deliveries sent, unique deliveries, sync jobs, sale orders, duplicates (must be 0), losses
(must be 0). Exit status 1 when either is not 0.
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_common  # noqa: E402, F401 - first: it puts tests/ (the stand-in, the payload builder) on the path
import order_payloads  # noqa: E402
from bench_common import LINES, bench_parser, bench_store, odoo_registry, order_bench_standin  # noqa: E402

TOKEN = "shpat_drill"
CUT_ERRORS = ("OperationalError", "InterfaceError", "AdminShutdown", "InFailedSqlTransaction")


def setup(registry, standin):
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        backend, _tax, _products = bench_store(api.Environment(cr, SUPERUSER_ID, {}), standin.base_url, "Drill", TOKEN)
        return backend.id


class Drill:
    def __init__(self, registry, backend_id):
        self.registry = registry
        self.backend_id = backend_id
        self.lock = threading.Lock()
        self.sent = 0
        self.unanswered = 0
        self.job_reruns = 0
        self.cuts = 0

    def env(self, cr):
        from odoo import SUPERUSER_ID, api

        return api.Environment(cr, SUPERUSER_ID, {})

    # -- deliveries --------------------------------------------------------------------------

    def deliver_once(self, topic, payload, webhook_id):
        """One HTTP delivery as the controller handles it: intake in its own transaction."""
        from odoo.addons.shopify_sync.lib.webhook import read_headers

        with self.lock:
            self.sent += 1
        body = json.dumps(payload).encode()
        headers = read_headers(
            {
                "X-Shopify-Topic": topic,
                "X-Shopify-Shop-Domain": "drill",
                "X-Shopify-Webhook-Id": webhook_id,
                "X-Shopify-Event-Id": webhook_id,
            }
        )
        with self.registry.cursor() as cr:
            env = self.env(cr)
            backend = env["shopify.backend"].browse(self.backend_id)
            env["shopify.sync.job"]._intake_webhook(backend, headers, body, payload)

    def deliver(self, topic, payload, webhook_id):
        """Shopify redelivers until it gets an answer."""
        for _attempt in range(50):
            try:
                return self.deliver_once(topic, payload, webhook_id)
            except Exception as exc:  # noqa: BLE001 - a cut connection: no 2xx, Shopify tries again
                if type(exc).__name__ not in CUT_ERRORS and "connection" not in str(exc).lower():
                    raise
                with self.lock:
                    self.unanswered += 1
                time.sleep(0.2)
        raise RuntimeError(f"delivery {webhook_id} never answered")

    def deliver_racing(self, orders, pool):
        """Each order's create and update, each posted 3 times at once under one webhook id."""
        futures = []
        for payload in orders:
            for topic in ("orders/create", "orders/updated"):
                webhook_id = str(uuid.uuid4())
                futures += [pool.submit(self.deliver, topic, payload, webhook_id) for _ in range(3)]
        for future in futures:
            future.result()

    # -- workers -----------------------------------------------------------------------------

    def queued_jobs(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT j.id, q.uuid, j.shopify_gid FROM shopify_sync_job j JOIN queue_job q "
                "ON q.id = j.queue_job_id WHERE j.backend_id = %s AND j.state = 'queued' ORDER BY j.id",
                [self.backend_id],
            )
            return cr.fetchall()

    def perform(self, job_uuid):
        """A worker runs one queue job; sent back to the queue (transient or cut), it runs again."""
        from odoo.addons.queue_job.exception import RetryableJobError
        from odoo.addons.queue_job.job import Job

        last = None
        for _attempt in range(50):
            try:
                with self.registry.cursor() as cr:
                    Job.load(self.env(cr), job_uuid).perform()
                return
            except RetryableJobError as exc:
                last = exc
            except Exception as exc:  # noqa: BLE001 - a worker that lost its connection: rerun
                if type(exc).__name__ not in CUT_ERRORS and "connection" not in str(exc).lower():
                    raise
                last = exc
            with self.lock:
                self.job_reruns += 1
            time.sleep(random.uniform(0.05, 0.3))
        raise RuntimeError(f"queue job {job_uuid} never finished: {last!r}")

    def run_pairs(self, pool):
        """Both jobs of one order start together, on two workers."""
        while True:
            jobs = self.queued_jobs()
            if not jobs:
                return
            by_order = {}
            for _job_id, job_uuid, gid in jobs:
                by_order.setdefault(gid, []).append(job_uuid)
            for uuids in by_order.values():
                for future in [pool.submit(self.perform, u) for u in uuids]:
                    future.result()

    def kill_mid_job(self, db, addons_path, job_uuid):
        """A separate worker process runs the job, reports that the handler is done, and is killed
        before its commit. Returns True when it was killed in that window."""
        victim = subprocess.Popen(
            [sys.executable, __file__, "--db", db, "--addons-path", addons_path, "--victim", job_uuid],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = victim.stdout.readline().strip()
        victim.send_signal(signal.SIGKILL)
        _out, err = victim.communicate()
        if line != "handler done, not committed":
            print(f"victim worker did not reach the kill point: {line!r} {err[-2000:]}", file=sys.stderr)
            return False
        return True

    def cut_connections(self, stop, times=4):
        """Terminate every other connection to the drill database ``times`` times, 1 to 2 s apart
        (a restart is an event, not a permanent state), or until ``stop``."""
        while not stop.is_set() and self.cuts < times:
            time.sleep(random.uniform(1.0, 2.0))
            try:
                with self.registry.cursor() as cr:
                    cr.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                    with self.lock:
                        self.cuts += 1
            except Exception:  # noqa: BLE001,S112 - its own connection may be the one just cut
                continue

    # -- figures -----------------------------------------------------------------------------

    def figures(self, orders):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*), count(DISTINCT webhook_id), count(*) FILTER (WHERE state = 'done'), "
                "count(*) FILTER (WHERE state NOT IN ('done')) FROM shopify_sync_job "
                "WHERE backend_id = %s AND direction = 'in'",
                [self.backend_id],
            )
            jobs, distinct_ids, done, not_done = cr.fetchone()
            cr.execute(
                "SELECT b.shopify_gid, count(*) FROM shopify_binding b WHERE b.backend_id = %s AND "
                "b.res_model = 'sale.order' GROUP BY 1",
                [self.backend_id],
            )
            bound = dict(cr.fetchall())
            refs = [p["name"] for p in orders]
            cr.execute(
                "SELECT client_order_ref, count(*) FROM sale_order WHERE client_order_ref = ANY(%s) GROUP BY 1", [refs]
            )
            sale_orders = dict(cr.fetchall())
        expected_deliveries = 2 * len(orders)
        duplicates = (
            (jobs - distinct_ids)
            + sum(n - 1 for n in sale_orders.values() if n > 1)
            + sum(n - 1 for n in bound.values() if n > 1)
        )
        losses = (
            (expected_deliveries - distinct_ids)
            + not_done
            + sum(1 for p in orders if p["name"] not in sale_orders)
            + sum(1 for p in orders if p["admin_graphql_api_id"] not in bound)
        )
        return {
            "orders": len(orders),
            "deliveries_sent": self.sent,
            "unique_deliveries": expected_deliveries,
            "deliveries_unanswered_then_redelivered": self.unanswered,
            "sync_jobs": jobs,
            "jobs_done": done,
            "job_reruns": self.job_reruns,
            "connection_cuts": self.cuts,
            "sale_orders": sum(sale_orders.values()),
            "duplicates": duplicates,
            "losses": losses,
        }


def victim(args):
    """The worker that is killed: run the job, hold the transaction open, wait for the signal."""
    registry = odoo_registry(args, log_level="critical")  # first: it sets the addons path
    from odoo import SUPERUSER_ID, api

    from odoo.addons.queue_job.job import Job

    cr = registry.cursor()
    Job.load(api.Environment(cr, SUPERUSER_ID, {}), args.victim).perform()
    api.Environment(cr, SUPERUSER_ID, {}).flush_all()
    print("handler done, not committed", flush=True)
    time.sleep(60)


def main():
    parser = bench_parser(default_n=30)
    parser.add_argument("--victim")
    args = parser.parse_args()
    if args.victim:
        return victim(args)

    registry = odoo_registry(args, log_level="critical")
    standin = order_bench_standin(TOKEN)
    drill = Drill(registry, setup(registry, standin))
    started = time.perf_counter()
    orders = [order_payloads.order_payload(200000 + i, lines=LINES) for i in range(3 * args.n + 2)]
    racing, killed, cut = orders[: args.n], orders[args.n : args.n + 2], orders[args.n + 2 :]

    with ThreadPoolExecutor(8) as deliveries, ThreadPoolExecutor(2) as workers:
        # 1 and 2: racing redeliveries, then two workers on each order.
        drill.deliver_racing(racing, deliveries)
        drill.run_pairs(workers)
        # 3: a worker killed after its handler ran, before its commit; the job runs again.
        drill.deliver_racing(killed, deliveries)
        kills = 0
        for _job_id, job_uuid, _gid in drill.queued_jobs()[:2]:
            kills += drill.kill_mid_job(args.db, args.addons_path, job_uuid)
        drill.run_pairs(workers)
        # 4: connections cut while deliveries and jobs run.
        stop = threading.Event()
        cutter = threading.Thread(target=drill.cut_connections, args=(stop,))
        cutter.start()
        try:
            for chunk in range(0, len(cut), 5):
                drill.deliver_racing(cut[chunk : chunk + 5], deliveries)
                drill.run_pairs(workers)
        finally:
            stop.set()
            cutter.join()
        drill.run_pairs(workers)
    standin.stop()

    figures = drill.figures(orders)
    figures.update(workers_killed_mid_job=kills, seconds=round(time.perf_counter() - started, 1))
    print(
        f"deliveries sent: {figures['deliveries_sent']} ({figures['unique_deliveries']} unique, "
        f"{figures['deliveries_unanswered_then_redelivered']} unanswered then redelivered)"
    )
    print(
        f"jobs: {figures['sync_jobs']} ({figures['jobs_done']} done, {figures['job_reruns']} reruns after a "
        f"retry or a cut connection); workers killed mid-job: {kills}; connection cuts: {figures['connection_cuts']}"
    )
    print(f"sale orders: {figures['sale_orders']} for {figures['orders']} Shopify orders")
    print(f"duplicates: {figures['duplicates']}")
    print(f"losses: {figures['losses']}")
    print(json.dumps(figures))
    return 1 if figures["duplicates"] or figures["losses"] or kills < 2 else 0


if __name__ == "__main__":
    sys.exit(main())
