"""order_transactions/create -> one account.payment per successful money transaction.

Shopify records money as transactions: each successful SALE or CAPTURE is an inbound payment in
the journal mapped from its gateway, each successful REFUND or CHANGE (cash handed back at a POS
counter) an outbound one; an AUTHORIZATION or a
VOID is not money and books nothing. A payment is bound to its transaction GID
(``gid://shopify/OrderTransaction/<id>``, resource type OrderTransaction) so a redelivery, the same
refund transaction arriving with its ``refunds/create``, or a pulled order carrying its
transactions never books it twice; Shopify Payments payouts reconcile against these payments.

A ``gift_card`` transaction is a redemption: its payment is booked against the store's gift card
liability account (the debt to the card holder it settles), not the journal's bank account.

Payments are dated with the transaction's ``processed_at`` in the company's timezone and reconciled
with the order's invoice and credit notes, whichever of them arrives first.

A cash transaction Shopify POS rounded to the smallest coin is one payment of the cash that changed
hands (amount + rounding) with Odoo's payment write-off (``write_off_line_vals``, as Register
Payment books a difference): its receivable line is the exact amount, so the invoice or credit note
is settled to the cent, and the difference goes to the store's cash rounding account.
"""

from ..lib import queries
from ..lib.errors import ConfigurationError, DataError, TransientError, _lt
from ..lib.registry import register
from ..lib.transaction_mapping import local_date, parse_transaction

GIFT_CARD_GATEWAY = "gift_card"


def books_on(backend):
    """One switch for the store's books: invoices, payments and credit notes, or none of them."""
    return bool(backend.create_invoice)


def company_date(company, value):
    """Shopify timestamp -> accounting date: its calendar day in the company's timezone."""
    return local_date(value, company.partner_id.tz or None)


def gateway_journal(backend, gateway, context):
    row = backend.gateway_map_ids.filtered(lambda r: r.gateway == gateway)[:1]
    if not row:
        raise ConfigurationError(
            _lt("Payment gateway '%(gateway)s' of %(context)s has no journal.", gateway=gateway, context=context),
            fix=_lt(
                (
                    "Add '%(gateway)s' with its journal under the store's Orders tab > Payment "
                    "gateways (Shopify Sync > Configuration > Payment gateways), then Retry."
                ),
                gateway=gateway,
            ),
        )
    return row.journal_id


