"""Fire signed Shopify webhooks at a running Odoo and print intake throughput and latency.

    python3 bench/bench_webhook_intake.py --url http://127.0.0.1:8069/shopify/webhook \
        --shop bench-store.myshopify.com --secret S -n 2000 --concurrency 8

Bodies are realistic orders/create payloads (3 lines, a few KB), signed like Shopify signs them.
A fraction of deliveries is sent twice with the same X-Shopify-Webhook-Id, as Shopify's
at-least-once delivery does; they must be answered 200 and must not become second jobs.
With --health-url, the same client also fires as many GETs at Odoo's no-op route (/web/health)
with the same concurrency; with --oca-url, the same deliveries at OCA's shopify_connector webhook
route. On a shared machine only figures measured side by side compare: the series are fired in
--blocks alternating slices (health, ours, OCA, then the other way round), so a change of load
on the machine weighs on each the same, and the ratios webhook/health and ours/OCA are the
figures to read. With --server-pid and --database (Linux), each series also gets the CPU time per
request of the Odoo processes and of the database's PostgreSQL backends, measured over its own
slices: a busy machine inflates both series alike, so their ratio shows where a gap comes from.
The load average before and after is printed too. The last line is JSON, for scripts.
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit


def order_body(number):
    order_id = 7_000_000_000 + number
    lines = []
    for n in range(3):
        price = f"{random.randint(500, 9999) / 100:.2f}"
        lines.append(
            {
                "id": order_id * 10 + n,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{order_id * 10 + n}",
                "variant_id": 40_000 + n,
                "product_id": 30_000 + n,
                "sku": f"BENCH-{n}",
                "title": f"Bench product {n}",
                "name": f"Bench product {n}",
                "quantity": random.randint(1, 3),
                "price": price,
                "price_set": {
                    "shop_money": {"amount": price, "currency_code": "USD"},
                    "presentment_money": {"amount": price, "currency_code": "USD"},
                },
                "tax_lines": [{"title": "CA State Tax", "rate": 0.0725, "price": "0.00"}],
                "discount_allocations": [],
            }
        )
    return json.dumps(
        {
            "id": order_id,
            "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
            "name": f"#{number}",
            "email": f"buyer{number}@example.com",
            "currency": "USD",
            "taxes_included": False,
            "financial_status": "paid",
            "created_at": "2026-11-27T00:00:01-05:00",
            "updated_at": "2026-11-27T00:00:01-05:00",
            "line_items": lines,
            "shipping_lines": [],
            "customer": {
                "id": 9_000_000 + number,
                "email": f"buyer{number}@example.com",
                "first_name": "Bench",
                "last_name": str(number),
            },
            "billing_address": {
                "address1": "1 Market St",
                "city": "San Francisco",
                "zip": "94105",
                "province_code": "CA",
                "country_code": "US",
            },
            "total_price": "0.00",
            "subtotal_price": "0.00",
            "total_tax": "0.00",
            "note": "x" * 400,
        }
    ).encode()


def sign(secret, body):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class CpuMeter:
    """CPU seconds used so far by an Odoo server (its process and children: workers) and by the
    PostgreSQL backends of its database, read from /proc (Linux)."""

    def __init__(self, server_pid, database):
        self.server_pid, self.database = server_pid, database
        self.ticks = os.sysconf("SC_CLK_TCK")

    def processes(self):
        odoo, postgres = [], []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:  # the process ended meanwhile
                continue
            cpu = (int(fields[11]) + int(fields[12])) / self.ticks
            if int(entry) == self.server_pid or int(fields[1]) == self.server_pid:
                odoo.append((int(entry), cpu))
            elif command.startswith("postgres: ") and f" {self.database} " in command:
                postgres.append((int(entry), cpu))
        return dict(odoo), dict(postgres)

    def sample(self):
        return self.processes()

    @staticmethod
    def used(before, after):
        """CPU seconds used between two samples by the processes alive at the second one."""
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def figures_of(results, wall):
    """Throughput and latency of one series from its (status, ms) results and its wall time."""
    latencies = sorted(ms for _status, ms in results)
    statuses = {}
    for status, _ms in results:
        statuses[status] = statuses.get(status, 0) + 1

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))]

    return {
        "sent": len(results),
        "statuses": statuses,
        "accepted": statuses.get(200, 0),
        "wall_s": round(wall, 2),
        "accepted_per_s": round(statuses.get(200, 0) / wall, 1),
        "p50_ms": round(pct(50), 1),
        "p90_ms": round(pct(90), 1),
        "p99_ms": round(pct(99), 1),
        "max_ms": round(latencies[-1], 1),
        "mean_ms": round(statistics.mean(latencies), 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8069/shopify/webhook")
    parser.add_argument("--shop", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("-n", type=int, default=2000, help="unique deliveries")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duplicates", type=float, default=0.1, help="fraction re-sent with the same webhook id")
    parser.add_argument("--topic", default="orders/create")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--health-url", help="also measure this no-op route (GET), same client, same run")
    parser.add_argument("--oca-url", help="also fire the same deliveries at OCA shopify_connector's webhook route")
    parser.add_argument("--blocks", type=int, default=10, help="alternating slices each series is fired in")
    parser.add_argument("--server-pid", type=int, help="Odoo's server process: CPU per request of its workers")
    parser.add_argument("--database", help="with --server-pid: CPU per request of this database's backends")
    args = parser.parse_args()

    def delivery(number):
        body = order_body(number)
        return body, {
            "Content-Type": "application/json",
            "X-Shopify-Topic": args.topic,
            "X-Shopify-Hmac-Sha256": sign(args.secret, body),
            "X-Shopify-Shop-Domain": args.shop,
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": "2026-11-27T05:00:01.000000000Z",
        }

    # Signing is the sender's cost, not the receiver's: prepare everything before the clock starts.
    warmup = [delivery(1_000_000 + i) for i in range(args.warmup)]
    unique = [delivery(1001 + i) for i in range(args.n)]
    resent = random.sample(unique, int(args.n * args.duplicates))
    batch = unique + resent
    random.shuffle(batch)

    local = threading.local()

    def send(item):
        # http.client with one keep-alive connection per thread: the client must cost the
        # shared CPU as little as possible, or it measures itself.
        method, target, body, headers = item
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        start = time.perf_counter()
        connection.request(method, target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            local.connection = None
        return response.status, (time.perf_counter() - start) * 1000

    def fire(pool, series):
        """Fire each series (name -> (warm-up items, items)) in alternating slices; its figures
        count only its own slices' wall time."""
        for warm, _items in series.values():
            list(pool.map(send, warm))
        results = {name: [] for name in series}
        walls = dict.fromkeys(series, 0.0)
        cpu = {name: [0.0, 0.0] for name in series}  # Odoo, PostgreSQL seconds
        names = list(series)
        for block in range(args.blocks):
            for name in names if block % 2 == 0 else reversed(names):
                before = meter.sample() if meter else None
                started = time.perf_counter()
                results[name] += pool.map(send, series[name][1][block :: args.blocks])
                walls[name] += time.perf_counter() - started
                if meter:
                    after = meter.sample()
                    cpu[name][0] += meter.used(before[0], after[0])
                    cpu[name][1] += meter.used(before[1], after[1])
        figures = {name: figures_of(results[name], walls[name]) for name in series}
        if meter:
            for name, (odoo, postgres) in cpu.items():
                sent = len(results[name])
                figures[name]["cpu_ms_per_request"] = {
                    "odoo": round(odoo / sent * 1000, 2),
                    "postgres": round(postgres / sent * 1000, 2),
                }
        return figures

    def webhook_items(url, items):
        target = urlsplit(url)
        return [("POST", target, body, headers) for body, headers in items]

    series = {}
    if args.health_url:
        probe = ("GET", urlsplit(args.health_url), None, {})
        series["health"] = ([probe] * args.warmup, [probe] * len(batch))
    series["ours"] = (webhook_items(args.url, warmup), webhook_items(args.url, batch))
    if args.oca_url:
        series["oca"] = (webhook_items(args.oca_url, warmup), webhook_items(args.oca_url, batch))
    meter = CpuMeter(args.server_pid, args.database) if args.server_pid and args.database else None
    load_before = os.getloadavg()[0]
    with ThreadPoolExecutor(args.concurrency) as pool:
        measured = fire(pool, series)
    figures = measured["ours"]
    figures.update(
        {
            "unique_deliveries": args.n + args.warmup,
            "redeliveries": len(resent),
            "concurrency": args.concurrency,
            "body_bytes": len(unique[0][0]),
            "blocks": args.blocks,
            "load_before": round(load_before, 2),
            "load_after": round(os.getloadavg()[0], 2),
        }
    )
    report(figures, measured.get("health"), measured.get("oca"))
    oca_accepted = measured["oca"]["accepted"] if "oca" in measured else len(batch)
    return 0 if figures["accepted"] == len(batch) == oca_accepted else 1


