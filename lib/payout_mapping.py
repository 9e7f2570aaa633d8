"""Shopify Payments payout -> one journal entry, planned in exact Decimal amounts (no Odoo import).

A payout nets its balance transactions: for each one ``net = amount - fee``, and the payout's net is
the sum of their nets. The entry mirrors that identity line by line:

* the bank (or payouts-in-transit) account receives the payout's net;
* each transaction's ``amount`` leaves the account of its route (clearing for charges and refunds,
  disputes, reserves, adjustments, fees), so a charge credits the clearing account by its gross;
* each transaction's ``fee`` is a fee expense line.

With every line computed from Shopify's strings the entry balances by construction; the checks
below refuse payloads that break the identity (a plug line would hide a missing transaction).
"""

from collections import namedtuple
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import ConfigurationError, DataError, _lt, joined

ZERO = Decimal("0")

# Route of a balance transaction type: which configured account its amount goes to.
CLEARING, DISPUTE, RESERVE, FEE, ADJUSTMENT, RETRIED = (
    "clearing",
    "dispute",
    "reserve",
    "fee",
    "adjustment",
    "retried",
)
BANK, CURRENCY = "bank", "currency"
ROUTE_TYPES = {
    CLEARING: {"CHARGE", "REFUND"},
    DISPUTE: {"DISPUTE_WITHDRAWAL", "DISPUTE_REVERSAL", "CHARGEBACK_HOLD", "CHARGEBACK_HOLD_RELEASE"},
    RESERVE: {"RESERVED_FUNDS", "RESERVED_FUNDS_WITHDRAWAL", "RESERVED_FUNDS_REVERSAL"},
    FEE: {
        "CHARGEBACK_FEE",
        "CHARGEBACK_FEE_REFUND",
        "STRIPE_FEE",
        "APPLICATION_FEE_REFUND",
        "ACH_BANK_FAILURE_DEBIT_FEE",
        "ACH_BANK_FAILURE_DEBIT_REVERSAL_FEE",
    },
    # A failed payout's money comes back in a later payout: booked as the failed payout's own
    # transactions (see plan_entry), so their charges still clear their payments.
    RETRIED: {"TRANSFER_FAILURE", "TRANSFER_CANCEL", "TRANSFER_REFUND"},
}
_ROUTE_OF_TYPE = {kind: route for route, kinds in ROUTE_TYPES.items() for kind in kinds}
# The payout transfer itself can be listed among the balance transactions: it is the bank line.
TRANSFER_TYPES = {"TRANSFER"}

# Account each route needs (keys of the ``accounts`` mapping), and where an administrator sets it.
ACCOUNT_LABELS = {
    BANK: _lt("Bank / payouts in transit"),
    CLEARING: _lt("Shopify Payments clearing"),
    DISPUTE: _lt("Chargebacks (disputes)"),
    RESERVE: _lt("Reserved funds"),
    FEE: _lt("Payment fees"),
    ADJUSTMENT: _lt("Adjustments"),
    CURRENCY: _lt("Currency difference"),
}

# Shopify's payout summary buckets checked against the transactions (gross, fee field names). Only
# the buckets whose transaction types Shopify names unambiguously; the sum of the nets checks the rest.
SUMMARY_BUCKETS = {
    "charges": ({"CHARGE"}, "chargesGross", "chargesFee"),
    "refunds": ({"REFUND"}, "refundsFeeGross", "refundsFee"),
}

PlannedLine = namedtuple("PlannedLine", "route label amount balance transaction_gid")
Transaction = namedtuple("Transaction", "gid type amount fee net currency order_name source_id")


def route_of(kind):
    if kind in TRANSFER_TYPES:
        return None
    return _ROUTE_OF_TYPE.get(kind, ADJUSTMENT)


def money(value):
    """A MoneyV2 (``{"amount": "12.30", "currencyCode": "USD"}``) or a string -> (Decimal, currency)."""
    if isinstance(value, dict):
        amount, currency = value.get("amount"), value.get("currencyCode")
    else:
        amount, currency = value, None
    try:
        return Decimal(str(amount if amount not in (None, "") else "0")), currency
    except InvalidOperation as err:
        raise DataError(_lt("Shopify sent an amount that is not a number: %(amount)s.", amount=repr(amount))) from err


def transaction_from_node(node):
    """A ``ShopifyPaymentsBalanceTransaction`` GraphQL node -> Transaction."""
    amount, currency = money(node["amount"])
    fee, _ = money(node["fee"])
    net, _ = money(node["net"])
    order = node.get("associatedOrder") or {}
    return Transaction(
        node["id"], node["type"], amount, fee, net, currency, order.get("name"), str(node.get("sourceId") or "") or None
    )


def summary_totals(summary):
    """Payout summary (GraphQL) -> {field: Decimal}."""
    return {name: money(value)[0] for name, value in (summary or {}).items()}


def signed_net(net, transaction_type):
    """A WITHDRAWAL payout takes money from the bank: its net counts negative."""
    return -abs(net) if transaction_type == "WITHDRAWAL" else net


