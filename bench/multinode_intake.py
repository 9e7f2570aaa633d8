"""bench/bench_webhook_intake.py, unchanged (same client, same figures), firing orders/create bodies
whose totals are Shopify's to the cent, over the products bench/run_multinode.sh sets up, so that
every delivery also becomes a sale order its queue job can import (the intake body is for intake
only: its totals are 0.00).

    python3 bench/multinode_intake.py <bench_webhook_intake.py's arguments>
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))  # payload builder: no Odoo imports
sys.path.insert(0, HERE)

import bench_webhook_intake  # noqa: E402
import order_payloads  # noqa: E402
from bench_common import LINES  # noqa: E402


def importable_order_body(number):
    return json.dumps(order_payloads.order_payload(number, lines=LINES)).encode()


if __name__ == "__main__":
    bench_webhook_intake.order_body = importable_order_body
    sys.exit(bench_webhook_intake.main())
