"""The same Shopify payouts planned by OCA's shopify_connector_account 19.0 and by shopify_sync.

No Odoo needed: both planners are plain Python. OCA's ``lib/payout.py`` is read from its wheel
(``pip download --no-deps -d /tmp/oca odoo-addon-shopify-connector-account``, unzipped); the route
and account it gives each transaction follow its ``_transaction_route`` with every order bound
(its best case). Ours is ``lib/payout_mapping``. Prints, per account, what each entry books.

    python3 bench/payout_side_by_side.py [path/to/shopify_connector_account/lib/payout.py]
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import importlib.util
import os
import sys
from collections import defaultdict
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
ADDON = os.path.dirname(HERE)
sys.path[:0] = [ADDON, os.path.join(ADDON, "tests")]

from shopify_standin import PaymentsLedger  # noqa: E402

from lib import payout_mapping as ours  # noqa: E402

DEFAULT_OCA = "/tmp/oca/x/odoo/addons/shopify_connector_account/lib/payout.py"


def load_oca(path):
    spec = importlib.util.spec_from_file_location("oca_payout", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample(ledger):
    """The test suite's 20-transaction payout, and a failed payout with the payout that returns it."""

    def charge(n, amount, fee):
        return ledger.transaction(
            "CHARGE", amount, fee, order=(2000 + n, f"#{2000 + n}"), order_transaction_id=9000 + n
        )

    txs = [charge(n, f"{100 + 7 * n}.{(13 * n) % 100:02d}", f"{3 + n % 4}.{(29 * n) % 100:02d}") for n in range(12)]
    txs += [
        ledger.transaction("REFUND", f"-{amount}", order=(2100 + i, f"#{2100 + i}"), order_transaction_id=9100 + i)
        for i, amount in enumerate(("24.50", "9.99", "130.00"))
    ]
    txs += [
        ledger.transaction("RESERVED_FUNDS", "-50.00"),
        ledger.transaction("RESERVED_FUNDS_REVERSAL", "20.00"),
        ledger.transaction("SHIPPING_LABEL", "-7.45"),
        ledger.transaction("ADJUSTMENT", "2.10"),
        ledger.transaction(
            "DISPUTE_WITHDRAWAL", "-45.00", "15.00", order=(1999, "#1999"), source_type="DISPUTE", source_id=4242
        ),
    ]
    mixed = ledger.payout(txs)
    failed = ledger.payout(
        [charge(50, "60.00", "2.04"), charge(51, "40.00", "1.46")], status="FAILED", issued_at="2026-11-10T09:00:00Z"
    )
    returned = ledger.transaction(
        "TRANSFER_FAILURE", failed["net"]["amount"], source_type="TRANSFER", source_id=failed["legacyResourceId"]
    )
    retry = ledger.payout([charge(52, "25.00", "1.03"), returned])
    return [("20 mixed transactions", mixed, None), ("retry of a failed payout", retry, failed)]


def nodes_of(ledger, payout):
    return [t for t in ledger.transactions if t["_payout"] == payout["legacyResourceId"]]


def oca_route(tx):
    """OCA's _transaction_route, every order bound: (route, account)."""
    kind, source = tx["type"], tx["source_type"]
    if "GIFT_CARD" in kind or "GIFT_CARD" in source:
        return "gift_card", "gift card liability"
    if "FEE" in kind:
        return "fee", "fees"
    if tx["order_id"]:
        return "clearing", "clearing"
    if source in {"ADJUSTMENT", "ADJUSTMENT_REVERSAL", "DISPUTE", "SYSTEM_ADJUSTMENT", "TRANSFER"} or (
        "ADJUSTMENT" in kind or "CHARGEBACK" in kind
    ):
        return "adjustment", "adjustments"
    return "clearing", None


def plan_oca(oca, ledger, payout):
    txs = []
    for node in nodes_of(ledger, payout):
        tx = oca.normalize_transaction(node)
        tx["route"], tx["account"] = oca_route(tx)
        txs.append(tx)
    values = oca.normalize_payout(payout)
    try:
        result = oca.plan_payout_entry(
            values, txs, {"payout": "bank", "fee": "fees", "fx_gain": "fx", "fx_loss": "fx"}, company_currency="USD"
        )
    except oca.PayoutPlanningError as exc:
        return None, f"refused: {exc}"
    totals = defaultdict(Decimal)
    for line in result["lines"]:
        totals[line["account"]] += Decimal(line["balance"])
    return totals, f"{len(result['lines'])} lines"


ACCOUNT_NAMES = {
    "bank": "bank",
    "clearing": "clearing",
    "fee": "fees",
    "adjustment": "adjustments",
    "reserve": "reserved funds",
    "dispute": "chargebacks",
    "currency": "fx",
}


def plan_ours(ledger, payout, failed):
    txs = [ours.transaction_from_node(node) for node in nodes_of(ledger, payout)]
    net = Decimal(payout["net"]["amount"])
    ours.check_transactions(net, payout["net"]["currencyCode"], txs, ours.summary_totals(payout["summary"]))
    failed_map = {}
    if failed:
        failed_map[failed["legacyResourceId"]] = (
            Decimal(failed["net"]["amount"]),
            [ours.transaction_from_node(n) for n in nodes_of(ledger, failed)],
        )
    txs = ours.expand_retried(txs, failed_map)
    lines = ours.plan_entry(net, txs, {route: route for route in ours.ACCOUNT_LABELS})
    totals = defaultdict(Decimal)
    for line in lines:
        totals[ACCOUNT_NAMES[line.route]] += line.balance
    return totals, f"{len(lines)} lines"


def main():
    oca = load_oca(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OCA)
    ledger = PaymentsLedger(currency="USD")
    for title, payout, failed in sample(ledger):
        print(f"\n== {title}: payout {payout['legacyResourceId']}, net {payout['net']['amount']} USD")
        theirs, their_note = plan_oca(oca, ledger, payout)
        mine, my_note = plan_ours(ledger, payout, failed)
        print(f"{'account':<22}{'OCA':>12}{'shopify_sync':>14}")
        for account in sorted(set(theirs or {}) | set(mine)):
            their = (theirs or {}).get(account)
            print(
                f"{account or '(no account)':<22}{str(their) if their is not None else '-':>12}"
                f"{str(mine.get(account, '-')):>14}"
            )
        print(f"{'entry':<22}{their_note:>12}{my_note:>14}")


if __name__ == "__main__":
    main()
