"""Where one batch job's time goes (handlers/order_batch.py): N bench orders (bench_common.LINES)
stored as pulled order jobs, then one batch job run with its SQL grouped by statement and table,
and the Python profile of the run (cProfile, sorted by cumulative time).

    python3 bench/profile_order_batch.py --db DB --addons-path PATH [-n 50] [--top 40]

DB: a database with shopify_sync installed (e.g. made by bench/run_order_bench.sh, or a copy of
the tests' template with the module installed); the bench's store is created in it each run.
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import cProfile
import pstats
import re
import time
from collections import Counter, defaultdict

import bench_common  # noqa: F401 - first: it puts tests/ (the payload builder) on the path
import order_payloads
from bench_common import LINES, bench_parser, bench_store, odoo_registry, order_bench_standin

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


def main():
    parser = bench_parser(default_n=50)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--dump", help="write the cProfile stats to this file (for pstats or snakeviz)")
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
                payload = order_payloads.order_payload(number, lines=LINES)
                stored |= Jobs._intake_pulled(backend, payload, "historical", enqueue=False)[0]
            return order_batching.queue_batches(backend, "historical", stored, "profile").ids

    def run(batch_id, profiler=None, statements=None):
        original = sql_db.Cursor.execute

        def counted(cursor, query, params=None, log_exceptions=True):
            statements[statement_key(query)] += 1
            return original(cursor, query, params, log_exceptions)

        if statements is not None:
            sql_db.Cursor.execute = counted
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
    for warm in store(range(base, base + 20)):  # registry caches, first-call costs
        run(warm)
    (batch_id,) = store(range(base + 100, base + 100 + args.n))
    timed_id = store(range(base + 300, base + 300 + args.n))[0]
    wall, summary = run(timed_id)
    print(f"batch of {args.n}: {wall * 1000:.0f} ms, {wall * 1000 / args.n:.1f} ms/order (no profiler); {summary}")
    statements, profiler = Counter(), cProfile.Profile()
    run(batch_id, profiler, statements)
    total = sum(statements.values())
    print(f"SQL statements: {total} ({total / args.n:.1f}/order)")
    by_table = defaultdict(int)
    for (verb, table), count in statements.most_common():
        by_table[table] += count
        if count >= args.n // 5:
            print(f"  {count:6d}  {count / args.n:6.2f}/order  {verb} {table}")
    if args.dump:
        profiler.dump_stats(args.dump)
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    standin.stop()


if __name__ == "__main__":
    main()