class PaymentBook:
    """The payments of one sale order, one per Shopify money transaction."""

    def __init__(self, job, sale):
        self.job = job
        self.env = job.env
        self.backend = job.backend_id
        self.sale = sale
        self.bindings = self.env["shopify.binding"]

    def record(self, tx, context=None):
        """Book ``tx`` (an OrderTransaction) once; return its payment, or None when it is no money."""
        if not tx.is_money:
            return None
        existing = self.bindings._record_for(self.backend, tx.gid)
        if existing:
            return existing
        context = context or _lt("order %(order)s", order=self.sale.client_order_ref or self.sale.name)
        journal = gateway_journal(self.backend, tx.gateway, context)
        amount, rounding = self._amounts(tx)
        if not amount:
            return None  # a zero transaction moved no money
        partner = (self.sale.partner_invoice_id or self.sale.partner_id).commercial_partner_id
        when = company_date(self.sale.company_id, tx.processed_at)
        values = {
            "payment_type": "inbound" if tx.inbound else "outbound",
            "partner_type": "customer",
            "partner_id": partner.id,
            "amount": float(amount + rounding),
            "currency_id": self.sale.currency_id.id,
            "journal_id": journal.id,
            "company_id": self.sale.company_id.id,
            "date": when or self.sale.date_order.date(),
            "memo": f"Shopify {self.sale.client_order_ref or self.sale.name} {tx.kind} ({tx.gateway})",
            "shopify_sale_order_id": self.sale.id,
        }
        if rounding:
            values["write_off_line_vals"] = [self._rounding_line(tx, rounding, partner, values["date"], context)]
        payment = self.env["account.payment"].with_company(self.sale.company_id).create(values)
        if tx.gateway == GIFT_CARD_GATEWAY:
            # Set before posting: the entry then moves the debt to the card holder, not a bank account.
            payment.outstanding_account_id = self.backend._gift_card_account()
        payment.action_post()
        self.bindings._bind(self.backend, tx.gid, payment)
        if when and payment.move_id.date != when:
            self.job._add_warning(
                f"{payment.name} ({tx.kind}, {tx.gateway}) is dated {payment.move_id.date}: "
                f"Shopify processed it on {when}, in a period locked in Odoo."
            )
        reconcile_order(self.env, self.sale)
        return payment

    def _rounding_line(self, tx, rounding, partner, when, context):
        """Odoo's write-off line of a payment (as Register Payment makes it) for Shopify's cash
        rounding: money received above the amount, or given back below it, is a gain."""
        write_off = -rounding if tx.inbound else rounding  # the line's amount: credit (gain) when negative
        gain = write_off < 0
        account = self.backend._cash_rounding_account(gain)
        if not account:
            company = self.sale.company_id
            if self.backend.cash_rounding_id:
                where = _lt(
                    "cash rounding '%(rounding)s' has no %(kind)s account in company %(company)s",
                    rounding=self.backend.cash_rounding_id.name,
                    kind=_lt("profit") if gain else _lt("loss"),
                    company=company.name,
                )
            else:
                where = _lt(
                    "store %(backend)s has no cash rounding and company %(company)s no cash difference "
                    "%(kind)s account",
                    backend=self.backend.name,
                    company=company.name,
                    kind=_lt("income") if gain else _lt("expense"),
                )
            raise ConfigurationError(
                _lt(
                    "Transaction %(transaction)s (%(gateway)s) of %(context)s was rounded by %(rounding)s "
                    "%(currency)s in cash, and %(where)s.",
                    transaction=tx.gid.rsplit("/", 1)[-1],
                    gateway=tx.gateway,
                    context=context,
                    rounding=rounding,
                    currency=self.sale.currency_id.name,
                    where=where,
                ),
                fix=_lt(
                    "Choose a Cash rounding with a profit and a loss account on the store's Orders tab "
                    "(Accounting > Configuration > Cash Roundings; enable Cash Rounding in the Accounting "
                    "settings to see it), then Retry."
                ),
            )
        currency, company = self.sale.currency_id, self.sale.company_id
        return {
            "name": f"Shopify cash rounding {self.sale.client_order_ref or self.sale.name}",
            "account_id": account.id,
            "partner_id": partner.id,
            "currency_id": currency.id,
            "amount_currency": float(write_off),
            "balance": currency._convert(float(write_off), company.currency_id, company, when),
        }

    def _amounts(self, tx):
        """(amount, cash rounding) of ``tx`` in the books' currency, exact."""
        code = self.sale.currency_id.name
        mode = self.backend.order_currency_mode
        value, rounding = tx.amount_in(code, mode), tx.rounding_in(code, mode)
        if value is None or rounding is None:
            # A REST transaction gives only the customer's currency: ask Shopify for both monies.
            nodes = self.backend._get_client().execute(queries.TRANSACTION_AMOUNTS, {"ids": [tx.gid]})["nodes"]
            node = next((n for n in nodes if n and n.get("id") == tx.gid), None) or {}
            bag = (node.get("amountSet") or {}).get(f"{mode}Money") or {}
            if bag.get("currencyCode") != code or bag.get("amount") is None:
                raise DataError(
                    _lt(
                        (
                            "Transaction %(transaction)s of %(sale)s is in %(currency)s and Shopify gave no "
                            "amount in %(code)s."
                        ),
                        transaction=tx.gid.rsplit("/", 1)[-1],
                        sale=self.sale.name,
                        currency=tx.currency,
                        code=code,
                    ),
                    fix=_lt(
                        "Check the transaction in Shopify, then Retry; or register the payment by hand and Ignore."
                    ),
                )
            tx.amount_set = {f"{mode}_money": {"amount": bag["amount"], "currency_code": code}}
            rounded = (node.get("amountRoundingSet") or {}).get(f"{mode}Money") or {}
            if rounded.get("currencyCode") == code and rounded.get("amount") is not None:
                tx.amount_rounding_set = {f"{mode}_money": {"amount": rounded["amount"], "currency_code": code}}
            elif tx.amount_rounding:
                raise DataError(
                    _lt(
                        "Transaction %(transaction)s of %(order)s was rounded in cash by %(rounding)s "
                        "%(currency)s and Shopify gave no rounding in %(code)s.",
                        transaction=tx.gid.rsplit("/", 1)[-1],
                        order=self.sale.name,
                        rounding=tx.amount_rounding,
                        currency=tx.currency,
                        code=code,
                    ),
                    fix=_lt(
                        "Check the transaction in Shopify, then Retry; or register the payment by hand and Ignore."
                    ),
                )
            value, rounding = tx.amount_in(code, mode), tx.rounding_in(code, mode)
        return value, rounding


