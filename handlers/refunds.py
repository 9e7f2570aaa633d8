"""refunds/create -> one posted credit note, its refund payments, and the goods put back.

Accounting: the credit note holds exactly what Shopify refunded (lines, shipping, adjustments,
taxes, checked to the cent). It reverses the order's posted invoice when there is one
(``reversed_entry_id``); otherwise it stands on the sale order (same partner, origin and
reference). Its lines are deliberately not linked to the sale order lines: Odoo would then count
the refunded quantity as "to invoice again" on the order, and an automatic invoicing run would
bill the customer for goods Shopify already refunded. Each successful refund transaction becomes
an outbound payment in the journal mapped from its gateway.

Money given back beyond the refunded lines and shipping (a ``refund_discrepancy`` order adjustment
below zero, e.g. the "refund owed" after an order was edited down once paid) first pays back what
the customer overpaid: the edit is already credited (handlers/orders.py ``_invoice_edit``) or was
never invoiced, so that part is a refund payment only, never a second credit note. Only the rest
is credited, as a refund adjustment line. What it paid back of what Shopify owed the customer is
read from the order versions Shopify sent just before and just after it (their ``total_outstanding``,
``total_price`` and what was received, lib/refund_mapping.py ``refund_balance``), waiting (bounded)
for them. Bodies without those figures: overpaid = payments received - what the order is invoiced
for after its edits - what earlier refunds already paid back of it, once the refunds made before it
and the payments are in Odoo (bounded waits).

Stock: ``return`` (and ``legacy_restock``) puts the quantity back, through a validated return
picking from the customer into the Odoo location mapped from the refund line's Shopify location
(which may belong to another warehouse than the one that shipped); ``cancel`` takes the quantity
off the pending delivery instead (the goods never left); ``no_restock`` changes no stock.
"""

from decimal import Decimal

from odoo import fields

from ..lib.errors import ConfigurationError, DataError, TransientError, _lt
from ..lib.order_mapping import CENT, ZERO
from ..lib.refund_mapping import REFUNDS_KEY, VERSIONS_KEY, parse_refund, refund_balance
from ..lib.registry import register
from ..models.shopify_sync_job import parse_shopify_datetime
from ..models.stock_picking import FROM_SHOPIFY
from . import delivery
from .orders import odoo_amount
from .transactions import (
    PaymentBook,
    books_on,
    company_date,
    order_documents,
    reconcile_order,
    settled_amount,
)

EDIT_BALANCE_KEY = "edit_balance_refunds"  # on sale.shopify_sync_state: {refund GID: balance of edits it paid back}