def report(figures, health, oca):
    """Print the figures (the last line as JSON), with the ratios to /web/health and OCA."""
    print(
        f"sent {figures['sent']} ({figures['redeliveries']} redeliveries), accepted {figures['accepted']}, "
        f"statuses {figures['statuses']}"
    )
    print(f"wall {figures['wall_s']} s, {figures['accepted_per_s']} accepted/s at concurrency {figures['concurrency']}")
    print(
        f"latency ms: p50 {figures['p50_ms']}  p90 {figures['p90_ms']}  p99 {figures['p99_ms']}  "
        f"max {figures['max_ms']}"
    )
    if health:
        figures["health"] = health
        figures["ratio_throughput"] = round(figures["accepted_per_s"] / health["accepted_per_s"], 2)
        figures["ratio_p99"] = round(figures["p99_ms"] / health["p99_ms"], 2)
        print(
            f"/web/health same client, same run: {health['accepted_per_s']} req/s, p50 {health['p50_ms']}  "
            f"p99 {health['p99_ms']} ms"
        )
        print(f"webhook/health: throughput ratio {figures['ratio_throughput']}, p99 ratio {figures['ratio_p99']}")
        if "cpu_ms_per_request" in figures:
            ours, theirs = figures["cpu_ms_per_request"], health["cpu_ms_per_request"]
            figures["ratio_cpu"] = round(
                (theirs["odoo"] + theirs["postgres"]) / max(ours["odoo"] + ours["postgres"], 0.01), 2
            )
            print(
                f"CPU ms per request (Odoo + PostgreSQL): webhook {ours['odoo']} + {ours['postgres']}, "
                f"health {theirs['odoo']} + {theirs['postgres']}; health/webhook {figures['ratio_cpu']}"
            )
    print(f"load average {figures['load_before']} before, {figures['load_after']} after")
    if oca:
        figures["oca"] = oca
        figures["ours_oca_throughput"] = round(figures["accepted_per_s"] / oca["accepted_per_s"], 2)
        figures["ours_oca_p99"] = round(figures["p99_ms"] / oca["p99_ms"], 2)
        print(
            f"OCA shopify_connector same client, same run: {oca['accepted_per_s']} accepted/s, statuses "
            f"{oca['statuses']}, p50 {oca['p50_ms']}  p99 {oca['p99_ms']} ms"
        )
        print(f"ours/OCA: throughput ratio {figures['ours_oca_throughput']}, p99 ratio {figures['ours_oca_p99']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.exit(main())
