"""Shopify Payments payouts: import, booking, reconciliation with the order payments, disputes.

Shopify has no payout webhook: ``payouts/import`` reads the payouts issued in a period page by page
(a page per job, the next page queued as a new job) with each payout's balance transactions, and
the disputes initiated in the period. Records are keyed by GID, so a re-import only updates what
changed (a status). A paid payout then gets a ``payouts/book`` job: one posted entry planned by
``lib.payout_mapping`` from Shopify's exact amounts, its charge and refund lines reconciled with the
payments bound to their Shopify order transactions. Lines whose payment is not in Odoo yet leave a
``payouts/reconcile`` job failed with the orders to import; its Retry finishes the reconciliation.
``disputes/create`` and ``disputes/update`` webhooks keep the disputes current.
"""

import json
from datetime import timedelta
from decimal import Decimal

from odoo import fields

from ..lib import payout_mapping as plan
from ..lib import queries
from ..lib.errors import ConfigurationError, DataError, _lt
from ..lib.gid import to_gid
from ..lib.registry import register, require_workflow
from ..models.shopify_sync_job import parse_shopify_datetime

ORDER_TRANSACTION = "OrderTransaction"
DISPUTE = "ShopifyPaymentsDispute"
RECONCILED_TYPES = plan.ROUTE_TYPES[plan.CLEARING]


def _account(client_data):
    account = client_data.get("shopifyPaymentsAccount")
    if account is None:
        raise ConfigurationError(
            _lt("The store has no Shopify Payments account: there are no payouts to import."),
            fix=_lt("Activate Shopify Payments in Shopify (Settings > Payments), or turn Payouts off on the store."),
        )
    return account


def _currency(env, code):
    currency = env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
    if not currency:
        raise ConfigurationError(
            _lt("Currency %(code)s does not exist in Odoo.", code=code),
            fix=_lt("Activate %(code)s under Accounting > Configuration > Currencies, then Retry.", code=code),
        )
    return currency


def _write_changed(record, vals):
    """Write only what differs, so importing the same data again changes nothing (write_date included)."""
    changed = {}
    for name, value in vals.items():
        current = record[name]
        if record._fields[name].type == "many2one":
            current = current.id
        if isinstance(value, Decimal):
            value = float(value)
        if current != value and not (current in (False, None, "") and value in (False, None, "")):
            changed[name] = value
    if changed:
        record.write(changed)
    return bool(changed)


# -- import --------------------------------------------------------------------------------------


