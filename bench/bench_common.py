"""What the Odoo benchmarks share: their command line, the Odoo registry of the bench database, a
Shopify stand-in with a standard plan's bucket that counts its THROTTLED answers, and the cost of
the requests it received; the order benches' lines, stand-in and store. No Odoo import at module
level (Odoo is configured first)."""

import argparse
import os
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))  # stand-in and fakes: no Odoo imports

from graphql import parse  # noqa: E402
from shopify_reference import load_admin_schema  # noqa: E402
from shopify_standin import ShopifyStandIn, query_cost, shopify_requested_cost  # noqa: E402

# Shopify's documented standard-plan GraphQL bucket; Advanced is 2000 / 100.
STANDARD_MAX, STANDARD_RESTORE = 1000.0, 50.0


# The order benches' 3-line order. Variant ids as every real order line carries them (each
# connector binds or matches them).
LINES = [
    {
        "sku": "BENCH-A",
        "variant_id": 7000000001,
        "price": "19.99",
        "quantity": 2,
        "discount": "2.00",
        "taxes": [("CA State Tax", 7.25)],
    },
    {"sku": "BENCH-B", "variant_id": 7000000002, "price": "5.49", "quantity": 1, "taxes": [("CA State Tax", 7.25)]},
    {"sku": "BENCH-C", "variant_id": 7000000003, "price": "120.00", "quantity": 1, "taxes": [("CA State Tax", 7.25)]},
]

# One order in GIFT_EVERY ships to someone other than the buyer (a delivery contact is created for
# the recipient); the others ship to the buyer, as most do: the checkout's name is the customer's.
GIFT_EVERY = 10


def bench_order(number):
    """The order benches' order ``number``: LINES, a new customer, shipped to the buyer but for one
    in GIFT_EVERY."""
    import order_payloads  # noqa: PLC0415 - tests/ is on the path only once this module has run

    payload = order_payloads.order_payload(number, lines=LINES)
    if number % GIFT_EVERY:
        customer = payload["customer"]
        for address in (payload["billing_address"], payload["shipping_address"]):
            address.update(first_name=customer["first_name"], last_name=customer["last_name"])
    return payload


def bench_parser(default_n):
    """The benches' command line: --db, --addons-path, -n; a bench adds its own options."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("-n", type=int, default=default_n)
    return parser


def parse_args(default_n):
    return bench_parser(default_n).parse_args()


def odoo_registry(args, log_level="warn"):
    from odoo.tools import config

    config.parse_config(["-d", args.db, "--addons-path", args.addons_path, "--log-level", log_level])
    from odoo.modules.registry import Registry

    return Registry(args.db)


def new_backend(env, api_base_url, name="Bench", access_token="shpat_bench", **values):
    """A legacy-token store talking to the stand-in at ``api_base_url``, on a shop domain of its own
    (``values``: more of its fields)."""
    return env["shopify.backend"].create(
        {
            "name": name,
            "shop_domain": f"{name.lower()}-{uuid.uuid4().hex[:6]}.myshopify.com",
            "auth_mode": "legacy_token",
            "access_token": access_token,
            "webhook_secret": "s",
            "api_base_url": api_base_url,
            **values,
        }
    )


def bench_store(env, api_base_url, name="Bench", access_token="shpat_bench"):
    """The order benches' store: a 7.25% tax mapped from Shopify's 'CA State Tax', the three
    products of LINES (by SKU), a backend talking to the stand-in at ``api_base_url``. Returns
    (backend, tax, {sku: product id})."""
    company = env.company
    company.tax_calculation_rounding_method = "round_per_line"
    # Found again when the database already has them (bench/profile_order_batch.py runs many times).
    tax = env["account.tax"].search([("name", "=", "CA 7.25%"), ("company_id", "=", company.id)], limit=1) or env[
        "account.tax"
    ].create({"name": "CA 7.25%", "amount": 7.25, "type_tax_use": "sale", "company_id": company.id})
    products = {}
    for spec in LINES:
        # company set: OCA's product bindings require the product in the instance's company
        products[spec["sku"]] = (
            env["product.product"].search([("default_code", "=", spec["sku"])], limit=1)
            or env["product.product"]
            .create(
                {
                    "name": spec["sku"],
                    "default_code": spec["sku"],
                    "type": "consu",
                    "is_storable": True,
                    "company_id": company.id,
                    "taxes_id": [(6, 0, tax.ids)],
                }
            )
            .id
        )
    backend = new_backend(env, api_base_url, name, access_token, product_match="binding_sku_barcode")
    env["shopify.tax.map"].create(
        {"backend_id": backend.id, "name": "CA State Tax", "rate_percent": 7.25, "tax_id": tax.id}
    )
    return backend, tax, products


def order_bench_standin(access_token="shpat_bench"):
    """A started stand-in for the order benches. Our barcode lookup (the stores match on barcode
    too) finds none: the bench variants have none."""
    standin = ShopifyStandIn(access_token=access_token).start()
    standin.root["nodes"] = lambda _info, ids: [
        {"__typename": "ProductVariant", "id": gid, "sku": None, "barcode": None} for gid in ids
    ]
    return standin


def standard_plan_standin():
    """A started stand-in with a standard plan's bucket; ``standin.throttled`` counts THROTTLED answers."""
    standin = ShopifyStandIn(access_token="shpat_bench")
    standin.MAXIMUM_AVAILABLE, standin.RESTORE_RATE = STANDARD_MAX, STANDARD_RESTORE
    standin.reset()
    standin.throttled = []
    answer_throttled = standin._throttled
    standin._throttled = lambda *a: standin.throttled.append(1) or answer_throttled(*a)
    return standin.start()


def costs(standin, requests):
    """(cost in the stand-in's simple model, requested cost by Shopify's published rules)."""
    schema = load_admin_schema(standin.api_version)
    documents = [(parse(r["json"]["query"]), r["json"].get("variables")) for r in requests]
    return (
        sum(query_cost(document) for document, _variables in documents),
        sum(shopify_requested_cost(schema, document, variables) for document, variables in documents),
    )


def import_through_webhook(env, backend, payload):
    """One order as one job: stored as the webhook request stores it (its transaction holds nothing
    else; the store's id and company from the worker's cached lookup), then the worker's run of its
    queue job. Returns the sync job."""
    import json  # noqa: PLC0415 - with Odoo's imports, which need its configuration first

    from odoo.addons.queue_job.job import Job  # noqa: PLC0415
    from odoo.addons.shopify_sync.lib.webhook import read_headers  # noqa: PLC0415

    body = json.dumps(payload).encode()
    headers = read_headers(
        {
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": backend.shop_domain,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
        }
    )
    _backend_id, _secret, company_id = env["shopify.backend"]._webhook_intake_key(backend.shop_domain)
    job, _created = env["shopify.sync.job"]._intake_webhook(
        backend, headers, body, payload, company_id=company_id, owns_transaction=True
    )
    Job.load(env, job.queue_job_id.uuid).perform()
    if job.state != "done":
        raise SystemExit(f"order {payload['name']} failed: {job.error_message}")
    return job
