"""PostgreSQL CPU per webhook intake statement: on a pooled connection reset before each use, as
Odoo's pool does (``DISCARD ALL``: the statement and its triggers are parsed and planned every
time), and on the intake's dedicated connection (lib/intake_connection.py: prepared once, never
reset). Backend CPU from /proc, so hardly load-dependent. Run in ``odoo shell`` on a database with
shopify_sync installed (bench/run_intake_bench.sh does with PLAN_COST=1); the rows are committed, as
intake does, and deleted at the end.

    python -m odoo shell -d DB --no-http < bench/intake_plan_cost.py
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it
# ruff: noqa: F821  # env is odoo shell's

import json
import os
import uuid

import psycopg2

from odoo import sql_db

from odoo.addons.shopify_sync.lib import intake_connection

ROUNDS, PER_BLOCK = 4, 100
TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(connection):
    with open(f"/proc/{connection.get_backend_pid()}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def connect():
    return psycopg2.connect(**sql_db.connection_info_for(env.cr.dbname)[1])


class Pooled:
    """As Odoo's pool hands a connection to a request: reset, then the statement."""

    def __init__(self):
        self.connection = connect()

    def execute(self, statement, params):
        self.connection.reset()
        with self.connection.cursor() as cursor:
            cursor.execute(statement, params)
            row = cursor.fetchone()
        self.connection.commit()
        return row


class Dedicated(intake_connection.IntakeConnection):
    def __init__(self):
        super().__init__(env.cr.dbname, connect)
        self._open()


backend = env["shopify.backend"].create(
    {
        "name": "Plan cost",
        "shop_domain": f"plan-{uuid.uuid4().hex[:8]}.myshopify.com",
        "auth_mode": "legacy_token",
        "access_token": "x",
        "webhook_secret": "s",
    }
)
env.cr.commit()
order = {
    "id": 1,
    "name": "#1001",
    "admin_graphql_api_id": "gid://shopify/Order/1",
    "line_items": [{"id": n} for n in range(40)],
}
body = json.dumps(order).encode()
Job = env["shopify.sync.job"]
modes = {"reset only": Pooled(), "reset + statement": Pooled(), "dedicated, prepared": Dedicated()}
used = dict.fromkeys(modes, 0.0)
for _round in range(ROUNDS):
    for name, connection in modes.items():
        before = backend_cpu(connection.connection)
        for _n in range(PER_BLOCK):
            if name == "reset only":
                connection.execute("SELECT 1", None)
                continue
            headers = {
                "topic": "orders/create",
                "webhook_id": str(uuid.uuid4()),
                "event_id": str(uuid.uuid4()),
                "api_version": "2026-10",
                "triggered_at": None,
            }
            Job._intake_webhook(backend, headers, body, order, company_id=backend.company_id.id, connection=connection)
        used[name] += backend_cpu(connection.connection) - before
count = ROUNDS * PER_BLOCK
per = {name: round(1000 * seconds / count, 3) for name, seconds in used.items()}
statement_pooled = round(per["reset + statement"] - per["reset only"], 3)
print(
    f"PostgreSQL CPU ms per intake statement ({count} each, {ROUNDS} alternating blocks): "
    f"pooled and reset {statement_pooled} (+ {per['reset only']} for the reset itself, which every request "
    f"pays), dedicated and prepared {per['dedicated, prepared']}"
)
env.cr.execute(
    "DELETE FROM queue_job WHERE identity_key IN "
    "(SELECT 'shopify.sync.job:' || id FROM shopify_sync_job WHERE backend_id = %s)",
    [backend.id],
)
env.cr.execute("DELETE FROM shopify_sync_job WHERE backend_id = %s", [backend.id])
backend.unlink()
env.cr.commit()
