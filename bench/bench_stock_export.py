"""Stock export benchmark: N bound variants stocked at 3 mapped locations, one stock change on each
variant at each location, then the export job as a queue worker runs it.

    python3 bench/bench_stock_export.py --db DB --addons-path PATH [-n 5000]

(bench/run_stock_bench.sh makes the database and calls this.) The Shopify stand-in runs with a
standard plan's bucket (1000 points, 50 restored per second) and keeps the store's inventory in a
dict. Printed, for the first full export and for the change export: Shopify calls, item-locations
per call, GraphQL cost spent (the stand-in's cost, computed from the schema), THROTTLED answers,
wall time; and the change export's end-to-end time from the stock moves to Shopify.
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import json
import time

from bench_common import (
    STANDARD_MAX,
    STANDARD_RESTORE,
    costs,
    new_backend,
    odoo_registry,
    parse_args,
    standard_plan_standin,
)

# (bench_common puts tests/ on the path: the stand-in and the fakes live there.)
from stock_fake import FakeShopifyInventory

LOCATIONS = ["gid://shopify/Location/1001", "gid://shopify/Location/1002", "gid://shopify/Location/1003"]
# Shopify's calculated cost of a mutation is 10 points, whatever the size of its input list.
SHOPIFY_MUTATION_COST = 10


def main():
    args = parse_args(default_n=5000)
    registry = odoo_registry(args)
    from odoo import SUPERUSER_ID, api

    from odoo.addons.queue_job.job import Job

    standin = standard_plan_standin()
    throttled = standin.throttled
    shopify = FakeShopifyInventory()
    shopify.install(standin)

    started = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        odoo_locations = [warehouse.lot_stock_id] + [
            env["stock.location"].create(
                {"name": f"Shop {i}", "usage": "internal", "location_id": warehouse.view_location_id.id}
            )
            for i in (2, 3)
        ]
        backend = new_backend(env, standin.base_url)
        for gid, location in zip(LOCATIONS, odoo_locations, strict=False):
            env["shopify.sync.location"].create(
                {"backend_id": backend.id, "name": location.name, "shopify_gid": gid, "location_id": location.id}
            )
        products = env["product.product"].create(
            [{"name": f"Variant {i}", "default_code": f"BENCH-{i}", "is_storable": True} for i in range(args.n)]
        )
        env["shopify.binding"].create(
            [
                {
                    "backend_id": backend.id,
                    "shopify_gid": f"gid://shopify/{kind}/{base + i}",
                    "resource_type": kind,
                    "res_model": "product.product",
                    "res_id": product.id,
                }
                for i, product in enumerate(products)
                for kind, base in (("ProductVariant", 10_000_000), ("InventoryItem", 20_000_000))
            ]
        )
        # Opening stock straight into quants (no moves): the first export is started by hand.
        env["stock.quant"].create(
            [
                {"product_id": product.id, "location_id": location.id, "quantity": 20 + i % 7}
                for i, product in enumerate(products)
                for location in odoo_locations
            ]
        )
        backend_id, product_ids, location_ids = backend.id, products.ids, [ln.id for ln in odoo_locations]
    print(f"setup: {args.n} variants x {len(LOCATIONS)} locations in {time.perf_counter() - started:.1f}s")

    def run_export(label, prepare):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            prepare(env)
        first_request = len(standin.requests_log)
        throttled.clear()
        started = time.perf_counter()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            jobs = env["shopify.sync.job"].search(
                [("backend_id", "=", backend_id), ("topic", "=", "inventory/export"), ("state", "=", "queued")]
            )
            assert len(jobs) == 1, f"{len(jobs)} export jobs pending, expected one"
            Job.load(env, jobs.queue_job_id.uuid).perform()
            jobs.invalidate_recordset()
            if jobs.state != "done":
                raise SystemExit(f"{label}: export job {jobs.state}: {jobs.error_message}")
            summary = jobs.result_summary
        wall = time.perf_counter() - started
        requests = standin.requests_log[first_request:]
        mutations = [r for r in requests if r["operation"] == "InventorySetQuantities"]
        quantities = sum(len(r["json"]["variables"]["input"]["quantities"]) for r in mutations)
        cost, by_rules = costs(standin, requests)
        figures = {
            "label": label,
            "calls": len(requests),
            "mutation_calls": len(mutations),
            "quantities_sent": quantities,
            "item_locations_per_call": round(quantities / max(len(requests), 1), 1),
            "standin_cost": cost,
            "shopify_mutation_cost_estimate": len(mutations) * SHOPIFY_MUTATION_COST,
            "shopify_requested_cost": by_rules,
            "throttled": len(throttled),
            "wall_s": round(wall, 2),
            "summary": summary,
        }
        print(
            f"{label}: {figures['calls']} Shopify calls ({figures['mutation_calls']} inventorySetQuantities) for "
            f"{quantities} item-locations = {figures['item_locations_per_call']} per call; GraphQL cost "
            f"{cost} points (stand-in), {by_rules} requested by Shopify's rules "
            f"(~{figures['shopify_mutation_cost_estimate']} of it for the mutations at 10 each); "
            f"THROTTLED {len(throttled)}; wall {wall:.2f}s"
        )
        return figures

    def start_full(env):
        env["shopify.backend"].browse(backend_id).action_export_stock()

    def one_change_each(env):
        Quant = env["stock.quant"]
        products = env["product.product"].browse(product_ids)
        locations = env["stock.location"].browse(location_ids)
        timer = time.perf_counter()
        for product in products:
            for location in locations:
                Quant._update_available_quantity(product, location, -1)  # one unit out at each location
        env.cr.flush()  # what the commit does: the hooks mark products, one export job is queued
        print(f"{len(products) * len(locations)} stock changes (+ marking) in {time.perf_counter() - timer:.1f}s")

    full = run_export("first full export", start_full)
    change = run_export("change export", one_change_each)
    standin.stop()

    item_locations = args.n * len(LOCATIONS)
    ok_calls = change["calls"] <= item_locations / 100
    ok_budget = change["throttled"] == 0 and full["throttled"] == 0
    print(
        f"target <= 1 call per 100 item-locations: {change['calls']} calls for {item_locations} -> "
        f"{'met' if ok_calls else 'NOT met'}"
    )
    print(
        f"within the standard bucket ({STANDARD_MAX:.0f} points, {STANDARD_RESTORE:.0f}/s) without THROTTLED: "
        f"{'yes' if ok_budget else 'NO'}"
    )
    expected = {
        (f"gid://shopify/InventoryItem/{20_000_000 + i}", gid): 20 + i % 7 - 1
        for i in range(args.n)
        for gid in LOCATIONS
    }
    wrong = sum(1 for key, qty in expected.items() if shopify.qty(*key) != qty)
    print(f"Shopify quantities wrong after export: {wrong}")
    print(json.dumps({"full": full, "change": change}))


if __name__ == "__main__":
    main()
