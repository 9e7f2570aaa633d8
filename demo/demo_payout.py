"""The demo's payout, as the accountant lives it (run twice by tools/run_demo.sh through
``odoo shell``; DEMO_PAYOUT_STEP says which):

* ``import``: Shopify Sync > Payouts > Import payouts for November 2026 (the sandbox's payout is
  issued on 2026-11-26); the queue runner then imports, books and reconciles it.
* ``match``: the bank feed brings the deposit (a statement line in the bank journal with the
  payout's net and the bank reference Shopify gave, like the bank prints it), the daily action
  matches it, and the figures are printed: what the clearing account still holds for the paid-out
  orders and how the payout is matched.
"""
# pylint: disable=print-used  # a command-line script: its output is for the person running it

import os
from datetime import date
from decimal import Decimal

backend = env["shopify.backend"].search([("shop_domain", "=", "demo-store.myshopify.com")])
step = os.environ.get("DEMO_PAYOUT_STEP")
if step == "import":
    env["shopify.sync.payout.import"].create(
        {
            "backend_id": backend.id,
            "date_from": date(2026, 11, 1),
            "date_to": date(2026, 11, 30),
        }
    ).action_start()
    env.cr.commit()
    print("demo: payout import for 2026-11-01 to 2026-11-30 queued")
elif step == "match":
    payout = env["shopify.sync.payout"].search([("backend_id", "=", backend.id)], limit=1)
    if not payout.move_id:
        jobs = env["shopify.sync.job"].search([("backend_id", "=", backend.id), ("workflow", "=", "payout")])
        print(f"demo: payout not booked: {[(j.topic, j.state, j.error_message) for j in jobs]}")
        raise SystemExit(1)
    env["account.bank.statement.line"].create(
        {
            "journal_id": backend.payout_bank_journal_id.id,
            "date": date(2026, 11, 27),
            "amount": payout.net_amount,
            "payment_ref": f"SHOPIFY PAYOUT {payout.reference}",
        }
    )
    env["shopify.backend"]._cron_import_payouts()  # the daily action: import again, then match
    env.cr.commit()
    clearing = backend.payout_clearing_account_id
    Line = env["account.move.line"]
    moves = payout.line_ids.payment_id.move_id | payout.move_id  # the orders' payments and the payout entry
    paid_out = moves.line_ids.filtered(lambda item: item.account_id == clearing)
    everything = Line.search([("account_id", "=", clearing.id), ("parent_state", "=", "posted")])
    cents = Decimal("0.01")

    def money(value):
        return Decimal(str(value)).quantize(cents)

    def total(lines):  # Decimal per line: no float sums of amounts
        return sum((money(balance) for balance in lines.mapped("balance")), Decimal("0.00"))

    st_line = payout.bank_statement_line_id
    print(
        f"demo: payout {payout.name} {payout.status} {payout.date}: gross {money(payout.gross_amount)}, "
        f"fees {money(payout.fee_amount)}, net {money(payout.net_amount)} {payout.currency_id.name}, "
        f"{len(payout.line_ids)} transactions, entry {payout.move_id.name} ({payout.move_id.state})"
    )
    print(
        f"demo: clearing account {clearing.code} balance for the paid-out orders: "
        f"{total(paid_out)} (account total {total(everything)}); "
        f"charges and refunds reconciled: {payout.reconciled} ({payout.open_line_count} open)"
    )
    print(
        f"demo: bank statement line '{st_line.payment_ref}' {money(st_line.amount)} on {st_line.date} "
        f"matched: {bool(st_line.is_reconciled)}; drift: {payout.drift or 'none'}"
    )