class PayoutImport:
    def __init__(self, job):
        self.job = job
        self.env = job.env
        self.backend = job.backend_id
        self.params = job._payload_json() or {}
        self.client = self.backend._get_client()

    def _search(self, field):
        terms = [f"{field}:>={self.params['since']}"]
        if self.params.get("until"):
            until = fields.Date.to_date(self.params["until"]) + timedelta(days=1)
            terms.append(f"{field}:<{until}")
        return " ".join(terms)

    def run(self):
        account = _account(
            self.client.execute(
                queries.PAYOUTS, {"query": self._search("issued_at"), "after": self.params.get("after")}
            )
        )
        page = account["payouts"]
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        for node in page["nodes"]:
            payout, outcome = self._store_payout(node)
            counts[outcome] += 1
            if payout.status == "PAID" and not payout.move_id:
                payout._queue_job("payouts/book")
            elif payout.move_id and not payout.reconciled:  # orders may have arrived since
                payout._queue_job("payouts/reconcile")
        number = self.params.get("page", 1)
        summary = (
            f"Page {number}: {len(page['nodes'])} payout(s): {counts['new']} new, {counts['updated']} "
            f"updated, {counts['unchanged']} unchanged."
        )
        if page["pageInfo"]["hasNextPage"]:
            params = dict(self.params, after=page["pageInfo"]["endCursor"], page=number + 1)
            follow = self.env["shopify.sync.job"]._create_outbound(
                self.backend, "payout", self.job.topic, payload=params, ref=f"{params['label']} (page {number + 1})"
            )
            follow._enqueue()
        else:
            disputes = self._import_disputes()
            summary += f" {disputes} dispute(s) read."
            if not self.params.get("until") or fields.Date.to_date(self.params["until"]) >= fields.Date.today():
                self.backend.payout_last_import_at = fields.Datetime.now()
        self.job.result_summary = summary

    def _store_payout(self, node):
        Payout = self.env["shopify.sync.payout"]
        payout = Payout.search([("backend_id", "=", self.backend.id), ("shopify_gid", "=", node["id"])])
        net, currency_code = plan.money(node["net"])
        issued_at = parse_shopify_datetime(node["issuedAt"])
        vals = {
            "name": f"Payout {node['legacyResourceId']}",
            "legacy_id": str(node["legacyResourceId"]),
            "reference": node.get("externalTraceId") or str(node["legacyResourceId"]),
            "status": node["status"],
            "transaction_type": node["transactionType"],
            "issued_at": issued_at,
            "date": issued_at.date(),
            "currency_id": _currency(self.env, currency_code).id,
            "net_amount": plan.signed_net(net, node["transactionType"]),
            "summary": json.dumps(node.get("summary") or {}, sort_keys=True),
            "payload": json.dumps(node, sort_keys=True),
        }
        if not payout:
            payout = Payout.create(dict(vals, backend_id=self.backend.id, shopify_gid=node["id"]))
            self._store_transactions(payout)
            return payout, "new"
        changed = _write_changed(payout, vals)
        if not payout.move_id:  # a booked payout's transactions are final and already read
            changed = self._store_transactions(payout) or changed
        return payout, "updated" if changed else "unchanged"

    def _store_transactions(self, payout):
        Line = self.env["shopify.sync.payout.line"]
        existing = {line.shopify_gid: line for line in payout.line_ids}
        after, changed = None, False
        while True:
            page = _account(
                self.client.execute(
                    queries.PAYOUT_BALANCE_TRANSACTIONS,
                    {"query": f"payments_transfer_id:{payout.legacy_id}", "after": after},
                )
            )["balanceTransactions"]
            for node in page["nodes"]:
                if node["type"] in plan.TRANSFER_TYPES:
                    continue
                tx = plan.transaction_from_node(node)
                order = node.get("associatedOrder") or {}
                vals = {
                    "transaction_type": tx.type,
                    "source_type": node.get("sourceType"),
                    "source_id": tx.source_id,
                    "order_transaction_id": str(node.get("sourceOrderTransactionId") or "") or False,
                    "order_gid": order.get("id") or False,
                    "order_name": order.get("name") or False,
                    "transaction_date": parse_shopify_datetime(node["transactionDate"]),
                    "amount": tx.amount,
                    "fee": tx.fee,
                    "net": tx.net,
                    "payload": json.dumps(node, sort_keys=True),
                }
                line = existing.pop(tx.gid, None)
                if line:
                    changed = _write_changed(line, vals) or changed
                else:
                    Line.create(
                        dict(
                            {k: float(v) if isinstance(v, Decimal) else v for k, v in vals.items()},
                            payout_id=payout.id,
                            shopify_gid=tx.gid,
                        )
                    )
                    changed = True
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        if existing:  # Shopify no longer lists them on this payout
            Line.browse([line.id for line in existing.values()]).unlink()
            changed = True
        lines = payout.line_ids
        _write_changed(payout, {"gross_amount": sum(lines.mapped("amount")), "fee_amount": sum(lines.mapped("fee"))})
        _link_lines(payout.line_ids)
        return changed

    def _import_disputes(self):
        after, count = None, 0
        while True:
            page = _account(
                self.client.execute(queries.DISPUTES, {"query": self._search("initiated_at"), "after": after})
            )["disputes"]
            for node in page["nodes"]:
                _store_dispute(self.backend, _dispute_from_graphql(node), event_at=fields.Datetime.now())
                count += 1
            if not page["pageInfo"]["hasNextPage"]:
                return count
            after = page["pageInfo"]["endCursor"]


@register("payouts/import", "payout", webhook=False)
def import_payouts(job):
    require_workflow(job.backend_id, "payout")
    PayoutImport(job).run()


# -- links between Shopify transactions and Odoo records -------------------------------------------


def _link_lines(lines):
    """Find each line's order, payment (bound to its Shopify order transaction) and dispute."""
    Binding = lines.env["shopify.binding"]
    for line in lines:
        backend = line.backend_id
        vals = {}
        if line.order_gid and not line.sale_order_id:
            order = Binding._record_for(backend, line.order_gid)
            if order and order._name == "sale.order":
                vals["sale_order_id"] = order.id
        if line.order_transaction_id and not line.payment_id:
            payment = Binding._record_for(backend, to_gid(ORDER_TRANSACTION, line.order_transaction_id))
            if payment and payment._name == "account.payment":
                vals["payment_id"] = payment.id
        if line.source_type == "DISPUTE" and line.source_id and not line.dispute_id:
            dispute = lines.env["shopify.sync.dispute"].search(
                [("backend_id", "=", backend.id), ("shopify_gid", "=", to_gid(DISPUTE, line.source_id))], limit=1
            )
            if dispute:
                vals["dispute_id"] = dispute.id
        if vals:
            line.write(vals)


