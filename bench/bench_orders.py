"""Order import benchmark: N generated 3-line orders through the real handler, against plain ORM
``sale.order`` create + confirm of the same orders, in the same run and database.

    python3 bench/bench_orders.py --db DB --addons-path PATH [-n 500]

(bench/run_order_bench.sh makes the database and calls this.) Each order is committed on its own,
as a queue worker commits each job. Printed: orders/s, SQL queries per order, Shopify API calls
per order (counted by a Shopify stand-in on loopback), the ratio to plain ORM, and what that means
for a 10,000-order backlog with 2 workers.
"""

import argparse
import json
import os
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))  # stand-in and payload builder: no Odoo imports

import order_payloads  # noqa: E402
from shopify_standin import ShopifyStandIn  # noqa: E402

LINES = [
    {"sku": "BENCH-A", "price": "19.99", "quantity": 2, "discount": "2.00", "taxes": [("CA State Tax", 7.25)]},
    {"sku": "BENCH-B", "price": "5.49", "quantity": 1, "taxes": [("CA State Tax", 7.25)]},
    {"sku": "BENCH-C", "price": "120.00", "quantity": 1, "taxes": [("CA State Tax", 7.25)]},
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("-n", type=int, default=500)
    args = parser.parse_args()

    from odoo import api, SUPERUSER_ID
    from odoo.tools import config
    config.parse_config(["-d", args.db, "--addons-path", args.addons_path, "--log-level", "warn"])
    from odoo.modules.registry import Registry
    from odoo.addons.queue_job.job import Job
    from odoo.addons.shopify_sync.lib.webhook import read_headers

    registry = Registry(args.db)
    standin = ShopifyStandIn(access_token="shpat_bench").start()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        company.tax_calculation_rounding_method = "round_per_line"
        tax = env["account.tax"].create({"name": "CA 7.25%", "amount": 7.25, "type_tax_use": "sale",
                                         "company_id": company.id})
        products = {}
        for spec in LINES:
            products[spec["sku"]] = env["product.product"].create({
                "name": spec["sku"], "default_code": spec["sku"], "type": "consu", "is_storable": True,
                "taxes_id": [(6, 0, tax.ids)]}).id
        backend = env["shopify.backend"].create({
            "name": "Bench", "shop_domain": f"bench-{uuid.uuid4().hex[:6]}.myshopify.com",
            "auth_mode": "legacy_token", "access_token": "shpat_bench", "webhook_secret": "s",
            "api_base_url": standin.base_url, "product_match": "binding_sku_barcode"})
        env["shopify.tax.map"].create({"backend_id": backend.id, "name": "CA State Tax", "rate_percent": 7.25,
                                       "tax_id": tax.id})
        backend_id, tax_id = backend.id, tax.id

    payloads = [order_payloads.order_payload(100000 + i, lines=LINES) for i in range(2 * args.n)]
    plain_payloads, shopify_payloads = payloads[:args.n], payloads[args.n:]

    def run(label, payloads, one):
        queries, started = 0, time.perf_counter()
        for payload in payloads:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                before = cr.sql_log_count
                one(env, payload)
                env.flush_all()
                queries += cr.sql_log_count - before
        wall = time.perf_counter() - started
        return {"label": label, "orders": len(payloads), "wall_s": round(wall, 2),
                "orders_per_s": round(len(payloads) / wall, 1), "ms_per_order": round(wall / len(payloads) * 1000, 1),
                "queries_per_order": round(queries / len(payloads), 1)}

    def plain(env, payload):
        """What any integration must do at least: a customer, a 3-line order, confirm."""
        customer = payload["customer"]
        partner = env["res.partner"].create({"name": f"{customer['first_name']} {customer['last_name']}",
                                             "email": customer["email"]})
        order = env["sale.order"].create({
            "partner_id": partner.id, "client_order_ref": payload["name"],
            "order_line": [(0, 0, {"product_id": products[item["sku"]], "product_uom_qty": item["quantity"],
                                   "price_unit": float(item["price"]), "tax_ids": [(6, 0, [tax_id])]})
                           for item in payload["line_items"]],
        })
        order.action_confirm()

    def through_handler(env, payload):
        """Webhook intake (job + queue job), then the worker's run of that queue job."""
        body = json.dumps(payload).encode()
        headers = read_headers({"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "x",
                                "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": str(uuid.uuid4())})
        backend = env["shopify.backend"].browse(backend_id)
        job, _created = env["shopify.sync.job"]._intake_webhook(backend, headers, body, payload)
        Job.load(env, job.queue_job_id.uuid).perform()
        if job.state != "done":
            raise SystemExit(f"order {payload['name']} failed: {job.error_message}")

    # Warm both paths (registry caches, first-call costs) outside the measurement.
    run("warm-up", [order_payloads.order_payload(90000 + i, lines=LINES) for i in range(10)], plain)
    run("warm-up", [order_payloads.order_payload(95000 + i, lines=LINES) for i in range(10)], through_handler)
    calls_before = len(standin.requests_log)
    plain_figures = run("plain ORM create + confirm", plain_payloads, plain)
    handler_figures = run("shopify_sync handler", shopify_payloads, through_handler)
    api_calls = len(standin.requests_log) - calls_before
    standin.stop()

    ratio = handler_figures["ms_per_order"] / plain_figures["ms_per_order"]
    backlog_min = 10000 / (handler_figures["orders_per_s"] * 2) / 60
    for figures in (plain_figures, handler_figures):
        print(f"{figures['label']:<28} {figures['orders']} orders  {figures['orders_per_s']:>6} orders/s  "
              f"{figures['ms_per_order']:>6} ms/order  {figures['queries_per_order']:>6} SQL queries/order")
    print(f"Shopify API calls per order: {api_calls / args.n:.3f} ({api_calls} calls for {args.n} orders)")
    print(f"cost ratio handler / plain ORM: {ratio:.2f}x (target <= 1.5x)")
    print(f"10,000-order backlog with 2 workers: ~{backlog_min:.0f} min if the 2 cores scale "
          f"(target < 30 min); one worker: ~{10000 / handler_figures['orders_per_s'] / 60:.0f} min")
    print("OCA shopify_connector: not measured in this run (not installed here)")
    print(json.dumps({"plain": plain_figures, "handler": handler_figures, "api_calls_per_order": api_calls / args.n,
                      "ratio": round(ratio, 2)}))


if __name__ == "__main__":
    main()
