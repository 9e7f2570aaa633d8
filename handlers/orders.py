"""orders/create, orders/updated, orders/paid, orders/cancelled -> one sale.order per Shopify order.

The order is built from the webhook payload alone; Shopify is called only for what the payload
lacks (variant barcodes, cached). Replays and out-of-order deliveries are harmless: the binding
(backend + order GID, unique) finds the existing order, and an event older than the one applied
changes nothing. Totals are checked to the cent against Shopify's before anything is kept.
"""

import copy
import threading
from collections import Counter
from decimal import Decimal

import psycopg2

from odoo import fields
from odoo.exceptions import UserError

from ..lib import queries
from ..lib.errors import ConfigurationError, DataError, TransientError, _lt, joined
from ..lib.gid import payload_gid
from ..lib.order_mapping import CENT, parse_order
from ..lib.refund_mapping import REFUNDS_KEY, VERSIONS_KEY, kept_versions, order_refunds, order_version
from ..lib.registry import register
from ..lib.transaction_mapping import parse_transaction
from ..models.sale_order import IMPORTED_FROM_STORE, QUIET_DELIVERIES
from ..models.shopify_sync_job import parse_shopify_datetime
from ..models.stock_move import defer_reservation
from ..models.stock_move_order_batch import orderpoint_context
from . import delivery
from .partners import PartnerResolver
from .products import ProductMatcher
from .transactions import PaymentBook, books_on, company_date, reconcile_order

PAID_STATUSES = {"paid", "partially_refunded", "refunded"}
# Shopify charged the customer: the order is invoiced (refunds get their own credit notes).
INVOICED_STATUSES = PAID_STATUSES | {"partially_paid"}
_BARCODE_CACHE = {}  # (backend id, variant gid) -> barcode, shared by the jobs of a worker
_BARCODE_LOCK = threading.Lock()


def odoo_amount(value, currency=None):
    """Odoo monetary value (already rounded to its currency) as an exact Decimal: to the
    currency's decimals when given (0 for JPY, 3 for KWD); without one, in cents unless that
    would lose a digit (never rounds)."""
    exact = Decimal(repr(value))
    if currency:
        return exact.quantize(Decimal(1).scaleb(-currency.decimal_places))
    return exact.quantize(CENT) if exact == exact.quantize(CENT) else exact