# -- booking ---------------------------------------------------------------------------------------


def _payout_of(job):
    payout = job.env["shopify.sync.payout"].search(
        [("backend_id", "=", job.backend_id.id), ("shopify_gid", "=", job.shopify_gid)], limit=1
    )
    if not payout:
        raise DataError(
            _lt("Payout %(shopify_gid)s is not in Odoo.", shopify_gid=job.shopify_gid),
            fix=_lt("Import the payout's period (Shopify Sync > Payouts > Import payouts)."),
        )
    return payout


def _transactions(lines):
    return [plan.transaction_from_node(line._payload_json()) for line in lines]


def _create_entry(payout):
    backend, company = payout.backend_id, payout.company_id
    if not backend.payout_journal_id:
        raise ConfigurationError(
            _lt("No payout journal is set on the store."),
            fix=_lt("Set the Payout journal on the store's Payouts tab, then Retry."),
        )
    node = json.loads(payout.payload or "{}")
    currency = payout.currency_id.name
    net = plan.signed_net(plan.money(node["net"])[0], payout.transaction_type)
    transactions = _transactions(payout.line_ids)
    plan.check_transactions(net, currency, transactions, plan.summary_totals(node.get("summary")))

    failed_payouts, lines_by_gid = {}, {line.shopify_gid: line for line in payout.line_ids}
    for tx in transactions:
        if plan.route_of(tx.type) != plan.RETRIED:
            continue
        failed = payout.search(
            [("backend_id", "=", backend.id), ("legacy_id", "=", tx.source_id), ("status", "=", "FAILED")], limit=1
        )
        if failed:
            failed_net = plan.signed_net(plan.money(json.loads(failed.payload)["net"])[0], failed.transaction_type)
            failed_payouts[tx.source_id] = (failed_net, _transactions(failed.line_ids))
            lines_by_gid.update({line.shopify_gid: line for line in failed.line_ids})
            failed.returned_in_payout_id = payout
    transactions = plan.expand_retried(transactions, failed_payouts)

    rate = None
    if payout.currency_id != company.currency_id:
        # Odoo falls back to a later rate, or to 1.0, when none is known: refuse instead.
        known = payout.currency_id.rate_ids.filtered(
            lambda r: r.name <= payout.date and (not r.company_id or r.company_id == company)
        )
        if not known:
            raise ConfigurationError(
                _lt(
                    "No %(currency)s rate on or before %(date)s in %(company)s: the payout cannot be converted.",
                    currency=payout.currency_id.name,
                    date=payout.date,
                    company=company.name,
                ),
                fix=_lt(
                    "Add the %(currency)s rate under Accounting > Configuration > Currencies, then Retry.",
                    currency=payout.currency_id.name,
                ),
            )
        rate = payout.currency_id._get_conversion_rate(payout.currency_id, company.currency_id, company, payout.date)
    accounts = backend._payout_accounts()
    planned = plan.plan_entry(
        net,
        transactions,
        {route: account.id for route, account in accounts.items()},
        rate=rate,
        company_digits=company.currency_id.decimal_places,
    )

    line_vals, targets = [], []
    for row in planned:
        line = lines_by_gid.get(row.transaction_gid)
        in_company_currency = row.route == plan.CURRENCY or rate is None
        line_vals.append(
            (
                0,
                0,
                {
                    "account_id": accounts[row.route].id,
                    "name": f"{payout.name}: {row.label}",
                    "partner_id": line.payment_id.partner_id.id if line and line.payment_id else False,
                    "currency_id": (company.currency_id if in_company_currency else payout.currency_id).id,
                    "amount_currency": float(row.balance if in_company_currency else row.amount),
                    "balance": float(row.balance),
                },
            )
        )
        targets.append(line if row.route == plan.CLEARING else None)
    move = payout.env["account.move"].create(
        {
            "move_type": "entry",
            "journal_id": backend.payout_journal_id.id,
            "date": payout.date,
            "ref": f"Shopify {payout.name} ({payout.reference})",
            "line_ids": line_vals,
        }
    )
    move.action_post()
    for target, move_line in zip(targets, move.line_ids.sorted("id"), strict=False):
        if target:
            target.move_line_id = move_line
    return move


