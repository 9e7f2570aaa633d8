"""Where one batch job's time goes (handlers/order_batch.py): N bench orders (bench_common.LINES)
stored as pulled order jobs, then one batch job run with its SQL grouped by statement and table
(count and time), and the Python profile of the run (cProfile, sorted by cumulative time).
``--per-order``: the same for N orders imported one job per order, each stored as a webhook and
run in a transaction of its own (bench/run_order_bench.sh's per-order mode).

    python3 bench/profile_order_batch.py --db DB --addons-path PATH [-n 50] [--top 40] [--per-order]

DB: a database with shopify_sync installed (e.g. made by bench/run_order_bench.sh, or a copy of
the tests' template with the module installed); the bench's store is created in it each run.
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import cProfile
import pstats
import re
import time
from collections import Counter

import bench_common  # noqa: F401 - first: it puts tests/ (the payload builder) on the path
from bench_common import (
    bench_order,
    bench_parser,
    bench_store,
    import_through_webhook,
    odoo_registry,
    order_bench_standin,
)

_SHAPE = re.compile(
    r"^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)", re.I
)
_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_0-9]+)"?', re.I)


def statement_key(query):
    text = getattr(query, "code", query)  # odoo.tools.SQL or a string
    text = text.decode() if isinstance(text, bytes) else str(text)
    shape = _SHAPE.match(text)
    verb = shape.group(1).upper() if shape else text.split(None, 1)[0].upper()
    if "SAVEPOINT" in verb:
        return (verb, "")
    table = _TABLE.search(text)
    return (verb, table.group(1) if table else " ".join(text.split())[:60])


def counting(execute, statements, seconds):
    """Cursor.execute counting and timing each statement by (verb, table)."""

    def counted(cursor, query, params=None, log_exceptions=True):
        key = statement_key(query)
        statements[key] += 1
        started = time.perf_counter()
        try:
            return execute(cursor, query, params, log_exceptions)
        finally:
            seconds[key] += time.perf_counter() - started

    return counted


def print_statements(statements, seconds, orders):
    total = sum(statements.values())
    print(f"SQL statements: {total} ({total / orders:.1f}/order), {sum(seconds.values()) * 1000 / orders:.1f} ms/order")
    for (verb, table), count in statements.most_common():
        if count >= orders // 5:
            print(
                f"  {count:6d}  {count / orders:6.2f}/order  {seconds[verb, table] * 1000 / orders:6.2f} ms/order"
                f"  {verb} {table}"
            )


def main():
    parser = bench_parser(default_n=50)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--dump", help="write the cProfile stats to this file (for pstats or snakeviz)")
    parser.add_argument("--per-order", action="store_true", help="one job per order instead of one batch job")
    args = parser.parse_args()
    registry = odoo_registry(args)
    from odoo import SUPERUSER_ID, api, sql_db

    from odoo.addons.queue_job.job import Job
    from odoo.addons.shopify_sync.lib import order_batching

    standin = order_bench_standin()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        backend_id = bench_store(env, standin.base_url)[0].id

    def store(numbers):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            backend = env["shopify.backend"].browse(backend_id)
            Jobs = env["shopify.sync.job"]
            stored = Jobs
            for number in numbers:
                payload = bench_order(number)
                stored |= Jobs._intake_pulled(backend, payload, "historical", enqueue=False)[0]
            return order_batching.queue_batches(backend, "historical", stored, "profile").ids

    original = sql_db.Cursor.execute

    def run_orders(numbers, profiler=None, statements=None, seconds=None):
        """--per-order: each order stored and run in a transaction of its own; returns the wall time."""
        if statements is not None:
            sql_db.Cursor.execute = counting(original, statements, seconds)
        wall = 0.0
        try:
            for number in numbers:
                payload = bench_order(number)
                with registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    started = time.perf_counter()
                    if profiler:
                        profiler.enable()
                    import_through_webhook(env, env["shopify.backend"].browse(backend_id), payload)
                    env.flush_all()
                    if profiler:
                        profiler.disable()
                    wall += time.perf_counter() - started
        finally:
            sql_db.Cursor.execute = original
        return wall

    def run(batch_id, profiler=None, statements=None, seconds=None):
        if statements is not None:
            sql_db.Cursor.execute = counting(original, statements, seconds)
        try:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                batch = env["shopify.sync.job"].browse(batch_id)
                job = Job.load(env, batch.queue_job_id.uuid)
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                job.perform()
                env.flush_all()
                if profiler:
                    profiler.disable()
                wall = time.perf_counter() - started
                if batch.state != "done":
                    raise SystemExit(f"batch failed: {batch.error_message}")
                return wall, batch.result_summary
        finally:
            sql_db.Cursor.execute = original

    base = int(time.time()) % 100000 * 1000
    statements, seconds, profiler = Counter(), Counter(), cProfile.Profile()
    if args.per_order:
        run_orders(range(base, base + 10))  # registry caches, first-call costs
        wall = run_orders(range(base + 300, base + 300 + args.n))
        print(f"{args.n} orders one job each: {wall * 1000 / args.n:.1f} ms/order (no profiler)")
        run_orders(range(base + 100, base + 100 + args.n), profiler, statements, seconds)
    else:
        for warm in store(range(base, base + 20)):  # registry caches, first-call costs
            run(warm)
        (batch_id,) = store(range(base + 100, base + 100 + args.n))
        timed_id = store(range(base + 300, base + 300 + args.n))[0]
        wall, summary = run(timed_id)
        print(f"batch of {args.n}: {wall * 1000:.0f} ms, {wall * 1000 / args.n:.1f} ms/order (no profiler); {summary}")
        run(batch_id, profiler, statements, seconds)
    print_statements(statements, seconds, args.n)
    if args.dump:
        profiler.dump_stats(args.dump)
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    standin.stop()


if __name__ == "__main__":
    main()
