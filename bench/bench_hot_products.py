"""Hot products under concurrency: a Black-Friday burst of N orders over 3 products, processed by
real queue_job workers, against the same burst over distinct products, in the same run and database.

    python3 bench/bench_hot_products.py --db DB --addons-path PATH [-n 150] [--rounds 1]

bench/run_order_bench.sh starts Odoo with the queue_job runner and workers (channel
root.shopify.orders:2) and calls this. Each burst is N ``orders/create`` deliveries (3 lines, the
products in stock) stored in one transaction, as webhook intake stores them; the clock runs from
their commit until every order job is done and every delivery is reserved (pickings ready), as a
warehouse clerk sees it. Printed per burst: runs per job (queue_job's count of runs), jobs run more
than once, database conflicts per 100 orders, drain time; then the hot/distinct drain ratio.
Exit status 1 when an order ends wrong (missing, unconfirmed, total not Shopify's, not reserved).
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import argparse
import json
import os
import sys
import time
import uuid
from collections import Counter
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))  # payload builder: no Odoo imports
sys.path.insert(0, HERE)

import order_payloads  # noqa: E402
from bench_common import LINES as ORDER_BENCH_LINES  # noqa: E402
from bench_common import odoo_registry  # noqa: E402

# The order bench's lines under SKUs and variants of their own: both benches share one database
# (bench/run_order_bench.sh), and a second product with the same SKU would make the SKU ambiguous.
LINES = [
    dict(spec, sku=f"HOT-{spec['sku']}", variant_id=spec["variant_id"] + 500_000_000) for spec in ORDER_BENCH_LINES
]

STOCK_PER_PRODUCT = 100000
DRAIN_TIMEOUT_S = 900


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("-n", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=1, help="bursts of each kind, alternated")
    return parser.parse_args()


def env_for(cr):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cr, SUPERUSER_ID, {})


def setup(registry):
    """Store, tax mapping; returns the backend id and the tax."""
    with registry.cursor() as cr:
        env = env_for(cr)
        company = env.company
        company.tax_calculation_rounding_method = "round_per_line"
        tax = env["account.tax"].create(
            {"name": "CA 7.25% hot", "amount": 7.25, "type_tax_use": "sale", "company_id": company.id}
        )
        backend = env["shopify.backend"].create(
            {
                "name": "Hot bench",
                "shop_domain": f"hot-{uuid.uuid4().hex[:6]}.myshopify.com",
                "auth_mode": "legacy_token",
                "access_token": "shpat_bench",
                "webhook_secret": "s",
                # No API call per order: products are matched on the payload's SKU.
                "api_base_url": "http://127.0.0.1:9",
                "product_match": "binding_sku",
            }
        )
        env["shopify.tax.map"].create(
            {"backend_id": backend.id, "name": "CA State Tax", "rate_percent": 7.25, "tax_id": tax.id}
        )
        return backend.id, tax.id


def make_products(registry, skus, tax_id):
    """Storable products with stock in the company's main warehouse (no bindings yet: the first
    orders bind them, as in a store whose catalog was never imported)."""
    with registry.cursor() as cr:
        env = env_for(cr)
        location = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1).lot_stock_id
        products = env["product.product"].create(
            [
                {
                    "name": sku,
                    "default_code": sku,
                    "type": "consu",
                    "is_storable": True,
                    "company_id": env.company.id,
                    "taxes_id": [(6, 0, [tax_id])],
                }
                for sku in skus
            ]
        )
        for product in products:
            env["stock.quant"]._update_available_quantity(product, location, STOCK_PER_PRODUCT)


def burst_payloads(kind, first_number, n, round_no):
    """n orders of 3 lines: ``hot`` the same 3 SKUs in every order, ``distinct`` 3 SKUs per order."""
    payloads = []
    for i in range(n):
        if kind == "hot":
            lines = LINES
        else:
            lines = [
                dict(spec, sku=f"D{round_no}-{i}-{k}", variant_id=8_000_000_000 + round_no * 100_000 + i * 3 + k)
                for k, spec in enumerate(LINES)
            ]
        payloads.append(order_payloads.order_payload(first_number + i, lines=lines))
    return payloads


def deliver(registry, backend_id, payloads):
    """The burst as webhook intake stores it: sync jobs and queue jobs, committed at once."""
    from odoo.addons.shopify_sync.lib.webhook import read_headers

    with registry.cursor() as cr:
        env = env_for(cr)
        backend = env["shopify.backend"].browse(backend_id)
        ids = []
        for payload in payloads:
            headers = read_headers(
                {
                    "X-Shopify-Topic": "orders/create",
                    "X-Shopify-Shop-Domain": backend.shop_domain,
                    "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                    "X-Shopify-Event-Id": str(uuid.uuid4()),
                }
            )
            job, _created = env["shopify.sync.job"]._intake_webhook(
                backend, headers, json.dumps(payload).encode(), payload
            )
            ids.append(job.id)
    return ids


def drained(registry, job_ids, refs):
    """True when every order job is done (or failed) and no delivery of these orders waits for stock
    that is there (confirmed moves: not reserved yet) and no queue job of the store is pending."""
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM shopify_sync_job WHERE id = ANY(%s) AND state = 'queued'", [job_ids])
        if cr.fetchone()[0]:
            return False
        cr.execute(
            "SELECT count(*) FROM stock_move m JOIN sale_order_line l ON l.id = m.sale_line_id "
            "JOIN sale_order s ON s.id = l.order_id WHERE s.client_order_ref = ANY(%s) "
            "AND m.state IN ('draft', 'waiting', 'confirmed', 'partially_available')",
            [refs],
        )
        if cr.fetchone()[0]:
            return False
        cr.execute("SELECT count(*) FROM queue_job WHERE state IN ('pending', 'enqueued', 'started')")
        return not cr.fetchone()[0]


def figures(registry, kind, job_ids, payloads, seconds):
    from odoo.addons.shopify_sync.handlers.orders import odoo_amount

    refs = [p["name"] for p in payloads]
    with registry.cursor() as cr:
        env = env_for(cr)
        cr.execute(
            "SELECT q.retry, q.result, q.exec_time FROM shopify_sync_job j JOIN queue_job q ON q.id = j.queue_job_id "
            "WHERE j.id = ANY(%s)",
            [job_ids],
        )
        fetched = cr.fetchall()
        rows = [(retry, result) for retry, result, _exec in fetched]
        order_job_s = sum(exec_time or 0 for _retry, _result, exec_time in fetched)
        # queue_job counts each run in ``retry`` (perform() increments it); a job run again was postponed.
        runs = [max(1, retry or 0) for retry, _result in rows]
        causes = Counter(
            (result or "").split(":")[0][:60] for retry, result in rows if (retry or 0) > 1
        )  # the message of the last postponement, which a later successful run replaced by its own
        jobs = env["shopify.sync.job"].browse(job_ids)
        states = Counter(jobs.mapped("state"))
        sales = env["sale.order"].search([("client_order_ref", "in", refs)])
        by_ref = {s.client_order_ref: s for s in sales}
        wrong = []
        for payload in payloads:
            sale = by_ref.get(payload["name"])
            if not sale or sale.state != "sale":
                wrong.append(f"{payload['name']}: {'missing' if not sale else sale.state}")
            elif odoo_amount(sale.amount_total, sale.currency_id) != Decimal(payload["total_price"]):
                wrong.append(f"{payload['name']}: total {sale.amount_total} vs {payload['total_price']}")
            elif set(sale.picking_ids.mapped("state")) != {"assigned"}:
                wrong.append(f"{payload['name']}: delivery {sorted(set(sale.picking_ids.mapped('state')))}")
        # Other jobs the burst caused (reservation jobs): their reruns count too.
        cr.execute(
            "SELECT count(*), coalesce(sum(greatest(q.retry - 1, 0)), 0), coalesce(sum(q.exec_time), 0) "
            "FROM shopify_sync_job j JOIN queue_job q "
            "ON q.id = j.queue_job_id WHERE j.direction = 'out' AND j.id > %s",
            [min(job_ids)],
        )
        other_jobs, other_retries, other_s = cr.fetchone()
    n = len(payloads)
    return {
        "kind": kind,
        "orders": n,
        "drain_s": round(seconds, 1),
        "runs_per_job": round(sum(runs) / n, 3),
        "max_runs": max(runs),
        "jobs_run_twice_or_more": sum(1 for r in runs if r > 1),
        "pct_run_twice": round(100 * sum(1 for r in runs if r > 1) / n, 1),
        "conflicts_per_100_orders": round(100 * (sum(runs) - n + other_retries) / n, 1),
        # Time inside the jobs (queue_job's exec_time): the order jobs' mean, the other jobs' total.
        "order_job_mean_s": round(order_job_s / n, 3),
        "other_jobs_total_s": round(other_s, 1),
        "other_jobs": other_jobs,
        "other_job_reruns": other_retries,
        "job_states": dict(states),
        "retry_causes": dict(causes),
        "wrong": wrong[:5],
        "wrong_count": len(wrong),
    }


def run_burst(registry, backend_id, kind, payloads):
    refs = [p["name"] for p in payloads]
    started = time.perf_counter()
    job_ids = deliver(registry, backend_id, payloads)
    committed = time.perf_counter()
    while not drained(registry, job_ids, refs):
        if time.perf_counter() - committed > DRAIN_TIMEOUT_S:
            print(f"{kind}: not drained after {DRAIN_TIMEOUT_S} s", file=sys.stderr)
            break
        time.sleep(0.1)
    result = figures(registry, kind, job_ids, payloads, time.perf_counter() - committed)
    result["intake_s"] = round(committed - started, 1)
    return result


def main():
    args = parse_args()
    registry = odoo_registry(args)
    backend_id, tax_id = setup(registry)
    make_products(registry, [spec["sku"] for spec in LINES], tax_id)
    results = []
    for round_no in range(args.rounds):
        distinct = burst_payloads("distinct", 300000 + 2 * round_no * args.n, args.n, round_no)
        make_products(registry, [line["sku"] for p in distinct for line in p["line_items"]], tax_id)
        hot = burst_payloads("hot", 300000 + (2 * round_no + 1) * args.n, args.n, round_no)
        # Alternated, so that neither kind always runs on a warmer (or busier) machine.
        order = [("distinct", distinct), ("hot", hot)] if round_no % 2 == 0 else [("hot", hot), ("distinct", distinct)]
        for kind, payloads in order:
            result = run_burst(registry, backend_id, kind, payloads)
            result["load_1min"] = os.getloadavg()[0]
            results.append(result)
            print(
                f"{kind:<8} {result['orders']} orders: drain {result['drain_s']:>6} s, runs/job "
                f"{result['runs_per_job']:.2f} (max {result['max_runs']}), run twice or more: "
                f"{result['jobs_run_twice_or_more']} ({result['pct_run_twice']} %), conflicts/100 orders "
                f"{result['conflicts_per_100_orders']}, other jobs {result['other_jobs']} "
                f"({result['other_job_reruns']} reruns, {result['other_jobs_total_s']} s in all), order job mean "
                f"{result['order_job_mean_s']} s, wrong orders {result['wrong_count']}, "
                f"load {result['load_1min']:.2f}"
            )
            if result["retry_causes"]:
                print(f"         last retry messages: {result['retry_causes']}")
            if result["wrong"]:
                print(f"         wrong: {result['wrong']}")
    hot_drain = sum(r["drain_s"] for r in results if r["kind"] == "hot")
    distinct_drain = sum(r["drain_s"] for r in results if r["kind"] == "distinct")
    ratio = hot_drain / distinct_drain if distinct_drain else float("inf")
    twice = max(r["pct_run_twice"] for r in results if r["kind"] == "hot")
    print(
        f"hot / distinct drain time: {ratio:.2f}x (target <= 1.2x); hot jobs run twice or more: {twice} % "
        f"(target < 5 %)"
    )
    print(json.dumps({"bursts": results, "drain_ratio_hot_distinct": round(ratio, 2)}))
    return 1 if any(r["wrong_count"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