def _reconcile(payout):
    """Reconcile the entry's charge and refund lines with their payments. Returns the payout
    lines still open (their order or payment is not in Odoo, or does not fit)."""
    lines = payout.env["shopify.sync.payout.line"].search(
        [("move_line_id.move_id", "=", payout.move_id.id), ("transaction_type", "in", list(RECONCILED_TYPES))]
    )
    _link_lines(lines)
    clearing = payout.backend_id.payout_clearing_account_id
    for line in lines.filtered(lambda item: not item.reconciled):
        issue = None
        payment = line.payment_id
        if not payment:
            if not line.sale_order_id:
                issue = f"Order {line.order_name or line.order_gid} is not in Odoo: import it."
            else:
                issue = (
                    f"Order {line.sale_order_id.name} has no payment for Shopify transaction "
                    f"{line.order_transaction_id}: import the order's payments again."
                )
        else:
            counterpart = payment.move_id.line_ids.filtered(
                lambda item: item.account_id == clearing and not item.reconciled
            )
            if not counterpart:
                booked_on = payment.move_id.line_ids.filtered(
                    lambda item: item.account_id.account_type in ("asset_current", "asset_cash")
                ).account_id
                issue = (
                    f"Payment {payment.name} is not open on the clearing account {clearing.display_name}"
                    + (f" (it is booked on {', '.join(booked_on.mapped('display_name'))})" if booked_on else "")
                    + ": make the Shopify Payments journal's outstanding account the clearing account."
                )
            else:
                (line.move_line_id | counterpart).reconcile()
                if not line.move_line_id.reconciled:
                    issue = (
                        f"Payment {payment.name} and Shopify's {line.transaction_type.lower()} "
                        f"{line.amount} differ: check the order's payments."
                    )
        line.write({"reconciled": not issue, "issue": issue or False})
    open_lines = lines.filtered(lambda item: not item.reconciled)
    _write_changed(payout, {"reconciled": not open_lines, "open_line_count": len(open_lines)})
    return open_lines


def _open_lines_message(open_lines):
    orders = sorted({line.order_name or line.order_gid or line.shopify_gid for line in open_lines})
    return (
        f"{len(open_lines)} charge(s)/refund(s) not reconciled, orders: {', '.join(orders)}.",
        "\n".join(line.issue for line in open_lines if line.issue),
    )


@register("payouts/book", "payout", webhook=False)
def book_payout(job):
    payout = _payout_of(job)
    if payout.status != "PAID":
        job.result_summary = f"{payout.name} is {payout.status}: only paid payouts are booked."
        return payout
    # One booking at a time per payout (a Book press beside the daily import): the loser retries.
    payout.env.cr.execute("SELECT id FROM shopify_sync_payout WHERE id = %s FOR UPDATE NOWAIT", [payout.id])
    payout.invalidate_recordset(["move_id"])
    created = not payout.move_id
    if created:
        payout.move_id = _create_entry(payout)
    open_lines = _reconcile(payout)
    summary = f"{'Booked' if created else 'Already booked as'} {payout.move_id.name}."
    if open_lines:
        message, _details = _open_lines_message(open_lines)
        summary += f" {message} See the payouts/reconcile job."
        payout._queue_job("payouts/reconcile")
    job.result_summary = summary
    payout._match_bank_statement_lines()
    return payout


@register("payouts/reconcile", "payout", webhook=False)
def reconcile_payout(job):
    payout = _payout_of(job)
    if not payout.move_id:
        return book_payout(job)
    open_lines = _reconcile(payout)
    if open_lines:
        message, details = _open_lines_message(open_lines)
        raise DataError(
            _lt("%(payout)s: %(message)s\n%(details)s", payout=payout.name, message=message, details=details),
            fix=_lt("Import those orders and their payments (Shopify Sync > Import orders), then Retry."),
        )
    job.result_summary = f"{payout.name}: every charge and refund is reconciled."
    return payout


# -- disputes --------------------------------------------------------------------------------------


