"""What the Odoo benchmarks share: their command line, the Odoo registry of the bench database, a
Shopify stand-in with a standard plan's bucket that counts its THROTTLED answers, and the cost of
the requests it received. No Odoo import at module level (Odoo is configured first)."""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))  # stand-in and fakes: no Odoo imports

from graphql import parse  # noqa: E402
from shopify_reference import load_admin_schema  # noqa: E402
from shopify_standin import ShopifyStandIn, query_cost, shopify_requested_cost  # noqa: E402

# Shopify's documented standard-plan GraphQL bucket; Advanced is 2000 / 100.
STANDARD_MAX, STANDARD_RESTORE = 1000.0, 50.0


def parse_args(default_n):
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("-n", type=int, default=default_n)
    return parser.parse_args()


def odoo_registry(args):
    from odoo.tools import config

    config.parse_config(["-d", args.db, "--addons-path", args.addons_path, "--log-level", "warn"])
    from odoo.modules.registry import Registry

    return Registry(args.db)


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