class RefundImporter:
    def __init__(self, job):
        self.job = job
        self.env = job.env
        self.backend = job.backend_id
        self.payload = job._payload_json()
        self.refund = parse_refund(self.payload, self.backend.order_currency_mode)
        self.bindings = self.env["shopify.binding"]
        self.label = f"Refund {(self.refund.gid or '').rsplit('/', 1)[-1]}"
        self.edit_balance = ZERO  # what this refund pays back of edits already credited
        self.exchange_note = ""  # what a return's refund paid for the exchange items (summary)

    def run(self):
        refund, backend = self.refund, self.backend
        done = self.bindings._record_for(backend, refund.gid) if refund.gid else None
        if done:
            self.job._mark_done(summary=f"{self.label} was already applied ({done.display_name}).")
            return done
        sale = self.bindings._record_for(backend, refund.order_gid) if refund.order_gid else None
        if not sale:
            delivery.wait_for_order(self.job, refund.order_gid, self.label)
        self.sale = sale.with_company(sale.company_id)
        # The refund body does not say; the order's mapped taxes do (their "Included in price" is
        # the order's ``taxes_included``, handlers/orders.py).
        refund.taxes_included = any(self.sale.order_line.tax_ids.mapped("price_include"))
        products = self._products()
        self.keys = {
            index: delivery.line_key(self.sale, line.line_item_gid, products[index])
            for index, line in enumerate(refund.lines)
        }
        if None in self.keys.values():
            delivery.wait_for_order_update(self.job, sale, refund.created_at, self.label)
        self._wait_for_shipment(products)
        credit_note = self._credit_note(products)
        for tx in refund.pending:
            self.job._add_warning(
                f"{self.label}: Shopify's refund transaction of {tx.amount} {tx.currency or ''} ({tx.gateway}) is "
                "pending: no refund payment is booked for it. Once Shopify shows it succeeded, register the "
                "payment in Odoo."
            )
        self._restock(products)
        record = credit_note or self.sale
        self.bindings._bind(backend, refund.gid, record)
        if credit_note:
            summary = f"{self.label}: {credit_note.name} for {refund.total - self.edit_balance} on {sale.name}."
        elif self.edit_balance:
            summary = (
                f"{self.label}: {refund.total} paid back, no credit note: {sale.name}'s edit was already credited."
            )
        else:
            summary = f"{self.label}: no money refunded; stock only, on {sale.name}."
        if credit_note and self.edit_balance:
            summary += f" {self.edit_balance} of the {refund.total} paid back settles an edit already credited."
        summary += self.exchange_note
        self.job._mark_done(record, summary=summary)
        return record

    # -- products ----------------------------------------------------------------------------

    def _products(self):
        """Odoo product of each refund line (by index): the store's gift card product for a gift card,
        else variant binding, then SKU, then the only sale order line with that title."""
        Product = self.env["product.product"]
        found, missing = {}, []
        bundles = self.env["shopify.sync.bundle"]._for_variants(
            self.backend, [line.variant_gid for line in self.refund.lines]
        )
        for index, line in enumerate(self.refund.lines):
            if line.gift_card and self.backend.gift_card_product_id:
                # Sold as the store's gift card product (handlers/orders.py), whatever product the
                # catalog bound the variant or its SKU to: its credit takes back the liability.
                found[index] = self.backend.gift_card_product_id
                continue
            bundle = bundles.get(line.variant_gid)
            product = bundle.product_id if bundle else None
            product = product or (
                self.bindings._record_for(self.backend, line.variant_gid) if line.variant_gid else None
            )
            if not product and line.sku:
                product = self.sale.order_line.product_id.filtered(lambda p, sku=line.sku: p.default_code == sku)[:1]
                product = product or Product.search(
                    [("default_code", "=", line.sku), ("company_id", "in", [False, self.sale.company_id.id])], limit=1
                )
            if not product:
                by_name = self.sale.order_line.filtered(lambda ln, t=line.title: ln.name == t).product_id
                product = by_name if len(by_name) == 1 else None
            if not product:
                missing.append(f"'{line.title}' (SKU {line.sku or 'none'})")
                continue
            found[index] = product
        if missing:
            raise DataError(
                _lt(
                    "%(label)s of %(sale)s: no Odoo product for %(missing)s.",
                    label=self.label,
                    sale=self.sale.name,
                    missing=", ".join(missing),
                ),
                fix=_lt("Bind the variant or give the product that internal reference, then Retry."),
            )
        return found

    def _sale_line(self, product, line_item_gid=None):
        """The sale line a refund line takes its taxes from: the one of its Shopify line; else the
        first priced line of that product (a bundle's part, at 0 without tax, never stands for a
        line sold on its own)."""
        if line_item_gid:
            for sale_line, _factor in delivery.sale_lines_by_key(self.sale).get(line_item_gid, []):
                if sale_line.product_id == product:
                    return sale_line
        lines = self.sale.order_line.filtered(lambda ln: ln.product_id == product and not ln.display_type)
        return (lines.filtered(lambda ln: ln.price_unit or ln.tax_ids) or lines)[:1]

    # -- credit note -------------------------------------------------------------------------

    def _credit_note(self, products):
        refund, sale = self.refund, self.sale
        if not books_on(self.backend):
            # No invoice is made either: a credit note would be negative revenue with no sale behind it.
            if refund.total:
                self.job._add_warning(
                    f"{self.label}: invoicing is off for store {self.backend.name}: no credit note "
                    f"nor refund payment for the {refund.total} Shopify gave back."
                )
            return None
        invoice = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")[:1]
        if invoice:
            self.edit_balance = self._edit_balance()
        lines = self._credit_lines(products)
        if not lines and refund.total == self.edit_balance:
            if self.edit_balance:
                self._pay(None)  # all of it settles edits already credited: refund payments, no credit note
            return None
        if not invoice and sale.state == "cancel":
            # Cancelled before it was ever invoiced: no revenue to take back; the money that went
            # back still is a payment, settling the one received.
            self.job._add_warning(
                f"{self.label}: {sale.name} is cancelled and was never invoiced: no credit note; "
                "the refund transactions are booked as payments."
            )
            if refund.transactions:
                self._pay(None)
            return None
        date = company_date(sale.company_id, refund.created_at)
        values = {
            "move_type": "out_refund",
            "partner_id": (invoice.partner_id or sale.partner_invoice_id).id,
            "currency_id": sale.currency_id.id,
            "company_id": sale.company_id.id,
            "invoice_origin": sale.name,
            "ref": f"Shopify {self.label.lower()} of {sale.client_order_ref or sale.name}"
            + (f": {refund.note}" if refund.note else ""),
            "invoice_date": date or fields.Date.context_today(sale),
            "fiscal_position_id": sale.fiscal_position_id.id,
            "invoice_line_ids": [(0, 0, line) for line in lines],
        }
        if invoice:
            values.update(reversed_entry_id=invoice.id, journal_id=invoice.journal_id.id)
        move = self.env["account.move"].with_company(sale.company_id).create(values)
        self._check_totals(move)
        move.action_post()
        self._pay(move)
        return move

    def _credit_lines(self, products):
        refund, backend = self.refund, self.backend
        lines = []
        for index, line in enumerate(refund.lines):
            if not line.subtotal and not line.tax:
                continue  # restock-only line, no money
            product = products[index]
            sale_line = self._sale_line(product, line.line_item_gid)
            values = dict(
                self._priced(line.title or product.display_name, line.quantity, line.unit_price, line.subtotal),
                product_id=product.id,
                tax_ids=[(6, 0, sale_line.tax_ids.ids)],
            )
            if product == backend.gift_card_product_id:
                values["account_id"] = backend._gift_card_account().id  # the debt goes, not revenue
            lines.append(values)
        if refund.shipping or refund.shipping_tax:
            shipping = backend.shipping_product_id
            if not shipping:
                raise ConfigurationError(
                    _lt("Store %(backend)s has no shipping product for the refunded shipping.", backend=backend.name),
                    fix=_lt("Choose a shipping product on the store's Orders tab, then Retry."),
                )
            taxes = self._sale_line(shipping).tax_ids if refund.shipping_tax else self.env["account.tax"]
            lines.append(self._taxed_line(shipping, "Shipping refund", refund.shipping, refund.shipping_tax, taxes))
        if refund.duties:
            duty = backend.duty_product_id
            if not duty:
                raise ConfigurationError(
                    _lt("Store %(backend)s has no duties product for the refunded duties.", backend=backend.name),
                    fix=_lt("Choose a duties product on the store's Orders tab, then Retry."),
                )
            # Shopify gives duties back as one amount, without tax: credited as such.
            lines.append(self._taxed_line(duty, "Duties refund", refund.duties, ZERO, self.env["account.tax"]))
        settles = self.edit_balance  # paid back for edits already credited: not credited again
        for adjustment in refund.adjustments:
            amount = adjustment.amount
            if amount < 0 and settles:
                taken = min(settles, -amount)
                amount, settles = amount + taken, settles - taken
            if not amount and not adjustment.tax:
                continue
            product = backend.refund_adjustment_product_id
            if not product:
                raise ConfigurationError(
                    _lt(
                        "Store %(backend)s has no refund adjustment product for a %(kind)s of %(amount)s.",
                        backend=backend.name,
                        kind=adjustment.kind,
                        amount=amount,
                    ),
                    fix=_lt(
                        "Choose a refund adjustment product on the store's Refunds and fulfilments tab, then Retry."
                    ),
                )
            # Calculated minus actual: a positive adjustment means less was given back.
            name = f"Refund adjustment ({adjustment.reason or adjustment.kind})"
            taxes = self._adjustment_taxes(adjustment, -amount, -adjustment.tax, products)
            lines.append(self._taxed_line(product, name, -amount, -adjustment.tax, taxes))
        return lines

    @staticmethod
    def _taxed_line(product, name, untaxed, tax, taxes):
        """A credit line of ``untaxed`` + ``tax`` (Shopify gives shipping and adjustments without
        their tax, in either kind of store) on ``taxes``: priced with its tax when they are
        included in the price."""
        price = untaxed + tax if any(taxes.mapped("price_include")) else untaxed
        return {
            "product_id": product.id,
            "name": name,
            "quantity": 1,
            "price_unit": float(price),
            "tax_ids": [(6, 0, taxes.ids)],
        }

    def _adjustment_taxes(self, adjustment, untaxed, tax, products):
        """The order's taxes that give an adjustment's own tax (``tax_amount``) on its amount, to the
        cent: those of the refunded lines first, then of the order's other lines, then of its
        shipping. None give it: a data error naming the figures (nothing is guessed)."""
        Tax = self.env["account.tax"]
        if not tax:
            return Tax
        sale, currency = self.sale, self.sale.currency_id
        shipping = self.backend.shipping_product_id
        refunded = [self._sale_line(products[i], line.line_item_gid) for i, line in enumerate(self.refund.lines)]
        others = sale.order_line.filtered(lambda ln: not ln.display_type).sorted(
            lambda ln: (ln.product_id == shipping, ln.sequence, ln.id)
        )
        tried = []
        for line in refunded + list(others):
            taxes = line.tax_ids
            if not taxes or taxes in tried:
                continue
            tried.append(taxes)
            price = untaxed + tax if any(taxes.mapped("price_include")) else untaxed
            figures = taxes.compute_all(float(price), currency=currency, quantity=1.0)
            excluded = odoo_amount(figures["total_excluded"], currency)
            if excluded == untaxed and odoo_amount(figures["total_included"], currency) - excluded == tax:
                return taxes
        raise DataError(
            _lt(
                "%(label)s of %(sale)s: its order adjustment '%(reason)s' of %(amount)s carries %(tax)s of tax, "
                "which none of the order's taxes (%(taxes)s) gives on that amount.",
                label=self.label,
                sale=sale.name,
                reason=adjustment.reason or adjustment.kind,
                amount=-untaxed,
                tax=-tax,
                taxes=", ".join(" + ".join(t.mapped("name")) for t in tried) or "-",
            ),
            fix=_lt(
                "Check the tax mapping of the order's lines and shipping against Shopify's, then Retry; or credit "
                "the adjustment by hand and Ignore."
            ),
        )

    @staticmethod
    def _priced(title, quantity, unit_price, subtotal):
        """Quantity, unit price and discount that give ``subtotal`` exactly: the Shopify price with
        the discount as a percentage, or the net unit price when that is a whole number of cents."""
        gross = unit_price * quantity
        values = {"name": title, "quantity": float(quantity)}
        if not quantity or not unit_price or gross == subtotal:
            return dict(values, price_unit=float(subtotal / quantity if quantity and not unit_price else unit_price))
        net_unit = subtotal / quantity
        if net_unit == net_unit.quantize(CENT):
            return dict(
                values,
                price_unit=float(net_unit),
                name=f"{title} (Shopify discount {gross - subtotal} on {quantity.normalize()} x {unit_price})",
            )
        discount = (1 - subtotal / gross) * 100
        return dict(values, price_unit=float(unit_price), discount=float(discount))

    def _check_totals(self, move):
        refund = self.refund
        figures = [
            ("tax", odoo_amount(move.amount_tax, move.currency_id), refund.total_tax),
            ("total", odoo_amount(move.amount_total, move.currency_id), refund.total - self.edit_balance),
        ]
        wrong = [f"{label} Odoo {odoo} vs Shopify {shopify}" for label, odoo, shopify in figures if odoo != shopify]
        if wrong:
            raise DataError(
                _lt(
                    "%(label)s of %(sale)s would not match Shopify to the cent: %(wrong)s. Nothing was written.",
                    label=self.label,
                    sale=self.sale.name,
                    wrong=", ".join(wrong),
                ),
                fix=_lt(
                    "Usually a line taxed differently in Odoo than in Shopify, or a refunded line not on the sale "
                    "order. Correct the sale order or the tax mapping, then Retry; or refund by hand and Ignore."
                ),
            )

    def _edit_balance(self):
        """What this refund gives back beyond its lines and shipping that the customer had overpaid:
        payments received - what the order is invoiced for after its edits - what earlier refunds
        paid back of it (Shopify's "refund owed" after an order was edited down once paid, whether
        Odoo credited the edit or invoiced the order after it). Remembered on the sale order so no
        later refund pays it back again."""
        refund, sale = self.refund, self.sale
        beyond = -sum((adjustment.amount for adjustment in refund.adjustments), ZERO)
        if beyond <= 0:
            return ZERO
        # An edit this refund pays back may still be queued (its orders/updated): apply it first.
        self._wait_for_order_version()
        # Shopify's own figures first: the order versions sent just before and after this refund.
        versions = (sale.shopify_sync_state or {}).get(VERSIONS_KEY)
        owed = refund_balance(versions, refund.gid)
        if owed is None:
            if versions:
                self._wait_for_versions()
            # Else Odoo's books: refunds made before this one pay back what was overpaid first.
            self._wait_for_earlier_refunds()
        state = dict(sale.shopify_sync_state or {})
        earlier = state.get(EDIT_BALANCE_KEY) or {}
        if owed is None:
            paid_back = sum((Decimal(value) for gid, value in earlier.items() if gid != refund.gid), ZERO)
            owed = self._overpaid_in_odoo() - paid_back
        balance = max(ZERO, min(beyond, owed))
        if balance:
            state[EDIT_BALANCE_KEY] = dict(earlier, **{refund.gid: str(balance)})
            sale.shopify_sync_state = state
        return balance

    def _overpaid_in_odoo(self):
        """What the customer overpaid as Odoo's books tell it: payments received - what the order is
        invoiced for after its edits (before this refund's own transactions). Waits (bounded) while a
        payment seems to be still queued."""
        refund, sale = self.refund, self.sale
        currency = sale.currency_id
        # What the order is invoiced for now: its invoices less the credit notes of its edits (those
        # stand on the sale lines; a refund's do not). An order first invoiced after its edit has none.
        documents = sale.order_line.invoice_lines.move_id.filtered(lambda m: m.state == "posted")
        edits = documents.filtered(lambda m: m.move_type == "out_refund")
        invoiced = sum((odoo_amount(m.amount_total, currency) for m in documents - edits), ZERO) - sum(
            (odoo_amount(m.amount_total, currency) for m in edits), ZERO
        )
        # This refund's own transactions may already be booked (order_transactions/create came first).
        own = [self.bindings._record_for(self.backend, tx.gid) for tx in refund.transactions]
        _invoices, _notes, payments = order_documents(self.env, sale)
        received = given_back = ZERO
        for payment in payments:
            if payment in own:
                continue
            value = odoo_amount(settled_amount(payment), payment.currency_id)
            if payment.payment_type == "inbound":
                received += value
            else:
                given_back += value
        # Shopify gives back no more than it received, and the order was paid what it was first
        # invoiced for: less in Odoo means a payment (e.g. the gift card part) is still queued.
        # Not caught here: an order Odoo first invoiced after its edit, part of its checkout payment
        # still queued and the rest covering the refund; Shopify's order versions tell it (above).
        first_invoice = (documents - edits).sorted("id")[:1]
        if received - given_back < refund.total or received < odoo_amount(first_invoice.amount_total, currency):
            self._wait_for_payments(received - given_back)
        return received - invoiced

    def _wait_for_order_version(self):
        """An edit the refund settles is applied by the order's update sent with or after the refund:
        wait while the order version applied is older than the refund (then go on with what Odoo has)."""
        binding = self.bindings.search(
            [
                ("backend_id", "=", self.backend.id),
                ("res_model", "=", "sale.order"),
                ("res_id", "=", self.sale.id),
                ("resource_type", "=", "Order"),
            ],
            limit=1,
        )
        happened = parse_shopify_datetime(self.refund.created_at)
        if happened and binding.shopify_updated_at and binding.shopify_updated_at >= happened:
            return
        self._wait(
            _lt(
                "%(label)s gives back more than its lines, perhaps the balance of an edit of %(sale)s: waiting "
                "for the order's update sent with the refund, so that such an edit is applied first "
                "(attempt %(attempt)s of %(attempts)s).",
                label=self.label,
                sale=self.sale.name,
                attempt=delivery._retries(self.job) + 1,
                attempts=delivery.ORDER_WAIT_RETRIES,
            ),
            f"{self.label}: the order's update sent with the refund never came; the edit balance was "
            "reckoned on the order version Odoo has.",
        )

    def _wait_for_earlier_refunds(self):
        """Shopify pays back what the customer overpaid in the order of its refunds: the refunds the
        order lists as made before this one, not applied in Odoo yet, are waited for."""
        listed = (self.sale.shopify_sync_state or {}).get(REFUNDS_KEY) or []
        mine = (parse_shopify_datetime(self.refund.created_at), _refund_number(self.refund.gid))
        earlier = [
            gid
            for gid, when in listed
            if gid != self.refund.gid
            and _made_before((parse_shopify_datetime(when), _refund_number(gid)), mine)
            and not self.bindings._record_for(self.backend, gid)
        ]
        if not earlier:
            return
        self._wait(
            _lt(
                "%(label)s gives back more than its lines: waiting for %(earlier)s of %(sale)s, made before it, "
                "so that what the customer overpaid is paid back in Shopify's order (attempt %(attempt)s of "
                "%(attempts)s).",
                label=self.label,
                earlier=", ".join(f"Refund {gid.rsplit('/', 1)[-1]}" for gid in earlier),
                sale=self.sale.name,
                attempt=delivery._retries(self.job) + 1,
                attempts=delivery.ORDER_WAIT_RETRIES,
            ),
            f"{self.label}: the refunds made before it ({', '.join(earlier)}) never came; what the customer "
            "overpaid was reckoned without them.",
        )

    def _wait_for_versions(self):
        """Shopify sends the order after every edit and refund: the versions just before and after
        this refund tell what it paid back of an edit's balance; wait for them (bounded)."""
        self._wait(
            _lt(
                "%(label)s gives back more than its lines: waiting for the order's updates sent just before "
                "and after it, which tell what Shopify owed the customer then (attempt %(attempt)s of "
                "%(attempts)s).",
                label=self.label,
                attempt=delivery._retries(self.job) + 1,
                attempts=delivery.ORDER_WAIT_RETRIES,
            ),
            f"{self.label}: the order's updates sent just before and after it never both came; what the "
            "customer overpaid was reckoned on Odoo's payments and invoices.",
        )

    def _wait_for_payments(self, received):
        """Shopify gives back no more than it received: the payments are not all in Odoo yet."""
        self._wait(
            _lt(
                "%(label)s gives back %(total)s but Odoo has only %(received)s of payments on %(sale)s: waiting "
                "for the order's payment transactions (attempt %(attempt)s of %(attempts)s).",
                label=self.label,
                total=self.refund.total,
                received=received,
                sale=self.sale.name,
                attempt=delivery._retries(self.job) + 1,
                attempts=delivery.ORDER_WAIT_RETRIES,
            ),
            f"{self.label}: the order's payments never all came ({received} in Odoo); the edit balance "
            "was reckoned on the payments Odoo has.",
        )

    def _wait(self, message, warning):
        if delivery._retries(self.job) < delivery.ORDER_WAIT_RETRIES:
            raise TransientError(message)
        self.job._add_warning(warning)

    def _pay(self, move):
        """Each successful refund transaction: an outbound payment in its gateway's journal, bound
        to its transaction GID (the same one ``order_transactions/create`` books), reconciled with
        the credit note."""
        refund = self.refund
        paid_back = ZERO
        if refund.transactions:
            book = PaymentBook(self.job, self.sale)
            payments = [book.record(tx, context=self.label.lower()) for tx in refund.transactions]
            # What the payments settle: a cash refund rounded to the coin gives back less or more.
            paid_back = sum((odoo_amount(settled_amount(p), p.currency_id) for p in payments if p), ZERO)
        elif not refund.return_gid or refund.pending:
            self.job._add_warning(
                f"{self.label} has no successful refund transaction: "
                f"{move.name if move else self.sale.name} is left open until the money goes back."
            )
            if not refund.return_gid:
                return
        # A return's refund keeps what it does not pay back for the exchange items: matched here with
        # their invoice when the order's update listing them came first, else by that update's import.
        reconcile_order(self.env, self.sale)
        if not move or paid_back == refund.total:
            return
        if refund.return_gid and not refund.pending:  # pending: the money is still to go back
            self._exchange_balance(move, paid_back)
            return
        if refund.transactions:
            self.job._add_warning(
                f"Shopify's refund transactions total {paid_back} but the refund is worth {refund.total}: "
                f"{move.name} keeps the difference open."
            )

    def _exchange_balance(self, move, paid_back):
        """What a return's refund did not pay back in money pays for what the customer took in
        exchange (Shopify adds those items to the order, which Odoo invoices as an edit)."""
        refund, currency = self.refund, move.currency_id
        kept = refund.total - paid_back
        open_amount = odoo_amount(move.amount_residual, currency)
        if not open_amount:
            self.exchange_note = (
                f" {kept} of it went back in no money: matched with what the order's invoices still claimed "
                f"(the exchange items of Shopify return {refund.return_gid})."
            )
            return
        self.job._add_warning(
            f"{self.label} processes Shopify return {refund.return_gid} and pays back {paid_back} of its "
            f"{refund.total}: the rest normally pays for the items the customer took in exchange. {move.name} "
            f"stays open for {open_amount} until Odoo invoices them from the order's update listing them "
            "(it is matched then); if that update brings no new item, the money is still owed to the customer."
        )

    # -- stock -------------------------------------------------------------------------------

    def _restock(self, products):
        """Goods shipped and sent back (``return``) come back through a return picking; every refunded
        unit leaves what the order still has to deliver (handlers/delivery.py), whichever of this event
        and the order's ``orders/updated`` comes first."""
        refund, sale = self.refund, self.sale
        delivery.remember_refunds(
            sale,
            [
                (self.keys[index], refund.gid, line.quantity, line.restock_type)
                for index, line in enumerate(refund.lines)
                if line.quantity
            ],
        )
        for index, line in enumerate(refund.lines):
            if refund.return_gid and line.restock_type == "no_restock" and line.quantity:
                self._warn_not_restocked(products[index], line)
            if line.restock_type not in delivery.SHIPPED_RESTOCK or not line.quantity:
                continue
            for product, quantity in self._goods(products[index], line.quantity):
                if not product.is_storable:
                    continue
                left = self._return(product, quantity, line)
                if left:
                    self.job._add_warning(
                        f"{self.label}: {left.normalize()} x {product.display_name} to restock was not delivered "
                        f"from {sale.name}: nothing came back into stock for it."
                    )
        delivery.sync_pending_delivery(sale)

    def _warn_not_restocked(self, product, line):
        """A return's line refunded without restock: Shopify may restock it through the return's own
        disposition (reverse fulfilment order, not in the refund), which Odoo does not follow; Odoo owns
        the stock, so the warehouse receives the goods in Odoo or they stay out."""
        if not any(p.is_storable for p, _q in self._goods(product, line.quantity)):
            return
        self.job._add_warning(
            f"{self.label} processes Shopify return {self.refund.return_gid} without restocking "
            f"{line.quantity.normalize()} x {product.display_name} (no_restock): nothing came back into stock in "
            "Odoo. If the goods did come back, receive them with Return on the delivery of "
            f"{self.sale.name}; Odoo's stock is then sent to Shopify as usual."
        )

    def _wait_for_shipment(self, products):
        """Goods returned that Odoo has not delivered yet: with Shopify fulfilments imported, the
        fulfilment that shipped them may still be queued on its channel."""
        if not self.backend.import_fulfillments:
            return
        for index, line in enumerate(self.refund.lines):
            if line.restock_type not in delivery.SHIPPED_RESTOCK or not line.quantity:
                continue
            for product, quantity in self._goods(products[index], line.quantity):
                delivered = self._delivery_moves(product).filtered(lambda m: m.state == "done")
                returned = sum(m.quantity for m in delivered.returned_move_ids if m.state == "done")
                if product.is_storable and Decimal(str(sum(delivered.mapped("quantity")) - returned)) < quantity:
                    delivery.wait_for_shipment(self.job, self.label)

    def _goods(self, product, quantity):
        """[(product, quantity)] that physically move for ``quantity`` of ``product``: a bundle's components."""
        bundle = self.env["shopify.sync.bundle"]._by_sale_product(self.backend, [product.id]).get(product.id)
        if not bundle:
            return [(product, quantity)]
        return [(line.product_id, quantity * Decimal(str(line.quantity))) for line in bundle.line_ids]

    def _delivery_moves(self, product):
        return self.sale.order_line.move_ids.filtered(
            lambda m: m.product_id == product and m.picking_code == "outgoing"
        )

    def _return(self, product, quantity, line):
        """Return picking from the customer for what was delivered; return what could not be."""
        delivered = self._delivery_moves(product).filtered(lambda m: m.state == "done")
        if not delivered:
            return quantity
        returned = sum(m.quantity for m in delivered.returned_move_ids if m.state == "done")
        available = Decimal(str(sum(delivered.mapped("quantity")) - returned))
        take = min(quantity, available)
        if take <= ZERO:
            return quantity
        origin = delivered[-1]
        if line.location_id:
            destination = self.env["shopify.sync.location"]._stock_location_for(self.backend, line.location_id)
        else:
            destination = origin.location_id
        warehouse = destination.warehouse_id or origin.picking_type_id.warehouse_id
        picking_type = warehouse.in_type_id or origin.picking_type_id.return_picking_type_id
        picking = (
            self.env["stock.picking"]
            .with_context(**{FROM_SHOPIFY: True})
            .create(
                {
                    "picking_type_id": picking_type.id,
                    "partner_id": self.sale.partner_shipping_id.id,
                    "location_id": origin.location_dest_id.id,
                    "location_dest_id": destination.id,
                    "origin": f"{self.sale.name} ({self.label})",
                    "return_id": origin.picking_id.id,
                    "company_id": self.sale.company_id.id,
                    "move_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "product_uom_qty": float(take),
                                "product_uom": product.uom_id.id,
                                "location_id": origin.location_dest_id.id,
                                "location_dest_id": destination.id,
                                "origin_returned_move_id": origin.id,
                                "company_id": self.sale.company_id.id,
                            },
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.with_context(**{FROM_SHOPIFY: True})._action_done()
        return quantity - take


def _refund_number(gid):
    tail = (gid or "").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _made_before(one, other):
    """(created_at, refund number) pairs: by time when both have one, else by Shopify's increasing ids."""
    (when, number), (other_when, other_number) = one, other
    if when and other_when and when != other_when:
        return when < other_when
    return number < other_number


@register("refunds/create", "refund")
def import_refund(job):
    return RefundImporter(job).run()