def _dispute_from_graphql(node):
    amount, currency = plan.money(node["amount"])
    order = node.get("order") or {}
    reason = node.get("reasonDetails") or {}
    return {
        "gid": node["id"],
        "legacy_id": str(node.get("legacyResourceId") or ""),
        "status": node["status"],
        "kind": node.get("type"),
        "reason": reason.get("reason"),
        "network_reason_code": reason.get("networkReasonCode"),
        "order_gid": order.get("id"),
        "order_name": order.get("name"),
        "amount": amount,
        "currency": currency,
        "initiated_at": node.get("initiatedAt"),
        "evidence_due_by": node.get("evidenceDueBy"),
        "evidence_sent_on": node.get("evidenceSentOn"),
        "finalized_on": node.get("finalizedOn"),
    }


def _dispute_from_webhook(body):
    """A disputes/create|update body (REST shape: lower-case statuses, numeric ids)."""
    if not isinstance(body, dict) or body.get("id") is None:
        raise DataError(
            _lt("The dispute webhook has no dispute id."), fix=_lt("Nothing to fix in Odoo: cancel the job.")
        )
    gid = to_gid(DISPUTE, body.get("admin_graphql_api_id") or body["id"])
    return {
        "gid": gid,
        "legacy_id": str(body["id"]),
        "status": (body.get("status") or "").upper() or False,
        "kind": (body.get("type") or "").upper() or False,
        "reason": body.get("reason"),
        "network_reason_code": body.get("network_reason_code"),
        "order_gid": to_gid("Order", body["order_id"]) if body.get("order_id") else None,
        "order_name": None,
        "amount": plan.money(body.get("amount"))[0],
        "currency": body.get("currency"),
        "initiated_at": body.get("initiated_at"),
        "evidence_due_by": body.get("evidence_due_by"),
        "evidence_sent_on": body.get("evidence_sent_on"),
        "finalized_on": body.get("finalized_on"),
    }


def _store_dispute(backend, data, event_at=None):
    Dispute = backend.env["shopify.sync.dispute"]
    dispute = Dispute.search([("backend_id", "=", backend.id), ("shopify_gid", "=", data["gid"])], limit=1)
    if dispute and event_at and dispute.last_event_at and event_at < dispute.last_event_at:
        return dispute, False  # an older event delivered late
    order = backend.env["shopify.binding"]._record_for(backend, data["order_gid"]) if data["order_gid"] else None
    vals = {
        "name": f"Dispute {data['legacy_id'] or data['gid'].rsplit('/', 1)[-1]}",
        "status": data["status"] or False,
        "kind": data["kind"] or False,
        "reason": data["reason"] or False,
        "network_reason_code": data["network_reason_code"] or False,
        "order_gid": data["order_gid"] or False,
        "sale_order_id": order.id if order and order._name == "sale.order" else False,
        "amount": data["amount"],
        "currency_id": _currency(backend.env, data["currency"]).id if data["currency"] else False,
        "initiated_at": parse_shopify_datetime(data["initiated_at"]),
        "evidence_due_by": parse_shopify_datetime(data["evidence_due_by"]),
        "evidence_sent_on": parse_shopify_datetime(data["evidence_sent_on"]),
        "finalized_on": parse_shopify_datetime(data["finalized_on"]),
    }
    if data["order_name"]:
        vals["order_name"] = data["order_name"]
    elif order and order._name == "sale.order":
        vals["order_name"] = order.name
    if not dispute:
        dispute = Dispute.create(
            dict(
                {k: float(v) if isinstance(v, Decimal) else v for k, v in vals.items()},
                backend_id=backend.id,
                shopify_gid=data["gid"],
            )
        )
        changed = True
    else:
        changed = _write_changed(dispute, vals)
    if changed and event_at:  # what Odoo holds is as of this moment: older events change nothing
        dispute.last_event_at = event_at
    lines = backend.env["shopify.sync.payout.line"].search(
        [
            ("backend_id", "=", backend.id),
            ("source_type", "=", "DISPUTE"),
            ("source_id", "=", data["legacy_id"]),
            ("dispute_id", "=", False),
        ]
    )
    lines.write({"dispute_id": dispute.id})
    return dispute, changed


@register("disputes/create", "payout")
@register("disputes/update", "payout")
def dispute_event(job):
    data = _dispute_from_webhook(job._payload_json())
    job.write({"shopify_gid": data["gid"], "shopify_ref": f"dispute {data['legacy_id']} ({data['status']})"})
    dispute, changed = _store_dispute(job.backend_id, data, event_at=job.triggered_at or job.date_received)
    job.result_summary = (
        f"{dispute.name}: {dispute.status}." if changed else f"{dispute.name}: nothing newer than what Odoo holds."
    )
    return dispute