def check_transactions(payout_net, currency, transactions, summary=None):
    """Raise DataError unless the transactions are exactly the payout (see module docstring)."""
    for tx in transactions:
        if tx.currency and currency and tx.currency != currency:
            raise DataError(
                _lt(
                    "Balance transaction %(gid)s is in %(currency)s, its payout in %(payout_currency)s.",
                    gid=tx.gid,
                    currency=tx.currency,
                    payout_currency=currency,
                )
            )
        if tx.amount - tx.fee != tx.net:
            raise DataError(
                _lt(
                    "Balance transaction %(gid)s: amount %(amount)s less fee %(fee)s is not its net %(net)s.",
                    gid=tx.gid,
                    amount=tx.amount,
                    fee=tx.fee,
                    net=tx.net,
                ),
                fix=_lt(
                    "Shopify's data is inconsistent: import the payout again; report it to Shopify if it persists."
                ),
            )
    total = sum((tx.net for tx in transactions), ZERO)
    if total != payout_net:
        raise DataError(
            _lt(
                (
                    "The payout's transactions add up to %(total)s %(currency)s, Shopify's payout "
                    "net is %(payout_net)s: %(count)s transaction(s) imported, some are "
                    "missing or changed."
                ),
                total=total,
                currency=currency,
                payout_net=payout_net,
                count=len(transactions),
            ),
            fix=_lt("Import the payout's period again (Shopify Sync > Payouts > Import payouts), then Retry."),
        )
    if summary:
        for bucket, (kinds, gross_field, fee_field) in SUMMARY_BUCKETS.items():
            gross = sum((tx.amount for tx in transactions if tx.type in kinds), ZERO)
            fee = sum((tx.fee for tx in transactions if tx.type in kinds), ZERO)
            expected = (summary.get(gross_field, ZERO), summary.get(fee_field, ZERO))
            # Shopify documents the summary as totals without saying their sign: compare magnitudes.
            if (abs(gross), abs(fee)) != (abs(expected[0]), abs(expected[1])):
                raise DataError(
                    _lt(
                        (
                            "Shopify's payout summary shows %(bucket)s of %(expected)s (fees %(expected_fees)s), "
                            "the transactions %(gross)s (fees %(fee)s) %(currency)s."
                        ),
                        bucket=bucket,
                        expected=expected[0],
                        expected_fees=expected[1],
                        gross=gross,
                        fee=fee,
                        currency=currency,
                    ),
                    fix=_lt("Import the payout's period again, then Retry."),
                )


def expand_retried(transactions, failed_payouts):
    """Replace each returned (failed) payout by that payout's own transactions.

    ``failed_payouts``: source id (the failed payout's legacy id) -> (net, [Transaction]).
    Raise DataError when the failed payout is not imported or its amount differs."""
    out = []
    for tx in transactions:
        if route_of(tx.type) != RETRIED:
            out.append(tx)
            continue
        failed = failed_payouts.get(tx.source_id)
        if failed is None:
            raise DataError(
                _lt(
                    "Balance transaction %(gid)s returns failed payout %(source_id)s, which is not in Odoo.",
                    gid=tx.gid,
                    source_id=tx.source_id,
                ),
                fix=_lt(
                    "Import payouts from the failed payout's date "
                    "(Shopify Sync > Payouts > Import payouts), then Retry."
                ),
            )
        net, inner = failed
        if net != tx.amount - tx.fee:
            raise DataError(
                _lt(
                    "Balance transaction %(gid)s returns %(amount)s, failed payout %(source_id)s was %(net)s.",
                    gid=tx.gid,
                    amount=tx.amount - tx.fee,
                    source_id=tx.source_id,
                    net=net,
                ),
                fix=_lt("Import the failed payout's period again, then Retry."),
            )
        out.extend(inner)
    return out


def quantize(value, digits):
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def plan_entry(payout_net, transactions, accounts, rate=None, company_digits=2):
    """The payout's entry as PlannedLine rows (amounts in the payout currency, balances in the
    company's). ``rate``: company currency per payout currency unit (None: same currency).

    Raise ConfigurationError naming the first account missing from ``accounts`` (route -> account)
    and DataError when the lines cannot balance."""
    lines = [PlannedLine(BANK, "Payout", payout_net, None, None)]
    for tx in transactions:
        route = route_of(tx.type)
        if route is None:
            continue
        label = tx.type.replace("_", " ").capitalize() + (f" {tx.order_name}" if tx.order_name else "")
        if tx.amount:
            lines.append(PlannedLine(route, label, -tx.amount, None, tx.gid))
        if tx.fee:
            lines.append(PlannedLine(FEE, f"Fee: {label}", tx.fee, None, tx.gid))
    missing = sorted({line.route for line in lines if not accounts.get(line.route)}, key=list(ACCOUNT_LABELS).index)
    if missing:
        raise ConfigurationError(
            _lt(
                "Payout accounts not configured: %(accounts)s.",
                accounts=joined(", ", (ACCOUNT_LABELS[route] for route in missing)),
            ),
            fix=_lt("Set them on the store's Payouts tab (Shopify Sync > Configuration > Stores), then Retry."),
        )
    total = sum((line.amount for line in lines), ZERO)
    if total:
        raise DataError(
            _lt("The payout's entry would be off by %(total)s.", total=total),
            fix=_lt("Import the payout's period again, then Retry."),
        )
    if rate is None:
        return [line._replace(balance=line.amount) for line in lines]
    rate = Decimal(str(rate))
    converted = [line._replace(balance=quantize(line.amount * rate, company_digits)) for line in lines]
    residual = sum((line.balance for line in converted), ZERO)
    if residual:
        # Each line converted and rounded on its own; the cents left over are a currency difference.
        if not accounts.get(CURRENCY):
            raise ConfigurationError(
                _lt("Payout accounts not configured: %(accounts)s.", accounts=ACCOUNT_LABELS[CURRENCY]),
                fix=_lt("Set it on the store's Payouts tab, then Retry."),
            )
        converted.append(PlannedLine(CURRENCY, "Currency rounding difference", ZERO, -residual, None))
    return converted
