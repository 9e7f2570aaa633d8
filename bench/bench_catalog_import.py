"""Catalog import benchmark: N Shopify products (1 to 3 variants each) whose SKUs already exist in
Odoo, imported page by page and then through a bulk operation (bindings removed in between).

    python3 bench/bench_catalog_import.py --db DB --addons-path PATH [-n 5000]

(bench/run_catalog_bench.sh makes the database and calls this.) The stand-in runs with a standard
plan's bucket (1000 points, 50 restored per second). Printed per mode: Shopify calls, GraphQL cost
(the stand-in's simple model, and the requested cost by Shopify's published rules), THROTTLED
answers, jobs, variants bound, wall time, and the longest single job (what holds one worker and
one transaction).
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import json
import time

from bench_common import costs, new_backend, odoo_registry, parse_args, standard_plan_standin

# (bench_common puts tests/ on the path: the stand-in and the fakes live there.)
from catalog_fake import gql_product, gql_variant, serve_catalog


def main():
    args = parse_args(default_n=5000)
    registry = odoo_registry(args)
    from odoo import SUPERUSER_ID, api

    from odoo.addons.queue_job.job import Job

    standin = standard_plan_standin()
    standin.bulk_running_polls = 0  # Shopify's own preparation time is not ours to measure
    throttled = standin.throttled

    catalog, skus, number = [], [], 0
    for i in range(args.n):
        variants = []
        for _v in range(1 + i % 3):
            number += 1
            skus.append(f"CAT-{number}")
            variants.append(gql_variant(number, sku=skus[-1], options={"Size": f"S{_v}"} if i % 3 else None))
        options = [("Size", [f"S{v}" for v in range(1 + i % 3)])] if i % 3 else None
        catalog.append(gql_product(i + 1, f"Product {i}", variants, options=options))
    serve_catalog(standin, catalog)

    started = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        backend = new_backend(env, standin.base_url, unmatched_variants="leave")
        # The same catalog already in Odoo (a store connected to an existing catalog): templates with
        # a Size attribute for products with options, each variant carrying Shopify's SKU.
        size = env["product.attribute"].create(
            {"name": "Size", "value_ids": [(0, 0, {"name": f"S{v}"}) for v in range(3)]}
        )
        for product in catalog:
            values = [v["selectedOptions"][0]["value"] for v in product["variants"]["nodes"]]
            has_options = product["options"][0]["name"] == "Size"
            lines = [
                (
                    0,
                    0,
                    {
                        "attribute_id": size.id,
                        "value_ids": [(6, 0, size.value_ids.filtered(lambda v, values=values: v.name in values).ids)],
                    },
                )
            ]
            template = env["product.template"].create(
                {"name": product["title"], "type": "consu", "attribute_line_ids": lines if has_options else []}
            )
            for variant, node in zip(
                template.product_variant_ids.sorted(lambda p: p.product_template_attribute_value_ids.name or ""),
                product["variants"]["nodes"],
                strict=False,
            ):
                variant.default_code = node["sku"]
        backend_id = backend.id
    print(f"setup: {args.n} products, {len(skus)} variants in {time.perf_counter() - started:.1f}s")

    def run(mode):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["shopify.binding"].search([("backend_id", "=", backend_id)]).unlink()
            job = env["shopify.sync.job"]._create_outbound(
                env["shopify.backend"].browse(backend_id),
                "historical",
                "catalog/import",
                payload={"create": False, "mode": mode},
            )
            job._enqueue()
            first_job = job.id
        first_request = len(standin.requests_log)
        throttled.clear()
        started, longest, jobs = time.perf_counter(), 0.0, 0
        while True:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                pending = env["shopify.sync.job"].search(
                    [
                        ("backend_id", "=", backend_id),
                        ("topic", "=", "catalog/import"),
                        ("state", "=", "queued"),
                        ("id", ">=", first_job),
                    ],
                    order="id",
                    limit=1,
                )
                if not pending:
                    break
                timer = time.perf_counter()
                Job.load(env, pending.queue_job_id.uuid).perform()
                longest = max(longest, time.perf_counter() - timer)
                jobs += 1
                pending.invalidate_recordset()
                if pending.state != "done":
                    raise SystemExit(f"{mode}: job {pending.id} {pending.state}: {pending.error_message}")
        wall = time.perf_counter() - started
        requests = standin.requests_log[first_request:]
        cost, requested = costs(standin, requests)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            bound = env["shopify.binding"].search_count(
                [("backend_id", "=", backend_id), ("resource_type", "=", "ProductVariant")]
            )
        figures = {
            "mode": mode,
            "calls": len(requests),
            "standin_cost": cost,
            "shopify_requested_cost": requested,
            "throttled": len(throttled),
            "jobs": jobs,
            "variants_bound": bound,
            "wall_s": round(wall, 1),
            "longest_job_s": round(longest, 1),
        }
        print(
            f"{mode}: {len(requests)} Shopify calls, GraphQL cost {cost} points (stand-in), {requested} points "
            f"requested by Shopify's rules (an upper bound: Shopify refunds down to what was returned), THROTTLED "
            f"{len(throttled)}, {jobs} jobs, {bound}/{len(skus)} variants bound, wall {wall:.1f}s, "
            f"longest job {longest:.1f}s"
        )
        return figures

    paged = run("paginated")
    bulk = run("bulk")
    standin.stop()
    print(json.dumps({"paginated": paged, "bulk": bulk}))


if __name__ == "__main__":
    main()