class OrderImporter:
    def __init__(self, job):
        self.job = job
        # Orders confirmed here keep Shopify's date (models/sale_order_books.py).
        # Deliveries are reserved by the store's reservation job, not here (models/stock_move.py).
        self.env = job.env(context=dict(job.env.context, shopify_keep_date_order=True, **defer_reservation(job)))
        self.backend = job.backend_id
        self.company = self.backend.company_id
        self.payload = job._payload_json()
        self.order = parse_order(self.payload, self.backend.order_currency_mode)
        self.bindings = self.env["shopify.binding"]
        self.bundles = {}  # line index -> shopify.sync.bundle, filled by _products
        self.line_keys = []  # (Shopify line item GID, units per Shopify unit) of each _line_values entry
        self.known_bindings = {}  # gid -> binding (or empty) read by run()

    # -- entry point -------------------------------------------------------------------------

    def run(self):
        order, backend = self.order, self.backend
        # The order's and the customer's bindings, in one query: the order's for the existing order,
        # the version check and _bind; the customer's for the partner resolver.
        customer_gid = payload_gid("Customer", order.customer) if order.customer else None
        self.known_bindings = self.bindings._find_each(backend, [order.gid, customer_gid])
        binding = self.known_bindings.get(order.gid, self.bindings)
        existing = binding._bound_record()
        updated_at = parse_shopify_datetime(order.updated_at)
        if order.test and backend.skip_test_orders:
            self.job._mark_done(summary=f"Test order {order.name} skipped (store setting).")
            return existing
        if existing and binding._is_newer_than(updated_at):
            self._remember_version(existing)
            self.job._mark_done(summary=f"Older than the version already applied to {existing.name}: nothing changed.")
            return existing
        if not existing and backend.import_only_paid and order.financial_status not in PAID_STATUSES:
            self.job._mark_done(
                summary=f"Order {order.name} is {order.financial_status or 'unpaid'}: it is "
                "imported when Shopify reports it paid."
            )
            return None
        if existing:
            sale = self._update(existing)
        else:
            sale = self._create()
        self.bindings._bind(backend, order.gid, sale, updated_at=updated_at, binding=binding)
        self._remember_refund_figures(sale)
        self._customer_note(sale)
        if order.cancelled_at:
            self._cancel(sale)
        else:
            self._follow_lifecycle(sale)
            self._books(sale)
        return sale

    def _remember_refund_figures(self, sale):
        """The refunds the version applied lists, and Shopify's money figures of the version: a refund
        giving back more than its lines reads them (handlers/refunds.py)."""
        refunds = order_refunds(self.payload)
        state = sale.shopify_sync_state or {}
        if (refunds or REFUNDS_KEY in state) and state.get(REFUNDS_KEY) != refunds:
            sale.shopify_sync_state = dict(state, **{REFUNDS_KEY: refunds})
        self._remember_version(sale)

    def _remember_version(self, sale):
        """Shopify's money figures of this version, applied or older: what a refund paid back of an
        edit's balance is read from the versions sent before and after it (handlers/refunds.py)."""
        version = order_version(self.payload, self.backend.order_currency_mode)
        state = sale.shopify_sync_state or {}
        if version and version not in (state.get(VERSIONS_KEY) or []):
            sale.shopify_sync_state = dict(state, **{VERSIONS_KEY: kept_versions(state.get(VERSIONS_KEY), version)})

    def _books(self, sale):
        """Invoice and payments, in a savepoint of their own: whatever goes wrong there leaves the
        sale order and its binding in place, and the job failed with the fix; Retry completes it."""
        if not self._books_due(sale):
            return  # nothing to book: no savepoint (two round trips and a flush) for nothing
        try:
            with self.env.cr.savepoint():
                self._invoice_and_pay(sale)
        except (TransientError, psycopg2.Error):
            raise  # retried by the job runner, the whole import with it
        except Exception as err:  # noqa: BLE001 - classified below, as the job runner does
            category, message, fix = self.job._classify(err)
            self.job._mark_failed(
                category,
                _lt(
                    "%(sale)s was imported, but not its invoice or payments: %(message)s",
                    sale=sale.name,
                    message=message,
                ),
                _lt("%(fix)s The sale order stays; once fixed, press Retry to invoice it.", fix=fix)
                if fix
                else _lt("The sale order stays; once fixed, press Retry to invoice it."),
            )
            self.job.write({"res_model": sale._name, "res_id": sale.id})

    def _follow_lifecycle(self, sale):
        """Refunds the payload lists, then the pending delivery (handlers/delivery.py)."""
        if not self.line_keys:
            return  # an order left as it was (cancelled in Odoo): nothing to follow
        products = self._products_by_index
        delivery.remember_refunds(
            sale,
            [
                (
                    delivery.line_key(sale, line.gid, products.get(index)),
                    refund.refund_gid,
                    refund.quantity,
                    refund.restock_type,
                )
                for index, line in enumerate(self.order.lines)
                if line.kind == "product" and index in products
                for refund in line.refunds
            ],
        )
        delivery.sync_pending_delivery(sale)

    # -- create / update ---------------------------------------------------------------------

    def _create(self):
        values = self._order_values()
        line_values = self._line_values()
        values["order_line"] = [(0, 0, line) for line in line_values]
        sale = self.env["sale.order"].with_context(**{IMPORTED_FROM_STORE: self.backend.name}).create(values)
        self._remember(sale, sale.order_line.filtered(lambda ln: not ln.display_type).sorted("id"))
        self._settle_totals(sale)
        if self.backend.auto_confirm and not self.order.cancelled_at:
            self._confirm(sale)
        return sale

    @staticmethod
    def _confirm(sale):
        """Confirm ``sale``: its deliveries without "Transfer created" notes; with several products,
        one search of automatic reordering rules for all of them instead of Odoo's one per stock
        move (as a batch does: handlers/order_batch.py)."""
        context = {QUIET_DELIVERIES: True}
        products = sale.order_line.product_id
        if len(products) > 1:
            context.update(orderpoint_context(sale.env, products))
        sale.with_context(**context).action_confirm()

    def _update(self, sale):
        if sale.state in ("draft", "sent"):
            # Shopify owns orders: an unconfirmed order is rebuilt from the newest payload.
            sale.order_line.unlink()
            # Order values first: a new partner or fiscal position recomputes line taxes, which
            # must not wipe the mapped taxes of the new lines.
            sale.write(self._order_values())
            sale.write({"order_line": [(0, 0, line) for line in self._line_values()]})
            self._remember(sale, sale.order_line.filtered(lambda ln: not ln.display_type).sorted("id"))
            self._settle_totals(sale)
            if self.backend.auto_confirm and not self.order.cancelled_at:
                self._confirm(sale)
            return sale
        if sale.state == "cancel":
            return sale
        if not sale.invoice_ids.filtered(lambda m: m.state == "posted"):
            # Quantities below what was delivered are refused by sale_stock (a data error naming it).
            try:
                return self._update_confirmed(sale)
            except UserError:
                delivery.wait_for_fulfilment_cancellation(self.job, sale, self._edit_below_delivered())
                raise
        # Invoiced: the invoice stands for these lines; an edit is for a person (credit note, new invoice).
        line_values = self._line_values()
        expected = self._line_signature(self._shopify_signature(line_values))
        stored = (sale.shopify_sync_state or {}).get("signature")
        if stored is not None:
            current = self._line_signature(stored)
        else:  # imported before signatures were kept: the lines as Odoo holds them
            current = self._line_signature(
                [(line.product_id.id, line.product_uom_qty) for line in sale.order_line if not line.display_type]
            )
            expected = self._line_signature([row[:2] for row in self._shopify_signature(line_values)])
        if expected != current:
            refused = ""
            if sale.shopify_invoiced_as_charged and books_on(self.backend):
                # Invoiced as Shopify charged: the lines follow the edit, and _books invoices or
                # credits what the edit changed (_invoice_edit).
                try:
                    with self.env.cr.savepoint():
                        return self._update_confirmed(sale)
                except UserError as err:  # e.g. below what Odoo delivered and Shopify did not ship
                    delivery.wait_for_fulfilment_cancellation(self.job, sale, self._edit_below_delivered())
                    refused = _lt(" Odoo cannot follow it: %(reason)s", reason=err.args[0] if err.args else err)
            added = sorted(expected - current)
            removed = sorted(current - expected)
            raise DataError(
                _lt(
                    (
                        "Order %(order)s was edited in Shopify after %(sale)s was confirmed. Lines in "
                        "Shopify only: %(added)s; lines in Odoo only: %(removed)s.%(refused)s"
                    ),
                    order=self.order.name,
                    sale=sale.name,
                    added=added,
                    removed=removed,
                    refused=refused,
                ),
                fix=_lt("Adjust the confirmed sale order by hand (or cancel and Retry), then Retry or Ignore."),
            )
        if not (sale.shopify_sync_state or {}).get("lines"):
            self._remember(sale, self._lines_by_product(sale, line_values))
        return sale

    def _update_confirmed(self, sale):
        """A confirmed order not invoiced follows Shopify's edit: lines are updated in place (a removed
        line goes to quantity 0, as Odoo requires once confirmed); the pending delivery is then set
        by delivery.sync_pending_delivery (README "Order lifecycle")."""
        current = list(sale.order_line.filtered(lambda ln: not ln.display_type).sorted("id"))
        commands, kept = [], []
        line_values = self._line_values()
        remembered = delivery.remembered_keys(sale)
        for values, (key, _factor) in zip(line_values, self.line_keys, strict=False):
            # The sale line this Shopify line became; by product only for lines imported before that
            # was remembered (a bundle part and a line of the same product must not swap).
            stored = key or f"product:{values['product_id']}"
            match = next(
                (
                    line
                    for line in current
                    if line.product_id.id == values["product_id"] and remembered.get(line.id) == stored
                ),
                None,
            ) or next(
                (line for line in current if line.product_id.id == values["product_id"] and line.id not in remembered),
                None,
            )
            if match:
                current.remove(match)
                commands.append((1, match.id, values))
            else:
                commands.append((0, 0, values))
            kept.append(match)
        commands += [(1, line.id, {"product_uom_qty": 0.0}) for line in current]
        before = set(sale.order_line.ids)
        # No procurement from the quantities: delivery.sync_pending_delivery sets the moves, net of refunds.
        sale.with_context(skip_procurement=True).write({"order_line": commands})
        created = iter(sale.order_line.filtered(lambda ln: ln.id not in before).sorted("id"))
        sale_lines = [line or next(created) for line in kept]
        self._remember(sale, sale_lines)
        self._settle_totals(sale, sale_lines)
        return sale

    def _remember(self, sale, sale_lines):
        """Which Shopify line each sale line stands for, and the signature of the lines applied."""
        delivery.remember_lines(sale, dict(zip(sale_lines, self.line_keys, strict=False)))
        state = copy.deepcopy(sale.shopify_sync_state or {})
        state["signature"] = self._shopify_signature(self._last_line_values)
        sale.shopify_sync_state = state

    def _lines_by_product(self, sale, line_values):
        lines = list(sale.order_line.filtered(lambda ln: not ln.display_type).sorted("id"))
        result = []
        for values in line_values:
            match = next((line for line in lines if line.product_id.id == values["product_id"]), None)
            if match:
                lines.remove(match)
            result.append(match)
        return [line for line in result if line]

    def _shopify_signature(self, line_values):
        """Shopify's view of the lines (product, quantity, price), before _settle_totals re-prices
        discounted lines: what an edit in Shopify changes, and nothing Odoo rewrote."""
        return [[values["product_id"], values["product_uom_qty"], values["price_unit"]] for values in line_values]

    @staticmethod
    def _line_signature(lines):
        # A multiset: an edit adding a line just like one the order has is still an edit.
        return Counter((row[0], round(row[1], 4)) + tuple(round(value, 2) for value in row[2:]) for row in lines)

    def _order_values(self):
        order, backend = self.order, self.backend
        customer, invoice, delivery = self._partner_resolver().order_partners(order)
        values = {
            "partner_id": customer.id,
            "partner_invoice_id": invoice.id,
            "partner_shipping_id": delivery.id,
            "client_order_ref": order.name,
            "origin": f"Shopify {order.name}",
            "company_id": self.company.id,
            "date_order": parse_shopify_datetime(self.payload.get("processed_at") or self.payload.get("created_at"))
            or fields.Datetime.now(),
        }
        if backend.order_prefix:
            values["name"] = f"{backend.order_prefix}{order.name.lstrip('#')}"
        warehouse = self._warehouse()
        if warehouse:
            values["warehouse_id"] = warehouse.id
        if backend.team_id:
            values["team_id"] = backend.team_id.id
        # No pricelist for the company's currency: none at all, so that the customer's own pricelist
        # (perhaps in another currency) does not set the order's currency.
        values["pricelist_id"] = self._pricelist().id or False
        return values

    def _warehouse(self):
        """The store's warehouse; a POS sale leaves from the warehouse of the location it was made at."""
        order = self.order
        if order.source_name == "pos" and order.location_gid:
            row = self.env["shopify.sync.location"].search(
                [("backend_id", "=", self.backend.id), ("shopify_gid", "=", order.location_gid)], limit=1
            )
            warehouse = row.warehouse_id or row.location_id.warehouse_id
            if not warehouse:
                raise ConfigurationError(
                    _lt(
                        (
                            "POS order %(order)s was sold at Shopify location %(location)s, which has no Odoo "
                            "warehouse on store %(backend)s."
                        ),
                        order=order.name,
                        location=row.name or order.location_gid,
                        backend=self.backend.name,
                    ),
                    fix=_lt(
                        "Map the location to a warehouse under Shopify Sync > Configuration > Locations, then Retry."
                    ),
                )
            return warehouse
        return self.backend.warehouse_id

    def _pricelist(self):
        code = self.order.currency
        currency = self.company.currency_id  # most orders: no lookup by code
        if currency.name != code:
            currency = self.env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
        if not currency or not currency.active:
            raise ConfigurationError(
                _lt(
                    "Order %(order)s is in %(code)s, which is not an active currency in Odoo.",
                    order=self.order.name,
                    code=code,
                ),
                fix=_lt("Activate %(code)s (Accounting > Configuration > Currencies), then Retry.", code=code),
            )
        pricelist = self.backend.pricelist_ids.filtered(lambda p: p.currency_id == currency)[:1]
        if pricelist or currency == self.company.currency_id:
            return pricelist
        raise ConfigurationError(
            _lt(
                "Order %(order)s is in %(code)s but store %(backend)s has no %(code)s pricelist.",
                order=self.order.name,
                code=code,
                backend=self.backend.name,
            ),
            fix=_lt(
                "Create a pricelist in %(code)s and add it to the store's 'Pricelists per currency', then Retry.",
                code=code,
            ),
        )

    def _partner_resolver(self):
        return PartnerResolver(self.job, known_bindings=self.known_bindings)

    # -- lines -------------------------------------------------------------------------------

    def _product_matcher(self):
        matcher = ProductMatcher(self.backend)
        matcher.prefetch([line.variant_gid for line in self.order.lines if line.kind == "product"])
        return matcher

    def _line_values(self):
        products = self._products_by_index = self._products()
        taxes = self._taxes()
        service = {
            "shipping": self.backend.shipping_product_id,
            "tip": self.backend.tip_product_id,
            "duty": self.backend.duty_product_id,
            "fee": self.backend.fee_product_id,
            "gift_card": self.backend.gift_card_product_id,
        }
        values, self.line_keys = [], []
        for index, line in enumerate(self.order.lines):
            product = products.get(index) or service.get(line.kind)
            if not product:
                raise ConfigurationError(
                    _lt(
                        "Store %(backend)s has no %(kind)s product for '%(title)s'.",
                        backend=self.backend.name,
                        kind=line.kind,
                        title=line.title,
                    ),
                    fix=_lt("Choose a %(kind)s product on the store's Orders tab, then Retry.", kind=line.kind),
                )
            discount = (line.discount / line.gross * 100) if line.gross and line.discount else Decimal(0)
            values.append(
                {
                    "product_id": product.id,
                    "name": line.title if line.kind != "product" else (line.title or product.display_name),
                    "product_uom_qty": float(line.quantity),
                    "price_unit": float(line.unit_price),
                    "discount": float(discount),
                    "tax_ids": [(6, 0, taxes[index].ids)],
                }
            )
            self.line_keys.append((line.gid if line.kind == "product" else None, Decimal(1)))
        values += self._bundle_component_values()
        self._last_line_values = values
        return values

    def _bundle_component_values(self):
        """Components of bundle lines, after all of Shopify's lines (so line N is still Shopify's
        line N), at price 0 without tax: the bundle line keeps Shopify's price and tax, the totals
        stay Shopify's to the cent, and the delivery consumes the components."""
        values = []
        for index, bundle in sorted(self.bundles.items()):
            line = self.order.lines[index]
            for component in bundle.line_ids:
                values.append(
                    {
                        "product_id": component.product_id.id,
                        "name": f"{component.product_id.display_name} (part of {line.title or bundle.name})",
                        "product_uom_qty": float(line.quantity) * component.quantity,
                        "price_unit": 0.0,
                        "discount": 0.0,
                        "tax_ids": [(6, 0, [])],
                    }
                )
                self.line_keys.append((line.gid, Decimal(str(component.quantity))))
        return values

    def _products(self):
        """Product of each product line, by index; one error naming every unmatched line.
        Matching is handlers.products.ProductMatcher's, as for the catalog, on what the payload
        holds first (binding, SKU): Shopify is asked for barcodes only for the variants still
        unmatched then. A custom item (no variant, product or SKU in Shopify) is sold as the store's
        custom item product."""
        matcher = self._product_matcher()
        self.bundles = {}  # line index -> shopify.sync.bundle
        found, missing, pending = {}, [], []
        lines = [(i, line) for i, line in enumerate(self.order.lines) if line.kind == "product"]
        bundles = self.env["shopify.sync.bundle"]._for_variants(self.backend, [line.variant_gid for _i, line in lines])
        methods = matcher.methods
        # The methods before 'barcode' in the store's order need no API call.
        offline = methods[: methods.index("barcode")] if "barcode" in methods else methods
        for index, line in lines:
            bundle = bundles.get(line.variant_gid)
            if bundle:
                found[index] = bundle.product_id
                self.bundles[index] = bundle
                continue
            product = matcher.match(line.variant_gid, line.sku, methods=offline)
            if product:
                found[index] = product
            else:
                pending.append((index, line))
        asked = [line.variant_gid for _i, line in pending if line.variant_gid]
        barcodes = self._barcodes(asked) if asked and "barcode" in methods else {}
        for index, line in pending:
            product = (
                matcher.match(line.variant_gid, line.sku, barcodes.get(line.variant_gid))
                if barcodes.get(line.variant_gid)
                else None
            )
            if not product and line.custom:
                product = self._custom_item_product(line)
            if not product:
                variant = line.variant_gid.rsplit("/", 1)[-1] if line.variant_gid else "none"
                missing.append(
                    _lt(
                        "SKU %(sku)s (variant %(variant)s, '%(title)s')",
                        sku=line.sku or _lt("(empty)"),
                        variant=variant,
                        title=line.title,
                    )
                )
                continue
            found[index] = product
        for index, line in lines:
            if index in found and index not in self.bundles and line.variant_gid:
                if matcher.bound.get(line.variant_gid) == found[index]:
                    continue  # bound to it already: _bind_shared would change nothing
                self.bindings._bind_shared(self.backend, line.variant_gid, found[index])
        if missing:
            raise DataError(
                _lt("Order %(order)s: %(missing)s has no Odoo product.", order=self.order.name, missing=missing[0])
                if len(missing) == 1
                else _lt(
                    "Order %(order)s: no Odoo product for %(missing)s.",
                    order=self.order.name,
                    missing=joined("; ", missing),
                ),
                fix=_lt(
                    "Create the product in Odoo with that internal reference (or barcode), or bind the "
                    "variant, then Retry."
                ),
            )
        return found

    def _custom_item_product(self, line):
        product = self.backend.custom_item_product_id
        if not product:
            raise ConfigurationError(
                _lt(
                    (
                        "Order %(order)s has the custom item '%(title)s' (no product in Shopify), and "
                        "store %(backend)s has no custom item product."
                    ),
                    order=self.order.name,
                    title=line.title,
                    backend=self.backend.name,
                ),
                fix=_lt("Choose a 'Custom item product' on the store's Orders tab, then Retry."),
            )
        return product

    def _barcodes(self, variant_gids):
        """Barcodes of variants, from the cache or one GraphQL call for all the unknown ones."""
        wanted = [gid for gid in variant_gids if gid]
        with _BARCODE_LOCK:
            unknown = [gid for gid in wanted if (self.backend.id, gid) not in _BARCODE_CACHE]
        if unknown:
            nodes = self.backend._get_client().execute(queries.VARIANT_BARCODES, {"ids": unknown})["nodes"]
            with _BARCODE_LOCK:
                for gid in unknown:
                    _BARCODE_CACHE[(self.backend.id, gid)] = None
                for node in nodes:
                    if node and node.get("id"):
                        _BARCODE_CACHE[(self.backend.id, node["id"])] = node.get("barcode") or None
        with _BARCODE_LOCK:
            return {gid: _BARCODE_CACHE.get((self.backend.id, gid)) for gid in wanted}

    def _taxes(self):
        """Odoo taxes of each line, by index, through the store's tax mapping table."""
        table = self.env["shopify.tax.map"]._lookup_table(self.backend)
        destination = self.order.shipping_address or self.order.billing_address or {}
        country_code = (destination.get("country_code") or "").upper()
        state_code = (destination.get("province_code") or "").upper()
        result, missing = {}, []
        Tax = self.env["account.tax"]
        for index, line in enumerate(self.order.lines):
            taxes = Tax
            for tax_line in line.taxes:
                rows = table.get((tax_line.title.strip().lower(), round(float(tax_line.percent), 4)), [])
                row = _best_row(rows, country_code, state_code)
                if not row:
                    missing.append(_lt("tax '%(title)s' %(percent)s%%", title=tax_line.title, percent=tax_line.percent))
                    continue
                if row.tax_id.price_include != self.order.taxes_included:
                    raise ConfigurationError(
                        _lt(
                            "Order %(order)s has prices %(prices)s, but tax '%(tax)s' mapped from "
                            "'%(title)s' is %(tax_kind)s.",
                            order=self.order.name,
                            prices=_lt("including tax") if self.order.taxes_included else _lt("excluding tax"),
                            tax=row.tax_id.name,
                            title=tax_line.title,
                            tax_kind=_lt("tax-included") if row.tax_id.price_include else _lt("tax-excluded"),
                        ),
                        fix=_lt("Map this Shopify tax to an Odoo tax with the matching 'Included in price' setting."),
                    )
                taxes |= row.tax_id
            result[index] = taxes
        if missing:
            unique = sorted(set(missing))
            raise ConfigurationError(
                _lt(
                    "%(taxes)s has no mapping for company %(company)s (order %(order)s).",
                    taxes=unique[0],
                    company=self.company.name,
                    order=self.order.name,
                )
                if len(unique) == 1
                else _lt(
                    "%(taxes)s have no mapping for company %(company)s (order %(order)s).",
                    taxes=joined(", ", unique),
                    company=self.company.name,
                    order=self.order.name,
                ),
                fix=_lt("Add the row under Shopify Sync > Configuration > Tax mappings, then Retry."),
            )
        return result

    # -- checks and state --------------------------------------------------------------------

    def _settle_totals(self, sale, sale_lines=None):
        """Make Odoo's amounts Shopify's, or refuse the order.

        A discount is first kept as Odoo shows it (price + discount %). A percentage cannot always
        carry Shopify's cent-exact allocation, and when Odoo's rounding then lands a cent off, each
        discounted line whose net unit price is a whole number of cents is re-priced at that net
        price (the discount stays in the line description). If the amounts still differ the
        order is refused with both figures, and the savepoint drops everything written.
        """
        if self._totals_mismatch(sale):
            lines = sale_lines or sale.order_line.filtered(lambda ln: not ln.display_type).sorted("id")
            for sale_line, line in zip(lines, self.order.lines, strict=False):
                if not line.discount or not line.quantity:
                    continue
                net_unit = line.net / line.quantity
                if net_unit == net_unit.quantize(CENT):
                    sale_line.write(
                        {
                            "price_unit": float(net_unit),
                            "discount": 0.0,
                            "name": f"{sale_line.name} (Shopify discount {line.discount} on "
                            f"{line.quantity.normalize()} x {line.unit_price})",
                        }
                    )
        self._check_totals(sale)

    def _totals_mismatch(self, sale):
        order = self.order
        currency = sale.currency_id
        return (odoo_amount(sale.amount_tax, currency), odoo_amount(sale.amount_total, currency)) != (
            order.total_tax,
            order.total_price,
        )

    def _check_totals(self, sale):
        order = self.order
        figures = [
            ("untaxed", odoo_amount(sale.amount_untaxed, sale.currency_id), order.total_untaxed),
            ("tax", odoo_amount(sale.amount_tax, sale.currency_id), order.total_tax),
            ("total", odoo_amount(sale.amount_total, sale.currency_id), order.total_price),
        ]
        wrong = [(label, odoo, shopify) for label, odoo, shopify in figures if odoo != shopify]
        if wrong:
            detail = ", ".join(f"{label} Odoo {odoo} vs Shopify {shopify}" for label, odoo, shopify in wrong)
            if self.company.tax_calculation_rounding_method != "round_per_line":
                raise ConfigurationError(
                    _lt(
                        (
                            "Order %(order)s would not match Shopify to the cent (%(currency)s): %(detail)s. "
                            "Shopify rounds tax on each line; company %(company)s rounds per tax over the "
                            "whole order. Nothing was written."
                        ),
                        order=order.name,
                        currency=order.currency,
                        detail=detail,
                        company=self.company.name,
                    ),
                    fix=_lt(
                        (
                            "Shopify rounds tax per line. Switching %(company)s to 'Round per Line' (button "
                            "on the store's Orders tab, or Accounting > Configuration > Settings > Taxes) "
                            "changes how every document of the company is rounded, not only Shopify's: if "
                            "that is acceptable, switch it, then Retry."
                        ),
                        company=self.company.name,
                    ),
                )
            raise DataError(
                _lt(
                    (
                        "Order %(order)s would not match Shopify to the cent (%(currency)s): %(detail)s. "
                        "Shopify subtotal %(subtotal_price)s, discounts %(total_discounts)s. Nothing was "
                        "written."
                    ),
                    order=order.name,
                    currency=order.currency,
                    detail=detail,
                    subtotal_price=order.subtotal_price,
                    total_discounts=order.total_discounts,
                ),
                fix=_lt(
                    "Usually a tax mapping to an Odoo tax with another rate or rounding, or a product "
                    "line Shopify prices differently. Fix the mapping, then Retry."
                ),
            )

    def _invoice_and_pay(self, sale):
        """Books on: one posted invoice for exactly what Shopify charged (every line as ordered,
        whatever the product's invoicing policy), dated the day Shopify processed the order in the
        company's timezone; then the payments of the transactions a pulled order carries, and
        payments already booked from transaction webhooks reconciled with it. Runs once: an order
        with a posted invoice gets no second one."""
        order = self.order
        if not self._books_due(sale):
            return
        invoice = sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")[:1]
        if not invoice:
            invoice = self._invoice(sale)
        else:
            self._invoice_edit(sale)
        book = PaymentBook(self.job, sale)
        for payload in self.payload.get("transactions") or []:
            book.record(parse_transaction(payload, order_gid=order.gid))
        reconcile_order(self.env, sale)

    def _books_due(self, sale):
        """Books on, Shopify charged the customer and the order is confirmed: invoice and payments are kept."""
        return books_on(self.backend) and self.order.financial_status in INVOICED_STATUSES and sale.state == "sale"

    def _invoice(self, sale):
        order = self.order
        sale.shopify_invoiced_as_charged = True
        invoice = sale._create_invoices()
        gift_cards = invoice.invoice_line_ids.filtered(
            lambda ln: ln.product_id and ln.product_id == self.backend.gift_card_product_id
        )
        if gift_cards:
            # A gift card sold is owed to its holder until redeemed: a liability, not revenue.
            gift_cards.account_id = self.backend._gift_card_account()
        placed = company_date(self.company, self.payload.get("processed_at") or self.payload.get("created_at"))
        if placed:
            invoice.invoice_date = placed
        invoice.action_post()
        total = odoo_amount(invoice.amount_total, invoice.currency_id)
        if total != order.total_price:
            raise DataError(
                _lt(
                    "Invoice of %(order)s would be %(total)s but Shopify charged %(total_price)s (%(currency)s).",
                    order=order.name,
                    total=total,
                    total_price=order.total_price,
                    currency=order.currency,
                ),
                fix=_lt(
                    "A line of the sale order was changed in Odoo: correct it to Shopify's order, then Retry; "
                    "or invoice by hand."
                ),
            )
        summary = f"{sale.name}: {invoice.name} of {total} {order.currency}, dated {invoice.invoice_date}"
        if placed and invoice.date != placed:
            summary += (
                f"; accounting date {invoice.date}: {placed} is in a period locked in Odoo, and Odoo's "
                "lock-date rules moved it"
            )
        self.job.result_summary = summary + "."
        return invoice

    def _invoice_edit(self, sale):
        """An order edited in Shopify after it was invoiced: every sale line whose quantity or price
        no longer is what was invoiced for it gets that credited in full (a credit note) and is
        invoiced again as it is now (a supplementary invoice); a line the edit added is only
        invoiced, a line it removed only credited. In full, not the difference: Shopify rounds tax
        on the whole line, so the tax of the difference may be a cent off Shopify's. Refunds are not
        edits: their credit notes stand apart from the sale lines (handlers/refunds.py) and the sale
        lines keep what was sold, so a refund is never credited twice. Runs on every import of an
        invoiced order: after a failure, Retry books what is still missing, and nothing twice."""
        if not sale.shopify_invoiced_as_charged:
            return
        order, currency = self.order, sale.currency_id
        credit, charge = [], []
        for line in sale.order_line.filtered(lambda ln: not ln.display_type).sorted("id"):
            posted = line.invoice_lines.filtered(lambda a: a.parent_state == "posted")
            signs = {a: 1 if a.move_id.move_type == "out_invoice" else -1 for a in posted}
            quantity = round(sum(sign * a.quantity for a, sign in signs.items()), 4)
            total = sum(sign * a.price_total for a, sign in signs.items())
            if quantity == round(line.product_uom_qty, 4) and currency.is_zero(total - line.price_total):
                continue
            if quantity or not currency.is_zero(total):
                # What stands invoiced is the line's last invoice line (each edit credits the one before).
                live = posted.filtered(lambda a: a.move_id.move_type == "out_invoice").sorted("id")[-1:]
                if not live or round(live.quantity, 4) != quantity or not currency.is_zero(live.price_total - total):
                    raise DataError(
                        _lt(
                            "Order %(order)s was edited in Shopify after %(sale)s was invoiced, and its line "
                            "'%(line)s' was invoiced or credited in Odoo outside Shopify's edits.",
                            order=order.name,
                            sale=sale.name,
                            line=line.name,
                        ),
                        fix=_lt("Invoice or credit the edit by hand, then Ignore this job."),
                    )
                credit.append(
                    line._prepare_invoice_line(
                        quantity=live.quantity,
                        price_unit=live.price_unit,
                        discount=live.discount,
                        tax_ids=[(6, 0, live.tax_ids.ids)],
                        name=live.name,
                        account_id=live.account_id.id,
                    )
                )
            if line.product_uom_qty:
                values = line._prepare_invoice_line(quantity=line.product_uom_qty)
                if line.product_id == self.backend.gift_card_product_id:
                    values["account_id"] = self.backend._gift_card_account().id
                charge.append(values)
        if not credit and not charge:
            return
        header = dict(
            sale._prepare_invoice(),
            ref=f"Shopify edit of {order.name}",
            invoice_date=company_date(self.company, self.payload.get("updated_at")) or fields.Date.context_today(sale),
        )
        Move = self.env["account.move"].with_company(sale.company_id)
        moves = Move
        if credit:
            moves |= Move.create(dict(header, move_type="out_refund", invoice_line_ids=[(0, 0, v) for v in credit]))
        if charge:
            moves |= Move.create(dict(header, invoice_line_ids=[(0, 0, v) for v in charge]))
        moves.action_post()
        documents = sale.order_line.invoice_lines.move_id.filtered(lambda m: m.state == "posted")
        net = sum(
            (
                odoo_amount(m.amount_total, currency) * (1 if m.move_type == "out_invoice" else -1)
                for m in documents
                if m.move_type in ("out_invoice", "out_refund")
            ),
            Decimal(0),
        )
        if net != order.total_price:
            raise DataError(
                _lt(
                    "Order %(order)s was edited in Shopify after %(sale)s was invoiced: its invoices would total "
                    "%(net)s but Shopify's order now totals %(total)s (%(currency)s).",
                    order=order.name,
                    sale=sale.name,
                    net=net,
                    total=order.total_price,
                    currency=order.currency,
                ),
                fix=_lt(
                    "A line of the sale order was changed in Odoo: correct it to Shopify's order, then Retry; "
                    "or invoice the edit by hand and Ignore."
                ),
            )
        booked = ", ".join(
            f"{m.name} {'-' if m.move_type == 'out_refund' else '+'}{odoo_amount(m.amount_total, currency)}"
            for m in moves
        )
        self.job.result_summary = f"{sale.name} edited in Shopify after it was invoiced: {booked}."

    def _customer_note(self, sale):
        """The shopper's note, where Odoo users read it: the chatter (and a read-only field). Never
        sale.order.note, which holds the company's terms and conditions printed on documents."""
        note = (self.order.note or "").strip()
        if note == (sale.shopify_sync_customer_note or ""):
            return
        sale.shopify_sync_customer_note = note or False
        body = (
            f"Customer note from Shopify ({self.order.name}): {note}"
            if note
            else f"The customer note was removed in Shopify ({self.order.name})."
        )
        sale.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")

    def _delivered(self, sale):
        """Done deliveries of ``sale``, but those of fulfilments Shopify cancelled since (their goods
        came back: handlers/fulfillments.py)."""

        def still_delivered(picking):
            gid = _fulfilment_gid(picking)
            return not (gid and delivery.fulfilment_cancelled(sale, gid))

        done = sale.picking_ids.filtered(lambda p: p.state == "done" and p.picking_type_code == "outgoing")
        return done.filtered(still_delivered)

    def _wait_for_fulfilment_cancellations(self, delivered):
        """Shopify cancels no order that has fulfilments: deliveries of Shopify fulfilments still
        delivered in Odoo mean their cancellations are on their way (bounded wait)."""
        fulfilled = delivered.filtered(_fulfilment_gid)
        if fulfilled and delivery._retries(self.job) < delivery.ORDER_WAIT_RETRIES:
            raise TransientError(
                _lt(
                    "Order %(order)s was cancelled in Shopify: waiting for the cancellation of fulfilment "
                    "%(fulfillment)s (%(picking)s) first (attempt %(attempt)s of %(attempts)s).",
                    order=self.order.name,
                    fulfillment=self._fulfilment_name(fulfilled[0]),
                    picking=fulfilled[0].name,
                    attempt=delivery._retries(self.job) + 1,
                    attempts=delivery.ORDER_WAIT_RETRIES,
                )
            )

    def _edit_below_delivered(self):
        return _lt("Order %(order)s was edited in Shopify below what Odoo delivered", order=self.order.name)

    def _fulfilment_name(self, picking):
        """The fulfilment's name Shopify gave (``#1001.1``), from the job that delivered it."""
        job = self.env["shopify.sync.job"].search(
            [
                ("backend_id", "=", self.backend.id),
                ("shopify_gid", "=", _fulfilment_gid(picking)),
                ("topic", "in", ("fulfillments/create", "fulfillments/update")),
            ],
            limit=1,
        )
        return (job._payload_json() or {}).get("name") or _fulfilment_gid(picking)

    def _cancel(self, sale):
        if sale.state == "cancel":
            return
        delivered = self._delivered(sale)
        invoiced = sale.invoice_ids.filtered(lambda m: m.state == "posted")
        refunds = [gid for gid in (payload_gid("Refund", r) for r in self.payload.get("refunds") or []) if gid]
        if invoiced and not delivered and books_on(self.backend) and refunds:
            # Cancelled with its money refunded: the refunds' credit notes take the invoice back,
            # the sale order is cancelled and every document stays. A refund may still be queued.
            waiting = [gid for gid in refunds if not self.bindings._record_for(self.backend, gid)]
            if not waiting:
                sale._action_cancel()
                return
            if delivery._retries(self.job) < delivery.ORDER_WAIT_RETRIES:
                raise TransientError(
                    _lt(
                        "Order %(order)s was cancelled in Shopify and %(sale)s is invoiced: waiting for its refund "
                        "%(refund)s (attempt %(attempt)s of %(attempts)s).",
                        order=self.order.name,
                        sale=sale.name,
                        refund=waiting[0].rsplit("/", 1)[-1],
                        attempt=delivery._retries(self.job) + 1,
                        attempts=delivery.ORDER_WAIT_RETRIES,
                    )
                )
        if delivered or invoiced:
            self._wait_for_fulfilment_cancellations(delivered)
            done = ", ".join(delivered.mapped("name") + invoiced.mapped("name"))
            raise DataError(
                _lt(
                    "Order %(order)s was cancelled in Shopify, but %(sale)s already has %(done)s.",
                    order=self.order.name,
                    sale=sale.name,
                    done=done,
                ),
                fix=_lt(
                    "Return the goods or issue a credit note in Odoo, cancel the sale order by hand, "
                    "then Ignore this job."
                ),
            )
        sale._action_cancel()


def _fulfilment_gid(picking):
    return picking._shopify_sync_fulfillment_binding().shopify_gid


def _best_row(rows, country_code, state_code):
    """The most specific mapping row for the destination: state, then country, then any."""
    best, best_score = None, -1
    for row in rows:
        if row.country_id and row.country_id.code != country_code:
            continue
        if row.state_id and (row.state_id.code or "").upper() != state_code:
            continue
        score = (2 if row.state_id else 0) + (1 if row.country_id else 0)
        if score > best_score:
            best, best_score = row, score
    return best


@register("orders/create", "order")
@register("orders/updated", "order")
@register("orders/paid", "order")
@register("orders/cancelled", "order")
def import_order(job):
    return OrderImporter(job).run()