def settled_amount(payment):
    """What ``payment`` settles of the customer's account (its receivable line), in its currency:
    its amount, less a cash rounding written off."""
    _liquidity, counterpart, _write_off = payment._seek_for_lines()
    return abs(sum(counterpart.mapped("amount_currency"))) if counterpart else payment.amount


def order_documents(env, sale):
    """Posted invoices, credit notes and Shopify payments of ``sale``."""
    invoices = sale.invoice_ids.filtered(lambda m: m.state == "posted" and m.move_type == "out_invoice")
    credit_notes = env["account.move"].search(
        [
            ("move_type", "=", "out_refund"),
            ("state", "=", "posted"),
            ("invoice_origin", "=", sale.name),
            ("company_id", "=", sale.company_id.id),
        ]
    )
    payments = env["account.payment"].search(
        [("shopify_sale_order_id", "=", sale.id), ("state", "!=", "draft"), ("state", "!=", "canceled")]
    )
    return invoices, credit_notes, payments


def reconcile_order(env, sale):
    """Match what the customer owes with what Shopify moved: invoices with payments received,
    credit notes with refunds paid, then whatever is left of either against the other."""
    invoices, credit_notes, payments = order_documents(env, sale)

    def open_lines(moves):
        return moves.line_ids.filtered(
            lambda ln: (
                ln.account_id.account_type == "asset_receivable" and not ln.reconciled and ln.parent_state == "posted"
            )
        )

    inbound = payments.filtered(lambda p: p.payment_type == "inbound").move_id
    outbound = payments.filtered(lambda p: p.payment_type == "outbound").move_id
    for owed, paid in ((invoices, inbound), (credit_notes, outbound), (invoices | credit_notes, inbound | outbound)):
        lines = open_lines(owed | paid)
        for account in lines.account_id:
            same = lines.filtered(lambda ln, a=account: ln.account_id == a)
            if same.filtered(lambda ln: ln.balance > 0) and same.filtered(lambda ln: ln.balance < 0):
                same.reconcile()


@register("order_transactions/create", "order")
def import_transaction(job):
    backend = job.backend_id
    tx = parse_transaction(job._payload_json() or {})
    label = f"Transaction {(tx.gid or '?').rsplit('/', 1)[-1]} ({tx.kind or '?'}, {tx.status or '?'}, {tx.gateway})"
    if not tx.is_money:
        job._mark_done(summary=f"{label}: not money (only successful sales, captures, refunds and change are booked).")
        return None
    if tx.test and backend.skip_test_orders:
        job._mark_done(summary=f"{label}: test transaction skipped (store setting).")
        return None
    if not books_on(backend):
        job._mark_done(summary=f"{label}: invoicing and payments are off for this store; nothing booked.")
        return None
    done = job.env["shopify.binding"]._record_for(backend, tx.gid)
    if done:
        job._mark_done(done, summary=f"{label} was already booked ({done.display_name}).")
        return done
    sale = job.env["shopify.binding"]._record_for(backend, tx.order_gid) if tx.order_gid else None
    if not sale:
        # Shopify sends the order and its transactions at the same moment, in no set order.
        raise TransientError(
            _lt(
                "%(label)s: its order %(order)s is not in Odoo yet; retrying after it is imported.",
                label=label,
                order=(tx.order_gid or "?").rsplit("/", 1)[-1],
            ),
            retry_after=30,
        )
    sale = sale.with_company(sale.company_id)
    payment = PaymentBook(job, sale).record(tx)
    if not payment:
        job._mark_done(sale, summary=f"{label}: zero amount, nothing booked.")
        return sale
    amount = f"{payment.amount:.{payment.currency_id.decimal_places}f}"
    job._mark_done(
        payment,
        summary=f"{label}: {payment.name} of {amount} {payment.currency_id.name}, "
        f"{payment.journal_id.name}, dated {payment.move_id.date}.",
    )
    return payment
